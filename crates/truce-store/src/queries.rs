//! Incident queries: the filters every list, map, count and export shares (checked once
//! from what a user typed), the SQL they become, paging by cursor, one incident with its
//! reports and decisions, and the evidence fingerprint caches are checked against. A
//! store keeping incident pages in memory (`pages.rs`) answers from them when it can.

use crate::filter::IncidentFilter;
use crate::reports::{REPORT_COLUMNS, ReportRow};
use crate::sql::{cells_of, decode, sql_list};
use crate::{Result, Store};
use sqlx::Row;
use truce_engine::incidents::{Decision, Incident};
use truce_model::report::Report;

/// Pushes the conditions of an incident filter (after `i.agreement_id = …`) onto a
/// `QueryBuilder`, each value bound in order by sqlx. Written once, expanded inside
/// `on_pool!` for each backend.
macro_rules! push_incident_filter {
    ($store:expr, $qb:ident, $f:expr) => {{
        let f: &IncidentFilter = $f;
        if let Some(v) = f.from_s {
            $qb.push(" AND i.end_s > ").push_bind(v);
        }
        if let Some(v) = f.to_s {
            $qb.push(" AND i.start_s < ").push_bind(v);
        }
        if let Some(z) = &f.zone {
            $qb.push(" AND i.id IN (SELECT incident_id FROM incident_zones WHERE zone_id = ")
                .push_bind(z.clone())
                .push(")");
        }
        if let Some(t) = &f.event_type {
            $qb.push(" AND i.event_type = ").push_bind(t.clone());
        }
        if !f.status.is_empty() {
            $qb.push(" AND i.status IN (");
            let mut list = $qb.separated(", ");
            for s in &f.status {
                list.push_bind(s.clone());
            }
            $qb.push(")");
        }
        if let Some(p) = &f.party {
            // Claimed parties are stored as `|a|b|`: a whole-word match.
            $qb.push(" AND (i.perpetrator = ")
                .push_bind(p.clone())
                .push(" OR ")
                .push($store.position_fn())
                .push("(i.claimed, '|' || ")
                .push_bind(p.clone())
                .push(" || '|') > 0)");
        }
        if let Some(src) = &f.source {
            $qb.push(" AND i.id IN (SELECT incident_id FROM reports WHERE source_id = ")
                .push_bind(src.clone())
                .push(" AND superseded_by IS NULL AND retracted = 0)");
        }
        if let Some(b) = f.bbox {
            // The grid squares first (an index range per square), then the exact box.
            if let Some(cells) = cells_of(b) {
                $qb.push(format!(" AND i.cell IN ({})", sql_list(&cells)));
            }
            $qb.push(" AND i.lon >= ")
                .push_bind(b[0])
                .push(" AND i.lat >= ")
                .push_bind(b[1])
                .push(" AND i.lon <= ")
                .push_bind(b[2])
                .push(" AND i.lat <= ")
                .push_bind(b[3]);
        }
    }};
}

