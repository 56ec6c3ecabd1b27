//! The registry and the audit log, on every backend under test: sealing, need-to-know
//! reads, idempotent imports, key rotation, one chain under concurrent writers, and
//! tampering with the database file caught by `audit_verify`.

use crate::{nk2020, root};
use truce_store::Store;
use truce_store::accounts::UserRole;
use truce_store::registry::Viewer;
use truce_store::seal::Keyring;
use truce_store::testing::fresh_all;

pub(crate) const FIXTURE: &str = include_str!("../fixtures/registry-fictional.jsonl");

/// Every personal value of the fixture a leak test looks for.
pub(crate) const SECRETS: &[&str] = &[
    "Vardanyantest",
    "Hovsepik",
    "Վարդանյանթեստ",
    "AM-TEST-58213",
    "1999-04-17",
    "Melkonyantest",
    "Petrosyantest",
    "AM-TEST-77120",
    "Grigoryantest",
    "Sahakyantest",
    "Mammadovtest",
    "Мамедовтест",
    "AZ-TEST-30991",
    "1997-01-05",
    "Aliyevtest",
    "fictional test case file",
    "near Hadrut",
];

/// Loads the agreement, the demo evidence (for the exchange ids) and the fixture.
pub(crate) async fn with_registry(store: &Store) -> Store {
    let b = nk2020();
    store.load_agreement(&b).await.expect("load");
    let dir = root().join("agreements/nk-2020/evidence");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("evidence dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        store
            .import_records(
                &b,
                &f.display().to_string(),
                &text,
                None,
                jiff::Timestamp::now(),
            )
            .await
            .expect("evidence");
    }
    let keyed = store.with_keys(Keyring::ephemeral());
    let r = keyed
        .import_registry(&b, "registry.jsonl", FIXTURE, None)
        .await
        .expect("import");
    assert!(r.rejects.is_empty(), "{:?}", r.rejects);
    assert_eq!((r.persons_added, r.statuses_added), (6, 13));
    keyed
}

fn viewer(role: UserRole, party: Option<&str>) -> Viewer {
    Viewer {
        actor: format!("{}-{}", role.as_str(), party.unwrap_or("")),
        role,
        party: party.map(str::to_owned),
    }
}

#[tokio::test]
async fn each_role_sees_exactly_the_persons_need_to_know_allows() {
    for (guard, store) in fresh_all().await {
        let store = with_registry(&store).await;
        let cases: &[(UserRole, Option<&str>, &[&str])] = &[
            (
                UserRole::Admin,
                None,
                &["R-A1", "R-A2", "R-A3", "R-A4", "R-Z1", "R-Z2"],
            ),
            (
                UserRole::ProtectionOfficer,
                None,
                &["R-A1", "R-A2", "R-A3", "R-A4", "R-Z1", "R-Z2"],
            ),
            (
                UserRole::Liaison,
                Some("am"),
                &["R-A1", "R-A2", "R-A3", "R-A4"],
            ),
            (UserRole::Liaison, Some("az"), &["R-Z1", "R-Z2"]),
            (UserRole::Analyst, None, &[]),
            (UserRole::Monitor, None, &[]),
            (UserRole::Public, None, &[]),
        ];
        for (role, party, visible) in cases {
            let v = viewer(*role, *party);
            let listed = store.registry_persons(&v).await;
            if visible.is_empty() {
                assert!(
                    matches!(listed, Err(truce_store::StoreError::NotAllowed(_))),
                    "{role:?} listed persons"
                );
            } else {
                let ids: Vec<String> = listed
                    .expect("list")
                    .into_iter()
                    .map(|p| p.person.id)
                    .collect();
                assert_eq!(ids, *visible, "{role:?} {party:?}");
            }
            for id in ["R-A1", "R-A2", "R-A3", "R-A4", "R-Z1", "R-Z2"] {
                let one = store.registry_person(&v, id).await.expect("show");
                assert_eq!(
                    one.is_some(),
                    visible.contains(&id),
                    "{role:?} {party:?} reading {id}"
                );
            }
        }
        // A person as seen in full: every script, the art. 122 fields, the history.
        let po = viewer(UserRole::ProtectionOfficer, None);
        let a1 = store
            .registry_person(&po, "R-A1")
            .await
            .expect("show")
            .expect("visible");
        assert_eq!(a1.person.personal.names.len(), 2);
        assert_eq!(
            a1.person.personal.service_number.as_deref(),
            Some("AM-TEST-58213")
        );
        let statuses: Vec<&str> = a1.history.iter().map(|s| s.status.as_str()).collect();
        assert_eq!(statuses, ["held", "acknowledged", "repatriated"]);
        assert_eq!(a1.history[2].exchange.as_deref(), Some("2020-12-14-to-am"));
        guard.done(store).await;
    }
}

