-- Batch layer v2: the input manifest. Every file the batch layer absorbed (history, cold
-- archives, replayed directories) with what identifies its content and the UTC days its
-- valid rows fall in; a run compares the files it finds with this to find the dirty days.
-- Replaced in the same transaction as the gold rows of those days and the watermark.
CREATE TABLE batch_inputs (
  path         text PRIMARY KEY,
  kind         text             NOT NULL CHECK (kind IN ('history', 'archive')),
  size         bigint           NOT NULL,
  mtime_ms     double precision NOT NULL,
  fingerprint  text             NOT NULL,
  days         date[]           NOT NULL,
  rows         bigint           NOT NULL,
  run_id       text             NOT NULL
);
