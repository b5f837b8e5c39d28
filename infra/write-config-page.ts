// `npm run docs:config`: writes docs/configuration.md from the config schema and its
// descriptions; infra/config-page.test.ts fails until it has been run after a change.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationMarkdown } from './config-page.ts';
import { packageRoot } from './paths.ts';

const path = join(packageRoot, 'docs', 'configuration.md');
writeFileSync(path, configurationMarkdown());
console.log(`wrote ${path}`);