#[tokio::test]
async fn every_read_of_a_personal_record_and_every_refusal_is_in_the_audit_log() {
    for (guard, store) in fresh_all().await {
        let store = with_registry(&store).await;
        let before = store.audit_head().await.expect("head").seq;
        let lam = viewer(UserRole::Liaison, Some("am"));
        store.registry_persons(&lam).await.expect("list");
        store.registry_person(&lam, "R-Z1").await.expect("show");
        let entries = store.audit_entries(before + 1, 100).await.expect("entries");
        let reads: Vec<(&str, &str, &str)> = entries
            .iter()
            .map(|e| (e.actor.as_str(), e.action.as_str(), e.target.as_str()))
            .collect();
        assert_eq!(
            reads,
            [
                ("liaison-am", "registry.read", "person:R-A1"),
                ("liaison-am", "registry.read", "person:R-A2"),
                ("liaison-am", "registry.read", "person:R-A3"),
                ("liaison-am", "registry.read", "person:R-A4"),
                ("liaison-am", "registry.read-refused", "person:R-Z1"),
            ]
        );
        // Aggregates read nothing personal and are not personal reads.
        let facts = store.registry_facts().await.expect("facts");
        assert_eq!(facts.len(), 6);
        assert_eq!(
            store.audit_head().await.expect("head").seq,
            entries.last().expect("entry").seq
        );
        let report = store.audit_verify(None).await.expect("verify");
        assert!(report.is_intact(), "{report:?}");
        guard.done(store).await;
    }
}

#[tokio::test]
async fn reimporting_changes_nothing_and_refused_lines_name_line_and_member_only() {
    for (guard, store) in fresh_all().await {
        let store = with_registry(&store).await;
        let b = nk2020();
        let again = store
            .import_registry(&b, "registry.jsonl", FIXTURE, None)
            .await
            .expect("again");
        assert_eq!((again.persons_unchanged, again.statuses_unchanged), (6, 13));
        assert_eq!(again.persons_added + again.statuses_added, 0);
        let bad = concat!(
            r#"{"type":"person","id":"R-B1","side":"am","category":"pows","names":{"Latn":{"surname":"Secretnametest"}},"birth_date":"17/04/1999","source":"x"}"#,
            "\n",
            r#"{"type":"person","id":"secretnametest-1","side":"am","category":"pows","names":{"Latn":{"surname":"Secretnametest"}},"source":"x"}"#,
            "\n",
            r#"{"type":"person","id":"R-B2","side":"ma","category":"pows","nmaes":{},"source":"x"}"#,
            "\n",
            r#"{"type":"status","person":"R-NOBODY","date":"2020-12-01","status":"held","source":"x"}"#,
            "\n",
            r#"{"type":"status","person":"R-A2","date":"2020-12-01","status":"released","exchange":"2020-12-15-to-am","source":"x"}"#,
            "\n",
            r#"{"type":"person","id":"R-B3","side":"am","category":"hostages","source":"fictional"}"#,
            "\n",
        );
        let r = store
            .import_registry(&b, "bad.jsonl", bad, None)
            .await
            .expect("import");
        let where_: Vec<(u64, &str)> = r
            .rejects
            .iter()
            .map(|p| (p.line, p.pointer.as_str()))
            .collect();
        assert_eq!(
            where_,
            [
                (1, "/birth_date"),
                (2, "/id"),
                (3, "/nmaes"),
                (4, "/person"),
                (5, "/exchange")
            ]
        );
        assert!(r.rejects[2].reason.contains("names"), "{:?}", r.rejects[2]);
        for p in &r.rejects {
            assert!(
                !p.reason.contains("Secretnametest") && !p.reason.contains("17/04/1999"),
                "a refusal repeats a personal value: {p:?}"
            );
        }
        assert_eq!(r.persons_added, 1, "the good line lands");
        // Another key (a node that made its own) may not seal beside this one's values.
        let other = store
            .with_keys(Keyring::ephemeral())
            .import_registry(&b, "registry.jsonl", FIXTURE, None)
            .await;
        assert!(
            matches!(&other, Err(truce_store::StoreError::Refused(m)) if m.contains("sealed with key")),
            "{other:?}"
        );
        guard.done(store).await;
    }
}

