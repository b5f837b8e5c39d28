// The fleet in real time: the same hosts and signal model as the history, read at the
// wall clock, each reading encoded in its region's newest native schema with a unique
// event_id, and incidents started at random at the configured rate. Pure: no I/O.

import { v7 as uuidv7 } from 'uuid';
import type { HistoryRegion, NativeSchema } from '../../telemetry/index.ts';
import { fleet } from '../signals/fleet.ts';
import { HostModel } from '../signals/host-model.ts';
import { drawIncident, toLabel, type IncidentLabel } from '../signals/incidents.ts';
import { schemaFor, toNativeRecord, visibleKinds, type NativeRecord } from '../signals/native-records.ts';
import { createRandom, mixSeed, type Random } from '../signals/random.ts';

export interface LiveEvent {
  hostId: string;
  schema: NativeSchema;
  /** The native record plus its event_id. */
  payload: NativeRecord & { event_id: string };
  ts: number;
}

export interface LiveFleetOptions {
  regions: readonly HistoryRegion[];
  serversPerRegion: number;
  seed: number;
  /** Expected incidents per host per day. */
  incidentRate: number;
}

export class LiveFleet {
  private readonly models: HostModel[];
  private readonly random: Random;
  private readonly incidentRate: number;
  private readonly lastRead = new Map<HostModel, number>();
  private cursor = 0;

  constructor(options: LiveFleetOptions, now: number) {
    this.models = fleet(options.regions, options.serversPerRegion, options.seed, 60).map((host) => new HostModel(host, now));
    this.random = createRandom(mixSeed(options.seed, 'live', now));
    this.incidentRate = options.incidentRate;
  }

  get size(): number {
    return this.models.length;
  }

  /** The next host's reading (hosts take turns), and the label of any incident it starts. */
  next(now: number): { event: LiveEvent; label: IncidentLabel | null } {
    const model = this.models[this.cursor] as HostModel;
    this.cursor = (this.cursor + 1) % this.models.length;
    const { region, hostId } = model.profile;
    const schema = schemaFor(region, 2);
    const label = this.maybeStartIncident(model, schema, now);
    const reading = model.read(now);
    const payload = { event_id: uuidv7(), ...toNativeRecord(schema, hostId, reading) };
    return { event: { hostId, schema, payload, ts: now }, label };
  }

  private maybeStartIncident(model: HostModel, schema: NativeSchema, now: number): IncidentLabel | null {
    const previous = this.lastRead.get(model) ?? now;
    this.lastRead.set(model, now);
    if (model.activeIncident(now)) return null;
    const probability = (this.incidentRate * (now - previous)) / 86_400_000;
    if (!this.random.chance(probability)) return null;
    const kinds = visibleKinds(schema);
    const kind = kinds[Math.floor(this.random.float() * kinds.length)];
    if (!kind) return null;
    const incident = drawIncident(kind, model.profile.region, model.profile.hostId, now, this.random);
    model.addIncident(incident);
    return toLabel(incident);
  }
}
