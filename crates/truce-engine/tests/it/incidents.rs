//! A day and a week on the line of contact: twelve reports from every kind of source must
//! become exactly these six incidents, with these statuses and attributions.

use crate::nk2020;
use truce_engine::incidents::{IncidentStatus, MatchConfig, Matcher};
use truce_model::report::{
    Casualties, Estimate, EventType, Location, Reliability, Report, Source, SourceKind, Window,
};

fn source(id: &str, kind: SourceKind, reliability: Reliability, party: Option<&str>) -> Source {
    Source {
        id: id.into(),
        name: id.into(),
        kind,
        reliability,
        party: party.map(Into::into),
    }
}

fn sources() -> Vec<Source> {
    use Reliability::*;
    use SourceKind::*;
    vec![
        source("op-7", ObservationPost, A, None),
        source("uav", MonitoringUav, A, None),
        source("az-mod", PartyMinistry, C, Some("az")),
        source("am-mod", PartyMinistry, C, Some("am")),
        source("media-1", Media, B, None),
        source("media-2", Media, C, None),
        source("ngo", Ngo, B, None),
        source("villager", Civilian, E, None),
    ]
}

/// (id, source, type, where (lon, lat) or a place name, from, to (UTC), blamed, killed)
type Row = (
    &'static str,
    &'static str,
    EventType,
    Result<(f64, f64), &'static str>,
    &'static str,
    &'static str,
    Option<&'static str>,
    u32,
);

fn reports() -> Vec<Row> {
    use EventType::*;
    vec![
        // Shelling near Khojavend/Martuni on 12 May: five sources, the parties blame each other.
        (
            "r1",
            "az-mod",
            Artillery,
            Ok((47.110, 39.790)),
            "2021-05-12T02:00:00Z",
            "2021-05-12T05:00:00Z",
            Some("am"),
            0,
        ),
        (
            "r2",
            "am-mod",
            Artillery,
            Ok((47.120, 39.800)),
            "2021-05-12T03:00:00Z",
            "2021-05-12T04:00:00Z",
            Some("az"),
            1,
        ),
        (
            "r3",
            "media-1",
            Artillery,
            Ok((47.100, 39.790)),
            "2021-05-11T21:00:00Z",
            "2021-05-12T21:00:00Z",
            None,
            1,
        ),
        (
            "r4",
            "media-2",
            SmallArmsFire,
            Ok((47.115, 39.795)),
            "2021-05-12T03:00:00Z",
            "2021-05-12T06:00:00Z",
            None,
            2,
        ),
        (
            "r5",
            "villager",
            Artillery,
            Err("Martuni"),
            "2021-05-12T01:00:00Z",
            "2021-05-12T07:00:00Z",
            None,
            0,
        ),
        // A UAV sees forces moving near the corridor.
        (
            "r6",
            "uav",
            ForcesPresence,
            Ok((46.568, 39.659)),
            "2021-05-12T10:00:00Z",
            "2021-05-12T10:30:00Z",
            Some("az"),
            0,
        ),
        // The same hours, far away in Tartar.
        (
            "r7",
            "media-1",
            Artillery,
            Ok((46.931, 40.342)),
            "2021-05-12T03:00:00Z",
            "2021-05-12T04:00:00Z",
            None,
            0,
        ),
        // A week later, the same place as r1.
        (
            "r8",
            "az-mod",
            Artillery,
            Ok((47.110, 39.790)),
            "2021-05-19T02:00:00Z",
            "2021-05-19T03:00:00Z",
            Some("am"),
            0,
        ),
        // Near Agdam, only the parties speak, and each blames the other.
        (
            "r9",
            "az-mod",
            DroneStrike,
            Ok((46.930, 39.990)),
            "2021-05-14T12:00:00Z",
            "2021-05-14T13:00:00Z",
            Some("am"),
            0,
        ),
        (
            "r10",
            "am-mod",
            Artillery,
            Ok((46.935, 39.985)),
            "2021-05-14T12:30:00Z",
            "2021-05-14T13:30:00Z",
            Some("az"),
            0,
        ),
        // An observation post and an NGO see small-arms fire on the corridor south of
        // Zabukh, and agree.
        (
            "r11",
            "op-7",
            SmallArmsFire,
            Ok((46.543, 39.585)),
            "2021-05-13T22:00:00Z",
            "2021-05-13T23:00:00Z",
            Some("az"),
            0,
        ),
        (
            "r12",
            "ngo",
            SmallArmsFire,
            Ok((46.545, 39.590)),
            "2021-05-13T21:30:00Z",
            "2021-05-14T00:00:00Z",
            Some("az"),
            0,
        ),
    ]
}

