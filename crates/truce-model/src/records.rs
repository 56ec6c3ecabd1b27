//! Evidence records beyond incidents: handovers and withdrawals, peacekeeping strength
//! and observation posts, checkpoints, crossings and closures, exchanges and detention
//! claims, term notices, milestones and endings (docs/evidence.md), and [`Evidence`], every record
//! the evaluation reads, sorted by kind. Each record names the public source it rests on.
//! `truce_formats::records` reads and checks them.

use crate::i18n::{Msg, Part};
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
        /// Persons claimed together (captured on one date at one place), which claims
        /// and releases refer to.
        Group = "group",
        /// A running total a source states (returned since a date, missing, recovered),
        /// kept beside Truce's own sum and never added to it.
        Tally = "tally",
        /// Remains found in a search-and-recovery operation: not an exchange.
        Recovery = "recovery",
        /// Observation posts a force reports as a count for a zone or area, or the
        /// number it closed.
        PostCount = "post-count",
        /// A utility (gas, electricity, internet, water) cut off from an area.
        Cutoff = "cutoff",
        /// People returning to or leaving a place, as a source counts them.
        Flow = "flow",
    }
}

crate::words! {
    /// A utility an area depends on.
    Utility {
        /// Natural gas.
        Gas = "gas",
        /// Electricity.
        Electricity = "electricity",
        /// Internet and telephone lines.
        Internet = "internet",
        /// Water.
        Water = "water",
    }
}

crate::words! {
    /// Which way people move.
    FlowKind {
        /// Displaced people returning home (or resettled where they lived).
        Return = "return",
        /// People leaving their homes.
        Displacement = "displacement",
    }
}

crate::words! {
    /// How precisely a record's date is known, as UCDP codes event dates.
    Precision {
        /// To the day.
        Day = "day",
        /// To the month: some day of it.
        Month = "month",
        /// To the year: some day of it.
        Year = "year",
        /// Some day between two days.
        Range = "range",
    }
}

/// A date known less precisely than to the day. The record's `date` is the last day it
/// may have happened (by which it had happened: what the rules read, so nothing is
/// counted before it can have been true); `from` is the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// First day it may have happened.
    pub from: Date,
    /// Month, year or range.
    pub precision: Precision,
}

impl Span {
    /// The span a partial date names: `2020-12` (a month), `2021` (a year) or
    /// `2021-04-01/2021-04-15` (a range), with its last day; `None` for anything else
    /// (a whole date is read as one).
    pub fn parse(text: &str) -> Option<(Self, Date)> {
        let text = text.trim();
        if let Some((a, b)) = text.split_once('/') {
            let (from, to): (Date, Date) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            return (from < to).then_some((
                Self {
                    from,
                    precision: Precision::Range,
                },
                to,
            ));
        }
        let parts: Vec<&str> = text.split('-').collect();
        let year: i16 = parts.first()?.parse().ok()?;
        if parts[0].len() != 4 {
            return None;
        }
        match parts.len() {
            1 => {
                let from = Date::new(year, 1, 1).ok()?;
                Some((
                    Self {
                        from,
                        precision: Precision::Year,
                    },
                    Date::new(year, 12, 31).ok()?,
                ))
            }
            2 if parts[1].len() == 2 => {
                let month: i8 = parts[1].parse().ok()?;
                let from = Date::new(year, month, 1).ok()?;
                Some((
                    Self {
                        from,
                        precision: Precision::Month,
                    },
                    from.last_of_month(),
                ))
            }
            _ => None,
        }
    }

    /// Why `date` cannot be the last day of this span, if it cannot.
    pub fn check(&self, date: Date) -> Option<String> {
        let whole = match self.precision {
            Precision::Day => {
                return (self.from != date)
                    .then(|| "a day-precise date has no span; write the day in `date`".to_owned());
            }
            Precision::Month => {
                (self.from.day() == 1 && date == self.from.last_of_month()).then_some(())
            }
            Precision::Year => {
                (self.from.month() == 1 && self.from.day() == 1 && date == self.from.last_of_year())
                    .then_some(())
            }
            Precision::Range => (self.from < date).then_some(()),
        };
        whole.is_none().then(|| {
            format!(
                "`date` {date} and `span` ({} from {}) do not name one {}",
                self.precision,
                self.from,
                match self.precision {
                    Precision::Month => "whole month",
                    Precision::Year => "whole year",
                    _ => "range of days",
                }
            )
        })
    }

