-- Full-text search over reports: each current report's words as Truce folds them
-- (truce_model::places::fold_words: lowercase, no diacritics, letters and digits only,
-- separated by single spaces), under the report's `seq`. The `ascii` tokenizer splits at
-- the spaces alone, so SQLite and PostgreSQL hold exactly the same words. Derived from the
-- reports (never dumped): `search_backfill.upto` is the highest `seq` still to index,
-- 0 when none; reports written since are indexed by the same transaction.
CREATE VIRTUAL TABLE report_words USING fts5(words, tokenize = 'ascii');
CREATE TABLE search_backfill (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    upto INTEGER NOT NULL
);
INSERT INTO search_backfill (id, upto) SELECT 1, COALESCE(MAX(seq), 0) FROM reports;
