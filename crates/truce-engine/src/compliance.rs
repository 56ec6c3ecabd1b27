//! The compliance engine: for any local date, the status of every obligation in force,
//! computed from evidence by one documented rule per obligation kind
//! (docs/compliance.md), with the evidence ids that decided it and a one-line reason.
//! Pure: the agreement, the evidence and the date come in as arguments.

use crate::incidents::{Incident, IncidentStatus};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use truce_model::agreement::{Agreement, ObligationView};
use truce_model::i18n::{Msg, Part, english};
use truce_model::period::local_date;
use truce_model::records::{ClosureScope, Evidence, PersonCategory, Stage, when, when_part};
use truce_model::words::{Limit, ObligationKind, Role};

truce_model::words! {
    /// Where an obligation stands: the Kroc Peace Accords Matrix scale (0–3) plus "not
    /// yet due" and "unknown" (nothing on record that could decide it).
    Level {
        /// Not in force yet, or its trigger has not happened.
        NotYetDue = "not-yet-due",
        /// In force, but no evidence either way.
        Unknown = "unknown",
        /// 0: not initiated.
        NotInitiated = "not-initiated",
        /// 1: minimal.
        Minimal = "minimal",
        /// 2: intermediate.
        Intermediate = "intermediate",
        /// 3: full.
        Full = "full",
        /// No longer binds: ended by expiry, agreement, supersession or lapse.
        Ended = "ended",
    }
}

impl Level {
    /// The Kroc score, when the level has one.
    pub fn score(self) -> Option<u8> {
        match self {
            Self::NotYetDue | Self::Unknown | Self::Ended => None,
            Self::NotInitiated => Some(0),
            Self::Minimal => Some(1),
            Self::Intermediate => Some(2),
            Self::Full => Some(3),
        }
    }

    fn of_stage(s: Stage) -> Self {
        match s {
            Stage::Began => Self::Minimal,
            Stage::Partial => Self::Intermediate,
            Stage::Completed => Self::Full,
            Stage::Ended => Self::Ended,
        }
    }
}

truce_model::words! {
    /// What a status stands on, so that a reader can tell a documented failure from a
    /// gap in the record (docs/compliance.md).
    Basis {
        /// Records on file show progress or compliance.
        Evidence = "evidence",
        /// Records on file show a failure: a cap exceeded, a corridor blocked, a ceasefire
        /// violated past its threshold.
        Failure = "failure",
        /// Nothing on record decides the line: it says what is known, not what happened.
        NoRecord = "no-record",
        /// The agreement's own dates decide it (not yet in force, not yet due).
        Calendar = "calendar",
        /// The obligation has ended; the line keeps what it was before.
        Ended = "ended",
    }
}

/// Tunable thresholds of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Options {
    /// Length of the ceasefire's reporting period, in days (also the trend window).
    pub period_days: u32,
    /// Confirmed or corroborated violations by one party within a period that make the
    /// ceasefire `breached`.
    pub breach_threshold: u32,
    /// Days of open traffic a corridor's baseline is the median of.
    pub baseline_days: u32,
    /// A day below this share of the baseline is `restricted`.
    pub restricted_below: f64,
    /// A day below this share of the baseline is `blocked`.
    pub blocked_below: f64,
    /// Most evidence ids listed per line (the reason gives the full count).
    pub evidence_limit: usize,
    /// Days a corridor's state from its last counts is kept on days without counts.
    pub carry_days: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            period_days: 7,
            breach_threshold: 1,
            baseline_days: 28,
            restricted_below: 0.6,
            blocked_below: 0.1,
            evidence_limit: 25,
            carry_days: 7,
        }
    }
}

/// The status of one obligation on one date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// Level.
    pub level: Level,
    /// Kroc score (0–3) when the level has one.
    pub score: Option<u8>,
    /// Past its deadline without being complete, or completed after it.
    pub late: bool,
    /// Broken (a cap exceeded, a corridor blocked, a ceasefire violated past the threshold).
    pub breached: bool,
    /// What the line stands on: evidence, evidence of failure, no record, the calendar,
    /// or the obligation's end.
    pub basis: Basis,
    /// Short label (`due`, `complete on time`, `blocked`, …); alerts fire when it changes.
    pub state: String,
    /// The local day the current state began, when the rule knows it.
    pub since: Option<Date>,
    /// One line for people, in English. Says "no evidence" when no record decided the line.
    pub reason: String,
    /// The same line as a message and its parts, for the other languages.
    pub why: Msg,
    /// Ids of the records and incidents that decided it (`kind:id` for records).
    pub evidence: Vec<String>,
}

impl Status {
    fn new(level: Level, state: &str, why: Msg, evidence: Vec<String>) -> Self {
        let reason = english().say(&why);
        let (reason, why) = if evidence.is_empty() && !reason.contains("no evidence") {
            // The English written once: the wrapper takes the sentence already written.
            let reason = english().t("why.no_evidence_on_record", &[("reason", reason.into())]);
            (
                reason,
                Msg::new("why.no_evidence_on_record").with("reason", why),
            )
        } else {
            (reason, why)
        };
        let basis = if level == Level::NotYetDue {
            Basis::Calendar
        } else if evidence.is_empty() {
            Basis::NoRecord
        } else {
            Basis::Evidence
        };
        Self {
            level,
            score: level.score(),
            late: false,
            breached: false,
            basis,
            state: state.to_owned(),
            since: None,
            reason,
            why,
            evidence,
        }
    }

    fn late(mut self, late: bool) -> Self {
        self.late = late;
        self
    }

    fn breached(mut self, breached: bool) -> Self {
        self.breached = breached;
        if breached {
            self.basis = Basis::Failure;
        }
        self
    }

    fn basis(mut self, basis: Basis) -> Self {
        self.basis = basis;
        self
    }

    fn since(mut self, since: Option<Date>) -> Self {
        self.since = since;
        self
    }

    /// What alerts compare.
    fn key(&self) -> (Level, bool, bool, Basis, &str) {
        (
            self.level,
            self.late,
            self.breached,
            self.basis,
            &self.state,
        )
    }

    /// [`Status::label`] as a message.
    pub fn label_msg(&self) -> Msg {
        let mut flags = Vec::new();
        if self.late {
            flags.push(Msg::new("why.flag.late").into());
        }
        if self.breached {
            flags.push(Msg::new("why.flag.breached").into());
        }
        if self.basis == Basis::NoRecord && !self.state.contains("no record") {
            flags.push(Msg::new("why.flag.no_record").into());
        }
        let m = match self.score {
            Some(n) => Msg::new("why.label.scored").with("n", u32::from(n)),
            None => Msg::new("why.label"),
        };
        m.with("state", Part::word("state", &self.state))
            .with("flags", Part::list(flags, ""))
    }

    /// `level/state` plus flags, for tables and alerts.
    pub fn label(&self) -> String {
        let mut s = match self.score {
            Some(n) => format!("{n} {}", self.state),
            None => self.state.clone(),
        };
        if self.late {
            s.push_str(" [late]");
        }
        if self.breached {
            s.push_str(" [BREACHED]");
        }
        if self.basis == Basis::NoRecord && !s.contains("no record") {
            s.push_str(" [no record]");
        }
        s
    }
}

/// One line of the scorecard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Obligation id.
    pub obligation: String,
    /// Its document.
    pub document: String,
    /// The point (provision number) of that document.
    pub point: String,
    /// Kind (selects the rule).
    pub kind: ObligationKind,
    /// Title.
    pub title: String,
    /// The deadline as in force on the date, in words (English).
    pub deadline: Option<String>,
    /// The same as a message, for the other languages.
    pub deadline_why: Option<Msg>,
    /// The last day on time, as in force on the date.
    pub last_day: Option<Date>,
    /// The status.
    pub status: Status,
    /// Rule-specific figures (counts, series, caps) behind the status.
    pub details: Value,
}

/// The status of every obligation in force on a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    /// Agreement id.
    pub agreement: String,
    /// The local date.
    pub as_of: Date,
    /// Thresholds used.
    pub options: Options,
    /// One line per obligation of the documents signed by then, in agreement order.
    pub lines: Vec<Line>,
}

impl Scorecard {
    /// The line of an obligation.
    pub fn line(&self, obligation: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.obligation == obligation)
    }
}

/// A status change between two dates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Obligation id.
    pub obligation: String,
    /// Title.
    pub title: String,
    /// The first day of the new status.
    pub date: Date,
    /// Status before (`None` when the obligation was not yet in force).
    pub old: Option<Status>,
    /// Status from `date`.
    pub new: Status,
}

// ---------------------------------------------------------------------------------------
// Violations, compact
// ---------------------------------------------------------------------------------------

const NO_PARTY: u16 = u16::MAX;

#[derive(Debug, Clone, Copy)]
struct Violation {
    day: i32,
    /// The local day its time window ends (the same as `day` for a day-precise report).
    end: i32,
    party: u16,
    status: u8,
    zones: u64,
    /// Zones its location's uncertainty reaches across (never counted as in them).
    possible: u64,
    id: u32,
}

/// Violation incidents reduced to what the ceasefire rule reads (local day, assessed
/// party, status, zones as bits), sorted by day: built once, evaluated on any date by
/// binary searches, running totals and one pass over the two periods' days. The totals
/// since the ceasefire took effect are read from running sums per day, so a date costs
/// the same whatever the size of the record before it.
#[derive(Debug, Clone, Default)]
pub struct ViolationIndex {
    parties: Vec<String>,
    zones: Vec<String>,
    rows: Vec<Violation>,
    ids: Vec<Box<str>>,
    /// The distinct days of `rows`, ascending.
    days: Vec<i32>,
    /// Running sums of violations per zone, party and status, through each of `days`:
    /// `[day][zone][party]`, flat (parties: `parties` and one slot for the unattributed).
    zone_sums: Vec<[u32; 4]>,
    /// The rows whose place may lie in zones they are not in (`possible` set), in the
    /// same order: few, and read apart.
    possible_rows: Vec<Violation>,
    /// Running sums per party and status through each of `days`, of the violations in
    /// any zone of a mask, made once per mask asked for (an obligation's zones).
    mask_sums: MaskSums,
    /// Incidents looked at, violations or not: zero means no incident data at all.
    observed: usize,
    /// Legacy mines and unexploded ordnance (not violations): local day, zones as bits,
    /// dead (best estimate), sorted by day.
    ordnance: Vec<(i32, u64, u32)>,
    /// The longest time window of a violation, in days: how far back a violation dated
    /// before a period can reach into it.
    max_span: i32,
}

/// Status slots in counts: confirmed, corroborated, disputed, unverified.
const SLOTS: [&str; 4] = ["confirmed", "corroborated", "disputed", "unverified"];

fn slot(s: IncidentStatus) -> Option<u8> {
    match s {
        IncidentStatus::Confirmed => Some(0),
        IncidentStatus::Corroborated => Some(1),
        IncidentStatus::Disputed => Some(2),
        IncidentStatus::Unverified => Some(3),
        IncidentStatus::Rejected => None,
    }
}

fn day_number(d: Date) -> i32 {
    let epoch = jiff::civil::date(1970, 1, 1);
    epoch.until(d).map(|s| s.get_days()).unwrap_or(0)
}

