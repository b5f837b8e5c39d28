// A certificate authority of a test's own, made with openssl: a CA and a server
// certificate it signed for 127.0.0.1 and localhost, as PEM files, plus a second CA that
// signed nothing (a client trusting only it must refuse the server).

import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  dir: string;
  /** The CA that signed the server certificate. */
  caFile: string;
  /** A CA that signed nothing here. */
  otherCaFile: string;
  serverCertFile: string;
  /** Unencrypted PKCS#8 key of the server certificate. */
  serverKeyFile: string;
  /** Key and certificate chain in one file (Kafka's PEM keystore). */
  serverKeystoreFile: string;
  destroy: () => Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`openssl is needed for the TLS tests (apt-get install openssl): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr.trim()}`);
}

function selfSignedCa(cwd: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2',
    '-subj', `/CN=Pulse test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], cwd);
}

export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-test-ca-'));
  await chmod(dir, 0o755); // PostgreSQL, running as its own user, reads copies made from here
  selfSignedCa(dir, 'ca');
  selfSignedCa(dir, 'other-ca');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
    '-days', '2', '-extfile', 'server.ext'], dir);
  const keystore = `${await readFile(join(dir, 'server.key'), 'utf8')}${await readFile(join(dir, 'server.pem'), 'utf8')}`;
  await writeFile(join(dir, 'server-keystore.pem'), keystore, { mode: 0o644 });
  return {
    dir, caFile: join(dir, 'ca.pem'), otherCaFile: join(dir, 'other-ca.pem'), serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'), serverKeystoreFile: join(dir, 'server-keystore.pem'),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
}
