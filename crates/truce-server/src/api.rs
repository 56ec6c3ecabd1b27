//! The JSON API beyond agreements: the scorecard on a date and why each line is what it
//! is, status changes between two dates, evidence records, the statements register,
//! and incidents with filters and cursor pagination.

use crate::AsOf;
use crate::answers;
use crate::edge::{Day, NoParams, Queries, Query, day};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use jiff::civil::Date;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use truce_engine::compliance::{self, Inputs, Options, ViolationIndex};
use truce_formats::export::ExportFormat;
use truce_model::AgreementBundle;
use truce_model::records::{Evidence, RecordKind};
use truce_store::pages::Projection;
use truce_store::records::StoredRecord;
use truce_store::{Cursor, IncidentFilter, IncidentOrder, Listed};

/// What the compliance engine reads for one agreement, loaded once per state of the
/// evidence (see `Store::evidence_fingerprint`).
#[derive(Debug)]
pub(crate) struct EngineInputs {
    pub(crate) records: Arc<Vec<StoredRecord>>,
    pub(crate) evidence: Evidence,
    pub(crate) violations: ViolationIndex,
}

/// Longest range `alerts` evaluates day by day.
const MAX_ALERT_DAYS: i32 = 400;
/// Most incidents per page.
pub(crate) const MAX_LIMIT: i64 = 10_000;

