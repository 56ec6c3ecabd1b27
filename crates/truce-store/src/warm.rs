//! Every stored incident's index entry, kept in memory per agreement by a server
//! ([`Store::with_warm_matching`]), so that placing a submitted report compares it with
//! the incidents near it without reading them from the database: only the incident it
//! joins is read, in full. At a million incidents a report has hundreds of neighbours,
//! and reading them took most of a submission's time.
//!
//! The copy is tied to the audit head it reflects. It is used only by the holder of the
//! agreement's import lock, and brought up to the head first: entries that leave
//! incidents alone are passed over; an import batch names the incidents it wrote (up to
//! [`NAMED_INCIDENTS`]) and an analyst's change names its incident, and those are read
//! again by number; anything else (a large import, a retraction, a reassessment, a
//! restore) has the whole copy read afresh. A batch written through this handle is applied
//! in place when nothing came between. So two server nodes over one database each keep
//! theirs current by reading only what the other wrote.

use crate::neighbours::IndexRow;
use crate::{Result, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use truce_engine::incidents::{Incident, IndexedIncident, MatchConfig, StoredIndex};

/// An import batch that wrote up to this many incidents names them in its audit entry;
/// a larger one has the copies read afresh.
pub(crate) const NAMED_INCIDENTS: usize = 512;

/// The index entries of an agreement's incidents that have reports and a place.
const INDEX_ROWS: &str = "SELECT id, lon, lat, start_s, end_s, radius_m, event_type, analyst_status FROM incidents WHERE agreement_id = $1 AND report_count > 0 AND lon IS NOT NULL AND lat IS NOT NULL";

/// Audit entries between a copy's head and the database's beyond which the copy is read
/// afresh rather than caught up.
const MAX_CATCH_UP: i64 = 2_000;

/// The copies of one store's handles, by agreement.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedWarm {
    by_agreement: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<Warm>>>>>,
}

/// One agreement's copy, as of audit entry `seq`.
#[derive(Debug, Default)]
pub struct Warm {
    seq: i64,
    index: Option<(MatchConfig, StoredIndex)>,
    /// A copy is being read in the background (submissions read their neighbours from the
    /// database meanwhile).
    loading: bool,
}

/// The agreement's copy, held by the import lock's holder until its write is applied.
pub type WarmGuard = tokio::sync::OwnedMutexGuard<Warm>;

impl Warm {
    /// The index, brought up to date by [`Store::warm_index`].
    pub fn index(&self) -> Option<&StoredIndex> {
        self.index.as_ref().map(|(_, i)| i)
    }

    /// Drops the copy: the next use reads it afresh.
    pub(crate) fn forget(&mut self) {
        self.index = None;
    }

    /// Applies incidents written by audit entry `seq`: kept in step when it directly
    /// follows the copy's head, else left for the next catch-up (which reads them).
    pub(crate) fn apply(&mut self, seq: i64, written: &[Incident]) {
        let Some((_, index)) = self.index.as_mut().filter(|_| seq == self.seq + 1) else {
            return;
        };
        for i in written {
            let number = u64::try_from(crate::sql::incident_number(&i.id)).unwrap_or(0);
            match i.point.filter(|_| !i.reports.is_empty()) {
                None => index.remove(number),
                Some(point) => {
                    // A group's write never changes an analyst's status.
                    let analyst_status = index.get(number).and_then(|e| e.analyst_status);
                    index.put(&IndexedIncident {
                        id: i.id.clone(),
                        point,
                        start_s: i.window.start.as_second(),
                        end_s: i.window.end.as_second(),
                        location_precision: i.location_precision,
                        event_type: i.event_type,
                        analyst_status,
                    });
                }
            }
        }
        self.seq = seq;
    }
}

/// What the audit entries after a copy's head did to the agreement's incidents.
enum Since {
    /// These incidents may have changed.
    Numbers(Vec<i64>),
    /// Too much, or something not described incident by incident: read everything.
    Everything,
}

impl Store {
    /// Keeps every stored incident's index entry in memory for matching submissions (a
    /// server does); a handle that keeps them already is returned as it is.
    #[must_use]
    pub fn with_warm_matching(mut self) -> Self {
        if self.warm.is_none() {
            self.warm = Some(SharedWarm::default());
        }
        self
    }

    /// The agreement's copy, brought up to the audit head, for the import lock's holder;
    /// `None` when this handle keeps none, or while one is read: a copy missing, or out of
    /// date beyond catching up, is read afresh in the background (seconds at a million
    /// incidents) and the submissions meanwhile read their neighbours from the database.
    pub(crate) async fn warm_index(
        &self,
        agreement: &str,
        config: MatchConfig,
    ) -> Result<Option<WarmGuard>> {
        let Some(cell) = self.warm_cell(agreement) else {
            return Ok(None);
        };
        let mut warm = cell.lock_owned().await;
        let head = self.audit_seq().await?;
        let since = match &warm.index {
            Some((c, _)) if *c == config => {
                if head == warm.seq {
                    return Ok(Some(warm));
                }
                self.incidents_written_since(agreement, warm.seq, head)
                    .await?
            }
            _ => Since::Everything,
        };
        match since {
            Since::Numbers(numbers) => {
                let rows = self.index_rows(agreement, &numbers).await?;
                let mut found = std::collections::HashSet::new();
                if let Some((_, index)) = warm.index.as_mut() {
                    for r in rows {
                        found.insert(crate::sql::incident_number(&r.id));
                        index.put(&r.into_indexed()?);
                    }
                    for n in numbers.into_iter().filter(|n| !found.contains(n)) {
                        index.remove(u64::try_from(n).unwrap_or(0));
                    }
                }
                warm.seq = head;
                Ok(Some(warm))
            }
            Since::Everything => {
                warm.index = None;
                if !std::mem::replace(&mut warm.loading, true) {
                    let store = self.clone();
                    let agreement = agreement.to_owned();
                    tokio::spawn(async move {
                        // On a connection of its own: on SQLite the lock's holder has
                        // one, which the submissions meanwhile need for their neighbours.
                        let own = store.for_one_reader().await;
                        let reader = own.as_ref().unwrap_or(&store);
                        if let Err(e) = reader.read_warm(&agreement, config).await {
                            tracing::warn!(%agreement, error = %e, "the incident entries for matching could not be read; submissions read them from the database");
                        }
                        if let Ok(own) = own {
                            own.close_own().await;
                        }
                    });
                }
                Ok(None)
            }
        }
    }

