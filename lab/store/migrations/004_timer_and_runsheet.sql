-- A question's countdown: when it closes (milliseconds since 1970, UTC), NULL when no timer runs. The server closes
-- it then, also after a restart. And the run-sheet: how long each question has been on the screen so far, and
-- since when the current one is.
ALTER TABLE questions ADD COLUMN closes_ms INTEGER;
ALTER TABLE questions ADD COLUMN shown_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN current_since_ms INTEGER;
