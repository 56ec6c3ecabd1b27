//! The registry of detained, missing and dead persons (point 8 of the 2020 statement):
//! who each person is, whose side they belong to, who holds them, and every change of
//! their status with its date and source; then, from those facts alone, the aggregates
//! everyone may see and the reconciliation of what each side claims against what the
//! registry holds and what was returned.
//!
//! A person's record splits in two. [`Facts`] (side, category, holder, dated statuses)
//! carry no name, number or birth data and are all the aggregates need. [`Personal`]
//! holds everything that identifies the person; the store seals it and shows it only to
//! those who may see it. Claims and exchanges are evidence records (`detention-claim`,
//! `exchange`); the registry reuses them rather than keeping its own.

use crate::bundle::AgreementBundle;
use crate::jsonl::LineProblem;
use crate::records::{DetentionClaim, Exchange, PersonCategory, problem, take_type, typed};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

crate::words::words! {
    /// The kinds of registry line, as written in the `type` member.
    EntryKind {
        /// Who a person is (creates or replaces the person's record).
        Person = "person",
        /// A change of a person's status on a date.
        Status = "status",
    }
}

crate::words::words! {
    /// Where a person stands.
    PersonStatus {
        /// Whereabouts unknown.
        Missing = "missing",
        /// Reported held by a side that has not acknowledged it.
        Held = "held",
        /// Held, and acknowledged by the holding side.
        Acknowledged = "acknowledged",
        /// Set free by the holding side (not yet home, or home by other means).
        Released = "released",
        /// Returned to their own side.
        Repatriated = "repatriated",
        /// Known to have died; remains not returned.
        Dead = "dead",
        /// Remains returned to their own side.
        RemainsReturned = "remains-returned",
    }
}

impl PersonStatus {
    /// True for the states in which someone is held.
    pub fn is_held(self) -> bool {
        matches!(self, Self::Held | Self::Acknowledged)
    }

    /// True for the states that end a case (returned alive, or remains returned).
    pub fn is_returned(self) -> bool {
        matches!(
            self,
            Self::Released | Self::Repatriated | Self::RemainsReturned
        )
    }
}

/// A person's name in one script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Name {
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Given names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_names: Option<String>,
}

/// What identifies a person: sealed at rest, shown only on a need-to-know basis. The
/// fields are those of the Third Geneva Convention, art. 122 (all optional), with the
/// place the person was captured or last seen, a note, and the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Personal {
    /// Names by ISO 15924 script code (`Latn`, `Armn`, `Cyrl`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, Name>,
    /// Military rank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// Army, regimental, personal or serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_number: Option<String>,
    /// Date of birth: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Place of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_place: Option<String>,
    /// Father's first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub father_first_name: Option<String>,
    /// Mother's maiden name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mother_maiden_name: Option<String>,
    /// Name and address of the person to be informed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_to_inform: Option<String>,
    /// Where captured or last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the record comes from (a case file, a list, an organisation).
    pub source: String,
}

/// A person as imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Registry id: opaque, never derived from a name or number.
    pub id: String,
    /// The side the person belongs to (an actor id).
    pub side: String,
    /// Prisoner of war, civilian, hostage, missing, or remains.
    pub category: PersonCategory,
    /// The side holding the person, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
    /// Everything that identifies the person.
    #[serde(flatten)]
    pub personal: Personal,
}

/// The identifying part of a status change (sealed at rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StatusPersonal {
    /// Where it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the change is reported.
    pub source: String,
}

/// A change of a person's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The person's registry id.
    pub person: String,
    /// Local date of the change.
    pub date: Date,
    /// The new status.
    pub status: PersonStatus,
    /// The exchange record (evidence) the change happened in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<String>,
    /// Place, note and source.
    #[serde(flatten)]
    pub personal: StatusPersonal,
}

/// One line of a registry file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Entry {
    /// A person.
    Person(Box<Person>),
    /// A status change.
    Status(StatusChange),
}

