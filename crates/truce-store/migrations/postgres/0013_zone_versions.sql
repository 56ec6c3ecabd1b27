-- A zone may change over time: one row per version, keyed by the first local day it is in
-- force ('' for a version in force from the start). valid_to is the first day it no longer
-- is (NULL: still in force).
ALTER TABLE zones ADD COLUMN valid_from TEXT NOT NULL DEFAULT '';
ALTER TABLE zones ADD COLUMN valid_to TEXT;
ALTER TABLE zones DROP CONSTRAINT zones_pkey;
ALTER TABLE zones ADD PRIMARY KEY (agreement_id, id, valid_from);
