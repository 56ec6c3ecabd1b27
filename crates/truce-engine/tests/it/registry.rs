//! The registry's reading rules, its aggregates and claims reconciliation, and the audit
//! chain's checks.

use crate::nk2020;
use jiff::civil::{Date, date};
use std::collections::BTreeMap;
use truce_engine::audit::{self, Entry, GENESIS, Head};
use truce_model::records::{DetentionClaim, Exchange, PersonCategory};
use truce_model::registry::{self, Facts, PersonStatus};

fn facts(
    id: &str,
    side: &str,
    category: PersonCategory,
    held_by: Option<&str>,
    history: &[(Date, PersonStatus)],
) -> Facts {
    Facts {
        id: id.into(),
        side: side.into(),
        category,
        held_by: held_by.map(Into::into),
        history: history.iter().map(|(d, s)| (*d, *s, None)).collect(),
    }
}

fn claim(
    id: &str,
    date: Date,
    claimant: &str,
    holder: &str,
    count: u32,
    at_least: bool,
) -> DetentionClaim {
    DetentionClaim {
        id: id.into(),
        date,
        claimant: claimant.into(),
        holder: holder.into(),
        category: PersonCategory::Pows,
        count,
        at_least,
        group: None,
        span: None,
        source: "test".into(),
        note: None,
    }
}

fn exchange(id: &str, date: Date, from: &str, to: &str, n: u32) -> Exchange {
    Exchange {
        id: id.into(),
        date,
        span: None,
        mediators: Vec::new(),
        from: from.into(),
        to: to.into(),
        counts: BTreeMap::from([(PersonCategory::Pows, n)]),
        persons: Vec::new(),
        died_in_custody: 0,
        groups: BTreeMap::new(),
        consideration: None,
        source: "test".into(),
        note: None,
    }
}

