-- A participant the facilitator removed from the room: their answers are hidden (kept, with that status), their
-- votes are refused and their phone cannot connect again.
ALTER TABLE participants ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
