//! Reports in the store: the batches an import writes (each in one transaction holding
//! its reports, their decisions and every incident they changed; all or nothing, and
//! reports keyed by id, so an import killed at any point and run again ends in the same
//! state as one never interrupted), the record-version table that skips known rows, the
//! matcher's resume state, retraction, and reading reports back (a report's body holds
//! what its columns do not; [`ReportRow`] joins them).

use crate::audit::{Chain, Note};
use crate::sql::{
    ROWS_PER_STATEMENT, claimed, decode, grid_cell, incident_number, radius_of, raise_window_max,
};
use crate::{Result, Store, StoreError};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use truce_engine::incidents::{Decision, Incident, IncidentStatus, StoredIncident};
use truce_model::report::{Report, Source};

/// A report to store with the record it came from and the matcher's decision.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The report.
    pub report: Report,
    /// The format it arrived in (`acled`, …).
    pub raw_format: &'static str,
    /// The record as received.
    pub raw: Raw,
    /// Where matching put it.
    pub decision: Decision,
    /// The words it is found by in a search
    /// ([`truce_model::places::Gazetteer::search_words`]); empty: not indexed.
    pub words: String,
}

/// A record as received, stored as JSON: a JSON document (JSON Lines, GeoJSON, the API),
/// or a data set's row (ACLED, UCDP), kept as its fields until the writer stores it as a
/// JSON array of strings, so that an import's reading thread does not encode it.
#[derive(Debug, Clone)]
pub enum Raw {
    /// JSON as received.
    Json(String),
    /// A row's fields, in the format's column order.
    Fields(truce_formats::rows::Fields),
}

impl Raw {
    /// The record as stored.
    fn into_json(self) -> String {
        match self {
            Self::Json(s) => s,
            Self::Fields(f) => f.to_json(),
        }
    }
}

/// A batch made ready for its transaction: reports, their received records and incidents
/// encoded as JSON, and the digest that names the reports in the audit log. An import
/// makes it apart from the transaction, so that one batch is encoded while the one
/// before is written.
#[derive(Debug)]
pub struct Encoded {
    pub(crate) batch: Batch,
    bodies: Vec<String>,
    /// Each report's record as received, as stored (the batch's own are taken).
    raws: Vec<String>,
    incident_bodies: Vec<String>,
    digest: String,
}

impl Encoded {
    /// How many reports the batch holds.
    pub fn reports(&self) -> usize {
        self.batch.reports.len()
    }

    /// Encodes a batch.
    pub fn new(mut batch: Batch) -> Result<Self> {
        let bodies = batch
            .reports
            .iter()
            .map(|n| serde_json::to_string(&BodyOut::of(&n.report)))
            .collect::<Result<_, _>>()?;
        let incident_bodies = batch
            .incidents
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<_, _>>()?;
        let raws: Vec<String> = batch
            .reports
            .iter_mut()
            .map(|n| std::mem::replace(&mut n.raw, Raw::Json(String::new())).into_json())
            .collect();
        // The reports are named by a digest of their ids and received records.
        let mut h = <sha2::Sha256 as sha2::Digest>::new();
        for (n, raw) in batch.reports.iter().zip(&raws) {
            sha2::Digest::update(&mut h, n.report.id.as_bytes());
            sha2::Digest::update(&mut h, [0u8]);
            sha2::Digest::update(&mut h, raw.as_bytes());
            sha2::Digest::update(&mut h, [0u8]);
        }
        Ok(Self {
            batch,
            bodies,
            raws,
            incident_bodies,
            digest: truce_engine::audit::hex(&sha2::Digest::finalize(h)),
        })
    }
}

/// One transaction of an import.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The agreement the evidence is about.
    pub agreement: String,
    /// New reports.
    pub reports: Vec<NewReport>,
    /// (old report, new report): the new version supersedes the old.
    pub superseded: Vec<(String, String)>,
    /// Incidents as they stand after the batch.
    pub incidents: Vec<Incident>,
}

