//! `truce import` and `truce incidents`: files of reports in, incidents out.

use crate::render::count;
use crate::{BadInput, DataArgs, NotFound, open, out, stored};
use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use truce_formats::acled;
use truce_model::i18n::Messages;
use truce_model::report::{Reliability, Source, SourceKind};
use truce_store::IncidentFilter;
use truce_store::ingest::{self, ImportOutcome, RetractSummary};
use truce_usecases::import::{ImportOptions, Imported, ReportFormat, import_reports};
use truce_usecases::review::StatusError;

/// File formats `truce import` reads.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// ACLED CSV export (31 columns).
    Acled,
    /// Truce's native JSON Lines, one report per line (docs/formats.md).
    Jsonl,
    /// UCDP GED CSV (49 columns), with or without header.
    Ucdp,
    /// An ACLED deletion list (`event_id_cnty`, `deleted_timestamp`): retracts reports.
    AcledDeletions,
    /// A GeoJSON FeatureCollection of reports (docs/formats.md).
    Geojson,
}

/// File formats `truce export` writes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// Reports as JSON Lines (lossless; re-importable).
    Jsonl,
    /// Incidents as a GeoJSON FeatureCollection.
    Geojson,
    /// Reports as ACLED CSV: original rows where they came from ACLED.
    Acled,
    /// Reports as UCDP GED CSV: original rows where they came from UCDP.
    Ucdp,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import.
    file: PathBuf,
    /// Its format.
    #[arg(long, value_enum, default_value = "acled")]
    format: Format,
    /// Agreement the reports are about (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
    #[arg(long, env = "TRUCE_AGREEMENT")]
    agreement: Option<String>,
    /// Source of ACLED or UCDP rows (created as a data set, reliability B, if new;
    /// default: `acled` or `ucdp`); JSON Lines name their source on every line.
    #[arg(long)]
    source: Option<String>,
    /// Credibility of the rows' information, 1 (confirmed) to 6 (cannot be judged).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=6))]
    credibility: u8,
    /// Write every refused row with its line, column and reason to this CSV file.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Rows written per transaction; a crash loses at most one batch, which a rerun redoes.
    #[arg(long, default_value_t = ingest::BATCH_ROWS as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    batch_rows: u64,
    #[command(flatten)]
    lang: crate::render::LangArg,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Why, in a sentence: kept in the incident's history.
    #[arg(long)]
    reason: String,
    /// Who is acting (default: the login name).
    #[arg(long, env = "USER")]
    analyst: String,
    /// Agreement (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
    #[arg(long, env = "TRUCE_AGREEMENT")]
    agreement: Option<String>,
    #[command(flatten)]
    lang: crate::render::LangArg,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Debug, Subcommand)]
