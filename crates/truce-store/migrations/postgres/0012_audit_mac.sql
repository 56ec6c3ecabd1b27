-- Each audit entry's hash, authenticated with the audit key, a secret kept outside the
-- database: someone holding only the database cannot append or rewrite an entry that
-- `audit verify` accepts when given the key. NULL for an entry written without the key.
ALTER TABLE audit_log ADD COLUMN mac TEXT;
