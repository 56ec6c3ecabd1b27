//! Bulletins: the centre's report for a period, built from the same inputs as the
//! scorecard, every number with the incidents and records behind it, and its signature.
//!
//! The content is a typed document ([`Bulletin`]); its canonical JSON (object members
//! sorted at every level, no insignificant whitespace) is what is signed with ed25519.
//! Renderings (Markdown, HTML) are pure functions of the content, so a verifier re-renders
//! from the signed JSON and compares byte for byte: a changed byte anywhere shows.

use crate::words::Words;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use truce_engine::compliance::{self, Inputs, Options, ViolationIndex};
use truce_engine::incidents::{Incident, IncidentStatus};
use truce_engine::registry;
use truce_model::bundle::AgreementBundle;
use truce_model::records::Evidence;
use truce_model::registry::Facts;
use truce_model::report::Source;

/// How many notable incidents a bulletin lists.
const NOTABLE: usize = 12;
/// How far ahead deadlines are listed, in days.
const AHEAD_DAYS: i64 = 90;

/// The period a bulletin covers: local days, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// IANA zone the days are local to.
    pub time_zone: String,
    /// First day of the period compared against (as long, just before).
    pub previous_from: Date,
    /// Its last day.
    pub previous_to: Date,
}

/// Violations of one type in one zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneCount {
    /// Zone id (`outside` when in no zone).
    pub zone: String,
    /// Zone name.
    pub zone_name: String,
    /// Event type.
    pub event_type: String,
    /// In the period.
    pub count: u32,
    /// In the previous period.
    pub previous: u32,
    /// The incidents counted in the period.
    pub incidents: Vec<String>,
}

/// Violations on one day, by status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// Local day.
    pub date: Date,
    /// Confirmed.
    pub confirmed: u32,
    /// Corroborated.
    pub corroborated: u32,
    /// Unverified or disputed.
    pub other: u32,
}

/// Ceasefire violations of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violations {
    /// Incidents of a violation type, not rejected, in the period.
    pub total: u32,
    /// The same in the previous period.
    pub previous_total: u32,
    /// By zone and type (an incident in nested zones counts in each).
    pub by_zone: Vec<ZoneCount>,
    /// Per day.
    pub per_day: Vec<DayCount>,
    /// Violations of the period whose location's uncertainty reaches across a zone's
    /// edge, per zone and type: possibly in it, counted apart and in no total.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub possibly_in: Vec<ZoneCount>,
}

/// A claim about who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimLine {
    /// Source.
    pub source: String,
    /// Whom it blames.
    pub blames: Option<String>,
}

/// An incident worth a line of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notable {
    /// Incident id.
    pub id: String,
    /// Local day it began.
    pub date: Date,
    /// Place, with both names where the gazetteer has them.
    pub place: String,
    /// Point (longitude, latitude).
    pub point: Option<(f64, f64)>,
    /// Zones.
    pub zones: Vec<String>,
    /// Type.
    pub event_type: String,
    /// Status.
    pub status: String,
    /// Claims, as made.
    pub claims: Vec<ClaimLine>,
    /// The centre's assessment.
    pub assessed: Option<String>,
    /// True when the parties blame each other.
    pub disputed: bool,
    /// Dead, best estimate.
    pub killed: u32,
}

/// A change of an obligation's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// First day of the new status.
    pub date: Date,
    /// Obligation.
    pub obligation: String,
    /// Its title.
    pub title: String,
    /// State before (`not in force` when it was not).
    pub from: String,
    /// State from then.
    pub to: String,
    /// Why, in a line.
    pub reason: String,
    /// Records and incidents behind it.
    pub evidence: Vec<String>,
}

/// Traffic through a checkpoint on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Traffic {
    /// Local day.
    pub date: Date,
    /// Checkpoint.
    pub checkpoint: String,
    /// Persons.
    pub persons: u32,
    /// Vehicles.
    pub vehicles: u32,
    /// Cargo, tonnes.
    pub cargo_t: f64,
    /// Crossing records counted.
    pub evidence: Vec<String>,
}

/// A deadline or notice date ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upcoming {
    /// The day.
    pub date: Date,
    /// Obligation.
    pub obligation: String,
    /// Its title.
    pub title: String,
    /// What falls due.
    pub what: String,
}

/// Registry aggregates (never personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detainees {
    /// Persons by side, category and status on the last day.
    pub counts: Vec<CountLine>,
    /// Claimed against registered against returned, per holder, on the last day.
    pub reconciliation: Vec<ReconLine>,
    /// Running totals the sources state, beside the records' own figures, on the last
    /// day (bulletins from before these were kept have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stated: Vec<StatedLine>,
}

