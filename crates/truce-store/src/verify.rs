//! The analyst's verification workflow: set an incident's status with a reason, merge
//! incidents, split reports out of one. Each action is one transaction that moves
//! reports, reassesses the incidents touched by the matcher's own rules and appends to
//! their history (who, when, what, why). A merge is undone by a split and the other way
//! round; nothing is deleted.

use crate::audit::{Chain, Note};
use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use truce_engine::incidents::{Incident, IncidentStatus, assess_reports};
use truce_model::AgreementBundle;
use truce_model::report::{Report, Source};

/// One entry of an incident's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// When, RFC 3339.
    pub at: String,
    /// Who.
    pub actor: String,
    /// `status`, `merge-in`, `merged-into`, `split-out`, `split-from`.
    pub action: String,
    /// Why, in the analyst's words.
    pub reason: String,
    /// What changed, as JSON.
    pub detail: serde_json::Value,
}

/// Why an analyst action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The incident does not exist or has no reports left.
    #[error("no incident `{0}` with reports")]
    NoIncident(String),
    /// A named report is not in the incident.
    #[error("report `{report}` is not in {incident}")]
    NotInIncident {
        /// The report.
        report: String,
        /// The incident.
        incident: String,
    },
    /// The action would leave nothing to do or an empty incident.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

/// An incident's state before an action: its reports and the analyst's status.
struct Current {
    members: Vec<(Report, Source)>,
    analyst_status: Option<IncidentStatus>,
    agreement: String,
}

