//! Incident pages from memory: a compact copy of what the incident filters read (window,
//! point, type, status, assessed perpetrator, zones) for every listed incident of an
//! agreement, held in 0.1° grid squares whose members are sorted by start, with the few
//! fields only the stored body holds ([`Particulars`]: what counts per zone and OGC
//! features carry). A box and time query reads a few squares' time ranges instead of the
//! database's index pages, then fetches only the bodies of the page it returns (or none,
//! for map points, list lines, counts and features). Filters by a party's claims or by a
//! report's source are left to the database.
//!
//! The copy is tied to the audit head it was read at: every store write appends to the
//! audit log in its own transaction, so a head that moved means something may have
//! changed. Entries that leave incidents alone (accounts, tokens, sources, the registry,
//! bulletins) keep the copy current; a write through this process is applied to it in
//! place before the write returns (when the copy was current just before); anything else has a fresh copy read while the
//! database answers. So a write through this process shows on the next query, and a
//! write by another process (a command-line import, another server node) within 0.1 s.
//! Reading a fresh copy takes seconds at a million incidents, so reads are spaced (four
//! times a read's length apart): under a steady stream of others' writes the database
//! answers most queries, as it does without the copy.

use crate::filter::{IncidentFilter, IncidentOrder};
use crate::sql::{cells_of, grid_cell};
use crate::{Result, Store};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The columns of a [`PointRow`] without its [`Particulars`] (a NULL where the body
/// would be), in the order [`Store::point_rows`] reads them.
pub(crate) const POINT_COLUMNS: &str = "i.number, i.start_s, i.end_s, i.lon, i.lat, i.event_type, i.status, i.perpetrator, CAST(i.disputed AS BIGINT), CAST(i.report_count AS BIGINT), i.place_label, i.place_name, CAST(NULL AS TEXT)";

/// The columns of a whole [`PointRow`]: the stored body is read for its
/// [`Particulars`] (and dropped once they are taken from it).
pub(crate) const FULL_POINT_COLUMNS: &str = "i.number, i.start_s, i.end_s, i.lon, i.lat, i.event_type, i.status, i.perpetrator, CAST(i.disputed AS BIGINT), CAST(i.report_count AS BIGINT), i.place_label, i.place_name, i.body";

/// One incident as the filters and the map see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRow {
    /// The N of `inc-N`.
    pub number: i64,
    /// Window start, Unix seconds.
    pub start_s: i64,
    /// Window end, Unix seconds.
    pub end_s: i64,
    /// Assessed point (longitude, latitude), if located.
    pub point: Option<(f64, f64)>,
    /// Event type id.
    pub event_type: String,
    /// Status id.
    pub status: String,
    /// Assessed perpetrator.
    pub perpetrator: Option<String>,
    /// Parties' claims conflict.
    pub disputed: bool,
    /// Reports behind it.
    pub reports: i64,
    /// The gazetteer's name for its point (both names of the place).
    pub place_label: Option<String>,
    /// The place name as reported.
    pub place_name: Option<String>,
    /// What only the stored body holds; `None` from a lean read (map points and list
    /// lines do not need them).
    pub particulars: Option<Particulars>,
}

/// The fields of an incident that its columns do not hold: what counts per zone and
/// the OGC API's features carry besides the map point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Particulars {
    /// UCDP `date_prec` of the window, 1–5.
    pub date_precision: u8,
    /// Location precision of the report that gave the point.
    pub location_precision: u8,
    /// Dead, best estimate.
    pub killed_best: u32,
    /// Zones the point lies in (the zone filter's and the counts' zones).
    pub zones: Arc<[String]>,
    /// Zones its location's uncertainty reaches into or out of.
    pub possibly_in: Arc<[String]>,
}

/// The part of a stored incident body [`Particulars`] are read from; the rest of the
/// body is skipped unread.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct BodyParticulars {
    window: BodyWindow,
    location_precision: u8,
    zones: Vec<String>,
    possibly_in: Vec<String>,
    killed: BodyKilled,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct BodyWindow {
    precision: u8,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct BodyKilled {
    best: u32,
}

impl Particulars {
    /// Read from a stored incident body; `None` when it is not an incident's JSON.
    fn of_body(body: &str) -> Option<Self> {
        let b: BodyParticulars = serde_json::from_str(body).ok()?;
        Some(Self {
            date_precision: b.window.precision,
            location_precision: b.location_precision,
            killed_best: b.killed.best,
            zones: b.zones.into(),
            possibly_in: b.possibly_in.into(),
        })
    }
}

impl From<&truce_engine::incidents::Incident> for PointRow {
    /// The row a read of the stored incident gives (for one incident already decoded).
    fn from(i: &truce_engine::incidents::Incident) -> Self {
        Self {
            number: crate::sql::incident_number(&i.id),
            start_s: i.window.start.as_second(),
            end_s: i.window.end.as_second(),
            point: i.point,
            event_type: i.event_type.as_str().to_owned(),
            status: i.status.as_str().to_owned(),
            perpetrator: i.attribution.assessed.clone(),
            disputed: i.attribution.disputed,
            reports: i64::try_from(i.reports.len()).unwrap_or(i64::MAX),
            place_label: i.place_label.clone(),
            place_name: i.place_name.clone(),
            particulars: Some(Particulars {
                date_precision: i.window.precision,
                location_precision: i.location_precision,
                killed_best: i.killed.best,
                zones: i.zones.clone().into(),
                possibly_in: i.possibly_in.clone().into(),
            }),
        }
    }
}

/// What a list of incidents carries of each: the map point alone, or with its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// `id`, `point`, `status`, `type`, `start`, `end`, `perpetrator`, `disputed`,
    /// `reports`: what a map draws.
    Map,
    /// The map point with `place_label` and `place_name`: what a list line shows.
    List,
}

