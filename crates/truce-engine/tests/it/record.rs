//! Statuses that hold up against the record: no record is not a failure, a closure's
//! effect ends, counts are kept only a bounded number of days, complete means documented
//! complete, the living and the dead are counted apart, legacy ordnance is not a
//! violation, and unverified reports never read as "holding".

use crate::{nk2020, violation};
use jiff::civil::{Date, date};
use truce_engine::compliance::{
    Basis, Inputs, Level, Options, Scorecard, ViolationIndex, evaluate,
};
use truce_engine::incidents::{Incident, IncidentStatus as S};
use truce_formats::records::read_line;
use truce_model::AgreementBundle;
use truce_model::records::Evidence;
use truce_model::report::EventType;

fn evidence(b: &AgreementBundle, text: &str) -> Evidence {
    let records = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            read_line(i as u64 + 1, l, b).unwrap_or_else(|p| panic!("line {}: {p:?}", i + 1))
        });
    let mut e = Evidence::from_records(records);
    e.classify(&b.zones);
    e
}

fn card(b: &AgreementBundle, e: &Evidence, incidents: &[Incident], on: Date) -> Scorecard {
    let ix = ViolationIndex::from_incidents(incidents, b.agreement.tz());
    evaluate(
        Inputs {
            agreement: &b.agreement,
            evidence: e,
            violations: &ix,
            options: &Options::default(),
        },
        on,
    )
}

#[test]
fn no_record_is_its_own_basis_and_never_a_kroc_score_of_zero() {
    let b = nk2020();
    let c = card(&b, &Evidence::default(), &[], date(2021, 6, 1));
    let mut no_record = 0;
    for l in &c.lines {
        if l.status.evidence.is_empty()
            && l.status.level != Level::NotYetDue
            && l.status.basis != Basis::Calendar
        {
            assert_eq!(
                l.status.basis,
                Basis::NoRecord,
                "{}: {}",
                l.obligation,
                l.status.label()
            );
            assert_ne!(
                l.status.score,
                Some(0),
                "{}: a gap in the record reads as failure",
                l.obligation
            );
            no_record += 1;
        }
    }
    assert!(
        no_record >= 10,
        "most lines stand on no record without evidence: {no_record}"
    );
    // A transport link with nothing on record and no deadline says so.
    let l = c.line("transport-unblocking").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.level),
        ("no record", Level::Unknown),
        "{}",
        l.status.reason
    );
}

#[test]
fn documented_failure_stands_on_evidence_of_failure() {
    let b = nk2020();
    let e = evidence(
        &b,
        r#"{"type":"closure","id":"road","zone":"lachin-corridor","from":"2022-12-12","scope":"full","declared_by":"ru","source":"test"}"#,
    );
    let c = card(&b, &e, &[], date(2023, 1, 10));
    let l = c.line("lachin-corridor-safe-passage").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.basis, l.status.breached),
        ("blocked", Basis::Failure, true)
    );
}

#[test]
fn a_closure_with_an_end_stops_blocking_the_day_after_and_the_corridor_is_then_unknown() {
    let b = nk2020();
    let e = evidence(
        &b,
        r#"{"type":"closure","id":"blockade","zone":"lachin-corridor","from":"2022-12-12","to":"2023-09-24","scope":"full","declared_by":"ru","source":"test"}"#,
    );
    let on = |d: Date| {
        let c = card(&b, &e, &[], d);
        c.line("lachin-corridor-safe-passage")
            .expect("line")
            .clone()
    };
    let last = on(date(2023, 9, 24));
    assert_eq!(
        (last.status.state.as_str(), last.status.since),
        ("blocked", Some(date(2022, 12, 12)))
    );
    let after = on(date(2023, 9, 25));
    assert_eq!(
        (
            after.status.state.as_str(),
            after.status.basis,
            after.status.since
        ),
        ("unknown", Basis::NoRecord, Some(date(2023, 9, 25))),
        "{}",
        after.status.reason
    );
    assert!(
        after
            .status
            .reason
            .contains("it was blocked from 2022-12-12"),
        "{}",
        after.status.reason
    );
    assert!(!after.status.breached);
    // A year later nothing has changed that: still unknown, never blocked.
    assert_eq!(on(date(2024, 9, 25)).status.state, "unknown");
}

