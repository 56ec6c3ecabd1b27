//! The native JSON Lines format: every problem names its line and JSON pointer; a report
//! written and read back is the same report.

use crate::nk2020;
use std::collections::HashMap;
use truce_formats::jsonl::{self, Context};
use truce_model::report::{Reliability, Source, SourceKind};

const GOOD: &str = r#"{"source":"op-7","key":"OP7-1","occurred":{"start":"2021-05-12T03:00:00Z","end":"2021-05-12T04:00:00Z","precision":1},"location":{"lon":47.11,"lat":39.79,"precision":1},"type":"artillery","perpetrator":"az","credibility":2,"text":"Twelve rounds heard.","casualties":{"wounded_civilian":{"low":1,"best":1,"high":2}},"evidence":["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]}"#;

fn context<'a>(
    b: &'a truce_model::AgreementBundle,
    sources: &'a HashMap<String, Source>,
) -> Context<'a> {
    Context {
        agreement: &b.agreement,
        sources,
        now: "2026-11-28T00:00:00Z".parse().expect("now"),
    }
}

fn sources() -> HashMap<String, Source> {
    let s = Source {
        id: "op-7".into(),
        name: "Observation post 7".into(),
        kind: SourceKind::ObservationPost,
        reliability: Reliability::A,
        party: None,
    };
    HashMap::from([(s.id.clone(), s)])
}

#[test]
fn a_good_line_reads_and_writes_back_identically() {
    let b = nk2020();
    let sources = sources();
    let ctx = context(&b, &sources);
    let r = jsonl::read_line(1, GOOD, &ctx).expect("good");
    assert_eq!(r.id, "op-7:OP7-1@0");
    assert_eq!(r.casualties.wounded_civilian.high, 2);
    let again = jsonl::read_line(1, &jsonl::write_line(&r), &ctx).expect("round trip");
    assert_eq!(again, r);
    // A line without a key gets one from its content, and keeps it through a round trip.
    let keyless = GOOD.replace(r#""key":"OP7-1","#, "");
    let k = jsonl::read_line(2, &keyless, &ctx).expect("keyless");
    assert!(k.source_key.as_deref().is_some_and(|s| s.starts_with('h')));
    assert_eq!(
        jsonl::read_line(2, &jsonl::write_line(&k), &ctx).expect("again"),
        k
    );
}

#[test]
fn bad_lines_name_their_line_pointer_and_reason() {
    let b = nk2020();
    let sources = sources();
    let ctx = context(&b, &sources);
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            "{not json".into(),
            vec![": invalid JSON at column 2: key must be a string at line 1 column 2"],
        ),
        ("[1,2]".into(), vec![": each line must be a JSON object"]),
        (
            GOOD.replace("op-7", "op-8"),
            vec![
                "/source: unknown source `op-8` (did you mean `op-7`?); register it with `truce sources add`",
            ],
        ),
        (
            GOOD.replace("\"artillery\"", "\"artilery\""),
            vec![
                "/type: `artilery` is not in the codebook: did you mean `artillery`? (the types are in docs/codebook.md)",
            ],
        ),
        (
            GOOD.replace("\"2021-05-12T04:00:00Z\"", "\"2021-05-12T02:00:00Z\""),
            vec!["/occurred/end: must be after start"],
        ),
        (
            GOOD.replace("2021-05-12T03", "2031-05-12T03")
                .replace("2021-05-12T04", "2031-05-12T04"),
            vec!["/occurred/start: is in the future (now is 2026-11-28T00:00:00Z)"],
        ),
        (
            GOOD.replace("\"lon\":47.11", "\"lon\":470.11"),
            vec!["/location/lon: must be a longitude in decimal degrees (±180)"],
        ),
        (
            GOOD.replace("\"perpetrator\":\"az\"", "\"perpetrator\":\"azr\""),
            vec!["/perpetrator: unknown actor `azr` (did you mean `az`?)"],
        ),
        (
            GOOD.replace("\"credibility\":2", "\"credibility\":9"),
            vec!["/credibility: must be 1 (confirmed) to 6 (cannot be judged)"],
        ),
        (
            GOOD.replace(
                "\"low\":1,\"best\":1,\"high\":2",
                "\"low\":3,\"best\":1,\"high\":2",
            ),
            vec!["/casualties/wounded_civilian: needs low ≤ best ≤ high"],
        ),
        (
            GOOD.replace("9f86d0", "zz86d0"),
            vec!["/evidence/0: must be a SHA-256 digest: 64 hexadecimal digits"],
        ),
        (
            GOOD.replace("\"text\"", "\"txt\""),
            vec!["/txt: unknown member (did you mean `text`?)"],
        ),
        (
            GOOD.replace("\"precision\":1}", "\"precision\":9}")
                .replace("\"type\":\"artillery\",", ""),
            vec![
                "/occurred/precision: must be 1 (day) to 5 (year or more), as UCDP date_prec",
                "/location/precision: must be 1 (exact) to 7, as UCDP where_prec",
                "/type: is missing",
            ],
        ),
    ];
    for (i, (line, expected)) in cases.iter().enumerate() {
        let got: Vec<String> = match jsonl::read_line(7, line, &ctx) {
            Ok(_) => vec![],
            Err(p) => p
                .iter()
                .map(|p| {
                    assert_eq!(p.line, 7);
                    format!("{}: {}", p.pointer, p.reason)
                })
                .collect(),
        };
        assert_eq!(&got, expected, "case {i}: {line}");
    }
}

