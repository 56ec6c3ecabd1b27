//! `truce registry`, `truce audit` and `truce keys`: the detainee registry at the command
//! line, under the same need-to-know rules as the API (the store enforces them; `--as`
//! names the account whose rights apply), the audit chain, and the registry key.

use crate::{BadInput, DataArgs, NotFound, open, out, stored};
use anyhow::Result;
use clap::Subcommand;
use jiff::civil::Date;
use std::path::PathBuf;
use truce_model::access::{Action, allowed};
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
        /// Agreement whose actors the sides name (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
        #[arg(long, env = "TRUCE_AGREEMENT")]
        agreement: Option<String>,
        /// Account the import is made as: recorded under it in the audit log, refused
        /// unless its role may manage the registry.
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
        #[command(flatten)]
        lang: crate::render::LangArg,
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
        lang: crate::render::LangArg,
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
        lang: crate::render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Claimed against registered against returned, per holding side, on each date given
    /// (detention-claim and exchange evidence records against the registry).
    Claims {
        /// Dates to reconcile on (default: the date of every claim and exchange).
        #[arg(long = "on", value_name = "DATE", value_delimiter = ',')]
        dates: Vec<Date>,
        /// Agreement whose evidence records hold the claims and exchanges (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
        #[arg(long, env = "TRUCE_AGREEMENT")]
        agreement: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lang: crate::render::LangArg,
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
            lang,
            data,
        } => {
            let m = lang.messages();
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
                if !allowed(v.role, Action::ManageRegistry) {
                    return Err(BadInput(format!(
                        "the role `{}` may not import into the registry",
                        v.role.as_str()
                    ))
                    .into());
                }
                store = store.acting_as(&v.actor);
            }
            let b = stored(&store, agreement.as_deref()).await?;
            let mut refused = 0;
            for f in files {
                let text = std::fs::read_to_string(&f)
                    .map_err(|e| BadInput(format!("cannot read {}: {e}", f.display())))?;
                let name = f.display().to_string();
                let r = store.import_registry(&b, &name, &text, kind).await?;
                let c = |n: u64| crate::render::count(m, n);
                out(&(m.t(
                    "cli.registry.imported",
                    &[
                        ("file", (&name).into()),
                        ("added", c(r.persons_added)),
                        ("updated", c(r.persons_updated)),
                        ("unchanged", c(r.persons_unchanged)),
                        ("statuses", c(r.statuses_added)),
                        ("statuses_unchanged", c(r.statuses_unchanged)),
                        ("refused", crate::render::count(m, r.rejects.len())),
                    ],
                ) + "\n"))?;
                crate::print_rejects(&name, &r.rejects);
                refused += r.rejects.len();
            }
            crate::refused_lines(refused)
        }
        RegistryCmd::List {
            as_user,
            json,
            lang,
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
                out(&crate::render::persons_table(lang.messages(), &list))?;
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
        RegistryCmd::Summary {
            as_of,
            json,
            lang,
            data,
        } => {
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
                out(&crate::render::registry_counts(
                    lang.messages(),
                    date,
                    &counts,
                ))
            }
        }
        RegistryCmd::Claims {
            dates,
            agreement,
            json,
            lang,
            data,
        } => {
            let m = lang.messages();
            let store = open(&data).await?;
            let b = stored(&store, agreement.as_deref()).await?;
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
                &evidence,
                &dates,
            );
            let stated = dates
                .last()
                .map(|d| truce_engine::registry::stated_totals(&b.agreement, &evidence, *d))
                .unwrap_or_default();
            if json {
                out(&format!("{}\n", serde_json::to_string_pretty(&rows)?))
            } else {
                out(&crate::render::reconciliation_table(m, &rows))?;
                if stated.is_empty() {
                    Ok(())
                } else {
                    out(&format!(
                        "\n{}\n{}",
                        m.t("cli.registry.stated", &[]),
                        crate::render::stated_totals_table(m, &stated)
                    ))
                }
            }
        }
    }
}
