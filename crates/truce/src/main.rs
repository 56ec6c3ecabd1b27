//! The `truce` command: set up a data directory, check and load agreements, look up
//! places and zones, and (later) serve the API and dashboard.
//!
//! Exit codes: 0 success, 1 failure or nothing found, 2 bad input (a broken file, an
//! unknown id, a malformed argument).

mod accounts;
mod audit;
mod bulletin;
mod evidence;
mod keys;
mod ops;
mod records;
mod registry;
mod render;
mod status;
mod webhook;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use jiff::civil::Date;
use std::io::Write;
use std::path::{Path, PathBuf};

/// mimalloc rather than the system allocator: imports and the server allocate many small
/// short-lived values across threads, where glibc's arenas spent a third of an import's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;
use truce_model::{AgreementBundle, SourceFile};
use truce_store::{LoadOutcome, Store};

/// Ceasefire-implementation monitoring: agreements as data, evidence, obligation status.
#[derive(Debug, Parser)]
#[command(name = "truce", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct DataArgs {
    /// Data directory holding the embedded database; created with the built-in
    /// agreements on first use.
    #[arg(long, env = "TRUCE_DATA", default_value = "truce-data")]
    data: PathBuf,
    /// A database URL instead of the data directory's embedded SQLite file:
    /// `postgres://USER:PASSWORD@HOST/DB` or `sqlite:PATH`. Migrated and given the
    /// built-in agreements on first use.
    #[arg(long, env = "TRUCE_DATABASE", value_name = "URL")]
    database: Option<String>,
    /// File holding the key that seals the registry's personal fields (default:
    /// registry.key in the data directory; created there with owner-only permissions
    /// while the registry is empty). TRUCE_REGISTRY_KEY (64 hex digits) overrides it.
    #[arg(long, env = "TRUCE_REGISTRY_KEY_FILE", value_name = "FILE")]
    registry_key: Option<PathBuf>,
    /// File holding the key that authenticates audit entries (default: audit.key in the
    /// data directory; created there, vouching for the chain as it stands, when missing).
    /// Keep it apart from database backups: whoever holds it can write entries that
    /// `audit verify` accepts.
    #[arg(long, env = "TRUCE_AUDIT_KEY_FILE", value_name = "FILE")]
    audit_key: Option<PathBuf>,
}

impl DataArgs {
    fn key_file(&self) -> PathBuf {
        self.registry_key
            .clone()
            .unwrap_or_else(|| self.data.join("registry.key"))
    }

