//! Zones: named areas (districts, corridors, routes, areas of responsibility) read from a
//! GeoJSON FeatureCollection, and the R-tree that says which zones hold a point.
//!
//! Three ways to give a zone's geometry, all resolved here so that every backend and
//! every caller sees the same polygons:
//! - a Polygon or MultiPolygon;
//! - a LineString with `buffer_m`: the band of that half-width around the line, computed
//!   in a local metric projection, minus the zones named in `exclude`;
//! - `"geometry": null` with `derive = {base, minus, plus}`: set operations on other zones.
//!
//! A band or a derived zone may also be clipped to other zones (`within`): the corridor
//! band is kept to the country it lies in, whatever the line's ends.
//!
//! A zone may change over time: several features with the same id, each with
//! `valid_from` and/or `valid_to` (local dates, `[from, to)`), whose periods do not
//! overlap, are versions of one zone. A point is classified by the versions in force on
//! its date; a reference from one zone to another (`exclude`, `derive`, `within`) takes
//! the version in force on the first day of the referring version.
//!
//! Coordinates are WGS 84, x = longitude, y = latitude, as in GeoJSON.

use crate::diag::{Position, Problem, SourceFile, suggest};
use geo::orient::{Direction, Orient};
use geo::{
    BooleanOps, BoundingRect, Buffer, Contains, Coord, GeodesicArea, Intersects, LineString,
    MapCoords, MultiPolygon, Point, Polygon, Rect,
};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Words allowed in a zone's `kind`.
pub const ZONE_KINDS: &[&str] = &[
    "district",
    "city",
    "country",
    "line-of-contact-area",
    "corridor",
    "route",
    "area-of-responsibility",
    "other",
];

/// A named area.
#[derive(Debug, Clone, Serialize)]
pub struct Zone {
    /// Stable id referenced by obligations (`kalbajar`).
    pub id: String,
    /// Display name, both languages where they differ.
    pub name: String,
    /// One of [`ZONE_KINDS`].
    pub kind: String,
    /// The zone this one lies within administratively; a point in it is in that zone too.
    pub part_of: Option<String>,
    /// Every other property of the feature (source, note, codes), kept as given.
    pub properties: Map<String, Value>,
    /// First local day this version is in force (none: from the start).
    pub valid_from: Option<Date>,
    /// First local day this version is no longer in force (none: still in force).
    pub valid_to: Option<Date>,
    /// The resolved area.
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
    /// Area in square kilometres on the WGS 84 ellipsoid.
    pub area_km2: f64,
}

impl Zone {
    /// Its name as a reader of `lang` sees it (`display_LANG`, the display name's words
    /// in that language's script), the display name where none is given.
    pub fn name_in(&self, lang: &str) -> &str {
        self.properties
            .get(&format!("display_{lang}"))
            .and_then(Value::as_str)
            .unwrap_or(&self.name)
    }

    /// True when this version is in force on the local day `date`.
    pub fn in_force_on(&self, date: Date) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date < t)
    }

    /// True when the two versions' periods share a day.
    fn overlaps(&self, other: &Self) -> bool {
        let starts_before_end = |a: &Self, b: &Self| match (a.valid_from, b.valid_to) {
            (Some(f), Some(t)) => f < t,
            _ => true,
        };
        starts_before_end(self, other) && starts_before_end(other, self)
    }

    /// The period of this version in words, for messages.
    pub fn period(&self) -> String {
        match (self.valid_from, self.valid_to) {
            (None, None) => "always".into(),
            (Some(f), None) => format!("from {f}"),
            (None, Some(t)) => format!("until {t} (exclusive)"),
            (Some(f), Some(t)) => format!("from {f} until {t} (exclusive)"),
        }
    }
}

/// Where an uncertain point lies ([`ZoneSet::placing_on`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placing<'a> {
    /// Zones it lies in whatever its uncertainty.
    pub certain: Vec<&'a str>,
    /// Zones its uncertainty reaches into or out of: counted apart, never in the rules.
    pub possible: Vec<&'a str>,
}

/// All zones of an agreement (every version of each) with a spatial index over them.
#[derive(Debug, Clone)]
pub struct ZoneSet {
    /// Every version, in file order.
    zones: Vec<Zone>,
    /// Per version: true for the latest version of its id (what a dateless question
    /// is answered with).
    latest: Vec<bool>,
    /// Every name of every zone's latest version, folded ([`ZoneSet::named`]), to the
    /// versions bearing it in file order: read for each imported row's admin names.
    names: HashMap<String, Vec<usize>>,
    /// The zone of the local days versions are dated in (UTC until the agreement's
    /// reporting zone is set).
    day_tz: TimeZone,
    /// One entry per polygon: its bounding box and its index in `prepared`.
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    /// (zone index, prepared polygon), one per polygon of every zone.
    prepared: Vec<(usize, Prepared)>,
}

const GRID: usize = 64;

/// A polygon with a grid over its bounding box whose cells are known to be wholly inside,
/// wholly outside, or crossed by an edge. Only points in crossed cells need the exact
/// test, which keeps classification fast for large polygons such as country outlines.
#[derive(Debug, Clone)]
struct Prepared {
    polygon: Polygon<f64>,
    min: Coord<f64>,
    cell_w: f64,
    cell_h: f64,
    cells: Vec<Cell>,
    /// Every edge of every ring in local metres ([`Prepared::metres`]), for the distance
    /// from a point to the polygon's edge.
    edges: RTree<rstar::primitives::Line<[f64; 2]>>,
    /// Metres per degree of longitude at the polygon's middle latitude.
    m_per_lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Outside,
    Inside,
    Edge,
}