/// A total a source states, beside the sum of the records of the same days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatedLine {
    /// Who states it, and as of when ("az, 2021-11-12").
    pub stated_by: String,
    /// What it counts ("detainees returned to am since 2020-12-22").
    pub what: String,
    /// The figure ("≥200" for a lower bound).
    pub stated: String,
    /// The records' own figure, when Truce keeps one.
    pub own: Option<u32>,
    /// Stated less own.
    pub difference: Option<i64>,
    /// The tally record.
    pub evidence: String,
}

/// A registry count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountLine {
    /// Side.
    pub side: String,
    /// The side's name in the bulletin's language (absent in bulletins before it was
    /// given; they show the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side_name: Option<String>,
    /// Category.
    pub category: String,
    /// Status (`none` before any status).
    pub status: String,
    /// Persons.
    pub count: u32,
}

/// A reconciliation line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconLine {
    /// Holding side.
    pub holder: String,
    /// The holding side's name in the bulletin's language (absent in bulletins before it
    /// was given; they show the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_name: Option<String>,
    /// `claimant: figure` per claimant.
    pub claimed: Vec<String>,
    /// Registered held.
    pub registered_held: u32,
    /// Returned.
    pub returned: u32,
    /// Returned in exchanges (the records' counts).
    pub returned_in_exchanges: u32,
    /// Claim records behind the figures.
    pub evidence: Vec<String>,
}

/// A source the bulletin rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLine {
    /// Id, or the URL of a record's public source.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Reliability (A–F), when graded.
    pub reliability: Option<String>,
}

/// A zone outline for the map, simplified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outline {
    /// Zone id.
    pub zone: String,
    /// The zone's name (absent from bulletins made before maps were labelled).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Rings of (longitude, latitude), rounded to 0.001°.
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// A bulletin's content: what is signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bulletin {
    /// `AGREEMENT/FROM..TO`.
    pub id: String,
    /// Agreement id.
    pub agreement: String,
    /// Agreement title.
    pub title: String,
    /// The period.
    pub period: Period,
    /// When it was built, RFC 3339.
    pub generated_at: String,
    /// The summary, sentence by sentence.
    pub summary: Vec<String>,
    /// Ceasefire violations.
    pub violations: Violations,
    /// Notable incidents.
    pub notable: Vec<Notable>,
    /// Status changes of every obligation in the period.
    pub changes: Vec<Change>,
    /// Corridor traffic per day and checkpoint.
    pub corridor: Vec<Traffic>,
    /// Registry aggregates.
    pub detainees: Detainees,
    /// Deadlines and notice dates in the next 90 days.
    pub upcoming: Vec<Upcoming>,
    /// Sources.
    pub sources: Vec<SourceLine>,
    /// How the figures are made.
    pub methodology: Vec<String>,
    /// Zone outlines for the map.
    pub outlines: Vec<Outline>,
    /// How its chart and map are drawn: 1 for bulletins made before maps were framed,
    /// labelled and given a legend (the field is absent from them); 2 since; 3 since the
    /// map's legend names an agreement's own kinds of zone (its corridor, its line of
    /// contact) by the zone's name. A rendering is a pure function of the content, so a
    /// bulletin published under any layout re-renders to the same bytes.
    #[serde(default = "first_layout", skip_serializing_if = "is_first_layout")]
    pub layout: u32,
    /// The main places inside the map's frame, labelled on it (absent from bulletins
    /// made before maps were labelled).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<MapPlace>,
    /// The language it is written in (`en`, `ru`, `hy`, `az`); absent from English
    /// bulletins, so those made before languages existed keep their signed bytes.
    #[serde(default = "english", skip_serializing_if = "is_english")]
    pub lang: String,
}

fn english() -> String {
    "en".to_owned()
}

fn is_english(lang: &str) -> bool {
    lang == "en"
}

/// The layout of bulletins made now.
pub const LAYOUT: u32 = 3;

fn first_layout() -> u32 {
    1
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes a reference"
)]
fn is_first_layout(layout: &u32) -> bool {
    *layout == 1
}

/// A place the map labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPlace {
    /// Its name, both names where they differ ("Shusha / Shushi").
    pub name: String,
    /// (longitude, latitude), rounded to 0.001°.
    pub point: (f64, f64),
}

/// Zone kinds drawn on the map for context only: the frame is the agreement's own zones.
pub const CONTEXT_KINDS: &[&str] = &["country"];