/// Runs the compliance engine on the blocking pool: a scorecard walks the days from the
/// agreement's start, and a request that does so must not hold an async worker the other
/// requests are served on.
async fn on_engine<T: Send + 'static>(
    b: &Arc<AgreementBundle>,
    i: &Arc<EngineInputs>,
    opts: Options,
    work: impl FnOnce(Inputs<'_>) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let (b, i) = (Arc::clone(b), Arc::clone(i));
    tokio::task::spawn_blocking(move || {
        work(Inputs {
            agreement: &b.agreement,
            evidence: &i.evidence,
            violations: &i.violations,
            options: &opts,
        })
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the compliance engine stopped: {e}")))
}

/// Most scorecards and alert lists kept as values; past it the oldest go first.
const MAX_KEPT_VALUES: usize = 256;

/// Most bytes of answers kept as sent (keys included); past it the oldest go first. A
/// scorecard as sent is about 23 kB at a million incidents, so this holds one for every
/// day from November 2020 to the end of 2027 at the default thresholds: a reader who
/// moves through the record day by day costs the engine once per day while the evidence
/// stands.
const MAX_KEPT_JSON_BYTES: usize = 64 << 20;

/// Scorecards and alert lists already evaluated, and answers already sent, each with the
/// agreement and the inputs it was made from: an answer is served again only while both
/// are the ones the server holds (a new evidence fingerprint or agreement version reads
/// new inputs, so the kept answer no longer matches). Feeds and dashboards ask the same
/// days again and again; each costs the engine once. Values and sent bytes are kept on
/// two shelves with their own bounds, so that the few large values a day's answers are
/// made from do not push out the many answers ready to send.
#[derive(Debug, Default)]
pub(crate) struct EngineAnswers {
    values: Shelf,
    sent: Shelf,
}

/// Answers kept in the order they were kept, with what they weigh together.
#[derive(Debug, Default)]
struct Shelf {
    kept: HashMap<String, Kept>,
    order: std::collections::VecDeque<String>,
    weight: usize,
}

#[derive(Debug)]
struct Kept {
    bundle: std::sync::Weak<AgreementBundle>,
    inputs: std::sync::Weak<EngineInputs>,
    answer: Answer,
    weight: usize,
}

#[derive(Debug, Clone)]
enum Answer {
    Card(Arc<compliance::Scorecard>),
    Alerts(Arc<Vec<compliance::Alert>>),
    /// An answer as sent: what a public route serves again without evaluating or
    /// serialising anything.
    Json(axum::body::Bytes),
}

/// Whether `w` still points at `a`.
fn same<T>(w: &std::sync::Weak<T>, a: &Arc<T>) -> bool {
    w.upgrade().is_some_and(|x| Arc::ptr_eq(&x, a))
}

impl Shelf {
    fn get(&self, key: &str, b: &Arc<AgreementBundle>, i: &Arc<EngineInputs>) -> Option<Answer> {
        let k = self.kept.get(key)?;
        (same(&k.bundle, b) && same(&k.inputs, i)).then(|| k.answer.clone())
    }

    /// Keeps `kept` under `key` (in place of what the key held), then lets the oldest go
    /// until the shelf weighs at most `most`. An answer heavier than that is not kept.
    fn keep(&mut self, key: String, kept: Kept, most: usize) {
        if kept.weight > most {
            if let Some(old) = self.kept.remove(&key) {
                self.weight -= old.weight;
                self.order.retain(|k| *k != key);
            }
            return;
        }
        self.weight += kept.weight;
        match self.kept.insert(key.clone(), kept) {
            Some(old) => self.weight -= old.weight,
            None => self.order.push_back(key),
        }
        while self.weight > most {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(k) = self.kept.remove(&old) {
                self.weight -= k.weight;
            }
        }
    }
}

impl EngineAnswers {
    fn get(&self, key: &str, b: &Arc<AgreementBundle>, i: &Arc<EngineInputs>) -> Option<Answer> {
        self.sent
            .get(key, b, i)
            .or_else(|| self.values.get(key, b, i))
    }

    fn keep(
        &mut self,
        key: String,
        b: &Arc<AgreementBundle>,
        i: &Arc<EngineInputs>,
        answer: Answer,
    ) {
        let (shelf, weight, most) = match &answer {
            Answer::Json(bytes) => (&mut self.sent, bytes.len() + key.len(), MAX_KEPT_JSON_BYTES),
            Answer::Card(_) | Answer::Alerts(_) => (&mut self.values, 1, MAX_KEPT_VALUES),
        };
        let kept = Kept {
            bundle: Arc::downgrade(b),
            inputs: Arc::downgrade(i),
            answer,
            weight,
        };
        shelf.keep(key, kept, most);
    }
}

impl AppState {
    /// A kept answer, or `work`'s, kept.
    async fn engine_answer(
        &self,
        key: String,
        b: &Arc<AgreementBundle>,
        i: &Arc<EngineInputs>,
        opts: Options,
        work: impl FnOnce(Inputs<'_>) -> Answer + Send + 'static,
    ) -> Result<Answer, ApiError> {
        let key = format!("{}|{key}|{opts:?}", b.agreement.id);
        if let Some(a) = self
            .engine_answers
            .lock()
            .ok()
            .and_then(|kept| kept.get(&key, b, i))
        {
            return Ok(a);
        }
        let answer = on_engine(b, i, opts, work).await?;
        if let Ok(mut kept) = self.engine_answers.lock() {
            kept.keep(key, b, i, answer.clone());
        }
        Ok(answer)
    }

    /// The scorecard on a day.
    pub(crate) async fn evaluate_on(
        &self,
        b: &Arc<AgreementBundle>,
        i: &Arc<EngineInputs>,
        opts: Options,
        as_of: Date,
    ) -> Result<Arc<compliance::Scorecard>, ApiError> {
        let key = format!("card|{as_of}");
        match self
            .engine_answer(key, b, i, opts, move |input| {
                Answer::Card(Arc::new(compliance::evaluate(input, as_of)))
            })
            .await?
        {
            Answer::Card(card) => Ok(card),
            _ => Err(ApiError::Internal("a kept answer of another kind".into())),
        }
    }

    /// A kept answer as sent, by what it answers (`key`) and what it was made from.
    fn kept_json(
        &self,
        key: &str,
        b: &Arc<AgreementBundle>,
        i: &Arc<EngineInputs>,
        opts: Options,
    ) -> Option<axum::body::Bytes> {
        let key = format!("{}|{key}|{opts:?}", b.agreement.id);
        match self.engine_answers.lock().ok()?.get(&key, b, i)? {
            Answer::Json(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Keeps an answer as sent and returns it as a response.
    fn keep_json(
        &self,
        key: &str,
        b: &Arc<AgreementBundle>,
        i: &Arc<EngineInputs>,
        opts: Options,
        answer: &impl serde::Serialize,
    ) -> axum::response::Response {
        let bytes = axum::body::Bytes::from(serde_json::to_vec(answer).unwrap_or_default());
        if let Ok(mut kept) = self.engine_answers.lock() {
            let key = format!("{}|{key}|{opts:?}", b.agreement.id);
            kept.keep(key, b, i, Answer::Json(bytes.clone()));
        }
        json_bytes(bytes)
    }

    /// Status changes after `from` up to `to`.
    pub(crate) async fn alerts_on(
        &self,
        b: &Arc<AgreementBundle>,
        i: &Arc<EngineInputs>,
        opts: Options,
        from: Date,
        to: Date,
    ) -> Result<Vec<compliance::Alert>, ApiError> {
        let key = format!("alerts|{from}|{to}");
        match self
            .engine_answer(key, b, i, opts, move |input| {
                Answer::Alerts(Arc::new(compliance::alerts(input, from, to)))
            })
            .await?
        {
            Answer::Alerts(list) => Ok((*list).clone()),
            _ => Err(ApiError::Internal("a kept answer of another kind".into())),
        }
    }
}

impl AppState {
    /// The evidence fingerprint (`Store::evidence_fingerprint`), read again only when the
    /// audit head has moved since it was last read: every write of reports, records or
    /// incidents' decisions appends an audit entry, and reading the head is one row.
    pub(crate) async fn fingerprint(&self) -> Result<String, ApiError> {
        let head = self.store.audit_head_seq().await?;
        if let Ok(last) = self.fingerprint.lock()
            && let Some((h, f)) = last.as_ref()
            && *h == head
        {
            return Ok(f.clone());
        }
        let fingerprint = self.store.evidence_fingerprint().await?;
        if let Ok(mut last) = self.fingerprint.lock() {
            *last = Some((head, fingerprint.clone()));
        }
        Ok(fingerprint)
    }

    pub(crate) async fn inputs(&self, b: &AgreementBundle) -> Result<Arc<EngineInputs>, ApiError> {
        let id = &b.agreement.id;
        let fingerprint = self.fingerprint().await?;
        let cached = || {
            self.inputs.read().ok().and_then(|cache| {
                cache
                    .get(id)
                    .filter(|(f, _)| *f == fingerprint)
                    .map(|(_, i)| Arc::clone(i))
            })
        };
        if let Some(i) = cached() {
            return Ok(i);
        }
        // One read at a time: whoever waited finds it done.
        let _reading = self.reading_inputs.lock().await;
        if let Some(i) = cached() {
            return Ok(i);
        }
        let (records, evidence) = self.store.evidence(b).await?;
        let violations = self.store.violations(b).await?;
        let loaded = Arc::new(EngineInputs {
            records: Arc::new(records),
            evidence,
            violations,
        });
        if let Ok(mut cache) = self.inputs.write() {
            cache.insert(id.clone(), (fingerprint, Arc::clone(&loaded)));
        }
        Ok(loaded)
    }
}

impl AppState {
    /// The agreement's evidence records, from the scorecard inputs when those are fresh,
    /// else read and kept by the same fingerprint: a search needs the records, not the
    /// violation index that takes every incident to build.
    pub(crate) async fn records(
        &self,
        b: &AgreementBundle,
    ) -> Result<Arc<Vec<StoredRecord>>, ApiError> {
        let id = &b.agreement.id;
        let fingerprint = self.fingerprint().await?;
        if let Ok(cache) = self.inputs.read()
            && let Some((f, i)) = cache.get(id)
            && *f == fingerprint
        {
            return Ok(Arc::clone(&i.records));
        }
        if let Ok(cache) = self.records.read()
            && let Some((f, r)) = cache.get(id)
            && *f == fingerprint
        {
            return Ok(Arc::clone(r));
        }
        let (records, _) = self.store.evidence(b).await?;
        let records = Arc::new(records);
        if let Ok(mut cache) = self.records.write() {
            cache.insert(id.clone(), (fingerprint, Arc::clone(&records)));
        }
        Ok(records)
    }
}

fn today(b: &AgreementBundle) -> Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(b.agreement.tz().clone())
        .date()
}

/// The compliance engine's thresholds, as a query may set them.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Thresholds {
    /// Days of the ceasefire trend window (default 7)
    #[param(minimum = 1, maximum = 366)]
    period_days: Option<u32>,
    /// Confirmed or corroborated violations in the window that make the ceasefire breached (default 1)
    #[param(minimum = 1, maximum = 1_000_000)]
    breach_threshold: Option<u32>,
}

impl Thresholds {
    fn options(&self) -> Options {
        let mut o = Options::default();
        if let Some(n) = self.period_days {
            o.period_days = n;
        }
        if let Some(n) = self.breach_threshold {
            o.breach_threshold = n;
        }
        o
    }
}

/// A range of local days.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Days {
    /// First local day, YYYY-MM-DD (default: 30 days before `to`)
    #[param(inline)]
    pub(crate) from: Option<Day>,
    /// Last local day, YYYY-MM-DD (default: today in the agreement's zone)
    #[param(inline)]
    pub(crate) to: Option<Day>,
}

/// What a scorecard query names: the agreement, its inputs, the thresholds and the day.
async fn scorecard_query(
    s: &AppState,
    id: &str,
    Queries(on, thresholds): Queries<AsOf, Thresholds>,
) -> Result<(Arc<AgreementBundle>, Arc<EngineInputs>, Options, Date), ApiError> {
    let b = s.bundle(id).await?;
    let opts = thresholds.options();
    let as_of = day(on.as_of).unwrap_or_else(|| today(&b));
    let i = s.inputs(&b).await?;
    Ok((b, i, opts, as_of))
}

/// A JSON answer from bytes made before.
fn json_bytes(bytes: axum::body::Bytes) -> axum::response::Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response()
}

/// `GET /api/v1/agreements/{id}/status`: the scorecard on a date. Kept as sent, per day
/// and thresholds, for as long as the evidence it was made from stands.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/status", tag = "compliance", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), AsOf, Thresholds), responses((status = 200, description = "The scorecard: every obligation's status with reason and evidence, and where the record on file ends (`record_ends`: the latest dated record and the latest violation's local day)", body = answers::Scorecard, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn status(
    State(s): State<AppState>,
    Path(id): Path<String>,
    q: Queries<AsOf, Thresholds>,
) -> Result<axum::response::Response, ApiError> {
    let (b, i, opts, as_of) = scorecard_query(&s, &id, q).await?;
    let key = format!("status|{as_of}");
    if let Some(bytes) = s.kept_json(&key, &b, &i, opts) {
        return Ok(json_bytes(bytes));
    }
    let card = s.evaluate_on(&b, &i, opts, as_of).await?;
    // Where the record on file stops: a reader of a later date is told that what
    // follows says what is known, not what happened.
    let sent = SentCard {
        card: &card,
        record_ends: RecordEnds {
            records: i.records.iter().filter_map(|r| r.record.date()).max(),
            violations: i.violations.last_day(),
        },
    };
    Ok(s.keep_json(&key, &b, &i, opts, &sent))
}

/// The scorecard as `GET …/status` sends it: with where the record on file ends.
#[derive(serde::Serialize)]
struct SentCard<'a> {
    #[serde(flatten)]
    card: &'a compliance::Scorecard,
    record_ends: RecordEnds,
}

