import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENV_SCHEMA, SECRET_VARIABLES } from './config.ts';
import { VARIABLE_DOCS } from './config-docs.ts';
import { configurationMarkdown, schemaDefault } from './config-page.ts';
import { packageRoot } from './paths.ts';

describe('docs/configuration.md', () => {
  it('is exactly what `npm run docs:config` writes (run it after changing the schema or a description)', () => {
    const page = readFileSync(join(packageRoot, 'docs', 'configuration.md'), 'utf8');
    expect(page).toBe(configurationMarkdown());
  });

  it('has a row for every variable the schema reads', () => {
    const page = configurationMarkdown();
    for (const name of Object.keys(ENV_SCHEMA.shape)) expect(page).toContain(`| \`${name}\` |`);
  });

  it('shows each default as the schema declares it, not as a copy', () => {
    const page = configurationMarkdown();
    expect(page).toContain('| `KAFKA_BROKERS` | `localhost:9092` |');
    expect(page).toContain('| `PORT` | `8080` |');
    expect(page).toContain('| `PULSE_EXPIRY_OVERLAP` | `1h` |');
    expect(page).toContain('| `PULSE_CONTROL_TOKEN` | (unset: control off) |');
  });

  it('names the *_FILE form of every secret', () => {
    const page = configurationMarkdown();
    for (const name of SECRET_VARIABLES) expect(page).toContain(`may be read from \`${name}_FILE\``);
  });
});

describe('configurationMarkdown', () => {
  it('refuses a schema variable without a description', () => {
    const { PULSE_TOPIC: _, ...withoutOne } = VARIABLE_DOCS;
    expect(() => configurationMarkdown(withoutOne)).toThrow('no description in infra/config-docs.ts for PULSE_TOPIC');
  });

  it('refuses a description of a variable the schema does not read', () => {
    const docs = { ...VARIABLE_DOCS, PULSE_GONE: { group: 'process', meaning: 'removed long ago' } } as const;
    expect(() => configurationMarkdown(docs)).toThrow('describes variables the schema does not read: PULSE_GONE');
  });

  it('refuses an "unset" text for a variable the schema gives a default', () => {
    const docs = { ...VARIABLE_DOCS, PORT: { group: 'process', meaning: 'HTTP port', unset: 'a random port' } } as const;
    expect(() => configurationMarkdown(docs)).toThrow(/PORT: the schema's default 8080/);
  });
});

describe('schemaDefault', () => {
  it('finds a default before a transform, and none on an optional variable', () => {
    expect(schemaDefault(z.string().default('15m').transform((s) => s.length))).toBe('15m');
    expect(schemaDefault(z.coerce.number().default(3))).toBe(3);
    expect(schemaDefault(z.string().optional())).toBeUndefined();
  });
});
