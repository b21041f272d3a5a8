-- Core v2: rounds (a reset starts a new round and keeps the old one), answer records with a status, a group, a
-- weight, a channel and a receipt time in milliseconds, vote receipts per round, and the room of `lab serve --deck`.

ALTER TABLE rooms ADD COLUMN serve_deck TEXT;  -- the deck file of the one room `lab serve --deck` runs
CREATE UNIQUE INDEX rooms_by_serve_deck ON rooms (serve_deck) WHERE serve_deck IS NOT NULL;
-- Before, `lab serve --deck` showed the newest room made from a deck of that file name: the first start after this
-- migration adopts that room (lab.store.sqlite: room_for_served_deck), so its code and QR code stay the same.
INSERT INTO meta (key, value) SELECT 'serve_deck_unclaimed', '1' WHERE EXISTS (SELECT 1 FROM rooms);

UPDATE questions SET round = round + 1;  -- rounds count from 1 (new questions are inserted with round 1)

-- Each round keeps the type and settings its answers were given under.
CREATE TABLE rounds (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    type        TEXT NOT NULL,
    settings    TEXT NOT NULL,  -- JSON
    started_ms  INTEGER NOT NULL,
    PRIMARY KEY (question_id, number)
) WITHOUT ROWID;
INSERT INTO rounds (question_id, number, type, settings, started_ms) SELECT id, round, type, settings, 0 FROM questions;

CREATE TABLE answers_v2 (
    id             INTEGER PRIMARY KEY,
    question_id    INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    round          INTEGER NOT NULL,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    value          TEXT NOT NULL,  -- JSON, normalised by the question type
    vote_id        TEXT NOT NULL,  -- the vote that gave this value
    status         TEXT NOT NULL DEFAULT 'shown' CHECK (status IN ('shown', 'pending', 'hidden')),
    group_name     TEXT,
    weight         REAL NOT NULL DEFAULT 1,
    channel        TEXT NOT NULL DEFAULT 'phone',
    received_ms    INTEGER NOT NULL,  -- when the server received the vote
    seq            INTEGER NOT NULL,  -- commit order: a changed answer gets a new one (newest last)
    UNIQUE (question_id, round, participant_id)  -- one answer per participant per question per round
);
INSERT INTO answers_v2 (id, question_id, round, participant_id, value, vote_id, status, received_ms, seq)
SELECT a.id, a.question_id, q.round, a.participant_id, a.value, a.vote_id,
       CASE WHEN a.hidden THEN 'hidden' ELSE 'shown' END, CAST(strftime('%s', a.answered_at) AS INTEGER) * 1000, a.id
FROM answers a JOIN questions q ON q.id = a.question_id;
DROP TABLE answers;
ALTER TABLE answers_v2 RENAME TO answers;
CREATE INDEX answers_by_participant ON answers (participant_id);

-- Vote ids accepted in a question's current round: a resend is recognised, a reused id refused. A receipt is only
-- needed while its round can still be resent, so a new round deletes the old round's receipts, and only the
-- newest receipts of each participant, question and round are kept.
CREATE TABLE receipts_v2 (
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    vote_id        TEXT NOT NULL,
    question_id    INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    round          INTEGER NOT NULL,
    UNIQUE (participant_id, vote_id)
);
INSERT INTO receipts_v2 (participant_id, vote_id, question_id, round)
SELECT r.participant_id, r.vote_id, r.question_id, q.round FROM receipts r JOIN questions q ON q.id = r.question_id;
DROP TABLE receipts;
ALTER TABLE receipts_v2 RENAME TO receipts;
CREATE INDEX receipts_by_answer ON receipts (participant_id, question_id, round);
CREATE INDEX receipts_by_question ON receipts (question_id, round);