/// The twelve reports matched in order.
fn scenario(b: &truce_model::AgreementBundle) -> Matcher<'_> {
    let sources = sources();
    let mut m = Matcher::new(MatchConfig::default(), &b.zones, &b.gazetteer);
    for row in reports() {
        let src = sources.iter().find(|s| s.id == row.1).expect("source");
        m.add(&report(&row), src);
    }
    m
}

/// (reports, status, assessed perpetrator, disputed attribution, type)
type Outcome<'a> = (
    Vec<&'a str>,
    IncidentStatus,
    Option<&'a str>,
    bool,
    EventType,
);

fn report(row: &Row) -> Report {
    let (id, src, event_type, place, from, to, blamed, killed) = row;
    let (point, place_name) = match place {
        Ok(p) => (Some(*p), None),
        Err(name) => (None, Some((*name).to_owned())),
    };
    Report {
        id: (*id).into(),
        source: (*src).into(),
        source_key: None,
        source_version: None,
        received: "2021-05-20T00:00:00Z".parse().expect("instant"),
        occurred: Window {
            start: from.parse().expect("from"),
            end: to.parse().expect("to"),
            precision: 1,
        },
        location: Location {
            point,
            place_name,
            precision: 1,
        },
        event_type: *event_type,
        perpetrator: blamed.map(Into::into),
        target: None,
        perpetrator_as_named: None,
        target_as_named: None,
        casualties: Casualties {
            killed_unknown: Estimate::exact(*killed),
            ..Casualties::default()
        },
        credibility: 3,
        text: String::new(),
        evidence: Vec::new(),
        outlets: 0,
    }
}

#[test]
fn twelve_reports_become_six_incidents_with_the_expected_status_and_attribution() {
    let b = nk2020();
    let m = scenario(&b);
    let incidents = m.incidents();
    let got: Vec<Outcome<'_>> = incidents
        .iter()
        .map(|i| {
            (
                i.reports.iter().map(String::as_str).collect(),
                i.status,
                i.attribution.assessed.as_deref(),
                i.attribution.disputed,
                i.event_type,
            )
        })
        .collect();
    use EventType::*;
    use IncidentStatus::*;
    let expected = vec![
        (
            vec!["r1", "r2", "r3", "r4", "r5"],
            Corroborated,
            None,
            true,
            Artillery,
        ),
        (vec!["r6"], Confirmed, Some("az"), false, ForcesPresence),
        (vec!["r7"], Unverified, None, false, Artillery),
        (vec!["r8"], Unverified, Some("am"), false, Artillery),
        // One says drone, one says artillery, equal weight: the first account stands.
        (vec!["r9", "r10"], Disputed, None, true, DroneStrike),
        (
            vec!["r11", "r12"],
            Confirmed,
            Some("az"),
            false,
            SmallArmsFire,
        ),
    ];
    assert_eq!(got, expected);

    // The first incident: window narrowed to where all five agree, place from a precise report.
    let first = &incidents[0];
    assert_eq!(first.window.start.to_string(), "2021-05-12T03:00:00Z");
    assert_eq!(first.window.end.to_string(), "2021-05-12T04:00:00Z");
    assert!(
        first.zones.contains(&"khojavend".to_owned()),
        "{:?}",
        first.zones
    );
    assert_eq!((first.killed.low, first.killed.high), (0, 2));
    assert_eq!(first.attribution.claims.len(), 5);
    // Zones come from the point: the fire south of Zabukh is on the corridor.
    let kornidzor = &incidents[5];
    assert!(
        kornidzor.zones.contains(&"lachin-corridor".to_owned()),
        "{:?}",
        kornidzor.zones
    );
}