    fn audit_key_file(&self) -> PathBuf {
        self.audit_key
            .clone()
            .unwrap_or_else(|| self.data.join("audit.key"))
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a data directory with its database and load the built-in agreements.
    Init {
        /// The directory to create (default: ./truce-data).
        dir: Option<PathBuf>,
        /// Initialise this database (postgres://… or sqlite:PATH) instead of a directory.
        #[arg(long, env = "TRUCE_DATABASE", value_name = "URL")]
        database: Option<String>,
    },
    /// Check, load, list and show agreements.
    #[command(subcommand)]
    Agreement(AgreementCmd),
    /// Look up places in an agreement's gazetteer.
    #[command(subcommand)]
    Places(PlacesCmd),
    /// List an agreement's zones.
    #[command(subcommand)]
    Zones(ZonesCmd),
    /// Import a file of reports: validate, place, match into incidents, store.
    Import(evidence::ImportArgs),
    /// List, show and verify incidents.
    #[command(subcommand)]
    Incidents(evidence::IncidentsCmd),
    /// Write reports or incidents in another format, with the filters of `incidents list`.
    Export(evidence::ExportArgs),
    /// Search incidents by the words of their reports and the names of their places, and
    /// statements, evidence records and sources, with the filters of `incidents list`.
    Search(evidence::SearchArgs),
    /// Register and list sources of reports.
    #[command(subcommand)]
    Sources(evidence::SourcesCmd),
    /// Import and list evidence records: handovers, strength reports, observation posts,
    /// checkpoints, crossings, closures, exchanges, detention claims, notices, milestones,
    /// terminations, lapses and coverage.
    #[command(subcommand)]
    Evidence(records::EvidenceCmd),
    /// The status of every obligation on a date, with the evidence behind it.
    Status(status::StatusArgs),
    /// Create, list, disable and enable user accounts.
    #[command(subcommand)]
    User(accounts::UserCmd),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(accounts::TokenCmd),
    /// Subscribe addresses to an agreement's events (new incidents, status changes,
    /// published bulletins): signed deliveries a running server sends and retries.
    #[command(subcommand)]
    Webhook(webhook::WebhookCmd),
    /// The registry of detained, missing and dead persons: import, list and show (for
    /// those allowed to see personal data), aggregates and claims reconciliation (for all).
    #[command(subcommand)]
    Registry(registry::RegistryCmd),
    /// Check the audit chain, print its head for publication, export it for review.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Keys: rotate the registry key (re-seals every personal field), make a bulletin
    /// signing key.
    #[command(subcommand)]
    Keys(keys::KeysCmd),
    /// Bring the database's schema up to date (done by every command; this only migrates).
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Write every table to a dump file (or, for SQLite, copy the database file whole).
    Backup(ops::BackupArgs),
    /// Restore a dump into an empty database, of either backend.
    Restore(ops::RestoreArgs),
    /// Copy this database into another, empty one (a SQLite centre moving to PostgreSQL).
    Copy(ops::CopyArgs),
    /// Serve the dashboard, the JSON API and OGC API – Features until interrupted
    /// (accounts, report submission and the registry included).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
        /// Mark session cookies Secure (when clients reach the server over HTTPS).
        #[arg(long)]
        secure_cookies: bool,
        /// A reverse proxy in front of this server (repeatable, or comma-separated in the
        /// variable): only from these addresses are X-Forwarded-For, -Host and -Proto
        /// believed; from anyone else they are dropped.
        #[arg(
            long = "trusted-proxy",
            value_name = "IP",
            env = "TRUCE_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// A web origin whose pages may read the API from a browser (repeatable, or
        /// comma-separated in the variable), e.g. `https://maps.example.org`; without
        /// any, pages of every origin may read it. Writes and cookies never cross origins.
        #[arg(
            long = "cors-origin",
            value_name = "ORIGIN",
            env = "TRUCE_CORS_ORIGINS",
            value_delimiter = ','
        )]
        cors_origins: Vec<String>,
        /// Build, sign and publish the day's bulletin every day at this local time of the
        /// agreement's zone (e.g. 19:30); runs missed while no node was up are caught up
        /// (the last 7). Of several nodes, one builds each.
        #[arg(long, value_name = "HH:MM")]
        schedule: Option<jiff::civil::Time>,
        /// The agreement of the scheduled bulletins.
        #[arg(long)]
        schedule_agreement: Option<String>,
        /// Signing key of scheduled bulletins (default: bulletin-signing.key in the data
        /// directory).
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
        /// Seconds between the webhook dispatcher's passes (finding events, sending due
        /// deliveries).
        #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
        webhook_interval: u64,
        /// The wait after a failed delivery, in milliseconds; each later wait doubles it,
        /// up to an hour.
        #[arg(long, value_name = "MS", default_value_t = 5_000, value_parser = clap::value_parser!(i64).range(100..=3_600_000))]
        webhook_retry_ms: i64,
        /// Deliver webhooks to loopback and private addresses too (a receiver on this
        /// machine or inside the network); refused by default.
        #[arg(long)]
        webhook_allow_private: bool,
        /// Trust the certificate authorities of this PEM file too, besides the Mozilla
        /// root program's, when delivering webhooks over HTTPS (a receiver whose
        /// certificate an organisation's own authority issued).
        #[arg(long, value_name = "FILE", env = "TRUCE_WEBHOOK_CA")]
        webhook_ca: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Build, verify and list signed monitoring bulletins.
    #[command(subcommand)]
    Bulletin(bulletin::BulletinCmd),
}