/// The latest dated record and the latest violation's local day.
#[derive(serde::Serialize)]
struct RecordEnds {
    records: Option<Date>,
    violations: Option<Date>,
}

/// `GET /api/v1/agreements/{id}/status/{obligation}`: one line with every record it
/// cites, their sources and where they came from; kept as sent like the scorecard.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/status/{obligation}", tag = "compliance", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), ("obligation" = String, Path, description = "Obligation id"), AsOf, Thresholds), responses((status = 200, description = "One obligation's status with the rule's figures and every record behind it", body = answers::Explanation, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn explain(
    State(s): State<AppState>,
    Path((id, obligation)): Path<(String, String)>,
    q: Queries<AsOf, Thresholds>,
) -> Result<axum::response::Response, ApiError> {
    let (b, i, opts, as_of) = scorecard_query(&s, &id, q).await?;
    let key = format!("explain|{obligation}|{as_of}");
    if let Some(bytes) = s.kept_json(&key, &b, &i, opts) {
        return Ok(json_bytes(bytes));
    }
    let card = s.evaluate_on(&b, &i, opts, as_of).await?;
    let Some(line) = card.line(&obligation) else {
        let ids: Vec<&str> = card.lines.iter().map(|l| l.obligation.as_str()).collect();
        return Err(ApiError::NotFound(format!(
            "no obligation `{obligation}` in force on {as_of}; {}",
            truce_model::diag::suggest(&obligation, ids.iter().copied())
        )));
    };
    let evidence: Vec<Value> = line
        .status
        .evidence
        .iter()
        .map(|key| match i.records.iter().find(|r| r.record.key() == *key) {
            Some(r) => json!({
                "id": key,
                "kind": r.record.kind(),
                "date": r.record.date(),
                "summary": r.record.summary_named(&|id: &str| {
                    b.agreement.actor(id).map_or_else(|| id.to_owned(), |a| a.name.clone())
                }),
                "summary_why": r.record.summary_msg(),
                "source": r.record.source(),
                "origin": r.origin,
                "version": r.version,
                "record": r.record,
            }),
            None => json!({"id": key, "kind": "incident", "href": format!("/api/v1/incidents/{key}")}),
        })
        .collect();
    let v = json!({"as_of": as_of, "line": line, "evidence": evidence});
    Ok(s.keep_json(&key, &b, &i, opts, &v))
}

