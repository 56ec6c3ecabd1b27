//! Who is asking, and what they may do. A request is made by a principal: a user logged
//! in through a browser session (an HTTP-only, same-site cookie, with a CSRF token that
//! every write must echo in `X-CSRF-Token`), a user presenting an API token
//! (`Authorization: Bearer …`), or the public. What each role may do is the access
//! policy of `truce_model::access` ([`PERMISSIONS`]), enforced by [`Principal::require`]
//! in every handler that needs more than public access.

use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use truce_store::accounts::{Login, User, UserRole};
use truce_store::verify::ReviewError;
use truce_usecases::review::StatusError;
use truce_usecases::submit::SubmitError;

pub use truce_model::access::{Action, PERMISSIONS, allowed};

/// Session cookie name.
const COOKIE: &str = "truce_session";
/// How long a browser session lasts.
const SESSION_S: i64 = 8 * 3600;

/// Who is making the request.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub(crate) user: Option<User>,
    /// The CSRF token, when the request came with a session cookie.
    csrf: Option<String>,
}

impl Principal {
    pub(crate) fn role(&self) -> UserRole {
        self.user.as_ref().map_or(UserRole::Public, |u| u.role)
    }

    /// The store, writing audit entries in this principal's name.
    pub(crate) fn store(&self, s: &AppState) -> truce_store::Store {
        s.store
            .acting_as(self.user.as_ref().map_or("public", |u| u.id.as_str()))
    }

    /// Who is asking, for the registry's need-to-know rules.
    pub(crate) fn viewer(&self) -> truce_store::registry::Viewer {
        self.user.as_ref().map_or_else(
            truce_store::registry::Viewer::public,
            truce_store::registry::Viewer::of,
        )
    }

    /// Refuses the request unless the role may perform `action`; a write made with a
    /// session cookie must also carry the session's CSRF token.
    pub(crate) fn require(
        &self,
        action: Action,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<(), ApiError> {
        if !allowed(self.role(), action) {
            return Err(match self.user {
                None => ApiError::Unauthorized("log in to do this".into()),
                Some(_) => ApiError::Forbidden(format!(
                    "the role `{}` may not do this",
                    self.role().as_str()
                )),
            });
        }
        let write = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if let (true, Some(expected)) = (write, &self.csrf) {
            let given = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
            if given != Some(expected.as_str()) {
                return Err(ApiError::Forbidden(
                    "missing or wrong X-CSRF-Token for this session".into(),
                ));
            }
        }
        Ok(())
    }
}

fn now_s() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

impl AppState {
    /// The principal of a request. A bearer token that is not valid is an error (401);
    /// a stale session cookie just makes the request public.
    pub(crate) async fn principal(&self, headers: &HeaderMap) -> Result<Principal, ApiError> {
        if let Some(auth) = headers.get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| {
                    ApiError::Unauthorized(
                        "the Authorization header must be `Bearer <token>`".into(),
                    )
                })?;
            return match self.store.token_user(token.trim()).await? {
                Some(u) => Ok(Principal {
                    user: Some(u),
                    csrf: None,
                }),
                None => Err(ApiError::Unauthorized(
                    "the API token is unknown or revoked".into(),
                )),
            };
        }
        if let Some(cookie) = cookie_value(headers)
            && let Some((u, csrf)) = self.store.session(&cookie, now_s()).await?
        {
            return Ok(Principal {
                user: Some(u),
                csrf: Some(csrf),
            });
        }
        Ok(Principal {
            user: None,
            csrf: None,
        })
    }
}

/// Reads a JSON body into `T`; a problem names the member at fault by JSON pointer.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/json") {
        return Err(ApiError::UnsupportedMedia(
            "send the body as application/json".into(),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let pointer: String = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(format!("/{index}")),
                serde_path_to_error::Segment::Map { key } => Some(format!("/{key}")),
                serde_path_to_error::Segment::Enum { variant } => Some(format!("/{variant}")),
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        ApiError::BadBody(pointer, e.into_inner().to_string())
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    user: String,
    password: String,
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("truce_session=; Max-Age=0"))
}

