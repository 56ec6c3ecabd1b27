//! The HTTP API through `router(state)`, plus one real listener on 127.0.0.1.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::path::Path;
use tower::ServiceExt;
use truce_model::SourceFile;
use truce_server::{AppState, router};
use truce_store::Store;
use truce_store::testing::{Guard, fresh_all};

mod bulletins;
mod export;
mod hardening;
mod openapi;
mod registry;
mod webhooks;

/// The nk-2020 agreement loaded into a fresh store on every backend under test.
async fn states() -> Vec<(Guard, Store, AppState)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../agreements/nk-2020");
    let read = |n: &str| {
        std::fs::read_to_string(folder.join(n))
            .map(|t| SourceFile::new(n, t))
            .map_err(|e| e.to_string())
    };
    let bundle =
        truce_model::load(read("agreement.toml").expect("agreement"), read).expect("loads");
    let mut out = Vec::new();
    for (guard, store) in fresh_all().await {
        store.load_agreement(&bundle).await.expect("load");
        let now = "2026-11-28T00:00:00Z".parse().expect("now");
        for name in [
            "handovers",
            "deployment",
            "corridor",
            "exchanges",
            "milestones",
        ] {
            let text = std::fs::read_to_string(folder.join(format!("evidence/{name}.jsonl")))
                .expect("evidence");
            let r = store
                .import_records(&bundle, name, &text, None, now)
                .await
                .expect("records");
            assert!(r.rejects.is_empty(), "{:?}", r.rejects);
        }
        import_incidents(&store, &bundle).await;
        use truce_model::report::{Reliability, Source, SourceKind};
        for (id, kind, party) in [
            ("op-7", SourceKind::ObservationPost, None),
            ("am-mod", SourceKind::PartyMinistry, Some("am")),
        ] {
            store
                .put_source(&Source {
                    id: id.into(),
                    name: id.into(),
                    kind,
                    reliability: Reliability::B,
                    party: party.map(str::to_owned),
                })
                .await
                .expect("source");
        }
        let state = AppState::new(store.clone());
        out.push((guard, store, state));
    }
    out
}

/// The state on the first backend only (SQLite), the others' databases dropped.
async fn first_state() -> (Guard, Store, AppState) {
    let mut all = states().await.into_iter();
    let first = all.next().expect("a backend");
    for (guard, store, _) in all {
        guard.done(store).await;
    }
    first
}

/// Three ACLED rows in the region: Stepanakert (2021-05-01), Aghdam (2021-05-02, blamed
/// on Armenia's forces) and Lachin (2021-06-10).
async fn import_incidents(store: &Store, b: &truce_model::AgreementBundle) {
    let header = truce_formats::acled::COLUMNS.join(",");
    let row = |id: &str, date: &str, actor1: &str, place: &str, lat: f64, lon: f64| {
        format!(
            "{id},{date},2021,1,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,{actor1},,1,,,0,10,,31,Caucasus and Central Asia,Azerbaijan,,,,{place},{lat},{lon},1,S,National,n,0,,1700000000"
        )
    };
    let text = [
        header,
        row(
            "AZE1",
            "2021-05-01",
            "Military Forces of Azerbaijan (2003-)",
            "Stepanakert",
            39.8153,
            46.7519,
        ),
        row(
            "AZE2",
            "2021-05-02",
            "Military Forces of Armenia (2018-)",
            "Aghdam",
            39.9931,
            46.9306,
        ),
        row(
            "AZE3",
            "2021-06-10",
            "Military Forces of Azerbaijan (2003-)",
            "Lachin",
            39.6383,
            46.5461,
        ),
    ]
    .join("\n");
    let now = "2026-11-28T00:00:00Z".parse().expect("now");
    let options = truce_store::testing::acled_options(now);
    truce_store::ingest::import_acled(store, b, text.as_bytes(), &options, 100, |_| {})
        .await
        .expect("store")
        .expect("file");
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

/// The whole answer to a request: status, headers and body as JSON.
async fn answer(
    state: &AppState,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let r = router(state.clone()).oneshot(req).await.expect("response");
    let (status, headers) = (r.status(), r.headers().clone());
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24)
        .await
        .expect("body");
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn http_answers_say_what_a_client_needs_405_401_location_and_reversed_dates() {
    for (guard, store, s) in states().await {
        // A method a route does not take: a problem naming the ones it does.
        let (status, h, v) = answer(&s, "DELETE", "/api/v1/agreements", &[], None).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(h["content-type"], "application/problem+json");
        assert_eq!(v["status"], 405, "{v}");
        assert!(
            h["allow"].to_str().is_ok_and(|a| a.contains("GET")),
            "{h:?}"
        );
        // Not logged in: a 401 says how to authenticate.
        let (status, h, _) = answer(&s, "GET", "/api/v1/users", &[], None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            h["www-authenticate"]
                .to_str()
                .is_ok_and(|v| v.starts_with("Bearer")),
            "{h:?}"
        );
        // A token that is not valid is refused on a public route too.
        let bad = [("authorization", "Bearer not-a-token")];
        let (status, h, v) = answer(
            &s,
            "GET",
            "/api/v1/agreements/nk-2020/incidents",
            &bad,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
        assert!(h.contains_key("www-authenticate"));
        let (status, _, _) =
            answer(&s, "GET", "/api/v1/agreements/nk-2020/incidents", &[], None).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "without a token the route is public"
        );
        // A stored report's answer says where to read it.
        let bearer = monitor_bearer(&store).await;
        let report = serde_json::json!({"source": "op-7", "key": "where-1", "occurred": {"start": "2021-05-20T05:00:00Z", "end": "2021-05-20T06:00:00Z", "precision": 1}, "location": {"lon": 46.9, "lat": 39.9, "precision": 1}, "type": "artillery", "credibility": 1, "text": "Impacts."});
        let (status, h, v) = answer(
            &s,
            "POST",
            "/api/v1/agreements/nk-2020/reports",
            &[("authorization", bearer.as_str())],
            Some(report),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let location = h["location"].to_str().expect("location").to_owned();
        assert_eq!(
            location,
            format!(
                "/api/v1/incidents/{}",
                v["incident"].as_str().expect("incident")
            )
        );
        let (status, _, v) = answer(&s, "GET", &location, &[], None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            v.to_string().contains("op-7:where-1"),
            "the report is there: {v}"
        );
        // Dates given the wrong way round are refused as a reversed box is.
        let (status, _, v) = answer(
            &s,
            "GET",
            "/api/v1/agreements/nk-2020/incidents?from=2021-05-10&to=2021-05-01",
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(v["invalid-params"][0]["name"], "to", "{v}");
        let (status, _, _) = answer(
            &s,
            "GET",
            "/api/v1/agreements/nk-2020/incidents?from=2021-05-01&to=2021-05-01",
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "one day is a range");
        guard.done(store).await;
    }
}

#[tokio::test]
async fn pages_of_other_origins_may_read_but_never_write_and_answers_come_compressed() {
    use std::io::Read as _;
    for (guard, store, s) in states().await {
        let origin = ("origin", "https://maps.example.org");
        // A preflight for a read with a token: allowed, for an hour.
        let (status, h, _) = answer(
            &s,
            "OPTIONS",
            "/api/v1/agreements/nk-2020/incidents",
            &[
                origin,
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "authorization"),
            ],
            None,
        )
        .await;
        assert!(status.is_success(), "{status}");
        assert_eq!(h["access-control-allow-origin"], "*");
        let methods = h["access-control-allow-methods"].to_str().expect("methods");
        assert!(
            methods.contains("GET") && !methods.contains("POST"),
            "{methods}"
        );
        assert!(
            h["access-control-allow-headers"]
                .to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("authorization"))
        );
        assert!(!h.contains_key("access-control-allow-credentials"));
        // The read itself.
        let (status, h, _) = answer(
            &s,
            "GET",
            "/api/v1/agreements/nk-2020/zones",
            &[origin],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(h["access-control-allow-origin"], "*");
        // A write's answer is never readable by another origin's page.
        let (_, h, _) = answer(
            &s,
            "POST",
            "/api/v1/login",
            &[origin],
            Some(serde_json::json!({"user": "x", "password": "y"})),
        )
        .await;
        assert!(!h.contains_key("access-control-allow-origin"), "{h:?}");
        // Only the named origins, when some are named.
        let named = s
            .clone()
            .with_cors_origins(&["https://maps.example.org".into()])
            .expect("origin");
        let (_, h, _) = answer(&named, "GET", "/api/v1/codebook", &[origin], None).await;
        assert_eq!(h["access-control-allow-origin"], "https://maps.example.org");
        let (_, h, _) = answer(
            &named,
            "GET",
            "/api/v1/codebook",
            &[("origin", "https://elsewhere.example")],
            None,
        )
        .await;
        assert!(!h.contains_key("access-control-allow-origin"), "{h:?}");
        // Compressed when asked, and the same bytes once decoded.
        let plain = Request::builder()
            .uri("/api/v1/agreements/nk-2020/zones")
            .body(Body::empty())
            .expect("request");
        let r = router(s.clone()).oneshot(plain).await.expect("response");
        assert!(!r.headers().contains_key("content-encoding"));
        let plain = axum::body::to_bytes(r.into_body(), 1 << 26)
            .await
            .expect("body");
        let gz = Request::builder()
            .uri("/api/v1/agreements/nk-2020/zones")
            .header("accept-encoding", "gzip")
            .body(Body::empty())
            .expect("request");
        let r = router(s.clone()).oneshot(gz).await.expect("response");
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert!(
            r.headers().get_all("vary").iter().any(|v| v
                .to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))),
            "caches keep each encoding apart"
        );
        let packed = axum::body::to_bytes(r.into_body(), 1 << 26)
            .await
            .expect("body");
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut unpacked)
            .expect("gzip");
        assert_eq!(unpacked, plain.to_vec());
        assert!(
            packed.len() * 3 < plain.len(),
            "the zones shrink: {} of {} bytes",
            packed.len(),
            plain.len()
        );
        guard.done(store).await;
    }
}

