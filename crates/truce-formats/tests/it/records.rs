//! Evidence record kinds and members, one table each: what is read (with its partial
//! date, mediators, consideration, groups, posts by name) and what is refused, with the
//! JSON pointer and the reason a transcriber reads.

use crate::nk2020;
use jiff::civil::date;
use truce_formats::records::{read_csv, read_line, write_line};
use truce_model::records::{Precision, Record, RecordKind};

fn base(kind: &str, rest: &str) -> String {
    format!(r#"{{"type":"{kind}","id":"x","source":"https://example.org/x",{rest}}}"#)
}

#[test]
fn new_kinds_and_members_read_and_round_trip() {
    let b = nk2020();
    let cases = [
        base(
            "exchange",
            r#""date":"2021-06-12","from":"az","to":"am","counts":{"detainees":15},"mediators":["ge","us"],"consideration":{"minefield_maps":{"districts":["Aghdam"],"mines":97000}}"#,
        ),
        base(
            "exchange",
            r#""date":"2020-12-09","from":"az","to":"am","counts":{"civilians":3,"bodies":1},"died_in_custody":1,"mediator":"ru-pk""#,
        ),
        base(
            "exchange",
            r#""date":"2021-02-16","from":"az","to":"nk-da","counts":{"bodies":106},"mediators":["icrc"]"#,
        ),
        base(
            "group",
            r#""name":"taken together","date":"2020-12","side":"am","holder":"az","category":"pows","count":62,"place":"Hadrut""#,
        ),
        base(
            "detention-claim",
            r#""date":"2020-12","claimant":"az","holder":"az","category":"pows","count":62,"group":"g""#,
        ),
        base(
            "tally",
            r#""date":"2021-11-12","claimant":"az","measure":"returned","category":"detainees","since":"2020-12-22","counts":{"am":105,"az":17}"#,
        ),
        base(
            "tally",
            r#""date":"2021","claimant":"icrc","measure":"missing","category":"missing","counts":{"am":300}"#,
        ),
        base(
            "recovery",
            r#""date":"2022-02-24/2022-10-04","by":"az","side":"az","remains":25,"place":"Khojavend","with":["icrc"]"#,
        ),
        base(
            "post-count",
            r#""force":"ru-pk","date":"2020-11-15","zone":"lachin-corridor","temporary":true,"count":7"#,
        ),
        base(
            "post-count",
            r#""force":"ru-pk","date":"2023-11-24","zone":"peacekeeping-aor","closed":12"#,
        ),
        base(
            "observation-post",
            r#""name":"Command centre","force":"ru-pk","place":"Stepanakert","opened":"2020-11-15""#,
        ),
        base(
            "cutoff",
            r#""utility":"electricity","from":"2023-01-09","time":"14:35","zone":"peacekeeping-aor","reported_by":"nk-da","blamed_on":["az"]"#,
        ),
        base(
            "closure",
            r#""zone":"lachin-corridor","from":"2022-12-12","scope":"full","declared_by":"nk-da","blocking_group":"people presenting themselves as environmental activists","time":"10:30","cuts_off":["Lisagor"]"#,
        ),
        base(
            "flow",
            r#""kind":"return","date":"2023-12-18","persons":1392,"families":380,"zone":"fuzuli","place":"Fuzuli","claimant":"az""#,
        ),
        base(
            "milestone",
            r#""obligation":"peacekeeping-centre","date":"2021-01","stage":"began","what":"x""#,
        ),
    ];
    for (i, line) in cases.iter().enumerate() {
        let r = read_line(i as u64 + 1, line, &b).unwrap_or_else(|p| panic!("{line}: {p:?}"));
        let again = read_line(1, &write_line(&r), &b).expect("round trip");
        assert_eq!(again, r, "{line}");
    }
    // A partial date is kept as its last day, with its span, and said in words.
    let r = read_line(1, &cases[3], &b).expect("group");
    assert_eq!(r.date(), Some(date(2020, 12, 31)));
    assert_eq!(r.first_day(), Some(date(2020, 12, 1)));
    assert_eq!(r.span().map(|s| s.precision), Some(Precision::Month));
    assert_eq!(r.when().as_deref(), Some("during December 2020"));
    let r = read_line(1, &cases[7], &b).expect("recovery");
    assert_eq!(
        r.when().as_deref(),
        Some("between 2022-02-24 and 2022-10-04")
    );
    let r = read_line(1, &cases[6], &b).expect("tally");
    assert_eq!(r.when().as_deref(), Some("during 2021"));
    // One mediator written the old way reads as a list.
    let Record::Exchange(x) = read_line(1, &cases[1], &b).expect("exchange") else {
        panic!("an exchange");
    };
    assert_eq!(x.mediators, ["ru-pk"]);
    // A post placed by a town takes the gazetteer's point.
    let Record::ObservationPost(p) = read_line(1, &cases[10], &b).expect("post") else {
        panic!("a post");
    };
    assert!(
        (p.lat - 39.8177).abs() < 1e-6 && (p.lon - 46.7528).abs() < 1e-6,
        "{p:?}"
    );
    // Third parties of the built-in register are actors of every agreement.
    for id in ["eu", "us", "icrc", "osce-mg", "hu"] {
        assert!(b.agreement.actor(id).is_some(), "{id}");
    }
}

#[test]
fn what_no_rule_could_read_or_that_contradicts_itself_is_refused_naming_the_member() {
    let b = nk2020();
    let cases: Vec<(String, &str, &str)> = vec![
        (
            base(
                "exchange",
                r#""date":"2021-01-01","from":"az","to":"am","counts":{"pows":1},"mediators":["atlantis"]"#,
            ),
            "/mediators/0",
            "unknown actor `atlantis`",
        ),
        (
            base(
                "exchange",
                r#""date":"2021-01-01","from":"az","to":"am","counts":{"pows":1},"mediators":["az"]"#,
            ),
            "/mediators/0",
            "a side of the transfer is not its mediator",
        ),
        (
            base(
                "exchange",
                r#""date":"2021-01-01","from":"tr","to":"am","counts":{"pows":1}"#,
            ),
            "/from",
            "neither bound by an exchange obligation nor counted by one",
        ),
        (
            base(
                "exchange",
                r#""date":"2021-01-01","from":"az","to":"am","counts":{"bodies":1},"died_in_custody":2"#,
            ),
            "/died_in_custody",
            "more than the 1 remains",
        ),
        (
            base(
                "exchange",
                r#""date":"2021-01-01","from":"az","to":"am","counts":{"pows":0}"#,
            ),
            "/counts",
            "counts nobody",
        ),
        (
            base(
                "exchange",
                r#""date":"2021-01-01","from":"az","to":"am","counts":{"missing":2}"#,
            ),
            "/counts/missing",
            "a missing person is not handed over",
        ),
        (
            base(
                "exchange",
                r#""date":"2021-01-01","from":"az","to":"am","counts":{"pows":1},"groups":{"g":3}"#,
            ),
            "/groups",
            "more than the 1 released",
        ),
        (
            base(
                "exchange",
                r#""date":"2021-01-01","from":"az","to":"am","counts":{"pows":1},"consideration":{"minefield_maps":{"districts":["Atlantis"]}}"#,
            ),
            "/consideration/minefield_maps/districts/0",
            "the gazetteer knows no place `Atlantis`",
        ),
        (
            base(
                "exchange",
                r#""date":"2021-01-01","from":"az","to":"am","counts":{"pows":1},"consideration":{}"#,
            ),
            "/consideration",
            "says nothing",
        ),
        (
            base(
                "exchange",
                r#""date":"early 2021","from":"az","to":"am","counts":{"pows":1}"#,
            ),
            "/date",
            "write a day (YYYY-MM-DD), a month (YYYY-MM), a year (YYYY)",
        ),
        (
            base(
                "exchange",
                r#""date":"2021-01-31","span":{"from":"2021-01-05","precision":"month"},"from":"az","to":"am","counts":{"pows":1}"#,
            ),
            "/span",
            "do not name one whole month",
        ),
        (
            base(
                "crossing",
                r#""checkpoint":"kornidzor","date":"2021-06","persons":3"#,
            ),
            "/date",
            "a crossing counts the traffic of one local day",
        ),
        (
            base(
                "detention-claim",
                r#""date":"2021-01-01","claimant":"am","holder":"az","category":"missing","count":3"#,
            ),
            "/category",
            "record a count of the missing as a `tally` with `measure: missing`",
        ),
        (
            base(
                "detention-claim",
                r#""date":"2021-01-01","claimant":"am","holder":"ru","category":"pows","count":3"#,
            ),
            "/holder",
            "neither bound by an exchange obligation nor counted by one",
        ),
        (
            base(
                "milestone",
                r#""obligation":"lachin-corridor-safe-passage","date":"2021-01-01","stage":"partial","what":"x""#,
            ),
            "/stage",
            "does not read a `partial` milestone",
        ),
        (
            base(
                "milestone",
                r#""obligation":"exchange-detainees-remains","date":"2021-01-01","stage":"began","what":"x""#,
            ),
            "/stage",
            "an exchange obligation reads `completed`",
        ),
        (
            base(
                "notice",
                r#""obligation":"ceasefire","by":"az","date":"2021-01-01","intention":"terminate""#,
            ),
            "/obligation",
            "only a term rule reads notices",
        ),
        (
            base(
                "group",
                r#""name":"n","date":"2020-12-13","side":"am","holder":"am","category":"pows","count":2"#,
            ),
            "/holder",
            "is the same side as `side`",
        ),
        (
            base(
                "group",
                r#""name":"n","date":"2020-12-13","side":"am","holder":"az","category":"bodies","count":2"#,
            ),
            "/category",
            "a group is of living persons",
        ),
        (
            base(
                "tally",
                r#""date":"2021-01-01","claimant":"am","measure":"returned","category":"pows","counts":{}"#,
            ),
            "/counts",
            "states no figure",
        ),
        (
            base(
                "tally",
                r#""date":"2021-01-01","claimant":"am","measure":"missing","category":"pows","counts":{"am":3}"#,
            ),
            "/category",
            "a total of the missing takes `category: missing`",
        ),
        (
            base(
                "tally",
                r#""date":"2021-01-01","claimant":"am","measure":"returned","category":"pows","since":"2021-02-01","counts":{"am":3}"#,
            ),
            "/since",
            "is after `date`",
        ),
        (
            base(
                "tally",
                r#""date":"2021-01-01","claimant":"am","measure":"held","category":"pows","counts":{"am":3}"#,
            ),
            "/measure",
            "unknown variant `held`",
        ),
        (
            base(
                "recovery",
                r#""date":"2021-01-01","by":"nk-da","side":"am","remains":0"#,
            ),
            "/remains",
            "must be one or more",
        ),
        (
            base(
                "post-count",
                r#""force":"ru-pk","date":"2021-01-01","zone":"lachin-corridor""#,
            ),
            "",
            "gives neither `count`",
        ),
        (
            base(
                "post-count",
                r#""force":"az","date":"2021-01-01","count":3"#,
            ),
            "/force",
            "no peacekeeping force",
        ),
        (
            base(
                "observation-post",
                r#""name":"p","force":"ru-pk","place":"Atlantis","opened":"2021-01-01""#,
            ),
            "/place",
            "the gazetteer knows no place `Atlantis`",
        ),
        (
            base(
                "cutoff",
                r#""utility":"gas","from":"2022-03-08","to":"2022-03-01","zone":"peacekeeping-aor","reported_by":"nk-da""#,
            ),
            "/to",
            "is before `from`",
        ),
        (
            base(
                "cutoff",
                r#""utility":"gas","from":"2022-03-08","time":"2pm","zone":"peacekeeping-aor","reported_by":"nk-da""#,
            ),
            "/time",
            "HH:MM",
        ),
        (
            base(
                "closure",
                r#""zone":"lachin-corridor","from":"2022-12-12","scope":"full","declared_by":"nk-da","cuts_off":["Atlantis"]"#,
            ),
            "/cuts_off/0",
            "the gazetteer knows no place `Atlantis`",
        ),
        (
            base(
                "flow",
                r#""kind":"return","date":"2023-12-18","zone":"fuzuli","claimant":"az""#,
            ),
            "",
            "counts nobody",
        ),
    ];
    // A record stored before this build refused what no rule reads still reads back
    // (and no rule reads it, as before); a malformed one does not.
    let unread = serde_json::from_str(&cases[14].0).expect("json");
    assert!(truce_formats::records::read_stored(unread, &b).is_ok());
    let malformed = serde_json::from_str(&cases[0].0).expect("json");
    assert!(truce_formats::records::read_stored(malformed, &b).is_err());
    for (line, pointer, reason) in &cases {
        let problems = read_line(9, line, &b).expect_err(line);
        assert!(
            problems
                .iter()
                .any(|p| p.line == 9 && p.pointer == *pointer && p.reason.contains(reason)),
            "{line}\nwanted {pointer}: {reason}\ngot {problems:?}"
        );
    }
}

#[test]
fn csv_rows_take_lists_of_mediators_and_numbers_of_the_new_members() {
    let b = nk2020();
    let text = "id,date,from,to,counts.pows,mediators,source\n\
                a,2021-05-04,az,am,3,ru;fr;us,https://example.org/a\n";
    let (good, bad) = read_csv(text, Some(RecordKind::Exchange), &b).expect("CSV");
    assert!(bad.is_empty(), "{bad:?}");
    let Record::Exchange(x) = &good[0].1 else {
        panic!("an exchange");
    };
    assert_eq!(x.mediators, ["ru", "fr", "us"]);
    let text = "id,force,date,zone,closed,source\n\
                c,ru-pk,2023-11-24,peacekeeping-aor,12,https://example.org/c\n";
    let (good, bad) = read_csv(text, Some(RecordKind::PostCount), &b).expect("CSV");
    assert!(bad.is_empty(), "{bad:?}");
    assert!(matches!(&good[0].1, Record::PostCount(p) if p.closed == Some(12)));
    // `closed` of a post is still a date.
    let text = "id,name,force,lon,lat,opened,closed,source\n\
                p,post,ru-pk,46.75,39.81,2020-11-15,2024-05-15,https://example.org/p\n";
    let (good, bad) = read_csv(text, Some(RecordKind::ObservationPost), &b).expect("CSV");
    assert!(bad.is_empty(), "{bad:?}");
    assert!(
        matches!(&good[0].1, Record::ObservationPost(p) if p.closed == Some(date(2024, 5, 15)))
    );
}

#[test]
fn every_example_line_of_the_evidence_documentation_reads() {
    let b = nk2020();
    let doc = std::fs::read_to_string(crate::root().join("docs/evidence.md")).expect("docs");
    let mut lines = 0;
    let mut in_json = false;
    for (i, line) in doc.lines().enumerate() {
        match line.trim() {
            "```json" => in_json = true,
            "```" => in_json = false,
            l if in_json && l.starts_with('{') => {
                read_line(i as u64 + 1, l, &b)
                    .unwrap_or_else(|p| panic!("docs/evidence.md:{}: {p:?}", i + 1));
                lines += 1;
            }
            _ => {}
        }
    }
    // Every kind has an example.
    assert!(lines >= RecordKind::ALL.len(), "{lines} examples");
    for kind in RecordKind::ALL {
        assert!(
            doc.contains(&format!("{{\"type\":\"{kind}\"")),
            "no example of `{kind}` in docs/evidence.md"
        );
    }
}