#[tokio::test]
async fn key_rotation_reseals_every_value_and_the_old_key_alone_opens_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("registry.key");
    assert!(Keyring::create_file(&path).expect("create"));
    assert!(
        !Keyring::create_file(&path).expect("exists"),
        "never overwritten"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let old = Keyring::load(&path).expect("load");
    for (guard, store) in fresh_all().await {
        let b = nk2020();
        store.load_agreement(&b).await.expect("load");
        let keyed = store.with_keys(Keyring::load(&path).expect("load"));
        let person_lines: String = FIXTURE
            .lines()
            .filter(|l| l.contains("\"type\":\"person\""))
            .map(|l| format!("{l}\n"))
            .collect();
        keyed
            .import_registry(&b, "p.jsonl", &person_lines, None)
            .await
            .expect("import");
        // Rotate: new key beside the old, re-seal, retire the old file.
        let next = Keyring::load(&path)
            .expect("load")
            .begin_rotation(&path)
            .expect("begin");
        let n = store.with_keys(next).rekey_registry().await.expect("rekey");
        assert_eq!(n, 6);
        let retired = Keyring::finish_rotation(&path, old.fingerprint()).expect("finish");
        let new = Keyring::load(&path).expect("new key");
        assert_ne!(new.fingerprint(), old.fingerprint());
        let po = viewer(UserRole::ProtectionOfficer, None);
        let seen = store
            .with_keys(new)
            .registry_persons(&po)
            .await
            .expect("opens with the new key");
        assert_eq!(seen.len(), 6);
        let stale = store
            .with_keys(Keyring::load(&retired).expect("retired"))
            .registry_persons(&po)
            .await;
        assert!(
            stale.is_err(),
            "the retired key must not open re-sealed values"
        );
        // Same content again under the new key: unchanged.
        let again = store
            .with_keys(Keyring::load(&path).expect("load"))
            .import_registry(&b, "p.jsonl", &person_lines, None)
            .await
            .expect("again");
        assert_eq!(again.persons_unchanged, 6);
        assert!(store.audit_verify(None).await.expect("verify").is_intact());
        // Put the old key back for the next backend.
        std::fs::rename(&path, dir.path().join("used")).expect("move");
        std::fs::rename(&retired, &path).expect("restore");
        guard.done(store).await;
    }
}

