// `pulse serve`: the serving layer's HTTP API on PORT, and the built dashboard at /.

import type { Command } from 'commander';
import { createLogger, prepareSchema } from '../../infra/index.ts';
import { DASHBOARD_DIST } from '../../dashboard/index.ts';
import { closeOnSignal } from '../lifecycle.ts';
import type { ConfigSource } from '../config-source.ts';

export function registerServeCommand(program: Command, getConfig: ConfigSource): void {
  program.command('serve')
    .description('serve the API on PORT: batch views before the watermark merged with realtime views after it (read-only database role)')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .action(async (flags: { host: string }) => {
      const config = getConfig();
      const logger = createLogger('serving', config.logLevel);
      await prepareSchema(config.databaseUrl, config.dbSchema, logger);
      const { startServing } = await import('../../serving/index.ts');
      const serving = await startServing({ databaseUrl: config.databaseUrl, schema: config.dbSchema, kafkaBrokers: config.kafkaBrokers, kafkaSecurity: config.kafka.security, port: config.port, host: flags.host, limits: config.serving, streams: config.streams, dashboardDir: DASHBOARD_DIST, ...(config.controlToken ? { controlToken: config.controlToken } : {}), logger });
      logger.info({ url: `http://localhost:${serving.port}/` }, 'serving');
      closeOnSignal(() => serving.close(), logger);
    });
}
