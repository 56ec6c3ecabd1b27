-- Failed logins are kept per client address as well as per user (accounts::login): a
-- client is throttled for its own failures, so a stranger cannot lock a user out, and a
-- name that is no user is kept as '' rather than as typed. Each failure sweeps those past
-- the throttling window.
ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';
DELETE FROM login_failures WHERE user_id NOT IN (SELECT id FROM users);
CREATE INDEX login_failures_by_client ON login_failures (client, at_s);
CREATE INDEX login_failures_by_age ON login_failures (at_s);
