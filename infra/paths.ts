// Where the package itself lives, so bundled files (pom.xml, migrations) are found
// whatever the working directory.

import { fileURLToPath } from 'node:url';

export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