#[test]
fn days_without_counts_keep_the_last_counts_for_a_bounded_number_of_days() {
    let b = nk2020();
    let mut text = String::from(
        r#"{"type":"checkpoint","id":"cp","name":"Checkpoint","zone":"lachin-corridor","operator":"ru-pk","source":"test"}"#,
    );
    for d in 1..=10u32 {
        text.push_str(&format!(
            "\n{{\"type\":\"crossing\",\"id\":\"c{d}\",\"checkpoint\":\"cp\",\"date\":\"2021-06-{d:02}\",\"vehicles\":100,\"persons\":300,\"source\":\"test\"}}"
        ));
    }
    let e = evidence(&b, &text);
    let carry = Options::default().carry_days;
    assert_eq!(carry, 7, "docs/compliance.md documents seven days");
    let state = |d: i8| {
        let c = card(&b, &e, &[], date(2021, 6, d));
        c.line("lachin-corridor-safe-passage")
            .expect("line")
            .status
            .state
            .clone()
    };
    assert_eq!(state(10), "open");
    assert_eq!(state(17), "open", "the last counts hold seven days");
    assert_eq!(state(18), "unknown", "and no longer");
}

const EXCHANGE: &str = "exchange-detainees-remains";

#[test]
fn an_exchange_is_complete_only_when_documented_complete() {
    let b = nk2020();
    let returns = r#"{"type":"exchange","id":"x1","date":"2020-12-14","from":"az","to":"am","counts":{"pows":44},"source":"test"}
{"type":"exchange","id":"x2","date":"2020-12-14","from":"am","to":"az","counts":{"pows":12},"source":"test"}"#;
    // Returns without any claim: under way, not complete.
    let c = card(&b, &evidence(&b, returns), &[], date(2020, 12, 20));
    let l = c.line(EXCHANGE).expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.level),
        ("under way", Level::Minimal)
    );
    // Claims on record, all accounted for by later returns: complete.
    let reconciled = format!(
        "{returns}\n{}",
        r#"{"type":"detention-claim","id":"c1","date":"2020-12-01","claimant":"am","holder":"az","category":"pows","count":44,"source":"test"}"#
    );
    let c = card(&b, &evidence(&b, &reconciled), &[], date(2020, 12, 20));
    let l = c.line(EXCHANGE).expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.level),
        ("complete", Level::Full),
        "{}",
        l.status.reason
    );
    // A declaration that the exchange is complete: complete, citing it.
    let declared = format!(
        "{returns}\n{}",
        r#"{"type":"milestone","id":"done","obligation":"exchange-detainees-remains","date":"2020-12-18","stage":"completed","what":"The parties declared the exchange complete","source":"test"}"#
    );
    let c = card(&b, &evidence(&b, &declared), &[], date(2020, 12, 20));
    let l = c.line(EXCHANGE).expect("line");
    assert_eq!(l.status.state, "complete (declared)");
    assert!(l.status.evidence.contains(&"milestone:done".to_owned()));
    // No exchange and no claim: no record.
    let c = card(&b, &Evidence::default(), &[], date(2020, 12, 20));
    let l = c.line(EXCHANGE).expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.basis),
        ("no record", Basis::NoRecord)
    );
}

#[test]
fn releases_before_the_agreement_are_background_that_no_rule_counts() {
    let b = nk2020();
    let e = evidence(
        &b,
        r#"{"type":"exchange","id":"old","date":"2019-06-01","from":"az","to":"am","counts":{"pows":2},"source":"test"}"#,
    );
    let c = card(&b, &e, &[], date(2020, 11, 14));
    let l = c.line(EXCHANGE).expect("line");
    assert_eq!(l.status.state, "no record", "{}", l.status.reason);
    assert_eq!(l.details["background_before_effect"][0], "exchange:old");
    assert_eq!(l.details["returned_living"], 0);
}

#[test]
fn the_living_and_the_dead_are_never_summed() {
    let b = nk2020();
    let e = evidence(
        &b,
        r#"{"type":"exchange","id":"x","date":"2021-01-26","from":"az","to":"am","counts":{"bodies":31,"pows":5},"source":"test"}
{"type":"detention-claim","id":"c","date":"2021-01-01","claimant":"am","holder":"az","category":"pows","count":10,"source":"test"}"#,
    );
    let c = card(&b, &e, &[], date(2021, 2, 1));
    let l = c.line(EXCHANGE).expect("line");
    assert_eq!(
        (
            l.details["returned_living"].as_u64(),
            l.details["returned_remains"].as_u64()
        ),
        (Some(5), Some(31))
    );
    assert_eq!(l.details["outstanding_living"], 5);
    assert!(
        l.status
            .reason
            .contains("5 living returned and the remains of 31"),
        "{}",
        l.status.reason
    );
    assert!(
        l.status.reason.contains("50% of the living returned"),
        "{}",
        l.status.reason
    );
}

