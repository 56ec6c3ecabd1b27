//! Persistence for Truce. Today: embedded SQLite in WAL mode with versioned migrations
//! compiled into the binary. Callers see only [`Store`]; the backend behind it is chosen
//! by the database URL, so that a PostgreSQL backend can be added without changing them.
//!
//! Writes are idempotent: loading the same agreement files twice changes nothing, and a
//! changed agreement replaces the previous version inside one transaction.

/// Runs `$body` with `$pool` bound to the backend's connection pool and `$db` naming its
/// sqlx database type: one source for every backend, compiled once for each, so SQLite
/// and PostgreSQL run the same statements.
macro_rules! on_pool {
    ($store:expr, $pool:ident, $db:ident, $body:block) => {
        match &$store.backend {
            crate::Backend::Sqlite($pool) => {
                #[allow(dead_code)]
                type $db = sqlx::Sqlite;
                $body
            }
            crate::Backend::Postgres($pool) => {
                #[allow(dead_code)]
                type $db = sqlx::Postgres;
                $body
            }
        }
    };
}

/// Writes `(seq, folded words)` rows into the search index inside the transaction `$tx`:
/// the words as they are on SQLite (FTS5), as a `tsvector` literal on PostgreSQL, so
/// both hold the same words. Used by the report writer and the backlog alike.
macro_rules! insert_report_words {
    ($store:expr, $tx:ident, $db:ident, $rows:expr) => {{
        let pg = matches!($store.backend, crate::Backend::Postgres(_));
        let rows: Vec<(i64, &str)> = $rows;
        for chunk in rows.chunks(crate::sql::ROWS_PER_STATEMENT) {
            let mut q = sqlx::QueryBuilder::<$db>::new(if pg {
                "INSERT INTO report_words (seq, words) "
            } else {
                "INSERT INTO report_words (rowid, words) "
            });
            q.push_values(chunk, |mut b, (seq, words)| {
                b.push_bind(*seq);
                if pg {
                    b.push_bind(truce_model::search::tsvector_literal(words))
                        .push_unseparated("::tsvector");
                } else {
                    b.push_bind(*words);
                }
            });
            q.build().execute(&mut *$tx).await?;
        }
    }};
}

pub mod accounts;
pub mod audit;
pub mod bulletins;
pub mod dump;
mod filter;
pub mod ingest;
mod neighbours;
pub mod pages;
mod queries;
pub mod records;
pub mod registry;
mod reports;
pub mod seal;
mod sources;
mod sql;
#[doc(hidden)]
pub mod testing;
pub mod verify;
pub mod warm;
pub mod webhooks;

use audit::{Chain, Note};
pub use filter::{Cursor, FilterProblem, FilterValues, IncidentFilter, IncidentOrder, check_bbox};
use jiff::Timestamp;
pub use queries::{IncidentDetail, Listed, ReportHit, SEARCH_READS};
pub use reports::{Batch, Current, Encoded, NewReport, Raw, Versions};
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use std::time::Duration;
use truce_model::places::{fold, skeleton};
use truce_model::{AgreementBundle, Problems, SourceFile};

/// Store failures, by cause.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The URL names no backend this build has.
    #[error("unsupported database URL `{0}`: this build supports sqlite:PATH and postgres://…")]
    UnsupportedUrl(String),
    /// Stored agreement files no longer load (edited by hand, or a newer format).
    #[error("stored agreement `{id}` no longer loads:\n{problems}")]
    StoredAgreementInvalid {
        /// The agreement.
        id: String,
        /// What is wrong.
        problems: Problems,
    },
    /// A value could not be encoded for storage.
    #[error("cannot encode value: {0}")]
    Encode(#[from] serde_json::Error),
    /// The request cannot be carried out as asked (a restore into a database that holds
    /// data, a dump from a newer build, a broken dump).
    #[error("{0}")]
    Refused(String),
    /// The asker's role does not allow what was asked (personal data of the registry).
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// An idempotency key was taken by another request while this one was carried out.
    #[error("the Idempotency-Key was used by another request meanwhile")]
    KeyTaken,
    /// A stored value no longer reads back (edited by hand, or written by a newer build).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

/// Result of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What loading an agreement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadOutcome {
    /// First load of this agreement id.
    Created {
        /// Always 1.
        version: i64,
    },
    /// The files changed; the previous version was replaced.
    Updated {
        /// The new version number.
        version: i64,
    },
    /// The same files were loaded before; nothing was written.
    Unchanged {
        /// The version in force.
        version: i64,
    },
}