/// `POST /api/v1/login` with `{"user", "password"}`: starts a browser session.
#[utoipa::path(post, path = "/api/v1/login", tag = "accounts", request_body(content = Object, content_type = "application/json", description = "A JSON object with `user` and `password`"), responses((status = 200, description = "Logged in: a session cookie is set; the answer holds the CSRF token", content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 401, description = "Wrong user or password", content_type = "application/problem+json"), (status = 429, description = "Too many failed logins; retry later", content_type = "application/problem+json")))]
pub(crate) async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: LoginBody = json_body(&headers, &body)?;
    match s.store.login(&b.user, &b.password, now_s()).await? {
        Login::Ok(user) => {
            let (cookie, csrf) = s.store.create_session(&user.id, now_s(), SESSION_S).await?;
            let mut r = Json(json!({"user": user, "csrf": csrf})).into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&cookie, SESSION_S, s.secure_cookies),
            );
            Ok(r)
        }
        Login::Refused => Err(ApiError::Unauthorized(
            "unknown user or wrong password".into(),
        )),
        Login::Throttled(retry) => Err(ApiError::TooManyRequests(retry)),
    }
}

/// `POST /api/v1/logout`: ends the browser session.
#[utoipa::path(post, path = "/api/v1/logout", tag = "accounts", responses((status = 204, description = "Logged out")))]
pub(crate) async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(cookie) = cookie_value(&headers) {
        s.store.end_session(&cookie).await?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0, s.secure_cookies));
    Ok(r)
}

/// `GET /api/v1/session`: who the request is made as, what they may do, and the CSRF
/// token of a browser session.
#[utoipa::path(get, path = "/api/v1/session", tag = "accounts", responses((status = 200, description = "Who is asking, their role, what the role may do, the sources they may submit reports for, and the CSRF token", content_type = "application/json")))]
pub(crate) async fn session(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let p = s.principal(&headers).await?;
    let role = p.role();
    let may: Vec<&str> = truce_model::access::actions_of(role)
        .into_iter()
        .map(Action::as_str)
        .collect();
    // The sources this user may submit reports for, by the same rule the submission
    // route applies, so that a form offers only those.
    let submit_sources: Vec<String> = if allowed(role, Action::Submit) {
        let party = p.user.as_ref().and_then(|u| u.party.as_deref());
        let mut ids: Vec<String> = s
            .store
            .sources()
            .await?
            .into_values()
            .filter(|src| truce_model::access::may_submit_for(role, party, src).is_ok())
            .map(|src| src.id)
            .collect();
        ids.sort();
        ids
    } else {
        Vec::new()
    };
    Ok(Json(
        json!({"user": p.user, "role": role, "may": may, "submit_sources": submit_sources, "csrf": p.csrf}),
    ))
}