#[test]
fn legacy_ordnance_is_a_humanitarian_figure_not_a_violation() {
    let b = nk2020();
    let mut mine = violation("m1", date(2021, 6, 4), Some("az"), S::Confirmed);
    mine.event_type = EventType::MineUxo;
    mine.killed.best = 2;
    let mut device = violation("d1", date(2021, 6, 5), Some("az"), S::Confirmed);
    device.event_type = EventType::ExplosiveDevice;
    let ix = ViolationIndex::from_incidents([&mine], b.agreement.tz());
    assert!(ix.is_empty(), "a legacy mine is not a violation");
    let c = card(&b, &Evidence::default(), &[mine.clone()], date(2021, 6, 6));
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.breached),
        ("unknown (no coverage)", false)
    );
    assert_eq!(l.details["legacy_ordnance"][0]["month"], "2021-06");
    assert_eq!(l.details["legacy_ordnance"][0]["killed"], 2);
    let c = card(&b, &Evidence::default(), &[mine, device], date(2021, 6, 6));
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.breached),
        ("breached", true),
        "a device set on purpose is"
    );
}

#[test]
fn unverified_reports_never_read_as_holding() {
    let b = nk2020();
    let incidents = [
        violation("u1", date(2022, 9, 20), Some("az"), S::Unverified),
        violation("u2", date(2022, 9, 21), None, S::Disputed),
    ];
    let c = card(&b, &Evidence::default(), &incidents, date(2022, 9, 22));
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.level, l.status.breached),
        ("violations reported, unverified", Level::Unknown, false),
        "{}",
        l.status.reason
    );
    assert_eq!(
        l.status.evidence.len(),
        2,
        "the unconfirmed reports are cited"
    );
    // A week later the reports have aged out of the period; nobody watched: unknown.
    let c = card(&b, &Evidence::default(), &incidents, date(2022, 10, 5));
    assert_eq!(
        c.line("ceasefire").expect("line").status.state,
        "unknown (no coverage)"
    );
}

const WATCHED: &str = r#"{"type":"coverage","id":"acled-az-am","watcher":"acled","from":"2018-01-01","source":"https://acleddata.com/"}
{"type":"coverage","id":"op-7","watcher":"op-7","zones":["lachin-corridor"],"from":"2021-06-01","to":"2021-06-30","source":"test"}"#;

#[test]
fn a_quiet_period_holds_only_where_and_when_some_coverage_stood() {
    let b = nk2020();
    // The corridor post alone: some zones of the ceasefire are not watched.
    let post = evidence(&b, WATCHED.lines().nth(1).expect("line"));
    let c = card(&b, &post, &[], date(2021, 6, 20));
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        l.status.state, "holding where watched",
        "{}",
        l.status.reason
    );
    assert!(
        l.status.reason.contains("nk-pre2020 (0 of 7 days)"),
        "{}",
        l.status.reason
    );
    assert_eq!(l.status.evidence, ["coverage:op-7"]);
    // After the post closed and before anything else watched: unknown.
    let c = card(&b, &post, &[], date(2021, 7, 20));
    assert_eq!(
        c.line("ceasefire").expect("line").status.state,
        "unknown (no coverage)"
    );
    // A data set watching every zone: holding, standing on that coverage.
    let all = evidence(&b, WATCHED);
    let c = card(&b, &all, &[], date(2021, 7, 20));
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.level, l.status.basis),
        ("holding", Level::Full, Basis::Evidence)
    );
    assert!(
        l.status.reason.contains("watched throughout by acled"),
        "{}",
        l.status.reason
    );
    assert_eq!(l.details["coverage"]["watchers"][0], "acled");
}

