//! The OpenAPI document lists every route the router serves, with its method.

use crate::states;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use truce_server::router;

/// A path of the document with its parameters filled with values that exist in the demo
/// agreement (or at least read as well-formed).
fn concrete(path: &str) -> String {
    path.replace("{id}", "nk-2020")
        .replace("{agreement}", "nk-2020")
        .replace("{obligation}", "ceasefire")
        .replace("{incident}", "inc-1")
        .replace("{person}", "p-1")
        .replace("{collection}", "incidents")
        .replace("{item}", "inc-1")
        .replace("{date}", "2020-11-10")
        .replace("{file}", "x.json")
}

#[tokio::test]
async fn every_operation_of_the_openapi_document_is_served_with_its_method() {
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
        // Every documented operation reaches its handler: neither the fallback's 404 nor
        // a 405 (the router and the document are built from one list; this checks the
        // list is what is served).
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                operations += 1;
                let r = router(s.clone())
                    .oneshot(
                        Request::builder()
                            .method(method.to_uppercase().as_str())
                            .uri(concrete(path))
                            .header("content-type", "application/json")
                            .body(Body::from("{}"))
                            .expect("request"),
                    )
                    .await
                    .expect("response");
                let status = r.status();
                let bytes = axum::body::to_bytes(r.into_body(), 1 << 24)
                    .await
                    .expect("body");
                assert_ne!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but not served"
                );
                assert!(
                    !String::from_utf8_lossy(&bytes).contains("no such resource"),
                    "{method} {path} is documented but not routed"
                );
            }
        }
        assert!(operations >= 43, "{operations} operations documented");
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
