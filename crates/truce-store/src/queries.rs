//! Incident queries: the filters every list, map, count and export shares (checked once
//! from what a user typed), the SQL they become, paging by cursor, one incident with its
//! reports and decisions, and the evidence fingerprint caches are checked against. A
//! store keeping incident pages in memory (`pages.rs`) answers from them when it can.

use crate::filter::IncidentFilter;
use crate::reports::{REPORT_COLUMNS, ReportRow};
use crate::sql::{Bind, cells_of, decode, sql_list};
use crate::{Result, Store};
use sqlx::Row;
use truce_engine::incidents::{Decision, Incident};
use truce_model::report::Report;

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
    /// The WHERE clause of an incident query (after `i.agreement_id = $1`) and its
    /// parameters, numbered from `$2`; the cursor and limit are left to the caller.
    fn incident_where(&self, f: &IncidentFilter) -> (String, Vec<Bind>, usize) {
        let mut sql = String::new();
        let mut n = 1;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let mut binds: Vec<Bind> = Vec::new();
        if let Some(v) = f.from_s {
            sql += &format!(" AND i.end_s > {}", next());
            binds.push(Bind::I(v));
        }
        if let Some(v) = f.to_s {
            sql += &format!(" AND i.start_s < {}", next());
            binds.push(Bind::I(v));
        }
        if let Some(z) = &f.zone {
            sql += &format!(
                " AND i.id IN (SELECT incident_id FROM incident_zones WHERE zone_id = {})",
                next()
            );
            binds.push(Bind::S(z.clone()));
        }
        if let Some(t) = &f.event_type {
            sql += &format!(" AND i.event_type = {}", next());
            binds.push(Bind::S(t.clone()));
        }
        if let Some(s) = &f.status {
            sql += &format!(" AND i.status = {}", next());
            binds.push(Bind::S(s.clone()));
        }
        if let Some(p) = &f.party {
            let (a, b) = (next(), next());
            sql += &format!(
                " AND (i.perpetrator = {a} OR {claimed})",
                claimed = self.contains("i.claimed", &format!("'|' || {b} || '|'"))
            );
            binds.push(Bind::S(p.clone()));
            binds.push(Bind::S(p.clone()));
        }
        if let Some(b) = f.bbox {
            // The grid squares first (an index range per square), then the exact box.
            if let Some(cells) = cells_of(b) {
                sql += &format!(" AND i.cell IN ({})", sql_list(&cells));
            }
            let (w, s, e, nn) = (next(), next(), next(), next());
            sql +=
                &format!(" AND i.lon >= {w} AND i.lat >= {s} AND i.lon <= {e} AND i.lat <= {nn}");
            binds.extend([Bind::F(b[0]), Bind::F(b[1]), Bind::F(b[2]), Bind::F(b[3])]);
        }
        (sql, binds, n)
    }

    /// Incidents matching the filter, in number order (a stable order for cursors).
    pub async fn incidents(&self, agreement: &str, f: &IncidentFilter) -> Result<Vec<Incident>> {
        self.incident_rows(agreement, f)
            .await?
            .iter()
            .map(|(_, b)| decode("incident", b))
            .collect()
    }

    /// The same as [`Store::incidents`], as (number, stored JSON) pairs: a server can send
    /// the JSON on without decoding and encoding it again. A store keeping incident pages
    /// in memory picks the page there and reads only its bodies.
    pub async fn incident_rows(
        &self,
        agreement: &str,
        f: &IncidentFilter,
    ) -> Result<Vec<(i64, String)>> {
        if let Some(index) = self.page_index_for(agreement, f).await?
            && let Some(page) = index.page(f)
        {
            return self.bodies(&page.numbers()).await;
        }
        let (sql, binds) = self
            .incident_page_sql(agreement, f, "i.number, i.body")
            .await?;
        on_pool!(self, pool, DB, {
            let q = bind_all!(
                sqlx::query_as::<_, (i64, String)>(&sql).bind(agreement),
                binds
            );
            Ok(q.fetch_all(pool).await?)
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

    /// The stored JSON of these incidents, in their order.
    async fn bodies(&self, numbers: &[i64]) -> Result<Vec<(i64, String)>> {
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        // Numbers are unique across agreements: the unique index finds each row.
        let sql = format!(
            "SELECT number, body FROM incidents WHERE number IN ({})",
            sql_list(numbers)
        );
        let mut rows: Vec<(i64, String)> = on_pool!(self, pool, DB, {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        rows.sort_unstable_by_key(|(n, _)| *n);
        Ok(rows)
    }

    /// The same page as [`Store::incident_rows`], as map points: only what a map draws
    /// (see [`crate::pages::PointRow::map_json`]), from the columns or the in-memory
    /// index; the stored JSON is not read.
    pub async fn incident_points(
        &self,
        agreement: &str,
        f: &IncidentFilter,
    ) -> Result<Vec<(i64, String)>> {
        if let Some(index) = self.page_index_for(agreement, f).await?
            && let Some(page) = index.page(f)
        {
            return Ok(page.map_points());
        }
        let (sql, binds) = self
            .incident_page_sql(agreement, f, crate::pages::POINT_COLUMNS)
            .await?;
        let rows = self.point_rows(&sql, agreement, binds).await?;
        Ok(rows.iter().map(|r| (r.number, r.map_json())).collect())
    }

    /// The SQL and parameters (after the agreement, `$1`) of one page of incidents.
    async fn incident_page_sql(
        &self,
        agreement: &str,
        f: &IncidentFilter,
        select: &str,
    ) -> Result<(String, Vec<Bind>)> {
        let (filter, mut binds, mut n) = self.incident_where(f);
        // A window ending after `from` starts after `from` minus the longest window:
        // that bound lets the time indexes read only the range that can match.
        let mut filter = filter;
        if let Some(from) = f.from_s {
            let longest: Option<i64> = on_pool!(self, pool, DB, {
                sqlx::query_scalar("SELECT max_s FROM incident_window_max WHERE agreement_id = $1")
                    .bind(agreement)
                    .fetch_optional(pool)
                    .await?
            });
            n += 1;
            filter += &format!(" AND i.start_s >= ${n}");
            binds.push(Bind::I(from - longest.unwrap_or(0) - 1));
        }
        // A box query reads the grid squares' index ranges; SQLite's planner would
        // rather range over longitude, so it is told.
        let hint = match (&self.backend, f.bbox.and_then(cells_of)) {
            (crate::Backend::Sqlite(_), Some(_)) => " INDEXED BY incidents_by_cell_time",
            _ => "",
        };
        let mut sql = format!(
            "SELECT {select} FROM incidents i{hint} WHERE i.agreement_id = $1 AND i.report_count > 0{filter}"
        );
        if let Some(a) = f.after {
            n += 1;
            sql += &format!(" AND i.number > ${n}");
            binds.push(Bind::I(a));
        }
        n += 1;
        // With a box or a time window, the cell and time indexes narrow the rows first
        // and the few found are sorted; `+` keeps SQLite from walking the number index
        // instead (PostgreSQL reads it as plain arithmetic).
        let order = if f.bbox.is_some() || f.from_s.is_some() || f.to_s.is_some() {
            "+i.number"
        } else {
            "i.number"
        };
        sql += &format!(" ORDER BY {order} LIMIT ${n}");
        binds.push(Bind::I(f.limit.max(0)));
        Ok((sql, binds))
    }

    /// How many incidents match the filter (its cursor and limit aside).
    pub async fn count_incidents(&self, agreement: &str, f: &IncidentFilter) -> Result<i64> {
        let (filter, binds, _) = self.incident_where(f);
        let sql = format!(
            "SELECT COUNT(*) FROM incidents i WHERE i.agreement_id = $1 AND i.report_count > 0{filter}"
        );
        on_pool!(self, pool, DB, {
            let q = bind_all!(sqlx::query_scalar::<_, i64>(&sql).bind(agreement), binds);
            Ok(q.fetch_one(pool).await?)
        })
    }

    /// A value that changes whenever anything the compliance engine reads changes:
    /// reports added or retracted, analysts' actions, evidence records. Caches of
    /// scorecard inputs compare it before reuse.
    pub async fn evidence_fingerprint(&self) -> Result<String> {
        on_pool!(self, pool, DB, {
            let row: (i64, i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM reports), (SELECT COUNT(*) FROM reports WHERE retracted = 1), (SELECT COALESCE(MAX(seq), 0) FROM incident_history), (SELECT COALESCE(MAX(seq), 0) FROM records)",
            )
            .fetch_one(pool)
            .await?;
            Ok(format!("{}-{}-{}-{}", row.0, row.1, row.2, row.3))
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
