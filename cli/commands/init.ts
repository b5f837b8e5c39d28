// `pulse init`: what a fresh installation needs once — migrations, topics, and when there
// is no history yet, generated history and a first batch run. Safe to run again, also
// after an init that was killed: history appears whole or not at all (it is generated
// aside and moved into place), and the first batch runs until one has been published.

import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createKafka, createLogger, createPool, ensurePulseTopics, prepareSchema, requireKafka, type Config } from '../../infra/index.ts';
import type { ConfigSource } from '../main.ts';
import { positiveInt } from '../options.ts';
import { runToCompletion } from '../supervisor.ts';

export interface InitOptions { historyDays: number; serversPerRegion: number }

async function hasHistory(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { recursive: true }).catch(() => []);
  return entries.some((e) => /\.(csv|jsonl|parquet)$/.test(String(e)));
}

async function hasPublishedBatch(config: Config): Promise<boolean> {
  const pool = createPool({ databaseUrl: config.databaseUrl, schema: config.dbSchema, applicationName: 'pulse-init', max: 1 });
  try {
    return (await pool.query('SELECT 1 FROM batch_watermark')).rowCount !== 0;
  } finally {
    await pool.end();
  }
}

/** Generates history aside, then moves it into `historical/`: a killed run leaves only the staging folder, which the next run discards. */
async function generateHistory(config: Config, options: InitOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const target = join(config.dataDir, 'historical');
  const staging = join(config.dataDir, '.historical.staging');
  await rm(staging, { recursive: true, force: true });
  await runToCompletion('history', ['generate', 'history', '--out', staging, '--servers-per-region', String(options.serversPerRegion), '--days', String(options.historyDays)], env);
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(staging)) {
    await rm(join(target, entry), { recursive: true, force: true }); // an empty folder left by hand, say: it holds no history
    await rename(join(staging, entry), join(target, entry));
  }
  await rm(staging, { recursive: true, force: true });
}

export async function initialize(config: Config, options: InitOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const logger = createLogger('init', config.logLevel);
  await requireKafka(config.kafkaBrokers);
  await prepareSchema(config.databaseUrl, config.dbSchema, logger);
  await ensurePulseTopics(createKafka({ brokers: config.kafkaBrokers, clientId: 'pulse-init', logger }), config.topic);
  if (!(await hasHistory(join(config.dataDir, 'historical')))) await generateHistory(config, options, env);
  if (!(await hasPublishedBatch(config))) await runToCompletion('batch', ['batch'], env);
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
