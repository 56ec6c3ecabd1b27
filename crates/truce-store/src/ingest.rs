//! Importing a file of reports end to end: read, validate, place, classify, match, store.
//!
//! Known reports (same id) are skipped, so re-importing a file changes nothing. A newer
//! version of a source's record supersedes the older one, which leaves its incident.
//! Reports, each with the decision that placed it, are written in batches of
//! [`BATCH_ROWS`], one transaction each. Incidents are a pure function of their reports,
//! so they are written once, at the end: a rerun after a crash rebuilds them from the
//! committed reports, resumes matching and reaches the same state as an uninterrupted run.

use crate::{Batch, Encoded, NewReport, Raw, Result, Store};
use std::collections::HashMap;
use std::io::{BufRead, Read};
use truce_engine::incidents::{Decision, MatchConfig, Matcher};
use truce_formats::acled::{self, Reject, Warning};
use truce_formats::jsonl;
use truce_formats::rows::Fields;
use truce_model::AgreementBundle;
use truce_model::report::{Report, Source};

/// Rows per transaction unless the caller chooses. At 1M rows, 2,500 rather than 5,000
/// keeps the peak resident memory near 300 MB (286–307 MB against 318–335) for about 5%
/// more time.
pub const BATCH_ROWS: usize = 2_500;

/// Asks the kernel not to back this process's memory with transparent huge pages, for a
/// process that runs a large import: its allocator's half-used 2 MiB pages kept an import of
/// 1M rows at 289–300 MB resident instead of 256–270 MB, in the same time. A server keeps
/// them (map queries answered a fifth faster with them). Where the system cannot, nothing
/// changes.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!("transparent huge pages stay on: {e}");
    }
}

/// Writes every changed incident, a few hundred per transaction so that memory stays
/// bounded, then waits for every write. Each transaction is written while the next is made.
async fn flush_incidents(
    mut writer: Writer,
    matcher: Matcher<'_>,
    agreement: &str,
    read: u64,
) -> Result<()> {
    let mut changed = matcher.into_changed();
    loop {
        let incidents = changed.next_up_to(INCIDENTS_PER_WRITE);
        if incidents.is_empty() {
            return writer.finish().await;
        }
        let batch = Batch {
            agreement: agreement.to_owned(),
            incidents,
            ..Batch::default()
        };
        writer = writer.write(batch, read).await?;
    }
}

/// Reports in an import's first batch from which its writer takes a connection of its
/// own: at 1M rows that keeps one page cache warm rather than filling the pool's in turn
/// (peak RSS 286–307 -> 281–291 MB).
const OWN_CONNECTION_BATCH: usize = 1_000;

/// Batches handed to the writer and not yet committed, beyond the one being written: one
/// more keeps matching going while the writer is briefly slower, at a batch's memory.
const QUEUED_BATCHES: usize = 1;

/// Writes batches in the order they come, one transaction each, and tells how many rows
/// had been read when each one was made, once it is committed. Batches commit in order, so
/// a stop loses at most the batches not yet committed.
///
/// Each batch is encoded (its reports' JSON, the digest of their records) by one task
/// while the batch before it is written by another: at 1M rows that was 0.5–2.2 s faster
/// than encoding and writing in turn in 5 of 6 runs side by side, for about 10 MB more.
struct Writer {
    batches: tokio::sync::mpsc::Sender<(Batch, u64)>,
    committed: tokio::sync::mpsc::UnboundedReceiver<u64>,
    encoder: tokio::task::JoinHandle<Result<()>>,
    task: tokio::task::JoinHandle<Result<()>>,
}

impl Writer {
    fn start(store: &Store) -> Self {
        let (batches, mut queue) = tokio::sync::mpsc::channel::<(Batch, u64)>(QUEUED_BATCHES);
        let (encoded, mut queue_encoded) = tokio::sync::mpsc::channel::<(Encoded, u64)>(1);
        let encoder = tokio::spawn(async move {
            while let Some((batch, read)) = queue.recv().await {
                if encoded.send((Encoded::new(batch)?, read)).await.is_err() {
                    // The writer stopped: its error is the answer.
                    break;
                }
            }
            Ok(())
        });
        let (done, committed) = tokio::sync::mpsc::unbounded_channel();
        let store = store.clone();
        let task = tokio::spawn(async move {
            let mut next = queue_encoded.recv().await;
            // An import whose first batch is large writes through a connection of its own
            // (Store::for_one_writer); a small one, such as a report submitted to the
            // server, does not open one.
            let own = match &next {
                Some((first, _)) if first.reports() >= OWN_CONNECTION_BATCH => {
                    Some(store.for_one_writer().await?)
                }
                _ => None,
            };
            // On SQLite, that connection leaves checkpoints to one beside it.
            let mut checkpoints = match &own {
                Some(_) if store.is_sqlite() => Some(Checkpointer::start(&store).await?),
                _ => None,
            };
            let writer = own.as_ref().unwrap_or(&store);
            while let Some((batch, read)) = next {
                if let Some(c) = &mut checkpoints {
                    c.before_write().await?;
                }
                writer.write_encoded(&batch).await?;
                if let Some(c) = &mut checkpoints {
                    c.ask();
                }
                // The importer may have stopped listening; the batch is committed anyway.
                let _ = done.send(read);
                next = queue_encoded.recv().await;
            }
            if let Some(c) = checkpoints {
                c.finish().await?;
            }
            if let Some(own) = own {
                own.close_own().await;
            }
            Ok(())
        });
        Self {
            batches,
            committed,
            encoder,
            task,
        }
    }