/// The current version of a source's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    /// The source's version.
    pub version: i64,
    /// The N of the incident it went to.
    pub incident: u32,
    /// True when the source retracted it.
    pub retracted: bool,
    /// The line it came from when the running import read it from its file; 0 when it
    /// was stored before, or its format keeps no line. [`Versions`] remembers lines past
    /// 2,147,483,647 as that.
    pub line: u64,
}

/// The current version of every (source, key), compactly: one entry per stored record.
#[derive(Debug, Default)]
pub struct Versions(truce_formats::keys::KeyTable<Packed>);

/// A [`Current`] in 16 bytes rather than 24: the retraction is the line's top bit, and
/// lines past 2,147,483,647 are kept as that.
#[derive(Debug, Clone, Copy)]
struct Packed {
    version: i64,
    incident: u32,
    line: u32,
}

const RETRACTED: u32 = 1 << 31;

impl Versions {
    /// The current version of a record.
    pub fn get(&self, source: &str, key: &str) -> Option<Current> {
        self.0
            .get(source.as_bytes(), key.as_bytes())
            .map(|p| Current {
                version: p.version,
                incident: p.incident,
                retracted: p.line & RETRACTED != 0,
                line: u64::from(p.line & !RETRACTED),
            })
    }

    /// Records the current version of a record.
    pub fn insert(&mut self, source: &str, key: &str, current: Current) {
        let line = u32::try_from(current.line).map_or(RETRACTED - 1, |l| l.min(RETRACTED - 1));
        let packed = Packed {
            version: current.version,
            incident: current.incident,
            line: line | if current.retracted { RETRACTED } else { 0 },
        };
        self.0.insert(source.as_bytes(), key.as_bytes(), packed);
    }
}

/// A report's stored body: the report without what its own columns hold (id, source,
/// source key and version, type, point), which would only repeat them: at a million
/// reports that is 150 MB less to write, twice over with SQLite's log. Bodies stored
/// before held the whole report; reading takes those fields from the columns either way.
#[derive(serde::Serialize)]
struct BodyOut<'a> {
    received: &'a jiff::Timestamp,
    occurred: &'a truce_model::report::Window,
    location: PlaceOut<'a>,
    perpetrator: &'a Option<String>,
    target: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    perpetrator_as_named: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_as_named: &'a Option<String>,
    casualties: &'a truce_model::report::Casualties,
    credibility: u8,
    text: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    evidence: &'a [String],
    #[serde(skip_serializing_if = "is_zero")]
    outlets: u8,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

#[derive(serde::Serialize)]
struct PlaceOut<'a> {
    place_name: &'a Option<String>,
    precision: u8,
}

impl<'a> BodyOut<'a> {
    fn of(r: &'a Report) -> Self {
        Self {
            received: &r.received,
            occurred: &r.occurred,
            location: PlaceOut {
                place_name: &r.location.place_name,
                precision: r.location.precision,
            },
            perpetrator: &r.perpetrator,
            target: &r.target,
            perpetrator_as_named: &r.perpetrator_as_named,
            target_as_named: &r.target_as_named,
            casualties: &r.casualties,
            credibility: r.credibility,
            text: &r.text,
            evidence: &r.evidence,
            outlets: r.outlets,
        }
    }
}

/// A stored body as read back (see [`BodyOut`]); a whole report's other fields are ignored.
#[derive(serde::Deserialize)]
struct BodyIn {
    received: jiff::Timestamp,
    occurred: truce_model::report::Window,
    location: PlaceIn,
    perpetrator: Option<String>,
    target: Option<String>,
    #[serde(default)]
    perpetrator_as_named: Option<String>,
    #[serde(default)]
    target_as_named: Option<String>,
    #[serde(default)]
    casualties: truce_model::report::Casualties,
    credibility: u8,
    text: String,
    #[serde(default)]
    evidence: Vec<String>,
    #[serde(default)]
    outlets: u8,
}

#[derive(serde::Deserialize)]
struct PlaceIn {
    place_name: Option<String>,
    precision: u8,
}

/// A stored report with the incident it is in.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub(crate) incident_id: String,
    #[sqlx(flatten)]
    pub(crate) report: ReportRow,
}

