//! Incidents: the centre's assessment that one or more reports describe one event, and
//! the matcher that builds them.
//!
//! Each new report is placed (its point, or its place name through the gazetteer), then
//! compared only with the incidents an R-tree over space × time returns near it — never
//! with all of them — and joins the best candidate of the same event family or starts a
//! new incident. Every decision is kept with the reason for it.
//!
//! Assessment rules (docs/incidents.md):
//! - **confirmed**: a report from the centre's own monitors (observation post, UAV);
//! - **corroborated**: reports from two or more independent sources, at least one of them
//!   not a party (a party's ministries count as one source);
//! - **disputed**: only the parties report it and they blame different actors;
//! - **unverified**: anything else. `rejected` is set by an analyst only.
//! - Attribution: the centre's monitors decide when they name a perpetrator; otherwise
//!   the claims decide when they agree; conflicting claims leave it `disputed`.
//! - A data set's rows are distinct events by its publisher's decision: a row never joins
//!   an incident holding another row (a different key) of the same data set; a newer
//!   version of the same row supersedes the old one.

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, Envelope, RTree, RTreeObject};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use truce_model::places::Gazetteer;
use truce_model::report::{EventFamily, EventType, Report, Source, SourceKind, Window};
use truce_model::zones::ZoneSet;

truce_model::words! {
    /// Where an incident stands in verification.
    IncidentStatus {
        /// One source, or several that are not independent.
        Unverified = "unverified",
        /// Two or more independent sources, at least one not a party.
        Corroborated = "corroborated",
        /// Seen by the centre's own monitors.
        Confirmed = "confirmed",
        /// Only the parties report it, and they blame each other.
        Disputed = "disputed",
        /// An analyst judged it did not happen as reported.
        Rejected = "rejected",
    }
}

/// How close a report must be to join an incident.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchConfig {
    /// Distance between two exact places that still counts as one event, in metres;
    /// the uncertainty radius of the less precise of the two is added.
    pub distance_m: f64,
    /// Time windows may be this many seconds apart and still count as one event.
    pub slack_s: i64,
}

impl From<truce_model::agreement::Matching> for MatchConfig {
    fn from(m: truce_model::agreement::Matching) -> Self {
        Self {
            distance_m: m.distance_m,
            slack_s: m.slack_s,
        }
    }
}

impl Default for MatchConfig {
    fn default() -> Self {
        Self {
            distance_m: 10_000.0,
            slack_s: 6 * 3600,
        }
    }
}

/// One source's claim about who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The report.
    pub report: String,
    /// Its source.
    pub source: String,
    /// The actor the source blames, if any.
    pub perpetrator: Option<String>,
    /// The name the source blamed when it is no actor of the agreement: shown as
    /// unmapped, never part of the assessment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perpetrator_as_named: Option<String>,
}

/// Marks a member's blamed name as one no actor of the agreement is known by (an
/// unmapped name, [`Report::perpetrator_as_named`]) among the interned names.
const UNMAPPED: char = '\u{1}';

/// A member's blamed name: an actor id, or an unmapped name (without its mark).
fn blamed(name: Option<&str>) -> (Option<&str>, Option<&str>) {
    match name {
        Some(n) => match n.strip_prefix(UNMAPPED) {
            Some(unmapped) => (None, Some(unmapped)),
            None => (Some(n), None),
        },
        None => (None, None),
    }
}

impl Incident {
    /// Where it happened, as a reader should see it: the gazetteer's name for its point
    /// ("Khankendi / Stepanakert", "3 km from Shusha / Shushi"), with the reporter's own
    /// spelling after it when that differs; the reporter's spelling alone when the point
    /// is far from every place; `None` with neither.
    pub fn place_text(&self) -> Option<String> {
        match (&self.place_label, &self.place_name) {
            (Some(label), Some(reported))
                if !label.to_lowercase().contains(&reported.to_lowercase()) =>
            {
                Some(format!("{label} (as reported: {reported})"))
            }
            (Some(label), _) => Some(label.clone()),
            (None, Some(reported)) => Some(format!("{reported} (as reported)")),
            (None, None) => None,
        }
    }
}

/// Who did it: every claim, and the centre's assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// Claims, one per report.
    pub claims: Vec<Claim>,
    /// The assessed perpetrator, when the evidence settles it.
    pub assessed: Option<String>,
    /// True when sources blame different actors and the centre's monitors do not settle it.
    pub disputed: bool,
}

/// An incident as assessed from its reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Stable id.
    pub id: String,
    /// Reports, in the order they joined.
    pub reports: Vec<String>,
    /// Assessed time window.
    pub window: Window,
    /// Assessed point (longitude, latitude).
    pub point: Option<(f64, f64)>,
    /// Place name of the report that gave the point, as reported.
    pub place_name: Option<String>,
    /// The point named from the gazetteer: the nearest place's bilingual name
    /// ("Khankendi / Stepanakert"), or "3 km from Shusha / Shushi"
    /// ([`Gazetteer::label`]); none farther than its radius.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_label: Option<String>,
    /// Location precision of that report.
    pub location_precision: u8,
    /// Assessed type.
    pub event_type: EventType,
    /// Attribution.
    pub attribution: Attribution,
    /// Status.
    pub status: IncidentStatus,
    /// Zones the point lies in, its location's uncertainty included: what counts and
    /// rules use.
    pub zones: Vec<String>,
    /// Zones the location's uncertainty reaches into or out of (an imprecise point near
    /// an edge): listed and counted apart, never in the rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub possibly_in: Vec<String>,
    /// Dead, best estimate of the most reliable report; low and high over all reports.
    pub killed: truce_model::report::Estimate,
}

/// Why a report went where it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The report.
    pub report: String,
    /// The incident it joined or started.
    pub incident: String,
    /// True when it started a new incident.
    pub new: bool,
    /// Incidents the index returned near it.
    pub candidates: usize,
    /// Distance to the joined incident's place, in metres.
    pub distance_m: Option<f64>,
    /// Gap between the time windows, in seconds.
    pub gap_s: Option<i64>,
    /// One line for people.
    pub reason: String,
}

/// A note about a report the matcher could not fully use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlacementWarning {
    /// The report.
    pub report: String,
    /// What happened.
    pub message: String,
    /// Candidate place ids: the places an ambiguous name names, or those a name no
    /// place has comes close to.
    pub candidates: Vec<String>,
}

/// The changed incidents of a matcher that takes no more reports ([`Matcher::into_changed`]).
#[derive(Debug)]
pub struct Changed<'a>(Matcher<'a>);

impl Changed<'_> {
    /// At most `n` of the changed incidents not yet handed out, lowest numbers first.
    pub fn next_up_to(&mut self, n: usize) -> Vec<Incident> {
        self.0.take(n, true)
    }
}

/// What the matcher keeps of a report: enough to assess its incident again, nothing more
/// (the report's text and raw record stay in the store).
///
/// A million of them stay in memory through an import, so they are packed: 72 bytes each,
/// the report's id in [`Sources::ids`], the window as seconds and nanoseconds, an absent
/// point as NaN.
#[derive(Debug, Clone)]
struct Member {
    /// Where the report's id is in [`Sources::ids`]: buffer number in the high 32 bits,
    /// offset in the low.
    id_at: u64,
    start_s: i64,
    end_s: i64,
    /// NaN when the report has no usable place.
    x: f64,
    y: f64,
    id_len: u32,
    start_ns: i32,
    end_ns: i32,
    /// Index into the matcher's interned sources.
    source: u32,
    /// Interned in [`Sources::names`]; [`NO_NAME`] when there is none.
    place_name: u32,
    /// Interned in [`Sources::names`]; [`NO_NAME`] when there is none.
    perpetrator: u32,
    killed: u32,
    window_precision: u8,
    precision: u8,
    event_type: EventType,
    /// Information credibility (1–6) in the low 3 bits; the outlets a data set's row
    /// cites (at most 31) in the high 5.
    credibility_outlets: u8,
}

const _: () = assert!(size_of::<Member>() == 72);

impl Member {
    fn window(&self) -> Window {
        // Both parts came from a valid timestamp.
        let at = |s, ns| jiff::Timestamp::new(s, ns).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        Window {
            start: at(self.start_s, self.start_ns),
            end: at(self.end_s, self.end_ns),
            precision: self.window_precision,
        }
    }

    fn credibility(&self) -> u8 {
        self.credibility_outlets & 0b111
    }

    fn outlets(&self) -> u8 {
        self.credibility_outlets >> 3
    }

    fn point(&self) -> Option<(f64, f64)> {
        (!self.x.is_nan()).then_some((self.x, self.y))
    }
}

/// A member's place name or perpetrator that is absent.
const NO_NAME: u32 = u32::MAX;

/// Sources seen so far, each once, with its independence group; and the place names and
/// perpetrators members name, each kept once (a million members name a few hundred).
#[derive(Debug, Default, Clone)]
struct Sources {
    list: Vec<(Source, u32)>,
    by_id: HashMap<String, u32>,
    groups: HashMap<String, u32>,
    names: Vec<Box<str>>,
    name_ids: HashMap<Box<str>, u32>,
    /// Every member's report id, back to back in buffers that are filled, never grown
    /// (a withdrawn member's stays): a single growing buffer would hold up to twice its
    /// size, and both copies while it moves.
    ids: Vec<String>,
    /// Every member, in chunks of [`CHUNK`]; incidents hold their members' numbers. One
    /// store rather than a growing list of members per incident: thousands of lists
    /// reallocated and copied as they grew (1M reports matched in 5.6–6.0 s instead of
    /// 6.2–7.3; the memory is about the same).
    members: Vec<Vec<Member>>,
}