    /// The span in words, for reasons and listings: "during December 2020", "during
    /// 2021", "between 2021-04-01 and 2021-04-15".
    pub fn words(&self, last: Date) -> String {
        match self.precision {
            Precision::Day => last.to_string(),
            Precision::Month => format!("during {}", self.from.strftime("%B %Y")),
            Precision::Year => format!("during {}", self.from.year()),
            Precision::Range => format!("between {} and {last}", self.from),
        }
    }
}

/// A record's date in words: the day, or its span ("during December 2020").
pub fn when(date: Date, span: Option<&Span>) -> String {
    span.map_or_else(|| date.to_string(), |s| s.words(date))
}

/// [`when`] as a part of a sentence each language writes.
pub fn when_part(date: Date, span: Option<&Span>) -> Part {
    let Some(s) = span else {
        return Part::day(date);
    };
    match s.precision {
        Precision::Day => Part::day(date),
        Precision::Month => Msg::new("why.during")
            .with(
                "when",
                Part::Month {
                    month: s.from.strftime("%Y-%m").to_string(),
                },
            )
            .into(),
        Precision::Year => Msg::new("why.during")
            .with("when", s.from.year().to_string())
            .into(),
        Precision::Range => Msg::new("why.between")
            .with("from", s.from)
            .with("to", date)
            .into(),
    }
}

crate::words! {
    /// What a stated running total counts.
    Measure {
        /// Persons (or remains) returned to each side since a date.
        Returned = "returned",
        /// Persons of each side missing.
        Missing = "missing",
        /// Remains of each side's dead recovered in search operations since a date.
        Recovered = "recovered",
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

impl PersonCategory {
    /// True for the dead: remains are never summed with the living.
    pub fn is_remains(self) -> bool {
        self == Self::Bodies
    }

    /// True when a count of `self` is part of what a figure for `wide` counts: every
    /// living category is part of `detainees` (a source's "captives" or "prisoners"
    /// without a category), and each category is part of itself.
    pub fn within(self, wide: Self) -> bool {
        self == wide || (wide == Self::Detainees && !self.is_remains() && self != Self::Missing)
    }
}

/// One name or a list of names: `"mediator": "ru"` and `"mediators": ["ge", "us"]` read
/// alike.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

fn is_zero(n: &u32) -> bool {
    *n == 0
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
    /// When the date is known only to a month, a year or a range: its first day
    /// (`date` is the last). Written as a partial `date` (`2020-12`, `2021`, `A/B`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
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
    /// When the date is known only to a month, a year or a range: its first day
    /// (`date` is the last). Written as a partial `date` (`2020-12`, `2021`, `A/B`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
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
    /// The place it stands at, when the source names a place rather than a point (a
    /// command post in a town): the point is then the gazetteer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
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
    /// Who blocks the way, when an actor does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    /// Who blocks the way, in words, when it is a group that is no actor of the
    /// agreement ("people presenting themselves as environmental activists").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocking_group: Option<String>,
    /// Local time of day it began (`HH:MM`, the agreement's time zone), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Settlements it cuts off (gazetteer names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cuts_off: Vec<String>,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Observation posts a force reports as a number: standing on `date` in a zone (or an
/// area of it the source names), or closed by `date`. The latest standing count of
/// each (force, zone, area, kind of post) is the current one; a count of zero says
/// every such post has closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostCount {
    /// Id.
    pub id: String,
    /// The force.
    pub force: String,
    /// Local date of the report.
    pub date: Date,
    /// See [`Transfer::span`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// The zone the posts are in; none: the force's whole area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The part of the zone the source names ("northern sector"), in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// True for temporary posts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub temporary: bool,
    /// Posts standing on the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Posts closed by the date, as the source counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<u32>,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A utility cut off from an area, from a day to a day (inclusive) or still cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cutoff {
    /// Id.
    pub id: String,
    /// What was cut.
    pub utility: Utility,
    /// First local day without it.
    pub from: Date,
    /// Last local day without it, when it was restored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Date>,
    /// Local time of day it was cut (`HH:MM`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The zone cut off.
    pub zone: String,
    /// Settlements named as cut off (gazetteer names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    /// Who reports it.
    pub reported_by: String,
    /// Whom the reporter blames (actors), if anyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blamed_on: Vec<String>,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// People returning to or leaving a place, as a source counts them: a running total
/// since `since` as of `date` (persons, families or both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Id.
    pub id: String,
    /// Return or displacement.
    pub kind: FlowKind,
    /// The day the figure is stated as of.
    pub date: Date,
    /// See [`Transfer::span`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// The first day counted, when the source names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
    /// Persons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persons: Option<u32>,
    /// Families (households).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub families: Option<u32>,
    /// The zone they returned to or left.
    pub zone: String,
    /// The settlement, when the source names one (a gazetteer name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Who counts them.
    pub claimant: String,
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
    /// When the date is known only to a month, a year or a range: its first day
    /// (`date` is the last). Written as a partial `date` (`2020-12`, `2021`, `A/B`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Mediators, any number: actors of the agreement or third parties of the built-in
    /// register (`mediator` with one name reads the same).
    #[serde(
        default,
        alias = "mediator",
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub mediators: Vec<String>,
    /// The side that released.
    pub from: String,
    /// The side that received.
    pub to: String,
    /// Counts by category.
    pub counts: BTreeMap<PersonCategory, u32>,
    /// Registry ids of the persons, when known (the registry holds who they are).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persons: Vec<String>,
    /// Of the remains returned (`counts.bodies`), how many are of persons who died in
    /// the releasing side's custody.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub died_in_custody: u32,
    /// How many of the persons released belong to each named group (`group` records).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, u32>,
    /// What the receiving side gave in return, when the release was not one-for-one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consideration: Option<Consideration>,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Exchange {
    /// Living persons released (every category but remains).
    pub fn living(&self) -> u32 {
        self.counts
            .iter()
            .filter(|(c, _)| !c.is_remains())
            .map(|(_, n)| n)
            .sum()
    }
}

/// What was given for a release: maps of minefields, other terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consideration {
    /// Maps of minefields handed over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minefield_maps: Option<MinefieldMaps>,
    /// Other terms, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<String>,
}

/// Maps of minefields handed over together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinefieldMaps {
    /// The districts they cover (gazetteer names in any spelling).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub districts: Vec<String>,
    /// The area in words, when the source names no district ("other territories").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Mines the maps show in all, when the source gives the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mines: Option<u32>,
}