impl Prepared {
    fn new(polygon: Polygon<f64>) -> Option<Self> {
        let r = polygon.bounding_rect()?;
        let cell_w = (r.width() / GRID as f64).max(f64::MIN_POSITIVE);
        let cell_h = (r.height() / GRID as f64).max(f64::MIN_POSITIVE);
        let m_per_lon =
            METRES_PER_DEGREE_LON_AT_EQUATOR * ((r.min().y + r.max().y) / 2.0).to_radians().cos();
        let metres = |c: Coord<f64>| [c.x * m_per_lon, c.y * METRES_PER_DEGREE_LAT];
        let edges = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .flat_map(|ring| ring.lines())
            .map(|l| rstar::primitives::Line::new(metres(l.start), metres(l.end)))
            .collect();
        let mut p = Self {
            polygon,
            min: r.min(),
            cell_w,
            cell_h,
            cells: vec![Cell::Outside; GRID * GRID],
            edges: RTree::bulk_load(edges),
            m_per_lon,
        };
        // Every cell an edge's bounding box touches may be crossed: mark it for exact tests.
        let rings = std::iter::once(p.polygon.exterior()).chain(p.polygon.interiors());
        let mut edge = vec![false; GRID * GRID];
        for ring in rings {
            for line in ring.lines() {
                let (cx0, cy0) =
                    p.cell_of(line.start.x.min(line.end.x), line.start.y.min(line.end.y));
                let (cx1, cy1) =
                    p.cell_of(line.start.x.max(line.end.x), line.start.y.max(line.end.y));
                for cy in cy0..=cy1 {
                    for cx in cx0..=cx1 {
                        edge[cy * GRID + cx] = true;
                    }
                }
            }
        }
        // A cell no edge touches lies wholly on one side: its centre decides.
        for cy in 0..GRID {
            for cx in 0..GRID {
                let i = cy * GRID + cx;
                p.cells[i] = if edge[i] {
                    Cell::Edge
                } else {
                    let centre = Point::new(
                        p.min.x + (cx as f64 + 0.5) * cell_w,
                        p.min.y + (cy as f64 + 0.5) * cell_h,
                    );
                    if p.polygon.contains(&centre) {
                        Cell::Inside
                    } else {
                        Cell::Outside
                    }
                };
            }
        }
        Some(p)
    }

    fn cell_of(&self, x: f64, y: f64) -> (usize, usize) {
        let clamp = |v: f64| (v.max(0.0) as usize).min(GRID - 1);
        (
            clamp((x - self.min.x) / self.cell_w),
            clamp((y - self.min.y) / self.cell_h),
        )
    }

    /// Metres from the point to the polygon's nearest edge, in an equirectangular
    /// projection at the polygon's middle latitude (within about 3% over this region).
    fn edge_distance_m(&self, pt: Point<f64>) -> f64 {
        let q = [pt.x() * self.m_per_lon, pt.y() * METRES_PER_DEGREE_LAT];
        self.edges.nearest_neighbor(&q).map_or(f64::INFINITY, |l| {
            rstar::PointDistance::distance_2(l, &q).sqrt()
        })
    }

    /// True when the point lies in the polygon or on its boundary.
    fn holds(&self, pt: Point<f64>) -> bool {
        let (cx, cy) = self.cell_of(pt.x(), pt.y());
        match self.cells[cy * GRID + cx] {
            Cell::Inside => true,
            Cell::Outside => false,
            Cell::Edge => self.polygon.intersects(&pt),
        }
    }
}

/// How the geometry of a feature is to be made.
enum Shape {
    /// An area as drawn, minus the zones named in `exclude` (as drawn).
    Area(MultiPolygon<f64>, Vec<String>),
    Band {
        line: LineString<f64>,
        half_width_m: f64,
        exclude: Vec<String>,
    },
    Derived {
        base: String,
        minus: Vec<String>,
        plus: Vec<String>,
    },
}

struct Pending {
    pointer: String,
    zone: Zone,
    shape: Shape,
    /// Zones the result is clipped to (intersection), for bands and derived zones.
    within: Vec<String>,
}

const METRES_PER_DEGREE_LAT: f64 = 110_574.0;
const METRES_PER_DEGREE_LON_AT_EQUATOR: f64 = 111_320.0;

/// Buffers a line by `half_width_m` metres in an equirectangular projection centred on the
/// line. Over a few tens of kilometres the scale error is far below the width itself.
fn band(line: &LineString<f64>, half_width_m: f64) -> MultiPolygon<f64> {
    let n = line.0.len().max(1) as f64;
    let (sx, sy) = line
        .0
        .iter()
        .fold((0.0, 0.0), |(x, y), c| (x + c.x, y + c.y));
    let (lon0, lat0) = (sx / n, sy / n);
    let kx = METRES_PER_DEGREE_LON_AT_EQUATOR * lat0.to_radians().cos();
    let ky = METRES_PER_DEGREE_LAT;
    let local = line.map_coords(|c| Coord {
        x: (c.x - lon0) * kx,
        y: (c.y - lat0) * ky,
    });
    local.buffer(half_width_m).map_coords(|c| Coord {
        x: c.x / kx + lon0,
        y: c.y / ky + lat0,
    })
}

