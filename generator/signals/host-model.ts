// One host's signals over time: a daily load cycle around a per-host baseline with
// correlated noise, temperature that follows CPU through a thermal lag, power that
// follows CPU, slowly drifting memory and disk, sensor dropouts, and incidents.
// Deterministic for a given profile and sequence of read times.

import { envelope, type Incident } from './incidents.ts';
import { REGION_UTC_OFFSET_HOURS, type HostProfile } from './fleet.ts';
import { createRandom, mixSeed, type Random } from './random.ts';

/** A true reading in canonical units (°C, %, W, V, kbps), unrounded; null = sensor dropout. */
export interface TrueReading {
  ts: number;
  cpu: number | null;
  temp: number | null;
  mem: number | null;
  disk: number | null;
  power: number | null;
  voltage: number | null;
  netIn: number | null;
  netOut: number | null;
}

const DROPOUT_PROBABILITY = 0.002;
const NOISE_MEMORY_SECONDS = 600;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export class HostModel {
  readonly profile: HostProfile;
  private readonly random: Random;
  private readonly incidents: Incident[];
  private readonly origin: number;
  private lastTs: number | null = null;
  private cpuNoise = 0;
  private memNoise = 0;
  private temp: number;
  private stuckTemp: number | null = null;

  constructor(profile: HostProfile, origin: number, incidents: Incident[] = []) {
    this.profile = profile;
    this.random = createRandom(mixSeed(profile.seed, 'signals'));
    this.incidents = [...incidents].sort((a, b) => a.start - b.start);
    this.origin = origin;
    this.temp = profile.idleTemp + profile.tempPerCpu * profile.baseCpu;
  }

  /** Schedule another incident (the live generator starts them as it goes). */
  addIncident(incident: Incident): void {
    this.incidents.push(incident);
  }

  activeIncident(ts: number): Incident | undefined {
    while (this.incidents.length > 0 && (this.incidents[0] as Incident).end <= ts) this.incidents.shift();
    const first = this.incidents[0];
    return first && first.start <= ts ? first : undefined;
  }

  private cpuTarget(ts: number): number {
    const p = this.profile;
    const localHour = (((ts / 3_600_000 + REGION_UTC_OFFSET_HOURS[p.region]) % 24) + 24) % 24;
    const cycle = Math.cos((2 * Math.PI * (localHour - p.peakHour)) / 24);
    const backup = p.nightlyBackup && localHour >= 2 && localHour < 2.5 ? 35 : 0;
    return p.baseCpu + p.dailyAmplitude * cycle + backup;
  }

  /** An Ornstein–Uhlenbeck step: noise that wanders but keeps returning to 0. */
  private wander(previous: number, sigma: number, dtSeconds: number): number {
    const keep = Math.exp(-dtSeconds / NOISE_MEMORY_SECONDS);
    return previous * keep + sigma * Math.sqrt(1 - keep * keep) * this.random.normal();
  }

  /** Advance to `ts` (never backwards) and read every sensor. */
  read(ts: number): TrueReading {
    const p = this.profile;
    const dt = this.lastTs === null ? NOISE_MEMORY_SECONDS : Math.max(0, (ts - this.lastTs) / 1000);
    this.lastTs = ts;
    const incident = this.activeIncident(ts);
    const level = incident ? envelope(incident, ts) : 0;

    this.cpuNoise = this.wander(this.cpuNoise, p.cpuNoise * 2, dt);
    let cpu = clamp(this.cpuTarget(ts) + this.cpuNoise + this.random.normal() * p.cpuNoise * 0.5, 0.5, 100);
    if (incident?.kind === 'cpu_saturation') cpu = cpu + (incident.level - cpu) * level;

    const tempTarget = p.idleTemp + p.tempPerCpu * cpu;
    this.temp += (tempTarget - this.temp) * (1 - Math.exp(-dt / p.thermalLagSeconds));
    let temp = this.temp + this.random.normal() * 0.3;
    if (incident?.kind === 'overheat') temp = temp + (incident.level - temp) * level;
    if (incident?.kind === 'stuck_sensor') temp = (this.stuckTemp ??= temp);
    else this.stuckTemp = null;

    let power = p.idlePower + p.powerPerCpu * cpu + this.random.normal() * 4;
    if (incident?.kind === 'power_surge') power *= 1 + (incident.level - 1) * level;

    this.memNoise = this.wander(this.memNoise, 3, dt);
    let mem = clamp(p.baseMem + 6 * Math.cos((2 * Math.PI * (ts / 3_600_000 - p.peakHour)) / 24) + this.memNoise, 5, 99);
    if (incident?.kind === 'memory_leak') mem = mem + (incident.level - mem) * ((ts - incident.start) / (incident.end - incident.start));

    const disk = clamp(p.baseDisk + (0.4 * (ts - this.origin)) / 86_400_000 + this.random.normal() * 0.05, 1, 99.5);
    const voltage = p.nominalVoltage + this.random.normal() * 0.8;
    const netIn = Math.max(0, 150 + 25 * cpu * (1 + 0.2 * this.random.normal()));
    const netOut = Math.max(0, 90 + 18 * cpu * (1 + 0.2 * this.random.normal()));

    return {
      ts,
      cpu: this.dropout(cpu), temp: this.dropout(temp), mem: this.dropout(mem), disk: this.dropout(disk),
      power: this.dropout(power), voltage: this.dropout(voltage), netIn, netOut,
    };
  }

  private dropout(value: number): number | null {
    return this.random.chance(DROPOUT_PROBABILITY) ? null : value;
  }
}
