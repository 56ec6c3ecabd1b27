//! Store tests on a fresh database per test, on every backend under test.

use std::path::{Path, PathBuf};
use truce_model::{AgreementBundle, SourceFile};
use truce_store::{LoadOutcome, Store};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bundle_from(main_text: String) -> AgreementBundle {
    let dir = root().join("agreements/nk-2020");
    truce_model::load(
        SourceFile::new("agreements/nk-2020/agreement.toml", main_text),
        |name| {
            std::fs::read_to_string(dir.join(name))
                .map(|t| SourceFile::new(format!("agreements/nk-2020/{name}"), t))
                .map_err(|e| e.to_string())
        },
    )
    .unwrap_or_else(|p| panic!("{p}"))
}

fn nk2020() -> AgreementBundle {
    bundle_from(
        std::fs::read_to_string(root().join("agreements/nk-2020/agreement.toml"))
            .expect("agreement"),
    )
}

use truce_store::testing::fresh_all;

mod audit;
mod pages;
mod registry;
mod search;
mod submit;
mod transcription;

#[tokio::test]
async fn a_new_database_is_migrated_and_in_wal_mode() {
    for (guard, store) in fresh_all().await {
        assert_eq!(store.journal_mode().await.expect("pragma"), "wal");
        assert!(store.agreements().await.expect("list").is_empty());
        // Migrating again is a no-op.
        store.migrate().await.expect("second migrate");
        guard.done(store).await;
    }
}

/// A new database, its log and its folder are readable by their owner alone: they hold
/// accounts, sessions and the sealed registry.
#[cfg(unix)]
#[tokio::test]
async fn a_new_database_file_is_readable_by_its_owner_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("data");
    let path = folder.join("truce.db");
    let store = Store::open_sqlite(&path).await.expect("open");
    store
        .load_agreement(&nk2020())
        .await
        .expect("a write, so that the log exists");
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "database file");
    assert_eq!(mode(&folder.join("truce.db-wal")), 0o600, "log file");
    assert_eq!(mode(&folder), 0o700, "folder");
    store.close().await;
}

#[tokio::test]
async fn loading_the_agreement_twice_duplicates_nothing() {
    for (guard, store) in fresh_all().await {
        let b = nk2020();
        assert_eq!(
            store.load_agreement(&b).await.expect("load"),
            LoadOutcome::Created { version: 1 }
        );
        let counts = store.row_counts().await.expect("counts");
        assert_eq!(
            store.load_agreement(&b).await.expect("reload"),
            LoadOutcome::Unchanged { version: 1 }
        );
        assert_eq!(store.row_counts().await.expect("counts"), counts);
        let get = |t: &str| counts.iter().find(|(n, _)| n == t).map(|(_, c)| *c);
        assert_eq!(get("agreements"), Some(1));
        assert_eq!(
            get("obligations"),
            Some(i64::try_from(b.agreement.obligations.len()).expect("fits"))
        );
        assert_eq!(
            get("zones"),
            Some(i64::try_from(b.zones.zones().len()).expect("fits"))
        );
        assert_eq!(
            get("places"),
            Some(i64::try_from(b.gazetteer.places().len()).expect("fits"))
        );
        // The agreement, its zones, gazetteer and statements, and its words in three
        // other languages.
        assert_eq!(get("agreement_sources"), Some(7));

        guard.done(store).await;
    }
}

#[tokio::test]
async fn a_changed_agreement_replaces_the_previous_version_whole() {
    for (guard, store) in fresh_all().await {
        let original = std::fs::read_to_string(root().join("agreements/nk-2020/agreement.toml"))
            .expect("agreement");
        store
            .load_agreement(&bundle_from(original.clone()))
            .await
            .expect("load");
        let before = store.row_counts().await.expect("counts");
        let edited = original.replace(
            "title = \"A peacekeeping centre to control the ceasefire\"",
            "title = \"A peacekeeping centre to control the ceasefire (edited)\"",
        );
        assert_ne!(edited, original);
        assert_eq!(
            store
                .load_agreement(&bundle_from(edited))
                .await
                .expect("reload"),
            LoadOutcome::Updated { version: 2 }
        );
        assert_eq!(
            store.row_counts().await.expect("counts"),
            before,
            "same rows, replaced not added"
        );
        let back = store
            .agreement("nk-2020")
            .await
            .expect("read")
            .expect("stored");
        let centre = back
            .agreement
            .obligations
            .iter()
            .find(|o| o.id == "peacekeeping-centre")
            .expect("centre");
        assert!(centre.title.ends_with("(edited)"));
        let list = store.agreements().await.expect("list");
        assert_eq!(list[0].version, 2);
        guard.done(store).await;
    }
}

