//! The compliance engine along the documented 2020–2021 timeline, on synthetic corridor
//! traffic and deployments, and over every day of a range (no panic, monotonic).

use crate::{demo_records, nk2020, violation};
use jiff::civil::{Date, date};
use truce_engine::compliance::{
    Basis, Inputs, Level, Options, Scorecard, ViolationIndex, alerts, evaluate,
};
use truce_formats::records::read_line;
use truce_model::AgreementBundle;
use truce_model::records::{Evidence, Record};
use truce_model::words::ObligationKind;

fn lines(text: &str, b: &AgreementBundle) -> Vec<Record> {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            read_line(i as u64 + 1, l, b).unwrap_or_else(|p| panic!("line {}: {p:?}", i + 1))
        })
        .collect()
}

/// The scorecard on a date, each of its lines checked as said in every language.
fn card(b: &AgreementBundle, e: &Evidence, on: Date) -> Scorecard {
    let mut e = e.clone();
    e.classify(&b.zones);
    said(evaluate(
        Inputs {
            agreement: &b.agreement,
            evidence: &e,
            violations: &ViolationIndex::default(),
            options: &Options::default(),
        },
        on,
    ))
}

fn said(c: Scorecard) -> Scorecard {
    for l in &c.lines {
        assert_said_in_every_language(l, &format!("{} {}", c.as_of, l.obligation));
    }
    c
}

fn state(c: &Scorecard, ob: &str) -> (String, bool) {
    let l = c.line(ob).unwrap_or_else(|| panic!("no line {ob}"));
    (l.status.state.clone(), l.status.late)
}

#[test]
fn handovers_along_the_2020_timeline_follow_the_deadlines_in_force_on_each_date() {
    let b = nk2020();
    let e = Evidence::from_records(demo_records(&b));
    // (date, agdam, kalbajar, lachin): state and late flag.
    type Expect<'a> = (&'a str, bool);
    let table: &[(Date, Expect, Expect, Expect)] = &[
        (
            date(2020, 11, 14),
            ("due", false),
            ("due", false),
            ("due", false),
        ),
        // Kalbajar's deadline moved from 15 to 25 Nov on 15 Nov: not overdue on the 16th.
        (
            date(2020, 11, 16),
            ("due", false),
            ("due", false),
            ("due", false),
        ),
        (
            date(2020, 11, 21),
            ("complete on time", false),
            ("due", false),
            ("due", false),
        ),
        (
            date(2020, 11, 26),
            ("complete on time", false),
            ("complete on time", false),
            ("due", false),
        ),
        (
            date(2020, 12, 2),
            ("complete on time", false),
            ("complete on time", false),
            ("complete on time", false),
        ),
    ];
    for (on, agdam, kalbajar, lachin) in table {
        let c = card(&b, &e, *on);
        for (ob, want) in [
            ("handover-agdam", agdam),
            ("handover-kalbajar", kalbajar),
            ("handover-lachin", lachin),
        ] {
            let (s, late) = state(&c, ob);
            assert_eq!((s.as_str(), late), *want, "{ob} on {on}");
        }
    }
    let c = card(&b, &e, date(2020, 11, 21));
    let agdam = c.line("handover-agdam").expect("line");
    assert_eq!(agdam.status.evidence, vec!["handover:agdam-2020-11-20"]);
    assert_eq!(agdam.status.level, Level::Full);
    let kalbajar = c.line("handover-kalbajar").expect("line");
    assert_eq!(kalbajar.last_day, Some(date(2020, 11, 25)));
    assert!(
        kalbajar
            .status
            .reason
            .contains("kalbajar-extension-2020-11-15"),
        "{}",
        kalbajar.status.reason
    );
}

#[test]
fn handovers_without_evidence_go_overdue_the_day_after_the_last_day() {
    let b = nk2020();
    let e = Evidence::default();
    let c = card(&b, &e, date(2020, 11, 21));
    // Nothing on record is not a documented failure: overdue, but with no record, and
    // without the Kroc score of a step never taken.
    assert_eq!(
        state(&c, "handover-agdam"),
        ("overdue — no record".into(), false)
    );
    let agdam = c.line("handover-agdam").expect("line");
    assert_eq!(
        (agdam.status.level, agdam.status.basis, agdam.status.score),
        (Level::Unknown, Basis::NoRecord, None)
    );
    assert_eq!(
        c.line("handover-agdam").map(|l| l.status.since),
        Some(Some(date(2020, 11, 21)))
    );
    // The original Kalbajar deadline (15 Nov) would make it overdue on the 14th; only
    // the view of the 14th, before the amendment's day, has the old deadline.
    let c = card(&b, &e, date(2020, 11, 14));
    assert_eq!(
        c.line("handover-kalbajar").and_then(|l| l.last_day),
        Some(date(2020, 11, 15))
    );
    let late = lines(
        r#"{"type":"handover","id":"k","zone":"kalbajar","from":"am","to":"az","date":"2020-11-27","source":"test"}"#,
        &b,
    );
    let c = card(&b, &Evidence::from_records(late), date(2020, 12, 1));
    assert_eq!(
        state(&c, "handover-kalbajar"),
        ("complete late".into(), true)
    );
}