fn day_date(n: i32) -> Date {
    let epoch = jiff::civil::date(1970, 1, 1);
    epoch.checked_add(i64::from(n).days()).unwrap_or(epoch)
}

/// Running sums by zone mask ([`ViolationIndex::mask_sums`]); a copy of an index starts
/// with none (they are made again as asked for).
#[derive(Debug, Default)]
struct MaskSums(std::sync::Mutex<HashMap<u64, std::sync::Arc<Vec<[u32; 4]>>>>);

impl Clone for MaskSums {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl ViolationIndex {
    /// The local day of the latest violation incident held, if any.
    pub fn last_day(&self) -> Option<Date> {
        self.days.last().copied().map(day_date)
    }

    /// Party slots of the counts: each party, then the unattributed.
    fn party_slots(&self) -> usize {
        self.parties.len() + 1
    }

    fn party_slot(&self, p: u16) -> usize {
        if p == NO_PARTY {
            self.parties.len()
        } else {
            usize::from(p)
        }
    }

    /// How many of `days` are on or before `day`: the running sums through `day` are
    /// those at this position less one (none when it is 0).
    fn days_through(&self, day: i32) -> usize {
        self.days.partition_point(|d| *d <= day)
    }

    /// Makes the distinct days, the running sums per zone and the rows possibly in
    /// zones; called once the rows are sorted.
    fn sum_zones(&mut self) {
        let mut days: Vec<i32> = self.rows.iter().map(|r| r.day).collect();
        days.dedup();
        self.days = days;
        let np = self.party_slots();
        self.zone_sums = self.running(self.zones.len() * np, |r, counts: &mut [[u32; 4]]| {
            let p = self.party_slot(r.party);
            let s = usize::from(r.status);
            let mut bits = r.zones;
            while bits != 0 {
                let z = bits.trailing_zeros() as usize;
                if let Some(c) = counts.get_mut(z * np + p) {
                    c[s] += 1;
                }
                bits &= bits - 1;
            }
        });
        self.possible_rows = self
            .rows
            .iter()
            .filter(|r| r.possible != 0)
            .copied()
            .collect();
    }

    /// Running sums of `width` counters: `add` counts a row into them, and they are
    /// kept as they stand at the end of each of `days` (`[day][counter]`, flat).
    fn running<T: Copy + Default>(
        &self,
        width: usize,
        add: impl Fn(&Violation, &mut [T]),
    ) -> Vec<T> {
        let mut sums: Vec<T> = Vec::with_capacity(self.days.len() * width);
        let mut counts = vec![T::default(); width];
        for (k, r) in self.rows.iter().enumerate() {
            add(r, &mut counts);
            if self.rows.get(k + 1).is_none_or(|next| next.day != r.day) {
                sums.extend_from_slice(&counts);
            }
        }
        sums
    }

    /// Of running sums of `width` counters ([`Self::running`]): those through `last`,
    /// and those through the day before `first` (empty when none), whose difference
    /// counts `first` to `last` (local day numbers).
    fn through<'s, T>(
        &self,
        sums: &'s [T],
        width: usize,
        first: i32,
        last: i32,
    ) -> (&'s [T], &'s [T]) {
        let at = |k: usize| -> &'s [T] {
            match k.checked_sub(1) {
                Some(k) => sums.get(k * width..(k + 1) * width).unwrap_or(&[]),
                None => &[],
            }
        };
        (
            at(self.days_through(last)),
            at(self.days_through(first - 1)),
        )
    }

    /// Confirmed and corroborated violations per zone and party slot from `first` to
    /// `last` (local day numbers): `[zone][party]`.
    fn per_zone_between(&self, first: i32, last: i32) -> Vec<Vec<u32>> {
        let (nz, np) = (self.zones.len(), self.party_slots());
        let (to, from) = self.through(&self.zone_sums, nz * np, first, last);
        let at = |sums: &[[u32; 4]], k: usize| sums.get(k).map_or(0, |c| c[0] + c[1]);
        (0..nz)
            .map(|z| {
                (0..np)
                    .map(|p| at(to, z * np + p).saturating_sub(at(from, z * np + p)))
                    .collect()
            })
            .collect()
    }

    /// Violations per zone, day, party slot and status from `first` to `last` (local day
    /// numbers), in the zones of `mask`, dense: `[zone][day - first][party]`, from the
    /// differences of the running sums of the days that have any.
    fn per_zone_day(&self, mask: u64, first: i32, last: i32) -> Vec<[u32; 4]> {
        let (nz, np) = (self.zones.len(), self.party_slots());
        let width = nz * np;
        let span = usize::try_from(last - first + 1).unwrap_or(0);
        let mut table = vec![[0u32; 4]; nz * span * np];
        let (a, b) = (self.days_through(first - 1), self.days_through(last));
        for k in a..b {
            let d = usize::try_from(self.days[k] - first).unwrap_or(0);
            let now = self
                .zone_sums
                .get(k * width..(k + 1) * width)
                .unwrap_or(&[]);
            let before = k
                .checked_sub(1)
                .and_then(|j| self.zone_sums.get(j * width..(j + 1) * width))
                .unwrap_or(&[]);
            for z in (0..nz).filter(|z| mask & (1u64 << z) != 0) {
                for p in 0..np {
                    let (n, o) = (
                        now.get(z * np + p).copied().unwrap_or_default(),
                        before.get(z * np + p).copied().unwrap_or_default(),
                    );
                    if let Some(cell) = table.get_mut((z * span + d) * np + p) {
                        *cell = std::array::from_fn(|s| n[s].saturating_sub(o[s]));
                    }
                }
            }
        }
        table
    }

    /// The first `limit` violations from `first` to `last` (local day numbers) in the
    /// zones of `mask` with a status of `statuses`, in the order a line cites them: by
    /// status, then the latest day first, then by id. Read from the latest day back, each
    /// status only as far as its `limit`-th violation's day.
    fn latest(
        &self,
        mask: u64,
        first: i32,
        last: i32,
        statuses: std::ops::Range<u8>,
        limit: usize,
    ) -> Vec<(u8, i32, u32)> {
        let rows = self.range(first, last);
        let mut cited: Vec<(u8, i32, u32)> = Vec::new();
        for status in statuses {
            let need = limit.saturating_sub(cited.len());
            if need == 0 {
                break;
            }
            let mut picked: Vec<(u8, i32, u32)> = Vec::new();
            let mut last_day = None;
            for r in rows.iter().rev() {
                if last_day.is_some_and(|d| r.day < d) {
                    break;
                }
                if r.status != status || r.zones & mask == 0 {
                    continue;
                }
                picked.push((status, r.day, r.id));
                if picked.len() == need {
                    last_day = Some(r.day);
                }
            }
            picked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
            picked.truncate(need);
            cited.extend(picked);
        }
        cited
    }

    /// Violations from `first` to `last` (local day numbers) outside the zones of `mask`
    /// whose place may lie in one of them, in the order they are held.
    fn possibly_in(&self, mask: u64, first: i32, last: i32) -> Vec<(u8, i32, u32)> {
        let a = self.possible_rows.partition_point(|r| r.day < first);
        let b = self.possible_rows.partition_point(|r| r.day <= last);
        self.possible_rows[a..b.max(a)]
            .iter()
            .filter(|r| r.zones & mask == 0 && r.possible & mask != 0)
            .map(|r| (r.status, r.day, r.id))
            .collect()
    }

    /// Violations per party slot and status from `first` to `last` (local day numbers)
    /// in any zone of `mask`.
    fn totals_between(&self, mask: u64, first: i32, last: i32) -> Vec<[u32; 4]> {
        let np = self.party_slots();
        let sums = self.mask_sums(mask);
        let (to, from) = self.through(&sums, np, first, last);
        (0..np)
            .map(|p| {
                let (a, b) = (
                    to.get(p).copied().unwrap_or_default(),
                    from.get(p).copied().unwrap_or_default(),
                );
                std::array::from_fn(|s| a[s].saturating_sub(b[s]))
            })
            .collect()
    }

    /// The running sums per party and status of the violations in any zone of `mask`,
    /// through each of `days` (`[day][party]`, flat): made on first use, then kept.
    fn mask_sums(&self, mask: u64) -> std::sync::Arc<Vec<[u32; 4]>> {
        let mut kept = self
            .mask_sums
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(sums) = kept.get(&mask) {
            return std::sync::Arc::clone(sums);
        }
        let sums = std::sync::Arc::new(self.running(
            self.party_slots(),
            |r, counts: &mut [[u32; 4]]| {
                if r.zones & mask != 0
                    && let Some(c) = counts.get_mut(self.party_slot(r.party))
                    && let Some(n) = c.get_mut(usize::from(r.status))
                {
                    *n += 1;
                }
            },
        ));
        kept.insert(mask, std::sync::Arc::clone(&sums));
        sums
    }

    /// Keeps the incidents whose type counts as a violation and that are not rejected.
    /// Days are local to `tz`; at most 64 distinct zones are told apart (later ones are
    /// counted in party totals but not per zone).
    pub fn from_incidents<'a>(
        incidents: impl IntoIterator<Item = &'a Incident>,
        tz: &TimeZone,
    ) -> Self {
        let mut ix = Self::default();
        let mut days = crate::incidents::LocalDays::new(tz);
        for i in incidents {
            ix.observed += 1;
            let Some(status) = slot(i.status) else {
                continue;
            };
            if i.reports.is_empty() {
                continue;
            }
            if i.event_type == truce_model::report::EventType::MineUxo {
                let day = i32::try_from(days.day(i.window.start)).unwrap_or(0);
                let zones = ix.zone_bits(&i.zones);
                ix.ordnance.push((day, zones, i.killed.best));
                continue;
            }
            if !i.event_type.is_violation() {
                continue;
            }
            let day = i32::try_from(days.day(i.window.start)).unwrap_or(0);
            let end = i32::try_from(days.day(i.window.end))
                .unwrap_or(day)
                .max(day);
            ix.max_span = ix.max_span.max(end - day);
            let party = match i.attribution.assessed.as_deref() {
                Some(p) if !i.attribution.disputed => ix.intern_party(p),
                _ => NO_PARTY,
            };
            let zones = ix.zone_bits(&i.zones);
            let possible = ix.zone_bits(&i.possibly_in);
            let id = u32::try_from(ix.ids.len()).unwrap_or(u32::MAX);
            ix.ids.push(i.id.as_str().into());
            ix.rows.push(Violation {
                day,
                end,
                party,
                status,
                zones,
                possible,
                id,
            });
        }
        ix.rows.sort_by_key(|r| (r.day, r.id));
        ix.ordnance.sort_by_key(|o| o.0);
        ix.sum_zones();
        ix
    }

    fn zone_bits(&mut self, zones: &[String]) -> u64 {
        let mut bits = 0u64;
        for z in zones {
            if let Some(bit) = self.intern_zone(z) {
                bits |= 1 << bit;
            }
        }
        bits
    }

    fn intern_party(&mut self, p: &str) -> u16 {
        match self.parties.iter().position(|x| x == p) {
            Some(i) => u16::try_from(i).unwrap_or(NO_PARTY),
            None => {
                self.parties.push(p.to_owned());
                u16::try_from(self.parties.len() - 1).unwrap_or(NO_PARTY)
            }
        }
    }

    fn intern_zone(&mut self, z: &str) -> Option<u32> {
        match self.zones.iter().position(|x| x == z) {
            Some(i) => u32::try_from(i).ok(),
            None if self.zones.len() < 64 => {
                self.zones.push(z.to_owned());
                u32::try_from(self.zones.len() - 1).ok()
            }
            None => None,
        }
    }

    /// Number of violation incidents held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no violation is held.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Incidents looked at when the index was built, violations or not.
    pub fn observed(&self) -> usize {
        self.observed
    }

    /// Violations dated before `from` (and not before `first`) whose time window reaches
    /// `from` or later, in or possibly in the zones of `zone_mask`: they may have happened
    /// in the period that starts on `from`.
    fn reaching(&self, first: i32, from: i32, zone_mask: u64) -> Vec<(u8, i32, u32)> {
        if self.max_span == 0 {
            return Vec::new();
        }
        self.range((from - self.max_span).max(first), from - 1)
            .iter()
            .filter(|r| r.end >= from && (r.zones | r.possible) & zone_mask != 0)
            .map(|r| (r.status, r.day, r.id))
            .collect()
    }

    fn range(&self, first: i32, last: i32) -> &[Violation] {
        let a = self.rows.partition_point(|r| r.day < first);
        let b = self.rows.partition_point(|r| r.day <= last);
        &self.rows[a..b.max(a)]
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------

/// Everything the rules read.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The agreement (the view for the date is taken inside).
    pub agreement: &'a Agreement,
    /// Evidence records.
    pub evidence: &'a Evidence,
    /// Violation incidents.
    pub violations: &'a ViolationIndex,
    /// Thresholds.
    pub options: &'a Options,
}

