//! Evidence records beyond incidents: handovers and withdrawals, peacekeeping strength
//! and observation posts, checkpoints, crossings and closures, exchanges and detention
//! claims, term notices and milestones. Read from JSON Lines (one record per line, its
//! kind in `type`; docs/evidence.md); every problem names its line and JSON pointer, and
//! good lines of the same file are kept. Each record names the public source it rests on.

use crate::bundle::AgreementBundle;
use crate::jsonl::LineProblem;
use crate::zones::ZoneSet;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

crate::words::words! {
    /// The kinds of evidence record, as written in the `type` member.
    RecordKind {
        /// A territory handed from one actor to another.
        Handover = "handover",
        /// Forces withdrawn from a territory.
        Withdrawal = "withdrawal",
        /// A peacekeeping force's strength on a date.
        Strength = "strength",
        /// An observation post of a force, with its place and opening dates.
        ObservationPost = "observation-post",
        /// A checkpoint on a corridor or transport link.
        Checkpoint = "checkpoint",
        /// Traffic counted through a checkpoint on one local day.
        Crossing = "crossing",
        /// A declared closure or restriction of a checkpoint or zone.
        Closure = "closure",
        /// An exchange of detained persons or remains.
        Exchange = "exchange",
        /// A side's or organisation's statement of how many persons a side holds.
        DetentionClaim = "detention-claim",
        /// Notice under a term rule.
        Notice = "notice",
        /// A step towards an obligation, with how far it went.
        Milestone = "milestone",
    }
}

crate::words::words! {
    /// How far a step went, on the Kroc Peace Accords Matrix scale.
    Stage {
        /// Begun (1, minimal).
        Began = "began",
        /// Well under way (2, intermediate).
        Partial = "partial",
        /// Done (3, full).
        Completed = "completed",
    }
}

impl Stage {
    /// The Kroc level the stage reaches.
    pub fn score(self) -> u8 {
        match self {
            Self::Began => 1,
            Self::Partial => 2,
            Self::Completed => 3,
        }
    }
}

crate::words::words! {
    /// How much a closure shuts.
    ClosureScope {
        /// Nothing passes but what the closing side allows case by case.
        Full = "full",
        /// Some traffic passes (some categories, some hours).
        Partial = "partial",
    }
}

crate::words::words! {
    /// Direction of counted traffic.
    Direction {
        /// Towards the zone the corridor serves.
        Inbound = "inbound",
        /// Away from it.
        Outbound = "outbound",
        /// Both directions together.
        Both = "both",
    }
}

crate::words::words! {
    /// What a term notice says.
    Intention {
        /// The party does not want the term renewed.
        Terminate = "terminate",
        /// The party confirms renewal (informative; renewal is automatic anyway).
        Renew = "renew",
        /// A notice given earlier is withdrawn.
        Withdraw = "withdraw",
    }
}

crate::words::words! {
    /// Categories of persons in exchanges and claims.
    PersonCategory {
        /// Prisoners of war.
        Pows = "pows",
        /// Civilian detainees.
        Civilians = "civilians",
        /// Hostages.
        Hostages = "hostages",
        /// Bodies / remains.
        Bodies = "bodies",
        /// Missing persons, whereabouts unknown (claims of how many are missing; in the
        /// registry, a person nobody is known to hold).
        Missing = "missing",
        /// Detained persons whose category the source does not give.
        Detainees = "detainees",
    }
}

/// A handover or withdrawal: `zone` passes from `from` to `to` (for a withdrawal, `from`
/// withdraws and `to` is whoever takes control, if known).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// Id, unique among records of its kind.
    pub id: String,
    /// The zone handed over or left.
    pub zone: String,
    /// Actor handing over or withdrawing.
    pub from: String,
    /// Actor taking control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Local date (the agreement's time zone).
    pub date: Date,
    /// How far it went on that date.
    #[serde(default = "completed")]
    pub stage: Stage,
    /// Public source (URL).
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn completed() -> Stage {
    Stage::Completed
}