#[test]
fn the_term_expires_after_five_years_with_notice_six_months_before_and_renews_without_notice() {
    let b = nk2020();
    let none = Evidence::default();
    let c = card(&b, &none, date(2021, 1, 1));
    let term = c.line("peacekeeping-term").expect("line");
    assert_eq!(term.status.state, "in force");
    assert!(
        term.status.reason.contains("expires 2025-11-10"),
        "{}",
        term.status.reason
    );
    assert!(
        term.status.reason.contains("notice deadline 2025-05-10"),
        "{}",
        term.status.reason
    );
    let c = card(&b, &none, date(2025, 11, 10));
    let term = c.line("peacekeeping-term").expect("line");
    assert_eq!(term.status.state, "renewed");
    assert!(
        term.status.reason.contains("expires 2030-11-10"),
        "{}",
        term.status.reason
    );

    let in_time = lines(
        r#"{"type":"notice","id":"n1","obligation":"peacekeeping-term","by":"az","date":"2025-05-10","intention":"terminate","source":"test"}"#,
        &b,
    );
    let e = Evidence::from_records(in_time);
    assert_eq!(
        state(&card(&b, &e, date(2025, 6, 1)), "peacekeeping-term").0,
        "ending"
    );
    let ended = card(&b, &e, date(2025, 11, 10));
    let term = ended.line("peacekeeping-term").expect("line");
    assert_eq!(term.status.state, "ended");
    assert_eq!(term.status.evidence, vec!["notice:n1"]);

    let too_late = lines(
        r#"{"type":"notice","id":"n2","obligation":"peacekeeping-term","by":"am","date":"2025-05-11","intention":"terminate","source":"test"}"#,
        &b,
    );
    let e = Evidence::from_records(too_late);
    let c = card(&b, &e, date(2025, 11, 10));
    let term = c.line("peacekeeping-term").expect("line");
    assert_eq!(term.status.state, "renewed");
    assert_eq!(term.status.evidence, vec!["notice:n2"]);
}

#[test]
fn deployment_within_the_caps_is_full_and_over_any_cap_is_breached() {
    let b = nk2020();
    let e = Evidence::from_records(demo_records(&b));
    let c = card(&b, &e, date(2020, 11, 10));
    let d = c.line("peacekeeping-deployment").expect("line");
    assert_eq!(
        (d.status.state.as_str(), d.status.breached),
        ("deploying", false)
    );
    let c = card(&b, &e, date(2020, 11, 21));
    let d = c.line("peacekeeping-deployment").expect("line");
    assert_eq!(
        (d.status.level, d.status.breached),
        (Level::Full, false),
        "{}",
        d.status.reason
    );
    assert!(
        d.status
            .evidence
            .contains(&"strength:ru-pk-2020-11-20".to_owned())
    );

    let over = lines(
        r#"{"type":"strength","id":"s","force":"ru-pk","date":"2021-03-01","figures":{"personnel":1900,"armoured-personnel-carriers":95},"source":"test"}"#,
        &b,
    );
    let mut all = demo_records(&b);
    all.extend(over);
    let c = card(&b, &Evidence::from_records(all), date(2021, 3, 2));
    let d = c.line("peacekeeping-deployment").expect("line");
    assert!(d.status.breached);
    assert_eq!(d.status.state, "over cap");
    assert!(
        d.status.reason.contains("armoured-personnel-carriers 95"),
        "{}",
        d.status.reason
    );
    // Personnel is within its cap in the same report.
    assert!(
        !d.status.reason.contains("personnel 1900"),
        "{}",
        d.status.reason
    );
}