/// The scorecard on a local date.
pub fn evaluate(input: Inputs<'_>, as_of: Date) -> Scorecard {
    let view = input.agreement.as_of(as_of);
    let lines = view
        .obligations
        .iter()
        .map(|o| line(input, &view.obligations, o, as_of))
        .collect();
    Scorecard {
        agreement: input.agreement.id.clone(),
        as_of,
        options: *input.options,
        lines,
    }
}

/// Every status change from `from` (exclusive) to `to` (inclusive), day by day.
pub fn alerts(input: Inputs<'_>, from: Date, to: Date) -> Vec<Alert> {
    let mut out = Vec::new();
    let mut before: BTreeMap<String, Status> = evaluate(input, from)
        .lines
        .into_iter()
        .map(|l| (l.obligation, l.status))
        .collect();
    let mut day = from;
    while day < to {
        let Ok(next) = day.checked_add(1.day()) else {
            break;
        };
        day = next;
        for l in evaluate(input, day).lines {
            let old = before.get(&l.obligation);
            if old.is_none_or(|o| o.key() != l.status.key()) {
                out.push(Alert {
                    obligation: l.obligation.clone(),
                    title: l.title.clone(),
                    date: day,
                    old: old.cloned(),
                    new: l.status.clone(),
                });
                before.insert(l.obligation, l.status);
            }
        }
    }
    out
}

fn line(input: Inputs<'_>, all: &[ObligationView], o: &ObligationView, as_of: Date) -> Line {
    let a = input.agreement;
    let ob = &o.obligation;
    let tz = a.tz();
    let point = a
        .provision(&ob.provision)
        .map(|p| p.number.clone())
        .unwrap_or_default();
    let last_day = deadline_last_day(input, all, o, as_of);
    let (status, details) = if !o.binding {
        (
            Status::new(
                Level::NotYetDue,
                "not yet in force",
                Msg::new("why.binds_from").with(
                    "when",
                    ob.binding_from
                        .to_zoned_datetime(tz.clone())
                        .strftime("%Y-%m-%d %H:%M %Z")
                        .to_string(),
                ),
                Vec::new(),
            ),
            Value::Null,
        )
    } else if let Some(end) = ending(input, ob, as_of) {
        ended(input, all, o, &end, as_of)
    } else {
        rule(input, o, as_of, last_day)
    };
    Line {
        obligation: ob.id.clone(),
        document: ob.document.clone(),
        point,
        kind: ob.kind,
        title: ob.title.clone(),
        deadline: ob.deadline.as_ref().map(|d| d.describe(tz)),
        deadline_why: ob.deadline.as_ref().map(|d| d.describe_msg(tz)),
        last_day,
        status,
        details,
    }
}

/// The rule of the obligation's kind, on a date.
fn rule(
    input: Inputs<'_>,
    o: &ObligationView,
    as_of: Date,
    last_day: Option<Date>,
) -> (Status, Value) {
    let a = input.agreement;
    let ob = &o.obligation;
    match ob.kind {
        ObligationKind::Ceasefire => ceasefire(input, o, as_of),
        ObligationKind::Handover | ObligationKind::Withdrawal => {
            progress(input, o, as_of, last_day)
        }
        ObligationKind::Deployment => deployment(input, o, as_of),
        ObligationKind::Term => term(input, o, as_of),
        ObligationKind::Corridor => {
            if controlled_by_force(a, o) {
                corridor_control(input, o, as_of)
            } else {
                corridor_passage(input, o, as_of)
            }
        }
        ObligationKind::Exchange => exchange(input, o, as_of),
        ObligationKind::MonitoringCentre
        | ObligationKind::ConstructionPlan
        | ObligationKind::ReturnOfDisplaced
        | ObligationKind::TransportLink
        | ObligationKind::Milestone => progress(input, o, as_of, last_day),
    }
}

/// How an obligation ended, from the record that says so.
struct End {
    date: Date,
    how: &'static str,
    what: String,
    key: String,
}

/// The earliest end on record by `as_of`: a termination or lapse naming the obligation,
/// or an `ended` milestone.
fn ending(input: Inputs<'_>, ob: &truce_model::Obligation, as_of: Date) -> Option<End> {
    let e = input.evidence;
    let records = e
        .endings
        .iter()
        .take_while(|x| x.date <= as_of)
        .filter(|x| x.obligations.contains(&ob.id))
        .map(|x| End {
            date: x.date,
            how: x.how_word(),
            what: x.what.clone(),
            key: format!(
                "{}:{}",
                if x.how.is_some() {
                    "termination"
                } else {
                    "lapse"
                },
                x.id
            ),
        });
    let milestones = e
        .milestones
        .iter()
        .take_while(|m| m.date <= as_of)
        .filter(|m| m.obligation == ob.id && m.stage == Stage::Ended)
        .map(|m| End {
            date: m.date,
            how: "ended",
            what: m.what.clone(),
            key: format!("milestone:{}", m.id),
        });
    records
        .chain(milestones)
        .min_by(|x, y| (x.date, &x.key).cmp(&(y.date, &y.key)))
}

/// An ended obligation: `ended (date, how)`, never breached and out of the in-force
/// counts, with the status it had on its last day kept as history.
fn ended(
    input: Inputs<'_>,
    all: &[ObligationView],
    o: &ObligationView,
    end: &End,
    as_of: Date,
) -> (Status, Value) {
    let last = end.date.yesterday().unwrap_or(end.date);
    let last_day = deadline_last_day(input, all, o, last);
    let (before, before_details) = rule(input, o, last, last_day);
    let mut evidence = vec![end.key.clone()];
    evidence.extend(
        before
            .evidence
            .iter()
            .take(input.options.evidence_limit.saturating_sub(1))
            .cloned(),
    );
    let status = Status::new(
        Level::Ended,
        &format!("ended ({}, {})", end.date, end.how),
        Msg::new("why.ended")
            .with("what", &end.what)
            .with("last", last)
            .with("label", before.label_msg())
            .with("reason", before.why.clone()),
        evidence,
    )
    .since(Some(end.date))
    .basis(Basis::Ended);
    // What the records say after the end (a force gone, a corridor emptied): history,
    // shown and never a breach of an obligation that no longer binds.
    let after = (as_of > end.date).then(|| {
        let (now, now_details) = rule(input, o, as_of, deadline_last_day(input, all, o, as_of));
        json!({"date": as_of, "status": now, "details": now_details})
    });
    let details = json!({
        "ended": {"date": end.date, "how": end.how, "evidence": end.key},
        "before_end": {"date": last, "status": before, "details": before_details},
        "after_end": after,
    });
    (status, details)
}

/// The last day on time: fixed deadlines from the view; a deadline counted from another
/// obligation's completion once that completion is on record.
fn deadline_last_day(
    input: Inputs<'_>,
    all: &[ObligationView],
    o: &ObligationView,
    as_of: Date,
) -> Option<Date> {
    match &o.obligation.deadline {
        Some(truce_model::Deadline::After { obligation, period }) => {
            let other = all.iter().find(|x| x.obligation.id == *obligation)?;
            let done = steps(input, other, as_of)
                .into_iter()
                .filter(|s| s.stage == Stage::Completed)
                .map(|s| s.date)
                .min()?;
            period.after(done)
        }
        Some(d) => d.last_day(input.agreement.tz()),
        None => None,
    }
}

/// " since DAY", or nothing.
fn since_part(since: Option<Date>) -> Part {
    since
        .map(|d| Msg::new("why.since_day").with("day", d))
        .into()
}

fn next_day(d: Date) -> Date {
    d.checked_add(1.day()).unwrap_or(d)
}

fn list(mut keys: Vec<String>, limit: usize) -> Vec<String> {
    keys.truncate(limit);
    keys
}

// --- progress: handovers, withdrawals, milestones -----------------------------------------

struct Step {
    date: Date,
    stage: Stage,
    key: String,
    /// A record's own words, or the step in the rules' words.
    what: Part,
}

/// Steps on record for an obligation up to `as_of`: handover / withdrawal records of its
/// zones (from an obligor, to a beneficiary when named) and milestones naming it.
fn steps(input: Inputs<'_>, o: &ObligationView, as_of: Date) -> Vec<Step> {
    let ob = &o.obligation;
    let e = input.evidence;
    let mut out = Vec::new();
    let transfers = match ob.kind {
        ObligationKind::Handover => Some(("handover", &e.handovers)),
        ObligationKind::Withdrawal => Some(("withdrawal", &e.withdrawals)),
        _ => None,
    };
    if let Some((kind, records)) = transfers {
        for t in records.iter().take_while(|t| t.date <= as_of) {
            let zone_ok = ob.zones.contains(&t.zone);
            let from_ok = ob.obligors.is_empty() || ob.obligors.contains(&t.from);
            let to_ok = match &t.to {
                Some(to) => ob.beneficiaries.is_empty() || ob.beneficiaries.contains(to),
                None => true,
            };
            if zone_ok && from_ok && to_ok {
                out.push(Step {
                    date: t.date,
                    stage: t.stage,
                    key: format!("{kind}:{}", t.id),
                    what: Msg::new("why.step")
                        .with("stage", Part::word("stage", t.stage))
                        .with("kind", Part::word("step", kind))
                        .with("zone", Part::zone(&t.zone))
                        .into(),
                });
            }
        }
    }
    for m in e.milestones.iter().take_while(|m| m.date <= as_of) {
        // An end is not a step; `line` reads it.
        if m.obligation == ob.id && m.stage != Stage::Ended {
            out.push(Step {
                date: m.date,
                stage: m.stage,
                key: format!("milestone:{}", m.id),
                what: Part::Text(m.what.clone()),
            });
        }
    }
    out.sort_by_key(|s| (s.date, s.stage));
    out
}

