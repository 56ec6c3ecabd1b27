//! What every request and answer passes through before the routes: a body announced
//! larger than the limit refused at once (413, from `Content-Length`, before a byte of it
//! is read); forwarded headers believed only from the proxies the operator named; the
//! client's address for throttling; and the security headers on every answer, with
//! `Cache-Control: no-store` on every answer that may carry personal data.

use crate::{AppState, MAX_BODY_BYTES};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::net::{IpAddr, SocketAddr};

/// The address a request came from: the peer, or, when the peer is a trusted proxy, the
/// last address its `X-Forwarded-For` names. `None` when unknown (a request made in
/// process, as the tests do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// The address as throttling keys it (`unknown` when there is none).
    pub fn key(self) -> String {
        self.0
            .map_or_else(|| "unknown".to_owned(), |a| a.to_string())
    }
}

/// Headers a proxy sets about the client; believed only from a trusted proxy.
const FORWARDED: [&str; 5] = [
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
];

/// Paths whose answers may hold personal data or secrets: never stored by a cache.
const PRIVATE: [&str; 6] = [
    "/api/v1/registry",
    "/api/v1/agreements/",
    "/api/v1/session",
    "/api/v1/login",
    "/api/v1/users",
    "/api/v1/tokens",
];

/// The middleware (see the module's documentation).
pub(crate) async fn guard(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        && len > MAX_BODY_BYTES as u64
    {
        return with_headers(too_large(len), req.uri().path());
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = peer.is_some_and(|p| s.trusted_proxies.contains(&p));
    let client = if trusted {
        forwarded_for(req.headers()).or(peer)
    } else {
        peer
    };
    if trusted {
        keep_plausible(req.headers_mut());
    } else {
        for h in FORWARDED {
            req.headers_mut().remove(h);
        }
    }
    req.extensions_mut().insert(ClientAddr(client));
    let path = req.uri().path().to_owned();
    // A token that is not valid is refused on every route, public ones included: a
    // client must not take a public answer for its own.
    if req.headers().contains_key(header::AUTHORIZATION)
        && let Err(e) = s.principal(req.headers()).await
    {
        return with_headers(e.into_response(), &path);
    }
    let method = req.method().clone();
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let mut r = next.run(req).await;
    if r.status() == StatusCode::METHOD_NOT_ALLOWED {
        r = method_not_allowed(&method);
    }
    if !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        // Another origin's page never reads the answer to a write.
        r.headers_mut().remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    }
    if matches!(method, Method::GET | Method::HEAD)
        && r.status() == StatusCode::OK
        && let Some(policy) = keepable(&path)
    {
        r = validated(r, policy, if_none_match.as_ref()).await;
    }
    with_headers(r, &path)
}

/// Most bytes of an answer given a validator (the zones, a page of OGC items, a bulletin).
const MAX_VALIDATED: u64 = 8 << 20;

/// How a client may keep an answer of this path: published bulletins never change; the
/// dashboard's files, an agreement's zones, places and statuses, the codebook and OGC
/// answers are kept and asked again (`If-None-Match`) before use. Others (personal data,
/// searches, exports, sessions) get no validator.
fn keepable(path: &str) -> Option<&'static str> {
    if path.starts_with("/bulletins/") {
        return Some("public, max-age=31536000, immutable");
    }
    // Incident lists, map points and counts are left out: they are the hot path (every
    // map move), change with every report, and hashing them would cost each answer.
    let public_data = path.starts_with("/api/v1/agreements")
        && ![
            "/registry",
            "/export",
            "/search",
            "/reports",
            "/incidents",
            "/counts",
        ]
        .iter()
        .any(|p| path.contains(p));
    let kept = public_data
        || path.starts_with("/ogc/")
        || path == "/"
        || path == "/app.js"
        || path == "/app.css"
        || path.starts_with("/vendor/")
        || path.starts_with("/i18n/")
        || path == "/sw.js"
        || path == "/manifest.webmanifest"
        || path == "/icon.svg"
        || path == "/api/v1/codebook";
    kept.then_some("no-cache")
}

