//! Search over reports: the same reports found on SQLite and PostgreSQL, by phrase, by a
//! place named in another script or spelling, under the incident filters; reports stored
//! before the index existed indexed once; superseded versions and personal data never
//! found.

use super::nk2020;
use truce_model::report::{Reliability, Source, SourceKind};
use truce_model::search::Query;
use truce_store::testing::fresh_all;
use truce_store::{IncidentFilter, Store};

/// Made-up reports: (key, day, lon, lat, place, type, text).
const REPORTS: &[(&str, &str, f64, f64, &str, &str, &str)] = &[
    (
        "S1",
        "2021-03-02",
        46.7520,
        39.8170,
        "",
        "artillery",
        "Shelling near the school; two shells hit the yard of School No. 4.",
    ),
    (
        "S2",
        "2021-03-20",
        46.7499,
        39.7601,
        "",
        "artillery",
        "Artillery fire on the outskirts, no damage to the school reported.",
    ),
    (
        "S3",
        "2021-04-11",
        47.1100,
        39.7900,
        "",
        "small-arms-fire",
        "Small-arms fire exchanged at night between positions.",
    ),
    (
        "S4",
        "2021-05-01",
        46.5200,
        39.6400,
        "",
        "checkpoint-closure",
        "The corridor checkpoint closed for the day; trucks waited.",
    ),
    (
        "S5",
        "2021-06-15",
        46.7530,
        39.8160,
        "",
        "drone-strike",
        "Drone strike on a warehouse in Stepanakert, fire seen.",
    ),
    (
        "S6",
        "2021-07-02",
        0.0,
        0.0,
        "Şuşa",
        "artillery",
        "Heavy shelling reported by residents; Şuşa's market closed.",
    ),
];

async fn with_reports(store: &Store) {
    let b = nk2020();
    store.load_agreement(&b).await.expect("load");
    store
        .put_source(&Source {
            id: "paper".into(),
            name: "A local newspaper".into(),
            kind: SourceKind::Media,
            reliability: Reliability::C,
            party: None,
        })
        .await
        .expect("source");
    let lines: Vec<String> = REPORTS
        .iter()
        .map(|(key, day, lon, lat, place, ty, text)| {
            let location = if place.is_empty() {
                serde_json::json!({"lon": lon, "lat": lat, "precision": 1})
            } else {
                serde_json::json!({"place": place, "precision": 2})
            };
            serde_json::json!({"source": "paper", "key": key, "occurred": {"start": format!("{day}T05:00:00Z"), "end": format!("{day}T06:00:00Z"), "precision": 1}, "location": location, "type": ty, "credibility": 3, "text": text}).to_string()
        })
        .collect();
    let now: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().expect("now");
    let out =
        truce_store::ingest::import_jsonl(store, &b, lines.join("\n").as_bytes(), now, 2, |_| {})
            .await
            .expect("import");
    assert_eq!(out.summary.accepted, REPORTS.len() as u64);
}