/// A force's strength on a date. `figures` are keyed by the obligation's quantity names
/// (`personnel`, `armoured-personnel-carriers`, `vehicles` for the 2020 statement), so
/// that caps are compared name by name whatever the agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strength {
    /// Id.
    pub id: String,
    /// The force (actor id).
    pub force: String,
    /// Local date.
    pub date: Date,
    /// Figures by quantity name.
    #[serde(default)]
    pub figures: BTreeMap<String, f64>,
    /// Observation posts the force reports, if it gives the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation_posts: Option<u32>,
    /// Zones the report says the force is deployed in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub present_in: Vec<String>,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An observation post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Post {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The force manning it.
    pub force: String,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
    /// First day manned.
    pub opened: Date,
    /// Day it closed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Date>,
    /// Zones the point lies in; filled by [`Evidence::classify`], never read from files.
    #[serde(default, skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// Public source.
    pub source: String,
}

/// A checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Id, referred to by crossings and closures.
    pub id: String,
    /// Name (both names where there are two).
    pub name: String,
    /// Gazetteer place id or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The zone it controls (a corridor, a route).
    pub zone: String,
    /// Who operates it.
    pub operator: String,
    /// First day in operation, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened: Option<Date>,
    /// Day it was removed, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Date>,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Traffic through a checkpoint on one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crossing {
    /// Id.
    pub id: String,
    /// Checkpoint id.
    pub checkpoint: String,
    /// The local day counted.
    pub date: Date,
    /// Direction.
    #[serde(default = "both")]
    pub direction: Direction,
    /// Persons.
    #[serde(default)]
    pub persons: u32,
    /// Vehicles.
    #[serde(default)]
    pub vehicles: u32,
    /// Cargo, tonnes.
    #[serde(default)]
    pub cargo_t: f64,
    /// `civilian`, `commercial`, `humanitarian`, `peacekeeping` or another word; the
    /// corridor rule leaves humanitarian and peacekeeping traffic out of the baseline.
    #[serde(default = "civilian")]
    pub category: String,
    /// Public source or the counting post.
    pub source: String,
}

fn both() -> Direction {
    Direction::Both
}

fn civilian() -> String {
    "civilian".into()
}

/// A declared closure or restriction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    /// Id.
    pub id: String,
    /// The checkpoint closed, or none when a whole zone is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    /// The zone closed (required when no checkpoint is named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// First local day closed.
    pub from: Date,
    /// Last local day closed, if it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Date>,
    /// Full or partial.
    pub scope: ClosureScope,
    /// Who declared or reported it.
    pub declared_by: String,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Persons or remains handed from one side to the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// Id.
    pub id: String,
    /// Local date.
    pub date: Date,
    /// Mediator, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediator: Option<String>,
    /// The side that released.
    pub from: String,
    /// The side that received.
    pub to: String,
    /// Counts by category.
    pub counts: BTreeMap<PersonCategory, u32>,
    /// Registry ids of the persons, when known (the registry holds who they are).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persons: Vec<String>,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// "`holder` holds `count` persons of `category`", said by `claimant` on `date`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetentionClaim {
    /// Id.
    pub id: String,
    /// Local date.
    pub date: Date,
    /// Who says so.
    pub claimant: String,
    /// The side said to hold them.
    pub holder: String,
    /// Category.
    pub category: PersonCategory,
    /// How many.
    pub count: u32,
    /// True when the figure is a lower bound ("over 200").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_least: bool,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Notice given under a term rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Id.
    pub id: String,
    /// The term obligation.
    pub obligation: String,
    /// Who gave notice.
    pub by: String,
    /// Local date it was given.
    pub date: Date,
    /// What it says.
    pub intention: Intention,
    /// Public source.
    pub source: String,
}

/// A step towards an obligation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// Id.
    pub id: String,
    /// The obligation.
    pub obligation: String,
    /// Local date.
    pub date: Date,
    /// How far it went.
    pub stage: Stage,
    /// What happened, in a line.
    pub what: String,
    /// Public source.
    pub source: String,
}

/// One evidence record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Record {
    /// See [`Transfer`].
    Handover(Transfer),
    /// See [`Transfer`].
    Withdrawal(Transfer),
    /// See [`Strength`].
    Strength(Strength),
    /// See [`Post`].
    ObservationPost(Post),
    /// See [`Checkpoint`].
    Checkpoint(Checkpoint),
    /// See [`Crossing`].
    Crossing(Crossing),
    /// See [`Closure`].
    Closure(Closure),
    /// See [`Exchange`].
    Exchange(Exchange),
    /// See [`DetentionClaim`].
    DetentionClaim(DetentionClaim),
    /// See [`Notice`].
    Notice(Notice),
    /// See [`Milestone`].
    Milestone(Milestone),
}

