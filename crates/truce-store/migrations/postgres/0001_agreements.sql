-- PostgreSQL twin of the SQLite migration of the same number: same tables, columns and
-- indexes; 64-bit integers throughout (flags are 0/1 integers, as in SQLite).
-- Agreements and everything read from their folders. An agreement is replaced as a whole
-- when its source files change; `agreement_sources` keeps the exact files of the version
-- in force so that a load can be reproduced and re-validated.

CREATE TABLE agreements (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    time_zone    TEXT NOT NULL,
    effective    TEXT NOT NULL,          -- RFC 3339 instant, UTC
    content_hash TEXT NOT NULL,          -- SHA-256 over the source files, see store::content_hash
    main_source  TEXT NOT NULL,          -- name of the agreement file among agreement_sources
    version      BIGINT NOT NULL,       -- 1 on first load, +1 on every changed reload
    loaded_at    TEXT NOT NULL
);

CREATE TABLE agreement_sources (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    text         TEXT NOT NULL,
    PRIMARY KEY (agreement_id, name)
);

CREATE TABLE actors (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    roles        TEXT NOT NULL,          -- JSON array of role words
    part_of      TEXT,
    PRIMARY KEY (agreement_id, id)
);

CREATE TABLE documents (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    signed       TEXT NOT NULL,          -- local date of the agreement's time zone
    effective    TEXT NOT NULL,          -- RFC 3339 instant
    body         TEXT NOT NULL,          -- the whole document as JSON
    PRIMARY KEY (agreement_id, id)
);

CREATE TABLE provisions (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    document_id  TEXT NOT NULL,
    number       TEXT NOT NULL,
    body         TEXT NOT NULL,
    PRIMARY KEY (agreement_id, id)
);

CREATE TABLE obligations (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    provision_id TEXT NOT NULL,
    document_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    due          TEXT,                   -- RFC 3339 instant as first agreed, when fixed
    body         TEXT NOT NULL,
    PRIMARY KEY (agreement_id, id)
);

CREATE TABLE obligation_changes (
    agreement_id  TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    seq           BIGINT NOT NULL,
    document_id   TEXT NOT NULL,
    obligation_id TEXT NOT NULL,
    from_date     TEXT NOT NULL,
    body          TEXT NOT NULL,
    PRIMARY KEY (agreement_id, seq)
);

CREATE TABLE zones (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    part_of      TEXT,
    min_lon      DOUBLE PRECISION, min_lat DOUBLE PRECISION, max_lon DOUBLE PRECISION, max_lat DOUBLE PRECISION,
    area_km2     DOUBLE PRECISION NOT NULL,
    feature      TEXT NOT NULL,          -- GeoJSON Feature with the resolved geometry
    PRIMARY KEY (agreement_id, id)
);

CREATE TABLE places (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    display      TEXT NOT NULL,
    lon          DOUBLE PRECISION NOT NULL,
    lat          DOUBLE PRECISION NOT NULL,
    country      TEXT NOT NULL,
    admin_zone   TEXT,
    body         TEXT NOT NULL,
    PRIMARY KEY (agreement_id, id)
);

CREATE TABLE place_names (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    place_id     TEXT NOT NULL,
    name         TEXT NOT NULL,
    folded       TEXT NOT NULL,
    skeleton     TEXT NOT NULL,
    PRIMARY KEY (agreement_id, place_id, name)
);
CREATE INDEX place_names_folded ON place_names (agreement_id, folded);
CREATE INDEX place_names_skeleton ON place_names (agreement_id, skeleton);

CREATE TABLE statements (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    date         TEXT NOT NULL,
    stance       TEXT NOT NULL,
    body         TEXT NOT NULL,
    PRIMARY KEY (agreement_id, id)
);
CREATE INDEX statements_by_date ON statements (agreement_id, date);