/// `GET /api/v1/agreements/{id}/alerts?from=&to=`: status changes day by day.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/alerts", tag = "compliance", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), Days, Thresholds), responses((status = 200, description = "Every status change between the dates (at most 400 days)", body = answers::Alerts, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn alerts(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Queries(days, thresholds): Queries<Days, Thresholds>,
) -> Result<Json<Value>, ApiError> {
    let b = s.bundle(&id).await?;
    let (from, to, alerts) = s.alerts_between(&b, &days, thresholds.options()).await?;
    Ok(Json(json!({"from": from, "to": to, "alerts": alerts})))
}

impl AppState {
    /// Status changes between `from` and `to` of the query (default: the last 30 days),
    /// at most [`MAX_ALERT_DAYS`] apart, with the query's thresholds.
    pub(crate) async fn alerts_between(
        &self,
        b: &Arc<AgreementBundle>,
        days: &Days,
        opts: Options,
    ) -> Result<(Date, Date, Vec<compliance::Alert>), ApiError> {
        let to = day(days.to).unwrap_or_else(|| today(b));
        let from = match day(days.from) {
            Some(d) => d,
            None => to.checked_sub(jiff::Span::new().days(30)).unwrap_or(to),
        };
        let days = from.until(to).map(|s| s.get_days()).unwrap_or(0);
        if days < 0 {
            return Err(ApiError::BadParameter(
                "to".into(),
                format!("{to} is before `from` ({from})"),
            ));
        }
        if days > MAX_ALERT_DAYS {
            return Err(ApiError::BadParameter(
                "from".into(),
                format!(
                    "the range is {days} days; at most {MAX_ALERT_DAYS} are evaluated per request"
                ),
            ));
        }
        let i = self.inputs(b).await?;
        let alerts = self.alerts_on(b, &i, opts, from, to).await?;
        Ok((from, to, alerts))
    }
}

/// Evidence records of one kind.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OfKind {
    /// Record type (default: every type)
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    kind: Option<crate::edge::RecordKindWord>,
}

impl OfKind {
    fn kind(&self) -> Result<Option<RecordKind>, ApiError> {
        self.kind
            .as_deref()
            .map(|k| {
                RecordKind::parse(k).ok_or_else(|| {
                    ApiError::BadParameter(
                        "type".into(),
                        format!(
                            "unknown record type `{k}`; {}",
                            truce_model::diag::suggest(k, RecordKind::ALL.iter().copied())
                        ),
                    )
                })
            })
            .transpose()
    }
}

/// `GET /api/v1/agreements/{id}/records?type=`: current evidence records.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/records", tag = "evidence", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), OfKind), responses((status = 200, description = "Current evidence records", body = answers::Records, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn records(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<OfKind>,
) -> Result<Json<Value>, ApiError> {
    let kind = q.kind()?;
    let b = s.bundle(&id).await?;
    let i = s.inputs(&b).await?;
    let list: Vec<&StoredRecord> = i
        .records
        .iter()
        .filter(|r| kind.is_none_or(|k| r.record.kind() == k))
        .collect();
    Ok(Json(json!({"records": list})))
}

/// `POST /api/v1/agreements/{id}/records[?type=]`: evidence records as JSON Lines or CSV
/// (docs/evidence.md), for analysts and admins. Good lines are stored; refused ones come
/// back with line and member, and stored lines that likely repeat a record under another
/// id come back as warnings naming it.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/records", tag = "evidence", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), OfKind), request_body(description = "Evidence records (docs/evidence.md) as JSON Lines or CSV", content((String = "application/x-ndjson"), (String = "text/csv"))), responses((status = 200, description = "What the import did: counts, every refused line, every likely repeat", body = answers::RecordImportAnswer, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json"), (status = 415, description = "Not JSON Lines or CSV", content_type = "application/problem+json")))]
pub(crate) async fn import_records(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    Query(q): Query<OfKind>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = s.principal(&headers).await?;
    p.require(truce_model::access::Action::Verify, &method, &headers)?;
    let kind = q.kind()?;
    let (name, text) = crate::registry::lines_body(&headers, &body, "evidence records")?;
    let b = s.bundle(&id).await?;
    let r = p
        .store(&s)
        .import_records(&b, name, text, kind, jiff::Timestamp::now())
        .await?;
    crate::registry::refused_whole(
        r.counts.added + r.counts.updated + r.counts.unchanged,
        &r.rejects,
    )?;
    Ok(Json(json!({"import": r})))
}

