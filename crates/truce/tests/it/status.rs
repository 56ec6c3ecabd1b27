//! `truce status` and `truce evidence` on the built-in demo evidence.

use crate::{stderr, stdout, truce};

fn row<'a>(text: &'a str, obligation: &str) -> &'a str {
    text.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(obligation))
        .unwrap_or_else(|| panic!("no row {obligation} in:\n{text}"))
}

#[test]
fn the_scorecard_prints_in_each_language_with_its_states_dates_and_documents_translated() {
    let dir = tempfile::tempdir().expect("tempdir");
    for lang in ["ru", "hy", "az"] {
        let o = truce(
            dir.path(),
            &["status", "--as-of", "2020-11-21", "--lang", lang],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        let m = truce_model::i18n::messages(lang).expect("language");
        let agdam = row(&text, "handover-agdam");
        assert!(
            agdam.contains(&m.state("complete on time")),
            "{lang}: {agdam}"
        );
        assert!(
            agdam.contains(&m.day(jiff::civil::date(2020, 11, 20))),
            "{lang}: {agdam}"
        );
        assert!(
            !text.contains("Status on"),
            "{lang}: an English heading left:\n{text}"
        );
        // The document's title as the agreement's translators wrote it.
        let own: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                crate::root().join(format!("agreements/nk-2020/i18n/{lang}.json")),
            )
            .expect("the agreement's words"),
        )
        .expect("json");
        let title = own["document.statement-2020-11-10"]
            .as_str()
            .expect("title");
        assert!(text.contains(title), "{lang}: {text}");
        // The rules' reason in the language, the zone by its name in it (zones.geojson).
        let zones: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(crate::root().join("agreements/nk-2020/zones.geojson"))
                .expect("zones"),
        )
        .expect("json");
        let name = zones["features"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["properties"]["id"] == "agdam")
            .and_then(|f| f["properties"][format!("display_{lang}")].as_str())
            .expect("Agdam's name in the language");
        assert!(!agdam.contains("handover of agdam"), "{lang}: {agdam}");
        assert!(agdam.contains(name), "{lang}: {agdam}");
        // Why one line is what it is, and what changed, in the language too.
        let o = truce(
            dir.path(),
            &[
                "status",
                "explain",
                "handover-agdam",
                "--as-of",
                "2020-11-21",
                "--lang",
                lang,
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let explained = stdout(&o);
        for english in [
            "Status on",
            "Why:",
            "Evidence:",
            "source:",
            "Deadline in force",
        ] {
            assert!(
                !explained.contains(english),
                "{lang}: `{english}` left:\n{explained}"
            );
        }
        assert!(
            explained.contains(&m.t("cli.explain.why", &[("reason", "".into())]))
                && explained.contains("handover:agdam-2020-11-20"),
            "{lang}: {explained}"
        );
        let o = truce(
            dir.path(),
            &["status", "diff", "2020-11-19", "2020-11-21", "--lang", lang],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let changes = stdout(&o);
        assert!(
            changes.contains(&m.state("complete on time"))
                && changes.contains(&m.day(jiff::civil::date(2020, 11, 20)))
                && !changes.contains("Status changes"),
            "{lang}: {changes}"
        );
    }
    let o = truce(dir.path(), &["status", "--lang", "fr"]);
    assert_eq!(o.status.code(), Some(2), "a language Truce does not speak");
}

#[test]
fn the_scorecard_of_21_november_2020_on_the_demo_data_reads_as_an_analyst_expects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(dir.path(), &["status", "--as-of", "2020-11-21"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Status on 2020-11-21 (Asia/Baku)"), "{text}");
    let agdam = row(&text, "handover-agdam");
    assert!(
        agdam.contains("3 complete on time ")
            && agdam.split_whitespace().nth(6) == Some("2020-11-20"),
        "{text}"
    );
    // Nothing on record yet: due, marked as standing on no record, without a score.
    let kalbajar = row(&text, "handover-kalbajar");
    assert!(
        kalbajar.contains(" due [no record]")
            && !kalbajar.contains("0 due")
            && kalbajar.contains("2020-11-25")
            && kalbajar.contains("kalbajar-extension-2020-11-15"),
        "{kalbajar}"
    );
    assert!(
        row(&text, "peacekeeping-deployment").contains("3 deployed"),
        "{text}"
    );
    // The built-in incidents are elsewhere in time and nobody is on record as watching.
    assert!(
        row(&text, "ceasefire").contains("unknown (no coverage)"),
        "{text}"
    );
    // Grouped by document: the January 2021 statement is not signed yet on this date.
    assert!(!text.contains("working-group-first-meeting"));
    assert!(text.contains("16 obligations:"), "{text}");
    // Lines with nothing on record are counted apart, and none reads as "not initiated".
    assert!(text.contains("0 not initiated"), "{text}");
    assert!(text.contains("stand on no record"), "{text}");
    assert!(
        row(&text, "return-of-displaced").contains("no record"),
        "{text}"
    );

    let o = truce(dir.path(), &["status", "--as-of", "2020-11-21", "--json"]);
    let card: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let lines = card["lines"].as_array().expect("lines");
    for l in lines {
        let ev = l["status"]["evidence"].as_array().expect("evidence");
        let reason = l["status"]["reason"].as_str().unwrap_or_default();
        assert!(!ev.is_empty() || reason.contains("no evidence"), "{l}");
    }
}

#[test]
fn explain_names_the_records_and_their_sources_and_diff_lists_the_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(
        dir.path(),
        &[
            "status",
            "explain",
            "handover-kalbajar",
            "--as-of",
            "2020-11-26",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Status on 2020-11-26: 3 complete on time"),
        "{text}"
    );
    assert!(text.contains("Deadline in force: by 2020-11-25"), "{text}");
    assert!(
        text.contains("handover:kalbajar-2020-11-25 (2020-11-25): kalbajar am → az (completed)"),
        "{text}"
    );
    assert!(text.contains("source: https://jam-news.net/"), "{text}");
    assert!(
        text.contains("from: agreements/nk-2020/evidence/handovers.jsonl:2 (version 1)"),
        "{text}"
    );

    let o = truce(dir.path(), &["status", "explain", "handover-kalbajr"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `handover-kalbajar`"),
        "{}",
        stderr(&o)
    );

    let o = truce(dir.path(), &["status", "diff", "2020-11-14", "2020-12-02"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let changes: Vec<(&str, &str)> = text
        .lines()
        .skip(2)
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?, w.next()?))
        })
        .collect();
    for want in [
        ("2020-11-20", "handover-agdam"),
        ("2020-11-25", "handover-kalbajar"),
        ("2020-12-01", "handover-lachin"),
        ("2020-11-15", "peacekeeping-deployment"),
    ] {
        assert!(changes.contains(&want), "{want:?} missing in:\n{text}");
    }
    assert!(
        !changes
            .iter()
            .any(|c| c.1 == "handover-kalbajar" && c.0 == "2020-11-16"),
        "{text}"
    );
}

#[test]
fn evidence_import_keeps_good_lines_names_bad_ones_and_reimports_as_a_no_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("traffic.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"type":"checkpoint","id":"kornidzor","name":"Kornidzor","zone":"lachin-corridor","operator":"ru-pk","source":"test"}"#, "\n",
            r#"{"type":"crossing","id":"c1","checkpoint":"kornidzor","date":"2021-06-01","vehicles":120,"persons":300,"source":"test"}"#, "\n",
            r#"{"type":"crossing","id":"c2","checkpoint":"kornidzr","date":"2021-06-02","vehicles":120,"source":"test"}"#, "\n",
            r#"{"type":"crossing","id":"c3","checkpoint":"kornidzor","date":"2021-06-31","vehicles":120,"source":"test"}"#, "\n",
            r#"{"type":"handover","id":"h","zone":"agdm","from":"am","date":"2020-11-20","source":"test"}"#, "\n",
            r#"{"type":"crossng","id":"x"}"#, "\n",
        ),
    )
    .expect("write");
    let path = file.to_str().expect("utf-8");
    let o = truce(dir.path(), &["evidence", "import", path]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2 added, 0 updated, 0 unchanged, 4 refused"),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(
        err.contains(
            "traffic.jsonl:3 /checkpoint: unknown checkpoint `kornidzr`; did you mean `kornidzor`"
        ),
        "{err}"
    );
    assert!(err.contains("traffic.jsonl:4 /date:"), "{err}");
    assert!(
        err.contains("traffic.jsonl:5 /zone: unknown zone `agdm`; did you mean `agdam`"),
        "{err}"
    );
    assert!(
        err.contains(
            "traffic.jsonl:6 /type: unknown record type `crossng`; did you mean `crossing`"
        ),
        "{err}"
    );

    let o = truce(dir.path(), &["evidence", "import", path]);
    assert!(
        stdout(&o).contains("0 added, 0 updated, 2 unchanged, 4 refused"),
        "{}",
        stdout(&o)
    );

    // A changed record is a new version; the listing shows the current one.
    std::fs::write(
        &file,
        r#"{"type":"crossing","id":"c1","checkpoint":"kornidzor","date":"2021-06-01","vehicles":125,"persons":300,"source":"test"}"#,
    )
    .expect("write");
    let o = truce(dir.path(), &["evidence", "import", path]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("0 added, 1 updated, 0 unchanged, 0 refused"),
        "{}",
        stdout(&o)
    );
    let o = truce(dir.path(), &["evidence", "list", "--type", "crossing"]);
    let text = stdout(&o);
    assert!(
        text.contains("kornidzor both: 300 persons, 125 vehicles"),
        "{text}"
    );
    assert!(text.contains("1 record(s)"), "{text}");
    let o = truce(
        dir.path(),
        &["evidence", "list", "--type", "handover", "--json"],
    );
    assert_eq!(stdout(&o).lines().count(), 3, "{}", stdout(&o));
}

