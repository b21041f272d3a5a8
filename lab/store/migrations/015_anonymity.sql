-- Anonymity modes (lab.anonymity): how a room with member codes keeps the link from a code to its answers, and when
-- that link was erased (the turnout as it stood then, as JSON; NULL while the vote runs).
ALTER TABLE rooms ADD COLUMN anonymity TEXT NOT NULL DEFAULT 'anonymous'
    CHECK (anonymity IN ('anonymous', 'pseudonymous', 'named'));
ALTER TABLE rooms ADD COLUMN sealed TEXT;