/// "`holder` holds `count` persons of `category`", said by `claimant` on `date`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetentionClaim {
    /// Id.
    pub id: String,
    /// Local date.
    pub date: Date,
    /// When the date is known only to a month, a year or a range: its first day
    /// (`date` is the last). Written as a partial `date` (`2020-12`, `2021`, `A/B`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
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
    /// The named group the claim is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Persons claimed together: captured on one date at one place, counted as one group so
/// that "still held of that group" is computed from the releases that name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Id, referred to by exchanges (`groups`) and claims (`group`).
    pub id: String,
    /// What the sources call it.
    pub name: String,
    /// Local date they were taken (the last day of `span` when not known to the day).
    pub date: Date,
    /// See [`Transfer::span`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// The side whose persons they are.
    pub side: String,
    /// The side that took them.
    pub holder: String,
    /// Category.
    pub category: PersonCategory,
    /// How many.
    pub count: u32,
    /// True when the figure is a lower bound.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_least: bool,
    /// Where they were taken (a gazetteer name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A running total as a source states it: `counts` per side (the receiving side for
/// `returned`, the side whose persons they are for `missing` and `recovered`), as of
/// `date`, since `since`. Shown beside Truce's own sum, never added. (How many a side
/// holds is a `detention-claim`, which the rules already weigh.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    /// Id.
    pub id: String,
    /// The day the total is stated as of.
    pub date: Date,
    /// See [`Transfer::span`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Who states it (an actor or a third party).
    pub claimant: String,
    /// What it counts.
    pub measure: Measure,
    /// Which persons: a category (`detainees` for the living of every category,
    /// `bodies` for remains).
    pub category: PersonCategory,
    /// The first day counted, when the source names one (otherwise the agreement's
    /// entry into force for returns and recoveries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
    /// The total per side.
    pub counts: BTreeMap<String, u32>,
    /// True when the figures are lower bounds ("over 100").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_least: bool,
    /// Public source.
    pub source: String,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Remains found in a search-and-recovery operation (not handed over by the other side).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    /// Id.
    pub id: String,
    /// Local date (the last day of `span` for an operation over days).
    pub date: Date,
    /// See [`Transfer::span`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Who searched.
    pub by: String,
    /// The side whose dead were found.
    pub side: String,
    /// Remains found.
    pub remains: u32,
    /// Where (a gazetteer name or a zone id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Third parties that took part (the ICRC, a peacekeeping force).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub with: Vec<String>,
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
    /// When the date is known only to a month, a year or a range: its first day
    /// (`date` is the last). Written as a partial `date` (`2020-12`, `2021`, `A/B`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
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
    /// When the date is known only to a month, a year or a range: its first day
    /// (`date` is the last). Written as a partial `date` (`2020-12`, `2021`, `A/B`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
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
    /// When the date is known only to a month, a year or a range: its first day
    /// (`date` is the last). Written as a partial `date` (`2020-12`, `2021`, `A/B`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
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
    /// See [`Group`].
    Group(Group),
    /// See [`Tally`].
    Tally(Tally),
    /// See [`Recovery`].
    Recovery(Recovery),
    /// See [`PostCount`].
    PostCount(PostCount),
    /// See [`Cutoff`].
    Cutoff(Cutoff),
    /// See [`Flow`].
    Flow(Flow),
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
            Self::Group(_) => RecordKind::Group,
            Self::Tally(_) => RecordKind::Tally,
            Self::Recovery(_) => RecordKind::Recovery,
            Self::PostCount(_) => RecordKind::PostCount,
            Self::Cutoff(_) => RecordKind::Cutoff,
            Self::Flow(_) => RecordKind::Flow,
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
            Self::Group(r) => &r.id,
            Self::Tally(r) => &r.id,
            Self::Recovery(r) => &r.id,
            Self::PostCount(r) => &r.id,
            Self::Cutoff(r) => &r.id,
            Self::Flow(r) => &r.id,
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
            Self::Group(r) => Some(r.date),
            Self::Tally(r) => Some(r.date),
            Self::Recovery(r) => Some(r.date),
            Self::PostCount(r) => Some(r.date),
            Self::Cutoff(r) => Some(r.from),
            Self::Flow(r) => Some(r.date),
        }
    }

    /// The span of a date known only to a month, a year or a range.
    pub fn span(&self) -> Option<&Span> {
        match self {
            Self::Handover(r) | Self::Withdrawal(r) => r.span.as_ref(),
            Self::Strength(r) => r.span.as_ref(),
            Self::Exchange(r) => r.span.as_ref(),
            Self::DetentionClaim(r) => r.span.as_ref(),
            Self::Notice(r) => r.span.as_ref(),
            Self::Milestone(r) => r.span.as_ref(),
            Self::Termination(r) | Self::Lapse(r) => r.span.as_ref(),
            Self::Group(r) => r.span.as_ref(),
            Self::Tally(r) => r.span.as_ref(),
            Self::Recovery(r) => r.span.as_ref(),
            Self::PostCount(r) => r.span.as_ref(),
            Self::Flow(r) => r.span.as_ref(),
            Self::Cutoff(_)
            | Self::ObservationPost(_)
            | Self::Checkpoint(_)
            | Self::Crossing(_)
            | Self::Closure(_)
            | Self::Coverage(_) => None,
        }
    }

    /// The first day the record may be about: its span's first day, else its date.
    pub fn first_day(&self) -> Option<Date> {
        self.span().map(|s| s.from).or_else(|| self.date())
    }

    /// The record's date in words ("2020-12-14", "during December 2020").
    pub fn when(&self) -> Option<String> {
        self.date().map(|d| when(d, self.span()))
    }

    /// [`Record::when`] as a part of a sentence each language writes.
    pub fn when_part(&self) -> Option<Part> {
        self.date().map(|d| when_part(d, self.span()))
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
            Self::Group(r) => &r.source,
            Self::Tally(r) => &r.source,
            Self::Recovery(r) => &r.source,
            Self::PostCount(r) => &r.source,
            Self::Cutoff(r) => &r.source,
            Self::Flow(r) => &r.source,
        }
    }

    /// One line for listings, actors by id.
    pub fn summary(&self) -> String {
        crate::i18n::english().say(&self.summary_msg())
    }

    /// One line for listings, each actor as `n` names it (the agreement's names where a
    /// person reads the line).
    pub fn summary_named(&self, n: &dyn Fn(&str) -> String) -> String {
        crate::i18n::english().say_named(&self.summary_msg(), &|kind, id| {
            (kind == "actor").then(|| n(id))
        })
    }

    /// One line for listings as a message each language writes (`rec.*`).
    pub fn summary_msg(&self) -> Msg {
        let day_to = |to: Option<Date>| to.map(|t| Msg::new("rec.to_day").with("day", t));
        let at_least = |on: bool| on.then(|| Msg::new("rec.at_least"));
        let actors = |ids: &[String]| Part::list(ids.iter().map(Part::actor), ", ");
        match self {
            Self::Handover(r) | Self::Withdrawal(r) => Msg::new("rec.transfer")
                .with("zone", Part::zone(&r.zone))
                .with("from", Part::actor(&r.from))
                .with(
                    "to",
                    r.to.as_ref().map_or_else(|| Part::from("?"), Part::actor),
                )
                .with("stage", Part::word("stage", r.stage)),
            Self::Strength(r) => Msg::new("rec.strength")
                .with("force", Part::actor(&r.force))
                .with(
                    "figures",
                    Part::list(
                        r.figures.iter().map(|(k, v)| {
                            Msg::new("rec.figure")
                                .with("name", k)
                                .with("value", v.to_string())
                                .into()
                        }),
                        ", ",
                    ),
                ),
            Self::ObservationPost(r) => Msg::new("rec.post")
                .with("name", &r.name)
                .with("force", Part::actor(&r.force))
                .with("lat", format!("{:.4}", r.lat))
                .with("lon", format!("{:.4}", r.lon)),
            Self::Checkpoint(r) => Msg::new("rec.checkpoint")
                .with("name", &r.name)
                .with("zone", Part::zone(&r.zone))
                .with("operator", Part::actor(&r.operator)),
            Self::Crossing(r) => Msg::new("rec.crossing")
                .with("checkpoint", &r.checkpoint)
                .with("direction", Part::word("direction", r.direction))
                .with("persons", Msg::new("rec.persons").with("n", r.persons))
                .with("vehicles", Msg::new("rec.vehicles").with("n", r.vehicles))
                .with("cargo", r.cargo_t.to_string())
                .with("category", &r.category),
            Self::Closure(r) => Msg::new("rec.closure")
                .with(
                    "place",
                    match (&r.checkpoint, &r.zone) {
                        (Some(c), _) => Part::from(c),
                        (None, Some(z)) => Part::zone(z),
                        (None, None) => Part::from("?"),
                    },
                )
                .with("scope", Part::word("scope", r.scope))
                .with("by", Part::actor(&r.declared_by))
                .with("until", r.to.map(|t| Msg::new("rec.until").with("day", t))),
            Self::Exchange(r) => {
                let mut tail = Vec::new();
                if !r.mediators.is_empty() {
                    tail.push(
                        Msg::new("rec.mediated_by")
                            .with("mediators", actors(&r.mediators))
                            .into(),
                    );
                }
                if let Some(c) = &r.consideration {
                    if let Some(m) = &c.minefield_maps {
                        let area = if m.districts.is_empty() {
                            Part::from(m.area.clone().unwrap_or_default())
                        } else {
                            Part::zones(&m.districts)
                        };
                        tail.push(
                            Msg::new("rec.for_maps")
                                .with("area", area)
                                .with("mines", m.mines.map(|n| Msg::new("rec.mines").with("n", n)))
                                .into(),
                        );
                    }
                    if let Some(t) = &c.terms {
                        tail.push(Msg::new("rec.in_return").with("terms", t).into());
                    }
                }
                Msg::new("rec.exchange")
                    .with("from", Part::actor(&r.from))
                    .with("to", Part::actor(&r.to))
                    .with(
                        "counts",
                        Part::list(
                            r.counts.iter().map(|(k, v)| {
                                Msg::new("rec.count")
                                    .with("n", *v)
                                    .with("what", Part::word("category", k))
                                    .into()
                            }),
                            ", ",
                        ),
                    )
                    .with("more", Part::list(tail, ""))
            }
            Self::DetentionClaim(r) => Msg::new("rec.claim")
                .with("claimant", Part::actor(&r.claimant))
                .with("holder", Part::actor(&r.holder))
                .with("at_least", at_least(r.at_least))
                .with("n", r.count)
                .with("category", Part::word("category", r.category))
                .with(
                    "group",
                    r.group
                        .as_ref()
                        .map(|g| Msg::new("rec.of_group").with("group", g)),
                ),
            Self::Notice(r) => Msg::new("rec.notice")
                .with("by", Part::actor(&r.by))
                .with("intention", Part::word("intention", r.intention))
                .with("obligation", &r.obligation),
            Self::Milestone(r) => Msg::new("rec.milestone")
                .with("obligation", &r.obligation)
                .with("stage", Part::word("stage", r.stage))
                .with("what", &r.what),
            Self::Termination(r) | Self::Lapse(r) => Msg::new("rec.ended")
                .with("obligations", Part::texts(&r.obligations, ", "))
                .with("how", Part::word("end_cause", r.how_word()))
                .with("what", &r.what),
            Self::Coverage(r) => Msg::new("rec.coverage")
                .with("watcher", &r.watcher)
                .with(
                    "zones",
                    if r.zones.is_empty() {
                        Msg::new("rec.every_zone").into()
                    } else {
                        Part::zones(&r.zones)
                    },
                )
                .with("from", r.from)
                .with("to", day_to(r.to)),
            Self::Group(r) => Msg::new("rec.group")
                .with("name", &r.name)
                .with("at_least", at_least(r.at_least))
                .with("n", r.count)
                .with("category", Part::word("category", r.category))
                .with("side", Part::actor(&r.side))
                .with("holder", Part::actor(&r.holder)),
            Self::Tally(r) => Msg::new("rec.tally")
                .with("claimant", Part::actor(&r.claimant))
                .with("category", Part::word("category", r.category))
                .with("measure", Part::word("measure", r.measure))
                .with(
                    "since",
                    r.since.map(|d| Msg::new("why.since_day").with("day", d)),
                )
                .with("at_least", at_least(r.at_least))
                .with(
                    "counts",
                    Part::list(
                        r.counts.iter().map(|(k, v)| {
                            Msg::new("rec.side_count")
                                .with("side", Part::actor(k))
                                .with("n", *v)
                                .into()
                        }),
                        ", ",
                    ),
                ),
            Self::PostCount(r) => Msg::new("rec.post_count")
                .with("force", Part::actor(&r.force))
                .with(
                    "counts",
                    Part::list(
                        r.count
                            .map(Part::from)
                            .into_iter()
                            .chain(r.closed.map(|n| Msg::new("rec.closed").with("n", n).into())),
                        ", ",
                    ),
                )
                .with("temporary", r.temporary.then(|| Msg::new("rec.temporary")))
                .with(
                    "zone",
                    r.zone
                        .as_ref()
                        .map_or_else(|| Msg::new("rec.its_area").into(), Part::zone),
                )
                .with(
                    "area",
                    r.area
                        .as_ref()
                        .map(|a| Msg::new("rec.area").with("area", a)),
                ),
            Self::Cutoff(r) => Msg::new("rec.cutoff")
                .with("utility", Part::word("utility", r.utility))
                .with("zone", Part::zone(&r.zone))
                .with("from", r.from)
                .with("to", day_to(r.to))
                .with("by", Part::actor(&r.reported_by))
                .with(
                    "blame",
                    (!r.blamed_on.is_empty())
                        .then(|| Msg::new("rec.blames").with("who", actors(&r.blamed_on))),
                ),
            Self::Flow(r) => Msg::new("rec.flow")
                .with("kind", Part::word("flow_kind", r.kind))
                .with(
                    "place",
                    r.place
                        .as_ref()
                        .map_or_else(|| Part::zone(&r.zone), Part::from),
                )
                .with(
                    "figures",
                    Part::list(
                        r.persons
                            .map(|n| Msg::new("why.figure.persons").with("n", n).into())
                            .into_iter()
                            .chain(
                                r.families
                                    .map(|n| Msg::new("why.figure.families").with("n", n).into()),
                            ),
                        ", ",
                    ),
                )
                .with("claimant", Part::actor(&r.claimant)),
            Self::Recovery(r) => Msg::new("rec.recovery")
                .with("n", r.remains)
                .with("side", Part::actor(&r.side))
                .with("by", Part::actor(&r.by))
                .with(
                    "near",
                    r.place
                        .as_ref()
                        .map(|p| Msg::new("rec.near").with("place", p)),
                ),
        }
    }
}