fn prop_str(props: &Map<String, Value>, key: &str) -> Option<String> {
    props.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn prop_list(props: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    match props.get(key)? {
        Value::Array(a) => a.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
}

/// A problem of the zones file at `position`.
fn problem(file: &SourceFile, position: Position, message: String) -> Problem {
    Problem {
        file: file.name.clone(),
        position,
        message,
        hint: None,
    }
}

/// A JSON pointer as a position.
fn at(p: &str) -> Position {
    Position::Pointer(p.to_owned())
}

/// Every feature of the collection as a zone still to be drawn; problems are collected.
fn read_features(file: &SourceFile, root: &Value, problems: &mut Vec<Problem>) -> Vec<Pending> {
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        problems.push(problem(
            file,
            at("/type"),
            "zones must be a GeoJSON FeatureCollection".into(),
        ));
    }
    let features = root
        .get("features")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut first_seen: BTreeMap<String, Vec<(String, Zone)>> = BTreeMap::new();
    features
        .iter()
        .enumerate()
        .filter_map(|(i, f)| read_feature(file, i, f, &mut first_seen, problems))
        .collect()
}

/// A version date (`valid_from`, `valid_to`) of a feature, if given and well formed.
fn version_date(
    file: &SourceFile,
    props: &Map<String, Value>,
    base: &str,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<Date> {
    let v = props.get(key)?;
    match v.as_str().and_then(|t| t.parse::<Date>().ok()) {
        Some(d) => Some(d),
        None => {
            problems.push(
                problem(
                    file,
                    at(&format!("{base}/properties/{key}")),
                    format!("`{key}` must be a date \"YYYY-MM-DD\", not {v}"),
                )
                .with_hint("a local day of the agreement's reporting time zone"),
            );
            None
        }
    }
}

/// One feature: its id (unique), name, kind and how its geometry is made.
fn read_feature(
    file: &SourceFile,
    i: usize,
    f: &Value,
    first_seen: &mut BTreeMap<String, Vec<(String, Zone)>>,
    problems: &mut Vec<Problem>,
) -> Option<Pending> {
    let base = format!("/features/{i}");
    let props = f
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let Some(id) = prop_str(&props, "id") else {
        problems.push(problem(
            file,
            at(&format!("{base}/properties/id")),
            "zone has no `id` property".into(),
        ));
        return None;
    };
    let valid_from = version_date(file, &props, &base, "valid_from", problems);
    let valid_to = version_date(file, &props, &base, "valid_to", problems);
    if let (Some(f), Some(t)) = (valid_from, valid_to)
        && f >= t
    {
        problems.push(problem(
            file,
            at(&format!("{base}/properties/valid_to")),
            format!("zone `{id}` ends on {t}, not after it begins on {f}"),
        ));
        return None;
    }
    let name = prop_str(&props, "name").unwrap_or_else(|| id.clone());
    let kind = prop_str(&props, "kind").unwrap_or_default();
    if !ZONE_KINDS.contains(&kind.as_str()) {
        problems.push(
            problem(
                file,
                at(&format!("{base}/properties/kind")),
                format!("`{kind}` is not a zone kind"),
            )
            .with_hint(suggest(&kind, ZONE_KINDS.iter().copied())),
        );
    }
    let part_of = prop_str(&props, "part_of");
    let geometry = f.get("geometry").cloned().unwrap_or(Value::Null);
    let shape = shape_of(file, &base, &id, &props, geometry, problems)?;
    let within = if props.contains_key("within") {
        if let Some(w) = prop_list(&props, "within") {
            w
        } else {
            problems.push(problem(
                file,
                at(&format!("{base}/properties/within")),
                "`within` must be a list of zone ids".into(),
            ));
            return None;
        }
    } else {
        Vec::new()
    };
    let mut properties = props.clone();
    for k in ["id", "name", "kind", "part_of", "valid_from", "valid_to"] {
        properties.remove(k);
    }
    let zone = Zone {
        id,
        name,
        kind,
        part_of,
        properties,
        valid_from,
        valid_to,
        geometry: MultiPolygon(vec![]),
        area_km2: 0.0,
    };
    // Several features with one id are versions of a zone: their periods must not share
    // a day.
    let seen = first_seen.entry(zone.id.clone()).or_default();
    if let Some((first, other)) = seen.iter().find(|(_, z)| z.overlaps(&zone)) {
        problems.push(
            problem(
                file,
                at(&format!("{base}/properties/id")),
                if other.valid_from.is_none() && other.valid_to.is_none() {
                    format!("duplicate zone id `{}`", zone.id)
                } else {
                    format!(
                        "zone `{}` ({}) overlaps its version {}",
                        zone.id,
                        zone.period(),
                        other.period()
                    )
                },
            )
            .with_hint(format!(
                "first defined at {first}; versions of one zone need `valid_from`/`valid_to` periods that do not overlap"
            )),
        );
        return None;
    }
    seen.push((format!("{}#{base}", file.name), zone.clone()));
    Some(Pending {
        pointer: base,
        zone,
        shape,
        within,
    })
}

/// How a feature's geometry is made: an area as drawn, a line buffered into a band, or
/// a zone derived from others.
fn shape_of(
    file: &SourceFile,
    base: &str,
    id: &str,
    props: &Map<String, Value>,
    geometry: Value,
    problems: &mut Vec<Problem>,
) -> Option<Shape> {
    Some(if geometry.is_null() {
        let Some(d) = props.get("derive").and_then(Value::as_object) else {
            problems.push(problem(
                file,
                at(&format!("{base}/geometry")),
                format!("zone `{id}` has no geometry and no `derive` rule"),
            ));
            return None;
        };
        let base_zone = d.get("base").and_then(Value::as_str).map(str::to_owned);
        // An absent list is empty; a present one must be a list of strings.
        let list = |key: &str| {
            if d.contains_key(key) {
                prop_list(d, key)
            } else {
                Some(Vec::new())
            }
        };
        let lists = (list("minus"), list("plus"));
        match (base_zone, lists) {
            (Some(b), (Some(minus), Some(plus))) => Shape::Derived {
                base: b,
                minus,
                plus,
            },
            _ => {
                problems.push(
                    problem(file, at(&format!("{base}/properties/derive")), "`derive` needs `base` (a zone id) and optional `minus`/`plus` lists of zone ids".into()),
                );
                return None;
            }
        }
    } else {
        // The conversion to geometries indexes each position's second number: a position
        // with fewer is refused here, by its pointer, rather than crash the loader.
        if let Some(short) = short_position(&geometry, &format!("{base}/geometry")) {
            problems.push(problem(
                file,
                at(&short),
                "a position needs a longitude and a latitude".into(),
            ));
            return None;
        }
        match serde_json::from_value::<geojson::Geometry>(geometry) {
            Err(e) => {
                problems.push(problem(
                    file,
                    at(&format!("{base}/geometry")),
                    format!("invalid GeoJSON geometry: {e}"),
                ));
                return None;
            }
            Ok(g) => match geo::Geometry::<f64>::try_from(&g.value) {
                Ok(geo::Geometry::Polygon(p)) => Shape::Area(
                    MultiPolygon(vec![p]),
                    prop_list(props, "exclude").unwrap_or_default(),
                ),
                Ok(geo::Geometry::MultiPolygon(mp)) => {
                    Shape::Area(mp, prop_list(props, "exclude").unwrap_or_default())
                }
                Ok(geo::Geometry::LineString(l)) => {
                    match props.get("buffer_m").and_then(Value::as_f64) {
                        Some(w) if w > 0.0 && w <= 100_000.0 => Shape::Band {
                            line: l,
                            half_width_m: w,
                            exclude: prop_list(props, "exclude").unwrap_or_default(),
                        },
                        _ => {
                            problems.push(
                            problem(file, at(&format!("{base}/properties/buffer_m")), format!("line zone `{id}` needs `buffer_m`, a half-width in metres between 0 and 100000")),
                        );
                            return None;
                        }
                    }
                }
                Ok(_) | Err(_) => {
                    problems.push(
                        problem(
                            file,
                            at(&format!("{base}/geometry/type")),
                            format!("zone `{id}` must be a Polygon, MultiPolygon or LineString"),
                        )
                        .with_hint("points are places; put them in the gazetteer"),
                    );
                    return None;
                }
            },
        }
    })
}

/// The version of zone `id` a reference from a version starting on `at` takes: the one
/// in force on that day; from a version with no start, the one with no start or else the
/// earliest. `None` when the zone has no such version.
fn pick(pending: &[Pending], id: &str, at: Option<Date>) -> Option<usize> {
    let versions = pending.iter().enumerate().filter(|(_, p)| p.zone.id == id);
    match at {
        Some(d) => versions
            .filter(|(_, p)| p.zone.in_force_on(d))
            .map(|(i, _)| i)
            .next(),
        None => versions
            .min_by_key(|(_, p)| p.zone.valid_from)
            .map(|(i, _)| i),
    }
}

/// Every reference of a zone version to others, with the member it is written in.
fn references(p: &Pending) -> Vec<(String, &'static str)> {
    let mut refs: Vec<(String, &'static str)> = Vec::new();
    if let Some(parent) = &p.zone.part_of {
        refs.push((parent.clone(), "properties/part_of"));
    }
    match &p.shape {
        Shape::Band { exclude, .. } | Shape::Area(_, exclude) => {
            refs.extend(exclude.iter().map(|e| (e.clone(), "properties/exclude")));
        }
        Shape::Derived { base, minus, plus } => {
            refs.push((base.clone(), "properties/derive/base"));
            refs.extend(minus.iter().map(|e| (e.clone(), "properties/derive/minus")));
            refs.extend(plus.iter().map(|e| (e.clone(), "properties/derive/plus")));
        }
    }
    refs.extend(p.within.iter().map(|w| (w.clone(), "properties/within")));
    refs
}

/// Checks the references between zones (`part_of`, `exclude`, `derive`, `within`): known,
/// not to themselves, derived only from drawn zones, with a version in force on the first
/// day of the referring version.
fn check_references(file: &SourceFile, pending: &[Pending], problems: &mut Vec<Problem>) {
    let ids: BTreeSet<String> = pending.iter().map(|p| p.zone.id.clone()).collect();
    let derived: BTreeSet<String> = pending
        .iter()
        .filter(|p| matches!(p.shape, Shape::Derived { .. }))
        .map(|p| p.zone.id.clone())
        .collect();
    for p in pending {
        for (r, member) in references(p) {
            let pointer = format!("{}/{member}", p.pointer);
            if !ids.contains(&r) {
                problems.push(
                    problem(file, at(&pointer), format!("unknown zone `{r}`"))
                        .with_hint(suggest(&r, ids.iter().map(String::as_str))),
                );
            } else if member == "properties/exclude"
                && matches!(p.shape, Shape::Area(..))
                && !pending
                    .iter()
                    .any(|q| q.zone.id == r && matches!(q.shape, Shape::Area(..)))
            {
                problems.push(problem(
                    file,
                    at(&pointer),
                    format!("zone `{r}` is not drawn as an area; an area excludes only areas"),
                ));
            } else if member != "properties/part_of" && derived.contains(&r) {
                problems.push(problem(
                    file,
                    at(&pointer),
                    format!("zone `{r}` is itself derived; derive and clip only from drawn zones"),
                ));
            } else if r == p.zone.id {
                problems.push(problem(
                    file,
                    at(&pointer),
                    format!("zone `{r}` refers to itself"),
                ));
            } else if member != "properties/part_of"
                && pick(pending, &r, p.zone.valid_from).is_none()
            {
                problems.push(problem(
                    file,
                    at(&pointer),
                    format!(
                        "zone `{r}` has no version in force on {}, when this version of `{}` begins",
                        p.zone.valid_from.map_or_else(|| "its first day".into(), |d| d.to_string()),
                        p.zone.id
                    ),
                ));
            }
        }
    }
}

/// Draws every zone version: drawn areas first, then bands (which may exclude areas),
/// then derived zones; bands and derived zones are then clipped to their `within` zones;
/// each oriented as RFC 7946 wants and measured. References take the version in force
/// when the referring version begins ([`pick`]).
fn resolve(pending: Vec<Pending>) -> Vec<Zone> {
    let mut resolved: Vec<Option<MultiPolygon<f64>>> = vec![None; pending.len()];
    let get = |resolved: &[Option<MultiPolygon<f64>>], id: &str, at: Option<Date>| {
        pick(&pending, id, at)
            .and_then(|i| resolved[i].clone())
            .unwrap_or_else(|| MultiPolygon(vec![]))
    };
    for (i, p) in pending.iter().enumerate() {
        if let Shape::Area(mp, _) = &p.shape {
            resolved[i] = Some(normalized(mp));
        }
    }
    // Areas less other areas, each as drawn (so the order of the file does not matter).
    let drawn = resolved.clone();
    for (i, p) in pending.iter().enumerate() {
        if let Shape::Area(mp, exclude) = &p.shape
            && !exclude.is_empty()
        {
            let mut g = mp.clone();
            for e in exclude {
                g = g.difference(&get(&drawn, e, p.zone.valid_from));
            }
            resolved[i] = Some(g);
        }
    }
    for (i, p) in pending.iter().enumerate() {
        if let Shape::Band {
            line, half_width_m, ..
        } = &p.shape
        {
            resolved[i] = Some(band(line, *half_width_m));
        }
    }
    for (i, p) in pending.iter().enumerate() {
        if let Shape::Band { exclude, .. } = &p.shape {
            let mut g = resolved[i].clone().unwrap_or_else(|| MultiPolygon(vec![]));
            for e in exclude {
                g = g.difference(&get(&resolved, e, p.zone.valid_from));
            }
            for w in &p.within {
                g = g.intersection(&get(&resolved, w, p.zone.valid_from));
            }
            resolved[i] = Some(g);
        }
    }
    for (i, p) in pending.iter().enumerate() {
        if let Shape::Derived { base, minus, plus } = &p.shape {
            let at = p.zone.valid_from;
            let mut g = get(&resolved, base, at);
            for m in minus {
                g = g.difference(&get(&resolved, m, at));
            }
            for a in plus {
                g = g.union(&get(&resolved, a, at));
            }
            for w in &p.within {
                g = g.intersection(&get(&resolved, w, at));
            }
            resolved[i] = Some(g);
        }
    }
    pending
        .into_iter()
        .zip(resolved)
        .map(|(p, g)| {
            let mut z = p.zone;
            // RFC 7946 winding (exterior counter-clockwise), which geodesic area expects.
            z.geometry = g
                .unwrap_or_else(|| MultiPolygon(vec![]))
                .orient(Direction::Default);
            z.area_km2 = geodesic_area_km2(&z.geometry);
            z
        })
        .collect()
}

impl ZoneSet {
    /// Reads a GeoJSON FeatureCollection of zones; every problem is reported with the JSON
    /// pointer of the offending member.
    pub fn parse(file: &SourceFile) -> Result<Self, Vec<Problem>> {
        let root: Value = match serde_json::from_str(&file.text) {
            Ok(v) => v,
            Err(e) => {
                return Err(vec![problem(
                    file,
                    Position::LineColumn {
                        line: e.line(),
                        column: e.column(),
                    },
                    format!("invalid JSON: {e}"),
                )]);
            }
        };
        let mut problems = Vec::new();
        let pending = read_features(file, &root, &mut problems);
        check_references(file, &pending, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self::new(resolve(pending)))
    }

    /// Dates the versions in the local days of `tz` (the agreement's reporting zone):
    /// what [`ZoneSet::containing_at`] converts an instant with.
    #[must_use]
    pub fn with_day_zone(mut self, tz: TimeZone) -> Self {
        self.day_tz = tz;
        self
    }

    fn new(zones: Vec<Zone>) -> Self {
        let latest: Vec<bool> = zones
            .iter()
            .map(|z| {
                !zones
                    .iter()
                    .any(|o| o.id == z.id && o.valid_from > z.valid_from)
            })
            .collect();
        let prepared: Vec<(usize, Prepared)> = zones
            .iter()
            .enumerate()
            .flat_map(|(i, z)| {
                z.geometry
                    .0
                    .iter()
                    .filter_map(move |poly| Prepared::new(poly.clone()).map(|p| (i, p)))
            })
            .collect();
        let items = prepared
            .iter()
            .enumerate()
            .filter_map(|(k, (_, p))| {
                let r = p.polygon.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    k,
                ))
            })
            .collect();
        let mut names: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, z) in zones.iter().enumerate().filter(|(i, _)| latest[*i]) {
            for name in names_of(z) {
                let key = crate::places::fold(&name);
                let hits = names.entry(key).or_default();
                if !hits.contains(&i) {
                    hits.push(i);
                }
            }
        }
        names.remove("");
        Self {
            zones,
            latest,
            names,
            day_tz: TimeZone::UTC,
            tree: RTree::bulk_load(items),
            prepared,
        }
    }

    /// Every version of every zone, in file order.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// The latest version of every zone, in file order.
    pub fn latest(&self) -> impl Iterator<Item = &Zone> {
        self.zones
            .iter()
            .zip(&self.latest)
            .filter_map(|(z, &l)| l.then_some(z))
    }

    /// The versions in force on the local day `date`, in file order.
    pub fn in_force_on(&self, date: Date) -> impl Iterator<Item = &Zone> {
        self.zones.iter().filter(move |z| z.in_force_on(date))
    }

    /// Every version of one zone, in file order.
    pub fn versions<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Zone> {
        self.zones.iter().filter(move |z| z.id == id)
    }

    /// Every zone id.
    pub fn ids(&self) -> BTreeSet<&str> {
        self.zones.iter().map(|z| z.id.as_str()).collect()
    }

    /// Looks up a zone: its latest version.
    pub fn get(&self, id: &str) -> Option<&Zone> {
        self.latest().find(|z| z.id == id)
    }

    /// The zone a user's word names: its id, or any of its names (each part of its
    /// display name "Khankendi / Stepanakert", its `name_az`, `name_en`, `name_ru`),
    /// compared without case or diacritics. An unknown or ambiguous word is an error that
    /// says which zones it could mean.
    pub fn resolve(&self, word: &str) -> Result<&str, String> {
        if let Some(z) = self.get(word) {
            return Ok(&z.id);
        }
        let hits = self.named(word);
        match hits.as_slice() {
            [one] => Ok(&one.id),
            [] => Err(format!(
                "unknown zone `{word}`; {}",
                suggest(word, self.ids())
            )),
            many => Err(format!(
                "`{word}` names several zones: {}; give one id",
                many.iter()
                    .map(|z| format!("{} ({})", z.id, z.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Every zone (latest version) a name denotes: its id, a part of its display name, its
    /// `name_az`/`name_en`/`name_ru`, or a de facto region it overlaps
    /// (`de_facto_regions`: "Martakert" denotes Tartar, Kalbajar and Agdam), compared
    /// without case or diacritics; in file order.
    pub fn named(&self, word: &str) -> Vec<&Zone> {
        self.names
            .get(&crate::places::fold(word))
            .map(|hits| hits.iter().map(|&i| &self.zones[i]).collect())
            .unwrap_or_default()
    }

    /// Looks up the version of a zone in force on the local day `date`.
    pub fn get_on(&self, id: &str, date: Date) -> Option<&Zone> {
        self.zones
            .iter()
            .find(|z| z.id == id && z.in_force_on(date))
    }

    /// The local day of an instant, in the zone versions are dated in.
    pub fn day_of(&self, t: Timestamp) -> Date {
        crate::period::local_date(t, &self.day_tz)
    }

    /// Ids of the zones whose area holds the point (boundary included), and the zones those
    /// lie within (`part_of`), in file order; each zone by its latest version.
    pub fn containing(&self, lon: f64, lat: f64) -> Vec<&str> {
        self.holding(lon, lat, |i| self.latest[i])
    }

    /// As [`ZoneSet::containing`], each zone by its version in force on the local day
    /// `date` (a zone with none then holds nothing).
    pub fn containing_on(&self, lon: f64, lat: f64, date: Date) -> Vec<&str> {
        self.holding(lon, lat, |i| self.zones[i].in_force_on(date))
    }

    /// As [`ZoneSet::containing_on`] on the local day of the instant `t`.
    pub fn containing_at(&self, lon: f64, lat: f64, t: Timestamp) -> Vec<&str> {
        self.containing_on(lon, lat, self.day_of(t))
    }

    /// The zones a point with an uncertainty of `radius_m` metres lies in, on the local
    /// day `date`: *in* when inside and at least `radius_m` from the zone's edge (and the
    /// zones those lie within), *possibly in* when the uncertainty reaches across the
    /// edge either way. A radius of 0 gives [`ZoneSet::containing_on`] and nothing possible.
    pub fn placing_on(&self, lon: f64, lat: f64, radius_m: f64, date: Date) -> Placing<'_> {
        let pt = Point::new(lon, lat);
        let certain = self.containing_on(lon, lat, date);
        if radius_m <= 0.0 {
            return Placing {
                certain,
                possible: Vec::new(),
            };
        }
        let dlat = radius_m / METRES_PER_DEGREE_LAT;
        let dlon = radius_m / (METRES_PER_DEGREE_LON_AT_EQUATOR * lat.to_radians().cos().max(0.01));
        let env = AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat]);
        // Per zone version: inside one of its polygons, and the distance to the nearest
        // edge of its polygons.
        let mut near: BTreeMap<usize, (bool, f64)> = BTreeMap::new();
        for item in self.tree.locate_in_envelope_intersecting(&env) {
            let (zone, prepared) = &self.prepared[item.data];
            if !self.zones[*zone].in_force_on(date) {
                continue;
            }
            let inside = prepared.holds(pt);
            let d = prepared.edge_distance_m(pt);
            let e = near.entry(*zone).or_insert((false, f64::INFINITY));
            e.0 |= inside;
            e.1 = e.1.min(d);
        }
        // What holds the point for certain: inside and the radius short of every edge; the
        // zones those lie within follow (a district wholly in its country).
        let sure: BTreeSet<usize> = near
            .iter()
            .filter(|(_, (inside, d))| *inside && *d >= radius_m)
            .map(|(i, _)| *i)
            .collect();
        let certain: Vec<&str> = self
            .holding(lon, lat, |i| {
                sure.contains(&i)
                    || (self.zones[i].in_force_on(date) && self.ancestor_of_any(i, &sure))
            })
            .into_iter()
            .collect();
        let mut possible: Vec<&str> = near
            .iter()
            .filter(|(_, (_, d))| *d < radius_m)
            .map(|(i, _)| self.zones[*i].id.as_str())
            .filter(|id| !certain.contains(id))
            .collect();
        possible.sort_unstable();
        possible.dedup();
        Placing { certain, possible }
    }

    /// As [`ZoneSet::placing_on`] on the local day of the instant `t`.
    pub fn placing_at(&self, lon: f64, lat: f64, radius_m: f64, t: Timestamp) -> Placing<'_> {
        self.placing_on(lon, lat, radius_m, self.day_of(t))
    }

    /// True when zone version `i` is a `part_of` ancestor of one of `of`.
    fn ancestor_of_any(&self, i: usize, of: &BTreeSet<usize>) -> bool {
        of.iter().any(|&j| {
            let mut at = &self.zones[j];
            let mut hops = 0;
            while let Some(parent) = &at.part_of {
                if *parent == self.zones[i].id {
                    return true;
                }
                match self.zones.iter().find(|z| &z.id == parent) {
                    Some(z) if hops < 16 => {
                        at = z;
                        hops += 1;
                    }
                    _ => break,
                }
            }
            false
        })
    }

    fn holding(&self, lon: f64, lat: f64, counts: impl Fn(usize) -> bool) -> Vec<&str> {
        let pt = Point::new(lon, lat);
        let mut hit = BTreeSet::new();
        for item in self.tree.locate_all_at_point(&[lon, lat]) {
            let (zone, prepared) = &self.prepared[item.data];
            if !hit.contains(zone) && counts(*zone) && prepared.holds(pt) {
                hit.insert(*zone);
            }
        }
        // Add ancestors (the parent's version that counts, if any).
        let mut stack: Vec<usize> = hit.iter().copied().collect();
        while let Some(i) = stack.pop() {
            if let Some(parent) = &self.zones[i].part_of
                && let Some(j) =
                    (0..self.zones.len()).find(|&j| &self.zones[j].id == parent && counts(j))
                && hit.insert(j)
            {
                stack.push(j);
            }
        }
        let mut ids: Vec<&str> = hit.into_iter().map(|i| self.zones[i].id.as_str()).collect();
        ids.dedup();
        ids
    }

    /// Ids of zones whose bounding boxes meet the box (`[min lon, min lat, max lon, max lat]`).
    pub fn intersecting_bbox(&self, bbox: [f64; 4]) -> Vec<&str> {
        let env = AABB::from_corners([bbox[0], bbox[1]], [bbox[2], bbox[3]]);
        let hits: BTreeSet<usize> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|i| i.data)
            .collect();
        hits.into_iter()
            .map(|i| self.zones[i].id.as_str())
            .collect()
    }

    /// Every version of the zones as a GeoJSON FeatureCollection with its resolved
    /// geometry (a version's period in `valid_from`/`valid_to`).
    pub fn to_geojson(&self) -> Value {
        Self::collection(self.zones.iter())
    }

    /// The versions in force on the local day `date` as a GeoJSON FeatureCollection.
    pub fn to_geojson_on(&self, date: Date) -> Value {
        Self::collection(self.in_force_on(date))
    }

    fn collection<'a>(zones: impl Iterator<Item = &'a Zone>) -> Value {
        let features: Vec<Value> = zones
            .map(|z| {
                let mut props = z.properties.clone();
                props.insert("id".into(), z.id.clone().into());
                props.insert("name".into(), z.name.clone().into());
                props.insert("kind".into(), z.kind.clone().into());
                if let Some(p) = &z.part_of {
                    props.insert("part_of".into(), p.clone().into());
                }
                if let Some(d) = z.valid_from {
                    props.insert("valid_from".into(), d.to_string().into());
                }
                if let Some(d) = z.valid_to {
                    props.insert("valid_to".into(), d.to_string().into());
                }
                props.insert("area_km2".into(), (z.area_km2.round()).into());
                let geometry = geojson::Geometry::new(geojson::GeometryValue::from(&z.geometry));
                // A version's feature id names its first day, so that ids stay unique.
                let fid = z
                    .valid_from
                    .map_or_else(|| z.id.clone(), |d| format!("{}@{d}", z.id));
                serde_json::json!({"type": "Feature", "id": fid, "properties": props, "geometry": geometry})
            })
            .collect();
        serde_json::json!({"type": "FeatureCollection", "features": features})
    }

    /// The bounding box of a zone, over all its versions, as
    /// `[min lon, min lat, max lon, max lat]`.
    pub fn bbox(&self, id: &str) -> Option<[f64; 4]> {
        self.versions(id).filter_map(bbox_of).reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
    }
}