    /// Hands a batch over, waiting while the queue is full.
    async fn write(self, batch: Batch, read: u64) -> Result<Self> {
        if self.batches.send((batch, read)).await.is_err() {
            // The writer stopped on an error: that error is the answer.
            self.finish().await?;
            return Err(crate::StoreError::Corrupt("the writer stopped".into()));
        }
        Ok(self)
    }

    /// Rows read when the batches committed since the last call were made.
    fn committed(&mut self) -> Option<u64> {
        let mut last = None;
        while let Ok(read) = self.committed.try_recv() {
            last = Some(read);
        }
        last
    }

    /// Waits until every batch handed over is committed. The first error of either task
    /// is the answer: an encoding error stops the writer too, and a writing error the
    /// encoder.
    async fn finish(self) -> Result<()> {
        drop(self.batches);
        let stopped = |e: tokio::task::JoinError| {
            crate::StoreError::Corrupt(format!("the writer stopped: {e}"))
        };
        let encoded = self.encoder.await.map_err(stopped)?;
        let written = self.task.await.map_err(stopped)?;
        encoded.and(written)
    }
}

/// Pages the SQLite log may hold before an import's writer waits for the checkpointer to
/// copy the last of them back, so that its next transaction starts the log over: 80 MiB at
/// 16 KiB pages.
const LOG_PAGES: i64 = 5_000;

/// Checkpoints of a SQLite log made beside an import's writer, on a connection of their own.
/// Checkpointing inside the writer's commits held it up for 1.6 s of 12 at 1M rows; here
/// it runs while the writer encodes and writes the next batches. A checkpoint that runs
/// while the writer writes copies what was committed before it, and the log only starts
/// over when nothing is left to copy as a transaction begins; so when the log grows past
/// [`LOG_PAGES`], the writer lets one more checkpoint finish before its next transaction.
struct Checkpointer {
    /// A checkpoint is wanted (at most one waits; more asks are the same ask).
    asks: tokio::sync::mpsc::Sender<()>,
    /// (checkpoints started, checkpoints finished, pages in the log after the last that
    /// were not all copied back: 0 when the next transaction starts the log over).
    runs: tokio::sync::watch::Receiver<(u64, u64, i64)>,
    /// `None` once waited for.
    task: Option<tokio::task::JoinHandle<Result<()>>>,
    /// When a checkpoint was last asked for.
    asked: std::time::Instant,
}

/// The least time between two checkpoints an import's writer asks for: one after every
/// commit made 450 of them at 1M rows, each syncing the log and the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

impl Checkpointer {
    async fn start(store: &Store) -> Result<Self> {
        let own = store.for_checkpoints().await?;
        let (asks, mut asked) = tokio::sync::mpsc::channel::<()>(1);
        let (tell, runs) = tokio::sync::watch::channel((0u64, 0u64, 0i64));
        let task = tokio::spawn(async move {
            let mut outcome = Ok(());
            while asked.recv().await.is_some() {
                tell.send_modify(|r| r.0 += 1);
                match own.checkpoint().await {
                    Ok((log, copied)) => tell.send_modify(|r| {
                        *r = (r.0, r.1 + 1, if copied >= log { 0 } else { log });
                    }),
                    Err(e) => {
                        outcome = Err(e);
                        break;
                    }
                }
            }
            own.close_own().await;
            outcome
        });
        Ok(Self {
            asks,
            runs,
            task: Some(task),
            asked: std::time::Instant::now(),
        })
    }

    /// Asks for a checkpoint of what is committed, unless one was asked for lately.
    fn ask(&mut self) {
        if self.asked.elapsed() >= CHECKPOINT_EVERY {
            self.asked = std::time::Instant::now();
            let _ = self.asks.try_send(());
        }
    }

    /// Waits, when the log has grown past [`LOG_PAGES`], until a checkpoint started after
    /// the last commit has finished.
    async fn before_write(&mut self) -> Result<()> {
        let (started, _, pages) = *self.runs.borrow();
        if pages > LOG_PAGES {
            self.wait_for(started + 1).await?;
        }
        Ok(())
    }

