//! Importing a file of reports end to end: read, validate, place, classify, match, store.
//!
//! Known reports (same id) are skipped, so re-importing a file changes nothing. A newer
//! version of a source's record supersedes the older one, which leaves its incident.
//! Reports, each with the decision that placed it, are written in batches of
//! [`BATCH_ROWS`], one transaction each. Incidents are a pure function of their reports,
//! so they are written once, at the end: a rerun after a crash rebuilds them from the
//! committed reports, resumes matching and reaches the same state as an uninterrupted run.

use crate::{Batch, NewReport, Result, Store};
use std::io::Read;
use truce_core::AgreementBundle;
use truce_core::acled::{self, Reject, Warning};
use truce_core::incidents::{MatchConfig, Matcher};
use truce_core::report::Source;

/// Rows per transaction unless the caller chooses.
pub const BATCH_ROWS: usize = 5_000;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Data rows read.
    pub read: u64,
    /// New reports stored.
    pub accepted: u64,
    /// Of those, how many joined an incident that already existed.
    pub merged: u64,
    /// Incidents started.
    pub new_incidents: u64,
    /// Older versions replaced by a newer one in this file.
    pub superseded: u64,
    /// Rows already stored (same id): nothing to do.
    pub unchanged: u64,
    /// Rows older than the version already stored: ignored.
    pub stale: u64,
    /// Rows refused.
    pub rejected: u64,
}

/// Everything an import reports back.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    /// Counts.
    pub summary: ImportSummary,
    /// Refused rows with line, column and reason.
    pub rejects: Vec<Reject>,
    /// Accepted rows worth a look.
    pub warnings: Vec<Warning>,
}

/// Imports an ACLED CSV into `store` for the agreement of `bundle`, `batch_rows` rows per
/// transaction. `progress` is called after every committed batch with the rows read so far.
pub async fn import_acled<R: Read>(
    store: &Store,
    bundle: &AgreementBundle,
    input: R,
    options: &acled::Options,
    batch_rows: usize,
    mut progress: impl FnMut(u64),
) -> Result<Result<ImportOutcome, acled::FileError>> {
    let agreement = bundle.agreement.id.clone();
    let source: Source = options.source.clone();
    store.put_source(&source).await?;
    let mut known = store.report_ids(&source.id).await?;
    let mut current = store.current_versions(&source.id).await?;
    let (stored, next) = store.resume_state(&agreement).await?;
    let mut matcher = Matcher::resume(
        MatchConfig::default(),
        &bundle.zones,
        &bundle.gazetteer,
        stored,
        next,
    );
    let reader = match acled::Reader::new(input, &bundle.agreement, &bundle.zones, options) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let mut out = ImportOutcome::default();
    let mut batch = Batch {
        agreement: agreement.clone(),
        ..Batch::default()
    };
    for row in reader {
        out.summary.read += 1;
        let row = match row {
            Ok(r) => r,
            Err(rej) => {
                out.summary.rejected += 1;
                out.rejects.push(rej);
                continue;
            }
        };
        if known.contains(&row.report.id) {
            out.summary.unchanged += 1;
            continue;
        }
        let version = row.report.source_version.unwrap_or(0);
        if let Some(key) = &row.report.source_key
            && let Some((old_id, old_version)) = current.get(key).cloned()
        {
            if version < old_version {
                out.summary.stale += 1;
                continue;
            }
            matcher.withdraw(&old_id);
            batch.superseded.push((old_id, row.report.id.clone()));
            out.summary.superseded += 1;
        }
        if let Some(key) = &row.report.source_key {
            current.insert(key.clone(), (row.report.id.clone(), version));
        }
        known.insert(row.report.id.clone());
        out.warnings.extend(row.warnings);
        let raw = serde_json::to_string(&row.record.0)?;
        let decision = matcher.add(row.report.clone(), source.clone());
        out.summary.accepted += 1;
        if decision.new {
            out.summary.new_incidents += 1;
        } else {
            out.summary.merged += 1;
        }
        batch.reports.push(NewReport {
            report: row.report,
            raw_format: "acled".into(),
            raw,
            decision,
        });
        if batch.reports.len() >= batch_rows.max(1) {
            store.write_batch(&batch).await?;
            batch = Batch {
                agreement: agreement.clone(),
                ..Batch::default()
            };
            progress(out.summary.read);
        }
    }
    batch.incidents = matcher.take_changed();
    if !batch.reports.is_empty() || !batch.incidents.is_empty() || !batch.superseded.is_empty() {
        store.write_batch(&batch).await?;
    }
    progress(out.summary.read);
    Ok(Ok(out))
}