/// Why a record is retracted.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RetractBody {
    /// Why (it repeats another record, it was entered in error): kept in the audit log.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    reason: String,
}

/// `POST /api/v1/agreements/{id}/records/{record}/retract` with `{"reason"}`: an analyst
/// retracts an evidence record (one stored twice, or in error), as `truce evidence
/// retract` does: no rule reads it any more, its versions stay, the audit log keeps the
/// reason, and importing it again brings it back as its next version.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/records/{record}/retract", tag = "evidence", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), ("record" = String, Path, description = "The record's key, `TYPE:ID` (as `GET …/records` and the scorecard's evidence name it)"), NoParams), request_body(content = RetractBody, content_type = "application/json"), responses((status = 200, description = "Retracted: the record's key", body = answers::Retracted, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "No current record with that key", content_type = "application/problem+json")))]
pub(crate) async fn retract_record(
    State(s): State<AppState>,
    Path((id, record)): Path<(String, String)>,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    _: Query<NoParams>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = s.principal(&headers).await?;
    p.require(truce_model::access::Action::Verify, &method, &headers)?;
    let b: RetractBody = crate::auth::json_body(&headers, &body)?;
    if b.reason.trim().is_empty() {
        return Err(ApiError::BadBody(
            "/reason".into(),
            "say why the record is retracted".into(),
        ));
    }
    let bundle = s.bundle(&id).await?;
    let missing = || ApiError::NotFound(format!("no current evidence record `{record}` in {id}"));
    let (kind, rid) = record
        .split_once(':')
        .and_then(|(k, i)| RecordKind::parse(k).map(|k| (k, i)))
        .ok_or_else(missing)?;
    let done = p
        .store(&s)
        .retract_record(&bundle.agreement.id, kind, rid, b.reason.trim())
        .await?;
    if !done {
        return Err(missing());
    }
    Ok(Json(json!({"retracted": record})))
}

/// `GET /api/v1/agreements/{id}/statements`: the register of statements and reactions.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/statements", tag = "agreements", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)")), responses((status = 200, description = "Statements and reactions", body = answers::Statements, content_type = "application/json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn statements(
    State(s): State<AppState>,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> Result<Json<Value>, ApiError> {
    let b = s.bundle(&id).await?;
    Ok(Json(json!({"statements": b.agreement.statements})))
}

/// The incident filters shared by the incident list, search, counts, exports and OGC API
/// items.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Filters {
    /// First local day, YYYY-MM-DD
    #[param(inline)]
    pub(crate) from: Option<Day>,
    /// Last local day, YYYY-MM-DD
    #[param(inline)]
    pub(crate) to: Option<Day>,
    /// Zone id, or any of the zone's names
    pub(crate) zone: Option<String>,
    /// Event type of the codebook
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    pub(crate) event_type: Option<crate::edge::EventTypeWord>,
    /// unverified, corroborated, confirmed, disputed or rejected; several separated by commas
    #[param(inline)]
    pub(crate) status: Option<crate::edge::StatusList>,
    /// Actor id: incidents attributed to it or claimed against it
    pub(crate) party: Option<String>,
    /// Source id: incidents with a current report from it
    pub(crate) source: Option<String>,
    /// minLon,minLat,maxLon,maxLat in degrees (WGS 84)
    #[param(inline)]
    pub(crate) bbox: Option<crate::edge::Bbox>,
}

/// Where a page of incidents starts and how long it is.
#[derive(Debug, Default, Clone)]
pub(crate) struct Paging {
    pub(crate) order: Option<String>,
    pub(crate) cursor: Option<String>,
    pub(crate) limit: Option<i64>,
}

/// Reads the incident filters shared by the JSON API and OGC API items; the store checks
/// them by the same rules as the command line.
pub(crate) async fn incident_filter(
    s: &AppState,
    q: &Filters,
    paging: &Paging,
    b: &AgreementBundle,
) -> Result<IncidentFilter, ApiError> {
    // A source is named by its id among those registered.
    if let Some(id) = &q.source {
        let sources = s.store.sources().await?;
        if !sources.contains_key(id) {
            let hint = truce_model::diag::suggest(id, sources.keys().map(String::as_str));
            return Err(ApiError::BadParameter(
                "source".into(),
                format!("unknown source `{id}`; {hint}"),
            ));
        }
    }
    let values = truce_store::FilterValues {
        from: day(q.from),
        to: day(q.to),
        zone: q.zone.clone(),
        event_type: q.event_type.clone().map(String::from),
        status: q.status.clone().map(String::from),
        party: q.party.clone(),
        source: q.source.clone(),
        bbox: q.bbox.as_deref().map(bbox).transpose()?,
    };
    let order = match &paging.order {
        None => IncidentOrder::Number,
        Some(v) => IncidentOrder::parse(v).ok_or_else(|| {
            let words: Vec<String> = IncidentOrder::WORDS
                .iter()
                .map(|(w, _)| format!("`{w}`"))
                .collect();
            ApiError::BadParameter(
                "sort".into(),
                format!("`{v}` is not one of {}", words.join(", ")),
            )
        })?,
    };
    let after = paging
        .cursor
        .as_ref()
        .map(|c| {
            Cursor::parse(order, c).ok_or_else(|| {
                ApiError::BadParameter(
                    "cursor".into(),
                    format!("`{c}` is not a cursor given by a `next` link of this order"),
                )
            })
        })
        .transpose()?;
    let limit = paging.limit.unwrap_or(100);
    values
        .check(b, order, after, limit)
        .map_err(|p| ApiError::BadParameter(p.param.into(), p.reason))
}