/// The map's frame, (west, south, east, north) in degrees: the agreement's own zones
/// (countries aside) and the notable incidents, with a margin of a twentieth each side;
/// `None` when there is nothing to draw.
pub fn map_frame(outlines: &[Outline], notable: &[Notable]) -> Option<[f64; 4]> {
    let own = outlines
        .iter()
        .filter(|o| !CONTEXT_KINDS.contains(&o.kind.as_str()))
        .flat_map(|o| o.rings.iter().flatten().copied());
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in own.chain(notable.iter().filter_map(|n| n.point)) {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return None;
    }
    let (mx, my) = (((x1 - x0) / 20.0).max(0.02), ((y1 - y0) / 20.0).max(0.02));
    Some([x0 - mx, y0 - my, x1 + mx, y1 + my])
}

/// Most places a map labels.
const MAP_PLACES: usize = 40;

/// The gazetteer's main places (district centres, towns of 10,000 or more) inside the
/// map's frame.
fn map_places(b: &AgreementBundle, frame: Option<[f64; 4]>) -> Vec<MapPlace> {
    let Some([w, s, e, n]) = frame else {
        return Vec::new();
    };
    let mut out: Vec<(u64, MapPlace)> = b
        .gazetteer
        .places()
        .iter()
        .filter(|p| p.admin_zone.is_some() || p.population.unwrap_or(0) >= 10_000)
        .filter(|p| p.lon >= w && p.lon <= e && p.lat >= s && p.lat <= n)
        .map(|p| {
            (
                p.population.unwrap_or(0) + if p.admin_zone.is_some() { 1 << 40 } else { 0 },
                MapPlace {
                    name: p.display.clone(),
                    point: (round3(p.lon), round3(p.lat)),
                },
            )
        })
        .collect();
    // District centres first, then by size: the map labels them in this order and
    // leaves out a label that would overlap one already placed.
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    out.into_iter().take(MAP_PLACES).map(|(_, p)| p).collect()
}

/// Everything a bulletin is built from.
#[derive(Debug, Clone, Copy)]
pub struct BulletinInputs<'a> {
    /// The agreement with zones and gazetteer.
    pub bundle: &'a AgreementBundle,
    /// Evidence records.
    pub evidence: &'a Evidence,
    /// Incidents of the period and the one before (others are ignored).
    pub incidents: &'a [Incident],
    /// The violation index of all incidents (for the scorecard).
    pub violations: &'a ViolationIndex,
    /// Registry facts (no personal data).
    pub registry: &'a [Facts],
    /// Registered sources.
    pub sources: &'a HashMap<String, Source>,
    /// Thresholds.
    pub options: &'a Options,
}

fn local_day(i: &Incident, tz: &jiff::tz::TimeZone) -> Date {
    tz.to_datetime(i.window.start).date()
}

fn status_words(s: &compliance::Status, words: Words) -> String {
    let mut w = words.state(&s.state);
    if s.late {
        w += &format!(" ({})", words.t("flag.late", &[]));
    }
    if s.breached {
        w += &format!(" ({})", words.t("flag.breached", &[]));
    }
    // A line nothing on record decides reads apart from a documented failure.
    if s.basis == compliance::Basis::NoRecord && !s.state.contains("no record") {
        w += &format!(" ({})", words.t("flag.no_record", &[]));
    }
    w
}

/// The period a bulletin compares with: as many days, ending the day before `from`.
pub fn previous_period(from: Date, to: Date) -> (Date, Date) {
    let days = (to - from).get_days().max(0) + 1;
    let previous_to = from.yesterday().unwrap_or(from);
    let previous_from = previous_to
        .checked_sub(i64::from(days - 1).days())
        .unwrap_or(previous_to);
    (previous_from, previous_to)
}

/// Builds the bulletin for the local days `from` to `to` (inclusive): the violations
/// of the period against the one before, the notable incidents, the status changes, the
/// corridor's traffic, the registry's aggregates, the deadlines ahead and the sources of
/// all of them.
pub fn build(i: BulletinInputs<'_>, from: Date, to: Date, generated_at: &str) -> Bulletin {
    build_in(i, from, to, generated_at, "en")
}

