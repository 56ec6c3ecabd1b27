//! Webhook subscriptions and their deliveries (docs/webhooks.md).
//!
//! A delivery is written once per subscription and event (`UNIQUE (webhook_id,
//! event_key)`), so nodes that notice the same event write one delivery between them; a
//! node claims a due delivery by setting its lease only where no live lease stands, so
//! one node at a time sends it. Every attempt is kept for the subscriber to read.

use crate::audit::{Chain, Note};
use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use serde::Serialize;

/// A subscription as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    /// `wh-…`.
    pub id: String,
    /// The agreement whose events it receives.
    pub agreement: String,
    /// Where deliveries are posted.
    pub url: String,
    /// Event types it receives.
    pub events: Vec<String>,
    /// For `incident.created`: only incidents in this zone.
    pub zone: Option<String>,
    /// The user who subscribed.
    pub owner: String,
    /// RFC 3339.
    pub created_at: String,
    /// Failed attempts in a row.
    pub failures: i64,
    /// When deliveries were paused after repeated failures.
    pub paused_at: Option<String>,
}

/// What a new subscription names.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    /// Agreement.
    pub agreement: &'a str,
    /// Delivery URL.
    pub url: &'a str,
    /// Event types.
    pub events: &'a [String],
    /// Zone filter for new incidents.
    pub zone: Option<&'a str>,
    /// The subscribing user.
    pub owner: &'a str,
}

/// A delivery due to be sent, claimed by one node.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// `msg_…`: the `webhook-id` header.
    pub id: String,
    /// The subscription.
    pub webhook: String,
    /// Where to post it.
    pub url: String,
    /// The subscription's signing secret.
    pub secret: String,
    /// Event type.
    pub event_type: String,
    /// The JSON body.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// The node that made it.
    pub node: &'a str,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why there was no 2xx answer, in words.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

/// When to try again and when to stop.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; each later wait doubles it.
    pub first_delay_ms: i64,
    /// The longest wait between attempts.
    pub max_delay_ms: i64,
    /// Attempts before a delivery is given up as failed.
    pub max_attempts: i64,
    /// Failed attempts in a row, over all its deliveries, after which a subscription is
    /// paused until resumed.
    pub pause_after: i64,
}

impl Default for RetryPolicy {
    /// 5 s, 10 s, 20 s … up to an hour between attempts; 10 attempts (about 2 h 40 min
    /// in all); paused after 20 failures in a row.
    fn default() -> Self {
        Self {
            first_delay_ms: 5_000,
            max_delay_ms: 3_600_000,
            max_attempts: 10,
            pause_after: 20,
        }
    }
}

impl RetryPolicy {
    /// The wait after `failed` failed attempts (1 or more).
    pub fn delay_ms(&self, failed: i64) -> i64 {
        let shift = u32::try_from((failed - 1).clamp(0, 30)).unwrap_or(30);
        self.first_delay_ms
            .saturating_mul(1_i64 << shift)
            .min(self.max_delay_ms)
    }
}

/// One delivery with its attempts, as its subscriber reads the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryLog {
    /// `msg_…`.
    pub id: String,
    /// Event type.
    pub event_type: String,
    /// What happened, once per subscription.
    pub event_key: String,
    /// RFC 3339.
    pub created_at: String,
    /// `pending`, `delivered` or `failed` (given up).
    pub state: String,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// When the next attempt is due (pending only), RFC 3339.
    pub next_at: Option<String>,
    /// The body as sent.
    pub payload: serde_json::Value,
    /// Every attempt, first first.
    pub attempts: Vec<AttemptLog>,
}

/// One attempt in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptLog {
    /// 1, 2, …
    pub attempt: i64,
    /// RFC 3339.
    pub at: String,
    /// The node that made it.
    pub node: String,
    /// The receiver's status.
    pub status: Option<i64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Milliseconds.
    pub duration_ms: i64,
}

type WebhookRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
);

const WEBHOOK_COLUMNS: &str =
    "id, agreement_id, url, events, zone_id, owner, created_at, failures, paused_at";

fn webhook(r: WebhookRow) -> Webhook {
    Webhook {
        id: r.0,
        agreement: r.1,
        url: r.2,
        events: r.3.split(',').map(str::to_owned).collect(),
        zone: r.4,
        owner: r.5,
        created_at: r.6,
        failures: r.7,
        paused_at: r.8,
    }
}

