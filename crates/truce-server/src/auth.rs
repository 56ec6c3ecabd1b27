//! Who is asking, and what they may do. A request is made by a principal: a user logged
//! in through a browser session (an HTTP-only, same-site cookie, with a CSRF token that
//! every write must echo in `X-CSRF-Token`), a user presenting an API token
//! (`Authorization: Bearer …`), or the public. What each role may do is the access
//! policy of `truce_model::access` ([`PERMISSIONS`]), enforced by [`Principal::require`]
//! in every handler that needs more than public access.

use crate::answers;
use crate::edge::{NoParams, Query};
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use truce_store::accounts::{Login, User, UserRole};

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

pub(crate) fn now_s() -> i64 {
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

/// A login.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginBody {
    /// The user's id.
    #[schema(max_length = 256)]
    user: String,
    /// The password.
    #[schema(max_length = 1024)]
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
#[utoipa::path(post, path = "/api/v1/login", tag = "accounts", request_body(content = LoginBody, content_type = "application/json"), responses((status = 200, description = "Logged in: a session cookie is set; the answer holds the CSRF token", body = answers::LoggedIn, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 401, description = "Wrong user or password", content_type = "application/problem+json"), (status = 429, description = "Too many failed logins; retry later", content_type = "application/problem+json")))]
pub(crate) async fn login(
    State(s): State<AppState>,
    client: Option<axum::Extension<crate::ClientAddr>>,
    headers: HeaderMap,
    _: Query<NoParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: LoginBody = json_body(&headers, &body)?;
    let client = client.map_or_else(|| "unknown".to_owned(), |c| c.0.key());
    match s
        .store
        .login(&b.user, &b.password, &client, now_s())
        .await?
    {
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
    _: Query<NoParams>,
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
#[utoipa::path(get, path = "/api/v1/session", tag = "accounts", responses((status = 200, description = "Who is asking, their role, what the role may do, the sources they may submit reports for, and the CSRF token", body = answers::Session, content_type = "application/json")))]
pub(crate) async fn session(
    State(s): State<AppState>,
    headers: HeaderMap,
    _: Query<NoParams>,
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
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", responses((status = 200, description = "Every account (admins)", body = answers::Users, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json")))]
pub(crate) async fn users(
    State(s): State<AppState>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
) -> Result<Json<Value>, ApiError> {
    s.principal(&headers)
        .await?
        .require(Action::ManageUsers, &method, &headers)?;
    Ok(Json(json!({"users": s.store.users().await?})))
}
