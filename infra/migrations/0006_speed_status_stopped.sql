-- A speed process that shuts down cleanly marks its status row stopped, so health lists
-- only running instances (a killed one drops out once its row is older than a few intervals).
ALTER TABLE speed_status ADD COLUMN stopped_at timestamptz;
