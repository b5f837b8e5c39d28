import { describe, expect, it } from 'vitest';
import { archiveLine, type ArchiveEntry } from './index.ts';

const entry = (value: Buffer | null): ArchiveEntry => ({ topic: 't', partition: 1, offset: '7', timestamp: '1700000000000', key: Buffer.from('h1'), value, headers: { 'pulse-schema': 'pulse/v1' } });
const parsed = (value: Buffer | null) => JSON.parse(archiveLine(entry(value))) as Record<string, unknown>;

describe('an archive line', () => {
  it('keeps a UTF-8 payload as text, byte for byte (a leading BOM included)', () => {
    expect(parsed(Buffer.from('{"a":"é"}'))).toMatchObject({ value: '{"a":"é"}', key: 'h1', offset: 7, partition: 1, headers: { 'pulse-schema': 'pulse/v1' } });
    expect(parsed(Buffer.from('\uFEFF{}'))['value']).toBe('\uFEFF{}');
  });

  it('keeps a payload that is not UTF-8 as base64, so no byte is lost', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const line = parsed(bytes);
    expect(line['value']).toBeUndefined();
    expect(Buffer.from(line['value_b64'] as string, 'base64')).toEqual(bytes);
  });

  it('writes a tombstone as a null value, one line per message', () => {
    expect(parsed(null)['value']).toBeNull();
    expect(archiveLine(entry(null)).endsWith('}\n')).toBe(true);
  });
});