#[test]
fn claims_reconcile_against_registered_and_returned_persons_date_by_date() {
    use PersonStatus::{Acknowledged, Held, Repatriated};
    let persons = [
        facts(
            "A1",
            "am",
            PersonCategory::Pows,
            Some("az"),
            &[
                (date(2020, 10, 20), Held),
                (date(2020, 11, 15), Acknowledged),
                (date(2020, 12, 14), Repatriated),
            ],
        ),
        facts(
            "A2",
            "am",
            PersonCategory::Pows,
            Some("az"),
            &[
                (date(2020, 11, 2), Held),
                (date(2020, 11, 20), Acknowledged),
            ],
        ),
        // Captured after the ceasefire: held, never acknowledged.
        facts(
            "A3",
            "am",
            PersonCategory::Civilians,
            Some("az"),
            &[(date(2020, 12, 13), Held)],
        ),
        facts(
            "Z1",
            "az",
            PersonCategory::Pows,
            Some("am"),
            &[
                (date(2020, 10, 25), Held),
                (date(2020, 12, 14), Repatriated),
            ],
        ),
    ];
    let claims = [
        claim("am-1", date(2020, 11, 20), "am", "az", 5, false),
        claim("az-1", date(2020, 11, 20), "az", "az", 2, false),
        claim("am-2", date(2021, 1, 10), "am", "az", 60, true),
        claim("az-2", date(2020, 11, 20), "az", "am", 1, false),
    ];
    let exchanges = [
        exchange("x1", date(2020, 12, 14), "az", "am", 44),
        exchange("x2", date(2020, 12, 14), "am", "az", 12),
    ];
    let dates = [
        date(2020, 11, 1),
        date(2020, 11, 20),
        date(2020, 12, 20),
        date(2021, 1, 10),
    ];
    let rows = truce_engine::registry::reconcile(
        &persons,
        &truce_model::records::Evidence {
            claims: claims.to_vec(),
            exchanges: exchanges.to_vec(),
            ..Default::default()
        },
        &dates,
    );
    // (date, holder, claims, held, acknowledged, returned, in exchanges, unaccounted)
    type Row<'a> = (Date, &'a str, String, u32, u32, u32, u32, Option<i64>);
    let table: Vec<Row> = rows
        .iter()
        .map(|r| {
            (
                r.date,
                r.holder.as_str(),
                r.claimed
                    .iter()
                    .map(|c| {
                        format!(
                            "{}:{}{}",
                            c.claimant,
                            if c.at_least { ">=" } else { "" },
                            c.count
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                r.registered_held,
                r.acknowledged,
                r.returned,
                r.returned_in_exchanges,
                r.unaccounted,
            )
        })
        .collect();
    assert_eq!(
        table,
        [
            (date(2020, 11, 1), "am", String::new(), 1, 0, 0, 0, None),
            (date(2020, 11, 1), "az", String::new(), 1, 0, 0, 0, None),
            (date(2020, 11, 20), "am", "az:1".into(), 1, 0, 0, 0, Some(0)),
            (
                date(2020, 11, 20),
                "az",
                "am:5,az:2".into(),
                2,
                2,
                0,
                0,
                Some(3)
            ),
            (
                date(2020, 12, 20),
                "am",
                "az:1".into(),
                0,
                0,
                1,
                12,
                Some(1)
            ),
            (
                date(2020, 12, 20),
                "az",
                "am:5,az:2".into(),
                2,
                1,
                1,
                44,
                Some(3)
            ),
            (date(2021, 1, 10), "am", "az:1".into(), 0, 0, 1, 12, Some(1)),
            (
                date(2021, 1, 10),
                "az",
                "am:>=60,az:2".into(),
                2,
                1,
                1,
                44,
                Some(58)
            ),
        ]
    );
    // Aggregates: by side, category and status; A2 and A3, first reported later, are not
    // yet counted.
    let counts = truce_engine::registry::counts(&persons, date(2020, 11, 1));
    let seen: Vec<(String, &str, Option<&str>, u32)> = counts
        .iter()
        .map(|c| {
            (
                c.side.clone(),
                c.category.as_str(),
                c.status.map(PersonStatus::as_str),
                c.count,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("am".into(), "pows", Some("held"), 1),
            ("az".into(), "pows", Some("held"), 1),
        ]
    );
}

#[test]
fn registry_lines_are_refused_with_their_pointer_and_never_echo_a_personal_value() {
    let b = nk2020();
    let text = concat!(
        r#"{"type":"person","id":"R-1","side":"am","category":"pows","names":{"latin":{"surname":"Hiddenname"}},"source":"s"}"#,
        "\n",
        r#"{"type":"person","id":"R-2","side":"am","category":"pows","held_by":"am","source":"s"}"#,
        "\n",
        r#"{"type":"persn","id":"R-3"}"#,
        "\n",
        r#"{"type":"status","person":"R-1","date":"2020-13-01","status":"held","source":"s"}"#,
        "\n",
        r#"{"type":"status","person":"R-1","date":"2020-12-01","status":"freed","source":"s"}"#,
        "\n",
        r#"{"type":"person","id":"R-4","side":"az","category":"missing","names":{"Latn":{"surname":"Okname"}},"birth_date":"1990-02","source":"s"}"#,
        "\n",
    );
    let (good, bad) = truce_formats::registry::read_jsonl(text, &b);
    assert_eq!(good.len(), 1);
    let at: Vec<(u64, &str)> = bad.iter().map(|p| (p.line, p.pointer.as_str())).collect();
    assert_eq!(
        at,
        [
            (1, "/names/latin"),
            (2, "/held_by"),
            (3, "/type"),
            (4, "/date"),
            (5, "/status")
        ]
    );
    assert!(bad[2].reason.contains("person"), "{:?}", bad[2]);
    assert!(bad.iter().all(|p| !p.reason.contains("Hiddenname")));
    // CSV: names by script in dotted columns; problems name the column.
    let csv = "type,id,side,category,names.Latn.surname,names.Armn.surname,source\n\
               person,R-5,am,pows,Csvname,Չեքնեյմ,s\n\
               person,R-6,mars,pows,Other,,s\n";
    let (good, bad) = truce_formats::registry::read_csv(csv, None, &b).expect("csv");
    assert_eq!(good.len(), 1);
    let registry::Entry::Person(p) = &good[0].1 else {
        panic!("a person")
    };
    assert_eq!(p.personal.names.len(), 2);
    assert_eq!((bad[0].line, bad[0].pointer.as_str()), (3, "side"));
}

fn chain(n: i64) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for seq in 1..=n {
        let mut e = Entry {
            seq,
            at: format!("2026-01-01T00:00:{seq:02}Z"),
            actor: "alice".into(),
            action: "user.add".into(),
            target: format!("user:u{seq}"),
            before: String::new(),
            after: audit::state_digest(&[&seq.to_string()]),
            detail: "{}".into(),
            prev: out
                .last()
                .map_or(GENESIS.to_owned(), |p: &Entry| p.hash.clone()),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        out.push(e);
    }
    out
}

#[test]
fn the_chain_check_finds_changes_gaps_cut_tails_and_rewrites() {
    let good = chain(6);
    let head = Head {
        seq: 6,
        hash: good[5].hash.clone(),
    };
    assert!(
        audit::check_chain(&good, Some(&head), Some(&head))
            .findings
            .is_empty()
    );
    // A changed field breaks that entry.
    let mut changed = good.clone();
    changed[2].actor = "mallory".into();
    assert_eq!(
        audit::check_chain(&changed, Some(&head), None).first_broken,
        Some(3)
    );
    // A deleted entry leaves a gap and a broken link.
    let mut gap = good.clone();
    gap.remove(3);
    let c = audit::check_chain(&gap, Some(&head), None);
    assert_eq!(c.first_broken, Some(5));
    assert!(c.findings.iter().any(|f| f.what.contains("missing")));
    // A cut tail disagrees with the stored head.
    let cut = &good[..4];
    assert!(
        !audit::check_chain(cut, Some(&head), None)
            .findings
            .is_empty()
    );
    // A consistent rewrite of everything passes the link checks, and only a head
    // published before gives it away.
    let mut rewritten = chain(6);
    for e in &mut rewritten {
        e.at = e.at.replace("00:00", "00:01");
    }
    let mut prev = GENESIS.to_owned();
    for e in &mut rewritten {
        e.prev = prev.clone();
        e.hash = e.compute_hash();
        prev = e.hash.clone();
    }
    let new_head = Head { seq: 6, hash: prev };
    assert!(
        audit::check_chain(&rewritten, Some(&new_head), None)
            .findings
            .is_empty()
    );
    let c = audit::check_chain(&rewritten, Some(&new_head), Some(&head));
    assert_eq!(c.first_broken, Some(6));
    assert!(Head::parse(&head.to_string()) == Some(head.clone()));
    assert!(Head::parse("6:abc").is_none());
}