/// The keys of the reports found, best first.
async fn found(store: &Store, q: &str, f: &IncidentFilter) -> Vec<String> {
    let b = nk2020();
    let query = Query::parse(q, &b.gazetteer).expect("a query");
    let mut hits = store
        .search_reports("nk-2020", &query, f)
        .await
        .expect("search");
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.seq.cmp(&a.seq)));
    hits.iter()
        .map(|h| {
            h.report
                .trim_start_matches("paper:")
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn both_databases_find_the_same_reports_by_words_phrases_places_and_filters() {
    let all = IncidentFilter::default();
    let in_april_on = IncidentFilter {
        from_s: Some(
            jiff::civil::date(2021, 4, 1)
                .at(0, 0, 0, 0)
                .in_tz("Europe/Moscow")
                .expect("tz")
                .timestamp()
                .as_second(),
        ),
        ..IncidentFilter::default()
    };
    let moscow = |y, m, d| {
        jiff::civil::date(y, m, d)
            .at(0, 0, 0, 0)
            .in_tz("Europe/Moscow")
            .expect("tz")
            .timestamp()
            .as_second()
    };
    // Both ends: only the reports of those months are read (the month words).
    let march = IncidentFilter {
        from_s: Some(moscow(2021, 3, 1)),
        to_s: Some(moscow(2021, 4, 1)),
        ..IncidentFilter::default()
    };
    let first_days_of_april = IncidentFilter {
        from_s: Some(moscow(2021, 3, 31)),
        to_s: Some(moscow(2021, 4, 12)),
        ..IncidentFilter::default()
    };
    let years = IncidentFilter {
        from_s: Some(moscow(2018, 1, 1)),
        to_s: Some(moscow(2026, 1, 1)),
        ..IncidentFilter::default()
    };
    let artillery = IncidentFilter {
        event_type: Some("artillery".into()),
        ..IncidentFilter::default()
    };
    let cases: Vec<(&str, &IncidentFilter, Vec<&str>)> = vec![
        // A word, its plural and case folded away; the shorter text mentions it more.
        ("school", &all, vec!["S1", "S2"]),
        ("SCHOOL shelling", &all, vec!["S1"]),
        // A phrase keeps its order; the same words apart do not match it.
        ("\"two shells\"", &all, vec!["S1"]),
        ("\"shells two\"", &all, vec![]),
        // A place in Russian, in Armenian, in another romanisation: found by the names
        // of the place a report is at, whatever its text says.
        ("Ханкенди", &all, vec!["S5", "S1"]),
        ("Ստեփանակերտ", &all, vec!["S5", "S1"]),
        ("Xankendi drone", &all, vec!["S5"]),
        // Diacritics and the place a name names: "Susa" is Şuşa, Shusha, Shushi.
        ("susa", &all, vec!["S6", "S2"]),
        ("Shushi market", &all, vec!["S6"]),
        // Common words are left out: "near the" asks for nothing.
        ("shelling near the school", &all, vec!["S1"]),
        // Filters: a window, a type.
        ("fire", &in_april_on, vec!["S3", "S5"]),
        ("school", &artillery, vec!["S1", "S2"]),
        ("school", &march, vec!["S1", "S2"]),
        ("fire", &march, vec!["S2"]),
        ("fire", &first_days_of_april, vec!["S3"]),
        // A window of more than three years reads every match.
        ("fire", &years, vec!["S2", "S3", "S5"]),
        ("fire", &artillery, vec!["S2"]),
        ("nothing-like-this", &all, vec![]),
    ];
    let mut answers: Vec<Vec<Vec<String>>> = Vec::new();
    for (guard, store) in fresh_all().await {
        with_reports(&store).await;
        let mut mine = Vec::new();
        for (q, f, want) in &cases {
            let got = found(&store, q, f).await;
            let mut got_sorted = got.clone();
            got_sorted.sort();
            let mut want_sorted: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
            want_sorted.sort();
            assert_eq!(got_sorted, want_sorted, "{}: {q}", store.backend_name());
            mine.push(got);
        }
        answers.push(mine);
        guard.done(store).await;
    }
    if let [first, rest @ ..] = answers.as_slice() {
        for other in rest {
            assert_eq!(
                first, other,
                "the same reports in the same order on both databases"
            );
        }
    }
}

#[tokio::test]
async fn reports_stored_before_the_index_are_indexed_once_and_superseded_ones_never_found() {
    for (guard, store) in fresh_all().await {
        with_reports(&store).await;
        let before = found(&store, "school", &IncidentFilter::default()).await;
        // As a database from before the index: no words, every report owed.
        truce_store::testing::forget_search_index(&store)
            .await
            .expect("forget");
        assert!(
            found(&store, "school", &IncidentFilter::default())
                .await
                .is_empty()
        );
        let n = store.index_search_backlog().await.expect("backlog");
        assert_eq!(n, REPORTS.len() as u64);
        assert_eq!(
            found(&store, "school", &IncidentFilter::default()).await,
            before
        );
        assert_eq!(
            store.index_search_backlog().await.expect("again"),
            0,
            "once"
        );
        // A newer version of S1 that no longer mentions the school: only it is found.
        let b = nk2020();
        let now: jiff::Timestamp = "2026-11-29T00:00:00Z".parse().expect("now");
        let line = serde_json::json!({"source": "paper", "key": "S1", "version": 2, "occurred": {"start": "2021-03-02T05:00:00Z", "end": "2021-03-02T06:00:00Z", "precision": 1}, "location": {"lon": 46.752, "lat": 39.817, "precision": 1}, "type": "artillery", "credibility": 3, "text": "Shelling near the kindergarten; two shells hit its yard."}).to_string();
        truce_store::ingest::import_jsonl(&store, &b, line.as_bytes(), now, 10, |_| {})
            .await
            .expect("import");
        assert_eq!(
            found(&store, "school", &IncidentFilter::default()).await,
            vec!["S2"]
        );
        assert_eq!(
            found(&store, "kindergarten", &IncidentFilter::default()).await,
            vec!["S1"]
        );
        guard.done(store).await;
    }
}