/// [`build`] in a language Truce speaks (`en`, `ru`, `hy`, `az`): the summary, the
/// states, the registry's lines, the deadlines ahead and the methodology in its words;
/// every figure, id and record the same. A language version is its own bulletin
/// (`AGREEMENT/FROM..TO.LANG`), signed on its own.
pub fn build_in(
    i: BulletinInputs<'_>,
    from: Date,
    to: Date,
    generated_at: &str,
    lang: &str,
) -> Bulletin {
    let words = Words::new(lang);
    let a = &i.bundle.agreement;
    // The agreement's own words in this language where its translators wrote them.
    let own = |key: String, english: &str| {
        i.bundle
            .translated(words.lang(), &key)
            .unwrap_or(english)
            .to_owned()
    };
    let title = own("title".into(), &a.title);
    let (previous_from, previous_to) = previous_period(from, to);
    let mut counted = count_violations(&i, (from, to), (previous_from, previous_to), words.lang());
    let notable = notable(&i, &mut counted.in_period);
    // Status changes, from the day before the period to its last day.
    let inputs = Inputs {
        agreement: a,
        evidence: i.evidence,
        violations: i.violations,
        options: i.options,
    };
    let changes: Vec<Change> = compliance::alerts(inputs, previous_to, to)
        .into_iter()
        .map(|al| Change {
            date: al.date,
            title: own(format!("obligation.{}", al.obligation), &al.title),
            obligation: al.obligation,
            from: al.old.as_ref().map_or_else(
                || words.t("state.not_in_force", &[]),
                |s| status_words(s, words),
            ),
            to: status_words(&al.new, words),
            reason: words.say(i.bundle, &al.new.why),
            evidence: al.new.evidence.clone(),
        })
        .collect();
    let traffic = traffic(i.evidence, from, to);
    let detainees = detainees(&i, to, words);
    // Deadlines and notice dates ahead.
    let horizon = to.checked_add(AHEAD_DAYS.days()).unwrap_or(to);
    let upcoming = upcoming_in(
        &compliance::evaluate(inputs, to),
        to,
        horizon,
        words,
        &|id: &str, english: &str| own(format!("obligation.{id}"), english),
    );
    let sources = sources(
        &i,
        &counted.in_period,
        &changes,
        &traffic,
        &detainees,
        words,
    );
    let by_zone: Vec<ZoneCount> = counted.by.into_values().collect();
    let possibly_in: Vec<ZoneCount> = counted
        .possibly
        .into_values()
        .filter(|z| z.count > 0)
        .collect();
    let (total, previous_total) = (counted.total, counted.previous_total);
    let mut summary = summarise(
        words,
        title.as_str(),
        from,
        to,
        total,
        previous_total,
        &by_zone,
        &changes,
        &traffic,
        &upcoming,
    );
    if !possibly_in.is_empty() {
        // Said right after the totals: what the zone counts leave out.
        let mut incidents: Vec<&str> = possibly_in
            .iter()
            .flat_map(|z| z.incidents.iter().map(String::as_str))
            .collect();
        incidents.sort_unstable();
        incidents.dedup();
        let mut zones: Vec<&str> = possibly_in.iter().map(|z| z.zone_name.as_str()).collect();
        zones.dedup();
        summary.insert(
            2.min(summary.len()),
            words.t(
                "summary.possibly_in",
                &[
                    (
                        "n",
                        words.n(i64::try_from(incidents.len()).unwrap_or(i64::MAX)),
                    ),
                    ("zones", zones.join(", ").into()),
                ],
            ),
        );
    }
    let outlines = outlines(i.bundle, from, to, words.lang());
    Bulletin {
        id: if words.lang() == "en" {
            format!("{}/{from}..{to}", a.id)
        } else {
            format!("{}/{from}..{to}.{}", a.id, words.lang())
        },
        agreement: a.id.clone(),
        title,
        period: Period {
            from,
            to,
            time_zone: a.reporting_time_zone.clone(),
            previous_from,
            previous_to,
        },
        generated_at: generated_at.to_owned(),
        summary,
        violations: Violations {
            total,
            previous_total,
            by_zone,
            per_day: counted.per_day.into_values().collect(),
            possibly_in,
        },
        changes,
        corridor: traffic.into_values().collect(),
        detainees,
        upcoming,
        sources,
        methodology: (1..=METHODOLOGY_LINES)
            .map(|k| words.t(&format!("method.{k}"), &[]))
            .collect(),
        layout: LAYOUT,
        lang: words.lang().to_owned(),
        places: map_places(i.bundle, map_frame(&outlines, &notable)),
        outlines,
        notable,
    }
}

/// The violations of a period and of the one before it.
struct Counted<'i> {
    /// Per (zone, event type), with both periods' counts.
    by: BTreeMap<(String, String), ZoneCount>,
    /// Per local day of the period, by status.
    per_day: BTreeMap<Date, DayCount>,
    /// In the period.
    total: u32,
    /// In the period before.
    previous_total: u32,
    /// The period's incidents.
    in_period: Vec<&'i Incident>,
    /// Per (zone, event type): the incidents possibly in the zone.
    possibly: BTreeMap<(String, String), ZoneCount>,
}

