-- Results per group (lab.groups): whether a question shows its results per group, and the room's privacy floor.
ALTER TABLE questions ADD COLUMN by_group INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN privacy_floor INTEGER NOT NULL DEFAULT 5;
