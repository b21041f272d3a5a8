-- Q&A: the questions participants send to a Q&A (posts), and upvotes, of posts and of open answers (the items of a
-- round). A post is never deleted: the facilitator hides it (status), as with answers.
CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    question_id    INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    round          INTEGER NOT NULL,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    post_key       TEXT NOT NULL,              -- the phone's id for it: a resend is recognised, never stored twice
    text           TEXT NOT NULL,
    nickname       TEXT NOT NULL DEFAULT '',   -- the name it was sent under; '' when sent anonymously
    status         TEXT NOT NULL DEFAULT 'shown' CHECK (status IN ('shown', 'pending', 'hidden')),
    answered       INTEGER NOT NULL DEFAULT 0,
    pinned         INTEGER NOT NULL DEFAULT 0, -- on the projector, above the others (one per round at most)
    sent_ms        INTEGER NOT NULL,
    UNIQUE (participant_id, post_key)
);
CREATE INDEX posts_by_question ON posts (question_id, round);

CREATE TABLE upvotes (
    question_id    INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    round          INTEGER NOT NULL,
    item           TEXT NOT NULL,              -- a post ('p' and its id) or an open answer's card
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    PRIMARY KEY (question_id, round, item, participant_id)
) WITHOUT ROWID;
CREATE INDEX upvotes_by_participant ON upvotes (participant_id);
