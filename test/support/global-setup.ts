// Vitest global setup of the integration project: one Kafka broker and one PostgreSQL
// server for the whole run, shared by test files that each use their own topics and schema.

import type { TestProject } from 'vitest/node';
import { silenceKnownWarnings } from '../../infra/index.ts';
import { acquireTestServices } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  silenceKnownWarnings();
  const started = Date.now();
  const services = await acquireTestServices();
  console.log(`[pulse tests] Kafka ${services.kafkaBrokers}, PostgreSQL ${services.databaseUrl.replace(/:[^:@/]*@/, ':***@')} (${services.origin}, ready in ${Date.now() - started} ms)`);
  project.provide('kafkaBrokers', services.kafkaBrokers);
  project.provide('databaseUrl', services.databaseUrl);
  return services.stop;
}
