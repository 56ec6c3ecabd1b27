//! Accounts: users and their roles, browser sessions, API tokens and login throttling.
//! Passwords are kept as argon2id hashes; session ids and tokens as SHA-256 hashes, so
//! the database alone lets no one log in. Everything is in the database, so several
//! server nodes share sessions, tokens and throttling.

use crate::audit::{Chain, Note};
use crate::{Result, Store, StoreError, sha256};
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::Serialize;
use sqlx::QueryBuilder;
use std::collections::HashMap;

pub use truce_model::access::UserRole;

/// A user, without secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Login name.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Role.
    pub role: UserRole,
    /// The party a liaison is bound to.
    pub party: Option<String>,
    /// True when the account may not log in.
    pub disabled: bool,
    /// When it was created, RFC 3339.
    pub created_at: String,
}

/// An API token as listed (the secret is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Public id.
    pub id: String,
    /// Its user.
    pub user: String,
    /// What it is for.
    pub label: String,
    /// When it was created.
    pub created_at: String,
    /// True once revoked.
    pub revoked: bool,
}

/// The outcome of a login attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// The password is right.
    Ok(User),
    /// Unknown user or wrong password (the two are not told apart).
    Refused,
    /// Too many failures lately; try again after this many seconds.
    Throttled(i64),
}

/// Failed logins allowed to one client for one name within [`THROTTLE_WINDOW_S`].
pub const MAX_FAILURES: i64 = 5;
/// Failed logins allowed to one client for any names within [`THROTTLE_WINDOW_S`].
pub const MAX_CLIENT_FAILURES: i64 = 20;
/// Failed logins for one user from all clients within [`THROTTLE_WINDOW_S`] after which
/// the user is refused from every client until the oldest leaves the window.
pub const MAX_ACCOUNT_FAILURES: i64 = 100;
/// Longest login name looked up; a longer one is no user.
pub const MAX_NAME_BYTES: usize = 128;
/// The throttling window.
pub const THROTTLE_WINDOW_S: i64 = 15 * 60;

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A webhook signing secret as the Standard Webhooks convention writes it: `whsec_`
/// and 24 random bytes in base64.
pub(crate) fn random_secret() -> String {
    use base64ct::{Base64, Encoding};
    let mut b = [0u8; 24];
    OsRng.fill_bytes(&mut b);
    format!("whsec_{}", Base64::encode_string(&b))
}

/// A password to show once: 20 characters from an alphabet without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 20];
    OsRng.fill_bytes(&mut b);
    b.iter()
        .map(|x| ALPHABET[usize::from(*x) % ALPHABET.len()] as char)
        .collect()
}

fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Refused(format!("cannot hash the password: {e}")))
}

/// A hash of a random password, made once: what a login for a name that is no user is
/// checked against, so that it takes as long as one for a real user.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password(&random_hex(16)).unwrap_or_default())
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).ok().is_some_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

type UserRow = (String, String, String, Option<String>, i64, String);

fn user_of(r: UserRow) -> Result<User> {
    Ok(User {
        role: UserRole::parse(&r.2).ok_or_else(|| {
            StoreError::Corrupt(format!("user {} has an unknown role `{}`", r.0, r.2))
        })?,
        id: r.0,
        name: r.1,
        party: r.3,
        disabled: r.4 != 0,
        created_at: r.5,
    })
}

/// The columns a [`User`] is read from (`token_user` names them with its table's alias).
const USER_COLUMNS: &str = "id, name, role, party, disabled, created_at";