    /// Waits until checkpoint number `n` has finished, asking for it.
    async fn wait_for(&mut self, n: u64) -> Result<()> {
        if self.asks.send(()).await.is_err() || self.runs.wait_for(|r| r.1 >= n).await.is_err() {
            return Err(self.stopped().await);
        }
        Ok(())
    }

    /// The checkpointer's error, once it stopped.
    async fn stopped(&mut self) -> crate::StoreError {
        match join(self.task.take()).await {
            Err(e) => e,
            Ok(()) => crate::StoreError::Corrupt("the checkpointer stopped".into()),
        }
    }

    /// Copies the rest of the log back and stops.
    async fn finish(mut self) -> Result<()> {
        let started = self.runs.borrow().0;
        self.wait_for(started + 1).await?;
        let Self { asks, task, .. } = self;
        drop(asks);
        join(task).await
    }
}

/// Waits for the checkpointer's task to end, unless it was waited for already.
async fn join(task: Option<tokio::task::JoinHandle<Result<()>>>) -> Result<()> {
    match task {
        Some(task) => task
            .await
            .map_err(|e| crate::StoreError::Corrupt(format!("the checkpointer stopped: {e}")))?,
        None => Ok(()),
    }
}

/// Reports an import must store before the planner's statistics are refreshed at its
/// end: the queries of a submission (`Store::incidents_near`) choose their indexes from
/// them, and a table that grew from nothing to a million rows since the last refresh would
/// be read whole.
const ANALYZE_AFTER: u64 = 10_000;

/// Incidents written per transaction at the end of an import: at 1M reports in 23k
/// incidents, 500 (20k claims) keep 60 MB less in flight than 2,000, in the same time.
const INCIDENTS_PER_WRITE: usize = 500;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Data rows read.
    pub read: u64,
    /// New reports stored.
    pub accepted: u64,
    /// Of those, how many joined an incident that already existed.
    pub merged: u64,
    /// Incidents started.
    pub new_incidents: u64,
    /// Older versions replaced by a newer one in this file.
    pub superseded: u64,
    /// Rows already stored (same id): nothing to do.
    pub unchanged: u64,
    /// Rows older than the version already stored: ignored.
    pub stale: u64,
    /// Rows refused.
    pub rejected: u64,
}

/// Everything an import reports back.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    /// Counts.
    pub summary: ImportSummary,
    /// Refused rows: line, column (CSV) or JSON pointer (JSON Lines), value and reason.
    pub rejects: Vec<Reject>,
    /// Accepted rows worth a look.
    pub warnings: Vec<Warning>,
}

/// One accepted row of any format.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The report made from it.
    pub report: Report,
    /// The format (`acled`, `jsonl`).
    pub raw_format: &'static str,
    /// The record as received.
    pub raw: Raw,
    /// Warnings about it.
    pub warnings: Vec<Warning>,
    /// The row's line, when a later row with the same key and version is to be refused as
    /// a repeat of it (ACLED, whose reader leaves that check to the import); 0 otherwise.
    pub line: u64,
}

/// Stores one report, already read, and gives back the matcher's own decision for it
/// (`None` when the same version was stored before, so nothing was matched): [`place_one`]
/// then [`Placed::write`]. Callers hold the agreement's import lock.
pub async fn import_one(
    store: &Store,
    bundle: &AgreementBundle,
    incoming: Incoming,
    sources: &HashMap<String, Source>,
) -> Result<(ImportOutcome, Option<Decision>)> {
    let mut placed = place_one(store, bundle, incoming, sources).await?;
    let one = placed.placements.remove(0);
    placed.write(store, &[]).await?;
    Ok((one.outcome, one.decision))
}

/// What placing did with one report of a group ([`place_group`]).
#[derive(Debug, Clone)]
pub struct Placement {
    /// Counts (one row), refusals and warnings.
    pub outcome: ImportOutcome,
    /// The matcher's decision; `None` when nothing is to be written for it (the same
    /// version stored before, an older one, or refused).
    pub decision: Option<Decision>,
    /// The decision taken for the same version earlier in the same group, which is not
    /// stored yet: what the store would answer for a version stored before.
    pub same_as: Option<Decision>,
}

/// Reports matched and ready to write ([`place_group`]).
#[derive(Debug)]
pub struct Placed {
    /// One per report, in the order given.
    pub placements: Vec<Placement>,
    batch: Option<Batch>,
    /// The copy of the incident entries the reports were placed against, to be kept in
    /// step with what the write stores.
    warm: Option<crate::warm::WarmGuard>,
}

impl Placed {
    /// Writes the reports, their decisions and the incidents they changed in one
    /// transaction, with `answers` (the answers to the requests that brought them, kept
    /// under their idempotency keys) in the same one: all or none are stored.
    pub async fn write(self, store: &Store, answers: &[crate::accounts::Answer]) -> Result<()> {
        match self.batch {
            Some(batch) => {
                let encoded = Encoded::new(batch)?;
                let seq = store.write_encoded_answering(&encoded, answers).await?;
                if let Some(mut warm) = self.warm {
                    warm.apply(seq, &encoded.batch.incidents);
                }
                Ok(())
            }
            None => store.keep_answers(answers).await,
        }
    }
}

