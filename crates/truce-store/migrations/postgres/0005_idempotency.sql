-- Idempotency keys of write requests: a retried request with the same key gets the
-- first answer again instead of being carried out twice, whichever server node it
-- reaches. A row without a response is a request still being carried out.

CREATE TABLE idempotency (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT,
    response     TEXT,
    created_s    BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
