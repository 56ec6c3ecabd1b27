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
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use truce_formats::acled::Warning;
use truce_formats::jsonl;
use truce_model::AgreementBundle;
use truce_model::access::{SubmitRefusal, UserRole, may_submit_for};
use truce_model::report::{Report, Source};
use truce_store::accounts::Claim;
use truce_store::ingest::{Incoming, place_group};
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
    let sources = store
        .sources_with(value.get("source").and_then(Value::as_str))
        .await?;
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
        let done = self.store_alone(store, bundle, None, 0).await?;
        done.submitted.ok_or_else(|| {
            SubmitError::Store(StoreError::Refused(
                "a submission without a key was answered from a key".into(),
            ))
        })
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
        self.store_alone(store, bundle, Some(key.clone()), now_s)
            .await
            .map(|done| done.answer)
    }

    /// Takes the lock and carries out this submission alone.
    async fn store_alone(
        self,
        store: &Store,
        bundle: &AgreementBundle,
        key: Option<Idempotency>,
        now_s: i64,
    ) -> Result<Done, SubmitError> {
        let (job, answer) = Job::new(store, self, key, now_s);
        let lock = store.import_lock(&bundle.agreement.id).await?;
        carry_out(lock.store(), bundle, vec![job]).await;
        lock.release().await?;
        answered(answer).await
    }
}

/// Submissions waiting for their agreement's import lock. Whoever takes the lock places
/// and writes every submission waiting for it in one matching pass and one transaction
/// (per person submitting, whom the audit entry names), so that a crowd of submissions
/// costs one write each time rather than one each. The decisions are those of the same
/// reports submitted one at a time in arrival order. Cheap to clone; one per server.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    waiting: Arc<Mutex<HashMap<String, Waiting>>>,
}

/// The submissions of one agreement waiting for its lock.
#[derive(Debug, Default)]
struct Waiting {
    jobs: Vec<Job>,
    /// A task is waiting for the lock to carry them out: the next submission need not
    /// start another.
    drainer: bool,
}

impl Queue {
    /// Stores and matches a prepared report, with its key if any, together with the
    /// submissions waiting beside it: the answer is the one [`Prepared::store_answering`]
    /// (or [`Prepared::store`]) would give.
    pub async fn submit(
        &self,
        store: &Store,
        bundle: Arc<AgreementBundle>,
        prepared: Prepared,
        key: Option<Idempotency>,
        now_s: i64,
    ) -> Result<Answer, SubmitError> {
        // Its key is read with the group's keys, in one statement under the lock: a read
        // per request here, beside the group being written, had taken the cores from it
        // (README, W5).
        let (job, answer) = Job::new(store, prepared, key, now_s);
        let start = {
            let mut waiting = locked(&self.waiting);
            let w = waiting.entry(bundle.agreement.id.clone()).or_default();
            w.jobs.push(job);
            !std::mem::replace(&mut w.drainer, true)
        };
        // On a task of its own: a request that goes away does not stop the group it took.
        if start {
            let queue = self.clone();
            let store = store.clone();
            tokio::spawn(async move { queue.drain(&store, &bundle).await });
        }
        answered(answer).await.map(|done| done.answer)
    }