impl PointRow {
    /// The incident's JSON as the projection has it (see [`Projection`]).
    pub fn json(&self, projection: Projection) -> String {
        let place = (projection == Projection::List)
            .then(|| place_json(self.place_label.as_deref(), self.place_name.as_deref()));
        let mut out = Vec::with_capacity(288);
        MapPoint {
            number: self.number,
            start_s: self.start_s,
            end_s: self.end_s,
            point: self.point,
            event_type: &self.event_type,
            status: &self.status,
            perpetrator: self.perpetrator.as_deref(),
            disputed: self.disputed,
            reports: self.reports,
            place: place.as_deref(),
        }
        .write(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// `"place_label":…,"place_name":…` as JSON members.
fn place_json(label: Option<&str>, name: Option<&str>) -> String {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"\"place_label\":");
    json(&mut out, &label);
    out.extend_from_slice(b",\"place_name\":");
    json(&mut out, &name);
    String::from_utf8(out).unwrap_or_default()
}

/// What a map draws of one incident, borrowed from where it is held.
#[derive(Debug, Clone, Copy)]
struct MapPoint<'a> {
    number: i64,
    start_s: i64,
    end_s: i64,
    point: Option<(f64, f64)>,
    event_type: &'a str,
    status: &'a str,
    perpetrator: Option<&'a str>,
    disputed: bool,
    reports: i64,
    /// The place's members ([`place_json`]), for a list.
    place: Option<&'a str>,
}

impl MapPoint<'_> {
    /// Writes `{"id", "point", "status", "type", "start", "end", "perpetrator",
    /// "disputed", "reports"}` (and the place's members, when it has them) straight into
    /// `out` (a page holds up to thousands).
    fn write(&self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        let time = |out: &mut Vec<u8>, s: i64| match jiff::Timestamp::from_second(s) {
            Ok(t) => {
                let _ = write!(out, "\"{t}\"");
            }
            Err(_) => out.extend_from_slice(b"null"),
        };
        let _ = write!(out, "{{\"id\":\"inc-{}\",\"point\":", self.number);
        match self.point {
            Some((x, y)) => {
                out.push(b'[');
                json(out, &x);
                out.push(b',');
                json(out, &y);
                out.push(b']');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"status\":");
        json(out, self.status);
        out.extend_from_slice(b",\"type\":");
        json(out, self.event_type);
        out.extend_from_slice(b",\"start\":");
        time(out, self.start_s);
        out.extend_from_slice(b",\"end\":");
        time(out, self.end_s);
        out.extend_from_slice(b",\"perpetrator\":");
        match self.perpetrator {
            Some(p) => json(out, p),
            None => out.extend_from_slice(b"null"),
        }
        let _ = write!(
            out,
            ",\"disputed\":{},\"reports\":{}",
            self.disputed, self.reports
        );
        if let Some(place) = self.place {
            out.push(b',');
            out.extend_from_slice(place.as_bytes());
        }
        out.push(b'}');
    }
}

/// Two lists sorted by `key` as one, `added` being short: each finds its place in
/// `old` by bisection, so `old`'s keys are read only along those searches (each key is
/// a lookup into the squares, away from the list).
fn merge<K: Ord>(old: &[At], added: &[At], key: impl Fn(&At) -> K) -> Vec<At> {
    let mut out = Vec::with_capacity(old.len() + added.len());
    let mut from = 0;
    for b in added {
        let k = key(b);
        let cut = from + old[from..].partition_point(|a| key(a) < k);
        out.extend_from_slice(&old[from..cut]);
        out.push(*b);
        from = cut;
    }
    out.extend_from_slice(&old[from..]);
    out
}

/// A string or a number as JSON, written without an intermediate string.
fn json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    if serde_json::to_writer(&mut *out, v).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// An incident in memory, laid out for the filters and the map; strings are indexes
/// into [`PageIndex::words`].
#[derive(Debug, Clone, Copy)]
struct Slot {
    start_s: i64,
    end_s: i64,
    /// NaN when not located.
    lon: f64,
    lat: f64,
    number: i64,
    reports: u32,
    event_type: u16,
    status: u16,
    /// `u16::MAX` when none.
    perpetrator: u16,
    disputed: bool,
    /// Index into [`PageIndex::places`].
    place: u32,
    date_precision: u8,
    location_precision: u8,
    killed_best: u32,
    /// Index into [`PageIndex::zone_sets`].
    zones: u32,
}

/// An incident's zones and the zones its location may lie in, as one value: few
/// distinct ones are held, each once.
type ZoneSet = (Arc<[String]>, Arc<[String]>);

impl Slot {
    /// The order of squares and of the start order: by start, then number.
    fn start_order(&self) -> (i64, i64) {
        (self.start_s, self.number)
    }
}

/// A distinct place of the incidents held: its JSON members ([`place_json`]), and its
/// two names.
#[derive(Debug, Clone)]
struct Place {
    json: String,
    label: Option<String>,
    name: Option<String>,
}

/// Where a slot is: its square and its place there.
type At = (u32, u32);

/// The listed incidents of one agreement, held square by square (0.1° grid squares,
/// and one list for incidents without a point), each square sorted by start; with the
/// number order and the start order over all of them.
#[derive(Debug)]
pub struct PageIndex {
    /// Shared between an index and the one a write makes of it: only the squares the
    /// write touched are copied.
    squares: Vec<Arc<Vec<Slot>>>,
    square_of: HashMap<i64, u32>,
    by_number: Vec<At>,
    by_start: Vec<At>,
    words: Vec<String>,
    /// Each distinct place; shared with the indexes writes make of this one, copied
    /// only when a write brings a new place.
    places: Arc<Vec<Place>>,
    place_ids: Arc<HashMap<String, u32>>,
    /// Each distinct [`ZoneSet`]; shared as the places are.
    zone_sets: Arc<Vec<ZoneSet>>,
    zone_set_ids: Arc<HashMap<ZoneSet, u32>>,
    /// The longest window, seconds.
    longest: i64,
}

/// A page of the index, in the order its filter asked for.
#[derive(Debug)]
pub struct Page<'a> {
    index: &'a PageIndex,
    hits: Vec<&'a Slot>,
}

