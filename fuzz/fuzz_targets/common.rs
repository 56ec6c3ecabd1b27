#![allow(dead_code)]
//! What every target shares: the built-in nk-2020 agreement, loaded once, and the
//! options an import uses.

use std::collections::HashMap;
use std::sync::OnceLock;
use truce_model::report::{Reliability, Source, SourceKind};
use truce_model::{AgreementBundle, SourceFile};

/// A file of the built-in agreement, by the name `agreement.toml` gives it.
pub fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "agreement.toml" => include_str!("../../agreements/nk-2020/agreement.toml"),
        "zones.geojson" => include_str!("../../agreements/nk-2020/zones.geojson"),
        "places.csv" => include_str!("../../agreements/nk-2020/places.csv"),
        "statements.toml" => include_str!("../../agreements/nk-2020/statements.toml"),
        "i18n/ru.json" => include_str!("../../agreements/nk-2020/i18n/ru.json"),
        "i18n/hy.json" => include_str!("../../agreements/nk-2020/i18n/hy.json"),
        "i18n/az.json" => include_str!("../../agreements/nk-2020/i18n/az.json"),

        _ => return None,
    })
}

/// Loads an agreement whose file `replaced` is `text`, the others built in.
pub fn load_with(replaced: &str, text: &str) -> Result<AgreementBundle, String> {
    let file = |name: &str| {
        let t = if name == replaced {
            Some(text)
        } else {
            builtin(name)
        };
        t.map(|t| SourceFile::new(name, t.to_owned()))
            .ok_or_else(|| format!("no file {name}"))
    };
    truce_model::load(file("agreement.toml")?, file).map_err(|p| p.to_string())
}

/// The built-in agreement.
pub fn bundle() -> &'static AgreementBundle {
    static B: OnceLock<AgreementBundle> = OnceLock::new();
    B.get_or_init(|| load_with("", "").expect("the built-in agreement loads"))
}

/// A fixed instant: rows dated after it are refused, as an import's clock would.
pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_800_000_000).expect("an instant")
}

/// A data set's source.
pub fn data_set(id: &str) -> Source {
    Source {
        id: id.into(),
        name: id.into(),
        kind: SourceKind::DataSet,
        reliability: Reliability::B,
        party: None,
    }
}

/// Registered sources of report lines: a monitor's post and the parties' ministries.
pub fn sources() -> &'static HashMap<String, Source> {
    static S: OnceLock<HashMap<String, Source>> = OnceLock::new();
    S.get_or_init(|| {
        [
            ("op-7", SourceKind::ObservationPost, None),
            ("am-mod", SourceKind::PartyMinistry, Some("am")),
            ("az-mod", SourceKind::PartyMinistry, Some("az")),
            ("acled", SourceKind::DataSet, None),
        ]
        .into_iter()
        .map(|(id, kind, party)| {
            (
                id.to_owned(),
                Source {
                    id: id.into(),
                    name: id.into(),
                    kind,
                    reliability: Reliability::B,
                    party: party.map(str::to_owned),
                },
            )
        })
        .collect()
    })
}

/// The context a report line is read in.
pub fn context() -> truce_formats::jsonl::Context<'static> {
    truce_formats::jsonl::Context {
        agreement: &bundle().agreement,
        sources: sources(),
        now: now(),
    }
}
