//! Fresh databases for tests, on every backend under test: SQLite always, and
//! PostgreSQL as well when `TRUCE_TEST_DATABASE_URL` names a server (a new database per
//! test beside the one named, dropped when the test is done). Used by the store's and
//! the server's tests, so both suites run on both backends.

use crate::Store;

/// Options for rows of the ACLED data set (reliability B, credibility 2, fields up to
/// 32 KiB), received and checked at `now`: what the tests and benchmarks import with.
pub fn acled_options(now: jiff::Timestamp) -> truce_formats::acled::Options {
    use truce_model::report::{Reliability, Source, SourceKind};
    truce_formats::acled::Options {
        source: Source {
            id: "acled".into(),
            name: "ACLED".into(),
            kind: SourceKind::DataSet,
            reliability: Reliability::B,
            party: None,
        },
        received: now,
        credibility: 2,
        now,
        max_field_bytes: 1 << 15,
    }
}

/// What keeps a test's database alive: a temporary folder, or a PostgreSQL database.
#[derive(Debug)]
pub enum Guard {
    /// The folder holding the SQLite file.
    Sqlite(tempfile::TempDir),
    /// A database created for the test on the server at `base`.
    Postgres {
        /// URL of the database the test database was created beside.
        base: String,
        /// The test database.
        name: String,
    },
}

impl Guard {
    /// Closes the store and drops a PostgreSQL test database. A drop the server refuses
    /// (a maintenance process still connected) is retried a few times, then left: the
    /// database is empty of value and named after the test process.
    pub async fn done(self, store: Store) {
        store.close().await;
        if let Guard::Postgres { base, name } = self {
            let Ok(admin) = sqlx::PgPool::connect(&base).await else {
                return;
            };
            for _ in 0..5 {
                let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await;
                if dropped.is_ok() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            admin.close().await;
        }
    }
}

/// A fresh empty store on every backend under test.
///
/// # Panics
/// When a database cannot be created or opened.
#[allow(clippy::expect_used)]
pub async fn fresh_all() -> Vec<(Guard, Store)> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = Store::open_sqlite(&dir.path().join("truce.db"))
        .await
        .expect("open sqlite");
    let mut out = vec![(Guard::Sqlite(dir), sqlite)];
    if let Ok(base) = std::env::var("TRUCE_TEST_DATABASE_URL") {
        // The process id alone repeats from one run to the next on a machine that starts
        // the same way each time, and a database left by a test that panicked would then
        // stand in the way: the time this process started is part of the name.
        static STARTED: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
        let started = STARTED.get_or_init(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        });
        let name = format!(
            "truce_t_{}_{started}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let admin = sqlx::PgPool::connect(&base)
            .await
            .expect("admin connection");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let (prefix, _) = base.rsplit_once('/').expect("URL with a database");
        let store = Store::open(&format!("{prefix}/{name}"))
            .await
            .expect("open postgres");
        out.push((Guard::Postgres { base, name }, store));
    }
    out
}

/// Leaves `agreement` as an import stopped after writing its reports and before writing
/// its incidents leaves it: no row for any incident that holds a report (incidents
/// emptied by an earlier import keep theirs), and the incidents owed.
///
/// # Errors
/// When the database fails.
pub async fn stop_before_incidents(store: &Store, agreement: &str) -> crate::Result<()> {
    on_pool!(store, pool, DB, {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "DELETE FROM incident_zones WHERE incident_id IN (SELECT id FROM incidents WHERE agreement_id = $1 AND report_count > 0)",
        )
        .bind(agreement)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM incidents WHERE agreement_id = $1 AND report_count > 0")
            .bind(agreement)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    store.owe_matching(agreement, true).await
}

/// Leaves a claim on a user's idempotency key that never answered, made at `created_s`:
/// what a build that claimed keys before doing the work left when a request died.
///
/// # Errors
/// When the database fails.
pub async fn unanswered_claim(
    store: &Store,
    user: &str,
    key: &str,
    request_hash: &str,
    created_s: i64,
) -> crate::Result<()> {
    on_pool!(store, pool, DB, {
        sqlx::query(
            "INSERT INTO idempotency (user_id, key, request_hash, created_s) VALUES ($1, $2, $3, $4)",
        )
        .bind(user)
        .bind(key)
        .bind(request_hash)
        .bind(created_s)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Appends an audit entry as someone holding the database but not the audit key would:
/// a well-formed link of the chain (its `prev` the head, its hash computed by the
/// published rules, the head moved on), with `mac` as given. Returns its position.
///
/// # Errors
/// When the database fails.
pub async fn forge_audit_entry(store: &Store, mac: Option<&str>) -> crate::Result<i64> {
    on_pool!(store, pool, DB, {
        let mut tx = pool.begin().await?;
        let (seq, prev): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
        let mut entry = truce_engine::audit::Entry {
            seq: seq + 1,
            at: "2026-11-30T12:00:00Z".into(),
            actor: "admin".into(),
            action: "user.disable".into(),
            target: "user:someone".into(),
            before: String::new(),
            after: String::new(),
            detail: "{}".into(),
            prev,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        crate::audit::Chain::insert_entry(&mut *tx, &entry, mac).await?;
        tx.commit().await?;
        Ok(entry.seq)
    })
}

/// Empties the search index and marks every stored report as owed to it, as a database
/// from before the index looks after its migration.
pub async fn forget_search_index(store: &Store) -> crate::Result<()> {
    on_pool!(store, pool, DB, {
        sqlx::query("DELETE FROM report_words")
            .execute(pool)
            .await?;
        sqlx::query(
            "UPDATE search_backfill SET upto = (SELECT COALESCE(MAX(seq), 0) FROM reports) WHERE id = 1",
        )
        .execute(pool)
        .await?;
    });
    Ok(())
}
