// `pulse up` (npm start): the whole pipeline on one machine without Docker — local Kafka
// and PostgreSQL, migrations and topics, history and a first batch run when there is no
// history yet, then the speed layer, the batch schedule, the live generator and the
// serving layer as child processes, each started once the previous one is ready.
// Ctrl-C stops them in reverse order and then the local services it started.

import type { Command } from 'commander';
import { createLogger, planStack, PulseError, stackDown, stackUp } from '../../infra/index.ts';
import { initialize } from './init.ts';
import type { ConfigSource } from '../config-source.ts';
import { nonNegativeNumber, positiveInt } from '../options.ts';
import { supervise, type Supervised } from '../supervisor.ts';

interface UpFlags { generator: boolean; rate: number; historyDays: number; serversPerRegion: number; batchEvery: string; keepStack: boolean }

/**
 * The first SIGINT/SIGTERM stops gracefully; a second stops at once, but still stops what
 * `pulse up` started: left to its default action it killed `pulse up` alone, and Kafka and
 * PostgreSQL kept running.
 */
function onStopSignals(graceful: () => Promise<void>, immediate: () => Promise<void>): void {
  let signals = 0;
  const handler = () => {
    signals += 1;
    if (signals === 1) {
      void graceful().then(() => process.exit(0));
      return;
    }
    console.log('pulse up: second signal: stopping at once');
    void immediate().finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export function registerUpCommand(program: Command, getConfig: ConfigSource): void {
  program.command('up')
    .description('run the whole pipeline on this machine (what `npm start` does): Kafka, PostgreSQL, speed, batch every 15 min, live generator and the dashboard on PORT; Ctrl-C stops everything')
    .option('--no-generator', 'do not start the live generator')
    .option('--rate <events-per-s>', 'rate of the live generator', nonNegativeNumber, 100)
    .option('--history-days <d>', 'days of history to generate when there is none', positiveInt, 7)
    .option('--servers-per-region <n>', 'fleet size per region (history and live)', positiveInt, 50)
    .option('--batch-every <duration>', 'batch schedule', '15m')
    .option('--keep-stack', 'leave Kafka and PostgreSQL running on exit')
    .action(async (flags: UpFlags) => {
      const config = getConfig();
      const logger = createLogger('up', config.logLevel);
      // Readiness is read from the children's info logs, so they log at least at info.
      const quiet = ['warn', 'error', 'fatal', 'silent'].includes(config.logLevel);
      const env = { ...process.env, ...(quiet ? { LOG_LEVEL: 'info' } : {}) };
      let startedStack = false;
      const children: Supervised[] = [];
      const plan = planStack(config);
      let stopping: Promise<void> | undefined;
      const stop = () => (stopping ??= (async () => {
        console.log('pulse up: stopping…');
        for (const child of [...children].reverse()) await child.stop(8_000);
        if (startedStack && !flags.keepStack) await stackDown(plan);
        console.log('pulse up: stopped');
      })());
      onStopSignals(stop, async () => {
        for (const child of children) child.process.kill('SIGKILL');
        if (startedStack && !flags.keepStack) await stackDown(plan);
      });

      try {
        const started = Date.now();
        const stack = await stackUp(plan, { logger });
        startedStack = stack.kafka === 'started' || stack.postgres === 'started';
        console.log(`pulse up: kafka ${plan.kafka.address} (${stack.kafka}), postgres ${plan.postgres.port} (${stack.postgres})`);
        await initialize(config, { historyDays: flags.historyDays, serversPerRegion: flags.serversPerRegion }, env);
        const fleet = ['--servers-per-region', String(flags.serversPerRegion)];
        const speed = supervise('speed', ['speed'], env);
        children.push(speed);
        await speed.ready('speed layer running', 120_000);
        children.push(supervise('batch', ['batch', '--every', flags.batchEvery], env));
        if (flags.generator) {
          const live = supervise('generator', ['generate', 'live', '--rate', String(flags.rate), ...fleet], env);
          children.push(live);
          await live.ready('live generator running', 60_000);
        }
        const serving = supervise('serving', ['serve'], env);
        children.push(serving);
        await serving.ready('"msg":"serving"', 60_000);
        console.log(`pulse up: Pulse is ready in ${((Date.now() - started) / 1000).toFixed(1)} s — open http://localhost:${config.port}/ (Ctrl-C stops everything)`);
        await Promise.race(children.map((c) => c.exited.then((code) => { throw new PulseError('PROCESS_FAILED', `${c.name} exited (${code})`, { context: { process: c.name, exitCode: code } }); })));
      } catch (error) {
        await stop();
        throw error;
      }
    });
}