#[test]
fn observation_posts_count_where_their_point_lies() {
    let b = nk2020();
    // Martuni lies in the peacekeeping area only; Lachin town on the corridor.
    let posts = lines(
        concat!(
            r#"{"type":"observation-post","id":"op-1","name":"Martuni","force":"ru-pk","lon":47.115,"lat":39.793,"opened":"2020-11-12","source":"test"}"#,
            "\n",
            r#"{"type":"observation-post","id":"op-2","name":"Lachin","force":"ru-pk","lon":46.547,"lat":39.638,"opened":"2020-11-13","closed":"2020-11-30","source":"test"}"#,
        ),
        &b,
    );
    let e = Evidence::from_records(posts);
    let c = card(&b, &e, date(2020, 11, 14));
    let d = c.line("peacekeeping-deployment").expect("line");
    assert_eq!(d.status.level, Level::Full, "{}", d.status.reason);
    let c = card(&b, &e, date(2020, 12, 1));
    let d = c.line("peacekeeping-deployment").expect("line");
    assert_eq!(d.status.level, Level::Intermediate, "{}", d.status.reason);
    assert!(d.status.reason.contains("lachin-corridor"));
}

/// A month of daily traffic through one corridor checkpoint.
fn month(b: &AgreementBundle, per_day: impl Fn(u32) -> u32, extra: &str) -> Evidence {
    let mut text = String::from(
        r#"{"type":"checkpoint","id":"cp","name":"Corridor checkpoint","zone":"lachin-corridor","operator":"ru-pk","source":"test"}"#,
    );
    for d in 1..=30u32 {
        text.push_str(&format!(
            "\n{{\"type\":\"crossing\",\"id\":\"c{d}\",\"checkpoint\":\"cp\",\"date\":\"2021-06-{d:02}\",\"vehicles\":{},\"persons\":{},\"source\":\"test\"}}",
            per_day(d),
            per_day(d) * 3,
        ));
    }
    if !extra.is_empty() {
        text.push('\n');
        text.push_str(extra);
    }
    Evidence::from_records(lines(&text, b))
}

#[test]
fn a_corridor_is_open_before_a_blockade_and_blocked_from_its_first_day() {
    let b = nk2020();
    let e = month(&b, |d| if d >= 18 { 0 } else { 100 + (d * 7) % 11 }, "");
    for d in 1..=30 {
        let c = card(&b, &e, date(2021, 6, d as i8));
        let l = c.line("lachin-corridor-safe-passage").expect("line");
        if d < 18 {
            assert_eq!(l.status.state, "open", "6-{d}: {}", l.status.reason);
            assert!(!l.status.breached);
        } else {
            assert_eq!(l.status.state, "blocked", "6-{d}: {}", l.status.reason);
            assert_eq!(l.status.since, Some(date(2021, 6, 18)));
            assert!(l.status.breached);
            assert!(l.status.evidence.contains(&format!("crossing:c{d}")));
        }
    }
}

#[test]
fn a_partial_restriction_is_restricted_and_a_declared_closure_decides_the_day() {
    let b = nk2020();
    let e = month(&b, |d| if d >= 20 { 40 } else { 100 }, "");
    let c = card(&b, &e, date(2021, 6, 25));
    let l = c.line("lachin-corridor-safe-passage").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.since),
        ("restricted", Some(date(2021, 6, 20)))
    );
    assert_eq!(l.status.level, Level::Intermediate);

    let closure = r#"{"type":"closure","id":"x","checkpoint":"cp","from":"2021-06-10","to":"2021-06-12","scope":"full","declared_by":"az","source":"test"}"#;
    let e = month(&b, |_| 100, closure);
    let states: Vec<String> = (9..=13)
        .map(|d| {
            card(&b, &e, date(2021, 6, d))
                .line("lachin-corridor-safe-passage")
                .map(|l| l.status.state.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(states, ["open", "blocked", "blocked", "blocked", "open"]);
    let alerts = alerts(
        Inputs {
            agreement: &b.agreement,
            evidence: &e,
            violations: &ViolationIndex::default(),
            options: &Options::default(),
        },
        date(2021, 6, 1),
        date(2021, 6, 30),
    );
    let corridor: Vec<(Date, &str)> = alerts
        .iter()
        .filter(|a| a.obligation == "lachin-corridor-safe-passage")
        .map(|a| (a.date, a.new.state.as_str()))
        .collect();
    assert_eq!(
        corridor,
        [(date(2021, 6, 10), "blocked"), (date(2021, 6, 13), "open")]
    );
}

#[test]
fn a_checkpoint_run_by_a_party_in_the_corridor_contests_the_peacekeepers_control() {
    let b = nk2020();
    let e = Evidence::from_records(demo_records(&b));
    let before = card(&b, &e, date(2023, 4, 22));
    let l = before.line("lachin-corridor-control").expect("line");
    assert_eq!(l.status.state, "under control", "{}", l.status.reason);
    let after = card(&b, &e, date(2023, 4, 23));
    let l = after.line("lachin-corridor-control").expect("line");
    assert_eq!(l.status.state, "control contested");
    assert!(l.status.breached);
    assert_eq!(l.status.evidence, vec!["checkpoint:hakari-bridge"]);
    // The 2022 road closure blocks passage from its first day.
    let c = card(&b, &e, date(2022, 12, 12));
    let p = c.line("lachin-corridor-safe-passage").expect("line");
    assert_eq!(
        (p.status.state.as_str(), p.status.since),
        ("blocked", Some(date(2022, 12, 12)))
    );
    let c = card(&b, &e, date(2022, 12, 11));
    assert_eq!(state(&c, "lachin-corridor-safe-passage").0, "unknown");
}

#[test]
fn exchanges_count_returns_per_side_against_what_is_claimed_held() {
    let b = nk2020();
    let e = Evidence::from_records(demo_records(&b));
    let c = card(&b, &e, date(2020, 12, 20));
    let l = c.line("exchange-detainees-remains").expect("line");
    // Returns on record but no claim of who is still held: under way, never complete.
    assert_eq!(
        (l.status.state.as_str(), l.status.level),
        ("under way", Level::Minimal)
    );
    assert!(
        l.status
            .reason
            .contains("no outstanding claim on record, which does not show that none are held"),
        "{}",
        l.status.reason
    );
    assert_eq!(l.details["returned_living"], 56);
    // Armenia's claim is known only to April 2021: it is not read before the month's
    // last day, so it cannot appear before the captures it counts.
    let c = card(&b, &e, date(2021, 4, 2));
    let l = c.line("exchange-detainees-remains").expect("line");
    assert_eq!(l.status.state, "under way", "{}", l.status.reason);
    let c = card(&b, &e, date(2021, 4, 30));
    let l = c.line("exchange-detainees-remains").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.level),
        ("in progress", Level::Minimal)
    );
    assert_eq!(l.details["outstanding_living"], 200);
    assert!(
        l.status
            .evidence
            .contains(&"detention-claim:am-2021-04".to_owned())
    );
}