#[test]
fn reports_round_trip_through_geojson_and_bad_features_name_their_pointer() {
    let b = nk2020();
    let sources = sources();
    let ctx = context(&b, &sources);
    let r = jsonl::read_line(1, GOOD, &ctx).expect("good");
    let placed_by_name = jsonl::read_line(
        2,
        &GOOD
            .replace(r#""lon":47.11,"lat":39.79,"#, r#""place":"Martuni","#)
            .replace("OP7-1", "OP7-2"),
        &ctx,
    )
    .expect("good");
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [jsonl::write_feature(&r), jsonl::write_feature(&placed_by_name)]});
    assert_eq!(
        fc["features"][0]["geometry"]["coordinates"],
        serde_json::json!([47.11, 39.79])
    );
    assert!(fc["features"][1]["geometry"].is_null());
    let back: Vec<_> = jsonl::read_feature_collection(&fc.to_string(), &ctx)
        .expect("collection")
        .into_iter()
        .map(|(_, x)| x.expect("feature"))
        .collect();
    assert_eq!(back, vec![r.clone(), placed_by_name]);

    let mut bad = fc.clone();
    bad["features"][0]["geometry"]["coordinates"] = serde_json::json!([470.0, 39.79]);
    bad["features"][1]["properties"]["type"] = serde_json::json!("shelling");
    let got: Vec<String> = jsonl::read_feature_collection(&bad.to_string(), &ctx)
        .expect("collection")
        .into_iter()
        .flat_map(|(_, x)| x.err().unwrap_or_default())
        .map(|p| format!("{}: {}", p.pointer, p.reason))
        .collect();
    assert_eq!(
        got,
        [
            "/features/0/geometry/coordinates/0: must be a longitude in decimal degrees (±180)",
            "/features/1/properties/type: `shelling` is not in the codebook: 20 are defined; check the spelling (the types are in docs/codebook.md)",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<_>>()
    );
    let err = jsonl::read_feature_collection(r#"{"type":"Feature"}"#, &ctx)
        .expect_err("not a collection");
    assert_eq!(err.pointer, "/type");
}

#[test]
fn outlets_are_kept_for_a_data_sets_row_and_refused_on_any_other_report() {
    let b = nk2020();
    let mut sources = sources();
    sources.insert(
        "acled".into(),
        Source {
            id: "acled".into(),
            name: "ACLED".into(),
            kind: SourceKind::DataSet,
            reliability: Reliability::B,
            party: None,
        },
    );
    let ctx = context(&b, &sources);
    let with_outlets = |source: &str| {
        GOOD.replace("\"source\":\"op-7\"", &format!("\"source\":\"{source}\""))
            .replace("\"credibility\":2", "\"credibility\":2,\"outlets\":2")
    };
    let r = jsonl::read_line(1, &with_outlets("acled"), &ctx).expect("a data set's row");
    assert_eq!(r.outlets, 2);
    assert!(
        jsonl::write_line(&r).contains("\"outlets\":2"),
        "written back"
    );
    let refused = jsonl::read_line(1, &with_outlets("op-7"), &ctx).expect_err("refused");
    assert_eq!(refused[0].pointer, "/outlets");
    assert!(
        refused[0]
            .reason
            .contains("`op-7` is a source of kind observation-post"),
        "{}",
        refused[0].reason
    );
}
