// How a command gets its configuration: read and validated on first use, so `--help` and a
// command that needs none never fail on the environment. Its own module, so the commands and
// the program that registers them do not import each other.
import type { Config } from '../infra/index.ts';

export type ConfigSource = () => Config;
