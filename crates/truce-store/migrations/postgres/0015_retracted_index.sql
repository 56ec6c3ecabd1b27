-- The evidence fingerprint (read on every scorecard and search request) counts the
-- retracted reports: a partial index holds only those, so the count no longer reads
-- every report.
CREATE INDEX reports_retracted ON reports (seq) WHERE retracted = 1;