#[test]
fn milestones_and_deadlines_counted_from_another_obligation() {
    let b = nk2020();
    let e = Evidence::from_records(demo_records(&b));
    let c = card(&b, &e, date(2021, 1, 20));
    assert_eq!(state(&c, "peacekeeping-centre").0, "under way");
    // Subgroups are due a month after the first meeting, which is not yet on record.
    assert_eq!(state(&c, "expert-subgroups-projects").0, "not yet due");
    let c = card(&b, &e, date(2021, 2, 1));
    assert_eq!(state(&c, "peacekeeping-centre").0, "complete");
    assert_eq!(
        state(&c, "working-group-first-meeting"),
        ("complete on time".into(), false)
    );
    let sub = c.line("expert-subgroups-projects").expect("line");
    assert_eq!(sub.last_day, Some(date(2021, 2, 28)));
    let c = card(&b, &e, date(2021, 3, 2));
    assert_eq!(state(&c, "working-group-plan"), ("overdue".into(), true));
    assert_eq!(
        c.line("working-group-plan").map(|l| l.status.level),
        Some(Level::Minimal)
    );
}

/// A line's reason and deadline as each language writes them: English as the rules'
/// own text, the others in their own words, with every placeholder filled.
fn assert_said_in_every_language(l: &truce_engine::compliance::Line, context: &str) {
    use truce_model::i18n::{LANGUAGES, english, messages};
    assert_eq!(english().say(&l.status.why), l.status.reason, "{context}");
    if let (Some(d), Some(text)) = (&l.deadline_why, &l.deadline) {
        assert_eq!(&english().say(d), text, "{context}");
    }
    for lang in LANGUAGES {
        let m = messages(lang).expect("compiled in");
        let said = m.say(&l.status.why);
        let deadline = l
            .deadline_why
            .as_ref()
            .map(|d| m.say(d))
            .unwrap_or_default();
        for text in [&said, &deadline] {
            let unfilled = text.split('{').skip(1).any(|r| {
                r.split_once('}').is_some_and(|(n, _)| {
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                })
            });
            assert!(
                !unfilled && !text.contains("why.") && !text.contains("period."),
                "{context} ({lang}): {text}"
            );
        }
        if lang != "en" {
            assert_ne!(
                said, l.status.reason,
                "{context} ({lang}) is the English text"
            );
        }
    }
}

