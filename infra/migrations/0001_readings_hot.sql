-- Hot rows: validated readings written by the speed layer, one per event_id, so a
-- re-delivered Kafka batch inserts nothing twice. Expired once batch views cover them.
CREATE TABLE readings_hot (
  event_id     text PRIMARY KEY,
  ts           timestamptz NOT NULL,
  region       text NOT NULL,
  host_id      text NOT NULL,
  temp_c       double precision,
  cpu_pct      double precision,
  mem_pct      double precision,
  disk_pct     double precision,
  net_in_kbps  double precision,
  net_out_kbps double precision,
  voltage_v    double precision,
  power_w      double precision,
  source       text NOT NULL CHECK (source IN ('history', 'live', 'agent', 'bridge')),
  ingested_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX readings_hot_ts_idx ON readings_hot (ts);
CREATE INDEX readings_hot_host_ts_idx ON readings_hot (region, host_id, ts);
