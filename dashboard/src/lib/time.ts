// Time helpers for labels and ranges.

export const REFRESH = { '1s': 1000, '5s': 5000, '30s': 30_000, '1m': 60_000 } as const;
export type RefreshKey = keyof typeof REFRESH;

export function clock(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function shortTime(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  return spanMs > 2 * 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, spanMs > 3_600_000 ? 16 : 19);
}

/**
 * A number axis's tick label, without Intl: Chart.js's own formatter builds an
 * Intl.NumberFormat, and the first one a page makes cost 70 ms of its first load.
 */
export function axisNumber(value: number): string {
  const abs = Math.abs(value);
  const short = (n: number, unit: string) => `${Number(n.toFixed(1))}${unit}`;
  if (abs >= 1e9) return short(value / 1e9, 'G');
  if (abs >= 1e6) return short(value / 1e6, 'M');
  if (abs >= 1e4) return short(value / 1e3, 'k');
  return String(Number(value.toFixed(2)));
}

export function fmt(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}