#[tokio::test]
async fn the_stored_agreement_reloads_identically_and_survives_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("truce.db");
    {
        let store = Store::open(&format!("sqlite:{}", path.display()))
            .await
            .expect("open");
        store.load_agreement(&nk2020()).await.expect("load");
        store.close().await;
    }
    let store = Store::open_sqlite(&path).await.expect("reopen");
    let b = store
        .agreement("nk-2020")
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(b.agreement.obligations, nk2020().agreement.obligations);
    assert_eq!(
        b.agreement.statements.len(),
        nk2020().agreement.statements.len()
    );
    assert!(store.agreement("nope").await.expect("read").is_none());
    // Loading the same files from another folder name is the same version.
    assert_eq!(
        store.load_agreement(&nk2020()).await.expect("reload"),
        LoadOutcome::Unchanged { version: 1 }
    );
}

#[tokio::test]
async fn unsupported_urls_are_refused_with_a_clear_error() {
    let err = Store::open("mysql://localhost/x")
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("unsupported database URL"),
        "{err}"
    );
}

/// An import stopped after committing reports but before rewriting their incidents leaves
/// those incidents marked, so the next import rewrites them — even when a superseding
/// report replaced another and the incident's report count did not change.
#[tokio::test]
async fn incidents_whose_reports_changed_are_owed_a_rewrite_after_a_stop() {
    for (guard, store) in fresh_all().await {
        let b = nk2020();
        store.load_agreement(&b).await.expect("load");
        let header = truce_formats::acled::COLUMNS.join(",");
        let row = |ts: u32| {
            format!(
                "ARM1,2021-05-12,2021,1,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,Military Forces of Azerbaijan (2003-),,1,,,0,10,,51,Caucasus and Central Asia,Armenia,,,,Goris,39.5111,46.3417,1,S,National,n,0,,{ts}"
            )
        };
        let now = "2026-11-28T00:00:00Z".parse().expect("now");
        let options = truce_store::testing::acled_options(now);
        let first = format!("{header}\n{}\n", row(1));
        truce_store::ingest::import_acled(&store, &b, first.as_bytes(), &options, 100, |_| {})
            .await
            .expect("store")
            .expect("file");
        let (state, _) = store.resume_state("nk-2020").await.expect("resume");
        assert!(
            state.iter().all(|s| !s.needs_write),
            "a finished import owes nothing"
        );

        // The newer version's report batch lands; the process stops before the incidents.
        let newer = format!("{header}\n{}\n", row(2));
        let reader =
            truce_formats::acled::Reader::new(newer.as_bytes(), &b.agreement, &b.zones, &options)
                .expect("reader");
        let r = reader
            .into_iter()
            .next()
            .expect("row")
            .expect("good")
            .report;
        let decision = truce_engine::incidents::Decision {
            report: r.id.clone(),
            incident: "inc-1".into(),
            new: false,
            candidates: 1,
            distance_m: Some(0.0),
            gap_s: Some(0),
            reason: "test".into(),
        };
        let batch = truce_store::Batch {
            agreement: "nk-2020".into(),
            reports: vec![truce_store::NewReport {
                report: r.clone(),
                raw_format: "acled",
                raw: truce_store::Raw::Json("[]".into()),
                decision,
                words: String::new(),
            }],
            superseded: vec![("acled:ARM1@1".into(), r.id.clone())],
            incidents: Vec::new(),
        };
        store.write_batch(&batch).await.expect("batch");
        let (state, _) = store.resume_state("nk-2020").await.expect("resume");
        let inc = state.iter().find(|s| s.id == "inc-1").expect("incident");
        assert_eq!(inc.members.len(), 1, "same number of reports as before");
        assert!(inc.needs_write, "but it is owed a rewrite");
        // Until then its stored list of reports is behind, so analysts cannot review it.
        let confirmed = Some(truce_engine::incidents::IncidentStatus::Confirmed);
        let refused = store
            .set_status(&b, "inc-1", confirmed, "seen by OP 3", "analyst")
            .await;
        assert!(
            matches!(&refused, Err(truce_store::verify::ReviewError::Invalid(m)) if m.contains("being rewritten by an import")),
            "{refused:?}"
        );
        // Running the import again rewrites it: it lists the newer report, and can be reviewed.
        truce_store::ingest::import_acled(&store, &b, newer.as_bytes(), &options, 100, |_| {})
            .await
            .expect("store")
            .expect("file");
        let reports = store.reports_of(&["inc-1".into()]).await.expect("reports");
        let ids: Vec<&str> = reports.iter().map(|(r, _, _)| r.id.as_str()).collect();
        assert_eq!(ids, ["acled:ARM1@2"]);
        let reviewed = store
            .set_status(&b, "inc-1", confirmed, "seen by OP 3", "analyst")
            .await
            .expect("reviewed");
        assert_eq!(reviewed.reports, ["acled:ARM1@2"]);
        guard.done(store).await;
    }
}

