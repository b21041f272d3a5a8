-- lab's first schema. One row per answer; results are aggregated from rows, never stored as counters.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE rooms (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: screen grants name room ids
    code                TEXT NOT NULL UNIQUE,
    title               TEXT NOT NULL,
    deck                TEXT,                               -- the deck file it was made from, if any
    facilitator_key     TEXT NOT NULL,
    projector_key       TEXT NOT NULL,
    current_question_id INTEGER REFERENCES questions (id) ON DELETE SET NULL,
    version             INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL
);

CREATE TABLE questions (
    id                INTEGER PRIMARY KEY,
    room_id           INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    type              TEXT NOT NULL,
    prompt            TEXT NOT NULL,
    settings          TEXT NOT NULL,  -- JSON
    status            TEXT NOT NULL DEFAULT 'hidden' CHECK (status IN ('hidden', 'open', 'closed')),
    results_projector INTEGER NOT NULL DEFAULT 0,
    results_phones    INTEGER NOT NULL DEFAULT 0,
    round             INTEGER NOT NULL DEFAULT 0  -- grows with every reset, so phones forget old answers
);
CREATE INDEX questions_by_room ON questions (room_id, position);

CREATE TABLE participants (
    id        TEXT PRIMARY KEY,  -- random, one per browser per room
    room_id   INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    nickname  TEXT NOT NULL DEFAULT '',
    joined_at TEXT NOT NULL
);
CREATE INDEX participants_by_room ON participants (room_id);

CREATE TABLE answers (
    id             INTEGER PRIMARY KEY,
    question_id    INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    value          TEXT NOT NULL,  -- JSON, normalised by the question type
    vote_id        TEXT NOT NULL,
    hidden         INTEGER NOT NULL DEFAULT 0,
    answered_at    TEXT NOT NULL,
    UNIQUE (question_id, participant_id)  -- one answer per participant per question
);
CREATE INDEX answers_by_participant ON answers (participant_id);

-- Every vote id ever accepted, so a resent vote is acknowledged again but never applied twice.
CREATE TABLE receipts (
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    vote_id        TEXT NOT NULL,
    question_id    INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    PRIMARY KEY (participant_id, vote_id)
) WITHOUT ROWID;
CREATE INDEX receipts_by_question ON receipts (question_id);
