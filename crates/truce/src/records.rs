//! `truce evidence import|list`: evidence records (handovers, strength, crossings,
//! closures, exchanges…) from JSON Lines or CSV files, and their listing.

use crate::{BadInput, DataArgs, NotFound, open, out, stored};
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
use truce_model::records::RecordKind;

#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// Import evidence records (JSON Lines, docs/evidence.md); re-importing changes nothing.
    Import {
        /// Files to import: JSON Lines, or CSV (`.csv`) with the members as columns.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Record type of CSV rows when the file has no `type` column.
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Agreement the records are about (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
        #[arg(long, env = "TRUCE_AGREEMENT")]
        agreement: Option<String>,
        #[command(flatten)]
        lang: crate::render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Retract a record (one stored twice, or in error): no rule reads it any more; its
    /// versions and the reason stay in the audit log. Importing it again brings it back.
    Retract {
        /// The record, as `kind:id` (`exchange:2020-12-14-to-am`).
        record: String,
        /// Why, for the audit log.
        #[arg(long)]
        reason: String,
        /// Agreement (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
        #[arg(long, env = "TRUCE_AGREEMENT")]
        agreement: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List the current evidence records.
    List {
        /// Only records of this type (handover, strength, crossing, …).
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Agreement (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
        #[arg(long, env = "TRUCE_AGREEMENT")]
        agreement: Option<String>,
        /// Print JSON Lines (the import format) instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lang: crate::render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
}

fn record_kind(kind: Option<String>) -> Result<Option<RecordKind>> {
    match kind {
        Some(k) => Ok(Some(RecordKind::parse(&k).ok_or_else(|| {
            BadInput(format!(
                "unknown record type `{k}`; {}",
                truce_model::diag::suggest(&k, RecordKind::ALL.iter().copied())
            ))
        })?)),
        None => Ok(None),
    }
}

pub async fn evidence(cmd: EvidenceCmd) -> Result<()> {
    match cmd {
        EvidenceCmd::Import {
            files,
            kind,
            agreement,
            lang,
            data,
        } => {
            let m = lang.messages();
            let kind = record_kind(kind)?;
            let store = open(&data).await?;
            let b = stored(&store, agreement.as_deref()).await?;
            let mut refused = 0;
            for f in files {
                let text = std::fs::read_to_string(&f)
                    .map_err(|e| BadInput(format!("cannot read {}: {e}", f.display())))?;
                let name = f.display().to_string();
                let r = store
                    .import_records(&b, &name, &text, kind, jiff::Timestamp::now())
                    .await?;
                let c = |n: u64| crate::render::count(m, n);
                out(&format!(
                    "{}{}\n",
                    m.t(
                        "cli.records.imported",
                        &[
                            ("file", (&name).into()),
                            ("added", c(r.counts.added)),
                            ("updated", c(r.counts.updated)),
                            ("unchanged", c(r.counts.unchanged)),
                            ("refused", crate::render::count(m, r.rejects.len())),
                        ],
                    ),
                    if r.warnings.is_empty() {
                        String::new()
                    } else {
                        m.t(
                            "cli.records.warnings",
                            &[("n", crate::render::count(m, r.warnings.len()))],
                        )
                    }
                ))?;
                crate::print_rejects(&name, &r.rejects);
                for w in &r.warnings {
                    #[allow(clippy::print_stderr)]
                    {
                        eprintln!("{name}:{} {}: warning: {}", w.line, w.pointer, w.reason);
                    }
                }
                refused += r.rejects.len();
            }
            crate::refused_lines(refused)
        }
        EvidenceCmd::Retract {
            record,
            reason,
            agreement,
            data,
        } => {
            let (kind, id) = record.split_once(':').ok_or_else(|| {
                BadInput(format!(
                    "`{record}` is not `kind:id` (as `truce evidence list --json` and the scorecard cite records)"
                ))
            })?;
            let kind = record_kind(Some(kind.to_owned()))?.unwrap_or(RecordKind::Exchange);
            if reason.trim().is_empty() {
                return Err(BadInput("--reason must say why".into()).into());
            }
            let store = open(&data).await?;
            let b = stored(&store, agreement.as_deref()).await?;
            if store
                .retract_record(&b.agreement.id, kind, id, &reason)
                .await?
            {
                out(&format!("retracted {record}\n"))
            } else {
                Err(NotFound.into())
            }
        }
        EvidenceCmd::List {
            kind,
            agreement,
            json,
            lang,
            data,
        } => {
            let kind = record_kind(kind)?;
            let store = open(&data).await?;
            let b = stored(&store, agreement.as_deref()).await?;
            let list = store.records(&b, kind).await?;
            if json {
                let mut s = String::new();
                for r in &list {
                    s.push_str(&truce_formats::records::write_line(&r.record));
                    s.push('\n');
                }
                out(&s)?;
            } else {
                out(&crate::render::records_table(
                    &crate::render::Speaker::new(&b, lang.code()),
                    &list,
                ))?;
            }
            if list.is_empty() {
                Err(NotFound.into())
            } else {
                Ok(())
            }
        }
    }
}
