-- The audit chain and the detainee / missing-person / remains registry.
--
-- audit_log: one entry per write (and per read of a personal record); each entry's hash
-- covers its fields and the previous entry's hash (truce-core's audit module).
-- audit_head: one row, updated in the same transaction as every append: taking its row
-- lock first makes concurrent writers (on any node) append one after another, and it
-- remembers where the chain ends, so that cutting entries from the end shows.

CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    state_before TEXT NOT NULL,
    state_after  TEXT NOT NULL,
    detail  TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
CREATE INDEX audit_log_by_target ON audit_log (target, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Persons. Only what aggregates need is in clear: side, category, holder. Everything
-- personal (names, numbers, birth data, places, notes, the source) is in `sealed`:
-- XChaCha20-Poly1305 under the registry key, which is kept outside the database, bound
-- to the person id so a sealed value cannot be moved to another row. `digest` is a
-- keyed hash of the plain content, for idempotent re-imports without revealing it.
CREATE TABLE registry_persons (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    current     INTEGER NOT NULL,
    side        TEXT NOT NULL,
    category    TEXT NOT NULL,
    held_by     TEXT,
    sealed      TEXT NOT NULL,
    digest      TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX registry_persons_current ON registry_persons (current, side);

-- Status history: each change with its date; place, note and source sealed.
CREATE TABLE registry_status (
    person_id   TEXT NOT NULL,
    date        TEXT NOT NULL,
    status      TEXT NOT NULL,
    exchange_id TEXT,
    sealed      TEXT NOT NULL,
    digest      TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (person_id, digest)
);
CREATE INDEX registry_status_by_date ON registry_status (date);
