//! Evidence records beyond incidents: idempotent versioned writes (the same record
//! twice changes nothing; a changed record becomes a new version, the old one kept), and
//! reads that go back through the core's reader, so a stored record is always valid.

use crate::audit::{Chain, Note};
use crate::{Result, Store, StoreError, sha256};
use jiff::Timestamp;
use std::collections::BTreeSet;
use truce_formats::jsonl::LineProblem;
use truce_model::AgreementBundle;
use truce_model::records::{Evidence, Record, RecordKind};

/// What writing a set of records did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordCounts {
    /// New records.
    pub added: u64,
    /// Records that changed: a new version was stored.
    pub updated: u64,
    /// Records already stored as they are.
    pub unchanged: u64,
}

/// A stored record with its version.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredRecord {
    /// The record.
    pub record: Record,
    /// 1 for the first version.
    pub version: i64,
    /// Where it came from (file:line).
    pub origin: String,
    /// When it was stored, RFC 3339.
    pub imported_at: String,
}

/// Result of reading an evidence file.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RecordImport {
    /// What was written.
    pub counts: RecordCounts,
    /// Lines refused, with line and JSON pointer.
    pub rejects: Vec<LineProblem>,
    /// Lines stored that likely repeat a record under another id (stored, or earlier in
    /// the same file), naming it: check them before they are counted twice.
    pub warnings: Vec<LineProblem>,
}