/// Members per chunk of [`Sources::members`].
const CHUNK: usize = 1 << 16;

/// Bytes of the largest buffers of [`Sources::ids`] (the first ones are smaller, for the
/// matchers of a single analyst action).
const ID_BUFFER: usize = 1 << 20;

impl Sources {
    fn name_id(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else { return NO_NAME };
        if let Some(&i) = self.name_ids.get(name) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(NO_NAME);
        self.names.push(name.into());
        self.name_ids.insert(name.into(), i);
        i
    }

    fn name(&self, i: u32) -> Option<&str> {
        self.names.get(i as usize).map(|n| &**n)
    }

    /// Keeps a member and returns its number.
    fn keep(&mut self, m: Member) -> u32 {
        if self.members.last().is_none_or(|c| c.len() == CHUNK) {
            self.members.push(Vec::new());
        }
        let n = (self.members.len() - 1) * CHUNK;
        let last = self.members.last_mut().map_or(0, |c| {
            c.push(m);
            c.len() - 1
        });
        u32::try_from(n + last).unwrap_or(u32::MAX)
    }

    fn member(&self, k: u32) -> &Member {
        let k = k as usize;
        &self.members[k / CHUNK][k % CHUNK]
    }

    fn id(&self, m: &Member) -> &str {
        let (buffer, at) = ((m.id_at >> 32) as usize, (m.id_at & 0xffff_ffff) as usize);
        self.ids
            .get(buffer)
            .and_then(|b| b.get(at..at + m.id_len as usize))
            .unwrap_or_default()
    }

    /// Keeps a report id and returns where it is (see [`Member::id_at`]).
    fn keep_id(&mut self, id: &str) -> u64 {
        let room = self.ids.last().map_or(0, |b| b.capacity() - b.len());
        if room < id.len() {
            let so_far = self.ids.iter().map(String::capacity).sum::<usize>();
            let size = id.len().max(so_far.clamp(256, ID_BUFFER));
            self.ids.push(String::with_capacity(size));
        }
        let buffer = self.ids.len() - 1;
        let last = &mut self.ids[buffer];
        let at = last.len();
        last.push_str(id);
        ((buffer as u64) << 32) | at as u64
    }

    fn intern(&mut self, s: &Source) -> u32 {
        if let Some(&i) = self.by_id.get(&s.id) {
            return i;
        }
        let next_group = u32::try_from(self.groups.len()).unwrap_or(u32::MAX);
        let group = *self
            .groups
            .entry(s.independence_group())
            .or_insert(next_group);
        let i = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.push((s.clone(), group));
        self.by_id.insert(s.id.clone(), i);
        i
    }

    fn get(&self, i: u32) -> &Source {
        &self.list[i as usize].0
    }

    /// How much a member's account weighs, lower first: the centre's monitors, then
    /// source reliability, then information credibility (arrival breaks ties).
    fn weight(&self, m: &Member) -> (bool, truce_model::report::Reliability, u8) {
        let s = self.get(m.source);
        (!s.kind.is_centre_monitor(), s.reliability, m.credibility())
    }
}

fn member(
    report: &Report,
    source: u32,
    sources: &mut Sources,
    point: Option<(f64, f64)>,
    perpetrator: Option<&str>,
) -> Member {
    let id_at = sources.keep_id(&report.id);
    let w = &report.occurred;
    let (x, y) = point.unwrap_or((f64::NAN, f64::NAN));
    Member {
        id_at,
        id_len: u32::try_from(report.id.len()).unwrap_or(u32::MAX),
        start_s: w.start.as_second(),
        start_ns: w.start.subsec_nanosecond(),
        end_s: w.end.as_second(),
        end_ns: w.end.subsec_nanosecond(),
        window_precision: w.precision,
        x,
        y,
        source,
        place_name: sources.name_id(report.location.place_name.as_deref()),
        perpetrator: sources.name_id(perpetrator),
        killed: report.casualties.killed_best(),
        precision: report.location.precision,
        event_type: report.event_type,
        credibility_outlets: (report.credibility & 0b111) | (report.outlets.min(31) << 3),
    }
}

type Weight = (bool, truce_model::report::Reliability, u8);

/// The member that places an incident: (precision, weight, arrival, point, member index).
type Placed = (u8, Weight, u32, (f64, f64), u32);
const TYPES: usize = EventType::ALL.len();

/// The assessment of an incident kept up to date one member at a time, so that a report
/// joining costs the same whatever the incident's size. See [`Agg::add`] for the rules;
/// they are those of docs/incidents.md.
#[derive(Debug, Clone)]
struct Agg {
    count: u32,
    start_max: jiff::Timestamp,
    end_min: jiff::Timestamp,
    precision_min: u8,
    /// The most precise window, weight and arrival breaking ties.
    precise: (u8, Weight, u32, Window),
    /// The most precise located member.
    placed: Option<Placed>,
    /// The weightiest member: (weight, arrival, member).
    lead: (Weight, u32, u32),
    /// The weightiest member's type, and whether it is one of the centre's monitors.
    lead_type: (EventType, bool),
    /// The assessed type, kept current as members join (matching asks for it often).
    kind: EventType,
    type_count: [u32; TYPES],
    type_best: [Option<(Weight, u32)>; TYPES],
    monitor_blames: Vec<Box<str>>,
    all_blames: Vec<Box<str>>,
    groups: Vec<u32>,
    non_party: bool,
    any_monitor: bool,
    /// A data set's row citing two or more outlets is corroborated by itself.
    multi_outlet: bool,
    killed_min: u32,
    killed_max: u32,
}

impl Agg {
    fn new(m: &Member, weight: Weight) -> Self {
        let window = m.window();
        Self {
            count: 0,
            start_max: window.start,
            end_min: window.end,
            precision_min: window.precision,
            precise: (window.precision, weight, 0, window),
            placed: None,
            lead: (weight, 0, 0),
            lead_type: (m.event_type, !weight.0),
            kind: m.event_type,
            type_count: [0; TYPES],
            type_best: [None; TYPES],
            monitor_blames: Vec::new(),
            all_blames: Vec::new(),
            groups: Vec::new(),
            non_party: false,
            any_monitor: false,
            multi_outlet: false,
            killed_min: u32::MAX,
            killed_max: 0,
        }
    }

    /// Folds in member number `n` (its arrival order within the incident).
    fn add(&mut self, m: &Member, n: u32, sources: &Sources) {
        let weight = sources.weight(m);
        let (src, group) = &sources.list[m.source as usize];
        self.count += 1;
        let window = m.window();
        self.start_max = self.start_max.max(window.start);
        self.end_min = self.end_min.min(window.end);
        self.precision_min = self.precision_min.min(window.precision);
        if (window.precision, weight, n) < (self.precise.0, self.precise.1, self.precise.2) {
            self.precise = (window.precision, weight, n, window);
        }
        if let Some(p) = m.point()
            && self
                .placed
                .is_none_or(|(pr, w, k, _, _)| (m.precision, weight, n) < (pr, w, k))
        {
            self.placed = Some((m.precision, weight, n, p, n));
        }
        if (weight, n) < (self.lead.0, self.lead.1) || n == 0 {
            self.lead = (weight, n, n);
            self.lead_type = (m.event_type, !weight.0);
        }
        let t = m.event_type as usize;
        self.type_count[t] += 1;
        if self.type_best[t].is_none_or(|b| (weight, n) < b) {
            self.type_best[t] = Some((weight, n));
        }
        if let (Some(p), _) = blamed(sources.name(m.perpetrator)) {
            if src.kind.is_centre_monitor() && !self.monitor_blames.iter().any(|b| &**b == p) {
                self.monitor_blames.push(p.into());
            }
            if !self.all_blames.iter().any(|b| &**b == p) {
                self.all_blames.push(p.into());
            }
        }
        if !self.groups.contains(group) {
            self.groups.push(*group);
        }
        self.non_party |= src.kind != SourceKind::PartyMinistry;
        self.any_monitor |= src.kind.is_centre_monitor();
        self.multi_outlet |= src.kind == SourceKind::DataSet && m.outlets() >= 2;
        self.killed_min = self.killed_min.min(m.killed);
        self.killed_max = self.killed_max.max(m.killed);
        self.kind = self.assess_type();
    }

    fn of(members: &[u32], sources: &Sources) -> Option<Self> {
        let first = sources.member(*members.first()?);
        let mut agg = Self::new(first, sources.weight(first));
        for (n, &k) in members.iter().enumerate() {
            agg.add(
                sources.member(k),
                u32::try_from(n).unwrap_or(u32::MAX),
                sources,
            );
        }
        Some(agg)
    }

    /// Time: where all windows agree, else the most precise window.
    fn window(&self) -> Window {
        if self.start_max < self.end_min {
            Window {
                start: self.start_max,
                end: self.end_min,
                precision: self.precision_min,
            }
        } else {
            self.precise.3
        }
    }

    fn point(&self) -> Option<(f64, f64)> {
        self.placed.map(|p| p.3)
    }

    fn location_precision(&self, members: &[u32], sources: &Sources) -> u8 {
        self.placed.map_or_else(
            || sources.member(members[self.lead.2 as usize]).precision,
            |p| p.0,
        )
    }