/// The answer with an entity tag of its bytes (weak: the same bytes go out compressed or
/// not) and its caching policy; `304 Not Modified` without a body when the client holds
/// it already. A streamed or very large answer goes out as it is.
async fn validated(
    r: Response,
    policy: &'static str,
    if_none_match: Option<&HeaderValue>,
) -> Response {
    use axum::body::HttpBody as _;
    use sha2::{Digest, Sha256};
    if r.headers().contains_key(header::ETAG)
        || r.body()
            .size_hint()
            .upper()
            .is_none_or(|n| n > MAX_VALIDATED)
    {
        return r;
    }
    let (mut parts, body) = r.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_VALIDATED as usize).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    let digest = Sha256::digest(&bytes);
    let tag = format!(
        "W/\"{}\"",
        digest[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let held = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == tag.trim_start_matches("W/"))
        });
    if let Ok(v) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, v);
    }
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if held {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::CONTENT_TYPE);
        return Response::from_parts(parts, axum::body::Body::empty());
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Cross-origin reads (CORS): pages of the allowed origins (any, when none is named) may
/// read every GET answer, sending a bearer token if they hold one; no cookie is accepted
/// across origins and no write is allowed (preflights name GET and HEAD only).
pub(crate) fn cors(origins: &[HeaderValue]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origin = if origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().cloned())
    };
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::AUTHORIZATION,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::LOCATION,
            header::ETAG,
            header::LINK,
            header::RETRY_AFTER,
        ])
        .max_age(std::time::Duration::from_secs(3600))
}

/// A 405 as a problem (RFC 9457). The router adds the `Allow` header naming the methods
/// the route takes once the answer leaves every layer.
fn method_not_allowed(method: &Method) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": "Method not allowed",
        "status": 405,
        "detail": format!("`{method}` is not allowed here; the `Allow` header names the methods that are"),
    });
    let mut out = (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response();
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    out
}

/// The last address of `X-Forwarded-For`: the one the trusted proxy itself saw.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .and_then(|a| a.trim().parse().ok())
}

/// From a trusted proxy too, a forwarded scheme must be `http` or `https` and a forwarded
/// host a host name with an optional port: links are built from them.
fn keep_plausible(headers: &mut HeaderMap) {
    let proto_ok = headers
        .get("x-forwarded-proto")
        .is_none_or(|v| matches!(v.to_str(), Ok("http" | "https")));
    if !proto_ok {
        headers.remove("x-forwarded-proto");
    }
    let host_ok = headers.get("x-forwarded-host").is_none_or(|v| {
        v.to_str().is_ok_and(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
    });
    if !host_ok {
        headers.remove("x-forwarded-host");
    }
}

fn too_large(len: u64) -> Response {
    let mut r = (
        StatusCode::PAYLOAD_TOO_LARGE,
        axum::Json(json!({
            "type": "about:blank",
            "title": "Body too large",
            "status": 413,
            "detail": format!("the body announces {len} bytes; at most {MAX_BODY_BYTES} are accepted"),
        })),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    // The body is not read: the connection is not reused.
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// The security headers every answer carries (each only where the route set none).
fn with_headers(mut r: Response, path: &str) -> Response {
    let h = r.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = if path.starts_with("/api/v1/docs") {
        // The API explorer: its own scripts and styles, nothing from elsewhere.
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    } else if path == "/sw.js" {
        // The service worker: its policy is its own, and it fetches this server's files.
        "default-src 'self'"
    } else if html {
        // A document (a bulletin): its own styles and pictures, no script.
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    } else {
        // Data: nothing to run, and never framed.
        "default-src 'none'; frame-ancestors 'none'"
    };
    set(h, header::CONTENT_SECURITY_POLICY, policy);
    if PRIVATE.iter().any(|p| path.starts_with(p)) && private_path(path) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    r
}

/// Of the private prefixes, `/api/v1/agreements/…` is private only for its registry
/// routes (its other answers are public data).
fn private_path(path: &str) -> bool {
    !path.starts_with("/api/v1/agreements/") || path.contains("/registry")
}