/// `minLon,minLat,maxLon,maxLat` in degrees (WGS 84), read; the ranges are checked with
/// the other filters (`FilterValues::check`) or, for small collections, by the caller.
pub(crate) fn bbox(v: &str) -> Result<[f64; 4], ApiError> {
    let n: Vec<f64> = v
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    match n[..] {
        [w, s, e, north] => Ok([w, s, e, north]),
        _ => Err(ApiError::BadParameter(
            "bbox".into(),
            format!("`{v}` is not four numbers minLon,minLat,maxLon,maxLat"),
        )),
    }
}

/// A page of the incident list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListPage {
    /// `all` (default): each incident whole; `map`: id, point, status, type, start, end, perpetrator, disputed, reports only; `list`: those and place_label, place_name (what a list line shows)
    #[param(inline)]
    fields: Option<crate::edge::Projection>,
    /// `number` (default: the order incidents were first reported in), `start` (oldest first) or `-start` (newest first); ties by number
    #[param(inline)]
    sort: Option<crate::edge::Order>,
    /// `true`: also count every incident that matches (`total`), cursor and limit aside
    total: Option<bool>,
    /// At most this many (default 100)
    #[param(minimum = 1, maximum = 10_000)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, in the same order
    cursor: Option<String>,
}

/// `GET /api/v1/agreements/{id}/incidents`: incidents a page at a time, in number order
/// or by date (`sort`), with how many match in all when asked (`total=true`).
#[utoipa::path(get, path = "/api/v1/agreements/{id}/incidents", tag = "incidents", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), Filters, ListPage), responses((status = 200, description = "A page of incidents in the order asked for, with `next_cursor` (and `total` when asked)", body = answers::IncidentPage, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn incidents(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Queries(filters, page): Queries<Filters, ListPage>,
) -> Result<axum::response::Response, ApiError> {
    let b = s.bundle(&id).await?;
    let paging = Paging {
        order: page.sort.map(String::from),
        cursor: page.cursor,
        limit: page.limit,
    };
    let f = incident_filter(&s, &filters, &paging, &b).await?;
    let total = match page.total {
        Some(true) => Some(s.store.count_incidents(&id, &f).await?),
        _ => None,
    };
    let rows = match page.fields.as_deref() {
        None | Some("all") => {
            // The stored JSON goes out as it is: no decoding and encoding per incident.
            s.store.incident_rows(&id, &f).await?
        }
        Some("map") => s.store.incident_points(&id, &f, Projection::Map).await?,
        Some("list") => s.store.incident_points(&id, &f, Projection::List).await?,
        Some(other) => {
            return Err(ApiError::BadParameter(
                "fields".into(),
                format!("`{other}` is not `all`, `list` or `map`"),
            ));
        }
    };
    Ok(page_of_rows(&rows, &f, total))
}

/// What to search for.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Words {
    /// Words, "quoted phrases" and place names (any script or spelling the gazetteer knows); every one must be found; common words are left out
    #[param(min_length = 1, max_length = 500)]
    q: String,
    /// At most this many of each kind (default 50)
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// `GET /api/v1/agreements/{id}/search?q=…`: incidents by the words of their reports and
/// the names of their places (every spelling the gazetteer knows), best first, under the
/// incident filters; statements, evidence records and sources that answer too. Each with
/// a snippet whose found words are marked (`hit`). Personal data is never searched.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/search", tag = "incidents", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), Words, Filters), responses((status = 200, description = "`incidents` (each with `score`, its best `report` and a `snippet`), `others` (statements, records, sources), and the query as read", body = answers::SearchAnswer, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn search(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Queries(words, filters): Queries<Words, Filters>,
) -> Result<Json<Value>, ApiError> {
    let b = s.bundle(&id).await?;
    let text = &words.q;
    let limit = words.limit.unwrap_or(50);
    let f = incident_filter(&s, &filters, &Paging::default(), &b).await?;
    let records = s.records(&b).await?;
    let answer = truce_usecases::search::search(
        &s.store,
        &b,
        &records,
        text,
        &f,
        usize::try_from(limit).unwrap_or(50),
    )
    .await
    .map_err(|e| match e {
        truce_usecases::search::SearchError::Empty
        | truce_usecases::search::SearchError::TooLong(_) => {
            ApiError::BadParameter("q".into(), e.to_string())
        }
        truce_usecases::search::SearchError::Store(e) => e.into(),
    })?;
    Ok(Json(serde_json::to_value(answer).unwrap_or(Value::Null)))
}

