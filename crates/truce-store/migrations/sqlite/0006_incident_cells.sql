-- Incidents by grid cell and time, for box + time-window queries: `cell` numbers the
-- 0.1-degree square holding the incident's point (see evidence::grid_cell; computed in
-- Rust when written), so a box query reads a few cells' time ranges instead of the table.

ALTER TABLE incidents ADD COLUMN cell INTEGER;
UPDATE incidents SET cell = CAST(lon * 10 + 1800 AS INTEGER) * 2000 + CAST(lat * 10 + 900 AS INTEGER)
    WHERE lon IS NOT NULL AND lat IS NOT NULL;
CREATE INDEX incidents_by_cell_time ON incidents (agreement_id, cell, start_s, end_s, lon, lat);

-- The longest incident window of each agreement: a time-window query can then bound the
-- start of the windows it reads (start > from - longest) and use the index above.
CREATE TABLE incident_window_max (
    agreement_id TEXT PRIMARY KEY,
    max_s        INTEGER NOT NULL
);
INSERT INTO incident_window_max (agreement_id, max_s)
    SELECT agreement_id, MAX(end_s - start_s) FROM incidents GROUP BY agreement_id;