#[tokio::test]
async fn accounts_log_in_throttle_failures_and_keep_only_hashes() {
    use truce_store::accounts::{Login, MAX_CLIENT_FAILURES, MAX_FAILURES, UserRole};
    for (guard, store) in fresh_all().await {
        let now = "2026-11-28T00:00:00Z";
        let pw = "correct horse battery";
        let u = store
            .add_user("ana", "Ana Analyst", UserRole::Analyst, None, pw, now)
            .await
            .expect("add");
        assert_eq!(u.role, UserRole::Analyst);
        assert!(
            store
                .add_user("ana", "x", UserRole::Monitor, None, pw, now)
                .await
                .is_err(),
            "ids are unique"
        );
        assert!(
            store
                .add_user("lia", "x", UserRole::Liaison, None, pw, now)
                .await
                .is_err(),
            "a liaison needs a party"
        );
        assert!(
            store
                .add_user("pub", "x", UserRole::Public, None, pw, now)
                .await
                .is_err()
        );
        assert!(
            store
                .add_user("short", "x", UserRole::Monitor, None, "short", now)
                .await
                .is_err()
        );
        store
            .add_user("lia", "Liaison AM", UserRole::Liaison, Some("am"), pw, now)
            .await
            .expect("liaison");

        let t = 1_800_000_000;
        let (here, stranger) = ("192.0.2.10", "198.51.100.7");
        assert_eq!(
            store.login("ana", pw, here, t).await.expect("login"),
            Login::Ok(u.clone())
        );
        assert_eq!(
            store.login("nobody", pw, here, t).await.expect("login"),
            Login::Refused
        );
        for k in 0..MAX_FAILURES {
            assert_eq!(
                store
                    .login("ana", "wrong", stranger, t + k)
                    .await
                    .expect("login"),
                Login::Refused
            );
        }
        // The client that failed is throttled even with the right password, until the
        // window passes; the user, from their own address, is not locked out by it.
        assert!(
            matches!(store.login("ana", pw, stranger, t + 10).await.expect("login"), Login::Throttled(s) if s > 0)
        );
        assert_eq!(
            store.login("ana", pw, here, t + 11).await.expect("login"),
            Login::Ok(u.clone()),
            "a stranger's failures do not lock the user out"
        );
        assert_eq!(
            store
                .login("ana", pw, stranger, t + 16 * 60)
                .await
                .expect("login"),
            Login::Ok(u.clone())
        );
        // Guesses under ever new names: the client is throttled after its own limit, and
        // no name typed is kept.
        let mut throttled = false;
        for k in 0..=MAX_CLIENT_FAILURES {
            let name = format!("guess-{k}-{}", "x".repeat(300));
            throttled = matches!(
                store
                    .login(&name, "pw", stranger, t + 2000 + k)
                    .await
                    .expect("login"),
                Login::Throttled(_)
            );
        }
        assert!(
            throttled,
            "throttled after {MAX_CLIENT_FAILURES} unknown names"
        );

        let (cookie, csrf) = store.create_session("ana", t, 3600).await.expect("session");
        assert_eq!(
            store.session(&cookie, t + 10).await.expect("read"),
            Some((u.clone(), csrf))
        );
        assert_eq!(
            store.session(&cookie, t + 3601).await.expect("read"),
            None,
            "expired"
        );
        let (id, secret) = store.create_token("ana", "sync", now).await.expect("token");
        assert_eq!(
            store.token_user(&secret).await.expect("read"),
            Some(u.clone())
        );
        assert!(store.revoke_token(&id).await.expect("revoke"));
        assert_eq!(store.token_user(&secret).await.expect("read"), None);

        store.set_disabled("lia", true).await.expect("disable");
        assert_eq!(
            store.login("lia", pw, here, t).await.expect("login"),
            Login::Refused
        );

        // No secret is stored as given.
        let dump = {
            let mut buf = Vec::new();
            store.dump(&mut buf).await.expect("dump");
            String::from_utf8(buf).expect("utf-8")
        };
        for secret in [pw, cookie.as_str(), secret.as_str()] {
            assert!(!dump.contains(secret), "a secret is stored in clear");
        }
        assert!(
            !dump.contains("guess-"),
            "a name that is no user is not kept"
        );
        assert!(dump.contains("$argon2id$"));
        guard.done(store).await;
    }
}