/// A page of the incident list from rows as the store gives them: the JSON goes out as
/// it is, with the cursor of the next page when this one is full (and the total when
/// counted).
fn page_of_rows(
    rows: &[Listed],
    f: &IncidentFilter,
    total: Option<i64>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let next = (rows.len() as i64 == f.limit)
        .then(|| {
            rows.last()
                .map(|r| Cursor::text(f.order, r.number, r.start_s))
        })
        .flatten();
    let mut body = String::with_capacity(rows.iter().map(|r| r.json.len() + 1).sum::<usize>() + 96);
    body.push_str("{\"incidents\":[");
    for (k, r) in rows.iter().enumerate() {
        if k > 0 {
            body.push(',');
        }
        body.push_str(&r.json);
    }
    body.push_str(&format!(
        "],\"returned\":{},\"next_cursor\":{}",
        rows.len(),
        next.map_or_else(|| "null".to_owned(), |n| format!("\"{n}\""))
    ));
    if let Some(n) = total {
        body.push_str(&format!(",\"total\":{n}"));
    }
    body.push('}');
    let mut r = body.into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}

/// Most incidents one export request writes; larger exports are for `truce export`.
const MAX_EXPORTED: i64 = 100_000;

/// The format of an export.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportAs {
    /// jsonl (reports, JSON Lines), geojson (incidents), acled or ucdp (reports, CSV)
    #[param(inline)]
    format: crate::edge::ExportFormatWord,
}

/// `GET /api/v1/agreements/{id}/export?format=jsonl|geojson|acled|ucdp&…`: incidents (GeoJSON)
/// or the reports behind them (JSON Lines, ACLED CSV, UCDP GED CSV) under the same
/// filters as the incident list, ready to import elsewhere.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/export", operation_id = "incidents_export", tag = "incidents", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), ExportAs, Filters), responses((status = 200, description = "Incidents (GeoJSON) or their reports (JSON Lines, ACLED CSV, UCDP GED CSV), as a file to save (`Content-Disposition`)", content((answers::FeatureCollection = "application/geo+json"), (String = "application/x-ndjson"), (String = "text/csv"))), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json"), (status = 422, description = "More incidents match than one request exports", content_type = "application/problem+json")))]
pub(crate) async fn export(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Queries(export, filters): Queries<ExportAs, Filters>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let format = ExportFormat::parse(&export.format).ok_or_else(|| {
        ApiError::BadParameter(
            "format".into(),
            format!(
                "unknown format `{}`; {}",
                &*export.format,
                truce_model::diag::suggest(&export.format, ExportFormat::ALL.iter().copied())
            ),
        )
    })?;
    let b = s.bundle(&id).await?;
    let mut f = incident_filter(&s, &filters, &Paging::default(), &b).await?;
    let n = s.store.count_incidents(&id, &f).await?;
    if n > MAX_EXPORTED {
        return Err(ApiError::Unprocessable(format!(
            "{n} incidents match; an export over the API writes at most {MAX_EXPORTED}: narrow the filters, or use `truce export`"
        )));
    }
    f.limit = MAX_EXPORTED;
    let incidents = s.store.incidents(&id, &f).await?;
    let reports = if format.needs_reports() {
        let ids: Vec<String> = incidents.iter().map(|i| i.id.clone()).collect();
        s.store.reports_of(&ids).await?
    } else {
        Vec::new()
    };
    let body = truce_formats::export::write(format, &b.agreement, &incidents, &reports)
        .map_err(|e| ApiError::Internal(format!("export: {e}")))?;
    let mut r = body.into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(format.media_type()),
    );
    let ext = match format {
        ExportFormat::Geojson => "geojson",
        ExportFormat::Jsonl => "jsonl",
        ExportFormat::Acled | ExportFormat::Ucdp => "csv",
    };
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!(
        "attachment; filename=\"{id}-{}.{ext}\"",
        format.as_str()
    )) {
        r.headers_mut()
            .insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// `GET /api/v1/incidents/{incident}`: an incident with its reports, decisions and
/// history.
#[utoipa::path(get, path = "/api/v1/incidents/{incident}", tag = "incidents", params(("incident" = String, Path, description = "Incident id, e.g. `inc-12`")), responses((status = 200, description = "An incident with its reports, claims, matching decisions and history", body = answers::IncidentDetail, content_type = "application/json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn incident(
    State(s): State<AppState>,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> Result<Json<Value>, ApiError> {
    let detail = s
        .store
        .incident(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no incident `{id}`")))?;
    let history = s.store.history(&id).await?;
    Ok(Json(json!({"detail": detail, "history": history})))
}

/// Most incidents a counts request reads.
const MAX_COUNTED: i64 = 200_000;

/// `GET /api/v1/agreements/{id}/counts`: violation incidents per local day, zone and
/// assessed party (`unattributed` when disputed or unknown), by status (`cells`: an
/// incident in two zones counts in each), and per day and party (`per_day`: each
/// incident once), under the same filters as the incident list; rejected incidents
/// never count.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/counts", tag = "incidents", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), Filters), responses((status = 200, description = "Violations per zone and local day, by status and party", body = answers::Counts, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn counts(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(filters): Query<Filters>,
) -> Result<axum::response::Response, ApiError> {
    let b = s.bundle(&id).await?;
    let mut f = incident_filter(&s, &filters, &Paging::default(), &b).await?;
    f.limit = MAX_COUNTED + 1;
    // Rows, not whole incidents: what a count reads is in the columns and the
    // particulars the in-memory pages keep.
    let list = s.store.incident_facts(&id, &f).await?;
    let truncated = list.len() as i64 > MAX_COUNTED;
    let tz = b.agreement.tz();
    let mut cells: std::collections::BTreeMap<(Date, &str, &str), [u32; 4]> =
        std::collections::BTreeMap::new();
    let mut per_day: std::collections::BTreeMap<(Date, &str), [u32; 4]> =
        std::collections::BTreeMap::new();
    for i in list
        .iter()
        .take(usize::try_from(MAX_COUNTED).unwrap_or(usize::MAX))
    {
        use truce_engine::incidents::IncidentStatus;
        let slot = match IncidentStatus::parse(&i.status) {
            Some(IncidentStatus::Confirmed) => 0,
            Some(IncidentStatus::Corroborated) => 1,
            Some(IncidentStatus::Disputed) => 2,
            Some(IncidentStatus::Unverified) => 3,
            Some(IncidentStatus::Rejected) | None => continue,
        };
        if !truce_model::report::EventType::parse(&i.event_type).is_some_and(|t| t.is_violation()) {
            continue;
        }
        let Ok(start) = jiff::Timestamp::from_second(i.start_s) else {
            continue;
        };
        let day = truce_model::period::local_date(start, tz);
        let party = match (&i.perpetrator, i.disputed) {
            (Some(p), false) => p.as_str(),
            _ => "unattributed",
        };
        // Once per incident, whatever the zones it lies in.
        per_day.entry((day, party)).or_default()[slot] += 1;
        let zones = i
            .particulars
            .as_ref()
            .map(|p| &p.zones[..])
            .unwrap_or_default();
        for z in zones {
            if f.zone.as_ref().is_some_and(|fz| fz != z) {
                continue;
            }
            cells.entry((day, z.as_str(), party)).or_default()[slot] += 1;
        }
    }
    // Written straight from the tallies: an answer holds hundreds of cells.
    fn cell<'a>(date: Date, zone: Option<&'a str>, party: &'a str, c: [u32; 4]) -> Cell<'a> {
        Cell {
            date,
            zone,
            party,
            confirmed: c[0],
            corroborated: c[1],
            disputed: c[2],
            unverified: c[3],
        }
    }
    let answer = CountsAnswer {
        cells: cells
            .into_iter()
            .map(|((date, zone, party), c)| cell(date, Some(zone), party, c))
            .collect(),
        per_day: per_day
            .into_iter()
            .map(|((date, party), c)| cell(date, None, party, c))
            .collect(),
        truncated,
    };
    Ok(Json(answer).into_response())
}

/// What `GET …/counts` answers (see [`answers::Counts`]).
#[derive(serde::Serialize)]
struct CountsAnswer<'a> {
    cells: Vec<Cell<'a>>,
    per_day: Vec<Cell<'a>>,
    truncated: bool,
}

