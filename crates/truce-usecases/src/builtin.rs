//! Agreements compiled into the binary, so that a fresh data directory starts with them
//! wherever the command runs from.

use anyhow::{Result, anyhow};
use truce_model::report::Source;
use truce_model::{AgreementBundle, SourceFile};

/// (folder, file, text) of every built-in agreement file.
const FILES: &[(&str, &str, &str)] = &[
    (
        "nk-2020",
        "agreement.toml",
        include_str!("../../../agreements/nk-2020/agreement.toml"),
    ),
    (
        "nk-2020",
        "zones.geojson",
        include_str!("../../../agreements/nk-2020/zones.geojson"),
    ),
    (
        "nk-2020",
        "places.csv",
        include_str!("../../../agreements/nk-2020/places.csv"),
    ),
    (
        "nk-2020",
        "statements.toml",
        include_str!("../../../agreements/nk-2020/statements.toml"),
    ),
    (
        "nk-2023",
        "agreement.toml",
        include_str!("../../../agreements/nk-2023/agreement.toml"),
    ),
    // The 2023 agreement names the 2020 agreement's zones and gazetteer: the same ground.
    (
        "nk-2023",
        "../nk-2020/zones.geojson",
        include_str!("../../../agreements/nk-2020/zones.geojson"),
    ),
    (
        "nk-2023",
        "../nk-2020/places.csv",
        include_str!("../../../agreements/nk-2020/places.csv"),
    ),
    (
        "nk-2023",
        "statements.toml",
        include_str!("../../../agreements/nk-2023/statements.toml"),
    ),
    // The agreements' own words in other languages (titles, actors, obligations).
    (
        "nk-2020",
        "i18n/ru.json",
        include_str!("../../../agreements/nk-2020/i18n/ru.json"),
    ),
    (
        "nk-2020",
        "i18n/hy.json",
        include_str!("../../../agreements/nk-2020/i18n/hy.json"),
    ),
    (
        "nk-2020",
        "i18n/az.json",
        include_str!("../../../agreements/nk-2020/i18n/az.json"),
    ),
    (
        "nk-2023",
        "i18n/ru.json",
        include_str!("../../../agreements/nk-2023/i18n/ru.json"),
    ),
    (
        "nk-2023",
        "i18n/hy.json",
        include_str!("../../../agreements/nk-2023/i18n/hy.json"),
    ),
    (
        "nk-2023",
        "i18n/az.json",
        include_str!("../../../agreements/nk-2023/i18n/az.json"),
    ),
];

/// Every built-in agreement, loaded and validated.
pub fn agreements() -> Result<Vec<AgreementBundle>> {
    let mut folders: Vec<&str> = FILES.iter().map(|(f, _, _)| *f).collect();
    folders.dedup();
    folders
        .into_iter()
        .map(|folder| {
            let file = |name: &str| {
                FILES
                    .iter()
                    .find(|(f, n, _)| *f == folder && *n == name)
                    .map(|(f, n, t)| SourceFile::new(format!("agreements/{f}/{n}"), *t))
                    .ok_or_else(|| format!("not built in: {name}"))
            };
            let main = file("agreement.toml").map_err(|e| anyhow!(e))?;
            truce_model::load(main, file)
                .map_err(|p| anyhow!("built-in agreement {folder} does not load:\n{p}"))
        })
        .collect()
}

/// (folder, file, text) of every built-in agreement's demo evidence.
const EVIDENCE: &[(&str, &str, &str)] = &[
    (
        "nk-2020",
        "handovers.jsonl",
        include_str!("../../../agreements/nk-2020/evidence/handovers.jsonl"),
    ),
    (
        "nk-2020",
        "deployment.jsonl",
        include_str!("../../../agreements/nk-2020/evidence/deployment.jsonl"),
    ),
    (
        "nk-2020",
        "corridor.jsonl",
        include_str!("../../../agreements/nk-2020/evidence/corridor.jsonl"),
    ),
    (
        "nk-2020",
        "exchanges.jsonl",
        include_str!("../../../agreements/nk-2020/evidence/exchanges.jsonl"),
    ),
    (
        "nk-2020",
        "milestones.jsonl",
        include_str!("../../../agreements/nk-2020/evidence/milestones.jsonl"),
    ),
    (
        "nk-2023",
        "milestones.jsonl",
        include_str!("../../../agreements/nk-2023/evidence/milestones.jsonl"),
    ),
    (
        "nk-2023",
        "coverage.jsonl",
        include_str!("../../../agreements/nk-2023/evidence/coverage.jsonl"),
    ),
];

/// The demo evidence files of a built-in agreement: (name as in the repository, text).
pub fn evidence(agreement: &str) -> Vec<(String, &'static str)> {
    EVIDENCE
        .iter()
        .filter(|(f, _, _)| *f == agreement)
        .map(|(f, n, t)| (format!("agreements/{f}/evidence/{n}"), *t))
        .collect()
}

/// (folder, registered sources as JSON Lines, reports as native JSON Lines) of every
/// built-in agreement's incident reports: each report from the source that made it.
const REPORTS: &[(&str, &str, &str)] = &[
    (
        "nk-2020",
        include_str!("../../../agreements/nk-2020/reports/sources.jsonl"),
        include_str!("../../../agreements/nk-2020/reports/violations.jsonl"),
    ),
    (
        "nk-2023",
        include_str!("../../../agreements/nk-2023/reports/sources.jsonl"),
        include_str!("../../../agreements/nk-2023/reports/violations.jsonl"),
    ),
];

/// The sources and the reports file of a built-in agreement's incident reports.
pub fn reports(agreement: &str) -> Result<Option<(Vec<Source>, &'static str)>> {
    let Some((folder, sources, reports)) = REPORTS.iter().find(|(f, _, _)| *f == agreement) else {
        return Ok(None);
    };
    let sources = sources
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| anyhow!("agreements/{folder}/reports/sources.jsonl:{}: {e}", i + 1))
        })
        .collect::<Result<Vec<Source>>>()?;
    Ok(Some((sources, *reports)))
}
