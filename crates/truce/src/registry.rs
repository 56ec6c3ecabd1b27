//! `truce registry`, `truce audit` and `truce keys`: the detainee registry at the command
//! line, under the same need-to-know rules as the API (the store enforces them; `--as`
//! names the account whose rights apply), the audit chain, and the registry key.

use crate::{BadInput, DataArgs, NotFound, open, open_unkeyed, out, stored};
use anyhow::{Context, Result};
use clap::Subcommand;
use jiff::civil::Date;
use std::path::PathBuf;
use truce_engine::audit::Head;
use truce_model::registry::EntryKind;
use truce_store::Store;
use truce_store::registry::Viewer;

#[derive(Debug, Subcommand)]
pub enum RegistryCmd {
    /// Import persons and status changes (JSON Lines, or CSV with a `type` column; see
    /// docs/registry.md). Good lines land, refused lines are listed by line and member;
    /// re-importing changes nothing.
    Import {
        /// Files to import.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Line type of CSV rows when the file has no `type` column: person or status.
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Agreement whose actors the sides name.
        #[arg(long, default_value = "nk-2020")]
        agreement: String,
        /// Account the import is recorded under in the audit log.
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Persons with their personal data, for an account allowed to see them (a
    /// protection officer or admin: everyone; a liaison: their own side).
    List {
        /// The account whose rights apply.
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
        /// Print registry JSON Lines (the import format) instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// One person with their status history.
    Show {
        /// Registry id.
        id: String,
        /// The account whose rights apply.
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Counts by side, category and status on a date (no personal data; for everyone).
    Summary {
        /// Local date (default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<Date>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Claimed against registered against returned, per holding side, on each date given
    /// (detention-claim and exchange evidence records against the registry).
    Claims {
        /// Dates to reconcile on (default: the date of every claim and exchange).
        #[arg(long = "on", value_name = "DATE", value_delimiter = ',')]
        dates: Vec<Date>,
        /// Agreement whose evidence records hold the claims and exchanges.
        #[arg(long, default_value = "nk-2020")]
        agreement: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Walk the chain and check every stored user, token, agreement, evidence record and
    /// person against its last entry; exit 1 and list every problem when anything is off.
    Verify {
        /// A head published earlier (SEQ:HASH): proves the chain up to it was not rewritten.
        #[arg(long, value_name = "SEQ:HASH")]
        head: Option<String>,
        /// Check an exported chain file instead of the database (offline review).
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Print the chain head (SEQ:HASH) for publication.
    Head {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Write the chain as JSON Lines (one entry per line, the head last) for an outside
    /// reviewer; entries hold ids and digests, never personal data.
    Export {
        /// Output file (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Replace the registry key: a new key is written beside the old, every personal field
    /// is re-sealed in one transaction, then the old key file is renamed
    /// `….retired-FINGERPRINT` (keep it as long as backups made before exist). A rotation
    /// that stops half way is finished by running it again.
    Rotate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Make a bulletin signing key (ed25519): FILE (owner-only) and FILE with `.pub`.
    Generate {
        /// The secret key file (default: bulletin-signing.key in the data directory).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Print the fingerprint of the registry key in use.
    Show {
        #[command(flatten)]
        data: DataArgs,
    },
}

/// The viewer for `--as USER`, or a public viewer without it.
async fn viewer(store: &Store, as_user: Option<&str>) -> Result<Viewer> {
    let Some(id) = as_user else {
        return Ok(Viewer {
            actor: store.actor().to_owned(),
            ..Viewer::public()
        });
    };
    let user = store
        .user(id)
        .await?
        .ok_or_else(|| BadInput(format!("no user `{id}`")))?;
    if user.disabled {
        return Err(BadInput(format!("user `{id}` is disabled")).into());
    }
    Ok(Viewer {
        actor: format!("{} ({})", user.id, store.actor()),
        ..Viewer::of(&user)
    })
}

fn not_allowed(e: truce_store::StoreError) -> anyhow::Error {
    match e {
        truce_store::StoreError::NotAllowed(m) => BadInput(format!(
            "{m}; give --as USER with a protection officer's, an admin's or the side's liaison's account"
        ))
        .into(),
        other => other.into(),
    }
}

pub async fn registry(cmd: RegistryCmd) -> Result<()> {
    match cmd {
        RegistryCmd::Import {
            files,
            kind,
            agreement,
            as_user,
            data,
        } => {
            let kind = match kind.as_deref() {
                None => None,
                Some(k) => Some(EntryKind::parse(k).ok_or_else(|| {
                    BadInput(format!(
                        "unknown registry line type `{k}`; {}",
                        truce_model::diag::suggest(k, EntryKind::ALL.iter().copied())
                    ))
                })?),
            };
            let mut store = open(&data).await?;
            if let Some(u) = &as_user {
                let v = viewer(&store, Some(u)).await?;
                store = store.acting_as(&v.actor);
            }
            let b = stored(&store, &agreement).await?;
            let mut refused = 0;
            for f in files {
                let text = std::fs::read_to_string(&f)
                    .map_err(|e| BadInput(format!("cannot read {}: {e}", f.display())))?;
                let name = f.display().to_string();
                let r = store.import_registry(&b, &name, &text, kind).await?;
                out(&format!(
                    "{name}: persons {} added, {} updated, {} unchanged; status changes {} added, {} unchanged; {} refused\n",
                    r.persons_added,
                    r.persons_updated,
                    r.persons_unchanged,
                    r.statuses_added,
                    r.statuses_unchanged,
                    r.rejects.len()
                ))?;
                crate::print_rejects(&name, &r.rejects);
                refused += r.rejects.len();
            }
            crate::refused_lines(refused)
        }
        RegistryCmd::List {
            as_user,
            json,
            data,
        } => {
            let store = open(&data).await?;
            let v = viewer(&store, as_user.as_deref()).await?;
            let list = store.registry_persons(&v).await.map_err(not_allowed)?;
            if json {
                let mut s = String::new();
                for l in truce_store::registry::export_lines(&list) {
                    s.push_str(&l);
                    s.push('\n');
                }
                out(&s)?;
            } else {
                out(&crate::render::persons_table(&list))?;
            }
            if list.is_empty() {
                Err(NotFound.into())
            } else {
                Ok(())
            }
        }
        RegistryCmd::Show { id, as_user, data } => {
            let store = open(&data).await?;
            let v = viewer(&store, as_user.as_deref()).await?;
            match store.registry_person(&v, &id).await? {
                Some(p) => out(&format!("{}\n", serde_json::to_string_pretty(&p)?)),
                None => Err(BadInput(format!(
                    "no person `{id}` that {} may see",
                    as_user.as_deref().unwrap_or("a visitor without --as")
                ))
                .into()),
            }
        }
        RegistryCmd::Summary { as_of, json, data } => {
            let store = open(&data).await?;
            let date = as_of.unwrap_or_else(|| {
                jiff::Timestamp::now()
                    .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                    .date()
            });
            let counts = truce_engine::registry::counts(&store.registry_facts().await?, date);
            if json {
                out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"as_of": date, "counts": counts})
                    )?
                ))
            } else {
                out(&crate::render::registry_counts(date, &counts))
            }
        }
        RegistryCmd::Claims {
            dates,
            agreement,
            json,
            data,
        } => {
            let store = open(&data).await?;
            let b = stored(&store, &agreement).await?;
            let (_, evidence) = store.evidence(&b).await?;
            let mut dates = dates;
            if dates.is_empty() {
                dates = evidence
                    .claims
                    .iter()
                    .map(|c| c.date)
                    .chain(evidence.exchanges.iter().map(|x| x.date))
                    .collect();
                dates.sort();
                dates.dedup();
            }
            let rows = truce_engine::registry::reconcile(
                &store.registry_facts().await?,
                &evidence.claims,
                &evidence.exchanges,
                &dates,
            );
            if json {
                out(&format!("{}\n", serde_json::to_string_pretty(&rows)?))
            } else {
                out(&crate::render::reconciliation_table(&rows))
            }
        }
    }
}

pub async fn audit(cmd: AuditCmd) -> Result<()> {
    match cmd {
        AuditCmd::Verify {
            head,
            export,
            json,
            data,
        } => {
            let published = match head.as_deref() {
                None => None,
                Some(h) => Some(Head::parse(h).ok_or_else(|| {
                    BadInput(format!(
                        "`{h}` is not a chain head (SEQ:HASH, 64 hex digits)"
                    ))
                })?),
            };
            let (chain, state, checked) = match export {
                Some(file) => {
                    let (entries, stored_head) = read_export(&file)?;
                    (
                        truce_engine::audit::check_chain(
                            &entries,
                            stored_head.as_ref(),
                            published.as_ref(),
                        ),
                        Vec::new(),
                        0,
                    )
                }
                None => {
                    let store = open_unkeyed(&data).await?;
                    let r = store.audit_verify(published.as_ref()).await?;
                    (r.chain, r.state, r.targets_checked)
                }
            };
            let intact = chain.findings.is_empty() && state.is_empty();
            if json {
                out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "intact": intact,
                        "chain": chain,
                        "targets_checked": checked,
                        "state": state,
                    }))?
                ))?;
            } else {
                let mut s = format!(
                    "{} entries, head {}; {} stored targets checked\n",
                    chain.entries, chain.head, checked
                );
                if let Some(first) = chain.first_broken {
                    s += &format!(
                        "the chain breaks at entry {first}: entries {first} to {} are not vouched for\n",
                        chain.head.seq.max(first)
                    );
                }
                for f in chain.findings.iter().chain(&state) {
                    s += &format!("  {}\n", f.what);
                }
                s += if intact { "intact\n" } else { "TAMPERED\n" };
                out(&s)?;
            }
            if intact { Ok(()) } else { Err(NotFound.into()) }
        }
        AuditCmd::Head { data } => {
            let store = open_unkeyed(&data).await?;
            let h = store.audit_head().await?;
            out(&format!("{h}\n"))
        }
        AuditCmd::Export { out: file, data } => {
            let store = open_unkeyed(&data).await?;
            let mut text = String::new();
            let mut from = 1;
            loop {
                let page = store.audit_entries(from, 10_000).await?;
                let Some(last) = page.last() else { break };
                from = last.seq + 1;
                for e in &page {
                    text.push_str(&serde_json::to_string(e)?);
                    text.push('\n');
                }
            }
            text.push_str(&serde_json::to_string(
                &serde_json::json!({"head": store.audit_head().await?.to_string()}),
            )?);
            text.push('\n');
            match file {
                Some(f) => std::fs::write(&f, text)
                    .with_context(|| format!("cannot write {}", f.display())),
                None => out(&text),
            }
        }
    }
}

