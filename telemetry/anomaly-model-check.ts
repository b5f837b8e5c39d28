// A stored anomaly model read back (a file, a database row): parsed and checked before any
// scorer is built from it, so a truncated, hand-edited or foreign model is refused with the
// reason, never scored into NaN or a silent zero. A model of the older format is accepted
// and scored without the parts it lacks (anomaly.ts says which).

import { ANOMALY_MODEL_FORMAT, ANOMALY_MODEL_FORMATS_READ, type AnomalyModel } from './anomaly.ts';

export type ModelCheck = { ok: true; model: AnomalyModel; note: string | null } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
/** A baseline that counts its days is judged for records: the count and the range records are measured by must be numbers. */
const judgesRecords = (b: Record<string, unknown>) => finite(b['days']) && (b['days'] as number) >= 0 && finite(b['min']) && finite(b['max']);

/** What is wrong with `value` as a model, or null. */
function problem(value: unknown): string | null {
  if (!isObject(value)) return 'not a JSON object';
  if (typeof value['format'] !== 'string') return 'no format';
  if (!ANOMALY_MODEL_FORMATS_READ.includes(value['format'])) return `unknown format ${value['format']} (this Pulse reads ${ANOMALY_MODEL_FORMATS_READ.join(', ')})`;
  const features = value['features'];
  if (!Array.isArray(features) || features.length === 0 || !features.every((f) => typeof f === 'string')) return 'no feature list';
  if (!isObject(value['hosts']) || !isObject(value['regions'])) return 'no host or region baselines';
  const forest = value['forest'];
  if (!isObject(forest) || !Array.isArray(forest['trees']) || forest['features'] !== features.length) return 'no forest over its features';
  for (const name of ['isolationThreshold', 'zThreshold'] as const) if (!positive(value[name])) return `${name} is not a positive number`;
  if (!isObject(value['zThresholds']) || !Object.values(value['zThresholds']).every(positive)) return 'a host threshold is not a positive number';
  for (const [key, list] of Object.entries(value['hosts'])) {
    if (!Array.isArray(list) || list.length !== features.length) return `host ${key}: ${Array.isArray(list) ? list.length : 'no'} baselines for ${features.length} features`;
    for (const b of list) {
      if (b === null) continue;
      if (!isObject(b) || typeof b['median'] !== 'number' || !positive(b['scale']) || !Array.isArray(b['hours'])) return `host ${key}: a baseline without median, scale and hours`;
      if (b['days'] !== undefined && !judgesRecords(b)) return `host ${key}: a day count without a number of days and a numeric range`;
    }
  }
  return null;
}

/** Check a model given as JSON text or as parsed JSON. */
export function checkAnomalyModel(input: string | unknown): ModelCheck {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      return { ok: false, reason: `not JSON (${(error as Error).message})` };
    }
  }
  const wrong = problem(value);
  if (wrong !== null) return { ok: false, reason: `anomaly model refused: ${wrong}` };
  const model = value as AnomalyModel;
  const note = model.format === ANOMALY_MODEL_FORMAT ? null : `older model format ${model.format}: scored without the recurring ranges, conditioned lines and training counts it lacks`;
  return { ok: true, model, note };
}
