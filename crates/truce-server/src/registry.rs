//! The registry under `/api/v1/registry`: aggregates and claims reconciliation for
//! everyone; persons with personal data, their export and imports only for the roles of
//! the authorisation table, and then only the persons the store lets the asker see.

use crate::answers;
use crate::auth::Action;
use crate::edge::{Day, NoParams, Query, day};
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde_json::{Value, json};
use truce_model::registry::EntryKind;
use truce_store::StoreError;

/// The day of a summary, and its format.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SummaryQuery {
    /// Date YYYY-MM-DD (default: today, UTC)
    #[param(inline)]
    as_of: Option<Day>,
    /// json (default) or csv
    #[param(inline)]
    format: Option<SummaryFormat>,
}

crate::edge::stated! {
    /// A summary's format.
    SummaryFormat = summary_formats;
    /// Dates separated by commas.
    DateList = date_list;
    /// A registry line type.
    LineTypeWord = line_types;
}

fn summary_formats() -> utoipa::openapi::Object {
    crate::edge::one_of(&["json", "csv"])
}

/// The dates claims are reconciled on.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OnDates {
    /// Dates YYYY-MM-DD separated by commas, at most 1000 (default: every date a claim, exchange or status change is dated)
    #[param(inline, style = Form, explode = false)]
    on: Option<DateList>,
}

fn date_list() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(crate::edge::date())
        .min_items(Some(1))
        .max_items(Some(1000))
        .build()
}

/// The line type of CSV rows.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LineType {
    /// Line type of CSV rows without a `type` column
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    kind: Option<LineTypeWord>,
}

fn line_types() -> utoipa::openapi::Object {
    crate::edge::one_of(EntryKind::ALL)
}

fn personal_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotAllowed(m) => ApiError::Forbidden(m),
        other => other.into(),
    }
}

/// `GET /api/v1/registry/summary?as_of=DATE[&format=csv]`: persons by side, category and
/// status on a date. No personal data: for everyone.
#[utoipa::path(get, path = "/api/v1/registry/summary", tag = "registry", params(SummaryQuery), responses((status = 200, description = "Persons by side, category and status (no personal data), as JSON or CSV", content((answers::RegistrySummary = "application/json"), (String = "text/csv"))), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json")))]
pub(crate) async fn summary(
    State(s): State<AppState>,
    Query(q): Query<SummaryQuery>,
) -> Result<Response, ApiError> {
    let date = day(q.as_of).unwrap_or_else(|| {
        jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
    });
    let counts = truce_engine::registry::counts(&s.store.registry_facts().await?, date);
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(json!({"as_of": date, "counts": counts})).into_response()),
        Some("csv") => {
            let mut text = String::from("as_of,side,category,status,count\n");
            for c in &counts {
                text += &format!(
                    "{date},{},{},{},{}\n",
                    c.side,
                    c.category,
                    c.status.map_or("", |s| s.as_str()),
                    c.count
                );
            }
            let mut r = text.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            Ok(r)
        }
        Some(other) => Err(ApiError::BadParameter(
            "format".into(),
            format!("`{other}` is not json or csv"),
        )),
    }
}

/// `GET /api/v1/agreements/{id}/registry/claims[?on=DATE,DATE]`: claims reconciled with
/// the registry and the exchange records, per holding side and date (by default on every
/// date a claim, an exchange or a status change is dated).
#[utoipa::path(get, path = "/api/v1/agreements/{id}/registry/claims", tag = "registry", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), OnDates), responses((status = 200, description = "Claimed against registered against returned, per holding side and date", body = answers::Reconciliation, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn claims(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<OnDates>,
) -> Result<Json<Value>, ApiError> {
    let b = s.bundle(&id).await?;
    let inputs = s.inputs(&b).await?;
    let facts = s.store.registry_facts().await?;
    let e = &inputs.evidence;
    let mut dates: Vec<Date> = match &q.on {
        Some(v) => v
            .split(',')
            .map(|d| crate::edge::read_day("on", d.trim()))
            .collect::<Result<_, _>>()?,
        None => e
            .claims
            .iter()
            .map(|c| c.date)
            .chain(e.exchanges.iter().map(|x| x.date))
            .chain(facts.iter().flat_map(|f| f.history.iter().map(|h| h.0)))
            .collect(),
    };
    if dates.len() > 1000 {
        return Err(ApiError::BadParameter(
            "on".into(),
            "at most 1000 dates".into(),
        ));
    }
    dates.sort();
    dates.dedup();
    let rows = truce_engine::registry::reconcile(&facts, e, &dates);
    // The totals sources state, as of the last date asked about (or the last on record).
    let stated = dates
        .last()
        .map(|d| truce_engine::registry::stated_totals(&b.agreement, e, *d))
        .unwrap_or_default();
    Ok(Json(
        json!({"reconciliation": rows, "stated_totals": stated}),
    ))
}