    /// Type: the monitors' if they lead; else the most frequent, the weightiest report
    /// breaking ties.
    fn assess_type(&self) -> EventType {
        if self.lead_type.1 {
            return self.lead_type.0;
        }
        let top = self.type_count.iter().copied().max().unwrap_or(0);
        EventType::VARIANTS
            .iter()
            .copied()
            .filter(|t| self.type_count[*t as usize] == top)
            .min_by_key(|t| self.type_best[*t as usize])
            .unwrap_or(self.lead_type.0)
    }

    /// Attribution: the monitors' perpetrator when they name one; else the one all claims
    /// agree on; different names make it disputed.
    fn assessed(&self) -> (Option<String>, bool) {
        match (self.monitor_blames.len(), self.all_blames.len()) {
            (1, _) => (Some(self.monitor_blames[0].to_string()), false),
            (0, 0) => (None, false),
            (0, 1) => (Some(self.all_blames[0].to_string()), false),
            _ => (None, true),
        }
    }

    fn status(&self) -> IncidentStatus {
        let disputed = self.assessed().1;
        if self.any_monitor {
            IncidentStatus::Confirmed
        } else if (self.groups.len() >= 2 && self.non_party) || self.multi_outlet {
            IncidentStatus::Corroborated
        } else if !self.non_party && disputed {
            IncidentStatus::Disputed
        } else if self.groups.len() >= 2 {
            IncidentStatus::Corroborated
        } else {
            IncidentStatus::Unverified
        }
    }

    fn materialize(
        &self,
        id: &str,
        members: &[u32],
        sources: &Sources,
        (zones, gazetteer): (&ZoneSet, &Gazetteer),
        analyst: Option<IncidentStatus>,
    ) -> Incident {
        let point = self.point();
        let location_precision = self.location_precision(members, sources);
        // The zones as they were on the incident's first day (each zone's version in
        // force then), its location's uncertainty weighed against their edges.
        let placing = point.map(|(x, y)| {
            zones.placing_at(
                x,
                y,
                truce_model::report::Location::edge_radius_m(location_precision),
                self.window().start,
            )
        });
        let (assessed, disputed) = self.assessed();
        let each = || members.iter().map(|&k| sources.member(k));
        let claims = each()
            .map(|m| Claim {
                report: sources.id(m).to_owned(),
                source: sources.get(m.source).id.clone(),
                perpetrator: blamed(sources.name(m.perpetrator)).0.map(str::to_owned),
                perpetrator_as_named: blamed(sources.name(m.perpetrator)).1.map(str::to_owned),
            })
            .collect();
        Incident {
            id: id.to_owned(),
            reports: each().map(|m| sources.id(m).to_owned()).collect(),
            window: self.window(),
            point,
            place_name: self
                .placed
                .and_then(|p| sources.name(sources.member(members[p.4 as usize]).place_name))
                .map(str::to_owned),
            place_label: point.and_then(|(x, y)| gazetteer.label(x, y)),
            location_precision,
            event_type: self.kind,
            attribution: Attribution {
                claims,
                assessed,
                disputed,
            },
            status: analyst.unwrap_or_else(|| self.status()),
            zones: placing
                .as_ref()
                .map(|p| p.certain.iter().map(|z| (*z).to_owned()).collect())
                .unwrap_or_default(),
            possibly_in: placing
                .as_ref()
                .map(|p| p.possible.iter().map(|z| (*z).to_owned()).collect())
                .unwrap_or_default(),
            killed: truce_model::report::Estimate {
                low: self.killed_min,
                best: sources.member(members[self.lead.2 as usize]).killed,
                high: self.killed_max,
            },
        }
    }
}

#[derive(Debug, Clone)]
struct State {
    id: String,
    /// The number in its id (`inc-12` is 12): ties between candidates go to the lower.
    number: u64,
    /// Numbers of its members in [`Sources::members`], in arrival order.
    members: Vec<u32>,
    /// `None` once the last member has left.
    agg: Option<Agg>,
    /// The last materialised incident, kept for incidents that lost every report.
    last: Option<Box<Incident>>,
    key: Option<Rectangle<[f64; 3]>>,
    analyst_status: Option<IncidentStatus>,
    /// Known by its index entry alone ([`IndexedIncident`]): no report may join or leave
    /// it until it is held in full.
    indexed_only: bool,
    /// The data set whose rows are all its reports, when so: its entry is in
    /// [`Matcher::own`] under that source, not in the main tree.
    own: Option<u32>,
}

impl State {
    fn status(&self) -> Option<IncidentStatus> {
        self.analyst_status
            .or_else(|| self.agg.as_ref().map(Agg::status))
    }
}

/// Whom a report blames, as a member keeps it: the actor id it names; else the actor its
/// unmapped name now stands for (an alias added since it was read); else that name,
/// marked as unmapped ([`UNMAPPED`]).
fn blames(actors: Option<&truce_model::agreement::Agreement>, report: &Report) -> Option<String> {
    if let Some(p) = &report.perpetrator {
        return Some(p.clone());
    }
    let name = report.perpetrator_as_named.as_deref()?;
    match actors.and_then(|a| a.actor_by_name(name)) {
        Some(actor) => Some(actor.id.clone()),
        None => Some(format!("{UNMAPPED}{name}")),
    }
}

/// The number in an incident id (`inc-12` is 12); ids of another form sort last.
fn number_of(id: &str) -> u64 {
    id.strip_prefix("inc-")
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// The row a report id names: the id without the `@version` that keyed reports end in
/// (`acled:ARM123@1700000000` is row `acled:ARM123`); an id without one is its own row.
fn row_of(id: &str) -> &str {
    id.rsplit_once('@').map_or(id, |(row, _)| row)
}

/// Metres per degree of latitude, and of longitude at the equator.
const M_LAT: f64 = 110_574.0;
const M_LON: f64 = 111_320.0;

/// An incident's entry in a space × time index: its place widened by `radius_m`, x =
/// longitude and y = latitude in metres at the equator's scale, z = its window in seconds
/// times `time_scale`.
#[allow(clippy::cast_precision_loss)]
fn space_time_key(
    point: (f64, f64),
    start_s: i64,
    end_s: i64,
    radius_m: f64,
    time_scale: f64,
) -> Rectangle<[f64; 3]> {
    let (x, y) = (point.0 * M_LON, point.1 * M_LAT);
    let rx = radius_m / point.1.to_radians().cos().max(0.05);
    Rectangle::from_corners(
        [x - rx, y - radius_m, start_s as f64 * time_scale],
        [x + rx, y + radius_m, end_s as f64 * time_scale],
    )
}

/// Great-circle distance in metres.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1, lon2, lat2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

/// A number written with one decimal, halves rounded away from zero. Reasons are written
/// for every report an import matches, and `{:.1}` often takes the standard library's
/// slow exact path (a tenth of matching's time at 1M reports).
struct OneDecimal(f64);

impl std::fmt::Display for OneDecimal {
    #[allow(clippy::cast_possible_truncation)]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round();
        if !tenths.is_finite() || tenths.abs() >= 1e15 {
            return write!(f, "{:.1}", self.0);
        }
        let t = tenths as i64;
        let sign = if self.0.is_sign_negative() { "-" } else { "" };
        write!(
            f,
            "{sign}{}.{}",
            t.unsigned_abs() / 10,
            t.unsigned_abs() % 10
        )
    }
}

/// Incident entries over space × time (see [`Matcher::key`]), by state number.
type SpaceTime = RTree<GeomWithData<Rectangle<[f64; 3]>, usize>>;

/// Builds incidents from reports, one report at a time.
#[derive(Debug)]
pub struct Matcher<'a> {
    config: MatchConfig,
    zones: &'a ZoneSet,
    gazetteer: &'a Gazetteer,
    sources: Sources,
    states: Vec<State>,
    by_id: HashMap<String, usize>,
    /// Incident places and windows: x = longitude and y = latitude in metres at the
    /// equator scale, z = time in seconds scaled so that `slack_s` spans `distance_m`.
    tree: SpaceTime,
    /// The incidents whose reports are all rows of one data set, by that source's number,
    /// indexed apart from `tree`: no other row of the same data set may join them, so a
    /// row of it never has to look at them (one file of distinct events would otherwise
    /// make every row compare with every earlier one nearby).
    own: HashMap<u32, SpaceTime>,
    /// What matching reads of each indexed incident, by state: kept apart from the states
    /// so that the candidates of a report are read from a few contiguous megabytes rather
    /// than from scattered aggregates (most of the candidate loop's time went in cache
    /// misses). Current for every incident in `tree`.
    probes: Vec<Probe>,
    decisions: Vec<Decision>,
    warnings: Vec<PlacementWarning>,
    time_scale: f64,
    /// Incidents changed since the last [`Matcher::take_changed`].
    dirty: BTreeSet<usize>,
    /// Number given to the next new incident.
    next_number: u64,
    /// Keep every decision (tests, small imports) or only return them.
    keep_decisions: bool,
    /// The agreement whose actors' names and aliases resolve a report's unmapped names
    /// ([`Matcher::with_actors`]).
    actors: Option<&'a truce_model::agreement::Agreement>,
    /// Every stored incident by its index entry ([`Matcher::over_stored`]).
    stored: Option<&'a StoredIndex>,
    /// The numbers of the incidents held (whose stored entries are not looked at).
    held_numbers: hashbrown::HashSet<u64>,
    /// The stored entries near each report, by report id: found once, though a report's
    /// best candidate is asked for several times (to read what it would join in full,
    /// then to join it).
    near_stored: HashMap<String, StoredNear>,
}

