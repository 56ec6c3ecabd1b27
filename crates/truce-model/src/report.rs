//! Reports — one source's account of an event — and the vocabulary they use: source kinds
//! and reliability, time windows with UCDP-style precision, locations with precision,
//! casualties as low/best/high, and the event codebook.
//!
//! A report is never changed after it is accepted; a correction is a new report that
//! supersedes the old one.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

crate::words! {
    /// Who a source is.
    SourceKind {
        /// A fixed observation post of the monitoring centre.
        ObservationPost = "observation-post",
        /// A monitoring-centre UAV.
        MonitoringUav = "monitoring-uav",
        /// The peacekeeping force.
        PeacekeepingForce = "peacekeeping-force",
        /// A ministry of a party (defence, foreign affairs, interior).
        PartyMinistry = "party-ministry",
        /// A news outlet.
        Media = "media",
        /// A non-governmental organisation.
        Ngo = "ngo",
        /// A private person.
        Civilian = "civilian",
        /// A curated data set (ACLED, UCDP).
        DataSet = "data-set",
    }
}

impl SourceKind {
    /// The centre's own monitors: their direct observation confirms an incident.
    pub fn is_centre_monitor(self) -> bool {
        matches!(self, Self::ObservationPost | Self::MonitoringUav)
    }
}

crate::words! {
    /// Source reliability on the Admiralty scale.
    Reliability {
        /// Completely reliable.
        A = "A",
        /// Usually reliable.
        B = "B",
        /// Fairly reliable.
        C = "C",
        /// Not usually reliable.
        D = "D",
        /// Unreliable.
        E = "E",
        /// Reliability cannot be judged.
        F = "F",
    }
}

crate::words! {
    /// What happened, in a codebook that covers ceasefire monitoring and maps ACLED's
    /// event and sub-event types (see [`EventType::from_acled`]).
    EventType {
        /// Small-arms or machine-gun fire.
        SmallArmsFire = "small-arms-fire",
        /// Artillery, mortar, rocket or missile fire.
        Artillery = "artillery",
        /// Strike by a drone.
        DroneStrike = "drone-strike",
        /// Strike by a manned aircraft.
        AirStrike = "air-strike",
        /// Armed clash between forces.
        ArmedClash = "armed-clash",
        /// A legacy landmine, cluster submunition or other unexploded ordnance going off:
        /// a humanitarian harm, not by itself a ceasefire violation.
        MineUxo = "mine-uxo",
        /// A mine or explosive device newly laid or set off on purpose (an IED, a mine
        /// laid after the ceasefire): a violation.
        ExplosiveDevice = "explosive-device",
        /// Grenade attack.
        Grenade = "grenade",
        /// Firing reported without its means: a violation a peacekeeping bulletin counts
        /// by district, or a party's "fire" with no weapon named.
        FireUnspecified = "fire-unspecified",
        /// Attack on civilians.
        AttackOnCivilians = "attack-on-civilians",
        /// Detention, abduction or disappearance.
        Detention = "detention",
        /// Forces seen where they should not be, or a build-up.
        ForcesPresence = "forces-presence",
        /// Territory taken by force.
        TerritoryTaken = "territory-taken",
        /// Withdrawal of forces observed.
        WithdrawalObserved = "withdrawal-observed",
        /// Handover of territory.
        Handover = "handover",
        /// A checkpoint or road closed.
        CheckpointClosure = "checkpoint-closure",
        /// Destruction or looting of property.
        PropertyDestruction = "property-destruction",
        /// Protest or riot.
        Protest = "protest",
        /// Agreement, exchange or other political development.
        PoliticalDevelopment = "political-development",
        /// Anything else.
        Other = "other",
    }
}

/// Families of event types: reports of one event often differ on the exact weapon, so
/// matching compares families, not types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventFamily {
    /// Any use of weapons.
    Fire,
    /// Harm to people outside combat.
    Civilians,
    /// Movement and position of forces and territory.
    Forces,
    /// Movement of people and goods.
    Access,
    /// Everything else.
    Other,
}

