//! Operations on the database itself: `truce migrate`, `truce backup`, `truce restore`
//! and `truce copy` (docs/operations.md).

use crate::{BadInput, DB_FILE, DataArgs, open, out, redact};
use anyhow::{Context, Result};
use clap::Args;
use std::io::BufReader;
use std::path::PathBuf;
use truce_store::Store;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (refused if it exists).
    file: PathBuf,
    /// SQLite only: copy the database file whole (`VACUUM INTO`) instead of writing a
    /// logical dump; the copy opens as a data directory's `truce.db`.
    #[arg(long)]
    sqlite_file: bool,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A dump written by `truce backup`.
    file: PathBuf,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The database to copy into (must be empty), e.g. postgres://truce@db1/truce.
    #[arg(long, value_name = "URL")]
    to: String,
    #[command(flatten)]
    data: DataArgs,
}

/// Opens the store named by the arguments, migrated, without loading anything into it.
async fn open_bare(args: &DataArgs) -> Result<Store> {
    if let Some(url) = &args.database {
        return Store::open(url)
            .await
            .with_context(|| format!("cannot open the database {}", redact(url)));
    }
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("cannot create data directory {}", args.data.display()))?;
    Store::open_sqlite(&args.data.join(DB_FILE))
        .await
        .with_context(|| format!("cannot open the database in {}", args.data.display()))
}

pub async fn migrate(args: DataArgs) -> Result<()> {
    let store = open_bare(&args).await?;
    let applied = store.applied_migrations().await?;
    out(&format!(
        "{} database up to date: {} migration(s) applied ({})\n",
        store.backend_name(),
        applied.len(),
        applied.join(", ")
    ))
}

pub async fn backup(args: BackupArgs) -> Result<()> {
    if args.file.exists() {
        return Err(BadInput(format!("{} exists; name a new file", args.file.display())).into());
    }
    let store = open(&args.data).await?;
    if args.sqlite_file {
        store.backup_sqlite_file(&args.file).await?;
        return out(&format!(
            "copied the SQLite database to {}\n",
            args.file.display()
        ));
    }
    let file = std::fs::File::create(&args.file)
        .with_context(|| format!("cannot create {}", args.file.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let moved = store.dump(&mut w).await?;
    out(&format!(
        "wrote {} rows of {} tables from {} to {}\n",
        moved.rows(),
        moved.tables.len(),
        store.backend_name(),
        args.file.display()
    ))
}

pub async fn restore(args: RestoreArgs) -> Result<()> {
    let file = std::fs::File::open(&args.file)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", args.file.display())))?;
    let store = open_bare(&args.data).await?;
    // A data directory gets its audit key now if it has none: the restored chain is
    // authenticated with it.
    let store = crate::with_audit_key(store, &args.data, args.data.database.is_none()).await?;
    let moved = store
        .restore(&mut BufReader::new(file))
        .await
        .map_err(|e| BadInput(format!("{}: {e}", args.file.display())))?;
    out(&format!(
        "restored {} rows of {} tables into {}\n",
        moved.rows(),
        moved.tables.len(),
        store.backend_name()
    ))
}

pub async fn copy(args: CopyArgs) -> Result<()> {
    let from = open(&args.data).await?;
    let to = Store::open(&args.to)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&args.to)))?;
    // The copy keeps the source's audit key: its nodes are given the same file.
    let to = crate::with_audit_key(to, &args.data, false).await?;
    let mut buf: Vec<u8> = Vec::new();
    let dumped = from.dump(&mut buf).await?;
    let moved = to
        .restore(&mut buf.as_slice())
        .await
        .map_err(|e| BadInput(format!("{}: {e}", redact(&args.to))))?;
    if moved != dumped {
        anyhow::bail!("copied {} rows but read {}", moved.rows(), dumped.rows());
    }
    out(&format!(
        "copied {} rows of {} tables from {} to {} ({})\n",
        moved.rows(),
        moved.tables.len(),
        from.backend_name(),
        to.backend_name(),
        redact(&args.to)
    ))
}
