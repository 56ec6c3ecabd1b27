//! What matching one submitted report reads, through the indexes and nothing else: the
//! current version of its record, the incidents near it in space and time with their
//! reports, and the next incident number. Each read is a few index seeks, whatever the
//! number of stored reports, so a submission costs the same at a million reports as at
//! ten (ingest::import_one).
//!
//! The incidents read are a superset of the matcher's candidates (the bounds come from
//! [`Neighbourhood`], a little wider than the matcher's own test), and a matcher resumed
//! from them decides as one holding every incident would. That is only true while every
//! incident row matches its reports: [`Store::matching_owed`] says when it may not.

use crate::reports::MemberRow;
use crate::sql::{cells_of, decode, sql_list};
use crate::{Current, Result, Store, StoreError};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use truce_engine::incidents::{
    IncidentStatus, IndexedIncident, NARROW_RADIUS_M, Neighbourhood, StoredIncident,
};
use truce_model::report::{EventType, Location, Report, Source};

/// The widest radius a place can have (location precision 5 and beyond).
/// Neighbourhoods asked in one statement ([`Store::incidents_near`]): two arms each,
/// eight values an arm.
const NEAR_PER_STATEMENT: usize = 8;

/// The window and box conditions of one arm of [`Store::incidents_near`]: an incident's
/// window meets `[from_s, to_s]` (its start at most `longest` before), its point in `b`.
fn push_window_and_box<DB: sqlx::Database>(
    q: &mut QueryBuilder<'_, DB>,
    n: &Neighbourhood,
    longest: i64,
    b: [f64; 4],
) where
    i64: for<'e> sqlx::Encode<'e, DB> + sqlx::Type<DB>,
    f64: for<'e> sqlx::Encode<'e, DB> + sqlx::Type<DB>,
{
    q.push(" AND start_s >= ")
        .push_bind(n.from_s.saturating_sub(longest))
        .push(" AND start_s <= ")
        .push_bind(n.to_s)
        .push(" AND end_s >= ")
        .push_bind(n.from_s)
        .push(" AND lon >= ")
        .push_bind(b[0])
        .push(" AND lon <= ")
        .push_bind(b[2])
        .push(" AND lat >= ")
        .push_bind(b[1])
        .push(" AND lat <= ")
        .push_bind(b[3])
        .push(" AND report_count > 0");
}

fn widest_radius_m() -> f64 {
    Location {
        point: None,
        place_name: None,
        precision: u8::MAX,
    }
    .radius_m()
}

/// An incident row as the neighbourhood query reads it.
#[derive(Debug, sqlx::FromRow)]
struct NearRow {
    id: String,
    analyst_status: Option<String>,
    body: String,
}

/// An incident's index entry as the neighbourhood query reads it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct IndexRow {
    pub(crate) id: String,
    lon: f64,
    lat: f64,
    start_s: i64,
    end_s: i64,
    radius_m: f64,
    event_type: String,
    analyst_status: Option<String>,
}

impl IndexRow {
    pub(crate) fn into_indexed(self) -> Result<IndexedIncident> {
        let event_type = EventType::parse(&self.event_type).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "incident {} has an unknown type `{}`",
                self.id, self.event_type
            ))
        })?;
        // The stored radius is the one of a location precision: read it back.
        let location_precision = (1..=u8::MAX)
            .find(|p| {
                Location {
                    point: None,
                    place_name: None,
                    precision: *p,
                }
                .radius_m()
                    == self.radius_m
            })
            .unwrap_or(u8::MAX);
        Ok(IndexedIncident {
            id: self.id,
            point: (self.lon, self.lat),
            start_s: self.start_s,
            end_s: self.end_s,
            location_precision,
            event_type,
            analyst_status: self
                .analyst_status
                .as_deref()
                .and_then(IncidentStatus::parse),
        })
    }
}

/// The members of an incident body that say which reports it holds.
#[derive(serde::Deserialize)]
struct MembersIn {
    reports: Vec<String>,
}