impl Page<'_> {
    /// The incident numbers, in the page's order.
    pub fn numbers(&self) -> Vec<i64> {
        self.hits.iter().map(|s| s.number).collect()
    }

    /// Each incident's number and window start, in the page's order.
    pub fn places(&self) -> Vec<(i64, i64)> {
        self.hits.iter().map(|s| (s.number, s.start_s)).collect()
    }

    /// Each incident's JSON as the projection has it, the same as [`PointRow::json`] of
    /// its columns.
    pub fn projected(&self, projection: Projection) -> Vec<crate::queries::Listed> {
        let text = |w: u16| {
            self.index
                .words
                .get(usize::from(w))
                .map_or("", String::as_str)
        };
        self.hits
            .iter()
            .map(|r| {
                let mut out = Vec::with_capacity(224);
                MapPoint {
                    number: r.number,
                    start_s: r.start_s,
                    end_s: r.end_s,
                    point: (!r.lon.is_nan()).then_some((r.lon, r.lat)),
                    event_type: text(r.event_type),
                    status: text(r.status),
                    perpetrator: (r.perpetrator != u16::MAX).then(|| text(r.perpetrator)),
                    disputed: r.disputed,
                    reports: i64::from(r.reports),
                    place: (projection == Projection::List)
                        .then(|| {
                            self.index
                                .places
                                .get(r.place as usize)
                                .map(|p| p.json.as_str())
                        })
                        .flatten(),
                }
                .write(&mut out);
                crate::queries::Listed {
                    number: r.number,
                    start_s: r.start_s,
                    json: String::from_utf8(out).unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Each incident's whole row, particulars included, in the page's order: the same
    /// as a read of its columns and body ([`Store::incident_facts`]).
    pub fn rows(&self) -> Vec<PointRow> {
        self.hits.iter().map(|s| self.index.row(s)).collect()
    }
}

/// Most distinct types, statuses and perpetrators an index holds; an agreement with
/// more is answered by the database.
const MAX_WORDS: usize = u16::MAX as usize - 1;

/// Builds a [`PageIndex`] a row at a time.
#[derive(Debug)]
pub struct Builder {
    words: Vec<String>,
    ids: HashMap<String, u16>,
    places: Arc<Vec<Place>>,
    place_ids: Arc<HashMap<String, u32>>,
    zone_sets: Arc<Vec<ZoneSet>>,
    zone_set_ids: Arc<HashMap<ZoneSet, u32>>,
    squares: Vec<Vec<Slot>>,
    square_of: HashMap<i64, u32>,
    longest: i64,
    /// A row held more words than the index can.
    full: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            words: Vec::new(),
            ids: HashMap::new(),
            places: Arc::default(),
            place_ids: Arc::default(),
            zone_sets: Arc::default(),
            zone_set_ids: Arc::default(),
            // Square 0 holds the incidents without a point.
            squares: vec![Vec::new()],
            square_of: HashMap::new(),
            longest: 0,
            full: false,
        }
    }
}

impl Builder {
    fn word(&mut self, w: String) -> u16 {
        if let Some(k) = self.ids.get(&w) {
            return *k;
        }
        match u16::try_from(self.words.len()) {
            Ok(k) if self.words.len() < MAX_WORDS => {
                self.words.push(w.clone());
                self.ids.insert(w, k);
                k
            }
            _ => {
                self.full = true;
                0
            }
        }
    }

    fn place(&mut self, label: Option<&str>, name: Option<&str>) -> u32 {
        let text = place_json(label, name);
        if let Some(k) = self.place_ids.get(&text) {
            return *k;
        }
        let Ok(k) = u32::try_from(self.places.len()) else {
            self.full = true;
            return 0;
        };
        Arc::make_mut(&mut self.places).push(Place {
            json: text.clone(),
            label: label.map(str::to_owned),
            name: name.map(str::to_owned),
        });
        Arc::make_mut(&mut self.place_ids).insert(text, k);
        k
    }

    fn zone_set(&mut self, set: ZoneSet) -> u32 {
        if let Some(k) = self.zone_set_ids.get(&set) {
            return *k;
        }
        let Ok(k) = u32::try_from(self.zone_sets.len()) else {
            self.full = true;
            return 0;
        };
        Arc::make_mut(&mut self.zone_sets).push(set.clone());
        Arc::make_mut(&mut self.zone_set_ids).insert(set, k);
        k
    }

    /// Adds an incident (one read without its particulars holds none).
    pub fn push(&mut self, r: PointRow) {
        let (lon, lat) = r.point.unwrap_or((f64::NAN, f64::NAN));
        let more = r.particulars.unwrap_or_default();
        let slot = Slot {
            start_s: r.start_s,
            end_s: r.end_s,
            lon,
            lat,
            number: r.number,
            reports: u32::try_from(r.reports).unwrap_or(u32::MAX),
            event_type: self.word(r.event_type),
            status: self.word(r.status),
            perpetrator: r.perpetrator.map_or(u16::MAX, |p| self.word(p)),
            disputed: r.disputed,
            place: self.place(r.place_label.as_deref(), r.place_name.as_deref()),
            date_precision: more.date_precision,
            location_precision: more.location_precision,
            killed_best: more.killed_best,
            zones: self.zone_set((more.zones, more.possibly_in)),
        };
        self.longest = self.longest.max(slot.end_s - slot.start_s);
        let square = match r.point {
            None => 0,
            Some((x, y)) => {
                let next = self.squares.len();
                let k = *self
                    .square_of
                    .entry(grid_cell(x, y))
                    .or_insert(u32::try_from(next).unwrap_or(u32::MAX));
                if k as usize == next {
                    self.squares.push(Vec::new());
                }
                k as usize
            }
        };
        if let Some(list) = self.squares.get_mut(square) {
            list.push(slot);
        } else {
            self.full = true;
        }
    }

    /// The index; `None` when the rows held more distinct types, statuses and
    /// perpetrators than it can (65,534) or more than 2³² incidents.
    pub fn finish(mut self) -> Option<PageIndex> {
        if self.full {
            return None;
        }
        let mut by_start: Vec<At> = Vec::new();
        for (q, list) in self.squares.iter_mut().enumerate() {
            list.sort_by_key(Slot::start_order);
            let q = u32::try_from(q).ok()?;
            for k in 0..list.len() {
                by_start.push((q, u32::try_from(k).ok()?));
            }
        }
        let squares: Vec<Arc<Vec<Slot>>> = self.squares.into_iter().map(Arc::new).collect();
        let slot = |&(q, k): &At| squares[q as usize][k as usize];
        let mut by_number = by_start.clone();
        by_number.sort_unstable_by_key(|a| slot(a).number);
        by_start.sort_unstable_by_key(|a| slot(a).start_order());
        Some(PageIndex {
            squares,
            square_of: self.square_of,
            by_number,
            by_start,
            words: self.words,
            places: self.places,
            place_ids: self.place_ids,
            zone_sets: self.zone_sets,
            zone_set_ids: self.zone_set_ids,
            longest: self.longest,
        })
    }
}

impl PageIndex {
    /// Builds the index from rows in any order (see [`Builder::finish`]).
    pub fn build(list: impl IntoIterator<Item = PointRow>) -> Option<Self> {
        let mut b = Builder::default();
        for r in list {
            b.push(r);
        }
        b.finish()
    }

    /// The index with these incidents replaced by `rows` (their current columns; those
    /// without reports are no longer listed and are left out). Only the squares they
    /// leave or enter are copied; the number and start orders are merged, not sorted.
    pub fn patched(&self, numbers: &[i64], rows: Vec<PointRow>) -> Option<Self> {
        let gone: HashSet<i64> = numbers.iter().copied().collect();
        // The written rows, interned and placed as a fresh read would place them; the
        // builder's squares line up with this index's (new ones come after).
        let mut b = Builder {
            words: self.words.clone(),
            ids: self
                .words
                .iter()
                .enumerate()
                .filter_map(|(k, w)| Some((w.clone(), u16::try_from(k).ok()?)))
                .collect(),
            places: Arc::clone(&self.places),
            place_ids: Arc::clone(&self.place_ids),
            zone_sets: Arc::clone(&self.zone_sets),
            zone_set_ids: Arc::clone(&self.zone_set_ids),
            squares: vec![Vec::new(); self.squares.len()],
            square_of: self.square_of.clone(),
            longest: self.longest,
            full: false,
        };
        let mut added: Vec<i64> = Vec::new();
        for r in rows.into_iter().filter(|r| r.reports > 0) {
            added.push(r.number);
            b.push(r);
        }
        if b.full {
            return None;
        }
        let mut affected: Vec<bool> = b.squares.iter().map(|l| !l.is_empty()).collect();
        for n in &gone {
            let k = self.by_number.partition_point(|a| self.slot(a).number < *n);
            if let Some(a) = self.by_number.get(k)
                && self.slot(a).number == *n
            {
                affected[a.0 as usize] = true;
            }
        }
        let mut squares: Vec<Arc<Vec<Slot>>> = Vec::with_capacity(b.squares.len());
        let mut now_at: HashMap<i64, At> = HashMap::new();
        for (q, fresh) in b.squares.into_iter().enumerate() {
            if !affected[q] {
                squares.push(Arc::clone(self.squares.get(q)?));
                continue;
            }
            let mut list: Vec<Slot> = self.squares.get(q).map_or_else(Vec::new, |l| {
                l.iter()
                    .filter(|s| !gone.contains(&s.number))
                    .copied()
                    .collect()
            });
            list.extend(fresh);
            list.sort_by_key(Slot::start_order);
            let q = u32::try_from(q).ok()?;
            for (k, s) in list.iter().enumerate() {
                now_at.insert(s.number, (q, u32::try_from(k).ok()?));
            }
            squares.push(Arc::new(list));
        }
        // Old positions in untouched squares stand; in touched ones they are looked up.
        let remap = |a: &At| -> Option<At> {
            if !affected.get(a.0 as usize).copied().unwrap_or(false) {
                return Some(*a);
            }
            let n = self.slot(a).number;
            if gone.contains(&n) {
                None
            } else {
                now_at.get(&n).copied()
            }
        };
        let slot = |&(q, k): &At| squares[q as usize][k as usize];
        let mut added: Vec<At> = added
            .iter()
            .filter_map(|n| now_at.get(n).copied())
            .collect();
        added.sort_unstable_by_key(|a| slot(a).number);
        let kept: Vec<At> = self.by_number.iter().filter_map(remap).collect();
        let by_number = merge(&kept, &added, |a| slot(a).number);
        added.sort_unstable_by_key(|a| slot(a).start_order());
        let kept: Vec<At> = self.by_start.iter().filter_map(remap).collect();
        let by_start = merge(&kept, &added, |a| slot(a).start_order());
        Some(Self {
            squares,
            square_of: b.square_of,
            by_number,
            by_start,
            words: b.words,
            places: b.places,
            place_ids: b.place_ids,
            zone_sets: b.zone_sets,
            zone_set_ids: b.zone_set_ids,
            longest: b.longest,
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

    /// Bytes it holds on the heap, roughly (its vectors' capacity; the square map and
    /// the words are small beside them).
    pub fn heap_bytes(&self) -> usize {
        self.squares
            .iter()
            .map(|q| q.capacity() * size_of::<Slot>())
            .sum::<usize>()
            + (self.by_number.capacity() + self.by_start.capacity()) * size_of::<At>()
            + self.square_of.capacity() * 16
            + self.words.iter().map(String::capacity).sum::<usize>()
            + self
                .places
                .iter()
                .map(|p| p.json.capacity() * 2 + 72)
                .sum::<usize>()
            + self
                .zone_sets
                .iter()
                .flat_map(|(z, p)| z.iter().chain(p.iter()))
                .map(|z| z.capacity() * 2 + 24)
                .sum::<usize>()
    }

    /// The box of the incidents with a point (west, south, east, north) and the first
    /// start and last end of all (Unix seconds).
    pub fn extent(&self) -> (Option<[f64; 4]>, Option<(i64, i64)>) {
        let mut bbox: Option<[f64; 4]> = None;
        let mut span: Option<(i64, i64)> = None;
        for s in self.squares.iter().flat_map(|q| q.iter()) {
            span = Some(span.map_or((s.start_s, s.end_s), |(a, b)| {
                (a.min(s.start_s), b.max(s.end_s))
            }));
            if !s.lon.is_nan() {
                bbox = Some(bbox.map_or([s.lon, s.lat, s.lon, s.lat], |b| {
                    [
                        b[0].min(s.lon),
                        b[1].min(s.lat),
                        b[2].max(s.lon),
                        b[3].max(s.lat),
                    ]
                }));
            }
        }
        (bbox, span)
    }

    /// Whether it can answer this filter: parties' claims and the reports' sources are
    /// not held here.
    pub fn answers(f: &IncidentFilter) -> bool {
        f.party.is_none() && f.source.is_none()
    }

    fn slot(&self, &(q, k): &At) -> &Slot {
        &self.squares[q as usize][k as usize]
    }

    /// A slot as the row a read of its incident gives.
    fn row(&self, s: &Slot) -> PointRow {
        let text = |w: u16| self.words.get(usize::from(w)).cloned().unwrap_or_default();
        let (zones, possibly_in) = self
            .zone_sets
            .get(s.zones as usize)
            .cloned()
            .unwrap_or_default();
        let (place_label, place_name) = self
            .places
            .get(s.place as usize)
            .map(|p| (p.label.clone(), p.name.clone()))
            .unwrap_or_default();
        PointRow {
            number: s.number,
            start_s: s.start_s,
            end_s: s.end_s,
            point: (!s.lon.is_nan()).then_some((s.lon, s.lat)),
            event_type: text(s.event_type),
            status: text(s.status),
            perpetrator: (s.perpetrator != u16::MAX).then(|| text(s.perpetrator)),
            disputed: s.disputed,
            reports: i64::from(s.reports),
            place_label,
            place_name,
            particulars: Some(Particulars {
                date_precision: s.date_precision,
                location_precision: s.location_precision,
                killed_best: s.killed_best,
                zones,
                possibly_in,
            }),
        }
    }

    fn word(&self, text: &str) -> Option<u16> {
        self.words
            .iter()
            .position(|w| w == text)
            .and_then(|k| u16::try_from(k).ok())
    }

    /// What the filter keeps, in this index's words; `None` when it keeps nothing (a
    /// type or status never seen).
    fn wanted<'f>(&self, f: &'f IncidentFilter) -> Option<Wanted<'f>> {
        // A type never seen matches nothing, and so does a status never seen.
        let event_type = match &f.event_type {
            None => None,
            Some(t) => Some(self.word(t)?),
        };
        let statuses: Vec<u16> = f.status.iter().filter_map(|s| self.word(s)).collect();
        if !f.status.is_empty() && statuses.is_empty() {
            return None;
        }
        // The zone sets holding the zone; none holding it matches nothing.
        let zone_sets = match &f.zone {
            None => None,
            Some(z) => {
                let sets: Vec<bool> = self
                    .zone_sets
                    .iter()
                    .map(|(zones, _)| zones.iter().any(|x| x == z))
                    .collect();
                if !sets.contains(&true) {
                    return None;
                }
                Some(sets)
            }
        };
        Some(Wanted {
            f,
            event_type,
            statuses,
            zone_sets,
            // Starts that can match: a window ending after `from` starts after `from`
            // minus the longest window.
            first: f
                .from_s
                .map_or(i64::MIN, |v| v.saturating_sub(self.longest)),
            last: f.to_s.unwrap_or(i64::MAX),
        })
    }

    /// The slots of the start order whose start can match.
    fn starts_between(&self, first: i64, last: i64) -> &[At] {
        let list = &self.by_start;
        let lo = list.partition_point(|a| self.slot(a).start_s < first);
        let hi = list
            .partition_point(|a| self.slot(a).start_s < last)
            .max(lo);
        &list[lo..hi]
    }

    /// The slots of a square whose start can match.
    fn square_between(&self, q: u32, first: i64, last: i64) -> &[Slot] {
        let list = &self.squares[q as usize];
        let lo = list.partition_point(|s| s.start_s < first);
        let hi = list.partition_point(|s| s.start_s < last).max(lo);
        &list[lo..hi]
    }

    /// How many incidents match the filter, its cursor and limit aside; `None` when the
    /// filter needs what is not held (see [`PageIndex::answers`]).
    pub fn count(&self, f: &IncidentFilter) -> Option<usize> {
        if !Self::answers(f) {
            return None;
        }
        let Some(w) = self.wanted(f) else {
            return Some(0);
        };
        let keep = |s: &Slot| w.keeps(s);
        Some(if let Some(cells) = f.bbox.and_then(cells_of) {
            cells
                .into_iter()
                .filter_map(|c| self.square_of.get(&c))
                .map(|&q| {
                    self.square_between(q, w.first, w.last)
                        .iter()
                        .filter(|s| keep(s))
                        .count()
                })
                .sum()
        } else {
            let range = self.starts_between(w.first, w.last);
            if w.event_type.is_none() && w.statuses.is_empty() && w.zone_sets.is_none() {
                // Dates alone: every start after `from` matches (its window ends at or
                // after its start); only those before it are read.
                let sure = f.from_s.unwrap_or(i64::MIN);
                let k = range.partition_point(|a| self.slot(a).start_s <= sure);
                range.len() - k + range[..k].iter().filter(|a| keep(self.slot(a))).count()
            } else {
                range.iter().filter(|a| keep(self.slot(a))).count()
            }
        })
    }

    /// The page the filter asks for (cursor and limit included), in the filter's order;
    /// `None` when the filter needs what is not held (see [`PageIndex::answers`]).
    pub fn page(&self, f: &IncidentFilter) -> Option<Page<'_>> {
        if !Self::answers(f) {
            return None;
        }
        let empty = Page {
            index: self,
            hits: Vec::new(),
        };
        let limit = usize::try_from(f.limit.max(0)).unwrap_or(0);
        let Some(w) = self.wanted(f) else {
            return Some(empty);
        };
        let order = f.order;
        let keep = |s: &Slot| {
            w.keeps(s)
                && f.after
                    .is_none_or(|a| a.comes_after(order, s.number, s.start_s))
        };
        let (first, last) = (w.first, w.last);
        let mut hits: Vec<&Slot> = Vec::new();
        if let Some(cells) = f.bbox.and_then(cells_of) {
            for c in cells {
                let Some(&q) = self.square_of.get(&c) else {
                    continue;
                };
                hits.extend(
                    self.square_between(q, first, last)
                        .iter()
                        .filter(|s| keep(s)),
                );
            }
        } else if order != IncidentOrder::Number {
            // Start order already, over the starts that can match: the first `limit`
            // that match, from the front or from the back.
            let range = self
                .starts_between(first, last)
                .iter()
                .map(|a| self.slot(a));
            let hits = if order == IncidentOrder::Newest {
                range.rev().filter(|s| keep(s)).take(limit).collect()
            } else {
                range.filter(|s| keep(s)).take(limit).collect()
            };
            return Some(Page { index: self, hits });
        } else if f.from_s.is_some() || f.to_s.is_some() {
            hits.extend(
                self.starts_between(first, last)
                    .iter()
                    .map(|a| self.slot(a))
                    .filter(|s| keep(s)),
            );
        } else {
            // Number order already: the first `limit` that match.
            let start = f.after.map_or(0, |a| {
                self.by_number
                    .partition_point(|at| self.slot(at).number <= a.number)
            });
            let hits = self.by_number[start..]
                .iter()
                .map(|a| self.slot(a))
                .filter(|s| keep(s))
                .take(limit)
                .collect();
            return Some(Page { index: self, hits });
        }
        // The place of a slot in the order, as one key that sorts ascending.
        let key = |s: &&Slot| match order {
            IncidentOrder::Number => (s.number, 0),
            IncidentOrder::Oldest => (s.start_s, s.number),
            IncidentOrder::Newest => (s.start_s.saturating_neg(), s.number.saturating_neg()),
        };
        if hits.len() > limit {
            if limit == 0 {
                return Some(empty);
            }
            hits.select_nth_unstable_by_key(limit - 1, key);
            hits.truncate(limit);
        }
        hits.sort_unstable_by_key(key);
        Some(Page { index: self, hits })
    }
}

/// A filter resolved against an index's words: what [`PageIndex::page`] and
/// [`PageIndex::count`] keep, the cursor aside.
struct Wanted<'f> {
    f: &'f IncidentFilter,
    event_type: Option<u16>,
    statuses: Vec<u16>,
    /// For a zone filter, whether each zone set holds the zone.
    zone_sets: Option<Vec<bool>>,
    /// The earliest start that can match.
    first: i64,
    /// Starts from here on cannot match.
    last: i64,
}