impl Store {
    async fn current(&self, id: &str) -> Result<Option<Current>, ReviewError> {
        on_pool!(self, pool, DB, {
            let Some(row) = sqlx::query(
                "SELECT agreement_id, analyst_status, stale, body FROM incidents WHERE id = $1 AND report_count > 0",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
            else {
                return Ok(None);
            };
            if row.try_get::<i64, _>("stale")? != 0 {
                return Err(ReviewError::Invalid(format!(
                    "{id} is being rewritten by an import (or one stopped before finishing it): let the import finish, or run it again, then review"
                )));
            }
            let incident: Incident =
                crate::sql::decode("incident", &row.try_get::<String, _>("body")?)?;
            let sources = self.sources().await?;
            let mut members = Vec::new();
            for r in self.current_reports(&incident.reports).await? {
                members.push(r.report.with_source(&sources)?);
            }
            let analyst: Option<String> = row.try_get("analyst_status")?;
            Ok(Some(Current {
                members,
                analyst_status: analyst.as_deref().and_then(IncidentStatus::parse),
                agreement: row.try_get("agreement_id")?,
            }))
        })
    }

    /// An incident's history, oldest first.
    pub async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>> {
        on_pool!(self, pool, DB, {
            let rows: Vec<(String, String, String, String, String)> =
            sqlx::query_as("SELECT at, actor, action, reason, detail FROM incident_history WHERE incident_id = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(pool)
                .await?;
            Ok(rows
                .into_iter()
                .map(|(at, actor, action, reason, detail)| HistoryEntry {
                    at,
                    actor,
                    action,
                    reason,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
                .collect())
        })
    }

    /// Writes an analyst action: reports moved, incidents reassessed (an emptied incident
    /// keeps its row, with no reports), analyst statuses and history, in one transaction.
    async fn apply_review(
        &self,
        agreement: &str,
        moves: &[(String, String)],
        incidents: &[(String, Incident, Option<IncidentStatus>)],
        history: &[(String, &str, serde_json::Value)],
        actor: &str,
        reason: &str,
    ) -> Result<()> {
        on_pool!(self, pool, DB, {
            let at = Timestamp::now().to_string();
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            for (report, incident) in moves {
                sqlx::query("UPDATE reports SET incident_id = $1 WHERE id = $2")
                    .bind(incident)
                    .bind(report)
                    .execute(&mut *tx)
                    .await?;
            }
            for (id, i, analyst) in incidents {
                let (lon, lat) = i.point.map_or((None, None), |(x, y)| (Some(x), Some(y)));
                sqlx::query(
                        "INSERT INTO incidents (id, number, agreement_id, start_s, end_s, lon, lat, event_type, status, analyst_status, perpetrator, disputed, report_count, body, cell, claimed, radius_m, place_label, place_name)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                         ON CONFLICT (id) DO UPDATE SET start_s = excluded.start_s, end_s = excluded.end_s, lon = excluded.lon, lat = excluded.lat, cell = excluded.cell, radius_m = excluded.radius_m,
                             event_type = excluded.event_type, status = excluded.status, analyst_status = excluded.analyst_status,
                             perpetrator = excluded.perpetrator, claimed = excluded.claimed, disputed = excluded.disputed, report_count = excluded.report_count, place_label = excluded.place_label, place_name = excluded.place_name, stale = 0, body = excluded.body",
                    )
                    .bind(id)
                    .bind(crate::sql::incident_number(id))
                    .bind(agreement)
                    .bind(i.window.start.as_second())
                    .bind(i.window.end.as_second())
                    .bind(lon)
                    .bind(lat)
                    .bind(i.event_type.as_str())
                    .bind(i.status.as_str())
                    .bind(analyst.map(IncidentStatus::as_str))
                    .bind(&i.attribution.assessed)
                    .bind(i64::from(i.attribution.disputed))
                    .bind(i64::try_from(i.reports.len()).unwrap_or(i64::MAX))
                    .bind(serde_json::to_string(i)?)
                    .bind(i.point.map(|(x, y)| crate::sql::grid_cell(x, y)))
                    .bind(crate::sql::claimed(i))
                    .bind(crate::sql::radius_of(i))
                    .bind(&i.place_label)
                    .bind(&i.place_name)
                    .execute(&mut *tx)
                    .await?;
                crate::sql::raise_window_max::<DB>(
                    &mut tx,
                    agreement,
                    i.window.end.as_second() - i.window.start.as_second(),
                )
                .await?;
                sqlx::query("DELETE FROM incident_zones WHERE incident_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for z in &i.zones {
                    sqlx::query(
                        "INSERT INTO incident_zones (incident_id, zone_id) VALUES ($1, $2)",
                    )
                    .bind(id)
                    .bind(z)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let mut appended: Option<(i64, i64)> = None;
            for (incident, action, detail) in history {
                sqlx::query("INSERT INTO incident_history (incident_id, at, actor, action, reason, detail) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(incident)
                .bind(&at)
                .bind(actor)
                .bind(*action)
                .bind(reason)
                .bind(detail.to_string())
                .execute(&mut *tx)
                .await?;
                let seq = tx
                    .append(
                        self.audit_key(),
                        actor,
                        Note::new(format!("incident.{action}"), format!("incident:{incident}"))
                            .detail(serde_json::json!({"reason": reason, "change": detail})),
                    )
                    .await?;
                appended = Some(appended.map_or((seq, seq), |(first, _)| (first, seq)));
            }
            tx.commit().await?;
            let writes = self.incidents_changed();
            if let Some((first, last)) = appended {
                let numbers = incidents
                    .iter()
                    .map(|(id, _, _)| crate::sql::incident_number(id))
                    .collect();
                self.patch_incident_pages(agreement, first, last, numbers, writes);
            }
            Ok(())
        })
    }

    /// The import lock of the agreement an incident belongs to: analysts' changes read
    /// incidents and write them back, and a split numbers a new incident, so they queue
    /// with imports (and each other) on every node rather than interleave.
    async fn review_lock(&self, id: &str) -> Result<Option<crate::ImportLock>, ReviewError> {
        let agreement: Option<String> = on_pool!(self, pool, DB, {
            sqlx::query_scalar("SELECT agreement_id FROM incidents WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::from)?
        });
        match agreement {
            Some(a) => Ok(Some(self.import_lock(&a).await?)),
            None => Ok(None),
        }
    }

    /// Sets (or, with `None`, clears) the analyst's status of an incident.
    pub async fn set_status(
        &self,
        bundle: &AgreementBundle,
        id: &str,
        status: Option<IncidentStatus>,
        reason: &str,
        actor: &str,
    ) -> Result<Incident, ReviewError> {
        let _lock = self.review_lock(id).await?;
        let cur = self
            .current(id)
            .await?
            .ok_or_else(|| ReviewError::NoIncident(id.to_owned()))?;
        let incident = assess_reports(id, &cur.members, bundle, status)
            .ok_or_else(|| ReviewError::NoIncident(id.to_owned()))?;
        let detail = serde_json::json!({"from": cur.analyst_status.map(IncidentStatus::as_str), "to": status.map(IncidentStatus::as_str), "status": incident.status.as_str()});
        self.apply_review(
            &cur.agreement,
            &[],
            &[(id.to_owned(), incident.clone(), status)],
            &[(id.to_owned(), "status", detail)],
            actor,
            reason,
        )
        .await?;
        Ok(incident)
    }

    /// Moves every report of `from` into `into` and reassesses `into`.
    pub async fn merge(
        &self,
        bundle: &AgreementBundle,
        into: &str,
        from: &str,
        reason: &str,
        actor: &str,
    ) -> Result<Incident, ReviewError> {
        if into == from {
            return Err(ReviewError::Invalid(
                "an incident cannot be merged into itself".into(),
            ));
        }
        let _lock = self.review_lock(into).await?;
        let target = self
            .current(into)
            .await?
            .ok_or_else(|| ReviewError::NoIncident(into.to_owned()))?;
        let source = self
            .current(from)
            .await?
            .ok_or_else(|| ReviewError::NoIncident(from.to_owned()))?;
        let moved: Vec<String> = source.members.iter().map(|(r, _)| r.id.clone()).collect();
        // The emptied incident keeps its last assessment, without reports or claims.
        let mut emptied = assess_reports(from, &source.members, bundle, source.analyst_status)
            .ok_or_else(|| ReviewError::NoIncident(from.to_owned()))?;
        emptied.reports.clear();
        emptied.attribution.claims.clear();
        let mut members = target.members;
        members.extend(source.members);
        let merged = assess_reports(into, &members, bundle, target.analyst_status)
            .ok_or_else(|| ReviewError::NoIncident(into.to_owned()))?;
        let moves: Vec<(String, String)> =
            moved.iter().map(|r| (r.clone(), into.to_owned())).collect();
        let detail = serde_json::json!({"reports": moved, "into": into, "from": from});
        self.apply_review(
            &target.agreement,
            &moves,
            &[
                (into.to_owned(), merged.clone(), target.analyst_status),
                (from.to_owned(), emptied, source.analyst_status),
            ],
            &[
                (into.to_owned(), "merge-in", detail.clone()),
                (from.to_owned(), "merged-into", detail),
            ],
            actor,
            reason,
        )
        .await?;
        Ok(merged)
    }

    /// Moves the named reports of `id` into a new incident; returns (what is left, the new one).
    pub async fn split(
        &self,
        bundle: &AgreementBundle,
        id: &str,
        reports: &[String],
        reason: &str,
        actor: &str,
    ) -> Result<(Incident, Incident), ReviewError> {
        // Under the lock, the new incident's number cannot be taken by another split or
        // an import in between.
        let _lock = self.review_lock(id).await?;
        let cur = self
            .current(id)
            .await?
            .ok_or_else(|| ReviewError::NoIncident(id.to_owned()))?;
        for r in reports {
            if !cur.members.iter().any(|(m, _)| &m.id == r) {
                return Err(ReviewError::NotInIncident {
                    report: r.clone(),
                    incident: id.to_owned(),
                });
            }
        }
        let (out, kept): (Vec<_>, Vec<_>) = cur
            .members
            .into_iter()
            .partition(|(m, _)| reports.contains(&m.id));
        if kept.is_empty() || out.is_empty() {
            return Err(ReviewError::Invalid(
                "a split must leave at least one report on each side".into(),
            ));
        }
        on_pool!(self, pool, DB, {
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(number) FROM incidents")
                .fetch_one(pool)
                .await?;
            let new_id = format!("inc-{}", max.unwrap_or(0) + 1);
            let left = assess_reports(id, &kept, bundle, cur.analyst_status)
                .ok_or_else(|| ReviewError::NoIncident(id.to_owned()))?;
            let right = assess_reports(&new_id, &out, bundle, None)
                .ok_or_else(|| ReviewError::NoIncident(new_id.clone()))?;
            let moves: Vec<(String, String)> = reports
                .iter()
                .map(|r| (r.clone(), new_id.clone()))
                .collect();
            let detail = serde_json::json!({"reports": reports, "from": id, "to": new_id});
            self.apply_review(
                &cur.agreement,
                &moves,
                &[
                    (id.to_owned(), left.clone(), cur.analyst_status),
                    (new_id.clone(), right.clone(), None),
                ],
                &[
                    (id.to_owned(), "split-out", detail.clone()),
                    (new_id.clone(), "split-from", detail),
                ],
                actor,
                reason,
            )
            .await?;
            Ok((left, right))
        })
    }
}
