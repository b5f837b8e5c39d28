// `pulse stack up|down|status`: the local Kafka broker and PostgreSQL server.

import type { Command } from 'commander';
import { createLogger, installStack, planStack, stackDown, stackStatus, stackUp, type StackState } from '../../infra/index.ts';
import type { ConfigSource } from '../config-source.ts';

function printState(state: StackState): boolean {
  for (const [name, s] of Object.entries(state)) {
    const where = s.local ? `local${s.pid ? `, pid ${s.pid}` : ''}` : 'external';
    console.log(`${name.padEnd(9)} ${s.address.padEnd(28)} ${(s.answering ? 'answering' : 'not answering').padEnd(14)} ${where}; ${s.detail}`);
  }
  return state.kafka.answering && state.postgres.answering;
}

export function registerStackCommands(program: Command, getConfig: ConfigSource): void {
  const stack = program.command('stack').description('run the Kafka broker and PostgreSQL server Pulse needs, on this machine');

  stack.command('install')
    .description('fetch and check everything the local stack needs (Java, the Kafka jars from Maven Central, PostgreSQL binaries) without starting it')
    .action(async () => {
      const report = await installStack(getConfig().cacheDir);
      for (const [what, where] of Object.entries(report)) console.log(`${what.padEnd(9)} ${where}`);
    });

  stack.command('up')
    .description('start Kafka (KRaft, from Maven Central jars) and PostgreSQL where KAFKA_BROKERS / DATABASE_URL name this machine; safe to run twice')
    .option('--kafka-heap <mb>', 'JVM heap of the broker in MB', (v) => Number(v), 512)
    .action(async (options: { kafkaHeap: number }) => {
      const config = getConfig();
      const plan = planStack(config);
      const outcome = await stackUp(plan, { logger: createLogger('stack', config.logLevel), kafkaHeapMb: options.kafkaHeap });
      console.log(`kafka     ${plan.kafka.address}: ${outcome.kafka}`);
      console.log(`postgres  ${plan.postgres.url.replace(/:[^:@/]*@/, ':***@')}: ${outcome.postgres}`);
    });

  stack.command('down')
    .description('stop the local Kafka and PostgreSQL (external services are left alone)')
    .action(async () => {
      const outcome = await stackDown(planStack(getConfig()));
      console.log(`kafka     ${outcome.kafka}`);
      console.log(`postgres  ${outcome.postgres}`);
    });

  stack.command('status')
    .description('print the broker and database addresses and whether each answers; exit 1 unless both do')
    .action(async () => {
      if (!printState(await stackStatus(planStack(getConfig())))) process.exitCode = 1;
    });
}