impl Store {
    /// Creates a user. Refused when the id is taken, the role is `public`, or a liaison
    /// has no party.
    pub async fn add_user(
        &self,
        id: &str,
        name: &str,
        role: UserRole,
        party: Option<&str>,
        password: &str,
        now: &str,
    ) -> Result<User> {
        if role == UserRole::Public {
            return Err(StoreError::Refused(
                "`public` is the role of visitors who are not logged in".into(),
            ));
        }
        if role == UserRole::Liaison && party.is_none() {
            return Err(StoreError::Refused(
                "a liaison is bound to one party: give --party".into(),
            ));
        }
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(StoreError::Refused(format!(
                "`{id}` is not a login name (letters, digits, - _ .)"
            )));
        }
        if password.chars().count() < 12 {
            return Err(StoreError::Refused(
                "a password needs at least 12 characters".into(),
            ));
        }
        if self.user(id).await?.is_some() {
            return Err(StoreError::Refused(format!("a user `{id}` exists")));
        }
        let hash = hash_password(password)?;
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            sqlx::query("INSERT INTO users (id, name, role, party, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(name)
                .bind(role.as_str())
                .bind(party)
                .bind(&hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.append(
                self.audit_key(),
                &self.actor,
                Note::new("user.add", format!("user:{id}"))
                    .detail(serde_json::json!({"role": role.as_str(), "party": party})),
            )
            .await?;
            tx.commit().await?;
        });
        self.user(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("the new user did not read back".into()))
    }

    /// One user.
    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = on_pool!(self, pool, DB, {
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(user_of).transpose()
    }

    /// Every user, by id.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = on_pool!(self, pool, DB, {
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(user_of).collect()
    }

    /// Disables or re-enables a user; disabling ends their sessions and revokes nothing
    /// else (tokens of a disabled user are refused while it stays disabled).
    pub async fn set_disabled(&self, id: &str, disabled: bool) -> Result<bool> {
        let n = on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let target = format!("user:{id}");
            let before = tx.state(&target).await?;
            let n = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(i64::from(disabled))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            if n > 0 {
                let action = if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                };
                tx.append(
                    self.audit_key(),
                    &self.actor,
                    Note::new(action, target).before(before),
                )
                .await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Checks a password from a client (its address, as the server sees it), with
    /// throttling that a stranger cannot turn against a user: a client is refused
    /// unchecked after [`MAX_FAILURES`] failures for one name within
    /// [`THROTTLE_WINDOW_S`], or [`MAX_CLIENT_FAILURES`] for any names; a user only after
    /// [`MAX_ACCOUNT_FAILURES`] failures from all clients together (a guessing campaign
    /// from many addresses). A refusal takes as long whether or not the name exists, and
    /// failures under unknown names are kept under the client alone, so they cannot grow
    /// the database by name. Disabled users are refused like a wrong password.
    pub async fn login(&self, id: &str, password: &str, client: &str, now_s: i64) -> Result<Login> {
        let since = now_s - THROTTLE_WINDOW_S;
        let known: Option<(String, i64)> = if id.len() <= MAX_NAME_BYTES {
            on_pool!(self, pool, DB, {
                sqlx::query_as("SELECT password_hash, disabled FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await?
            })
        } else {
            None
        };
        // Failures are kept under the user's id, or "" for a name that is no user.
        let user_key = if known.is_some() { id } else { "" };
        let (pair, by_client, by_user, oldest): (i64, i64, i64, Option<i64>) = on_pool!(
            self,
            pool,
            DB,
            {
                sqlx::query_as(
                    "SELECT COALESCE(SUM(CASE WHEN user_id = $1 AND client = $2 THEN 1 ELSE 0 END), 0),
                            COALESCE(SUM(CASE WHEN client = $2 THEN 1 ELSE 0 END), 0),
                            COALESCE(SUM(CASE WHEN user_id = $1 AND $1 <> '' THEN 1 ELSE 0 END), 0),
                            MIN(at_s)
                     FROM login_failures WHERE (client = $2 OR user_id = $1) AND at_s > $3",
                )
                .bind(user_key)
                .bind(client)
                .bind(since)
                .fetch_one(pool)
                .await?
            }
        );
        if pair >= MAX_FAILURES
            || by_client >= MAX_CLIENT_FAILURES
            || by_user >= MAX_ACCOUNT_FAILURES
        {
            return Ok(Login::Throttled(
                oldest
                    .map_or(THROTTLE_WINDOW_S, |o| o + THROTTLE_WINDOW_S - now_s)
                    .max(1),
            ));
        }
        // The same work for a name that is no user: checked against a hash nobody's
        // password matches.
        let ok = match &known {
            Some((h, disabled)) => password_matches(password, h) && *disabled == 0,
            None => {
                let _ = password_matches(password, dummy_hash());
                false
            }
        };
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            if ok {
                sqlx::query("DELETE FROM login_failures WHERE user_id = $1 AND client = $2")
                    .bind(user_key)
                    .bind(client)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT INTO login_failures (user_id, client, at_s) VALUES ($1, $2, $3)",
                )
                .bind(user_key)
                .bind(client)
                .bind(now_s)
                .execute(&mut *tx)
                .await?;
                // Failures past the window are of no use: each one sweeps them.
                sqlx::query("DELETE FROM login_failures WHERE at_s <= $1")
                    .bind(since)
                    .execute(&mut *tx)
                    .await?;
            }
            let action = if ok {
                "user.login"
            } else {
                "user.login-refused"
            };
            if known.is_some() {
                let target = format!("user:{id}");
                let state = tx.state(&target).await?;
                // Under the user's own name: the handle's actor is whoever serves the login.
                tx.append(
                    self.audit_key(),
                    id,
                    Note::new(action, target)
                        .before(state)
                        .detail(serde_json::json!({"client": client})),
                )
                .await?;
            } else {
                // A name that is no user is not kept: a digest of it tells repeated
                // guesses apart without storing what was typed (a mistyped password, say).
                let digest = sha256(id);
                tx.append(
                    self.audit_key(),
                    "unknown",
                    Note::new(action, "user:?".to_owned()).detail(serde_json::json!({
                        "client": client,
                        "name_sha256": &digest[..16],
                    })),
                )
                .await?;
            }
            tx.commit().await?;
        });
        if !ok {
            return Ok(Login::Refused);
        }
        Ok(match self.user(id).await? {
            Some(u) => Login::Ok(u),
            None => Login::Refused,
        })
    }

    /// Starts a browser session: returns the cookie value and the CSRF token.
    pub async fn create_session(
        &self,
        user: &str,
        now_s: i64,
        ttl_s: i64,
    ) -> Result<(String, String)> {
        let token = random_hex(32);
        let csrf = random_hex(16);
        on_pool!(self, pool, DB, {
            sqlx::query("DELETE FROM sessions WHERE expires_s <= $1")
                .bind(now_s)
                .execute(pool)
                .await?;
            sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf, created_s, expires_s) VALUES ($1, $2, $3, $4, $5)")
                .bind(sha256(&token))
                .bind(user)
                .bind(&csrf)
                .bind(now_s)
                .bind(now_s + ttl_s)
                .execute(pool)
                .await?;
        });
        Ok((token, csrf))
    }

    /// The user and CSRF token of a live session of an enabled user.
    pub async fn session(&self, token: &str, now_s: i64) -> Result<Option<(User, String)>> {
        let row: Option<(String, String)> = on_pool!(self, pool, DB, {
            sqlx::query_as("SELECT s.user_id, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_s > $2 AND u.disabled = 0")
                .bind(sha256(token))
                .bind(now_s)
                .fetch_optional(pool)
                .await?
        });
        match row {
            Some((user, csrf)) => Ok(self.user(&user).await?.map(|u| (u, csrf))),
            None => Ok(None),
        }
    }

    /// Ends a session.
    pub async fn end_session(&self, token: &str) -> Result<()> {
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let user: Option<String> =
                sqlx::query_scalar("DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id")
                    .bind(sha256(token))
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(u) = user {
                let target = format!("user:{u}");
                let state = tx.state(&target).await?;
                tx.append(
                    self.audit_key(),
                    &u,
                    Note::new("user.logout", target).before(state),
                )
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Creates an API token for a user; the returned secret is shown once.
    pub async fn create_token(
        &self,
        user: &str,
        label: &str,
        now: &str,
    ) -> Result<(String, String)> {
        if self.user(user).await?.is_none() {
            return Err(StoreError::Refused(format!("no user `{user}`")));
        }
        let id = random_hex(6);
        let secret = format!("truce_{id}_{}", random_hex(24));
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            sqlx::query("INSERT INTO api_tokens (id, user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&id)
                .bind(user)
                .bind(sha256(&secret))
                .bind(label)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.append(
                self.audit_key(),
                &self.actor,
                Note::new("token.create", format!("token:{id}"))
                    .detail(serde_json::json!({"user": user})),
            )
            .await?;
            tx.commit().await?;
        });
        Ok((id, secret))
    }

    /// The enabled user a live token belongs to.
    pub async fn token_user(&self, secret: &str) -> Result<Option<User>> {
        // One statement: every authenticated request asks.
        let row: Option<UserRow> = on_pool!(self, pool, DB, {
            sqlx::query_as(
                "SELECT u.id, u.name, u.role, u.party, u.disabled, u.created_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked = 0 AND u.disabled = 0",
            )
            .bind(sha256(secret))
            .fetch_optional(pool)
            .await?
        });
        row.map(user_of).transpose()
    }

    /// Revokes a token by its public id; false when there is none.
    pub async fn revoke_token(&self, id: &str) -> Result<bool> {
        let n = on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let target = format!("token:{id}");
            let before = tx.state(&target).await?;
            let n = sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                tx.append(
                    self.audit_key(),
                    &self.actor,
                    Note::new("token.revoke", target).before(before),
                )
                .await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Every token, without secrets.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let rows: Vec<(String, String, String, String, i64)> = on_pool!(self, pool, DB, {
            sqlx::query_as("SELECT id, user_id, label, created_at, revoked FROM api_tokens ORDER BY created_at, id")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, user, label, created_at, revoked)| TokenInfo {
                id,
                user,
                label,
                created_at,
                revoked: revoked != 0,
            })
            .collect())
    }
}