/// The returns and displacements sources count, latest figure of each (claimant, kind,
/// zone, place) by `as_of`.
struct Flows {
    lines: Vec<Value>,
    keys: Vec<String>,
    summary: Part,
    returns: bool,
    displaced: bool,
    latest: Option<Date>,
}

fn flows(input: Inputs<'_>, as_of: Date) -> Flows {
    let mut latest: BTreeMap<(String, &str, &str, Option<&str>), &truce_model::records::Flow> =
        BTreeMap::new();
    for f in input.evidence.flows.iter().take_while(|f| f.date <= as_of) {
        latest.insert(
            (
                f.kind.to_string(),
                f.claimant.as_str(),
                f.zone.as_str(),
                f.place.as_deref(),
            ),
            f,
        );
    }
    let mut out = Flows {
        lines: Vec::new(),
        keys: Vec::new(),
        summary: Part::none(),
        returns: false,
        displaced: false,
        latest: None,
    };
    let mut parts = Vec::new();
    for f in latest.values() {
        let figure: Part = match (f.persons, f.families) {
            (Some(p), Some(fam)) => Msg::new("why.figure.persons_families")
                .with("n", p)
                .with("families", fam)
                .into(),
            (Some(p), None) => Msg::new("why.figure.persons").with("n", p).into(),
            (None, Some(fam)) => Msg::new("why.figure.families").with("n", fam).into(),
            (None, None) => Part::none(),
        };
        let place = f
            .place
            .as_deref()
            .map_or_else(|| Part::zone(&f.zone), Part::from);
        parts.push(
            Msg::new(match f.kind {
                truce_model::records::FlowKind::Return => "why.flow.return",
                truce_model::records::FlowKind::Displacement => "why.flow.displacement",
            })
            .with("figure", figure)
            .with("place", place)
            .with("since", since_part(f.since))
            .with("when", when_part(f.date, f.span.as_ref()))
            .with("claimant", Part::actor(&f.claimant))
            .into(),
        );
        out.lines.push(json!({"kind": f.kind, "zone": f.zone, "place": f.place, "persons": f.persons, "families": f.families, "since": f.since, "as_of": f.date, "when": when(f.date, f.span.as_ref()), "claimant": f.claimant, "evidence": format!("flow:{}", f.id)}));
        out.keys.push(format!("flow:{}", f.id));
        match f.kind {
            truce_model::records::FlowKind::Return => out.returns = true,
            truce_model::records::FlowKind::Displacement => out.displaced = true,
        }
        out.latest = out.latest.max(Some(f.date));
    }
    out.summary = Part::list(parts, "; ");
    out
}

/// Handovers, withdrawals and milestone-like obligations: how far the steps on record
/// went, against the deadline as in force on the date.
fn progress(
    input: Inputs<'_>,
    o: &ObligationView,
    as_of: Date,
    last_day: Option<Date>,
) -> (Status, Value) {
    let ob = &o.obligation;
    let all = steps(input, o, as_of);
    let flows = (ob.kind == ObligationKind::ReturnOfDisplaced).then(|| flows(input, as_of));
    let details = json!({
        "steps": all.iter().map(|s| json!({"date": s.date, "stage": s.stage, "evidence": s.key, "what": english().part(&s.what)})).collect::<Vec<_>>(),
        "original_last_day": o.original_deadline.as_ref().and_then(|d| d.last_day(input.agreement.tz())),
        "amended_by": o.applied.iter().map(|c| c.document.clone()).collect::<Vec<_>>(),
        "flows": flows.as_ref().map(|f| &f.lines),
    });
    // Returns and displacements counted by sources: with no step of the obligation on
    // record (a return under its terms), they are what the line can say. They are no
    // step of it, so the level stays unknown: never progress, never a failure.
    if all.is_empty()
        && let Some(f) = flows.filter(|f| !f.lines.is_empty())
    {
        let state = match (f.returns, f.displaced) {
            (true, true) => "returns and displacement reported",
            (true, false) => "returns reported",
            _ => "displacement reported",
        };
        let status = Status::new(
            Level::Unknown,
            state,
            Msg::new("why.flows_only").with("summary", f.summary),
            f.keys,
        )
        .since(f.latest);
        return (status, details);
    }
    let overdue = last_day.is_some_and(|l| as_of > l);
    if let Some(done) = all.iter().find(|s| s.stage == Stage::Completed) {
        let late = last_day.is_some_and(|l| done.date > l);
        let state = if late {
            "complete late"
        } else {
            "complete on time"
        };
        let state = if last_day.is_none() {
            "complete"
        } else {
            state
        };
        let reason = match last_day {
            Some(l) => Msg::new("why.done_by").with("last", l),
            None => Msg::new("why.done"),
        }
        .with("what", done.what.clone())
        .with("on", done.date);
        let status = Status::new(Level::Full, state, reason, vec![done.key.clone()])
            .late(late)
            .since(Some(done.date));
        return (status, details);
    }
    if let Some(best) = all.iter().max_by_key(|s| (s.stage, s.date)) {
        let level = Level::of_stage(best.stage);
        let (state, since) = if overdue {
            ("overdue", last_day.map(next_day))
        } else {
            ("under way", Some(best.date))
        };
        let reason = match last_day {
            Some(l) => Msg::new("why.not_complete_by").with("last", l),
            None => Msg::new("why.not_complete"),
        }
        .with("what", best.what.clone())
        .with("on", best.date);
        let keys = all.iter().map(|s| s.key.clone()).collect();
        return (
            Status::new(level, state, reason, keys)
                .late(overdue)
                .since(since),
            details,
        );
    }
    // Nothing on record: the line says so, and never reads as a documented failure.
    let status = match (last_day, &ob.deadline) {
        (Some(l), _) if overdue => Status::new(
            Level::Unknown,
            "overdue — no record",
            Msg::new("why.overdue_no_record").with("last", l),
            Vec::new(),
        )
        .since(Some(next_day(l))),
        (Some(l), _) => {
            let left = as_of.until(l).map(|s| s.get_days()).unwrap_or(0);
            let amended: Part = if o.applied.is_empty() {
                Part::none()
            } else {
                Msg::new("why.as_amended_by")
                    .with(
                        "documents",
                        Part::texts(o.applied.iter().map(|c| &c.document), ", "),
                    )
                    .into()
            };
            Status::new(
                Level::Unknown,
                "due",
                Msg::new("why.due_by")
                    .with("last", l)
                    .with("amended", amended)
                    .with("n", left),
                Vec::new(),
            )
        }
        (None, Some(truce_model::Deadline::After { obligation, period })) => Status::new(
            Level::NotYetDue,
            "not yet due",
            Msg::new("why.due_after")
                .with("period", period.part())
                .with("obligation", obligation),
            Vec::new(),
        )
        .basis(Basis::NoRecord),
        (None, _) => Status::new(
            Level::Unknown,
            "no record",
            Msg::new("why.no_step"),
            Vec::new(),
        ),
    };
    (status, details)
}

// --- ceasefire -----------------------------------------------------------------------------