fn ms_to_rfc3339(ms: i64) -> Option<String> {
    Timestamp::from_millisecond(ms).ok().map(|t| t.to_string())
}

impl Store {
    /// Subscribes: the subscription and its secret (`whsec_…`, shown once). It receives
    /// incidents created from now on, not those already stored.
    pub async fn add_webhook(&self, w: &NewWebhook<'_>) -> Result<(Webhook, String)> {
        let id = format!("wh-{}", crate::accounts::random_hex(6));
        let secret = crate::accounts::random_secret();
        let now = Timestamp::now().to_string();
        let events = w.events.join(",");
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let cursor: Option<i64> =
                sqlx::query_scalar("SELECT MAX(number) FROM incidents WHERE agreement_id = $1")
                    .bind(w.agreement)
                    .fetch_one(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO webhooks (id, agreement_id, url, events, zone_id, secret, owner, created_at, incident_cursor, failures)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0)",
            )
            .bind(&id)
            .bind(w.agreement)
            .bind(w.url)
            .bind(&events)
            .bind(w.zone)
            .bind(&secret)
            .bind(w.owner)
            .bind(&now)
            .bind(cursor.unwrap_or(0))
            .execute(&mut *tx)
            .await?;
            tx.append(
                self.audit_key(),
                &self.actor,
                Note::new("webhook.add", format!("webhook:{id}")).detail(serde_json::json!({
                    "agreement": w.agreement, "url": w.url, "events": w.events, "zone": w.zone, "owner": w.owner
                })),
            )
            .await?;
            tx.commit().await?;
        });
        let hook = self
            .webhook(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("webhook {id} vanished")))?;
        Ok((hook, secret))
    }

    /// Subscriptions, all or one owner's, oldest first.
    pub async fn webhooks(&self, owner: Option<&str>) -> Result<Vec<Webhook>> {
        let rows: Vec<WebhookRow> = on_pool!(self, pool, DB, {
            sqlx::query_as(&format!(
                "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE ($1 IS NULL OR owner = $1) ORDER BY created_at, id"
            ))
            .bind(owner)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(webhook).collect())
    }

    /// One subscription.
    pub async fn webhook(&self, id: &str) -> Result<Option<Webhook>> {
        let row: Option<WebhookRow> = on_pool!(self, pool, DB, {
            sqlx::query_as(&format!(
                "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(webhook))
    }

    /// A subscription's signing secret (for a test delivery).
    pub async fn webhook_secret(&self, id: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, pool, DB, {
            sqlx::query_scalar("SELECT secret FROM webhooks WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Removes a subscription and its delivery log; false when there was none.
    pub async fn remove_webhook(&self, id: &str) -> Result<bool> {
        let n = on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let target = format!("webhook:{id}");
            let before = tx.state(&target).await?;
            // Children first: SQLite enforces the references only when asked to.
            sqlx::query(
                "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let n = sqlx::query("DELETE FROM webhooks WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                tx.append(
                    self.audit_key(),
                    &self.actor,
                    Note::new("webhook.remove", target).before(before),
                )
                .await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Resumes a paused subscription: its failures are forgotten and its pending
    /// deliveries are due at once. False when there is no such subscription.
    pub async fn resume_webhook(&self, id: &str) -> Result<bool> {
        let now = Timestamp::now().as_millisecond();
        let n = on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let n = sqlx::query("UPDATE webhooks SET paused_at = NULL, failures = 0 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("UPDATE webhook_deliveries SET next_ms = $1 WHERE webhook_id = $2 AND state = 'pending'")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if n > 0 {
                tx.append(
                    self.audit_key(),
                    &self.actor,
                    Note::new("webhook.resume", format!("webhook:{id}")),
                )
                .await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Writes a delivery of `event_key` to a subscription unless one exists: true when
    /// written now. Nodes noticing the same event write it once between them.
    pub async fn enqueue_delivery(
        &self,
        webhook: &str,
        event_key: &str,
        event_type: &str,
        payload: &str,
    ) -> Result<bool> {
        let id = format!("msg_{}", crate::accounts::random_hex(12));
        let now = Timestamp::now();
        let n = on_pool!(self, pool, DB, {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, webhook_id, event_key, event_type, payload, created_at, state, attempts, next_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7) ON CONFLICT (webhook_id, event_key) DO NOTHING",
            )
            .bind(&id)
            .bind(webhook)
            .bind(event_key)
            .bind(event_type)
            .bind(payload)
            .bind(now.to_string())
            .bind(now.as_millisecond())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// The highest incident number a subscription has considered.
    pub async fn webhook_cursor(&self, webhook: &str) -> Result<i64> {
        Ok(on_pool!(self, pool, DB, {
            sqlx::query_scalar::<_, i64>("SELECT incident_cursor FROM webhooks WHERE id = $1")
                .bind(webhook)
                .fetch_optional(pool)
                .await?
        })
        .unwrap_or(i64::MAX))
    }

    /// Moves a subscription's incident cursor forward (never back).
    pub async fn advance_webhook_cursor(&self, webhook: &str, to: i64) -> Result<()> {
        on_pool!(self, pool, DB, {
            sqlx::query(
                "UPDATE webhooks SET incident_cursor = $1 WHERE id = $2 AND incident_cursor < $1",
            )
            .bind(to)
            .bind(webhook)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Incidents of `agreement` numbered after `after` and up to `upto` (in `zone`, when
    /// given), oldest first, at most `limit`: (number, incident as stored).
    pub async fn incidents_after(
        &self,
        agreement: &str,
        (after, upto): (i64, i64),
        zone: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(i64, serde_json::Value)>> {
        let rows: Vec<(i64, String)> = on_pool!(self, pool, DB, {
            sqlx::query_as(
                "SELECT number, body FROM incidents i WHERE agreement_id = $1 AND number > $2 AND number <= $5
                   AND ($3 IS NULL OR EXISTS (SELECT 1 FROM incident_zones z WHERE z.incident_id = i.id AND z.zone_id = $3))
                 ORDER BY number LIMIT $4",
            )
            .bind(agreement)
            .bind(after)
            .bind(zone)
            .bind(limit)
            .bind(upto)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(n, body)| {
                serde_json::from_str(&body)
                    .map(|v| (n, v))
                    .map_err(|e| StoreError::Corrupt(format!("incident {n}: {e}")))
            })
            .collect()
    }

    /// The highest number of an incident of `agreement`. An agreement's incidents are
    /// written under its import lock, so they are committed in the order of their
    /// numbers: none lower than this can appear later.
    pub async fn last_incident_number(&self, agreement: &str) -> Result<i64> {
        let n: Option<i64> = on_pool!(self, pool, DB, {
            sqlx::query_scalar("SELECT MAX(number) FROM incidents WHERE agreement_id = $1")
                .bind(agreement)
                .fetch_one(pool)
                .await?
        });
        Ok(n.unwrap_or(0))
    }

    /// Claims up to `limit` due deliveries (or only delivery `only`) of subscriptions not
    /// paused, for `lease_ms`: a delivery another node holds under a live lease is not
    /// claimed.
    pub async fn claim_deliveries(
        &self,
        lease_ms: i64,
        limit: i64,
        only: Option<&str>,
    ) -> Result<Vec<DueDelivery>> {
        let now = Timestamp::now().as_millisecond();
        type Row = (String, String, String, String, String, String, i64);
        let due: Vec<Row> = on_pool!(self, pool, DB, {
            sqlx::query_as(
                "SELECT d.id, d.webhook_id, w.url, w.secret, d.event_type, d.payload, d.attempts
                 FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                 WHERE d.state = 'pending' AND d.next_ms <= $1 AND w.paused_at IS NULL
                   AND (d.lease_ms IS NULL OR d.lease_ms < $1) AND ($3 IS NULL OR d.id = $3)
                 ORDER BY d.next_ms, d.created_at LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .bind(only)
            .fetch_all(pool)
            .await?
        });
        let mut claimed = Vec::new();
        for r in due {
            let n = on_pool!(self, pool, DB, {
                sqlx::query(
                    "UPDATE webhook_deliveries SET lease_ms = $1
                     WHERE id = $2 AND state = 'pending' AND (lease_ms IS NULL OR lease_ms < $3)",
                )
                .bind(now + lease_ms)
                .bind(&r.0)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
            });
            if n == 1 {
                claimed.push(DueDelivery {
                    id: r.0,
                    webhook: r.1,
                    url: r.2,
                    secret: r.3,
                    event_type: r.4,
                    payload: r.5,
                    attempts: r.6,
                });
            }
        }
        Ok(claimed)
    }

    /// Records an attempt at a claimed delivery and releases it: delivered on a 2xx;
    /// otherwise due again after the policy's wait, or failed after its last attempt. A
    /// subscription failing `pause_after` times in a row is paused.
    pub async fn record_attempt(
        &self,
        d: &DueDelivery,
        a: &Attempt<'_>,
        policy: &RetryPolicy,
    ) -> Result<()> {
        let now = Timestamp::now();
        let ok = a.status.is_some_and(|s| (200..300).contains(&s));
        let attempt = d.attempts + 1;
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO webhook_attempts (delivery_id, attempt, at, node, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&d.id)
            .bind(attempt)
            .bind(now.to_string())
            .bind(a.node)
            .bind(a.status.map(i64::from))
            .bind(a.error.as_deref())
            .bind(a.duration_ms)
            .execute(&mut *tx)
            .await?;
            if ok {
                sqlx::query("UPDATE webhook_deliveries SET state = 'delivered', attempts = $1, lease_ms = NULL, delivered_at = $2 WHERE id = $3")
                    .bind(attempt)
                    .bind(now.to_string())
                    .bind(&d.id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE webhooks SET failures = 0 WHERE id = $1")
                    .bind(&d.webhook)
                    .execute(&mut *tx)
                    .await?;
            } else {
                let state = if attempt >= policy.max_attempts {
                    "failed"
                } else {
                    "pending"
                };
                sqlx::query("UPDATE webhook_deliveries SET state = $1, attempts = $2, lease_ms = NULL, next_ms = $3 WHERE id = $4")
                    .bind(state)
                    .bind(attempt)
                    .bind(now.as_millisecond() + policy.delay_ms(attempt))
                    .bind(&d.id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE webhooks SET failures = failures + 1,
                       paused_at = CASE WHEN failures + 1 >= $1 AND paused_at IS NULL THEN $2 ELSE paused_at END
                     WHERE id = $3",
                )
                .bind(policy.pause_after)
                .bind(now.to_string())
                .bind(&d.webhook)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A subscription's deliveries, newest first, at most `limit`, with every attempt.
    pub async fn webhook_deliveries(&self, webhook: &str, limit: i64) -> Result<Vec<DeliveryLog>> {
        type Row = (
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            i64,
            String,
        );
        let rows: Vec<Row> = on_pool!(self, pool, DB, {
            sqlx::query_as(
                "SELECT id, event_type, event_key, created_at, state, delivered_at, next_ms, payload
                 FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id LIMIT $2",
            )
            .bind(webhook)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        type AttemptRow = (
            String,
            i64,
            String,
            String,
            Option<i64>,
            Option<String>,
            i64,
        );
        let attempts: Vec<AttemptRow> = on_pool!(self, pool, DB, {
            sqlx::query_as(
                "SELECT a.delivery_id, a.attempt, a.at, a.node, a.status, a.error, a.duration_ms
                 FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                 WHERE d.webhook_id = $1 ORDER BY a.delivery_id, a.attempt",
            )
            .bind(webhook)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| {
                let pending = r.4 == "pending";
                DeliveryLog {
                    attempts: attempts
                        .iter()
                        .filter(|a| a.0 == r.0)
                        .map(|a| AttemptLog {
                            attempt: a.1,
                            at: a.2.clone(),
                            node: a.3.clone(),
                            status: a.4,
                            error: a.5.clone(),
                            duration_ms: a.6,
                        })
                        .collect(),
                    id: r.0,
                    event_type: r.1,
                    event_key: r.2,
                    created_at: r.3,
                    state: r.4,
                    delivered_at: r.5,
                    next_at: if pending { ms_to_rfc3339(r.6) } else { None },
                    payload: serde_json::from_str(&r.7).unwrap_or(serde_json::Value::Null),
                }
            })
            .collect())
    }

    /// The status labels of an agreement's obligations as last seen by any node.
    pub async fn webhook_status(
        &self,
        agreement: &str,
    ) -> Result<std::collections::BTreeMap<String, String>> {
        let rows: Vec<(String, String)> = on_pool!(self, pool, DB, {
            sqlx::query_as("SELECT obligation, label FROM webhook_status WHERE agreement_id = $1")
                .bind(agreement)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// Keeps an obligation's status label as seen now.
    pub async fn set_webhook_status(
        &self,
        agreement: &str,
        obligation: &str,
        label: &str,
    ) -> Result<()> {
        on_pool!(self, pool, DB, {
            sqlx::query(
                "INSERT INTO webhook_status (agreement_id, obligation, label) VALUES ($1, $2, $3)
                 ON CONFLICT (agreement_id, obligation) DO UPDATE SET label = excluded.label",
            )
            .bind(agreement)
            .bind(obligation)
            .bind(label)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
