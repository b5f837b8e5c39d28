-- Anomaly detection: models trained by the batch layer (versioned, newest wins), and the
-- readings the speed layer scored as anomalous (kept past hot-data expiry, for the dashboard).

CREATE TABLE anomaly_models (
  version         bigserial PRIMARY KEY,
  run_id          text        NOT NULL,
  trained_at      timestamptz NOT NULL DEFAULT now(),
  trained_through timestamptz NOT NULL,
  training_rows   bigint      NOT NULL,
  hosts           integer     NOT NULL,
  features        text[]      NOT NULL,
  model           jsonb       NOT NULL
);

CREATE TABLE anomaly_points (
  event_id      text PRIMARY KEY,
  ts            timestamptz      NOT NULL,
  region        text             NOT NULL,
  host_id       text             NOT NULL,
  score         double precision NOT NULL,
  metric        text,
  value         double precision,
  z             double precision,
  reason        text             NOT NULL,
  model_version bigint           NOT NULL
);
CREATE INDEX anomaly_points_ts_idx ON anomaly_points (ts);
CREATE INDEX anomaly_points_host_ts_idx ON anomaly_points (region, host_id, ts);
