// `pulse speed`: one member of the speed layer's consumer group.

import type { Command } from 'commander';
import { createKafka, createLogger, ensurePulseTopics, prepareSchema, requireKafka } from '../../infra/index.ts';
import { closeOnSignal } from '../lifecycle.ts';
import type { ConfigSource } from '../config-source.ts';
import { positiveInt } from '../options.ts';

export function registerSpeedCommand(program: Command, getConfig: ConfigSource): void {
  program.command('speed')
    .description('consume PULSE_TOPIC in consumer group PULSE_SPEED_GROUP: hot rows and realtime views in PostgreSQL, raw cold archive under $PULSE_DATA_DIR/live_data, alerts, dead letters; offsets are committed only once both sinks are durable. Run several to share the partitions.')
    .option('--concurrency <n>', 'partitions processed at once by this process', positiveInt, 3)
    .action(async (flags: { concurrency: number }) => {
      const config = getConfig();
      const logger = createLogger('speed', config.logLevel);
      await requireKafka(config.kafka);
      await prepareSchema(config.databaseUrl, config.dbSchema, logger);
      const kafka = createKafka({ ...config.kafka, clientId: 'pulse-speed', logger });
      await ensurePulseTopics(kafka, config.topic, { replication: config.topicReplication });
      // Loaded on demand so that each command pays only for the layers it runs.
      const { startSpeedLayer } = await import('../../speed/index.ts');
      const starting = startSpeedLayer({
        kafka, topic: config.topic, group: config.speed.group, databaseUrl: config.databaseUrl, schema: config.dbSchema,
        dataDir: config.dataDir, alertForReadings: config.speed.alertForReadings, expiryOverlapMs: config.speed.expiryOverlapMs,
        archiveRollBytes: config.speed.archiveRollBytes, archiveRollMs: config.speed.archiveRollMs, concurrency: flags.concurrency, logger,
      });
      // A signal during start-up waits for the start to finish, then drains as usual.
      closeOnSignal(async () => (await starting).close(), logger);
      const speed = await starting;
      logger.info({ instanceId: speed.instanceId, topic: config.topic, group: config.speed.group }, 'speed layer running');
      await new Promise(() => undefined); // runs until a signal closes it
    });
}
