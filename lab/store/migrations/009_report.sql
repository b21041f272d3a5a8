-- The report (verslag): where and when the session was held, who led it, and the time zone its times are written
-- in (JSON, lab.details); and the facilitator's grouping of a round's open answers into themes.
ALTER TABLE rooms ADD COLUMN details TEXT NOT NULL DEFAULT '{}';

CREATE TABLE themes (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    groups      TEXT NOT NULL,  -- JSON: [{"name": ..., "items": [card, ...]}, ...] as the facilitator last saved it
    PRIMARY KEY (question_id, round)
) WITHOUT ROWID;