impl Record {
    /// The kind.
    pub fn kind(&self) -> RecordKind {
        match self {
            Self::Handover(_) => RecordKind::Handover,
            Self::Withdrawal(_) => RecordKind::Withdrawal,
            Self::Strength(_) => RecordKind::Strength,
            Self::ObservationPost(_) => RecordKind::ObservationPost,
            Self::Checkpoint(_) => RecordKind::Checkpoint,
            Self::Crossing(_) => RecordKind::Crossing,
            Self::Closure(_) => RecordKind::Closure,
            Self::Exchange(_) => RecordKind::Exchange,
            Self::DetentionClaim(_) => RecordKind::DetentionClaim,
            Self::Notice(_) => RecordKind::Notice,
            Self::Milestone(_) => RecordKind::Milestone,
        }
    }

    /// The record's own id.
    pub fn id(&self) -> &str {
        match self {
            Self::Handover(r) | Self::Withdrawal(r) => &r.id,
            Self::Strength(r) => &r.id,
            Self::ObservationPost(r) => &r.id,
            Self::Checkpoint(r) => &r.id,
            Self::Crossing(r) => &r.id,
            Self::Closure(r) => &r.id,
            Self::Exchange(r) => &r.id,
            Self::DetentionClaim(r) => &r.id,
            Self::Notice(r) => &r.id,
            Self::Milestone(r) => &r.id,
        }
    }

    /// `kind:id`, unique over all records: how scorecards cite a record.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind(), self.id())
    }

    /// The date the record is about (for ordering and listing).
    pub fn date(&self) -> Option<Date> {
        match self {
            Self::Handover(r) | Self::Withdrawal(r) => Some(r.date),
            Self::Strength(r) => Some(r.date),
            Self::ObservationPost(r) => Some(r.opened),
            Self::Checkpoint(r) => r.opened,
            Self::Crossing(r) => Some(r.date),
            Self::Closure(r) => Some(r.from),
            Self::Exchange(r) => Some(r.date),
            Self::DetentionClaim(r) => Some(r.date),
            Self::Notice(r) => Some(r.date),
            Self::Milestone(r) => Some(r.date),
        }
    }

    /// The public source.
    pub fn source(&self) -> &str {
        match self {
            Self::Handover(r) | Self::Withdrawal(r) => &r.source,
            Self::Strength(r) => &r.source,
            Self::ObservationPost(r) => &r.source,
            Self::Checkpoint(r) => &r.source,
            Self::Crossing(r) => &r.source,
            Self::Closure(r) => &r.source,
            Self::Exchange(r) => &r.source,
            Self::DetentionClaim(r) => &r.source,
            Self::Notice(r) => &r.source,
            Self::Milestone(r) => &r.source,
        }
    }

    /// One line for listings.
    pub fn summary(&self) -> String {
        match self {
            Self::Handover(r) | Self::Withdrawal(r) => format!(
                "{} {} → {} ({})",
                r.zone,
                r.from,
                r.to.as_deref().unwrap_or("?"),
                r.stage
            ),
            Self::Strength(r) => {
                let figures: Vec<String> =
                    r.figures.iter().map(|(k, v)| format!("{k} {v}")).collect();
                format!("{}: {}", r.force, figures.join(", "))
            }
            Self::ObservationPost(r) => {
                format!("{} ({}) at {:.4},{:.4}", r.name, r.force, r.lat, r.lon)
            }
            Self::Checkpoint(r) => format!("{} on {} run by {}", r.name, r.zone, r.operator),
            Self::Crossing(r) => format!(
                "{} {}: {} persons, {} vehicles, {} t ({})",
                r.checkpoint, r.direction, r.persons, r.vehicles, r.cargo_t, r.category
            ),
            Self::Closure(r) => format!(
                "{} {} closure by {}{}",
                r.checkpoint.as_deref().or(r.zone.as_deref()).unwrap_or("?"),
                r.scope,
                r.declared_by,
                r.to.map(|t| format!(" until {t}")).unwrap_or_default()
            ),
            Self::Exchange(r) => {
                let counts: Vec<String> =
                    r.counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
                format!("{} → {}: {}", r.from, r.to, counts.join(", "))
            }
            Self::DetentionClaim(r) => format!(
                "{} says {} holds {}{} {}",
                r.claimant,
                r.holder,
                if r.at_least { "at least " } else { "" },
                r.count,
                r.category
            ),
            Self::Notice(r) => format!(
                "{} gives notice ({}) on {}",
                r.by, r.intention, r.obligation
            ),
            Self::Milestone(r) => format!("{} {}: {}", r.obligation, r.stage, r.what),
        }
    }
}

