-- Member codes (lab.members): who may answer a room that asks for them. One row per dwelling or member, with the
-- single-use code printed on their letter and the participant id whoever types it answers as.
ALTER TABLE rooms ADD COLUMN access TEXT NOT NULL DEFAULT 'open' CHECK (access IN ('open', 'codes'));

CREATE TABLE members (
    id             INTEGER PRIMARY KEY,
    room_id        INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    code           TEXT NOT NULL,            -- 8 characters of lab.members.ALPHABET, without the dash
    ref            TEXT NOT NULL,            -- the organiser's id: a dwelling or member number
    group_name     TEXT,
    weight         REAL NOT NULL DEFAULT 1,
    participant_id TEXT NOT NULL UNIQUE,     -- random; the participants row is made when the code is first used
    withdrawn      INTEGER NOT NULL DEFAULT 0,
    created_ms     INTEGER NOT NULL,
    UNIQUE (room_id, code),
    UNIQUE (room_id, ref)
);