/// Every person the asker may see in full; refused for roles that see aggregates only.
async fn visible_persons(
    s: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Vec<truce_store::registry::PersonRecord>, ApiError> {
    let p = s.principal(headers).await?;
    if let Err(e) = p.require(Action::ReadPersonal, method, headers) {
        s.store
            .registry_read_refused(&p.viewer(), "persons")
            .await?;
        return Err(e);
    }
    s.store
        .registry_persons(&p.viewer())
        .await
        .map_err(personal_error)
}

/// `GET /api/v1/registry/persons`: every person the asker may see, with personal data.
#[utoipa::path(get, path = "/api/v1/registry/persons", tag = "registry", responses((status = 200, description = "Persons with personal data that the asker may see (each read audited)", body = answers::Persons, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json")))]
pub(crate) async fn persons(
    State(s): State<AppState>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
) -> Result<Json<Value>, ApiError> {
    let list = visible_persons(&s, &method, &headers).await?;
    Ok(Json(json!({"persons": list})))
}

/// `GET /api/v1/registry/persons/{person}`: one person, 404 when the asker may not see
/// them (a refusal does not confirm the person is on record).
#[utoipa::path(get, path = "/api/v1/registry/persons/{person}", tag = "registry", params(("person" = String, Path, description = "Registry id")), responses((status = 200, description = "One person with the status history", body = answers::Person, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn person(
    State(s): State<AppState>,
    Path(person): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let p = s.principal(&headers).await?;
    if let Err(e) = p.require(Action::ReadPersonal, &method, &headers) {
        s.store
            .registry_read_refused(&p.viewer(), &format!("person:{person}"))
            .await?;
        return Err(e);
    }
    match s.store.registry_person(&p.viewer(), &person).await? {
        Some(r) => Ok(Json(json!({"person": r}))),
        None => Err(ApiError::NotFound(format!(
            "no person `{person}` that you may see"
        ))),
    }
}

/// `GET /api/v1/registry/export`: the persons the asker may see as registry JSON Lines,
/// ready to import elsewhere.
#[utoipa::path(get, path = "/api/v1/registry/export", operation_id = "registry_export", tag = "registry", responses((status = 200, description = "The persons the asker may see, as registry JSON Lines", body = String, content_type = "application/x-ndjson"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json")))]
pub(crate) async fn export(
    State(s): State<AppState>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
) -> Result<Response, ApiError> {
    let list = visible_persons(&s, &method, &headers).await?;
    let mut text = String::new();
    for l in truce_store::registry::export_lines(&list) {
        text.push_str(&l);
        text.push('\n');
    }
    let mut r = text.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// The body of an import: JSON Lines (`application/x-ndjson`) or CSV (`text/csv`), as
/// UTF-8 text, with the name the import reports its lines under.
pub(crate) fn lines_body<'a>(
    headers: &HeaderMap,
    body: &'a Bytes,
    what: &str,
) -> Result<(&'static str, &'a str), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let name = if ct.starts_with("text/csv") {
        "request.csv"
    } else if ct.starts_with("application/x-ndjson") || ct.starts_with("application/jsonl") {
        "request.jsonl"
    } else {
        return Err(ApiError::UnsupportedMedia(format!(
            "send {what} as application/x-ndjson or text/csv"
        )));
    };
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::BadBody(String::new(), "the body is not UTF-8".into()))?;
    // An import of nothing is a mistake (an empty file, a CSV with its header alone),
    // not a success that stored nothing.
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    let least = if name == "request.csv" { 2 } else { 1 };
    if lines < least {
        return Err(ApiError::BadBody(
            String::new(),
            format!(
                "the body holds no {what}{}",
                if least == 2 {
                    " (CSV: a header, then a row each)"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok((name, text))
}

/// An import whose every line was refused stored nothing: that is a refusal (400, each
/// line with its member and reason), not a success. One with any line stored answers 200
/// with the lines refused beside it.
pub(crate) fn refused_whole(
    stored: u64,
    rejects: &[truce_formats::jsonl::LineProblem],
) -> Result<(), ApiError> {
    if stored > 0 || rejects.is_empty() {
        return Ok(());
    }
    Err(ApiError::BadBodyMany(
        rejects
            .iter()
            .map(|r| (format!("line {}{}", r.line, r.pointer), r.reason.clone()))
            .collect(),
    ))
}

/// `POST /api/v1/agreements/{id}/registry/import`: registry lines as
/// `application/x-ndjson` (or `text/csv`); good lines land, refused ones come back with
/// line and member.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/registry/import", tag = "registry", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), LineType), request_body(description = "Registry lines (docs/registry.md) as JSON Lines or CSV", content((String = "application/x-ndjson"), (String = "text/csv"))), responses((status = 200, description = "What the import did, with every refused line", body = answers::RegistryImportAnswer, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 415, description = "Not JSON Lines or CSV", content_type = "application/problem+json")))]
pub(crate) async fn import(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    Query(q): Query<LineType>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = s.principal(&headers).await?;
    p.require(Action::ManageRegistry, &method, &headers)?;
    let (name, text) = lines_body(&headers, &body, "registry lines")?;
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            EntryKind::parse(k).ok_or_else(|| {
                ApiError::BadParameter("type".into(), format!("`{k}` is not person or status"))
            })
        })
        .transpose()?;
    let b = s.bundle(&id).await?;
    let r = p
        .store(&s)
        .import_registry(&b, name, text, kind)
        .await
        .map_err(|e| match e {
            StoreError::Refused(m) => ApiError::Unprocessable(m),
            other => other.into(),
        })?;
    refused_whole(
        r.persons_added
            + r.persons_updated
            + r.persons_unchanged
            + r.statuses_added
            + r.statuses_unchanged,
        &r.rejects,
    )?;
    Ok(Json(json!({"import": r})))
}
