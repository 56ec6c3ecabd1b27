//! ACLED CSV: the format sample imports and exports back identically; bad rows are
//! refused one by one with line, column and reason while good rows are kept.

use crate::nk2020;
use jiff::Timestamp;
use truce_formats::acled::{self, AcledRow, Options, Reject};
use truce_model::report::{EventType, Reliability, Source, SourceKind};

fn options() -> Options {
    Options {
        source: Source {
            id: "acled".into(),
            name: "ACLED".into(),
            kind: SourceKind::DataSet,
            reliability: Reliability::B,
            party: None,
        },
        received: "2026-11-28T06:00:00Z".parse().expect("instant"),
        credibility: 2,
        now: "2026-11-28T06:00:00Z"
            .parse::<Timestamp>()
            .expect("instant"),
        max_field_bytes: 32 * 1024,
    }
}

fn read(bytes: &[u8]) -> (Vec<AcledRow>, Vec<Reject>) {
    let b = nk2020();
    let opts = options();
    let reader = acled::Reader::new(bytes, &b.agreement, &b.zones, &opts).expect("header");
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for r in reader {
        match r {
            Ok(row) => ok.push(row),
            Err(rej) => bad.push(rej),
        }
    }
    (ok, bad)
}

/// ACLED's own format fixture (provenance and terms in crates/truce/tests/fixtures/README.md).
fn sample() -> Vec<u8> {
    let path = crate::root().join("crates/truce/tests/fixtures/acled_format_sample.csv");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_acled_sample_imports_column_by_column_and_exports_back_identically() {
    let bytes = sample();
    let (rows, rejects) = read(&bytes);
    // Four rows of the fixture carry Python reprs ("np.float64(48.174)") instead of
    // coordinates, a defect of its conversion: they are refused, each with its line.
    let refused: Vec<(u64, &str, &str)> = rejects
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        refused,
        [
            (5, "latitude", "np.float64(48.174)"),
            (6, "latitude", "np.float64(36.0351)"),
            (7, "latitude", "np.float64(41.5333)"),
            (8, "latitude", "np.float64(39.0951)"),
        ]
    );
    assert_eq!(rows.len(), 3);
    let first = &rows[0];
    assert_eq!(first.line, 2);
    assert_eq!(first.record.get("event_id_cnty"), "ARG10607");
    assert_eq!(first.record.get("admin1"), "Chubut");
    let r = &first.report;
    assert_eq!(r.id, "acled:ARG10607@1657041386");
    assert_eq!(r.source_key.as_deref(), Some("ARG10607"));
    assert_eq!(r.source_version, Some(1_657_041_386));
    assert_eq!(r.event_type, EventType::Protest);
    assert_eq!(r.location.point, Some((-67.4997, -45.8644)));
    assert_eq!(r.location.place_name.as_deref(), Some("Comodoro Rivadavia"));
    assert_eq!(r.location.precision, 1);
    assert_eq!(r.occurred.precision, 1);
    assert_eq!(r.casualties.killed_best(), 0);
    assert!(r.text.starts_with("On 30 June 2022, in Comodoro Rivadavia"));
    // Far from the South Caucasus: accepted, with a warning.
    assert!(
        first
            .warnings
            .iter()
            .any(|w| w.message.contains("outside the agreement's region"))
    );

    // The accepted rows export back exactly as they stood in the file, header included.
    let mut out = Vec::new();
    acled::write(&mut out, rows.iter().map(|r| &r.record)).expect("write");
    let expected: Vec<u8> = bytes
        .split_inclusive(|b| *b == b'\n')
        .take(4)
        .flatten()
        .copied()
        .collect();
    assert!(
        out == expected,
        "export differs:\n{}",
        String::from_utf8_lossy(&out)
    );
}

const HEADER: &str = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp";
const GOOD: &str = "ARM1001,2021-05-12,2021,1,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,Military Forces of Azerbaijan (2003-),,1,Military Forces of Armenia (2018-),,1,11,,51,Caucasus and Central Asia,Armenia,Syunik,Goris,,Goris,39.5111,46.3417,1,Armenian Ministry of Defence,National,Shelling reported near Goris.,2,,1620900000";

/// GOOD with one column replaced.
fn with(column: &str, value: &str) -> String {
    let i = acled::COLUMNS
        .iter()
        .position(|c| *c == column)
        .expect("column");
    let mut f: Vec<String> = GOOD.split(',').map(str::to_owned).collect();
    f[i] = value.to_owned();
    f.join(",")
}