impl Wanted<'_> {
    fn keeps(&self, s: &Slot) -> bool {
        let f = self.f;
        f.from_s.is_none_or(|v| s.end_s > v)
            && f.to_s.is_none_or(|v| s.start_s < v)
            && f.bbox
                .is_none_or(|[w, so, e, n]| s.lon >= w && s.lat >= so && s.lon <= e && s.lat <= n)
            && self.event_type.is_none_or(|t| s.event_type == t)
            && (self.statuses.is_empty() || self.statuses.contains(&s.status))
            && self
                .zone_sets
                .as_ref()
                .is_none_or(|sets| sets.get(s.zones as usize).copied().unwrap_or(false))
    }
}

/// How long an index checked against the audit head is used without asking again, when
/// this process has written nothing since: the most a write by another process (an
/// import on the command line, another server node) takes to show.
const RECHECK: Duration = Duration::from_millis(100);

/// Most incidents one write may change for the index to be updated in place rather
/// than read afresh.
const MAX_PATCH: usize = 5_000;

/// A new read starts no sooner than this many times the last read's length after it
/// ended.
const READ_SPACING: u32 = 4;

/// An index with the audit head it was read at, the local write count at that time, and
/// when the head was last seen unchanged.
#[derive(Debug)]
struct Ready {
    seq: i64,
    writes: u64,
    checked: Instant,
    index: Arc<PageIndex>,
}

