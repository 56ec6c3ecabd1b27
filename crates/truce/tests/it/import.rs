//! `truce import` and `truce incidents` as a user runs them.

use crate::{root, stderr, stdout, truce};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

fn sample() -> String {
    root()
        .join("crates/truce/tests/fixtures/acled_format_sample.csv")
        .to_string_lossy()
        .into_owned()
}

fn generated(dir: &Path, rows: u64, seed: u64) -> String {
    let path = dir.join(format!("syn-{rows}-{seed}.csv"));
    let mut f = std::fs::File::create(&path).expect("create");
    truce_bench::generate(rows, seed, &mut f).expect("generate");
    path.to_string_lossy().into_owned()
}

#[test]
fn the_acled_sample_imports_with_a_rejects_file_and_reimports_as_a_no_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(
        dir.path(),
        &["import", &sample(), "--rejects", "rejects.csv"],
    );
    // Good rows stored, refused ones named: exit code 2, as every import.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("read 7, accepted 3 (0 merged into existing incidents, 3 new incidents), superseded 0, unchanged 0, stale 0, rejected 4"), "{text}");
    let rejects = std::fs::read_to_string(dir.path().join("rejects.csv")).expect("rejects file");
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines[0], "line,column,value,reason");
    // The four refusals, then the rows kept with a warning, marked as such.
    let refused = lines[1..]
        .iter()
        .filter(|l| !l.contains("warning, row kept"))
        .count();
    assert_eq!(refused, 4, "{rejects}");
    assert!(
        lines[1].starts_with("5,latitude,np.float64(48.174),"),
        "{}",
        lines[1]
    );

    let o = truce(dir.path(), &["import", &sample()]);
    let text = stdout(&o);
    assert!(text.contains("accepted 0 (0 merged into existing incidents, 0 new incidents), superseded 0, unchanged 3"), "{text}");
    // Without --rejects the first refusals are printed.
    assert!(
        text.contains("line 5 [latitude]: is not a latitude"),
        "{text}"
    );
}

/// A row repeated in one file (same id and timestamp) is refused as a repeat of the first,
/// on the first import and on every re-import of the file; the first is stored once.
#[test]
fn a_repeated_row_is_refused_with_the_line_it_repeats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generated(dir.path(), 3, 2);
    let text = std::fs::read_to_string(&file).expect("read");
    let rows: Vec<&str> = text.lines().collect();
    let key = rows[1].split(',').next().expect("id");
    // Lines 2-4 are the generated rows; line 5 repeats line 2.
    let repeated = dir.path().join("repeated.csv");
    std::fs::write(&repeated, format!("{}\n{}\n", rows.join("\n"), rows[1])).expect("write");
    let repeated = repeated.to_str().expect("path");
    let expected = format!("5,event_id_cnty,{key},repeats line 2 (same id and timestamp)");
    for (round, summary) in [(1, "read 4, accepted 3"), (2, "read 4, accepted 0")] {
        let o = truce(
            dir.path(),
            &["import", repeated, "--rejects", "rejects.csv"],
        );
        // Good rows stored, refused ones named: exit code 2, as every import.
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(
            out.contains(summary) && out.contains("rejected 1"),
            "round {round}: {out}"
        );
        if round == 2 {
            assert!(out.contains("unchanged 3"), "{out}");
        }
        let rejects = std::fs::read_to_string(dir.path().join("rejects.csv")).expect("rejects");
        assert_eq!(
            rejects.lines().skip(1).collect::<Vec<_>>(),
            [expected.as_str()],
            "round {round}"
        );
    }
}

