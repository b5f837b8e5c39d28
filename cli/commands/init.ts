// `pulse init`: what a fresh installation needs once — migrations, topics, and when there
// is no history yet, generated history up to the current minute and a first batch run. On
// a later start of a generated installation, the time since the last history or live event
// is backfilled (the same fleet and seed), so history flows into live without a hole.
// Safe to run again, also after an init that was killed: history appears whole or not at
// all (it is generated aside and moved into place), and the batch runs until one has been
// published.

import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createKafka, createLogger, createPool, ensurePulseTopics, prepareSchema, requireKafka, type Config, type Logger } from '../../infra/index.ts';
import type { ConfigSource } from '../config-source.ts';
import { positiveInt } from '../options.ts';
import { runToCompletion } from '../supervisor.ts';

export interface InitOptions { historyDays: number; serversPerRegion: number }

const MINUTE = 60_000;
/** Written beside generated history: what the backfill needs to continue the same fleet. A user's own history has none, and is never backfilled. */
const GENERATED_MARKER = '.pulse-generated.json';
interface GeneratedMarker { serversPerRegion: number; seed: number }
const SEED = 42;

async function hasHistory(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { recursive: true }).catch(() => []);
  return entries.some((e) => /\.(csv|jsonl|json|parquet)(\.gz)?$/.test(String(e)) && !String(e).endsWith('labels.jsonl'));
}

/** The published watermark, and the end of the newest minute any view holds (history or live). */
async function publishedState(config: Config): Promise<{ published: boolean; lastMinuteEnd: number | null }> {
  const pool = createPool({ databaseUrl: config.databaseUrl, schema: config.dbSchema, applicationName: 'pulse-init', max: 1 });
  try {
    const published = (await pool.query('SELECT 1 FROM batch_watermark')).rowCount !== 0;
    const last = await pool.query<{ last: Date | null }>(`SELECT greatest((SELECT max(minute) FROM gold_region_minute), (SELECT max(minute) FROM rt_region_minute),
      (SELECT date_trunc('minute', max(ts)) FROM readings_hot)) AS last`);
    const minute = last.rows[0]?.last ?? null;
    return { published, lastMinuteEnd: minute === null ? null : minute.getTime() + MINUTE };
  } finally {
    await pool.end();
  }
}

/**
 * Generates history aside with `args`, then moves its region folders into `target` and
 * appends its labels to historical/labels.jsonl: a killed run leaves only the staging
 * folder, which the next run discards.
 */
async function generateInto(config: Config, target: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const historical = join(config.dataDir, 'historical');
  const staging = join(config.dataDir, '.historical.staging');
  await rm(staging, { recursive: true, force: true });
  await runToCompletion('history', ['generate', 'history', '--out', staging, '--seed', String(SEED), ...args], env);
  await mkdir(target, { recursive: true });
  const labels = await readFile(join(staging, 'labels.jsonl'), 'utf8').catch(() => '');
  await rm(join(staging, 'labels.jsonl'), { force: true });
  for (const entry of await readdir(staging)) {
    await rm(join(target, entry), { recursive: true, force: true }); // an empty folder left by hand, say: it holds no history
    await rename(join(staging, entry), join(target, entry));
  }
  await appendFile(join(historical, 'labels.jsonl'), labels);
  await rm(staging, { recursive: true, force: true });
}

/** A first start: `historyDays` of history ending at the current minute. */
async function generateHistory(config: Config, options: InitOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const historical = join(config.dataDir, 'historical');
  await generateInto(config, historical, ['--servers-per-region', String(options.serversPerRegion), '--days', String(options.historyDays), '--end', 'now'], env);
  const marker: GeneratedMarker = { serversPerRegion: options.serversPerRegion, seed: SEED };
  await writeFile(join(historical, GENERATED_MARKER), `${JSON.stringify(marker)}\n`);
}

/** A later start: the minutes since the last event any view holds, in each region's newest schema, into a folder of their own. */
async function backfill(config: Config, fromMs: number, env: NodeJS.ProcessEnv, logger: Logger): Promise<boolean> {
  const historical = join(config.dataDir, 'historical');
  const marker = await readFile(join(historical, GENERATED_MARKER), 'utf8').then((text) => JSON.parse(text) as GeneratedMarker, () => null);
  const to = Math.floor(Date.now() / MINUTE) * MINUTE;
  if (!marker || to - fromMs < 2 * MINUTE) return false;
  const from = new Date(fromMs).toISOString();
  const folder = join(historical, `backfill-${from.replace(/[-:]/g, '').slice(0, 13)}Z`);
  logger.info({ from, to: new Date(to).toISOString(), folder }, 'backfilling the time since the last event');
  await generateInto(config, folder, ['--servers-per-region', String(marker.serversPerRegion), '--from', from, '--end', new Date(to).toISOString(), '--newest-schema'], env);
  return true;
}

export async function initialize(config: Config, options: InitOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const logger = createLogger('init', config.logLevel);
  await requireKafka(config.kafka);
  await prepareSchema(config.databaseUrl, config.dbSchema, logger);
  await ensurePulseTopics(createKafka({ ...config.kafka, clientId: 'pulse-init', logger }), config.topic, { replication: config.topicReplication });
  const historyDir = join(config.dataDir, 'historical');
  const state = await publishedState(config);
  let added = false;
  if (!(await hasHistory(historyDir))) {
    await generateHistory(config, options, env);
    added = true;
  } else if (state.published && state.lastMinuteEnd !== null) {
    added = await backfill(config, state.lastMinuteEnd, env, logger);
  }
  // An incremental run: it reads only what was just added (or everything, the first time).
  if (added || !state.published) await runToCompletion('batch', ['batch'], env);
}

export function registerInitCommand(program: Command, getConfig: ConfigSource): void {
  program.command('init')
    .description('prepare an installation: migrations, topics, and when there is no history, history up to now plus a first batch run; on a later start, the time since the last event is backfilled; safe to run again')
    .option('--history-days <d>', 'days of history to generate when there is none', positiveInt, 7)
    .option('--servers-per-region <n>', 'fleet size per region', positiveInt, 50)
    .action(async (flags: InitOptions) => {
      await initialize(getConfig(), flags, process.env);
      console.log('pulse init: ready');
    });
}