#[test]
fn every_record_of_every_kind_sums_itself_up_in_every_language() {
    use truce_model::i18n::{LANGUAGES, english, messages};
    let b = nk2020();
    // The demo evidence, the transcription of public sources, and the kinds neither has.
    let mut records = demo_records(&b);
    let transcribed = std::fs::read_to_string(
        truce_testkit::root()
            .join("agreements/nk-2020/transcription/public-sources-2020-2024.jsonl"),
    )
    .expect("transcription");
    records.extend(lines(&transcribed, &b));
    records.extend(lines(
        concat!(
            r#"{"type":"withdrawal","id":"w","zone":"kalbajar","from":"am","date":"2020-11-24","stage":"completed","source":"t"}"#,
            "\n",
            r#"{"type":"crossing","id":"c","checkpoint":"cp","date":"2021-06-01","direction":"both","persons":1,"vehicles":2,"source":"t"}"#,
            "\n",
            r#"{"type":"notice","id":"n","obligation":"peacekeeping-term","by":"am","date":"2025-01-01","intention":"terminate","source":"t"}"#,
            "\n",
            r#"{"type":"termination","id":"t","obligations":["peacekeeping-term"],"date":"2025-01-01","how":"agreement","what":"x","source":"t"}"#,
            "\n",
            r#"{"type":"coverage","id":"v","watcher":"op-7","from":"2021-01-01","to":"2021-02-01","source":"t"}"#,
        ),
        &b,
    ));
    let kinds: std::collections::BTreeSet<String> =
        records.iter().map(|r| r.kind().to_string()).collect();
    assert!(kinds.len() >= 20, "{kinds:?}");
    for r in &records {
        let m = r.summary_msg();
        assert_eq!(english().say(&m), r.summary(), "{}", r.key());
        for lang in LANGUAGES {
            let text = messages(lang)
                .expect("compiled in")
                .say_named(&m, &|kind, id| b.name(lang, kind, id));
            assert!(
                !text.contains("rec.") && !text.contains("{n}") && !text.contains("{"),
                "{} ({lang}): {text}",
                r.key()
            );
        }
    }
}

#[test]
fn every_status_of_the_demo_scorecard_cites_evidence_or_says_there_is_none() {
    let b = nk2020();
    let e = Evidence::from_records(demo_records(&b));
    for on in [date(2020, 11, 21), date(2021, 6, 1), date(2023, 5, 1)] {
        let c = card(&b, &e, on);
        assert!(c.lines.len() >= 15, "{on}: {} lines", c.lines.len());
        for l in &c.lines {
            assert!(
                !l.status.evidence.is_empty() || l.status.reason.contains("no evidence"),
                "{on} {}: {}",
                l.obligation,
                l.status.reason
            );
        }
    }
}