    /// Takes the agreement's lock and carries out every submission waiting for it; those
    /// that come meanwhile start the next task.
    async fn drain(&self, store: &Store, bundle: &AgreementBundle) {
        let id = &bundle.agreement.id;
        let asked = std::time::Instant::now();
        let lock = store.import_lock(id).await;
        let jobs = locked(&self.waiting)
            .remove(id)
            .map(|w| w.jobs)
            .unwrap_or_default();
        let lock = match lock {
            Ok(lock) => lock,
            Err(e) => {
                let e = e.to_string();
                for job in jobs {
                    job.reply(Err(SubmitError::Store(StoreError::Refused(e.clone()))));
                }
                return;
            }
        };
        let now_s = jobs.iter().map(|j| j.now_s).max();
        // One group per person submitting, in the order their first submission came.
        let mut groups: Vec<Vec<Job>> = Vec::new();
        for job in jobs {
            match groups
                .iter_mut()
                .find(|g| g[0].store.actor() == job.store.actor())
            {
                Some(g) => g.push(job),
                None => groups.push(vec![job]),
            }
        }
        let (held, submissions) = (
            std::time::Instant::now(),
            groups.iter().map(Vec::len).sum::<usize>(),
        );
        for group in groups {
            carry_out(lock.store(), bundle, group).await;
        }
        let done = std::time::Instant::now();
        if let Err(e) = lock.release().await {
            tracing::warn!(error = %e, "the import lock was not released cleanly");
        }
        // What a submission waits for, to tell the lock's queue from the work under it.
        tracing::debug!(
            submissions,
            waited_ms = (held - asked).as_secs_f64() * 1e3,
            worked_ms = (done - held).as_secs_f64() * 1e3,
            released_ms = done.elapsed().as_secs_f64() * 1e3,
            "a group of submissions"
        );
        if let Some(now_s) = now_s {
            // At most once an hour per process; a failure only delays it.
            if let Err(e) = sweep(store, now_s).await {
                tracing::warn!(error = %e, "idempotency keys were not swept");
            }
        }
    }
}

/// Locks a mutex whose holder may have panicked (what it guards stays consistent: a map
/// of queues).
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One submission waiting to be carried out, with where its answer goes.
#[derive(Debug)]
struct Job {
    /// The store as the person submitting, whom the audit log names.
    store: Store,
    prepared: Prepared,
    key: Option<Idempotency>,
    /// Its key, read as unused with its group's keys, was found taken when the answer
    /// was written (answered meanwhile, on another node) and read again: that is done
    /// once.
    reread: bool,
    now_s: i64,
    reply: tokio::sync::oneshot::Sender<Result<Done, SubmitError>>,
}

/// What a job was answered: the answer, and what storing did unless it was replayed.
#[derive(Debug)]
struct Done {
    answer: Answer,
    submitted: Option<Submitted>,
}

type Reply = tokio::sync::oneshot::Receiver<Result<Done, SubmitError>>;

impl Job {
    fn new(
        store: &Store,
        prepared: Prepared,
        key: Option<Idempotency>,
        now_s: i64,
    ) -> (Self, Reply) {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Self {
            store: store.clone(),
            prepared,
            key,
            reread: false,
            now_s,
            reply,
        };
        (job, answer)
    }

    /// Answers the request (which may have gone away: then nobody hears it).
    fn reply(self, answer: Result<Done, SubmitError>) {
        let _ = self.reply.send(answer);
    }
}

/// The answer a job was given.
async fn answered(answer: Reply) -> Result<Done, SubmitError> {
    answer.await.unwrap_or_else(|_| {
        Err(SubmitError::Store(StoreError::Refused(
            "the submission was dropped before it was carried out".into(),
        )))
    })
}

