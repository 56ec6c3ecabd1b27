//! Truce's HTTP API: agreements as in force on a date, zones, gazetteer lookups, the
//! scorecard and its explanations, alerts, evidence records, statements and incidents
//! under `/api/v1`, and OGC API – Features under `/ogc/{agreement}`. Errors are RFC 9457
//! `application/problem+json` naming the parameter at fault; a server error is logged and
//! its details are not sent.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use tokio::net::TcpListener;
use truce_model::AgreementBundle;
use truce_store::Store;

mod api;
mod assets;
pub mod auth;
mod feeds;
mod ogc;
pub mod openapi;

mod answers;
mod edge;
mod guard;
mod registry;
mod review;
mod submit;
pub mod webhooks;
pub use guard::ClientAddr;
pub use submit::request_hash_of;

/// Loaded agreements by id, with the content hash each was loaded from.
type BundleCache = HashMap<String, (String, Arc<AgreementBundle>, std::time::Instant)>;

/// How long a loaded agreement is served before the store is asked whether it changed.
const AGREEMENT_RECHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// Scorecard inputs by agreement, with the evidence fingerprint they were read at.
type InputsCache = HashMap<String, (String, Arc<api::EngineInputs>)>;

/// Evidence records by agreement, with the evidence fingerprint they were read at.
type RecordsCache = HashMap<String, (String, Arc<Vec<truce_store::records::StoredRecord>>)>;

/// Shared state of every request.
#[derive(Debug, Clone)]
pub struct AppState {
    store: Store,
    cache: Arc<RwLock<BundleCache>>,
    /// Scorecard inputs by agreement, with the evidence fingerprint they were read at.
    inputs: Arc<RwLock<InputsCache>>,
    /// Evidence records by agreement, for searches, with the fingerprint they were read
    /// at (when the scorecard inputs are not fresh).
    records: Arc<RwLock<RecordsCache>>,
    /// Held while the inputs are read afresh: requests that find them stale meanwhile
    /// wait for that one read instead of each reading every incident themselves.
    reading_inputs: Arc<tokio::sync::Mutex<()>>,
    /// Scorecards and alert lists already evaluated, by what they were evaluated from.
    engine_answers: Arc<std::sync::Mutex<api::EngineAnswers>>,
    /// Mark the session cookie `Secure` (serving behind HTTPS).
    secure_cookies: bool,
    /// Proxies whose forwarded headers are believed (`guard`).
    trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    /// Web origins whose pages may read the API (CORS); empty: any.
    cors_origins: Arc<Vec<HeaderValue>>,
    /// Submitted reports waiting for their agreement's lock, carried out together.
    submissions: truce_usecases::submit::Queue,
    /// How this node's webhook dispatcher runs.
    webhooks: Arc<webhooks::WebhookConfig>,
    /// The evidence fingerprint with the audit head it was read at.
    fingerprint: Arc<std::sync::Mutex<Option<(i64, String)>>>,
}

impl AppState {
    /// State over a store; incident pages and the incidents' entries for matching are
    /// kept in memory (see `truce_store::pages` and `truce_store::warm`).
    pub fn new(store: Store) -> Self {
        Self {
            store: store.with_incident_pages().with_warm_matching(),
            cache: Arc::default(),
            inputs: Arc::default(),
            records: Arc::default(),
            reading_inputs: Arc::default(),
            engine_answers: Arc::default(),
            secure_cookies: false,
            trusted_proxies: Arc::default(),
            cors_origins: Arc::default(),
            submissions: truce_usecases::submit::Queue::default(),
            webhooks: Arc::default(),
            fingerprint: Arc::default(),
        }
    }

    /// How this node's webhook dispatcher runs (docs/webhooks.md).
    #[must_use]
    pub fn with_webhooks(mut self, config: webhooks::WebhookConfig) -> Self {
        self.webhooks = Arc::new(config);
        self
    }

