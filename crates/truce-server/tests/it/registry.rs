//! Need-to-know over HTTP: every role against every read path, with a person of each
//! side on record; no path may carry a personal value to a role that may not see it.

use crate::{PASSWORD, call, log_in, states};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use truce_server::{AppState, router};
use truce_store::accounts::UserRole;
use truce_store::seal::Keyring;

const FIXTURE: &str = include_str!("../../../truce-store/tests/fixtures/registry-fictional.jsonl");

/// Personal values of the fixture, by the side of the person they belong to.
const AM: &[&str] = &[
    "Vardanyantest",
    "Վարդանյանթեստ",
    "AM-TEST-58213",
    "1999-04-17",
    "Petrosyantest",
    "Grigoryantest",
    "Sahakyantest",
    "near Hadrut",
];
const AZ: &[&str] = &[
    "Mammadovtest",
    "Мамедовтест",
    "AZ-TEST-30991",
    "1997-01-05",
    "Aliyevtest",
];

async fn raw(state: &AppState, uri: &str, cookie: &str) -> (StatusCode, String) {
    let mut req = Request::builder().uri(uri);
    if !cookie.is_empty() {
        req = req.header("cookie", cookie);
    }
    let r = router(state.clone())
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = r.status();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn every_role_on_every_read_path_sees_exactly_the_personal_data_it_may() {
    for (guard, store, _) in states().await {
        let keyed = store.with_keys(Keyring::ephemeral());
        let b = keyed
            .agreement("nk-2020")
            .await
            .expect("agreement")
            .expect("loaded");
        let r = keyed
            .import_registry(&b, "r.jsonl", FIXTURE, None)
            .await
            .expect("import");
        assert!(r.rejects.is_empty(), "{:?}", r.rejects);
        let s = AppState::new(keyed.clone());
        let now = "2026-11-28T00:00:00Z";
        let users: [(&str, UserRole, Option<&str>); 6] = [
            ("admin", UserRole::Admin, None),
            ("analyst", UserRole::Analyst, None),
            ("monitor", UserRole::Monitor, None),
            ("liaison-am", UserRole::Liaison, Some("am")),
            ("liaison-az", UserRole::Liaison, Some("az")),
            ("protection", UserRole::ProtectionOfficer, None),
        ];
        for (id, role, party) in users {
            keyed
                .add_user(id, id, role, party, PASSWORD, now)
                .await
                .expect("user");
        }
        // Aggregate paths, the rest of the API and OGC: never a personal value.
        let mut open_paths = vec![
            "/api/v1/registry/summary?as_of=2021-01-01".to_owned(),
            "/api/v1/registry/summary?as_of=2021-01-01&format=csv".into(),
            "/api/v1/agreements/nk-2020/registry/claims".into(),
            "/api/v1/agreements/nk-2020/records".into(),
            "/api/v1/agreements/nk-2020/status?as_of=2021-01-01".into(),
            "/api/v1/agreements/nk-2020/incidents".into(),
            "/api/v1/sources".into(),
            "/".into(),
            "/app.js".into(),
            "/ogc/nk-2020/collections".into(),
        ];
        let (_, collections) = raw(&s, "/ogc/nk-2020/collections", "").await;
        let collections: serde_json::Value = serde_json::from_str(&collections).expect("json");
        for c in collections["collections"].as_array().expect("collections") {
            let id = c["id"].as_str().expect("id");
            assert!(
                !id.contains("person") && !id.contains("registry"),
                "an OGC collection of persons: {id}"
            );
            open_paths.push(format!("/ogc/nk-2020/collections/{id}/items?limit=1000"));
        }
        let viewers: Vec<(&str, Option<&str>, bool)> = vec![
            // (login, side whose people it sees, sees every side)
            ("", None, false),
            ("admin", None, true),
            ("analyst", None, false),
            ("monitor", None, false),
            ("liaison-am", Some("am"), false),
            ("liaison-az", Some("az"), false),
            ("protection", None, true),
        ];
        for (login, side, all) in viewers {
            let cookie = if login.is_empty() {
                String::new()
            } else {
                log_in(&s, login).await.0
            };
            let who = if login.is_empty() { "public" } else { login };
            for path in &open_paths {
                let (status, body) = raw(&s, path, &cookie).await;
                assert_eq!(status, StatusCode::OK, "{who} {path}: {body}");
                for secret in AM.iter().chain(AZ) {
                    assert!(!body.contains(secret), "{who} {path} carries `{secret}`");
                }
            }
            // Search never reaches the registry: a person's name, service number or name
            // in another script finds nothing, whoever asks (the answer repeats only the
            // query).
            for q in [
                "Vardanyantest",
                "AM-TEST-58213",
                "%D0%9C%D0%B0%D0%BC%D0%B5%D0%B4%D0%BE%D0%B2%D1%82%D0%B5%D1%81%D1%82",
            ] {
                let path = format!("/api/v1/agreements/nk-2020/search?q={q}");
                let (status, body) = raw(&s, &path, &cookie).await;
                assert_eq!(status, StatusCode::OK, "{who} {path}: {body}");
                let v: serde_json::Value = serde_json::from_str(&body).expect("json");
                assert_eq!(
                    v["incidents"],
                    serde_json::json!([]),
                    "{who} {path}: {body}"
                );
                assert_eq!(v["others"], serde_json::json!([]), "{who} {path}: {body}");
            }
            let may_am = all || side == Some("am");
            let may_az = all || side == Some("az");
            let personal = may_am || may_az;
            for path in ["/api/v1/registry/persons", "/api/v1/registry/export"] {
                let (status, body) = raw(&s, path, &cookie).await;
                let want = if personal {
                    StatusCode::OK
                } else if login.is_empty() {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(status, want, "{who} {path}");
                for secret in AM {
                    assert_eq!(body.contains(secret), may_am, "{who} {path} `{secret}`");
                }
                for secret in AZ {
                    assert_eq!(body.contains(secret), may_az, "{who} {path} `{secret}`");
                }
            }
            for (person, may, secrets) in [("R-A1", may_am, AM), ("R-Z1", may_az, AZ)] {
                let (status, body) =
                    raw(&s, &format!("/api/v1/registry/persons/{person}"), &cookie).await;
                let want = if may {
                    StatusCode::OK
                } else if login.is_empty() {
                    StatusCode::UNAUTHORIZED
                } else if personal {
                    // Another side's person: as if there were none.
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(status, want, "{who} {person}: {body}");
                assert_eq!(body.contains(secrets[0]), may, "{who} {person}");
            }
        }
        // The export reads back as registry lines that import unchanged.
        let (cookie, _) = log_in(&s, "protection").await;
        let (_, text) = raw(&s, "/api/v1/registry/export", &cookie).await;
        let again = keyed
            .import_registry(&b, "export.jsonl", &text, None)
            .await
            .expect("reimport");
        assert_eq!(
            (
                again.persons_unchanged,
                again.statuses_unchanged,
                again.rejects.len()
            ),
            (6, 13, 0)
        );
        // Every personal read above is in the chain, and the chain holds.
        let entries = keyed.audit_entries(1, 100_000).await.expect("entries");
        let reads = entries
            .iter()
            .filter(|e| e.action == "registry.read")
            .count();
        assert!(
            reads >= 6 * 2 + 4 * 2 + 2 * 2,
            "{reads} personal reads recorded"
        );
        assert!(entries.iter().all(|e| {
            AM.iter()
                .chain(AZ)
                .all(|x| !e.detail.contains(x) && !e.target.contains(x))
        }));
        assert!(keyed.audit_verify(None).await.expect("verify").is_intact());
        guard.done(store).await;
    }
}

#[tokio::test]
async fn protection_officers_import_through_the_api_and_others_may_not() {
    for (guard, store, _) in states().await {
        let keyed = store.with_keys(Keyring::ephemeral());
        let s = AppState::new(keyed.clone());
        let now = "2026-11-28T00:00:00Z";
        keyed
            .add_user(
                "protection",
                "P",
                UserRole::ProtectionOfficer,
                None,
                PASSWORD,
                now,
            )
            .await
            .expect("user");
        keyed
            .add_user("liaison", "L", UserRole::Liaison, Some("am"), PASSWORD, now)
            .await
            .expect("user");
        const IMPORT: &str = "/api/v1/agreements/nk-2020/registry/import";
        let send = |cookie: String, csrf: String, body: &'static str| {
            let s = s.clone();
            async move {
                let headers = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
                post_lines(&s, IMPORT, &headers, "application/x-ndjson", body).await
            }
        };
        let (c, t) = log_in(&s, "liaison").await;
        let (status, _) = send(c, t, FIXTURE).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (c, t) = log_in(&s, "protection").await;
        let bad = "{\"type\":\"person\",\"id\":\"R-9\",\"side\":\"am\",\"category\":\"pows\",\"source\":\"s\"}\n{\"type\":\"status\",\"person\":\"R-9\",\"date\":\"2020-12-01\",\"status\":\"hold\",\"source\":\"s\"}\n";
        let (status, v) = send(c.clone(), t.clone(), bad).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["import"]["persons_added"], 1);
        assert_eq!(v["import"]["rejects"][0]["line"], 2);
        assert_eq!(v["import"]["rejects"][0]["pointer"], "/status");
        // Without the session's CSRF token a write is refused.
        let (status, _) = send(c, "wrong".into(), bad).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, v) = call(
            &s,
            "GET",
            "/api/v1/registry/summary?as_of=20-1-1",
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["invalid-params"][0]["name"], "as_of");
        guard.done(store).await;
    }
}