/// `GET /api/v1/users`: every account (administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", responses((status = 200, description = "Every account (admins)", content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json")))]
pub(crate) async fn users(
    State(s): State<AppState>,
    method: Method,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    s.principal(&headers)
        .await?
        .require(Action::ManageUsers, &method, &headers)?;
    Ok(Json(json!({"users": s.store.users().await?})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    /// The analyst's status, or null to return to the assessed one.
    status: Option<truce_engine::incidents::IncidentStatus>,
    reason: String,
}

/// `POST /api/v1/agreements/{id}/incidents/{incident}/status` with `{"status", "reason"}`:
/// an analyst sets (or, with `null`, clears) an incident's status; the change and its
/// reason go into the incident's history.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/incidents/{incident}/status", tag = "incidents", params(("id" = String, Path, description = "Agreement id, e.g. `nk-2020`"), ("incident" = String, Path, description = "Incident id")), request_body(content = Object, content_type = "application/json", description = "A JSON object with `status` (an incident status, or null to clear the analyst's) and `reason` (analysts)"), responses((status = 200, description = "The incident reassessed", content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn set_status(
    State(s): State<AppState>,
    Path((id, incident)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = s.principal(&headers).await?;
    p.require(Action::Verify, &method, &headers)?;
    let b: StatusBody = json_body(&headers, &body)?;
    let bundle = s.bundle(&id).await?;
    let actor = p.user.as_ref().map_or("?", |u| u.id.as_str());
    let updated = truce_usecases::review::change_status(
        &s.store, &bundle, &incident, b.status, &b.reason, actor,
    )
    .await
    .map_err(|e| match e {
        StatusError::NoReason => ApiError::BadBody("/reason".into(), e.to_string()),
        StatusError::Review(ReviewError::NoIncident(i)) => {
            ApiError::NotFound(format!("no incident `{i}` with reports"))
        }
        StatusError::Review(ReviewError::Store(e)) => e.into(),
        StatusError::Review(other) => ApiError::BadBody(String::new(), other.to_string()),
    })?;
    Ok(Json(json!({"incident": updated})))
}

/// Longest accepted `Idempotency-Key`.
const MAX_KEY: usize = 200;

/// `POST /api/v1/agreements/{id}/reports`: one report in the native format
/// (docs/formats.md), placed and matched like an imported one. Monitors, liaisons,
/// analysts and administrators may submit; a monitor not as a data set or a party's
/// ministry, a liaison only for a source of their own party. With an `Idempotency-Key` header, a retry of the same request gets the first
/// answer again (`Idempotent-Replayed: true`) instead of storing anything twice, on any
/// node.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/reports", tag = "incidents", params(("id" = String, Path, description = "Agreement id, e.g. `nk-2020`"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key gets the first answer again")), request_body(content = Object, content_type = "application/json", description = "One report in the native JSON format (docs/formats.md)"), responses((status = 201, description = "Stored and matched: the incident it joined or started", content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 409, description = "The same key is still being carried out", content_type = "application/problem+json"), (status = 422, description = "The key was used for another request", content_type = "application/problem+json")))]
pub(crate) async fn submit_report(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
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
    let request_hash = request_hash_of(&id, &value);
    if let Some(k) = &key {
        match s
            .store
            .claim_idempotency(&user.id, k, &request_hash, now_s())
            .await?
        {
            truce_store::accounts::Claim::New => {}
            truce_store::accounts::Claim::Replay(status, body) => {
                let mut r =
                    (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                r.headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return Ok(r);
            }
            truce_store::accounts::Claim::InProgress => {
                return Err(ApiError::Conflict(
                    "a request with this Idempotency-Key is still being carried out; retry shortly"
                        .into(),
                ));
            }
            truce_store::accounts::Claim::Mismatch => {
                return Err(ApiError::Unprocessable(
                    "this Idempotency-Key was used for a different request".into(),
                ));
            }
        }
    }
    let result = store_report(&p.store(&s), &bundle, prepared).await;
    match (&result, &key) {
        (Ok((status, body)), Some(k)) => {
            s.store
                .finish_idempotency(&user.id, k, status.as_u16(), body)
                .await?
        }
        (Err(_), Some(k)) => s.store.release_idempotency(&user.id, k).await?,
        _ => {}
    }
    let (status, body) = result?;
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

/// SHA-256 of the agreement and the body. serde_json keeps object members sorted, so the
/// same report hashes alike whatever the client's member order.
fn request_hash_of(agreement: &str, v: &Value) -> String {
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
        SubmitError::Store(e) => e.into(),
    }
}

/// Stores and matches a prepared report: the matcher's decision, as JSON.
async fn store_report(
    store: &truce_store::Store,
    bundle: &truce_model::AgreementBundle,
    prepared: truce_usecases::submit::Prepared,
) -> Result<(StatusCode, String), ApiError> {
    let done = prepared.store(store, bundle).await.map_err(submit_error)?;
    let status = if done.stored {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = serde_json::to_string(&done).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((status, body))
}
