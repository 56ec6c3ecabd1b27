//! One report submitted by a person (the dashboard's form, an observation post's client):
//! read once from its JSON, checked against the access policy's per-source rule, stored
//! and matched under the agreement's import lock like an imported one, and answered with
//! the matcher's own decision.
//!
//! Two steps, so that an edge can do its own bookkeeping between them (the HTTP server
//! claims the request's `Idempotency-Key` only for a report that may be stored):
//! [`prepare`] reads and authorises, [`Prepared::store`] writes.

use serde_json::Value;
use std::collections::HashMap;
use truce_formats::acled::Warning;
use truce_formats::jsonl;
use truce_model::AgreementBundle;
use truce_model::access::{SubmitRefusal, UserRole, may_submit_for};
use truce_model::report::{Report, Source};
use truce_store::ingest::{Incoming, import_one};
use truce_store::{Raw, Store, StoreError};

/// Why a report was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The report is malformed: every problem, as (JSON pointer, reason).
    #[error("the report has {} problem(s)", .0.len())]
    Invalid(Vec<(String, String)>),
    /// The user may not submit for this source.
    #[error(transparent)]
    Refused(#[from] SubmitRefusal),
    /// The store refused the report (pointer or column, reason).
    #[error("{1}")]
    Rejected(String, String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A report read and authorised, ready to store.
#[derive(Debug)]
pub struct Prepared {
    report: Report,
    line: String,
    sources: HashMap<String, Source>,
}

/// What storing did: the matcher's decision, or the earlier one when the same version of
/// the report was stored before. Members in alphabetical order, as the answer has always
/// been written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Submitted {
    /// The incident it joined or started.
    pub incident: String,
    /// True when it started a new incident.
    pub new_incident: bool,
    /// Why, in one line.
    pub reason: String,
    /// The report's id.
    pub report: String,
    /// False when the same version was already stored (nothing was written).
    pub stored: bool,
    /// Notes about the report that did not stop it.
    pub warnings: Vec<Warning>,
}

/// Reads `value` (one report in the native JSON format) for the agreement of `bundle`
/// and checks that a user of `role` (and `party`) may submit it.
pub async fn prepare(
    store: &Store,
    bundle: &AgreementBundle,
    role: UserRole,
    party: Option<&str>,
    value: &Value,
    now: jiff::Timestamp,
) -> Result<Prepared, SubmitError> {
    let sources = store.sources().await?;
    let ctx = jsonl::Context {
        agreement: &bundle.agreement,
        sources: &sources,
        now,
    };
    // The line as it will be stored: a report without a key is keyed by this text.
    let line = value.to_string();
    let report = jsonl::read_value(1, value, &line, &ctx).map_err(|problems| {
        SubmitError::Invalid(
            problems
                .into_iter()
                .map(|p| (p.pointer, p.reason))
                .collect(),
        )
    })?;
    if let Some(source) = sources.get(&report.source) {
        may_submit_for(role, party, source)?;
    }
    Ok(Prepared {
        report,
        line,
        sources,
    })
}

impl Prepared {
    /// The report's id.
    pub fn id(&self) -> &str {
        &self.report.id
    }

    /// Stores and matches the report under the agreement's import lock.
    pub async fn store(
        self,
        store: &Store,
        bundle: &AgreementBundle,
    ) -> Result<Submitted, SubmitError> {
        let id = self.report.id.clone();
        let incoming = Incoming {
            report: self.report,
            raw_format: "jsonl",
            raw: Raw::Json(self.line),
            warnings: Vec::new(),
            line: 0,
        };
        let lock = store.import_lock(&bundle.agreement.id).await?;
        let outcome = import_one(store, bundle, incoming, &self.sources).await;
        lock.release().await?;
        let (outcome, decision) = outcome?;
        if let Some(r) = outcome.rejects.first() {
            return Err(SubmitError::Rejected(r.column.clone(), r.reason.clone()));
        }
        let (incident, new_incident, reason) = match decision {
            Some(d) => (d.incident, d.new, d.reason),
            // The same version again: the decision made when it was first stored.
            None => store.report_placement(&id).await?.ok_or_else(|| {
                SubmitError::Rejected(String::new(), format!("report {id} was not stored"))
            })?,
        };
        Ok(Submitted {
            report: id,
            incident,
            new_incident,
            reason,
            stored: outcome.summary.accepted > 0,
            warnings: outcome.warnings,
        })
    }
}