#[test]
fn a_good_row_in_the_region_is_attributed_to_the_parties() {
    let (rows, rejects) = read(format!("{HEADER}\n{GOOD}\n").as_bytes());
    assert_eq!(rejects, vec![]);
    let r = &rows[0].report;
    assert_eq!(r.perpetrator.as_deref(), Some("az"));
    assert_eq!(r.target.as_deref(), Some("am"));
    assert_eq!(r.event_type, EventType::Artillery);
    assert_eq!(r.casualties.killed_best(), 2);
    // 12 May in the agreement's reporting zone (UTC+4) is 11 May 20:00 UTC onwards.
    assert_eq!(r.occurred.start.to_string(), "2021-05-11T20:00:00Z");
    assert_eq!(r.occurred.end.to_string(), "2021-05-12T20:00:00Z");
    assert!(rows[0].warnings.is_empty(), "{:?}", rows[0].warnings);
}

#[test]
fn bad_rows_are_refused_with_line_column_and_reason_and_good_rows_kept() {
    let huge = "x".repeat(40_000);
    let mut file: Vec<u8> = Vec::new();
    let mut lines: Vec<Vec<u8>> = vec![
        GOOD.into(), // 2 good
        GOOD.rsplit_once(',')
            .map(|(a, _)| a.to_owned())
            .expect("row")
            .into(), // 3
        with("notes", "caf\u{e9}").replace('\u{e9}', "\u{1}").into(), // 4 (made non-UTF-8 below)
        with("event_id_cnty", "").into(), // 5
        with("event_date", "2021-13-01").into(), // 6
        with("event_date", "2030-01-01")
            .replace(",2021,", ",2030,")
            .into(), // 7
        with("year", "2020").into(), // 8
        with("time_precision", "4").into(), // 9
        with("sub_event_type", "Weather").into(), // 10
        with("latitude", "abc").into(), // 11
        with("longitude", "200").into(), // 12
        with("latitude", "46.3417")
            .replacen("46.3417,1,", "39.5111,1,", 1)
            .replace(",39.5111,39.5111,", ",46.3417,39.5111,")
            .into(), // 13
        with("geo_precision", "0").into(), // 14
        with("fatalities", "-3").into(), // 15
        with("timestamp", "soon").into(), // 16
        with("notes", &huge).into(), // 17
        GOOD.into(), // 18 duplicate of 2
        with("event_id_cnty", "ARM1002").into(), // 19 good
    ];
    // Line 4: a byte that is not UTF-8 in the notes.
    let pos = lines[2].iter().position(|b| *b == 1).expect("marker");
    lines[2][pos] = 0xff;
    file.extend_from_slice(HEADER.as_bytes());
    file.push(b'\n');
    for l in &lines {
        file.extend_from_slice(l);
        file.push(b'\n');
    }
    let (rows, rejects) = read(&file);
    let got: Vec<String> = rejects
        .iter()
        .map(|r| format!("{} {}: {}", r.line, r.column, r.reason))
        .collect();
    let expected = [
        "3 *: has 30 fields, the header has 31",
        "4 notes: is not valid UTF-8 (byte 3)",
        "5 event_id_cnty: is empty; every ACLED row has an id",
        "6 event_date: is not a date YYYY-MM-DD",
        "7 event_date: is in the future (today is 2026-11-28)",
        "8 year: does not match event_date 2021-05-12",
        "9 time_precision: must be 1 (day), 2 (week) or 3 (month)",
        "10 sub_event_type: `Explosions/Remote violence` / `Weather` is not in the codebook (docs/codebook.md)",
        "11 latitude: is not a latitude in decimal degrees (±90)",
        "12 longitude: is not a longitude in decimal degrees (±180)",
        "13 latitude: latitude 46.3417 and longitude 39.5111 look swapped: swapped, the point falls in the agreement's region",
        "14 geo_precision: must be 1, 2 or 3",
        "15 fatalities: is not a whole number of zero or more",
        "16 timestamp: is not a whole number of seconds",
        "17 notes: is 40000 bytes long; the limit is 32768",
        "18 event_id_cnty: repeats line 2 (same id and timestamp)",
    ];
    assert_eq!(got, expected);
    assert!(expected.len() >= 15);
    let kept: Vec<u64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(kept, [2, 19], "the good rows of the same file are kept");
}