impl Store {
    /// Writes records in one transaction. `origin` names where each came from.
    pub async fn put_records(
        &self,
        agreement: &str,
        items: &[(Record, String)],
        now: Timestamp,
    ) -> Result<RecordCounts> {
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let mut counts = RecordCounts::default();
            let at = now.to_string();
            for (r, origin) in items {
                let body = truce_formats::records::write_line(r);
                let hash = sha256(&body);
                let kind = r.kind().as_str();
                let before = tx
                    .state(&format!("record:{agreement}/{kind}/{}", r.id()))
                    .await?;
                let current: Option<(i64, String, i64)> = sqlx::query_as(
                "SELECT seq, content_hash, version FROM records WHERE agreement_id = $1 AND kind = $2 AND id = $3 AND superseded = 0",
            )
            .bind(agreement)
            .bind(kind)
            .bind(r.id())
            .fetch_optional(&mut *tx)
            .await?;
                let version = match current {
                    Some((_, h, _)) if h == hash => {
                        counts.unchanged += 1;
                        continue;
                    }
                    Some((seq, _, v)) => {
                        sqlx::query("UPDATE records SET superseded = 1 WHERE seq = $1")
                            .bind(seq)
                            .execute(&mut *tx)
                            .await?;
                        counts.updated += 1;
                        v + 1
                    }
                    None => {
                        counts.added += 1;
                        // A record retracted earlier comes back as its next version.
                        let last: Option<i64> = sqlx::query_scalar(
                            "SELECT MAX(version) FROM records WHERE agreement_id = $1 AND kind = $2 AND id = $3",
                        )
                        .bind(agreement)
                        .bind(kind)
                        .bind(r.id())
                        .fetch_one(&mut *tx)
                        .await?;
                        last.unwrap_or(0) + 1
                    }
                };
                sqlx::query(
                "INSERT INTO records (agreement_id, kind, id, version, date, body, content_hash, origin, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(agreement)
            .bind(kind)
            .bind(r.id())
            .bind(version)
            .bind(r.date().map(|d| d.to_string()))
            .bind(&body)
            .bind(&hash)
            .bind(origin)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
                tx.append(
                    self.audit_key(),
                    &self.actor,
                    Note::new(
                        if version == 1 {
                            "record.add"
                        } else {
                            "record.update"
                        },
                        format!("record:{agreement}/{kind}/{}", r.id()),
                    )
                    .before(before)
                    .detail(serde_json::json!({"version": version, "origin": origin})),
                )
                .await?;
            }
            tx.commit().await?;
            Ok(counts)
        })
    }

    /// Retracts a record (`kind:id`): it stops being current, so no rule reads it, and
    /// its versions stay, with the reason in the audit log. Importing it again brings it
    /// back as its next version. False when no such record is current.
    pub async fn retract_record(
        &self,
        agreement: &str,
        kind: RecordKind,
        id: &str,
        reason: &str,
    ) -> Result<bool> {
        let target = format!("record:{agreement}/{kind}/{id}");
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let before = tx.state(&target).await?;
            let done = sqlx::query(
                "UPDATE records SET superseded = 1 WHERE agreement_id = $1 AND kind = $2 AND id = $3 AND superseded = 0",
            )
            .bind(agreement)
            .bind(kind.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Ok(false);
            }
            tx.append(
                self.audit_key(),
                &self.actor,
                Note::new("record.retract", target)
                    .before(before)
                    .detail(serde_json::json!({"reason": reason})),
            )
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Current records of an agreement, optionally of one kind, by date then kind and id.
    pub async fn records(
        &self,
        bundle: &AgreementBundle,
        kind: Option<RecordKind>,
    ) -> Result<Vec<StoredRecord>> {
        on_pool!(self, pool, DB, {
            let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
            "SELECT body, version, origin, imported_at FROM records WHERE agreement_id = $1 AND superseded = 0 AND ($2 IS NULL OR kind = $2) ORDER BY date, kind, id",
        )
        .bind(&bundle.agreement.id)
        .bind(kind.map(RecordKind::as_str))
        .fetch_all(pool)
        .await?;
            rows.into_iter()
                .map(|(body, version, origin, imported_at)| {
                    let value: serde_json::Value = serde_json::from_str(&body)?;
                    let record =
                        truce_formats::records::read_stored(value, bundle).map_err(|p| {
                            StoreError::Corrupt(format!(
                                "stored record from {origin} no longer reads: {}",
                                p.iter()
                                    .map(|x| format!("{} {}", x.pointer, x.reason))
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            ))
                        })?;
                    Ok(StoredRecord {
                        record,
                        version,
                        origin,
                        imported_at,
                    })
                })
                .collect()
        })
    }

    /// Every current record of an agreement as stored (for citing them), and the same
    /// sorted for evaluation with observation posts placed in their zones.
    pub async fn evidence(
        &self,
        bundle: &AgreementBundle,
    ) -> Result<(Vec<StoredRecord>, Evidence)> {
        let records = self.records(bundle, None).await?;
        let mut e = Evidence::from_records(records.iter().map(|s| s.record.clone()));
        e.classify(&bundle.zones);
        Ok((records, e))
    }

    /// Reads an evidence file — JSON Lines, or CSV when `name` ends in `.csv` (the type
    /// from a `type` column or `default_kind`) — and stores its good records; bad lines
    /// come back with their line and JSON pointer (CSV: column). Crossings and closures
    /// must name a checkpoint already stored or defined in the same file.
    pub async fn import_records(
        &self,
        bundle: &AgreementBundle,
        name: &str,
        text: &str,
        default_kind: Option<RecordKind>,
        now: Timestamp,
    ) -> Result<RecordImport> {
        let stored = self.records(bundle, None).await?;
        let mut known: BTreeSet<String> = stored
            .iter()
            .filter(|s| s.record.kind() == RecordKind::Checkpoint)
            .map(|s| s.record.id().to_owned())
            .collect();
        let mut groups: BTreeSet<String> = stored
            .iter()
            .filter(|s| s.record.kind() == RecordKind::Group)
            .map(|s| s.record.id().to_owned())
            .collect();
        let (parsed, mut rejects) = if name.to_ascii_lowercase().ends_with(".csv") {
            truce_formats::records::read_csv(text, default_kind, bundle)
                .unwrap_or_else(|e| (Vec::new(), vec![e.into()]))
        } else {
            let mut parsed = Vec::new();
            let mut rejects = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let no = i as u64 + 1;
                if line.trim().is_empty() {
                    continue;
                }
                match truce_formats::records::read_line(no, line, bundle) {
                    Ok(r) => parsed.push((no, r)),
                    Err(p) => rejects.extend(p),
                }
            }
            (parsed, rejects)
        };
        for (_, r) in &parsed {
            match r {
                Record::Checkpoint(c) => {
                    known.insert(c.id.clone());
                }
                Record::Group(g) => {
                    groups.insert(g.id.clone());
                }
                _ => {}
            }
        }
        let mut warnings = Vec::new();
        let mut items = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        // A record dated after the day it is imported is a typing error, not evidence.
        let today = truce_model::period::local_date(now, bundle.agreement.tz());
        for (no, r) in parsed {
            if let Some(d) = r.first_day().filter(|d| *d > today) {
                rejects.push(LineProblem {
                    line: no,
                    pointer: record_date_pointer(&r).into(),
                    reason: format!(
                        "is {d}, after the day of this import ({today}); a record tells what happened"
                    ),
                });
                continue;
            }
            let checkpoint = match &r {
                Record::Crossing(c) => Some(c.checkpoint.as_str()),
                Record::Closure(c) => c.checkpoint.as_deref(),
                _ => None,
            };
            if let Some(cp) = checkpoint.filter(|cp| !known.contains(*cp)) {
                rejects.push(LineProblem {
                    line: no,
                    pointer: "/checkpoint".into(),
                    reason: format!(
                        "unknown checkpoint `{cp}`; {}",
                        truce_model::diag::suggest(cp, known.iter().map(String::as_str))
                    ),
                });
                continue;
            }
            let named_groups: Vec<(String, &str)> = match &r {
                Record::Exchange(x) => x
                    .groups
                    .keys()
                    .map(|g| (format!("/groups/{g}"), g.as_str()))
                    .collect(),
                Record::DetentionClaim(c) => c
                    .group
                    .iter()
                    .map(|g| ("/group".to_owned(), g.as_str()))
                    .collect(),
                _ => Vec::new(),
            };
            if let Some((pointer, g)) = named_groups.iter().find(|(_, g)| !groups.contains(*g)) {
                rejects.push(LineProblem {
                    line: no,
                    pointer: pointer.clone(),
                    reason: format!(
                        "unknown group `{g}`; {}",
                        truce_model::diag::suggest(g, groups.iter().map(String::as_str))
                    ),
                });
                continue;
            }
            if !seen.insert(r.key()) {
                rejects.push(LineProblem {
                    line: no,
                    pointer: "/id".into(),
                    reason: format!("`{}` appears earlier in the same file", r.key()),
                });
                continue;
            }
            // A likely repeat of a stored record (other than this record's own earlier
            // version) or of an earlier line.
            let repeat = stored
                .iter()
                .map(|s| &s.record)
                .chain(items.iter().map(|(x, _): &(Record, String)| x))
                .find_map(|old| truce_model::records::repeats(&r, old).map(|why| (old.key(), why)));
            if let Some((key, why)) = repeat {
                warnings.push(LineProblem {
                    line: no,
                    pointer: "/id".into(),
                    reason: format!(
                        "likely repeats `{key}` ({why}); stored, check before it is counted twice"
                    ),
                });
            }
            items.push((r, format!("{name}:{no}")));
        }
        rejects.sort_by_key(|p| p.line);
        let counts = self.put_records(&bundle.agreement.id, &items, now).await?;
        Ok(RecordImport {
            counts,
            rejects,
            warnings,
        })
    }
}

impl Store {
    /// The agreement's violation incidents, compacted for the ceasefire rule.
    pub async fn violations(
        &self,
        bundle: &AgreementBundle,
    ) -> Result<truce_engine::compliance::ViolationIndex> {
        let incidents = self
            .incidents(
                &bundle.agreement.id,
                &crate::IncidentFilter {
                    limit: i64::MAX,
                    ..crate::IncidentFilter::default()
                },
            )
            .await?;
        Ok(truce_engine::compliance::ViolationIndex::from_incidents(
            &incidents,
            bundle.agreement.tz(),
        ))
    }
}

/// The member holding a record's date, for problems about it.
fn record_date_pointer(r: &Record) -> &'static str {
    match r {
        Record::ObservationPost(_) | Record::Checkpoint(_) => "/opened",
        Record::Closure(_) => "/from",
        _ => "/date",
    }
}
