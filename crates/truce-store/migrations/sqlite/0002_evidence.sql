-- Evidence: sources, reports (never changed once stored, only superseded or retracted)
-- with the matching decision that placed each, incidents assessed from them, and the
-- analyst history. Incidents are a pure function of their reports: the table is a cache
-- that an interrupted import rebuilds from `reports`.

CREATE TABLE sources (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    reliability TEXT NOT NULL,
    party       TEXT
);

CREATE TABLE reports (
    seq                INTEGER PRIMARY KEY,      -- arrival order (the rowid); matching replays in it
    id                 TEXT NOT NULL UNIQUE,     -- `source:key@version`
    agreement_id       TEXT NOT NULL,
    source_id          TEXT NOT NULL REFERENCES sources(id),
    source_key         TEXT,
    source_version     INTEGER,
    start_s            INTEGER NOT NULL,         -- occurred window, Unix seconds
    end_s              INTEGER NOT NULL,
    event_type         TEXT NOT NULL,
    lon                REAL,
    lat                REAL,
    body               TEXT NOT NULL,            -- the Report as JSON
    raw_format         TEXT NOT NULL,            -- `acled`, `ucdp`, `geojson`, `jsonl`, `api`
    raw                TEXT NOT NULL,            -- the record as received, JSON
    incident_id        TEXT NOT NULL,            -- where matching put it
    decision_new       INTEGER NOT NULL,         -- it started that incident
    decision_candidates INTEGER NOT NULL,        -- incidents the index returned near it
    decision_distance_m REAL,
    decision_gap_s     INTEGER,
    decision_reason    TEXT NOT NULL,
    superseded_by      TEXT,
    retracted          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reports_by_incident ON reports (incident_id);

CREATE TABLE incidents (
    id             TEXT PRIMARY KEY,
    number         INTEGER NOT NULL UNIQUE,       -- the N of inc-N
    agreement_id   TEXT NOT NULL,
    start_s        INTEGER NOT NULL,
    end_s          INTEGER NOT NULL,
    lon            REAL,
    lat            REAL,
    event_type     TEXT NOT NULL,
    status         TEXT NOT NULL,
    analyst_status TEXT,                          -- set by an analyst; assessment keeps it
    perpetrator    TEXT,
    disputed       INTEGER NOT NULL,
    report_count   INTEGER NOT NULL,
    stale          INTEGER NOT NULL DEFAULT 0,    -- its reports changed; the row awaits rewriting
    body           TEXT NOT NULL                  -- the Incident as JSON
);
CREATE INDEX incidents_by_time ON incidents (agreement_id, start_s);
CREATE INDEX incidents_by_place ON incidents (agreement_id, lon, lat);

CREATE TABLE incident_zones (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    zone_id     TEXT NOT NULL,
    PRIMARY KEY (incident_id, zone_id)
);
CREATE INDEX incident_zones_by_zone ON incident_zones (zone_id, incident_id);

CREATE TABLE incident_history (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX incident_history_by_incident ON incident_history (incident_id, seq);
