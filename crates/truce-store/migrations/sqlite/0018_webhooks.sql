-- Webhook subscriptions, their deliveries and every attempt (docs/webhooks.md).
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,          -- wh-…
    agreement_id    TEXT NOT NULL,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,             -- comma-separated event types
    zone_id         TEXT,                      -- incident.created only in this zone
    secret          TEXT NOT NULL,             -- whsec_… (signs every delivery)
    owner           TEXT NOT NULL,             -- the user who subscribed
    created_at      TEXT NOT NULL,
    incident_cursor INTEGER NOT NULL,          -- the highest incident number considered
    failures        INTEGER NOT NULL DEFAULT 0,-- failed attempts in a row
    paused_at       TEXT                       -- set after repeated failures
);

CREATE TABLE webhook_deliveries (
    id          TEXT PRIMARY KEY,              -- msg_…, the webhook-id header
    webhook_id  TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_key   TEXT NOT NULL,                 -- what happened, once per subscription
    event_type  TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL,                 -- pending, delivered, failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_ms     INTEGER NOT NULL,              -- due, ms since the epoch
    lease_ms    INTEGER,                       -- claimed by a node until then
    delivered_at TEXT,
    UNIQUE (webhook_id, event_key)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_ms);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    node        TEXT NOT NULL,
    status      INTEGER,                       -- the receiver's HTTP status
    error       TEXT,                          -- or why there was none
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- The status of each obligation today as last seen by any node: a change is an event.
CREATE TABLE webhook_status (
    agreement_id TEXT NOT NULL,
    obligation   TEXT NOT NULL,
    label        TEXT NOT NULL,
    PRIMARY KEY (agreement_id, obligation)
);