/// Counts the violations (not rejected, with reports) of `now` and `before`, both local
/// day ranges, by zone and type and, for `now`, by day.
fn count_violations<'i>(
    i: &BulletinInputs<'i>,
    (from, to): (Date, Date),
    (previous_from, previous_to): (Date, Date),
    lang: &str,
) -> Counted<'i> {
    let tz = i.bundle.agreement.tz();
    let zone_name = |id: &str| {
        i.bundle
            .zones
            .zones()
            .iter()
            .find(|z| z.id == id)
            .map_or_else(|| id.to_owned(), |z| z.name_in(lang).to_owned())
    };
    let counted = |inc: &&Incident| {
        inc.event_type.is_violation()
            && inc.status != IncidentStatus::Rejected
            && !inc.reports.is_empty()
    };
    let mut by: BTreeMap<(String, String), ZoneCount> = BTreeMap::new();
    let mut possibly: BTreeMap<(String, String), ZoneCount> = BTreeMap::new();
    let mut per_day: BTreeMap<Date, DayCount> = BTreeMap::new();
    let (mut total, mut previous_total) = (0, 0);
    let mut in_period: Vec<&Incident> = Vec::new();
    for inc in i.incidents.iter().filter(counted) {
        let day = local_day(inc, tz);
        let now = (from..=to).contains(&day);
        let before = (previous_from..=previous_to).contains(&day);
        if !now && !before {
            continue;
        }
        let zones: Vec<String> = if inc.zones.is_empty() {
            vec!["outside".into()]
        } else {
            inc.zones.clone()
        };
        let sets = [(&mut by, zones), (&mut possibly, inc.possibly_in.clone())];
        for (map, zones) in sets {
            for z in zones {
                let e = map
                    .entry((z.clone(), inc.event_type.as_str().to_owned()))
                    .or_insert_with(|| ZoneCount {
                        zone_name: if z == "outside" {
                            "outside every zone".into()
                        } else {
                            zone_name(&z)
                        },
                        zone: z,
                        event_type: inc.event_type.as_str().into(),
                        count: 0,
                        previous: 0,
                        incidents: Vec::new(),
                    });
                if now {
                    e.count += 1;
                    e.incidents.push(inc.id.clone());
                } else {
                    e.previous += 1;
                }
            }
        }
        if now {
            total += 1;
            in_period.push(inc);
            let d = per_day.entry(day).or_insert(DayCount {
                date: day,
                confirmed: 0,
                corroborated: 0,
                other: 0,
            });
            match inc.status {
                IncidentStatus::Confirmed => d.confirmed += 1,
                IncidentStatus::Corroborated => d.corroborated += 1,
                _ => d.other += 1,
            }
        } else {
            previous_total += 1;
        }
    }
    Counted {
        by,
        per_day,
        total,
        previous_total,
        in_period,
        possibly,
    }
}

/// The period's notable incidents: verified first, then the deadliest, then the
/// earliest; at most [`NOTABLE`]. Sorts `in_period` in that order.
fn notable(i: &BulletinInputs<'_>, in_period: &mut [&Incident]) -> Vec<Notable> {
    let tz = i.bundle.agreement.tz();
    let rank = |s: IncidentStatus| match s {
        IncidentStatus::Confirmed => 0,
        IncidentStatus::Corroborated => 1,
        IncidentStatus::Disputed => 2,
        _ => 3,
    };
    in_period.sort_by(|x, y| {
        (
            rank(x.status),
            std::cmp::Reverse(x.killed.best),
            x.window.start,
            &x.id,
        )
            .cmp(&(
                rank(y.status),
                std::cmp::Reverse(y.killed.best),
                y.window.start,
                &y.id,
            ))
    });
    in_period
        .iter()
        .take(NOTABLE)
        .map(|inc| Notable {
            id: inc.id.clone(),
            date: local_day(inc, tz),
            place: inc.place_text().unwrap_or_else(|| "unnamed place".into()),
            point: inc.point.map(|(x, y)| (round3(x), round3(y))),
            zones: inc.zones.clone(),
            event_type: inc.event_type.as_str().into(),
            status: inc.status.as_str().into(),
            claims: inc
                .attribution
                .claims
                .iter()
                .map(|c| ClaimLine {
                    source: c.source.clone(),
                    blames: c.perpetrator.clone(),
                })
                .collect(),
            assessed: inc.attribution.assessed.clone(),
            disputed: inc.attribution.disputed,
            killed: inc.killed.best,
        })
        .collect()
}

