//! Evidence records beyond incidents: handovers and withdrawals, peacekeeping strength
//! and observation posts, checkpoints, crossings and closures, exchanges and detention
//! claims, term notices, milestones and endings (docs/evidence.md), and [`Evidence`], every record
//! the evaluation reads, sorted by kind. Each record names the public source it rests on.
//! `truce_formats::records` reads and checks them.

use crate::zones::ZoneSet;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::words! {
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
        /// One or more obligations ended: by expiry after notice, early by the parties'
        /// agreement, or superseded by a later document.
        Termination = "termination",
        /// One or more obligations lapsed: what they govern ceased to exist.
        Lapse = "lapse",
        /// What a source of reports watches: zones and a period (an observation post
        /// from its opening, a data set from its start, a mission for its mandate).
        Coverage = "coverage",
    }
}

crate::words! {
    /// How far a step went, on the Kroc Peace Accords Matrix scale.
    Stage {
        /// Begun (1, minimal).
        Began = "began",
        /// Well under way (2, intermediate).
        Partial = "partial",
        /// Done (3, full).
        Completed = "completed",
        /// Over: the obligation no longer binds from this date (a centre closed, a force
        /// gone); its history stays.
        Ended = "ended",
    }
}

impl Stage {
    /// The Kroc level the stage reaches; `None` for an end, which is not a step.
    pub fn score(self) -> Option<u8> {
        match self {
            Self::Began => Some(1),
            Self::Partial => Some(2),
            Self::Completed => Some(3),
            Self::Ended => None,
        }
    }
}

crate::words! {
    /// How an obligation was terminated.
    EndedBy {
        /// Its term expired after notice was given in time.
        Expiry = "expiry",
        /// The parties ended it early by agreement.
        Agreement = "agreement",
        /// A later document superseded it.
        Supersession = "supersession",
    }
}

crate::words! {
    /// How much a closure shuts.
    ClosureScope {
        /// Nothing passes but what the closing side allows case by case.
        Full = "full",
        /// Some traffic passes (some categories, some hours).
        Partial = "partial",
    }
}

crate::words! {
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

crate::words! {
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

crate::words! {
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
    /// Zones the report says the force is deployed in; an explicit empty list says it
    /// is deployed nowhere (withdrawn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present_in: Option<Vec<String>>,
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

/// The end of one or more obligations: a termination (with how) or a lapse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ending {
    /// Id.
    pub id: String,
    /// The obligations that end.
    pub obligations: Vec<String>,
    /// Local date from which they no longer bind.
    pub date: Date,
    /// How a termination came about; a lapse has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<EndedBy>,
    /// The document or decision that superseded them, in words (a supersession).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// What happened, in a line.
    pub what: String,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Ending {
    /// How, in a word: `expiry`, `agreement`, `supersession`, or `lapse`.
    pub fn how_word(&self) -> &'static str {
        self.how.map_or("lapse", EndedBy::as_str)
    }
}

/// What a source of reports watches: the agreement's zones (all when none are named)
/// from a day, to a day or open-ended. A quiet day counts as a ceasefire holding only
/// where some coverage stood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// Id.
    pub id: String,
    /// The registered source of reports that watches (`acled`, `op-7`, a mission).
    pub watcher: String,
    /// Zones watched; empty: every zone of the agreement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// First day watched.
    pub from: Date,
    /// Last day watched, when the coverage ended (a post closed, a mandate over).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Date>,
    /// Public source describing the coverage.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Coverage {
    /// True when it watches `zone` on `day`.
    pub fn watches(&self, zone: &str, day: Date) -> bool {
        self.from <= day
            && self.to.is_none_or(|t| day <= t)
            && (self.zones.is_empty() || self.zones.iter().any(|z| z == zone))
    }
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
    /// See [`Ending`].
    Termination(Ending),
    /// See [`Ending`].
    Lapse(Ending),
    /// See [`Coverage`].
    Coverage(Coverage),
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
            Self::Termination(_) => RecordKind::Termination,
            Self::Lapse(_) => RecordKind::Lapse,
            Self::Coverage(_) => RecordKind::Coverage,
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
            Self::Termination(r) | Self::Lapse(r) => &r.id,
            Self::Coverage(r) => &r.id,
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
            Self::Termination(r) | Self::Lapse(r) => Some(r.date),
            Self::Coverage(r) => Some(r.from),
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
            Self::Termination(r) | Self::Lapse(r) => &r.source,
            Self::Coverage(r) => &r.source,
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
            Self::Termination(r) | Self::Lapse(r) => format!(
                "{} ended ({}): {}",
                r.obligations.join(", "),
                r.how_word(),
                r.what
            ),
            Self::Coverage(r) => format!(
                "{} watches {} from {}{}",
                r.watcher,
                if r.zones.is_empty() {
                    "every zone".to_owned()
                } else {
                    r.zones.join(", ")
                },
                r.from,
                r.to.map(|t| format!(" to {t}")).unwrap_or_default()
            ),
        }
    }
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
    /// Terminations and lapses.
    pub endings: Vec<Ending>,
    /// What the sources of reports watch.
    pub coverage: Vec<Coverage>,
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
                Record::Termination(x) | Record::Lapse(x) => e.endings.push(x),
                Record::Coverage(x) => e.coverage.push(x),
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
        e.endings
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.coverage
            .sort_by(|a, b| (a.from, &a.id).cmp(&(b.from, &b.id)));
        e
    }

    /// Places every observation post in the zones its point lies in, as they were on
    /// the day it opened.
    pub fn classify(&mut self, zones: &ZoneSet) {
        for p in &mut self.posts {
            p.zones = zones
                .containing_on(p.lon, p.lat, p.opened)
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
            + self.endings.len()
            + self.coverage.len()
    }

    /// True when there is no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
