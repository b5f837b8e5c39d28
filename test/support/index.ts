// What code outside test/ may use of the test support: the browser launcher (the dashboard
// benchmark drives chromium as the tests do) and the anomaly model fixture of unit tests.
// Everything else here serves test/ alone.
export { launchBrowser } from './browser.ts';
export { nightlyBackupModel } from './anomaly-model.ts';
