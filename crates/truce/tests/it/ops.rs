//! `truce migrate`, `backup`, `restore` and `copy`, on the backend under test.

use crate::{on_postgres, postgres_for, root, stderr, stdout, truce};
use std::path::Path;

/// The URL of another, empty database on the backend under test.
fn other_database(dir: &Path, name: &str) -> String {
    match postgres_for(dir, &["--data", name]) {
        Some(url) => url,
        None => format!("sqlite:{}", dir.join(name).join("truce.db").display()),
    }
}

/// A dump without its header line (which names the backend) and without the audit
/// chain (a restore or copy appends its own entry to it).
fn rows_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("dump");
    let mut keep = true;
    let mut out = String::new();
    for line in text.lines().skip(1) {
        if line.starts_with('{') {
            keep = !line.contains("\"table\":\"audit_");
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The chain's length, from `truce audit head`.
fn chain_length(d: &Path, data: &str) -> i64 {
    let o = truce(d, &["audit", "head", "--data", data]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .split(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .expect("SEQ:HASH")
}

#[test]
fn a_backup_restores_into_an_empty_database_and_a_copy_moves_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let sample = root().join("crates/truce/tests/fixtures/acled_format_sample.csv");
    let o = truce(d, &["import", sample.to_str().expect("utf-8")]);
    assert!(o.status.code().is_some_and(|c| c != 101), "{}", stderr(&o));
    let o = truce(
        d,
        &[
            "incidents",
            "verify",
            "inc-1",
            "--status",
            "rejected",
            "--reason",
            "test",
            "--analyst",
            "a",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    let o = truce(d, &["migrate"]);
    assert!(
        stdout(&o).contains(
            "18 migration(s) applied (agreements, evidence, records, accounts, idempotency, incident cells, audit registry, bulletins, claimed, neighbours, login clients, audit mac, zone versions, search, retracted index, incident places, superseded records index, webhooks)"
        ),
        "{}",
        stdout(&o)
    );

    let dump = d.join("dump.jsonl");
    let o = truce(d, &["backup", dump.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("of 33 tables"), "{}", stdout(&o));
    let o = truce(d, &["backup", dump.to_str().expect("utf-8")]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an existing file is not overwritten"
    );

    let o = truce(
        d,
        &[
            "restore",
            dump.to_str().expect("utf-8"),
            "--data",
            "restored",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let again = d.join("again.jsonl");
    let o = truce(
        d,
        &[
            "backup",
            again.to_str().expect("utf-8"),
            "--data",
            "restored",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        rows_of(&dump),
        rows_of(&again),
        "the restored database dumps the same rows"
    );
    // The chain came along, verifies, and records the restore itself.
    assert_eq!(
        chain_length(d, "restored"),
        chain_length(d, "truce-data") + 1
    );
    let o = truce(d, &["audit", "verify", "--data", "restored"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let o = truce(
        d,
        &[
            "restore",
            dump.to_str().expect("utf-8"),
            "--data",
            "restored",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already holds data"), "{}", stderr(&o));
    // The restored database keeps numbering its history after the restored entries.
    let o = truce(
        d,
        &[
            "incidents",
            "verify",
            "inc-2",
            "--status",
            "confirmed",
            "--reason",
            "seen",
            "--analyst",
            "b",
            "--data",
            "restored",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = truce(
        d,
        &["incidents", "show", "inc-1", "--json", "--data", "restored"],
    );
    let shown: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(shown["detail"]["incident"]["status"], "rejected", "{shown}");
    // The search index is not dumped: the restored database builds it from the reports
    // and finds what the original finds.
    let found = |data: &str| {
        let o = truce(d, &["search", "Peacekeepers", "--json", "--data", data]);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        v["incidents"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i["incident"]["id"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    let original = found("truce-data");
    assert!(!original.is_empty());
    assert_eq!(found("restored"), original);

    let broken = d.join("broken.jsonl");
    let text = std::fs::read_to_string(&dump).expect("dump");
    let cut: String = text.lines().take(40).map(|l| format!("{l}\n")).collect();
    std::fs::write(&broken, cut).expect("write");
    let o = truce(
        d,
        &[
            "restore",
            broken.to_str().expect("utf-8"),
            "--data",
            "from-broken",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("breaks off"), "{}", stderr(&o));
    let o = truce(
        d,
        &[
            "backup",
            d.join("empty.jsonl").to_str().expect("utf-8"),
            "--data",
            "from-broken",
        ],
    );
    assert!(stdout(&o).contains("wrote "), "{}", stdout(&o));

    let target = other_database(d, "copied");
    let o = truce(d, &["copy", "--to", &target]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stdout(&o).contains(":truce@"),
        "no password in output: {}",
        stdout(&o)
    );
    let copied = d.join("copied.jsonl");
    let o = truce(
        d,
        &[
            "backup",
            copied.to_str().expect("utf-8"),
            "--data",
            "copied",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows_of(&dump).len(), rows_of(&copied).len());
    assert_eq!(rows_of(&dump), rows_of(&copied));
}

#[test]
fn a_sqlite_database_copies_whole_while_in_use() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let o = truce(d, &["status", "--as-of", "2020-11-21"]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::create_dir_all(d.join("copy")).expect("mkdir");
    let file = d.join("copy/truce.db");
    let o = truce(
        d,
        &["backup", "--sqlite-file", file.to_str().expect("utf-8")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let a = truce(d, &["evidence", "list", "--json"]);
    let b = truce(d, &["evidence", "list", "--json", "--data", "copy"]);
    assert_eq!(stdout(&a), stdout(&b));
    // One line per record of the built-in evidence files.
    let built_in: usize = std::fs::read_dir(root().join("agreements/nk-2020/evidence"))
        .expect("evidence folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .map(|p| std::fs::read_to_string(p).expect("read").lines().count())
        .sum();
    assert_eq!(stdout(&a).lines().count(), built_in);
}

#[test]
fn accounts_are_managed_from_the_command_line_and_secrets_are_shown_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let o = truce(d, &["init", "truce-data"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("first administrator: user `admin`, password `"),
        "{text}"
    );
    let o = truce(d, &["init", "truce-data"]);
    assert!(
        !stdout(&o).contains("password"),
        "the first admin is created once"
    );

    let o = truce(d, &["user", "add", "lia", "--role", "liaison"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--party"), "{}", stderr(&o));
    let o = truce(
        d,
        &["user", "add", "lia", "--role", "liaison", "--party", "zz"],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = truce(
        d,
        &[
            "user",
            "add",
            "lia",
            "--role",
            "liaison",
            "--party",
            "am",
            "--name",
            "Liaison officer (AM)",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("password (shown once): "));
    let o = truce(d, &["user", "add", "x", "--role", "boss"]);
    assert!(stderr(&o).contains("unknown role `boss`"), "{}", stderr(&o));
    let o = truce(d, &["user", "disable", "lia"]);
    assert!(o.status.success());
    let o = truce(d, &["user", "list", "--json"]);
    let users: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let lia = users
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["id"] == "lia")
        .cloned()
        .expect("lia");
    assert_eq!(
        (
            lia["role"].as_str(),
            lia["party"].as_str(),
            lia["disabled"].as_bool()
        ),
        (Some("liaison"), Some("am"), Some(true))
    );

    let o = truce(d, &["token", "create", "admin", "--label", "sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let secret = stdout(&o).lines().last().expect("secret").to_owned();
    assert!(secret.starts_with("truce_"));
    let o = truce(d, &["token", "list"]);
    let listing = stdout(&o);
    assert!(
        listing.contains("sync") && !listing.contains(&secret),
        "{listing}"
    );
    let id = secret.split('_').nth(1).expect("id");
    let o = truce(d, &["token", "revoke", id]);
    assert!(o.status.success());
    assert!(stdout(&truce(d, &["token", "list"])).contains("revoked"));
}