/// Pushes one page of incidents: `select` from the agreement's incidents with reports,
/// the filter, the window bound (`longest`, from [`Store::longest_window`]), the cursor,
/// the order and the limit.
macro_rules! push_incident_page {
    ($store:expr, $qb:ident, $agreement:expr, $f:expr, $select:expr, $longest:expr) => {{
        let f: &IncidentFilter = $f;
        // A box query reads the grid squares' index ranges; SQLite's planner would
        // rather range over longitude, so it is told.
        let hint = match (&$store.backend, f.bbox.and_then(cells_of)) {
            (crate::Backend::Sqlite(_), Some(_)) => " INDEXED BY incidents_by_cell_time",
            _ => "",
        };
        $qb.push(format!(
            "SELECT {} FROM incidents i{hint} WHERE i.agreement_id = ",
            $select
        ))
        .push_bind($agreement)
        .push(" AND i.report_count > 0");
        push_incident_filter!($store, $qb, f);
        if let (Some(from), Some(longest)) = (f.from_s, $longest) {
            $qb.push(" AND i.start_s >= ").push_bind(from - longest - 1);
        }
        use crate::filter::IncidentOrder;
        match (f.order, f.after) {
            (_, None) => {}
            (IncidentOrder::Number, Some(a)) => {
                $qb.push(" AND i.number > ").push_bind(a.number);
            }
            (IncidentOrder::Oldest, Some(a)) => {
                $qb.push(" AND (i.start_s > ")
                    .push_bind(a.start_s)
                    .push(" OR (i.start_s = ")
                    .push_bind(a.start_s)
                    .push(" AND i.number > ")
                    .push_bind(a.number)
                    .push("))");
            }
            (IncidentOrder::Newest, Some(a)) => {
                $qb.push(" AND (i.start_s < ")
                    .push_bind(a.start_s)
                    .push(" OR (i.start_s = ")
                    .push_bind(a.start_s)
                    .push(" AND i.number < ")
                    .push_bind(a.number)
                    .push("))");
            }
        }
        // With a box or a time window, the cell and time indexes narrow the rows first
        // and the few found are sorted; `+` keeps SQLite from walking the number index
        // instead (PostgreSQL reads it as plain arithmetic). Start orders walk the time
        // index.
        let order = match f.order {
            IncidentOrder::Oldest => "i.start_s, i.number",
            IncidentOrder::Newest => "i.start_s DESC, i.number DESC",
            IncidentOrder::Number if f.bbox.is_some() || f.from_s.is_some() || f.to_s.is_some() => {
                "+i.number"
            }
            IncidentOrder::Number => "i.number",
        };
        $qb.push(format!(" ORDER BY {order} LIMIT "))
            .push_bind(f.limit.max(0));
    }};
}

/// West, south, east, north, first start, last end, as the database gives them.
type ExtentRow = (
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<i64>,
    Option<i64>,
);

/// One incident of a list as the store gives it: its number and start (what a cursor
/// after it needs) and its JSON, sent on as it is.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Listed {
    /// The N of `inc-N`.
    pub number: i64,
    /// Window start, Unix seconds.
    pub start_s: i64,
    /// The incident (or its map point) as JSON.
    pub json: String,
}

/// An incident with everything behind it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IncidentDetail {
    /// The incident.
    pub incident: Incident,
    /// Its reports, in arrival order.
    pub reports: Vec<Report>,
    /// How each report got there.
    pub decisions: Vec<Decision>,
}

impl Store {
    /// Incidents matching the filter, in its order (every order is total, for cursors).
    pub async fn incidents(&self, agreement: &str, f: &IncidentFilter) -> Result<Vec<Incident>> {
        self.incident_rows(agreement, f)
            .await?
            .iter()
            .map(|r| decode("incident", &r.json))
            .collect()
    }

    /// The same as [`Store::incidents`], each with its stored JSON: a server can send
    /// the JSON on without decoding and encoding it again. A store keeping incident pages
    /// in memory picks the page there and reads only its bodies.
    pub async fn incident_rows(&self, agreement: &str, f: &IncidentFilter) -> Result<Vec<Listed>> {
        if let Some(index) = self.page_index_for(agreement, f).await?
            && let Some(page) = index.page(f)
        {
            return self.bodies(&page.places()).await;
        }
        let longest = self.longest_window(agreement, f).await?;
        on_pool!(self, pool, DB, {
            let mut qb = sqlx::QueryBuilder::<DB>::new("");
            push_incident_page!(
                self,
                qb,
                agreement,
                f,
                "i.number, i.start_s, i.body AS json",
                longest
            );
            Ok(qb.build_query_as::<Listed>().fetch_all(pool).await?)
        })
    }

    /// The in-memory index, when the store keeps one, it is fresh and it holds what the
    /// filter reads.
    async fn page_index_for(
        &self,
        agreement: &str,
        f: &IncidentFilter,
    ) -> Result<Option<std::sync::Arc<crate::pages::PageIndex>>> {
        if !crate::pages::PageIndex::answers(f) {
            return Ok(None);
        }
        self.page_index(agreement).await
    }