/// Violations of a local day and party, and of a zone for a cell.
#[derive(serde::Serialize)]
struct Cell<'a> {
    date: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    zone: Option<&'a str>,
    party: &'a str,
    confirmed: u32,
    corroborated: u32,
    disputed: u32,
    unverified: u32,
}

/// `GET /api/v1/codebook`: the event types reports use, and which count as violations.
#[utoipa::path(get, path = "/api/v1/codebook", tag = "evidence", responses((status = 200, description = "The event codebook with its ACLED mapping", body = answers::Codebook, content_type = "application/json")))]
pub(crate) async fn codebook(_: Query<NoParams>) -> Result<Json<Value>, ApiError> {
    let types: Vec<Value> = truce_model::report::EventType::VARIANTS
        .iter()
        .map(|t| json!({"type": t.as_str(), "violation": t.is_violation()}))
        .collect();
    Ok(Json(json!({"event_types": types})))
}

/// `GET /api/v1/sources`: registered sources with kind, reliability and party.
#[utoipa::path(get, path = "/api/v1/sources", tag = "evidence", responses((status = 200, description = "Registered sources with kind and reliability", body = answers::Sources, content_type = "application/json")))]
pub(crate) async fn sources(
    State(s): State<AppState>,
    _: Query<NoParams>,
) -> Result<Json<Value>, ApiError> {
    let mut list: Vec<truce_model::report::Source> =
        s.store.sources().await?.into_values().collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Json(json!({"sources": list})))
}

#[cfg(test)]
mod tests {
    use super::{Answer, Kept, Shelf};

    fn kept(bytes: usize) -> Kept {
        Kept {
            bundle: std::sync::Weak::new(),
            inputs: std::sync::Weak::new(),
            answer: Answer::Json(axum::body::Bytes::from(vec![b' '; bytes])),
            weight: bytes,
        }
    }

    #[test]
    fn a_shelf_lets_its_oldest_answers_go_to_stay_within_its_weight() {
        let mut shelf = Shelf::default();
        for day in 0..10 {
            shelf.keep(format!("status|{day}"), kept(100), 450);
        }
        // The four newest fit; the six oldest went first.
        let mut left: Vec<&str> = shelf.kept.keys().map(String::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["status|6", "status|7", "status|8", "status|9"]);
        assert_eq!(shelf.weight, 400);
        assert_eq!(shelf.order.len(), 4);
        // An answer kept again in place of its older self weighs once.
        shelf.keep("status|8".into(), kept(50), 450);
        assert_eq!(shelf.weight, 350);
        assert_eq!(shelf.order.len(), 4);
        // One heavier than the whole shelf is not kept and pushes nothing out; kept again
        // under a key that held a lighter one, it takes that one's place empty.
        shelf.keep("status|big".into(), kept(1_000), 450);
        assert_eq!(shelf.kept.len(), 4);
        shelf.keep("status|9".into(), kept(1_000), 450);
        assert!(!shelf.kept.contains_key("status|9"));
        assert_eq!((shelf.weight, shelf.order.len()), (250, 3));
    }
}