/// Matches one report without writing anything: [`place_group`] of one.
pub async fn place_one(
    store: &Store,
    bundle: &AgreementBundle,
    incoming: Incoming,
    sources: &HashMap<String, Source>,
) -> Result<Placed> {
    place_group(store, bundle, vec![incoming], sources).await
}

/// Matches reports one after the other, as an import of them in that order would, without
/// writing anything: what a server does with the submissions that queued while the one
/// before was written, so that they share one transaction.
///
/// Each report is matched against the incidents near it only ([`Store::incidents_near`]),
/// read through the indexes, besides the incidents the reports before it in the group
/// changed or made: the decision is the one a bulk import of the same reports in the same
/// order takes, at a cost that does not grow with the number of stored reports. When an
/// import has left incidents owed ([`Store::matching_owed`]) they are written first, from
/// every stored report. Callers hold the agreement's import lock until the result is
/// written.
pub async fn place_group(
    store: &Store,
    bundle: &AgreementBundle,
    group: Vec<Incoming>,
    sources: &HashMap<String, Source>,
) -> Result<Placed> {
    let agreement = &bundle.agreement.id;
    let mut phases = Phases::new();
    let (owed, mut next) = store.matching_start(agreement).await?;
    if owed {
        import_rows(store, bundle, std::iter::empty(), sources, 1, |_| {}).await?;
        next = store.next_incident_number().await?;
    }
    let config = MatchConfig::from(bundle.agreement.matching);
    // The stored incidents' entries from memory, when this handle keeps them, for reports
    // that are not rows of a data set (whose rule needs to know which incidents hold only
    // that data set's rows, which the entries do not say).
    let data_set_rows = group.iter().any(|i| {
        sources
            .get(&i.report.source)
            .is_some_and(|s| s.kind == truce_model::report::SourceKind::DataSet)
    });
    phases.mark("owed_next");
    let mut warm = if data_set_rows {
        None
    } else {
        store.warm_index(agreement, config).await?
    };
    phases.mark("warm");
    let mut matcher = Matcher::resume_indexed(
        config,
        &bundle.zones,
        &bundle.gazetteer,
        Vec::new(),
        Vec::new(),
        next,
    )
    .with_actors(&bundle.agreement);
    let stored_index = warm.as_ref().and_then(|w| w.index());
    if let Some(index) = stored_index {
        matcher = matcher.over_stored(index);
    }
    // What the store holds for the whole group, read at once: the current version of
    // each keyed record (only keyed records are looked up, as an import's version table
    // holds only those), the incidents its older versions leave, in full, and the
    // incidents near each report by their index entries.
    let keyed: Vec<(&str, &str)> = group
        .iter()
        .filter_map(|i| Some((i.report.source.as_str(), i.report.source_key.as_deref()?)))
        .collect();
    let stored = store.report_versions(&keyed).await?;
    phases.mark("versions");
    let left: Vec<String> = stored
        .values()
        .map(|c| format!("inc-{}", c.incident))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // Read from the database only when the entries are not in memory.
    let near: Vec<_> = group
        .iter()
        .filter(|_| stored_index.is_none())
        .filter_map(|i| matcher.neighbourhood(&i.report))
        .collect();
    let near = store.incidents_near(agreement, &near).await?;
    let left = store.incidents_in_full(&left, sources).await?;
    matcher.hold(left, near);
    phases.mark("near");
    // The incidents the reports would join as things stand, in full at once: most still
    // are what they join once the reports before them are placed; the rest are read as
    // they come.
    let mut joins = std::collections::BTreeSet::new();
    for i in &group {
        if let Some(id) = matcher.would_join(&i.report)
            && !matcher.holds_in_full(&id)
        {
            joins.insert(id);
        }
    }
    let joins: Vec<String> = joins.into_iter().collect();
    let joins = store.incidents_in_full(&joins, sources).await?;
    matcher.hold(joins, Vec::new());
    phases.mark("joins");
    // The group's own reports by id, and the current version of each keyed record it
    // stored: (version, incident).
    let mut placed_here: HashMap<String, Decision> = HashMap::new();
    let mut versions: HashMap<(String, String), (i64, String)> = HashMap::new();
    let mut placements = Vec::with_capacity(group.len());
    let mut out_of_date = false;
    let mut reports = Vec::new();
    let mut superseded = Vec::new();
    for incoming in group {
        let mut out = ImportOutcome::default();
        out.summary.read = 1;
        let report = incoming.report;
        let Some(source) = sources.get(&report.source) else {
            out.summary.rejected = 1;
            out.rejects.push(unknown_source(&report.source));
            placements.push(Placement {
                outcome: out,
                decision: None,
                same_as: None,
            });
            continue;
        };
        // A record without a key stored earlier in this group, the same again.
        if let Some(d) = placed_here
            .get(&report.id)
            .filter(|_| report.source_key.is_none())
        {
            out.summary.unchanged = 1;
            placements.push(Placement {
                outcome: out,
                decision: None,
                same_as: Some(d.clone()),
            });
            continue;
        }
        let version = report.source_version.unwrap_or(0);
        let old = report.source_key.as_ref().and_then(|key| {
            let record = (report.source.clone(), key.clone());
            match versions.get(&record) {
                Some((v, incident)) => Some((*v, incident.clone(), key.clone())),
                None => stored
                    .get(&record)
                    .map(|c| (c.version, format!("inc-{}", c.incident), key.clone())),
            }
        });
        let mut leaves = None;
        if let Some((old_version, incident, key)) = old {
            if version <= old_version {
                if version == old_version {
                    out.summary.unchanged = 1;
                } else {
                    out.summary.stale = 1;
                }
                let same_as = placed_here
                    .get(&report.id)
                    .filter(|_| version == old_version);
                placements.push(Placement {
                    outcome: out,
                    decision: None,
                    same_as: same_as.cloned(),
                });
                continue;
            }
            let old_id = format!("{}:{key}@{old_version}", report.source);
            superseded.push((old_id.clone(), report.id.clone()));
            leaves = Some((incident, old_id));
            out.summary.superseded = 1;
        }
        // In full (with their reports) besides the incidents near it: the one its older
        // version leaves and the one it joins.
        if let Some((incident, old_id)) = &leaves {
            hold_in_full(store, &mut matcher, incident, sources).await?;
            matcher.withdraw(incident, old_id);
        }
        // Until the incident it would join is held in full: one known by its index entry
        // alone may turn out, once read, to hold another row of the report's data set.
        while let Some(joins) = matcher
            .would_join(&report)
            .filter(|j| !matcher.holds_in_full(j))
        {
            hold_in_full(store, &mut matcher, &joins, sources).await?;
            if !matcher.holds_in_full(&joins) {
                // An entry named an incident the store no longer lists with reports.
                tracing::warn!(incident = %joins, "an incident's index entry was out of date; it is set aside and the entries are read afresh");
                matcher.set_aside(&joins);
                out_of_date = true;
            }
        }
        out.warnings.extend(incoming.warnings);
        let warned = matcher.warnings().len();
        let decision = matcher.add(&report, source);
        // A place name the gazetteer does not know, or knows for several places: the
        // report is kept, unplaced, and its sender told (with the names it may mean).
        for w in &matcher.warnings()[warned..] {
            out.warnings.push(Warning {
                line: incoming.line,
                column: match incoming.raw_format {
                    "jsonl" => "/location/place",
                    "acled" => "location",
                    "ucdp" => "where_coordinates",
                    _ => "place",
                }
                .to_owned(),
                message: w.message.clone(),
            });
        }
        out.summary.accepted = 1;
        if decision.new {
            out.summary.new_incidents = 1;
        } else {
            out.summary.merged = 1;
        }
        if let Some(key) = &report.source_key {
            versions.insert(
                (report.source.clone(), key.clone()),
                (version, decision.incident.clone()),
            );
        }
        placed_here.insert(report.id.clone(), decision.clone());
        placements.push(Placement {
            outcome: out,
            decision: Some(decision.clone()),
            same_as: None,
        });
        reports.push(NewReport {
            words: search_words(bundle, &report),
            report,
            raw_format: incoming.raw_format,
            raw: incoming.raw,
            decision,
        });
    }
    let batch = (!reports.is_empty()).then(|| Batch {
        agreement: agreement.clone(),
        reports,
        superseded,
        incidents: matcher.take_changed(),
    });
    drop(matcher);
    if out_of_date && let Some(w) = warm.as_mut() {
        w.forget();
    }
    phases.mark("matched");
    phases.log("a group placed");
    Ok(Placed {
        placements,
        batch,
        warm,
    })
}