    /// Believes `X-Forwarded-*` (the client's address, scheme and host) from these
    /// addresses only: a server behind a reverse proxy names it; from anyone else the
    /// headers are dropped.
    #[must_use]
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// Lets pages of these web origins (`https://maps.example.org`) read the API from a
    /// browser; with none, pages of any origin may. Only reads: no write and no cookie
    /// is ever allowed across origins.
    ///
    /// # Errors
    /// An origin that cannot be a header value.
    pub fn with_cors_origins(mut self, origins: &[String]) -> Result<Self, String> {
        let values = origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o.trim_end_matches('/'))
                    .map_err(|e| format!("`{o}` is not a web origin: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.cors_origins = Arc::new(values);
        Ok(self)
    }

    /// Marks session cookies `Secure`, for a server reached over HTTPS (behind a proxy).
    #[must_use]
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// The agreement, loaded once per stored version.
    async fn bundle(&self, id: &str) -> Result<Arc<AgreementBundle>, ApiError> {
        // A recently checked agreement is served as is: reloading it shows within
        // AGREEMENT_RECHECK, and a request does not pay a query for it.
        if let Ok(cache) = self.cache.read()
            && let Some((_, b, checked)) = cache.get(id)
            && checked.elapsed() < AGREEMENT_RECHECK
        {
            return Ok(Arc::clone(b));
        }
        let summary = self
            .store
            .agreements()
            .await?
            .into_iter()
            .find(|a| a.id == id);
        let Some(summary) = summary else {
            return Err(ApiError::NotFound(format!("no agreement `{id}`")));
        };
        if let Ok(mut cache) = self.cache.write()
            && let Some((hash, b, checked)) = cache.get_mut(id)
            && *hash == summary.content_hash
        {
            *checked = std::time::Instant::now();
            return Ok(Arc::clone(b));
        }
        let b = Arc::new(
            self.store
                .agreement(id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no agreement `{id}`")))?,
        );
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(
                id.to_owned(),
                (
                    summary.content_hash,
                    Arc::clone(&b),
                    std::time::Instant::now(),
                ),
            );
        }
        Ok(b)
    }
}

/// An error answer, rendered as RFC 9457 problem details.
#[derive(Debug)]
pub enum ApiError {
    /// A query parameter is malformed: (parameter, reason).
    BadParameter(String, String),
    /// The resource does not exist.
    NotFound(String),
    /// A request body member is malformed: (JSON pointer, reason).
    BadBody(String, String),
    /// Several members of a request body are malformed: every (JSON pointer, reason).
    BadBodyMany(Vec<(String, String)>),
    /// The body is not JSON.
    UnsupportedMedia(String),
    /// Not logged in, or the credentials are wrong.
    Unauthorized(String),
    /// Logged in, but the role may not do this.
    Forbidden(String),
    /// The request conflicts with one in progress.
    Conflict(String),
    /// A request with the same idempotency key has not answered; retry after this many
    /// seconds.
    KeyInProgress(i64),
    /// The request is well-formed but cannot be carried out as sent.
    Unprocessable(String),
    /// Too many failed logins; retry after this many seconds.
    TooManyRequests(i64),
    /// Something failed on our side; logged, not described to the client.
    Internal(String),
}

impl From<truce_store::StoreError> for ApiError {
    fn from(e: truce_store::StoreError) -> Self {
        match e {
            truce_store::StoreError::NotAllowed(m) => Self::Forbidden(m),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Self::BadParameter(name, reason) => (
                StatusCode::BAD_REQUEST,
                json!({
                    "type": "about:blank",
                    "title": "Invalid query parameter",
                    "status": 400,
                    "detail": format!("`{name}`: {reason}"),
                    "invalid-params": [{"name": name, "reason": reason}],
                }),
            ),
            Self::BadBody(pointer, reason) => (
                StatusCode::BAD_REQUEST,
                json!({
                    "type": "about:blank",
                    "title": "Invalid request body",
                    "status": 400,
                    "detail": if pointer.is_empty() { reason.clone() } else { format!("`{pointer}`: {reason}") },
                    "invalid-params": [{"name": pointer, "reason": reason}],
                }),
            ),
            Self::BadBodyMany(problems) => (
                StatusCode::BAD_REQUEST,
                json!({
                    "type": "about:blank",
                    "title": "Invalid request body",
                    "status": 400,
                    "detail": problems
                        .iter()
                        .map(|(p, r)| if p.is_empty() { r.clone() } else { format!("`{p}`: {r}") })
                        .collect::<Vec<_>>()
                        .join("; "),
                    "invalid-params": problems
                        .iter()
                        .map(|(p, r)| json!({"name": p, "reason": r}))
                        .collect::<Vec<_>>(),
                }),
            ),
            Self::UnsupportedMedia(detail) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!({"type": "about:blank", "title": "Unsupported media type", "status": 415, "detail": detail}),
            ),
            Self::Unauthorized(detail) => (
                StatusCode::UNAUTHORIZED,
                json!({"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": detail}),
            ),
            Self::Conflict(detail) => (
                StatusCode::CONFLICT,
                json!({"type": "about:blank", "title": "Conflict", "status": 409, "detail": detail}),
            ),
            Self::Unprocessable(detail) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"type": "about:blank", "title": "Unprocessable request", "status": 422, "detail": detail}),
            ),
            Self::Forbidden(detail) => (
                StatusCode::FORBIDDEN,
                json!({"type": "about:blank", "title": "Forbidden", "status": 403, "detail": detail}),
            ),
            Self::TooManyRequests(retry) => {
                return retry_after(
                    StatusCode::TOO_MANY_REQUESTS,
                    json!({"type": "about:blank", "title": "Too many failed logins", "status": 429, "detail": format!("try again in {retry} s")}),
                    retry,
                );
            }
            Self::KeyInProgress(retry) => {
                return retry_after(
                    StatusCode::CONFLICT,
                    json!({"type": "about:blank", "title": "Conflict", "status": 409, "detail": format!("a request with this Idempotency-Key is still being carried out; retry in {retry} s")}),
                    retry,
                );
            }
            Self::NotFound(detail) => (
                StatusCode::NOT_FOUND,
                json!({"type": "about:blank", "title": "Not found", "status": 404, "detail": detail}),
            ),
            Self::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"type": "about:blank", "title": "Internal error", "status": 500, "detail": "the server could not answer; the error is logged"}),
                )
            }
        };
        let mut r = (status, Json(body)).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            // RFC 9110 §11.6.1: a 401 names how to authenticate (RFC 6750 for tokens).
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"truce\""),
            );
        }
        r
    }
}