#[derive(Debug, Subcommand)]
enum AgreementCmd {
    /// Check an agreement file and the files it names; print every problem found.
    Validate {
        /// The agreement file (agreement.toml) or its folder.
        path: PathBuf,
    },
    /// Load an agreement folder into the data directory (idempotent).
    Load {
        /// The agreement file or its folder.
        path: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List the agreements in the data directory.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lang: render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Show an agreement's obligations as in force on a date.
    Show {
        /// Agreement id (see `truce agreement list`).
        id: String,
        /// Date in the agreement's time zone, YYYY-MM-DD (default: today there).
        #[arg(long, value_name = "DATE")]
        as_of: Option<Date>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lang: render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
enum PlacesCmd {
    /// Find places by any spelling of their name.
    Find {
        /// The name, in any script or transliteration.
        name: String,
        /// Agreement whose gazetteer to search (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
        #[arg(long, env = "TRUCE_AGREEMENT")]
        agreement: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lang: render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ZonesCmd {
    /// List zones with kind, area and provenance.
    List {
        /// Agreement whose zones to list (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
        #[arg(long, env = "TRUCE_AGREEMENT")]
        agreement: Option<String>,
        /// Print a GeoJSON FeatureCollection with the resolved geometry instead.
        #[arg(long)]
        geojson: bool,
        /// Only the versions in force on this local day (YYYY-MM-DD); without it every
        /// version with its period.
        #[arg(long, value_name = "DATE")]
        as_of: Option<Date>,
        #[command(flatten)]
        lang: render::LangArg,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// An error that is the user's input, not the program's fault: exit code 2.
#[derive(Debug)]
struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Nothing matched: exit code 1 without an error message.
#[derive(Debug)]
struct NotFound;

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("nothing found")
    }
}

impl std::error::Error for NotFound {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server logs every request (id, method, path, status, time); other commands
    // only warnings. RUST_LOG overrides both.
    let default = if matches!(cli.command, Command::Serve { .. }) {
        "truce_server=info,truce_store=info,warn"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            report(&anyhow::Error::new(e).context("cannot start the async runtime"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<NotFound>() => ExitCode::from(1),
        Err(e) if e.is::<BadInput>() => {
            report(&e);
            ExitCode::from(2)
        }
        Err(e) => {
            report(&e);
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stderr)]
fn report(e: &anyhow::Error) {
    eprintln!("error: {e}");
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

/// Prints refused lines of an import as `FILE:LINE MEMBER: reason` on stderr.
fn print_rejects(name: &str, rejects: &[truce_formats::jsonl::LineProblem]) {
    for p in rejects {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{name}:{} {}: {}", p.line, p.pointer, p.reason);
        }
    }
}

/// The end of an import of several files: bad input when any line was refused.
fn refused_lines(refused: usize) -> Result<()> {
    if refused > 0 {
        Err(BadInput(format!("{refused} line(s) refused; the others were stored")).into())
    } else {
        Ok(())
    }
}

/// Writes to stdout; a closed pipe (`| head`) ends quietly.
fn out(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to standard output"),
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Init { dir, database } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("truce-data"));
            let store = match &database {
                Some(_) => {
                    let args = DataArgs {
                        data: dir.clone(),
                        database: database.clone(),
                        registry_key: None,
                        audit_key: None,
                    };
                    let store = open(&args).await?;
                    equip(store, &args, true).await?
                }
                None => {
                    init(&dir).await?;
                    open(&DataArgs {
                        data: dir.clone(),
                        database: None,
                        registry_key: None,
                        audit_key: None,
                    })
                    .await?
                }
            };
            let list = store.agreements().await?;
            let ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
            let place = match &database {
                Some(url) => format!("database {}", redact(url)),
                None => format!("data directory {}", dir.display()),
            };
            out(&format!("{place} ready; agreements: {}\n", ids.join(", ")))?;
            if let Some(password) = accounts::first_admin(&store).await? {
                out(&format!(
                    "first administrator: user `admin`, password `{password}` (shown once)\n"
                ))?;
            }
            Ok(())
        }
        Command::Agreement(cmd) => agreement(cmd).await,
        Command::Import(args) => evidence::import(args).await,
        Command::Incidents(cmd) => evidence::incidents(cmd).await,
        Command::Export(args) => evidence::export(args).await,
        Command::Search(args) => evidence::search(args).await,
        Command::Sources(cmd) => evidence::sources(cmd).await,
        Command::Evidence(cmd) => records::evidence(cmd).await,
        Command::Status(args) => status::status(args).await,
        Command::Migrate { data } => ops::migrate(data).await,
        Command::Registry(cmd) => registry::registry(cmd).await,
        Command::Audit(cmd) => audit::audit(cmd).await,
        Command::Keys(cmd) => keys::keys(cmd).await,
        Command::Bulletin(cmd) => bulletin::bulletin(cmd).await,
        Command::User(cmd) => accounts::user(cmd).await,
        Command::Token(cmd) => accounts::token(cmd).await,
        Command::Webhook(cmd) => webhook::webhook(cmd).await,
        Command::Backup(args) => ops::backup(args).await,
        Command::Restore(args) => ops::restore(args).await,
        Command::Copy(args) => ops::copy(args).await,
        Command::Serve {
            bind,
            secure_cookies,
            trusted_proxies,
            cors_origins,
            schedule,
            schedule_agreement,
            signing_key,
            webhook_interval,
            webhook_retry_ms,
            webhook_allow_private,
            webhook_ca,
            data,
        } => {
            if let Some(path) = &webhook_ca {
                truce_usecases::webhooks::trust_also(path)
                    .map_err(|e| BadInput(format!("--webhook-ca: {e}")))?;
            }
            let store = open(&data).await?;
            let schedule = match schedule {
                None => None,
                Some(at) => {
                    let path = signing_key.unwrap_or_else(|| keys::default_signing_key(&data));
                    let secret = truce_store::seal::read_secret(&path).map_err(|e| {
                        BadInput(format!("--schedule needs a signing key: {e}; make one with `truce keys generate`"))
                    })?;
                    let b = stored(&store, schedule_agreement.as_deref()).await?;
                    Some(truce_usecases::publishing::Schedule {
                        at,
                        secret,
                        agreement: b.agreement.id,
                        pdf: true,
                    })
                }
            };
            if let Some(password) = accounts::first_admin(&store).await? {
                out(&format!(
                    "first login: user `admin`, password `{password}` (shown once; `truce user add` creates more accounts)\n"
                ))?;
            }
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen on {bind}"))?;
            let addr = listener.local_addr()?;
            out(&format!(
                "Truce dashboard: http://{addr}/  (JSON API under /api/v1, OGC API – Features under /ogc/<agreement>; data: {}); Ctrl-C stops\n",
                data.database
                    .as_deref()
                    .map_or_else(|| data.data.display().to_string(), redact)
            ))?;
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            if let Some(schedule) = schedule {
                let node = format!("{}:{addr}", std::process::id());
                tokio::spawn(truce_usecases::publishing::run_schedule(
                    store.acting_as("scheduler"),
                    schedule,
                    node,
                ));
            }
            let webhooks = truce_server::webhooks::WebhookConfig {
                interval: std::time::Duration::from_secs(webhook_interval),
                policy: truce_store::webhooks::RetryPolicy {
                    first_delay_ms: webhook_retry_ms,
                    ..truce_store::webhooks::RetryPolicy::default()
                },
                allow_private: webhook_allow_private,
                node: format!("{}:{addr}", std::process::id()),
            };
            let state = truce_server::AppState::new(store)
                .with_webhooks(webhooks)
                .with_secure_cookies(secure_cookies)
                .with_trusted_proxies(trusted_proxies)
                .with_cors_origins(&cors_origins)
                .map_err(|e| anyhow::anyhow!("--cors-origin: {e}"))?;
            truce_server::serve(listener, state, shutdown)
                .await
                .context("server failed")
        }
        Command::Places(PlacesCmd::Find {
            name,
            agreement,
            json,
            lang,
            data,
        }) => {
            let store = open(&data).await?;
            let b = stored(&store, agreement.as_deref()).await?;
            let found = b.gazetteer.find(&name);
            if json {
                let v = found.to_json(&b.gazetteer, &b.zones);
                out(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
            } else {
                out(&render::places_text(
                    &render::Speaker::new(&b, lang.code()),
                    &found,
                ))?;
            }
            if found.matches.is_empty() {
                Err(NotFound.into())
            } else {
                Ok(())
            }
        }
        Command::Zones(ZonesCmd::List {
            agreement,
            geojson,
            as_of,
            lang,
            data,
        }) => {
            let store = open(&data).await?;
            let b = stored(&store, agreement.as_deref()).await?;
            if geojson {
                let fc = match as_of {
                    Some(d) => b.zones.to_geojson_on(d),
                    None => b.zones.to_geojson(),
                };
                out(&format!("{}\n", serde_json::to_string(&fc)?))
            } else {
                out(&render::zones_table(
                    &render::Speaker::new(&b, lang.code()),
                    as_of,
                ))
            }
        }
    }
}

async fn agreement(cmd: AgreementCmd) -> Result<()> {
    match cmd {
        AgreementCmd::Validate { path } => {
            let b = read_folder(&path)?;
            let a = &b.agreement;
            out(&format!(
                "{}: ok — {} actors, {} documents, {} provisions, {} obligations, {} amendment changes, {} zones, {} places, {} statements\n",
                path.display(),
                a.actors.len(),
                a.documents.len(),
                a.provisions.len(),
                a.obligations.len(),
                a.changes.len(),
                b.zones.zones().len(),
                b.gazetteer.places().len(),
                a.statements.len(),
            ))
        }
        AgreementCmd::Load { path, data } => {
            let b = read_folder(&path)?;
            let store = open(&data).await?;
            let outcome = bootstrap::load_agreement(&store, &b).await?;
            out(&format!("{}: {}\n", b.agreement.id, describe(outcome)))
        }
        AgreementCmd::List { json, lang, data } => {
            let store = open(&data).await?;
            let mut list = store.agreements().await?;
            if json {
                out(&format!("{}\n", serde_json::to_string_pretty(&list)?))
            } else {
                // Each title as the agreement's own words give it in the language.
                for a in &mut list {
                    let b = stored(&store, Some(&a.id)).await?;
                    if let Some(title) = b.translated(lang.code(), "title") {
                        a.title = title.to_owned();
                    }
                }
                out(&render::agreements_table(lang.messages(), &list))
            }
        }
        AgreementCmd::Show {
            id,
            as_of,
            json,
            lang,
            data,
        } => {
            let store = open(&data).await?;
            let b = stored(&store, Some(&id)).await?;
            let a = &b.agreement;
            let date = as_of.unwrap_or_else(|| {
                jiff::Timestamp::now()
                    .to_zoned_datetime(a.tz().clone())
                    .date()
            });
            let view = a.as_of(date);
            if json {
                out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&view.to_json(a))?
                ))
            } else {
                out(&render::view_table(
                    &render::Speaker::new(&b, lang.code()),
                    &view,
                ))
            }
        }
    }
}

fn describe(o: LoadOutcome) -> String {
    match o {
        LoadOutcome::Created { version } => format!("loaded (version {version})"),
        LoadOutcome::Updated { version } => format!("updated to version {version}"),
        LoadOutcome::Unchanged { version } => {
            format!("unchanged (version {version} already loaded)")
        }
    }
}

/// Reads an agreement from disk: the file itself, or `agreement.toml` in a folder.
fn read_folder(path: &Path) -> Result<AgreementBundle> {
    let file = if path.is_dir() {
        path.join("agreement.toml")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", file.display())))?;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let main = SourceFile::new(file.display().to_string(), text);
    truce_model::load(main, |name| {
        let p = dir.join(name);
        std::fs::read_to_string(&p)
            .map(|t| SourceFile::new(p.display().to_string(), t))
            .map_err(|e| e.to_string())
    })
    .map_err(|problems| {
        let n = problems.0.len();
        BadInput(format!(
            "{} has {n} problem{}:\n{problems}",
            file.display(),
            if n == 1 { "" } else { "s" }
        ))
        .into()
    })
}

/// Creates the data directory and database and loads the built-in agreements with their
/// demo evidence (idempotent: running it again changes nothing).
async fn init(dir: &Path) -> Result<Store> {
    bootstrap::init_dir(dir).await
}

/// Opens the data directory (or the database named by `--database`), creating it with
/// the built-in agreements on first use; writes are audited in the name of the person at
/// the command line, and the registry key is attached when there is one.
async fn open(args: &DataArgs) -> Result<Store> {
    let store = open_unkeyed(args).await?;
    // A data directory makes its own key; a shared database gets one only from `truce
    // init`, so that server nodes started side by side never each make a key of their own.
    equip(store, args, args.database.is_none()).await
}

/// Who the command line writes as in the audit log.
fn cli_actor() -> String {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{who}")
}

/// Attaches the actor, the audit key and the registry key. With `create`, a missing
/// registry key file is created while no person is on record (nothing is sealed yet, so
/// no key can be lost), and a missing audit key file is created and vouches for the chain
/// as it stands.
async fn equip(store: Store, args: &DataArgs, create: bool) -> Result<Store> {
    let store = with_audit_key(store.acting_as(&cli_actor()), args, create).await?;
    let path = args.key_file();
    if std::env::var_os(truce_store::seal::KEY_ENV).is_none() && !path.exists() {
        if create && store.registry_facts().await?.is_empty() {
            truce_store::seal::Keyring::create_file(&path)?;
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "note: created the registry key {}; back it up apart from the database (docs/data-protection.md)",
                    path.display()
                );
            }
        } else {
            return Ok(store);
        }
    }
    let keys = truce_store::seal::Keyring::load(&path)?;
    Ok(store.with_keys(keys))
}

/// Attaches the audit key when its file exists; with `create`, makes it when it does not
/// and authenticates the entries written so far (when the chain checks intact).
async fn with_audit_key(store: Store, args: &DataArgs, create: bool) -> Result<Store> {
    let path = args.audit_key_file();
    if path.exists() {
        return Ok(store.with_audit_key(truce_store::audit::AuditKey::load(&path)?));
    }
    if !create {
        return Ok(store);
    }
    let store = store.with_audit_key(truce_store::audit::AuditKey::create_file(&path)?);
    let vouched = store.authenticate_audit_chain().await;
    #[allow(clippy::print_stderr)]
    match vouched {
        Ok(n) => eprintln!(
            "note: created the audit key {} ({n} entries authenticated); keep it apart from database backups (docs/data-protection.md)",
            path.display()
        ),
        Err(e) => eprintln!(
            "warning: created the audit key {}, but the entries written so far were not authenticated: {e}",
            path.display()
        ),
    }
    Ok(store)
}

use truce_usecases::bootstrap::{self, DB_FILE};

async fn open_unkeyed(args: &DataArgs) -> Result<Store> {
    if let Some(url) = &args.database {
        let store = Store::open(url)
            .await
            .with_context(|| format!("cannot open the database {}", redact(url)))?;
        if store.agreements().await?.is_empty() {
            bootstrap::load_builtin(&store).await?;
        }
        return Ok(store);
    }
    let dir = &args.data;
    if dir.join(DB_FILE).exists() {
        let store = Store::open_sqlite(&dir.join(DB_FILE))
            .await
            .with_context(|| format!("cannot open the database in {}", dir.display()))?;
        bootstrap::add_missing_demo_evidence(&store).await?;
        return Ok(store);
    }
    tracing::info!("creating data directory {}", dir.display());
    let store = init(dir).await?;
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "note: created data directory {} with the built-in agreements",
            dir.display()
        );
    }
    Ok(store)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The agreement `id` names, or without one the data directory's first (as `truce
/// agreement list` orders them).
async fn stored(store: &Store, id: Option<&str>) -> Result<AgreementBundle> {
    let id = match id {
        Some(id) => id.to_owned(),
        None => store
            .agreements()
            .await?
            .into_iter()
            .map(|a| a.id)
            .next()
            .ok_or_else(|| {
                BadInput("no agreement in the data directory (truce agreement load FOLDER)".into())
            })?,
    };
    let id = id.as_str();
    match store.agreement(id).await? {
        Some(b) => Ok(b),
        None => {
            let ids: Vec<String> = store
                .agreements()
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect();
            let hint = truce_model::diag::suggest(id, ids.iter().map(String::as_str));
            Err(BadInput(format!(
                "no agreement `{id}` in the data directory ({hint})"
            ))
            .into())
        }
    }
}