/// The indexes a store handle keeps, by agreement; which are being read now; and how
/// many incident writes this process has committed.
#[derive(Debug, Default)]
pub(crate) struct Pages {
    ready: Mutex<HashMap<String, Ready>>,
    building: Mutex<HashSet<String>>,
    /// When each agreement's last read finished and how long it took.
    last_read: Mutex<HashMap<String, (Instant, Duration)>>,
    /// Whole reads made.
    reads: AtomicU64,
    writes: AtomicU64,
    /// Writes through this handle not yet applied to the indexes, by agreement: applied
    /// together by the next query that needs the index, so that a stream of writes costs
    /// one update per query rather than one per write (an update copies the orderings).
    pending: Mutex<HashMap<String, Pending>>,
}

/// Writes committed one after the other (audit entries `first` to `last`) that changed
/// these incidents.
#[derive(Debug)]
struct Pending {
    first: i64,
    last: i64,
    numbers: Vec<i64>,
    writes: u64,
}

pub(crate) type SharedPages = Arc<Pages>;

/// An agreement's index being read; dropping it (done, failed or cancelled) lets the
/// next read start.
struct Reading<'a> {
    pages: &'a Pages,
    agreement: String,
}

impl<'a> Reading<'a> {
    fn start(pages: &'a Pages, agreement: &str) -> Option<Self> {
        locked(&pages.building)
            .insert(agreement.to_owned())
            .then(|| Self {
                pages,
                agreement: agreement.to_owned(),
            })
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        locked(&self.pages.building).remove(&self.agreement);
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Store {
    /// Keeps incident pages in memory for the agreements queried through this handle
    /// (a server does; a one-off command does not need to); a handle that keeps them
    /// already is returned as it is.
    #[must_use]
    pub fn with_incident_pages(mut self) -> Self {
        if self.pages.is_none() {
            self.pages = Some(SharedPages::default());
        }
        self
    }

    /// Called after a transaction that changed incidents commits: the next query through
    /// this process asks the database again.
    /// Returns the count of such writes, this one included.
    pub(crate) fn incidents_changed(&self) -> u64 {
        self.pages
            .as_ref()
            .map_or(0, |p| p.writes.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Notes a committed write of these incidents (none: the write stored reports only),
    /// logged by audit entries `first` to `last`, to be applied to the agreement's index
    /// by the next query that reads it ([`Store::page_index`]). Writes that follow one
    /// another are applied together; after a gap, or past [`MAX_PATCH`] incidents, the
    /// index is read afresh instead.
    pub(crate) fn patch_incident_pages(
        &self,
        agreement: &str,
        first: i64,
        last: i64,
        numbers: Vec<i64>,
        writes: u64,
    ) {
        let Some(pages) = &self.pages else {
            return;
        };
        let mut pending = locked(&pages.pending);
        match pending.get_mut(agreement) {
            Some(p) if p.last + 1 == first && p.numbers.len() + numbers.len() <= MAX_PATCH => {
                p.last = last;
                p.numbers.extend(numbers);
                p.writes = writes;
            }
            Some(_) => {
                pending.remove(agreement);
            }
            None => {
                pending.insert(
                    agreement.to_owned(),
                    Pending {
                        first,
                        last,
                        numbers,
                        writes,
                    },
                );
            }
        }
    }

    /// Applies the writes noted for the agreement ([`Store::patch_incident_pages`]).
    async fn apply_pending(&self, agreement: &str) {
        let Some(pages) = &self.pages else {
            return;
        };
        let Some(mut p) = locked(&pages.pending).remove(agreement) else {
            return;
        };
        p.numbers.sort_unstable();
        p.numbers.dedup();
        self.apply_patch(agreement, p).await;
    }

    /// Applies a committed write to the agreement's index in place, when the index was
    /// current just before it (its head is the one before the write's first audit entry):
    /// the written incidents' rows are read back and replace theirs (none: the write
    /// stored reports only). Otherwise, or for a write of many incidents, the index is
    /// left to be read afresh.
    async fn apply_patch(&self, agreement: &str, patch: Pending) {
        let Pending {
            first,
            last,
            numbers,
            writes,
        } = patch;
        let Some(pages) = &self.pages else {
            return;
        };
        if numbers.len() > MAX_PATCH {
            return;
        }
        if numbers.is_empty() {
            // Reports alone (their incidents come in a later write): nothing the index
            // holds changed.
            if let Some(r) = locked(&pages.ready).get_mut(agreement)
                && r.seq == first - 1
            {
                r.seq = last;
                r.writes = writes;
            }
            return;
        }
        let Some(_reading) = Reading::start(pages, agreement) else {
            return;
        };
        let Some(index) = locked(&pages.ready)
            .get(agreement)
            .filter(|r| r.seq == first - 1)
            .map(|r| Arc::clone(&r.index))
        else {
            return;
        };
        let sql = format!(
            "SELECT {FULL_POINT_COLUMNS} FROM incidents i WHERE i.agreement_id = $1 AND i.number IN ({})",
            crate::sql::sql_list(&numbers)
        );
        let rows = match self.point_rows(&sql, agreement).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(%agreement, error = %e, "incident pages could not be updated; they will be read afresh");
                return;
            }
        };
        let Some(patched) = index.patched(&numbers, rows) else {
            return;
        };
        let mut ready = locked(&pages.ready);
        if let Some(r) = ready.get_mut(agreement)
            && r.seq == first - 1
            && Arc::ptr_eq(&r.index, &index)
        {
            *r = Ready {
                seq: last,
                writes,
                checked: Instant::now(),
                index: Arc::new(patched),
            };
        }
    }

    /// Whether audit entries after `from` up to `to` may have changed incidents: any
    /// entry but those about accounts, tokens, sources, the registry and bulletins.
    async fn incidents_touched(&self, from: i64, to: i64) -> Result<bool> {
        on_pool!(self, pool, DB, {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_log WHERE seq > $1 AND seq <= $2 AND NOT (action LIKE 'user.%' OR action LIKE 'token.%' OR action LIKE 'source.%' OR action LIKE 'registry.%' OR action LIKE 'bulletin.%')",
            )
            .bind(from)
            .bind(to)
            .fetch_one(pool)
            .await?;
            Ok(n > 0)
        })
    }

    /// How many times this handle has read an index whole (not counting updates in
    /// place).
    pub fn incident_pages_reads(&self) -> u64 {
        self.pages
            .as_ref()
            .map_or(0, |p| p.reads.load(Ordering::SeqCst))
    }

    /// The in-memory index of the agreement when it is as fresh as the database; when it
    /// is not, a fresh one is read in the background and `None` is returned meanwhile.
    pub(crate) async fn page_index(&self, agreement: &str) -> Result<Option<Arc<PageIndex>>> {
        let Some(pages) = &self.pages else {
            return Ok(None);
        };
        // The write count is read before the head: a write committed after this read
        // changes the count, and the next query asks again.
        let writes = pages.writes.load(Ordering::SeqCst);
        if let Some(r) = locked(&pages.ready).get(agreement)
            && r.writes == writes
            && r.checked.elapsed() < RECHECK
        {
            return Ok(Some(Arc::clone(&r.index)));
        }
        self.apply_pending(agreement).await;
        let writes = pages.writes.load(Ordering::SeqCst);
        let asked = Instant::now();
        let head = self.audit_seq().await?;
        let held = locked(&pages.ready)
            .get(agreement)
            .map(|r| (r.seq, r.index.is_empty()));
        if let Some((seq, empty)) = held {
            // Still current when nothing written since touched incidents (a login, a
            // token, a registry read). An empty index is read again regardless: a
            // restore fills an empty database with a log of its own.
            let current =
                seq == head || (head > seq && !empty && !self.incidents_touched(seq, head).await?);
            if current
                && let Some(r) = locked(&pages.ready).get_mut(agreement)
                && r.seq == seq
            {
                r.seq = head;
                r.writes = writes;
                r.checked = asked;
                return Ok(Some(Arc::clone(&r.index)));
            }
        }
        // Reads are spaced: at least four times a read's length passes between the end of
        // one and the start of the next, so a stream of writes costs the database at
        // most a fifth of its time in reads.
        let rested = locked(&pages.last_read)
            .get(agreement)
            .is_none_or(|(done, took)| done.elapsed() >= *took * READ_SPACING);
        if rested && !locked(&pages.building).contains(agreement) {
            let store = self.clone();
            let agreement = agreement.to_owned();
            tokio::spawn(async move {
                if let Err(e) = store.refresh_incident_pages(&agreement).await {
                    tracing::warn!(%agreement, error = %e, "incident pages could not be read; the database answers");
                }
            });
        }
        Ok(None)
    }

    /// Reads the agreement's index now and keeps it (a server warms it at start; tests
    /// use it to know the index answers); returns at once when it is being read already.
    pub async fn refresh_incident_pages(&self, agreement: &str) -> Result<()> {
        let Some(pages) = &self.pages else {
            return Ok(());
        };
        // One read per agreement at a time: the others keep being answered by the
        // database meanwhile, and a second read would only slow both.
        let Some(_reading) = Reading::start(pages, agreement) else {
            return Ok(());
        };
        let writes = pages.writes.load(Ordering::SeqCst);
        let asked = Instant::now();
        let (seq, index) = self.read_page_index(agreement).await?;
        tracing::info!(
            %agreement,
            incidents = index.len(),
            mb = index.heap_bytes() / 1_000_000,
            audit_seq = seq,
            ms = asked.elapsed().as_millis(),
            "incident pages read"
        );
        pages.reads.fetch_add(1, Ordering::SeqCst);
        locked(&pages.last_read).insert(agreement.to_owned(), (Instant::now(), asked.elapsed()));
        locked(&pages.ready).insert(
            agreement.to_owned(),
            Ready {
                seq,
                writes,
                checked: asked,
                index: Arc::new(index),
            },
        );
        Ok(())
    }

    /// How many incidents the agreement's index holds and its size in bytes (see
    /// [`PageIndex::heap_bytes`]), if one is kept (fresh or not).
    pub fn incident_pages_held(&self, agreement: &str) -> Option<(usize, usize)> {
        let pages = self.pages.as_ref()?;
        locked(&pages.ready)
            .get(agreement)
            .map(|r| (r.index.len(), r.index.heap_bytes()))
    }

    /// Reads every listed incident's compact row, with the audit head read first: rows
    /// written after it make the index newer than its head, never older. Rows are
    /// streamed into the index, so reading holds one row's strings at a time.
    async fn read_page_index(&self, agreement: &str) -> Result<(i64, PageIndex)> {
        use futures_util::TryStreamExt as _;
        let head = self.audit_seq().await?;
        let sql = format!(
            "SELECT {FULL_POINT_COLUMNS} FROM incidents i WHERE i.agreement_id = $1 AND i.report_count > 0"
        );
        let mut b = Builder::default();
        on_pool!(self, pool, DB, {
            let mut rows = sqlx::query_as::<_, RawPoint>(&sql)
                .bind(agreement)
                .fetch(pool);
            while let Some(raw) = rows.try_next().await? {
                b.push(point_row(raw));
            }
        });
        b.finish().map(|index| (head, index)).ok_or_else(|| {
            crate::StoreError::Refused(format!(
                "incidents of `{agreement}` use more than {MAX_WORDS} distinct types, statuses and perpetrators"
            ))
        })
    }

    /// The audit log's head: the sequence number of its last entry.
    /// The audit head's sequence number: it moves with every write of the record, so a
    /// reader that saw it unchanged knows nothing was written in between.
    pub async fn audit_head_seq(&self) -> Result<i64> {
        self.audit_seq().await
    }

    pub(crate) async fn audit_seq(&self) -> Result<i64> {
        on_pool!(self, pool, DB, {
            Ok(
                sqlx::query_scalar::<_, i64>("SELECT seq FROM audit_head WHERE id = 1")
                    .fetch_optional(pool)
                    .await?
                    .unwrap_or(0),
            )
        })
    }

    /// Rows of [`FULL_POINT_COLUMNS`] from a query whose first parameter is the
    /// agreement.
    pub(crate) async fn point_rows(&self, sql: &str, agreement: &str) -> Result<Vec<PointRow>> {
        let raw: Vec<RawPoint> = on_pool!(self, pool, DB, {
            sqlx::query_as::<_, RawPoint>(sql)
                .bind(agreement)
                .fetch_all(pool)
                .await?
        });
        Ok(raw.into_iter().map(point_row).collect())
    }
}

/// The columns of [`POINT_COLUMNS`] as the database gives them.
pub(crate) type RawPoint = (
    i64,
    i64,
    i64,
    Option<f64>,
    Option<f64>,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(crate) fn point_row(
    (
        number,
        start_s,
        end_s,
        lon,
        lat,
        event_type,
        status,
        perpetrator,
        disputed,
        reports,
        place_label,
        place_name,
        body,
    ): RawPoint,
) -> PointRow {
    PointRow {
        number,
        start_s,
        end_s,
        point: lon.zip(lat),
        event_type,
        status,
        perpetrator,
        disputed: disputed != 0,
        reports,
        place_label,
        place_name,
        particulars: body
            .as_deref()
            .map(|b| Particulars::of_body(b).unwrap_or_default()),
    }
}