    /// The stored JSON of these incidents (number, start), in their order.
    pub async fn bodies(&self, places: &[(i64, i64)]) -> Result<Vec<Listed>> {
        if places.is_empty() {
            return Ok(Vec::new());
        }
        let numbers: Vec<i64> = places.iter().map(|(n, _)| *n).collect();
        // Numbers are unique across agreements: the unique index finds each row.
        let sql = format!(
            "SELECT number, body FROM incidents WHERE number IN ({})",
            sql_list(&numbers)
        );
        let rows: Vec<(i64, String)> = on_pool!(self, pool, DB, {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        let mut body: std::collections::HashMap<i64, String> = rows.into_iter().collect();
        Ok(places
            .iter()
            .filter_map(|&(number, start_s)| {
                body.remove(&number).map(|json| Listed {
                    number,
                    start_s,
                    json,
                })
            })
            .collect())
    }

    /// The same page as [`Store::incident_rows`], lean: map points, or list lines with
    /// their place (see [`crate::pages::Projection`]), from the columns or the in-memory
    /// index; the stored JSON is not read.
    pub async fn incident_points(
        &self,
        agreement: &str,
        f: &IncidentFilter,
        projection: crate::pages::Projection,
    ) -> Result<Vec<Listed>> {
        if let Some(index) = self.page_index_for(agreement, f).await?
            && let Some(page) = index.page(f)
        {
            return Ok(page.projected(projection));
        }
        let longest = self.longest_window(agreement, f).await?;
        let raw: Vec<crate::pages::RawPoint> = on_pool!(self, pool, DB, {
            let mut qb = sqlx::QueryBuilder::<DB>::new("");
            push_incident_page!(self, qb, agreement, f, crate::pages::POINT_COLUMNS, longest);
            qb.build_query_as().fetch_all(pool).await?
        });
        Ok(raw
            .into_iter()
            .map(|r| {
                let r = crate::pages::point_row(r);
                Listed {
                    number: r.number,
                    start_s: r.start_s,
                    json: r.json(projection),
                }
            })
            .collect())
    }

    /// The same page as [`Store::incident_rows`] as whole rows: the columns with the
    /// particulars of each body ([`crate::pages::Particulars`]), from the in-memory
    /// index when it answers the filter. What counts and the OGC API's features read:
    /// neither needs the rest of the body.
    pub async fn incident_facts(
        &self,
        agreement: &str,
        f: &IncidentFilter,
    ) -> Result<Vec<crate::pages::PointRow>> {
        if let Some(index) = self.page_index_for(agreement, f).await?
            && let Some(page) = index.page(f)
        {
            return Ok(page.rows());
        }
        let longest = self.longest_window(agreement, f).await?;
        let raw: Vec<crate::pages::RawPoint> = on_pool!(self, pool, DB, {
            let mut qb = sqlx::QueryBuilder::<DB>::new("");
            push_incident_page!(
                self,
                qb,
                agreement,
                f,
                crate::pages::FULL_POINT_COLUMNS,
                longest
            );
            qb.build_query_as().fetch_all(pool).await?
        });
        Ok(raw.into_iter().map(crate::pages::point_row).collect())
    }

    /// The longest incident window of the agreement, when the filter has a start: a
    /// window ending after `from` starts after `from` minus it, which lets the time
    /// indexes read only the range that can match.
    async fn longest_window(&self, agreement: &str, f: &IncidentFilter) -> Result<Option<i64>> {
        if f.from_s.is_none() {
            return Ok(None);
        }
        let longest: Option<i64> = on_pool!(self, pool, DB, {
            sqlx::query_scalar("SELECT max_s FROM incident_window_max WHERE agreement_id = $1")
                .bind(agreement)
                .fetch_optional(pool)
                .await?
        });
        Ok(Some(longest.unwrap_or(0)))
    }

    /// The box (west, south, east, north) of an agreement's listed incidents that have a
    /// point, and the first start and last end of all of them (Unix seconds): from the
    /// in-memory pages when the store keeps them, else one pass over the incidents.
    pub async fn incident_extent(
        &self,
        agreement: &str,
    ) -> Result<(Option<[f64; 4]>, Option<(i64, i64)>)> {
        if let Some(index) = self.page_index(agreement).await? {
            return Ok(index.extent());
        }
        let row: ExtentRow = on_pool!(self, pool, DB, {
            sqlx::query_as(
                    "SELECT MIN(lon), MIN(lat), MAX(lon), MAX(lat), MIN(start_s), MAX(end_s) FROM incidents WHERE agreement_id = $1 AND report_count > 0",
                )
                .bind(agreement)
                .fetch_one(pool)
                .await?
        });
        let bbox = match row {
            (Some(w), Some(s), Some(e), Some(n), _, _) => Some([w, s, e, n]),
            _ => None,
        };
        Ok((bbox, row.4.zip(row.5)))
    }

    /// How many incidents match the filter (its cursor and limit aside): counted in the
    /// in-memory index when the store keeps one that answers the filter.
    pub async fn count_incidents(&self, agreement: &str, f: &IncidentFilter) -> Result<i64> {
        if let Some(index) = self.page_index_for(agreement, f).await?
            && let Some(n) = index.count(f)
        {
            return Ok(i64::try_from(n).unwrap_or(i64::MAX));
        }
        on_pool!(self, pool, DB, {
            let mut qb = sqlx::QueryBuilder::<DB>::new(
                "SELECT COUNT(*) FROM incidents i WHERE i.agreement_id = ",
            );
            qb.push_bind(agreement).push(" AND i.report_count > 0");
            push_incident_filter!(self, qb, f);
            Ok(qb.build_query_scalar::<i64>().fetch_one(pool).await?)
        })
    }

    /// A value that changes whenever anything the compliance engine reads changes:
    /// reports added or retracted, analysts' actions, evidence records added or retracted. Caches of
    /// scorecard inputs compare it before reuse.
    pub async fn evidence_fingerprint(&self) -> Result<String> {
        on_pool!(self, pool, DB, {
            let row: (i64, i64, i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM reports), (SELECT COUNT(*) FROM reports WHERE retracted = 1), (SELECT COALESCE(MAX(seq), 0) FROM incident_history), (SELECT COALESCE(MAX(seq), 0) FROM records), (SELECT COUNT(*) FROM records WHERE superseded = 1)",
            )
            .fetch_one(pool)
            .await?;
            Ok(format!("{}-{}-{}-{}-{}", row.0, row.1, row.2, row.3, row.4))
        })
    }

    /// One incident with its reports and decisions.
    pub async fn incident(&self, id: &str) -> Result<Option<IncidentDetail>> {
        on_pool!(self, pool, DB, {
            let Some(body): Option<String> =
                sqlx::query_scalar("SELECT body FROM incidents WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await?
            else {
                return Ok(None);
            };
            let incident: Incident = decode("incident", &body)?;
            let mut reports = Vec::new();
            let mut decisions = Vec::new();
            for rid in &incident.reports {
                if let Some(r) = sqlx::query_as::<_, ReportRow>(&format!(
                    "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"
                ))
                .bind(rid)
                .fetch_optional(pool)
                .await?
                {
                    reports.push(r.into_report()?);
                }
                if let Some(r) = sqlx::query(
                "SELECT id AS report_id, incident_id, decision_new AS new, decision_candidates AS candidates,
                        decision_distance_m AS distance_m, decision_gap_s AS gap_s, decision_reason AS reason
                 FROM reports WHERE id = $1",
            )
                .bind(rid)
                .fetch_optional(pool)
                .await?
            {
                decisions.push(Decision {
                    report: r.try_get("report_id")?,
                    incident: r.try_get("incident_id")?,
                    new: r.try_get::<i64, _>("new")? != 0,
                    candidates: usize::try_from(r.try_get::<i64, _>("candidates")?).unwrap_or(0),
                    distance_m: r.try_get("distance_m")?,
                    gap_s: r.try_get("gap_s")?,
                    reason: r.try_get("reason")?,
                });
            }
            }
            Ok(Some(IncidentDetail {
                incident,
                reports,
                decisions,
            }))
        })
    }
}

/// A report a search found, with how well it answers the query.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportHit {
    /// The report's arrival number.
    pub seq: i64,
    /// The report id.
    pub report: String,
    /// The incident it belongs to.
    pub incident: String,
    /// That incident's number.
    pub number: i64,
    /// [`truce_model::search::Query::score`] of its words.
    pub score: f64,
}

/// Most matching reports a search reads (the newest first) before ranking them.
pub const SEARCH_READS: i64 = 500;

impl Store {
    /// Current reports of an agreement whose words hold the query, in incidents the
    /// filter lists (its cursor and limit aside): the newest [`SEARCH_READS`] that match,
    /// scored. Both databases find the same reports: they hold the same folded words
    /// and take the same query (FTS5 on SQLite, a `tsquery` on PostgreSQL).
    pub async fn search_reports(
        &self,
        agreement: &str,
        query: &truce_model::search::Query,
        f: &IncidentFilter,
    ) -> Result<Vec<ReportHit>> {
        let f = IncidentFilter {
            after: None,
            limit: SEARCH_READS,
            ..f.clone()
        };
        let pg = matches!(self.backend, crate::Backend::Postgres(_));
        // Without an incident filter the incidents need not be read: a current report's
        // incident lists it, and its number is that of its id (`inc-N`).
        let filtered = f.from_s.is_some()
            || f.to_s.is_some()
            || f.source.is_some()
            || f.zone.is_some()
            || f.event_type.is_some()
            || !f.status.is_empty()
            || f.party.is_some()
            || f.bbox.is_some();
        let (incidents, number) = match (filtered, pg) {
            (true, true) => (" JOIN incidents i ON i.id = r.incident_id", "i.number"),
            (true, false) => (" CROSS JOIN incidents i", "i.number"),
            (false, _) => ("", "CAST(0 AS BIGINT)"),
        };
        // Within dates, only reports starting in the months an incident in them can
        // hold are read: a report starts after its incident's start, which is after
        // `from` less the longest window, and before its incident's end, which is
        // before `to` plus the longest window.
        let months = match (f.from_s, f.to_s) {
            (None, None) => None,
            (from, to) => {
                let longest: i64 = on_pool!(self, pool, DB, {
                    sqlx::query_scalar::<_, i64>(
                        "SELECT max_s FROM incident_window_max WHERE agreement_id = $1",
                    )
                    .bind(agreement)
                    .fetch_optional(pool)
                    .await?
                    .unwrap_or(0)
                });
                truce_model::search::months_between(
                    from.map(|s| s - longest),
                    to.map(|s| s + longest),
                )
            }
        };
        // The months are one more thing the index must find; the score stays the
        // query's own.
        let asked = match &months {
            Some(m) => query.within(m),
            None => query.clone(),
        };
        let (fts5, tsquery) = (asked.fts5(), asked.tsquery());
        let rows: Vec<(i64, String, String, String, i64)> = on_pool!(self, pool, DB, {
            let mut qb = sqlx::QueryBuilder::<DB>::new("");
            if pg {
                qb.push(format!("SELECT w.seq, w.words::text, r.id, r.incident_id, {number} FROM report_words w JOIN reports r ON r.seq = w.seq{incidents} WHERE w.words @@ "))
                    .push_bind(tsquery)
                    .push("::tsquery");
            } else {
                // The index drives, newest first (CROSS JOIN keeps SQLite from probing
                // the index once per report instead). The rows come back as one JSON
                // array: the driver hands each row over from its worker thread on its
                // own, which cost more than the search itself at hundreds of rows.
                qb.push(format!("SELECT json_group_array(json_array(seq, words, id, incident_id, number)) FROM (SELECT w.rowid AS seq, w.words AS words, r.id AS id, r.incident_id AS incident_id, {number} AS number FROM report_words w CROSS JOIN reports r{incidents} WHERE r.seq = w.rowid AND report_words MATCH "))
                    .push_bind(fts5);
                if filtered {
                    qb.push(" AND i.id = r.incident_id");
                }
            }
            qb.push(" AND r.agreement_id = ")
                .push_bind(agreement)
                .push(" AND r.superseded_by IS NULL AND r.retracted = 0");
            if filtered {
                qb.push(" AND i.agreement_id = ")
                    .push_bind(agreement)
                    .push(" AND i.report_count > 0");
                push_incident_filter!(self, qb, &f);
            }
            qb.push(if pg {
                " ORDER BY w.seq DESC LIMIT "
            } else {
                " ORDER BY w.rowid DESC LIMIT "
            })
            .push_bind(f.limit);
            if pg {
                qb.build_query_as().fetch_all(pool).await?
            } else {
                qb.push(")");
                let packed: String = qb.build_query_scalar().fetch_one(pool).await?;
                serde_json::from_str(&packed)?
            }
        });
        Ok(rows
            .into_iter()
            .filter_map(|(seq, words, report, incident, number)| {
                let number = if filtered {
                    number
                } else {
                    incident.strip_prefix("inc-")?.parse().ok()?
                };
                let list: Vec<String> = if pg {
                    truce_model::search::words_of_tsvector(&words)
                } else {
                    words.split(' ').map(str::to_owned).collect()
                };
                let refs: Vec<&str> = list.iter().map(String::as_str).collect();
                query.score(&refs).map(|score| ReportHit {
                    seq,
                    report,
                    incident,
                    number,
                    score,
                })
            })
            .collect())
    }