/// A large import's writer leaves checkpoints to a connection beside it: when the import
/// returns, its reports are in the database file itself, not only in the log (read here
/// with the log ignored, while the store is still open).
#[tokio::test]
async fn a_large_import_leaves_its_log_copied_back_into_the_database() {
    use sqlx::ConnectOptions;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("truce.db");
    let store = Store::open_sqlite(&path).await.expect("open");
    let b = nk2020();
    store.load_agreement(&b).await.expect("load");
    let rows = 1_500;
    let outcome = import_shelling(&store, &b, rows, truce_store::ingest::BATCH_ROWS)
        .await
        .expect("store")
        .expect("file");
    assert_eq!(outcome.summary.accepted, rows);
    let mut file_only = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .immutable(true)
        .read_only(true)
        .connect()
        .await
        .expect("open the file alone");
    let (reports, incidents): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM incidents)")
            .fetch_one(&mut file_only)
            .await
            .expect("count");
    assert_eq!(reports, i64::try_from(rows).expect("rows"));
    assert_eq!(
        incidents,
        i64::try_from(outcome.summary.new_incidents).expect("incidents")
    );
    store.close().await;
}

/// Imports `rows` ACLED rows of shelling near Goris (ARM1, ARM2, …), `batch` per
/// transaction.
async fn import_shelling(
    store: &Store,
    b: &AgreementBundle,
    rows: u64,
    batch: usize,
) -> truce_store::Result<Result<truce_store::ingest::ImportOutcome, truce_formats::rows::FileError>>
{
    let mut text = truce_formats::acled::COLUMNS.join(",");
    for n in 1..=rows {
        text.push_str(&format!(
            "\nARM{n},2021-05-{:02},2021,1,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,Military Forces of Azerbaijan (2003-),,1,,,0,10,,51,Caucasus and Central Asia,Armenia,,,,Goris,39.5111,46.3417,1,S,National,n,0,,{n}",
            1 + n % 28
        ));
    }
    let now = "2026-11-28T00:00:00Z".parse().expect("now");
    let options = truce_store::testing::acled_options(now);
    truce_store::ingest::import_acled(store, b, text.as_bytes(), &options, batch, |_| {}).await
}

