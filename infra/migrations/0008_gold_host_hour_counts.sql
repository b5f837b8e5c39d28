-- gold_host_hour counts, per metric, the readings that have it: serving weights an hour's
-- average by them (an hour whose metric is NULL must not pull a multi-hour average down).
-- Rows published before this migration have NULL counts; serving falls back to n for them.
ALTER TABLE gold_host_hour
  ADD COLUMN temp_c_n bigint,
  ADD COLUMN cpu_pct_n bigint,
  ADD COLUMN mem_pct_n bigint,
  ADD COLUMN disk_pct_n bigint,
  ADD COLUMN net_in_kbps_n bigint,
  ADD COLUMN net_out_kbps_n bigint,
  ADD COLUMN voltage_v_n bigint,
  ADD COLUMN power_w_n bigint;
