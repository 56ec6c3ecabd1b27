//! `GET …/export`: every import format under the incident list's filters.

use crate::states;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use truce_server::router;

async fn fetch(s: &truce_server::AppState, uri: &str) -> (StatusCode, String, String, String) {
    let r = router(s.clone())
        .oneshot(
            Request::builder()
                .uri(uri)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (status, ct, cd) = (
        r.status(),
        header("content-type"),
        header("content-disposition"),
    );
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24)
        .await
        .expect("body");
    (status, ct, cd, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn exports_come_in_every_import_format_under_the_list_filters() {
    for (guard, store, s) in states().await {
        let base = "/api/v1/agreements/nk-2020/export";
        let (status, ct, cd, body) = fetch(&s, &format!("{base}?format=geojson")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(ct.starts_with("application/geo+json"));
        assert!(cd.contains("nk-2020-geojson.geojson"), "{cd}");
        let fc: serde_json::Value = serde_json::from_str(&body).expect("geojson");
        assert_eq!(fc["features"].as_array().map(Vec::len), Some(3));
        // The same filters as the list: one zone.
        let (_, _, _, body) = fetch(&s, &format!("{base}?format=geojson&zone=lachin")).await;
        let fc: serde_json::Value = serde_json::from_str(&body).expect("geojson");
        let (_, _, _, list) = fetch(&s, "/api/v1/agreements/nk-2020/incidents?zone=lachin").await;
        let list: serde_json::Value = serde_json::from_str(&list).expect("list");
        assert_eq!(
            fc["features"].as_array().map(Vec::len),
            list["incidents"].as_array().map(Vec::len)
        );
        // Reports: ACLED rows as they arrived, and JSON Lines.
        let (status, ct, _, csv) = fetch(
            &s,
            &format!("{base}?format=acled&from=2021-05-01&to=2021-05-31"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(ct.starts_with("text/csv"));
        assert!(csv.starts_with("event_id_cnty,"), "{csv}");
        assert_eq!(
            csv.lines().count(),
            1 + 2,
            "header and the two May rows: {csv}"
        );
        let (_, ct, _, jsonl) = fetch(&s, &format!("{base}?format=jsonl")).await;
        assert!(ct.starts_with("application/x-ndjson"));
        assert_eq!(jsonl.lines().count(), 3);
        let (status, _, _, ucdp) = fetch(&s, &format!("{base}?format=ucdp")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ucdp.lines().count(), 1 + 3);
        // The map projection: the same page, only what a map draws.
        let (_, _, _, full) = fetch(&s, "/api/v1/agreements/nk-2020/incidents?limit=2").await;
        let (status, _, _, lean) = fetch(
            &s,
            "/api/v1/agreements/nk-2020/incidents?limit=2&fields=map",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let full: serde_json::Value = serde_json::from_str(&full).expect("json");
        let lean: serde_json::Value = serde_json::from_str(&lean).expect("json");
        let ids = |v: &serde_json::Value| -> Vec<String> {
            v["incidents"]
                .as_array()
                .expect("incidents")
                .iter()
                .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        assert_eq!(ids(&full), ids(&lean));
        assert_eq!(full["next_cursor"], lean["next_cursor"]);
        let (a, b) = (&full["incidents"][0], &lean["incidents"][0]);
        assert_eq!(
            (b["status"].clone(), b["type"].clone()),
            (a["status"].clone(), a["event_type"].clone())
        );
        assert_eq!(b["point"], a["point"], "{a} / {b}");
        assert_eq!(
            (b["start"].clone(), b["end"].clone()),
            (a["window"]["start"].clone(), a["window"]["end"].clone()),
            "{a} / {b}"
        );
        assert!(b.get("reports").is_some() && b.get("attribution").is_none());
        assert!(
            b.get("place_label").is_none(),
            "a map point carries no place"
        );
        // The list projection: the map point with the incident's place, the same page;
        // with the total counted as the database counts it.
        let (status, _, _, lines) = fetch(
            &s,
            "/api/v1/agreements/nk-2020/incidents?limit=2&fields=list&total=true",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let lines: serde_json::Value = serde_json::from_str(&lines).expect("json");
        assert_eq!(ids(&full), ids(&lines));
        let (_, _, _, counted) = fetch(&s, "/api/v1/agreements/nk-2020/incidents?total=true").await;
        let counted: serde_json::Value = serde_json::from_str(&counted).expect("json");
        assert_eq!(lines["total"], counted["total"]);
        for (a, l) in full["incidents"]
            .as_array()
            .expect("incidents")
            .iter()
            .zip(lines["incidents"].as_array().expect("lines"))
        {
            for key in ["place_label", "place_name", "status", "point"] {
                assert_eq!(a[key], l[key], "{key}: {a} / {l}");
            }
            assert_eq!(l["perpetrator"], a["attribution"]["assessed"], "{a} / {l}");
        }
        assert!(
            lines["incidents"]
                .as_array()
                .expect("lines")
                .iter()
                .any(|l| l["place_label"].is_string()),
            "a line names its place: {lines}"
        );
        let (status, _, _, _) = fetch(&s, "/api/v1/agreements/nk-2020/incidents?fields=few").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // Bad parameters are named.
        for (query, param) in [
            ("format=xls", "format"),
            ("", "format"),
            ("format=jsonl&limit=5", "limit"),
            ("format=jsonl&zone=atlantis", "zone"),
        ] {
            let (status, _, _, body) = fetch(&s, &format!("{base}?{query}")).await;
            let p: serde_json::Value = serde_json::from_str(&body).expect("problem");
            assert_eq!(
                (status, p["invalid-params"][0]["name"].as_str()),
                (StatusCode::BAD_REQUEST, Some(param)),
                "{query}: {p}"
            );
        }
        guard.done(store).await;
    }
}
