// Public surface of dashboard/: where the built dashboard is (`npm run build:dashboard`).
import { fileURLToPath } from 'node:url';

export const DASHBOARD_DIST = fileURLToPath(new URL('./dist', import.meta.url));