/// The columns a stored report is read from ([`ReportRow`]).
pub(crate) const REPORT_COLUMNS: &str =
    "id, source_id, source_key, source_version, event_type, lon, lat, body";

/// A stored report's row: its columns and its body.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ReportRow {
    id: String,
    source_id: String,
    source_key: Option<String>,
    source_version: Option<i64>,
    event_type: String,
    lon: Option<f64>,
    lat: Option<f64>,
    body: String,
}

impl ReportRow {
    /// The report with its source, which must be among `sources`.
    pub(crate) fn with_source(self, sources: &HashMap<String, Source>) -> Result<(Report, Source)> {
        let s = sources.get(&self.source_id).cloned().ok_or_else(|| {
            StoreError::Corrupt(format!("report of unknown source {}", self.source_id))
        })?;
        Ok((self.into_report()?, s))
    }

    /// The report.
    pub(crate) fn into_report(self) -> Result<Report> {
        let b: BodyIn = decode("report", &self.body)?;
        let event_type =
            truce_model::report::EventType::parse(&self.event_type).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "stored report {} has an unknown type `{}`",
                    self.id, self.event_type
                ))
            })?;
        Ok(Report {
            id: self.id,
            source: self.source_id,
            source_key: self.source_key,
            source_version: self.source_version,
            received: b.received,
            occurred: b.occurred,
            location: truce_model::report::Location {
                point: self.lon.zip(self.lat),
                place_name: b.location.place_name,
                precision: b.location.precision,
            },
            event_type,
            perpetrator: b.perpetrator,
            target: b.target,
            perpetrator_as_named: b.perpetrator_as_named,
            target_as_named: b.target_as_named,
            casualties: b.casualties,
            credibility: b.credibility,
            text: b.text,
            evidence: b.evidence,
            outlets: b.outlets,
        })
    }
}

impl Store {
    /// For each source and source key, the current (not superseded) version, the number
    /// of its incident and whether its source retracted it. A report's id is
    /// `source:key@version`, so this also tells which reports are stored.
    pub async fn current_versions(&self) -> Result<Versions> {
        on_pool!(self, pool, DB, {
            let rows: Vec<(String, String, Option<i64>, String, i64)> = sqlx::query_as(
                "SELECT source_id, source_key, source_version, incident_id, retracted FROM reports
             WHERE source_key IS NOT NULL AND superseded_by IS NULL",
            )
            .fetch_all(pool)
            .await?;
            let mut v = Versions::default();
            for (s, k, version, incident, retracted) in rows {
                let n = u32::try_from(incident_number(&incident)).unwrap_or(0);
                v.insert(
                    &s,
                    &k,
                    Current {
                        version: version.unwrap_or(0),
                        incident: n,
                        retracted: retracted != 0,
                        line: 0,
                    },
                );
            }
            Ok(v)
        })
    }

