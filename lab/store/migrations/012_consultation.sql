-- A consultation at the participants' own pace (lab.consultation): pace, start, deadline, whether the results are
-- published, and the outcome shown to participants afterwards; JSON, like `details`.
ALTER TABLE rooms ADD COLUMN consultation TEXT NOT NULL DEFAULT '{}';