/// A SQLite store at `path` with nk-2020 loaded, and a second connection to the same file
/// that reads and changes it behind the store's back.
async fn sqlite_with_side(path: &Path) -> (Store, sqlx::SqliteConnection) {
    use sqlx::ConnectOptions;
    let store = Store::open_sqlite(path).await.expect("open");
    store.load_agreement(&nk2020()).await.expect("load");
    let side = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .expect("a second connection");
    (store, side)
}

/// Reports and incidents in the database `side` is connected to.
async fn count(side: &mut sqlx::SqliteConnection) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM incidents)")
        .fetch_one(side)
        .await
        .expect("count")
}

/// When storing fails part way (here the database refuses one report), the import returns
/// the database's reason rather than a summary; the batches committed before the failing
/// one stay, and a rerun once the fault is gone ends as an uninterrupted import does.
#[tokio::test]
async fn an_import_the_database_refuses_part_way_says_why_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = nk2020();
    let (store, mut side) = sqlite_with_side(&dir.path().join("failing.db")).await;
    sqlx::query(
        "CREATE TRIGGER refuse BEFORE INSERT ON reports WHEN NEW.source_key = 'ARM3500'
         BEGIN SELECT RAISE(ABORT, 'report refused by the test'); END",
    )
    .execute(&mut side)
    .await
    .expect("trigger");

    let failed = import_shelling(&store, &b, 5_000, 1_000).await;
    let e = failed.expect_err("the import fails");
    assert!(e.to_string().contains("report refused by the test"), "{e}");
    // Batches commit in order: the three before the one holding ARM3500 are stored.
    assert_eq!(count(&mut side).await.0, 3_000);

    sqlx::query("DROP TRIGGER refuse")
        .execute(&mut side)
        .await
        .expect("drop");
    let rerun = import_shelling(&store, &b, 5_000, 1_000)
        .await
        .expect("store")
        .expect("file");
    assert_eq!(
        (rerun.summary.accepted, rerun.summary.unchanged),
        (2_000, 3_000)
    );

    let (clean, mut clean_side) = sqlite_with_side(&dir.path().join("clean.db")).await;
    import_shelling(&clean, &b, 5_000, 1_000)
        .await
        .expect("store")
        .expect("file");
    let all = truce_store::IncidentFilter {
        limit: 100_000,
        ..Default::default()
    };
    let listed = |s: Vec<truce_engine::incidents::Incident>| -> Vec<(String, Vec<String>)> {
        s.into_iter().map(|i| (i.id, i.reports)).collect()
    };
    assert_eq!(count(&mut side).await, count(&mut clean_side).await);
    let after_rerun = listed(store.incidents(&b.agreement.id, &all).await.expect("list"));
    assert!(!after_rerun.is_empty());
    assert_eq!(
        after_rerun,
        listed(clean.incidents(&b.agreement.id, &all).await.expect("list"))
    );
    store.close().await;
    clean.close().await;
}