impl EventType {
    /// The family used for matching.
    pub fn family(self) -> EventFamily {
        use EventType as T;
        match self {
            T::SmallArmsFire
            | T::Artillery
            | T::DroneStrike
            | T::AirStrike
            | T::ArmedClash
            | T::MineUxo
            | T::ExplosiveDevice
            | T::Grenade
            | T::FireUnspecified => EventFamily::Fire,
            T::AttackOnCivilians | T::Detention | T::PropertyDestruction => EventFamily::Civilians,
            T::ForcesPresence | T::TerritoryTaken | T::WithdrawalObserved | T::Handover => {
                EventFamily::Forces
            }
            T::CheckpointClosure => EventFamily::Access,
            T::Protest | T::PoliticalDevelopment | T::Other => EventFamily::Other,
        }
    }

    /// True for the types that count as ceasefire violations. Legacy mines and
    /// unexploded ordnance do not: they are counted apart as a humanitarian indicator.
    pub fn is_violation(self) -> bool {
        (self.family() == EventFamily::Fire && self != Self::MineUxo)
            || matches!(self, Self::TerritoryTaken | Self::AttackOnCivilians)
    }

    /// [`Self::from_acled`], with the row's notes deciding between a legacy mine or
    /// unexploded ordnance and a device set on purpose: ACLED's "Remote
    /// explosive/landmine/IED" covers both.
    pub fn from_acled_row(event_type: &str, sub_event_type: &str, notes: &str) -> Option<Self> {
        let t = Self::from_acled(event_type, sub_event_type)?;
        if t != Self::MineUxo {
            return Some(t);
        }
        // Words, so that "ied" does not match "died"; phrases over the words joined by
        // single spaces.
        let lower = notes.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty())
            .collect();
        let text = format!(" {} ", words.join(" "));
        let deliberate = ["ied", "ieds", "planted", "remote-controlled", "newly-laid"]
            .iter()
            .any(|w| words.contains(w))
            || [
                " improvised explosive ",
                " newly laid ",
                " remotely detonated ",
                " car bomb ",
            ]
            .iter()
            .any(|p| text.contains(p));
        Some(if deliberate {
            Self::ExplosiveDevice
        } else {
            Self::MineUxo
        })
    }

    /// Maps ACLED's `event_type` and `sub_event_type` (documented in docs/codebook.md).
    /// Unknown pairs return `None`: the caller reports them rather than guess.
    pub fn from_acled(event_type: &str, sub_event_type: &str) -> Option<Self> {
        use EventType as T;
        // (event type, sub-event types, codebook type); no sub-event types: any.
        const CODEBOOK: &[(&str, &[&str], EventType)] = &[
            ("battles", &["armed clash"], T::ArmedClash),
            (
                "battles",
                &[
                    "government regains territory",
                    "non-state actor overtakes territory",
                ],
                T::TerritoryTaken,
            ),
            (
                "explosions/remote violence",
                &["shelling/artillery/missile attack"],
                T::Artillery,
            ),
            (
                "explosions/remote violence",
                &["air/drone strike"],
                T::DroneStrike,
            ),
            (
                "explosions/remote violence",
                &["remote explosive/landmine/ied"],
                T::MineUxo,
            ),
            ("explosions/remote violence", &["grenade"], T::Grenade),
            (
                "explosions/remote violence",
                &["suicide bomb", "chemical weapon"],
                T::Other,
            ),
            (
                "violence against civilians",
                &["attack", "sexual violence"],
                T::AttackOnCivilians,
            ),
            (
                "violence against civilians",
                &["abduction/forced disappearance"],
                T::Detention,
            ),
            ("protests", &[], T::Protest),
            ("riots", &[], T::Protest),
            ("strategic developments", &["arrests"], T::Detention),
            (
                "strategic developments",
                &["looting/property destruction"],
                T::PropertyDestruction,
            ),
            (
                "strategic developments",
                &["non-violent transfer of territory"],
                T::Handover,
            ),
            (
                "strategic developments",
                &["headquarters or base established"],
                T::ForcesPresence,
            ),
            (
                "strategic developments",
                &[
                    "agreement",
                    "change to group/activity",
                    "disrupted weapons use",
                    "other",
                ],
                T::PoliticalDevelopment,
            ),
        ];
        let (event_type, sub) = (event_type.trim(), sub_event_type.trim());
        CODEBOOK
            .iter()
            .find(|(e, subs, _)| {
                e.eq_ignore_ascii_case(event_type)
                    && (subs.is_empty() || subs.iter().any(|s| s.eq_ignore_ascii_case(sub)))
            })
            .map(|(_, _, t)| *t)
    }

    /// ACLED's `event_type` and `sub_event_type` for this type, for export.
    pub fn to_acled(self) -> (&'static str, &'static str) {
        use EventType as T;
        match self {
            T::SmallArmsFire | T::ArmedClash | T::FireUnspecified => ("Battles", "Armed clash"),
            T::TerritoryTaken => ("Battles", "Non-state actor overtakes territory"),
            T::Artillery => (
                "Explosions/Remote violence",
                "Shelling/artillery/missile attack",
            ),
            T::DroneStrike | T::AirStrike => ("Explosions/Remote violence", "Air/drone strike"),
            T::MineUxo | T::ExplosiveDevice => (
                "Explosions/Remote violence",
                "Remote explosive/landmine/IED",
            ),
            T::Grenade => ("Explosions/Remote violence", "Grenade"),
            T::AttackOnCivilians => ("Violence against civilians", "Attack"),
            T::Detention => (
                "Violence against civilians",
                "Abduction/forced disappearance",
            ),
            T::PropertyDestruction => ("Strategic developments", "Looting/property destruction"),
            T::Handover | T::WithdrawalObserved => (
                "Strategic developments",
                "Non-violent transfer of territory",
            ),
            T::ForcesPresence => ("Strategic developments", "Headquarters or base established"),
            T::Protest => ("Protests", "Peaceful protest"),
            T::CheckpointClosure | T::PoliticalDevelopment | T::Other => {
                ("Strategic developments", "Other")
            }
        }
    }
}

