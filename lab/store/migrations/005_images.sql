-- Images a facilitator uploads for a room (a slide's picture, a map to pin on), kept by lab itself so no screen
-- loads anything from elsewhere. Named by the SHA-256 of their stored bytes: an upload of the same image is one row.
CREATE TABLE images (
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,     -- "<sha256>.<png|jpg|webp>"
    mime       TEXT NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (room_id, name)
) WITHOUT ROWID;
