-- Answers that do not come from phones (lab.rooms, docs/consultations.md).

-- A show of hands: the facilitator's count per option of one round of a multiple-choice question.
CREATE TABLE hands (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    counts      TEXT NOT NULL,  -- JSON: a list of counts, one per option
    PRIMARY KEY (question_id, round)
);

-- Paper ballots, each entered by two tellers independently (double entry). A ballot counts once both entries
-- agree: its answers are then stored in `answers` with channel 'paper'.
CREATE TABLE ballots (
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    ballot     TEXT NOT NULL,  -- the member code on the ballot, or (open rooms) the number written on it
    teller     INTEGER NOT NULL CHECK (teller IN (1, 2)),
    answers    TEXT NOT NULL,  -- JSON: {question id: [round, value as normalised]}
    entered_ms INTEGER NOT NULL,
    PRIMARY KEY (room_id, ballot, teller)
);