/// Decodes `application/x-www-form-urlencoded` text.
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[utoipa::path(get, path = "/health", tag = "service", responses((status = 200, description = "The server answers", body = answers::Health, content_type = "application/json")))]
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements", responses((status = 200, description = "Stored agreements", body = answers::AgreementList, content_type = "application/json")))]
async fn list_agreements(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    let mut list = Vec::new();
    for a in s.store.agreements().await? {
        let mut v = json!(a);
        // Its title in every language its translators wrote one.
        if let Ok(b) = s.bundle(&a.id).await {
            let titles: std::collections::BTreeMap<&str, &str> = b
                .translations
                .keys()
                .filter_map(|lang| b.translated(lang, "title").map(|t| (lang.as_str(), t)))
                .collect();
            v["titles"] = json!(titles);
        }
        list.push(v);
    }
    Ok(Json(json!({"agreements": list})))
}

/// A day the answer is for.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AsOf {
    /// Local date YYYY-MM-DD in the agreement's zone (default: today there)
    #[param(inline)]
    as_of: Option<edge::Day>,
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), AsOf), responses((status = 200, description = "The agreement as in force on the date: documents, provisions, obligations with amended deadlines", body = answers::AgreementOn, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
async fn show_agreement(
    State(s): State<AppState>,
    Path(id): Path<String>,
    edge::Query(q): edge::Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let b = s.bundle(&id).await?;
    let a = &b.agreement;
    let date = edge::day(q.as_of).unwrap_or_else(|| {
        jiff::Timestamp::now()
            .to_zoned_datetime(a.tz().clone())
            .date()
    });
    let mut v = a.as_of(date).to_json(a);
    // The agreement's own words in other languages (title, actors, documents, obligations).
    v["translations"] = json!(b.translations);
    Ok(Json(v))
}

/// The zones in force on a day, or every version.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ZonesOn {
    /// Only the versions in force on this local day, YYYY-MM-DD; without it every version, each with its `valid_from`/`valid_to`
    #[param(inline)]
    as_of: Option<edge::Day>,
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}/zones", tag = "agreements", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), ZonesOn), responses((status = 200, description = "Zones as a GeoJSON FeatureCollection", body = answers::FeatureCollection, content_type = "application/geo+json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
async fn zones(
    State(s): State<AppState>,
    Path(id): Path<String>,
    edge::Query(q): edge::Query<ZonesOn>,
) -> Result<Response, ApiError> {
    let b = s.bundle(&id).await?;
    let fc = match edge::day(q.as_of) {
        Some(d) => b.zones.to_geojson_on(d),
        None => b.zones.to_geojson(),
    };
    let mut r = Json(fc).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    Ok(r)
}

/// A place name to look up.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PlaceName {
    /// A place name in any spelling or script
    #[param(min_length = 1, max_length = 200, pattern = "\\S")]
    q: String,
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}/places", tag = "agreements", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), PlaceName), responses((status = 200, description = "Matching places with the zones they lie in", body = answers::PlaceMatches, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
async fn places(
    State(s): State<AppState>,
    Path(id): Path<String>,
    edge::Query(q): edge::Query<PlaceName>,
) -> Result<Json<Value>, ApiError> {
    let b = s.bundle(&id).await?;
    Ok(Json(b.gazetteer.find(&q.q).to_json(&b.gazetteer, &b.zones)))
}

/// No route: a path with a trailing slash is sent to the same path without it (`/ogc/nk-2020/`
/// is `/ogc/nk-2020`), anything else is 404.
async fn not_found(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    // Never to another host: `//host/` would name one.
    if path.len() > 1 && path.ends_with('/') && !path.starts_with("//") && !path.ends_with("//") {
        let to = match uri.query() {
            Some(q) => format!("{}?{q}", path.trim_end_matches('/')),
            None => path.trim_end_matches('/').to_owned(),
        };
        if let Ok(location) = HeaderValue::from_str(&to) {
            return (
                StatusCode::PERMANENT_REDIRECT,
                [(header::LOCATION, location)],
            )
                .into_response();
        }
    }
    ApiError::NotFound("no such resource".into()).into_response()
}