/// Reads one line of an evidence file. `no` is the line number, for problems.
pub fn read_line(
    no: u64,
    line: &str,
    agreement: &AgreementBundle,
) -> Result<Record, Vec<LineProblem>> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        vec![LineProblem {
            line: no,
            pointer: String::new(),
            reason: format!("not JSON: {e}"),
        }]
    })?;
    read_value(no, value, agreement)
}

pub(crate) fn problem(
    line: u64,
    pointer: impl Into<String>,
    reason: impl Into<String>,
) -> LineProblem {
    LineProblem {
        line,
        pointer: pointer.into(),
        reason: reason.into(),
    }
}

pub(crate) fn typed<T: serde::de::DeserializeOwned>(
    no: u64,
    value: Value,
) -> Result<T, Vec<LineProblem>> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                serde_path_to_error::Segment::Unknown => None,
            })
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect::<String>();
        vec![problem(no, pointer, e.into_inner().to_string())]
    })
}

/// Removes and reads the `type` member of a line that must be a JSON object: one of
/// `types`, else a problem with a suggestion. `what` names the kind of line.
pub(crate) fn take_type(
    no: u64,
    value: &mut Value,
    types: &'static [&'static str],
    what: &str,
) -> Result<&'static str, Vec<LineProblem>> {
    let Some(obj) = value.as_object_mut() else {
        return Err(vec![problem(no, "", "must be a JSON object")]);
    };
    match obj.remove("type") {
        Some(Value::String(s)) => types.iter().copied().find(|t| *t == s).ok_or_else(|| {
            vec![problem(
                no,
                "/type",
                format!(
                    "unknown {what} type `{s}`; {}",
                    crate::diag::suggest(&s, types.iter().copied())
                ),
            )]
        }),
        Some(_) => Err(vec![problem(no, "/type", "must be a string")]),
        None => Err(vec![problem(
            no,
            "/type",
            format!("is missing; one of {}", types.join(", ")),
        )]),
    }
}

/// Validates a parsed JSON value as a record.
pub fn read_value(
    no: u64,
    mut value: Value,
    agreement: &AgreementBundle,
) -> Result<Record, Vec<LineProblem>> {
    let kind = take_type(no, &mut value, RecordKind::ALL, "record")
        .map(|k| RecordKind::parse(k).unwrap_or(RecordKind::Handover))?;
    let record = match kind {
        RecordKind::Handover => Record::Handover(typed(no, value)?),
        RecordKind::Withdrawal => Record::Withdrawal(typed(no, value)?),
        RecordKind::Strength => Record::Strength(typed(no, value)?),
        RecordKind::ObservationPost => Record::ObservationPost(typed(no, value)?),
        RecordKind::Checkpoint => Record::Checkpoint(typed(no, value)?),
        RecordKind::Crossing => Record::Crossing(typed(no, value)?),
        RecordKind::Closure => Record::Closure(typed(no, value)?),
        RecordKind::Exchange => Record::Exchange(typed(no, value)?),
        RecordKind::DetentionClaim => Record::DetentionClaim(typed(no, value)?),
        RecordKind::Notice => Record::Notice(typed(no, value)?),
        RecordKind::Milestone => Record::Milestone(typed(no, value)?),
    };
    let problems = check(no, &record, agreement);
    if problems.is_empty() {
        Ok(record)
    } else {
        Err(problems)
    }
}

/// Writes a record as one line of the format (without the newline).
pub fn write_line(r: &Record) -> String {
    serde_json::to_string(r).unwrap_or_default()
}