#[tokio::test]
async fn answers_carry_validators_and_a_client_holding_one_gets_304() {
    for (guard, store, s) in states().await {
        for uri in [
            "/api/v1/agreements/nk-2020/zones",
            "/api/v1/agreements/nk-2020/status?as_of=2021-01-01",
            "/ogc/nk-2020/collections/zones/items",
            "/app.js",
        ] {
            let (status, h, first) = answer(&s, "GET", uri, &[], None).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            let tag = h["etag"].to_str().expect("etag").to_owned();
            assert!(tag.starts_with("W/\""), "{uri}: {tag}");
            assert_eq!(
                h["cache-control"], "no-cache",
                "{uri}: asked again before use"
            );
            // Held: 304 with no body; held no more (another tag): the whole answer.
            let (status, h, v) =
                answer(&s, "GET", uri, &[("if-none-match", tag.as_str())], None).await;
            assert_eq!(status, StatusCode::NOT_MODIFIED, "{uri}");
            assert_eq!(h["etag"], tag.as_str());
            assert_eq!(v, serde_json::Value::Null, "{uri}: no body");
            let (status, _, again) = answer(
                &s,
                "GET",
                uri,
                &[("if-none-match", "W/\"0000\", \"1111\"")],
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert_eq!(again, first, "{uri}");
        }
        // Another day's statuses are another answer with another tag.
        let tag = |uri: &'static str| {
            let s = s.clone();
            async move {
                answer(&s, "GET", uri, &[], None).await.1["etag"]
                    .to_str()
                    .expect("etag")
                    .to_owned()
            }
        };
        assert_ne!(
            tag("/api/v1/agreements/nk-2020/status?as_of=2021-01-01").await,
            tag("/api/v1/agreements/nk-2020/status?as_of=2022-01-01").await
        );
        // Personal data and searches get none.
        let (_, h, _) = answer(
            &s,
            "GET",
            "/api/v1/agreements/nk-2020/search?q=shusha",
            &[],
            None,
        )
        .await;
        assert!(!h.contains_key("etag"));
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

#[tokio::test]
async fn the_scorecard_its_explanations_and_alerts_are_served_for_any_date() {
    for (guard, store, s) in states().await {
        let (status, _, card) = get(&s, "/api/v1/agreements/nk-2020/status?as_of=2020-11-21").await;
        assert_eq!(status, StatusCode::OK, "{card}");
        let line = |card: &serde_json::Value, id: &str| {
            card["lines"]
                .as_array()
                .and_then(|l| l.iter().find(|x| x["obligation"] == id).cloned())
                .unwrap_or_default()
        };
        assert_eq!(
            line(&card, "handover-agdam")["status"]["state"],
            "complete on time"
        );
        assert_eq!(line(&card, "handover-kalbajar")["status"]["state"], "due");
        // One data set's rows are unverified: counted, no breach, and never "holding".
        let (_, _, card) = get(&s, "/api/v1/agreements/nk-2020/status?as_of=2021-05-02").await;
        let cf = line(&card, "ceasefire");
        assert_eq!(
            cf["status"]["state"], "violations reported, unverified",
            "{cf}"
        );
        assert_eq!(
            cf["details"]["since_effective"]["am"]["unverified"], 1,
            "{cf}"
        );
        // An analyst confirms the Aghdam incident: the scorecard reads it at once.
        let (_, _, f) = get(&s, "/api/v1/agreements/nk-2020/incidents?party=am").await;
        let aghdam = f["incidents"][0]["id"].as_str().expect("id").to_owned();
        let b = store
            .agreement("nk-2020")
            .await
            .expect("read")
            .expect("stored");
        store
            .set_status(
                &b,
                &aghdam,
                Some(truce_engine::incidents::IncidentStatus::Confirmed),
                "seen by OP 3",
                "analyst",
            )
            .await
            .expect("verify");
        let (_, _, card) = get(&s, "/api/v1/agreements/nk-2020/status?as_of=2021-05-02").await;
        let cf = line(&card, "ceasefire");
        assert_eq!(
            (
                cf["status"]["state"].as_str(),
                cf["status"]["breached"].as_bool()
            ),
            (Some("breached"), Some(true)),
            "{cf}"
        );
        assert_eq!(cf["status"]["evidence"][0], aghdam.as_str());
        let (_, _, card) = get(
            &s,
            "/api/v1/agreements/nk-2020/status?as_of=2021-05-02&breach_threshold=5",
        )
        .await;
        assert_eq!(line(&card, "ceasefire")["status"]["state"], "violated");

        let (status, _, x) = get(
            &s,
            "/api/v1/agreements/nk-2020/status/handover-kalbajar?as_of=2020-11-26",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(x["line"]["status"]["state"], "complete on time");
        assert_eq!(x["evidence"][0]["id"], "handover:kalbajar-2020-11-25");
        assert!(
            x["evidence"][0]["source"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://jam-news.net/")),
            "{x}"
        );
        assert_eq!(x["evidence"][0]["origin"], "handovers:2");
        let (status, ct, x) = get(&s, "/api/v1/agreements/nk-2020/status/handover-kalbajr").await;
        assert_eq!(
            (status, ct.as_str()),
            (StatusCode::NOT_FOUND, "application/problem+json")
        );
        assert!(
            x["detail"]
                .as_str()
                .is_some_and(|d| d.contains("handover-kalbajar")),
            "{x}"
        );

        let (status, _, a) = get(
            &s,
            "/api/v1/agreements/nk-2020/alerts?from=2020-11-14&to=2020-12-02",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let changes: Vec<(String, String)> = a["alerts"]
            .as_array()
            .expect("alerts")
            .iter()
            .map(|x| {
                (
                    x["date"].as_str().unwrap_or_default().to_owned(),
                    x["obligation"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        assert!(
            changes.contains(&("2020-11-20".into(), "handover-agdam".into())),
            "{changes:?}"
        );
        let (status, _, p) = get(
            &s,
            "/api/v1/agreements/nk-2020/alerts?from=2020-01-01&to=2022-01-01",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(p["invalid-params"][0]["name"], "from");
        let (status, _, p) = get(
            &s,
            "/api/v1/agreements/nk-2020/status?as_of=2020-11-21&period_days=0",
        )
        .await;
        assert_eq!(
            (status, p["invalid-params"][0]["name"].as_str()),
            (StatusCode::BAD_REQUEST, Some("period_days"))
        );

        let (_, _, r) = get(&s, "/api/v1/agreements/nk-2020/records?type=handover").await;
        assert_eq!(r["records"].as_array().map(Vec::len), Some(3));
        let (status, _, p) = get(&s, "/api/v1/agreements/nk-2020/records?type=handovr").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("did you mean `handover`")),
            "{p}"
        );
        let (_, _, st) = get(&s, "/api/v1/agreements/nk-2020/statements").await;
        assert!(st["statements"].as_array().is_some_and(|l| l.len() >= 10));
        guard.done(store).await;
    }
}

#[tokio::test]
async fn incidents_come_by_date_either_way_under_several_statuses_with_their_total() {
    for (guard, store, s) in states().await {
        let starts = |page: &serde_json::Value| -> Vec<String> {
            page["incidents"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| i["window"]["start"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        // Oldest first, one a page, following the cursor: every incident once, by date,
        // with the total on each page.
        for (sort, fields) in [("start", "all"), ("-start", "map"), ("number", "all")] {
            let mut seen: Vec<String> = Vec::new();
            let mut ids: Vec<String> = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..10 {
                let q = format!(
                    "/api/v1/agreements/nk-2020/incidents?sort={sort}&fields={fields}&limit=1&total=true{}",
                    cursor
                        .as_ref()
                        .map(|c| format!("&cursor={c}"))
                        .unwrap_or_default()
                );
                let (status, _, page) = get(&s, &q).await;
                assert_eq!(status, StatusCode::OK, "{q}: {page}");
                assert_eq!(page["total"], 3, "{q}: the total counts every match");
                let at = match fields {
                    "map" => page["incidents"][0]["start"].as_str(),
                    _ => page["incidents"][0]["window"]["start"].as_str(),
                };
                seen.extend(at.map(str::to_owned));
                ids.extend(page["incidents"][0]["id"].as_str().map(str::to_owned));
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
            }
            assert_eq!(ids.len(), 3, "{sort}: every incident once ({ids:?})");
            let mut sorted = seen.clone();
            sorted.sort();
            if sort == "-start" {
                sorted.reverse();
            }
            if sort != "number" {
                assert_eq!(seen, sorted, "{sort}: in date order");
            }
        }
        let (_, _, all) = get(&s, "/api/v1/agreements/nk-2020/incidents?sort=start").await;
        let mut sorted = starts(&all);
        sorted.sort();
        assert_eq!(starts(&all), sorted);
        assert!(all.get("total").is_none(), "counted only when asked: {all}");
        // Several statuses at once, as a verification queue asks.
        let statuses: Vec<String> = all["incidents"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i["status"].as_str().unwrap_or_default().to_owned())
            .collect();
        let first = statuses[0].clone();
        let other = if first == "rejected" {
            "confirmed"
        } else {
            "rejected"
        };
        let (status, _, both) = get(
            &s,
            &format!("/api/v1/agreements/nk-2020/incidents?status={first},{other}&total=true"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{both}");
        let want = statuses
            .iter()
            .filter(|x| **x == first || *x == other)
            .count();
        assert_eq!(both["total"], want, "{both}");
        // Incidents with a report from a source.
        let first = all["incidents"][0]["id"].as_str().expect("id").to_owned();
        let (_, _, detail) = get(&s, &format!("/api/v1/incidents/{first}")).await;
        let source = detail["detail"]["reports"][0]["source"]
            .as_str()
            .expect("source")
            .to_owned();
        let (status, _, from_it) = get(
            &s,
            &format!("/api/v1/agreements/nk-2020/incidents?source={source}&total=true"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{from_it}");
        let ids: Vec<&str> = from_it["incidents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["id"].as_str())
            .collect();
        assert!(ids.contains(&first.as_str()), "{source}: {from_it}");
        for id in &ids {
            let (_, _, d) = get(&s, &format!("/api/v1/incidents/{id}")).await;
            assert!(
                d["detail"]["reports"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|x| x["source"] == source.as_str())),
                "{id} has no report from {source}"
            );
        }
        for (query, param) in [
            ("source=no-such-source", "source"),
            ("sort=date", "sort"),
            ("sort=start&cursor=12", "cursor"),
            ("status=unverified,unverifed", "status"),
            ("total=yes", "total"),
        ] {
            let (status, _, p) =
                get(&s, &format!("/api/v1/agreements/nk-2020/incidents?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {p}");
            assert_eq!(p["invalid-params"][0]["name"], param, "{query}: {p}");
        }
        guard.done(store).await;
    }
}

#[tokio::test]
async fn search_finds_incidents_by_words_and_places_with_marked_snippets_under_the_filters() {
    for (guard, store, s) in states().await {
        // The fixture's Stepanakert report, found by the city's Azerbaijani name.
        let (status, _, found) = get(&s, "/api/v1/agreements/nk-2020/search?q=Xank%C9%99ndi").await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let first = &found["incidents"][0];
        assert_eq!(
            first["incident"]["place_label"], "Khankendi / Stepanakert",
            "{found}"
        );
        assert!(first["score"].as_f64().is_some_and(|x| x > 0.0), "{found}");
        assert!(first["report"].as_str().is_some(), "{found}");
        let groups = &found["query"]["groups"][0]["alternatives"];
        assert!(
            groups
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x[0] == "stepanakert")),
            "the query widened to the place's names: {found}"
        );
        // Marked words in the snippets are words searched for.
        let (_, _, found) = get(&s, "/api/v1/agreements/nk-2020/search?q=peacekeepers").await;
        let hits: Vec<String> = found["incidents"]
            .as_array()
            .into_iter()
            .chain(found["others"].as_array())
            .flatten()
            .flat_map(|h| h["snippet"].as_array().cloned().unwrap_or_default())
            .filter(|seg| seg["hit"] == true)
            .filter_map(|seg| seg["text"].as_str().map(str::to_lowercase))
            .collect();
        assert!(!hits.is_empty(), "{found}");
        assert!(hits.iter().all(|h| h == "peacekeepers"), "{hits:?}");
        assert!(
            found["others"]
                .as_array()
                .is_some_and(|o| o.iter().any(|x| x["kind"] == "record")),
            "evidence records are searched too: {found}"
        );
        // A filter narrows what is found: no incident of the fixture is rejected.
        let (_, _, none) = get(
            &s,
            "/api/v1/agreements/nk-2020/search?q=peacekeepers&status=rejected",
        )
        .await;
        assert_eq!(
            none["incidents"].as_array().map(Vec::len),
            Some(0),
            "{none}"
        );
        assert_eq!(none["others"].as_array().map(Vec::len), Some(0), "{none}");
        for (query, param) in [
            ("", "q"),
            ("q=the%20of%20near", "q"),
            (
                "q=a1%20a2%20a3%20a4%20a5%20a6%20a7%20a8%20a9%20b1%20b2%20b3%20b4%20b5%20b6%20b7%20b8%20b9%20c1%20c2%20c3%20c4%20c5%20c6%20c7%20c8%20c9%20d1%20d2%20d3%20d4%20d5%20d6",
                "q",
            ),
            ("q=x&limit=0", "limit"),
            ("q=x&zone=nowhere", "zone"),
            ("q=x&cursor=3", "cursor"),
        ] {
            let (status, _, p) =
                get(&s, &format!("/api/v1/agreements/nk-2020/search?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {p}");
            assert_eq!(p["invalid-params"][0]["name"], param, "{query}: {p}");
        }
        guard.done(store).await;
    }
}

#[tokio::test]
async fn incidents_page_by_cursor_and_refuse_bad_filters_by_name() {
    for (guard, store, s) in states().await {
        let (status, _, page) = get(&s, "/api/v1/agreements/nk-2020/incidents?limit=2").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["returned"], 2);
        // Each incident is named by both names, the reporter's spelling kept as reported;
        // a zone filter takes the Armenian name of the city.
        let (status, _, named) =
            get(&s, "/api/v1/agreements/nk-2020/incidents?zone=stepanakert").await;
        assert_eq!(status, StatusCode::OK, "{named}");
        let first = &named["incidents"][0];
        assert_eq!(first["place_label"], "Khankendi / Stepanakert", "{named}");
        assert_eq!(first["place_name"], "Stepanakert", "{named}");
        let (status, _, shushi) = get(&s, "/api/v1/agreements/nk-2020/incidents?zone=shushi").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{shushi}");
        let cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
        let (_, _, rest) = get(
            &s,
            &format!("/api/v1/agreements/nk-2020/incidents?limit=2&cursor={cursor}"),
        )
        .await;
        assert_eq!(rest["returned"], 1);
        assert!(rest["next_cursor"].is_null());
        let mut ids: Vec<String> = page["incidents"]
            .as_array()
            .into_iter()
            .chain(rest["incidents"].as_array())
            .flatten()
            .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        ids.dedup();
        assert_eq!(ids.len(), 3);

        let (_, _, f) = get(&s, "/api/v1/agreements/nk-2020/incidents?party=am").await;
        assert_eq!(f["returned"], 1);
        let (_, _, f) = get(
            &s,
            "/api/v1/agreements/nk-2020/incidents?from=2021-06-01&to=2021-06-30",
        )
        .await;
        assert_eq!(f["returned"], 1);
        let (_, _, f) = get(
            &s,
            "/api/v1/agreements/nk-2020/incidents?bbox=46.5,39.6,46.6,39.7",
        )
        .await;
        assert_eq!(f["incidents"][0]["place_name"], "Lachin", "{f}");
        for (query, param) in [
            ("bbox=46.5,39.6,46.6", "bbox"),
            ("bbox=47,39,46,40", "bbox"),
            ("zone=agdm", "zone"),
            ("status=sure", "status"),
            ("limit=0", "limit"),
            ("cursor=abc", "cursor"),
            ("colour=red", "colour"),
        ] {
            let (status, ct, p) =
                get(&s, &format!("/api/v1/agreements/nk-2020/incidents?{query}")).await;
            assert_eq!(
                (status, ct.as_str()),
                (StatusCode::BAD_REQUEST, "application/problem+json"),
                "{query}"
            );
            assert_eq!(p["invalid-params"][0]["name"], param, "{query}: {p}");
        }
        let id = ids[0].clone();
        let (status, _, d) = get(&s, &format!("/api/v1/incidents/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(d["detail"]["incident"]["id"], id.as_str());
        assert!(d["history"].is_array());
        let (status, _, _) = get(&s, "/api/v1/incidents/inc-999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        guard.done(store).await;
    }
}

/// The part of an absolute link after the host, to follow it through the router.
/// The link of a relation among a document's `links`.
fn link<'a>(doc: &'a serde_json::Value, rel: &str) -> &'a serde_json::Value {
    doc["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == rel)
        .unwrap_or_else(|| panic!("no `{rel}` link in {doc}"))
}

fn local(href: &str) -> String {
    let rest = href.split_once("://").map_or(href, |(_, r)| r);
    rest.find('/')
        .map_or(String::new(), |i| rest[i..].to_owned())
}

#[tokio::test]
async fn ogc_api_features_serves_landing_conformance_collections_items_and_next_links() {
    for (guard, store, s) in states().await {
        let (status, ct, landing) = get(&s, "/ogc/nk-2020").await;
        assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/json"));
        let rels: Vec<&str> = landing["links"]
            .as_array()
            .expect("links")
            .iter()
            .filter_map(|l| l["rel"].as_str())
            .collect();
        assert_eq!(
            rels,
            ["self", "conformance", "data", "service-desc", "service-doc"]
        );
        // The API's description and documentation, which clients such as OWSLib read.
        for (rel, want) in [("service-desc", "openapi"), ("service-doc", "text/html")] {
            let href = local(link(&landing, rel)["href"].as_str().expect("href"));
            let (status, h, _) = answer(&s, "GET", &href, &[], None).await;
            assert_eq!(status, StatusCode::OK, "{rel}: {href}");
            let ct = h["content-type"].to_str().unwrap_or_default();
            assert!(
                ct.contains(want) || (want == "openapi" && ct.contains("json")),
                "{rel}: {ct}"
            );
        }
        // A trailing slash leads to the same document.
        let (status, h, _) = answer(&s, "GET", "/ogc/nk-2020/?f=json", &[], None).await;
        assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(h["location"], "/ogc/nk-2020?f=json");
        // …and never to another host.
        let (status, h, _) = answer(&s, "GET", "//evil.example/", &[], None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!h.contains_key("location"));
        let (_, _, c) = get(&s, "/ogc/nk-2020/conformance").await;
        let classes: Vec<&str> = c["conformsTo"]
            .as_array()
            .expect("classes")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
        assert!(
            classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson")
        );
        let (_, _, cols) = get(&s, "/ogc/nk-2020/collections").await;
        let ids: Vec<&str> = cols["collections"]
            .as_array()
            .expect("collections")
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "incidents",
                "zones",
                "places",
                "observation-posts",
                "checkpoints"
            ]
        );

        let (status, ct, page) = get(&s, "/ogc/nk-2020/collections/incidents/items?limit=1").await;
        assert_eq!(
            (status, ct.as_str()),
            (StatusCode::OK, "application/geo+json")
        );
        assert_eq!(
            (
                page["numberMatched"].as_i64(),
                page["numberReturned"].as_i64()
            ),
            (Some(3), Some(1))
        );
        assert_eq!(page["features"][0]["geometry"]["type"], "Point");
        // `self` names the page as asked.
        let this = link(&page, "self");
        assert!(
            this["href"]
                .as_str()
                .is_some_and(|h| h.ends_with("/collections/incidents/items?limit=1")),
            "{this}"
        );
        // The collection's extent holds every feature, in space and in time.
        let (_, _, described) = get(&s, "/ogc/nk-2020/collections/incidents").await;
        let bbox: Vec<f64> = described["extent"]["spatial"]["bbox"][0]
            .as_array()
            .expect("bbox")
            .iter()
            .filter_map(serde_json::Value::as_f64)
            .collect();
        let interval = &described["extent"]["temporal"]["interval"][0];
        let (first, last) = (
            interval[0].as_str().expect("start").to_owned(),
            interval[1].as_str().expect("end").to_owned(),
        );
        let (_, _, every) = get(&s, "/ogc/nk-2020/collections/incidents/items?limit=10000").await;
        for f in every["features"].as_array().expect("features") {
            let c = &f["geometry"]["coordinates"];
            let (x, y) = (c[0].as_f64().expect("x"), c[1].as_f64().expect("y"));
            assert!(
                x >= bbox[0] && y >= bbox[1] && x <= bbox[2] && y <= bbox[3],
                "{f} outside {bbox:?}"
            );
            let start = f["properties"]["start"].as_str().expect("start");
            let end = f["properties"]["end"].as_str().expect("end");
            assert!(
                start.parse::<jiff::Timestamp>().expect("t")
                    >= first.parse::<jiff::Timestamp>().expect("t")
                    && end.parse::<jiff::Timestamp>().expect("t")
                        <= last.parse::<jiff::Timestamp>().expect("t"),
                "{start}..{end} outside {first}..{last}"
            );
        }
        assert!(
            first.starts_with("2020-") || first.starts_with("2021-"),
            "{first}"
        );
        // What the items can be filtered by, with the values each takes.
        let (status, h, q) = answer(
            &s,
            "GET",
            "/ogc/nk-2020/collections/incidents/queryables",
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(h["content-type"], "application/schema+json");
        assert!(
            q["properties"]["status"]["enum"]
                .as_array()
                .is_some_and(|e| e.contains(&serde_json::json!("confirmed"))),
            "{q}"
        );
        assert!(
            q["properties"]["zone"]["enum"]
                .as_array()
                .is_some_and(|e| e.contains(&serde_json::json!("lachin-corridor"))),
            "{q}"
        );
        for (name, value) in [
            ("status", "confirmed"),
            ("type", "artillery"),
            ("zone", "nk-pre2020"),
            ("party", "az"),
        ] {
            let (status, _, _) = get(
                &s,
                &format!("/ogc/nk-2020/collections/incidents/items?{name}={value}"),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::OK,
                "the queryable {name} is a parameter of the items"
            );
        }
        // OGC API – Features Part 2: CRS84 may be named for the answer and the box, the
        // answer says which it is in, and any other reference system is refused.
        let crs84 = "http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FOGC%2F1.3%2FCRS84";
        let (status, h, in_crs84) = answer(
            &s,
            "GET",
            &format!(
                "/ogc/nk-2020/collections/incidents/items?crs={crs84}&bbox-crs={crs84}&bbox=44,38,48,41"
            ),
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{in_crs84}");
        assert_eq!(
            h["content-crs"],
            "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
        );
        let (status, _, p) = get(
            &s,
            "/ogc/nk-2020/collections/incidents/items?crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F3857",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(p["invalid-params"][0]["name"], "crs");
        let (_, _, c) = get(&s, "/ogc/nk-2020/collections/incidents").await;
        assert_eq!(
            c["storageCrs"],
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        );
        // A limit above a page's most is capped, not refused; nonsense is refused.
        let (status, _, all) = get(
            &s,
            "/ogc/nk-2020/collections/incidents/items?limit=99999999",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(all["numberReturned"], 3);
        let (status, _, p) = get(&s, "/ogc/nk-2020/collections/incidents/items?limit=0").await;
        assert_eq!(
            (status, p["invalid-params"][0]["name"].as_str()),
            (StatusCode::BAD_REQUEST, Some("limit"))
        );
        let next = link(&page, "next");
        let (_, _, second) = get(&s, &local(next["href"].as_str().expect("href"))).await;
        assert_eq!(second["numberReturned"], 1);
        assert_ne!(second["features"][0]["id"], page["features"][0]["id"]);

        let (_, _, june) = get(
            &s,
            "/ogc/nk-2020/collections/incidents/items?datetime=2021-06-01T00:00:00Z/..",
        )
        .await;
        assert_eq!(june["numberMatched"], 1);
        let (_, _, may) = get(
            &s,
            "/ogc/nk-2020/collections/incidents/items?datetime=../2021-05-31",
        )
        .await;
        assert_eq!(may["numberMatched"], 2);
        let (status, _, p) = get(
            &s,
            "/ogc/nk-2020/collections/incidents/items?datetime=2021-07-01/2021-06-01",
        )
        .await;
        assert_eq!(
            (status, p["invalid-params"][0]["name"].as_str()),
            (StatusCode::BAD_REQUEST, Some("datetime"))
        );

        let (_, _, zones) = get(
            &s,
            "/ogc/nk-2020/collections/zones/items?bbox=46.8,39.9,47.0,40.1&limit=100",
        )
        .await;
        let zone_ids: Vec<&str> = zones["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter_map(|f| f["id"].as_str())
            .collect();
        assert!(
            zone_ids.contains(&"agdam") && !zone_ids.contains(&"nakhchivan-route"),
            "{zone_ids:?}"
        );
        let (_, _, places) = get(&s, "/ogc/nk-2020/collections/places/items?limit=50").await;
        assert_eq!(places["numberReturned"], 50);
        let next = link(&places, "next");
        assert!(
            next["href"]
                .as_str()
                .is_some_and(|h| h.contains("offset=50")),
            "{next}"
        );
        let (_, _, cps) = get(&s, "/ogc/nk-2020/collections/checkpoints/items").await;
        assert_eq!(cps["features"][0]["id"], "hakari-bridge");
        // Drawn where the gazetteer puts the bridge (agreements/nk-2020/README.md).
        let at = &cps["features"][0]["geometry"]["coordinates"];
        assert!(
            (at[0].as_f64().unwrap_or(0.0) - 46.57077).abs() < 1e-5
                && (at[1].as_f64().unwrap_or(0.0) - 39.56553).abs() < 1e-5,
            "{}",
            cps["features"][0]
        );

        let (status, ct, one) =
            get(&s, "/ogc/nk-2020/collections/zones/items/lachin-corridor").await;
        assert_eq!(
            (status, ct.as_str()),
            (StatusCode::OK, "application/geo+json")
        );
        assert_eq!(
            one["properties"]["kind"], "corridor",
            "{}",
            one["properties"]
        );
        // The plain id names the latest version; each version has its own id.
        assert_eq!(one["id"], "lachin-corridor@2022-08-26", "{}", one["id"]);
        let (status, _, first) = get(
            &s,
            "/ogc/nk-2020/collections/zones/items/lachin-corridor@2020-11-10",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(first["properties"]["valid_to"], "2022-08-26");
        // A datetime keeps the versions in force then: one corridor in 2021.
        let (_, _, in_2021) = get(
            &s,
            "/ogc/nk-2020/collections/zones/items?datetime=2021-06-01T12:00:00Z&limit=100",
        )
        .await;
        let corridors: Vec<&serde_json::Value> = in_2021["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter(|f| f["properties"]["id"] == "lachin-corridor")
            .collect();
        assert_eq!(corridors.len(), 1, "{corridors:?}");
        assert_eq!(corridors[0]["id"], "lachin-corridor@2020-11-10");
        // The API's zones by date: the versions in force on that day.
        let (status, _, on) = get(&s, "/api/v1/agreements/nk-2020/zones?as_of=2023-01-01").await;
        assert_eq!(status, StatusCode::OK);
        let aor: Vec<&serde_json::Value> = on["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter(|f| f["properties"]["id"] == "peacekeeping-aor")
            .collect();
        assert_eq!(aor.len(), 1);
        assert_eq!(aor[0]["properties"]["valid_from"], "2022-08-26");
        let (status, _, _) = get(&s, "/api/v1/agreements/nk-2020/zones?as_of=soon").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // Incidents are named by both names, the reporter's spelling kept apart.
        let (_, _, items) = get(&s, "/ogc/nk-2020/collections/incidents/items?limit=100").await;
        let places: Vec<&str> = items["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter_map(|f| f["properties"]["place"].as_str())
            .collect();
        assert!(places.contains(&"Khankendi / Stepanakert"), "{places:?}");
        let (status, _, _) = get(&s, "/ogc/nk-2020/collections/zones/items/atlantis").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, ct, p) = get(&s, "/ogc/nk-2020/collections/incident/items").await;
        assert_eq!(
            (status, ct.as_str()),
            (StatusCode::NOT_FOUND, "application/problem+json")
        );
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("did you mean `incidents`")),
            "{p}"
        );
        guard.done(store).await;
    }
}

/// A request with headers and an optional JSON body; returns status, the Set-Cookie
/// header and the JSON answer.
/// Counts and OGC features read from the incident pages kept in memory (zones and the
/// body's particulars included) say what the stored incidents say.
#[tokio::test]
async fn counts_and_ogc_features_from_memory_say_what_the_stored_incidents_say() {
    for (guard, store, _) in states().await {
        let paged = store.clone().with_incident_pages();
        paged
            .refresh_incident_pages("nk-2020")
            .await
            .expect("pages");
        let s = AppState::new(paged);
        let whole = store
            .incidents(
                "nk-2020",
                &truce_store::IncidentFilter {
                    limit: 100,
                    ..truce_store::IncidentFilter::default()
                },
            )
            .await
            .expect("incidents");
        assert_eq!(whole.len(), 3);
        // Every feature of a page is the feature of the incident read whole.
        let (_, _, items) = get(&s, "/ogc/nk-2020/collections/incidents/items?limit=100").await;
        let features = items["features"].as_array().expect("features");
        assert_eq!(features.len(), 3);
        for f in features {
            let id = f["id"].as_str().expect("id");
            let (status, _, mut one) = get(
                &s,
                &format!("/ogc/nk-2020/collections/incidents/items/{id}"),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            // The item alone carries its links besides.
            one.as_object_mut().map(|o| o.remove("links"));
            assert_eq!(f, &one, "{id}");
            let i = whole.iter().find(|i| i.id == id).expect("stored");
            assert_eq!(f["properties"]["zones"], i.zones.join(","), "{id}");
            assert_eq!(
                f["properties"]["date_precision"], i.window.precision,
                "{id}"
            );
            assert_eq!(f["properties"]["killed_best"], i.killed.best, "{id}");
        }
        // A zone filter keeps the incidents lying in it, counted and paged.
        let zone = whole
            .iter()
            .find(|i| !i.zones.is_empty())
            .and_then(|i| i.zones.first())
            .expect("an incident in a zone")
            .clone();
        let inside = whole.iter().filter(|i| i.zones.contains(&zone)).count();
        let (_, _, kept) = get(
            &s,
            &format!("/ogc/nk-2020/collections/incidents/items?zone={zone}"),
        )
        .await;
        assert_eq!(kept["numberMatched"], inside, "{zone}");
        assert_eq!(kept["numberReturned"], inside, "{zone}");
        // Counts: each violation once a day and party, and once in each of its zones.
        let (status, _, counts) = get(&s, "/api/v1/agreements/nk-2020/counts").await;
        assert_eq!(status, StatusCode::OK, "{counts}");
        let tz = jiff::tz::TimeZone::get("Asia/Baku").expect("zone");
        let mut want_cells: Vec<serde_json::Value> = Vec::new();
        let mut want_days: Vec<serde_json::Value> = Vec::new();
        for i in &whole {
            let day = tz.to_datetime(i.window.start).date().to_string();
            let party = match (&i.attribution.assessed, i.attribution.disputed) {
                (Some(p), false) => p.clone(),
                _ => "unattributed".to_owned(),
            };
            let status = i.status.as_str();
            let tally = |mut v: serde_json::Value| {
                for k in ["confirmed", "corroborated", "disputed", "unverified"] {
                    v[k] = serde_json::json!(u32::from(k == status));
                }
                v
            };
            want_days.push(tally(serde_json::json!({"date": day, "party": party})));
            for z in &i.zones {
                want_cells.push(tally(
                    serde_json::json!({"date": day, "zone": z, "party": party}),
                ));
            }
        }
        let sorted = |v: &serde_json::Value| {
            let mut list: Vec<String> = v
                .as_array()
                .expect("list")
                .iter()
                .map(ToString::to_string)
                .collect();
            list.sort();
            list
        };
        let want = |v: Vec<serde_json::Value>| sorted(&serde_json::Value::Array(v));
        assert_eq!(sorted(&counts["per_day"]), want(want_days));
        assert_eq!(sorted(&counts["cells"]), want(want_cells));
        let (_, _, in_zone) = get(
            &s,
            &format!("/api/v1/agreements/nk-2020/counts?zone={zone}"),
        )
        .await;
        assert!(
            in_zone["cells"]
                .as_array()
                .expect("cells")
                .iter()
                .all(|c| c["zone"] == zone.as_str()),
            "{in_zone}"
        );
        assert_eq!(in_zone["per_day"].as_array().map(Vec::len), Some(inside));
        guard.done(store).await;
    }
}

async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> (StatusCode, Option<String>, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let r = router(state.clone()).oneshot(req).await.expect("response");
    let status = r.status();
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24)
        .await
        .expect("body");
    (
        status,
        cookie,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

const PASSWORD: &str = "a long enough password";

/// Adds the monitor `mon` with an API token and returns its Authorization header value.
async fn monitor_bearer(store: &Store) -> String {
    let now = "2026-11-28T00:00:00Z";
    store
        .add_user(
            "mon",
            "Monitor",
            truce_store::accounts::UserRole::Monitor,
            None,
            PASSWORD,
            now,
        )
        .await
        .expect("user");
    let (_, secret) = store
        .create_token("mon", "device", now)
        .await
        .expect("token");
    format!("Bearer {secret}")
}

/// Logs in and returns the Cookie header value and the CSRF token.
async fn log_in(state: &AppState, user: &str) -> (String, String) {
    let (status, cookie, v) = call(
        state,
        "POST",
        "/api/v1/login",
        &[],
        Some(serde_json::json!({"user": user, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let cookie = cookie.expect("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().expect("pair").to_owned();
    (pair, v["csrf"].as_str().expect("csrf").to_owned())
}

#[tokio::test]
async fn every_role_reaches_exactly_the_endpoints_the_authorisation_table_allows() {
    use truce_server::auth::{Action, PERMISSIONS, allowed};
    use truce_store::accounts::UserRole;
    // The table itself, as the design brief states it.
    let who = |a: Action| -> Vec<UserRole> {
        PERMISSIONS
            .iter()
            .find(|(x, _)| *x == a)
            .map(|(_, r)| r.to_vec())
            .unwrap_or_default()
    };
    assert_eq!(who(Action::Verify), [UserRole::Admin, UserRole::Analyst]);
    assert_eq!(who(Action::ManageUsers), [UserRole::Admin]);
    assert_eq!(
        who(Action::Submit),
        [
            UserRole::Admin,
            UserRole::Analyst,
            UserRole::Monitor,
            UserRole::Liaison
        ]
    );
    assert_eq!(who(Action::Read).len(), UserRole::ALL.len());
    for (guard, store, s) in states().await {
        let now = "2026-11-28T00:00:00Z";
        for role in UserRole::ALL.into_iter().filter(|r| *r != UserRole::Public) {
            let party = (role == UserRole::Liaison).then_some("am");
            store
                .add_user(role.as_str(), role.as_str(), role, party, PASSWORD, now)
                .await
                .expect("user");
        }
        let (_, _, f) = get(&s, "/api/v1/agreements/nk-2020/incidents?limit=1").await;
        let inc = f["incidents"][0]["id"]
            .as_str()
            .expect("incident")
            .to_owned();
        let status_uri = format!("/api/v1/agreements/nk-2020/incidents/{inc}/status");
        let report = |source: &str, key: &str| serde_json::json!({"source": source, "key": key, "occurred": {"start": "2021-05-12T03:00:00Z", "end": "2021-05-12T04:00:00Z", "precision": 1}, "location": {"lon": 47.11, "lat": 39.79, "precision": 1}, "type": "artillery", "credibility": 2, "text": "Shelling heard."});
        let endpoints: Vec<(&str, &str, Action, Option<serde_json::Value>)> = vec![
            (
                "POST",
                "/api/v1/agreements/nk-2020/reports",
                Action::Submit,
                Some(report("op-7", "k1")),
            ),
            (
                "GET",
                "/api/v1/agreements/nk-2020/status?as_of=2020-11-21",
                Action::Read,
                None,
            ),
            (
                "GET",
                "/api/v1/agreements/nk-2020/incidents",
                Action::Read,
                None,
            ),
            ("GET", "/ogc/nk-2020/collections", Action::Read, None),
            ("GET", "/api/v1/users", Action::ManageUsers, None),
            ("GET", "/api/v1/webhooks", Action::Subscribe, None),
            (
                "POST",
                &status_uri,
                Action::Verify,
                Some(serde_json::json!({"status": "corroborated", "reason": "two sources"})),
            ),
        ];
        for role in UserRole::ALL {
            let (cookie, csrf) = if role == UserRole::Public {
                (String::new(), String::new())
            } else {
                log_in(&s, role.as_str()).await
            };
            for (method, uri, action, body) in &endpoints {
                // A liaison submits for their own party's source.
                let body = match (role, *action) {
                    (UserRole::Liaison, Action::Submit) => Some(report("am-mod", "k2")),
                    _ => body.clone(),
                };
                let mut headers = Vec::new();
                if !cookie.is_empty() {
                    headers.push(("cookie", cookie.as_str()));
                    headers.push(("x-csrf-token", csrf.as_str()));
                }
                let (status, _, v) = call(&s, method, uri, &headers, body).await;
                let status = if status == StatusCode::CREATED {
                    StatusCode::OK
                } else {
                    status
                };
                let want = if allowed(role, *action) {
                    StatusCode::OK
                } else if role == UserRole::Public {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(status, want, "{} {method} {uri}: {v}", role.as_str());
            }
        }
        // The analysts' change is in the incident's history, under their name.
        let (_, _, d) = get(&s, &format!("/api/v1/incidents/{inc}")).await;
        let actors: Vec<&str> = d["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter_map(|h| h["actor"].as_str())
            .collect();
        assert_eq!(actors, ["admin", "analyst"]);
        guard.done(store).await;
    }
}

#[tokio::test]
async fn sessions_need_their_csrf_token_tokens_can_be_revoked_and_failed_logins_are_throttled() {
    use truce_store::accounts::UserRole;
    for (guard, store, s) in states().await {
        let now = "2026-11-28T00:00:00Z";
        store
            .add_user("ana", "Ana", UserRole::Analyst, None, PASSWORD, now)
            .await
            .expect("user");
        let (_, _, f) = get(&s, "/api/v1/agreements/nk-2020/incidents?limit=1").await;
        let inc = f["incidents"][0]["id"]
            .as_str()
            .expect("incident")
            .to_owned();
        let uri = format!("/api/v1/agreements/nk-2020/incidents/{inc}/status");
        let body = serde_json::json!({"status": "confirmed", "reason": "seen by OP 3"});
        let (cookie, csrf) = log_in(&s, "ana").await;
        let (status, _, _) =
            call(&s, "POST", &uri, &[("cookie", &cookie)], Some(body.clone())).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a write without the CSRF token is refused"
        );
        let (status, _, _) = call(
            &s,
            "POST",
            &uri,
            &[("cookie", &cookie), ("x-csrf-token", "nope")],
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, v) = call(
            &s,
            "POST",
            &uri,
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["incident"]["status"], "confirmed");
        // Bad bodies are named by pointer.
        let (status, _, p) = call(
            &s,
            "POST",
            &uri,
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            Some(serde_json::json!({"status": "sure", "reason": "x"})),
        )
        .await;
        assert_eq!(
            (status, p["invalid-params"][0]["name"].as_str()),
            (StatusCode::BAD_REQUEST, Some("/status")),
            "{p}"
        );
        let (status, _, p) = call(
            &s,
            "POST",
            &uri,
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            Some(serde_json::json!({"status": null, "reason": " "})),
        )
        .await;
        assert_eq!(
            (status, p["invalid-params"][0]["name"].as_str()),
            (StatusCode::BAD_REQUEST, Some("/reason"))
        );
        let (_, _, me) = call(&s, "GET", "/api/v1/session", &[("cookie", &cookie)], None).await;
        assert_eq!(
            (me["role"].as_str(), me["may"].as_array().map(Vec::len)),
            (Some("analyst"), Some(4))
        );
        let (status, clear, _) =
            call(&s, "POST", "/api/v1/logout", &[("cookie", &cookie)], None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(clear.is_some_and(|c| c.contains("Max-Age=0")));
        let (_, _, me) = call(&s, "GET", "/api/v1/session", &[("cookie", &cookie)], None).await;
        assert_eq!(me["role"], "public", "the session ended");

        // API tokens: no CSRF (not a browser), revocable.
        let (id, secret) = store.create_token("ana", "sync", now).await.expect("token");
        let bearer = format!("Bearer {secret}");
        let (status, _, _) = call(
            &s,
            "POST",
            &uri,
            &[("authorization", &bearer)],
            Some(serde_json::json!({"status": null, "reason": "back to assessed"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        store.revoke_token(&id).await.expect("revoke");
        let (status, _, _) = call(
            &s,
            "GET",
            "/api/v1/session",
            &[("authorization", &bearer)],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Throttling: five failures, then even the right password waits.
        for _ in 0..5 {
            let (status, _, _) = call(
                &s,
                "POST",
                "/api/v1/login",
                &[],
                Some(serde_json::json!({"user": "ana", "password": "wrong password!"})),
            )
            .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let (status, _, v) = call(
            &s,
            "POST",
            "/api/v1/login",
            &[],
            Some(serde_json::json!({"user": "ana", "password": PASSWORD})),
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
        let (status, _, _) = call(
            &s,
            "POST",
            "/api/v1/login",
            &[],
            Some(serde_json::json!({"user": "ana"})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        guard.done(store).await;
    }
}

#[tokio::test]
async fn an_idempotency_key_is_held_only_by_an_answer_or_a_claim_within_its_lease() {
    use truce_store::accounts::IDEMPOTENCY_LEASE_S;
    for (guard, store, s) in states().await {
        let bearer = monitor_bearer(&store).await;
        let body = serde_json::json!({"source": "op-7", "key": "lease-1", "occurred": {"start": "2021-05-01T05:00:00Z", "end": "2021-05-01T06:00:00Z", "precision": 1}, "location": {"lon": 46.752, "lat": 39.816, "precision": 1}, "type": "artillery", "credibility": 1});
        let uri = "/api/v1/agreements/nk-2020/reports";
        let post = |key: &'static str, body: serde_json::Value| {
            let req = Request::post(uri)
                .header("authorization", bearer.as_str())
                .header("idempotency-key", key)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .expect("request");
            let app = router(s.clone());
            async move { app.oneshot(req).await.expect("response") }
        };
        // A refused request holds nothing: the same key then carries the good report out.
        let mut bad = body.clone();
        bad["type"] = serde_json::json!("artilery");
        assert_eq!(
            post("k-refused", bad).await.status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            post("k-refused", body.clone()).await.status(),
            StatusCode::CREATED,
            "the key was free after the refusal"
        );
        // A claim that never answered (a node that died under an older build) holds the
        // key for its lease: 409 with Retry-After, then free.
        let t = jiff::Timestamp::now().as_second();
        let mut second = body.clone();
        second["key"] = serde_json::json!("lease-2");
        let hash = truce_server::request_hash_of("nk-2020", &second);
        truce_store::testing::unanswered_claim(&store, "mon", "k-young", &hash, t)
            .await
            .expect("claim");
        let r = post("k-young", second.clone()).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let retry: i64 = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After in seconds");
        assert!((1..=IDEMPOTENCY_LEASE_S).contains(&retry), "{retry}");
        truce_store::testing::unanswered_claim(
            &store,
            "mon",
            "k-old",
            &hash,
            t - IDEMPOTENCY_LEASE_S - 1,
        )
        .await
        .expect("claim");
        let r = post("k-old", second.clone()).await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "a claim past its lease is let go"
        );
        // Replayed on a retry, and marked so.
        let r = post("k-old", second).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(
            r.headers()
                .get("idempotent-replayed")
                .and_then(|v| v.to_str().ok()),
            Some("true")
        );
        guard.done(store).await;
    }
}

#[tokio::test]
async fn submitted_reports_are_matched_once_even_when_retried_with_their_idempotency_key() {
    use truce_store::accounts::UserRole;
    for (guard, store, s) in states().await {
        let now = "2026-11-28T00:00:00Z";
        store
            .add_user("mon", "Monitor", UserRole::Monitor, None, PASSWORD, now)
            .await
            .expect("user");
        store
            .add_user(
                "lia",
                "Liaison",
                UserRole::Liaison,
                Some("az"),
                PASSWORD,
                now,
            )
            .await
            .expect("user");
        let (token_id, secret) = store
            .create_token("mon", "device", now)
            .await
            .expect("token");
        let _ = token_id;
        let bearer = format!("Bearer {secret}");
        let body = serde_json::json!({"source": "op-7", "occurred": {"start": "2021-05-01T05:00:00Z", "end": "2021-05-01T06:00:00Z", "precision": 1}, "location": {"lon": 46.752, "lat": 39.816, "precision": 1}, "type": "artillery", "credibility": 1, "text": "Impacts seen north of Stepanakert."});
        let uri = "/api/v1/agreements/nk-2020/reports";
        let h = [
            ("authorization", bearer.as_str()),
            ("idempotency-key", "op7-0001"),
        ];
        let (status, _, first) = call(&s, "POST", uri, &h, Some(body.clone())).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        // Near the Stepanakert incident of that day: it joins it rather than starting one.
        assert_eq!(first["new_incident"], false, "{first}");
        let (status, _, again) = call(&s, "POST", uri, &h, Some(body.clone())).await;
        assert_eq!(status, StatusCode::CREATED, "a retry gets the first answer");
        assert_eq!(again, first);
        let (_, _, d) = get(
            &s,
            &format!(
                "/api/v1/incidents/{}",
                first["incident"].as_str().expect("incident")
            ),
        )
        .await;
        assert_eq!(
            d["detail"]["reports"].as_array().map(Vec::len),
            Some(2),
            "stored once"
        );
        // A place name the gazetteer does not know: stored, unplaced, and the sender told
        // which names it may have meant.
        let mut typo = body.clone();
        typo["location"] = serde_json::json!({"place": "Shusah", "precision": 2});
        typo["text"] = serde_json::json!("Shots heard from the town.");
        let (status, _, answer) = call(
            &s,
            "POST",
            uri,
            &[("authorization", bearer.as_str())],
            Some(typo),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let warning = &answer["warnings"][0];
        assert_eq!(warning["column"], "/location/place", "{answer}");
        assert!(
            warning["message"]
                .as_str()
                .is_some_and(|m| m.contains("Shusah")
                    && m.contains("did you mean")
                    && m.contains("Shusha")),
            "{answer}"
        );
        let (_, _, unplaced) = get(
            &s,
            &format!(
                "/api/v1/incidents/{}",
                answer["incident"].as_str().expect("incident")
            ),
        )
        .await;
        assert!(
            unplaced["detail"]["incident"]["point"].is_null(),
            "{unplaced}"
        );
        // The same report again without a key: nothing is stored twice, and the answer
        // names where it went.
        let plain = [("authorization", bearer.as_str())];
        let (status, _, repeat) = call(&s, "POST", uri, &plain, Some(body.clone())).await;
        assert_eq!(status, StatusCode::OK, "{repeat}");
        assert_eq!(repeat["stored"], false, "{repeat}");
        assert_eq!(repeat["incident"], first["incident"], "{repeat}");
        let mut other = body.clone();
        other["text"] = serde_json::json!("something else");
        let (status, _, _) = call(&s, "POST", uri, &h, Some(other)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a key reused for another request"
        );
        // Problems name the member; a liaison submits only for their own party.
        let mut bad = body.clone();
        bad["type"] = serde_json::json!("artilery");
        bad["location"]["lon"] = serde_json::json!(470.0);
        let (status, _, p) = call(
            &s,
            "POST",
            uri,
            &[("authorization", bearer.as_str())],
            Some(bad),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
        let mut named: Vec<&str> = p["invalid-params"]
            .as_array()
            .expect("invalid-params")
            .iter()
            .filter_map(|x| x["name"].as_str())
            .collect();
        named.sort_unstable();
        assert_eq!(
            named,
            ["/location/lon", "/type"],
            "every problem, each by its member: {p}"
        );
        let (cookie, csrf) = log_in(&s, "lia").await;
        let (status, _, p) = call(
            &s,
            "POST",
            uri,
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
        guard.done(store).await;
    }
}

#[tokio::test]
async fn submissions_arriving_together_are_matched_as_if_one_after_the_other() {
    for (guard, store, s) in states().await {
        let bearer = monitor_bearer(&store).await;
        let before = store.report_count().await.expect("count");
        // 24 reports of one shelling far from every stored incident, sent at once, and one
        // request sent twice at the same moment under one key.
        let report = |k: usize| serde_json::json!({"source": "op-7", "key": format!("burst-{k}"), "occurred": {"start": "2022-03-10T05:00:00Z", "end": "2022-03-10T06:00:00Z", "precision": 1}, "location": {"lon": 46.40 + (k as f64) * 0.0005, "lat": 39.55, "precision": 1}, "type": "artillery", "credibility": 1, "text": format!("Impacts, account {k}.")});
        let mut sent = tokio::task::JoinSet::new();
        for k in 0..26 {
            let (s, bearer) = (s.clone(), bearer.clone());
            let (key, body) = match k {
                24 | 25 => ("burst-twice".to_owned(), report(24)),
                _ => (format!("burst-{k}"), report(k)),
            };
            sent.spawn(async move {
                let h = [
                    ("authorization", bearer.as_str()),
                    ("idempotency-key", key.as_str()),
                ];
                let (status, _, answer) = call(
                    &s,
                    "POST",
                    "/api/v1/agreements/nk-2020/reports",
                    &h,
                    Some(body),
                )
                .await;
                (k, status, answer)
            });
        }
        let mut answers = Vec::new();
        while let Some(done) = sent.join_next().await {
            answers.push(done.expect("request task"));
        }
        answers.sort_by_key(|(k, ..)| *k);
        let burst = &answers[..24];
        for (k, status, a) in burst {
            assert_eq!(*status, StatusCode::CREATED, "report {k}: {a}");
        }
        let incident = burst[0].2["incident"].as_str().expect("incident");
        assert!(
            burst.iter().all(|(_, _, a)| a["incident"] == incident),
            "every account of the one shelling joins one incident: {burst:?}"
        );
        // The same key at once: one is carried out; the other is told to wait or gets
        // the same answer, and a retry gets that answer.
        let twice = &answers[24..];
        assert!(
            twice.iter().any(|(_, st, _)| *st == StatusCode::CREATED),
            "{twice:?}"
        );
        let stored = twice
            .iter()
            .find(|(_, st, _)| *st == StatusCode::CREATED)
            .map(|(_, _, a)| a.clone())
            .expect("one stored");
        // The report sent twice is a 25th account of the same shelling, and may have
        // arrived first: exactly one of the 25 stored started the incident.
        assert_eq!(stored["incident"], incident, "{stored}");
        assert_eq!(
            burst
                .iter()
                .map(|(_, _, a)| a)
                .chain([&stored])
                .filter(|a| a["new_incident"] == true)
                .count(),
            1,
            "exactly one of them started it: {burst:?} {stored}"
        );
        for (_, st, a) in twice {
            assert!(
                *st == StatusCode::CONFLICT || (*st == StatusCode::CREATED && *a == stored),
                "{st} {a}"
            );
        }
        let h = [
            ("authorization", bearer.as_str()),
            ("idempotency-key", "burst-twice"),
        ];
        let (status, _, again) = call(
            &s,
            "POST",
            "/api/v1/agreements/nk-2020/reports",
            &h,
            Some(report(24)),
        )
        .await;
        assert_eq!((status, again), (StatusCode::CREATED, stored));
        assert_eq!(
            store.report_count().await.expect("count") - before,
            25,
            "each report stored once"
        );
        guard.done(store).await;
    }
}

#[tokio::test]
async fn requests_carry_an_id_and_oversize_bodies_are_refused() {
    for (guard, store, s) in states().await {
        let r = router(s.clone())
            .oneshot(
                Request::get("/health")
                    .header("x-request-id", "abc-123")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(
            r.headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok()),
            Some("abc-123")
        );
        let r = router(s.clone())
            .oneshot(
                Request::get("/health")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert!(
            r.headers()
                .get("x-request-id")
                .is_some_and(|v| !v.is_empty())
        );
        let big = "x".repeat(truce_server::MAX_BODY_BYTES + 1);
        let (status, _, _) = call(
            &s,
            "POST",
            "/api/v1/login",
            &[],
            Some(serde_json::json!({"user": big, "password": "p"})),
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let (status, _, p) = call(
            &s,
            "POST",
            "/api/v1/login",
            &[("content-type", "text/plain")],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{p}");
        guard.done(store).await;
    }
}

#[tokio::test]
async fn a_second_agreement_is_listed_and_served_by_the_api_ogc_and_feeds() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../agreements/nk-2023");
    let read = |n: &str| {
        std::fs::read_to_string(folder.join(n))
            .map(|t| SourceFile::new(n, t))
            .map_err(|e| e.to_string())
    };
    let second = truce_model::load(read("agreement.toml").expect("agreement"), read)
        .expect("nk-2023 loads, naming nk-2020's zones and places");
    for (guard, store, s) in states().await {
        store.load_agreement(&second).await.expect("load");
        let text =
            std::fs::read_to_string(folder.join("evidence/milestones.jsonl")).expect("evidence");
        let now = "2026-11-28T00:00:00Z".parse().expect("now");
        let r = store
            .import_records(&second, "milestones.jsonl", &text, None, now)
            .await
            .expect("records");
        assert!(r.rejects.is_empty(), "{:?}", r.rejects);
        let (status, _, v) = get(&s, "/api/v1/agreements").await;
        assert_eq!(status, StatusCode::OK);
        let ids: Vec<&str> = v["agreements"]
            .as_array()
            .expect("agreements")
            .iter()
            .filter_map(|a| a["id"].as_str())
            .collect();
        assert_eq!(ids, ["nk-2020", "nk-2023"]);
        let (status, _, v) = get(&s, "/api/v1/agreements/nk-2023/status?as_of=2023-09-22").await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let state = |v: &serde_json::Value, ob: &str| {
            v["lines"]
                .as_array()
                .and_then(|l| l.iter().find(|x| x["obligation"] == ob))
                .map(|x| x["status"]["state"].as_str().unwrap_or_default().to_owned())
        };
        assert_eq!(
            state(&v, "yevlakh-talks").as_deref(),
            Some("complete on time")
        );
        assert_eq!(
            state(&v, "karabakh-forces-disarmament").as_deref(),
            Some("under way")
        );
        // The 2020 agreement's lines are not the 2023 agreement's.
        assert_eq!(state(&v, "handover-agdam"), None);
        // Provisions are marked as paraphrases of the announced terms.
        let (_, _, a) = get(&s, "/api/v1/agreements/nk-2023?as_of=2023-09-22").await;
        assert!(a.to_string().contains("\"paraphrase\""), "{a}");
        let (status, _, v) = get(&s, "/ogc/nk-2023/collections").await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let (status, _, v) = get(&s, "/ogc/nk-2023/collections/zones/items?limit=2").await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["features"].as_array().map(Vec::len), Some(2));
        let (status, _, _) = get(&s, "/feeds/nk-2023/deadlines.ics?as_of=2023-09-20").await;
        assert_eq!(status, StatusCode::OK);
        guard.done(store).await;
    }
}

/// The scorecard's states and the corridor's traffic words reach the dashboard as words
/// of the rules; each one the rules give over the record must have a label in every
/// language the dashboard speaks (`web/i18n/*.json`, served at `/i18n/`).
#[tokio::test]
async fn every_state_the_scorecard_gives_over_the_record_has_a_label_in_every_language() {
    let (guard, store, s) = first_state().await;
    let mut days: Vec<String> = Vec::new();
    for year in 2020..=2025 {
        for month in 1..=12 {
            for day in [1, 15] {
                days.push(format!("{year}-{month:02}-{day:02}"));
            }
        }
    }
    days.retain(|d| d.as_str() >= "2020-11-01");
    days.extend(
        [
            "2020-11-14",
            "2020-11-21",
            "2020-11-26",
            "2020-12-02",
            "2022-12-13",
            "2030-01-01",
        ]
        .map(String::from),
    );
    let mut words = std::collections::BTreeSet::new();
    for day in &days {
        let (status, _, card) = answer(
            &s,
            "GET",
            &format!("/api/v1/agreements/nk-2020/status?as_of={day}"),
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{day}: {card}");
        for line in card["lines"].as_array().expect("lines") {
            let state = line["status"]["state"].as_str().expect("state");
            // An ended line names its day and cause: `ended (2024-04-17, lapse)`.
            match state
                .strip_prefix("ended (")
                .and_then(|r| r.strip_suffix(')'))
            {
                Some(rest) => {
                    let cause = rest.split(", ").nth(1).expect("cause");
                    words.insert(format!("end_cause.{cause}"));
                }
                None => {
                    words.insert(format!("state.{state}"));
                }
            }
            for change in line["details"]["changes"].as_array().into_iter().flatten() {
                if let Some(t) = change["state"].as_str() {
                    words.insert(format!("traffic.{t}"));
                }
            }
            // The reason and the deadline as messages: every message and word they name.
            let mut parts = vec![&line["status"]["why"], &line["deadline_why"]];
            while let Some(p) = parts.pop() {
                match p {
                    serde_json::Value::Object(o) => {
                        if let Some(k) = o.get("key").and_then(serde_json::Value::as_str) {
                            words.insert(k.to_owned());
                        }
                        if let (Some(g), Some(w)) = (o.get("group"), o.get("word")) {
                            words.insert(format!(
                                "{}.{}",
                                g.as_str().unwrap_or("?"),
                                w.as_str().unwrap_or("?")
                            ));
                        }
                        if let Some(u) = o.get("unit").and_then(serde_json::Value::as_str) {
                            words.insert(format!("period.{u}"));
                        }
                        parts.extend(o.values());
                    }
                    serde_json::Value::Array(a) => parts.extend(a),
                    _ => {}
                }
            }
            assert!(line["status"]["why"]["key"].is_string(), "{day}: {line}");
        }
    }
    assert!(words.len() >= 30, "{words:?}");
    let mut missing = Vec::new();
    for lang in ["en", "ru", "hy", "az"] {
        let (status, _, m) = answer(&s, "GET", &format!("/i18n/{lang}.json"), &[], None).await;
        assert_eq!(status, StatusCode::OK, "/i18n/{lang}.json");
        missing.extend(
            words
                .iter()
                .filter(|w| m.get(w.as_str()).is_none())
                .map(|w| format!("{lang}: {w}")),
        );
    }
    assert!(missing.is_empty(), "no label for {missing:?}");
    guard.done(store).await;
}