/// One stored agreement, without its contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgreementSummary {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Effective instant, RFC 3339.
    pub effective: String,
    /// Version number, 1 on first load.
    pub version: i64,
    /// SHA-256 of the source files.
    pub content_hash: String,
    /// When this version was loaded, RFC 3339.
    pub loaded_at: String,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The store handle; cheap to clone, safe to share between tasks.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// Imports of this process, one at a time (see [`Store::import_lock`]).
    imports: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Connections kept for whoever holds the import lock ([`ImportLock::store`]), made on
    /// first use.
    holder: std::sync::Arc<tokio::sync::OnceCell<Backend>>,
    /// Who the audit log names for writes made through this handle.
    actor: std::sync::Arc<str>,
    /// The key that seals personal fields of the registry, when configured.
    keys: Option<std::sync::Arc<seal::Keyring>>,
    /// The key that authenticates audit entries, when configured.
    audit_key: Option<std::sync::Arc<audit::AuditKey>>,
    /// The sources as last read ([`Store::sources_with`]).
    known_sources: KnownSources,
    /// Incident pages kept in memory, when asked for ([`Store::with_incident_pages`]).
    pages: Option<pages::SharedPages>,
    /// Every incident's index entry kept in memory for matching, when asked for
    /// ([`Store::with_warm_matching`]).
    warm: Option<warm::SharedWarm>,
    /// Checkpoints run beside the import lock holder's SQLite connections, which leave
    /// them to this ([`Store::checkpoint_behind`]).
    behind: std::sync::Arc<BehindCheckpoints>,
}

/// A connection that copies the log back into a SQLite database in the background, one
/// checkpoint at a time, at most one every [`BehindCheckpoints::SPACING_MS`] while the log
/// is short, one after another once it is long.
#[derive(Debug, Default)]
struct BehindCheckpoints {
    pool: tokio::sync::OnceCell<SqlitePool>,
    running: std::sync::atomic::AtomicBool,
    /// When the last one started, in milliseconds since the Unix epoch.
    last_ms: std::sync::atomic::AtomicU64,
    /// The frames the log held at the last one's end.
    log_frames: std::sync::atomic::AtomicI64,
}

impl BehindCheckpoints {
    const SPACING_MS: u64 = 250;
    /// Past this many frames (16 MiB of 4 KiB pages) the background checkpoints run back
    /// to back, so that the frames not yet copied back stay few: a reader looks a page
    /// up only among those, and a write starts the log over whenever, as it begins, every
    /// frame has been copied back.
    const MAX_LOG_FRAMES: i64 = 4_096;
    /// Past this (1 GiB) the lock holder copies the rest back itself before it lets go,
    /// while nothing else writes, so that the next write starts the log over. Under a
    /// steady stream of writes the background checkpoints never quite catch up (the log
    /// grew by 3.8 GB in 45 s of submissions), but doing it in the holder's time costs
    /// the submissions waiting behind it a sync of the last moments' pages each time
    /// (13–46 ms); at this size that is once in a long while (every 13 s at 80 MB/s of
    /// log, the W5 benchmark's rate) rather than twice a second. The log file keeps its
    /// size for the holder's next writes (see [`Store::import_lock`]); other connections
    /// cut it back to [`SQLITE_LOG_KEPT`] bytes when they start it over.
    const HARD_LOG_FRAMES: i64 = 262_144;
}

/// The bytes of an emptied log a SQLite database keeps (`journal_size_limit`), except on
/// the import lock holder's connection.
const SQLITE_LOG_KEPT: &str = "67108864";

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}

/// The sources as last read, shared by a store's handles.
type KnownSources = std::sync::Arc<
    std::sync::RwLock<
        Option<std::sync::Arc<std::collections::HashMap<String, truce_model::report::Source>>>,
    >,
