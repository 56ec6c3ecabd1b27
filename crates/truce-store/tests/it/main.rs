//! Store tests on a fresh SQLite database per test.

use std::path::{Path, PathBuf};
use truce_core::{AgreementBundle, SourceFile};
use truce_store::{LoadOutcome, Store};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bundle_from(main_text: String) -> AgreementBundle {
    let dir = root().join("agreements/nk-2020");
    truce_core::load(
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

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_sqlite(&dir.path().join("truce.db"))
        .await
        .expect("open");
    (dir, store)
}

#[tokio::test]
async fn a_new_database_is_migrated_and_in_wal_mode() {
    let (_dir, store) = fresh().await;
    assert_eq!(store.journal_mode().await.expect("pragma"), "wal");
    assert!(store.agreements().await.expect("list").is_empty());
    // Migrating again is a no-op.
    store.migrate().await.expect("second migrate");
}

#[tokio::test]
async fn loading_the_agreement_twice_duplicates_nothing() {
    let (_dir, store) = fresh().await;
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
    assert_eq!(get("agreement_sources"), Some(4));
}

#[tokio::test]
async fn a_changed_agreement_replaces_the_previous_version_whole() {
    let (_dir, store) = fresh().await;
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
