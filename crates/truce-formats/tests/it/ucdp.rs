//! UCDP GED CSV, with and without a header. The rows are made up for the test in GED's
//! layout (no GED subset for Armenia–Azerbaijan could be obtained here).

use crate::nk2020;
use truce_formats::ucdp::{self, Options};
use truce_model::report::{EventType, Reliability, Source, SourceKind};

fn options() -> Options {
    Options {
        source: Source {
            id: "ucdp".into(),
            name: "UCDP GED".into(),
            kind: SourceKind::DataSet,
            reliability: Reliability::A,
            party: None,
        },
        received: "2026-11-28T06:00:00Z".parse().expect("instant"),
        now: "2026-11-28T06:00:00Z".parse().expect("instant"),
        max_field_bytes: 32 * 1024,
    }
}

fn row(
    id: &str,
    start: &str,
    end: &str,
    lat: &str,
    lon: &str,
    deaths: [u32; 4],
    low_high: (u32, u32),
) -> String {
    let best: u32 = deaths.iter().sum();
    [
        id,
        "AZE-2021-1-1",
        "2021",
        "TRUE",
        "Clear",
        "1",
        "388",
        "388",
        "Armenia, Azerbaijan: Nagorno-Karabakh",
        "10000",
        "10000",
        "Government of Azerbaijan - Government of Armenia",
        "123",
        "123",
        "Government of Azerbaijan",
        "456",
        "456",
        "Government of Armenia",
        "2",
        "Agency report",
        "",
        "2021-05-13",
        "Shelling near Martuni",
        "",
        "1",
        "Martuni town",
        "Martuni, Khojavend",
        "Khojavend district",
        "",
        lat,
        lon,
        &format!("POINT ({lon} {lat})"),
        "170000",
        "Azerbaijan (Nagorno-Karabakh)",
        "373",
        "Europe",
        "1",
        "1",
        start,
        end,
        &deaths[0].to_string(),
        &deaths[1].to_string(),
        &deaths[2].to_string(),
        &deaths[3].to_string(),
        &best.to_string(),
        &low_high.1.to_string(),
        &low_high.0.to_string(),
        "373",
        "371",
    ]
    .iter()
    .map(|f| {
        if f.contains(',') {
            format!("\"{f}\"")
        } else {
            (*f).to_owned()
        }
    })
    .collect::<Vec<_>>()
    .join(",")
}

fn read(text: &str) -> (Vec<ucdp::GedRow>, Vec<String>) {
    let b = nk2020();
    let opts = options();
    let reader = ucdp::Reader::new(text.as_bytes(), &b.agreement, &b.zones, &opts).expect("opens");
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for r in reader {
        match r {
            Ok(row) => ok.push(row),
            Err(rej) => bad.push(format!("{} {}: {}", rej.line, rej.column, rej.reason)),
        }
    }
    (ok, bad)
}

#[test]
fn ged_rows_read_with_or_without_header_and_export_back_identically() {
    let rows = [
        row(
            "900001",
            "2021-05-12 00:00:00.000",
            "2021-05-12 00:00:00.000",
            "39.79496",
            "47.1117",
            [1, 2, 0, 0],
            (3, 5),
        ),
        row(
            "900002",
            "2021-05-14",
            "2021-05-16",
            "39.99096",
            "46.92736",
            [0, 0, 1, 2],
            (2, 4),
        ),
    ];
    let with_header = format!("{}\n{}\n{}\n", ucdp::COLUMNS.join(","), rows[0], rows[1]);
    let (ok, bad) = read(&with_header);
    assert_eq!(bad, Vec::<String>::new());
    assert_eq!(ok.len(), 2);
    let r = &ok[0].report;
    assert_eq!(r.id, "ucdp:900001@0");
    assert_eq!(
        (r.perpetrator.as_deref(), r.target.as_deref()),
        (Some("az"), Some("am"))
    );
    assert_eq!(r.event_type, EventType::ArmedClash);
    assert_eq!(r.location.point, Some((47.1117, 39.79496)));
    assert_eq!(r.casualties.killed_military.best, 3);
    assert_eq!(
        (
            r.casualties.killed_unknown.low,
            r.casualties.killed_unknown.high
        ),
        (0, 2)
    );
    assert_eq!(r.casualties.killed_best(), 3);
    let two = &ok[1].report;
    assert_eq!(two.occurred.precision, 1);
    assert_eq!(two.occurred.start.to_string(), "2021-05-13T20:00:00Z");
    assert_eq!(two.occurred.end.to_string(), "2021-05-16T20:00:00Z");

    let headerless = format!("{}\n{}\n", rows[0], rows[1]);
    let (ok2, bad2) = read(&headerless);
    assert_eq!(bad2, Vec::<String>::new());
    assert_eq!(
        ok2.iter().map(|r| &r.report).collect::<Vec<_>>(),
        ok.iter().map(|r| &r.report).collect::<Vec<_>>()
    );
    assert_eq!(ok2[0].line, 1);

    let mut out = Vec::new();
    ucdp::write(&mut out, ok.iter().map(|r| &r.fields)).expect("write");
    assert_eq!(
        String::from_utf8(out).expect("utf-8").replace("\r\n", "\n"),
        with_header
    );
}

#[test]
fn bad_ged_rows_are_refused_one_by_one() {
    let good = row(
        "900001",
        "2021-05-12",
        "2021-05-12",
        "39.79496",
        "47.1117",
        [1, 2, 0, 0],
        (3, 5),
    );
    let text = [
        ucdp::COLUMNS.join(","),
        good.clone(),
        good.replace(",2021-05-12,2021-05-12,", ",2021-05-12,2021-05-10,"),
        good.replace(",1,Martuni town,", ",9,Martuni town,"),
        good.replacen(",1,388,388,", ",4,388,388,", 1),
        row(
            "900003",
            "2021-05-12",
            "2021-05-12",
            "39.79496",
            "47.1117",
            [1, 2, 0, 0],
            (4, 5),
        ),
        row(
            "900004",
            "2021-05-12",
            "2021-05-12",
            "47.1117",
            "39.79496",
            [0, 0, 0, 0],
            (0, 0),
        ),
        good.replacen("900001,", "", 1),
    ]
    .join("\n");
    let (ok, bad) = read(&text);
    assert_eq!(ok.len(), 1);
    assert_eq!(
        bad,
        [
            "3 date_end: is before date_start 2021-05-12",
            "4 where_prec: must be 1 to 7",
            "5 type_of_violence: must be 1 (state-based), 2 (non-state) or 3 (one-sided)",
            "6 low: needs low ≤ best ≤ high",
            "7 latitude: latitude 47.1117 and longitude 39.79496 look swapped: swapped, the point falls in the agreement's region",
            "8 *: has 48 fields where there should be 49",
        ]
    );
}
