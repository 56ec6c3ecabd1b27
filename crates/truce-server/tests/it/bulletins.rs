//! Publishing: a bulletin built from the store, stored once and served byte for byte at
//! stable URLs, in the Atom feed; alerts as CAP messages; deadlines as iCalendar; and
//! no personal field of the registry anywhere in a bulletin.

use crate::states;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use truce_bulletin as bulletin;
use truce_server::{AppState, router};
use truce_store::bulletins::Published;
use truce_store::seal::Keyring;
use truce_usecases::publishing;

const FIXTURE: &str = include_str!("../../../truce-store/tests/fixtures/registry-fictional.jsonl");
const SECRETS: &[&str] = &[
    "Vardanyantest",
    "Վարդանյանթեստ",
    "AM-TEST-58213",
    "1999-04-17",
    "Mammadovtest",
    "AZ-TEST-30991",
    "near Hadrut",
    "fictional",
];

async fn fetch(s: &AppState, uri: &str) -> (StatusCode, String, String) {
    let r = router(s.clone())
        .oneshot(
            Request::builder()
                .uri(uri)
                .header("host", "monitor.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24)
        .await
        .expect("body");
    (status, ct, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_published_bulletin_is_served_unchanged_in_feeds_and_never_carries_a_name() {
    for (guard, store, _) in states().await {
        let keyed = store.with_keys(Keyring::ephemeral());
        let b = keyed
            .agreement("nk-2020")
            .await
            .expect("agreement")
            .expect("loaded");
        keyed
            .import_registry(&b, "r.jsonl", FIXTURE, None)
            .await
            .expect("registry");
        let from = jiff::civil::date(2020, 12, 10);
        let to = jiff::civil::date(2020, 12, 20);
        let content = publishing::build(&keyed, &b, from, to, jiff::Timestamp::now())
            .await
            .expect("build");
        // The registry's aggregates are there: 14 December, 44 returned from Azerbaijan.
        let az = content
            .detainees
            .reconciliation
            .iter()
            .find(|r| r.holder == "az")
            .expect("az");
        assert_eq!((az.returned, az.returned_in_exchanges), (1, 44));
        let signed = bulletin::sign(content, &[3; 32]);
        let r = publishing::render(&signed);
        for text in [&r.json, &r.markdown, &r.html] {
            for s in SECRETS {
                assert!(!text.contains(s), "a bulletin carries `{s}`");
            }
        }
        assert_eq!(
            publishing::publish(&keyed, &signed, &r, None)
                .await
                .expect("publish"),
            Published::New
        );
        assert_eq!(
            publishing::publish(&keyed, &signed, &r, None)
                .await
                .expect("again"),
            Published::Unchanged
        );
        let mut other = signed.clone();
        other.bulletin.summary.push("an edit".into());
        let other = bulletin::sign(other.bulletin, &[3; 32]);
        let refused = publishing::publish(&keyed, &other, &publishing::render(&other), None).await;
        assert!(
            matches!(refused, Err(truce_store::StoreError::Refused(_))),
            "published bulletins are immutable"
        );

        let s = AppState::new(keyed.clone());
        let (status, _, list) = fetch(&s, "/api/v1/bulletins").await;
        assert_eq!(status, StatusCode::OK);
        let list: serde_json::Value = serde_json::from_str(&list).expect("json");
        let files = &list["bulletins"][0]["files"];
        assert_eq!(
            files["html"],
            "/bulletins/nk-2020/2020-12-10..2020-12-20.html"
        );
        assert!(files.get("pdf").is_none());
        for (ext, expected, ct) in [
            ("json", &r.json, "application/json"),
            ("md", &r.markdown, "text/markdown"),
            ("html", &r.html, "text/html"),
        ] {
            let (status, got_ct, body) = fetch(
                &s,
                &format!("/bulletins/nk-2020/2020-12-10..2020-12-20.{ext}"),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{ext}");
            assert!(got_ct.starts_with(ct), "{ext}: {got_ct}");
            assert_eq!(&body, expected, "{ext} is served byte for byte");
            assert!(bulletin::verify_text(&body, &bulletin::public_of(&[3; 32])).is_ok());
        }
        // A published bulletin never changes: a client keeps it for good.
        let r = router(s.clone())
            .oneshot(
                Request::builder()
                    .uri("/bulletins/nk-2020/2020-12-10..2020-12-20.html")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(r.headers().contains_key("etag"));
        assert_eq!(
            fetch(&s, "/bulletins/nk-2020/2020-12-10..2020-12-20.pdf")
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            fetch(&s, "/bulletins/nk-2020/1999-01-01..1999-01-02.html")
                .await
                .0,
            StatusCode::NOT_FOUND
        );

        let (status, ct, atom) = fetch(&s, "/feeds/bulletins.atom").await;
        assert_eq!(status, StatusCode::OK);
        assert!(ct.starts_with("application/atom+xml"));
        assert!(atom.contains("<link rel=\"alternate\" type=\"text/html\" href=\"http://monitor.example/bulletins/nk-2020/2020-12-10..2020-12-20.html\"/>"), "{atom}");
        let (status, _, alerts) = fetch(
            &s,
            "/feeds/nk-2020/alerts.atom?from=2020-11-20&to=2020-12-20",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let cap = alerts
            .split("href=\"http://monitor.example")
            .nth(2)
            .and_then(|t| t.split('"').next())
            .expect("an alert entry")
            .to_owned();
        let (status, ct, xml) = fetch(&s, &cap).await;
        assert_eq!(status, StatusCode::OK, "{cap}");
        assert!(ct.starts_with("application/cap+xml"));
        assert!(xml.contains("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"));
        // One block of information per language, each in its own words.
        let languages: Vec<&str> = xml
            .split("<language>")
            .skip(1)
            .filter_map(|t| t.split('<').next())
            .collect();
        assert_eq!(languages, ["en", "ru", "hy", "az"], "{xml}");
        let russian = xml.split("<language>ru</language>").nth(1).expect("ru");
        let ru = truce_model::i18n::messages("ru").expect("ru");
        assert!(
            russian.contains(&format!("<event>{}</event>", ru.t("cap.event", &[])))
                && !russian.contains("Evidence:")
                && russian.contains("</description>"),
            "{russian}"
        );
        let (status, _, _) = fetch(&s, "/feeds/nk-2020/alerts/2020-12-02/handover-agdam.cap").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "no change that day");
        let (status, ct, ics) = fetch(&s, "/feeds/nk-2020/deadlines.ics?as_of=2020-11-16").await;
        assert_eq!(status, StatusCode::OK);
        assert!(ct.starts_with("text/calendar"));
        assert!(
            ics.contains("DTSTART;VALUE=DATE:20201125"),
            "Kalbajar after the extension: {ics}"
        );
        assert!(
            ics.lines().all(|l| l.len() <= 76),
            "lines folded at 75 octets"
        );
        let (_, _, ics) = fetch(&s, "/feeds/nk-2020/deadlines.ics?as_of=2024-04-01").await;
        assert!(
            ics.contains("DTSTART;VALUE=DATE:20250510")
                && ics.contains("DTSTART;VALUE=DATE:20251110"),
            "the last day to give notice on the peacekeepers' term, and its expiry: {ics}"
        );
        // The term lapsed on 17 April 2024 (built-in record): no 2025 dates after that.
        let (_, _, ics) = fetch(&s, "/feeds/nk-2020/deadlines.ics?as_of=2024-12-01").await;
        assert!(
            !ics.contains("DTSTART;VALUE=DATE:20250510")
                && !ics.contains("DTSTART;VALUE=DATE:20251110"),
            "an ended term has no deadlines ahead: {ics}"
        );
        let (status, _, _) = fetch(&s, "/feeds/nk-2020/deadlines.ics?as_of=tomorrow").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // The feeds in another language: titles and what is due in its words.
        let ru = truce_model::i18n::messages("ru").expect("ru");
        let (status, _, atom) = fetch(
            &s,
            "/feeds/nk-2020/alerts.atom?from=2020-11-20&to=2020-12-20&lang=ru",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let title = ru.t("feed.alerts", &[("title", "".into())]);
        assert!(atom.contains(title.trim()), "{atom}");
        assert!(atom.contains(&ru.state("complete on time")), "{atom}");
        let (_, _, ics) = fetch(&s, "/feeds/nk-2020/deadlines.ics?as_of=2024-04-01&lang=az").await;
        let az = truce_model::i18n::messages("az").expect("az");
        let notice = az.t("bulletin.upcoming.notice", &[]);
        assert!(
            ics.replace("\r\n ", "").contains(&notice),
            "the last day to give notice, in Azerbaijani: {ics}"
        );
        for feed in [
            "/feeds/bulletins.atom?lang=fr",
            "/feeds/nk-2020/alerts.atom?lang=fr",
            "/feeds/nk-2020/deadlines.ics?lang=fr",
        ] {
            assert_eq!(fetch(&s, feed).await.0, StatusCode::BAD_REQUEST, "{feed}");
        }

        assert!(keyed.audit_verify(None).await.expect("verify").is_intact());
        guard.done(store).await;
    }
}