/// A small deterministic generator (xorshift), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_evidence_never_panics_completed_steps_stay_completed_ended_ones_never_breach() {
    let b = nk2020();
    let zones = [
        "agdam",
        "kalbajar",
        "lachin",
        "lachin-corridor",
        "peacekeeping-aor",
    ];
    let stages = ["began", "partial", "completed"];
    let obligations: Vec<&str> = b
        .agreement
        .obligations
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    // Steps short of an end are read by the rules of progress only (elsewhere they are
    // refused as records no rule would read).
    let stepped: Vec<&str> = b
        .agreement
        .obligations
        .iter()
        .filter(|o| {
            !matches!(
                o.kind,
                ObligationKind::Ceasefire
                    | ObligationKind::Deployment
                    | ObligationKind::Term
                    | ObligationKind::Corridor
                    | ObligationKind::Exchange
            )
        })
        .map(|o| o.id.as_str())
        .collect();
    let start = date(2020, 11, 1);
    for seed in 1..=6u64 {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
        let mut text = String::from(
            r#"{"type":"checkpoint","id":"cp","name":"cp","zone":"lachin-corridor","operator":"ru-pk","source":"t"}"#,
        );
        let day = |rng: &mut Rng| {
            start
                .checked_add(jiff::Span::new().days(rng.below(400) as i64))
                .unwrap_or(start)
        };
        for i in 0..60 {
            let d = day(&mut rng);
            let line = match rng.below(9) {
                0 => format!(
                    r#"{{"type":"handover","id":"h{i}","zone":"{}","from":"am","to":"az","date":"{d}","stage":"{}","source":"t"}}"#,
                    zones[rng.below(3) as usize],
                    stages[rng.below(3) as usize]
                ),
                1 => format!(
                    r#"{{"type":"milestone","id":"m{i}","obligation":"{}","date":"{d}","stage":"{}","what":"x","source":"t"}}"#,
                    stepped[rng.below(stepped.len() as u64) as usize],
                    stages[rng.below(3) as usize]
                ),
                2 => format!(
                    r#"{{"type":"crossing","id":"c{i}","checkpoint":"cp","date":"{d}","vehicles":{},"source":"t"}}"#,
                    rng.below(200)
                ),
                3 => format!(
                    r#"{{"type":"closure","id":"x{i}","zone":"lachin-corridor","from":"{d}","scope":"partial","declared_by":"az","source":"t"}}"#
                ),
                4 => format!(
                    r#"{{"type":"strength","id":"s{i}","force":"ru-pk","date":"{d}","figures":{{"personnel":{}}},"present_in":["{}"],"source":"t"}}"#,
                    rng.below(2500),
                    zones[3 + rng.below(2) as usize]
                ),
                5 => format!(
                    r#"{{"type":"exchange","id":"e{i}","date":"{d}","from":"az","to":"am","counts":{{"pows":{}}},"source":"t"}}"#,
                    1 + rng.below(20)
                ),
                6 => format!(
                    r#"{{"type":"notice","id":"n{i}","obligation":"peacekeeping-term","by":"am","date":"{d}","intention":"terminate","source":"t"}}"#
                ),
                7 if rng.below(4) == 0 => format!(
                    r#"{{"type":"termination","id":"t{i}","obligations":["{}"],"date":"{d}","how":"agreement","what":"x","source":"t"}}"#,
                    obligations[rng.below(obligations.len() as u64) as usize],
                ),
                7 => format!(
                    r#"{{"type":"lapse","id":"l{i}","obligations":["{}"],"date":"{d}","what":"x","source":"t"}}"#,
                    obligations[rng.below(obligations.len() as u64) as usize],
                ),
                _ => format!(
                    r#"{{"type":"milestone","id":"me{i}","obligation":"{}","date":"{d}","stage":"ended","what":"x","source":"t"}}"#,
                    obligations[rng.below(obligations.len() as u64) as usize],
                ),
            };
            text.push('\n');
            text.push_str(&line);
        }
        let e = Evidence::from_records(lines(&text, &b));
        let mut completed: std::collections::BTreeSet<String> = Default::default();
        let mut ended: std::collections::BTreeSet<String> = Default::default();
        let mut on = date(2020, 11, 5);
        while on < date(2022, 1, 1) {
            let c = card(&b, &e, on);
            for l in &c.lines {
                // Once ended, always ended, and never breached.
                if l.status.level == Level::Ended {
                    assert!(
                        !l.status.breached,
                        "seed {seed}: {} ended yet breached",
                        l.obligation
                    );
                    ended.insert(l.obligation.clone());
                } else {
                    assert!(
                        !ended.contains(&l.obligation),
                        "seed {seed}: {} had ended and is {} on {on}",
                        l.obligation,
                        l.status.label()
                    );
                }
                let done = l.status.state.starts_with("complete") && l.status.level == Level::Full;
                let progress_kind = !matches!(
                    l.kind,
                    ObligationKind::Ceasefire
                        | ObligationKind::Corridor
                        | ObligationKind::Deployment
                        | ObligationKind::Exchange
                        | ObligationKind::Term
                );
                if progress_kind
                    && completed.contains(&l.obligation)
                    && !ended.contains(&l.obligation)
                {
                    assert!(
                        done,
                        "seed {seed}: {} was complete and is {} on {on}",
                        l.obligation,
                        l.status.label()
                    );
                }
                if progress_kind && done {
                    completed.insert(l.obligation.clone());
                }
            }
            on = on
                .checked_add(jiff::Span::new().days(3))
                .unwrap_or(date(2022, 1, 1));
        }
        assert!(
            !ended.is_empty(),
            "seed {seed}: no obligation ended, the property went untested"
        );
    }
}

