-- Speed layer: realtime views (per-minute aggregates of hot rows, updated in the same
-- transaction as the rows they count), reject counters, alerts, and consumer status.

ALTER TABLE readings_hot
  ADD COLUMN kafka_partition integer,
  ADD COLUMN kafka_offset    bigint;

-- Per-host questions are answered from rt_host_minute and rt_host_latest; this index
-- would cost every insert more than it saves.
DROP INDEX readings_hot_host_ts_idx;

-- One row per host and minute. For each metric: how many readings reported it, their
-- sum, min and max (so averages stay exact when rows from several batches are merged).
CREATE TABLE rt_host_minute (
  region   text        NOT NULL,
  host_id  text        NOT NULL,
  minute   timestamptz NOT NULL,
  n        bigint      NOT NULL,
  temp_c_n bigint NOT NULL, temp_c_sum double precision, temp_c_min double precision, temp_c_max double precision,
  cpu_pct_n bigint NOT NULL, cpu_pct_sum double precision, cpu_pct_min double precision, cpu_pct_max double precision,
  mem_pct_n bigint NOT NULL, mem_pct_sum double precision, mem_pct_min double precision, mem_pct_max double precision,
  disk_pct_n bigint NOT NULL, disk_pct_sum double precision, disk_pct_min double precision, disk_pct_max double precision,
  net_in_kbps_n bigint NOT NULL, net_in_kbps_sum double precision, net_in_kbps_min double precision, net_in_kbps_max double precision,
  net_out_kbps_n bigint NOT NULL, net_out_kbps_sum double precision, net_out_kbps_min double precision, net_out_kbps_max double precision,
  voltage_v_n bigint NOT NULL, voltage_v_sum double precision, voltage_v_min double precision, voltage_v_max double precision,
  power_w_n bigint NOT NULL, power_w_sum double precision, power_w_min double precision, power_w_max double precision,
  PRIMARY KEY (region, host_id, minute)
);
CREATE INDEX rt_host_minute_minute_idx ON rt_host_minute (minute);

-- Region minutes are kept per Kafka partition (shard) and summed by readers: batches of
-- different partitions run concurrently, and one shared row per region and minute would
-- serialize them all on its lock.
CREATE TABLE rt_region_minute (LIKE rt_host_minute INCLUDING DEFAULTS);
ALTER TABLE rt_region_minute DROP COLUMN host_id;
ALTER TABLE rt_region_minute ADD COLUMN shard integer NOT NULL;
ALTER TABLE rt_region_minute ADD PRIMARY KEY (region, minute, shard);
CREATE INDEX rt_region_minute_minute_idx ON rt_region_minute (minute);

-- The latest reading of every host (the "last only" view), so that answering it needs
-- no index on readings_hot beyond time.
CREATE TABLE rt_host_latest (
  region       text        NOT NULL,
  host_id      text        NOT NULL,
  ts           timestamptz NOT NULL,
  event_id     text        NOT NULL,
  temp_c       double precision,
  cpu_pct      double precision,
  mem_pct      double precision,
  disk_pct     double precision,
  net_in_kbps  double precision,
  net_out_kbps double precision,
  voltage_v    double precision,
  power_w      double precision,
  PRIMARY KEY (region, host_id)
);

-- Refused input, counted per minute of arrival and reason (the raw messages are in the DLQ topic).
CREATE TABLE rt_rejects_minute (
  minute timestamptz NOT NULL,
  reason text        NOT NULL,
  n      bigint      NOT NULL,
  PRIMARY KEY (minute, reason)
);

CREATE TABLE alerts (
  alert_id    bigserial PRIMARY KEY,
  region      text        NOT NULL,
  host_id     text        NOT NULL,
  rule        text        NOT NULL,
  kind        text        NOT NULL DEFAULT 'threshold',
  severity    text        NOT NULL,
  metric      text        NOT NULL,
  status      text        NOT NULL CHECK (status IN ('firing', 'resolved')),
  opened_at   timestamptz NOT NULL,
  resolved_at timestamptz,
  peak_value  double precision NOT NULL,
  last_value  double precision NOT NULL,
  fire_above  double precision NOT NULL,
  clear_below double precision NOT NULL,
  detail      jsonb
);
-- One open alert per host and rule at a time.
CREATE UNIQUE INDEX alerts_one_firing_idx ON alerts (region, host_id, rule) WHERE status = 'firing';
CREATE INDEX alerts_opened_idx ON alerts (opened_at);

-- What each speed process reports about itself every few seconds.
CREATE TABLE speed_status (
  instance_id      text PRIMARY KEY,
  consumer_group   text        NOT NULL,
  topic            text        NOT NULL,
  updated_at       timestamptz NOT NULL,
  started_at       timestamptz NOT NULL,
  events_in        bigint      NOT NULL,
  events_stored    bigint      NOT NULL,
  events_rejected  bigint      NOT NULL,
  rate_in          double precision NOT NULL,
  rate_stored      double precision NOT NULL,
  rejects          jsonb       NOT NULL,
  lag              bigint      NOT NULL,
  partitions       jsonb       NOT NULL,
  sink_errors      jsonb       NOT NULL
);

-- The batch layer's watermark: batch views are complete for event times before it.
CREATE TABLE batch_watermark (
  singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  watermark    timestamptz NOT NULL,
  run_id       text        NOT NULL,
  published_at timestamptz NOT NULL
);
