// `pulse generate history|live`: the fleet's history files and its live Kafka stream.

import { join } from 'node:path';
import type { Command } from 'commander';
import { HISTORY_REGIONS, type HistoryRegion } from '../../telemetry/index.ts';
import { createKafka, createLogger, ensurePulseTopics, requireKafka, type Config } from '../../infra/index.ts';
import { closeOnSignal, every } from '../lifecycle.ts';
import type { ConfigSource } from '../config-source.ts';
import { instant, integer, nonNegativeNumber, positiveInt, regionList, todayUtc } from '../options.ts';
import { progressBar } from '../progress.ts';

interface LiveFlags {
  rate: number; serversPerRegion: number; seed: number; regions: HistoryRegion[]; incidentRate: number; count?: number; partitions: number;
}

interface HistoryFlags {
  out?: string; serversPerRegion: number; days: number; interval: number; seed: number;
  regions: HistoryRegion[]; end?: number; from?: number; newestSchema?: boolean; incidentRate: number;
}

export function registerGenerateCommands(program: Command, getConfig: ConfigSource): void {
  const generate = program.command('generate').description('produce the fleet\'s telemetry: history files, or a live stream to Kafka');
  registerHistory(generate, getConfig);
  registerLive(generate, getConfig);
}

function registerHistory(generate: Command, getConfig: ConfigSource): void {
  generate.command('history')
    .description('write history in each region\'s native format (India CSV, USA JSON lines, Germany Parquet), one file per region, UTC day and schema version, plus labels.jsonl; the same options give byte-identical files')
    .option('--out <dir>', 'output directory (default: $PULSE_DATA_DIR/historical)')
    .option('--servers-per-region <n>', 'hosts in each region', positiveInt, 50)
    .option('--days <d>', 'days of history, ending at --end', positiveInt, 7)
    .option('--interval <seconds>', 'seconds between a host\'s readings (must divide 86400)', positiveInt, 60)
    .option('--seed <s>', 'random seed', integer, 42)
    .option('--regions <list>', 'comma-separated regions', regionList, [...HISTORY_REGIONS])
    .option('--end <when>', 'where the history ends (exclusive): a UTC day YYYY-MM-DD (its midnight), now (the current minute) or an ISO time; default: today\'s midnight', instant)
    .option('--from <when>', 'where it starts (inclusive), instead of --days before --end', instant)
    .option('--newest-schema', 'every region writes its newest schema throughout (default: each changes schema once, part-way)')
    .option('--incident-rate <r>', 'expected labeled incidents per host per day', nonNegativeNumber, 0.25)
    .action((flags: HistoryFlags) => generateHistory(flags, getConfig));
}

async function generateHistory(flags: HistoryFlags, getConfig: ConfigSource): Promise<void> {
  const outDir = flags.out ?? join(getConfig().dataDir, 'historical');
  const { writeHistory } = await import('../../generator/index.ts');
  const bar = progressBar('history');
  const summary = await writeHistory(outDir, {
    serversPerRegion: flags.serversPerRegion, days: flags.days, intervalSeconds: flags.interval, seed: flags.seed,
    regions: flags.regions, end: flags.end ?? todayUtc(), incidentRate: flags.incidentRate,
    ...(flags.from !== undefined ? { from: flags.from } : {}), ...(flags.newestSchema ? { schemas: 'newest' as const } : {}),
  }, (done, total) => bar.update(done, total));
  bar.stop();
  const mb = (summary.bytes / 1_048_576).toFixed(1);
  console.log(`history: ${summary.rows} rows, ${summary.files} files, ${mb} MB, ${summary.incidents} incidents in ${summary.seconds.toFixed(1)} s (${Math.round(summary.rows / summary.seconds)} rows/s) → ${summary.outDir}`);
}

function registerLive(generate: Command, getConfig: ConfigSource): void {
  generate.command('live')
    .description('produce the fleet\'s readings to PULSE_TOPIC in each region\'s newest native schema (JSON, schema tag in the pulse-schema header, keyed by host, with a unique event_id); the rate can be changed at run time through telemetry.control')
    .option('--rate <events-per-s>', 'events per second across the fleet', nonNegativeNumber, 100)
    .option('--servers-per-region <n>', 'hosts in each region', positiveInt, 50)
    .option('--seed <s>', 'random seed of the fleet', integer, 42)
    .option('--regions <list>', 'comma-separated regions', regionList, [...HISTORY_REGIONS])
    .option('--incident-rate <r>', 'expected labeled incidents per host per day (labels go to telemetry.labels)', nonNegativeNumber, 0.25)
    .option('--count <n>', 'stop after this many events (default: run until Ctrl-C)', positiveInt)
    .option('--partitions <n>', 'partitions of PULSE_TOPIC when it has to be created', positiveInt, 6)
    .action(async (flags: LiveFlags) => generateLive(flags, getConfig()));
}

async function generateLive(flags: LiveFlags, config: Config): Promise<void> {
  const logger = createLogger('generator', config.logLevel);
  await requireKafka(config.kafka);
  const kafka = createKafka({ ...config.kafka, clientId: 'pulse-generator', logger });
  await ensurePulseTopics(kafka, config.topic, { rawPartitions: flags.partitions, replication: config.topicReplication });
  const { startLiveGenerator } = await import('../../generator/index.ts');
  const generator = await startLiveGenerator({
    kafka, topic: config.topic, rate: flags.rate, serversPerRegion: flags.serversPerRegion, seed: flags.seed,
    regions: flags.regions, incidentRate: flags.incidentRate, logger, ...(flags.count ? { maxEvents: flags.count } : {}),
  });
  closeOnSignal(async () => void await generator.close(), logger);
  let last = 0;
  const stopReporting = every(10_000, () => {
    const { sent, rate, labels } = generator.stats();
    logger.info({ sent, eventsPerSecond: Math.round((sent - last) / 10), targetRate: rate, labels }, 'live progress');
    last = sent;
  });
  logger.info({ topic: config.topic, rate: flags.rate, hosts: flags.serversPerRegion * flags.regions.length }, 'live generator running');
  await generator.done;
  stopReporting();
  const clean = await generator.close();
  console.log(`live: ${generator.stats().sent} events sent to ${config.topic}`);
  // Every event is delivered; a client still stuck reconnecting (its broker was just
  // killed) would keep its timers, and so this process, alive for minutes.
  if (!clean) process.exit(0);
}
