//! One report submitted over HTTP, over the use-case (`truce_usecases::submit`), with
//! the request's `Idempotency-Key` claimed between reading and storing.

use crate::answers;
use crate::auth::{Action, json_body, now_s};
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use truce_usecases::submit::SubmitError;

/// Longest accepted `Idempotency-Key`.
const MAX_KEY: usize = 200;

/// `POST /api/v1/agreements/{id}/reports`: one report in the native format
/// (docs/formats.md), placed and matched like an imported one. Monitors, liaisons,
/// analysts and administrators may submit; a monitor not as a data set or a party's
/// ministry, a liaison only for a source of their own party. With an `Idempotency-Key` header, a retry of the same request gets the first
/// answer again (`Idempotent-Replayed: true`) instead of storing anything twice, on any
/// node.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/reports", tag = "incidents", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key gets the first answer again")), request_body(content = answers::ReportBody, content_type = "application/json"), responses((status = 201, description = "Stored and matched: the incident it joined or started (also in `Location`)", body = answers::Submitted, content_type = "application/json"), (status = 200, description = "The same version was stored before: nothing was written; where it went then", body = answers::Submitted, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 409, description = "A request with the same key has not answered yet (`Retry-After` says when to retry)", content_type = "application/problem+json"), (status = 422, description = "The key was used for another request", content_type = "application/problem+json")))]
pub(crate) async fn submit_report(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    _: crate::edge::Query<crate::edge::NoParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let p = s.principal(&headers).await?;
    p.require(Action::Submit, &method, &headers)?;
    let user = p
        .user
        .clone()
        .ok_or_else(|| ApiError::Unauthorized("log in to submit".into()))?;
    let value: Value = json_body(&headers, &body)?;
    let key = headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= MAX_KEY)
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::BadParameter(
                        "Idempotency-Key".into(),
                        format!("must be 1 to {MAX_KEY} visible characters"),
                    )
                })
        })
        .transpose()?;
    let bundle = s.bundle(&id).await?;
    let prepared = truce_usecases::submit::prepare(
        &s.store,
        &bundle,
        user.role,
        user.party.as_deref(),
        &value,
        jiff::Timestamp::now(),
    )
    .await
    .map_err(submit_error)?;
    let key = key.map(|key| truce_usecases::submit::Idempotency {
        user: user.id.clone(),
        key,
        request_hash: request_hash_of(&id, &value),
    });
    let a = s
        .submissions
        .submit(&p.store(&s), bundle, prepared, key, now_s())
        .await
        .map_err(submit_error)?;
    let (status, body, replayed) = (
        StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK),
        a.body,
        a.replayed,
    );
    // A stored report is read through the incident it joined or started.
    let location = (status == StatusCode::CREATED)
        .then(|| serde_json::from_str::<Value>(&body).ok())
        .flatten()
        .and_then(|v| v.get("incident").and_then(Value::as_str).map(str::to_owned))
        .and_then(|i| HeaderValue::from_str(&format!("/api/v1/incidents/{i}")).ok());
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(l) = location {
        r.headers_mut().insert(header::LOCATION, l);
    }
    if replayed {
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(r)
}

/// SHA-256 of the agreement and the body. serde_json keeps object members sorted, so the
/// same report hashes alike whatever the client's member order.
pub fn request_hash_of(agreement: &str, v: &Value) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("{agreement}\n{v}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The answer to a refused submission.
fn submit_error(e: SubmitError) -> ApiError {
    match e {
        // Every problem of the report, each with its JSON pointer, so a form can mark
        // them all.
        SubmitError::Invalid(problems) => ApiError::BadBodyMany(problems),
        SubmitError::Refused(r) => ApiError::Forbidden(r.to_string()),
        SubmitError::Rejected(pointer, reason) => ApiError::BadBody(pointer, reason),
        SubmitError::KeyInProgress(seconds) => ApiError::KeyInProgress(seconds),
        SubmitError::KeyMismatch => {
            ApiError::Unprocessable("this Idempotency-Key was used for a different request".into())
        }
        SubmitError::Store(truce_store::StoreError::KeyTaken) => ApiError::Conflict(
            "this Idempotency-Key was used by another request at the same moment".into(),
        ),
        SubmitError::Store(e) => e.into(),
    }
}
