// Time parsing for the native formats. Pure arithmetic, no time-zone database:
// India Standard Time has had a fixed +05:30 offset and no daylight saving since 1945.

/** Offset of Asia/Kolkata from UTC, in minutes. */
export const IST_OFFSET_MINUTES = 330;

export const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;

/**
 * Parse a zone-less "YYYY-MM-DD HH:MM:SS" wall-clock time observed at `offsetMinutes`
 * east of UTC. Returns epoch milliseconds, or null when the text is not such a time
 * or names a day that does not exist (2026-02-30).
 */
export function parseLocalTime(text: string, offsetMinutes: number): number | null {
  const m = LOCAL_PATTERN.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  const millis = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (new Date(wall).getUTCDate() !== day) return null;
  return wall - offsetMinutes * 60_000;
}

/** "YYYY-MM-DD HH:MM:SS" in IST → epoch milliseconds (UTC). */
export function parseIstTime(text: string): number | null {
  return parseLocalTime(text, IST_OFFSET_MINUTES);
}

/** Epoch milliseconds → "YYYY-MM-DD HH:MM:SS" wall-clock time at `offsetMinutes`. */
export function formatLocalTime(epochMs: number, offsetMinutes: number): string {
  const iso = new Date(epochMs + offsetMinutes * 60_000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

export function formatIstTime(epochMs: number): string {
  return formatLocalTime(epochMs, IST_OFFSET_MINUTES);
}

/** Seconds are required and the offset takes a colon, so every layer parses the same set of texts. */
export const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 instant that names its zone ("…Z" or "…+05:30"); zone-less text is refused. */
export function parseIsoInstant(text: string): number | null {
  const trimmed = text.trim();
  const match = ISO_WITH_ZONE.exec(trimmed);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Date.parse rolls 2026-02-30 over into March; a day that does not exist is refused.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day || month < 1 || month > 12) return null;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : ms;
}

/** Whether a string carries an explicit zone designator. */
export function hasZone(text: string): boolean {
  return /(Z|[+-]\d{2}:?\d{2})$/.test(text.trim());
}
