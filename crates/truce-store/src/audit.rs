//! The audit log: every write of the store appends an entry to one hash chain inside the
//! transaction that makes the write (truce-engine's `audit` module holds the hashing and
//! checking rules). Appends first take the row lock of `audit_head`, so writers on any
//! number of connections and server nodes append one after another and the chain never
//! forks.
//!
//! Entries carry digests of their target's state before and after. `verify` walks the
//! chain and then recomputes the state of every target the chain vouches for (users,
//! tokens, agreements, evidence records, registry persons): a row edited or deleted
//! behind the store's back no longer matches its last entry.

use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use serde_json::Value;
use sqlx::Row;
use truce_engine::audit::{self, ChainCheck, Entry, Finding, Head, state_digest};

/// The audit key: a secret kept outside the database (like the registry key) with which
/// every entry's hash is authenticated (HMAC-SHA256). The chain alone shows that no
/// entry was changed or removed after a published head; the key shows that each entry
/// was written by the software holding it, so someone with only the database cannot
/// append an entry, or rewrite the chain from some entry on, that `audit verify`
/// accepts when given the key.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    /// A key from its 32 bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Reads the key from its file (64 hex digits, readable by its owner only).
    pub fn load(path: &std::path::Path) -> Result<Self> {
        crate::seal::read_secret(path).map(Self)
    }

    /// Creates a key file with a new random key, readable by its owner only; refuses to
    /// overwrite one.
    pub fn create_file(path: &std::path::Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private_dir(dir).map_err(|e| {
                StoreError::Refused(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        let key = crate::seal::random_key();
        crate::seal::write_secret(path, &key)?;
        Ok(Self(key))
    }

    /// The MAC of an entry with this hash.
    fn mac(&self, hash: &str) -> String {
        use hmac::{Hmac, Mac};
        use sha2::Sha256;
        let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(&self.0) else {
            unreachable!("HMAC takes a key of any length")
        };
        m.update(b"truce-audit-entry\n");
        m.update(hash.as_bytes());
        audit::hex(&m.finalize().into_bytes())
    }
}

/// What one append records; the state after is read back by the chain itself.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub action: String,
    pub target: String,
    pub before: String,
    pub detail: Value,
}

impl Note {
    pub(crate) fn new(action: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            target: target.into(),
            before: String::new(),
            detail: Value::Object(serde_json::Map::new()),
        }
    }

    pub(crate) fn before(mut self, before: String) -> Self {
        self.before = before;
        self
    }

    pub(crate) fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Target kinds whose current state `verify` recomputes.
const STATEFUL: &[&str] = &[
    "user",
    "token",
    "agreement",
    "record",
    "person",
    "bulletin",
    "source",
];

/// Every stored target of a [`STATEFUL`] kind.
const STATEFUL_TARGETS: &str = "SELECT 'user:' || id FROM users
     UNION ALL SELECT 'token:' || id FROM api_tokens
     UNION ALL SELECT 'agreement:' || id FROM agreements
     UNION ALL SELECT 'record:' || agreement_id || '/' || kind || '/' || id FROM records WHERE superseded = 0
     UNION ALL SELECT 'person:' || id FROM registry_persons WHERE current = 1
     UNION ALL SELECT 'bulletin:' || id FROM bulletins
     UNION ALL SELECT 'source:' || id FROM sources";

/// Chain operations on one connection inside a transaction, the same statements for
/// each backend.
pub(crate) trait Chain {
    /// Takes the chain's lock; call it first in a transaction that will append, so that
    /// nothing read before it can be stale (SQLite) and appends queue (PostgreSQL).
    async fn lock_chain(&mut self) -> Result<()>;
    /// Digest of a target's state as stored now; empty when it does not exist.
    async fn state(&mut self, target: &str) -> Result<String>;
    /// Appends an entry for a write just made in this transaction, authenticated with
    /// `key` when the store has one.
    async fn append(&mut self, key: Option<&AuditKey>, actor: &str, note: Note) -> Result<i64>;
    /// Writes an entry already hashed, with its MAC, and makes it the chain's head.
    async fn insert_entry(&mut self, entry: &Entry, mac: Option<&str>) -> Result<()>;
}

macro_rules! chain_for {
    ($conn:ty) => {
        impl Chain for $conn {
            async fn lock_chain(&mut self) -> Result<()> {
                sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn state(&mut self, target: &str) -> Result<String> {
                let (kind, id) = target.split_once(':').unwrap_or((target, ""));
                let values: Option<Vec<String>> = match kind {
                    "user" => sqlx::query(
                        "SELECT id, name, role, COALESCE(party, ''), disabled, password_hash, created_at FROM users WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *self)
                    .await?
                    .map(|r| -> Result<Vec<String>> {
                        Ok(vec![
                            r.try_get::<String, _>(0)?,
                            r.try_get(1)?,
                            r.try_get(2)?,
                            r.try_get(3)?,
                            r.try_get::<i64, _>(4)?.to_string(),
                            r.try_get(5)?,
                            r.try_get(6)?,
                        ])
                    })
                    .transpose()?,
                    "token" => sqlx::query(
                        "SELECT id, user_id, token_hash, label, created_at, revoked FROM api_tokens WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *self)
                    .await?
                    .map(|r| -> Result<Vec<String>> {
                        Ok(vec![
                            r.try_get::<String, _>(0)?,
                            r.try_get(1)?,
                            r.try_get(2)?,
                            r.try_get(3)?,
                            r.try_get(4)?,
                            r.try_get::<i64, _>(5)?.to_string(),
                        ])
                    })
                    .transpose()?,
                    "agreement" => {
                        let version: Option<i64> =
                            sqlx::query_scalar("SELECT version FROM agreements WHERE id = $1")
                                .bind(id)
                                .fetch_optional(&mut *self)
                                .await?;
                        match version {
                            None => None,
                            Some(v) => {
                                let files: Vec<(String, String)> = sqlx::query_as(
                                    "SELECT name, text FROM agreement_sources WHERE agreement_id = $1",
                                )
                                .bind(id)
                                .fetch_all(&mut *self)
                                .await?;
                                let files: Vec<truce_model::SourceFile> = files
                                    .into_iter()
                                    .map(|(n, t)| truce_model::SourceFile::new(n, t))
                                    .collect();
                                Some(vec![v.to_string(), crate::content_hash(&files)])
                            }
                        }
                    }
                    "record" => {
                        let mut parts = id.splitn(3, '/');
                        let (a, k, i) = (
                            parts.next().unwrap_or(""),
                            parts.next().unwrap_or(""),
                            parts.next().unwrap_or(""),
                        );
                        sqlx::query_as::<_, (i64, String)>(
                            "SELECT version, body FROM records WHERE agreement_id = $1 AND kind = $2 AND id = $3 AND superseded = 0",
                        )
                        .bind(a)
                        .bind(k)
                        .bind(i)
                        .fetch_optional(&mut *self)
                        .await?
                        .map(|(v, body)| vec![v.to_string(), body])
                    }
                    "person" => {
                        let person: Option<(i64, String, String, Option<String>, String, String)> =
                            sqlx::query_as(
                                "SELECT version, side, category, held_by, sealed, digest FROM registry_persons WHERE id = $1 AND current = 1",
                            )
                            .bind(id)
                            .fetch_optional(&mut *self)
                            .await?;
                        match person {
                            None => None,
                            Some((v, side, category, held_by, sealed, digest)) => {
                                let mut values =
                                    vec![v.to_string(), side, category, held_by.unwrap_or_default(), sealed, digest];
                                let lines: Vec<(String, String, Option<String>, String, String)> =
                                    sqlx::query_as(
                                        "SELECT date, status, exchange_id, sealed, digest FROM registry_status WHERE person_id = $1 ORDER BY digest",
                                    )
                                    .bind(id)
                                    .fetch_all(&mut *self)
                                    .await?;
                                for (d, s, x, sealed, digest) in lines {
                                    values.extend([d, s, x.unwrap_or_default(), sealed, digest]);
                                }
                                Some(values)
                            }
                        }
                    }
                    "source" => sqlx::query_as::<_, (String, String, String, Option<String>)>(
                        "SELECT name, kind, reliability, party FROM sources WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *self)
                    .await?
                    .map(|(n, k, r, p)| vec![n, k, r, p.unwrap_or_default()]),
                    "bulletin" => sqlx::query_as::<_, (String, String, String, String, Option<String>, Option<String>)>(
                        "SELECT published_at, signed_json, markdown, html, pdf, pdf_signature FROM bulletins WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *self)
                    .await?
                    .map(|(at, j, m, h, p, s)| vec![at, j, m, h, p.unwrap_or_default(), s.unwrap_or_default()]),
                    _ => None,
                };
                Ok(values.map_or_else(String::new, |v| {
                    state_digest(&v.iter().map(String::as_str).collect::<Vec<_>>())
                }))
            }

            async fn append(&mut self, key: Option<&AuditKey>, actor: &str, note: Note) -> Result<i64> {
                let after = if STATEFUL.iter().any(|k| note.target.starts_with(&format!("{k}:"))) {
                    self.state(&note.target).await?
                } else {
                    String::new()
                };
                let (seq, prev): (i64, String) = sqlx::query_as(
                    "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
                )
                .fetch_one(&mut *self)
                .await?;
                let mut entry = Entry {
                    seq,
                    at: Timestamp::now().to_string(),
                    actor: actor.to_owned(),
                    action: note.action,
                    target: note.target,
                    before: note.before,
                    after,
                    detail: note.detail.to_string(),
                    prev,
                    hash: String::new(),
                };
                entry.hash = entry.compute_hash();
                let mac = key.map(|k| k.mac(&entry.hash));
                self.insert_entry(&entry, mac.as_deref()).await?;
                Ok(seq)
            }

            async fn insert_entry(&mut self, entry: &Entry, mac: Option<&str>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, action, target, state_before, state_after, detail, prev, hash, mac)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(entry.seq)
                .bind(&entry.at)
                .bind(&entry.actor)
                .bind(&entry.action)
                .bind(&entry.target)
                .bind(&entry.before)
                .bind(&entry.after)
                .bind(&entry.detail)
                .bind(&entry.prev)
                .bind(&entry.hash)
                .bind(mac)
                .execute(&mut *self)
                .await?;
                sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                    .bind(entry.seq)
                    .bind(&entry.hash)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
        }
    };
}

chain_for!(sqlx::SqliteConnection);
chain_for!(sqlx::PgConnection);

/// What `verify` found: the chain walk, then the state of the data it vouches for.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditReport {
    /// The chain walk (entries, head, first broken link, findings).
    pub chain: ChainCheck,
    /// Targets whose stored state was compared with their last entry.
    pub targets_checked: u64,
    /// Rows that no longer match their last entry, or that no entry vouches for.
    pub state: Vec<Finding>,
    /// Whether each entry's MAC was checked (only with the audit key).
    pub key_checked: bool,
    /// Entries without a MAC, or whose MAC the audit key does not give: written by
    /// someone without the key.
    pub unauthenticated: Vec<Finding>,
}

impl AuditReport {
    /// True when nothing was found.
    pub fn is_intact(&self) -> bool {
        self.chain.findings.is_empty() && self.state.is_empty() && self.unauthenticated.is_empty()
    }
}

const ENTRY_COLUMNS: &str =
    "seq, at, actor, action, target, state_before, state_after, detail, prev, hash";

fn entry_of(r: &impl EntryRow) -> Result<Entry> {
    r.entry()
}

/// A row of `audit_log` on either backend.
trait EntryRow {
    fn entry(&self) -> Result<Entry>;
}

macro_rules! entry_row_for {
    ($row:ty) => {
        impl EntryRow for $row {
            fn entry(&self) -> Result<Entry> {
                Ok(Entry {
                    seq: self.try_get(0)?,
                    at: self.try_get(1)?,
                    actor: self.try_get(2)?,
                    action: self.try_get(3)?,
                    target: self.try_get(4)?,
                    before: self.try_get(5)?,
                    after: self.try_get(6)?,
                    detail: self.try_get(7)?,
                    prev: self.try_get(8)?,
                    hash: self.try_get(9)?,
                })
            }
        }
    };
}

entry_row_for!(sqlx::sqlite::SqliteRow);
entry_row_for!(sqlx::postgres::PgRow);

impl Store {
    /// The chain's head as the store keeps it (print it somewhere public now and then;
    /// `verify` against it later proves the chain up to there was not rewritten).
    pub async fn audit_head(&self) -> Result<Head> {
        let (seq, hash): (i64, String) = on_pool!(self, pool, DB, {
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| StoreError::Corrupt("the audit head row is missing".into()))?
        });
        Ok(Head { seq, hash })
    }

    /// Entries in chain order, from `from_seq` on, at most `limit`.
    pub async fn audit_entries(&self, from_seq: i64, limit: i64) -> Result<Vec<Entry>> {
        on_pool!(self, pool, DB, {
            let rows = sqlx::query(&format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"
            ))
            .bind(from_seq)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(entry_of).collect()
        })
    }

    /// Walks the whole chain, then recomputes the state of every user, token, agreement,
    /// evidence record and registry person and compares it with the last entry about it.
    pub async fn audit_verify(&self, published: Option<&Head>) -> Result<AuditReport> {
        on_pool!(self, pool, DB, {
            // Everything is read in one snapshot: a write committed while `verify` reads
            // (a server still answering) would otherwise show as a chain cut short or a
            // row changed without an entry.
            let mut tx = pool.begin().await?;
            if !self.is_sqlite() {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
            }
            let rows = sqlx::query(&format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_log ORDER BY seq"
            ))
            .fetch_all(&mut *tx)
            .await?;
            let entries: Vec<Entry> = rows.iter().map(entry_of).collect::<Result<_>>()?;
            let stored: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await?;
            let stored = stored.map(|(seq, hash)| Head { seq, hash });
            let chain = audit::check_chain(&entries, stored.as_ref(), published);
            // The last word on each target.
            let mut last: std::collections::BTreeMap<&str, &Entry> = Default::default();
            for e in &entries {
                last.insert(e.target.as_str(), e);
            }
            let mut targets: std::collections::BTreeSet<String> = last
                .keys()
                .filter(|t| STATEFUL.iter().any(|k| t.starts_with(&format!("{k}:"))))
                .map(|t| (*t).to_owned())
                .collect();
            let existing: Vec<(String,)> =
                sqlx::query_as(STATEFUL_TARGETS).fetch_all(&mut *tx).await?;
            targets.extend(existing.into_iter().map(|(t,)| t));
            let mut state = Vec::new();
            for t in &targets {
                let now = tx.state(t).await?;
                match last.get(t.as_str()) {
                    None => state.push(Finding {
                        seq: None,
                        target: Some(t.clone()),
                        what: format!("{t} is stored but no audit entry records writing it"),
                    }),
                    // A source registered before sources were vouched for: its entry
                    // holds no state to compare.
                    Some(e) if e.after.is_empty() && !now.is_empty() && t.starts_with("source:") => {}
                    Some(e) if e.after != now => state.push(Finding {
                        seq: Some(e.seq),
                        target: Some(t.clone()),
                        what: if now.is_empty() {
                            format!("{t} was deleted without an audit entry (last entry {})", e.seq)
                        } else {
                            format!(
                                "{t} was changed without an audit entry (it no longer matches entry {})",
                                e.seq
                            )
                        },
                    }),
                    Some(_) => {}
                }
            }
            let mut unauthenticated = Vec::new();
            if let Some(key) = &self.audit_key {
                let macs: Vec<(i64, String, Option<String>)> =
                    sqlx::query_as("SELECT seq, hash, mac FROM audit_log ORDER BY seq")
                        .fetch_all(&mut *tx)
                        .await?;
                for (seq, hash, mac) in macs {
                    let what = match mac {
                        None => "carries no MAC: it was written without the audit key",
                        Some(m) if m != key.mac(&hash) => {
                            "has a MAC the audit key does not give: it was not written by the holder of the key"
                        }
                        Some(_) => continue,
                    };
                    unauthenticated.push(Finding {
                        seq: Some(seq),
                        target: None,
                        what: format!("entry {seq} {what}"),
                    });
                }
            }
            tx.commit().await?;
            Ok(AuditReport {
                chain,
                targets_checked: targets.len() as u64,
                state,
                key_checked: self.audit_key.is_some(),
                unauthenticated,
            })
        })
    }

    /// Authenticates with the audit key every entry written without it, once the chain
    /// checks intact: what a database's first audit key vouches for. Returns how many
    /// entries were authenticated. Run only when the key is new: an entry appended by
    /// someone without the key after that is then reported by `verify`, not vouched for.
    pub async fn authenticate_audit_chain(&self) -> Result<u64> {
        self.authenticate_audit_entries(false).await
    }

    /// [`Store::authenticate_audit_chain`]; with `foreign`, also the entries whose MAC
    /// another key made (a chain restored from a dump of another centre).
    pub(crate) async fn authenticate_audit_entries(&self, foreign: bool) -> Result<u64> {
        let Some(key) = &self.audit_key else {
            return Err(StoreError::Refused("no audit key".into()));
        };
        let report = self.audit_verify(None).await?;
        if !report.chain.findings.is_empty() || !report.state.is_empty() {
            return Err(StoreError::Refused(
                "the audit chain does not check intact (`truce audit verify`); its entries were not authenticated"
                    .into(),
            ));
        }
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let all: Vec<(i64, String, Option<String>)> =
                sqlx::query_as("SELECT seq, hash, mac FROM audit_log ORDER BY seq")
                    .fetch_all(&mut *tx)
                    .await?;
            let open: Vec<(i64, String)> = all
                .into_iter()
                .filter(|(_, hash, mac)| match mac {
                    None => true,
                    Some(m) => foreign && *m != key.mac(hash),
                })
                .map(|(seq, hash, _)| (seq, hash))
                .collect();
            for (seq, hash) in &open {
                sqlx::query("UPDATE audit_log SET mac = $1 WHERE seq = $2")
                    .bind(key.mac(hash))
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(open.len() as u64)
        })
    }

    /// When the chain is empty but the database holds users, tokens, agreements,
    /// records or persons (a database from before the audit log, or restored from such a
    /// dump), records their present state as the baseline the chain vouches for from now.
    pub(crate) async fn audit_baseline(&self) -> Result<()> {
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
                .fetch_one(&mut *tx)
                .await?;
            if n > 0 {
                return Ok(());
            }
            let targets: Vec<(String,)> =
                sqlx::query_as(STATEFUL_TARGETS).fetch_all(&mut *tx).await?;
            for (t,) in targets {
                tx.append(self.audit_key(), "system", Note::new("audit.baseline", t))
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Appends one entry outside any other write (a read of personal data, a backup).
    pub(crate) async fn audit_only(&self, notes: Vec<Note>) -> Result<()> {
        if notes.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            for n in notes {
                tx.append(self.audit_key(), &self.actor, n).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records an operation done outside the store's own writes (a restore, a key
    /// rotation, a copy), so that the chain shows it.
    pub async fn audit_event(
        &self,
        action: &'static str,
        target: &str,
        detail: Value,
    ) -> Result<()> {
        self.audit_only(vec![Note::new(action, target).detail(detail)])
            .await
    }
}
