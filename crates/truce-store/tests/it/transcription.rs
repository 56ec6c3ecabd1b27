//! The transcription corpus (`agreements/nk-2020/transcription/`): a year of public
//! reporting written down as evidence records. It imports over the demo evidence without
//! a refusal or a warning, and the exchange, deployment, corridor and return lines give
//! the figures the file implies by hand. A demo fact transcribed again under a new id is
//! stored with a warning naming the record it repeats.

use crate::{fresh_all, nk2020, root};
use jiff::civil::{Date, date};
use serde_json::Value;
use truce_engine::compliance::{Inputs, Options, Scorecard, ViolationIndex, evaluate};
use truce_model::AgreementBundle;
use truce_model::records::RecordKind;
use truce_store::Store;

const CORPUS: &str = "agreements/nk-2020/transcription/public-sources-2020-2024.jsonl";

async fn demo(store: &Store, b: &AgreementBundle, now: jiff::Timestamp) {
    for path in truce_testkit::demo_evidence_files() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let name = path.display().to_string();
        let r = store
            .import_records(b, &name, &text, None, now)
            .await
            .expect("import");
        assert!(r.rejects.is_empty(), "{name}: {:?}", r.rejects);
        assert!(r.warnings.is_empty(), "{name}: {:?}", r.warnings);
    }
}

async fn card(store: &Store, b: &AgreementBundle, on: Date) -> Scorecard {
    let (_, e) = store.evidence(b).await.expect("evidence");
    evaluate(
        Inputs {
            agreement: &b.agreement,
            evidence: &e,
            violations: &ViolationIndex::default(),
            options: &Options::default(),
        },
        on,
    )
}

fn details<'a>(c: &'a Scorecard, obligation: &str) -> &'a Value {
    &c.line(obligation)
        .unwrap_or_else(|| panic!("no line {obligation}"))
        .details
}

/// A stated total as (tally, side, stated, own, difference).
type StatedLine = (String, String, u64, Option<u64>, Option<i64>);

