//! The OpenAPI document lists every route the router serves, with its method.

use crate::states;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use truce_server::router;

/// (method, path) of every `.route(…)` in the router's source (each method of a chain
/// such as `get(a).post(b)`), assets left out.
fn routes_in_source() -> Vec<(String, String)> {
    let src = include_str!("../../src/lib.rs");
    let body = &src[src.find("pub fn router(").expect("router")..];
    let body = &body[..body.find(".fallback(").expect("fallback")];
    let mut out = Vec::new();
    for part in body.split(".route(").skip(1) {
        let path = part.split('"').nth(1).expect("path").to_owned();
        let method = part
            .split('"')
            .nth(2)
            .and_then(|rest| rest.trim_start_matches([',', ' ', '\n']).split('(').next())
            .expect("method")
            .trim()
            .to_owned();
        // The dashboard's own files are not API.
        let asset = [
            "/app.",
            "/vendor/",
            "/i18n/",
            "/sw.js",
            "/manifest.",
            "/icon.",
        ];
        if path == "/" || asset.iter().any(|a| path.starts_with(a)) {
            continue;
        }
        // More methods on the same path: `get(a).post(b)`.
        for more in ["post", "put", "patch", "delete"] {
            if method != more && part.contains(&format!(").{more}(")) {
                out.push((more.to_owned(), path.clone()));
            }
        }
        out.push((method, path));
    }
    out
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_with_its_method() {
    let routes = routes_in_source();
    assert!(routes.len() >= 40, "{routes:?}");
    for (guard, store, s) in states().await {
        let r = router(s.clone())
            .oneshot(
                Request::builder()
                    .uri("/api/v1/openapi.json")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 24)
            .await
            .expect("body");
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(doc["openapi"], "3.1.0");
        for (method, path) in &routes {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is not in the OpenAPI document"
            );
        }
        // Defaults the document states are the engine's own.
        let defaults = truce_engine::compliance::Options::default();
        let mut stated = 0;
        for op in doc["paths"]
            .as_object()
            .expect("paths")
            .values()
            .flat_map(|p| p.as_object().into_iter().flat_map(|m| m.values()))
        {
            for param in op["parameters"].as_array().into_iter().flatten() {
                let want = match param["name"].as_str() {
                    Some("period_days") => defaults.period_days,
                    Some("breach_threshold") => defaults.breach_threshold,
                    _ => continue,
                };
                stated += 1;
                let text = param["description"].as_str().unwrap_or_default();
                assert!(
                    text.contains(&format!("(default {want})")),
                    "{}: `{text}` states another default than {want}",
                    param["name"]
                );
            }
        }
        assert!(stated >= 2, "the thresholds are documented");
        let documented: usize = doc["paths"]
            .as_object()
            .expect("paths")
            .values()
            .map(|p| p.as_object().map_or(0, serde_json::Map::len))
            .sum();
        assert_eq!(
            documented,
            routes.len(),
            "nothing documented that is not served"
        );
        // The explorer is served from the binary.
        let r = router(s.clone())
            .oneshot(
                Request::builder()
                    .uri("/api/v1/docs/")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(r.status(), StatusCode::OK);
        guard.done(store).await;
    }
}