/// The stored entries near one report ([`Matcher::stored_near`]), held ones included:
/// the stored index does not change while a matcher reads it, and the entries of
/// incidents held since are left out where they are used.
#[derive(Debug)]
struct StoredNear {
    /// What they were found for: the report's point, window, radius and family (which
    /// make its search box, [`Matcher::search_box`]).
    asked: ((u64, u64), i64, i64, u64, EventFamily),
    /// The entries in the box that no analyst rejected.
    count: usize,
    /// Those close enough to join, with (distance, gap, limit).
    close: Vec<(u32, (f64, i64, f64))>,
}

/// A report as [`Matcher::close_to`] compares it with an entry.
struct Ask {
    point: (f64, f64),
    start_s: i64,
    end_s: i64,
    /// The radius of its place's precision.
    radius_m: f64,
    family: EventFamily,
}

impl Ask {
    fn new(report: &Report, point: (f64, f64)) -> Self {
        Self {
            point,
            start_s: report.occurred.start.as_second(),
            end_s: report.occurred.end.as_second(),
            radius_m: radius(report.location.precision),
            family: report.event_type.family(),
        }
    }

    /// What a [`StoredNear`] was found for.
    fn asked(&self) -> ((u64, u64), i64, i64, u64, EventFamily) {
        (
            (self.point.0.to_bits(), self.point.1.to_bits()),
            self.start_s,
            self.end_s,
            self.radius_m.to_bits(),
            self.family,
        )
    }
}

/// An indexed incident as matching compares it with a report.
#[derive(Debug, Clone, Copy)]
struct Probe {
    point: (f64, f64),
    start_s: i64,
    end_s: i64,
    /// The radius of its place's precision.
    radius_m: f64,
    family: EventFamily,
    /// An analyst rejected it: nothing joins it.
    rejected: bool,
}

impl Probe {
    /// Seconds between its window and `[start_s, end_s)` (0 when they overlap).
    fn gap_s(&self, start_s: i64, end_s: i64) -> i64 {
        (self.start_s - end_s).max(start_s - self.end_s).max(0)
    }

    const NONE: Self = Self {
        point: (f64::NAN, f64::NAN),
        start_s: 0,
        end_s: 0,
        radius_m: 0.0,
        family: EventFamily::Other,
        rejected: true,
    };
}

/// An incident known by its index entry alone: what matching compares a report with.
/// A matcher holding such incidents may decide where a report goes, but must hold an
/// incident in full ([`StoredIncident`]) before a report joins it or leaves it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedIncident {
    /// Its id.
    pub id: String,
    /// Its assessed point.
    pub point: (f64, f64),
    /// Its window, Unix seconds.
    pub start_s: i64,
    /// Its window's end, Unix seconds.
    pub end_s: i64,
    /// Its place's location precision (whose radius widens it in the index).
    pub location_precision: u8,
    /// Its assessed type.
    pub event_type: EventType,
    /// An analyst's status, which assessment does not override.
    pub analyst_status: Option<IncidentStatus>,
}

/// Every stored incident of an agreement by its index entry, in an R-tree over space ×
/// time built as the matcher's own: what a server keeps in memory so that placing a
/// submitted report reads none of its candidates from the database. A matcher given one
/// ([`Matcher::over_stored`]) compares a report with the stored incidents near it as it
/// would with incidents it held by their index entries ([`Matcher::resume_indexed`]); the
/// incidents it holds itself take the place of their stored entries.
///
/// About 150 bytes an incident: its entry (80), the tree's leaf and nodes (about 60) and
/// the map from numbers.
#[derive(Debug, Clone)]
pub struct StoredIndex {
    time_scale: f64,
    tree: RTree<GeomWithData<Rectangle<[f64; 3]>, u32>, WideNodes>,
    slots: Vec<StoredSlot>,
    /// Slots of removed incidents, to reuse.
    free: Vec<u32>,
    by_number: hashbrown::HashMap<u64, u32>,
}

/// Nodes of up to 16 entries rather than rstar's 6 for the stored entries: at a million
/// incidents a report's box holds hundreds of them, and a query then visits fewer,
/// fuller nodes.
#[derive(Debug, Clone, Copy)]
struct WideNodes;

impl rstar::RTreeParams for WideNodes {
    const MIN_SIZE: usize = 6;
    const MAX_SIZE: usize = 16;
    const REINSERTION_COUNT: usize = 4;
    type DefaultInsertionStrategy = rstar::RStarInsertionStrategy;
}

/// One stored incident's entry: what matching compares (its key in the tree is made
/// from it again when it is taken out).
#[derive(Debug, Clone, Copy)]
struct StoredSlot {
    number: u64,
    probe: Probe,
    location_precision: u8,
    event_type: EventType,
    analyst_status: Option<IncidentStatus>,
}

impl StoredIndex {
    /// An empty index for matching under `config`, filled by [`StoredIndex::put`]. (A
    /// tree packed at once with rstar's bulk load answered these elongated boxes far
    /// worse than one filled entry by entry.)
    pub fn new(config: MatchConfig) -> Self {
        Self {
            time_scale: time_scale(config),
            tree: RTree::new_with_params(),
            slots: Vec::new(),
            free: Vec::new(),
            by_number: hashbrown::HashMap::new(),
        }
    }

    fn slot(&self, e: &IndexedIncident) -> StoredSlot {
        let radius_m = radius(e.location_precision);
        StoredSlot {
            number: number_of(&e.id),
            probe: Probe {
                point: e.point,
                start_s: e.start_s,
                end_s: e.end_s,
                radius_m,
                family: e.event_type.family(),
                rejected: e.analyst_status == Some(IncidentStatus::Rejected),
            },
            location_precision: e.location_precision,
            event_type: e.event_type,
            analyst_status: e.analyst_status,
        }
    }

    fn key(&self, s: &StoredSlot) -> Rectangle<[f64; 3]> {
        let p = &s.probe;
        space_time_key(p.point, p.start_s, p.end_s, p.radius_m, self.time_scale)
    }

    /// Puts an incident's current entry in place of the one it had, if any.
    pub fn put(&mut self, e: &IndexedIncident) {
        let number = number_of(&e.id);
        self.remove(number);
        let slot = self.slot(e);
        let k = match self.free.pop() {
            Some(k) => {
                self.slots[k as usize] = slot;
                k
            }
            None => {
                self.slots.push(slot);
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.by_number.insert(number, k);
        self.tree.insert(GeomWithData::new(self.key(&slot), k));
    }

    /// Takes an incident out (it has no reports or no place any more).
    pub fn remove(&mut self, number: u64) {
        if let Some(k) = self.by_number.remove(&number) {
            let key = self.key(&self.slots[k as usize]);
            self.tree.remove(&GeomWithData::new(key, k));
            self.free.push(k);
        }
    }

    /// The entry held for incident `inc-{number}`.
    pub fn get(&self, number: u64) -> Option<IndexedIncident> {
        let s = &self.slots[*self.by_number.get(&number)? as usize];
        Some(IndexedIncident {
            id: format!("inc-{number}"),
            point: s.probe.point,
            start_s: s.probe.start_s,
            end_s: s.probe.end_s,
            location_precision: s.location_precision,
            event_type: s.event_type,
            analyst_status: s.analyst_status,
        })
    }

    /// How many incidents it holds.
    pub fn len(&self) -> usize {
        self.by_number.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.by_number.is_empty()
    }
}

/// Matching's time scale: seconds scaled so that `slack_s` spans `distance_m`.
#[allow(clippy::cast_precision_loss)]
fn time_scale(config: MatchConfig) -> f64 {
    config.distance_m / config.slack_s.max(1) as f64
}

/// A candidate a report is compared with: an incident the matcher holds (its state), or
/// one of the stored index's entries (its slot) that the matcher does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Candidate {
    Held(usize),
    Stored(u32),
}

/// An incident as stored, to resume matching where an earlier import stopped.
#[derive(Debug, Clone)]
pub struct StoredIncident {
    /// Its id.
    pub id: String,
    /// An analyst's status, which assessment does not override (e.g. `rejected`).
    pub analyst_status: Option<IncidentStatus>,
    /// Its reports with their sources, in the order they joined.
    pub members: Vec<(Report, Source)>,
    /// True when the stored incident is missing or out of date: it will be returned by
    /// the next [`Matcher::take_changed`].
    pub needs_write: bool,
}

fn radius(precision: u8) -> f64 {
    truce_model::report::Location {
        point: None,
        place_name: None,
        precision,
    }
    .radius_m()
}

fn family_name(f: EventFamily) -> &'static str {
    match f {
        EventFamily::Fire => "fire",
        EventFamily::Civilians => "civilians",
        EventFamily::Forces => "forces",
        EventFamily::Access => "access",
        EventFamily::Other => "other",
    }
}

/// The point of the one place a report's place name names, if it names exactly one.
fn place_by_name(gazetteer: &Gazetteer, r: &Report) -> Option<(f64, f64)> {
    let found = gazetteer.find(r.location.place_name.as_deref()?);
    match found.matches.as_slice() {
        [one] => Some((one.place.lon, one.place.lat)),
        _ => None,
    }
}

/// Incidents whose place reaches at most this far (location precision 1 and 2) are looked
/// up by a box around a report; wider ones (rare) by time alone.
pub const NARROW_RADIUS_M: f64 = 25_000.0;

/// Where a report's candidates can lie, for a store that reads only those incidents
/// rather than all of them ([`Matcher::neighbourhood`]). Every incident the matcher could
/// compare the report with has its point in [`Neighbourhood::bbox`] for its radius and its
/// window meeting `[from_s, to_s]`; the bounds are a little wider than the matcher's own
/// index test, which decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbourhood {
    /// The report's point (its own, or its place name's).
    pub point: (f64, f64),
    /// An incident whose window ends before this (Unix seconds) cannot be a candidate.
    pub from_s: i64,
    /// An incident whose window starts after this cannot be a candidate.
    pub to_s: i64,
    /// The report's reach in metres: the distance limit plus its own radius.
    reach_m: f64,
}

