//! Webhooks delivered to a receiver this test runs on 127.0.0.1: who may subscribe, the
//! signature, a retry after a 500, the delivery log and a test delivery.

use super::{PASSWORD, call, monitor_bearer, states};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;
use truce_server::router;
use truce_server::webhooks::WebhookConfig;
use truce_store::webhooks::RetryPolicy;

/// One POST the receiver got: its webhook headers and body.
#[derive(Debug, Clone)]
struct Got {
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
}

/// A receiver answering the statuses of `script` in turn, then 200; what it got.
async fn receiver(script: Vec<u16>) -> (std::net::SocketAddr, Arc<Mutex<Vec<Got>>>) {
    let got: Arc<Mutex<Vec<Got>>> = Arc::default();
    let answers = Arc::new(Mutex::new(script.into_iter()));
    let seen = Arc::clone(&got);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = Arc::clone(&seen);
            let answers = Arc::clone(&answers);
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                seen.lock().expect("lock").push(Got {
                    id: h("webhook-id"),
                    timestamp: h("webhook-timestamp").parse().unwrap_or_default(),
                    signature: h("webhook-signature"),
                    body,
                });
                let status = answers.lock().expect("lock").next().unwrap_or(200);
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, got)
}

/// Waits (at most 30 s) until `check` holds of what the receiver got.
async fn wait_for(got: &Arc<Mutex<Vec<Got>>>, what: &str, check: impl Fn(&[Got]) -> bool) {
    for _ in 0..300 {
        if check(&got.lock().expect("lock")) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "waited 30 s for {what}; the receiver got {:?}",
        got.lock().expect("lock")
    );
}

