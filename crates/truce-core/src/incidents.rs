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

use crate::places::Gazetteer;
use crate::report::{EventFamily, EventType, Report, Source, Window};
use crate::zones::ZoneSet;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

crate::words::words! {
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
    /// Place name of the report that gave the point.
    pub place_name: Option<String>,
    /// Location precision of that report.
    pub location_precision: u8,
    /// Assessed type.
    pub event_type: EventType,
    /// Attribution.
    pub attribution: Attribution,
    /// Status.
    pub status: IncidentStatus,
    /// Zones the point lies in.
    pub zones: Vec<String>,
    /// Dead, best estimate of the most reliable report; low and high over all reports.
    pub killed: crate::report::Estimate,
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
    /// Candidate place ids when the name was ambiguous.
    pub candidates: Vec<String>,
}

#[derive(Debug, Clone)]
struct Member {
    report: Report,
    source: Source,
    point: Option<(f64, f64)>,
}

#[derive(Debug, Clone)]
struct State {
    id: String,
    members: Vec<Member>,
    incident: Incident,
    key: Option<Rectangle<[f64; 3]>>,
    analyst_status: Option<IncidentStatus>,
}

/// Metres per degree of latitude, and of longitude at the equator.
const M_LAT: f64 = 110_574.0;
const M_LON: f64 = 111_320.0;

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

/// Builds incidents from reports, one report at a time.
#[derive(Debug)]
pub struct Matcher<'a> {
    config: MatchConfig,
    zones: &'a ZoneSet,
    gazetteer: &'a Gazetteer,
    states: Vec<State>,
    /// Incident places and windows: x = longitude and y = latitude in metres at the
    /// equator scale, z = time in seconds scaled so that `slack_s` spans `distance_m`.
    tree: RTree<GeomWithData<Rectangle<[f64; 3]>, usize>>,
    decisions: Vec<Decision>,
    warnings: Vec<PlacementWarning>,
    time_scale: f64,
    /// Incidents changed since the last [`Matcher::take_changed`].
    dirty: BTreeSet<usize>,
    /// Number given to the next new incident.
    next_number: u64,
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