impl Neighbourhood {
    /// The neighbourhood of `n`'s place and reach over the window `[from_s, to_s]`: what
    /// a store asks when it reads the candidates of several reports at once by time.
    pub fn spanning(n: Neighbourhood, from_s: i64, to_s: i64) -> Self {
        Self { from_s, to_s, ..n }
    }

    /// The box `[west, south, east, north]` in degrees holding the point of every
    /// incident of radius up to `radius_m` whose index box meets the report's.
    pub fn bbox(&self, radius_m: f64) -> [f64; 4] {
        let (lon, lat) = self.point;
        // One part in a million more, so rounding never leaves a candidate out.
        let margin = 1.000_001;
        let dlat = (self.reach_m + radius_m) / M_LAT * margin;
        let widest = (lat.abs() + dlat).min(90.0).to_radians().cos().max(0.05);
        let own = lat.to_radians().cos().max(0.05);
        let dlon = (self.reach_m / own + radius_m / widest) / M_LON * margin;
        [lon - dlon, lat - dlat, lon + dlon, lat + dlat]
    }
}

impl<'a> Matcher<'a> {
    /// Where the candidates of `report` lie (`None` when it has no usable place, so it
    /// has none): a store answers with the incidents there, a matcher resumed from them
    /// ([`Matcher::resume`]) takes the same decision as one holding every incident.
    pub fn neighbourhood(&self, report: &Report) -> Option<Neighbourhood> {
        let point = report
            .location
            .point
            .or_else(|| place_by_name(self.gazetteer, report))?;
        // A second either side covers the index's float rounding of times.
        Some(Neighbourhood {
            point,
            from_s: report.occurred.start.as_second() - self.config.slack_s - 1,
            to_s: report.occurred.end.as_second() + self.config.slack_s + 1,
            reach_m: self.config.distance_m + report.location.radius_m(),
        })
    }

    /// An empty matcher over the agreement's zones and gazetteer.
    pub fn new(config: MatchConfig, zones: &'a ZoneSet, gazetteer: &'a Gazetteer) -> Self {
        let time_scale = time_scale(config);
        Self {
            config,
            zones,
            gazetteer,
            sources: Sources::default(),
            states: Vec::new(),
            by_id: HashMap::new(),
            tree: RTree::new(),
            own: HashMap::new(),
            probes: Vec::new(),
            decisions: Vec::new(),
            warnings: Vec::new(),
            time_scale,
            dirty: BTreeSet::new(),
            next_number: 1,
            keep_decisions: true,
            actors: None,
            stored: None,
            held_numbers: hashbrown::HashSet::new(),
            near_stored: HashMap::new(),
        }
    }

    /// Compares reports with every entry of `stored` too, besides the incidents held
    /// ([`StoredIndex`]); an incident held takes the place of its stored entry. A report
    /// may only join or leave an incident held in full: [`Matcher::would_join`] names the
    /// one to read first. Only for reports that are not rows of a data set (the stored
    /// entries do not say which incidents are made of one data set's rows alone).
    #[must_use]
    pub fn over_stored(mut self, stored: &'a StoredIndex) -> Self {
        self.stored = Some(stored);
        self
    }

    /// Resolves the names reports blame that no alias mapped when they were read, with
    /// the agreement's actors as they are now: an alias added later attributes them.
    #[must_use]
    pub fn with_actors(mut self, agreement: &'a truce_model::agreement::Agreement) -> Self {
        self.actors = Some(agreement);
        self
    }

    /// Marks every incident held in full as changed, so that [`Matcher::take_changed`]
    /// gives each one reassessed with the zones and actors as they are now. Returns how
    /// many.
    pub fn touch_all(&mut self) -> usize {
        let held: Vec<usize> = (0..self.states.len())
            .filter(|&i| !self.states[i].indexed_only && !self.states[i].members.is_empty())
            .collect();
        let n = held.len();
        self.dirty.extend(held);
        n
    }

    /// Stops keeping decisions in [`Matcher::decisions`] (each is still returned by
    /// [`Matcher::add`]): a long import stores them as it goes.
    pub fn forget_decisions(&mut self) {
        self.keep_decisions = false;
        self.decisions = Vec::new();
    }

    /// A matcher that continues from stored incidents; new incidents are numbered from
    /// `next_number`, so a resumed import names them as an uninterrupted one would.
    pub fn resume(
        config: MatchConfig,
        zones: &'a ZoneSet,
        gazetteer: &'a Gazetteer,
        stored: Vec<StoredIncident>,
        next_number: u64,
    ) -> Self {
        let mut m = Self::new(config, zones, gazetteer);
        m.hold_stored(stored, next_number);
        m
    }

    /// Holds stored incidents in full and numbers new ones from `next_number`: what
    /// [`Matcher::resume`] does, for a matcher already given its actors
    /// ([`Matcher::with_actors`]).
    pub fn hold_stored(&mut self, stored: Vec<StoredIncident>, next_number: u64) {
        self.next_number = next_number;
        for s in stored {
            self.push_stored(s);
        }
    }

    /// Adds a stored incident with its reports (one that has none is left out); one held
    /// by its index entry alone takes its reports in place.
    fn push_stored(&mut self, s: StoredIncident) {
        let gazetteer = self.gazetteer;
        let members: Vec<u32> = s
            .members
            .iter()
            .map(|(report, source)| {
                let point = report
                    .location
                    .point
                    .or_else(|| place_by_name(gazetteer, report));
                let source = self.sources.intern(source);
                let blames = blames(self.actors, report);
                let kept = member(report, source, &mut self.sources, point, blames.as_deref());
                self.sources.keep(kept)
            })
            .collect();
        let Some(agg) = Agg::of(&members, &self.sources) else {
            return;
        };
        let idx = match self.by_id.get(&s.id) {
            Some(&i) => {
                let st = &mut self.states[i];
                st.members = members;
                st.agg = Some(agg);
                st.analyst_status = s.analyst_status;
                st.indexed_only = false;
                i
            }
            None => {
                let idx = self.states.len();
                self.by_id.insert(s.id.clone(), idx);
                self.held_numbers.insert(number_of(&s.id));
                self.states.push(State {
                    number: number_of(&s.id),
                    id: s.id,
                    members,
                    agg: Some(agg),
                    last: None,
                    key: None,
                    analyst_status: s.analyst_status,
                    indexed_only: false,
                    own: None,
                });
                idx
            }
        };
        self.reindex(idx);
        if s.needs_write {
            self.dirty.insert(idx);
        }
    }

    /// Adds incidents not held yet, to decide where the next reports go: those in `full`
    /// with their reports (one held by its index entry alone takes them), those in
    /// `indexed` by their index entries. An incident held already is kept as held: this
    /// matcher's copy is newer than the store's.
    pub fn hold(&mut self, full: Vec<StoredIncident>, indexed: Vec<IndexedIncident>) {
        for s in full {
            if !self.holds_in_full(&s.id) {
                self.push_stored(s);
            }
        }
        for i in indexed {
            if !self.by_id.contains_key(&i.id) {
                self.push_indexed(i);
            }
        }
    }

    /// Compares no report with an incident known by its index entry alone (held so, or
    /// in the stored index) that could not be read in full: the store no longer lists it,
    /// so the entry was out of date.
    pub fn set_aside(&mut self, incident: &str) {
        self.held_numbers.insert(number_of(incident));
        if let Some(&i) = self.by_id.get(incident)
            && self.states[i].indexed_only
        {
            if let Some(key) = self.states[i].key.take() {
                self.tree.remove(&GeomWithData::new(key, i));
            }
            self.probes[i] = Probe::NONE;
        }
    }

    /// Whether the incident is held with its reports, so reports may join or leave it.
    pub fn holds_in_full(&self, incident: &str) -> bool {
        self.by_id
            .get(incident)
            .is_some_and(|&i| !self.states[i].indexed_only)
    }

    /// [`Matcher::resume`] from incidents held in full and incidents known by their index
    /// entries alone, kept in the order of their numbers as a full resume keeps them (ties
    /// between equally good candidates go to the lower number).
    pub fn resume_indexed(
        config: MatchConfig,
        zones: &'a ZoneSet,
        gazetteer: &'a Gazetteer,
        full: Vec<StoredIncident>,
        indexed: Vec<IndexedIncident>,
        next_number: u64,
    ) -> Self {
        let number = |id: &str| {
            id.strip_prefix("inc-")
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(u64::MAX)
        };
        let mut all: Vec<(u64, Result<StoredIncident, IndexedIncident>)> = full
            .into_iter()
            .map(|s| (number(&s.id), Ok(s)))
            .chain(indexed.into_iter().map(|i| (number(&i.id), Err(i))))
            .collect();
        all.sort_by_key(|(n, _)| *n);
        let mut m = Self::new(config, zones, gazetteer);
        m.next_number = next_number;
        for (_, one) in all {
            match one {
                Ok(s) => m.push_stored(s),
                Err(i) => m.push_indexed(i),
            }
        }
        m
    }

