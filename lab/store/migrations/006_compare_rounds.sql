-- A question that ran more than once can show its previous round beside the current one, per option or statement
-- with the change (the same question at the start and the end of a session).
ALTER TABLE questions ADD COLUMN compare INTEGER NOT NULL DEFAULT 0;