/// What aggregates and reconciliation read of a person: nothing that identifies them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Registry id.
    pub id: String,
    /// Side the person belongs to.
    pub side: String,
    /// Category.
    pub category: PersonCategory,
    /// Holding side.
    pub held_by: Option<String>,
    /// (date, status, exchange) in date order.
    pub history: Vec<(Date, PersonStatus, Option<String>)>,
}

impl Facts {
    /// Status on a date: the last change on or before it.
    pub fn status_on(&self, date: Date) -> Option<PersonStatus> {
        self.history
            .iter()
            .take_while(|(d, _, _)| *d <= date)
            .last()
            .map(|(_, s, _)| *s)
    }

    /// First date with a status of the kind asked.
    pub fn first(&self, pred: impl Fn(PersonStatus) -> bool) -> Option<Date> {
        self.history
            .iter()
            .find(|(_, s, _)| pred(*s))
            .map(|(d, _, _)| *d)
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn valid_birth_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && (1..=12).contains(&m.parse().unwrap_or(0)),
        [_, _, _] => s.parse::<Date>().is_ok(),
        _ => false,
    }
}

/// Checks what a type alone cannot; messages never repeat a personal value, so that a
/// rejects file holds no more than the line number and the member at fault.
fn check(no: u64, e: &Entry, bundle: &AgreementBundle) -> Vec<LineProblem> {
    let a = &bundle.agreement;
    let mut out = Vec::new();
    let actor = |out: &mut Vec<LineProblem>, pointer: &str, id: &str| {
        if a.actor(id).is_none() {
            out.push(problem(
                no,
                pointer,
                format!(
                    "unknown actor `{id}`; {}",
                    crate::diag::suggest(id, a.actors.iter().map(|x| x.id.as_str()))
                ),
            ));
        }
    };
    match e {
        Entry::Person(p) => {
            if !valid_id(&p.id) {
                out.push(problem(
                    no,
                    "/id",
                    "must be 1 to 64 letters, digits, `-`, `_` or `.`",
                ));
            }
            // An id that spells out a name or number would carry it into every log,
            // audit entry and aggregate export: refuse it.
            let id = p.id.to_lowercase();
            let leaks = p
                .personal
                .names
                .values()
                .flat_map(|n| [n.surname.as_deref(), n.first_names.as_deref()])
                .chain([p.personal.service_number.as_deref()])
                .flatten()
                .any(|v| v.chars().count() >= 3 && id.contains(&v.to_lowercase()));
            if leaks {
                out.push(problem(
                    no,
                    "/id",
                    "contains the person's name or service number; registry ids must be opaque",
                ));
            }
            actor(&mut out, "/side", &p.side);
            if let Some(h) = &p.held_by {
                actor(&mut out, "/held_by", h);
                if *h == p.side {
                    out.push(problem(no, "/held_by", "is the person's own side"));
                }
            }
            for (script, n) in &p.personal.names {
                let ok = script.len() == 4
                    && script.starts_with(|c: char| c.is_ascii_uppercase())
                    && script[1..].bytes().all(|b| b.is_ascii_lowercase());
                if !ok {
                    out.push(problem(
                        no,
                        format!("/names/{script}"),
                        "is not an ISO 15924 script code (`Latn`, `Armn`, `Cyrl`)",
                    ));
                }
                if n.surname.is_none() && n.first_names.is_none() {
                    out.push(problem(
                        no,
                        format!("/names/{script}"),
                        "gives neither `surname` nor `first_names`",
                    ));
                }
            }
            if p.personal
                .birth_date
                .as_deref()
                .is_some_and(|d| !valid_birth_date(d))
            {
                out.push(problem(
                    no,
                    "/birth_date",
                    "must be YYYY, YYYY-MM or YYYY-MM-DD",
                ));
            }
            if p.personal.source.trim().is_empty() {
                out.push(problem(
                    no,
                    "/source",
                    "must name where the record comes from",
                ));
            }
        }
        Entry::Status(s) => {
            if !valid_id(&s.person) {
                out.push(problem(no, "/person", "is not a registry id"));
            }
            if s.personal.source.trim().is_empty() {
                out.push(problem(
                    no,
                    "/source",
                    "must name where the change is reported",
                ));
            }
        }
    }
    out
}

