//! `truce audit verify|head|export`: the tamper-evident log checked, its head, its entries.

use crate::{BadInput, DataArgs, NotFound, open_unkeyed, out};
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use truce_engine::audit::Head;

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
        lang: crate::render::LangArg,
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

pub async fn audit(cmd: AuditCmd) -> Result<()> {
    match cmd {
        AuditCmd::Verify {
            head,
            export,
            json,
            lang,
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
            let (chain, state, checked, keyed) = match export {
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
                        None,
                    )
                }
                None => {
                    let store = open_unkeyed(&data).await?;
                    let store = crate::with_audit_key(store, &data, false).await?;
                    let r = store.audit_verify(published.as_ref()).await?;
                    let keyed = r.key_checked.then_some(r.unauthenticated);
                    (r.chain, r.state, r.targets_checked, keyed)
                }
            };
            let unauthenticated = keyed.clone().unwrap_or_default();
            let intact =
                chain.findings.is_empty() && state.is_empty() && unauthenticated.is_empty();
            if json {
                out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "intact": intact,
                        "chain": chain,
                        "targets_checked": checked,
                        "state": state,
                        "key_checked": keyed.is_some(),
                        "unauthenticated": unauthenticated,
                    }))?
                ))?;
            } else {
                let m = lang.messages();
                let c = |n: u64| crate::render::count(m, n);
                let mut s = m.t(
                    "cli.audit.checked",
                    &[
                        ("n", c(chain.entries)),
                        ("head", chain.head.to_string().into()),
                        ("targets", c(checked)),
                    ],
                ) + "\n";
                if let Some(first) = chain.first_broken {
                    s += &(m.t(
                        "cli.audit.breaks",
                        &[
                            ("first", truce_model::i18n::Arg::Plain(first)),
                            (
                                "last",
                                truce_model::i18n::Arg::Plain(chain.head.seq.max(first)),
                            ),
                        ],
                    ) + "\n");
                }
                s += &(m.t(
                    if keyed.is_some() {
                        "cli.audit.keyed"
                    } else {
                        "cli.audit.unkeyed"
                    },
                    &[],
                ) + "\n");
                for f in chain.findings.iter().chain(&state).chain(&unauthenticated) {
                    s += &format!("  {}\n", f.what);
                }
                s += &(m.t(
                    if intact {
                        "cli.audit.intact"
                    } else {
                        "cli.audit.tampered"
                    },
                    &[],
                ) + "\n");
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