#[tokio::test]
async fn deliveries_are_signed_retried_after_a_500_logged_and_only_analysts_subscribe() {
    for (guard, store, s) in states().await {
        let now = "2026-11-28T00:00:00Z";
        store
            .add_user(
                "ana",
                "Analyst",
                truce_store::accounts::UserRole::Analyst,
                None,
                PASSWORD,
                now,
            )
            .await
            .expect("user");
        let (_, token) = store
            .create_token("ana", "hooks", now)
            .await
            .expect("token");
        let analyst = format!("Bearer {token}");
        let monitor = monitor_bearer(&store).await;
        let (addr, got) = receiver(vec![500]).await;
        let url = format!("http://{addr}/hook");
        let body =
            serde_json::json!({"agreement": "nk-2020", "url": url, "events": ["incident.created"]});

        // Who may subscribe, and where to.
        let (st, _, _) = call(&s, "POST", "/api/v1/webhooks", &[], Some(body.clone())).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (st, _, _) = call(
            &s,
            "POST",
            "/api/v1/webhooks",
            &[("authorization", &monitor)],
            Some(body.clone()),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "monitors do not subscribe");
        let (st, _, v) = call(
            &s,
            "POST",
            "/api/v1/webhooks",
            &[("authorization", &analyst)],
            Some(body.clone()),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["invalid-params"][0]["name"], "/url", "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("private or local"),
            "a loopback address is refused unless allowed: {v}"
        );
        let mut wrong = body.clone();
        wrong["events"] = serde_json::json!(["incident.creatd"]);
        let (st, _, v) = call(
            &s,
            "POST",
            "/api/v1/webhooks",
            &[("authorization", &analyst)],
            Some(wrong),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(
            v["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("incident.created"),
            "{v}"
        );

        // A node that may deliver to this machine, retrying after 200 ms.
        let s = s.with_webhooks(WebhookConfig {
            interval: Duration::from_millis(100),
            policy: RetryPolicy {
                first_delay_ms: 200,
                ..RetryPolicy::default()
            },
            allow_private: true,
            node: "node-a".into(),
        });
        let r = router(s.clone())
            .oneshot(
                Request::post("/api/v1/webhooks")
                    .header("authorization", &analyst)
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string()))
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(r.status(), StatusCode::CREATED);
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("Location")
            .to_owned();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20)
            .await
            .expect("body");
        let made: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        let hook = made["webhook"]["id"].as_str().expect("id").to_owned();
        let secret = made["secret"].as_str().expect("secret").to_owned();
        assert_eq!(location, format!("/api/v1/webhooks/{hook}"));
        assert!(secret.starts_with("whsec_"), "{secret}");

        // A second subscription, only for incidents in Kalbajar district.
        let mut kalbajar = body.clone();
        kalbajar["zone"] = serde_json::json!("kalbajar");
        let (st, _, v) = call(
            &s,
            "POST",
            "/api/v1/webhooks",
            &[("authorization", &analyst)],
            Some(kalbajar),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let elsewhere = v["webhook"]["id"].as_str().expect("id").to_owned();

        // Serving, the node's dispatcher runs; a new incident is an event.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(truce_server::serve(listener, s.clone(), async {
            let _ = stopped.await;
        }));
        let report = serde_json::json!({"source": "op-7", "key": "hook-1", "occurred": {"start": "2021-07-12T03:00:00Z", "end": "2021-07-12T04:00:00Z", "precision": 1}, "location": {"lon": 46.9, "lat": 39.3, "precision": 1}, "type": "artillery", "credibility": 2, "text": "Shelling heard."});
        let (st, _, v) = call(
            &s,
            "POST",
            "/api/v1/agreements/nk-2020/reports",
            &[("authorization", &analyst)],
            Some(report),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let incident = v["incident"].as_str().expect("incident").to_owned();
        wait_for(&got, "the first attempt (500) and the retry", |g| {
            g.len() >= 2
        })
        .await;
        let seen = got.lock().expect("lock").clone();
        assert_eq!(seen.len(), 2, "one event, two attempts: {seen:?}");
        assert_eq!(seen[0].id, seen[1].id, "a retry keeps its webhook-id");
        for g in &seen {
            assert!(
                truce_usecases::webhooks::verify(
                    &secret,
                    &g.id,
                    g.timestamp,
                    &g.body,
                    &g.signature
                ),
                "the signature verifies with the secret: {g:?}"
            );
            assert!(
                !truce_usecases::webhooks::verify(
                    &secret,
                    &g.id,
                    g.timestamp,
                    &g.body.replace("inc-", "inc-9"),
                    &g.signature
                ),
                "a changed body does not verify"
            );
            let b: serde_json::Value = serde_json::from_str(&g.body).expect("json");
            assert_eq!(b["type"], "incident.created");
            assert_eq!(b["agreement"], "nk-2020");
            assert_eq!(b["data"]["incident"]["id"], incident.as_str());
        }

        // Status changes and bulletins: a third subscription; its first pass only takes
        // note of today's statuses.
        let mut more = body.clone();
        more["events"] = serde_json::json!(["status.changed", "bulletin.published"]);
        let (st, _, v) = call(
            &s,
            "POST",
            "/api/v1/webhooks",
            &[("authorization", &analyst)],
            Some(more),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let third = v["webhook"]["id"].as_str().expect("id").to_owned();
        let mut noted = false;
        for _ in 0..300 {
            noted = !store
                .webhook_status("nk-2020")
                .await
                .expect("read")
                .is_empty();
            if noted {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            noted,
            "waited 30 s for the dispatcher to take note of today's statuses"
        );
        assert!(
            !got.lock()
                .expect("lock")
                .iter()
                .any(|g| g.body.contains("status.changed")),
            "no burst of old changes"
        );
        // Coverage of every day makes today's ceasefire "holding"; a bulletin is published.
        let bundle = store
            .agreement("nk-2020")
            .await
            .expect("read")
            .expect("agreement");
        store
            .import_records(
                &bundle,
                "coverage",
                r#"{"type":"coverage","id":"acled-az-am","watcher":"acled","from":"2018-01-01","source":"https://acleddata.com/"}"#,
                None,
                jiff::Timestamp::now(),
            )
            .await
            .expect("record");
        store
            .publish_bulletin(&truce_store::bulletins::BulletinFiles {
                id: "nk-2020/2021-07-01..2021-07-07",
                agreement: "nk-2020",
                from: "2021-07-01",
                to: "2021-07-07",
                key: "test-key",
                json: "{}",
                markdown: "",
                html: "",
                pdf: None,
                pdf_signature: None,
            })
            .await
            .expect("publish");
        wait_for(&got, "the status change and the bulletin", |g| {
            g.iter().any(|x| x.body.contains("\"status.changed\""))
                && g.iter().any(|x| x.body.contains("\"bulletin.published\""))
        })
        .await;
        let seen = got.lock().expect("lock").clone();
        let change: serde_json::Value = seen
            .iter()
            .find(|g| g.body.contains("\"status.changed\""))
            .and_then(|g| serde_json::from_str(&g.body).ok())
            .expect("status change");
        assert_eq!(change["data"]["obligation"], "ceasefire", "{change}");
        assert_eq!(
            change["data"]["before"], "unknown (no coverage)",
            "{change}"
        );
        assert_eq!(change["data"]["after"], "holding", "{change}");
        let bulletin: serde_json::Value = seen
            .iter()
            .find(|g| g.body.contains("\"bulletin.published\""))
            .and_then(|g| serde_json::from_str(&g.body).ok())
            .expect("bulletin");
        assert_eq!(
            bulletin["data"]["bulletin"]["id"],
            "nk-2020/2021-07-01..2021-07-07"
        );
        let (_, _, log) = call(
            &s,
            "GET",
            &format!("/api/v1/webhooks/{third}/deliveries"),
            &[("authorization", &analyst)],
            None,
        )
        .await;
        assert_eq!(
            log["deliveries"].as_array().map(Vec::len),
            Some(2),
            "one status change, one bulletin: {log}"
        );

        // The incident is not in Kalbajar district: nothing for the second subscription.
        let (_, _, other) = call(
            &s,
            "GET",
            &format!("/api/v1/webhooks/{elsewhere}/deliveries"),
            &[("authorization", &analyst)],
            None,
        )
        .await;
        assert_eq!(
            other["deliveries"].as_array().map(Vec::len),
            Some(0),
            "{other}"
        );

        // The log shows both attempts; a monitor may not read it.
        let (st, _, log) = call(
            &s,
            "GET",
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            &[("authorization", &analyst)],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{log}");
        let d = &log["deliveries"][0];
        assert_eq!(d["state"], "delivered", "{log}");
        assert_eq!(d["event_key"], format!("incident:{incident}"));
        let statuses: Vec<i64> = d["attempts"]
            .as_array()
            .expect("attempts")
            .iter()
            .filter_map(|a| a["status"].as_i64())
            .collect();
        assert_eq!(statuses, [500, 200], "{log}");
        assert_eq!(d["attempts"][0]["node"], "node-a");
        let (st, _, _) = call(
            &s,
            "GET",
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            &[("authorization", &monitor)],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // A test delivery is queued and sent on the next pass.
        let (st, _, v) = call(
            &s,
            "POST",
            &format!("/api/v1/webhooks/{hook}/test"),
            &[("authorization", &analyst)],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::ACCEPTED, "{v}");
        let test_id = v["delivery"].as_str().expect("delivery").to_owned();
        wait_for(&got, "the test delivery", |g| {
            g.iter().any(|x| x.id == test_id)
        })
        .await;

        // Unsubscribed, nothing more is sent.
        let (st, _, _) = call(
            &s,
            "DELETE",
            &format!("/api/v1/webhooks/{hook}"),
            &[("authorization", &analyst)],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (st, _, v) = call(
            &s,
            "GET",
            "/api/v1/webhooks",
            &[("authorization", &analyst)],
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(v["webhooks"].as_array().map(Vec::len), Some(2), "{v}");
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        guard.done(store).await;
    }
}

/// A receiver over HTTPS on 127.0.0.1, with the test authority's certificate
/// (`tests/fixtures/tls`): what it got.
async fn tls_receiver() -> (std::net::SocketAddr, Arc<Mutex<Vec<Got>>>) {
    use hyper::body::Incoming;
    use rustls::pki_types::pem::PemObject as _;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let certs: Vec<rustls::pki_types::CertificateDer<'static>> =
        rustls::pki_types::CertificateDer::pem_file_iter(dir.join("receiver.pem"))
            .expect("certificate")
            .collect::<Result<_, _>>()
            .expect("certificate");
    let key =
        rustls::pki_types::PrivateKeyDer::from_pem_file(dir.join("receiver.key")).expect("key");
    // The provider the deliveries use (see `truce_usecases::webhooks`).
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let got: Arc<Mutex<Vec<Got>>> = Arc::default();
    let seen = Arc::clone(&got);
    tokio::spawn(async move {
        // A bounded loop: the test makes two connections (one refused by the client).
        for _ in 0..8 {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let Ok(tls) = acceptor.accept(tcp).await else {
                continue;
            };
            let seen = Arc::clone(&seen);
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let seen = Arc::clone(&seen);
                async move {
                    use http_body_util::BodyExt as _;
                    let h = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let (id, timestamp, signature) = (
                        h("webhook-id"),
                        h("webhook-timestamp"),
                        h("webhook-signature"),
                    );
                    let body = req.into_body().collect().await.map(|b| b.to_bytes())?;
                    seen.lock().expect("lock").push(Got {
                        id,
                        timestamp: timestamp.parse().unwrap_or_default(),
                        signature,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    Ok::<_, hyper::Error>(hyper::Response::new(http_body_util::Full::new(
                        hyper::body::Bytes::from_static(b"ok"),
                    )))
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service),
            );
        }
    });
    (addr, got)
}

#[tokio::test]
async fn deliveries_go_over_https_to_a_receiver_whose_certificate_is_trusted() {
    use truce_usecases::webhooks as hooks;
    let (addr, got) = tls_receiver().await;
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    let secret = "whsec_dGVzdC1zZWNyZXQtZm9yLXRscw==";
    let body = hooks::payload(hooks::TEST_EVENT, "nk-2020", &serde_json::json!({}));
    // The test authority is in no public root program: the receiver is not trusted.
    let refused = hooks::post(&url, "msg_1", secret, &body, true)
        .await
        .expect_err("an unknown authority");
    assert!(
        refused.contains("TLS with 127.0.0.1") && refused.contains("certificate"),
        "{refused}"
    );
    assert!(got.lock().expect("lock").is_empty(), "nothing was sent");
    // Trusted once its authority is given: the body arrives signed.
    let ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/ca.pem");
    assert_eq!(hooks::trust_also(&ca), Ok(1));
    assert_eq!(
        hooks::post(&url, "msg_2", secret, &body, true).await,
        Ok(200)
    );
    let got = got.lock().expect("lock").clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].id, "msg_2");
    assert_eq!(got[0].body, body);
    assert!(hooks::verify(
        secret,
        &got[0].id,
        got[0].timestamp,
        &got[0].body,
        &got[0].signature
    ));
    // A file without a certificate is refused by name.
    let empty = tempfile::NamedTempFile::new().expect("file");
    let e = hooks::trust_also(empty.path()).expect_err("no certificate");
    assert!(e.contains(&empty.path().display().to_string()), "{e}");
}