/// Largest request body accepted (a report, a login, a status change).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Longest a request may take before the server answers 503.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Gives every request an id (the client's `X-Request-Id` when it sends a sane one),
/// logs it with method, path, status and duration, returns it in `X-Request-Id`, and
/// answers 503 problem details when the request runs past [`REQUEST_TIMEOUT`].
async fn observe(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map_or_else(
            || {
                format!(
                    "{:x}-{:x}",
                    std::process::id(),
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                )
            },
            str::to_owned,
        );
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let mut response = match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            let mut r = (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"type": "about:blank", "title": "Timed out", "status": 503, "detail": "the request took too long; try again"})),
            )
                .into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            r
        }
    };
    tracing::info!(request_id = %id, %method, path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// A problem answer that says when to retry (`Retry-After`, seconds).
fn retry_after(status: StatusCode, body: Value, seconds: i64) -> Response {
    let mut r = (status, Json(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The whole application; tests call it directly.
pub fn router(state: AppState) -> Router {
    let (api, doc) = openapi::api();
    Router::new()
        .route("/", get(assets::index))
        .route("/app.js", get(|| assets::asset(Path("app.js".to_owned()))))
        .route(
            "/app.css",
            get(|| assets::asset(Path("app.css".to_owned()))),
        )
        .route(
            "/vendor/{*path}",
            get(|Path(p): Path<String>| assets::asset(Path(format!("vendor/{p}")))),
        )
        .route(
            "/i18n/{file}",
            get(|Path(p): Path<String>| assets::asset(Path(format!("i18n/{p}")))),
        )
        .route("/sw.js", get(|| assets::asset(Path("sw.js".to_owned()))))
        .route(
            "/manifest.webmanifest",
            get(|| assets::asset(Path("manifest.webmanifest".to_owned()))),
        )
        .route(
            "/icon.svg",
            get(|| assets::asset(Path("icon.svg".to_owned()))),
        )
        .merge(api)
        .merge(openapi::explorer(doc))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(observe))
        .layer(guard::cors(&state.cors_origins))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        // gzip or Brotli as the client accepts, for every answer worth it (JSON, GeoJSON,
        // HTML, scripts, styles): the zones and map points travel to field users on slow
        // links.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

/// Connections served at once; more wait in the listener's backlog until one closes, so
/// the server never runs out of files and stops answering.
pub const MAX_CONNECTIONS: usize = 512;

/// Time a client has to send a request's headers, and that an idle kept-alive
/// connection is kept open.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Time requests in flight get to finish after the shutdown signal.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves until `shutdown` completes, then lets requests in flight finish (for at most
/// 30 s). HTTP/1.1: headers must arrive within [`HEADER_TIMEOUT`], which also closes idle
/// connections; a request's body is read within [`REQUEST_TIMEOUT`]; at most
/// [`MAX_CONNECTIONS`] connections are served at once.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The incident entries for matching and the incident pages are read in the
    // background while the database answers.
    let warming = state.clone();
    tokio::spawn(async move {
        let store = &warming.store;
        for a in store.agreements().await.unwrap_or_default() {
            if let Ok(b) = warming.bundle(&a.id).await {
                let config = truce_engine::incidents::MatchConfig::from(b.agreement.matching);
                if let Err(e) = store.warm_matching_now(&a.id, config).await {
                    tracing::warn!(agreement = %a.id, error = %e, "incident entries for matching could not be read; submissions read them from the database");
                }
            }
            if store.incident_pages_held(&a.id).is_some() {
                continue;
            }
            if let Err(e) = store.refresh_incident_pages(&a.id).await {
                tracing::warn!(agreement = %a.id, error = %e, "incident pages could not be read; the database answers");
            }
        }
    });
    // Webhook deliveries are found and sent apart from the requests that cause them.
    tokio::spawn(webhooks::dispatch(state.clone()));
    let app = router(state);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .keep_alive(true);
    loop {
        let slot = tokio::select! {
            s = Arc::clone(&slots).acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    // Out of files or a connection reset before it was taken: wait a
                    // little rather than spin.
                    tracing::warn!(error = %e, "a connection could not be accepted");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                let app = app.clone();
                async move { tower::ServiceExt::oneshot(app, req.map(axum::body::Body::new)).await }
            });
        let conn = http
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .with_upgrades();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = async { stopping.wait_for(|s| *s).await.map(|_| ()) } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
        });
    }
    let _ = stop.send(true);
    // Every slot back: every connection has finished (or the drain time is up).
    let all = u32::try_from(MAX_CONNECTIONS).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(DRAIN, slots.acquire_many(all)).await;
    Ok(())
}