impl<'a> Matcher<'a> {
    /// An empty matcher over the agreement's zones and gazetteer.
    pub fn new(config: MatchConfig, zones: &'a ZoneSet, gazetteer: &'a Gazetteer) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let time_scale = config.distance_m / config.slack_s.max(1) as f64;
        Self {
            config,
            zones,
            gazetteer,
            states: Vec::new(),
            tree: RTree::new(),
            decisions: Vec::new(),
            warnings: Vec::new(),
            time_scale,
            dirty: BTreeSet::new(),
            next_number: 1,
        }
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
        m.next_number = next_number;
        for s in stored {
            let members: Vec<Member> = s
                .members
                .into_iter()
                .map(|(report, source)| {
                    let point = report.location.point.or_else(|| m.place_quietly(&report));
                    Member {
                        report,
                        source,
                        point,
                    }
                })
                .collect();
            if members.is_empty() {
                continue;
            }
            let mut incident = assess(&s.id, &members, zones);
            if let Some(st) = s.analyst_status {
                incident.status = st;
            }
            let idx = m.states.len();
            m.states.push(State {
                id: s.id,
                members,
                incident,
                key: None,
                analyst_status: s.analyst_status,
            });
            m.reindex(idx);
            if s.needs_write {
                m.dirty.insert(idx);
            }
        }
        m
    }

    fn place_quietly(&self, r: &Report) -> Option<(f64, f64)> {
        place_by_name(self.gazetteer, r)
    }

    /// Takes a report out of its incident (it was superseded or retracted) and reassesses
    /// the incident. Returns the incident's id, or `None` if no incident held the report.
    pub fn withdraw(&mut self, report_id: &str) -> Option<String> {
        let i = self
            .states
            .iter()
            .position(|s| s.members.iter().any(|m| m.report.id == report_id))?;
        self.states[i].members.retain(|m| m.report.id != report_id);
        self.refresh(i);
        Some(self.states[i].id.clone())
    }

    /// Incidents changed since the last call (joined, started, or lost a report); an
    /// incident that lost its last report comes back with no reports.
    pub fn take_changed(&mut self) -> Vec<Incident> {
        let dirty = std::mem::take(&mut self.dirty);
        dirty
            .into_iter()
            .map(|i| self.states[i].incident.clone())
            .collect()
    }

    /// The number the next new incident will get.
    pub fn next_number(&self) -> u64 {
        self.next_number
    }

    /// The index box of a place and window: the point widened by `radius_m` in both
    /// directions (longitude degrees shrink towards the poles), the window in time.
    #[allow(clippy::cast_precision_loss)]
    fn key(&self, point: (f64, f64), w: &Window, radius_m: f64) -> Rectangle<[f64; 3]> {
        let (x, y) = (point.0 * M_LON, point.1 * M_LAT);
        let rx = radius_m / point.1.to_radians().cos().max(0.05);
        Rectangle::from_corners(
            [
                x - rx,
                y - radius_m,
                w.start.as_second() as f64 * self.time_scale,
            ],
            [
                x + rx,
                y + radius_m,
                w.end.as_second() as f64 * self.time_scale,
            ],
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
                self.warnings.push(PlacementWarning {
                    report: r.id.clone(),
                    message: format!("no place in the gazetteer is called “{name}”"),
                    candidates: Vec::new(),
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

    /// Adds a report and returns the decision taken.
    pub fn add(&mut self, report: Report, source: Source) -> Decision {
        let point = self.place(&report);
        let family = report.event_type.family();
        let mut candidates = 0;
        let mut best: Option<(f64, usize, f64, i64, f64)> = None; // (score, state, distance, gap, limit)
        if let Some(p) = point {
            // Incidents are indexed widened by their own radius, so a box of the distance
            // limit plus this report's radius finds every incident within
            // `distance + max(radii)`, and the slack on both sides every window close enough.
            let q = self.key(
                p,
                &report.occurred,
                self.config.distance_m + report.location.radius_m(),
            );
            #[allow(clippy::cast_precision_loss)]
            let slack = self.config.slack_s as f64 * self.time_scale;
            let (lo, hi) = (q.lower(), q.upper());
            let env =
                AABB::from_corners([lo[0], lo[1], lo[2] - slack], [hi[0], hi[1], hi[2] + slack]);
            for item in self.tree.locate_in_envelope_intersecting(&env) {
                let st = &self.states[item.data];
                if st.incident.status == IncidentStatus::Rejected {
                    continue;
                }
                candidates += 1;
                if st.incident.event_type.family() != family {
                    continue;
                }
                let Some(ip) = st.incident.point else {
                    continue;
                };
                let limit = self.config.distance_m
                    + radius(report.location.precision).max(radius(st.incident.location_precision));
                let d = haversine_m(p, ip);
                let gap = report.occurred.gap_s(&st.incident.window);
                if d > limit || gap > self.config.slack_s {
                    continue;
                }
                #[allow(clippy::cast_precision_loss)]
                let score = d / limit + gap as f64 / self.config.slack_s.max(1) as f64;
                if best.is_none_or(|(s, i, ..)| score < s || (score == s && item.data < i)) {
                    best = Some((score, item.data, d, gap, limit));
                }
            }
        }
        let decision = match best {
            Some((_, i, d, gap, limit)) => {
                let id = self.states[i].id.clone();
                let reason = format!(
                    "joined {id}: {:.1} km from its place (limit {:.1} km), {}, same family ({}); {candidates} incident(s) nearby",
                    d / 1000.0,
                    limit / 1000.0,
                    if gap == 0 {
                        "time windows overlap".to_owned()
                    } else {
                        format!(
                            "{:.1} h apart (limit {:.1} h)",
                            gap as f64 / 3600.0,
                            self.config.slack_s as f64 / 3600.0
                        )
                    },
                    family_name(family),
                );
                self.join(
                    i,
                    Member {
                        report: report.clone(),
                        source,
                        point,
                    },
                );
                Decision {
                    report: report.id,
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
                let reason = match point {
                    None => "new incident: the report has no usable place, so it cannot be matched"
                        .to_owned(),
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
                let member = Member {
                    report: report.clone(),
                    source,
                    point,
                };
                let incident = assess(&id, std::slice::from_ref(&member), self.zones);
                self.states.push(State {
                    id: id.clone(),
                    members: vec![member],
                    incident,
                    key: None,
                    analyst_status: None,
                });
                self.reindex(idx);
                self.dirty.insert(idx);
                Decision {
                    report: report.id,
                    incident: id,
                    new: true,
                    candidates,
                    distance_m: None,
                    gap_s: None,
                    reason,
                }
            }
        };
        self.decisions.push(decision.clone());
        decision
    }

    fn join(&mut self, i: usize, m: Member) {
        self.states[i].members.push(m);
        self.refresh(i);
    }

    /// Reassesses incident `i` from its members and re-indexes it.
    fn refresh(&mut self, i: usize) {
        let st = &self.states[i];
        let mut incident = if st.members.is_empty() {
            let mut emptied = st.incident.clone();
            emptied.reports.clear();
            emptied.attribution.claims.clear();
            emptied
        } else {
            assess(&st.id, &st.members, self.zones)
        };
        if let Some(a) = st.analyst_status {
            incident.status = a;
        }
        let emptied = st.members.is_empty();
        self.states[i].incident = incident;
        if emptied {
            if let Some(old) = self.states[i].key.take() {
                self.tree.remove(&GeomWithData::new(old, i));
            }
        } else {
            self.reindex(i);
        }
        self.dirty.insert(i);
    }

    fn reindex(&mut self, i: usize) {
        if let Some(old) = self.states[i].key.take() {
            self.tree.remove(&GeomWithData::new(old, i));
        }
        let inc = &self.states[i].incident;
        if let Some(p) = inc.point {
            let key = self.key(p, &inc.window, radius(inc.location_precision));
            self.tree.insert(GeomWithData::new(key, i));
            self.states[i].key = Some(key);
        }
    }

    /// The incidents built so far, in creation order.
    pub fn incidents(&self) -> Vec<&Incident> {
        self.states.iter().map(|s| &s.incident).collect()
    }

    /// Every decision taken, in order.
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// Reports that could not be placed.
    pub fn warnings(&self) -> &[PlacementWarning] {
        &self.warnings
    }
}

fn radius(precision: u8) -> f64 {
    crate::report::Location {
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

/// Assesses an incident from reports an analyst put together (a merge or a split), by the
/// same rules as matching; reports with only a place name are placed through the gazetteer
/// when the name is unambiguous. An analyst's status, when given, stands.
pub fn assess_reports(
    id: &str,
    members: &[(Report, Source)],
    zones: &ZoneSet,
    gazetteer: &Gazetteer,
    analyst_status: Option<IncidentStatus>,
) -> Option<Incident> {
    let members: Vec<Member> = members
        .iter()
        .map(|(report, source)| {
            let point = report
                .location
                .point
                .or_else(|| place_by_name(gazetteer, report));
            Member {
                report: report.clone(),
                source: source.clone(),
                point,
            }
        })
        .collect();
    if members.is_empty() {
        return None;
    }
    let mut incident = assess(id, &members, zones);
    if let Some(s) = analyst_status {
        incident.status = s;
    }
    Some(incident)
}

/// Orders members by how much their account should weigh: the centre's monitors first,
/// then source reliability, then information credibility, then arrival.
fn weight(m: &Member) -> (bool, crate::report::Reliability, u8) {
    (
        !m.source.kind.is_centre_monitor(),
        m.source.reliability,
        m.report.credibility,
    )
}

/// Assesses an incident from its members; a pure function of them (and the zones).
fn assess(id: &str, members: &[Member], zones: &ZoneSet) -> Incident {
    let mut by_weight: Vec<&Member> = members.iter().collect();
    by_weight.sort_by_key(|m| weight(m));
    let lead = by_weight[0];

    // Time: the windows' intersection, else the most precise window.
    let start = members
        .iter()
        .map(|m| m.report.occurred.start)
        .max()
        .unwrap_or(lead.report.occurred.start);
    let end = members
        .iter()
        .map(|m| m.report.occurred.end)
        .min()
        .unwrap_or(lead.report.occurred.end);
    let window = if start < end {
        Window {
            start,
            end,
            precision: members
                .iter()
                .map(|m| m.report.occurred.precision)
                .min()
                .unwrap_or(5),
        }
    } else {
        members
            .iter()
            .min_by_key(|m| (m.report.occurred.precision, weight(m)))
            .map_or(lead.report.occurred, |m| m.report.occurred)
    };

    // Place: the most precise located report, weight breaking ties.
    let placed = members
        .iter()
        .filter(|m| m.point.is_some())
        .min_by_key(|m| (m.report.location.precision, weight(m)));
    let (point, place_name, location_precision) =
        placed.map_or((None, None, lead.report.location.precision), |m| {
            (
                m.point,
                m.report.location.place_name.clone(),
                m.report.location.precision,
            )
        });

    // Type: the monitors' if they reported, else the most frequent, weight breaking ties.
    let event_type = if lead.source.kind.is_centre_monitor() {
        lead.report.event_type
    } else {
        let mut counts: BTreeMap<EventType, usize> = BTreeMap::new();
        for m in members {
            *counts.entry(m.report.event_type).or_default() += 1;
        }
        let top = counts.values().copied().max().unwrap_or(0);
        by_weight
            .iter()
            .map(|m| m.report.event_type)
            .find(|t| counts.get(t) == Some(&top))
            .unwrap_or(lead.report.event_type)
    };

    // Attribution.
    let claims: Vec<Claim> = members
        .iter()
        .map(|m| Claim {
            report: m.report.id.clone(),
            source: m.source.id.clone(),
            perpetrator: m.report.perpetrator.clone(),
        })
        .collect();
    let monitor_blames: BTreeSet<&str> = members
        .iter()
        .filter(|m| m.source.kind.is_centre_monitor())
        .filter_map(|m| m.report.perpetrator.as_deref())
        .collect();
    let all_blames: BTreeSet<&str> = members
        .iter()
        .filter_map(|m| m.report.perpetrator.as_deref())
        .collect();
    let (assessed, disputed) = match (monitor_blames.len(), all_blames.len()) {
        (1, _) => (monitor_blames.iter().next().map(|s| (*s).to_owned()), false),
        (0, 0) => (None, false),
        (0, 1) => (all_blames.iter().next().map(|s| (*s).to_owned()), false),
        _ => (None, true),
    };

    // Status.
    let groups: BTreeSet<String> = members
        .iter()
        .map(|m| m.source.independence_group())
        .collect();
    let non_party = members
        .iter()
        .any(|m| m.source.kind != crate::report::SourceKind::PartyMinistry);
    let status = if members.iter().any(|m| m.source.kind.is_centre_monitor()) {
        IncidentStatus::Confirmed
    } else if groups.len() >= 2 && non_party {
        IncidentStatus::Corroborated
    } else if !non_party && disputed {
        IncidentStatus::Disputed
    } else if groups.len() >= 2 {
        IncidentStatus::Corroborated
    } else {
        IncidentStatus::Unverified
    };

    let bests: Vec<u32> = members
        .iter()
        .map(|m| m.report.casualties.killed_best())
        .collect();
    let killed = crate::report::Estimate {
        low: bests.iter().copied().min().unwrap_or(0),
        best: lead.report.casualties.killed_best(),
        high: bests.iter().copied().max().unwrap_or(0),
    };
    let zones = point
        .map(|(x, y)| {
            zones
                .containing(x, y)
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Incident {
        id: id.to_owned(),
        reports: members.iter().map(|m| m.report.id.clone()).collect(),
        window,
        point,
        place_name,
        location_precision,
        event_type,
        attribution: Attribution {
            claims,
            assessed,
            disputed,
        },
        status,
        zones,
        killed,
    }
}
