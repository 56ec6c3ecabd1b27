-- Lists show each incident's place in both names and as reported. Kept as columns so the
-- in-memory incident pages (and a list read from the database) carry them without
-- reading the incident's whole JSON.
ALTER TABLE incidents ADD COLUMN place_label TEXT;
ALTER TABLE incidents ADD COLUMN place_name TEXT;
UPDATE incidents SET place_label = json_extract(body, '$.place_label'),
                     place_name = json_extract(body, '$.place_name');