/// Checks the references of a parsed record against the agreement: actors, zones,
/// obligations, and the values a type alone cannot rule out.
fn check(no: u64, r: &Record, bundle: &AgreementBundle) -> Vec<LineProblem> {
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
    let zone = |out: &mut Vec<LineProblem>, pointer: &str, id: &str, zones: &[&str]| {
        if !zones.contains(&id) {
            out.push(problem(
                no,
                pointer,
                format!(
                    "unknown zone `{id}`; {}",
                    crate::diag::suggest(id, zones.iter().copied())
                ),
            ));
        }
    };
    let obligation = |out: &mut Vec<LineProblem>, id: &str| {
        if !a.obligations.iter().any(|o| o.id == id) {
            out.push(problem(
                no,
                "/obligation",
                format!(
                    "unknown obligation `{id}`; {}",
                    crate::diag::suggest(id, a.obligations.iter().map(|o| o.id.as_str()))
                ),
            ));
        }
    };
    let zone_ids: Vec<&str> = bundle.zones.ids().into_iter().collect();
    if r.id().trim().is_empty() {
        out.push(problem(no, "/id", "must not be empty"));
    }
    if r.source().trim().is_empty() {
        out.push(problem(
            no,
            "/source",
            "must name the source (a URL or a registered source id)",
        ));
    }
    match r {
        Record::Handover(t) | Record::Withdrawal(t) => {
            zone(&mut out, "/zone", &t.zone, &zone_ids);
            actor(&mut out, "/from", &t.from);
            if let Some(to) = &t.to {
                actor(&mut out, "/to", to);
            }
        }
        Record::Strength(s) => {
            actor(&mut out, "/force", &s.force);
            for (k, v) in &s.figures {
                if !v.is_finite() || *v < 0.0 {
                    out.push(problem(no, format!("/figures/{k}"), "must be zero or more"));
                }
            }
            for (i, z) in s.present_in.iter().enumerate() {
                zone(&mut out, &format!("/present_in/{i}"), z, &zone_ids);
            }
        }
        Record::ObservationPost(p) => {
            actor(&mut out, "/force", &p.force);
            if !(-180.0..=180.0).contains(&p.lon) {
                out.push(problem(
                    no,
                    "/lon",
                    "must be a longitude in degrees, -180 to 180",
                ));
            }
            if !(-90.0..=90.0).contains(&p.lat) {
                out.push(problem(
                    no,
                    "/lat",
                    "must be a latitude in degrees, -90 to 90",
                ));
            }
            if p.closed.is_some_and(|c| c < p.opened) {
                out.push(problem(no, "/closed", "is before `opened`"));
            }
        }
        Record::Checkpoint(c) => {
            zone(&mut out, "/zone", &c.zone, &zone_ids);
            actor(&mut out, "/operator", &c.operator);
            if let (Some(o), Some(c)) = (c.opened, c.closed)
                && c < o
            {
                out.push(problem(no, "/closed", "is before `opened`"));
            }
        }
        Record::Crossing(c) => {
            if !c.cargo_t.is_finite() || c.cargo_t < 0.0 {
                out.push(problem(no, "/cargo_t", "must be zero or more"));
            }
        }
        Record::Closure(c) => {
            actor(&mut out, "/declared_by", &c.declared_by);
            match (&c.checkpoint, &c.zone) {
                (None, None) => out.push(problem(no, "", "names neither `checkpoint` nor `zone`")),
                (_, Some(z)) => zone(&mut out, "/zone", z, &zone_ids),
                _ => {}
            }
            if c.to.is_some_and(|t| t < c.from) {
                out.push(problem(no, "/to", "is before `from`"));
            }
        }
        Record::Exchange(e) => {
            actor(&mut out, "/from", &e.from);
            actor(&mut out, "/to", &e.to);
            if let Some(m) = &e.mediator {
                actor(&mut out, "/mediator", m);
            }
            if e.from == e.to {
                out.push(problem(no, "/to", "is the same side as `from`"));
            }
        }
        Record::DetentionClaim(c) => {
            actor(&mut out, "/claimant", &c.claimant);
            actor(&mut out, "/holder", &c.holder);
        }
        Record::Notice(n) => {
            obligation(&mut out, &n.obligation);
            actor(&mut out, "/by", &n.by);
        }
        Record::Milestone(m) => obligation(&mut out, &m.obligation),
    }
    out
}

/// Every record the evaluation reads, by kind, each list sorted by date then id.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    /// Handovers.
    pub handovers: Vec<Transfer>,
    /// Withdrawals.
    pub withdrawals: Vec<Transfer>,
    /// Strength reports.
    pub strengths: Vec<Strength>,
    /// Observation posts.
    pub posts: Vec<Post>,
    /// Checkpoints.
    pub checkpoints: Vec<Checkpoint>,
    /// Crossings.
    pub crossings: Vec<Crossing>,
    /// Closures.
    pub closures: Vec<Closure>,
    /// Exchanges.
    pub exchanges: Vec<Exchange>,
    /// Detention claims.
    pub claims: Vec<DetentionClaim>,
    /// Notices.
    pub notices: Vec<Notice>,
    /// Milestones.
    pub milestones: Vec<Milestone>,
}