/// Carries out submissions of one person, the caller holding the agreement's lock:
/// answers replayed under their keys, the rest matched in one pass and written, with
/// the answers kept under their keys, in one transaction. When that transaction fails,
/// each is carried out alone, so that one bad submission does not refuse the others.
async fn carry_out(holder: &Store, bundle: &AgreementBundle, jobs: Vec<Job>) {
    // The same key twice in one group: the second waits for the first's answer.
    let mut keyed: Vec<Job> = Vec::new();
    let mut todo: Vec<Job> = Vec::with_capacity(jobs.len());
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let twice: Vec<bool> = jobs
        .iter()
        .map(|j| {
            j.key
                .as_ref()
                .is_some_and(|k| !seen.insert((k.user.as_str(), k.key.as_str())))
        })
        .collect();
    for (job, twice) in jobs.into_iter().zip(twice) {
        match &job.key {
            None => todo.push(job),
            Some(_) if twice => job.reply(Err(SubmitError::KeyInProgress(1))),
            Some(_) => keyed.push(job),
        }
    }
    let requests: Vec<(&str, &str, &str)> = keyed
        .iter()
        .filter_map(|j| j.key.as_ref())
        .map(|k| (k.user.as_str(), k.key.as_str(), k.request_hash.as_str()))
        .collect();
    let now_s = keyed.iter().map(|j| j.now_s).max().unwrap_or(0);
    match holder.idempotency_claims(&requests, now_s).await {
        Err(e) => {
            let e = e.to_string();
            for job in keyed {
                job.reply(Err(SubmitError::Store(StoreError::Refused(e.clone()))));
            }
        }
        Ok(claims) => {
            for (job, claim) in keyed.into_iter().zip(claims) {
                match answer_to_claim(claim) {
                    None => todo.push(job),
                    Some(answer) => job.reply(answer.map(|answer| Done {
                        answer,
                        submitted: None,
                    })),
                }
            }
        }
    }
    let Some(first) = todo.first() else {
        return;
    };
    let store = holder.acting_as(first.store.actor());
    match place_and_write(&store, bundle, &todo).await {
        Ok(answers) => {
            for (job, answer) in todo.into_iter().zip(answers) {
                job.reply(answer);
            }
        }
        Err(e) if todo.len() == 1 => {
            if let Some(mut job) = todo.pop() {
                if job.key.is_some()
                    && !job.reread
                    && matches!(e, SubmitError::Store(StoreError::KeyTaken))
                {
                    // Answered meanwhile under the same key: read again, to replay it.
                    job.reread = true;
                    Box::pin(carry_out(holder, bundle, vec![job])).await;
                } else {
                    job.reply(Err(e));
                }
            }
        }
        Err(e) => {
            tracing::info!(error = %e, submissions = todo.len(), "a group of submissions failed together; each is carried out alone");
            for job in todo {
                // Each alone, its key read again: one may have been taken since.
                Box::pin(carry_out(holder, bundle, vec![job])).await;
            }
        }
    }
}

/// The answer a key's state gives at once: none for an unused key, which is carried out.
fn answer_to_claim(claim: Claim) -> Option<Result<Answer, SubmitError>> {
    match claim {
        Claim::New => None,
        Claim::Replay(status, body) => Some(Ok(Answer {
            status,
            body,
            replayed: true,
        })),
        Claim::InProgress(s) => Some(Err(SubmitError::KeyInProgress(s.max(1)))),
        Claim::Mismatch => Some(Err(SubmitError::KeyMismatch)),
    }
}