/// Reads an exported chain: entries, then the head line.
fn read_export(file: &std::path::Path) -> Result<(Vec<truce_engine::audit::Entry>, Option<Head>)> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", file.display())))?;
    let mut entries = Vec::new();
    let mut head = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| BadInput(format!("{}:{}: not JSON: {e}", file.display(), i + 1)))?;
        if let Some(h) = v.get("head").and_then(|h| h.as_str()) {
            head = Head::parse(h);
            continue;
        }
        entries.push(serde_json::from_value(v).map_err(|e| {
            BadInput(format!(
                "{}:{}: not an audit entry: {e}",
                file.display(),
                i + 1
            ))
        })?);
    }
    Ok((entries, head))
}

pub async fn keys(cmd: KeysCmd) -> Result<()> {
    match cmd {
        KeysCmd::Rotate { data } => {
            let store = open(&data).await?;
            let path = data.key_file();
            let old = truce_store::seal::Keyring::load(&path)?;
            let new = old.begin_rotation(&path)?;
            let fingerprint = new.fingerprint().to_owned();
            let n = store.with_keys(new).rekey_registry().await?;
            let retired = truce_store::seal::Keyring::finish_rotation(&path, old.fingerprint())?;
            store
                .audit_event(
                    "keys.rotate",
                    "registry-key",
                    serde_json::json!({"from": old.fingerprint(), "to": fingerprint, "values": n}),
                )
                .await?;
            out(&format!(
                "registry key rotated: {} → {fingerprint}; {n} sealed value(s) re-sealed; old key kept as {}\n",
                old.fingerprint(),
                retired.display()
            ))
        }
        KeysCmd::Generate { out: file, data } => crate::bulletin::generate(
            &file.unwrap_or_else(|| crate::bulletin::default_signing_key(&data)),
        ),
        KeysCmd::Show { data } => {
            let path = data.key_file();
            let k = truce_store::seal::Keyring::load(&path)?;
            out(&format!("registry key {}\n", k.fingerprint()))
        }
    }
}
