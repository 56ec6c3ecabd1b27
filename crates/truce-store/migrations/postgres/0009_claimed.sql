-- Reports are no longer indexed by incident. Reports of thousands of incidents arrive
-- interleaved, so that index took a random insert per report and rewrote most of its pages
-- in every import transaction. An incident's current reports are the ids in its body,
-- read through the reports' primary key; the party filter reads `claimed` instead of
-- every report's body.

-- Every party some current report of the incident blames, as `|a|b|` (empty: none).
ALTER TABLE incidents ADD COLUMN claimed TEXT NOT NULL DEFAULT '';
UPDATE incidents SET claimed = COALESCE((
    SELECT '|' || string_agg(DISTINCT r.body::jsonb ->> 'perpetrator', '|') || '|' FROM reports r
    WHERE r.incident_id = incidents.id AND r.superseded_by IS NULL AND r.retracted = 0
      AND r.body::jsonb ->> 'perpetrator' IS NOT NULL), '');
DROP INDEX reports_by_incident;
