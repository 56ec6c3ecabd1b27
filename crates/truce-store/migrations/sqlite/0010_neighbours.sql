-- One submitted report is matched against the incidents near it only, read through the
-- indexes, rather than against every incident of its agreement (ingest::import_one).

-- The radius of an incident's place (its location precision), so that a box query can be
-- widened by the incidents' reach: narrow places (up to 25 km) through the cell index,
-- the few wider ones through this partial index.
ALTER TABLE incidents ADD COLUMN radius_m REAL;
UPDATE incidents SET radius_m = CASE json_extract(body, '$.location_precision')
        WHEN 1 THEN 2000.0 WHEN 2 THEN 25000.0 WHEN 3 THEN 40000.0 WHEN 4 THEN 80000.0
        ELSE 200000.0 END
    WHERE lon IS NOT NULL AND lat IS NOT NULL;
CREATE INDEX incidents_wide ON incidents (agreement_id, start_s) WHERE radius_m > 25000;

-- Agreements whose incidents may not yet match their reports: an import marks its
-- agreement before writing and clears the mark once every incident is written, so a
-- stopped import leaves it. A submission to a marked agreement matches against every
-- stored report instead of the neighbourhood, which writes the incidents owed.
CREATE TABLE matching_owed (
    agreement_id TEXT PRIMARY KEY
);
-- Stores made before this may hold an import's unwritten incidents: one full pass each.
INSERT INTO matching_owed (agreement_id) SELECT DISTINCT agreement_id FROM reports;

-- Idempotency answers are swept by age (accounts::IDEMPOTENCY_RETENTION_S).
CREATE INDEX idempotency_by_age ON idempotency (created_s);
