//! `truce registry`, `truce audit` and `truce keys` as an operator runs them: the same
//! need-to-know rules as the API (`--as` names whose rights apply), a hand-edited
//! database caught by `audit verify`, and a key rotation.

use crate::{postgres_for, root, stderr, stdout, truce};
use std::path::Path;

const AM: &[&str] = &["Vardanyantest", "AM-TEST-58213", "Petrosyantest"];
const AZ: &[&str] = &["Mammadovtest", "AZ-TEST-30991"];

/// Runs SQL straight against the data directory's database, behind Truce's back.
fn tamper(dir: &Path, data: &str, sql: &str) {
    if let Some(url) = postgres_for(dir, &["--data", data]) {
        let o = std::process::Command::new("psql")
            .args([url.as_str(), "-qAtc", sql])
            .output()
            .expect("psql");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        return;
    }
    let file = dir.join(data).join("truce.db");
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", file.display()))
                .await
                .expect("open");
            sqlx::raw_sql(sql).execute(&mut c).await.expect("tamper");
            c.close().await.expect("close");
        });
}

#[test]
fn the_command_line_applies_need_to_know_and_audit_verify_catches_a_hand_edit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let o = truce(d, &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let key = d.join("truce-data/registry.key");
    assert!(key.exists(), "init makes the registry key");
    for (id, role, party) in [
        ("po", "protection-officer", None),
        ("lam", "liaison", Some("am")),
        ("laz", "liaison", Some("az")),
        ("an", "analyst", None),
    ] {
        let mut args = vec!["user", "add", id, "--role", role];
        if let Some(p) = party {
            args.extend(["--party", p]);
        }
        assert!(truce(d, &args).status.success());
    }
    let fixture = root().join("crates/truce-store/tests/fixtures/registry-fictional.jsonl");
    let fixture = fixture.to_str().expect("utf-8");
    let o = truce(d, &["registry", "import", fixture, "--as", "po"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("persons 6 added"), "{}", stdout(&o));
    let o = truce(d, &["registry", "import", fixture]);
    assert!(stdout(&o).contains("6 unchanged"), "{}", stdout(&o));

    for (who, am, az) in [
        (Some("po"), true, true),
        (Some("lam"), true, false),
        (Some("laz"), false, true),
        (Some("an"), false, false),
        (None, false, false),
    ] {
        let mut args = vec!["registry", "list", "--json"];
        if let Some(w) = who {
            args.extend(["--as", w]);
        }
        let o = truce(d, &args);
        let text = stdout(&o);
        if am || az {
            assert!(o.status.success(), "{who:?}: {}", stderr(&o));
        } else {
            assert_eq!(o.status.code(), Some(2), "{who:?}");
            assert!(stderr(&o).contains("aggregates only"), "{}", stderr(&o));
        }
        for s in AM {
            assert_eq!(text.contains(s), am, "{who:?} list {s}");
        }
        for s in AZ {
            assert_eq!(text.contains(s), az, "{who:?} list {s}");
        }
        for (person, may) in [("R-A1", am), ("R-Z1", az)] {
            let mut args = vec!["registry", "show", person];
            if let Some(w) = who {
                args.extend(["--as", w]);
            }
            let o = truce(d, &args);
            assert_eq!(o.status.success(), may, "{who:?} show {person}");
            assert!(!stderr(&o).contains("Vardanyantest") && !stderr(&o).contains("Mammadovtest"));
        }
    }
    // Aggregates and reconciliation for everyone, from the demo claims and exchanges.
    let o = truce(
        d,
        &["registry", "summary", "--as-of", "2020-12-20", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let total: u64 = v["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .map(|c| c["count"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, 6);
    let o = truce(d, &["registry", "claims", "--on", "2021-04-30"]);
    let text = stdout(&o);
    assert!(text.contains("am: ≥200"), "{text}");
    assert!(
        text.contains("198"),
        "200 claimed less 2 registered held: {text}"
    );

    // The chain verifies; a hand edit of a person's row does not.
    let o = truce(d, &["audit", "verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    let head = stdout(&truce(d, &["audit", "head"])).trim().to_owned();
    let export = d.join("chain.jsonl");
    let o = truce(
        d,
        &["audit", "export", "--out", export.to_str().expect("utf-8")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let exported = std::fs::read_to_string(&export).expect("export");
    for s in AM.iter().chain(AZ) {
        assert!(!exported.contains(s), "the export carries {s}");
    }
    let o = truce(
        d,
        &[
            "audit",
            "verify",
            "--export",
            export.to_str().expect("utf-8"),
            "--head",
            &head,
        ],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    tamper(
        d,
        "truce-data",
        "UPDATE registry_persons SET held_by = 'am' WHERE id = 'R-A3'",
    );
    let o = truce(d, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("person:R-A3 was changed without an audit entry"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("TAMPERED"));
    tamper(d, "truce-data", "DELETE FROM audit_log WHERE seq = 3");
    let o = truce(d, &["audit", "verify", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["chain"]["first_broken"], 4, "{v}");
    // An export edited by hand fails offline too.
    let edited = exported.replacen("\"user.add\"", "\"user.del\"", 1);
    std::fs::write(&export, edited).expect("write");
    let o = truce(
        d,
        &[
            "audit",
            "verify",
            "--export",
            export.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_key_rotation_keeps_every_person_readable_and_retires_the_old_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    assert!(truce(d, &["init"]).status.success());
    assert!(
        truce(d, &["user", "add", "po", "--role", "protection-officer"])
            .status
            .success()
    );
    let fixture = root().join("crates/truce-store/tests/fixtures/registry-fictional.jsonl");
    let o = truce(d, &["registry", "import", fixture.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = stdout(&truce(d, &["keys", "show"]));
    let o = truce(d, &["keys", "rotate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("19 sealed value(s) re-sealed"),
        "{}",
        stdout(&o)
    );
    let after = stdout(&truce(d, &["keys", "show"]));
    assert_ne!(before, after);
    let fp = before.trim().rsplit(' ').next().expect("fingerprint");
    assert!(
        d.join(format!("truce-data/registry.key.retired-{fp}"))
            .exists()
    );
    let o = truce(d, &["registry", "list", "--as", "po"]);
    assert!(stdout(&o).contains("Vardanyantest"), "{}", stderr(&o));
    let o = truce(d, &["audit", "verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    // Without its key the registry still counts, and no one reads a name.
    std::fs::rename(d.join("truce-data/registry.key"), d.join("elsewhere.key")).expect("move");
    let o = truce(d, &["registry", "summary", "--as-of", "2021-01-01"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = truce(d, &["registry", "list", "--as", "po"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("registry key is not configured"),
        "{}",
        stderr(&o)
    );
    assert!(
        !d.join("truce-data/registry.key").exists(),
        "no new key over sealed data"
    );
}

/// Every role through every `--as` path of the command line, each outcome the one the
/// access policy (`truce_model::access`) gives: who may import, who sees whose persons
/// in a list, and who may open each side's person.
#[test]
fn every_role_on_every_as_path_gets_exactly_what_the_access_policy_allows() {
    use truce_model::access::{Action, RegistryScope, UserRole, allowed, registry_scope};
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let o = truce(d, &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fixture = root().join("crates/truce-store/tests/fixtures/registry-fictional.jsonl");
    let fixture = fixture.to_str().expect("utf-8");
    let o = truce(d, &["registry", "import", fixture]);
    assert!(o.status.success(), "{}", stderr(&o));
    // One account per role (two liaisons, one per side); the public has no account.
    let mut who: Vec<(Option<String>, UserRole, Option<&str>)> =
        vec![(None, UserRole::Public, None)];
    for role in UserRole::ALL {
        let parties: &[Option<&str>] = match role {
            UserRole::Public => &[],
            UserRole::Liaison => &[Some("am"), Some("az")],
            _ => &[None],
        };
        for party in parties {
            let id = format!(
                "u-{}{}",
                role.as_str(),
                party.map(|p| format!("-{p}")).unwrap_or_default()
            );
            let mut args = vec!["user", "add", id.as_str(), "--role", role.as_str()];
            if let Some(p) = party {
                args.extend(["--party", p]);
            }
            let o = truce(d, &args);
            assert!(o.status.success(), "{id}: {}", stderr(&o));
            who.push((Some(id), role, *party));
        }
    }
    assert_eq!(
        who.len(),
        7,
        "every role, the liaison once per side, and the public"
    );
    let with_as = |base: &[&str], id: &Option<String>| -> Vec<String> {
        let mut args: Vec<String> = base.iter().map(|s| (*s).to_owned()).collect();
        if let Some(id) = id {
            args.extend(["--as".to_owned(), id.clone()]);
        }
        args
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        truce(d, &refs)
    };
    for (id, role, party) in &who {
        let scope = registry_scope(*role, *party);
        // Import: only a role that may manage the registry (the public has no --as path).
        if id.is_some() {
            let o = run(with_as(&["registry", "import", fixture], id));
            assert_eq!(
                o.status.success(),
                allowed(*role, Action::ManageRegistry),
                "{id:?} import: {}",
                stderr(&o)
            );
        }
        // List: refused for roles that see aggregates only; otherwise exactly the sides
        // the scope covers.
        let o = run(with_as(&["registry", "list", "--json"], id));
        let text = stdout(&o);
        assert_eq!(
            o.status.success(),
            !matches!(scope, RegistryScope::Nobody(_)),
            "{id:?} list: {}",
            stderr(&o)
        );
        for s in AM {
            assert_eq!(text.contains(s), scope.covers("am"), "{id:?} list {s}");
        }
        for s in AZ {
            assert_eq!(text.contains(s), scope.covers("az"), "{id:?} list {s}");
        }
        // Show: each side's person, exactly when the scope covers the side; a refusal
        // never names anyone.
        for (person, side) in [("R-A1", "am"), ("R-Z1", "az")] {
            let o = run(with_as(&["registry", "show", person], id));
            assert_eq!(
                o.status.success(),
                scope.covers(side),
                "{id:?} show {person}"
            );
            if !scope.covers(side) {
                let err = stderr(&o) + &stdout(&o);
                assert!(
                    AM.iter().chain(AZ).all(|s| !err.contains(s)),
                    "{id:?} show {person} leaks a name: {err}"
                );
            }
        }
    }
}