#[test]
fn every_decision_says_why() {
    let b = nk2020();
    let m = scenario(&b);
    let d = m.decisions();
    assert_eq!(d.len(), 12);
    assert!(
        d[0].new && d[0].reason.starts_with("new incident: no incident within"),
        "{}",
        d[0].reason
    );
    assert!(!d[1].new && d[1].reason.starts_with("joined inc-1: 1.4 km from its place (limit 12.0 km), time windows overlap, same family (fire)"), "{}", d[1].reason);
    // The villager named a place; the gazetteer placed it.
    assert_eq!(d[4].incident, "inc-1");
    // A week later is too late; Tartar is too far.
    assert!(d[7].new && d[6].new);
    assert!(m.warnings().is_empty());
}

#[test]
fn an_ambiguous_place_name_is_a_warning_not_a_guess() {
    let b = nk2020();
    let mut m = Matcher::new(MatchConfig::default(), &b.zones, &b.gazetteer);
    let mut r = report(&reports()[4]);
    r.location.place_name = Some("Agarak".into());
    let d = m.add(&r, &sources()[7]);
    assert!(d.new);
    assert!(d.reason.contains("no usable place"), "{}", d.reason);
    assert_eq!(m.warnings().len(), 1);
    assert_eq!(m.warnings()[0].candidates.len(), 2);
    assert!(m.incidents()[0].point.is_none());
}

#[test]
fn an_unknown_place_name_is_a_warning_naming_the_places_it_may_mean() {
    let b = nk2020();
    for (typed, meant) in [
        ("Shusah", "shusha"),
        ("Khnakendi", "khankendi"),
        ("Lahcin", "lachin"),
    ] {
        let mut m = Matcher::new(MatchConfig::default(), &b.zones, &b.gazetteer);
        let mut r = report(&reports()[4]);
        r.location.place_name = Some(typed.into());
        r.location.point = None;
        let d = m.add(&r, &sources()[7]);
        assert!(d.new, "{typed}: {}", d.reason);
        assert!(m.incidents()[0].point.is_none(), "{typed}: never guessed");
        let w = &m.warnings()[0];
        assert!(w.message.contains("did you mean"), "{typed}: {}", w.message);
        assert_eq!(
            w.candidates.first().map(String::as_str),
            Some(meant),
            "{typed}: {w:?}"
        );
    }
    // Nothing near: no suggestion, only the way out.
    let mut m = Matcher::new(MatchConfig::default(), &b.zones, &b.gazetteer);
    let mut r = report(&reports()[4]);
    r.location.place_name = Some("Qwxzrtpl".into());
    r.location.point = None;
    m.add(&r, &sources()[7]);
    assert!(m.warnings()[0].candidates.is_empty());
    assert!(
        m.warnings()[0].message.contains("give its coordinates"),
        "{}",
        m.warnings()[0].message
    );
}

#[test]
fn violations_are_counted_per_zone_and_local_day_by_status() {
    let b = nk2020();
    let m = scenario(&b);
    let counts = truce_engine::incidents::violations_per_zone_day(&m.incidents(), b.agreement.tz());
    let find = |zone: &str, date: &str| {
        counts
            .iter()
            .find(|c| c.zone == zone && c.date.to_string() == date)
            .cloned()
    };
    // The Martuni shelling: corroborated, on 12 May.
    let martuni = find("khojavend", "2021-05-12").expect("12 May in Khojavend");
    assert_eq!((martuni.total, martuni.corroborated), (1, 1));
    // Small-arms fire seen at 22:00 UTC on 13 May is 02:00 on 14 May in the region (UTC+4).
    assert!(find("lachin-corridor", "2021-05-13").is_none());
    assert_eq!(
        find("lachin-corridor", "2021-05-14").map(|c| c.confirmed),
        Some(1)
    );
    // Near Agdam the parties blame each other: disputed.
    assert_eq!(find("agdam", "2021-05-14").map(|c| c.disputed), Some(1));
    // Forces seen by the UAV on the corridor that day are not a violation.
    assert!(
        m.incidents()[1]
            .zones
            .contains(&"lachin-corridor".to_owned())
    );
    assert!(find("lachin-corridor", "2021-05-12").is_none());
    // Sorted by zone, then date.
    let mut sorted = counts.clone();
    sorted.sort_by(|a, b| a.zone.cmp(&b.zone).then(a.date.cmp(&b.date)));
    assert_eq!(sorted, counts);
}