/// A source of reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Stable id (`op-7`, `az-mod`, `acled`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: SourceKind,
    /// Reliability grade.
    pub reliability: Reliability,
    /// The party (actor id) a party ministry speaks for; its reports are not independent
    /// of that party's other ministries.
    pub party: Option<String>,
}

impl Source {
    /// Sources in the same group are not independent of one another: a party's
    /// ministries form one group; every other source is its own group.
    pub fn independence_group(&self) -> String {
        match (&self.kind, &self.party) {
            (SourceKind::PartyMinistry, Some(p)) => format!("party:{p}"),
            _ => format!("source:{}", self.id),
        }
    }
}

/// When something happened: a half-open window `[start, end)` and its precision on the
/// UCDP `date_prec` scale (1 exact day, 2 within 2–6 days, 3 within a week, 4 within a
/// month, 5 within a year or more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// First instant.
    pub start: Timestamp,
    /// First instant after the window.
    pub end: Timestamp,
    /// UCDP `date_prec`, 1–5.
    pub precision: u8,
}

impl Window {
    /// True when the two windows share an instant, after widening each by `slack_s`.
    pub fn overlaps(&self, other: &Self, slack_s: i64) -> bool {
        self.start.as_second() - slack_s < other.end.as_second()
            && other.start.as_second() - slack_s < self.end.as_second()
    }
}

/// Where something happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Longitude and latitude (WGS 84), when known.
    pub point: Option<(f64, f64)>,
    /// Place name as the source wrote it.
    pub place_name: Option<String>,
    /// UCDP `where_prec`: 1 exact place, 2 within 25 km, 3 second-order administrative
    /// division, 4 first-order division, 5 linear feature, 6 country, 7 sea or air.
    pub precision: u8,
}

