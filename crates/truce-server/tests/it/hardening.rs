//! The server as an attacker meets it, over real connections on 127.0.0.1: an oversized
//! body refused before it is sent, idle connections closed, forwarded headers believed
//! only from a named proxy, the security headers on every answer, `no-store` on personal
//! data, and refused reads of a person audited.

use super::{call, first_state, get, states};
use axum::http::StatusCode;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use truce_server::{AppState, HEADER_TIMEOUT};

/// Serves `state` on a free loopback port; the returned sender stops it.
async fn serving(state: AppState) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(truce_server::serve(listener, state, async {
        let _ = rx.await;
    }));
    (addr, tx)
}

/// Sends `request` as written and reads until the server closes or `wait` passes.
fn exchange(addr: &str, request: &str, wait: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(wait)).expect("timeout");
    s.write_all(request.as_bytes()).expect("write");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_from_its_length_and_idle_connections_are_closed() {
    let (guard, store, s) = first_state().await;
    let (addr, stop) = serving(s).await;
    let big = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || {
            exchange(
                &addr,
                "POST /api/v1/agreements/nk-2020/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
                Duration::from_secs(10),
            )
        }
    })
    .await
    .expect("client");
    assert!(big.0.starts_with("HTTP/1.1 413"), "{}", big.0);
    assert!(
        big.1 < Duration::from_secs(5),
        "answered without waiting for the body, in {:?}",
        big.1
    );
    // A connection that sends nothing is closed after the header timeout.
    let idle = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || exchange(&addr, "", HEADER_TIMEOUT + Duration::from_secs(10))
    })
    .await
    .expect("client");
    assert!(
        idle.1 >= HEADER_TIMEOUT - Duration::from_secs(1)
            && idle.1 < HEADER_TIMEOUT + Duration::from_secs(5),
        "an idle connection was closed after {:?} (expected about {HEADER_TIMEOUT:?})",
        idle.1
    );
    let _ = stop.send(());
    guard.done(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_headers_are_believed_only_from_a_named_proxy() {
    let (guard, store, s) = first_state().await;
    let request = "GET /ogc/nk-2020 HTTP/1.1\r\nHost: truce.example\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: javascript\r\nConnection: close\r\n\r\n";
    let links = |text: &str| text.contains("://evil.example/") || text.contains("javascript:");
    let (addr, stop) = serving(s.clone()).await;
    let stranger =
        tokio::task::spawn_blocking(move || exchange(&addr, request, Duration::from_secs(10)).0)
            .await
            .expect("client");
    assert!(stranger.starts_with("HTTP/1.1 200"), "{stranger}");
    assert!(
        !links(&stranger),
        "forwarded headers from anyone: {stranger}"
    );
    assert!(
        stranger.contains("http://truce.example/ogc/nk-2020"),
        "{stranger}"
    );
    let _ = stop.send(());
    // From a trusted proxy, the host is believed and a scheme that is no scheme is not.
    let proxied = s.with_trusted_proxies(vec!["127.0.0.1".parse().expect("ip")]);
    let (addr, stop) = serving(proxied).await;
    let trusted = tokio::task::spawn_blocking(move || {
        let r = "GET /ogc/nk-2020 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Host: truce.example.org\r\nX-Forwarded-Proto: javascript\r\nConnection: close\r\n\r\n";
        exchange(&addr, r, Duration::from_secs(10)).0
    })
    .await
    .expect("client");
    assert!(
        trusted.contains("http://truce.example.org/ogc/nk-2020"),
        "{trusted}"
    );
    assert!(!trusted.contains("javascript:"), "{trusted}");
    let _ = stop.send(());
    guard.done(store).await;
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_personal_data_is_never_cached() {
    for (guard, store, s) in states().await {
        let app = || truce_server::router(s.clone());
        let fetch = |uri: &'static str| {
            let app = app();
            async move {
                tower::ServiceExt::oneshot(
                    app,
                    axum::http::Request::get(uri)
                        .body(axum::body::Body::empty())
                        .expect("request"),
                )
                .await
                .expect("response")
            }
        };
        for uri in [
            "/api/v1/agreements",
            "/api/v1/agreements/nk-2020/status?as_of=2021-01-01",
            "/api/v1/docs/",
            "/ogc/nk-2020",
            "/no-such-page",
        ] {
            let r = fetch(uri).await;
            let h = r.headers();
            assert_eq!(
                h.get("x-content-type-options").map(|v| v.to_str().ok()),
                Some(Some("nosniff")),
                "{uri}"
            );
            assert_eq!(
                h.get("referrer-policy").map(|v| v.to_str().ok()),
                Some(Some("no-referrer")),
                "{uri}"
            );
            let csp = h
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        }
        // Personal data and sessions: never kept by a cache, even a refusal.
        for uri in ["/api/v1/registry/persons", "/api/v1/session"] {
            let r = fetch(uri).await;
            assert_eq!(
                r.headers()
                    .get("cache-control")
                    .and_then(|v| v.to_str().ok()),
                Some("no-store"),
                "{uri}"
            );
        }
        guard.done(store).await;
    }
}

#[tokio::test]
async fn a_refused_read_of_a_person_is_audited_whoever_asks() {
    for (guard, store, s) in states().await {
        let (status, _, _) = get(&s, "/api/v1/registry/persons/R-0001").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) = call(&s, "GET", "/api/v1/registry/persons", &[], None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let entries = store.audit_entries(0, 100_000).await.expect("entries");
        let refused: Vec<&truce_engine::audit::Entry> = entries
            .iter()
            .filter(|e| e.action == "registry.read-refused")
            .collect();
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert_eq!(refused[0].target, "person:R-0001");
        assert_eq!(refused[1].target, "persons");
        assert!(
            refused[0].detail.contains("public"),
            "{}",
            refused[0].detail
        );
        guard.done(store).await;
    }
}