/// Why `new` is likely the same fact as `old` under another id, if it is: an event of the
/// same kind about the same sides with the same figures, or from the same source page,
/// dated at most a day apart (sources often date one event a day apart); or any record of
/// the same kind, sides, figures and source page. A transcriber warned of this does not
/// count one release twice.
pub fn repeats(new: &Record, old: &Record) -> Option<&'static str> {
    if new.kind() != old.kind() || new.id() == old.id() {
        return None;
    }
    let near = match (new.date(), old.date()) {
        (Some(a), Some(b)) => (a - b).get_days().abs() <= 1,
        _ => false,
    };
    // An event happens once; a state (a strength, a count of posts, a stated total, a
    // flow, a claim) is often reported the same on consecutive days without repeating.
    let event = matches!(
        new.kind(),
        RecordKind::Handover
            | RecordKind::Withdrawal
            | RecordKind::Exchange
            | RecordKind::Recovery
            | RecordKind::Group
            | RecordKind::Milestone
            | RecordKind::Cutoff
    );
    let same_page = new.source() == old.source();
    // Most pairs differ in page and are no near event: settled before any figure is read
    // (an import compares each line with every stored record of its kind).
    if !(same_page || event && near) {
        return None;
    }
    // The sides and figures that make two records one fact.
    let fact = |r: &Record| -> Option<(String, String)> {
        Some(match r {
            Record::Handover(t) | Record::Withdrawal(t) => (
                format!("{} {} {:?}", t.zone, t.from, t.to),
                t.stage.to_string(),
            ),
            Record::Exchange(x) => (format!("{} {}", x.from, x.to), format!("{:?}", x.counts)),
            Record::DetentionClaim(c) => (
                format!("{} {} {:?}", c.claimant, c.holder, c.group),
                format!("{} {}", c.category, c.count),
            ),
            Record::Group(g) => (
                format!("{} {}", g.side, g.holder),
                format!("{} {}", g.category, g.count),
            ),
            Record::Tally(t) => (
                format!("{} {} {}", t.claimant, t.measure, t.category),
                format!("{:?}", t.counts),
            ),
            Record::Recovery(x) => (format!("{} {}", x.by, x.side), x.remains.to_string()),
            Record::Strength(x) => (x.force.clone(), format!("{:?}", x.figures)),
            Record::Milestone(m) => (m.obligation.clone(), m.stage.to_string()),
            Record::PostCount(x) => (
                format!("{} {:?} {:?} {}", x.force, x.zone, x.area, x.temporary),
                format!("{:?} {:?}", x.count, x.closed),
            ),
            Record::Cutoff(x) => (format!("{} {}", x.utility, x.zone), format!("{:?}", x.to)),
            Record::Flow(x) => (
                format!("{} {} {:?} {}", x.kind, x.zone, x.place, x.claimant),
                format!("{:?} {:?}", x.persons, x.families),
            ),
            _ => return None,
        })
    };
    let (a, b) = (fact(new)?, fact(old)?);
    if event && a == b && near {
        Some("the same sides and figures, dated at most a day apart")
    } else if event && a.0 == b.0 && same_page && near {
        Some("the same sides and source page, dated at most a day apart")
    } else if a.0 == b.0 && same_page && a.1 == b.1 {
        Some("the same sides, figures and source page")
    } else {
        None
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
    /// Named groups of persons.
    pub groups: Vec<Group>,
    /// Running totals sources state.
    pub tallies: Vec<Tally>,
    /// Remains found in search operations.
    pub recoveries: Vec<Recovery>,
    /// Posts reported as counts.
    pub post_counts: Vec<PostCount>,
    /// Utility cut-offs.
    pub cutoffs: Vec<Cutoff>,
    /// Returns and displacements.
    pub flows: Vec<Flow>,
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
                Record::Group(x) => e.groups.push(x),
                Record::Tally(x) => e.tallies.push(x),
                Record::Recovery(x) => e.recoveries.push(x),
                Record::PostCount(x) => e.post_counts.push(x),
                Record::Cutoff(x) => e.cutoffs.push(x),
                Record::Flow(x) => e.flows.push(x),
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
        e.groups
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.tallies
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.recoveries
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.post_counts
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        e.cutoffs
            .sort_by(|a, b| (a.from, &a.id).cmp(&(b.from, &b.id)));
        e.flows
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
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
            + self.groups.len()
            + self.tallies.len()
            + self.recoveries.len()
            + self.post_counts.len()
            + self.cutoffs.len()
            + self.flows.len()
    }

    /// True when there is no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