impl Location {
    /// How far from its point an event given with this precision may have been, in
    /// metres, when deciding whether it lies in a zone (docs/incidents.md): 500 m for an
    /// exact place (a village, a monitor's position), 25 km within 25 km of a named place (ACLED
    /// `geo_precision` 2), 40 km a second-order division (ACLED 3), 80 km a first-order
    /// one, 200 km anything coarser (a linear feature, a country, sea or air).
    pub fn edge_radius_m(precision: u8) -> f64 {
        match precision {
            1 => 500.0,
            2 => 25_000.0,
            3 => 40_000.0,
            4 => 80_000.0,
            _ => 200_000.0,
        }
    }

    /// The uncertainty radius implied by the precision, in metres.
    pub fn radius_m(&self) -> f64 {
        match self.precision {
            1 => 2_000.0,
            2 => 25_000.0,
            3 => 40_000.0,
            4 => 80_000.0,
            _ => 200_000.0,
        }
    }
}

/// A count given as low, best and high estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Estimate {
    /// Lowest credible figure.
    pub low: u32,
    /// Best estimate.
    pub best: u32,
    /// Highest credible figure.
    pub high: u32,
}

impl Estimate {
    /// True for 0, 0, 0.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// One figure for all three.
    pub fn exact(n: u32) -> Self {
        Self {
            low: n,
            best: n,
            high: n,
        }
    }
}

/// Casualties by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Casualties {
    /// Military dead.
    #[serde(default, skip_serializing_if = "Estimate::is_zero")]
    pub killed_military: Estimate,
    /// Civilian dead.
    #[serde(default, skip_serializing_if = "Estimate::is_zero")]
    pub killed_civilian: Estimate,
    /// Dead of unknown status.
    #[serde(default, skip_serializing_if = "Estimate::is_zero")]
    pub killed_unknown: Estimate,
    /// Military wounded.
    #[serde(default, skip_serializing_if = "Estimate::is_zero")]
    pub wounded_military: Estimate,
    /// Civilian wounded.
    #[serde(default, skip_serializing_if = "Estimate::is_zero")]
    pub wounded_civilian: Estimate,
}

impl Casualties {
    /// Best estimate of all dead.
    pub fn killed_best(&self) -> u32 {
        self.killed_military.best + self.killed_civilian.best + self.killed_unknown.best
    }
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// Distinct outlets named in a data set's source field (`;` between them), at most 255.
pub fn count_outlets(field: &str) -> u8 {
    let mut seen: Vec<String> = Vec::new();
    for o in field.split(';').map(|o| o.trim().to_lowercase()) {
        if !o.is_empty() && !seen.contains(&o) {
            seen.push(o);
        }
    }
    u8::try_from(seen.len()).unwrap_or(u8::MAX)
}

/// One source's account of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Stable id: the source id and the source's own key, or a content hash.
    pub id: String,
    /// The source.
    pub source: String,
    /// The source's own key for the record (ACLED `event_id_cnty`), when it has one.
    pub source_key: Option<String>,
    /// The source's version of the record (ACLED `timestamp`); a newer one supersedes.
    pub source_version: Option<i64>,
    /// When the centre received it.
    pub received: Timestamp,
    /// When it happened.
    pub occurred: Window,
    /// Where.
    pub location: Location,
    /// What.
    pub event_type: EventType,
    /// Actor id of the party the source says did it.
    pub perpetrator: Option<String>,
    /// Actor id of the party the source says was targeted.
    pub target: Option<String>,
    /// The name the source blamed when no actor of the agreement is known by it (no
    /// alias maps it): kept as given and shown as unmapped, never attributed. Once an
    /// alias maps it, a reassessment attributes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perpetrator_as_named: Option<String>,
    /// The same for the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_as_named: Option<String>,
    /// Casualties.
    #[serde(default)]
    pub casualties: Casualties,
    /// Credibility of the information on the Admiralty scale, 1 (confirmed) to 6 (cannot
    /// be judged).
    pub credibility: u8,
    /// The account in the source's words.
    pub text: String,
    /// For a data set's row: how many distinct outlets the row cites (ACLED's `source`
    /// column, `;` between them). Two or more corroborate the row by itself; 0 when the
    /// report is not a data set's row or cites none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub outlets: u8,
    /// SHA-256 of evidence files (photos, video, documents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::EventType;