    /// The stored reports with these arrival numbers, decoded.
    pub async fn reports_by_seq(&self, seqs: &[i64]) -> Result<Vec<(i64, Report)>> {
        if seqs.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT seq, {REPORT_COLUMNS} FROM reports WHERE seq IN ({})",
            sql_list(seqs)
        );
        on_pool!(self, pool, DB, {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let seq: i64 = row.try_get("seq")?;
                let r = <ReportRow as sqlx::FromRow<_>>::from_row(row)?;
                out.push((seq, r.into_report()?));
            }
            Ok(out)
        })
    }

    /// Indexes for search the reports stored before the search index existed (or
    /// restored from a dump), newest first, a few thousand per transaction; nothing when
    /// none is owed. Returns how many it indexed.
    pub async fn index_search_backlog(&self) -> Result<u64> {
        const CHUNK: i64 = 5_000;
        let mut bundles: std::collections::HashMap<String, Option<truce_model::AgreementBundle>> =
            std::collections::HashMap::new();
        let mut done = 0u64;
        loop {
            let upto: i64 = on_pool!(self, pool, DB, {
                sqlx::query_scalar("SELECT upto FROM search_backfill WHERE id = 1")
                    .fetch_optional(pool)
                    .await?
                    .unwrap_or(0)
            });
            if upto <= 0 {
                return Ok(done);
            }
            let sql = format!(
                "SELECT seq, agreement_id, {REPORT_COLUMNS} FROM reports WHERE seq <= $1 ORDER BY seq DESC LIMIT {CHUNK}"
            );
            let mut rows: Vec<(i64, String, Report)> = Vec::new();
            on_pool!(self, pool, DB, {
                for row in &sqlx::query(&sql).bind(upto).fetch_all(pool).await? {
                    let seq: i64 = row.try_get("seq")?;
                    let agreement: String = row.try_get("agreement_id")?;
                    let r = <ReportRow as sqlx::FromRow<_>>::from_row(row)?;
                    rows.push((seq, agreement, r.into_report()?));
                }
            });
            let mut words: Vec<(i64, String)> = Vec::with_capacity(rows.len());
            for (seq, agreement, r) in &rows {
                if !bundles.contains_key(agreement) {
                    let b = self.agreement(agreement).await?;
                    bundles.insert(agreement.clone(), b);
                }
                let Some(Some(b)) = bundles.get(agreement) else {
                    continue;
                };
                let w = crate::ingest::search_words(b, r);
                if !w.is_empty() {
                    words.push((*seq, w));
                }
            }
            let next = rows.iter().map(|r| r.0).min().map_or(0, |s| s - 1);
            on_pool!(self, pool, DB, {
                let mut tx = pool.begin().await?;
                insert_report_words!(
                    self,
                    tx,
                    DB,
                    words.iter().map(|(seq, w)| (*seq, w.as_str())).collect()
                );
                sqlx::query("UPDATE search_backfill SET upto = $1 WHERE id = 1")
                    .bind(next)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            });
            done += words.len() as u64;
            if done > 0 && done.is_multiple_of(50_000) {
                tracing::info!(indexed = done, "reports indexed for search");
            }
        }
    }
}