#[test]
fn crossings_import_from_csv_with_problems_by_line_and_column_and_decide_the_corridor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cp = dir.path().join("checkpoints.jsonl");
    std::fs::write(
        &cp,
        r#"{"type":"checkpoint","id":"kornidzor","name":"Kornidzor","zone":"lachin-corridor","operator":"ru-pk","source":"test"}"#,
    )
    .expect("write");
    let o = truce(
        dir.path(),
        &["evidence", "import", cp.to_str().expect("utf-8")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut csv = String::from("id,checkpoint,date,persons,vehicles,category,source\r\n");
    for d in 1..=20 {
        csv.push_str(&format!(
            "k{d},kornidzor,2021-06-{d:02},300,120,civilian,op-kornidzor\r\n"
        ));
    }
    csv.push_str("k21,kornidzor,2021-06-21,many,120,civilian,op-kornidzor\r\n");
    csv.push_str("k22,kornidzr,2021-06-22,300,120,civilian,op-kornidzor\r\n");
    csv.push_str("k23,kornidzor,2021-06-23,2,1,civilian,op-kornidzor\r\n");
    let file = dir.path().join("traffic.csv");
    std::fs::write(&file, csv).expect("write");
    let path = file.to_str().expect("utf-8");
    let o = truce(dir.path(), &["evidence", "import", path]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no `type` column"), "{}", stderr(&o));
    let o = truce(
        dir.path(),
        &["evidence", "import", path, "--type", "crossing"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("21 added, 0 updated, 0 unchanged, 2 refused"),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(
        err.contains("traffic.csv:22 persons: `many` is not a number"),
        "{err}"
    );
    assert!(
        err.contains("traffic.csv:23 /checkpoint: unknown checkpoint `kornidzr`"),
        "{err}"
    );

    let o = truce(
        dir.path(),
        &[
            "status",
            "explain",
            "lachin-corridor-safe-passage",
            "--as-of",
            "2021-06-20",
        ],
    );
    assert!(
        stdout(&o).contains("Status on 2021-06-20: 3 open"),
        "{}",
        stdout(&o)
    );
    let o = truce(
        dir.path(),
        &[
            "status",
            "explain",
            "lachin-corridor-safe-passage",
            "--as-of",
            "2021-06-23",
        ],
    );
    let text = stdout(&o);
    assert!(
        text.contains("Status on 2021-06-23: 1 blocked [BREACHED]")
            && text.contains("Since: 2021-06-23"),
        "{text}"
    );
    assert!(
        text.contains("crossing:k23 (2021-06-23): kornidzor both: 2 persons, 1 vehicle"),
        "{text}"
    );
}

/// The ceasefire line of `truce status --as-of DATE --json`.
fn ceasefire_on(dir: &std::path::Path, date: &str) -> serde_json::Value {
    let o = truce(dir, &["status", "--as-of", date, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let card: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    card["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["obligation"] == "ceasefire")
        .expect("ceasefire line")
        .clone()
}

#[test]
fn an_acled_import_moves_the_ceasefire_only_where_its_coverage_is_declared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // Two shelling rows in the Stepanakert area: one citing two outlets (corroborated by
    // the row itself), one citing one (unverified).
    let header = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp";
    let row = |id: &str, date: &str, actor: &str, source: &str| {
        format!(
            "{id},{date},2021,1,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,{actor},,1,,,0,10,,31,Caucasus and Central Asia,Azerbaijan,,,,Stepanakert,39.8153,46.7519,1,{source},National,Shelling reported,0,,1700000000"
        )
    };
    let csv = format!(
        "{header}\n{}\n{}\n",
        row(
            "CVR1",
            "2021-05-01",
            "Military Forces of Azerbaijan (2003-)",
            "Armenpress; Azerbaijan Ministry of Defence"
        ),
        row(
            "CVR2",
            "2021-06-10",
            "Military Forces of Armenia (2018-)",
            "Armenpress"
        ),
    );
    let path = d.join("acled.csv");
    std::fs::write(&path, csv).expect("write");
    let o = truce(d, &["import", path.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    // No coverage declared: a quiet week is unknown, not holding.
    let quiet = ceasefire_on(d, "2021-04-20");
    assert_eq!(quiet["status"]["state"], "unknown (no coverage)", "{quiet}");
    // The two-outlet row is corroborated and breaches in its week, coverage or not.
    let shelled = ceasefire_on(d, "2021-05-03");
    assert_eq!(shelled["status"]["state"], "breached", "{shelled}");
    // The one-outlet row alone: reported, unverified.
    let reported = ceasefire_on(d, "2021-06-12");
    assert_eq!(
        reported["status"]["state"], "violations reported, unverified",
        "{reported}"
    );
    // ACLED declared as watching the pre-2020 line of contact from 2021: quiet weeks there
    // hold, the unwatched corridor is named.
    let coverage = d.join("coverage.jsonl");
    std::fs::write(
        &coverage,
        r#"{"type":"coverage","id":"acled-nk","watcher":"acled","zones":["nk-pre2020"],"from":"2021-01-01","source":"https://acleddata.com/"}"#,
    )
    .expect("write");
    let o = truce(
        d,
        &["evidence", "import", coverage.to_str().expect("utf-8")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let watched = ceasefire_on(d, "2021-04-20");
    assert_eq!(
        watched["status"]["state"], "holding where watched",
        "{watched}"
    );
    assert!(
        watched["status"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("lachin-corridor (0 of 7 days)")),
        "{watched}"
    );
    // Before the coverage began, nothing changed.
    let before = ceasefire_on(d, "2020-12-20");
    assert_eq!(
        before["status"]["state"], "unknown (no coverage)",
        "{before}"
    );
    assert_eq!(ceasefire_on(d, "2021-05-03")["status"]["state"], "breached");
}

/// `truce status --as-of DATE` on the built-in data, for every date of docs/history.md:
/// each line's obligation, status and basis as the document gives them.
#[test]
fn truce_status_on_each_documented_date_matches_docs_history_line_by_line() {
    let text = std::fs::read_to_string(crate::root().join("docs/history.md")).expect("history.md");
    // Headings `## DATE` (the first agreement) and `### AGREEMENT DATE`; any other
    // heading ends the table before it.
    let mut dates: Vec<(Option<String>, String, Vec<[String; 3]>)> = Vec::new();
    let mut in_date = false;
    for line in text.lines() {
        if line.starts_with('#') {
            let words: Vec<&str> = line.trim_start_matches('#').split_whitespace().collect();
            let (agreement, day) = match words.as_slice() {
                [d] => (None, *d),
                [a, d] => (Some((*a).to_owned()), *d),
                _ => (None, ""),
            };
            in_date = day.parse::<jiff::civil::Date>().is_ok();
            if in_date {
                dates.push((agreement, day.to_owned(), Vec::new()));
            }
        } else if in_date && line.starts_with("| ") && !line.starts_with("| obligation") {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if let Some((_, _, rows)) = dates.last_mut() {
                rows.push([
                    cells[1].to_owned(),
                    cells[2].to_owned(),
                    cells[3].to_owned(),
                ]);
            }
        }
    }
    assert!(dates.len() >= 12, "{} dates", dates.len());
    assert!(
        dates.iter().any(|(a, _, _)| a.is_some()),
        "a second agreement's dates"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    for (agreement, date, rows) in dates {
        let mut args = vec!["status", "--as-of", &date, "--json"];
        if let Some(a) = &agreement {
            args.extend(["--agreement", a]);
        }
        let o = truce(dir.path(), &args);
        assert!(o.status.success(), "{}", stderr(&o));
        let card: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let got: Vec<[String; 3]> = card["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| {
                let s = &l["status"];
                let state = s["state"].as_str().unwrap_or_default();
                let mut label = match s["score"].as_u64() {
                    Some(n) => format!("{n} {state}"),
                    None => state.to_owned(),
                };
                if s["late"] == true {
                    label.push_str(" [late]");
                }
                if s["breached"] == true {
                    label.push_str(" [BREACHED]");
                }
                let basis = s["basis"].as_str().unwrap_or_default().replace('-', " ");
                if basis == "no record" && !label.contains("no record") {
                    label.push_str(" [no record]");
                }
                [
                    l["obligation"].as_str().unwrap_or_default().to_owned(),
                    label,
                    basis,
                ]
            })
            .collect();
        assert_eq!(
            got,
            rows,
            "docs/history.md, {} {date}",
            agreement.as_deref().unwrap_or("")
        );
    }
}

/// Every command that prints text for a person, run in Russian, Armenian and
/// Azerbaijani: none leaves an English heading or sentence of its own (the records'
/// and reports' own words stay as their sources wrote them), none prints a message key;
/// the locale chooses the language when `--lang` does not, and `TRUCE_LANG` over it.
#[test]
fn the_commands_an_analyst_reads_print_in_each_language_and_follow_the_locale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = crate::root()
        .join("crates/truce/tests/fixtures/acled_format_sample.csv")
        .to_string_lossy()
        .into_owned();
    let o = truce(dir.path(), &["import", &sample]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let runs: Vec<(Vec<&str>, &[&str])> = vec![
        (
            vec!["places", "find", "Shushi"],
            &["names:", "zones:", "matched", "exact", " at "],
        ),
        (vec!["places", "find", "Atlantis"], &["No place", "matches"]),
        (
            vec!["zones", "list", "--as-of", "2023-01-01"],
            &["ZONE", "KIND", "UNTIL", "in force", "  corridor  "],
        ),
        (
            vec!["incidents", "list", "--limit", "5"],
            &[
                "INCIDENT",
                "START",
                "BLAMED",
                "armed-clash",
                "corroborated",
                "km from",
                "as reported",
            ],
        ),
        (
            vec!["incidents", "show", "inc-1"],
            &[
                "when ",
                "zones ",
                "blamed",
                "dead ",
                "reports and claims",
                " from ",
            ],
        ),
        (
            vec!["search", "Shusha", "--limit", "3"],
            &["score", "found)"],
        ),
        (vec!["search", "zzzyxw"], &["Nothing found"]),
        (
            vec!["evidence", "list", "--type", "handover"],
            &["type", "what", "record(s)"],
        ),
        (
            vec!["sources", "list"],
            &["SOURCE", "KIND", "PARTY", "data-set"],
        ),
        (
            vec!["registry", "summary", "--as-of", "2021-01-01"],
            &["Registry on", "category", "persons"],
        ),
        (
            vec!["audit", "verify"],
            &["entries, head", "targets checked", "audit key", "intact"],
        ),
        (
            vec!["agreement", "list"],
            &["VERSION", "TIME ZONE", "TITLE", "Trilateral"],
        ),
        (
            vec!["import", &sample],
            &["read ", "accepted", "rejected", "rows/s", "line "],
        ),
    ];
    for lang in ["ru", "hy", "az"] {
        for (args, english) in &runs {
            let mut with = args.clone();
            with.extend(["--lang", lang]);
            let o = truce(dir.path(), &with);
            let text = stdout(&o);
            assert!(
                matches!(o.status.code(), Some(0..=2)) && !text.is_empty(),
                "{lang} {args:?}: {}\n{text}",
                stderr(&o)
            );
            assert!(
                !text.contains("cli."),
                "{lang} {args:?}: a key printed\n{text}"
            );
            for word in *english {
                assert!(
                    !text.contains(word),
                    "{lang} {args:?}: `{word}` left in English\n{text}"
                );
            }
        }
    }
    // The locale's language without --lang; TRUCE_LANG over the locale; English for a
    // locale Truce does not speak.
    let zones = |env: &[(&str, &str)]| {
        let mut cmd = crate::command(dir.path(), &["zones", "list", "--as-of", "2023-01-01"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        stdout(&cmd.output().expect("run truce"))
    };
    let ru = truce_model::i18n::messages("ru").expect("ru");
    let az = truce_model::i18n::messages("az").expect("az");
    assert!(zones(&[("LANG", "ru_RU.UTF-8")]).starts_with(&ru.t("cli.zones.col.zone", &[])));
    assert!(
        zones(&[("LANG", "ru_RU.UTF-8"), ("TRUCE_LANG", "az")])
            .starts_with(&az.t("cli.zones.col.zone", &[]))
    );
    assert!(zones(&[("LANG", "de_DE.UTF-8")]).starts_with("ZONE"));
}
