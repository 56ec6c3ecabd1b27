-- A zone may change over time: one row per version, keyed by the first local day it is in
-- force ('' for a version in force from the start). valid_to is the first day it no longer
-- is (NULL: still in force).
CREATE TABLE zones_versions (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    valid_from   TEXT NOT NULL DEFAULT '',
    valid_to     TEXT,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    part_of      TEXT,
    min_lon      REAL, min_lat REAL, max_lon REAL, max_lat REAL,
    area_km2     REAL NOT NULL,
    feature      TEXT NOT NULL,
    PRIMARY KEY (agreement_id, id, valid_from)
);
INSERT INTO zones_versions (agreement_id, id, name, kind, part_of, min_lon, min_lat, max_lon, max_lat, area_km2, feature)
    SELECT agreement_id, id, name, kind, part_of, min_lon, min_lat, max_lon, max_lat, area_km2, feature FROM zones;
DROP TABLE zones;
ALTER TABLE zones_versions RENAME TO zones;
