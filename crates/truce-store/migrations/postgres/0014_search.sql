-- PostgreSQL twin of the SQLite migration of the same number. The words are given as a
-- tsvector literal (each folded word with its positions), never through a text search
-- parser, so both databases hold exactly the same words.
CREATE TABLE report_words (
    seq   BIGINT PRIMARY KEY,
    words TSVECTOR NOT NULL
);
CREATE INDEX report_words_by_word ON report_words USING GIN (words);
CREATE TABLE search_backfill (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    upto BIGINT NOT NULL
);
INSERT INTO search_backfill (id, upto) SELECT 1, COALESCE(MAX(seq), 0) FROM reports;