/// The words a report is found by in a search: its account's, its place's
/// ([`truce_model::places::Gazetteer::search_words`]), and the word of the month it
/// starts in ([`truce_model::search::month_word`]), by which a search within dates reads
/// only the reports of those months.
pub(crate) fn search_words(bundle: &AgreementBundle, r: &Report) -> String {
    let mut w = bundle.gazetteer.search_words(
        Some(r.text.as_str()),
        r.location.place_name.as_deref(),
        r.location.point,
    );
    if !w.is_empty() {
        w.push(' ');
        w.push_str(&truce_model::search::month_word(r.occurred.start));
    }
    w
}

/// Where the time of a step went, phase by phase, for the debug log.
pub(crate) struct Phases {
    last: std::time::Instant,
    marks: Vec<(&'static str, f64)>,
}

impl Phases {
    pub(crate) fn new() -> Self {
        Self {
            last: std::time::Instant::now(),
            marks: Vec::new(),
        }
    }

    /// The time since the last mark goes to `phase`.
    pub(crate) fn mark(&mut self, phase: &'static str) {
        let now = std::time::Instant::now();
        self.marks
            .push((phase, (now - self.last).as_secs_f64() * 1e3));
        self.last = now;
    }

    pub(crate) fn log(&self, what: &str) {
        if tracing::enabled!(tracing::Level::DEBUG) {
            let phases: Vec<String> = self
                .marks
                .iter()
                .map(|(p, ms)| format!("{p}={ms:.2}"))
                .collect();
            tracing::debug!(phases_ms = %phases.join(" "), "{what}");
        }
    }
}

/// Reads an incident with its reports into the matcher unless it holds it so already.
async fn hold_in_full(
    store: &Store,
    matcher: &mut Matcher<'_>,
    incident: &str,
    sources: &HashMap<String, Source>,
) -> Result<()> {
    if !matcher.holds_in_full(incident) {
        let full = store
            .incidents_in_full(&[incident.to_owned()], sources)
            .await?;
        matcher.hold(full, Vec::new());
    }
    Ok(())
}

/// The refusal of a report whose source is not registered.
fn unknown_source(source: &str) -> Reject {
    Reject {
        line: 0,
        column: "source".into(),
        value: source.to_owned(),
        reason: "unknown source".into(),
    }
}

/// Imports rows of any format. `rows` yields accepted rows or the rejects of a refused
/// row; every report's source must be in `sources`.
pub async fn import_rows(
    store: &Store,
    bundle: &AgreementBundle,
    rows: impl Iterator<Item = Result<Incoming, Vec<Reject>>>,
    sources: &HashMap<String, Source>,
    batch_rows: usize,
    mut progress: impl FnMut(u64),
) -> Result<ImportOutcome> {
    let agreement = bundle.agreement.id.clone();
    // Until every incident is written, a submission must not trust the incident rows.
    store.owe_matching(&agreement, true).await?;
    let mut current = store.current_versions().await?;
    let mut matcher = resumed(store, bundle).await?;
    matcher.forget_decisions();
    let mut out = ImportOutcome::default();
    // Each batch's room for reports is taken at once rather than grown by doubling, which
    // copied each batch's reports (about 530 bytes each) several times over.
    let new_batch = || Batch {
        agreement: agreement.clone(),
        reports: Vec::with_capacity(batch_rows.clamp(1, 4 * BATCH_ROWS)),
        ..Batch::default()
    };
    let mut batch = new_batch();
    let mut writer = Writer::start(store);
    for row in rows {
        out.summary.read += 1;
        let row = match row {
            Ok(r) => r,
            Err(rejects) => {
                out.summary.rejected += 1;
                out.rejects.extend(rejects);
                continue;
            }
        };
        let Some(source) = sources.get(&row.report.source) else {
            out.summary.rejected += 1;
            out.rejects.push(unknown_source(&row.report.source));
            continue;
        };
        let version = row.report.source_version.unwrap_or(0);
        let key = row
            .report
            .source_key
            .clone()
            .unwrap_or_else(|| row.report.id.clone());
        if let Some(old) = current.get(&row.report.source, &key) {
            let old_version = old.version;
            // The same version twice in the file being imported: a repeated row.
            if version == old_version && old.line != 0 && row.line != 0 {
                out.summary.rejected += 1;
                out.rejects.push(acled::repeat(row.line, &key, old.line));
                continue;
            }
            // The same version again, retracted or not: nothing to do, but a second row of
            // it in this file is a repeat.
            if version == old_version {
                if old.line == 0 && row.line != 0 {
                    let seen = crate::Current {
                        line: row.line,
                        ..old
                    };
                    current.insert(&row.report.source, &key, seen);
                }
                out.summary.unchanged += 1;
                continue;
            }
            if version < old_version {
                out.summary.stale += 1;
                continue;
            }
            let old_id = format!("{}:{key}@{old_version}", row.report.source);
            matcher.withdraw(&format!("inc-{}", old.incident), &old_id);
            batch.superseded.push((old_id, row.report.id.clone()));
            out.summary.superseded += 1;
        }
        out.warnings.extend(row.warnings);
        let decision = matcher.add(&row.report, source);
        let number = decision
            .incident
            .strip_prefix("inc-")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        current.insert(
            &row.report.source,
            &key,
            crate::Current {
                version,
                incident: number,
                retracted: false,
                line: row.line,
            },
        );
        out.summary.accepted += 1;
        if decision.new {
            out.summary.new_incidents += 1;
        } else {
            out.summary.merged += 1;
        }
        batch.reports.push(NewReport {
            words: search_words(bundle, &row.report),
            report: row.report,
            raw_format: row.raw_format,
            raw: row.raw,
            decision,
        });
        if batch.reports.len() >= batch_rows.max(1) {
            // The batch is written while the next ones are matched.
            let full = std::mem::replace(&mut batch, new_batch());
            writer = writer.write(full, out.summary.read).await?;
            if let Some(read) = writer.committed() {
                progress(read);
            }
        }
    }
    let writer = writer.write(batch, out.summary.read).await?;
    // The record versions are not needed any more: their memory goes before the incidents'.
    drop(current);
    // Incidents last, a few hundred at a time, so that memory stays bounded.
    flush_incidents(writer, matcher, &agreement, out.summary.read).await?;
    store.owe_matching(&agreement, false).await?;
    if out.summary.accepted >= ANALYZE_AFTER {
        store.refresh_statistics().await?;
    }
    progress(out.summary.read);
    Ok(out)
}

/// A matcher for the agreement holding every stored incident in full, with the
/// agreement's actors to resolve kept names, numbering new incidents after the stored.
async fn resumed<'b>(store: &Store, bundle: &'b AgreementBundle) -> Result<Matcher<'b>> {
    let (stored, next) = store.resume_state(&bundle.agreement.id).await?;
    let mut matcher = Matcher::new(
        MatchConfig::from(bundle.agreement.matching),
        &bundle.zones,
        &bundle.gazetteer,
    )
    .with_actors(&bundle.agreement);
    matcher.hold_stored(stored, next);
    Ok(matcher)
}