/// A report's stored body leaves out what the report's own columns hold (id, source, key,
/// version, type, point); reports read back whole all the same, and so do bodies that
/// earlier releases stored whole.
#[tokio::test]
async fn reports_read_back_whole_from_columns_and_a_body_that_does_not_repeat_them() {
    use truce_model::report::{Reliability, Source, SourceKind};
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, mut side) = sqlite_with_side(&dir.path().join("truce.db")).await;
    let b = nk2020();
    store
        .put_source(&Source {
            id: "op-7".into(),
            name: "Observation post 7".into(),
            kind: SourceKind::ObservationPost,
            reliability: Reliability::A,
            party: None,
        })
        .await
        .expect("source");
    let lines = [
        r#"{"source":"op-7","key":"OP7-1","version":3,"received":"2021-05-12T06:00:00.5Z","occurred":{"start":"2021-05-12T03:00:00Z","end":"2021-05-12T04:00:00Z","precision":1},"location":{"lon":47.11,"lat":39.79,"place":"Shusha","precision":1},"type":"artillery","perpetrator":"az","target":"am","casualties":{"killed_civilian":{"low":1,"best":2,"high":3}},"credibility":2,"text":"Twelve \"rounds\" — heard from the south-east.","evidence":["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]}"#,
        r#"{"source":"op-7","occurred":{"start":"2021-05-13T00:00:00Z","end":"2021-05-14T00:00:00Z","precision":1},"location":{"place":"Goris","precision":3},"type":"checkpoint-closure","credibility":3}"#,
    ];
    let now: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().expect("now");
    let sources = store.sources().await.expect("sources");
    let ctx = truce_formats::jsonl::Context {
        agreement: &b.agreement,
        sources: &sources,
        now,
    };
    let mut expected: Vec<truce_model::report::Report> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| truce_formats::jsonl::read_line(i as u64 + 1, l, &ctx).expect("a good line"))
        .collect();
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    // One with a version, place and casualties; one without a version or a point.
    assert!(expected.iter().any(|r| r.source_version.is_none()));
    assert!(expected.iter().any(|r| r.location.point.is_none()));
    let outcome =
        truce_store::ingest::import_jsonl(&store, &b, lines.join("\n").as_bytes(), now, 10, |_| {})
            .await
            .expect("import");
    assert_eq!(outcome.summary.accepted, 2);

    let read_back = || async {
        let ids: Vec<String> = store
            .incidents(
                &b.agreement.id,
                &truce_store::IncidentFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .expect("incidents")
            .into_iter()
            .map(|i| i.id)
            .collect();
        let mut reports: Vec<truce_model::report::Report> = store
            .reports_of(&ids)
            .await
            .expect("reports")
            .into_iter()
            .map(|(r, _, _)| r)
            .collect();
        reports.sort_by(|x, y| x.id.cmp(&y.id));
        reports
    };
    assert_eq!(read_back().await, expected);

    let bodies: Vec<(String, String)> = sqlx::query_as("SELECT id, body FROM reports")
        .fetch_all(&mut side)
        .await
        .expect("bodies");
    for (id, body) in &bodies {
        let v: serde_json::Value = serde_json::from_str(body).expect("json");
        for repeated in ["id", "source", "source_key", "source_version", "event_type"] {
            assert!(v.get(repeated).is_none(), "{id}: {repeated} in {body}");
        }
        assert!(v["location"].get("point").is_none(), "{id}: {body}");
        assert!(
            v.get("text").is_some() && v.get("occurred").is_some(),
            "{body}"
        );
    }

    // Bodies stored whole, as earlier releases did, read back the same.
    for r in &expected {
        sqlx::query("UPDATE reports SET body = $1 WHERE id = $2")
            .bind(serde_json::to_string(r).expect("json"))
            .bind(&r.id)
            .execute(&mut side)
            .await
            .expect("update");
    }
    assert_eq!(read_back().await, expected);
    store.close().await;
}

#[tokio::test]
async fn a_record_dated_after_the_day_of_its_import_is_refused_and_the_good_lines_kept() {
    for (guard, store) in fresh_all().await {
        let b = nk2020();
        store.load_agreement(&b).await.expect("load");
        let text = concat!(
            r#"{"type":"exchange","id":"ok","date":"2021-01-26","from":"az","to":"am","counts":{"bodies":31},"source":"test"}"#,
            "\n",
            r#"{"type":"exchange","id":"typo","date":"2032-01-26","from":"az","to":"am","counts":{"pows":3},"source":"test"}"#,
            "\n",
            r#"{"type":"closure","id":"future","zone":"lachin-corridor","from":"2031-01-01","scope":"full","declared_by":"az","source":"test"}"#,
        );
        let now: jiff::Timestamp = "2024-06-01T12:00:00Z".parse().expect("instant");
        let r = store
            .import_records(&b, "exchanges.jsonl", text, None, now)
            .await
            .expect("import");
        let refused: Vec<(u64, &str)> = r
            .rejects
            .iter()
            .map(|p| (p.line, p.pointer.as_str()))
            .collect();
        assert_eq!(refused, [(2, "/date"), (3, "/from")]);
        assert!(
            r.rejects[0]
                .reason
                .contains("after the day of this import (2024-06-01)"),
            "{}",
            r.rejects[0].reason
        );
        assert_eq!(r.counts.added, 1, "the good line is kept");
        guard.done(store).await;
    }
}
