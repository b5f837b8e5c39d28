-- Alerts and anomalies as batch views. The batch layer streams each recomputed day's silver,
-- in (host, time) order, through telemetry's alert and anomaly rules, and publishes by day:
--   batch_alert_segments: one row per alert episode and UTC day it was open on (an episode
--     that spans midnight has a row on each day; serving joins them by opening time);
--   batch_anomaly_points: readings scored as anomalous by the model of their day;
--   batch_alert_carry: every host's detector state at the end of each day, where the next
--     day's stepping starts (a changed end state makes the next day dirty);
--   batch_day_models: the walk-forward model of each day (trained on the 7 days before it).
-- All four are replaced by day in the publishing transaction, with the gold views.
CREATE TABLE batch_alert_segments (
  day            date             NOT NULL,
  region         text             NOT NULL,
  host_id        text             NOT NULL,
  rule           text             NOT NULL,
  kind           text             NOT NULL CHECK (kind IN ('threshold', 'anomaly')),
  severity       text             NOT NULL,
  metric         text             NOT NULL,
  opened_at      timestamptz      NOT NULL,
  fire_above     double precision NOT NULL,
  clear_below    double precision NOT NULL,
  segment_peak   double precision NOT NULL,
  last_value     double precision,
  resolved_at    timestamptz,
  closed_by      text CHECK (closed_by IN ('clear', 'silence')),
  detail         jsonb            NOT NULL,
  PRIMARY KEY (day, region, host_id, rule, opened_at)
);
CREATE INDEX batch_alert_segments_opened_idx ON batch_alert_segments (opened_at);

CREATE TABLE batch_anomaly_points (
  day       date             NOT NULL,
  event_id  text             NOT NULL,
  ts        timestamptz      NOT NULL,
  region    text             NOT NULL,
  host_id   text             NOT NULL,
  score     double precision NOT NULL,
  metric    text,
  value     double precision,
  z         double precision,
  reason    text             NOT NULL,
  PRIMARY KEY (day, event_id)
);
CREATE INDEX batch_anomaly_points_ts_idx ON batch_anomaly_points (ts);

CREATE TABLE batch_alert_carry (
  day         date  PRIMARY KEY,
  states      jsonb NOT NULL,
  states_hash text  NOT NULL
);

CREATE TABLE batch_day_models (
  day            date   PRIMARY KEY,
  training_rows  bigint NOT NULL,
  model          jsonb  NOT NULL
);