/// Reassesses every incident of the agreement from its stored reports, with the
/// agreement as loaded now: its zones (and their versions) and its actors' aliases, so
/// that a name an alias now maps is attributed. What a changed agreement needs; the caller
/// holds the agreement's import lock. Returns how many incidents were reassessed.
pub async fn reassess_incidents(store: &Store, bundle: &AgreementBundle) -> Result<usize> {
    let agreement = bundle.agreement.id.clone();
    store.owe_matching(&agreement, true).await?;
    let mut matcher = resumed(store, bundle).await?;
    matcher.forget_decisions();
    let n = matcher.touch_all();
    flush_incidents(Writer::start(store), matcher, &agreement, 0).await?;
    store.owe_matching(&agreement, false).await?;
    Ok(n)
}

/// Imports ACLED CSV rows into `store` for the agreement of `bundle`, `batch_rows` rows per
/// transaction. `progress` is called after every committed batch with the rows read so far.
pub async fn import_acled<R: Read>(
    store: &Store,
    bundle: &AgreementBundle,
    input: R,
    options: &acled::Options,
    batch_rows: usize,
    progress: impl FnMut(u64),
) -> Result<Result<ImportOutcome, acled::FileError>> {
    // The import refuses repeated rows itself, from the record versions it keeps anyway.
    let rows = acled::Reader::new(input, &bundle.agreement, &bundle.zones, options).map(|reader| {
        reader
            .leave_repeats_to_caller()
            .map(|row| row.map(|r| (r.report, r.record.into_fields(), r.warnings, r.line)))
    });
    import_dataset(
        store,
        bundle,
        &options.source,
        rows,
        "acled",
        batch_rows,
        progress,
    )
    .await
}