#[test]
fn the_ceasefire_counts_violations_per_party_and_period_and_breaches_at_the_threshold() {
    use truce_engine::incidents::IncidentStatus as S;
    let b = nk2020();
    let incidents = vec![
        // Before the ceasefire took effect: never counted.
        violation("i0", date(2020, 11, 9), Some("az"), S::Confirmed),
        violation("i1", date(2020, 12, 1), Some("am"), S::Corroborated),
        violation("i2", date(2020, 12, 2), Some("am"), S::Confirmed),
        violation("i3", date(2020, 12, 3), None, S::Disputed),
        violation("i4", date(2020, 12, 3), Some("az"), S::Unverified),
        violation("i5", date(2020, 12, 3), Some("az"), S::Rejected),
    ];
    let ix = ViolationIndex::from_incidents(&incidents, b.agreement.tz());
    assert_eq!(ix.len(), 5, "rejected incidents are not violations");
    let e = Evidence::default();
    let eval = |on: Date, threshold: u32| {
        let opts = Options {
            breach_threshold: threshold,
            ..Options::default()
        };
        said(evaluate(
            Inputs {
                agreement: &b.agreement,
                evidence: &e,
                violations: &ix,
                options: &opts,
            },
            on,
        ))
    };
    // A quiet week that nobody is on record as watching does not read as holding.
    let c = eval(date(2020, 11, 30), 1);
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.breached),
        ("unknown (no coverage)", false)
    );
    assert!(l.status.reason.contains("no evidence"));

    let c = eval(date(2020, 12, 3), 1);
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.breached),
        ("breached", true)
    );
    assert!(l.status.reason.contains("am (2)"), "{}", l.status.reason);
    assert_eq!(
        l.status.evidence,
        vec!["i2", "i1"],
        "confirmed first, then corroborated"
    );
    assert_eq!(l.details["since_effective"]["am"]["confirmed"], 1);
    assert_eq!(l.details["since_effective"]["am"]["corroborated"], 1);
    assert_eq!(l.details["since_effective"]["unattributed"]["disputed"], 1);
    assert_eq!(l.details["since_effective"]["az"]["unverified"], 1);
    assert_eq!(l.details["trend"]["am"]["trend"], "rising");
    // A higher threshold: violated, not breached.
    let c = eval(date(2020, 12, 3), 3);
    let l = c.line("ceasefire").expect("line");
    assert_eq!(
        (l.status.state.as_str(), l.status.breached),
        ("violated", false)
    );
    // Two periods later the violations have left the window; the trend falls. Nobody
    // is on record as watching, so the quiet week is not "holding".
    let c = eval(date(2020, 12, 10), 1);
    let l = c.line("ceasefire").expect("line");
    assert_eq!(l.status.state, "unknown (no coverage)");
    assert_eq!(l.details["trend"]["am"]["trend"], "falling");
}