/// Validates a parsed JSON value as a registry line.
pub fn read_value(
    no: u64,
    mut value: Value,
    bundle: &AgreementBundle,
) -> Result<Entry, Vec<LineProblem>> {
    let kind = take_type(no, &mut value, EntryKind::ALL, "registry line")
        .map(|k| EntryKind::parse(k).unwrap_or(EntryKind::Person))?;
    let Some(obj) = value.as_object_mut() else {
        return Err(vec![problem(no, "", "must be a JSON object")]);
    };
    // Members are checked here rather than by serde: its `deny_unknown_fields` does not
    // see through the flattened personal part.
    let allowed: &[&str] = match kind {
        EntryKind::Person => &[
            "id",
            "side",
            "category",
            "held_by",
            "names",
            "rank",
            "service_number",
            "birth_date",
            "birth_place",
            "father_first_name",
            "mother_maiden_name",
            "person_to_inform",
            "place",
            "note",
            "source",
        ],
        EntryKind::Status => &[
            "person", "date", "status", "exchange", "place", "note", "source",
        ],
    };
    let unknown: Vec<LineProblem> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| {
            problem(
                no,
                format!("/{k}"),
                format!(
                    "unknown member `{k}`; {}",
                    crate::diag::suggest(k, allowed.iter().copied())
                ),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let entry = match kind {
        EntryKind::Person => Entry::Person(Box::new(typed(no, value)?)),
        EntryKind::Status => Entry::Status(typed(no, value)?),
    };
    let problems = check(no, &entry, bundle);
    if problems.is_empty() {
        Ok(entry)
    } else {
        Err(problems)
    }
}

/// Reads one line of a registry JSON Lines file.
pub fn read_line(no: u64, line: &str, bundle: &AgreementBundle) -> Result<Entry, Vec<LineProblem>> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| vec![problem(no, "", format!("not JSON: {e}"))])?;
    read_value(no, value, bundle)
}

/// Registry lines read from a file with their line numbers, and the refused lines.
pub type Read = (Vec<(u64, Entry)>, Vec<LineProblem>);

/// Reads a registry CSV file: a header naming members (`names.Latn.surname`,
/// `names.Armn.first_names` for names by script), one line per row, the line type from a
/// `type` column or `default_kind`.
pub fn read_csv(
    text: &str,
    default_kind: Option<EntryKind>,
    bundle: &AgreementBundle,
) -> Result<Read, crate::rows::FileError> {
    let (objects, mut bad) = crate::jsonl::csv_objects(
        text,
        EntryKind::ALL,
        default_kind.map(EntryKind::as_str),
        |_, _, cell| Ok(Value::String(cell.to_owned())),
    )?;
    let mut good = Vec::new();
    for (line, obj) in objects {
        match read_value(line, obj, bundle) {
            Ok(e) => good.push((line, e)),
            Err(ps) => bad.extend(ps.into_iter().map(crate::jsonl::pointer_as_column)),
        }
    }
    Ok((good, bad))
}

/// Reads a registry JSON Lines file; blank lines are skipped.
pub fn read_jsonl(text: &str, bundle: &AgreementBundle) -> Read {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let no = i as u64 + 1;
        match read_line(no, line, bundle) {
            Ok(e) => good.push((no, e)),
            Err(ps) => bad.extend(ps),
        }
    }
    (good, bad)
}

/// Persons counted by side, category and status on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Side the persons belong to.
    pub side: String,
    /// Category.
    pub category: PersonCategory,
    /// Status on the date (`None`: registered, no status reported yet).
    pub status: Option<PersonStatus>,
    /// How many.
    pub count: u32,
}

/// Persons by side, category and status as of `date` (persons first reported later are
/// not counted).
pub fn counts(persons: &[Facts], date: Date) -> Vec<Count> {
    let mut by: BTreeMap<(String, PersonCategory, Option<PersonStatus>), u32> = BTreeMap::new();
    for p in persons {
        let reported = p.history.first().is_none_or(|(d, _, _)| *d <= date);
        if !reported {
            continue;
        }
        *by.entry((p.side.clone(), p.category, p.status_on(date)))
            .or_default() += 1;
    }
    by.into_iter()
        .map(|((side, category, status), count)| Count {
            side,
            category,
            status,
            count,
        })
        .collect()
}