/// Imports the rows of a data set's CSV (ACLED, UCDP): registers the source and keeps each
/// row's original fields for exact export.
async fn import_dataset(
    store: &Store,
    bundle: &AgreementBundle,
    source: &Source,
    rows: Result<
        impl Iterator<Item = Result<(Report, Fields, Vec<Warning>, u64), Reject>>,
        acled::FileError,
    >,
    format: &'static str,
    batch_rows: usize,
    progress: impl FnMut(u64),
) -> Result<Result<ImportOutcome, acled::FileError>> {
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    store.put_source(source).await?;
    let sources = store.sources().await?;
    let rows = rows.map(|row| match row {
        Ok((report, fields, warnings, line)) => Ok(Incoming {
            raw: Raw::Fields(fields),
            report,
            raw_format: format,
            warnings,
            line,
        }),
        Err(rej) => Err(vec![rej]),
    });
    import_rows(store, bundle, rows, &sources, batch_rows, progress)
        .await
        .map(Ok)
}

/// Imports a GeoJSON FeatureCollection of reports (docs/formats.md). The whole document
/// is read first: GeoJSON has no row boundaries to stream on.
pub async fn import_geojson<R: Read>(
    store: &Store,
    bundle: &AgreementBundle,
    mut input: R,
    now: jiff::Timestamp,
    batch_rows: usize,
    progress: impl FnMut(u64),
) -> Result<Result<ImportOutcome, acled::FileError>> {
    let mut text = String::new();
    if let Err(e) = input.read_to_string(&mut text) {
        return Ok(Err(acled::FileError {
            line: 1,
            message: format!("not readable as UTF-8 text: {e}"),
        }));
    }
    let sources = store.sources().await?;
    let ctx = jsonl::Context {
        agreement: &bundle.agreement,
        sources: &sources,
        now,
    };
    let features = match jsonl::read_feature_collection(&text, &ctx) {
        Ok(f) => f,
        Err(p) => {
            return Ok(Err(acled::FileError {
                line: p.line,
                message: format!("{} {}", p.pointer, p.reason).trim().to_owned(),
            }));
        }
    };
    let rows = features.into_iter().map(|(raw, r)| match r {
        Ok(report) => Ok(Incoming {
            report,
            raw_format: "geojson",
            raw: Raw::Json(raw),
            warnings: Vec::new(),
            line: 0,
        }),
        Err(problems) => Err(problems.into_iter().map(Reject::from).collect()),
    });
    import_rows(store, bundle, rows, &sources, batch_rows, progress)
        .await
        .map(Ok)
}

