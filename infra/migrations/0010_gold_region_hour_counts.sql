-- gold_region_hour counts, per metric, the readings that have it: serving answers long
-- windows from hourly rows, weighting each hour's average by them (as for gold_host_hour).
-- Rows published before this migration have NULL counts; serving falls back to n for them
-- (`pulse batch --full` rebuilds them with counts).
ALTER TABLE gold_region_hour
  ADD COLUMN temp_c_n bigint,
  ADD COLUMN cpu_pct_n bigint,
  ADD COLUMN mem_pct_n bigint,
  ADD COLUMN disk_pct_n bigint,
  ADD COLUMN net_in_kbps_n bigint,
  ADD COLUMN net_out_kbps_n bigint,
  ADD COLUMN voltage_v_n bigint,
  ADD COLUMN power_w_n bigint;
-- Long windows read the hours of every region in a time range.
CREATE INDEX gold_region_hour_hour_idx ON gold_region_hour (hour);
