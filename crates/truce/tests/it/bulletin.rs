//! `truce keys generate`, `truce bulletin build|verify|list` and scheduled builds, as an
//! operator and a reader of bulletins use them.

use crate::nodes::start_node;
use crate::{stderr, stdout, truce};

#[test]
fn a_bulletin_is_built_published_and_verified_with_nothing_but_the_public_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let o = truce(
        d,
        &[
            "bulletin",
            "build",
            "--from",
            "2020-11-10",
            "--to",
            "2020-11-20",
            "--no-pdf",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("truce keys generate"), "{}", stderr(&o));
    let o = truce(d, &["keys", "generate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let secret = d.join("truce-data/bulletin-signing.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret)
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        truce(d, &["keys", "generate"]).status.code(),
        Some(2),
        "never overwritten"
    );
    let o = truce(
        d,
        &[
            "bulletin",
            "build",
            "--from",
            "2020-11-10",
            "--to",
            "2020-11-20",
            "--no-pdf",
            "--publish",
            "--out",
            "out",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("published"), "{}", stdout(&o));
    let o = truce(d, &["bulletin", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(list[0]["id"], "nk-2020/2020-11-10..2020-11-20");

    // A reader with the public key only: a copy elsewhere, no data directory.
    let reader = tempfile::tempdir().expect("reader");
    let r = reader.path();
    std::fs::copy(
        d.join("truce-data/bulletin-signing.pub"),
        r.join("centre.pub"),
    )
    .expect("pub");
    for ext in ["json", "md", "html"] {
        let name = format!("nk-2020-2020-11-10--2020-11-20.{ext}");
        std::fs::copy(d.join("out").join(&name), r.join(&name)).expect("copy");
        let o = truce(r, &["bulletin", "verify", &name, "--key", "centre.pub"]);
        assert!(o.status.success(), "{ext}: {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("authentic and unchanged"));
        // One changed character in the summary.
        let text = std::fs::read_to_string(r.join(&name)).expect("read");
        let changed = text.replacen("Agdam", "Agdan", 1);
        assert_ne!(changed, text);
        std::fs::write(r.join(&name), changed).expect("write");
        let o = truce(r, &["bulletin", "verify", &name, "--key", "centre.pub"]);
        assert_eq!(o.status.code(), Some(1), "{ext}: {}", stdout(&o));
        assert!(stdout(&o).contains("NOT VERIFIED"), "{}", stdout(&o));
    }
    assert!(
        !r.join("truce-data").exists(),
        "verifying needs no data directory"
    );
    // Another centre's key.
    let o = truce(r, &["keys", "generate", "--out", "other.key"]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::copy(
        d.join("out/nk-2020-2020-11-10--2020-11-20.json"),
        r.join("b.json"),
    )
    .expect("copy");
    let o = truce(r, &["bulletin", "verify", "b.json", "--key", "other.pub"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("not with the key given"),
        "{}",
        stdout(&o)
    );
    // The second built-in agreement publishes too, under its own id, and verifies.
    let o = truce(
        d,
        &[
            "bulletin",
            "build",
            "--agreement",
            "nk-2023",
            "--from",
            "2023-09-20",
            "--to",
            "2023-10-05",
            "--no-pdf",
            "--publish",
            "--out",
            "out",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let name = "nk-2023-2023-09-20--2023-10-05.json";
    std::fs::copy(d.join("out").join(name), r.join(name)).expect("copy");
    let o = truce(r, &["bulletin", "verify", name, "--key", "centre.pub"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let md =
        std::fs::read_to_string(d.join("out/nk-2023-2023-09-20--2023-10-05.md")).expect("markdown");
    assert!(md.contains("Yevlakh"), "{md}");
    let o = truce(d, &["bulletin", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(
        list.as_array()
            .into_iter()
            .flatten()
            .any(|b| b["id"] == "nk-2023/2023-09-20..2023-10-05"),
        "{list}"
    );
}

#[test]
fn two_servers_with_a_schedule_build_each_due_bulletin_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    assert!(truce(d, &["keys", "generate"]).status.success());
    // Due at local midnight: today's run is already due when the servers start, as a run
    // missed while no node was up.
    let schedule = ["--schedule", "00:00"];
    let (mut a, _) = start_node(d, &schedule);
    let (mut b, _) = start_node(d, &schedule);
    let mut published = Vec::new();
    for _ in 0..240 {
        let o = truce(d, &["bulletin", "list", "--json"]);
        if o.status.success() {
            published = serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout).expect("json");
            let o = truce(d, &["audit", "export"]);
            if stdout(&o).contains("bulletin.publish") {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    // Give the slower node time to try too.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let _ = a.kill();
    let _ = b.kill();
    let _ = a.wait();
    let _ = b.wait();
    assert_eq!(published.len(), 1, "{published:?}");
    let id = published[0]["id"].as_str().expect("id");
    assert_eq!(published[0]["from"], published[0]["to"], "a daily bulletin");
    let o = truce(d, &["audit", "export"]);
    let publishes = stdout(&o)
        .matches("\"action\":\"bulletin.publish\"")
        .count();
    assert_eq!(publishes, 1, "one node built it");
    assert!(stdout(&o).contains("\"actor\":\"scheduler\""));
    let o = truce(d, &["audit", "verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(id.starts_with("nk-2020/"));
}

#[test]
fn a_bulletin_in_each_language_is_its_own_signed_document_and_verifies_with_the_public_key_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    assert!(truce(d, &["keys", "generate"]).status.success());
    let build = |lang: &str| {
        truce(
            d,
            &[
                "bulletin",
                "build",
                "--from",
                "2020-11-10",
                "--to",
                "2020-11-20",
                "--no-pdf",
                "--publish",
                "--out",
                "out",
                "--lang",
                lang,
            ],
        )
    };
    let o = build("fr");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("en, ru, hy, az"), "{}", stderr(&o));
    let o = build("all");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = truce(d, &["bulletin", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let mut ids: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|b| b["id"].as_str())
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "nk-2020/2020-11-10..2020-11-20",
            "nk-2020/2020-11-10..2020-11-20.az",
            "nk-2020/2020-11-10..2020-11-20.hy",
            "nk-2020/2020-11-10..2020-11-20.ru",
        ]
    );
    let reader = tempfile::tempdir().expect("reader");
    let r = reader.path();
    std::fs::copy(
        d.join("truce-data/bulletin-signing.pub"),
        r.join("centre.pub"),
    )
    .expect("pub");
    // Each language's heading, as its translator wrote it, and its own signature.
    let heading = |lang: &str| {
        let m = truce_model::i18n::messages(lang).expect("language");
        m.t("bulletin.heading.summary", &[])
    };
    for (lang, suffix) in [("en", ""), ("ru", ".ru"), ("hy", ".hy"), ("az", ".az")] {
        for ext in ["json", "md", "html"] {
            let name = format!("nk-2020-2020-11-10--2020-11-20{suffix}.{ext}");
            std::fs::copy(d.join("out").join(&name), r.join(&name)).expect("copy");
            let o = truce(r, &["bulletin", "verify", &name, "--key", "centre.pub"]);
            assert!(o.status.success(), "{name}: {}{}", stdout(&o), stderr(&o));
            let text = std::fs::read_to_string(r.join(&name)).expect("read");
            if ext == "html" {
                assert!(
                    text.contains(&format!("<html lang=\"{lang}\">")),
                    "{name} names its language"
                );
                assert!(
                    text.contains(&format!("<h2>{}</h2>", heading(lang))),
                    "{name}"
                );
            }
            if ext == "md" {
                assert!(text.contains(&format!("## {}", heading(lang))), "{name}");
                // One changed character of the summary is caught in every language.
                let at = text.find("- ").expect("a summary line") + 2;
                let mut changed: Vec<char> = text.chars().collect();
                let k = text[..at].chars().count();
                changed[k] = if changed[k] == 'x' { 'y' } else { 'x' };
                let changed: String = changed.into_iter().collect();
                std::fs::write(r.join(&name), changed).expect("write");
                let o = truce(r, &["bulletin", "verify", &name, "--key", "centre.pub"]);
                assert_eq!(o.status.code(), Some(1), "{name}: a change went unnoticed");
            }
        }
    }
    // The Russian version writes its dates and numbers the Russian way.
    let ru =
        std::fs::read_to_string(d.join("out/nk-2020-2020-11-10--2020-11-20.ru.md")).expect("ru");
    assert!(
        ru.contains("10 нояб. 2020\u{a0}г."),
        "{}",
        &ru[..400.min(ru.len())]
    );
}