/// Places the jobs' reports as one group and writes what they stored with the answers
/// kept under their keys: each job's answer, or why it was refused. An `Err` means
/// nothing was written.
async fn place_and_write(
    store: &Store,
    bundle: &AgreementBundle,
    jobs: &[Job],
) -> Result<Vec<Result<Done, SubmitError>>, SubmitError> {
    let incoming: Vec<Incoming> = jobs
        .iter()
        .map(|j| Incoming {
            report: j.prepared.report.clone(),
            raw_format: "jsonl",
            raw: Raw::Json(j.prepared.line.clone()),
            warnings: Vec::new(),
            line: 0,
        })
        .collect();
    // The sources as last read: every job's report was checked against its own.
    let sources = &jobs[jobs.len() - 1].prepared.sources;
    let started = std::time::Instant::now();
    let placed = place_group(store, bundle, incoming, sources).await?;
    let placing = started.elapsed();
    let mut answers = Vec::with_capacity(jobs.len());
    let mut kept = Vec::new();
    for (job, p) in jobs.iter().zip(&placed.placements) {
        if let Some(r) = p.outcome.rejects.first() {
            answers.push(Err(SubmitError::Rejected(
                r.column.clone(),
                r.reason.clone(),
            )));
            continue;
        }
        let id = job.prepared.id();
        let stored = p.outcome.summary.accepted > 0;
        let (incident, new_incident, reason) = match (&p.decision, &p.same_as) {
            (Some(d), _) | (None, Some(d)) => (d.incident.clone(), d.new, d.reason.clone()),
            // The same version again: the decision made when it was first stored.
            (None, None) => store.report_placement(id).await?.ok_or_else(|| {
                SubmitError::Rejected(String::new(), format!("report {id} was not stored"))
            })?,
        };
        let submitted = Submitted {
            report: id.to_owned(),
            incident,
            new_incident,
            reason,
            stored,
            warnings: p.outcome.warnings.clone(),
        };
        let answer = Answer {
            status: if stored { 201 } else { 200 },
            body: serde_json::to_string(&submitted).map_err(StoreError::from)?,
            replayed: false,
        };
        if let Some(k) = &job.key {
            kept.push(truce_store::accounts::Answer {
                user: k.user.clone(),
                key: k.key.clone(),
                request_hash: k.request_hash.clone(),
                status: answer.status,
                body: answer.body.clone(),
                at_s: job.now_s,
            });
        }
        answers.push(Ok(Done {
            answer,
            submitted: Some(submitted),
        }));
    }
    placed.write(store, &kept).await?;
    tracing::debug!(
        reports = jobs.len(),
        placed_ms = placing.as_secs_f64() * 1e3,
        written_ms = (started.elapsed() - placing).as_secs_f64() * 1e3,
        "a group placed and written"
    );
    Ok(answers)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)]
    use super::*;
    use truce_model::report::{Reliability, SourceKind};

    /// A key answered by another request (on another node) after this one was queued and
    /// before its group is carried out: the answer is replayed, and the report is not
    /// stored a second time.
    #[tokio::test]
    async fn a_key_answered_while_its_request_waited_is_replayed_not_stored_again() {
        let bundle = crate::builtin::agreements()
            .expect("built in")
            .into_iter()
            .find(|b| b.agreement.id == "nk-2020")
            .expect("nk-2020");
        let now: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().expect("now");
        let t = now.as_second();
        for (guard, store) in truce_store::testing::fresh_all().await {
            store.load_agreement(&bundle).await.expect("load");
            store
                .put_source(&Source {
                    id: "op-7".into(),
                    name: "op-7".into(),
                    kind: SourceKind::ObservationPost,
                    reliability: Reliability::B,
                    party: None,
                })
                .await
                .expect("source");
            let value: Value = serde_json::from_str(
                r#"{"source":"op-7","key":"r1","received":"2021-06-01T00:00:00Z","occurred":{"start":"2021-05-03T05:00:00Z","end":"2021-05-03T06:00:00Z","precision":1},"location":{"lon":46.75,"lat":39.75,"precision":1},"type":"artillery","credibility":2}"#,
            )
            .expect("JSON");
            let prepared = prepare(&store, &bundle, UserRole::Monitor, None, &value, now)
                .await
                .expect("prepared");
            let id = prepared.id().to_owned();
            let key = Idempotency {
                user: "mon".into(),
                key: "k1".into(),
                request_hash: "h".into(),
            };
            // Read as unused; then another request answers under the same key.
            assert_eq!(
                store.idempotency("mon", "k1", "h", t).await.expect("read"),
                Claim::New
            );
            store
                .keep_answer(&truce_store::accounts::Answer {
                    user: "mon".into(),
                    key: "k1".into(),
                    request_hash: "h".into(),
                    status: 201,
                    body: "{\"first\":true}".into(),
                    at_s: t,
                })
                .await
                .expect("keep");
            let (job, answer) = Job::new(&store, prepared, Some(key), t);
            let lock = store.import_lock("nk-2020").await.expect("lock");
            carry_out(lock.store(), &bundle, vec![job]).await;
            lock.release().await.expect("release");
            let done = answered(answer).await.expect("answered, not refused");
            assert!(done.answer.replayed);
            assert_eq!(done.answer.body, "{\"first\":true}");
            assert_eq!(store.report_placement(&id).await.expect("read"), None);
            guard.done(store).await;
        }
    }
}