#[test]
fn local_days_match_the_zone_database_across_offset_changes_in_any_order() {
    use truce_engine::incidents::LocalDays;
    for zone in ["America/New_York", "Europe/Moscow", "Asia/Baku", "UTC"] {
        let tz = jiff::tz::TimeZone::get(zone).expect("zone");
        let mut days = LocalDays::new(&tz);
        // Instants around DST changes and Moscow's 2011/2014 switches, in a scrambled order.
        let mut state = 0x2545_F491_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let s = 1_262_304_000 + (state % 500_000_000) as i64; // 2010 to 2025
            let t = jiff::Timestamp::from_second(s).expect("instant");
            let expected = tz.to_datetime(t).date();
            let epoch = jiff::civil::date(1970, 1, 1);
            let got = epoch
                .checked_add(jiff::Span::new().days(days.day(t)))
                .expect("date");
            assert_eq!(got, expected, "{zone} at {t}");
        }
    }
}

/// The matcher keeps reports packed (windows as seconds and nanoseconds, ids in shared
/// buffers, an absent point as NaN); what comes out must be what went in.
#[test]
fn instants_ids_and_missing_places_come_back_exactly_through_matching() {
    use EventType::*;
    let b = nk2020();
    let ngo = source("ngo", SourceKind::Ngo, Reliability::B, None);
    let media = source("media-1", SourceKind::Media, Reliability::B, None);
    let mut m = Matcher::new(MatchConfig::default(), &b.zones, &b.gazetteer);
    let rows: [Row; 3] = [
        (
            "before-1970-and-under-a-second",
            "ngo",
            Artillery,
            Ok((47.110, 39.790)),
            "1969-12-31T23:59:58.25Z",
            "1970-01-01T00:00:01.000000001Z",
            Some("am"),
            0,
        ),
        (
            "a-second-report-of-it",
            "media-1",
            Artillery,
            Ok((47.111, 39.791)),
            "1969-12-31T23:59:59.5Z",
            "1970-01-01T00:00:02Z",
            None,
            0,
        ),
        (
            "nowhere",
            "ngo",
            SmallArmsFire,
            Err("No such place anywhere"),
            "2021-05-12T02:00:00.123456789Z",
            "2021-05-12T05:00:00Z",
            None,
            0,
        ),
    ];
    for (row, src) in rows.iter().zip([&ngo, &media, &ngo]) {
        m.add(&report(row), src);
    }
    let incidents = m.incidents();
    assert_eq!(incidents.len(), 2, "{incidents:#?}");
    let joined = &incidents[0];
    assert_eq!(
        joined.reports,
        ["before-1970-and-under-a-second", "a-second-report-of-it"]
    );
    assert_eq!(
        (
            joined.window.start.to_string(),
            joined.window.end.to_string()
        ),
        (
            "1969-12-31T23:59:59.5Z".to_owned(),
            "1970-01-01T00:00:01.000000001Z".to_owned()
        ),
        "where both windows agree, to the nanosecond"
    );
    assert_eq!(joined.point, Some((47.110, 39.790)));
    let lone = &incidents[1];
    assert_eq!(lone.point, None);
    assert_eq!(
        lone.window.start.to_string(),
        "2021-05-12T02:00:00.123456789Z"
    );

    // Taking a report out leaves the other's id intact; the changed incidents then come
    // out one at a time, lowest number first.
    assert!(m.withdraw(&joined.id, "before-1970-and-under-a-second"));
    let mut changed = m.into_changed();
    let first = changed.next_up_to(1);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id, joined.id);
    assert_eq!(first[0].reports, ["a-second-report-of-it"]);
    assert_eq!(first[0].attribution.claims.len(), 1);
    let rest = changed.next_up_to(10);
    assert_eq!(
        rest.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        [lone.id.as_str()]
    );
    assert!(changed.next_up_to(10).is_empty());
}

