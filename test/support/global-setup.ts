// Vitest global setup of the integration project: one Kafka broker and one PostgreSQL
// server for the whole run, shared by test files that each use their own topics and schema.

import type { TestProject } from 'vitest/node';
import { silenceKnownWarnings } from '../../infra/index.ts';
import { join } from 'node:path';
import { REPORT_PATH, writeReliabilityReport } from './reliability-report.ts';
import { runResultsDir } from './reliability.ts';
import { acquireTestServices } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    databaseUrl: string;
    /** Names this run's directory of reliability results. */
    reliabilityRun: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  silenceKnownWarnings();
  // Each run's reliability results stand alone, in a directory of their own.
  const reliabilityRun = new Date().toISOString().replace(/[:.]/g, '-');
  project.provide('reliabilityRun', reliabilityRun);
  const started = Date.now();
  const services = await acquireTestServices();
  console.log(`[pulse tests] Kafka ${services.kafkaBrokers}, PostgreSQL ${services.databaseUrl.replace(/:[^:@/]*@/, ':***@')} (${services.origin}, ready in ${Date.now() - started} ms)`);
  project.provide('kafkaBrokers', services.kafkaBrokers);
  project.provide('databaseUrl', services.databaseUrl);
  return async () => {
    await services.stop();
    // The fault and bad-input suites' report: always next to the results, and into docs/
    // when asked (npm run test:reliability sets PULSE_RELIABILITY_REPORT=docs).
    const results = runResultsDir(reliabilityRun);
    await writeReliabilityReport(results, join(results, 'RELIABILITY.md'));
    if (process.env['PULSE_RELIABILITY_REPORT'] === 'docs') await writeReliabilityReport(results, REPORT_PATH);
  };
}