    /// Adds an incident known by its index entry alone.
    fn push_indexed(&mut self, i: IndexedIncident) {
        let idx = self.states.len();
        let radius_m = radius(i.location_precision);
        let window = Window {
            start: jiff::Timestamp::from_second(i.start_s).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            end: jiff::Timestamp::from_second(i.end_s).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            precision: 1,
        };
        let key = self.key(i.point, &window, radius_m);
        self.by_id.insert(i.id.clone(), idx);
        self.held_numbers.insert(number_of(&i.id));
        self.states.push(State {
            number: number_of(&i.id),
            id: i.id,
            members: Vec::new(),
            agg: None,
            last: None,
            key: Some(key),
            analyst_status: i.analyst_status,
            indexed_only: true,
            own: None,
        });
        if self.probes.len() <= idx {
            self.probes.resize(idx + 1, Probe::NONE);
        }
        self.probes[idx] = Probe {
            point: i.point,
            start_s: i.start_s,
            end_s: i.end_s,
            radius_m,
            family: i.event_type.family(),
            rejected: i.analyst_status == Some(IncidentStatus::Rejected),
        };
        self.tree.insert(GeomWithData::new(key, idx));
    }

    /// Takes a report out of an incident (it was superseded or retracted) and reassesses
    /// the incident. Returns false when the incident does not hold the report.
    pub fn withdraw(&mut self, incident: &str, report_id: &str) -> bool {
        let Some(&i) = self.by_id.get(incident) else {
            return false;
        };
        let sources = &self.sources;
        if !self.states[i]
            .members
            .iter()
            .any(|&k| sources.id(sources.member(k)) == report_id)
        {
            return false;
        }
        // The assessment as it stands is what an emptied incident keeps: take it while
        // the aggregate and the members still agree.
        if self.states[i].members.len() == 1 {
            self.states[i].last = Some(Box::new(self.materialize(i)));
        }
        let sources = &self.sources;
        self.states[i]
            .members
            .retain(|&k| sources.id(sources.member(k)) != report_id);
        self.states[i].agg = Agg::of(&self.states[i].members, &self.sources);
        self.reindex(i);
        self.dirty.insert(i);
        true
    }

    fn materialize(&self, i: usize) -> Incident {
        let st = &self.states[i];
        match &st.agg {
            Some(agg) => agg.materialize(
                &st.id,
                &st.members,
                &self.sources,
                (self.zones, self.gazetteer),
                st.analyst_status,
            ),
            None => {
                // Lost every report: the last assessment, without reports or claims.
                let mut emptied = st
                    .last
                    .as_deref()
                    .cloned()
                    .unwrap_or_else(|| unreachable_empty(&st.id));
                emptied.reports.clear();
                emptied.attribution.claims.clear();
                emptied
            }
        }
    }

    /// Incidents changed since the last call (joined, started, or lost a report); an
    /// incident that lost its last report comes back with no reports.
    pub fn take_changed(&mut self) -> Vec<Incident> {
        self.take_changed_up_to(usize::MAX)
    }

    /// At most `n` of the changed incidents, lowest numbers first; the rest stay changed.
    pub fn take_changed_up_to(&mut self, n: usize) -> Vec<Incident> {
        self.take(n, false)
    }

    /// At most `n` changed incidents, lowest numbers first; with `release`, each one's
    /// members are let go once it is taken, and the member store once none is left.
    fn take(&mut self, n: usize, release: bool) -> Vec<Incident> {
        let mut out = Vec::new();
        while out.len() < n {
            let Some(i) = self.dirty.pop_first() else {
                break;
            };
            out.push(self.materialize(i));
            if release {
                self.states[i].members = Vec::new();
                if self.dirty.is_empty() {
                    self.sources.members = Vec::new();
                }
            }
        }
        out
    }

