-- Batch views: what the batch layer publishes from the master dataset, swapped in
-- atomically by each run (a run loads <table>__next, then renames it into place together
-- with its batch_runs row and the new watermark, in one transaction).

-- Per-minute aggregates per region, in the same shape as the realtime rt_region_minute, so
-- the serving layer merges both at the watermark with one query shape.
CREATE TABLE gold_region_minute (
  region text NOT NULL,
  minute timestamptz NOT NULL,
  n bigint NOT NULL,
  temp_c_n bigint NOT NULL, temp_c_sum double precision, temp_c_min double precision, temp_c_max double precision,
  cpu_pct_n bigint NOT NULL, cpu_pct_sum double precision, cpu_pct_min double precision, cpu_pct_max double precision,
  mem_pct_n bigint NOT NULL, mem_pct_sum double precision, mem_pct_min double precision, mem_pct_max double precision,
  disk_pct_n bigint NOT NULL, disk_pct_sum double precision, disk_pct_min double precision, disk_pct_max double precision,
  net_in_kbps_n bigint NOT NULL, net_in_kbps_sum double precision, net_in_kbps_min double precision, net_in_kbps_max double precision,
  net_out_kbps_n bigint NOT NULL, net_out_kbps_sum double precision, net_out_kbps_min double precision, net_out_kbps_max double precision,
  voltage_v_n bigint NOT NULL, voltage_v_sum double precision, voltage_v_min double precision, voltage_v_max double precision,
  power_w_n bigint NOT NULL, power_w_sum double precision, power_w_min double precision, power_w_max double precision,
  PRIMARY KEY (region, minute)
);

CREATE TABLE gold_host_hour (
  region text NOT NULL,
  host_id text NOT NULL,
  hour timestamptz NOT NULL,
  n bigint NOT NULL,
  temp_c_avg double precision, temp_c_min double precision, temp_c_max double precision, temp_c_p95 double precision,
  cpu_pct_avg double precision, cpu_pct_min double precision, cpu_pct_max double precision, cpu_pct_p95 double precision,
  mem_pct_avg double precision, mem_pct_min double precision, mem_pct_max double precision, mem_pct_p95 double precision,
  disk_pct_avg double precision, disk_pct_min double precision, disk_pct_max double precision, disk_pct_p95 double precision,
  net_in_kbps_avg double precision, net_in_kbps_min double precision, net_in_kbps_max double precision, net_in_kbps_p95 double precision,
  net_out_kbps_avg double precision, net_out_kbps_min double precision, net_out_kbps_max double precision, net_out_kbps_p95 double precision,
  voltage_v_avg double precision, voltage_v_min double precision, voltage_v_max double precision, voltage_v_p95 double precision,
  power_w_avg double precision, power_w_min double precision, power_w_max double precision, power_w_p95 double precision,
  hot_readings bigint NOT NULL,
  PRIMARY KEY (region, host_id, hour)
);

CREATE TABLE gold_region_hour (
  region text NOT NULL,
  hour timestamptz NOT NULL,
  n bigint NOT NULL,
  hosts bigint NOT NULL,
  temp_c_avg double precision, temp_c_min double precision, temp_c_max double precision, temp_c_p95 double precision,
  cpu_pct_avg double precision, cpu_pct_min double precision, cpu_pct_max double precision, cpu_pct_p95 double precision,
  mem_pct_avg double precision, mem_pct_min double precision, mem_pct_max double precision, mem_pct_p95 double precision,
  disk_pct_avg double precision, disk_pct_min double precision, disk_pct_max double precision, disk_pct_p95 double precision,
  net_in_kbps_avg double precision, net_in_kbps_min double precision, net_in_kbps_max double precision, net_in_kbps_p95 double precision,
  net_out_kbps_avg double precision, net_out_kbps_min double precision, net_out_kbps_max double precision, net_out_kbps_p95 double precision,
  voltage_v_avg double precision, voltage_v_min double precision, voltage_v_max double precision, voltage_v_p95 double precision,
  power_w_avg double precision, power_w_min double precision, power_w_max double precision, power_w_p95 double precision,
  hot_readings bigint NOT NULL,
  PRIMARY KEY (region, hour)
);

-- Daily health per host: 100 − (0.4·avg CPU + 0.4·avg memory + 0.2·% of readings above 80 % CPU).
-- Where a host reports no memory that day, its CPU stands in (memory_basis = 'cpu_pct').
CREATE TABLE gold_host_health (
  region text NOT NULL,
  host_id text NOT NULL,
  day date NOT NULL,
  n bigint NOT NULL,
  avg_cpu_pct double precision,
  avg_mem_pct double precision,
  memory_basis text NOT NULL,
  high_util_pct double precision,
  health_score double precision,
  PRIMARY KEY (region, host_id, day)
);

CREATE TABLE gold_region_day (
  region text NOT NULL,
  day date NOT NULL,
  n bigint NOT NULL,
  hosts bigint NOT NULL,
  avg_temp_c double precision,
  max_temp_c double precision,
  avg_cpu_pct double precision,
  p95_cpu_pct double precision,
  avg_power_w double precision,
  critical_readings bigint NOT NULL,
  avg_health double precision,
  PRIMARY KEY (region, day)
);

-- Temperature distribution per region and hour in 1 °C bins (bin_c = floor(temp_c)).
CREATE TABLE gold_temp_hist_hour (
  region text NOT NULL,
  hour timestamptz NOT NULL,
  bin_c integer NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (region, hour, bin_c)
);

CREATE TABLE batch_runs (
  run_id            text PRIMARY KEY,
  started_at        timestamptz NOT NULL,
  finished_at       timestamptz NOT NULL,
  watermark         timestamptz NOT NULL,
  rows_read         bigint NOT NULL,
  rows_kept         bigint NOT NULL,
  rows_quarantined  bigint NOT NULL,
  rows_deduplicated bigint NOT NULL,
  files_quarantined bigint NOT NULL,
  sources           jsonb NOT NULL,
  reasons           jsonb NOT NULL,
  seconds           double precision NOT NULL
);

-- Archive directories given to `pulse replay` that live outside live_data/, so later runs keep absorbing them.
CREATE TABLE batch_archive_dirs (
  path     text PRIMARY KEY,
  added_at timestamptz NOT NULL DEFAULT now()
);