#[test]
fn the_ceasefire_totals_since_it_took_effect_match_a_count_of_every_violation_on_any_date() {
    use std::collections::BTreeMap;
    use truce_engine::incidents::IncidentStatus as S;
    let b = nk2020();
    let ob_zones = ["nk-pre2020", "lachin-corridor"];
    let zone_pool = ["nk-pre2020", "lachin-corridor", "agdam", "kalbajar"];
    let statuses = [
        S::Confirmed,
        S::Corroborated,
        S::Disputed,
        S::Unverified,
        S::Rejected,
    ];
    // A small deterministic generator (64-bit LCG, high bits).
    let mut seed: u64 = 2020;
    let mut below = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let start = date(2020, 11, 1);
    let mut incidents = Vec::new();
    for k in 0..3_000 {
        let day = start
            .checked_add(jiff::Span::new().days(i64::try_from(below(240)).unwrap_or(0)))
            .expect("day");
        let party = [Some("az"), Some("am"), None][below(3) as usize];
        let mut i = violation(&format!("v{k}"), day, party, statuses[below(5) as usize]);
        // Some assessed and disputed all the same: counted as unattributed.
        i.attribution.disputed = party.is_none() || below(9) == 0;
        i.zones = zone_pool
            .iter()
            .filter(|_| below(3) == 0)
            .map(|z| (*z).to_owned())
            .collect();
        if below(6) == 0 {
            i.possibly_in = vec!["lachin-corridor".to_owned()];
        }
        incidents.push(i);
    }
    let ix = ViolationIndex::from_incidents(&incidents, b.agreement.tz());
    let e = Evidence::default();
    let first = date(2020, 11, 10);
    let mut cited_checked = 0;
    for _ in 0..60 {
        let on = start
            .checked_add(jiff::Span::new().days(i64::try_from(below(300)).unwrap_or(0)))
            .expect("day");
        let opts = Options {
            period_days: [1, 7, 30][below(3) as usize],
            ..Options::default()
        };
        let card = evaluate(
            Inputs {
                agreement: &b.agreement,
                evidence: &e,
                violations: &ix,
                options: &opts,
            },
            on,
        );
        let Some(l) = card.line("ceasefire") else {
            continue;
        };
        // Counted one by one: every violation from the day the ceasefire took effect to
        // the date, in its zones, by party and status; per zone, confirmed and
        // corroborated only; and the current period's.
        let slots = ["confirmed", "corroborated", "disputed", "unverified"];
        let mut since: BTreeMap<String, [u32; 4]> = BTreeMap::new();
        let mut current: BTreeMap<String, [u32; 4]> = BTreeMap::new();
        let mut per_zone: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
        let mut per_zone_day: BTreeMap<(String, Date, String), [u32; 4]> = BTreeMap::new();
        // Confirmed and corroborated in the period: (status, day, order held).
        let mut cited: Vec<(usize, Date, usize)> = Vec::new();
        let current_from = on
            .checked_sub(jiff::Span::new().days(i64::from(opts.period_days) - 1))
            .expect("day")
            .max(first);
        for (k, i) in incidents.iter().enumerate() {
            let day = b.agreement.tz().to_datetime(i.window.start).date();
            let Some(slot) = statuses[..4].iter().position(|s| *s == i.status) else {
                continue;
            };
            let inside: Vec<&String> = i
                .zones
                .iter()
                .filter(|z| ob_zones.contains(&z.as_str()))
                .collect();
            if day < first || day > on || inside.is_empty() {
                continue;
            }
            let party = match (&i.attribution.assessed, i.attribution.disputed) {
                (Some(p), false) => p.clone(),
                _ => "unattributed".to_owned(),
            };
            since.entry(party.clone()).or_default()[slot] += 1;
            if day >= current_from {
                current.entry(party.clone()).or_default()[slot] += 1;
                for z in &inside {
                    per_zone_day
                        .entry(((*z).clone(), day, party.clone()))
                        .or_default()[slot] += 1;
                }
                if slot < 2 {
                    cited.push((slot, day, k));
                }
            }
            if slot < 2 {
                for z in inside {
                    *per_zone
                        .entry(z.clone())
                        .or_default()
                        .entry(party.clone())
                        .or_default() += 1;
                }
            }
        }
        let as_json = |m: &BTreeMap<String, [u32; 4]>| -> serde_json::Value {
            m.iter()
                .map(|(p, c)| {
                    let counts: serde_json::Map<String, serde_json::Value> = slots
                        .iter()
                        .zip(c)
                        .map(|(k, n)| ((*k).to_owned(), serde_json::json!(n)))
                        .collect();
                    (p.clone(), serde_json::Value::Object(counts))
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        assert_eq!(l.details["since_effective"], as_json(&since), "on {on}");
        assert_eq!(l.details["current_period"], as_json(&current), "on {on}");
        assert_eq!(
            l.details["per_zone_since_effective"],
            serde_json::to_value(&per_zone).expect("json"),
            "on {on}"
        );
        // Per zone, day and party in the period, in that order (zones and parties as the
        // index met them, the unattributed last).
        let (zones, parties) = met(&incidents);
        let rank = |p: &str| parties.iter().position(|x| x == p);
        let zone_rank = |z: &str| zones.iter().position(|x| x == z);
        let mut want: Vec<_> = per_zone_day.iter().collect();
        want.sort_by_key(|((z, d, p), _)| (zone_rank(z), *d, rank(p)));
        let want: Vec<serde_json::Value> = want
            .into_iter()
            .map(|((z, d, p), c)| {
                let counts: serde_json::Map<String, serde_json::Value> = slots
                    .iter()
                    .zip(c)
                    .map(|(k, n)| ((*k).to_owned(), serde_json::json!(n)))
                    .collect();
                serde_json::json!({"zone": z, "date": d, "party": p, "counts": counts})
            })
            .collect();
        assert_eq!(
            l.details["per_zone_day"],
            serde_json::json!(want),
            "on {on}"
        );
        // A breached or violated period cites its confirmed violations first, then its
        // corroborated, the latest first.
        if l.status.state == "breached" || l.status.state == "violated" {
            cited.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
            let ids: Vec<String> = cited
                .iter()
                .take(opts.evidence_limit)
                .map(|c| format!("v{}", c.2))
                .collect();
            assert_eq!(l.status.evidence, ids, "on {on}");
            cited_checked += 1;
        }
    }
    assert!(
        cited_checked > 10,
        "{cited_checked} periods cited violations"
    );
}

/// The zones and the assessed parties in the order the violation index meets them (its
/// zone bits and party slots), the unattributed last.
fn met(incidents: &[truce_engine::incidents::Incident]) -> (Vec<String>, Vec<String>) {
    let (mut zones, mut parties): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for i in incidents {
        use truce_engine::incidents::IncidentStatus as S;
        if i.status == S::Rejected || i.reports.is_empty() {
            continue;
        }
        if let (Some(p), false) = (&i.attribution.assessed, i.attribution.disputed)
            && !parties.contains(p)
        {
            parties.push(p.clone());
        }
        for z in i.zones.iter().chain(&i.possibly_in) {
            if !zones.contains(z) {
                zones.push(z.clone());
            }
        }
    }
    parties.push("unattributed".to_owned());
    (zones, parties)
}