#[test]
fn a_file_without_the_acled_header_is_refused_whole() {
    let b = nk2020();
    let opts = options();
    let err = acled::Reader::new(
        "id,date\n1,2020-01-01\n".as_bytes(),
        &b.agreement,
        &b.zones,
        &opts,
    )
    .expect_err("not ACLED");
    assert_eq!(err.line, 1);
    assert!(
        err.message
            .starts_with("not an ACLED file: the header lacks event_id_cnty, event_date"),
        "{}",
        err.message
    );
}

#[test]
fn the_outlets_of_a_row_are_counted_from_its_source_column() {
    use truce_model::report::count_outlets;
    assert_eq!(
        count_outlets("Armenpress; Azerbaijan Ministry of Defence"),
        2
    );
    assert_eq!(count_outlets("Armenpress"), 1);
    assert_eq!(
        count_outlets(" Armenpress ;armenpress; ; "),
        1,
        "the same outlet twice"
    );
    assert_eq!(count_outlets(""), 0);
}

/// (id, admin1, admin2, lon, lat): a row's admin names against its point.
fn placed(id: &str, admin1: &str, admin2: &str, lon: &str, lat: &str) -> String {
    let mut f: Vec<String> = GOOD.split(',').map(str::to_owned).collect();
    let col = |c: &str| acled::COLUMNS.iter().position(|x| *x == c).expect("column");
    f[col("event_id_cnty")] = id.into();
    f[col("country")] = "Azerbaijan".into();
    f[col("admin1")] = admin1.into();
    f[col("admin2")] = admin2.into();
    f[col("longitude")] = lon.into();
    f[col("latitude")] = lat.into();
    f.join(",")
}

#[test]
fn admin_names_of_either_era_are_checked_against_the_point_and_an_unknown_actor_is_kept() {
    let rows = [
        // Hadrut town, with its de facto province and its Azerbaijani district: fine.
        placed("AZE1", "Khojavend", "Hadrut", "47.0318", "39.5200"),
        // The same point said to be in the de facto Martakert province, which spans
        // Tartar, Kalbajar and Agdam: the place deserves a look.
        placed("AZE2", "Martakert", "", "47.0318", "39.5200"),
        // A name the agreement does not know says nothing.
        placed("AZE3", "Syunik", "Goris", "46.3417", "39.5111"),
    ];
    let (ok, rejects) = read(format!("{HEADER}\n{}\n", rows.join("\n")).as_bytes());
    assert_eq!(rejects, vec![]);
    let admin: Vec<Vec<String>> = ok
        .iter()
        .map(|r| {
            r.warnings
                .iter()
                .filter(|w| w.column.starts_with("admin"))
                .map(|w| w.message.clone())
                .collect()
        })
        .collect();
    assert!(admin[0].is_empty(), "{:?}", admin[0]);
    assert_eq!(
        admin[1],
        [
            "`Martakert` denotes agdam, kalbajar, tartar, but the point lies in khojavend: check the row's place"
        ],
    );
    assert!(admin[2].is_empty(), "{:?}", admin[2]);

    // An actor name no alias maps: kept as named, with a warning, not attributed.
    let row = with("actor1", "Military Forces of Nowhere (2001-)");
    let (ok, _) = read(format!("{HEADER}\n{row}\n").as_bytes());
    let r = &ok[0].report;
    assert_eq!(r.perpetrator, None);
    assert_eq!(
        r.perpetrator_as_named.as_deref(),
        Some("Military Forces of Nowhere (2001-)")
    );
    assert!(
        ok[0].warnings.iter().any(|w| w.column == "actor1"
            && w.message == "`Military Forces of Nowhere (2001-)` is not an actor of nk-2020: kept as named, not attributed; add an alias"),
        "{:?}",
        ok[0].warnings
    );
    // Written back as a data set's row, the name is the one the source gave.
    let back = acled::AcledRecord::from_report(r, &nk2020().agreement);
    assert_eq!(back.get("actor1"), "Military Forces of Nowhere (2001-)");
    // Protesters are nobody's attribution and need no alias.
    let row = with("actor1", "Protesters (Azerbaijan)");
    let (ok, _) = read(format!("{HEADER}\n{row}\n").as_bytes());
    assert_eq!(ok[0].report.perpetrator_as_named, None);
    assert!(ok[0].warnings.iter().all(|w| w.column != "actor1"));
}