/// The corridor's traffic per day and checkpoint in the local days `from` to `to`.
fn traffic(e: &Evidence, from: Date, to: Date) -> BTreeMap<(Date, String), Traffic> {
    let mut traffic: BTreeMap<(Date, String), Traffic> = BTreeMap::new();
    for c in e.crossings.iter().filter(|c| (from..=to).contains(&c.date)) {
        let t = traffic
            .entry((c.date, c.checkpoint.clone()))
            .or_insert_with(|| Traffic {
                date: c.date,
                checkpoint: c.checkpoint.clone(),
                persons: 0,
                vehicles: 0,
                cargo_t: 0.0,
                evidence: Vec::new(),
            });
        t.persons += c.persons;
        t.vehicles += c.vehicles;
        t.cargo_t += c.cargo_t;
        t.evidence.push(format!("crossing:{}", c.id));
    }
    traffic
}

/// The registry's aggregates and the reconciliation of claims on the day `to`.
fn detainees(i: &BulletinInputs<'_>, to: Date, words: Words) -> Detainees {
    let name = |id: &str| {
        i.bundle
            .name(words.lang(), "actor", id)
            .unwrap_or_else(|| id.to_owned())
    };
    Detainees {
        counts: registry::counts(i.registry, to)
            .into_iter()
            .map(|c| CountLine {
                side_name: Some(name(&c.side)),
                side: c.side,
                category: c.category.as_str().into(),
                status: c.status.map_or("none", |s| s.as_str()).into(),
                count: c.count,
            })
            .collect(),
        reconciliation: registry::reconcile(i.registry, i.evidence, &[to])
            .into_iter()
            .map(|r| ReconLine {
                holder_name: Some(name(&r.holder)),
                holder: r.holder,
                evidence: r.claimed.iter().flat_map(|c| c.evidence.clone()).collect(),
                claimed: r
                    .claimed
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {}{}",
                            name(&c.claimant),
                            if c.at_least { "≥" } else { "" },
                            words.num(c.count)
                        )
                    })
                    .collect(),
                registered_held: r.registered_held,
                returned: r.returned,
                returned_in_exchanges: r.returned_in_exchanges,
            })
            .collect(),
        stated: registry::stated_totals(&i.bundle.agreement, i.evidence, to)
            .into_iter()
            .map(|t| StatedLine {
                stated_by: format!(
                    "{}, {}",
                    name(&t.claimant),
                    t.when
                        .parse::<Date>()
                        .map_or_else(|_| t.when.clone(), |d| words.day(d))
                ),

                what: if t.measure == truce_model::records::Measure::Missing {
                    words.t("stated.missing", &[("side", name(&t.side).into())])
                } else {
                    let moved = words.t(
                        "stated.moved",
                        &[
                            (
                                "category",
                                words.word("category", t.category.as_str()).into(),
                            ),
                            ("measure", words.word("measure", t.measure.as_str()).into()),
                            ("side", name(&t.side).into()),
                        ],
                    );
                    match t.since {
                        Some(d) => format!(
                            "{moved} {}",
                            words.t("stated.since", &[("day", words.day(d).into())])
                        ),
                        None => moved,
                    }
                },
                stated: format!("{}{}", if t.at_least { "≥" } else { "" }, t.stated),
                own: t.own,
                difference: t.difference,
                evidence: t.evidence,
            })
            .collect(),
    }
}

/// The registered sources of the period's incidents, then the public sources of the
/// records cited by the changes, the traffic and the reconciliation.
fn sources(
    i: &BulletinInputs<'_>,
    in_period: &[&Incident],
    changes: &[Change],
    traffic: &BTreeMap<(Date, String), Traffic>,
    detainees: &Detainees,
    words: Words,
) -> Vec<SourceLine> {
    let mut source_ids: BTreeSet<String> = BTreeSet::new();
    for inc in in_period {
        for c in &inc.attribution.claims {
            source_ids.insert(c.source.clone());
        }
    }
    let mut sources: Vec<SourceLine> = source_ids
        .into_iter()
        .map(|id| match i.sources.get(&id) {
            Some(s) => SourceLine {
                id: id.clone(),
                name: s.name.clone(),
                kind: s.kind.as_str().into(),
                reliability: Some(s.reliability.as_str().into()),
            },
            None => SourceLine {
                name: id.clone(),
                id,
                kind: words.t("source.unregistered", &[]),
                reliability: None,
            },
        })
        .collect();
    let cited: BTreeSet<&str> = changes
        .iter()
        .flat_map(|c| c.evidence.iter())
        .chain(traffic.values().flat_map(|t| t.evidence.iter()))
        .chain(
            detainees
                .reconciliation
                .iter()
                .flat_map(|r| r.evidence.iter()),
        )
        .chain(detainees.stated.iter().map(|t| &t.evidence))
        .map(String::as_str)
        .collect();
    let mut record_sources: BTreeSet<(String, String)> = BTreeSet::new();
    for key in cited {
        if let Some((kind, id)) = key.split_once(':')
            && let Some(src) = record_source(i.evidence, kind, id)
        {
            record_sources.insert((src.to_owned(), key.to_owned()));
        }
    }
    let mut by_url: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (url, key) in record_sources {
        by_url.entry(url).or_default().push(key);
    }
    for (url, keys) in by_url {
        sources.push(SourceLine {
            id: url,
            name: keys.join(", "),
            kind: words.t("source.public", &[]),
            reliability: None,
        });
    }
    sources
}