/// The stated totals of a line.
fn stated(d: &Value) -> Vec<StatedLine> {
    d["stated_totals"]
        .as_array()
        .expect("stated totals")
        .iter()
        .map(|t| {
            (
                t["evidence"].as_str().unwrap_or_default().to_owned(),
                t["side"].as_str().unwrap_or_default().to_owned(),
                t["stated"].as_u64().unwrap_or_default(),
                t["own"].as_u64(),
                t["difference"].as_i64(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_transcription_corpus_imports_whole_and_its_figures_are_what_the_file_implies() {
    let text = std::fs::read_to_string(root().join(CORPUS)).expect("corpus");
    assert!(text.lines().count() >= 40, "at least 40 records");
    for (guard, store) in fresh_all().await {
        let b = nk2020();
        store.load_agreement(&b).await.expect("load");
        let now: jiff::Timestamp = "2024-12-31T12:00:00Z".parse().expect("instant");
        demo(&store, &b, now).await;
        let r = store
            .import_records(&b, CORPUS, &text, None, now)
            .await
            .expect("import");
        assert!(r.rejects.is_empty(), "{:?}", r.rejects);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(r.counts.added as usize, text.lines().count());

        // Late 2021: the Azerbaijani prime minister's count of returns since 22 December
        // 2020 against the records of the same days. To Armenia: the corpus's 4 (28 Dec),
        // 5 (28 Jan), 3 (4 May), 1 (8 Jun) and 2 (8 Sep) and the demo's 5 (9 Feb), 15
        // (12 Jun) and 15 (3 Jul) make 50 against 105; to Azerbaijan 2 (28 Dec), 1 (28
        // Jan), 1 (9 Feb) and 1 (8 Sep) make 5 against 17. Armenia's count of 5 May 2021
        // runs from the end of the war: to Armenia 3 (9 Dec) + 44 (14 Dec) + 4 + 5 + 5
        // + 3 = 64 against 66, to Azerbaijan 12 + 2 + 1 + 1 = 16 against 15.
        let c = card(&store, &b, date(2021, 11, 30)).await;
        let d = details(&c, "exchange-detainees-remains");
        let lines = stated(d);
        let line = |id: &str, side: &str| {
            lines
                .iter()
                .find(|l| l.0 == format!("tally:{id}") && l.1 == side)
                .map(|l| (l.2, l.3, l.4))
                .unwrap_or_else(|| panic!("no stated total {id} for {side}: {lines:?}"))
        };
        assert_eq!(
            line("t-tally-az-2021-11-12", "am"),
            (105, Some(50), Some(55))
        );
        assert_eq!(line("t-tally-az-2021-11-12", "az"), (17, Some(5), Some(12)));
        assert_eq!(line("t-tally-am-2021-05-05", "am"), (66, Some(64), Some(2)));
        assert_eq!(
            line("t-tally-am-2021-05-05", "az"),
            (15, Some(16), Some(-1))
        );
        // The missing are shown as stated, beside nothing: Truce keeps no count of its
        // own, so there is no difference to give, and they are in no sum.
        let missing: Vec<_> = lines.iter().filter(|l| l.0.contains("missing")).collect();
        assert_eq!(missing.len(), 2, "the latest of each side: {lines:?}");
        assert!(
            missing.iter().all(|l| l.3.is_none() && l.4.is_none()),
            "{missing:?}"
        );
        let reason = &c
            .line("exchange-detainees-remains")
            .expect("line")
            .status
            .reason;
        assert!(
            reason.contains("stated totals on record differ from the sum of the records"),
            "{reason}"
        );
        // Remains found in searches are counted apart from exchanges: 20 + 14 + 9 + 5 +
        // 7 + 3 of Armenia's dead.
        assert_eq!(d["remains_recovered_in_searches"]["am"], 58);
        assert!(
            reason.contains("the remains of 58 more found in search operations"),
            "{reason}"
        );
        // Remains Azerbaijan handed over: 1 (9 Dec 2020, died in custody), 31, 106 (to
        // the de facto authorities) and 11.
        assert_eq!(
            d["returned_by_releasing_side"]["az"]["bodies"],
            1 + 31 + 106 + 11
        );
        assert_eq!(d["died_in_custody_by_holder"]["az"], 1);
        // Mediators, and what was given for releases: 97,000 + 92,000 mines mapped.
        assert_eq!(d["mines_mapped"], 189_000);
        let mediated: Vec<&Value> = d["exchanges"]
            .as_array()
            .expect("exchanges")
            .iter()
            .filter(|x| x["mediators"] == serde_json::json!(["ge", "us"]))
            .collect();
        assert_eq!(
            mediated.len(),
            1,
            "Georgia and the United States on 12 June 2021"
        );
        // The December 2020 group: 62 taken, 5 released on 28 January 2021 by the
        // releases that name it, 57 left; Baku's own figure of 33 beside it.
        let groups = d["groups"].as_array().expect("groups");
        let hadrut = groups
            .iter()
            .find(|g| g["evidence"] == "group:hadrut-2020-12")
            .expect("the Hadrut group");
        assert_eq!(
            (&hadrut["count"], &hadrut["released"], &hadrut["still_held"]),
            (&Value::from(62), &Value::from(5), &Value::from(57))
        );
        assert_eq!(hadrut["taken"], "during December 2020");
        assert_eq!(hadrut["latest_claim"][1], 33);
        let border = groups
            .iter()
            .find(|g| g["evidence"] == "group:border-2021-11-16")
            .expect("the November 2021 group");
        assert_eq!(
            border["still_held"], 32,
            "no release names it by 30 November"
        );

        // Late 2022: four more of the Hadrut group (8 September 2022); the remains
        // stated by both sides beside the records.
        let c = card(&store, &b, date(2022, 12, 31)).await;
        let d = details(&c, "exchange-detainees-remains");
        let hadrut = d["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .find(|g| g["evidence"] == "group:hadrut-2020-12")
            .cloned()
            .expect("group");
        assert_eq!(hadrut["still_held"], 62 - 5 - 4);
        let lines = stated(d);
        // Remains returned to Azerbaijan: the demo's 6 (14 Nov 2020) and the corpus's 7
        // (12 Feb 2021) make 13, against Armenia's 140 and Azerbaijan's 147.
        let own_az: Vec<(u64, Option<u64>)> = lines
            .iter()
            .filter(|l| l.1 == "az" && l.0.contains("remains"))
            .map(|l| (l.2, l.3))
            .collect();
        assert_eq!(own_az, [(140, Some(13)), (147, Some(13))]);
        // Remains returned to Armenia by August 2022 (Azerbaijan's latest statement):
        // 1 + 31 + 11 = 43 against 1,713.
        // The 106 the de facto authorities received are theirs, not Armenia's, and the
        // dead found in searches are not returns.
        let to_am = lines
            .iter()
            .find(|l| l.0 == "tally:t-tally-az-2022-08-30-remains")
            .map(|l| (l.2, l.3));
        assert_eq!(to_am, Some((1713, Some(43))));

        // Posts by count, the command post placed by its town, cut-offs and flows.
        let c = card(&store, &b, date(2020, 11, 16)).await;
        let dep = details(&c, "peacekeeping-deployment");
        let areas: Vec<(String, u64)> = dep["posts_by_area"]
            .as_array()
            .expect("posts by area")
            .iter()
            .map(|p| {
                (
                    format!(
                        "{} {}",
                        p["zone"].as_str().unwrap_or_default(),
                        p["area"].as_str().unwrap_or("")
                    ),
                    p["count"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            areas,
            [
                ("lachin-corridor ".to_owned(), 7),
                ("peacekeeping-aor northern zone".to_owned(), 9),
                ("peacekeeping-aor southern zone".to_owned(), 9),
            ]
        );
        assert_eq!(dep["open_observation_posts"], 1, "the command centre");
        let c = card(&store, &b, date(2023, 1, 10)).await;
        let cut = &details(&c, "lachin-corridor-safe-passage")["utility_cutoffs"];
        let in_force: Vec<&str> = cut["in_force"]
            .as_array()
            .expect("in force")
            .iter()
            .filter_map(|x| x["utility"].as_str())
            .collect();
        assert_eq!(in_force, ["electricity"]);
        assert_eq!(cut["on_record"].as_array().map(Vec::len), Some(3));
        let c = card(&store, &b, date(2024, 3, 1)).await;
        let ret = c.line("return-of-displaced").expect("line");
        assert_eq!(ret.status.state, "returns and displacement reported");
        for figure in [
            "50658 persons returned to nk-pre2020",
            "115183 persons displaced from nk-pre2020",
            "2000 persons (527 families) returned to Fuzuli",
        ] {
            assert!(
                ret.status.reason.contains(figure),
                "{figure}: {}",
                ret.status.reason
            );
        }
        guard.done(store).await;
    }
}

#[tokio::test]
async fn a_demo_fact_transcribed_again_under_a_new_id_is_stored_with_a_warning_naming_it() {
    for (guard, store) in fresh_all().await {
        let b = nk2020();
        store.load_agreement(&b).await.expect("load");
        let now: jiff::Timestamp = "2024-12-31T12:00:00Z".parse().expect("instant");
        demo(&store, &b, now).await;
        let text = concat!(
            // The 14 December 2020 exchange again, dated a day later by another source.
            r#"{"type":"exchange","id":"swap-44","date":"2020-12-15","from":"az","to":"am","counts":{"detainees":44},"source":"https://example.org/a"}"#,
            "\n",
            // The same page and sides as the demo's 19 December 2021 release, another count.
            r#"{"type":"exchange","id":"eu-release","date":"2021-12-19","from":"az","to":"am","counts":{"pows":11},"source":"https://www.politico.eu/article/azerbaijan-releases-armenian-prisoners-of-war-after-eu-talks/"}"#,
            "\n",
            // Two lines of one file repeating each other.
            r#"{"type":"recovery","id":"a","date":"2021-05-05","by":"nk-da","side":"am","remains":4,"source":"s1"}"#,
            "\n",
            r#"{"type":"recovery","id":"b","date":"2021-05-06","by":"nk-da","side":"am","remains":4,"source":"s2"}"#,
            "\n",
            // A stated total unchanged the next day, from another page: a state, no repeat.
            r#"{"type":"tally","id":"t1","date":"2021-05-05","claimant":"am","measure":"returned","category":"detainees","counts":{"am":66},"source":"s3"}"#,
            "\n",
            r#"{"type":"tally","id":"t2","date":"2021-05-06","claimant":"am","measure":"returned","category":"detainees","counts":{"am":66},"source":"s4"}"#,
            "\n",
            // A different release on another day: no warning.
            r#"{"type":"exchange","id":"other","date":"2021-03-01","from":"az","to":"am","counts":{"pows":2},"source":"https://example.org/b"}"#,
        );
        let r = store
            .import_records(&b, "again.jsonl", text, None, now)
            .await
            .expect("import");
        assert!(r.rejects.is_empty(), "{:?}", r.rejects);
        assert_eq!(r.counts.added, 7, "warned lines are stored");
        let warned: Vec<(u64, String)> = r
            .warnings
            .iter()
            .map(|w| (w.line, w.reason.clone()))
            .collect();
        assert_eq!(warned.len(), 3, "{warned:?}");
        assert!(
            warned[0].1.contains("`exchange:2020-12-14-to-am`"),
            "{warned:?}"
        );
        assert!(
            warned[0].1.contains("dated at most a day apart"),
            "{warned:?}"
        );
        assert!(
            warned[1].1.contains("`exchange:2021-12-19-to-am`"),
            "{warned:?}"
        );
        assert!(warned[1].1.contains("source page"), "{warned:?}");
        assert_eq!(warned[2].0, 4);
        assert!(warned[2].1.contains("`recovery:a`"), "{warned:?}");
        // The repeat is retracted: no rule reads it, the log says why, and importing it
        // again brings it back as its next version.
        let current = |records: &[truce_store::records::StoredRecord]| {
            records
                .iter()
                .filter(|r| r.record.id() == "swap-44")
                .map(|r| r.version)
                .collect::<Vec<_>>()
        };
        assert!(
            store
                .retract_record(
                    "nk-2020",
                    RecordKind::Exchange,
                    "swap-44",
                    "repeats 2020-12-14-to-am"
                )
                .await
                .expect("retract")
        );
        assert!(
            !store
                .retract_record("nk-2020", RecordKind::Exchange, "swap-44", "again")
                .await
                .expect("retract"),
            "nothing current to retract"
        );
        let (records, e) = store.evidence(&b).await.expect("evidence");
        assert!(current(&records).is_empty());
        assert!(e.exchanges.iter().all(|x| x.id != "swap-44"));
        assert!(store.audit_verify(None).await.expect("verify").is_intact());
        let r = store
            .import_records(&b, "again.jsonl", text, None, now)
            .await
            .expect("import");
        assert_eq!((r.counts.added, r.counts.unchanged), (1, 6));
        let (records, _) = store.evidence(&b).await.expect("evidence");
        assert_eq!(current(&records), [2]);
        assert!(store.audit_verify(None).await.expect("verify").is_intact());
        guard.done(store).await;
    }
}

/// Every `kind:id` string anywhere in a JSON value.
fn cited(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::String(s) if s.contains(':') => {
            out.insert(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| cited(x, out)),
        Value::Object(o) => o.values().for_each(|x| cited(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn no_record_of_the_demo_or_the_corpus_is_accepted_and_then_ignored() {
    let text = std::fs::read_to_string(root().join(CORPUS)).expect("corpus");
    for (guard, store) in fresh_all().await {
        let b = nk2020();
        store.load_agreement(&b).await.expect("load");
        let now: jiff::Timestamp = "2024-12-31T12:00:00Z".parse().expect("instant");
        demo(&store, &b, now).await;
        store
            .import_records(&b, CORPUS, &text, None, now)
            .await
            .expect("import");
        let (records, e) = store.evidence(&b).await.expect("evidence");
        // On the day each record is about (and on its last day for one with an end),
        // some line of the scorecard or the registry's reconciliation cites it.
        let mut uncited = Vec::new();
        for r in &records {
            let key = r.record.key();
            let mut days: Vec<Date> = r.record.date().into_iter().collect();
            if let truce_model::records::Record::Cutoff(c) = &r.record {
                days.extend(c.to);
            }
            let mut seen = std::collections::BTreeSet::new();
            for day in days {
                let c = card(&store, &b, day).await;
                for l in &c.lines {
                    seen.extend(l.status.evidence.iter().cloned());
                    cited(&l.details, &mut seen);
                }
                let rows = truce_engine::registry::reconcile(&[], &e, &[day]);
                cited(&serde_json::to_value(&rows).expect("json"), &mut seen);
            }
            if !seen.contains(&key) {
                uncited.push(format!("{key} ({})", r.origin));
            }
        }
        assert!(
            uncited.is_empty(),
            "accepted and never cited:\n{}",
            uncited.join("\n")
        );
        guard.done(store).await;
    }
}