#[test]
fn coverage_never_hides_a_violation_and_a_confirmed_one_shows_in_the_watched_window() {
    let b = nk2020();
    let all = evidence(&b, WATCHED);
    let incidents = [violation(
        "v",
        date(2021, 7, 18),
        Some("az"),
        S::Corroborated,
    )];
    let c = card(&b, &all, &incidents, date(2021, 7, 20));
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.breached),
        ("breached", true)
    );
    // Without coverage the violation still shows: coverage decides only "holding".
    let c = card(&b, &Evidence::default(), &incidents, date(2021, 7, 20));
    assert_eq!(c.line("ceasefire").expect("line").status.state, "breached");
}

fn line_on(
    b: &AgreementBundle,
    e: &Evidence,
    ob: &str,
    on: Date,
) -> truce_engine::compliance::Line {
    card(b, e, &[], on).line(ob).expect("line").clone()
}

const DEPLOYED: &str = r#"{"type":"strength","id":"s1","force":"ru-pk","date":"2020-11-20","figures":{"personnel":1960},"present_in":["peacekeeping-aor","lachin-corridor"],"source":"test"}"#;

#[test]
fn ended_early_by_agreement_the_line_says_so_keeps_its_history_and_never_breaches() {
    let b = nk2020();
    let e = evidence(
        &b,
        &format!(
            "{DEPLOYED}\n{}",
            r#"{"type":"termination","id":"pk-out","obligations":["peacekeeping-deployment","peacekeeping-term"],"date":"2024-04-17","how":"agreement","what":"Russia and Azerbaijan agreed the peacekeepers would leave","source":"test"}"#
        ),
    );
    let before = line_on(&b, &e, "peacekeeping-deployment", date(2024, 4, 16));
    assert_eq!(before.status.state, "deployed");
    let after = line_on(&b, &e, "peacekeeping-deployment", date(2024, 4, 17));
    assert_eq!(
        (
            after.status.state.as_str(),
            after.status.level,
            after.status.basis,
            after.status.breached
        ),
        (
            "ended (2024-04-17, agreement)",
            Level::Ended,
            Basis::Ended,
            false
        )
    );
    assert_eq!(after.status.evidence[0], "termination:pk-out");
    assert_eq!(after.details["before_end"]["status"]["state"], "deployed");
    // The term ends too, by the same record, instead of running on to 2025.
    let term = line_on(&b, &e, "peacekeeping-term", date(2025, 12, 1));
    assert_eq!(term.status.state, "ended (2024-04-17, agreement)");
}

#[test]
fn a_lapse_ends_a_breached_corridor_which_then_never_breaches() {
    let b = nk2020();
    let e = evidence(
        &b,
        r#"{"type":"closure","id":"road","zone":"lachin-corridor","from":"2022-12-12","scope":"full","declared_by":"ru","source":"test"}
{"type":"lapse","id":"nk-gone","obligations":["lachin-corridor-safe-passage"],"date":"2024-01-01","what":"The entity the corridor served ceased to exist","source":"test"}"#,
    );
    let blocked = line_on(&b, &e, "lachin-corridor-safe-passage", date(2023, 12, 31));
    assert!(blocked.status.breached);
    for on in [date(2024, 1, 1), date(2024, 6, 1), date(2026, 1, 1)] {
        let l = line_on(&b, &e, "lachin-corridor-safe-passage", on);
        assert_eq!(
            (l.status.state.as_str(), l.status.breached),
            ("ended (2024-01-01, lapse)", false),
            "{on}"
        );
        assert!(
            l.status.reason.contains("1 blocked [BREACHED]"),
            "{}",
            l.status.reason
        );
    }
}

#[test]
fn a_superseded_obligation_and_an_ended_milestone_end_the_line() {
    let b = nk2020();
    let e = evidence(
        &b,
        r#"{"type":"termination","id":"new-plan","obligations":["lachin-new-route-plan"],"date":"2022-08-30","how":"supersession","superseded_by":"the route agreed in August 2022","what":"A new road replaced the planned route","source":"test"}
{"type":"milestone","id":"jmc-closed","obligation":"peacekeeping-centre","date":"2024-04-26","stage":"ended","what":"The Aghdam monitoring centre closed","source":"test"}"#,
    );
    let l = line_on(&b, &e, "lachin-new-route-plan", date(2023, 1, 1));
    assert_eq!(l.status.state, "ended (2022-08-30, supersession)");
    let l = line_on(&b, &e, "peacekeeping-centre", date(2024, 4, 25));
    assert_ne!(l.status.level, Level::Ended);
    let l = line_on(&b, &e, "peacekeeping-centre", date(2024, 4, 26));
    assert_eq!(
        (l.status.state.as_str(), l.status.level),
        ("ended (2024-04-26, ended)", Level::Ended)
    );
}