/// The bounding box of one zone version as `[min lon, min lat, max lon, max lat]`.
pub fn bbox_of(z: &Zone) -> Option<[f64; 4]> {
    let r: Rect<f64> = z.geometry.bounding_rect()?;
    Some([r.min().x, r.min().y, r.max().x, r.max().y])
}

/// A drawn area whose polygons may overlap (a correction added to an outline) as one
/// area: the union of its polygons. Set operations read overlapping polygons of one
/// multipolygon as holes, so an overlap would drop out of every difference.
fn normalized(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    if mp.0.len() < 2 {
        return mp.clone();
    }
    mp.0.iter().fold(MultiPolygon(vec![]), |acc, p| {
        acc.union(&MultiPolygon(vec![p.clone()]))
    })
}

/// The names a zone answers to: its id, each part of its display name ("Khankendi /
/// Stepanakert", parentheses dropped), its `name_az`/`name_en`/`name_ru`, and the de facto
/// regions it overlaps.
fn names_of(z: &Zone) -> Vec<String> {
    let mut names: Vec<String> = z
        .name
        .split('/')
        .map(|part| part.split('(').next().unwrap_or(part).trim().to_owned())
        .collect();
    names.push(z.id.clone());
    for k in ["name_az", "name_en", "name_ru"] {
        if let Some(n) = z.properties.get(k).and_then(Value::as_str) {
            names.push(n.to_owned());
        }
    }
    names.extend(prop_list(&z.properties, "de_facto_regions").unwrap_or_default());
    names
}

