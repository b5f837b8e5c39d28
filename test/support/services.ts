// Finds a real Kafka broker and PostgreSQL server for the integration tests, in order:
// services named by KAFKA_BROKERS / DATABASE_URL; containers when a Docker engine
// answers; else a private local stack started by Pulse's own launcher.

import { startEphemeralStack, type Services } from '../../infra/index.ts';

async function containerRuntimeAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 10_000).unref());
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch {
    return false;
  }
}

async function fromContainers(): Promise<Services> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const [kafkaStarted, postgresStarted] = await Promise.allSettled([
    new KafkaContainer('confluentinc/cp-kafka:7.9.1').withKraft().start(),
    new PostgreSqlContainer('postgres:17').start(),
  ]);
  if (kafkaStarted.status === 'rejected' || postgresStarted.status === 'rejected') {
    // Whichever did start is stopped: a half-started pair must not outlive the fallback.
    await Promise.allSettled([kafkaStarted, postgresStarted].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw kafkaStarted.status === 'rejected' ? kafkaStarted.reason : (postgresStarted as PromiseRejectedResult).reason;
  }
  const kafka = kafkaStarted.value;
  const postgres = postgresStarted.value;
  return {
    kafkaBrokers: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
    databaseUrl: postgres.getConnectionUri(),
    origin: 'testcontainers',
    stop: async () => {
      await Promise.all([kafka.stop(), postgres.stop()]);
    },
  };
}

export async function acquireTestServices(): Promise<Services> {
  const kafka = process.env['KAFKA_BROKERS'];
  const database = process.env['DATABASE_URL'];
  if (kafka && database) {
    return { kafkaBrokers: kafka, databaseUrl: database, origin: 'environment', stop: async () => undefined };
  }
  if (await containerRuntimeAnswers()) {
    try {
      return await fromContainers();
    } catch (error) {
      // An engine that cannot pull the images (no registry in reach) is no reason to fail:
      // the local launcher starts the same real services.
      console.warn(`[pulse tests] containers could not start (${(error as Error).message.split('\n')[0]}); starting a local stack instead`);
    }
  }
  return startEphemeralStack();
}