    /// Reads the agreement's incident entries for matching under `config` now (a server
    /// does at start, beside the incident pages), unless this handle keeps none.
    pub async fn warm_matching_now(&self, agreement: &str, config: MatchConfig) -> Result<()> {
        if self.warm_cell(agreement).is_none() {
            return Ok(());
        }
        self.read_warm(agreement, config).await
    }

    /// How many incidents the agreement's copy holds, when one is kept and ready (not
    /// being read, nor in use at this moment).
    pub fn warm_matching_held(&self, agreement: &str) -> Option<usize> {
        let cell = self.warm_cell(agreement)?;
        let warm = cell.try_lock().ok()?;
        warm.index.as_ref().map(|(_, i)| i.len())
    }

    /// The agreement's copy, made empty on first use.
    fn warm_cell(&self, agreement: &str) -> Option<Arc<tokio::sync::Mutex<Warm>>> {
        let shared = self.warm.as_ref()?;
        Some(Arc::clone(
            shared
                .by_agreement
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(agreement.to_owned())
                .or_default(),
        ))
    }

    /// Reads every entry with the audit head read first (rows written after it make the
    /// copy newer than its head, never older: catching up reads them again) and installs
    /// the copy.
    async fn read_warm(&self, agreement: &str, config: MatchConfig) -> Result<()> {
        let Some(cell) = self.warm_cell(agreement) else {
            return Ok(());
        };
        let asked = std::time::Instant::now();
        let read = async {
            use futures_util::TryStreamExt as _;
            let head = self.audit_seq().await?;
            // Streamed into the index: one row's strings held at a time.
            let mut index = StoredIndex::new(config);
            on_pool!(self, pool, DB, {
                let mut rows = sqlx::query_as::<DB, IndexRow>(INDEX_ROWS)
                    .bind(agreement)
                    .fetch(pool);
                while let Some(r) = rows.try_next().await? {
                    index.put(&r.into_indexed()?);
                }
            });
            Ok::<_, crate::StoreError>((head, index))
        }
        .await;
        let mut warm = cell.lock().await;
        warm.loading = false;
        let (head, index) = read?;
        tracing::info!(
            %agreement,
            incidents = index.len(),
            audit_seq = head,
            ms = asked.elapsed().as_millis(),
            "incident entries for matching read"
        );
        // A copy caught up meanwhile past this one's head is kept.
        if warm.index.is_none() || warm.seq < head {
            warm.index = Some((config, index));
            warm.seq = head;
        }
        Ok(())
    }

    /// Which of the agreement's incidents the audit entries after `from` up to `to` may
    /// have changed.
    async fn incidents_written_since(&self, agreement: &str, from: i64, to: i64) -> Result<Since> {
        if to - from > MAX_CATCH_UP || to < from {
            return Ok(Since::Everything);
        }
        let entries: Vec<(String, String, String)> = on_pool!(self, pool, DB, {
            sqlx::query_as(
                "SELECT action, target, detail FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        });
        let mut numbers = Vec::new();
        let batches_here = format!("reports:{agreement}");
        for (action, target, detail) in entries {
            let kind = action.split('.').next().unwrap_or_default();
            match (action.as_str(), kind) {
                ("import.batch", _) if target != batches_here => {}
                ("import.batch", _) => {
                    #[derive(serde::Deserialize)]
                    struct Named {
                        incident_numbers: Option<Vec<i64>>,
                    }
                    match serde_json::from_str::<Named>(&detail)
                        .ok()
                        .and_then(|d| d.incident_numbers)
                    {
                        Some(n) => numbers.extend(n),
                        None => return Ok(Since::Everything),
                    }
                }
                (_, "incident") => match target.strip_prefix("incident:") {
                    Some(id) => numbers.push(crate::sql::incident_number(id)),
                    None => return Ok(Since::Everything),
                },
                // Entries that never touch incidents.
                (
                    _,
                    "user" | "token" | "source" | "registry" | "bulletin" | "audit" | "record"
                    | "keys",
                ) => {}
                _ => return Ok(Since::Everything),
            }
        }
        numbers.sort_unstable();
        numbers.dedup();
        Ok(Since::Numbers(numbers))
    }

    /// The index entries of the agreement's incidents numbered in `numbers` that have
    /// reports and a place.
    async fn index_rows(&self, agreement: &str, numbers: &[i64]) -> Result<Vec<IndexRow>> {
        let mut rows = Vec::new();
        for chunk in numbers.chunks(crate::sql::ROWS_PER_STATEMENT) {
            let sql = format!(
                "{INDEX_ROWS} AND number IN ({})",
                crate::sql::sql_list(chunk)
            );
            on_pool!(self, pool, DB, {
                rows.extend(
                    sqlx::query_as::<DB, IndexRow>(&sql)
                        .bind(agreement)
                        .fetch_all(pool)
                        .await?,
                );
            });
        }
        Ok(rows)
    }
}
