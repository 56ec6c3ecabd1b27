-- Evidence records beyond incidents (handovers, strength reports, observation posts,
-- checkpoints, crossings, closures, exchanges, detention claims, notices, milestones).
-- A record is never changed in place: a changed record with the same kind and id is a new
-- version and the previous one is kept, marked superseded.

CREATE TABLE records (
    seq          INTEGER PRIMARY KEY,
    agreement_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    id           TEXT NOT NULL,
    version      INTEGER NOT NULL,
    date         TEXT,                    -- the record's own date, YYYY-MM-DD
    body         TEXT NOT NULL,           -- the record as a line of the format
    content_hash TEXT NOT NULL,           -- SHA-256 of body
    origin       TEXT NOT NULL,           -- file:line (or `built-in`) it came from
    imported_at  TEXT NOT NULL,
    superseded   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX records_current ON records (agreement_id, kind, id) WHERE superseded = 0;
CREATE INDEX records_by_date ON records (agreement_id, kind, date);
