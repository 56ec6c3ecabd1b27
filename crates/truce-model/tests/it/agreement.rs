use crate::nk2020;
use jiff::civil::date;
use truce_model::agreement::Deadline;
use truce_model::words::{DeadlineRule, DocumentKind, Limit, ObligationKind, Role};

#[test]
fn nk2020_loads_with_no_problems() {
    let b = nk2020();
    let a = &b.agreement;
    assert_eq!(a.id, "nk-2020");
    assert_eq!(a.time_zone, "Europe/Moscow");
    assert_eq!(a.documents.len(), 4);
    // The statement's instant is Moscow time; the reporting day is the region's (UTC+4):
    // an event at 23:30 Moscow time on 10 November is counted on 11 November.
    assert_eq!(a.reporting_time_zone, "Asia/Baku");
    assert_eq!(a.effective.to_string(), "2020-11-09T21:00:00Z");
    let late: jiff::Timestamp = "2020-11-10T20:30:00Z".parse().expect("instant");
    assert_eq!(
        truce_model::period::local_date(late, a.tz()).to_string(),
        "2020-11-11"
    );
    assert_eq!(
        a.provisions
            .iter()
            .filter(|p| p.document == "statement-2020-11-10")
            .count(),
        9
    );
    assert!(a.statements.len() >= 13, "reactions register loaded");
    assert_eq!(
        (a.matching.distance_m, a.matching.slack_s),
        (10_000.0, 21_600)
    );
    let kinds: Vec<DocumentKind> = a.documents.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            DocumentKind::Statement,
            DocumentKind::Amendment,
            DocumentKind::FollowUp,
            DocumentKind::FollowUp
        ]
    );
}

#[test]
fn the_ceasefire_takes_effect_at_midnight_moscow_time() {
    let a = nk2020().agreement;
    assert_eq!(a.effective.to_string(), "2020-11-09T21:00:00Z");
    assert_eq!(a.effective_date(), date(2020, 11, 10));
    let signed = a
        .document("statement-2020-11-10")
        .expect("statement")
        .signed;
    assert_eq!(signed, date(2020, 11, 9));
}

#[test]
fn every_point_of_the_2020_statement_has_both_translations_where_they_exist() {
    let a = nk2020().agreement;
    for n in 1..=5 {
        let p = a.provision(&format!("s2020-p{n}")).expect("provision");
        let translations: Vec<&str> = p.texts.iter().map(|t| t.translation.as_str()).collect();
        assert!(
            translations.contains(&"Government of Armenia"),
            "point {n}: {translations:?}"
        );
        assert!(
            translations.contains(&"Azerbaijani MFA"),
            "point {n}: {translations:?}"
        );
        assert!(p.texts.iter().all(|t| t.source.starts_with("http")));
    }
    for n in 6..=9 {
        assert!(
            !a.provision(&format!("s2020-p{n}"))
                .expect("provision")
                .texts
                .is_empty(),
            "point {n}"
        );
    }
}

#[test]
fn kalbajar_is_due_on_15_november_until_the_extension_then_on_25_november() {
    let a = nk2020().agreement;
    let before = a.as_of(date(2020, 11, 14));
    let k = before.obligation("handover-kalbajar").expect("kalbajar");
    assert_eq!(
        k.obligation
            .deadline
            .as_ref()
            .and_then(|d| d.last_day(a.tz())),
        Some(date(2020, 11, 15))
    );
    assert!(k.applied.is_empty());
    assert!(
        !before
            .documents
            .contains(&"kalbajar-extension-2020-11-15".to_owned())
    );

    let after = a.as_of(date(2020, 11, 16));
    let k = after.obligation("handover-kalbajar").expect("kalbajar");
    assert_eq!(
        k.obligation
            .deadline
            .as_ref()
            .and_then(|d| d.last_day(a.tz())),
        Some(date(2020, 11, 25))
    );
    assert_eq!(k.applied.len(), 1);
    assert_eq!(k.applied[0].document, "kalbajar-extension-2020-11-15");
    assert_eq!(
        k.original_deadline
            .as_ref()
            .and_then(|d| d.last_day(a.tz())),
        Some(date(2020, 11, 15))
    );
    // The due instant is the end of 25 November in the reporting day's zone (UTC+4),
    // not in Moscow, where the statement's own instant was stated.
    assert_eq!(
        k.obligation
            .deadline
            .as_ref()
            .and_then(Deadline::due)
            .map(|t| t.to_string()),
        Some("2020-11-25T20:00:00Z".to_owned())
    );
    // The other handovers are untouched.
    let agdam = after.obligation("handover-agdam").expect("agdam");
    assert!(matches!(
        agdam.obligation.deadline,
        Some(Deadline::Date {
            rule: DeadlineRule::By,
            ..
        })
    ));
    assert_eq!(
        agdam
            .obligation
            .deadline
            .as_ref()
            .and_then(|d| d.last_day(a.tz())),
        Some(date(2020, 11, 20))
    );
}

