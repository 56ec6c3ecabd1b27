//! Loading an agreement folder: the agreement file and the zones, gazetteer and statements
//! it names, checked against one another. File access is the caller's: it passes a
//! function that returns a companion file's text by its relative name.

use crate::agreement::{self, Agreement};
use crate::diag::{Position, Problem, Problems, SourceFile};
use crate::places::Gazetteer;
use crate::zones::ZoneSet;
use std::collections::{BTreeMap, BTreeSet};

/// An agreement with its zones and places, all validated together.
#[derive(Debug, Clone)]
pub struct AgreementBundle {
    /// The agreement, its statements register included.
    pub agreement: Agreement,
    /// Its zones.
    pub zones: ZoneSet,
    /// Its gazetteer.
    pub gazetteer: Gazetteer,
    /// Every file read, as read: the store keeps them so a load can be reproduced.
    pub sources: Vec<SourceFile>,
    /// The agreement's own words in other languages: language → key (`title`,
    /// `actor.ID`, `document.ID`, `obligation.ID`) → text.
    pub translations: BTreeMap<String, BTreeMap<String, String>>,
}

impl AgreementBundle {
    /// The agreement's own word `key` in `lang` (`title`, `actor.ID`, `document.ID`,
    /// `obligation.ID`), when its translators wrote one.
    pub fn translated(&self, lang: &str, key: &str) -> Option<&str> {
        self.translations.get(lang)?.get(key).map(String::as_str)
    }

    /// A sentence of the rules about this agreement in the language of `m`: English keeps
    /// the rules' own text (actors and zones by id, as the API gives it), the other
    /// languages name them.
    pub fn say(&self, m: &crate::i18n::Messages, msg: &crate::i18n::Msg) -> String {
        if m.lang() == "en" {
            m.say(msg)
        } else {
            m.say_named(msg, &|kind, id| self.name(m.lang(), kind, id))
        }
    }

    /// The name of an actor (in `lang` where the agreement's translators give it) or of a
    /// zone, by kind (`actor`, `zone`) and id: what a reason names them by.
    pub fn name(&self, lang: &str, kind: &str, id: &str) -> Option<String> {
        match kind {
            "actor" => self
                .translated(lang, &format!("actor.{id}"))
                .map(str::to_owned)
                .or_else(|| self.agreement.actor(id).map(|a| a.name.clone())),
            "zone" => self.zones.get(id).map(|z| z.name_in(lang).to_owned()),
            _ => None,
        }
    }
}

/// Loads an agreement and its companion files. `read` gets the name written in the
/// agreement file (relative to it) and returns the file, or a message saying why not.
/// Returns every problem in every file, or the bundle.
pub fn load(
    main: SourceFile,
    read: impl Fn(&str) -> Result<SourceFile, String>,
) -> Result<AgreementBundle, Problems> {
    let draft = agreement::read(&main);
    let mut problems: Vec<Vec<Problem>> = Vec::new();
    let mut sources = vec![main.clone()];
    let mut fetch =
        |name: &Option<String>, problems: &mut Vec<Vec<Problem>>| -> Option<SourceFile> {
            let name = name.as_ref()?;
            match read(name) {
                Ok(f) => {
                    sources.push(f.clone());
                    Some(f)
                }
                Err(e) => {
                    problems.push(vec![Problem {
                        file: main.name.clone(),
                        position: Position::File,
                        message: format!("cannot read `{name}`: {e}"),
                        hint: None,
                    }]);
                    None
                }
            }
        };
    let companions = draft.companions.clone();
    let zones_file = fetch(&companions.zones, &mut problems);
    let places_file = fetch(&companions.places, &mut problems);
    let statements_file = fetch(&companions.statements, &mut problems);
    let translation_files: Vec<(String, SourceFile)> = companions
        .translations
        .iter()
        .filter_map(|(lang, name)| {
            fetch(&Some(name.clone()), &mut problems).map(|f| (lang.clone(), f))
        })
        .collect();

    let zones = match zones_file.as_ref().map(ZoneSet::parse) {
        Some(Ok(z)) => Some(z),
        Some(Err(p)) => {
            problems.push(p);
            None
        }
        None if companions.zones.is_none() => Some(
            ZoneSet::parse(&SourceFile::new(
                "(no zones)",
                r#"{"type":"FeatureCollection","features":[]}"#,
            ))
            .map_err(|_| ())
            .ok(),
        )
        .flatten(),
        None => None,
    };
    let zone_ids: Option<BTreeSet<&str>> = zones.as_ref().map(ZoneSet::ids);

    let agreement = match draft.validate(zone_ids.as_ref()) {
        Ok(a) => Some(a),
        Err(p) => {
            problems.insert(0, p);
            None
        }
    };
    let gazetteer = match places_file {
        Some(f) => match zone_ids.as_ref().map(|ids| Gazetteer::parse(&f, ids)) {
            Some(Ok(g)) => Some(g),
            Some(Err(p)) => {
                problems.push(p);
                None
            }
            None => None,
        },
        None if companions.places.is_none() => Gazetteer::parse(
            &SourceFile::new("(no places)", "id,display,lat,lon,country,source\n"),
            &BTreeSet::new(),
        )
        .ok(),
        None => None,
    };
    let mut agreement = agreement;
    if let (Some(a), Some(f)) = (agreement.as_mut(), statements_file.as_ref()) {
        match agreement::read_statements(f, a) {
            Ok(s) => a.set_statements(s),
            Err(p) => problems.push(p),
        }
    }
    let mut translations = BTreeMap::new();
    if let Some(a) = agreement.as_ref() {
        for (lang, f) in &translation_files {
            match crate::i18n::read_words(f, &|key| a.has_word(key)) {
                Ok(words) => {
                    translations.insert(lang.clone(), words);
                }
                Err(p) => problems.push(p),
            }
        }
    }
    let mut all: Vec<Problem> = Vec::new();
    for mut group in problems {
        group.sort_by(|a, b| a.position.cmp(&b.position));
        all.extend(group);
    }
    match (agreement, zones, gazetteer) {
        (Some(agreement), Some(zones), Some(gazetteer)) if all.is_empty() => Ok(AgreementBundle {
            // Zone versions are dated in the reporting day's zone.
            zones: zones.with_day_zone(agreement.tz().clone()),
            agreement,
            gazetteer,
            sources,
            translations,
        }),
        _ => Err(Problems(all)),
    }
}