/// Posts lines (JSON Lines or CSV) to `uri` with the given headers: the status and the
/// JSON answer.
async fn post_lines(
    s: &AppState,
    uri: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    body: &'static str,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder().method("POST").uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .header("content-type", content_type)
        .body(Body::from(body))
        .expect("request");
    let r = router(s.clone()).oneshot(req).await.expect("response");
    let status = r.status();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 20)
        .await
        .expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

/// Sends evidence lines to `POST …/records` with the given headers.
async fn send_records(
    s: &AppState,
    headers: &[(&str, &str)],
    content_type: &str,
    body: &'static str,
) -> (StatusCode, serde_json::Value) {
    post_lines(
        s,
        "/api/v1/agreements/nk-2020/records",
        headers,
        content_type,
        body,
    )
    .await
}

#[tokio::test]
async fn analysts_import_evidence_through_the_api_with_refusals_and_repeat_warnings_named() {
    for (guard, store, s) in states().await {
        let now = "2026-11-28T00:00:00Z";
        store
            .add_user("analyst", "A", UserRole::Analyst, None, PASSWORD, now)
            .await
            .expect("user");
        let lines = concat!(
            // A stated total, dated to the month only.
            r#"{"type":"tally","id":"az-2021-11","date":"2021-11","claimant":"az","measure":"returned","category":"detainees","since":"2020-12-22","counts":{"am":105,"az":17},"source":"https://example.org/t"}"#,
            "\n",
            // The demo's exchange of 14 December 2020 again under another id.
            r#"{"type":"exchange","id":"again","date":"2020-12-14","from":"az","to":"am","counts":{"detainees":44},"source":"https://example.org/x"}"#,
            "\n",
            // A release by someone no exchange rule counts.
            r#"{"type":"exchange","id":"turkey","date":"2021-01-01","from":"tr","to":"am","counts":{"pows":1},"source":"https://example.org/y"}"#,
            "\n",
        );
        // Not logged in: 401; a monitor may not: 403.
        let (status, _) = send_records(&s, &[], "application/x-ndjson", lines).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let bearer = crate::monitor_bearer(&store).await;
        let (status, _) = send_records(
            &s,
            &[("authorization", bearer.as_str())],
            "application/x-ndjson",
            lines,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (cookie, csrf) = log_in(&s, "analyst").await;
        let auth = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
        let (status, v) = send_records(&s, &auth, "text/plain", lines).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
        // Nothing to import, or nothing good in it, is a refusal naming every line, not a
        // success that stored nothing.
        let (status, v) = send_records(&s, &auth, "text/csv", "type,id,date\n").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        let (status, v) = send_records(
            &s,
            &auth,
            "application/x-ndjson",
            "{}\n{\"type\":\"handover\"}\n",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        let names: Vec<&str> = v["invalid-params"]
            .as_array()
            .expect("every refused line")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(names.iter().any(|n| n.starts_with("line 1")), "{v}");
        assert!(names.iter().any(|n| n.starts_with("line 2")), "{v}");
        let (status, v) = send_records(&s, &auth, "application/x-ndjson", lines).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let import = &v["import"];
        assert_eq!(import["counts"]["added"], 2, "{v}");
        assert_eq!(import["rejects"][0]["line"], 3);
        assert_eq!(import["rejects"][0]["pointer"], "/from");
        assert_eq!(import["warnings"][0]["line"], 2);
        assert!(
            import["warnings"][0]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("`exchange:2020-12-14-to-am`")),
            "{v}"
        );
        // The stated total is served beside the records' own figure, never in it.
        let (status, _, v) = call(
            &s,
            "GET",
            "/api/v1/agreements/nk-2020/registry/claims?on=2021-12-31",
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let stated = v["stated_totals"].as_array().expect("stated totals");
        let am = stated
            .iter()
            .find(|t| t["side"] == "am")
            .expect("the total for Armenia");
        assert_eq!(am["stated"], 105);
        assert_eq!(am["when"], "during November 2021");
        // To Armenia from 22 December 2020 to 30 November 2021 in the demo: 5 + 15 + 15.
        assert_eq!(am["own"], 35);
        assert_eq!(am["difference"], 70);

        // The warned repeat is retracted over the API, as `truce evidence retract` does:
        // with a reason, by an analyst, and then no rule reads it.
        let retract = "/api/v1/agreements/nk-2020/records/exchange:again/retract";
        let reason = serde_json::json!({"reason": "repeats exchange:2020-12-14-to-am"});
        let (status, _, v) = call(
            &s,
            "POST",
            retract,
            &[("authorization", bearer.as_str())],
            Some(reason.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a monitor may not: {v}");
        let (status, _, v) = call(
            &s,
            "POST",
            retract,
            &auth,
            Some(serde_json::json!({"reason": " "})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["invalid-params"][0]["name"], "/reason");
        let (status, _, v) = call(&s, "POST", retract, &auth, Some(reason.clone())).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["retracted"], "exchange:again");
        let (_, _, records) = call(
            &s,
            "GET",
            "/api/v1/agreements/nk-2020/records?type=exchange",
            &[],
            None,
        )
        .await;
        assert!(
            records["records"]
                .as_array()
                .expect("records")
                .iter()
                .all(|r| r["record"]["id"] != "again"),
            "{records}"
        );
        let (status, _, _) = call(&s, "POST", retract, &auth, Some(reason)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "retracted already");
        guard.done(store).await;
    }
}