impl Store {
    /// True when some incident of `agreement` may not match its reports (an import has
    /// not finished writing them, or stopped): matching must then read every report.
    pub async fn matching_owed(&self, agreement: &str) -> Result<bool> {
        let owed: Option<String> = on_pool!(self, pool, DB, {
            sqlx::query_scalar("SELECT agreement_id FROM matching_owed WHERE agreement_id = $1")
                .bind(agreement)
                .fetch_optional(pool)
                .await?
        });
        Ok(owed.is_some())
    }

    /// Marks `agreement`'s incidents as owed (before an import writes its first report),
    /// or clears the mark (once every incident is written).
    pub(crate) async fn owe_matching(&self, agreement: &str, owed: bool) -> Result<()> {
        on_pool!(self, pool, DB, {
            let sql = if owed {
                "INSERT INTO matching_owed (agreement_id) VALUES ($1) ON CONFLICT (agreement_id) DO NOTHING"
            } else {
                "DELETE FROM matching_owed WHERE agreement_id = $1"
            };
            sqlx::query(sql).bind(agreement).execute(pool).await?;
        });
        Ok(())
    }

    /// The current (not superseded) version of one record of a source, read from the
    /// range of report ids `source:key@…`.
    pub async fn report_version(&self, source: &str, key: &str) -> Result<Option<Current>> {
        let mut found = self.report_versions(&[(source, key)]).await?;
        Ok(found.remove(&(source.to_owned(), key.to_owned())))
    }

    /// [`Store::report_version`] of several records at once, by (source, key); records
    /// never stored are left out.
    pub async fn report_versions(
        &self,
        records: &[(&str, &str)],
    ) -> Result<HashMap<(String, String), Current>> {
        let mut found = HashMap::new();
        // Four binds an arm.
        for chunk in records.chunks(crate::sql::ROWS_PER_STATEMENT / 4) {
            let rows: Vec<(String, String, Option<i64>, String, i64)> = on_pool!(self, pool, DB, {
                let mut q = QueryBuilder::<DB>::new("");
                for (k, (source, key)) in chunk.iter().enumerate() {
                    if k > 0 {
                        q.push(" UNION ALL ");
                    }
                    // '@' + 1: every id that starts with `source:key@`, and a few more
                    // that the columns tell apart (keys that contain '@').
                    q.push("SELECT source_id, source_key, source_version, incident_id, retracted FROM reports WHERE id >= ")
                        .push_bind(format!("{source}:{key}@"))
                        .push(" AND id < ")
                        .push_bind(format!("{source}:{key}A"))
                        .push(" AND source_id = ")
                        .push_bind(*source)
                        .push(" AND source_key = ")
                        .push_bind(*key)
                        .push(" AND superseded_by IS NULL");
                }
                q.build_query_as().fetch_all(pool).await?
            });
            for (source, key, version, incident, retracted) in rows {
                found.insert(
                    (source, key),
                    Current {
                        version: version.unwrap_or(0),
                        incident: u32::try_from(crate::sql::incident_number(&incident))
                            .unwrap_or(0),
                        retracted: retracted != 0,
                        line: 0,
                    },
                );
            }
        }
        Ok(found)
    }

