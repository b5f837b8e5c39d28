// The `pulse` command line: one program whose sub-commands start every layer.
// Configuration is parsed once here and passed down; errors become one-line messages.

import { Command, CommanderError } from 'commander';
import { isPulseError, loadConfig, rootMessage, silenceKnownWarnings, type Config } from '../infra/index.ts';
import { registerBatchCommands } from './commands/batch.ts';
import { registerEvalCommand } from './commands/eval.ts';
import { registerGenerateCommands } from './commands/generate.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSourceCommands } from './commands/sources.ts';
import { registerSpeedCommand } from './commands/speed.ts';
import { registerStackCommands } from './commands/stack.ts';
import { registerUpCommand } from './commands/up.ts';
import { version } from './version.ts';
import type { ConfigSource } from './config-source.ts';

/** Config is loaded lazily so `--help` works even with a broken environment. */
export function buildProgram(getConfig: ConfigSource): Command {
  const program = new Command('pulse')
    .description('Pulse: a Lambda-architecture telemetry pipeline (Kafka, DuckDB, PostgreSQL).\nConfiguration comes from environment variables; see docs/configuration.md.')
    .version(version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStackCommands(program, getConfig);
  registerMigrateCommand(program, getConfig);
  registerGenerateCommands(program, getConfig);
  registerSourceCommands(program, getConfig);
  registerSpeedCommand(program, getConfig);
  registerBatchCommands(program, getConfig);
  registerServeCommand(program, getConfig);
  registerUpCommand(program, getConfig);
  registerInitCommand(program, getConfig);
  registerEvalCommand(program, getConfig);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  silenceKnownWarnings();
  let config: Config | undefined;
  const getConfig = () => (config ??= loadConfig());
  try {
    await buildProgram(getConfig).parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode; // commander already printed it
  if (isPulseError(error)) {
    console.error(`pulse: ${error.message}`);
    return error.code === 'CONFIG_INVALID' ? 2 : 1;
  }
  console.error(`pulse: unexpected error: ${rootMessage(error)}`);
  if (process.env['LOG_LEVEL'] === 'debug' && error instanceof Error) console.error(error.stack);
  return 1;
}