    /// The incidents of an agreement rebuilt from their stored reports, to resume
    /// matching, and the number the next new incident gets. Incidents whose cached row is
    /// missing or out of date (an import stopped before writing it) are marked for writing.
    pub async fn resume_state(&self, agreement: &str) -> Result<(Vec<StoredIncident>, u64)> {
        on_pool!(self, pool, DB, {
            let sources = self.sources().await?;
            let cached: HashMap<String, (Option<String>, i64)> =
            sqlx::query_as::<_, (String, Option<String>, i64)>(
                "SELECT id, analyst_status, CASE WHEN stale = 1 THEN -1 ELSE report_count END FROM incidents WHERE agreement_id = $1",
            )
            .bind(agreement)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|(id, a, n)| (id, (a, n)))
            .collect();
            let rows: Vec<MemberRow> = sqlx::query_as(&format!(
                "SELECT incident_id, {REPORT_COLUMNS} FROM reports
             WHERE agreement_id = $1 AND superseded_by IS NULL AND retracted = 0 ORDER BY seq",
            ))
            .bind(agreement)
            .fetch_all(pool)
            .await?;
            let mut order: Vec<String> = Vec::new();
            let mut members: HashMap<String, Vec<(Report, Source)>> = HashMap::new();
            for MemberRow {
                incident_id,
                report,
            } in rows
            {
                let member = report.with_source(&sources)?;
                members
                    .entry(incident_id.clone())
                    .or_insert_with(|| {
                        order.push(incident_id);
                        Vec::new()
                    })
                    .push(member);
            }
            order.sort_by_key(|id| incident_number(id));
            let stored = order
                .into_iter()
                .map(|id| {
                    let members = members.remove(&id).unwrap_or_default();
                    let (analyst, count) = cached.get(&id).cloned().unwrap_or((None, -1));
                    StoredIncident {
                        needs_write: usize::try_from(count).ok() != Some(members.len()),
                        members,
                        analyst_status: analyst.as_deref().and_then(IncidentStatus::parse),
                        id,
                    }
                })
                .collect::<Vec<_>>();
            let max_cached: Option<i64> = sqlx::query_scalar("SELECT MAX(number) FROM incidents")
                .fetch_one(pool)
                .await?;
            let max_used = stored
                .iter()
                .map(|s| incident_number(&s.id))
                .max()
                .unwrap_or(0);
            let next = max_cached.unwrap_or(0).max(max_used) + 1;
            Ok((stored, u64::try_from(next).unwrap_or(1)))
        })
    }

    /// Writes one batch of an import in one transaction, with multi-row statements (one
    /// statement per few hundred rows rather than several per row).
    pub async fn write_batch(&self, batch: &Batch) -> Result<()> {
        self.write_encoded(&Encoded::new(batch.clone())?).await
    }

    /// Writes an encoded batch (see [`Store::write_batch`]).
    pub async fn write_encoded(&self, encoded: &Encoded) -> Result<()> {
        self.write_encoded_answering(encoded, &[]).await.map(|_| ())
    }

    /// Writes an encoded batch and, in the same transaction, the answers to the requests
    /// that brought it under their idempotency keys. Returns its audit entry's number.
    pub(crate) async fn write_encoded_answering(
        &self,
        encoded: &Encoded,
        answers: &[crate::accounts::Answer],
    ) -> Result<i64> {
        let Encoded {
            batch,
            bodies,
            raws,
            incident_bodies,
            digest,
        } = encoded;
        let mut phases = crate::ingest::Phases::new();
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            phases.mark("begin");
            let base: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM reports")
                .fetch_one(&mut *tx)
                .await?;
            let rows: Vec<(i64, &NewReport, &String, &String)> = batch
                .reports
                .iter()
                .zip(bodies.iter().zip(raws))
                .enumerate()
                .map(|(k, (n, (b, raw)))| (base + 1 + i64::try_from(k).unwrap_or(0), n, b, raw))
                .collect();
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut q = QueryBuilder::<DB>::new(
                "INSERT INTO reports (id, seq, agreement_id, source_id, source_key, source_version, start_s, end_s, event_type, lon, lat, body, raw_format, raw,
                                      incident_id, decision_new, decision_candidates, decision_distance_m, decision_gap_s, decision_reason) ",
            );
                q.push_values(chunk, |mut b, (seq, n, body, raw)| {
                    let r = &n.report;
                    let (lon, lat) = r
                        .location
                        .point
                        .map_or((None, None), |(x, y)| (Some(x), Some(y)));
                    // Borrowed, not copied: the batch outlives the statement.
                    b.push_bind(r.id.as_str())
                        .push_bind(*seq)
                        .push_bind(batch.agreement.as_str())
                        .push_bind(r.source.as_str())
                        .push_bind(r.source_key.as_deref())
                        .push_bind(r.source_version)
                        .push_bind(r.occurred.start.as_second())
                        .push_bind(r.occurred.end.as_second())
                        .push_bind(r.event_type.as_str())
                        .push_bind(lon)
                        .push_bind(lat)
                        .push_bind(body.as_str())
                        .push_bind(n.raw_format)
                        .push_bind(raw.as_str())
                        .push_bind(n.decision.incident.as_str())
                        .push_bind(i64::from(n.decision.new))
                        .push_bind(i64::try_from(n.decision.candidates).unwrap_or(i64::MAX))
                        .push_bind(n.decision.distance_m)
                        .push_bind(n.decision.gap_s)
                        .push_bind(n.decision.reason.as_str());
                });
                q.build().execute(&mut *tx).await?;
            }
            phases.mark("reports");
            // The words each report is found by, in the same transaction.
            insert_report_words!(
                self,
                tx,
                DB,
                rows.iter()
                    .filter(|r| !r.1.words.is_empty())
                    .map(|r| (r.0, r.1.words.as_str()))
                    .collect()
            );
            phases.mark("words");
            for (old, new) in &batch.superseded {
                sqlx::query("UPDATE reports SET superseded_by = $1 WHERE id = $2")
                    .bind(new)
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
            }
            // Incidents whose reports changed are marked stale in the same transaction, so an
            // import stopped before rewriting them is known to owe them.
            // Each once: a batch's reports join a few hundred incidents between them. Those
            // the batch itself rewrites below (a submission's) are left alone: they are
            // written whole in this transaction.
            let rewritten: std::collections::HashSet<&str> =
                batch.incidents.iter().map(|i| i.id.as_str()).collect();
            let joined: Vec<&String> = batch
                .reports
                .iter()
                .map(|n| &n.decision.incident)
                .filter(|id| !rewritten.contains(id.as_str()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            for chunk in joined.chunks(ROWS_PER_STATEMENT) {
                let mut q = QueryBuilder::<DB>::new("UPDATE incidents SET stale = 1 WHERE id IN (");
                let mut ids = q.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                q.push(")");
                q.build().execute(&mut *tx).await?;
            }
            let left: Vec<&String> = batch.superseded.iter().map(|(old, _)| old).collect();
            for chunk in left.chunks(ROWS_PER_STATEMENT) {
                let mut q = QueryBuilder::<DB>::new(
                    "UPDATE incidents SET stale = 1 WHERE id IN (SELECT incident_id FROM reports WHERE id IN (",
                );
                let mut ids = q.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                q.push("))");
                q.build().execute(&mut *tx).await?;
            }
            phases.mark("stale");
            let incidents: Vec<(&Incident, &String)> =
                batch.incidents.iter().zip(incident_bodies).collect();
            for chunk in incidents.chunks(ROWS_PER_STATEMENT) {
                let mut q = QueryBuilder::<DB>::new(
                    "INSERT INTO incidents (id, number, agreement_id, start_s, end_s, lon, lat, cell, radius_m, event_type, status, perpetrator, claimed, disputed, report_count, place_label, place_name, body) ",
                );
                q.push_values(chunk, |mut b, (i, body)| {
                    let number = incident_number(&i.id);
                    let (lon, lat) = i.point.map_or((None, None), |(x, y)| (Some(x), Some(y)));
                    b.push_bind(&i.id)
                        .push_bind(number)
                        .push_bind(&batch.agreement)
                        .push_bind(i.window.start.as_second())
                        .push_bind(i.window.end.as_second())
                        .push_bind(lon)
                        .push_bind(lat)
                        .push_bind(i.point.map(|(x, y)| grid_cell(x, y)))
                        .push_bind(radius_of(i))
                        .push_bind(i.event_type.as_str())
                        .push_bind(i.status.as_str())
                        .push_bind(&i.attribution.assessed)
                        .push_bind(claimed(i))
                        .push_bind(i64::from(i.attribution.disputed))
                        .push_bind(i64::try_from(i.reports.len()).unwrap_or(i64::MAX))
                        .push_bind(&i.place_label)
                        .push_bind(&i.place_name)
                        .push_bind(body.as_str());
                });
                q.push(
                " ON CONFLICT (id) DO UPDATE SET start_s = excluded.start_s, end_s = excluded.end_s, lon = excluded.lon, lat = excluded.lat, cell = excluded.cell, radius_m = excluded.radius_m,
                  event_type = excluded.event_type, status = excluded.status, perpetrator = excluded.perpetrator, claimed = excluded.claimed,
                  disputed = excluded.disputed, report_count = excluded.report_count, place_label = excluded.place_label, place_name = excluded.place_name, stale = 0, body = excluded.body",
            );
                q.build().execute(&mut *tx).await?;
                let longest = chunk
                    .iter()
                    .map(|(i, _)| i.window.end.as_second() - i.window.start.as_second())
                    .max()
                    .unwrap_or(0);
                raise_window_max::<DB>(&mut tx, &batch.agreement, longest).await?;
                // Only the zone rows that change: a report joining an incident mostly
                // leaves its zones as they were, and a row deleted and written again
                // dirties its pages all the same (two indexes' worth, written to the log).
                let pairs: Vec<(&String, &String)> = chunk
                    .iter()
                    .flat_map(|(i, _)| i.zones.iter().map(move |z| (&i.id, z)))
                    .collect();
                let mut q =
                    QueryBuilder::<DB>::new("DELETE FROM incident_zones WHERE incident_id IN (");
                let mut ids = q.separated(", ");
                for (i, _) in chunk {
                    ids.push_bind(&i.id);
                }
                q.push(")");
                if !pairs.is_empty() {
                    q.push(" AND (incident_id, zone_id) NOT IN (VALUES ");
                    let mut kept = q.separated(", ");
                    for (i, z) in &pairs {
                        kept.push("(")
                            .push_bind_unseparated(*i)
                            .push_unseparated(", ")
                            .push_bind_unseparated(*z)
                            .push_unseparated(")");
                    }
                    q.push(")");
                }
                q.build().execute(&mut *tx).await?;
                for pairs in pairs.chunks(ROWS_PER_STATEMENT * 4) {
                    let mut q = QueryBuilder::<DB>::new(
                        "INSERT INTO incident_zones (incident_id, zone_id) ",
                    );
                    q.push_values(pairs, |mut b, (i, z)| {
                        b.push_bind(*i).push_bind(*z);
                    });
                    q.push(" ON CONFLICT (incident_id, zone_id) DO NOTHING");
                    q.build().execute(&mut *tx).await?;
                }
            }
            phases.mark("incidents");
            // One entry per batch: the reports it stored are named by a digest of their
            // ids and received records, and by the sequence numbers they took.
            let n = i64::try_from(batch.reports.len()).unwrap_or(i64::MAX);
            let mut detail = serde_json::json!({
                "reports": n,
                "seq_from": base + 1,
                "seq_to": base + n,
                "superseded": batch.superseded.len(),
                "incidents": batch.incidents.len(),
                "digest": digest,
            });
            // A small batch names the incidents it wrote, so that another node's copy of
            // the incident entries catches up by reading those alone (crate::warm).
            if batch.incidents.len() <= crate::warm::NAMED_INCIDENTS {
                detail["incident_numbers"] = batch
                    .incidents
                    .iter()
                    .map(|i| incident_number(&i.id))
                    .collect();
            }
            let seq = tx
                .append(
                    self.audit_key(),
                    &self.actor,
                    Note::new("import.batch", format!("reports:{}", batch.agreement))
                        .detail(detail),
                )
                .await?;
            phases.mark("audit");
            crate::accounts::insert_answers::<DB>(&mut tx, answers).await?;
            phases.mark("answers");
            tx.commit().await?;
            phases.mark("commit");
            phases.log("a group written");
            let writes = self.incidents_changed();
            let numbers = batch
                .incidents
                .iter()
                .map(|i| incident_number(&i.id))
                .collect();
            self.patch_incident_pages(&batch.agreement, seq, seq, numbers, writes);
            Ok(seq)
        })
    }

    /// Marks reports retracted by their source and their incidents stale, in one
    /// transaction; the reports are kept.
    pub async fn retract(&self, reports: &[String]) -> Result<()> {
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            for chunk in reports.chunks(ROWS_PER_STATEMENT) {
                let mut q = QueryBuilder::<DB>::new(
                    "UPDATE incidents SET stale = 1 WHERE id IN (SELECT incident_id FROM reports WHERE id IN (",
                );
                let mut ids = q.separated(", ");
                for id in chunk {
                    ids.push_bind(id);
                }
                q.push("))");
                q.build().execute(&mut *tx).await?;
                let mut q =
                    QueryBuilder::<DB>::new("UPDATE reports SET retracted = 1 WHERE id IN (");
                let mut ids = q.separated(", ");
                for id in chunk {
                    ids.push_bind(id);
                }
                q.push(")");
                q.build().execute(&mut *tx).await?;
            }
            tx.append(
                self.audit_key(),
                &self.actor,
                Note::new("import.retract", "reports")
                    .detail(serde_json::json!({"reports": reports})),
            )
            .await?;
            tx.commit().await?;
            self.incidents_changed();
            Ok(())
        })
    }

    /// The current reports of the given incidents with their original records (format,
    /// JSON), in arrival order. An incident's reports are the ids its body lists.
    pub async fn reports_of(&self, incidents: &[String]) -> Result<Vec<(Report, String, String)>> {
        let mut ids = Vec::new();
        on_pool!(self, pool, DB, {
            for chunk in incidents.chunks(ROWS_PER_STATEMENT) {
                let mut q = QueryBuilder::<DB>::new("SELECT body FROM incidents WHERE id IN (");
                let mut list = q.separated(", ");
                for i in chunk {
                    list.push_bind(i);
                }
                q.push(")");
                for body in q.build_query_scalar::<String>().fetch_all(pool).await? {
                    ids.extend(decode::<Incident>("incident", &body)?.reports);
                }
            }
            Ok::<_, StoreError>(())
        })?;
        self.current_reports(&ids)
            .await?
            .into_iter()
            .map(|r| Ok((r.report.into_report()?, r.raw_format, r.raw)))
            .collect()
    }

    /// The named reports that are current (neither superseded nor retracted), in arrival
    /// order; unknown ids are left out.
    pub(crate) async fn current_reports(&self, ids: &[String]) -> Result<Vec<StoredReport>> {
        on_pool!(self, pool, DB, {
            let mut rows: Vec<StoredReport> = Vec::new();
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let mut q = QueryBuilder::<DB>::new(format!(
                    "SELECT seq, raw_format, raw, {REPORT_COLUMNS} FROM reports WHERE superseded_by IS NULL AND retracted = 0 AND id IN ("
                ));
                let mut list = q.separated(", ");
                for i in chunk {
                    list.push_bind(i);
                }
                q.push(")");
                rows.extend(q.build_query_as::<StoredReport>().fetch_all(pool).await?);
            }
            rows.sort_by_key(|r| r.seq);
            Ok(rows)
        })
    }
}

/// A stored report as read back: arrival number, the report's row and the record as
/// received.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct StoredReport {
    pub(crate) seq: i64,
    pub(crate) raw_format: String,
    pub(crate) raw: String,
    #[sqlx(flatten)]
    pub(crate) report: ReportRow,
}

#[cfg(test)]
mod tests {
    use super::{Current, Versions};

    #[test]
    fn versions_give_back_what_was_recorded() {
        let mut v = Versions::default();
        let retracted = Current {
            version: -5,
            incident: u32::MAX,
            retracted: true,
            line: 7,
        };
        v.insert("acled", "ARM1", retracted);
        assert_eq!(v.get("acled", "ARM1"), Some(retracted));
        let current = Current {
            version: 1_600_000_000,
            incident: 3,
            retracted: false,
            line: 0,
        };
        v.insert("acled", "ARM1", current);
        assert_eq!(v.get("acled", "ARM1"), Some(current), "replaced");
        let far = Current {
            line: u64::MAX,
            ..current
        };
        v.insert("ucdp", "ARM1", far);
        let got = v.get("ucdp", "ARM1").expect("stored");
        assert_eq!((got.line, got.retracted), (2_147_483_647, false));
        assert_eq!(v.get("acled", "ARM2"), None);
    }
}