    /// Refreshes the planner's statistics of the evidence tables (PostgreSQL `ANALYZE`,
    /// SQLite `PRAGMA optimize`), after an import that changed them much.
    pub async fn refresh_statistics(&self) -> Result<()> {
        match &self.backend {
            crate::Backend::Postgres(pool) => {
                sqlx::query("ANALYZE reports, incidents, incident_zones")
                    .execute(pool)
                    .await?;
            }
            crate::Backend::Sqlite(pool) => {
                sqlx::query("PRAGMA optimize").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Stored reports, every version.
    pub async fn report_count(&self) -> Result<i64> {
        Ok(on_pool!(self, pool, DB, {
            sqlx::query_scalar("SELECT COUNT(*) FROM reports")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Whether `agreement`'s incidents are owed ([`Store::matching_owed`]) and the next
    /// incident number ([`Store::next_incident_number`]), in one statement: what placing
    /// a group of reports reads first, under the lock.
    pub async fn matching_start(&self, agreement: &str) -> Result<(bool, u64)> {
        let (owed, max): (i64, i64) = on_pool!(self, pool, DB, {
            sqlx::query_as(
                "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM matching_owed WHERE agreement_id = $1) THEN 1 ELSE 0 END AS BIGINT), CAST(COALESCE((SELECT MAX(number) FROM incidents), 0) AS BIGINT)",
            )
            .bind(agreement)
            .fetch_one(pool)
            .await?
        });
        Ok((owed != 0, u64::try_from(max + 1).unwrap_or(1)))
    }

    /// The number the next new incident gets (one more than the highest stored).
    pub async fn next_incident_number(&self) -> Result<u64> {
        let max: Option<i64> = on_pool!(self, pool, DB, {
            sqlx::query_scalar("SELECT MAX(number) FROM incidents")
                .fetch_one(pool)
                .await?
        });
        Ok(u64::try_from(max.unwrap_or(0) + 1).unwrap_or(1))
    }

    /// The incidents named, each with its current reports in the order they joined;
    /// lowest numbers first. Incidents without reports are left out.
    pub async fn incidents_in_full(
        &self,
        ids: &[String],
        sources: &HashMap<String, Source>,
    ) -> Result<Vec<StoredIncident>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: Vec<NearRow> = on_pool!(self, pool, DB, {
            let mut q = QueryBuilder::<DB>::new(
                "SELECT id, analyst_status, body FROM incidents WHERE report_count > 0 AND id IN (",
            );
            let mut list = q.separated(", ");
            for id in ids {
                list.push_bind(id);
            }
            q.push(")");
            q.build_query_as::<NearRow>().fetch_all(pool).await?
        });
        rows.sort_by_key(|r| crate::sql::incident_number(&r.id));
        self.with_members(rows, sources).await
    }

    /// The incidents of `agreement` that may be candidates for a report in any of the
    /// neighbourhoods `near`, by their index entries (place, window, radius, type,
    /// analyst's status), each once: narrow places through the cell × time index, wide
    /// ones through their partial index.
    ///
    /// The neighbourhoods are asked [`NEAR_PER_STATEMENT`] at a time (the last repeated
    /// to fill a statement). On SQLite every value is bound, so the statement's text never
    /// changes and SQLite prepares it once per connection rather than once a group of
    /// reports (preparing took longer than running it).
    pub async fn incidents_near(
        &self,
        agreement: &str,
        near: &[Neighbourhood],
    ) -> Result<Vec<IndexedIncident>> {
        if near.is_empty() {
            return Ok(Vec::new());
        }
        let longest: i64 = on_pool!(self, pool, DB, {
            sqlx::query_scalar("SELECT max_s FROM incident_window_max WHERE agreement_id = $1")
                .bind(agreement)
                .fetch_optional(pool)
                .await?
                .unwrap_or(0)
        });
        // The partial index's predicate is written out (`radius_m > 25000`), as the planner
        // only uses it for a query that repeats it.
        const _: () = assert!(NARROW_RADIUS_M == 25_000.0);
        let (narrow_hint, wide_hint) = match &self.backend {
            crate::Backend::Sqlite(_) => (
                " INDEXED BY incidents_by_cell_time",
                " INDEXED BY incidents_wide",
            ),
            crate::Backend::Postgres(_) => ("", ""),
        };
        let columns = "SELECT id, lon, lat, start_s, end_s, radius_m, event_type, analyst_status FROM incidents";
        let mut rows: Vec<IndexRow> = Vec::new();
        for chunk in near.chunks(NEAR_PER_STATEMENT) {
            on_pool!(self, pool, DB, {
                let mut q = QueryBuilder::<DB>::new("");
                let last = chunk[chunk.len() - 1];
                let padded = chunk
                    .iter()
                    .chain(std::iter::repeat(&last))
                    .take(NEAR_PER_STATEMENT);
                for (k, n) in padded.enumerate() {
                    let b = n.bbox(NARROW_RADIUS_M);
                    if k > 0 {
                        q.push(" UNION ALL ");
                    }
                    q.push(format!("{columns}{narrow_hint} WHERE agreement_id = "))
                        .push_bind(agreement)
                        .push(" AND radius_m <= 25000");
                    // SQLite takes the cells as one value, so the text stays the same.
                    // PostgreSQL gets them written into the statement: a plan made for
                    // unknown cells (its generic plan, after a statement's fifth run) scans
                    // every incident, while one made for these uses the index. A box too
                    // large for the cells (near a pole) leaves them out.
                    match (cells_of(b), &self.backend) {
                        (Some(c), crate::Backend::Sqlite(_)) => {
                            let list = c.iter().map(i64::to_string).collect::<Vec<_>>();
                            q.push(" AND cell IN (SELECT value FROM json_each(")
                                .push_bind(format!("[{}]", list.join(",")))
                                .push("))");
                        }
                        (Some(c), crate::Backend::Postgres(_)) => {
                            q.push(format!(" AND cell IN ({})", sql_list(&c)));
                        }
                        (None, _) => {
                            q.push(" AND cell IS NOT NULL");
                        }
                    }
                    push_window_and_box(&mut q, n, longest, b);
                }
                // The wide places of the whole chunk at once: few, and the matcher decides.
                let (from_s, to_s) = chunk.iter().fold((i64::MAX, i64::MIN), |(f, t), n| {
                    (f.min(n.from_s), t.max(n.to_s))
                });
                let b = chunk.iter().map(|n| n.bbox(widest_radius_m())).fold(
                    [f64::MAX, f64::MAX, f64::MIN, f64::MIN],
                    |a, b| {
                        [
                            a[0].min(b[0]),
                            a[1].min(b[1]),
                            a[2].max(b[2]),
                            a[3].max(b[3]),
                        ]
                    },
                );
                let all = Neighbourhood::spanning(chunk[0], from_s, to_s);
                q.push(format!(
                    " UNION ALL {columns}{wide_hint} WHERE agreement_id = "
                ))
                .push_bind(agreement)
                .push(" AND radius_m > 25000");
                push_window_and_box(&mut q, &all, longest, b);
                rows.extend(q.build_query_as::<IndexRow>().fetch_all(pool).await?);
            });
        }
        let mut seen = std::collections::HashSet::new();
        rows.retain(|r| seen.insert(r.id.clone()));
        rows.into_iter().map(IndexRow::into_indexed).collect()
    }

    /// The incidents of `rows` with their current reports in arrival order (as a full
    /// resume reads them), read through the reports' ids.
    async fn with_members(
        &self,
        rows: Vec<NearRow>,
        sources: &HashMap<String, Source>,
    ) -> Result<Vec<StoredIncident>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<String> = Vec::new();
        for r in &rows {
            ids.extend(decode::<MembersIn>("incident", &r.body)?.reports);
        }
        let mut found: Vec<SeqRow> = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(crate::sql::ROWS_PER_STATEMENT) {
            on_pool!(self, pool, DB, {
                let mut q = QueryBuilder::<DB>::new(format!(
                    "SELECT seq, incident_id, {} FROM reports WHERE superseded_by IS NULL AND retracted = 0 AND id IN (",
                    crate::reports::REPORT_COLUMNS
                ));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(id);
                }
                q.push(")");
                found.extend(q.build_query_as::<SeqRow>().fetch_all(pool).await?);
            });
        }
        found.sort_by_key(|r| r.seq);
        let mut members: HashMap<String, Vec<(Report, Source)>> = HashMap::new();
        for SeqRow { member, .. } in found {
            members
                .entry(member.incident_id)
                .or_default()
                .push(member.report.with_source(sources)?);
        }
        Ok(rows
            .into_iter()
            .map(|r| StoredIncident {
                members: members.remove(&r.id).unwrap_or_default(),
                analyst_status: r.analyst_status.as_deref().and_then(IncidentStatus::parse),
                id: r.id,
                needs_write: false,
            })
            .collect())
    }
}

/// A current report of an incident with its arrival number.
#[derive(Debug, sqlx::FromRow)]
struct SeqRow {
    seq: i64,
    #[sqlx(flatten)]
    member: MemberRow,
}
