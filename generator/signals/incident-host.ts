// One host's readings every minute over four hours with a single incident of the given
// kind in the middle, encoded as the live generator encodes them, with its label: what the
// tests of the detectors feed the speed layer. They fall on the host's own sampling instants
// (its phase within the minute), as the history of the same fleet samples it: where that
// history covers the hours, a batch run deduplicates the two (the live copy wins) instead of
// interleaving two readings a minute.

import type { Message } from 'kafkajs';
import { SCHEMA_HEADER } from '../../telemetry/index.ts';
import { hostProfile } from './fleet.ts';
import { HostModel } from './host-model.ts';
import { drawIncident, toLabel, type IncidentKind, type IncidentLabel } from './incidents.ts';
import { schemaFor, toNativeRecord } from './native-records.ts';
import { createRandom } from './random.ts';

export function incidentReadings(kind: IncidentKind, from: number): { messages: Message[]; host: string; label: IncidentLabel } {
  const profile = { ...hostProfile('germany', 7, 99, 60), nightlyBackup: false };
  const incident = drawIncident(kind, profile.region, profile.hostId, from + 90 * 60_000, createRandom(5));
  const model = new HostModel(profile, from, [incident]);
  const schema = schemaFor('germany', 2);
  const messages: Message[] = [];
  const phase = profile.phaseSeconds * 1000;
  for (let ts = from + phase; ts < from + 4 * 3_600_000; ts += 60_000) {
    messages.push({ key: profile.hostId, value: JSON.stringify(toNativeRecord(schema, profile.hostId, model.read(ts))), headers: { [SCHEMA_HEADER]: schema.tag } });
  }
  return { messages, host: profile.hostId, label: toLabel(incident) };
}