fn geodesic_area_km2(g: &MultiPolygon<f64>) -> f64 {
    g.0.iter()
        .map(|p| p.geodesic_area_signed().abs())
        .sum::<f64>()
        / 1e6
}

/// The JSON pointer of the first position of a GeoJSON geometry (`coordinates` at the
/// depth its `type` gives, or inside a collection's `geometries`) that holds fewer than
/// two numbers; `None` when every one has two or more, or when the geometry is malformed
/// otherwise (the GeoJSON reader names that).
fn short_position(geometry: &Value, at: &str) -> Option<String> {
    fn walk(v: &Value, depth: usize, at: &str) -> Option<String> {
        let items = v.as_array()?;
        if depth == 0 {
            return (items.len() < 2 && items.iter().all(Value::is_number)).then(|| at.to_owned());
        }
        items
            .iter()
            .enumerate()
            .find_map(|(i, x)| walk(x, depth - 1, &format!("{at}/{i}")))
    }
    let depth = match geometry.get("type").and_then(Value::as_str)? {
        "Point" => 0,
        "MultiPoint" | "LineString" => 1,
        "MultiLineString" | "Polygon" => 2,
        "MultiPolygon" => 3,
        "GeometryCollection" => {
            return geometry
                .get("geometries")?
                .as_array()?
                .iter()
                .enumerate()
                .find_map(|(i, g)| short_position(g, &format!("{at}/geometries/{i}")));
        }
        _ => return None,
    };
    walk(
        geometry.get("coordinates")?,
        depth,
        &format!("{at}/coordinates"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prepared_grid_agrees_with_the_exact_test_everywhere() {
        // A concave polygon with a hole, and points on a lattice that hits edges and vertices.
        let polygon = Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (10.0, 0.0),
                (10.0, 10.0),
                (5.0, 4.0),
                (0.0, 10.0),
                (0.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (2.0, 1.0),
                (4.0, 1.0),
                (4.0, 3.0),
                (2.0, 3.0),
                (2.0, 1.0),
            ])],
        );
        let prepared = Prepared::new(polygon.clone()).expect("prepared");
        let mut disagreements = Vec::new();
        for i in -5..=205 {
            for j in -5..=205 {
                let pt = Point::new(f64::from(i) * 0.05, f64::from(j) * 0.05);
                if prepared.holds(pt) != polygon.intersects(&pt) {
                    disagreements.push(pt);
                }
            }
        }
        assert!(
            disagreements.is_empty(),
            "{} disagreements, first {:?}",
            disagreements.len(),
            disagreements.first()
        );
    }
}
