// From a true reading to the native record a region's data center would have sent:
// its field names, units, precision and time format, for the schema version in force.

import {
  celsiusToFahrenheit, celsiusToKelvin, formatIstTime, PulseError, roundTo, schemaByTag, type HistoryRegion, type NativeSchema,
} from '../../telemetry/index.ts';
import type { TrueReading } from './host-model.ts';
import { INCIDENT_KINDS, INCIDENT_METRIC, type IncidentKind } from './incidents.ts';

export type NativeValue = string | number | null;
export type NativeRecord = Record<string, NativeValue>;

const HOUR = 3_600_000;

/** Where in the history each region switches from v1 to v2, as a fraction of the range. */
export const SCHEMA_CHANGE_FRACTION: Record<HistoryRegion, number> = { india: 0.4, usa: 0.5, germany: 0.6 };

/** The instant (on a whole hour) each region's v2 begins within [from, to). */
export function schemaChangeTimes(from: number, to: number): Record<HistoryRegion, number> {
  const at = (fraction: number) => from + Math.floor((fraction * (to - from)) / HOUR) * HOUR;
  return { india: at(SCHEMA_CHANGE_FRACTION.india), usa: at(SCHEMA_CHANGE_FRACTION.usa), germany: at(SCHEMA_CHANGE_FRACTION.germany) };
}

export function schemaFor(region: HistoryRegion, version: number): NativeSchema {
  const schema = schemaByTag(`${region}/v${version}`);
  if (!schema) throw new PulseError('INVALID_ARGUMENT', `no schema ${region}/v${version}`);
  return schema;
}

const round = (value: number | null, digits: number): number | null => (value === null ? null : roundTo(value, digits));
const convert = (value: number | null, fn: (v: number) => number): number | null => (value === null ? null : fn(value));

function nativeValues(region: HistoryRegion, hostId: string, r: TrueReading): NativeRecord {
  switch (region) {
    case 'india':
      return {
        server_code: hostId, timestamp_ist: formatIstTime(r.ts), temp_celsius: round(r.temp, 2),
        cpu_usage_percent: round(r.cpu, 2), mem_usage_percent: round(r.mem, 2),
      };
    case 'usa':
      return {
        instance_id: hostId, time_utc: new Date(r.ts).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        temp_fahrenheit: round(convert(r.temp, celsiusToFahrenheit), 2), load_fraction: round(convert(r.cpu, (c) => c / 100), 4),
        voltage_v: round(r.voltage, 2), power_watts: round(r.power, 1),
      };
    case 'germany':
      return {
        node_name: hostId, epoch_time: Math.floor(r.ts / 1000), epoch_ms: r.ts,
        temp_kelvin: round(convert(r.temp, celsiusToKelvin), 2), power_watts: round(r.power, 1),
        cpu_percent: round(r.cpu, 2), disk_used_pct: round(r.disk, 2),
      };
  }
}

/** The native record of `schema`: exactly its fields, in its order. */
export function toNativeRecord(schema: NativeSchema, hostId: string, reading: TrueReading): NativeRecord {
  const values = nativeValues(schema.region as HistoryRegion, hostId, reading);
  const record: NativeRecord = {};
  for (const field of schema.fields) record[field] = values[field] ?? null;
  return record;
}

/** The incident kinds a schema can show (it must report the incident's metric). */
export function visibleKinds(schema: NativeSchema): IncidentKind[] {
  const reported = new Set(schema.fields.map((f) => NATIVE_TO_CANONICAL[f]));
  return INCIDENT_KINDS.filter((kind) => reported.has(INCIDENT_METRIC[kind]));
}

const NATIVE_TO_CANONICAL: Record<string, string> = {
  temp_celsius: 'temp_c', temp_fahrenheit: 'temp_c', temp_kelvin: 'temp_c',
  cpu_usage_percent: 'cpu_pct', load_fraction: 'cpu_pct', cpu_percent: 'cpu_pct',
  mem_usage_percent: 'mem_pct', disk_used_pct: 'disk_pct', power_watts: 'power_w', voltage_v: 'voltage_v',
};