#[test]
fn a_data_set_row_citing_two_outlets_is_corroborated_by_itself_and_one_citing_one_is_not() {
    let b = nk2020();
    let acled = source("acled", SourceKind::DataSet, Reliability::B, None);
    let row = |id: &'static str, lon: f64, day: &'static str| -> Row {
        (
            id,
            "acled",
            EventType::Artillery,
            Ok((lon, 39.80)),
            day,
            day,
            Some("az"),
            0,
        )
    };
    let status_of = |outlets: u8| {
        let mut m = Matcher::new(MatchConfig::default(), &b.zones, &b.gazetteer);
        let mut r = report(&row("a1", 46.75, "2021-06-01T10:00:00Z"));
        r.outlets = outlets;
        m.add(&r, &acled);
        let incidents = m.incidents();
        assert_eq!(incidents.len(), 1);
        incidents[0].status
    };
    assert_eq!(status_of(1), IncidentStatus::Unverified, "one outlet");
    assert_eq!(status_of(0), IncidentStatus::Unverified, "none named");
    assert_eq!(status_of(2), IncidentStatus::Corroborated, "two outlets");
    assert_eq!(
        status_of(40),
        IncidentStatus::Corroborated,
        "many (kept up to 31)"
    );
    // Another kind of source citing outlets is not a data set's row: no effect.
    let media = source("media-1", SourceKind::Media, Reliability::B, None);
    let mut m = Matcher::new(MatchConfig::default(), &b.zones, &b.gazetteer);
    let mut r = report(&row("m1", 46.75, "2021-06-01T10:00:00Z"));
    r.source = "media-1".into();
    r.outlets = 3;
    m.add(&r, &media);
    assert_eq!(m.incidents()[0].status, IncidentStatus::Unverified);
}

#[test]
fn two_rows_of_one_data_set_are_never_one_incident_but_other_sources_still_join_them() {
    let b = nk2020();
    let acled = source("acled", SourceKind::DataSet, Reliability::B, None);
    let ngo = source("ngo", SourceKind::Ngo, Reliability::B, None);
    // Shelling on two consecutive days 12.5 km apart, as two ACLED rows: close enough in
    // place and time to be one event, but the publisher has already kept them apart.
    let row = |id: &str, lon: f64, from: &str, to: &str, src: &str| {
        let mut r = report(&(
            "x",
            "acled",
            EventType::Artillery,
            Ok((lon, 39.80)),
            "2021-06-01T00:00:00Z",
            "2021-06-02T00:00:00Z",
            Some("az"),
            0,
        ));
        r.id = id.into();
        r.source = src.into();
        r.occurred.start = from.parse().expect("from");
        r.occurred.end = to.parse().expect("to");
        // ACLED's geo_precision 2: near a town (a 25 km radius).
        r.location.precision = 2;
        r
    };
    let mut m = Matcher::new(MatchConfig::default(), &b.zones, &b.gazetteer);
    let first = m.add(
        &row(
            "acled:ARM1@1",
            46.75,
            "2021-06-01T00:00:00Z",
            "2021-06-02T00:00:00Z",
            "acled",
        ),
        &acled,
    );
    let second = m.add(
        &row(
            "acled:ARM2@1",
            46.75 + 0.146,
            "2021-06-02T00:00:00Z",
            "2021-06-03T00:00:00Z",
            "acled",
        ),
        &acled,
    );
    assert!(
        second.new,
        "a second row of the data set starts its own incident"
    );
    assert!(
        second
            .reason
            .contains(&format!("kept apart from {}", first.incident))
            && second.reason.contains("data set acled"),
        "the reason names the rule and the incident: {}",
        second.reason
    );
    // Another source's report of the same shelling still joins the nearer row's incident.
    let ngo_report = m.add(
        &row(
            "ngo-1",
            46.751,
            "2021-06-01T08:00:00Z",
            "2021-06-01T09:00:00Z",
            "ngo",
        ),
        &ngo,
    );
    assert_eq!(ngo_report.incident, first.incident, "{}", ngo_report.reason);
    // A newer version of the first row (same key) is not kept apart from its own row.
    let again = m.add(
        &row(
            "acled:ARM1@2",
            46.75,
            "2021-06-01T00:00:00Z",
            "2021-06-02T00:00:00Z",
            "acled",
        ),
        &acled,
    );
    assert_eq!(again.incident, first.incident, "{}", again.reason);
    assert_eq!(m.incidents().len(), 2);
}