#[test]
fn follow_up_statements_appear_only_once_signed() {
    let a = nk2020().agreement;
    let late_2020 = a.as_of(date(2020, 12, 31));
    assert!(late_2020.obligation("transport-working-group").is_none());
    let feb_2021 = a.as_of(date(2021, 2, 1));
    let wg = feb_2021
        .obligation("working-group-first-meeting")
        .expect("working group");
    assert_eq!(
        wg.obligation
            .deadline
            .as_ref()
            .and_then(|d| d.last_day(a.tz())),
        Some(date(2021, 1, 30))
    );
    assert!(feb_2021.obligation("border-commission").is_none());
    assert!(
        a.as_of(date(2021, 11, 26))
            .obligation("border-commission")
            .is_some()
    );
    // Nothing at all is in force before the signing.
    assert!(a.as_of(date(2020, 11, 8)).obligations.is_empty());
    // On the signing day the statement exists but binds from midnight of the 10th.
    let signing_day = a.as_of(date(2020, 11, 9));
    assert!(
        signing_day
            .obligation("ceasefire")
            .is_some_and(|o| !o.binding)
    );
    assert!(
        a.as_of(date(2020, 11, 10))
            .obligation("ceasefire")
            .is_some_and(|o| o.binding)
    );
}

#[test]
fn peacekeeping_caps_and_corridor_width_come_from_the_data() {
    let a = nk2020().agreement;
    let d = a
        .obligations
        .iter()
        .find(|o| o.id == "peacekeeping-deployment")
        .expect("deployment");
    let caps: Vec<(&str, Limit, f64)> = d
        .quantities
        .iter()
        .map(|q| (q.name.as_str(), q.limit, q.value))
        .collect();
    assert_eq!(
        caps,
        [
            ("personnel", Limit::Max, 1960.0),
            ("armoured-personnel-carriers", Limit::Max, 90.0),
            ("vehicles", Limit::Max, 380.0)
        ]
    );
    let c = a
        .obligations
        .iter()
        .find(|o| o.id == "lachin-corridor-control")
        .expect("corridor");
    assert_eq!(c.quantities[0].value, 5.0);
    assert_eq!(c.quantities[0].unit, "km");
    assert_eq!(c.kind, ObligationKind::Corridor);
}

#[test]
fn the_peacekeeping_term_expires_10_november_2025_with_notice_by_10_may_2025() {
    let a = nk2020().agreement;
    let t = a
        .obligations
        .iter()
        .find(|o| o.id == "peacekeeping-term")
        .and_then(|o| o.term.clone())
        .expect("term");
    let first = t.first_period();
    assert_eq!(first.starts, date(2020, 11, 10));
    assert_eq!(first.expires, date(2025, 11, 10));
    assert_eq!(first.last_notice_day, date(2025, 5, 10));
    assert_eq!(t.notice_by, ["az", "am"]);
    // Without notice it renews by five years: the second period and its notice day.
    let periods = t.periods_through(date(2026, 1, 1));
    assert_eq!(periods.len(), 2);
    assert_eq!(periods[1].starts, date(2025, 11, 10));
    assert_eq!(periods[1].expires, date(2030, 11, 10));
    assert_eq!(periods[1].last_notice_day, date(2030, 5, 10));
}

#[test]
fn relative_deadlines_are_counted_from_the_data() {
    let a = nk2020().agreement;
    let plan = a
        .obligations
        .iter()
        .find(|o| o.id == "lachin-new-route-plan")
        .expect("plan");
    assert_eq!(
        plan.deadline.as_ref().and_then(|d| d.last_day(a.tz())),
        Some(date(2023, 11, 9))
    );
    let sub = a
        .obligations
        .iter()
        .find(|o| o.id == "expert-subgroups-projects")
        .expect("subgroups");
    assert!(
        matches!(&sub.deadline, Some(Deadline::After { obligation, .. }) if obligation == "working-group-first-meeting")
    );
}

#[test]
fn actors_carry_their_roles() {
    let a = nk2020().agreement;
    assert_eq!(
        a.actor("ru-pk").map(|x| x.roles.clone()),
        Some(vec![Role::PeacekeepingForce])
    );
    assert_eq!(
        a.actor("nk-da").map(|x| x.roles.clone()),
        Some(vec![Role::DeFactoAuthority])
    );
    assert!(
        a.actor("ru")
            .is_some_and(|x| x.roles.contains(&Role::Mediator))
    );
    let signers: Vec<&str> = a.documents[0]
        .signatories
        .iter()
        .map(|s| s.person.as_str())
        .collect();
    assert_eq!(
        signers,
        ["Ilham Aliyev", "Nikol Pashinyan", "Vladimir Putin"]
    );
}
