-- The evidence fingerprint also counts the records no longer current (a newer version,
-- or a retraction, which writes no new version): without it a retracted record would
-- still be read by a server's kept scorecard inputs. A partial index holds only those
-- rows, so the count reads none of the current ones.
CREATE INDEX records_superseded ON records (seq) WHERE superseded = 1;
