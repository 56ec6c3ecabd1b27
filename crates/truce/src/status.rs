//! `truce evidence` (import and list evidence records) and `truce status` (the scorecard
//! on a date, why one line is what it is, and what changed between two dates).

use crate::{BadInput, DataArgs, open, out, stored};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use jiff::civil::Date;
use truce_engine::compliance::{self, Inputs, Line, Options, Scorecard};
use truce_model::AgreementBundle;
use truce_store::Store;

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(subcommand)]
    cmd: Option<StatusCmd>,
    /// Local date in the agreement's time zone (default: today there).
    #[arg(long, value_name = "DATE", global = true)]
    as_of: Option<Date>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(flatten)]
    rules: RuleArgs,
    /// Agreement (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
    #[arg(long, global = true, env = "TRUCE_AGREEMENT")]
    agreement: Option<String>,
    #[command(flatten)]
    lang: crate::render::LangArg,
    #[command(flatten)]
    data: DataArgs,
}

/// Thresholds of the rules (docs/compliance.md).
#[derive(Debug, Args)]
struct RuleArgs {
    /// Days in the ceasefire's reporting period and trend window.
    #[arg(long, default_value_t = 7, global = true, value_parser = clap::value_parser!(u32).range(1..=366))]
    period_days: u32,
    /// Confirmed or corroborated violations by one party within a period that breach
    /// the ceasefire.
    #[arg(long, default_value_t = 1, global = true, value_parser = clap::value_parser!(u32).range(1..))]
    breach_threshold: u32,
}

#[derive(Debug, Subcommand)]
enum StatusCmd {
    /// Why one obligation has its status: the rule's figures and every evidence record.
    Explain {
        /// Obligation id (see `truce status`).
        obligation: String,
    },
    /// Every status change between two dates, day by day.
    Diff {
        /// First date (the statuses to compare against).
        from: Date,
        /// Last date.
        to: Date,
    },
}

fn options(r: &RuleArgs) -> Options {
    Options {
        period_days: r.period_days,
        breach_threshold: r.breach_threshold,
        ..Options::default()
    }
}

struct Loaded {
    bundle: AgreementBundle,
    records: Vec<truce_store::records::StoredRecord>,
    evidence: truce_model::records::Evidence,
    violations: compliance::ViolationIndex,
}

async fn load(store: &Store, agreement: Option<&str>) -> Result<Loaded> {
    let bundle = stored(store, agreement).await?;
    let (records, evidence) = store
        .evidence(&bundle)
        .await
        .context("cannot read evidence records")?;
    let violations = store
        .violations(&bundle)
        .await
        .context("cannot read incidents")?;
    Ok(Loaded {
        bundle,
        records,
        evidence,
        violations,
    })
}

pub async fn status(args: StatusArgs) -> Result<()> {
    let store = open(&args.data).await?;
    let l = load(&store, args.agreement.as_deref()).await?;
    let opts = options(&args.rules);
    let input = Inputs {
        agreement: &l.bundle.agreement,
        evidence: &l.evidence,
        violations: &l.violations,
        options: &opts,
    };
    let a = &l.bundle.agreement;
    let today = || {
        jiff::Timestamp::now()
            .to_zoned_datetime(a.tz().clone())
            .date()
    };
    match args.cmd {
        None => {
            let card = compliance::evaluate(input, args.as_of.unwrap_or_else(today));
            if args.json {
                out(&format!("{}\n", serde_json::to_string_pretty(&card)?))
            } else {
                out(&crate::render::scorecard(
                    &l.bundle,
                    &card,
                    args.lang.code(),
                ))
            }
        }
        Some(StatusCmd::Explain { obligation }) => {
            let card = compliance::evaluate(input, args.as_of.unwrap_or_else(today));
            let Some(line) = card.line(&obligation) else {
                let ids: Vec<&str> = card.lines.iter().map(|l| l.obligation.as_str()).collect();
                return Err(BadInput(format!(
                    "no obligation `{obligation}` in force on {}; {}",
                    card.as_of,
                    truce_model::diag::suggest(&obligation, ids.iter().copied())
                ))
                .into());
            };
            if args.json {
                out(&format!("{}\n", serde_json::to_string_pretty(line)?))
            } else {
                out(&explain(
                    &crate::render::Speaker::new(&l.bundle, args.lang.code()),
                    &l.records,
                    &card,
                    line,
                )?)
            }
        }
        Some(StatusCmd::Diff { from, to }) => {
            if to < from {
                return Err(BadInput(format!("`{to}` is before `{from}`")).into());
            }
            let alerts = compliance::alerts(input, from, to);
            if args.json {
                out(&format!("{}\n", serde_json::to_string_pretty(&alerts)?))
            } else {
                out(&crate::render::alerts(
                    &crate::render::Speaker::new(&l.bundle, args.lang.code()),
                    from,
                    to,
                    &alerts,
                ))
            }
        }
    }
}

/// The text of `status explain`: the line, the rule's figures, and each cited record
/// with its source.
fn explain(
    sp: &crate::render::Speaker<'_>,
    records: &[truce_store::records::StoredRecord],
    card: &Scorecard,
    line: &Line,
) -> Result<String> {
    let mut s = crate::render::line_header(sp, card, line);
    s.push('\n');
    s.push_str(&sp.t("cli.explain.evidence", &[]));
    s.push('\n');
    if line.status.evidence.is_empty() {
        s.push_str(&format!("  {}\n", sp.t("cli.explain.no_evidence", &[])));
    }
    for key in &line.status.evidence {
        match records.iter().find(|r| r.record.key() == *key) {
            Some(r) => {
                let when = r
                    .record
                    .when_part()
                    .map(|w| sp.part(&w))
                    .unwrap_or_default();
                s.push_str(&format!(
                    "  {}\n    {}\n    {}\n",
                    sp.t(
                        "cli.explain.record",
                        &[
                            ("key", key.into()),
                            ("when", when.into()),
                            ("summary", sp.say(&r.record.summary_msg()).into()),
                        ]
                    ),
                    sp.t(
                        "cli.explain.source",
                        &[("source", r.record.source().into())]
                    ),
                    sp.t(
                        "cli.explain.origin",
                        &[
                            ("origin", (&r.origin).into()),
                            ("version", truce_model::i18n::Arg::Plain(r.version)),
                        ]
                    ),
                ));
            }
            None => {
                s.push_str(&format!(
                    "  {}\n",
                    sp.t("cli.explain.incident", &[("key", key.into())])
                ));
            }
        }
    }
    if !line.details.is_null() {
        s.push_str(&format!(
            "\n{}\n{}\n",
            sp.t("cli.explain.figures", &[]),
            serde_json::to_string_pretty(&line.details)?
        ));
    }
    Ok(s)
}