pub enum IncidentsCmd {
    /// List incidents, filtered.
    List(ListArgs),
    /// Count ceasefire violations per zone and local day, by status.
    Counts {
        #[command(flatten)]
        filter: FilterArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lang: crate::render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Set an incident's status (an analyst's judgement stands over the automatic one;
    /// `auto` hands it back to the rules).
    Verify {
        /// Incident id.
        id: String,
        /// unverified, corroborated, confirmed, disputed, rejected, or auto.
        #[arg(long)]
        status: String,
        #[command(flatten)]
        review: ReviewArgs,
    },
    /// Move every report of FROM into INTO (undo with split).
    Merge {
        /// The incident that stays.
        into: String,
        /// The incident whose reports move.
        from: String,
        #[command(flatten)]
        review: ReviewArgs,
    },
    /// Move some reports of an incident into a new one (undo with merge).
    Split {
        /// The incident.
        id: String,
        /// Report ids to move, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        reports: Vec<String>,
        #[command(flatten)]
        review: ReviewArgs,
    },
    /// Show one incident with its reports, claims and matching decisions.
    Show {
        /// Incident id (`inc-12`).
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lang: crate::render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Which incidents: the same filters for listing and exporting.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Agreement (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
    #[arg(long, env = "TRUCE_AGREEMENT")]
    agreement: Option<String>,
    /// Only incidents in this zone.
    #[arg(long)]
    zone: Option<String>,
    /// Only incidents on or after this day (agreement's time zone).
    #[arg(long)]
    from: Option<Date>,
    /// Only incidents on or before this day.
    #[arg(long)]
    to: Option<Date>,
    /// Only this event type (see docs/codebook.md).
    #[arg(long = "type")]
    event_type: Option<String>,
    /// Only this status.
    #[arg(long)]
    status: Option<String>,
    /// Only incidents attributed to, or claimed against, this actor id.
    #[arg(long)]
    party: Option<String>,
    /// Only incidents with a current report from this source id.
    #[arg(long)]
    source: Option<String>,
    /// Only incidents in MIN_LON,MIN_LAT,MAX_LON,MAX_LAT.
    #[arg(long, value_delimiter = ',', num_args = 4, allow_hyphen_values = true)]
    bbox: Option<Vec<f64>>,
}

impl FilterArgs {
    /// Checks the values against the agreement (and a source against the registered
    /// ones) and builds the store filter.
    async fn to_filter(
        &self,
        store: &truce_store::Store,
        bundle: &truce_model::AgreementBundle,
        after: Option<i64>,
        limit: i64,
    ) -> Result<IncidentFilter> {
        if let Some(id) = &self.source {
            let sources = store.sources().await?;
            if !sources.contains_key(id) {
                let hint = truce_model::diag::suggest(id, sources.keys().map(String::as_str));
                return Err(BadInput(format!("--source: unknown source `{id}`; {hint}")).into());
            }
        }
        let values = truce_store::FilterValues {
            from: self.from,
            to: self.to,
            zone: self.zone.clone(),
            event_type: self.event_type.clone(),
            status: self.status.clone(),
            party: self.party.clone(),
            source: self.source.clone(),
            bbox: self.bbox.as_ref().map(|b| [b[0], b[1], b[2], b[3]]),
        };
        values
            .check(
                bundle,
                truce_store::IncidentOrder::Number,
                after.map(|number| truce_store::Cursor { number, start_s: 0 }),
                limit,
            )
            .map_err(|p| BadInput(format!("--{}: {}", p.param, p.reason)).into())
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// Start after this incident number (for paging).
    #[arg(long)]
    after: Option<i64>,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    limit: i64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    lang: crate::render::LangArg,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words, "quoted phrases" and place names (any script or spelling the gazetteer
    /// knows); every one must be found; common words are left out.
    query: String,
    #[command(flatten)]
    filter: FilterArgs,
    /// At most this many incidents, and this many statements, records and sources.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    lang: crate::render::LangArg,
    #[command(flatten)]
    data: DataArgs,
}

/// `truce search`: incidents by their reports' words and places, best first, then the
/// statements, records and sources that answer; the words found marked [like this].
pub async fn search(a: SearchArgs) -> Result<()> {
    let store = open(&a.data).await?;
    let bundle = stored(&store, a.filter.agreement.as_deref()).await?;
    let filter = a.filter.to_filter(&store, &bundle, None, i64::MAX).await?;
    let (records, _) = store.evidence(&bundle).await?;
    let answer =
        truce_usecases::search::search(&store, &bundle, &records, &a.query, &filter, a.limit)
            .await
            .map_err(|e| match e {
                truce_usecases::search::SearchError::Empty
                | truce_usecases::search::SearchError::TooLong(_) => {
                    anyhow::Error::new(BadInput(e.to_string()))
                }
                truce_usecases::search::SearchError::Store(e) => e.into(),
            })?;
    if a.json {
        return out(&format!("{}\n", serde_json::to_string_pretty(&answer)?));
    }
    let marked = |s: &[truce_model::search::Segment]| {
        s.iter()
            .map(|x| {
                if x.hit {
                    format!("[{}]", x.text)
                } else {
                    x.text.clone()
                }
            })
            .collect::<String>()
            .replace('\n', " ")
    };
    let m = a.lang.messages();
    let mut text = String::new();
    let tz = bundle.agreement.tz().clone();
    for f in &answer.incidents {
        let i: truce_engine::incidents::Incident = serde_json::from_value(f.incident.clone())?;
        text.push_str(&m.t(
            "cli.search.incident",
            &[
                ("id", (&i.id).into()),
                ("day", start(m, &i, &tz, false).into()),
                ("type", event_type(m, i.event_type).into()),
                ("status", status_word(m, i.status).into()),
                ("place", place_or_none(m, &i).into()),
                ("score", format!("{:.2}", f.score).into()),
                ("n", count(m, f.reports)),
            ],
        ));
        text.push_str(&format!("\n    {}\n", marked(&f.snippet)));
    }
    if answer.newest_only {
        text.push_str(&m.t(
            "cli.search.newest_only",
            &[("n", count(m, truce_store::SEARCH_READS))],
        ));
        text.push('\n');
    }
    for o in &answer.others {
        text.push_str(&format!(
            "{} {}{}\n    {}\n",
            if m.lang() == "en" {
                o.kind.to_owned()
            } else {
                m.word("found_kind", o.kind)
            },
            o.id,
            o.date
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            marked(&o.snippet),
        ));
    }
    if text.is_empty() {
        out(&(m.t("cli.search.none", &[]) + "\n"))?;
        return Err(NotFound.into());
    }
    out(&text)
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Format to write.
    #[arg(long, value_enum)]
    format: ExportFormat,
    #[command(flatten)]
    filter: FilterArgs,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Debug, Subcommand)]
pub enum SourcesCmd {
    /// Register a source of reports.
    Add {
        /// Stable id (`op-7`, `az-mod`).
        id: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// observation-post, monitoring-uav, peacekeeping-force, party-ministry, media, ngo, civilian, data-set.
        #[arg(long)]
        kind: String,
        /// A (completely reliable) to F (cannot be judged).
        #[arg(long)]
        reliability: String,
        /// The party a ministry speaks for (actor id).
        #[arg(long)]
        party: Option<String>,
        #[command(flatten)]
        lang: crate::render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List sources.
    List {
        #[command(flatten)]
        lang: crate::render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Counts the bytes read through it, for progress.
struct Counted<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub async fn import(args: ImportArgs) -> Result<()> {
    ingest::without_huge_pages();
    let file = std::fs::File::open(&args.file)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", args.file.display())))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let store = open(&args.data).await?;
    let bundle = stored(&store, args.agreement.as_deref()).await?;
    let options = ImportOptions {
        format: match args.format {
            Format::Acled => ReportFormat::Acled,
            Format::Jsonl => ReportFormat::Jsonl,
            Format::Ucdp => ReportFormat::Ucdp,
            Format::AcledDeletions => ReportFormat::AcledDeletions,
            Format::Geojson => ReportFormat::Geojson,
        },
        source: args.source.clone(),
        credibility: args.credibility,
        batch_rows: usize::try_from(args.batch_rows).unwrap_or(ingest::BATCH_ROWS),
        now: jiff::Timestamp::now(),
    };
    let bytes = Arc::new(AtomicU64::new(0));
    let input = std::io::BufReader::with_capacity(
        1 << 20,
        Counted {
            inner: file,
            bytes: Arc::clone(&bytes),
        },
    );
    let started = Instant::now();
    let m = args.lang.messages();
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::new(total);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let mut last_line: Option<Instant> = None;
    let progress = |rows: u64| {
        let done = bytes.load(Ordering::Relaxed);
        let rate = rows as f64 / started.elapsed().as_secs_f64().max(1e-9);
        match &bar {
            Some(b) => {
                b.set_position(done);
                b.set_message(m.t(
                    "cli.import.rate",
                    &[("n", count(m, rows)), ("rate", format!("{rate:.0}").into())],
                ));
            }
            None if last_line.is_none_or(|t| t.elapsed().as_secs_f64() >= 1.0) || done >= total => {
                last_line = Some(Instant::now());
                #[allow(clippy::print_stderr)]
                {
                    eprintln!(
                        "{}",
                        m.t(
                            "cli.import.progress",
                            &[
                                ("n", count(m, rows)),
                                ("done", format!("{:.1}", done as f64 / 1e6).into()),
                                ("total", format!("{:.1}", total as f64 / 1e6).into()),
                                ("rate", format!("{rate:.0}").into()),
                            ],
                        )
                    );
                }
            }
            None => {}
        }
    };
    let imported = import_reports(&store, &bundle, input, &options, progress).await?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let outcome = match imported
        .map_err(|e| BadInput(format!("{}:{}: {}", args.file.display(), e.line, e.message)))?
    {
        Imported::Reports(outcome) => outcome,
        Imported::Retracted(summary, rejects) => return retracted(&args, &summary, &rejects),
    };
    if let Some(path) = &args.rejects {
        write_rejects(path, &outcome)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let s = &outcome.summary;
    let secs = started.elapsed().as_secs_f64();
    out(&(m.t(
        "cli.import.summary",
        &[
            ("file", args.file.display().to_string().into()),
            ("read", count(m, s.read)),
            ("accepted", count(m, s.accepted)),
            ("merged", count(m, s.merged)),
            ("new", count(m, s.new_incidents)),
            ("superseded", count(m, s.superseded)),
            ("unchanged", count(m, s.unchanged)),
            ("stale", count(m, s.stale)),
            ("rejected", count(m, s.rejected)),
            ("seconds", format!("{secs:.1}").into()),
            (
                "rate",
                format!("{:.0}", s.read as f64 / secs.max(1e-9)).into(),
            ),
        ],
    ) + "\n"))?;
    if let Some(first) = outcome.warnings.first() {
        out(&(m.t(
            "cli.import.warnings",
            &[
                ("n", count(m, outcome.warnings.len())),
                ("line", line_number(first.line)),
                ("message", (&first.message).into()),
            ],
        ) + "\n"))?;
    }
    // Names no actor of the agreement is known by: one line per name, with its rows.
    let mut unmapped: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for w in outcome
        .warnings
        .iter()
        .filter(|w| w.message.contains("is not an actor of"))
    {
        *unmapped.entry(w.message.as_str()).or_default() += 1;
    }
    for (message, rows) in unmapped {
        out(&format!(
            "  {}\n",
            m.t(
                "cli.import.rows",
                &[("n", count(m, rows)), ("message", message.into())]
            )
        ))?;
    }
    if s.rejected > 0 && args.rejects.is_none() {
        for r in outcome.rejects.iter().take(10) {
            out(&format!("  {}: {}\n", where_(m, r), r.reason))?;
        }
        if s.rejected > 10 {
            out(&format!(
                "  {}\n",
                m.t("cli.import.more", &[("n", count(m, s.rejected - 10))])
            ))?;
        }
    }
    // As every import: the good rows are stored, and refused ones make the exit code 2.
    crate::refused_lines(usize::try_from(s.rejected).unwrap_or(usize::MAX))
}

/// Prints what an ACLED deletion list did.
fn retracted(args: &ImportArgs, summary: &RetractSummary, rejects: &[acled::Reject]) -> Result<()> {
    let m = args.lang.messages();
    for r in rejects.iter().take(10) {
        out(&format!("  {}: {}\n", where_(m, r), r.reason))?;
    }
    out(&(m.t(
        "cli.import.retracted",
        &[
            ("file", args.file.display().to_string().into()),
            ("read", count(m, summary.read)),
            ("retracted", count(m, summary.retracted)),
            ("not_found", count(m, summary.not_found)),
            ("rejected", count(m, summary.rejected)),
        ],
    ) + "\n"))?;
    crate::refused_lines(usize::try_from(summary.rejected).unwrap_or(usize::MAX))
}

/// Where a refused row is: `line N [column]`, or the JSON pointer alone for GeoJSON.
fn where_(m: &Messages, r: &acled::Reject) -> String {
    match r.line {
        0 => r.column.clone(),
        n => m.t(
            "cli.import.where",
            &[("line", line_number(n)), ("column", (&r.column).into())],
        ),
    }
}

fn write_rejects(path: &PathBuf, outcome: &ImportOutcome) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["line", "column", "value", "reason"])?;
    for r in &outcome.rejects {
        w.write_record([
            r.line.to_string(),
            r.column.clone(),
            r.value.clone(),
            r.reason.clone(),
        ])?;
    }
    // Rows kept with a warning follow, marked as such.
    for warning in &outcome.warnings {
        w.write_record([
            warning.line.to_string(),
            warning.column.clone(),
            String::new(),
            format!("warning, row kept: {}", warning.message),
        ])?;
    }
    w.flush()?;
    Ok(())
}

async fn review(review: &ReviewArgs) -> Result<(truce_store::Store, truce_model::AgreementBundle)> {
    if review.reason.trim().is_empty() {
        return Err(BadInput("--reason must say why".into()).into());
    }
    let store = open(&review.data).await?;
    let bundle = stored(&store, review.agreement.as_deref()).await?;
    Ok((store, bundle))
}

fn refused(e: truce_store::verify::ReviewError) -> anyhow::Error {
    match e {
        truce_store::verify::ReviewError::Store(s) => s.into(),
        other => BadInput(other.to_string()).into(),
    }
}

pub async fn incidents(cmd: IncidentsCmd) -> Result<()> {
    match cmd {
        IncidentsCmd::Counts {
            filter,
            json,
            lang,
            data,
        } => {
            let store = open(&data).await?;
            let bundle = stored(&store, filter.agreement.as_deref()).await?;
            let f = filter.to_filter(&store, &bundle, None, i64::MAX).await?;
            let list = store.incidents(&bundle.agreement.id, &f).await?;
            let counts =
                truce_engine::incidents::violations_per_zone_day(&list, bundle.agreement.tz());
            if json {
                return out(&format!("{}\n", serde_json::to_string_pretty(&counts)?));
            }
            let m = lang.messages();
            let rows: Vec<Vec<String>> = counts
                .iter()
                .map(|c| {
                    vec![
                        c.zone.clone(),
                        c.date.to_string(),
                        c.total.to_string(),
                        c.confirmed.to_string(),
                        c.corroborated.to_string(),
                        c.disputed.to_string(),
                        c.unverified.to_string(),
                    ]
                })
                .collect();
            out(&crate::render::table_of(
                m,
                &[
                    "cli.counts.col.zone",
                    "cli.col.date",
                    "cli.counts.col.total",
                    "cli.counts.col.confirmed",
                    "cli.counts.col.corroborated",
                    "cli.counts.col.disputed",
                    "cli.counts.col.unverified",
                ],
                &rows,
            ))
        }
        IncidentsCmd::Verify {
            id,
            status,
            review: r,
        } => {
            let status = match status.as_str() {
                "auto" => None,
                s => Some(
                    truce_engine::incidents::IncidentStatus::parse(s).ok_or_else(|| {
                        BadInput(format!(
                            "`{s}` is not a status ({})",
                            truce_model::diag::suggest(
                                s,
                                truce_engine::incidents::IncidentStatus::ALL.iter().copied()
                            )
                        ))
                    })?,
                ),
            };
            let (store, bundle) = review(&r).await?;
            let i = truce_usecases::review::change_status(
                &store, &bundle, &id, status, &r.reason, &r.analyst,
            )
            .await
            .map_err(|e| match e {
                StatusError::Review(e) => refused(e),
                e @ StatusError::NoReason => BadInput(e.to_string()).into(),
            })?;
            let m = r.lang.messages();
            out(&format!("{}: {}\n", i.id, status_word(m, i.status)))
        }
        IncidentsCmd::Merge {
            into,
            from,
            review: r,
        } => {
            let (store, bundle) = review(&r).await?;
            let i = store
                .merge(&bundle, &into, &from, &r.reason, &r.analyst)
                .await
                .map_err(refused)?;
            let m = r.lang.messages();
            out(&(m.t(
                "cli.incidents.merged",
                &[
                    ("into", (&i.id).into()),
                    ("n", count(m, i.reports.len())),
                    ("status", status_word(m, i.status).into()),
                    ("from", (&from).into()),
                ],
            ) + "\n"))
        }
        IncidentsCmd::Split {
            id,
            reports,
            review: r,
        } => {
            let (store, bundle) = review(&r).await?;
            let (left, right) = store
                .split(&bundle, &id, &reports, &r.reason, &r.analyst)
                .await
                .map_err(refused)?;
            let m = r.lang.messages();
            out(&(m.t(
                "cli.incidents.split",
                &[
                    ("id", (&left.id).into()),
                    ("n", count(m, left.reports.len())),
                    ("new", (&right.id).into()),
                    ("moved", count(m, right.reports.len())),
                ],
            ) + "\n"))
        }
        IncidentsCmd::List(a) => {
            let store = open(&a.data).await?;
            let bundle = stored(&store, a.filter.agreement.as_deref()).await?;
            let tz = bundle.agreement.tz().clone();
            let filter = a
                .filter
                .to_filter(&store, &bundle, a.after, a.limit)
                .await?;
            let list = store.incidents(&bundle.agreement.id, &filter).await?;
            if a.json {
                return out(&format!("{}\n", serde_json::to_string_pretty(&list)?));
            }
            let m = a.lang.messages();
            if list.is_empty() {
                out(&(m.t("cli.incidents.none", &[]) + "\n"))?;
                return Err(NotFound.into());
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|i| {
                    vec![
                        i.id.clone(),
                        start(m, i, &tz, true),
                        event_type(m, i.event_type),
                        status_word(m, i.status),
                        blamed_short(m, i),
                        i.reports.len().to_string(),
                        format!(
                            "{} [{}]",
                            place_in(m, i).unwrap_or_else(|| "?".into()),
                            i.zones.join(", ")
                        ),
                    ]
                })
                .collect();
            out(&crate::render::table_of(
                m,
                &[
                    "cli.incidents.col.incident",
                    "cli.incidents.col.start",
                    "cli.incidents.col.type",
                    "cli.incidents.col.status",
                    "cli.incidents.col.blamed",
                    "cli.incidents.col.reports",
                    "cli.incidents.col.place",
                ],
                &rows,
            ))
        }
        IncidentsCmd::Show {
            id,
            json,
            lang,
            data,
        } => {
            let m = lang.messages();
            let store = open(&data).await?;
            let Some(d) = store.incident(&id).await? else {
                return Err(BadInput(format!("no incident `{id}`")).into());
            };
            let history = store.history(&id).await?;
            if json {
                return out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"detail": d, "history": history})
                    )?
                ));
            }
            let i = &d.incident;
            let line = |key: &str, args: &[(&str, truce_model::i18n::Arg)]| {
                format!("  {}\n", m.t(key, args))
            };
            let mut t = format!(
                "{}: {} — {}\n",
                i.id,
                event_type(m, i.event_type),
                status_word(m, i.status)
            );
            t.push_str(&line(
                "cli.incident.when",
                &[
                    ("start", i.window.start.to_string().into()),
                    ("end", i.window.end.to_string().into()),
                    ("precision", (&i.window.precision.to_string()).into()),
                ],
            ));
            if let Some((x, y)) = i.point {
                t.push_str(&line(
                    "cli.incident.where",
                    &[
                        ("place", place_in(m, i).unwrap_or_else(|| "?".into()).into()),
                        ("lat", format!("{y:.5}").into()),
                        ("lon", format!("{x:.5}").into()),
                        ("precision", (&i.location_precision.to_string()).into()),
                    ],
                ));
            }
            t.push_str(&line(
                "cli.incident.zones",
                &[("zones", i.zones.join(", ").into())],
            ));
            if !i.possibly_in.is_empty() {
                t.push_str(&line(
                    "cli.incident.possibly_in",
                    &[("zones", i.possibly_in.join(", ").into())],
                ));
            }
            let blamed = match (&i.attribution.assessed, i.attribution.disputed) {
                (Some(p), _) => p.clone(),
                (None, true) => m.t("cli.incident.disputed", &[]),
                (None, false) => {
                    let unmapped: Vec<String> = i
                        .attribution
                        .claims
                        .iter()
                        .filter_map(|c| c.perpetrator_as_named.as_deref())
                        .map(|n| format!("`{n}`"))
                        .collect();
                    if unmapped.is_empty() {
                        m.t("cli.incident.nobody_named", &[])
                    } else {
                        m.t(
                            "cli.incident.unmapped",
                            &[("names", unmapped.join(", ").into())],
                        )
                    }
                }
            };
            t.push_str(&line("cli.incident.blamed", &[("who", blamed.into())]));
            t.push_str(&line(
                "cli.incident.dead",
                &[
                    ("best", i.killed.best.into()),
                    ("low", i.killed.low.into()),
                    ("high", i.killed.high.into()),
                ],
            ));
            t.push_str(&line("cli.incident.reports", &[]));
            for (r, dec) in d.reports.iter().zip(d.decisions.iter()) {
                let blames = r.perpetrator.clone().unwrap_or_else(|| {
                    r.perpetrator_as_named.as_deref().map_or_else(
                        || m.t("cli.incident.nobody", &[]),
                        |n| m.t("cli.incident.unmapped_name", &[("name", n.into())]),
                    )
                });
                t.push_str(&format!(
                    "    {}\n      {}\n",
                    m.t(
                        "cli.incident.report",
                        &[
                            ("id", (&r.id).into()),
                            ("source", (&r.source).into()),
                            ("type", event_type(m, r.event_type).into()),
                            ("blames", blames.into()),
                        ],
                    ),
                    decision(m, dec)
                ));
            }
            if !history.is_empty() {
                t.push_str(&line("cli.incident.history", &[]));
                for h in &history {
                    t.push_str(&format!(
                        "    {} {} {}: {} ({})\n",
                        h.at,
                        h.actor,
                        if m.lang() == "en" {
                            h.action.clone()
                        } else {
                            m.word("action", &h.action)
                        },
                        h.reason,
                        h.detail
                    ));
                }
            }
            out(&t)
        }
    }
}

/// A line number as a message argument: plain digits in every language.
fn line_number(n: impl TryInto<i64>) -> truce_model::i18n::Arg {
    truce_model::i18n::Arg::Plain(n.try_into().unwrap_or(i64::MAX))
}

/// An incident's start in the agreement's time zone: its day, with the time when
/// `time`.
fn start(
    m: &Messages,
    i: &truce_engine::incidents::Incident,
    tz: &jiff::tz::TimeZone,
    time: bool,
) -> String {
    let at = i.window.start.to_zoned_datetime(tz.clone());
    match (m.lang(), time) {
        ("en", true) => at.strftime("%Y-%m-%d %H:%M").to_string(),
        ("en", false) => at.strftime("%Y-%m-%d").to_string(),
        (_, true) => format!("{} {}", m.day(at.date()), at.strftime("%H:%M")),
        (_, false) => m.day(at.date()),
    }
}

/// A report's or incident's type: its id in English (what filters take), its label
/// otherwise.
fn event_type(m: &Messages, t: truce_model::report::EventType) -> String {
    if m.lang() == "en" {
        t.as_str().to_owned()
    } else {
        m.word("type", t.as_str())
    }
}

/// An incident's status: its id in English, its label otherwise.
fn status_word(m: &Messages, st: truce_engine::incidents::IncidentStatus) -> String {
    if m.lang() == "en" {
        st.as_str().to_owned()
    } else {
        m.word("status", st.as_str())
    }
}

/// Where an incident is, or that no report placed it: as [`Incident::place_text`] in
/// English, its words in the language otherwise (the places' names stay as the
/// gazetteer displays them).
///
/// [`Incident::place_text`]: truce_engine::incidents::Incident::place_text
fn place_or_none(m: &Messages, i: &truce_engine::incidents::Incident) -> String {
    place_in(m, i).unwrap_or_else(|| m.t("place.none", &[]))
}

fn place_in(m: &Messages, i: &truce_engine::incidents::Incident) -> Option<String> {
    if m.lang() == "en" {
        return i.place_text();
    }
    let label =
        i.place_label
            .as_deref()
            .map(|l| match truce_model::places::Gazetteer::km_from(l) {
                Some((km, place)) => m.t(
                    "place.km_from",
                    &[("km", km.into()), ("place", place.into())],
                ),
                None => l.to_owned(),
            });
    Some(match (label, &i.place_name) {
        (Some(label), Some(reported))
            if !label.to_lowercase().contains(&reported.to_lowercase()) =>
        {
            m.t(
                "place.as_reported_beside",
                &[("label", label.into()), ("reported", reported.into())],
            )
        }
        (Some(label), _) => label,
        (None, Some(reported)) => m.t("place.as_reported", &[("reported", reported.into())]),
        (None, None) => return None,
    })
}

/// Why the matcher placed a report where it did: its own line in English, the same
/// facts (candidates, distance, gap) in the language otherwise.
fn decision(m: &Messages, d: &truce_engine::incidents::Decision) -> String {
    if m.lang() == "en" {
        return d.reason.clone();
    }
    if d.new {
        return m.t("cli.decision.new", &[("n", count(m, d.candidates))]);
    }
    let when = match d.gap_s {
        Some(gap) if gap > 0 => Some(m.t(
            "cli.decision.gap",
            &[("hours", format!("{:.1}", gap as f64 / 3600.0).into())],
        )),
        Some(_) => Some(m.t("cli.decision.overlap", &[])),
        None => None,
    };
    let joined = match d.distance_m {
        Some(metres) => m.t(
            "cli.decision.joined",
            &[
                ("incident", (&d.incident).into()),
                ("km", format!("{:.1}", metres / 1000.0).into()),
            ],
        ),
        None => m.t(
            "cli.decision.joined_unplaced",
            &[("incident", (&d.incident).into())],
        ),
    };
    // A decision stored without its gap in time says only what it has, with nothing
    // left dangling after it.
    match when {
        Some(when) => m.t(
            "cli.decision.with_time",
            &[("decision", joined.into()), ("when", when.into())],
        ),
        None => joined,
    }
}

/// Who an incident is blamed on, in a word for a list.
fn blamed_short(m: &Messages, i: &truce_engine::incidents::Incident) -> String {
    match (&i.attribution.assessed, i.attribution.disputed) {
        (Some(p), _) => p.clone(),
        (None, true) => m.t("detail.attribution_disputed", &[]),
        (None, false) => "—".into(),
    }
}

pub async fn sources(cmd: SourcesCmd) -> Result<()> {
    match cmd {
        SourcesCmd::Add {
            id,
            name,
            kind,
            reliability,
            party,
            lang,
            data,
        } => {
            let kind = SourceKind::parse(&kind).ok_or_else(|| {
                BadInput(format!(
                    "`{kind}` is not a source kind ({})",
                    truce_model::diag::suggest(&kind, SourceKind::ALL.iter().copied())
                ))
            })?;
            let reliability = Reliability::parse(&reliability)
                .ok_or_else(|| BadInput(format!("`{reliability}` is not a grade A to F")))?;
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(BadInput(format!(
                    "`{id}` is not a source id: use letters, digits, - and _"
                ))
                .into());
            }
            let store = open(&data).await?;
            if let Some(existing) = store.sources().await?.get(&id) {
                return Err(BadInput(format!(
                    "source `{id}` exists already ({} {})",
                    existing.kind, existing.reliability
                ))
                .into());
            }
            store
                .put_source(&Source {
                    id: id.clone(),
                    name,
                    kind,
                    reliability,
                    party,
                })
                .await?;
            out(&(lang
                .messages()
                .t("cli.sources.added", &[("id", (&id).into())])
                + "\n"))
        }
        SourcesCmd::List { lang, data } => {
            let store = open(&data).await?;
            let mut list: Vec<Source> = store.sources().await?.into_values().collect();
            list.sort_by(|a, b| a.id.cmp(&b.id));
            let m = lang.messages();
            let rows: Vec<Vec<String>> = list
                .into_iter()
                .map(|s| {
                    vec![
                        s.id,
                        if m.lang() == "en" {
                            s.kind.as_str().to_owned()
                        } else {
                            m.word("source_kind", s.kind.as_str())
                        },
                        s.reliability.as_str().to_owned(),
                        s.party.unwrap_or_else(|| "—".into()),
                        s.name,
                    ]
                })
                .collect();
            out(&crate::render::table_of(
                m,
                &[
                    "cli.sources.col.source",
                    "cli.sources.col.kind",
                    "cli.sources.col.reliability",
                    "cli.sources.col.party",
                    "cli.sources.col.name",
                ],
                &rows,
            ))
        }
    }
}