/// Deadlines (last days on time of obligations not complete) and term dates (last days
/// to give notice, expiries) after `after` and up to `until`, in date order.
pub fn upcoming(card: &compliance::Scorecard, after: Date, until: Date) -> Vec<Upcoming> {
    upcoming_in(card, after, until, Words::new("en"), &|_, t| t.to_owned())
}

/// [`upcoming`] in a language Truce speaks: what is due in that language's words, the
/// obligations' titles as the agreement's translators wrote them.
pub fn upcoming_lang(
    card: &compliance::Scorecard,
    after: Date,
    until: Date,
    lang: &str,
    bundle: &AgreementBundle,
) -> Vec<Upcoming> {
    upcoming_in(card, after, until, Words::new(lang), &|id, english| {
        bundle
            .translated(lang, &format!("obligation.{id}"))
            .unwrap_or(english)
            .to_owned()
    })
}

fn upcoming_in(
    card: &compliance::Scorecard,
    after: Date,
    until: Date,
    words: Words,
    title: &dyn Fn(&str, &str) -> String,
) -> Vec<Upcoming> {
    let mut out = Vec::new();
    for l in &card.lines {
        if let Some(d) = l.last_day
            && d > after
            && d <= until
            && l.status.score != Some(3)
        {
            out.push(Upcoming {
                date: d,
                obligation: l.obligation.clone(),
                title: title(&l.obligation, &l.title),
                what: words.t(
                    "upcoming.last_day",
                    &[(
                        "deadline",
                        l.deadline_why
                            .as_ref()
                            .map_or_else(
                                || words.t("upcoming.deadline", &[]),
                                |d| words.say_plain(d),
                            )
                            .into(),
                    )],
                ),
            });
        }
        for p in l.details["periods"].as_array().into_iter().flatten() {
            for (key, what) in [
                ("last_notice_day", "upcoming.notice"),
                ("expires", "upcoming.expires"),
            ] {
                if let Some(d) = p[key].as_str().and_then(|s| s.parse::<Date>().ok())
                    && d > after
                    && d <= until
                {
                    out.push(Upcoming {
                        date: d,
                        obligation: l.obligation.clone(),
                        title: title(&l.obligation, &l.title),
                        what: words.t(what, &[]),
                    });
                }
            }
        }
    }
    out.sort_by(|x, y| (x.date, &x.obligation, &x.what).cmp(&(y.date, &y.obligation, &y.what)));
    out.dedup();
    out
}

/// How many lines the methodology has (`bulletin.method.1` … in each language's file).
const METHODOLOGY_LINES: usize = 6;

