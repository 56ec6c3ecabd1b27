//! Helpers shared by the domain crates' tests: the repository's files as sources, the
//! shipped nk-2020 agreement and its demo evidence, and synthetic incidents. Tests only
//! (`publish = false`); nothing here is part of Truce.

use jiff::civil::Date;
use std::path::{Path, PathBuf};
use truce_formats::records::read_line;
use truce_model::records::Record;
use truce_model::{AgreementBundle, Problems, SourceFile};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Reads a file of the repository as a source named by its repository path.
pub fn source(rel: &str) -> SourceFile {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    SourceFile::new(rel, text)
}

/// Loads an agreement whose companions live in `dir`, with the main file given as text.
pub fn load_with(dir: &str, main: SourceFile) -> Result<AgreementBundle, Problems> {
    let dir = dir.to_owned();
    truce_model::load(main, move |name| {
        let rel = format!("{dir}/{name}");
        std::fs::read_to_string(root().join(&rel))
            .map(|t| SourceFile::new(rel, t))
            .map_err(|e| e.to_string())
    })
}

/// The nk-2020 agreement as shipped.
pub fn nk2020() -> AgreementBundle {
    match load_with(
        "agreements/nk-2020",
        source("agreements/nk-2020/agreement.toml"),
    ) {
        Ok(b) => b,
        Err(p) => panic!("nk-2020 does not load:\n{p}"),
    }
}

/// The shipped demo evidence files of nk-2020, in name order.
pub fn demo_evidence_files() -> Vec<PathBuf> {
    let dir = root().join("agreements/nk-2020/evidence");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("evidence folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    names.sort();
    names
}

/// Reads every line of the shipped demo evidence; any problem fails the test.
pub fn demo_records(b: &AgreementBundle) -> Vec<Record> {
    let mut out = Vec::new();
    for path in demo_evidence_files() {
        let text = std::fs::read_to_string(&path).expect("readable");
        for (i, line) in text.lines().enumerate() {
            match read_line(i as u64 + 1, line, b) {
                Ok(r) => out.push(r),
                Err(p) => panic!("{}:{}: {p:?}", path.display(), i + 1),
            }
        }
    }
    out
}

/// An incident of artillery fire on `day` in the pre-2020 line of contact.
pub fn violation(
    id: &str,
    day: Date,
    party: Option<&str>,
    status: truce_engine::incidents::IncidentStatus,
) -> truce_engine::incidents::Incident {
    use truce_engine::incidents::{Attribution, Incident};
    use truce_model::report::{Estimate, EventType, Window};
    // Noon in the region (UTC+4), so the local day is `day`.
    let at = day
        .at(12, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Baku").expect("tz"))
        .expect("instant")
        .timestamp();
    Incident {
        id: id.to_owned(),
        reports: vec![format!("r-{id}")],
        window: Window {
            start: at,
            end: at,
            precision: 1,
        },
        point: Some((46.75, 39.8)),
        place_name: None,
        place_label: None,
        location_precision: 1,
        event_type: EventType::Artillery,
        attribution: Attribution {
            claims: Vec::new(),
            assessed: party.map(str::to_owned),
            disputed: party.is_none(),
        },
        status,
        zones: vec!["nk-pre2020".into()],
        possibly_in: Vec::new(),
        killed: Estimate::default(),
    }
}
