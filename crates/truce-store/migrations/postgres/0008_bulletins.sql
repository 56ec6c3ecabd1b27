-- Published bulletins (immutable: a row is written once and never updated) and the
-- runs of scheduled jobs. A run is claimed by inserting its (job, due) row: the one
-- node whose insert succeeds runs it, so several nodes never build the same bulletin.

CREATE TABLE bulletins (
    id            TEXT PRIMARY KEY,     -- AGREEMENT/FROM..TO
    agreement_id  TEXT NOT NULL,
    period_from   TEXT NOT NULL,
    period_to     TEXT NOT NULL,
    key           TEXT NOT NULL,        -- fingerprint of the signing key
    published_at  TEXT NOT NULL,
    signed_json   TEXT NOT NULL,        -- the signed original (canonical JSON)
    markdown      TEXT NOT NULL,
    html          TEXT NOT NULL,
    pdf           TEXT,                 -- base64, when one was made
    pdf_signature TEXT                  -- detached signature of the PDF's bytes
);
CREATE INDEX bulletins_by_period ON bulletins (agreement_id, period_to);

CREATE TABLE scheduled_runs (
    job         TEXT NOT NULL,
    due         TEXT NOT NULL,          -- RFC 3339 instant the run was due
    node        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT,
    PRIMARY KEY (job, due)
);
