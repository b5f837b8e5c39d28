// Peak memory of a process together with all its descendants (a PySpark driver starts a JVM,
// which may start Python workers), sampled from /proc, since VmHWM covers one process only.

import { readdir, readFile } from 'node:fs/promises';

async function statusOf(pid: number): Promise<{ ppid: number; rssKb: number; hwmKb: number; name: string } | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  if (status === null) return null;
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
  return { ppid: Number(field('PPid')), rssKb: Number.parseInt(field('VmRSS'), 10) || 0, hwmKb: Number.parseInt(field('VmHWM'), 10) || 0, name: field('Name') };
}

/** `root` and every process below it, with their status. */
async function tree(root: number): Promise<{ pid: number; rssKb: number; hwmKb: number; name: string }[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  const all = (await Promise.all(pids.map(async (pid) => ({ pid, status: await statusOf(pid) })))).filter((p) => p.status !== null);
  const inTree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!inTree.has(p.pid) && inTree.has(p.status!.ppid)) (inTree.add(p.pid), (grew = true));
  }
  return all.filter((p) => inTree.has(p.pid)).map((p) => ({ pid: p.pid, ...p.status! }));
}

export interface TreeMemory { peakTotalMb: number; peakJvmMb: number }

/** Samples every `everyMs` until stop(): the highest summed RSS of the tree, and the JVM's own high-water mark. */
export function sampleTreeMemory(root: number, everyMs = 250): { stop: () => Promise<TreeMemory> } {
  let peakTotalKb = 0;
  let peakJvmKb = 0;
  let sampling = Promise.resolve();
  const sample = async () => {
    const members = await tree(root);
    peakTotalKb = Math.max(peakTotalKb, members.reduce((sum, p) => sum + p.rssKb, 0));
    for (const p of members) if (p.name === 'java') peakJvmKb = Math.max(peakJvmKb, p.hwmKb);
  };
  const timer = setInterval(() => (sampling = sampling.then(sample)), everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await sampling.then(sample);
      return { peakTotalMb: peakTotalKb / 1024, peakJvmMb: peakJvmKb / 1024 };
    },
  };
}
