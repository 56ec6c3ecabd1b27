//! The `truce` command as a user runs it: a fresh data directory per test.

mod bulletin;
mod data;
mod import;
mod nodes;
mod ops;
mod registry;
mod status;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The PostgreSQL database standing in for `dir`'s data directory when the tests run on
/// PostgreSQL (`TRUCE_TEST_DATABASE_URL` set): one new database per directory, created
/// on first use; databases left by earlier runs of this binary are dropped first.
pub fn postgres_for(dir: &Path, args: &[&str]) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    let base = std::env::var("TRUCE_TEST_DATABASE_URL").ok()?;
    static MAP: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    let psql = |sql: &str| {
        let o = Command::new("psql")
            .args([base.as_str(), "-qAtc", sql])
            .output()
            .expect("run psql");
        assert!(
            o.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let map = MAP.get_or_init(|| {
        let old = psql("SELECT datname FROM pg_database WHERE datname LIKE 'truce_cli_%'");
        for name in old.lines().filter(|l| !l.is_empty()) {
            psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
        Mutex::new(HashMap::new())
    });
    let mut map = map
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let n = map.len();
    // `--data X` names another data directory: another database.
    let data = args
        .iter()
        .position(|a| *a == "--data")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| dir.join("truce-data"), |d| dir.join(d));
    let name = map
        .entry(data)
        .or_insert_with(|| {
            let name = format!("truce_cli_{}_{n}", std::process::id());
            psql(&format!("CREATE DATABASE {name}"));
            name
        })
        .clone();
    let (prefix, _) = base.rsplit_once('/').expect("URL with a database");
    Some(format!("{prefix}/{name}"))
}

/// True when the command-line tests run on PostgreSQL rather than a data directory.
pub fn on_postgres() -> bool {
    std::env::var_os("TRUCE_TEST_DATABASE_URL").is_some()
}

/// The `truce` command with `args` in `dir`, with no TRUCE_DATA from the environment;
/// on PostgreSQL, with `TRUCE_DATABASE` naming the database that stands for the data
/// directory.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_truce"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("TRUCE_DATA")
        .env_remove("TRUCE_DATABASE")
        .env_remove("TRUCE_REGISTRY_KEY")
        .env_remove("TRUCE_REGISTRY_KEY_FILE")
        .env_remove("TRUCE_AGREEMENT")
        .env_remove("TRUCE_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env_remove("RUST_LOG");
    if let Some(url) = postgres_for(dir, args) {
        cmd.env("TRUCE_DATABASE", url);
    }
    cmd
}

/// Runs `truce` with `args` in `dir` (see [`command`]).
pub fn truce(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run truce")
}

/// Registers observation post 7 (reliability A) in a data directory (`truce-data` when
/// `data` is `None`), as the JSON Lines tests' reports name it.
pub fn add_op7(dir: &Path, data: Option<&str>) {
    let mut args = vec![
        "sources",
        "add",
        "op-7",
        "--name",
        "Observation post 7",
        "--kind",
        "observation-post",
        "--reliability",
        "A",
    ];
    if let Some(d) = data {
        args.extend(["--data", d]);
    }
    let o = truce(dir, &args);
    assert!(o.status.success(), "{}", stderr(&o));
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn show_on_a_fresh_directory_creates_the_data_and_prints_the_obligations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(
        dir.path(),
        &["agreement", "show", "nk-2020", "--as-of", "2020-11-14"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("As in force on 2020-11-14 (Asia/Baku). Took effect 2020-11-10 00:00 MSK (2020-11-09T21:00Z)."), "{text}");
    let kalbajar = text
        .lines()
        .find(|l| l.starts_with("handover-kalbajar"))
        .expect("row");
    assert!(
        kalbajar.contains("by 2020-11-15") && !kalbajar.contains("2020-11-25"),
        "{kalbajar}"
    );
    assert!(
        text.contains("term 1 from 2020-11-10: expires 2025-11-10, last day for notice 2025-05-10")
    );
    assert!(text.contains("personnel ≤ 1960"));
    if !on_postgres() {
        assert!(dir.path().join("truce-data/truce.db").exists());
        assert!(stderr(&o).contains("created data directory"));
    }

    let o = truce(
        dir.path(),
        &["agreement", "show", "nk-2020", "--as-of", "2020-11-16"],
    );
    let text = stdout(&o);
    let kalbajar = text
        .lines()
        .find(|l| l.starts_with("handover-kalbajar"))
        .expect("row");
    assert!(
        kalbajar.contains("by 2020-11-25 (was by 2020-11-15)"),
        "{kalbajar}"
    );
    assert!(
        !stderr(&o).contains("created data directory"),
        "second run reuses the directory"
    );
}

#[test]
fn show_in_another_language_leaves_no_english_and_writes_the_agreements_figures_in_its_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let english = stdout(&truce(
        dir.path(),
        &["agreement", "show", "nk-2020", "--as-of", "2020-11-16"],
    ));
    for (lang, unit) in [
        ("ru", "военнослужащих со стрелковым оружием"),
        ("hy", "հրաձգային զենքով զինծառայող"),
        ("az", "atıcı silahlı hərbi qulluqçu"),
    ] {
        let o = truce(
            dir.path(),
            &[
                "agreement",
                "show",
                "nk-2020",
                "--as-of",
                "2020-11-16",
                "--lang",
                lang,
            ],
        );
        assert!(o.status.success(), "{lang}: {}", stderr(&o));
        let text = stdout(&o);
        let m = truce_model::i18n::messages(lang).expect("language");
        for english_words in [
            "As in force",
            "Took effect",
            "Documents:",
            "OBLIGATION",
            "DEADLINE",
            "Figures, terms",
            "(was ",
            "last day for notice",
            "handover  ",
            "servicemen",
            "personnel ≤",
        ] {
            assert!(
                !text.contains(english_words),
                "{lang}: `{english_words}` left in\n{text}"
            );
        }
        for heading in [
            m.t("cli.agreement.details", &[]),
            m.t("cli.agreement.col.deadline", &[]),
            m.t("document_kind.amendment", &[]),
        ] {
            assert!(text.contains(&heading), "{lang}: no `{heading}` in\n{text}");
        }
        // The amended Kalbajar deadline, its earlier one beside it, in the language's
        // words and days; the row keeps its id.
        let kalbajar = text
            .lines()
            .find(|l| l.starts_with("handover-kalbajar"))
            .expect("row");
        assert!(
            kalbajar.contains(&m.t("obligation_kind.handover", &[]))
                && kalbajar.contains(&m.day(jiff::civil::date(2020, 11, 25)))
                && kalbajar.contains(&m.day(jiff::civil::date(2020, 11, 15))),
            "{lang}: {kalbajar}"
        );
        // The peacekeepers' figures in the agreement's own words for the language, and the
        // term's notice day as the language writes days.
        assert!(text.contains(&format!("≤ 1960 {unit}")), "{lang}: {text}");
        assert!(
            text.contains(&m.day(jiff::civil::date(2025, 5, 10))),
            "{lang}: {text}"
        );
        // As many lines as the English: nothing dropped.
        assert_eq!(
            text.lines().count(),
            english.lines().count(),
            "{lang}: {text}"
        );
    }
}

#[test]
fn show_json_carries_the_amended_deadline_and_term_periods() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(
        dir.path(),
        &[
            "agreement",
            "show",
            "nk-2020",
            "--as-of",
            "2026-01-01",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let obligations = v["obligations"].as_array().expect("obligations");
    let k = obligations
        .iter()
        .find(|o| o["obligation"]["id"] == "handover-kalbajar")
        .expect("kalbajar");
    assert_eq!(k["last_day"], "2020-11-25");
    let term = obligations
        .iter()
        .find(|o| o["obligation"]["id"] == "peacekeeping-term")
        .expect("term");
    assert_eq!(term["term_periods"][1]["expires"], "2030-11-10");
    assert_eq!(v["documents"].as_array().map(Vec::len), Some(4));
}

#[test]
fn validate_reports_every_problem_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("broken");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::create_dir(folder.join("i18n")).expect("mkdir");
    for f in [
        "zones.geojson",
        "places.csv",
        "statements.toml",
        "i18n/ru.json",
        "i18n/hy.json",
        "i18n/az.json",
    ] {
        std::fs::copy(root().join("agreements/nk-2020").join(f), folder.join(f)).expect("copy");
    }
    let text =
        std::fs::read_to_string(root().join("agreements/nk-2020/agreement.toml")).expect("read");

    let broken = text
        .replacen("zones = [\"kalbajar\"]", "zones = [\"kalbajr\"]", 1)
        .replacen("obligors = [\"am\"]", "obligors = [\"arm\"]", 1);
    std::fs::write(folder.join("agreement.toml"), broken).expect("write");
    let o = truce(dir.path(), &["agreement", "validate", "broken"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("has 2 problems"), "{err}");
    assert!(
        err.contains("agreement.toml:")
            && err.contains("unknown zone `kalbajr`")
            && err.contains("did you mean `kalbajar`?"),
        "{err}"
    );
    assert!(err.contains("unknown actor `arm`"), "{err}");
    assert!(!err.contains("panicked"));

    let o = truce(&root(), &["agreement", "validate", "agreements/nk-2020"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("21 obligations"), "{}", stdout(&o));
}

#[test]
fn bad_arguments_and_unknown_ids_exit_2_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(
        dir.path(),
        &["agreement", "show", "nk-2020", "--as-of", "2020-02-30"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--as-of"), "{}", stderr(&o));
    let o = truce(dir.path(), &["agreement", "show", "nk-2002"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `nk-2020`?"),
        "{}",
        stderr(&o)
    );
    let o = truce(
        dir.path(),
        &["agreement", "validate", "does-not-exist.toml"],
    );
    assert_eq!(o.status.code(), Some(2));
    // A webhook authority file that holds no certificate is refused before the server
    // starts, by name.
    let empty = dir.path().join("no-authority.pem");
    std::fs::write(&empty, "not a certificate\n").expect("file");
    let o = truce(
        dir.path(),
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--webhook-ca",
            empty.to_str().expect("path"),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--webhook-ca") && stderr(&o).contains("no-authority.pem"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn places_find_shows_both_names_zones_and_ambiguity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(dir.path(), &["places", "find", "Shushi"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("Shusha / Shushi  [shusha]"), "{text}");
    assert!(text.contains("zones: shusha, shusha-city"), "{text}");
    let o = truce(dir.path(), &["places", "find", "Zangezur", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["ambiguous"], true);
    assert_eq!(v["matches"].as_array().map(Vec::len), Some(2));
    let o = truce(dir.path(), &["places", "find", "Atlantis"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("No place"));
}

#[test]
fn search_finds_the_built_in_record_by_a_place_in_another_script_and_marks_the_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(dir.path(), &["search", "Ханкенди"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Khankendi / Stepanakert"), "{text}");
    assert!(
        text.contains("[Stepanakert]"),
        "the words found are marked: {text}"
    );
    let o = truce(
        dir.path(),
        &["search", "peacekeepers", "--from", "2023-09-01", "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let incidents = v["incidents"].as_array().expect("incidents");
    assert!(!incidents.is_empty(), "{v}");
    assert!(
        incidents.iter().all(|i| i["incident"]["window"]["end"]
            .as_str()
            .is_some_and(|e| e >= "2023-09-01")),
        "the window filter holds: {v}"
    );
    let o = truce(dir.path(), &["search", "the of near"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("nothing to search for"),
        "{}",
        stderr(&o)
    );
    // The incident filters take a reporting source, named among the registered ones.
    let o = truce(
        dir.path(),
        &["incidents", "list", "--source", "nk-da", "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let listed: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(
        listed.as_array().is_some_and(|l| !l.is_empty()
            && l.iter().all(|i| i["attribution"]["claims"]
                .as_array()
                .is_some_and(|c| c.iter().any(|x| x["source"] == "nk-da")))),
        "{listed}"
    );
    let o = truce(dir.path(), &["incidents", "list", "--source", "ru-md"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `ru-mod`"),
        "{}",
        stderr(&o)
    );
    let o = truce(dir.path(), &["search", "Atlantisqwx"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("Nothing found"));
}

#[test]
fn zones_list_prints_every_zone_and_geojson() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(dir.path(), &["zones", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for id in [
        "agdam",
        "kalbajar",
        "lachin",
        "lachin-corridor",
        "peacekeeping-aor",
        "nakhchivan-route",
        "armenia",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id} missing:\n{text}"
        );
    }
    let o = truce(dir.path(), &["zones", "list", "--geojson"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("geojson");
    assert_eq!(v["type"], "FeatureCollection");
}

#[test]
fn init_and_load_are_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(dir.path(), &["init", "centre"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("agreements: nk-2020, nk-2023"),
        "{}",
        stdout(&o)
    );
    let o = truce(dir.path(), &["init", "centre"]);
    assert!(o.status.success());
    let agreements = root().join("agreements/nk-2020");
    let path = agreements.to_str().expect("utf-8 path");
    let o = truce(dir.path(), &["agreement", "load", path, "--data", "centre"]);
    assert_eq!(
        stdout(&o).trim(),
        "nk-2020: unchanged (version 1 already loaded)"
    );
    let o = truce(
        dir.path(),
        &["agreement", "list", "--data", "centre", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let ids: Vec<&str> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        ["nk-2020", "nk-2023"],
        "both built-in agreements, once"
    );
    assert_eq!(v[0]["version"], 1);
    // The second agreement loads from its folder (naming the first's zones) unchanged.
    let second = root().join("agreements/nk-2023");
    let o = truce(
        dir.path(),
        &[
            "agreement",
            "load",
            second.to_str().expect("utf-8"),
            "--data",
            "centre",
        ],
    );
    assert_eq!(
        stdout(&o).trim(),
        "nk-2023: unchanged (version 1 already loaded)",
        "{}",
        stderr(&o)
    );
    // Without --agreement a command reads the first; with it, the one named.
    let o = truce(
        dir.path(),
        &[
            "status",
            "--agreement",
            "nk-2023",
            "--as-of",
            "2023-09-22",
            "--data",
            "centre",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("yevlakh-talks"), "{}", stdout(&o));
    let o = truce(
        dir.path(),
        &["status", "--as-of", "2020-11-14", "--data", "centre"],
    );
    assert!(stdout(&o).contains("handover-kalbajar"), "{}", stdout(&o));
    // A centre that works on another agreement says so once, in its environment.
    let o = command(
        dir.path(),
        &["status", "--as-of", "2023-09-22", "--data", "centre"],
    )
    .env("TRUCE_AGREEMENT", "nk-2023")
    .output()
    .expect("run truce");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("yevlakh-talks"), "{}", stdout(&o));
}

#[test]
fn every_subcommand_has_help() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["agreement", "--help"],
        vec!["agreement", "validate", "--help"],
        vec!["agreement", "load", "--help"],
        vec!["agreement", "list", "--help"],
        vec!["agreement", "show", "--help"],
        vec!["places", "find", "--help"],
        vec!["zones", "list", "--help"],
        vec!["serve", "--help"],
    ] {
        let o = truce(dir.path(), &args);
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("Usage:"), "{args:?}");
    }
}

/// Reports of the first built-in agreement's record (`agreements/nk-2020/reports/`), which
/// every new data directory starts with: what its incident lists and exports hold.
pub fn built_in_reports() -> usize {
    reports_of("nk-2020")
}

/// Reports of every built-in agreement's record: what a new database's audit chain
/// accounts for.
pub fn all_built_in_reports() -> usize {
    ["nk-2020", "nk-2023"].into_iter().map(reports_of).sum()
}

fn reports_of(agreement: &str) -> usize {
    std::fs::read_to_string(root().join(format!("agreements/{agreement}/reports/violations.jsonl")))
        .expect("built-in reports")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

#[test]
fn zones_list_shows_every_version_and_those_in_force_on_a_day() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = truce(dir.path(), &["zones", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = stdout(&o);
    let corridor = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("lachin-corridor "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(corridor(&all).len(), 2, "{all}");
    assert!(corridor(&all)[0].contains("2020-11-10") && corridor(&all)[0].contains("2022-08-26"));
    let o = truce(dir.path(), &["zones", "list", "--as-of", "2023-01-01"]);
    let on = stdout(&o);
    let now = corridor(&on);
    assert_eq!(now.len(), 1, "{on}");
    assert!(
        now[0].contains("2022-08-26") && now[0].contains("2024-06-12"),
        "{on}"
    );
    assert!(
        on.contains("zone version(s) in force on 2023-01-01"),
        "{on}"
    );
    // After the contingent left, neither the corridor nor the area is in force.
    let after = stdout(&truce(
        dir.path(),
        &["zones", "list", "--as-of", "2024-07-01"],
    ));
    assert!(
        corridor(&after).is_empty() && !after.contains("peacekeeping-aor"),
        "{after}"
    );
}
