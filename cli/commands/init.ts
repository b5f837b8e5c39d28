// `pulse init`: what a fresh installation needs once — migrations, topics, and when there
// is no history yet, generated history and a first batch run. Safe to run again.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createKafka, createLogger, ensurePulseTopics, prepareSchema, requireKafka, type Config } from '../../infra/index.ts';
import type { ConfigSource } from '../main.ts';
import { positiveInt } from '../options.ts';
import { runToCompletion } from '../supervisor.ts';

export interface InitOptions { historyDays: number; serversPerRegion: number }

async function hasHistory(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { recursive: true }).catch(() => []);
  return entries.some((e) => /\.(csv|jsonl|parquet)$/.test(String(e)));
}

export async function initialize(config: Config, options: InitOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const logger = createLogger('init', config.logLevel);
  await requireKafka(config.kafkaBrokers);
  await prepareSchema(config.databaseUrl, config.dbSchema, logger);
  await ensurePulseTopics(createKafka({ brokers: config.kafkaBrokers, clientId: 'pulse-init', logger }), config.topic);
  if (!(await hasHistory(join(config.dataDir, 'historical')))) {
    await runToCompletion('history', ['generate', 'history', '--servers-per-region', String(options.serversPerRegion), '--days', String(options.historyDays)], env);
    await runToCompletion('batch', ['batch'], env);
  }
}

export function registerInitCommand(program: Command, getConfig: ConfigSource): void {
  program.command('init')
    .description('prepare a fresh installation: migrations, topics, and history plus a first batch run when there is no history yet; safe to run again')
    .option('--history-days <d>', 'days of history to generate when there is none', positiveInt, 7)
    .option('--servers-per-region <n>', 'fleet size per region', positiveInt, 50)
    .action(async (flags: InitOptions) => {
      await initialize(getConfig(), flags, process.env);
      console.log('pulse init: ready');
    });
}
