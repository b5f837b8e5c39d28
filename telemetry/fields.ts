// Reading typed values out of a loosely typed native payload (a CSV row of strings,
// a JSON object, a Parquet row). "Absent" (missing key, null, empty cell) is distinct
// from "present but unusable" so that dropouts become nulls and garbage becomes a rejection.

import { PulseError } from './errors.ts';
import { reject, type Rejection } from './rejection.ts';

export type NativeFields = Readonly<Record<string, unknown>>;

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Thrown inside a decoder and caught by it, which turns it into a rejection: never escapes `decodeReading`. */
export class FieldRejection extends PulseError {
  readonly rejection: Rejection;
  constructor(rejection: Rejection) {
    super('FIELD_REJECTED', rejection.message, { context: { reason: rejection.reason, ...(rejection.field === undefined ? {} : { field: rejection.field }) } });
    this.name = 'FieldRejection';
    this.rejection = rejection;
  }
}

export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A finite number, null when absent; rejects text that is not a plain decimal number. */
export function readNumber(fields: NativeFields, name: string): number | null {
  const value = fields[name];
  if (isAbsent(value)) return null;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && NUMBER_TEXT.test(value.trim())) n = Number(value.trim());
  else throw new FieldRejection(reject('bad_number', `${name} is not a number: ${preview(value)}`, name));
  if (!Number.isFinite(n)) {
    throw new FieldRejection(reject('bad_number', `${name} is not finite: ${preview(value)}`, name));
  }
  return n;
}

/** A required number: absent is a `missing_field` rejection. */
export function requireNumber(fields: NativeFields, name: string): number {
  const n = readNumber(fields, name);
  if (n === null) throw new FieldRejection(reject('missing_field', `${name} is missing`, name));
  return n;
}

/** A required, trimmed, non-empty string (numbers are accepted and stringified). */
export function requireText(fields: NativeFields, name: string): string {
  const value = fields[name];
  if (isAbsent(value)) throw new FieldRejection(reject('missing_field', `${name} is missing`, name));
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new FieldRejection(reject('bad_id', `${name} is not text: ${preview(value)}`, name));
}

/** An optional string: null when absent. */
export function readText(fields: NativeFields, name: string): string | null {
  return isAbsent(fields[name]) ? null : requireText(fields, name);
}

/** A short, log-safe rendering of an offending value. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
