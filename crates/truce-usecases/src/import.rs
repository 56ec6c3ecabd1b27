//! A file of reports imported into the store: the data set's source is found (or made,
//! for ACLED and UCDP), the format's reader is chosen, and the rows are read, matched and
//! written under the agreement's import lock, one import of an agreement at a time (also
//! across processes on PostgreSQL). An ACLED deletion list retracts the reports it names.

use std::io::BufRead;
use truce_formats::acled::{self, FileError, Reject};
use truce_model::AgreementBundle;
use truce_model::report::{Reliability, Source, SourceKind};
use truce_store::ingest::{self, ImportOutcome, RetractSummary};
use truce_store::{Store, StoreError};

/// The formats of report files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
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

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The format.
    pub format: ReportFormat,
    /// The data set's source id; `acled` or `ucdp` when not given. A source not yet
    /// registered is made: a data set of reliability B named by its id.
    pub source: Option<String>,
    /// The credibility grade (1–6) given to a data set's rows.
    pub credibility: u8,
    /// Reports per transaction.
    pub batch_rows: usize,
    /// The import's instant (reception time of every row).
    pub now: jiff::Timestamp,
}

/// What an import did.
#[derive(Debug)]
pub enum Imported {
    /// Reports read, matched and stored.
    Reports(ImportOutcome),
    /// A deletion list applied: its summary and the refused rows.
    Retracted(RetractSummary, Vec<Reject>),
}

/// Imports `input` for the agreement of `bundle`. `progress` is called after every
/// committed batch with the rows read so far. The inner error is a file the reader could
/// not start on (no header, the wrong columns), with its line.
pub async fn import_reports(
    store: &Store,
    bundle: &AgreementBundle,
    input: impl BufRead,
    o: &ImportOptions,
    progress: impl FnMut(u64),
) -> Result<Result<Imported, FileError>, StoreError> {
    let source_id = o.source.clone().unwrap_or_else(|| {
        if o.format == ReportFormat::Ucdp {
            "ucdp".into()
        } else {
            "acled".into()
        }
    });
    let source = store
        .sources()
        .await?
        .remove(&source_id)
        .unwrap_or_else(|| Source {
            id: source_id.clone(),
            name: source_id.to_uppercase(),
            kind: SourceKind::DataSet,
            reliability: Reliability::B,
            party: None,
        });
    let lock = store.import_lock(&bundle.agreement.id).await?;
    let outcome = run(store, bundle, input, o, source, progress).await;
    lock.release().await?;
    outcome
}

async fn run(
    store: &Store,
    bundle: &AgreementBundle,
    input: impl BufRead,
    o: &ImportOptions,
    source: Source,
    progress: impl FnMut(u64),
) -> Result<Result<Imported, FileError>, StoreError> {
    let (now, batch) = (o.now, o.batch_rows);
    let reports = |r: Result<ImportOutcome, FileError>| r.map(Imported::Reports);
    Ok(match o.format {
        ReportFormat::AcledDeletions => ingest::retract_acled(store, bundle, input, &source.id)
            .await?
            .map(|(summary, rejects)| Imported::Retracted(summary, rejects)),
        ReportFormat::Acled => {
            let options = acled::Options {
                source,
                received: now,
                credibility: o.credibility,
                now,
                max_field_bytes: 32 * 1024,
            };
            reports(ingest::import_acled(store, bundle, input, &options, batch, progress).await?)
        }
        ReportFormat::Jsonl => reports(Ok(ingest::import_jsonl(
            store, bundle, input, now, batch, progress,
        )
        .await?)),
        ReportFormat::Geojson => {
            reports(ingest::import_geojson(store, bundle, input, now, batch, progress).await?)
        }
        ReportFormat::Ucdp => {
            let options = truce_formats::ucdp::Options {
                source,
                received: now,
                now,
                max_field_bytes: 32 * 1024,
            };
            reports(ingest::import_ucdp(store, bundle, input, &options, batch, progress).await?)
        }
    })
}
