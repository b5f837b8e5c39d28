// The simulated fleet: which hosts exist in each region, their names in each region's
// convention, and the per-host traits the signal model draws once from the seed.

import type { HistoryRegion } from '../../telemetry/index.ts';
import { createRandom, mixSeed } from './random.ts';

export interface HostProfile {
  region: HistoryRegion;
  hostId: string;
  /** Seed of this host's own random stream. */
  seed: number;
  /** Offset of the reading time within each interval, in seconds. */
  phaseSeconds: number;
  baseCpu: number;
  dailyAmplitude: number;
  /** Local hour of the daily peak. */
  peakHour: number;
  cpuNoise: number;
  /** Runs a 30-minute backup at 02:00 local time (a daily spike that is normal). */
  nightlyBackup: boolean;
  idleTemp: number;
  tempPerCpu: number;
  /** Thermal time constant: how slowly temperature follows CPU, in seconds. */
  thermalLagSeconds: number;
  idlePower: number;
  powerPerCpu: number;
  nominalVoltage: number;
  baseMem: number;
  baseDisk: number;
}

/** Local time offset of each region's data center from UTC, in hours. */
export const REGION_UTC_OFFSET_HOURS: Record<HistoryRegion, number> = { india: 5.5, usa: -5, germany: 1 };

const INDIA_SITES = ['BLR', 'MUM', 'DEL', 'HYD'];

function hostName(region: HistoryRegion, index: number, seed: number): string {
  const n = String(index + 1).padStart(3, '0');
  if (region === 'india') return `IN-${INDIA_SITES[index % INDIA_SITES.length]}-${n}`;
  if (region === 'usa') return `i-0${(mixSeed(seed, 'usa', index) >>> 0).toString(16).padStart(8, '0')}${n}`;
  return `de-fra-node-${n}`;
}

export function hostProfile(region: HistoryRegion, index: number, fleetSeed: number, intervalSeconds: number): HostProfile {
  const seed = mixSeed(fleetSeed, region, index);
  const r = createRandom(seed);
  return {
    region,
    hostId: hostName(region, index, fleetSeed),
    seed,
    phaseSeconds: r.int(0, Math.max(0, Math.min(intervalSeconds, 60) - 1)),
    baseCpu: r.range(12, 40),
    dailyAmplitude: r.range(8, 25),
    peakHour: r.range(12, 17),
    cpuNoise: r.range(1.5, 4.5),
    nightlyBackup: r.chance(0.3),
    idleTemp: r.range(30, 40),
    tempPerCpu: r.range(0.3, 0.42),
    thermalLagSeconds: r.range(240, 720),
    idlePower: r.range(120, 200),
    powerPerCpu: r.range(2, 3.5),
    nominalVoltage: region === 'usa' ? 208 : 230,
    baseMem: r.range(30, 60),
    baseDisk: r.range(35, 75),
  };
}

export function fleet(regions: readonly HistoryRegion[], serversPerRegion: number, seed: number, intervalSeconds: number): HostProfile[] {
  return regions.flatMap((region) =>
    Array.from({ length: serversPerRegion }, (_, i) => hostProfile(region, i, seed, intervalSeconds)));
}
