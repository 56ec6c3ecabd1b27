//! Bootstrapping: a new data directory (or an empty shared database) gets the built-in
//! agreements and their demo evidence. Idempotent: running it again changes nothing.

use crate::builtin;
use crate::import::{ImportOptions, Imported, ReportFormat, import_reports};
use anyhow::{Context, Result};
use std::path::Path;
use truce_model::AgreementBundle;
use truce_store::{LoadOutcome, Store};

/// The database file inside a data directory.
pub const DB_FILE: &str = "truce.db";

/// Creates the data directory and its SQLite database and loads the built-in agreements
/// with their demo evidence.
pub async fn init_dir(dir: &Path) -> Result<Store> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    let store = Store::open_sqlite(&dir.join(DB_FILE))
        .await
        .with_context(|| format!("cannot open the database in {}", dir.display()))?;
    load_builtin(&store).await?;
    Ok(store)
}

/// Loads an agreement into `store`; when it replaces an earlier version (new zones, new
/// aliases), reassesses the agreement's incidents from their stored reports under its
/// import lock, so that they are placed and attributed by the agreement as it now is.
pub async fn load_agreement(store: &Store, b: &AgreementBundle) -> Result<LoadOutcome> {
    let outcome = store.load_agreement(b).await?;
    if matches!(outcome, LoadOutcome::Updated { .. }) {
        let lock = store.import_lock(&b.agreement.id).await?;
        let reassessed = truce_store::ingest::reassess_incidents(store, b).await;
        lock.release().await?;
        reassessed?;
    }
    Ok(outcome)
}

/// Loads every built-in agreement, its demo evidence and its incident reports into
/// `store`.
pub async fn load_builtin(store: &Store) -> Result<()> {
    for b in builtin::agreements()? {
        load_agreement(store, &b).await?;
        load_demo_evidence(store, &b).await?;
        load_builtin_reports(store, &b).await?;
    }
    Ok(())
}

/// Registers the sources of a built-in agreement's incident reports (those not yet
/// registered) and imports the reports; any refused line is an error.
pub async fn load_builtin_reports(store: &Store, b: &AgreementBundle) -> Result<()> {
    let Some((sources, reports)) = builtin::reports(&b.agreement.id)? else {
        return Ok(());
    };
    let known = store.sources().await?;
    for s in sources.iter().filter(|s| !known.contains_key(&s.id)) {
        store.put_source(s).await?;
    }
    let options = ImportOptions {
        format: ReportFormat::Jsonl,
        source: None,
        credibility: 3,
        batch_rows: 1_000,
        now: jiff::Timestamp::now(),
    };
    match import_reports(store, b, reports.as_bytes(), &options, |_| {}).await? {
        Ok(Imported::Reports(o)) if o.rejects.is_empty() => Ok(()),
        Ok(Imported::Reports(o)) => anyhow::bail!(
            "built-in reports of {} have refused lines: {:?}",
            b.agreement.id,
            o.rejects
        ),
        Ok(Imported::Retracted(..)) => Ok(()),
        Err(e) => anyhow::bail!(
            "built-in reports of {}: line {}: {}",
            b.agreement.id,
            e.line,
            e.message
        ),
    }
}

/// Gives a database made before demo evidence existed the demo evidence of each built-in
/// agreement that has no evidence record yet.
pub async fn add_missing_demo_evidence(store: &Store) -> Result<()> {
    for b in builtin::agreements()? {
        if let Some(stored) = store.agreement(&b.agreement.id).await?
            && store.records(&stored, None).await?.is_empty()
        {
            load_demo_evidence(store, &stored).await?;
        }
    }
    Ok(())
}

/// Imports a built-in agreement's demo evidence (idempotent).
pub async fn load_demo_evidence(store: &Store, b: &AgreementBundle) -> Result<()> {
    for (name, text) in builtin::evidence(&b.agreement.id) {
        let r = store
            .import_records(b, &name, text, None, jiff::Timestamp::now())
            .await?;
        if !r.rejects.is_empty() {
            anyhow::bail!(
                "built-in evidence {name} has refused lines: {:?}",
                r.rejects
            );
        }
    }
    Ok(())
}