    /// The changed incidents, for a matcher that has no more reports to take: each one's
    /// members are let go once it is handed out, and those of unchanged incidents at once,
    /// so that memory falls while the last incidents are written.
    pub fn into_changed(mut self) -> Changed<'a> {
        for (i, st) in self.states.iter_mut().enumerate() {
            if !self.dirty.contains(&i) {
                st.members = Vec::new();
            }
        }
        Changed(self)
    }

    /// The number the next new incident will get.
    pub fn next_number(&self) -> u64 {
        self.next_number
    }

    /// The index box of a place and window: the point widened by `radius_m` in both
    /// directions (longitude degrees shrink towards the poles), the window in time.
    #[allow(clippy::cast_precision_loss)]
    fn key(&self, point: (f64, f64), w: &Window, radius_m: f64) -> Rectangle<[f64; 3]> {
        space_time_key(
            point,
            w.start.as_second(),
            w.end.as_second(),
            radius_m,
            self.time_scale,
        )
    }

    /// Where a report happened: its point, or its place name when that names exactly one place.
    fn place(&mut self, r: &Report) -> Option<(f64, f64)> {
        if let Some(p) = r.location.point {
            return Some(p);
        }
        let name = r.location.place_name.as_deref()?;
        let found = self.gazetteer.find(name);
        match found.matches.as_slice() {
            [one] => Some((one.place.lon, one.place.lat)),
            [] => {
                let near = self.gazetteer.near_misses(name, 3);
                let hint = if near.is_empty() {
                    "the report stays unplaced: give its coordinates".to_owned()
                } else {
                    let names: Vec<String> = near
                        .iter()
                        .map(|(p, n)| format!("“{n}” ({})", p.display))
                        .collect();
                    format!(
                        "did you mean {}? The report stays unplaced until it is given a known name or coordinates",
                        names.join(" or ")
                    )
                };
                self.warnings.push(PlacementWarning {
                    report: r.id.clone(),
                    message: format!("no place in the gazetteer is called “{name}”; {hint}"),
                    candidates: near.iter().map(|(p, _)| p.id.clone()).collect(),
                });
                None
            }
            many => {
                self.warnings.push(PlacementWarning {
                    report: r.id.clone(),
                    message: format!("“{name}” names {} places; the report stays unplaced until an analyst chooses", many.len()),
                    candidates: many.iter().map(|m| m.place.id.clone()).collect(),
                });
                None
            }
        }
    }

    /// The incidents near a report at `p`: how many the index returns (not counting
    /// rejected ones), and the best of those of its family close enough in place and time
    /// as (score, state, distance, gap, limit).
    /// Also the incidents close enough that the report did not join because they hold
    /// another row of its data set.
    #[allow(clippy::type_complexity)]
    fn best_for(
        &self,
        report: &Report,
        p: (f64, f64),
        near_stored: Option<&StoredNear>,
    ) -> (usize, Option<(f64, Candidate, f64, i64, f64)>, Vec<usize>) {
        let ask = Ask::new(report, p);
        let row = self.data_set_row(report);
        let mut candidates = 0;
        let mut best: Option<(f64, Candidate, f64, i64, f64)> = None;
        let mut apart = Vec::new();
        let env = self.search_box(report, p);
        // The best so far, or this one: the lower score, then the lower number.
        let mut consider = |c: Candidate, (d, gap, limit): (f64, i64, f64), order: (u64, usize)| {
            #[allow(clippy::cast_precision_loss)]
            let score = d / limit + gap as f64 / self.config.slack_s.max(1) as f64;
            if best.is_none_or(|(s, b, ..)| score < s || (score == s && order < self.order_of(b))) {
                best = Some((score, c, d, gap, limit));
            }
        };
        // Every incident but those made only of the report's own data set's rows.
        let own = row.map(|(src, _)| src);
        let trees = std::iter::once(&self.tree).chain(
            self.own
                .iter()
                .filter(|(src, _)| Some(**src) != own)
                .map(|(_, t)| t),
        );
        for tree in trees {
            for item in tree.locate_in_envelope_intersecting(&env) {
                let probe = &self.probes[item.data];
                if !probe.rejected {
                    candidates += 1;
                }
                let Some(near) = self.close_to(&ask, probe) else {
                    continue;
                };
                if row.is_some_and(|row| self.holds_other_row(item.data, row)) {
                    apart.push(item.data);
                    continue;
                }
                consider(Candidate::Held(item.data), near, self.order(item.data));
            }
        }
        // The stored incidents this matcher does not hold: those near it less those held.
        if let Some(stored) = self.stored {
            let found;
            let near = match near_stored {
                Some(n) => n,
                None => {
                    found = self.stored_near(stored, report, p);
                    &found
                }
            };
            let held_in_box = self
                .held_numbers
                .iter()
                .filter_map(|n| stored.by_number.get(n))
                .filter(|&&k| {
                    let slot = &stored.slots[k as usize];
                    !slot.probe.rejected && env.intersects(&stored.key(slot).envelope())
                })
                .count();
            candidates += near.count.saturating_sub(held_in_box);
            for &(k, close) in &near.close {
                let number = stored.slots[k as usize].number;
                if !self.held_numbers.contains(&number) {
                    consider(Candidate::Stored(k), close, (number, usize::MAX));
                }
            }
        }
        // The reason names one incident the rule kept the report from: the first close
        // enough among those of its own data set, else among the others.
        if let Some(src) = own
            && let Some(tree) = self.own.get(&src)
            && let Some(first) = tree
                .locate_in_envelope_intersecting(&env)
                .map(|item| item.data)
                .find(|&i| self.close_to(&ask, &self.probes[i]).is_some())
        {
            apart.insert(0, first);
        } else if let Some(k) = (0..apart.len()).min_by_key(|&k| self.order(apart[k])) {
            apart.swap(0, k);
        }
        (candidates, best, apart)
    }

    /// The box in which every entry close enough to a report lies. Incidents are indexed
    /// widened by their own radius, so a box of the distance limit plus this report's
    /// radius finds every incident within `distance + max(radii)`, and the slack on both
    /// sides every window close enough.
    fn search_box(&self, report: &Report, p: (f64, f64)) -> AABB<[f64; 3]> {
        let q = self.key(
            p,
            &report.occurred,
            self.config.distance_m + report.location.radius_m(),
        );
        #[allow(clippy::cast_precision_loss)]
        let slack = self.config.slack_s as f64 * self.time_scale;
        let (lo, hi) = (q.lower(), q.upper());
        AABB::from_corners([lo[0], lo[1], lo[2] - slack], [hi[0], hi[1], hi[2] + slack])
    }

    /// An entry close enough to a report in family, place and time: (distance, gap,
    /// limit).
    fn close_to(&self, ask: &Ask, probe: &Probe) -> Option<(f64, i64, f64)> {
        if probe.rejected || probe.family != ask.family {
            return None;
        }
        let limit = self.config.distance_m + ask.radius_m.max(probe.radius_m);
        let gap = probe.gap_s(ask.start_s, ask.end_s);
        if gap > self.config.slack_s {
            return None;
        }
        let d = haversine_m(ask.point, probe.point);
        (d <= limit).then_some((d, gap, limit))
    }

    /// The stored entries near a report, held ones included.
    fn stored_near(&self, stored: &StoredIndex, report: &Report, p: (f64, f64)) -> StoredNear {
        let ask = Ask::new(report, p);
        let env = self.search_box(report, p);
        let mut count = 0;
        let mut close = Vec::new();
        for item in stored.tree.locate_in_envelope_intersecting(&env) {
            let probe = &stored.slots[item.data as usize].probe;
            if probe.rejected {
                continue;
            }
            count += 1;
            if let Some(near) = self.close_to(&ask, probe) {
                close.push((item.data, near));
            }
        }
        StoredNear {
            asked: ask.asked(),
            count,
            close,
        }
    }

    /// [`Matcher::best_for`], the stored entries near the report found once for all the
    /// times it is asked.
    #[allow(clippy::type_complexity)]
    fn best_once(
        &mut self,
        report: &Report,
        p: (f64, f64),
    ) -> (usize, Option<(f64, Candidate, f64, i64, f64)>, Vec<usize>) {
        let Some(stored) = self.stored else {
            return self.best_for(report, p, None);
        };
        let asked = Ask::new(report, p).asked();
        let near = match self.near_stored.remove(&report.id) {
            Some(n) if n.asked == asked => n,
            _ => self.stored_near(stored, report, p),
        };
        let best = self.best_for(report, p, Some(&near));
        self.near_stored.insert(report.id.clone(), near);
        best
    }

    /// Where a candidate stands among equally good ones ([`Matcher::order`]).
    fn order_of(&self, c: Candidate) -> (u64, usize) {
        match (c, self.stored) {
            (Candidate::Held(i), _) => self.order(i),
            (Candidate::Stored(k), Some(stored)) => (stored.slots[k as usize].number, usize::MAX),
            (Candidate::Stored(_), None) => (u64::MAX, usize::MAX),
        }
    }

    /// The id of a candidate.
    fn candidate_id(&self, c: Candidate) -> String {
        match (c, self.stored) {
            (Candidate::Held(i), _) => self.states[i].id.clone(),
            (Candidate::Stored(k), Some(stored)) => {
                format!("inc-{}", stored.slots[k as usize].number)
            }
            (Candidate::Stored(_), None) => String::new(),
        }
    }

    /// The state of a candidate, taking a stored one in by its index entry first (a
    /// caller that follows [`Matcher::would_join`] never leaves one to take in here).
    fn state_of(&mut self, c: Candidate) -> usize {
        match c {
            Candidate::Held(i) => i,
            Candidate::Stored(k) => {
                let entry = self.stored.and_then(|s| s.get(s.slots[k as usize].number));
                match entry {
                    Some(e) => {
                        self.push_indexed(e);
                        self.states.len() - 1
                    }
                    None => usize::MAX,
                }
            }
        }
    }

    /// The data set row a report is, when its source is a data set this matcher knows:
    /// the source's number and the row (the report's id without its version). A source
    /// it does not know yet has no row in any incident.
    fn data_set_row<'r>(&self, report: &'r Report) -> Option<(u32, &'r str)> {
        let &source = self.sources.by_id.get(&report.source)?;
        (self.sources.get(source).kind == SourceKind::DataSet).then(|| (source, row_of(&report.id)))
    }

    /// True when the incident holds a row of the data set other than `row`. An incident
    /// known by its index entry alone is not known to: the store reads it in full before
    /// the report is added, and the rule is applied then.
    fn holds_other_row(&self, i: usize, (source, row): (u32, &str)) -> bool {
        self.states[i].members.iter().any(|&k| {
            let m = self.sources.member(k);
            m.source == source && row_of(self.sources.id(m)) != row
        })
    }

    /// Where an incident stands among equally good candidates: the lower number first, as
    /// an import that made them in that order would have them, whatever order this matcher
    /// came to hold them in.
    fn order(&self, i: usize) -> (u64, usize) {
        (self.states[i].number, i)
    }

    /// The incident a report would join, without adding it: what a store must read in
    /// full (with its reports) before [`Matcher::add`] when the other incidents near it
    /// are known by their index entries alone ([`Matcher::resume_indexed`]).
    pub fn would_join(&mut self, report: &Report) -> Option<String> {
        let point = report
            .location
            .point
            .or_else(|| place_by_name(self.gazetteer, report))?;
        let (_, best, _) = self.best_once(report, point);
        best.map(|(_, c, ..)| self.candidate_id(c))
    }

    /// Adds a report and returns the decision taken.
    pub fn add(&mut self, report: &Report, source: &Source) -> Decision {
        let point = self.place(report);
        let source = self.sources.intern(source);
        let family = report.event_type.family();
        let (candidates, best, apart) = match point {
            Some(p) => self.best_once(report, p),
            None => (0, None, Vec::new()),
        };
        let best = best
            .map(|(s, c, d, gap, limit)| (s, self.state_of(c), d, gap, limit))
            .filter(|&(_, i, ..)| i < self.states.len());
        // Said in the reason whichever way the report goes.
        let apart = match apart.as_slice() {
            [] => String::new(),
            [first, ..] => format!(
                "; kept apart from {} and any other incident holding another row of data set {} (close enough, but its publisher counts its rows as distinct events)",
                self.states[*first].id, report.source
            ),
        };
        let blames = blames(self.actors, report);
        let m = member(report, source, &mut self.sources, point, blames.as_deref());
        let decision = match best {
            Some((_, i, d, gap, limit)) => {
                let id = self.states[i].id.clone();
                #[allow(clippy::cast_precision_loss)]
                let when = if gap == 0 {
                    "time windows overlap".to_owned()
                } else {
                    format!(
                        "{} h apart (limit {} h)",
                        OneDecimal(gap as f64 / 3600.0),
                        OneDecimal(self.config.slack_s as f64 / 3600.0)
                    )
                };
                let reason = format!(
                    "joined {id}: {} km from its place (limit {} km), {when}, same family ({}); {candidates} incident(s) nearby{apart}",
                    OneDecimal(d / 1000.0),
                    OneDecimal(limit / 1000.0),
                    family_name(family),
                );
                let k = self.sources.keep(m);
                let st = &mut self.states[i];
                let n = u32::try_from(st.members.len()).unwrap_or(u32::MAX);
                st.members.push(k);
                match &mut st.agg {
                    Some(agg) => agg.add(self.sources.member(k), n, &self.sources),
                    None => st.agg = Agg::of(&st.members, &self.sources),
                }
                self.reindex(i);
                self.dirty.insert(i);
                Decision {
                    report: report.id.clone(),
                    incident: id,
                    new: false,
                    candidates,
                    distance_m: Some(d),
                    gap_s: Some(gap),
                    reason,
                }
            }
            None => {
                let id = format!("inc-{}", self.next_number);
                self.next_number += 1;
                #[allow(clippy::cast_precision_loss)]
                let reason = match point {
                    None => "new incident: the report has no usable place, so it cannot be matched"
                        .to_owned(),
                    Some(_) if !apart.is_empty() => {
                        format!("new incident: {candidates} other incident(s) nearby{apart}")
                    }
                    Some(_) if candidates == 0 => format!(
                        "new incident: no incident within {:.0} km and {:.0} h",
                        (self.config.distance_m + report.location.radius_m()) / 1000.0,
                        self.config.slack_s as f64 / 3600.0
                    ),
                    Some(_) => format!(
                        "new incident: {candidates} incident(s) nearby, none of family {} close enough in place and time",
                        family_name(family)
                    ),
                };
                let idx = self.states.len();
                let members = vec![self.sources.keep(m)];
                let agg = Agg::of(&members, &self.sources);
                self.by_id.insert(id.clone(), idx);
                self.held_numbers.insert(number_of(&id));
                self.states.push(State {
                    number: number_of(&id),
                    id: id.clone(),
                    members,
                    agg,
                    last: None,
                    key: None,
                    analyst_status: None,
                    indexed_only: false,
                    own: None,
                });
                self.reindex(idx);
                self.dirty.insert(idx);
                Decision {
                    report: report.id.clone(),
                    incident: id,
                    new: true,
                    candidates,
                    distance_m: None,
                    gap_s: None,
                    reason,
                }
            }
        };
        if self.keep_decisions {
            self.decisions.push(decision.clone());
        }
        decision
    }

    /// Moves an incident's entry in the index to its current place and window.
    fn reindex(&mut self, i: usize) {
        let st = &self.states[i];
        let (probe, key) = match st.agg.as_ref().and_then(|agg| Some((agg, agg.point()?))) {
            Some((agg, point)) => {
                let window = agg.window();
                let radius_m = radius(agg.location_precision(&st.members, &self.sources));
                let probe = Probe {
                    point,
                    start_s: window.start.as_second(),
                    end_s: window.end.as_second(),
                    radius_m,
                    family: agg.kind.family(),
                    rejected: st.analyst_status == Some(IncidentStatus::Rejected),
                };
                (probe, Some(self.key(point, &window, radius_m)))
            }
            None => (Probe::NONE, None),
        };
        if self.probes.len() <= i {
            self.probes.resize(i + 1, Probe::NONE);
        }
        self.probes[i] = probe;
        let own = self.single_data_set(i);
        if self.states[i].key == key && self.states[i].own == own {
            return;
        }
        if let Some(old) = self.states[i].key.take() {
            let entry = GeomWithData::new(old, i);
            match self.states[i].own {
                Some(src) => {
                    self.own.get_mut(&src).map(|t| t.remove(&entry));
                }
                None => {
                    self.tree.remove(&entry);
                }
            }
        }
        self.states[i].own = own;
        if let Some(k) = key {
            let entry = GeomWithData::new(k, i);
            match own {
                Some(src) => self.own.entry(src).or_default().insert(entry),
                None => self.tree.insert(entry),
            }
            self.states[i].key = Some(k);
        }
    }

    /// The data set whose rows are all of an incident's reports, if any (an incident
    /// known by its index entry alone is not known to be one).
    fn single_data_set(&self, i: usize) -> Option<u32> {
        let st = &self.states[i];
        if st.indexed_only {
            return None;
        }
        let first = self.sources.member(*st.members.first()?).source;
        (self.sources.get(first).kind == SourceKind::DataSet
            && st
                .members
                .iter()
                .all(|&k| self.sources.member(k).source == first))
        .then_some(first)
    }

    /// The incidents built so far, in creation order.
    pub fn incidents(&self) -> Vec<Incident> {
        (0..self.states.len())
            .map(|i| self.materialize(i))
            .collect()
    }

    /// How many incidents there are.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// True before the first report.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Status of an incident as matching sees it (an analyst's status first).
    pub fn status_of(&self, incident: &str) -> Option<IncidentStatus> {
        self.by_id
            .get(incident)
            .and_then(|&i| self.states[i].status())
    }

    /// Every decision taken, in order (empty after [`Matcher::forget_decisions`]).
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// Reports that could not be placed.
    pub fn warnings(&self) -> &[PlacementWarning] {
        &self.warnings
    }
}