#[tokio::test]
async fn concurrent_writers_append_to_one_unbroken_chain() {
    for (guard, store) in fresh_all().await {
        let mut tasks = Vec::new();
        for i in 0..24 {
            let s = store.acting_as(&format!("writer-{i}"));
            tasks.push(tokio::spawn(async move {
                s.add_user(
                    &format!("user{i}"),
                    "Test",
                    UserRole::Monitor,
                    None,
                    "a long enough password",
                    "2026-01-01T00:00:00Z",
                )
                .await
                .expect("add");
                s.create_token(&format!("user{i}"), "t", "2026-01-01T00:00:00Z")
                    .await
                    .expect("token");
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let report = store.audit_verify(None).await.expect("verify");
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.chain.entries, 48);
        let entries = store.audit_entries(1, 100).await.expect("entries");
        let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=48).collect::<Vec<_>>());
        guard.done(store).await;
    }
}

/// Deterministic pseudo-random numbers for the tamper cases (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

#[tokio::test]
async fn sixty_random_hand_edits_of_the_database_file_are_each_caught_by_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.db");
    {
        let store = Store::open_sqlite(&base).await.expect("open");
        let store = with_registry(&store).await;
        store
            .add_user(
                "po",
                "P O",
                UserRole::ProtectionOfficer,
                None,
                "a long enough password",
                "2026-01-01T00:00:00Z",
            )
            .await
            .expect("user");
        store
            .create_token("po", "t", "2026-01-01T00:00:00Z")
            .await
            .expect("token");
        store
            .registry_persons(&viewer(UserRole::ProtectionOfficer, None))
            .await
            .expect("reads");
        assert!(store.audit_verify(None).await.expect("verify").is_intact());
        // One self-contained file to copy (no WAL beside it).
        store
            .backup_sqlite_file(&dir.path().join("clean.db"))
            .await
            .expect("backup");
        store.close().await;
    }
    let base = dir.path().join("clean.db");
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut kinds = std::collections::BTreeMap::<&str, u32>::new();
    for case in 0..60 {
        let file = dir.path().join(format!("case{case}.db"));
        std::fs::copy(&base, &file).expect("copy");
        let mut conn: sqlx::SqliteConnection =
            sqlx::Connection::connect(&format!("sqlite:{}", file.display()))
                .await
                .expect("raw connection");
        let max: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log")
            .fetch_one(&mut conn)
            .await
            .expect("max");
        let pick = |rng: &mut Rng| 1 + rng.below(usize::try_from(max).unwrap_or(1)) as i64;
        let kind = [
            "field", "delete", "reorder", "truncate", "user", "person", "status", "token",
        ][rng.below(8)];
        *kinds.entry(kind).or_default() += 1;
        let sql = match kind {
            "field" => {
                let col = ["at", "actor", "action", "target", "state_before", "state_after", "detail", "prev", "hash"]
                    [rng.below(9)];
                format!("UPDATE audit_log SET {col} = {col} || 'x' WHERE seq = {}", pick(&mut rng))
            }
            "delete" => format!("DELETE FROM audit_log WHERE seq = {}", pick(&mut rng)),
            "reorder" => {
                let a = pick(&mut rng);
                let b = if a == max { a - 1 } else { a + 1 };
                format!(
                    "UPDATE audit_log SET seq = -1 WHERE seq = {a};
                     UPDATE audit_log SET seq = {a} WHERE seq = {b};
                     UPDATE audit_log SET seq = {b} WHERE seq = -1"
                )
            }
            "truncate" => format!(
                "DELETE FROM audit_log WHERE seq > {}",
                max - 1 - rng.below(5) as i64
            ),
            "user" => "UPDATE users SET role = 'admin' WHERE id = 'po'".into(),
            "person" => [
                "UPDATE registry_persons SET side = 'az' WHERE id = 'R-A2'",
                "UPDATE registry_persons SET held_by = NULL WHERE id = 'R-A3'",
                "DELETE FROM registry_persons WHERE id = 'R-Z2'",
                "UPDATE registry_persons SET sealed = (SELECT sealed FROM registry_persons WHERE id = 'R-A1') WHERE id = 'R-A2'",
            ][rng.below(4)]
                .into(),
            "status" => [
                "DELETE FROM registry_status WHERE person_id = 'R-A2' AND status = 'acknowledged'",
                "UPDATE registry_status SET date = '2020-11-01' WHERE person_id = 'R-A1' AND status = 'repatriated'",
                "UPDATE registry_status SET status = 'released' WHERE person_id = 'R-A3'",
            ][rng.below(3)]
                .into(),
            _ => "UPDATE api_tokens SET revoked = 0, label = 'changed'".into(),
        };
        sqlx::raw_sql(&sql)
            .execute(&mut conn)
            .await
            .expect("tamper");
        sqlx::Connection::close(conn).await.expect("close");
        let store = Store::open_sqlite(&file).await.expect("reopen");
        let report = store.audit_verify(None).await.expect("verify");
        assert!(
            !report.is_intact(),
            "case {case} ({kind}: {sql}) went unnoticed"
        );
        store.close().await;
    }
    assert!(kinds.len() >= 7, "every kind of edit was tried: {kinds:?}");
}

#[tokio::test]
async fn the_database_file_holds_no_personal_value_in_any_byte_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("truce.db");
    let store = Store::open_sqlite(&file).await.expect("open");
    let store = with_registry(&store).await;
    store
        .registry_persons(&viewer(UserRole::Admin, None))
        .await
        .expect("read");
    store
        .backup_sqlite_file(&dir.path().join("copy.db"))
        .await
        .expect("backup");
    let mut bytes = Vec::new();
    for name in ["truce.db", "truce.db-wal", "copy.db"] {
        if let Ok(b) = std::fs::read(dir.path().join(name)) {
            bytes.extend(b);
        }
    }
    store.close().await;
    for name in ["truce.db", "truce.db-wal"] {
        if let Ok(b) = std::fs::read(dir.path().join(name)) {
            bytes.extend(b);
        }
    }
    assert!(bytes.len() > 100_000, "the database was read");
    // Bytes as Latin-1 text, so that the standard library's substring search (fast even
    // in a debug build) looks for any byte sequence.
    let latin1 = |b: &[u8]| b.iter().map(|&x| char::from(x)).collect::<String>();
    let haystack = latin1(&bytes);
    let find = |needle: &[u8]| haystack.contains(&latin1(needle));
    for s in SECRETS {
        for form in [s.to_string(), s.to_lowercase(), s.to_uppercase()] {
            let utf16le: Vec<u8> = form.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let utf16be: Vec<u8> = form.encode_utf16().flat_map(u16::to_be_bytes).collect();
            assert!(!find(form.as_bytes()), "`{form}` is in the file (UTF-8)");
            assert!(!find(&utf16le), "`{form}` is in the file (UTF-16LE)");
            assert!(!find(&utf16be), "`{form}` is in the file (UTF-16BE)");
        }
    }
}