#[test]
fn a_report_of_no_personnel_or_of_no_zone_means_withdrawn_not_deployed() {
    let b = nk2020();
    for last in [
        r#"{"type":"strength","id":"s2","force":"ru-pk","date":"2024-06-12","figures":{"personnel":0},"source":"test"}"#,
        r#"{"type":"strength","id":"s2","force":"ru-pk","date":"2024-06-12","present_in":[],"source":"test"}"#,
    ] {
        let e = evidence(&b, &format!("{DEPLOYED}\n{last}"));
        let l = line_on(&b, &e, "peacekeeping-deployment", date(2024, 7, 1));
        assert_eq!(
            (
                l.status.state.as_str(),
                l.status.since,
                l.status.evidence.as_slice()
            ),
            (
                "withdrawn",
                Some(date(2024, 6, 12)),
                ["strength:s2".to_owned()].as_slice()
            ),
            "{last}"
        );
    }
}

#[test]
fn an_ending_that_does_not_say_how_or_what_is_refused_with_its_pointer() {
    let b = nk2020();
    let refused = |line: &str| -> Vec<String> {
        read_line(1, line, &b)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| format!("{}: {}", p.pointer, p.reason))
            .collect()
    };
    let no_how = refused(
        r#"{"type":"termination","id":"t","obligations":["ceasefire"],"date":"2023-09-20","what":"x","source":"s"}"#,
    );
    assert!(no_how[0].starts_with("/how: is missing"), "{no_how:?}");
    let lapse_how = refused(
        r#"{"type":"lapse","id":"l","obligations":["ceasefire"],"date":"2023-09-20","how":"agreement","what":"x","source":"s"}"#,
    );
    assert!(
        lapse_how[0].starts_with("/how: a lapse has no `how`"),
        "{lapse_how:?}"
    );
    let nothing = refused(
        r#"{"type":"lapse","id":"l","obligations":[],"date":"2023-09-20","what":"x","source":"s"}"#,
    );
    assert!(
        nothing[0].starts_with("/obligations: names no obligation"),
        "{nothing:?}"
    );
    let unknown = refused(
        r#"{"type":"lapse","id":"l","obligations":["cease-fire"],"date":"2023-09-20","what":"x","source":"s"}"#,
    );
    assert!(
        unknown[0].starts_with("/obligations/0: unknown obligation `cease-fire`"),
        "{unknown:?}"
    );
    let undated = refused(
        r#"{"type":"milestone","id":"m","obligation":"ceasefire","stage":"ended","what":"x","source":"s"}"#,
    );
    assert!(undated[0].contains("missing field `date`"), "{undated:?}");
    let unsourced = refused(
        r#"{"type":"milestone","id":"m","obligation":"ceasefire","date":"2023-09-20","stage":"ended","what":"x"}"#,
    );
    assert!(
        unsourced[0].contains("missing field `source`"),
        "{unsourced:?}"
    );
    let superseded = refused(
        r#"{"type":"termination","id":"t","obligations":["ceasefire"],"date":"2023-09-20","how":"supersession","what":"x","source":"s"}"#,
    );
    assert!(
        superseded[0].starts_with("/superseded_by: is missing"),
        "{superseded:?}"
    );
}

#[test]
fn the_exchange_line_and_the_registry_reconciliation_agree_on_who_is_still_held() {
    let b = nk2020();
    let e = evidence(
        &b,
        r#"{"type":"detention-claim","id":"am-says","date":"2021-04-01","claimant":"am","holder":"az","category":"detainees","count":200,"at_least":true,"source":"test"}
{"type":"detention-claim","id":"ngo-says","date":"2021-05-01","claimant":"am","holder":"az","category":"bodies","count":40,"source":"test"}
{"type":"exchange","id":"maps","date":"2021-06-12","from":"az","to":"am","counts":{"detainees":15},"source":"test"}
{"type":"exchange","id":"remains","date":"2021-06-20","from":"az","to":"am","counts":{"bodies":12},"source":"test"}"#,
    );
    for on in [date(2021, 5, 1), date(2021, 6, 15), date(2021, 7, 1)] {
        let c = card(&b, &e, &[], on);
        let l = c.line(EXCHANGE).expect("line");
        let rows = truce_engine::registry::reconcile(&[], &e, &[on]);
        let az = rows.iter().find(|r| r.holder == "az").expect("az row");
        assert_eq!(
            (
                l.details["outstanding_living"].as_u64(),
                l.details["outstanding_remains"].as_u64()
            ),
            (
                Some(u64::from(az.still_held)),
                Some(u64::from(az.remains_still_held))
            ),
            "{on}"
        );
    }
    let rows = truce_engine::registry::reconcile(&[], &e, &[date(2021, 7, 1)]);
    let az = &rows[0];
    assert_eq!((az.still_held, az.remains_still_held), (185, 28));
    assert_eq!(
        (az.returned_in_exchanges, az.remains_in_exchanges),
        (15, 12),
        "apart"
    );
}