fn unreachable_empty(id: &str) -> Incident {
    // An incident is created with a report, and `last` is set before the last one leaves;
    // this is only reached if that invariant breaks, and then says so in the data.
    Incident {
        id: id.to_owned(),
        reports: Vec::new(),
        window: Window {
            start: jiff::Timestamp::UNIX_EPOCH,
            end: jiff::Timestamp::UNIX_EPOCH,
            precision: 5,
        },
        point: None,
        place_name: None,
        place_label: None,
        location_precision: 7,
        event_type: EventType::Other,
        attribution: Attribution {
            claims: Vec::new(),
            assessed: None,
            disputed: false,
        },
        status: IncidentStatus::Unverified,
        zones: Vec::new(),
        possibly_in: Vec::new(),
        killed: truce_model::report::Estimate::default(),
    }
}

/// Assesses an incident from reports an analyst put together (a merge or a split), by the
/// same rules as matching; reports with only a place name are placed through the gazetteer
/// when the name is unambiguous. An analyst's status, when given, stands.
pub fn assess_reports(
    id: &str,
    members: &[(Report, Source)],
    bundle: &truce_model::AgreementBundle,
    analyst_status: Option<IncidentStatus>,
) -> Option<Incident> {
    let (zones, gazetteer) = (&bundle.zones, &bundle.gazetteer);
    let mut sources = Sources::default();
    let members: Vec<u32> = members
        .iter()
        .map(|(report, source)| {
            let source = sources.intern(source);
            let point = report
                .location
                .point
                .or_else(|| place_by_name(gazetteer, report));
            let blames = blames(Some(&bundle.agreement), report);
            let kept = member(report, source, &mut sources, point, blames.as_deref());
            sources.keep(kept)
        })
        .collect();
    let agg = Agg::of(&members, &sources)?;
    Some(agg.materialize(id, &members, &sources, (zones, gazetteer), analyst_status))
}

/// Ceasefire violations in one zone on one local day, by status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// Zone id.
    pub zone: String,
    /// Local date (the agreement's time zone) on which the incident's window starts.
    pub date: jiff::civil::Date,
    /// All violations counted.
    pub total: u32,
    /// Seen by the centre's monitors.
    pub confirmed: u32,
    /// Independently corroborated.
    pub corroborated: u32,
    /// Reported only by parties blaming each other.
    pub disputed: u32,
    /// Single or dependent sources.
    pub unverified: u32,
}

/// Local days (days since 1970-01-01) of instants in one time zone. The offset is
/// looked up once per stretch without a transition: from an instant up to the zone's next
/// transition every instant shares its offset, and most zones change offset a few times
/// a decade at most, so a million incidents cost a handful of lookups.
#[derive(Debug)]
pub struct LocalDays<'a> {
    tz: &'a jiff::tz::TimeZone,
    /// The offset holds for `lo <= second < hi`.
    lo: i64,
    hi: i64,
    offset: i64,
}

impl<'a> LocalDays<'a> {
    /// Days in `tz`.
    pub fn new(tz: &'a jiff::tz::TimeZone) -> Self {
        Self {
            tz,
            lo: 0,
            hi: 0,
            offset: 0,
        }
    }

    /// The local day of an instant, as days since 1970-01-01.
    pub fn day(&mut self, t: jiff::Timestamp) -> i64 {
        let s = t.as_second();
        if !(self.lo <= s && s < self.hi) {
            self.offset = i64::from(self.tz.to_offset(t).seconds());
            self.lo = s;
            self.hi = self
                .tz
                .following(t)
                .next()
                .map_or(i64::MAX, |x| x.timestamp().as_second());
        }
        (s + self.offset).div_euclid(86_400)
    }
}

/// Counts violation incidents (codebook types that count as violations; rejected ones
/// never) per zone and local day, sorted by zone then date. An incident in several zones
/// counts in each.
pub fn violations_per_zone_day(incidents: &[Incident], tz: &jiff::tz::TimeZone) -> Vec<DayCount> {
    let slot_of = |i: &Incident| {
        let slot = match i.status {
            IncidentStatus::Confirmed => 0,
            IncidentStatus::Corroborated => 1,
            IncidentStatus::Disputed => 2,
            IncidentStatus::Unverified => 3,
            IncidentStatus::Rejected => return None,
        };
        (i.event_type.is_violation() && !i.reports.is_empty() && !i.zones.is_empty())
            .then_some(slot)
    };
    // Two sequential passes rather than one pass and a side table: the first finds the
    // range of local days, the second counts into a dense zone × day table.
    let mut days = LocalDays::new(tz);
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for i in incidents {
        if slot_of(i).is_some() {
            let d = days.day(i.window.start);
            first = first.min(d);
            last = last.max(d);
        }
    }
    if first > last {
        return Vec::new();
    }
    // Zones are few, so a linear lookup beats hashing.
    let span = usize::try_from(last - first + 1).unwrap_or(0);
    let mut zone_names: Vec<&str> = Vec::new();
    let mut table: Vec<[u32; 4]> = Vec::new();
    for i in incidents {
        let Some(slot) = slot_of(i) else { continue };
        let d = usize::try_from(days.day(i.window.start) - first).unwrap_or(0);
        for z in &i.zones {
            let zi = match zone_names.iter().position(|n| *n == z.as_str()) {
                Some(zi) => zi,
                None => {
                    zone_names.push(z.as_str());
                    table.resize(zone_names.len() * span, [0; 4]);
                    zone_names.len() - 1
                }
            };
            table[zi * span + d][slot] += 1;
        }
    }
    let epoch = jiff::civil::date(1970, 1, 1);
    let mut order: Vec<usize> = (0..zone_names.len()).collect();
    order.sort_by_key(|&zi| zone_names[zi]);
    let mut out = Vec::new();
    for zi in order {
        for d in 0..span {
            let c = table[zi * span + d];
            let total: u32 = c.iter().sum();
            if total == 0 {
                continue;
            }
            let day = first + i64::try_from(d).unwrap_or(0);
            out.push(DayCount {
                zone: zone_names[zi].to_owned(),
                date: epoch
                    .checked_add(jiff::Span::new().days(day))
                    .unwrap_or(epoch),
                total,
                confirmed: c[0],
                corroborated: c[1],
                disputed: c[2],
                unverified: c[3],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::OneDecimal;

    #[test]
    fn one_decimal_reads_like_the_standard_format_away_from_halves() {
        for (x, want) in [
            (1.44, "1.4"),
            (12.0, "12.0"),
            (0.96, "1.0"),
            (0.05, "0.1"),
            (-1.26, "-1.3"),
            (-0.04, "-0.0"),
            (3599.94, "3599.9"),
            (1e20, "100000000000000000000.0"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(OneDecimal(x).to_string(), want, "{x}");
        }
        // Away from halves it is exactly `{:.1}`.
        for i in 0..2000 {
            let x = f64::from(i) * 0.0137 - 9.0;
            assert_eq!(OneDecimal(x).to_string(), format!("{x:.1}"), "{x}");
        }
    }
}