pub async fn export(args: ExportArgs) -> Result<()> {
    let store = open(&args.data).await?;
    let bundle = stored(&store, args.filter.agreement.as_deref()).await?;
    let filter = args
        .filter
        .to_filter(&store, &bundle, None, i64::MAX)
        .await?;
    let incidents = store.incidents(&bundle.agreement.id, &filter).await?;
    let format = match args.format {
        ExportFormat::Jsonl => truce_formats::export::ExportFormat::Jsonl,
        ExportFormat::Geojson => truce_formats::export::ExportFormat::Geojson,
        ExportFormat::Acled => truce_formats::export::ExportFormat::Acled,
        ExportFormat::Ucdp => truce_formats::export::ExportFormat::Ucdp,
    };
    let reports = if format.needs_reports() {
        let ids: Vec<String> = incidents.iter().map(|i| i.id.clone()).collect();
        store.reports_of(&ids).await?
    } else {
        Vec::new()
    };
    let buf = truce_formats::export::write(format, &bundle.agreement, &incidents, &reports)?;
    match &args.output {
        Some(p) => std::fs::write(p, &buf).with_context(|| format!("cannot write {}", p.display())),
        None => out(&String::from_utf8_lossy(&buf)),
    }
}

#[cfg(test)]
mod tests {
    use super::decision;
    use truce_engine::incidents::Decision;

    fn joined(distance_m: Option<f64>, gap_s: Option<i64>) -> Decision {
        Decision {
            report: "r1".into(),
            incident: "inc-7".into(),
            new: false,
            candidates: 2,
            distance_m,
            gap_s,
            reason: "joined inc-7".into(),
        }
    }

    #[test]
    fn a_join_is_said_in_the_language_with_only_the_facts_it_has() {
        let ru = truce_model::i18n::messages("ru").expect("Russian");
        assert_eq!(
            decision(ru, &joined(Some(1500.0), Some(7200))),
            "присоединено к inc-7: 1.5 км от его места; между интервалами времени 2.0 ч"
        );
        // Without the gap, nothing dangles after the place.
        assert_eq!(
            decision(ru, &joined(Some(1500.0), None)),
            "присоединено к inc-7: 1.5 км от его места"
        );
        assert_eq!(
            decision(ru, &joined(None, Some(0))),
            "присоединено к inc-7; интервалы времени пересекаются"
        );
        let en = truce_model::i18n::english();
        assert_eq!(decision(en, &joined(None, None)), "joined inc-7");
    }
}