>;

/// Connections of the import lock's holder on SQLite ([`ImportLock::store`]): one, which
/// does its reads and its writes. Nothing the holder calls takes a second connection while
/// it holds one (every test passes so). With two, the pool handed them out in turn, so each
/// began every read after the other's write: a SQLite connection that finds the database
/// changed by another drops its page cache and unmaps its memory map (a tenth of a
/// profile's samples under W5 at 1M). With one, its own writes leave both in place (README, W5).
const HOLDER_CONNECTIONS_SQLITE: u32 = 1;

/// Connections of the import lock's holder on PostgreSQL: one does its work, the other is
/// spare, so that nothing it calls waits for a connection it holds itself.
const HOLDER_CONNECTIONS_POSTGRES: u32 = 2;

/// Held while an import (a file, or a report submitted through the API) matches reports
/// and writes them: matching reads the incidents as stored, so two imports of one
/// agreement must not interleave. Within a process a mutex serialises them; on
/// PostgreSQL a transaction-scoped advisory lock does so across server nodes, and is
/// released when this is released or dropped.
#[derive(Debug)]
pub struct ImportLock {
    _local: tokio::sync::OwnedMutexGuard<()>,
    pg: Option<sqlx::Transaction<'static, sqlx::Postgres>>,
    store: Store,
}

impl ImportLock {
    /// The store, through connections of the lock holder's own: its reads and writes do
    /// not queue behind other requests waiting for the shared pool, which would stretch
    /// the time the lock is held.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Lets the next import proceed.
    pub async fn release(self) -> Result<()> {
        self.store.checkpoint_behind().await?;
        if let Some(tx) = self.pg {
            tx.commit().await?;
        }
        Ok(())
    }
}