/// How long a key claimed by a request that never answered (written by a build before
/// answers were kept with the work they answer) holds: longer than the server's request
/// timeout (30 s). After it, the key is free to be retried.
pub const IDEMPOTENCY_LEASE_S: i64 = 60;

/// How long a kept answer is replayed for; older ones are swept and the key is free.
pub const IDEMPOTENCY_RETENTION_S: i64 = 24 * 3600;

/// Where an idempotency key stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Not used (or its answer is past retention): carry the request out.
    New,
    /// Done before: the recorded status and body.
    Replay(u16, String),
    /// Claimed by a request that has not answered, for this many more seconds.
    InProgress(i64),
    /// The key was used for a different request.
    Mismatch,
}

/// The answer to a request kept under its idempotency key. It is written in the same
/// transaction as the work it answers ([`crate::ingest::Placed::write`]), so a request
/// that fails, times out or dies with its node leaves no claim behind: its retry is
/// carried out afresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The user who sent it.
    pub user: String,
    /// The key.
    pub key: String,
    /// What identifies the request (a digest of its target and body).
    pub request_hash: String,
    /// The answer's HTTP status.
    pub status: u16,
    /// The answer's body.
    pub body: String,
    /// When (Unix seconds).
    pub at_s: i64,
}

/// Keeps answers inside a transaction, a few hundred a statement. A key taken meanwhile
/// (the same key sent for another agreement at the same moment) fails the transaction.
pub(crate) async fn insert_answers<DB: sqlx::Database>(
    conn: &mut <DB as sqlx::Database>::Connection,
    answers: &[Answer],
) -> Result<()>
where
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    // Six binds a row.
    for chunk in answers.chunks(crate::sql::ROWS_PER_STATEMENT / 6) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|k| {
                let p = |j: usize| format!("${}", 6 * k + j);
                format!(
                    "({}, {}, {}, {}, {}, {})",
                    p(1),
                    p(2),
                    p(3),
                    p(4),
                    p(5),
                    p(6)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO idempotency (user_id, key, request_hash, status, response, created_s) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for a in chunk {
            q = q
                .bind(a.user.as_str())
                .bind(a.key.as_str())
                .bind(a.request_hash.as_str())
                .bind(i64::from(a.status))
                .bind(a.body.as_str())
                .bind(a.at_s);
        }
        match q.execute(&mut *conn).await {
            Ok(_) => {}
            Err(e)
                if e.as_database_error()
                    .is_some_and(sqlx::error::DatabaseError::is_unique_violation) =>
            {
                return Err(StoreError::KeyTaken);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

impl Store {
    /// Where a user's idempotency key stands for a request identified by `request_hash`.
    /// Claims older than [`IDEMPOTENCY_LEASE_S`] that never answered, and answers older
    /// than [`IDEMPOTENCY_RETENTION_S`], are let go here.
    pub async fn idempotency(
        &self,
        user: &str,
        key: &str,
        request_hash: &str,
        now_s: i64,
    ) -> Result<Claim> {
        let mut claims = self
            .idempotency_claims(&[(user, key, request_hash)], now_s)
            .await?;
        Ok(claims.pop().unwrap_or(Claim::New))
    }

    /// [`Store::idempotency`] for several (user, key, request hash) at once, read in one
    /// statement: one claim each, in order.
    pub async fn idempotency_claims(
        &self,
        requests: &[(&str, &str, &str)],
        now_s: i64,
    ) -> Result<Vec<Claim>> {
        /// The request hash, status, answer and time of a key.
        type Kept = (String, Option<i64>, Option<String>, i64);
        type Row = (String, String, String, Option<i64>, Option<String>, i64);
        let mut found: HashMap<(String, String), Kept> = HashMap::new();
        // Two binds a request.
        for chunk in requests.chunks(crate::sql::ROWS_PER_STATEMENT / 2) {
            let rows: Vec<Row> = on_pool!(self, pool, DB, {
                let mut q = QueryBuilder::<DB>::new(
                    "SELECT user_id, key, request_hash, status, response, created_s FROM idempotency WHERE ",
                );
                for (k, (user, key, _)) in chunk.iter().enumerate() {
                    if k > 0 {
                        q.push(" OR ");
                    }
                    q.push("(user_id = ")
                        .push_bind(*user)
                        .push(" AND key = ")
                        .push_bind(*key)
                        .push(")");
                }
                q.build_query_as().fetch_all(pool).await?
            });
            for (user, key, hash, status, body, created) in rows {
                found.insert((user, key), (hash, status, body, created));
            }
        }
        let mut claims = Vec::with_capacity(requests.len());
        for (user, key, request_hash) in requests {
            let Some((hash, status, body, created)) =
                found.remove(&((*user).to_owned(), (*key).to_owned()))
            else {
                claims.push(Claim::New);
                continue;
            };
            let answered = status.zip(body);
            let expired = match answered {
                Some(_) => created <= now_s - IDEMPOTENCY_RETENTION_S,
                None => created <= now_s - IDEMPOTENCY_LEASE_S,
            };
            if expired {
                on_pool!(self, pool, DB, {
                    sqlx::query(
                        "DELETE FROM idempotency WHERE user_id = $1 AND key = $2 AND created_s = $3",
                    )
                    .bind(*user)
                    .bind(*key)
                    .bind(created)
                    .execute(pool)
                    .await?;
                });
                claims.push(Claim::New);
                continue;
            }
            claims.push(match answered {
                _ if hash != *request_hash => Claim::Mismatch,
                Some((status, body)) => Claim::Replay(u16::try_from(status).unwrap_or(200), body),
                None => Claim::InProgress(created + IDEMPOTENCY_LEASE_S - now_s),
            });
        }
        Ok(claims)
    }

    /// Keeps an answer in a transaction of its own (a request that wrote nothing else,
    /// such as a report stored before).
    pub async fn keep_answer(&self, answer: &Answer) -> Result<()> {
        self.keep_answers(std::slice::from_ref(answer)).await
    }

    /// Keeps answers in one transaction: all or none.
    pub async fn keep_answers(&self, answers: &[Answer]) -> Result<()> {
        if answers.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            insert_answers::<DB>(&mut tx, answers).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Deletes the answers past retention and the claims past their lease; returns how
    /// many.
    pub async fn sweep_idempotency(&self, now_s: i64) -> Result<u64> {
        Ok(on_pool!(self, pool, DB, {
            sqlx::query(
                "DELETE FROM idempotency WHERE created_s <= $1 OR (status IS NULL AND created_s <= $2)",
            )
            .bind(now_s - IDEMPOTENCY_RETENTION_S)
            .bind(now_s - IDEMPOTENCY_LEASE_S)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }
}