#[test]
fn a_newer_version_of_a_row_supersedes_and_an_older_one_is_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generated(dir.path(), 3, 1);
    let o = truce(dir.path(), &["import", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&file).expect("read");
    let header = text.lines().next().expect("header");
    let row = text.lines().nth(1).expect("row");
    let (head, ts) = row.rsplit_once(',').expect("timestamp");
    let newer: i64 = ts.parse::<i64>().expect("ts") + 100;
    let older: i64 = ts.parse::<i64>().expect("ts") - 100;
    let update = dir.path().join("update.csv");
    std::fs::write(&update, format!("{header}\n{head},{newer}\n")).expect("write");
    let o = truce(dir.path(), &["import", update.to_str().expect("path")]);
    assert!(stdout(&o).contains("superseded 1"), "{}", stdout(&o));
    let stale = dir.path().join("stale.csv");
    std::fs::write(&stale, format!("{header}\n{head},{older}\n")).expect("write");
    let o = truce(dir.path(), &["import", stale.to_str().expect("path")]);
    assert!(
        stdout(&o).contains("accepted 0") && stdout(&o).contains("stale 1"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn incidents_are_listed_by_zone_and_date_and_shown_with_their_reasons() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generated(dir.path(), 600, 3);
    let o = truce(dir.path(), &["import", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = truce(
        dir.path(),
        &[
            "incidents",
            "list",
            "--zone",
            "lachin-corridor",
            "--json",
            "--limit",
            "1000",
        ],
    );
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let list = list.as_array().expect("array");
    assert!(!list.is_empty());
    assert!(list.iter().all(|i| {
        i["zones"]
            .as_array()
            .is_some_and(|z| z.iter().any(|z| z == "lachin-corridor"))
    }));
    let o = truce(
        dir.path(),
        &[
            "incidents",
            "list",
            "--from",
            "2021-01-01",
            "--to",
            "2021-03-31",
            "--json",
            "--limit",
            "1000",
        ],
    );
    let in_q1: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    for i in in_q1.as_array().expect("array") {
        let start = i["window"]["start"].as_str().expect("start");
        assert!(("2020-12-31".."2021-04-01").contains(&start), "{start}");
    }
    let id = list[0]["id"].as_str().expect("id");
    let o = truce(dir.path(), &["incidents", "show", id]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("new incident:"), "{}", stdout(&o));
    let o = truce(
        dir.path(),
        &["incidents", "list", "--zone", "lachin-coridor"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `lachin-corridor`?"),
        "{}",
        stderr(&o)
    );
}

/// Every incident of the default data directory, as `incidents list --json` prints them.
fn all_incidents(dir: &Path) -> serde_json::Value {
    let o = truce(dir, &["incidents", "list", "--json", "--limit", "100000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn everything(dir: &Path, data: &str) -> serde_json::Value {
    let o = truce(
        dir,
        &[
            "incidents",
            "list",
            "--data",
            data,
            "--json",
            "--limit",
            "1000000",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("json")
}

/// A `kill -9` in the middle of an import, then a rerun, ends exactly where a clean
/// import ends.
#[test]
fn a_killed_import_rerun_converges_to_the_clean_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generated(dir.path(), 3_000, 11);
    // The clean run takes the default batches, large enough for the writer to take a
    // connection of its own; the state must not depend on it.
    let clean = truce(dir.path(), &["import", &file, "--data", "clean"]);
    assert!(clean.status.success(), "{}", stderr(&clean));

    let mut child = crate::command(
        dir.path(),
        &["import", &file, "--data", "killed", "--batch-rows", "100"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = 0;
    for line in lines.by_ref() {
        if line.expect("line").starts_with("progress:") {
            seen += 1;
            break;
        }
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    assert_eq!(
        seen, 1,
        "the import committed at least one batch before the kill"
    );
    let partial = everything(dir.path(), "killed");
    let clean_state = everything(dir.path(), "clean");
    assert!(
        partial.as_array().map(Vec::len) < clean_state.as_array().map(Vec::len),
        "the kill landed mid-import"
    );

    let rerun = truce(
        dir.path(),
        &["import", &file, "--data", "killed", "--batch-rows", "100"],
    );
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert_eq!(everything(dir.path(), "killed"), clean_state);
}

#[test]
fn analysts_split_merge_and_reject_with_every_change_in_the_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generated(dir.path(), 600, 3);
    assert!(truce(dir.path(), &["import", &file]).status.success());
    let list: serde_json::Value = all_incidents(dir.path());
    let before = list.as_array().expect("array").len();
    let big = list
        .as_array()
        .expect("array")
        .iter()
        .find(|i| i["reports"].as_array().is_some_and(|r| r.len() >= 3))
        .expect("an incident with 3 reports");
    let id = big["id"].as_str().expect("id").to_owned();
    let moved = big["reports"][0].as_str().expect("report").to_owned();
    let review = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["--analyst", "analyst-1"]);
        truce(dir.path(), &args)
    };

    let o = review(&[
        "incidents",
        "split",
        &id,
        "--reports",
        &moved,
        "--reason",
        "two separate shellings",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let new_id = text
        .split("; ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .expect("new id")
        .to_owned();
    assert!(text.starts_with(&format!("{id} keeps ")), "{text}");
    let after_split: serde_json::Value = all_incidents(dir.path());
    assert_eq!(after_split.as_array().expect("array").len(), before + 1);

    let o = review(&[
        "incidents",
        "merge",
        &id,
        &new_id,
        "--reason",
        "same event after all",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after_merge: serde_json::Value = all_incidents(dir.path());
    assert_eq!(after_merge.as_array().expect("array").len(), before);
    let back = after_merge
        .as_array()
        .expect("array")
        .iter()
        .find(|i| i["id"] == id.as_str())
        .expect("incident");
    assert_eq!(
        back["reports"].as_array().map(Vec::len),
        big["reports"].as_array().map(Vec::len)
    );

    let o = review(&[
        "incidents",
        "verify",
        &id,
        "--status",
        "rejected",
        "--reason",
        "artillery drill, not a violation",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rejected: serde_json::Value = serde_json::from_slice(
        &truce(
            dir.path(),
            &["incidents", "list", "--status", "rejected", "--json"],
        )
        .stdout,
    )
    .expect("json");
    assert_eq!(
        rejected
            .as_array()
            .map(|a| a.iter().map(|i| i["id"].clone()).collect::<Vec<_>>()),
        Some(vec![serde_json::json!(id)])
    );

    let shown: serde_json::Value =
        serde_json::from_slice(&truce(dir.path(), &["incidents", "show", &id, "--json"]).stdout)
            .expect("json");
    let actions: Vec<&str> = shown["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["split-out", "merge-in", "status"]);
    assert_eq!(shown["history"][2]["actor"], "analyst-1");
    assert_eq!(
        shown["history"][2]["reason"],
        "artillery drill, not a violation"
    );

    // Bad requests are refused with a reason and change nothing.
    let o = review(&[
        "incidents",
        "split",
        &id,
        "--reports",
        "nope",
        "--reason",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("report `nope` is not in"),
        "{}",
        stderr(&o)
    );
    let o = review(&[
        "incidents",
        "verify",
        &id,
        "--status",
        "confrimed",
        "--reason",
        "x",
    ]);
    assert!(
        stderr(&o).contains("did you mean `confirmed`?"),
        "{}",
        stderr(&o)
    );
    // A re-import keeps the analysts' work.
    let o = truce(dir.path(), &["import", &file]);
    assert!(stdout(&o).contains("unchanged 600"), "{}", stdout(&o));
    let again: serde_json::Value = serde_json::from_slice(
        &truce(
            dir.path(),
            &["incidents", "list", "--status", "rejected", "--json"],
        )
        .stdout,
    )
    .expect("json");
    assert_eq!(again.as_array().map(Vec::len), Some(1));
}

#[test]
fn exports_round_trip_and_honour_the_filters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generated(dir.path(), 400, 5);
    assert!(truce(dir.path(), &["import", &file]).status.success());
    // A field monitor's JSON Lines report, from a registered source.
    crate::add_op7(dir.path(), None);
    let line = r#"{"source":"op-7","key":"OP7-1","occurred":{"start":"2021-05-12T03:00:00Z","end":"2021-05-12T04:00:00Z","precision":1},"location":{"place":"Martuni","precision":1},"type":"artillery","perpetrator":"az","credibility":1}"#;
    std::fs::write(
        dir.path().join("op7.jsonl"),
        format!("{line}\n\n{{\"source\":\"op-9\"}}\n"),
    )
    .expect("write");
    let o = truce(dir.path(), &["import", "op7.jsonl", "--format", "jsonl"]);
    assert!(stdout(&o).contains("read 2, accepted 1"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("line 3 [/source]: unknown source `op-9`"),
        "{}",
        stdout(&o)
    );

    // JSON Lines: export, import into a fresh directory, export again: identical.
    let o = truce(
        dir.path(),
        &["export", "--format", "jsonl", "--output", "all.jsonl"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let first = std::fs::read_to_string(dir.path().join("all.jsonl")).expect("export");
    assert_eq!(first.lines().count(), 401 + crate::built_in_reports());
    crate::add_op7(dir.path(), Some("copy"));
    assert!(
        truce(
            dir.path(),
            &[
                "sources",
                "add",
                "acled",
                "--name",
                "ACLED",
                "--kind",
                "data-set",
                "--reliability",
                "B",
                "--data",
                "copy"
            ]
        )
        .status
        .success()
    );
    let o = truce(
        dir.path(),
        &["import", "all.jsonl", "--format", "jsonl", "--data", "copy"],
    );
    // The copy already holds the built-in reports: only the 401 imported ones are new.
    assert!(
        stdout(&o).contains(&format!(
            "read {}, accepted 401",
            401 + crate::built_in_reports()
        )),
        "{}",
        stdout(&o)
    );
    let o = truce(
        dir.path(),
        &["export", "--format", "jsonl", "--data", "copy"],
    );
    assert_eq!(stdout(&o), first);
    assert_eq!(
        truce(
            dir.path(),
            &[
                "incidents",
                "list",
                "--json",
                "--limit",
                "100000",
                "--data",
                "copy"
            ]
        )
        .stdout,
        truce(
            dir.path(),
            &["incidents", "list", "--json", "--limit", "100000"]
        )
        .stdout,
        "the same reports make the same incidents"
    );

    // ACLED: rows that came from ACLED go back out exactly as they came in.
    let o = truce(
        dir.path(),
        &["export", "--format", "acled", "--zone", "agdam"],
    );
    let exported = stdout(&o);
    let original = std::fs::read_to_string(&file).expect("file");
    let acled_lines: Vec<&str> = exported
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("SYN"))
        .collect();
    assert!(!acled_lines.is_empty());
    for l in &acled_lines {
        assert!(original.lines().any(|o| o == *l), "{l}");
    }

    // GeoJSON: only incidents of the zone asked for.
    let o = truce(
        dir.path(),
        &["export", "--format", "geojson", "--zone", "agdam"],
    );
    let fc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("geojson");
    let features = fc["features"].as_array().expect("features");
    assert!(!features.is_empty());
    assert!(features.iter().all(|f| {
        f["properties"]["zones"]
            .as_array()
            .is_some_and(|z| z.iter().any(|z| z == "agdam"))
    }));
    assert_eq!(features[0]["geometry"]["type"], "Point");
    let o = truce(
        dir.path(),
        &["export", "--format", "geojson", "--type", "artilery"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `artillery`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn ucdp_ged_imports_with_or_without_header_and_exports_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = root().join("crates/truce/tests/fixtures/ged-made-up.csv");
    let text = std::fs::read_to_string(&fixture).expect("fixture");
    let o = truce(
        dir.path(),
        &[
            "import",
            fixture.to_str().expect("path"),
            "--format",
            "ucdp",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("read 2, accepted 2"), "{}", stdout(&o));
    // The same rows without the header are the same reports.
    let headerless = dir.path().join("no-header.csv");
    std::fs::write(&headerless, text.split_once('\n').expect("header").1).expect("write");
    let o = truce(
        dir.path(),
        &[
            "import",
            headerless.to_str().expect("path"),
            "--format",
            "ucdp",
        ],
    );
    assert!(
        stdout(&o).contains("accepted 0") && stdout(&o).contains("unchanged 2"),
        "{}",
        stdout(&o)
    );
    // The fixture's month (the built-in record's reports are other years).
    let o = truce(
        dir.path(),
        &[
            "export",
            "--format",
            "ucdp",
            "--from",
            "2021-05-01",
            "--to",
            "2021-05-31",
        ],
    );
    assert_eq!(stdout(&o).replace("\r\n", "\n"), text);
    let o = truce(
        dir.path(),
        &[
            "incidents",
            "list",
            "--party",
            "am",
            "--from",
            "2021-05-01",
            "--to",
            "2021-05-31",
            "--json",
        ],
    );
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "only the one-sided event is blamed on Armenia"
    );
}

#[test]
fn an_acled_deletion_list_retracts_reports_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generated(dir.path(), 50, 9);
    assert!(truce(dir.path(), &["import", &file]).status.success());
    let count = |dir: &Path| -> usize {
        let v: serde_json::Value = serde_json::from_slice(
            &truce(dir, &["incidents", "list", "--json", "--limit", "100000"]).stdout,
        )
        .expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|i| i["reports"].as_array().map_or(0, Vec::len))
            .sum()
    };
    assert_eq!(count(dir.path()), 50 + crate::built_in_reports());
    let deletions = dir.path().join("deleted.csv");
    std::fs::write(&deletions, "event_id_cnty,deleted_timestamp\nSYN1,1700000000\nSYN2,1700000000\nNOPE,1700000000\nSYN3,soon\n").expect("write");
    let o = truce(
        dir.path(),
        &[
            "import",
            deletions.to_str().expect("path"),
            "--format",
            "acled-deletions",
        ],
    );
    // Good rows stored, refused ones named: exit code 2, as every import.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("read 4, retracted 2, not found 1, rejected 1"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("line 5 [deleted_timestamp]: is not a whole number of seconds"),
        "{}",
        stdout(&o)
    );
    assert_eq!(count(dir.path()), 48 + crate::built_in_reports());
    let o = truce(
        dir.path(),
        &[
            "import",
            deletions.to_str().expect("path"),
            "--format",
            "acled-deletions",
        ],
    );
    assert!(
        stdout(&o).contains("retracted 0, not found 3"),
        "{}",
        stdout(&o)
    );
    assert_eq!(count(dir.path()), 48 + crate::built_in_reports());
    // Re-importing the original file does not bring the retracted reports back.
    let o = truce(dir.path(), &["import", &file]);
    assert!(stdout(&o).contains("accepted 0"), "{}", stdout(&o));
}

#[test]
fn geojson_reports_import_and_bad_features_are_named_by_pointer() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(
        truce(
            dir.path(),
            &[
                "sources",
                "add",
                "ngo-1",
                "--name",
                "An NGO",
                "--kind",
                "ngo",
                "--reliability",
                "B"
            ]
        )
        .status
        .success()
    );
    let feature = |key: &str, lon: f64| {
        serde_json::json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, 39.79]},
            "properties": {"source": "ngo-1", "key": key, "type": "artillery", "credibility": 3, "location_precision": 1,
                           "occurred": {"start": "2021-05-12T03:00:00Z", "end": "2021-05-12T04:00:00Z", "precision": 1}}})
    };
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [feature("a", 47.11), feature("b", 470.0), feature("c", 47.12)]});
    std::fs::write(dir.path().join("ngo.geojson"), fc.to_string()).expect("write");
    let o = truce(
        dir.path(),
        &[
            "import",
            "ngo.geojson",
            "--format",
            "geojson",
            "--rejects",
            "rejects.csv",
        ],
    );
    // Good rows stored, refused ones named: exit code 2, as every import.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .contains("read 3, accepted 2 (1 merged into existing incidents, 1 new incidents)"),
        "{}",
        stdout(&o)
    );
    let rejects = std::fs::read_to_string(dir.path().join("rejects.csv")).expect("rejects");
    assert!(
        rejects.contains(",/features/1/geometry/coordinates/0,,must be a longitude"),
        "{rejects}"
    );
    let o = truce(
        dir.path(),
        &["import", "ngo.geojson", "--format", "geojson"],
    );
    assert!(stdout(&o).contains("unchanged 2"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("  /features/1/geometry/coordinates/0: must be a longitude"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn violation_counts_per_zone_and_day_follow_the_filters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = generated(dir.path(), 500, 21);
    assert!(truce(dir.path(), &["import", &file]).status.success());
    let o = truce(
        dir.path(),
        &["incidents", "counts", "--zone", "agdam", "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let counts: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let counts = counts.as_array().expect("array");
    assert!(!counts.is_empty());
    // The zone filter selects incidents; each is counted in all its zones, so the Agdam
    // rows hold every selected violation once.
    let agdam: u64 = counts
        .iter()
        .filter(|c| c["zone"] == "agdam")
        .map(|c| c["total"].as_u64().expect("total"))
        .sum();
    let list: serde_json::Value = serde_json::from_slice(
        &truce(
            dir.path(),
            &[
                "incidents",
                "list",
                "--zone",
                "agdam",
                "--json",
                "--limit",
                "100000",
            ],
        )
        .stdout,
    )
    .expect("json");
    let violations = list
        .as_array()
        .expect("array")
        .iter()
        .filter(|i| {
            !matches!(
                i["event_type"].as_str(),
                // Not violations: legacy mines and UXO are a humanitarian figure.
                Some("property-destruction" | "forces-presence" | "mine-uxo")
            )
        })
        .count();
    assert_eq!(agdam, u64::try_from(violations).expect("fits"));
    let o = truce(dir.path(), &["incidents", "counts", "--zone", "agdam"]);
    assert!(stdout(&o).starts_with("ZONE"), "{}", stdout(&o));
}

/// An actor name no alias maps is a warning naming it and its rows, the claim is kept as
/// named (not "nobody"), and once an alias is added to the agreement and the agreement is
/// loaded, the incidents are reassessed and attributed.
#[test]
fn an_unmapped_actor_is_a_warning_is_kept_as_named_and_attributed_once_an_alias_maps_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = root().join("crates/truce/tests/fixtures/acled-unmapped-actors.csv");
    let name = "Military Forces of the Republic of Mountainous Karabakh (1992-)";
    let o = truce(
        dir.path(),
        &[
            "import",
            &fixture.to_string_lossy(),
            "--rejects",
            "rejects.csv",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(&format!(
            "4 row(s): `{name}` is not an actor of nk-2020: kept as named, not attributed; add an alias"
        )),
        "{text}"
    );
    let rejects = std::fs::read_to_string(dir.path().join("rejects.csv")).expect("rejects");
    assert_eq!(
        rejects
            .lines()
            .filter(|l| l.contains("warning, row kept"))
            .count(),
        4,
        "{rejects}"
    );
    // The four rows are four incidents (one data set's rows stay apart), none blamed on
    // "nobody": the name is shown as given.
    let show = |id: &str| {
        let o = truce(dir.path(), &["incidents", "show", id]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let list = stdout(&truce(dir.path(), &["incidents", "list", "--json"]));
    let ids: Vec<String> = serde_json::from_str::<serde_json::Value>(&list)
        .expect("json")
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|i| {
                    i["reports"].as_array().is_some_and(|r| {
                        r.iter()
                            .any(|x| x.as_str().is_some_and(|x| x.starts_with("acled:AZE9")))
                    })
                })
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(ids.len(), 4, "{list}");
    let before = show(&ids[0]);
    assert!(
        before.contains(&format!(
            "not attributed: `{name}` named, not an actor of the agreement"
        )) && before.contains(&format!("blames `{name}` (unmapped)")),
        "{before}"
    );
    // An alias in the agreement's files, loaded: the incidents are reassessed.
    let folder = dir.path().join("nk-2020");
    copy_dir(&root().join("agreements/nk-2020"), &folder);
    let toml = folder.join("agreement.toml");
    let text = std::fs::read_to_string(&toml).expect("toml");
    let text = text.replacen(
        "aliases = [\"Artsakh\",",
        "aliases = [\"Military Forces of the Republic of Mountainous Karabakh\", \"Artsakh\",",
        1,
    );
    std::fs::write(&toml, text).expect("write toml");
    let o = truce(
        dir.path(),
        &["agreement", "load", &folder.to_string_lossy()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("updated to version 2"),
        "{}",
        stdout(&o)
    );
    let after = show(&ids[0]);
    assert!(after.contains("blamed nk-da"), "{after}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// A place is shown by the gazetteer's two names, the reporter's spelling kept as reported;
/// a zone filter takes any name of the zone and says what an ambiguous one could mean.
#[test]
fn places_show_both_names_and_zone_filters_take_any_name_of_the_zone() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::add_op7(dir.path(), None);
    // A monitor's report from inside Shusha, its place misspelt.
    let lines = [
        r#"{"source":"op-7","key":"OP7-SH","occurred":{"start":"2021-05-12T03:00:00Z","end":"2021-05-12T04:00:00Z","precision":1},"location":{"place":"Shushaa","lon":46.752,"lat":39.759,"precision":1},"type":"artillery","perpetrator":"az","credibility":1}"#,
        r#"{"source":"op-7","key":"OP7-ST","occurred":{"start":"2021-05-20T03:00:00Z","end":"2021-05-20T04:00:00Z","precision":1},"location":{"place":"Stepanakert","lon":46.7519,"lat":39.8153,"precision":1},"type":"artillery","perpetrator":"am","credibility":1}"#,
    ];
    std::fs::write(dir.path().join("op7.jsonl"), lines.join("\n") + "\n").expect("write");
    let o = truce(dir.path(), &["import", "op7.jsonl", "--format", "jsonl"]);
    assert!(stdout(&o).contains("accepted 2"), "{}", stdout(&o));
    let list = |args: &[&str]| {
        let mut all = vec![
            "incidents",
            "list",
            "--from",
            "2021-05-01",
            "--to",
            "2021-05-31",
        ];
        all.extend_from_slice(args);
        truce(dir.path(), &all)
    };
    let o = list(&[]);
    let text = stdout(&o);
    assert!(
        text.contains("Shusha / Shushi (as reported: Shushaa)"),
        "{text}"
    );
    assert!(text.contains("Khankendi / Stepanakert"), "{text}");
    // The Armenian name of the zone finds the Stepanakert incident and not the other.
    let o = list(&["--zone", "stepanakert"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Khankendi / Stepanakert") && !text.contains("Shushaa"),
        "{text}"
    );
    // "Shushi" names the district and the city: refused, with both.
    let o = list(&["--zone", "shushi"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("`shushi` names several zones: shusha (")
            && stderr(&o).contains("shusha-city ("),
        "{}",
        stderr(&o)
    );
}
