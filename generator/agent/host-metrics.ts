// Real metrics of the machine the agent runs on, read with systeminformation. Network
// throughput comes from the byte counters' change between two samples.

import si from 'systeminformation';

export interface HostSample {
  at: number;
  cpuPct: number | null;
  memPct: number | null;
  diskPct: number | null;
  tempC: number | null;
  rxBytes: number;
  txBytes: number;
}

export interface HostMetrics {
  cpu_pct: number | null;
  mem_pct: number | null;
  disk_pct: number | null;
  temp_c: number | null;
  net_in_kbps: number | null;
  net_out_kbps: number | null;
}

const finiteOrNull = (value: number | undefined | null) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export async function sampleHost(): Promise<HostSample> {
  const [load, mem, disks, temperature, network] = await Promise.all([
    si.currentLoad(), si.mem(), si.fsSize(), si.cpuTemperature(), si.networkStats('*'),
  ]);
  const root = disks.find((d) => d.mount === '/') ?? disks[0];
  const external = network.filter((n) => n.iface !== 'lo');
  const temp = finiteOrNull(temperature.main);
  return {
    at: Date.now(),
    cpuPct: finiteOrNull(load.currentLoad),
    memPct: mem.total > 0 ? (mem.active / mem.total) * 100 : null,
    diskPct: finiteOrNull(root?.use),
    // systeminformation reports -1 or null where the OS exposes no sensor.
    tempC: temp !== null && temp > 0 ? temp : null,
    rxBytes: external.reduce((sum, n) => sum + (n.rx_bytes || 0), 0),
    txBytes: external.reduce((sum, n) => sum + (n.tx_bytes || 0), 0),
  };
}

/** Kilobits per second between two counter readings; null without a usable previous sample. */
export function counterRate(previousBytes: number | undefined, bytes: number, seconds: number): number | null {
  if (previousBytes === undefined || seconds <= 0 || bytes < previousBytes) return null; // counter reset
  return ((bytes - previousBytes) * 8) / 1000 / seconds;
}

export function toMetrics(sample: HostSample, previous?: HostSample): HostMetrics {
  const seconds = previous ? (sample.at - previous.at) / 1000 : 0;
  return {
    cpu_pct: sample.cpuPct, mem_pct: sample.memPct, disk_pct: sample.diskPct, temp_c: sample.tempC,
    net_in_kbps: counterRate(previous?.rxBytes, sample.rxBytes, seconds),
    net_out_kbps: counterRate(previous?.txBytes, sample.txBytes, seconds),
  };
}