impl Evidence {
    /// Sorts records into their lists, each ordered by date then id.
    pub fn from_records(records: impl IntoIterator<Item = Record>) -> Self {
        let mut e = Self::default();
        for r in records {
            match r {
                Record::Handover(x) => e.handovers.push(x),
                Record::Withdrawal(x) => e.withdrawals.push(x),
                Record::Strength(x) => e.strengths.push(x),
                Record::ObservationPost(x) => e.posts.push(x),
                Record::Checkpoint(x) => e.checkpoints.push(x),
                Record::Crossing(x) => e.crossings.push(x),
                Record::Closure(x) => e.closures.push(x),
                Record::Exchange(x) => e.exchanges.push(x),
                Record::DetentionClaim(x) => e.claims.push(x),
                Record::Notice(x) => e.notices.push(x),
                Record::Milestone(x) => e.milestones.push(x),
            }
        }
        e.handovers
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.withdrawals
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.strengths
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.posts
            .sort_by(|a, b| (a.opened, &a.id).cmp(&(b.opened, &b.id)));
        e.checkpoints
            .sort_by(|a, b| (a.opened, &a.id).cmp(&(b.opened, &b.id)));
        e.crossings
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.closures
            .sort_by(|a, b| (a.from, &a.id).cmp(&(b.from, &b.id)));
        e.exchanges
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.claims
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.notices
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.milestones
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e
    }

    /// Places every observation post in the zones its point lies in.
    pub fn classify(&mut self, zones: &ZoneSet) {
        for p in &mut self.posts {
            p.zones = zones
                .containing(p.lon, p.lat)
                .into_iter()
                .map(str::to_owned)
                .collect();
        }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.handovers.len()
            + self.withdrawals.len()
            + self.strengths.len()
            + self.posts.len()
            + self.checkpoints.len()
            + self.crossings.len()
            + self.closures.len()
            + self.exchanges.len()
            + self.claims.len()
            + self.notices.len()
            + self.milestones.len()
    }

    /// True when there is no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Records read from CSV with their lines, and the problems of refused rows.
pub type CsvRecords = (Vec<(u64, Record)>, Vec<LineProblem>);

/// Members read as numbers from CSV cells, by record type.
fn csv_number(kind: RecordKind, column: &str) -> bool {
    match column {
        "lon" | "lat" | "vehicles" | "cargo_t" | "count" | "observation_posts" => true,
        "persons" => kind != RecordKind::Exchange,
        _ => false,
    }
}

/// Members read as `;`-separated lists from CSV cells.
fn csv_list(kind: RecordKind, column: &str) -> bool {
    column == "present_in" || (column == "persons" && kind == RecordKind::Exchange)
}

fn csv_value(kind: RecordKind, column: &str, cell: &str) -> Result<Value, String> {
    if csv_list(kind, column) {
        return Ok(Value::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ));
    }
    if column == "at_least" {
        return match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err("must be true or false".into()),
        };
    }
    // Nested figures (`figures.personnel`) and counts (`counts.pows`) are numbers.
    if csv_number(kind, column) || column.contains('.') {
        let n: f64 = cell
            .parse()
            .map_err(|_| format!("`{cell}` is not a number"))?;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let v = if n.fract() == 0.0 && (0.0..9.0e15).contains(&n) {
            Value::from(n as u64)
        } else {
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        };
        return Ok(v);
    }
    Ok(Value::String(cell.to_owned()))
}

/// Reads evidence records from CSV: a header naming the members (`figures.personnel`,
/// `counts.pows` for nested figures; `;` between list items), one record per row. The
/// record type comes from a `type` column or, when the file has none, from
/// `default_kind`. Problems name the physical line and the column.
pub fn read_csv(
    text: &str,
    default_kind: Option<RecordKind>,
    bundle: &AgreementBundle,
) -> Result<CsvRecords, crate::rows::FileError> {
    let (objects, mut bad) = crate::jsonl::csv_objects(
        text,
        RecordKind::ALL,
        default_kind.map(RecordKind::as_str),
        |kind, column, cell| {
            let kind = RecordKind::parse(kind).unwrap_or(RecordKind::Handover);
            csv_value(kind, column, cell)
        },
    )?;
    let mut good = Vec::new();
    for (line, obj) in objects {
        match read_value(line, obj, bundle) {
            Ok(r) => good.push((line, r)),
            Err(ps) => bad.extend(ps.into_iter().map(crate::jsonl::pointer_as_column)),
        }
    }
    Ok((good, bad))
}