    /// The "from ACLED" column of docs/codebook.md's table: (ACLED event type, sub-event
    /// types, or none for any) per codebook type.
    fn documented() -> Vec<(EventType, String, Vec<String>)> {
        let doc = include_str!("../../../docs/codebook.md");
        let mut out = Vec::new();
        for line in doc.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let t = EventType::parse(cells[1].trim_matches('`')).expect("a codebook type");
            for pair in cells[4].split("; ").filter(|p| *p != "—") {
                let (event, subs) = pair.split_once(" / ").expect("event / sub-events");
                let subs = match subs {
                    "any" => Vec::new(),
                    s => s.split(", ").map(str::to_owned).collect(),
                };
                out.push((t, event.to_owned(), subs));
            }
        }
        out
    }

    #[test]
    fn acled_types_map_as_the_codebook_documents() {
        let doc = documented();
        assert!(doc.len() >= 15, "the table was read: {doc:?}");
        for (t, event, subs) in &doc {
            let subs = if subs.is_empty() {
                vec!["Peaceful protest".to_owned(), "anything at all".to_owned()]
            } else {
                subs.clone()
            };
            for sub in subs {
                assert_eq!(
                    EventType::from_acled(event, &sub),
                    Some(*t),
                    "{event} / {sub}"
                );
                // Case and surrounding spaces do not matter.
                let (shout, pad) = (event.to_uppercase(), format!("  {}\t", sub.to_lowercase()));
                assert_eq!(
                    EventType::from_acled(&shout, &pad),
                    Some(*t),
                    "{shout} / {pad}"
                );
            }
        }
        // A sub-event type of another event type, or an unknown one, is refused.
        assert_eq!(EventType::from_acled("Battles", "Grenade"), None);
        assert_eq!(
            EventType::from_acled("Explosions/Remote violence", "Armed clash"),
            None
        );
        assert_eq!(EventType::from_acled("Strategic developments", ""), None);
        assert_eq!(EventType::from_acled("", "Armed clash"), None);
        // Every type exported to ACLED reads back (as itself where the table says "same").
        for t in EventType::VARIANTS {
            let (event, sub) = t.to_acled();
            assert!(
                EventType::from_acled(event, sub).is_some(),
                "{t} -> {event} / {sub}"
            );
        }
    }

    #[test]
    fn acled_notes_tell_a_legacy_mine_from_a_device_set_on_purpose() {
        let t = |notes: &str| {
            EventType::from_acled_row(
                "Explosions/Remote violence",
                "Remote explosive/landmine/IED",
                notes,
            )
        };
        assert_eq!(
            t("A civilian died when a cluster submunition left from 2020 exploded."),
            Some(EventType::MineUxo)
        );
        assert_eq!(
            t("A tractor drove onto an anti-tank mine near the village."),
            Some(EventType::MineUxo)
        );
        assert_eq!(
            t("An IED planted on the road hit a police truck."),
            Some(EventType::ExplosiveDevice)
        );
        assert_eq!(
            t("An improvised explosive device went off."),
            Some(EventType::ExplosiveDevice)
        );
        // "died" is not "ied".
        assert_eq!(t("A deminer died."), Some(EventType::MineUxo));
        // Other pairs are untouched.
        assert_eq!(
            EventType::from_acled_row("Battles", "Armed clash", "an IED"),
            Some(EventType::ArmedClash)
        );
    }
}
