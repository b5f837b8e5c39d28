// Public surface of telemetry/: the domain rules every layer shares. Pure: no I/O.
export * from './record.ts';
export * from './units.ts';
export * from './time.ts';
export * from './rejection.ts';
export * from './validate.ts';
export * from './schemas.ts';
export * from './decode.ts';
export * from './alerts.ts';
export { type NativeFields } from './fields.ts';
export { CONVERSIONS, EPOCH_MILLIS_THRESHOLD, draftFromSpec, type Draft, type DraftContext } from './draft.ts';
export * from './control.ts';
export * from './isolation-forest.ts';
export * from './anomaly.ts';
export * from './anomaly-assemble.ts';
export * from './anomaly-drift.ts';
export * from './anomaly-conditioning.ts';
export * from './cold-archive-format.ts';
export * from './anomaly-profile.ts';