/// SHA-256 over every source file's name and text, in name order: the identity of an
/// agreement version.
pub fn content_hash(sources: &[SourceFile]) -> String {
    let mut sorted: Vec<&SourceFile> = sources.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut h = Sha256::new();
    for s in sorted {
        h.update((s.name.len() as u64).to_le_bytes());
        h.update(s.name.as_bytes());
        h.update((s.text.len() as u64).to_le_bytes());
        h.update(s.text.as_bytes());
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Source names are stored relative to the agreement folder, so that the same folder
/// loaded from two places is the same version.
fn relative_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Creates a folder (and its parents) readable by this user alone; one that exists keeps
/// its permissions.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Creates an empty database file readable by this user alone (SQLite gives its log and
/// shared-memory files the same permissions); one that exists keeps its own.
fn private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl Store {
    /// Opens (creating if needed) the SQLite database file at `path` and brings its schema
    /// up to date.
    pub async fn open_sqlite(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_dir(dir).map_err(|e| {
                StoreError::Refused(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        private_file(path)
            .map_err(|e| StoreError::Refused(format!("cannot create {}: {e}", path.display())))?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 4 KiB pages (SQLite's default) for a new database; an existing one keeps its
            // own. 16 KiB pages had cut a bulk import's log frames when 1M rows made 23 k
            // incidents, but a server's writes are small and scattered over the indexes:
            // each dirty page is written whole to the log, and submissions at 100k stored
            // reports went from 1,620 to 2,375 a second with 4 KiB pages (an import of
            // 200k distinct rows: 11.95 s with 16 KiB, 11.50 s with 4 KiB). 8 MiB of page
            // cache a connection (SQLite's default is 2), fewer pages spilled
            // mid-transaction; a checkpoint every 10 MiB of log. A large import's writer
            // and the import lock's holder leave their checkpoints to a connection beside
            // them (`ingest::Checkpointer`, `Store::checkpoint_behind`). Pages read through
            // memory-mapped I/O up to 2 GiB of the file (SQLite's own ceiling): a read of a
            // page not in the connection's cache was a system call and a copy, 7% of a
            // server's time under a stream of submissions at 100k stored reports.
            .page_size(4096)
            .pragma("cache_size", "-8192")
            .pragma("mmap_size", "2147418112")
            .pragma("journal_size_limit", SQLITE_LOG_KEPT)
            .pragma("wal_autocheckpoint", "2500");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        let store = Self {
            backend: Backend::Sqlite(pool),
            imports: std::sync::Arc::default(),
            holder: std::sync::Arc::default(),
            actor: std::sync::Arc::from("system"),
            keys: None,
            audit_key: None,
            known_sources: KnownSources::default(),
            pages: None,
            warm: None,
            behind: std::sync::Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a PostgreSQL database by URL and brings its schema up to date.
    pub async fn open_postgres(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        let store = Self {
            backend: Backend::Postgres(pool),
            imports: std::sync::Arc::default(),
            holder: std::sync::Arc::default(),
            actor: std::sync::Arc::from("system"),
            keys: None,
            audit_key: None,
            known_sources: KnownSources::default(),
            pages: None,
            warm: None,
            behind: std::sync::Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a store by URL: `sqlite:PATH` (or `sqlite://PATH`), or
    /// `postgres://USER@HOST/DB` (also `postgresql://`).
    pub async fn open(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::open_postgres(url).await;
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            return Self::open_sqlite(Path::new(path)).await;
        }
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }

    /// A handle for a long run of writes from one task (an import's batches): on SQLite,
    /// it writes through one connection of its own, so one page cache stays warm instead of
    /// the pool handing each transaction whichever connection was idle longest, filling
    /// every connection's cache in turn. That connection does not copy the log back into
    /// the database itself: a [`Store::for_checkpoints`] handle does so beside it. On
    /// PostgreSQL it is this handle.
    pub(crate) async fn for_one_writer(&self) -> Result<Self> {
        self.own_connection(false).await
    }

    /// A handle with a connection of its own for one long read (every incident's entry
    /// for matching, [`Store::warm_index`]), so that the read does not hold for seconds a
    /// connection others wait for (the import lock holder has one on SQLite); on
    /// PostgreSQL, this handle.
    pub(crate) async fn for_one_reader(&self) -> Result<Self> {
        self.own_connection(false).await
    }

    /// A handle with a connection of its own for [`Store::checkpoint`], beside a
    /// [`Store::for_one_writer`] handle; on PostgreSQL, this handle.
    pub(crate) async fn for_checkpoints(&self) -> Result<Self> {
        self.own_connection(true).await
    }

    async fn own_connection(&self, checkpoints: bool) -> Result<Self> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let options = (*pool.connect_options()).clone();
                // A checkpoint copies pages through a buffer of its own, not the page cache.
                let options = if checkpoints {
                    options.pragma("cache_size", "-256")
                } else {
                    options.pragma("wal_autocheckpoint", "0")
                };
                let own = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await?;
                Ok(Self {
                    backend: Backend::Sqlite(own),
                    ..self.clone()
                })
            }
            Backend::Postgres(_) => Ok(self.clone()),
        }
    }

    /// On SQLite, copies the log's committed pages back into the database without waiting
    /// for readers or writers (a passive checkpoint) and returns how many pages the log
    /// holds and how many of them are copied: when all are, the next write starts the log
    /// over. On PostgreSQL, which checkpoints itself, nothing (0, 0).
    pub(crate) async fn checkpoint(&self) -> Result<(i64, i64)> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let (_busy, log, copied): (i64, i64, i64) =
                    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                        .fetch_one(pool)
                        .await?;
                Ok((log.max(0), copied.max(0)))
            }
            Backend::Postgres(_) => Ok((0, 0)),
        }
    }

    /// Called by the import lock's holder as it lets go (its connections never copy the log
    /// back): starts a passive checkpoint on a connection of its own in the background,
    /// unless one runs, or the log is short and one started less than a quarter second
    /// ago; a long log gets them back to back. When the log is very long all the same,
    /// copies the rest back now, while no other submission writes, so that the next write
    /// starts the log over ([`BehindCheckpoints::HARD_LOG_FRAMES`]).
    pub(crate) async fn checkpoint_behind(&self) -> Result<()> {
        use std::sync::atomic::Ordering;
        let Backend::Sqlite(pool) = &self.backend else {
            return Ok(());
        };
        let behind = std::sync::Arc::clone(&self.behind);
        let log = behind.log_frames.load(Ordering::Relaxed);
        if log > BehindCheckpoints::HARD_LOG_FRAMES && !behind.running.load(Ordering::Acquire) {
            let (busy, log, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(pool)
                .await?;
            // Copied back whole: the next write starts the log over.
            behind
                .log_frames
                .store(if busy == 0 { 0 } else { log }, Ordering::Relaxed);
            return Ok(());
        }
        let now = now_ms();
        if log <= BehindCheckpoints::MAX_LOG_FRAMES
            && now.saturating_sub(behind.last_ms.load(Ordering::Relaxed))
                < BehindCheckpoints::SPACING_MS
            || behind.running.swap(true, Ordering::AcqRel)
        {
            return Ok(());
        }
        behind.last_ms.store(now, Ordering::Relaxed);
        let options = (*pool.connect_options())
            .clone()
            .pragma("cache_size", "-256");
        tokio::spawn(async move {
            let pool = behind
                .pool
                .get_or_try_init(|| {
                    SqlitePoolOptions::new()
                        .max_connections(1)
                        .connect_with(options)
                })
                .await;
            match pool {
                Ok(pool) => {
                    match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                        .fetch_one(pool)
                        .await
                    {
                        Ok((_, log, _)) => behind.log_frames.store(log, Ordering::Relaxed),
                        Err(e) => {
                            tracing::warn!(error = %e, "a background checkpoint failed; the next one retries");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "no connection for background checkpoints"),
            }
            behind.running.store(false, Ordering::Release);
        });
        Ok(())
    }

    /// True for a SQLite database.
    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self.backend, Backend::Sqlite(_))
    }

    /// Closes the connection a handle of [`Store::for_one_writer`] has of its own, once
    /// its writes are done; a PostgreSQL handle shares its pool, which stays open.
    pub(crate) async fn close_own(self) {
        if let Backend::Sqlite(pool) = &self.backend {
            pool.close().await;
        }
    }

    /// Applies every embedded migration not yet applied.
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Backend::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        self.audit_baseline().await?;
        // Reports stored before the search index existed are indexed once.
        let indexed = self.index_search_backlog().await?;
        if indexed > 0 {
            tracing::info!(indexed, "stored reports indexed for search");
        }
        Ok(())
    }

    /// The journal mode in force (`wal` for a SQLite file database; PostgreSQL has its
    /// own write-ahead log and answers `wal` too).
    pub async fn journal_mode(&self) -> Result<String> {
        match &self.backend {
            Backend::Sqlite(pool) => Ok(sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(pool)
                .await?),
            Backend::Postgres(_) => Ok("wal".into()),
        }
    }

    /// The backend's function giving the position of one text in another (0 when it does
    /// not occur): `instr` on SQLite, `strpos` on PostgreSQL, both called (haystack, needle).
    pub(crate) fn position_fn(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite(_) => "instr",
            Backend::Postgres(_) => "strpos",
        }
    }

    /// Waits for, then takes, the import lock of an agreement (see [`ImportLock`]).
    pub async fn import_lock(&self, agreement: &str) -> Result<ImportLock> {
        let local = std::sync::Arc::clone(&self.imports).lock_owned().await;
        let pg = match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(pool) => {
                let digest = Sha256::digest(format!("truce-import:{agreement}").as_bytes());
                let mut key = [0u8; 8];
                key.copy_from_slice(&digest[..8]);
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(i64::from_le_bytes(key))
                    .execute(&mut *tx)
                    .await?;
                Some(tx)
            }
        };
        let holder = self
            .holder
            .get_or_try_init(|| async {
                Ok::<_, StoreError>(match &self.backend {
                    Backend::Sqlite(pool) => Backend::Sqlite(
                        SqlitePoolOptions::new()
                            .max_connections(HOLDER_CONNECTIONS_SQLITE)
                            // Statement journals in memory rather than in a file
                            // written for every group of submissions; checkpoints left to
                            // a connection beside these (`checkpoint_behind`), so that a
                            // commit never waits for one. The log is not cut back to
                            // `SQLITE_LOG_KEPT` when it starts over: the first commit after
                            // each start cut hundreds of megabytes off the file, and waited
                            // 40-160 ms for the pages being written out (W5 at 1M, every
                            // few seconds). The file keeps the largest size it reached
                            // under the lock, and is written over in place.
                            .connect_with(
                                (*pool.connect_options())
                                    .clone()
                                    .pragma("temp_store", "MEMORY")
                                    .pragma("wal_autocheckpoint", "0")
                                    .pragma("journal_size_limit", "-1"),
                            )
                            .await?,
                    ),
                    Backend::Postgres(pool) => Backend::Postgres(
                        PgPoolOptions::new()
                            .max_connections(HOLDER_CONNECTIONS_POSTGRES)
                            .acquire_timeout(Duration::from_secs(30))
                            .connect_with((*pool.connect_options()).clone())
                            .await?,
                    ),
                })
            })
            .await?;
        let store = Self {
            backend: holder.clone(),
            ..self.clone()
        };
        Ok(ImportLock {
            _local: local,
            pg,
            store,
        })
    }

    /// Where matching put a stored report: its incident, whether it started it, and why.
    pub async fn report_placement(&self, report: &str) -> Result<Option<(String, bool, String)>> {
        let row: Option<(String, i64, String)> = on_pool!(self, pool, DB, {
            sqlx::query_as(
                "SELECT incident_id, decision_new, decision_reason FROM reports WHERE id = $1",
            )
            .bind(report)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(i, n, r)| (i, n != 0, r)))
    }

    /// The same store, writing audit entries in `actor`'s name (a login name, or
    /// `cli:NAME` for the command line).
    pub fn acting_as(&self, actor: &str) -> Self {
        Self {
            actor: std::sync::Arc::from(actor),
            ..self.clone()
        }
    }

    /// Who writes through this handle.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The same store, able to seal and open the registry's personal fields.
    pub fn with_keys(&self, keys: seal::Keyring) -> Self {
        Self {
            keys: Some(std::sync::Arc::new(keys)),
            ..self.clone()
        }
    }

    /// The same store, authenticating the audit entries it writes with `key` and
    /// checking every entry's with it in `audit_verify`.
    pub fn with_audit_key(&self, key: audit::AuditKey) -> Self {
        Self {
            audit_key: Some(std::sync::Arc::new(key)),
            ..self.clone()
        }
    }

    /// The audit key, when this handle has one.
    pub(crate) fn audit_key(&self) -> Option<&audit::AuditKey> {
        self.audit_key.as_deref()
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Loads an agreement bundle. Same files as the stored version: nothing is written.
    /// Different files: the previous version is replaced in one transaction.
    pub async fn load_agreement(&self, bundle: &AgreementBundle) -> Result<LoadOutcome> {
        on_pool!(self, pool, DB, {
            // The loader puts the agreement file first.
            let sources: Vec<SourceFile> = bundle
                .sources
                .iter()
                .map(|s| SourceFile::new(relative_name(&s.name), s.text.clone()))
                .collect();
            let hash = content_hash(&sources);
            let a = &bundle.agreement;
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let target = format!("agreement:{}", a.id);
            let before = tx.state(&target).await?;
            let existing: Option<(String, i64)> =
                sqlx::query_as("SELECT content_hash, version FROM agreements WHERE id = $1")
                    .bind(&a.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let version = match &existing {
                Some((h, v)) if *h == hash => return Ok(LoadOutcome::Unchanged { version: *v }),
                Some((_, v)) => v + 1,
                None => 1,
            };
            // Children go with the parent row (ON DELETE CASCADE).
            sqlx::query("DELETE FROM agreements WHERE id = $1")
                .bind(&a.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
            "INSERT INTO agreements (id, title, time_zone, effective, content_hash, main_source, version, loaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&a.id)
        .bind(&a.title)
        .bind(&a.time_zone)
        .bind(a.effective.to_string())
        .bind(&hash)
        .bind(&sources[0].name)
        .bind(version)
        .bind(Timestamp::now().to_string())
        .execute(&mut *tx)
        .await?;
            for s in &sources {
                sqlx::query("INSERT INTO agreement_sources (agreement_id, name, sha256, text) VALUES ($1, $2, $3, $4)")
                .bind(&a.id)
                .bind(&s.name)
                .bind(sha256(&s.text))
                .bind(&s.text)
                .execute(&mut *tx)
                .await?;
            }
            for x in &a.actors {
                sqlx::query("INSERT INTO actors (agreement_id, id, name, roles, part_of) VALUES ($1, $2, $3, $4, $5)")
                .bind(&a.id)
                .bind(&x.id)
                .bind(&x.name)
                .bind(serde_json::to_string(&x.roles)?)
                .bind(&x.part_of)
                .execute(&mut *tx)
                .await?;
            }
            for d in &a.documents {
                sqlx::query(
                "INSERT INTO documents (agreement_id, id, kind, title, signed, effective, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&a.id)
            .bind(&d.id)
            .bind(d.kind.as_str())
            .bind(&d.title)
            .bind(d.signed.to_string())
            .bind(d.effective.to_string())
            .bind(serde_json::to_string(d)?)
            .execute(&mut *tx)
            .await?;
            }
            for p in &a.provisions {
                sqlx::query("INSERT INTO provisions (agreement_id, id, document_id, number, body) VALUES ($1, $2, $3, $4, $5)")
                .bind(&a.id)
                .bind(&p.id)
                .bind(&p.document)
                .bind(&p.number)
                .bind(serde_json::to_string(p)?)
                .execute(&mut *tx)
                .await?;
            }
            for o in &a.obligations {
                sqlx::query(
                "INSERT INTO obligations (agreement_id, id, provision_id, document_id, kind, title, due, body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&a.id)
            .bind(&o.id)
            .bind(&o.provision)
            .bind(&o.document)
            .bind(o.kind.as_str())
            .bind(&o.title)
            .bind(o.deadline.as_ref().and_then(truce_model::Deadline::due).map(|t| t.to_string()))
            .bind(serde_json::to_string(o)?)
            .execute(&mut *tx)
            .await?;
            }
            for (seq, c) in a.changes.iter().enumerate() {
                sqlx::query(
                "INSERT INTO obligation_changes (agreement_id, seq, document_id, obligation_id, from_date, body)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&a.id)
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .bind(&c.document)
            .bind(&c.obligation)
            .bind(c.from.to_string())
            .bind(serde_json::to_string(c)?)
            .execute(&mut *tx)
            .await?;
            }
            let fc = bundle.zones.to_geojson();
            let features = fc["features"].as_array().cloned().unwrap_or_default();
            for (z, feature) in bundle.zones.zones().iter().zip(features) {
                let bbox = truce_model::zones::bbox_of(z);
                sqlx::query(
                "INSERT INTO zones (agreement_id, id, valid_from, valid_to, name, kind, part_of, min_lon, min_lat, max_lon, max_lat, area_km2, feature)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(&a.id)
            .bind(&z.id)
            .bind(z.valid_from.map_or_else(String::new, |d| d.to_string()))
            .bind(z.valid_to.map(|d| d.to_string()))
            .bind(&z.name)
            .bind(&z.kind)
            .bind(&z.part_of)
            .bind(bbox.map(|b| b[0]))
            .bind(bbox.map(|b| b[1]))
            .bind(bbox.map(|b| b[2]))
            .bind(bbox.map(|b| b[3]))
            .bind(z.area_km2)
            .bind(serde_json::to_string(&feature)?)
            .execute(&mut *tx)
            .await?;
            }
            for p in bundle.gazetteer.places() {
                sqlx::query(
                "INSERT INTO places (agreement_id, id, display, lon, lat, country, admin_zone, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&a.id)
            .bind(&p.id)
            .bind(&p.display)
            .bind(p.lon)
            .bind(p.lat)
            .bind(&p.country)
            .bind(&p.admin_zone)
            .bind(serde_json::to_string(p)?)
            .execute(&mut *tx)
            .await?;
                let mut names = p.names();
                names.sort_unstable();
                names.dedup();
                for n in names {
                    sqlx::query(
                    "INSERT INTO place_names (agreement_id, place_id, name, folded, skeleton) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&a.id)
                .bind(&p.id)
                .bind(n)
                .bind(fold(n))
                .bind(skeleton(n))
                .execute(&mut *tx)
                .await?;
                }
            }
            for s in &a.statements {
                sqlx::query("INSERT INTO statements (agreement_id, id, actor_id, date, stance, body) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&a.id)
                .bind(&s.id)
                .bind(&s.actor)
                .bind(s.date.to_string())
                .bind(s.stance.as_str())
                .bind(serde_json::to_string(s)?)
                .execute(&mut *tx)
                .await?;
            }
            tx.append(
                self.audit_key(),
                &self.actor,
                Note::new("agreement.load", target)
                    .before(before)
                    .detail(serde_json::json!({"version": version, "content_hash": hash})),
            )
            .await?;
            tx.commit().await?;
            Ok(if existing.is_some() {
                LoadOutcome::Updated { version }
            } else {
                LoadOutcome::Created { version }
            })
        })
    }

    /// Every stored agreement, by id.
    pub async fn agreements(&self) -> Result<Vec<AgreementSummary>> {
        on_pool!(self, pool, DB, {
            let rows = sqlx::query(
            "SELECT id, title, time_zone, effective, version, content_hash, loaded_at FROM agreements ORDER BY id",
        )
        .fetch_all(pool)
        .await?;
            rows.iter()
                .map(|r| {
                    Ok(AgreementSummary {
                        id: r.try_get("id")?,
                        title: r.try_get("title")?,
                        time_zone: r.try_get("time_zone")?,
                        effective: r.try_get("effective")?,
                        version: r.try_get("version")?,
                        content_hash: r.try_get("content_hash")?,
                        loaded_at: r.try_get("loaded_at")?,
                    })
                })
                .collect()
        })
    }

    /// The stored agreement, re-read from its stored source files by the core loader, so
    /// that what the store serves is exactly what the loader validated.
    pub async fn agreement(&self, id: &str) -> Result<Option<AgreementBundle>> {
        on_pool!(self, pool, DB, {
            let rows: Vec<(String, String)> =
                sqlx::query_as("SELECT name, text FROM agreement_sources WHERE agreement_id = $1")
                    .bind(id)
                    .fetch_all(pool)
                    .await?;
            if rows.is_empty() {
                return Ok(None);
            }
            let files: Vec<SourceFile> = rows
                .into_iter()
                .map(|(n, t)| SourceFile::new(n, t))
                .collect();
            let main_name: String =
                sqlx::query_scalar("SELECT main_source FROM agreements WHERE id = $1")
                    .bind(id)
                    .fetch_one(pool)
                    .await?;
            let Some(main) = files.iter().find(|f| f.name == main_name).cloned() else {
                return Err(StoreError::StoredAgreementInvalid {
                    id: id.to_owned(),
                    problems: Problems(vec![truce_model::Problem {
                        file: main_name,
                        position: truce_model::diag::Position::File,
                        message: "the agreement file is missing from the store".into(),
                        hint: None,
                    }]),
                });
            };
            let read = |name: &str| {
                files
                    .iter()
                    .find(|f| f.name == relative_name(name))
                    .cloned()
                    .ok_or_else(|| "not stored with the agreement".to_owned())
            };
            truce_model::load(main, read).map(Some).map_err(|problems| {
                StoreError::StoredAgreementInvalid {
                    id: id.to_owned(),
                    problems,
                }
            })
        })
    }

    /// Number of rows in each agreement table, for checks and diagnostics.
    pub async fn row_counts(&self) -> Result<Vec<(String, i64)>> {
        on_pool!(self, pool, DB, {
            let mut out = Vec::new();
            for t in [
                "agreements",
                "agreement_sources",
                "actors",
                "documents",
                "provisions",
                "obligations",
                "obligation_changes",
                "zones",
                "places",
                "place_names",
                "statements",
            ] {
                let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
                    .fetch_one(pool)
                    .await?;
                out.push((t.to_owned(), n));
            }
            Ok(out)
        })
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(pool) => pool.close().await,
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}