fn record_source<'e>(e: &'e Evidence, kind: &str, id: &str) -> Option<&'e str> {
    macro_rules! find {
        ($list:expr) => {
            $list.iter().find(|r| r.id == id).map(|r| r.source.as_str())
        };
    }
    match kind {
        "handover" => find!(e.handovers),
        "withdrawal" => find!(e.withdrawals),
        "strength" => find!(e.strengths),
        "observation-post" => find!(e.posts),
        "checkpoint" => find!(e.checkpoints),
        "crossing" => find!(e.crossings),
        "closure" => find!(e.closures),
        "exchange" => find!(e.exchanges),
        "detention-claim" => find!(e.claims),
        "notice" => find!(e.notices),
        "milestone" => find!(e.milestones),
        "termination" | "lapse" => find!(e.endings),
        "coverage" => find!(e.coverage),
        "group" => find!(e.groups),
        "tally" => find!(e.tallies),
        "recovery" => find!(e.recoveries),
        "post-count" => find!(e.post_counts),
        "cutoff" => find!(e.cutoffs),
        "flow" => find!(e.flows),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    words: Words,
    title: &str,
    from: Date,
    to: Date,
    total: u32,
    previous: u32,
    by_zone: &[ZoneCount],
    changes: &[Change],
    traffic: &BTreeMap<(Date, String), Traffic>,
    upcoming: &[Upcoming],
) -> Vec<String> {
    let mut out = vec![words.t(
        "summary.monitoring",
        &[
            ("title", title.into()),
            ("from", words.day(from).into()),
            ("to", words.day(to).into()),
        ],
    )];
    let trend_key = match total.cmp(&previous) {
        std::cmp::Ordering::Greater => "summary.trend_up",
        std::cmp::Ordering::Less => "summary.trend_down",
        std::cmp::Ordering::Equal => "summary.trend_same",
    };
    let trend = words.t(trend_key, &[("previous", words.num(previous).into())]);
    out.push(words.t(
        "summary.total",
        &[("n", words.n(total)), ("trend", trend.into())],
    ));
    let mut zones: BTreeMap<&str, u32> = BTreeMap::new();
    for z in by_zone {
        *zones.entry(z.zone_name.as_str()).or_default() += z.count;
    }
    let mut top: Vec<(&str, u32)> = zones.into_iter().filter(|(_, n)| *n > 0).collect();
    top.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    if !top.is_empty() {
        let list: Vec<String> = top
            .iter()
            .take(3)
            .map(|(z, n)| format!("{z} ({})", words.num(*n)))
            .collect();
        out.push(words.t("summary.most", &[("zones", list.join(", ").into())]));
    }
    // Obligations coming into force are listed apart: the changes of obligations already
    // in force are the news.
    let not_in_force = words.t("state.not_in_force", &[]);
    let (entering, moved): (Vec<&Change>, Vec<&Change>) = changes
        .iter()
        .partition(|c| c.from == words.state("not yet in force") || c.from == not_in_force);
    if moved.is_empty() {
        out.push(words.t("summary.no_change", &[]));
    } else {
        let list: Vec<String> = moved
            .iter()
            .take(8)
            .map(|c| {
                words.t(
                    "summary.change",
                    &[
                        ("title", (&c.title).into()),
                        ("state", (&c.to).into()),
                        ("day", words.day(c.date).into()),
                    ],
                )
            })
            .collect();
        out.push(
            words.t(
                "summary.changes",
                &[
                    ("n", words.n(i64::try_from(moved.len()).unwrap_or(i64::MAX))),
                    (
                        "list",
                        format!(
                            "{}{}",
                            list.join("; "),
                            if moved.len() > 8 { "; …" } else { "" }
                        )
                        .into(),
                    ),
                ],
            ),
        );
    }
    if !entering.is_empty() {
        out.push(words.t(
            "summary.entering",
            &[(
                "n",
                words.n(i64::try_from(entering.len()).unwrap_or(i64::MAX)),
            )],
        ));
    }
    if !traffic.is_empty() {
        let persons: u32 = traffic.values().map(|t| t.persons).sum();
        let vehicles: u32 = traffic.values().map(|t| t.vehicles).sum();
        out.push(words.t(
            "summary.traffic",
            &[
                (
                    "n",
                    words.n(i64::try_from(traffic.len()).unwrap_or(i64::MAX)),
                ),
                ("persons", words.n(persons)),
                ("vehicles", words.n(vehicles)),
            ],
        ));
    }
    if let Some(u) = upcoming.first() {
        out.push(words.t(
            "summary.next",
            &[
                ("title", (&u.title).into()),
                ("what", (&u.what).into()),
                ("day", words.day(u.date).into()),
            ],
        ));
    }
    out
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Outlines of the agreement's zones for the map, rounded to 0.001° (about 100 m): the
/// versions in force on some day of the period `[from, to]`, named in `lang`.
fn outlines(b: &AgreementBundle, from: Date, to: Date, lang: &str) -> Vec<Outline> {
    let fc = b.zones.to_geojson();
    let mut out = Vec::new();
    for (z, f) in b
        .zones
        .zones()
        .iter()
        .zip(fc["features"].as_array().into_iter().flatten())
        .filter(|(z, _)| {
            z.valid_from.is_none_or(|f| f <= to) && z.valid_to.is_none_or(|t| from < t)
        })
    {
        let g = &f["geometry"];
        let polys: Vec<&Value> = match g["type"].as_str() {
            Some("Polygon") => vec![&g["coordinates"]],
            Some("MultiPolygon") => g["coordinates"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut rings = Vec::new();
        for p in polys {
            // Outer ring only: the map shows outlines.
            if let Some(ring) = p.get(0).and_then(Value::as_array) {
                let mut pts: Vec<(f64, f64)> = Vec::new();
                for c in ring {
                    let (Some(x), Some(y)) = (c[0].as_f64(), c[1].as_f64()) else {
                        continue;
                    };
                    let pt = (round3(x), round3(y));
                    if pts.last() != Some(&pt) {
                        pts.push(pt);
                    }
                }
                if pts.len() >= 3 {
                    rings.push(pts);
                }
            }
        }
        out.push(Outline {
            zone: z.id.clone(),
            name: z.name_in(lang).to_owned(),
            kind: z.kind.clone(),
            rings,
        });
    }
    out
}