/// Imports a UCDP GED CSV (with or without header) for the agreement of `bundle`.
pub async fn import_ucdp<R: Read>(
    store: &Store,
    bundle: &AgreementBundle,
    input: R,
    options: &truce_formats::ucdp::Options,
    batch_rows: usize,
    progress: impl FnMut(u64),
) -> Result<Result<ImportOutcome, acled::FileError>> {
    let rows = truce_formats::ucdp::Reader::new(input, &bundle.agreement, &bundle.zones, options)
        .map(|reader| reader.map(|row| row.map(|r| (r.report, r.fields, r.warnings, 0))));
    import_dataset(
        store,
        bundle,
        &options.source,
        rows,
        "ucdp",
        batch_rows,
        progress,
    )
    .await
}

/// Imports a native JSON Lines file; every line's source must be registered. Blank lines
/// are skipped; a line that is not UTF-8 is refused.
pub async fn import_jsonl<R: BufRead>(
    store: &Store,
    bundle: &AgreementBundle,
    input: R,
    now: jiff::Timestamp,
    batch_rows: usize,
    progress: impl FnMut(u64),
) -> Result<ImportOutcome> {
    let sources = store.sources().await?;
    let ctx = jsonl::Context {
        agreement: &bundle.agreement,
        sources: &sources,
        now,
    };
    let mut no = 0u64;
    let rows = input.split(b'\n').filter_map(|line| {
        no += 1;
        let bytes = match line {
            Ok(b) => b,
            Err(e) => {
                return Some(Err(vec![Reject {
                    line: no,
                    column: String::new(),
                    value: String::new(),
                    reason: format!("unreadable: {e}"),
                }]));
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Some(Err(vec![Reject {
                line: no,
                column: String::new(),
                value: String::new(),
                reason: "is not valid UTF-8".into(),
            }]));
        };
        let text = text.trim_end_matches('\r');
        if text.trim().is_empty() {
            return None;
        }
        Some(match jsonl::read_line(no, text, &ctx) {
            Ok(report) => Ok(Incoming {
                report,
                raw_format: "jsonl",
                raw: Raw::Json(text.to_owned()),
                warnings: Vec::new(),
                line: 0,
            }),
            Err(problems) => Err(problems.into_iter().map(Reject::from).collect()),
        })
    });
    import_rows(store, bundle, rows, &sources, batch_rows, progress).await
}

/// What applying a deletion list did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetractSummary {
    /// Rows read.
    pub read: u64,
    /// Reports retracted.
    pub retracted: u64,
    /// Rows naming no stored report, or deleting a version older than the stored one.
    pub not_found: u64,
    /// Rows refused.
    pub rejected: u64,
}

/// Applies an ACLED deletion list for `source`: each listed event's current report is
/// retracted (kept, marked, and taken out of its incident) when the deletion is not older
/// than it. Running the same list twice changes nothing the second time.
pub async fn retract_acled<R: Read>(
    store: &Store,
    bundle: &AgreementBundle,
    input: R,
    source: &str,
) -> Result<Result<(RetractSummary, Vec<Reject>), acled::FileError>> {
    let rows = match acled::read_deletions(input) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let current = store.current_versions().await?;
    let mut matcher = resumed(store, bundle).await?;
    let (mut summary, mut rejects, mut retracted) =
        (RetractSummary::default(), Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        summary.read += 1;
        match row {
            Err(r) => {
                summary.rejected += 1;
                rejects.push(r);
            }
            Ok(d) => match current.get(source, &d.key) {
                Some(crate::Current {
                    version,
                    incident,
                    retracted: false,
                    ..
                }) if d.deleted >= version => {
                    let id = format!("{source}:{}@{version}", d.key);
                    if seen.insert(id.clone()) {
                        matcher.withdraw(&format!("inc-{incident}"), &id);
                        retracted.push(id);
                        summary.retracted += 1;
                    }
                }
                _ => summary.not_found += 1,
            },
        }
    }
    let agreement = bundle.agreement.id.clone();
    store.owe_matching(&agreement, true).await?;
    store.retract(&retracted).await?;
    flush_incidents(Writer::start(store), matcher, &agreement, summary.read).await?;
    store.owe_matching(&agreement, false).await?;
    Ok(Ok((summary, rejects)))
}
