//! The HTTP API through `router(state)`, plus one real listener on 127.0.0.1.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::path::Path;
use tower::ServiceExt;
use truce_core::SourceFile;
use truce_server::{AppState, router};
use truce_store::Store;
use truce_store::testing::{Guard, fresh_all};

/// The nk-2020 agreement loaded into a fresh store on every backend under test.
async fn states() -> Vec<(Guard, Store, AppState)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../agreements/nk-2020");
    let read = |n: &str| {
        std::fs::read_to_string(folder.join(n))
            .map(|t| SourceFile::new(n, t))
            .map_err(|e| e.to_string())
    };
    let bundle = truce_core::load(read("agreement.toml").expect("agreement"), read).expect("loads");
    let mut out = Vec::new();
    for (guard, store) in fresh_all().await {
        store.load_agreement(&bundle).await.expect("load");
        let state = AppState::new(store.clone());
        out.push((guard, store, state));
    }
    out
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, String, serde_json::Value) {
    let r = router(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24)
        .await
        .expect("body");
    (
        status,
        ct,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// The Kalbajar handover's last day on time in an agreement view.
fn kalbajar_last_day(view: &serde_json::Value) -> serde_json::Value {
    let obligations = view["obligations"].as_array().expect("obligations");
    let k = obligations
        .iter()
        .find(|o| o["obligation"]["id"] == "handover-kalbajar")
        .expect("kalbajar");
    k["last_day"].clone()
}

#[tokio::test]
async fn the_agreement_as_of_a_date_carries_the_amended_deadline() {
    for (guard, store, s) in states().await {
        let (status, _, v) = get(&s, "/api/v1/agreements/nk-2020?as_of=2020-11-16").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(kalbajar_last_day(&v), "2020-11-25");
        let (_, _, v) = get(&s, "/api/v1/agreements/nk-2020?as_of=2020-11-14").await;
        assert_eq!(kalbajar_last_day(&v), "2020-11-15");
        guard.done(store).await;
    }
}

#[tokio::test]
async fn bad_parameters_get_problem_json_naming_the_parameter() {
    for (guard, store, s) in states().await {
        let (status, ct, v) = get(&s, "/api/v1/agreements/nk-2020?as_of=2020-11-31").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(ct, "application/problem+json");
        assert_eq!(v["invalid-params"][0]["name"], "as_of");
        let (status, _, v) = get(&s, "/api/v1/agreements/nk-2020?asof=2020-11-30").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            v["detail"]
                .as_str()
                .is_some_and(|d| d.contains("did you mean `as_of`?")),
            "{v}"
        );
        let (status, _, _) = get(&s, "/api/v1/agreements/nk-2020/places?q=%ZZ").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _, _) = get(&s, "/api/v1/agreements/nk-2020/places").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, ct, _) = get(&s, "/api/v1/agreements/nk-1994").await;
        assert_eq!(
            (status, ct.as_str()),
            (StatusCode::NOT_FOUND, "application/problem+json")
        );
        let (status, _, _) = get(&s, "/nothing/here").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        guard.done(store).await;
    }
}

#[tokio::test]
async fn zones_are_geojson_and_places_answer_any_spelling() {
    for (guard, store, s) in states().await {
        let (status, ct, v) = get(&s, "/api/v1/agreements/nk-2020/zones").await;
        assert_eq!(
            (status, ct.as_str()),
            (StatusCode::OK, "application/geo+json")
        );
        assert_eq!(v["type"], "FeatureCollection");
        let (_, _, v) = get(
            &s,
            "/api/v1/agreements/nk-2020/places?q=%D0%A8%D1%83%D1%88%D0%B0",
        )
        .await; // Шуша
        assert_eq!(v["matches"][0]["place"]["display"], "Shusha / Shushi");
        let (_, _, v) = get(&s, "/api/v1/agreements").await;
        assert_eq!(v["agreements"][0]["id"], "nk-2020");
        guard.done(store).await;
    }
}

#[tokio::test]
async fn a_real_listener_answers_and_shuts_down_gracefully() {
    for (guard, store, s) in states().await {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(truce_server::serve(listener, s, async {
            let _ = rx.await;
        }));
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut response = String::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_string(&mut response),
        )
        .await
        .expect("in time")
        .expect("read");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains(r#"{"status":"ok"}"#));
        tx.send(()).expect("signal");
        tokio::time::timeout(std::time::Duration::from_secs(10), server)
            .await
            .expect("stops")
            .expect("join")
            .expect("serve");
        guard.done(store).await;
    }
}