#[test]
fn a_corroborated_violation_whose_attribution_is_disputed_reads_violated_not_quiet() {
    let b = nk2020();
    // Corroborated, but the reporters blame different sides: no party is assessed.
    let incidents = [violation("d", date(2020, 12, 12), None, S::Corroborated)];
    let c = card(&b, &Evidence::default(), &incidents, date(2020, 12, 13));
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.level, l.status.breached),
        ("violated, attribution disputed", Level::Intermediate, false),
        "{}",
        l.status.reason
    );
    assert_eq!(l.status.evidence, ["d"]);
}

#[test]
fn a_violation_whose_time_reaches_into_a_watched_period_keeps_it_from_reading_as_holding() {
    let b = nk2020();
    let watched = evidence(&b, WATCHED.lines().next().expect("line"));
    // Known only to the week of 1-8 August 2022 (a bulletin's "in the past days"): dated
    // by its first day, it may have happened on any day up to the 8th.
    let mut spread = violation("w1", date(2022, 8, 1), Some("az"), S::Corroborated);
    spread.window.end = date(2022, 8, 8)
        .at(12, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Baku").expect("tz"))
        .expect("instant")
        .timestamp();
    spread.window.precision = 3;
    // The seven days to 14 August begin on the 8th, which the window reaches.
    let c = card(
        &b,
        &watched,
        std::slice::from_ref(&spread),
        date(2022, 8, 14),
    );
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.level, l.status.breached),
        ("violations possibly in the period", Level::Unknown, false),
        "{}",
        l.status.reason
    );
    assert!(
        l.status.reason.contains("dated before 2022-08-08"),
        "{}",
        l.status.reason
    );
    assert_eq!(l.status.evidence, ["w1"], "the incident is cited");
    // A day later the period starts after the window: watched and quiet, holding.
    let c = card(
        &b,
        &watched,
        std::slice::from_ref(&spread),
        date(2022, 8, 15),
    );
    assert_eq!(c.line("ceasefire").expect("line").status.state, "holding");
    // The same violation known to its day reaches no later period.
    let mut day = spread.clone();
    day.window.end = day.window.start;
    let c = card(&b, &watched, &[day], date(2022, 8, 14));
    assert_eq!(c.line("ceasefire").expect("line").status.state, "holding");
}

#[test]
fn a_violation_only_possibly_in_the_zone_is_named_but_neither_counted_nor_read_as_holding() {
    let b = nk2020();
    // Corroborated, but its place is too coarse to say it was inside the ceasefire's zones.
    let mut coarse = violation("p1", date(2022, 8, 2), Some("az"), S::Corroborated);
    coarse.zones = vec!["armenia".into()];
    coarse.possibly_in = vec!["nk-pre2020".into(), "lachin-corridor".into()];
    // Even with the whole period watched, the engine will not read it as holding.
    let watched = evidence(&b, WATCHED.lines().next().expect("line"));
    let c = card(
        &b,
        &watched,
        std::slice::from_ref(&coarse),
        date(2022, 8, 3),
    );
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.level, l.status.breached),
        ("violations possibly in the zone", Level::Unknown, false),
        "{}",
        l.status.reason
    );
    assert_eq!(l.status.evidence, ["p1"], "the incident is cited");
    // The same incident certainly inside is a violation.
    let mut inside = coarse.clone();
    inside.zones = vec!["nk-pre2020".into()];
    inside.possibly_in.clear();
    let c = card(&b, &watched, &[inside], date(2022, 8, 3));
    assert_eq!(c.line("ceasefire").expect("line").status.state, "breached");
}