/// One claimant's latest figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimFigure {
    /// Who says so.
    pub claimant: String,
    /// How many they say the holder holds (over all categories they gave).
    pub count: u32,
    /// True when any figure was a lower bound.
    pub at_least: bool,
    /// The claim records behind the figure.
    pub evidence: Vec<String>,
}

/// Claimed against registered against returned, for one holding side on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The date.
    pub date: Date,
    /// The side said to hold persons.
    pub holder: String,
    /// Each claimant's latest figures as of the date.
    pub claimed: Vec<ClaimFigure>,
    /// Persons the registry has held by this side on the date.
    pub registered_held: u32,
    /// Of those, how many the holder has acknowledged.
    pub acknowledged: u32,
    /// Persons this side held who were returned (alive or as remains) by the date.
    pub returned: u32,
    /// Persons returned in exchanges from this side by the date, per the exchange records
    /// (counts the sources gave, registered or not).
    pub returned_in_exchanges: u32,
    /// The largest claim less what the registry has held: persons claimed but not on
    /// record (negative when the registry holds more than anyone claims).
    pub unaccounted: Option<i64>,
}

/// Reconciles claims with the registry and exchanges, per holder and date. Holders are
/// every side a claim names or the registry has holding someone.
pub fn reconcile(
    persons: &[Facts],
    claims: &[DetentionClaim],
    exchanges: &[Exchange],
    dates: &[Date],
) -> Vec<Reconciliation> {
    let mut holders: Vec<String> = claims
        .iter()
        .filter(|c| c.category != PersonCategory::Missing)
        .map(|c| c.holder.clone())
        .chain(persons.iter().filter_map(|p| p.held_by.clone()))
        .collect();
    holders.sort();
    holders.dedup();
    let mut out = Vec::new();
    for &date in dates {
        for holder in &holders {
            // Latest claim of each claimant per category, then summed per claimant.
            let mut latest: BTreeMap<(&str, PersonCategory), &DetentionClaim> = BTreeMap::new();
            for c in claims.iter().filter(|c| {
                c.date <= date && c.holder == *holder && c.category != PersonCategory::Missing
            }) {
                let slot = latest.entry((c.claimant.as_str(), c.category)).or_insert(c);
                if (c.date, &c.id) >= (slot.date, &slot.id) {
                    *slot = c;
                }
            }
            let mut claimed: BTreeMap<&str, ClaimFigure> = BTreeMap::new();
            for ((claimant, _), c) in &latest {
                let f = claimed.entry(claimant).or_insert_with(|| ClaimFigure {
                    claimant: (*claimant).to_owned(),
                    count: 0,
                    at_least: false,
                    evidence: Vec::new(),
                });
                f.count += c.count;
                f.at_least |= c.at_least;
                f.evidence.push(format!("detention-claim:{}", c.id));
            }
            let held_here: Vec<&Facts> = persons
                .iter()
                .filter(|p| p.held_by.as_deref() == Some(holder.as_str()))
                .collect();
            let mut registered_held = 0;
            let mut acknowledged = 0;
            let mut returned = 0;
            for p in &held_here {
                match p.status_on(date) {
                    Some(PersonStatus::Acknowledged) => {
                        registered_held += 1;
                        acknowledged += 1;
                    }
                    Some(PersonStatus::Held) => registered_held += 1,
                    Some(s) if s.is_returned() => returned += 1,
                    _ => {}
                }
            }
            let returned_in_exchanges = exchanges
                .iter()
                .filter(|x| x.from == *holder && x.date <= date)
                .map(|x| x.counts.values().sum::<u32>())
                .sum();
            let largest = claimed.values().map(|f| f.count).max();
            out.push(Reconciliation {
                date,
                holder: holder.clone(),
                unaccounted: largest.map(|n| i64::from(n) - i64::from(registered_held)),
                claimed: claimed.into_values().collect(),
                registered_held,
                acknowledged,
                returned,
                returned_in_exchanges,
            });
        }
    }
    out
}