fn ceasefire(input: Inputs<'_>, o: &ObligationView, as_of: Date) -> (Status, Value) {
    let ix = input.violations;
    let opts = input.options;
    let ob = &o.obligation;
    if ix.observed == 0 && input.evidence.coverage.is_empty() {
        return (
            Status::new(
                Level::Unknown,
                "unknown",
                Msg::new("why.ceasefire.nothing"),
                Vec::new(),
            ),
            Value::Null,
        );
    }
    let tz = input.agreement.tz();
    let first = day_number(local_date(ob.binding_from, tz));
    let last = day_number(as_of);
    let n = i32::try_from(opts.period_days.max(1)).unwrap_or(7);
    let cur_from = (last - n + 1).max(first);
    // The previous period never reaches back before the ceasefire took effect.
    let prev_from = (last - 2 * n + 1).max(first);
    // Index of the obligation's zones among the index's zone bits.
    let zone_mask: u64 = if ob.zones.is_empty() {
        u64::MAX
    } else {
        ix.zones
            .iter()
            .enumerate()
            .filter(|(_, z)| ob.zones.contains(z))
            .fold(0, |m, (i, _)| m | (1u64 << i))
    };
    let np = ix.party_slots(); // last slot: unattributed or disputed
    // Since the ceasefire took effect: from the running sums. Per zone, only the
    // obligation's zones.
    let totals = ix.totals_between(zone_mask, first, last);
    let mut per_zone = ix.per_zone_between(first, last);
    for (z, counts) in per_zone.iter_mut().enumerate() {
        if zone_mask & (1u64 << z) == 0 {
            counts.iter_mut().for_each(|n| *n = 0);
        }
    }
    // The two periods, from the same running sums: a busy period holds thousands of
    // violations, none of which is read one by one.
    let current = ix.totals_between(zone_mask, cur_from, last);
    let previous = ix.totals_between(zone_mask, prev_from, cur_from - 1);
    // The current period per zone, day and party slot, dense (`[zone][day][party]`).
    let period_days = usize::try_from(last - cur_from + 1).unwrap_or(0);
    let per_zone_day = ix.per_zone_day(zone_mask, cur_from, last);
    // Violations in the current period that are only possibly in the zones.
    let possible = ix.possibly_in(zone_mask, cur_from, last);
    let party_name = |p: usize| -> &str {
        if p == np - 1 {
            "unattributed"
        } else {
            &ix.parties[p]
        }
    };
    let counts = |c: &[u32; 4]| -> Value {
        SLOTS
            .iter()
            .zip(c.iter())
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let by_party = |rows: &[[u32; 4]]| -> Value {
        rows.iter()
            .enumerate()
            .filter(|(_, c)| c.iter().any(|x| *x > 0))
            .map(|(p, c)| (party_name(p).to_owned(), counts(c)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    // Verdict over the obligors: confirmed + corroborated in the current period.
    let mut offenders = Vec::new();
    let mut any = false;
    let mut trends = serde_json::Map::new();
    for party in &ob.obligors {
        let Some(p) = ix.parties.iter().position(|x| x == party) else {
            trends.insert(
                party.clone(),
                json!({"current": 0, "previous": 0, "trend": "steady"}),
            );
            continue;
        };
        let cur = current[p][0] + current[p][1];
        let prev = previous[p][0] + previous[p][1];
        any |= cur > 0;
        if cur >= opts.breach_threshold.max(1) {
            offenders.push(Part::from(
                Msg::new("why.offender")
                    .with("party", Part::actor(party))
                    .with("n", cur),
            ));
        }
        let trend = match cur.cmp(&prev) {
            std::cmp::Ordering::Greater => "rising",
            std::cmp::Ordering::Less => "falling",
            std::cmp::Ordering::Equal => "steady",
        };
        trends.insert(
            party.clone(),
            json!({"current": cur, "previous": prev, "trend": trend}),
        );
    }
    let total_recent: u32 = current.iter().flatten().sum();
    let window: Part = Msg::new("why.window")
        .with("from", day_date(cur_from))
        .with("to", as_of)
        .into();
    let watched = Coverage::of(input, ob, day_date(cur_from), as_of);
    let disputed: u32 = current.iter().map(|c| c[2]).sum();
    let unverified: u32 = current.iter().map(|c| c[3]).sum();
    // Read only for a period with no violation of its own (the one state it can change),
    // so that a busy period costs no look back.
    let quiet = !any
        && current[np - 1][0] + current[np - 1][1] == 0
        && disputed + unverified == 0
        && possible.is_empty();
    let reaching = if quiet {
        ix.reaching(first, cur_from, zone_mask)
    } else {
        Vec::new()
    };
    let (level, state, reason, breached) = if !offenders.is_empty() {
        (
            Level::Minimal,
            "breached",
            Msg::new("why.ceasefire.breached")
                .with("window", window)
                .with("parties", Part::list(offenders, ", "))
                .with("threshold", opts.breach_threshold.max(1)),
            true,
        )
    } else if any {
        (
            Level::Intermediate,
            "violated",
            Msg::new("why.ceasefire.violated")
                .with("window", window)
                .with("threshold", opts.breach_threshold),
            false,
        )
    } else if current[np - 1][0] + current[np - 1][1] > 0 {
        // Confirmed or corroborated violations whose attribution is disputed: a violation
        // happened, nobody is assessed as its author.
        (
            Level::Intermediate,
            "violated, attribution disputed",
            Msg::new("why.ceasefire.disputed")
                .with("n", current[np - 1][0] + current[np - 1][1])
                .with("window", window),
            false,
        )
    } else if disputed + unverified > 0 {
        // Reports of violations that no one has confirmed: never "holding".
        (
            Level::Unknown,
            "violations reported, unverified",
            Msg::new("why.ceasefire.unverified")
                .with("n", disputed + unverified)
                .with("window", window)
                .with("unverified", unverified)
                .with("disputed", disputed),
            false,
        )
    } else if !possible.is_empty() {
        // Violations whose place is too uncertain to say they were inside: never
        // "holding", never "violated".
        (
            Level::Unknown,
            "violations possibly in the zone",
            Msg::new("why.ceasefire.possibly_in_zone")
                .with("n", possible.len())
                .with("window", window)
                .with("zones", Part::zones(&ob.zones)),
            false,
        )
    } else if !reaching.is_empty() {
        // Violations dated before the period whose time reaches into it: the period may
        // hold them, so it is not read as quiet.
        (
            Level::Unknown,
            "violations possibly in the period",
            Msg::new("why.ceasefire.possibly_in_period")
                .with("n", reaching.len())
                .with("from", day_date(cur_from))
                .with("window", window),
            false,
        )
    } else {
        match watched.verdict() {
            Watched::Nowhere => (
                Level::Unknown,
                "unknown (no coverage)",
                Msg::new("why.ceasefire.unwatched").with("window", window),
                false,
            ),
            Watched::Everywhere => (
                Level::Full,
                "holding",
                Msg::new("why.ceasefire.holding")
                    .with("window", window)
                    .with("watchers", watched.watchers()),
                false,
            ),
            Watched::Partly => (
                Level::Full,
                "holding where watched",
                Msg::new("why.ceasefire.holding_where_watched")
                    .with("window", window)
                    .with("watchers", watched.watchers())
                    .with("gaps", watched.gaps()),
                false,
            ),
        }
    };
    // The evidence: confirmed and corroborated incidents, or, when only unconfirmed
    // reports stand, those.
    // Violations of the period are cited confirmed first, then the latest first; those
    // only possibly in the zone or the period in the order they are held.
    let recent = match state {
        "violations reported, unverified" => {
            ix.latest(zone_mask, cur_from, last, 2..4, opts.evidence_limit)
        }
        "violations possibly in the zone" => possible,
        "violations possibly in the period" => reaching,
        _ => ix.latest(zone_mask, cur_from, last, 0..2, opts.evidence_limit),
    };
    let mut evidence: Vec<String> = recent
        .iter()
        .take(opts.evidence_limit)
        .map(|r| ix.ids[r.2 as usize].to_string())
        .collect();
    // A quiet period stands on the coverage that watched it.
    if state.starts_with("holding") {
        evidence.extend(watched.keys.iter().take(opts.evidence_limit).cloned());
    }
    // Legacy mines and unexploded ordnance: incidents and dead per zone and month, apart
    // from the violations.
    let mut ordnance: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    let a = ix.ordnance.partition_point(|o| o.0 < first);
    let b = ix.ordnance.partition_point(|o| o.0 <= last);
    for (day, zones, killed) in &ix.ordnance[a..b.max(a)] {
        let month = day_date(*day).strftime("%Y-%m").to_string();
        let mut bits = *zones & zone_mask;
        let mut any_zone = false;
        while bits != 0 {
            let z = bits.trailing_zeros() as usize;
            let slot = ordnance
                .entry((ix.zones[z].clone(), month.clone()))
                .or_default();
            slot.0 += 1;
            slot.1 += killed;
            bits &= bits - 1;
            any_zone = true;
        }
        if !any_zone && ob.zones.is_empty() {
            let slot = ordnance
                .entry(("outside every zone".into(), month))
                .or_default();
            slot.0 += 1;
            slot.1 += killed;
        }
    }
    let zone_names: Vec<&str> = ix.zones.iter().map(String::as_str).collect();
    // Members moved in rather than written through `json!`, which would copy each
    // value built here once more.
    let per_zone_since: serde_json::Map<String, Value> = per_zone
        .iter()
        .enumerate()
        .filter(|(_, c)| c.iter().any(|x| *x > 0))
        .map(|(z, c)| {
            (
                zone_names[z].to_owned(),
                c.iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(p, n)| (party_name(p).to_owned(), json!(n)))
                    .collect::<serde_json::Map<_, _>>()
                    .into(),
            )
        })
        .collect();
    let per_zone_day: Vec<Value> = per_zone_day
        .iter()
        .enumerate()
        .filter(|(_, c)| c.iter().any(|n| *n > 0))
        .map(|(k, c)| {
            let (z, d, p) = (k / (period_days * np), (k / np) % period_days, k % np);
            let mut cell = serde_json::Map::new();
            cell.insert("zone".into(), zone_names[z].into());
            cell.insert(
                "date".into(),
                day_date(cur_from + i32::try_from(d).unwrap_or(0))
                    .to_string()
                    .into(),
            );
            cell.insert("party".into(), party_name(p).into());
            cell.insert("counts".into(), counts(c));
            Value::Object(cell)
        })
        .collect();
    let mut details = serde_json::Map::new();
    for (key, value) in [
        ("period", json!({"from": day_date(cur_from), "to": as_of, "days": opts.period_days})),
        ("previous_period", json!({"from": day_date(prev_from), "to": day_date(cur_from - 1)})),
        ("threshold", json!(opts.breach_threshold)),
        ("since_effective", by_party(&totals)),
        ("current_period", by_party(&current)),
        ("previous_period_counts", by_party(&previous)),
        ("trend", Value::Object(trends)),
        ("per_zone_since_effective", Value::Object(per_zone_since)),
        ("per_zone_day", Value::Array(per_zone_day)),
        ("incidents_in_period", json!(total_recent)),
        ("coverage", watched.details()),
        ("legacy_ordnance", ordnance.iter().map(|((zone, month), (n, killed))| json!({"zone": zone, "month": month, "incidents": n, "killed": killed})).collect()),
    ] {
        details.insert(key.to_owned(), value);
    }
    let details = Value::Object(details);
    (
        Status::new(level, state, reason, evidence).breached(breached),
        details,
    )
}

/// What the coverage on record watched of an obligation's zones over a period.
struct Coverage {
    /// Days of the period.
    days: u32,
    /// Per zone (`*` when the obligation names none): the days watched.
    per_zone: BTreeMap<String, u32>,
    /// The coverage records that watched some of it.
    keys: Vec<String>,
    /// Their watchers.
    who: BTreeSet<String>,
}

enum Watched {
    Nowhere,
    Partly,
    Everywhere,
}

impl Coverage {
    fn of(input: Inputs<'_>, ob: &truce_model::Obligation, from: Date, to: Date) -> Self {
        let zones: Vec<&str> = if ob.zones.is_empty() {
            vec!["*"]
        } else {
            ob.zones.iter().map(String::as_str).collect()
        };
        let mut c = Self {
            days: 0,
            per_zone: zones.iter().map(|z| ((*z).to_owned(), 0)).collect(),
            keys: Vec::new(),
            who: BTreeSet::new(),
        };
        let mut day = from;
        loop {
            c.days += 1;
            for z in &zones {
                let by: Vec<_> = input
                    .evidence
                    .coverage
                    .iter()
                    .filter(|r| {
                        if *z == "*" {
                            r.from <= day && r.to.is_none_or(|t| day <= t)
                        } else {
                            r.watches(z, day)
                        }
                    })
                    .collect();
                if !by.is_empty() {
                    *c.per_zone.entry((*z).to_owned()).or_default() += 1;
                }
                for r in by {
                    let key = format!("coverage:{}", r.id);
                    if !c.keys.contains(&key) {
                        c.keys.push(key);
                    }
                    c.who.insert(r.watcher.clone());
                }
            }
            if day >= to {
                break;
            }
            day = next_day(day);
        }
        c
    }

    fn verdict(&self) -> Watched {
        if self.per_zone.values().all(|n| *n == 0) {
            Watched::Nowhere
        } else if self.per_zone.values().all(|n| *n == self.days) {
            Watched::Everywhere
        } else {
            Watched::Partly
        }
    }

    fn watchers(&self) -> Part {
        Part::texts(&self.who, ", ")
    }

    fn gaps(&self) -> Part {
        Part::list(
            self.per_zone
                .iter()
                .filter(|(_, n)| **n < self.days)
                .map(|(z, n)| {
                    Msg::new("why.zone_days_watched")
                        .with("zone", Part::zone(z))
                        .with("watched", *n)
                        .with("n", self.days)
                        .into()
                }),
            ", ",
        )
    }

    fn details(&self) -> Value {
        json!({
            "days": self.days,
            "days_watched_per_zone": self.per_zone,
            "watchers": self.who,
            "records": self.keys,
        })
    }
}

// --- deployment ----------------------------------------------------------------------------

/// Actors whose records count for the obligation: obligors and monitors, and actors that
/// are part of one of them.
fn forces(a: &Agreement, o: &ObligationView) -> BTreeSet<String> {
    let ob = &o.obligation;
    let named: BTreeSet<&str> = ob
        .obligors
        .iter()
        .chain(&ob.monitors)
        .map(String::as_str)
        .collect();
    a.actors
        .iter()
        .filter(|x| {
            named.contains(x.id.as_str()) || x.part_of.as_deref().is_some_and(|p| named.contains(p))
        })
        .map(|x| x.id.clone())
        .collect()
}

fn no_presence(missing: &[&String]) -> Msg {
    Msg::new("why.no_presence").with("zones", Part::zones(missing))
}

fn post_open(opened: Date, closed: Option<Date>, on: Date) -> bool {
    opened <= on && closed.is_none_or(|c| c > on)
}

/// Zones of the obligation where the force is present on the date, with the records
/// showing it: observation posts open there, or the latest strength report naming it.
fn presence(
    input: Inputs<'_>,
    o: &ObligationView,
    force: &BTreeSet<String>,
    as_of: Date,
) -> BTreeMap<String, Vec<String>> {
    let e = input.evidence;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in e.posts.iter().take_while(|p| p.opened <= as_of) {
        if force.contains(&p.force) && post_open(p.opened, p.closed, as_of) {
            for z in p.zones.iter().filter(|z| o.obligation.zones.contains(z)) {
                out.entry(z.clone())
                    .or_default()
                    .push(format!("observation-post:{}", p.id));
            }
        }
    }
    // A zone's latest standing post count above zero shows presence there.
    let mut counts: BTreeMap<(&str, Option<&str>, bool), &truce_model::records::PostCount> =
        BTreeMap::new();
    for c in e
        .post_counts
        .iter()
        .take_while(|c| c.date <= as_of)
        .filter(|c| force.contains(&c.force) && c.count.is_some())
    {
        if let Some(z) = &c.zone {
            counts.insert((z.as_str(), c.area.as_deref(), c.temporary), c);
        }
    }
    for ((z, _, _), c) in counts {
        if c.count.is_some_and(|n| n > 0) && o.obligation.zones.iter().any(|x| x == z) {
            out.entry(z.to_owned())
                .or_default()
                .push(format!("post-count:{}", c.id));
        }
    }
    if let Some(s) = e
        .strengths
        .iter()
        .take_while(|s| s.date <= as_of)
        .filter(|s| force.contains(&s.force) && s.present_in.is_some())
        .last()
    {
        for z in s
            .present_in
            .iter()
            .flatten()
            .filter(|z| o.obligation.zones.contains(z))
        {
            out.entry(z.clone())
                .or_default()
                .push(format!("strength:{}", s.id));
        }
    }
    out
}

fn deployment(input: Inputs<'_>, o: &ObligationView, as_of: Date) -> (Status, Value) {
    let ob = &o.obligation;
    let e = input.evidence;
    let force = forces(input.agreement, o);
    let reports: Vec<_> = e
        .strengths
        .iter()
        .take_while(|s| s.date <= as_of)
        .filter(|s| force.contains(&s.force))
        .collect();
    let mut evidence = Vec::new();
    let mut over = Vec::new();
    let mut caps = Vec::new();
    for q in &ob.quantities {
        let latest = reports
            .iter()
            .rev()
            .find_map(|s| s.figures.get(&q.name).map(|v| (s, *v)));
        let (value, from) = match latest {
            Some((s, v)) => {
                let key = format!("strength:{}", s.id);
                if !evidence.contains(&key) {
                    evidence.push(key.clone());
                }
                (Some(v), Some((key, s.date)))
            }
            None => (None, None),
        };
        let breach = value.is_some_and(|v| match q.limit {
            Limit::Max => v > q.value,
            Limit::Min => v < q.value,
            Limit::Exact => (v - q.value).abs() > f64::EPSILON,
        });
        if breach {
            over.push(Part::from(
                Msg::new("why.over_cap_one")
                    .with("quantity", &q.name)
                    .with("value", value.unwrap_or_default().to_string())
                    .with("limit", Part::word("limit", q.limit))
                    .with("cap", q.value.to_string())
                    .with("unit", &q.unit),
            ));
        }
        caps.push(json!({
            "quantity": q.name, "limit": q.limit, "cap": q.value, "unit": q.unit,
            "latest": value, "reported": from.as_ref().map(|f| f.1), "evidence": from.map(|f| f.0), "breach": breach,
        }));
    }
    let present = presence(input, o, &force, as_of);
    for keys in present.values() {
        for k in keys {
            if !evidence.contains(k) {
                evidence.push(k.clone());
            }
        }
    }
    let missing: Vec<&String> = ob
        .zones
        .iter()
        .filter(|z| !present.contains_key(*z))
        .collect();
    let open_posts = e
        .posts
        .iter()
        .filter(|p| force.contains(&p.force) && post_open(p.opened, p.closed, as_of))
        .count();
    // Posts reported as counts: the latest standing count of each zone and area, and
    // every closure count, as the sources give them.
    let mut standing: BTreeMap<
        (Option<&str>, Option<&str>, bool),
        &truce_model::records::PostCount,
    > = BTreeMap::new();
    let mut closures = Vec::new();
    for c in e
        .post_counts
        .iter()
        .take_while(|c| c.date <= as_of)
        .filter(|c| force.contains(&c.force))
    {
        if c.count.is_some() {
            standing.insert((c.zone.as_deref(), c.area.as_deref(), c.temporary), c);
        }
        if let Some(n) = c.closed {
            closures.push(json!({"zone": c.zone, "area": c.area, "temporary": c.temporary, "closed": n, "when": when(c.date, c.span.as_ref()), "evidence": format!("post-count:{}", c.id)}));
        }
    }
    let counted: Vec<Value> = standing
        .values()
        .map(|c| json!({"zone": c.zone, "area": c.area, "temporary": c.temporary, "count": c.count, "when": when(c.date, c.span.as_ref()), "evidence": format!("post-count:{}", c.id)}))
        .collect();
    for c in standing.values() {
        let key = format!("post-count:{}", c.id);
        if !evidence.contains(&key) {
            evidence.push(key);
        }
    }
    let details = json!({
        "posts_by_area": counted,
        "posts_closed": closures,
        "caps": caps,
        "present_in": present,
        "missing_in": missing,
        "open_observation_posts": open_posts,
        "reported_observation_posts": reports.iter().rev().find_map(|s| s.observation_posts),
    });
    let breached = !over.is_empty();
    // The latest report of none left, or of no zone at all: the force has gone.
    let gone = reports.last().filter(|s| {
        s.figures.get("personnel").is_some_and(|p| *p == 0.0)
            || s.present_in.as_ref().is_some_and(Vec::is_empty)
    });
    let status = if let Some(last) = gone {
        Status::new(
            Level::Unknown,
            "withdrawn",
            Msg::new("why.withdrawn").with("day", last.date).with(
                "gives",
                Part::word(
                    "state",
                    if last.figures.get("personnel").is_some_and(|p| *p == 0.0) {
                        "no personnel"
                    } else {
                        "no zone of presence"
                    },
                ),
            ),
            vec![format!("strength:{}", last.id)],
        )
        .since(Some(last.date))
    } else if reports.is_empty() && present.is_empty() {
        Status::new(
            Level::Unknown,
            "no record",
            Msg::new("why.deployment.nothing"),
            Vec::new(),
        )
    } else {
        let (level, state) = if missing.is_empty() && !ob.zones.is_empty() {
            (Level::Full, "deployed")
        } else if present.is_empty() {
            (Level::Minimal, "deploying")
        } else {
            (Level::Intermediate, "partly deployed")
        };
        let mut reason = if missing.is_empty() {
            Msg::new("why.present_in").with("zones", Part::zones(&ob.zones))
        } else {
            no_presence(&missing)
        };
        if breached {
            reason = Msg::new("why.over_cap")
                .with("over", Part::list(over, "; "))
                .with("reason", reason);
        } else if !caps.is_empty() {
            reason = Msg::new("why.within_caps").with("reason", reason);
        }
        if let Some(last) = reports.last() {
            reason = Msg::new("why.latest_strength")
                .with("reason", reason)
                .with("day", last.date);
        }
        let state = if breached { "over cap" } else { state };
        Status::new(level, state, reason, evidence).breached(breached)
    };
    (status, details)
}

// --- term ----------------------------------------------------------------------------------

fn term(input: Inputs<'_>, o: &ObligationView, as_of: Date) -> (Status, Value) {
    let ob = &o.obligation;
    let Some(rule) = &ob.term else {
        return (
            Status::new(
                Level::Unknown,
                "no term rule",
                Msg::new("why.term.no_rule"),
                Vec::new(),
            ),
            Value::Null,
        );
    };
    if as_of < rule.starts {
        return (
            Status::new(
                Level::NotYetDue,
                "not started",
                Msg::new("why.term.starts").with("day", rule.starts),
                Vec::new(),
            ),
            Value::Null,
        );
    }
    let notices: Vec<_> = input
        .evidence
        .notices
        .iter()
        .take_while(|n| n.date <= as_of)
        .filter(|n| {
            n.obligation == ob.id && (rule.notice_by.is_empty() || rule.notice_by.contains(&n.by))
        })
        .collect();
    let mut periods = Vec::new();
    let mut late_notices = Vec::new();
    let mut ended: Option<(Date, Vec<String>)> = None;
    let mut ending: Option<(Date, Vec<String>)> = None;
    let mut starts = rule.starts;
    let mut length = rule.initial;
    for number in 1..=200u32 {
        let Some(expires) = length.after(starts) else {
            break;
        };
        let last_notice = rule.notice.before(expires).unwrap_or(starts);
        periods.push(json!({"number": number, "starts": starts, "expires": expires, "last_notice_day": last_notice}));
        // The latest notice of each party given in this period up to its notice deadline.
        let mut latest: BTreeMap<&str, &truce_model::records::Notice> = BTreeMap::new();
        for n in notices
            .iter()
            .filter(|n| n.date >= starts && n.date <= last_notice)
        {
            latest.insert(n.by.as_str(), n);
        }
        let terminating: Vec<String> = latest
            .values()
            .filter(|n| n.intention == truce_model::records::Intention::Terminate)
            .map(|n| format!("notice:{}", n.id))
            .collect();
        for n in notices.iter().filter(|n| {
            n.date > last_notice
                && n.date < expires
                && n.intention == truce_model::records::Intention::Terminate
        }) {
            late_notices.push(format!("notice:{}", n.id));
        }
        if !terminating.is_empty() {
            if as_of >= expires {
                ended = Some((expires, terminating));
            } else {
                ending = Some((expires, terminating));
            }
            break;
        }
        match rule.renewal {
            Some(r) if expires <= as_of => {
                starts = expires;
                length = r;
            }
            _ => break,
        }
    }
    let details =
        json!({"periods": periods, "late_notices": late_notices, "notice_by": rule.notice_by});
    let current = periods.last().cloned().unwrap_or(Value::Null);
    let get = |k: &str| -> Part {
        match current.get(k).and_then(Value::as_str) {
            Some(d) => d
                .parse::<Date>()
                .map_or_else(|_| Part::Text(d.to_owned()), Part::day),
            None => Part::Text("?".into()),
        }
    };
    let status = if let Some((on, keys)) = ended {
        Status::new(
            Level::Full,
            "ended",
            Msg::new("why.term.ended").with("day", on),
            keys,
        )
        .since(Some(on))
    } else if let Some((on, keys)) = ending {
        Status::new(
            Level::Full,
            "ending",
            Msg::new("why.term.ending").with("day", on),
            keys,
        )
    } else {
        let number = current.get("number").and_then(Value::as_u64).unwrap_or(1);
        let state = if number > 1 { "renewed" } else { "in force" };
        let late: Part = if late_notices.is_empty() {
            Msg::new("why.term.no_notice").into()
        } else {
            Msg::new("why.term.late_notices")
                .with("n", late_notices.len())
                .into()
        };
        let renews: Part = rule
            .renewal
            .map(|r| Msg::new("why.term.renews").with("period", r.part()))
            .into();
        let reason = Msg::new("why.term.period")
            .with("number", number)
            .with("starts", get("starts"))
            .with("expires", get("expires"))
            .with("notice", get("last_notice_day"))
            .with("renews", renews)
            .with("late", late);
        let since = current
            .get("starts")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok());
        // In force or renewed by the term rule's own dates, not by a record.
        Status::new(Level::Full, state, reason, late_notices.clone())
            .since(since)
            .basis(Basis::Calendar)
    };
    (status, details)
}

// --- corridor ------------------------------------------------------------------------------

/// True when a peacekeeping force watches over the obligation: the corridor rule is then
/// about control (who runs checkpoints), otherwise about passage (traffic and closures).
fn controlled_by_force(a: &Agreement, o: &ObligationView) -> bool {
    o.obligation
        .monitors
        .iter()
        .filter_map(|m| a.actor(m))
        .any(|x| x.roles.contains(&Role::PeacekeepingForce))
}

fn corridor_control(input: Inputs<'_>, o: &ObligationView, as_of: Date) -> (Status, Value) {
    let ob = &o.obligation;
    let force = forces(input.agreement, o);
    let in_zone: Vec<_> = input
        .evidence
        .checkpoints
        .iter()
        .filter(|c| {
            ob.zones.contains(&c.zone)
                && c.opened.is_none_or(|d| d <= as_of)
                && c.closed.is_none_or(|d| d > as_of)
        })
        .collect();
    let foreign: Vec<_> = in_zone
        .iter()
        .filter(|c| !force.contains(&c.operator))
        .collect();
    let present = presence(input, o, &force, as_of);
    let details = json!({
        "checkpoints": in_zone.iter().map(|c| json!({"id": c.id, "name": c.name, "operator": c.operator, "opened": c.opened})).collect::<Vec<_>>(),
        "present_in": present,
    });
    if !foreign.is_empty() {
        let since = foreign.iter().filter_map(|c| c.opened).min();
        let who: Vec<Part> = foreign
            .iter()
            .map(|c| {
                Msg::new("why.checkpoint_run_by")
                    .with("name", &c.name)
                    .with("operator", Part::actor(&c.operator))
                    .with("since", since_part(c.opened))
                    .into()
            })
            .collect();
        let keys = foreign
            .iter()
            .map(|c| format!("checkpoint:{}", c.id))
            .collect();
        return (
            Status::new(
                Level::Minimal,
                "control contested",
                Msg::new("why.corridor.contested").with("checkpoints", Part::list(who, "; ")),
                keys,
            )
            .breached(true)
            .since(since),
            details,
        );
    }
    let mut keys: Vec<String> = present.values().flatten().cloned().collect();
    keys.extend(in_zone.iter().map(|c| format!("checkpoint:{}", c.id)));
    keys.dedup();
    let missing: Vec<&String> = ob
        .zones
        .iter()
        .filter(|z| !present.contains_key(*z))
        .collect();
    let status = if keys.is_empty() {
        Status::new(
            Level::Unknown,
            "unknown",
            Msg::new("why.corridor.nothing"),
            Vec::new(),
        )
    } else if missing.is_empty() {
        Status::new(
            Level::Full,
            "under control",
            Msg::new("why.corridor.controlled").with("zones", Part::zones(&ob.zones)),
            keys,
        )
    } else {
        Status::new(
            Level::Intermediate,
            "partly controlled",
            no_presence(&missing),
            keys,
        )
    };
    (status, details)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Traffic {
    Open,
    Restricted,
    Blocked,
    /// No closure in force and no count recent enough to say.
    Unknown,
}

impl Traffic {
    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Restricted => "restricted",
            Self::Blocked => "blocked",
            Self::Unknown => "unknown",
        }
    }
}

fn median(v: &VecDeque<u64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s: Vec<u64> = v.iter().copied().collect();
    s.sort_unstable();
    let m = s.len() / 2;
    #[allow(clippy::cast_precision_loss)]
    Some(if s.len() % 2 == 1 {
        s[m] as f64
    } else {
        (s[m - 1] + s[m]) as f64 / 2.0
    })
}

/// Utility cut-offs in force on `as_of` anywhere in the agreement's zones, as context
/// for the corridor the area depends on: shown, never counted against the corridor's
/// obligor (a cut-off says who reported it and whom the reporter blames).
fn cutoffs(input: Inputs<'_>, as_of: Date) -> Value {
    let all: Vec<_> = input
        .evidence
        .cutoffs
        .iter()
        .take_while(|c| c.from <= as_of)
        .collect();
    json!({
        "in_force": all.iter().filter(|c| c.to.is_none_or(|t| as_of <= t)).map(|c| json!({
            "utility": c.utility, "zone": c.zone, "from": c.from, "to": c.to, "time": c.time,
            "places": c.places, "reported_by": c.reported_by, "blamed_on": c.blamed_on,
            "evidence": format!("cutoff:{}", c.id),
        })).collect::<Vec<_>>(),
        "on_record": all.iter().map(|c| format!("cutoff:{}", c.id)).collect::<Vec<_>>(),
    })
}

/// Corridor passage: each day is blocked or restricted when a closure declared for the
/// corridor or one of its checkpoints is in force; otherwise its civilian and commercial
/// traffic (persons + vehicles) is compared with the median of the last `baseline_days`
/// open days. A day without counts keeps the state the last counts gave for at most
/// `carry_days` days; a closure's effect ends after its last day. Past either, the day
/// is `unknown` until a count or another record says more.
fn corridor_passage(input: Inputs<'_>, o: &ObligationView, as_of: Date) -> (Status, Value) {
    let ob = &o.obligation;
    let e = input.evidence;
    let opts = input.options;
    let points: BTreeSet<&str> = e
        .checkpoints
        .iter()
        .filter(|c| ob.zones.contains(&c.zone))
        .map(|c| c.id.as_str())
        .collect();
    let mut days: BTreeMap<Date, (u64, Vec<String>)> = BTreeMap::new();
    for c in e.crossings.iter().take_while(|c| c.date <= as_of) {
        if !points.contains(c.checkpoint.as_str()) {
            continue;
        }
        let slot = days.entry(c.date).or_default();
        if !matches!(c.category.as_str(), "humanitarian" | "peacekeeping") {
            slot.0 += u64::from(c.persons) + u64::from(c.vehicles);
        }
        slot.1.push(format!("crossing:{}", c.id));
    }
    let closures: Vec<_> = e
        .closures
        .iter()
        .filter(|c| c.from <= as_of)
        .filter(|c| {
            c.checkpoint.as_deref().is_some_and(|p| points.contains(p))
                || c.zone.as_ref().is_some_and(|z| ob.zones.contains(z))
        })
        .collect();
    let first = days
        .keys()
        .next()
        .copied()
        .into_iter()
        .chain(closures.iter().map(|c| c.from))
        .min();
    let Some(first) = first else {
        return (
            Status::new(
                Level::Unknown,
                "unknown",
                Msg::new("why.corridor.no_counts"),
                Vec::new(),
            ),
            json!({"checkpoints": points, "utility_cutoffs": cutoffs(input, as_of)}),
        );
    };
    let cap = opts.baseline_days.max(1) as usize;
    // Until seven open days are on record, the baseline is the median of the first days
    // with counts.
    let initial: VecDeque<u64> = days.values().take(cap).map(|d| d.0).collect();
    let mut window: VecDeque<u64> = VecDeque::new();
    let mut runs: Vec<(Date, Traffic)> = Vec::new();
    let mut series: VecDeque<Value> = VecDeque::new();
    let mut state: Option<Traffic> = None;
    // Whether the last day with a record took its state from counts, and the days since.
    let (mut from_counts, mut carried) = (false, 0u32);
    // Evidence of the current state: what decided the day it began and the latest day.
    let mut run_keys: Vec<String> = Vec::new();
    let mut latest_keys: Vec<String> = Vec::new();
    let mut day = first;
    loop {
        let mut reason_keys = Vec::new();
        let mut closure: Option<ClosureScope> = None;
        for c in closures
            .iter()
            .filter(|c| c.from <= day && c.to.is_none_or(|t| t >= day))
        {
            closure = Some(match (closure, c.scope) {
                (Some(ClosureScope::Full), _) | (_, ClosureScope::Full) => ClosureScope::Full,
                _ => ClosureScope::Partial,
            });
            reason_keys.push(format!("closure:{}", c.id));
        }
        let baseline = if window.len() >= 7 {
            median(&window)
        } else {
            median(&initial)
        };
        let counted = days.get(&day);
        let today = match (closure, counted) {
            (Some(ClosureScope::Full), _) => Some(Traffic::Blocked),
            (Some(ClosureScope::Partial), _) => Some(Traffic::Restricted),
            (None, Some((n, keys))) => {
                reason_keys.extend(keys.iter().cloned());
                #[allow(clippy::cast_precision_loss)]
                let ratio = match baseline {
                    Some(b) if b > 0.0 => *n as f64 / b,
                    _ => {
                        if *n > 0 {
                            1.0
                        } else {
                            0.0
                        }
                    }
                };
                Some(if ratio < opts.blocked_below {
                    Traffic::Blocked
                } else if ratio < opts.restricted_below {
                    Traffic::Restricted
                } else {
                    Traffic::Open
                })
            }
            // No record today: the last counts' state holds for a bounded number of days;
            // a closure's state ends with the closure.
            (None, None) => match state {
                Some(t) if from_counts && carried < opts.carry_days => {
                    carried += 1;
                    Some(t)
                }
                Some(_) => Some(Traffic::Unknown),
                None => None,
            },
        };
        if closure.is_some() || counted.is_some() {
            from_counts = closure.is_none();
            carried = 0;
        }
        if let (Some(Traffic::Open), Some((n, _)), None) = (today, counted, closure) {
            window.push_back(*n);
            if window.len() > cap {
                window.pop_front();
            }
        }
        if let Some(t) = today {
            if state != Some(t) {
                runs.push((day, t));
                run_keys = reason_keys;
                latest_keys.clear();
            } else if !reason_keys.is_empty() {
                latest_keys = reason_keys;
            }
        }
        state = today;
        series.push_back(json!({"date": day, "state": today.map(Traffic::as_str), "movements": counted.map(|c| c.0), "baseline": baseline, "closed": closure}));
        if series.len() > 31 {
            series.pop_front();
        }
        if day >= as_of {
            break;
        }
        day = next_day(day);
    }
    let details = json!({
        "checkpoints": points,
        "changes": runs.iter().map(|(d, t)| json!({"from": d, "state": t.as_str()})).collect::<Vec<_>>(),
        "last_days": series,
        "closures_in_force": closures.iter().filter(|c| c.from <= as_of && c.to.is_none_or(|t| as_of <= t)).map(|c| json!({
            "from": c.from, "to": c.to, "scope": c.scope, "declared_by": c.declared_by,
            "blocked_by": c.blocked_by, "blocking_group": c.blocking_group, "time": c.time,
            "cuts_off": c.cuts_off, "evidence": format!("closure:{}", c.id),
        })).collect::<Vec<_>>(),
        "utility_cutoffs": cutoffs(input, as_of),
    });
    let Some((since, now)) = runs.last().copied() else {
        return (
            Status::new(
                Level::Unknown,
                "unknown",
                Msg::new("why.corridor.no_state"),
                Vec::new(),
            ),
            details,
        );
    };
    let mut keys_today = run_keys;
    for k in latest_keys {
        if !keys_today.contains(&k) {
            keys_today.push(k);
        }
    }
    let total = keys_today.len();
    let keys = list(keys_today, opts.evidence_limit);
    let (level, breached) = match now {
        Traffic::Open => (Level::Full, false),
        Traffic::Restricted => (Level::Intermediate, false),
        Traffic::Blocked => (Level::Minimal, true),
        Traffic::Unknown => (Level::Unknown, false),
    };
    if now == Traffic::Unknown {
        let before = runs
            .iter()
            .rev()
            .find(|(_, t)| *t != Traffic::Unknown)
            .map(|(d, t)| {
                Msg::new("why.corridor.it_was")
                    .with("traffic", Part::word("traffic", t.as_str()))
                    .with("day", *d)
            });
        return (
            Status::new(
                Level::Unknown,
                "unknown",
                Msg::new("why.corridor.unknown")
                    .with("since", since)
                    .with("before", before)
                    .with("n", opts.carry_days),
                Vec::new(),
            )
            .since(Some(since)),
            details,
        );
    }
    let reason = Msg::new("why.corridor.traffic")
        .with("traffic", Part::word("traffic", now.as_str()))
        .with("since", since)
        .with("n", total);
    (
        Status::new(level, now.as_str(), reason, keys)
            .breached(breached)
            .since(Some(since)),
        details,
    )
}

// --- exchange ------------------------------------------------------------------------------

fn exchange(input: Inputs<'_>, o: &ObligationView, as_of: Date) -> (Status, Value) {
    let ob = &o.obligation;
    let e = input.evidence;
    // Releases before the agreement took effect are background: no rule counts them.
    let took_effect = local_date(input.agreement.effective, input.agreement.tz());
    // The obligors, and the actors the obligation also counts (each under its own name).
    let sides = |x: &str| {
        ob.obligors.is_empty() || ob.obligors.iter().chain(&ob.also_counts).any(|s| s == x)
    };
    let (exchanges, background): (Vec<_>, Vec<_>) = e
        .exchanges
        .iter()
        .take_while(|x| x.date <= as_of)
        .filter(|x| sides(&x.from) && sides(&x.to))
        .partition(|x| x.date >= took_effect);
    let claims: Vec<_> = e
        .claims
        .iter()
        .take_while(|c| c.date <= as_of)
        // A count of missing persons says nothing about who holds them.
        .filter(|c| sides(&c.holder) && c.category != PersonCategory::Missing && c.group.is_none())
        .collect();
    // A declaration that the exchange is complete, when one is on record.
    let declared = e
        .milestones
        .iter()
        .take_while(|m| m.date <= as_of)
        .filter(|m| m.obligation == ob.id && m.stage == Stage::Completed)
        .last();
    // Returned per (releasing side, category), and the running series.
    let mut returned: BTreeMap<(String, PersonCategory), u32> = BTreeMap::new();
    let mut series = Vec::new();
    for x in &exchanges {
        for (cat, n) in &x.counts {
            *returned.entry((x.from.clone(), *cat)).or_default() += n;
        }
        series.push(json!({
            "date": x.date,
            "when": when(x.date, x.span.as_ref()),
            "from": x.from,
            "to": x.to,
            "counts": x.counts,
            "mediators": x.mediators,
            "died_in_custody": x.died_in_custody,
            "consideration": x.consideration,
            "groups": x.groups,
            "evidence": format!("exchange:{}", x.id),
        }));
    }
    // What was given in return: maps of minefields, with the mines they show.
    let maps: Vec<Value> = exchanges
        .iter()
        .filter_map(|x| {
            let m = x.consideration.as_ref()?.minefield_maps.as_ref()?;
            Some(json!({"districts": m.districts, "area": m.area, "mines": m.mines, "given_by": x.to, "evidence": format!("exchange:{}", x.id)}))
        })
        .collect();
    let mines_mapped: u64 = exchanges
        .iter()
        .filter_map(|x| x.consideration.as_ref()?.minefield_maps.as_ref()?.mines)
        .map(u64::from)
        .sum();
    let died_in_custody: BTreeMap<&str, u32> = exchanges
        .iter()
        .filter(|x| x.died_in_custody > 0)
        .fold(BTreeMap::new(), |mut m, x| {
            *m.entry(x.from.as_str()).or_default() += x.died_in_custody;
            m
        });
    // Remains found in search operations: not exchanges, counted apart.
    let recoveries: Vec<_> = e
        .recoveries
        .iter()
        .take_while(|r| r.date <= as_of)
        .filter(|r| r.date >= took_effect && sides(&r.side))
        .collect();
    let recovered: BTreeMap<&str, u32> = recoveries.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.side.as_str()).or_default() += r.remains;
        m
    });
    let recovered_total: u32 = recovered.values().sum();
    let groups = crate::registry::groups(e, as_of);
    let stated = crate::registry::latest_per_claimant(
        crate::registry::tallies(e, took_effect, as_of)
            .into_iter()
            .filter(|t| sides(&t.side)),
    );
    let differing = stated
        .iter()
        .filter(|t| t.difference.is_some_and(|d| d != 0))
        .count();
    // Outstanding per (holder, category), computed where the registry's reconciliation
    // computes it, so the two never give two figures for one thing.
    let holders: BTreeSet<&str> = claims.iter().map(|c| c.holder.as_str()).collect();
    let mut outstanding: BTreeMap<(String, PersonCategory), (u32, String)> = BTreeMap::new();
    for h in holders {
        let held = crate::registry::still_held(e.claims.iter(), e.exchanges.iter(), h, as_of);
        for (cat, v) in held.per_category {
            outstanding.insert((h.to_owned(), cat), v);
        }
    }
    // The living and the dead are never summed together.
    let remains = |c: PersonCategory| c == PersonCategory::Bodies;
    let sum = |m: &BTreeMap<(String, PersonCategory), u32>, dead: bool| -> u32 {
        m.iter()
            .filter(|((_, c), _)| remains(*c) == dead)
            .map(|(_, n)| n)
            .sum()
    };
    let returned_living = sum(&returned, false);
    let returned_remains = sum(&returned, true);
    let outstanding_of = |dead: bool| -> u32 {
        outstanding
            .iter()
            .filter(|((_, c), _)| remains(*c) == dead)
            .map(|(_, v)| v.0)
            .sum()
    };
    let (outstanding_living, outstanding_remains) = (outstanding_of(false), outstanding_of(true));
    let mut keys: Vec<String> = exchanges
        .iter()
        .map(|x| format!("exchange:{}", x.id))
        .collect();
    keys.extend(
        outstanding
            .values()
            .filter(|v| v.0 > 0)
            .map(|v| v.1.clone()),
    );
    if let Some(m) = declared {
        keys.push(format!("milestone:{}", m.id));
    }
    let per_side: BTreeMap<String, BTreeMap<String, u32>> =
        returned
            .iter()
            .fold(BTreeMap::new(), |mut m, ((side, cat), n)| {
                *m.entry(side.clone())
                    .or_default()
                    .entry(cat.to_string())
                    .or_default() += n;
                m
            });
    let share = if returned_living + outstanding_living > 0 {
        f64::from(returned_living) / f64::from(returned_living + outstanding_living)
    } else {
        0.0
    };
    let details = json!({
        "returned_by_releasing_side": per_side,
        "returned_living": returned_living,
        "returned_remains": returned_remains,
        "outstanding": outstanding.iter().map(|((h, c), (n, k))| json!({"holder": h, "category": c, "count": n, "evidence": k})).collect::<Vec<_>>(),
        "outstanding_living": outstanding_living,
        "outstanding_remains": outstanding_remains,
        "share_of_living_returned": share,
        "claims_on_record": claims.len(),
        "declared_complete": declared.map(|m| format!("milestone:{}", m.id)),
        "exchanges": series,
        "minefield_maps_given": maps,
        "mines_mapped": mines_mapped,
        "died_in_custody_by_holder": died_in_custody,
        "remains_recovered_in_searches": recovered,
        "recoveries": recoveries.iter().map(|r| format!("recovery:{}", r.id)).collect::<Vec<_>>(),
        "groups": groups,
        "stated_totals": stated,
        "stated_totals_differing": differing,
        "background_before_effect": background.iter().map(|x| format!("exchange:{}", x.id)).collect::<Vec<_>>(),
    });
    // What the reason adds after its main clause: searches and stated totals.
    let mut notes: Vec<Part> = Vec::new();
    if recovered_total > 0 {
        notes.push(
            Msg::new("why.exchange.recovered")
                .with("n", recovered_total)
                .into(),
        );
    }
    if differing > 0 {
        notes.push(
            Msg::new("why.exchange.differing")
                .with("n", differing)
                .into(),
        );
    }
    let notes = Part::list(notes, "");
    keys.extend(recoveries.iter().map(|r| format!("recovery:{}", r.id)));
    keys.extend(stated.iter().map(|t| t.evidence.clone()));
    keys.dedup();
    let returned_words = |n: usize| -> Part {
        let what = match (returned_living, returned_remains) {
            (0, r) if r > 0 => Msg::new("why.exchange.remains_returned").with("n", r),
            (l, 0) => Msg::new("why.exchange.living_returned").with("n", l),
            (l, r) => Msg::new("why.exchange.both_returned")
                .with("living", l)
                .with("remains", r),
        };
        Msg::new("why.exchange.in_exchanges")
            .with("what", what)
            .with("n", n)
            .into()
    };
    let status = if let Some(m) = declared {
        Status::new(
            Level::Full,
            "complete (declared)",
            Msg::new("why.exchange.declared")
                .with("when", when_part(m.date, m.span.as_ref()))
                .with("what", &m.what)
                .with("returned", returned_words(exchanges.len()))
                .with("notes", notes),
            keys,
        )
        .since(Some(m.date))
    } else if exchanges.is_empty() {
        let (state, reason) = if outstanding_living + outstanding_remains > 0 {
            (
                "none returned on record",
                Msg::new("why.exchange.none_returned")
                    .with("n", outstanding_living)
                    .with(
                        "remains",
                        (outstanding_remains > 0).then(|| {
                            Msg::new("why.exchange.and_remains").with("n", outstanding_remains)
                        }),
                    )
                    .with("notes", notes),
            )
        } else {
            (
                "no record",
                Msg::new("why.exchange.nothing").with("notes", notes),
            )
        };
        Status::new(Level::Unknown, state, reason, keys)
    } else if claims.is_empty() {
        // Returns on record, but nobody's statement of who is still held: not complete.
        Status::new(
            Level::Minimal,
            "under way",
            Msg::new("why.exchange.no_claim")
                .with("returned", returned_words(exchanges.len()))
                .with("notes", notes),
            keys,
        )
        .since(exchanges.last().map(|x| x.date))
    } else if outstanding_living + outstanding_remains == 0 {
        Status::new(
            Level::Full,
            "complete",
            Msg::new("why.exchange.complete")
                .with("returned", returned_words(exchanges.len()))
                .with("notes", notes),
            keys,
        )
        .since(exchanges.last().map(|x| x.date))
    } else {
        let level = if share < 0.5 {
            Level::Minimal
        } else {
            Level::Intermediate
        };
        Status::new(
            level,
            "in progress",
            Msg::new("why.exchange.in_progress")
                .with("returned", returned_words(exchanges.len()))
                .with("n", outstanding_living)
                .with("share", format!("{:.0}", share * 100.0))
                .with(
                    "remains",
                    (outstanding_remains > 0).then(|| {
                        Msg::new("why.exchange.remains_still_claimed")
                            .with("n", outstanding_remains)
                    }),
                )
                .with("notes", notes),
            keys,
        )
        .since(exchanges.last().map(|x| x.date))
    };
    (status, details)
}
