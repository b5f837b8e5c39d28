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
  const [kafka, postgres] = await Promise.all([
    new KafkaContainer('confluentinc/cp-kafka:7.9.1').withKraft().start(),
    new PostgreSqlContainer('postgres:17').start(),
  ]);
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
  if (await containerRuntimeAnswers()) return fromContainers();
  return startEphemeralStack();
}
