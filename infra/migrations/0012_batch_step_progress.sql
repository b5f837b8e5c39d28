-- Where stepping the last day stopped: every host's detector state and open segments before
-- the day's end applied silence, and the segments closed so far (batch/episodes.ts
-- DayProgress), with what that covered: the readings before `watermark` in `files` (the
-- day's silver files then, relative to the data directory; files are never rewritten in
-- place), from the carry whose hash is `start_hash`. The next run steps only the readings
-- after it when all of that still holds, instead of the whole day again. One row at most.
CREATE TABLE batch_step_progress (
  day        date        PRIMARY KEY,
  watermark  timestamptz NOT NULL,
  files      text[]      NOT NULL,
  start_hash text        NOT NULL,
  progress   text        NOT NULL
);
