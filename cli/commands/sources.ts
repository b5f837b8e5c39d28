// `pulse agent` and `pulse bridge`: real-machine metrics and the original system's socket feed.

import { InvalidArgumentError, type Command } from 'commander';
import { createKafka, createLogger, ensurePulseTopics, requireKafka, type Config } from '../../infra/index.ts';
import { isValidRegion } from '../../telemetry/index.ts';
import { closeOnSignal, every } from '../lifecycle.ts';
import type { ConfigSource } from '../config-source.ts';
import { positiveInt } from '../options.ts';

function region(value: string): string {
  if (!isValidRegion(value)) throw new InvalidArgumentError('expected a lower-case region name such as local or lab-2');
  return value;
}

async function connectKafka(config: Config, clientId: string) {
  const logger = createLogger(clientId, config.logLevel);
  await requireKafka(config.kafka);
  const kafka = createKafka({ ...config.kafka, clientId, logger });
  await ensurePulseTopics(kafka, config.topic, { replication: config.topicReplication });
  return { kafka, logger };
}

export function registerSourceCommands(program: Command, getConfig: ConfigSource): void {
  program.command('agent')
    .description('stream this machine\'s real metrics (CPU, memory, disk, network in/out from counter deltas, temperature where exposed) to PULSE_TOPIC as pulse/v1 records')
    .option('--interval <seconds>', 'seconds between samples', positiveInt, 5)
    .option('--region <name>', 'region reported for this host', region, 'local')
    .option('--host-id <id>', 'host id to report (default: this machine\'s host name)')
    .action(async (flags: { interval: number; region: string; hostId?: string }) => {
      const config = getConfig();
      const { kafka, logger } = await connectKafka(config, 'pulse-agent');
      const { startAgent } = await import('../../generator/index.ts');
      const agent = await startAgent({
        kafka, topic: config.topic, region: flags.region, intervalMs: flags.interval * 1000, logger,
        ...(flags.hostId ? { hostId: flags.hostId } : {}),
      });
      closeOnSignal(() => agent.close(), logger);
      every(60_000, () => logger.info({ sent: agent.sent() }, 'agent progress'));
      logger.info({ topic: config.topic, region: flags.region, intervalSeconds: flags.interval }, 'agent running');
      await agent.done;
    });

  program.command('bridge')
    .description('connect to the original system\'s JSON-lines telemetry server and forward every line unchanged to PULSE_TOPIC (schema tag legacy/v1), reconnecting with backoff')
    .option('--host <host>', 'server host', '127.0.0.1')
    .option('--port <port>', 'server port', positiveInt, 9988)
    .action(async (flags: { host: string; port: number }) => {
      const config = getConfig();
      const { kafka, logger } = await connectKafka(config, 'pulse-bridge');
      const { startBridge } = await import('../../generator/index.ts');
      const bridge = await startBridge({ kafka, topic: config.topic, host: flags.host, port: flags.port, logger });
      closeOnSignal(() => bridge.close(), logger);
      every(60_000, () => logger.info(bridge.stats(), 'bridge progress'));
      logger.info({ server: `${flags.host}:${flags.port}`, topic: config.topic }, 'bridge running');
      await new Promise(() => undefined); // runs until a signal closes it
    });
}
