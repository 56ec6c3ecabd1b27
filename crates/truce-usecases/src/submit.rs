//! One report submitted by a person (the dashboard's form, an observation post's client):
//! read once from its JSON, checked against the access policy's per-source rule, stored
//! and matched under the agreement's import lock like an imported one, and answered with
//! the matcher's own decision.
//!
//! Two steps: [`prepare`] reads and authorises, [`Prepared::store`] (or
//! [`Prepared::store_answering`], for a request with an idempotency key) writes. Under the
//! lock, a key already answered gets that answer back; otherwise the report and the
//! answer are written in one transaction, so a request that fails or dies leaves no claim
//! and a retry is carried out afresh, on any node.

use serde_json::Value;
use std::collections::HashMap;
use truce_formats::acled::Warning;
use truce_formats::jsonl;
use truce_model::AgreementBundle;
use truce_model::access::{SubmitRefusal, UserRole, may_submit_for};
use truce_model::report::{Report, Source};
use truce_store::accounts::Claim;
use truce_store::ingest::{Incoming, place_one};
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
    /// A request with the same idempotency key has not answered yet; retry after this
    /// many seconds.
    #[error("a request with this Idempotency-Key is still being carried out")]
    KeyInProgress(i64),
    /// The idempotency key was used for a different request.
    #[error("this Idempotency-Key was used for a different request")]
    KeyMismatch,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A request's idempotency key: who sent it, the key, and what identifies the request.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The user.
    pub user: String,
    /// The key.
    pub key: String,
    /// A digest of the request's target and body.
    pub request_hash: String,
}

/// The answer to a submission: an HTTP-like status and the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// 201 when stored, 200 when the same version was stored before.
    pub status: u16,
    /// The [`Submitted`] as JSON, or the first answer when replayed.
    pub body: String,
    /// True when this is the answer given the first time the key was used.
    pub replayed: bool,
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
        let lock = store.import_lock(&bundle.agreement.id).await?;
        let done = self.store_locked(store, bundle, None).await;
        lock.release().await?;
        Ok(done?.0)
    }

    /// Stores and matches the report as [`Prepared::store`] does, keeping the answer under
    /// `key`: a key answered before gets that answer back and nothing is stored again.
    pub async fn store_answering(
        self,
        store: &Store,
        bundle: &AgreementBundle,
        key: &Idempotency,
        now_s: i64,
    ) -> Result<Answer, SubmitError> {
        let lock = store.import_lock(&bundle.agreement.id).await?;
        let done = match store
            .idempotency(&key.user, &key.key, &key.request_hash, now_s)
            .await
        {
            Err(e) => Err(e.into()),
            Ok(Claim::Replay(status, body)) => Ok(Answer {
                status,
                body,
                replayed: true,
            }),
            Ok(Claim::InProgress(s)) => Err(SubmitError::KeyInProgress(s.max(1))),
            Ok(Claim::Mismatch) => Err(SubmitError::KeyMismatch),
            Ok(Claim::New) => self
                .store_locked(store, bundle, Some((key, now_s)))
                .await
                .map(|(_, answer)| answer),
        };
        lock.release().await?;
        if done.is_ok() {
            // At most once an hour per process; a failure only delays it.
            if let Err(e) = sweep(store, now_s).await {
                tracing::warn!(error = %e, "idempotency keys were not swept");
            }
        }
        done
    }

    /// Matches and writes, the caller holding the lock: the report, its incidents and,
    /// with a key, the answer, in one transaction.
    async fn store_locked(
        self,
        store: &Store,
        bundle: &AgreementBundle,
        key: Option<(&Idempotency, i64)>,
    ) -> Result<(Submitted, Answer), SubmitError> {
        let id = self.report.id.clone();
        let incoming = Incoming {
            report: self.report,
            raw_format: "jsonl",
            raw: Raw::Json(self.line),
            warnings: Vec::new(),
            line: 0,
        };
        let placed = place_one(store, bundle, incoming, &self.sources).await?;
        if let Some(r) = placed.outcome.rejects.first() {
            return Err(SubmitError::Rejected(r.column.clone(), r.reason.clone()));
        }
        let stored = placed.outcome.summary.accepted > 0;
        let (incident, new_incident, reason) = match &placed.decision {
            Some(d) => (d.incident.clone(), d.new, d.reason.clone()),
            // The same version again: the decision made when it was first stored.
            None => store.report_placement(&id).await?.ok_or_else(|| {
                SubmitError::Rejected(String::new(), format!("report {id} was not stored"))
            })?,
        };
        let submitted = Submitted {
            report: id,
            incident,
            new_incident,
            reason,
            stored,
            warnings: placed.outcome.warnings.clone(),
        };
        let answer = Answer {
            status: if stored { 201 } else { 200 },
            body: serde_json::to_string(&submitted).map_err(StoreError::from)?,
            replayed: false,
        };
        let kept = key.map(|(k, at_s)| truce_store::accounts::Answer {
            user: k.user.clone(),
            key: k.key.clone(),
            request_hash: k.request_hash.clone(),
            status: answer.status,
            body: answer.body.clone(),
            at_s,
        });
        placed.write(store, kept.as_ref()).await?;
        Ok((submitted, answer))
    }
}

/// Sweeps idempotency keys past retention, at most once an hour in a process.
async fn sweep(store: &Store, now_s: i64) -> Result<(), StoreError> {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let last = LAST.load(Ordering::Relaxed);
    if now_s - last < 3600
        || LAST
            .compare_exchange(last, now_s, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return Ok(());
    }
    store.sweep_idempotency(now_s).await.map(|_| ())
}
