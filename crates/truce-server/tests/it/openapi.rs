//! The OpenAPI document lists every route the router serves, with its method.

use crate::{get, states};
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
        // The OGC page size states its default and the most a page holds, which clients
        // such as GDAL take as their page size, marked as capped rather than refused.
        let limit = doc["paths"]["/ogc/{id}/collections/{collection}/items"]["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
            .map(|p| p["schema"].clone())
            .expect("the items' limit");
        assert_eq!(
            (
                &limit["minimum"],
                &limit["maximum"],
                &limit["default"],
                &limit["x-maximum-caps"]
            ),
            (
                &serde_json::json!(1),
                &serde_json::json!(10_000),
                &serde_json::json!(10),
                &serde_json::json!(true)
            ),
            "{limit}"
        );
        // Every documented operation reaches its handler: neither the fallback's 404 nor
        // a 405 (the router and the document are built from one list; this checks the
        // list is what is served).
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                operations += 1;
                // Every parameter says what it is, and a path's are required.
                for p in op["parameters"].as_array().into_iter().flatten() {
                    assert!(
                        p["description"].as_str().is_some_and(|d| !d.is_empty()),
                        "{method} {path}: `{}` has no description",
                        p["name"]
                    );
                    if p["in"] == "path" {
                        assert_eq!(p["required"], true, "{method} {path}: {}", p["name"]);
                    }
                }
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

/// The name and reason of a 400's first invalid parameter.
fn refused(status: StatusCode, p: &serde_json::Value) -> (String, String) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    (
        p["invalid-params"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        p["invalid-params"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn queries_are_read_as_the_document_states_them() {
    for (guard, store, s) in states().await {
        let doc = truce_server::openapi::document();
        let doc = serde_json::to_value(&doc).expect("document");
        // The document's range of `limit` is the one the server keeps.
        let limit = doc["paths"]["/api/v1/agreements/{id}/incidents"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == "limit")
            .expect("limit")
            .clone();
        assert_eq!(limit["schema"]["maximum"], 10_000, "{limit}");
        let (status, _, p) = get(&s, "/api/v1/agreements/nk-2020/incidents?limit=10001").await;
        let (name, reason) = refused(status, &p);
        assert_eq!(name, "limit");
        assert!(reason.contains("from 1 to 10000"), "{reason}");
        let (status, _, _) = get(&s, "/api/v1/agreements/nk-2020/incidents?limit=10000").await;
        assert_eq!(status, StatusCode::OK);

        // A name the route does not take is refused with the nearest it does.
        let (status, _, p) = get(&s, "/api/v1/agreements/nk-2020/incidents?zome=lachin").await;
        let (name, reason) = refused(status, &p);
        assert_eq!(name, "zome");
        assert!(reason.contains("did you mean `zone`"), "{reason}");
        // A word outside those stated, with the nearest.
        let (status, _, p) = get(&s, "/api/v1/agreements/nk-2020/incidents?sort=strat").await;
        let (name, reason) = refused(status, &p);
        assert_eq!(name, "sort");
        assert!(reason.contains("did you mean `start`"), "{reason}");
        // A parameter given twice is refused, not read as one of them.
        let (status, _, p) = get(
            &s,
            "/api/v1/agreements/nk-2020/incidents?status=confirmed&status=rejected",
        )
        .await;
        assert_eq!(refused(status, &p).0, "status");
        // A list may be sent as one value with commas or one pair per item.
        let (status, _, one) = get(
            &s,
            "/api/v1/agreements/nk-2020/registry/claims?on=2020-12-14,2021-01-28",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{one}");
        let (status, _, pairs) = get(
            &s,
            "/api/v1/agreements/nk-2020/registry/claims?on=2020-12-14&on=2021-01-28",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{pairs}");
        assert_eq!(one, pairs);
        // A required parameter missing is named.
        let (status, _, p) = get(&s, "/api/v1/agreements/nk-2020/export").await;
        let (name, reason) = refused(status, &p);
        assert_eq!((name.as_str(), reason.as_str()), ("format", "is required"));
        guard.done(store).await;
    }
}

#[tokio::test]
async fn no_date_outside_the_stated_range_is_evaluated() {
    for (guard, store, s) in states().await {
        // The document states the range as every date parameter's pattern.
        let doc = serde_json::to_value(truce_server::openapi::document()).expect("document");
        let as_of = doc["paths"]["/api/v1/agreements/{id}/status"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == "as_of")
            .expect("as_of")
            .clone();
        assert_eq!(
            as_of["schema"]["pattern"],
            "^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$"
        );
        // Far-future days, which would have the engine walk thousands of years of days,
        // are refused before any work, wherever a date is read.
        for (uri, param) in [
            (
                "/api/v1/agreements/nk-2020/status?as_of=9999-12-31",
                "as_of",
            ),
            (
                "/api/v1/agreements/nk-2020/status/ceasefire?as_of=2100-01-01",
                "as_of",
            ),
            ("/api/v1/agreements/nk-2020/alerts?to=4227-03-11", "to"),
            ("/feeds/nk-2020/alerts.atom?from=1899-12-31", "from"),
            ("/feeds/nk-2020/deadlines.ics?as_of=9999-01-01", "as_of"),
            ("/feeds/nk-2020/alerts/9999-12-31/ceasefire.cap", "date"),
            (
                "/api/v1/agreements/nk-2020/incidents?from=0001-01-01",
                "from",
            ),
        ] {
            let (status, _, p) = get(&s, uri).await;
            let (name, reason) = refused(status, &p);
            assert_eq!(name, param, "{uri}");
            assert!(
                reason.contains("1900-01-01 to 2099-12-31"),
                "{uri}: {reason}"
            );
        }
        // The range's last days are evaluated, the longest alert range (400 days) included.
        let (status, _, card) = get(&s, "/api/v1/agreements/nk-2020/status?as_of=2099-12-31").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(card["as_of"], "2099-12-31");
        let (status, _, alerts) = get(
            &s,
            "/api/v1/agreements/nk-2020/alerts?from=2098-11-26&to=2099-12-31",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{alerts}");
        let (status, _, p) = get(
            &s,
            "/api/v1/agreements/nk-2020/alerts?from=2098-11-25&to=2099-12-31",
        )
        .await;
        assert_eq!(refused(status, &p).0, "from");
        guard.done(store).await;
    }
}

#[tokio::test]
async fn a_kept_scorecard_is_not_served_once_the_evidence_changes() {
    for (guard, store, s) in states().await {
        let uri = "/api/v1/agreements/nk-2020/status/border-commission?as_of=2022-06-01";
        let (status, _, before) = get(&s, uri).await;
        assert_eq!(status, StatusCode::OK, "{before}");
        let (_, _, again) = get(&s, uri).await;
        assert_eq!(before, again, "the same inputs give the same answer");
        assert_ne!(before["line"]["status"]["level"], "ended", "{before}");
        // A made-up lapse of the obligation, stored after the first answer was kept.
        let bundle = store
            .agreement("nk-2020")
            .await
            .expect("read")
            .expect("agreement");
        let line = r#"{"type":"lapse","id":"test-lapse","obligations":["border-commission"],"date":"2022-01-01","what":"a test lapse","source":"https://example.org/lapse"}"#;
        let r = store
            .import_records(
                &bundle,
                "lapse.jsonl",
                line,
                None,
                "2026-11-28T00:00:00Z".parse().expect("now"),
            )
            .await
            .expect("import");
        assert!(r.rejects.is_empty(), "{:?}", r.rejects);
        let (_, _, after) = get(&s, uri).await;
        assert_eq!(after["line"]["status"]["level"], "ended", "{after}");
        guard.done(store).await;
    }
}
