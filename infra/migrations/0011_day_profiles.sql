-- Each stepped day's profile (telemetry/anomaly-profile.ts: per host and feature the day's
-- median, MAD, range and long runs, by hour and overall, and per region), kept with the
-- day's alert end state: a walk-forward model combines the profiles of the 7 days before
-- its day instead of reading those days' readings again. Days published before this
-- migration have none; a run computes theirs from silver when a model needs it.
ALTER TABLE batch_alert_carry ADD COLUMN profile jsonb;
