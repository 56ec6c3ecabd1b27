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
//! Coordinates are WGS 84, x = longitude, y = latitude, as in GeoJSON.

use crate::diag::{Position, Problem, SourceFile, suggest};
use geo::orient::{Direction, Orient};
use geo::{
    BooleanOps, BoundingRect, Buffer, Contains, Coord, GeodesicArea, Intersects, LineString,
    MapCoords, MultiPolygon, Point, Polygon, Rect,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

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
    /// The resolved area.
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
    /// Area in square kilometres on the WGS 84 ellipsoid.
    pub area_km2: f64,
}

/// All zones of an agreement with a spatial index over them.
#[derive(Debug, Clone)]
pub struct ZoneSet {
    zones: Vec<Zone>,
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
        let mut p = Self {
            polygon,
            min: r.min(),
            cell_w,
            cell_h,
            cells: vec![Cell::Outside; GRID * GRID],
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
    Area(MultiPolygon<f64>),
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
    let mut first_seen: BTreeMap<String, String> = BTreeMap::new();
    features
        .iter()
        .enumerate()
        .filter_map(|(i, f)| read_feature(file, i, f, &mut first_seen, problems))
        .collect()
}

/// One feature: its id (unique), name, kind and how its geometry is made.
fn read_feature(
    file: &SourceFile,
    i: usize,
    f: &Value,
    first_seen: &mut BTreeMap<String, String>,
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
    if let Some(first) = first_seen.get(&id) {
        problems.push(
            problem(
                file,
                at(&format!("{base}/properties/id")),
                format!("duplicate zone id `{id}`"),
            )
            .with_hint(format!("first defined at {first}")),
        );
        return None;
    }
    first_seen.insert(id.clone(), format!("{}#{base}", file.name));
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
    let mut properties = props.clone();
    for k in ["id", "name", "kind", "part_of"] {
        properties.remove(k);
    }
    Some(Pending {
        pointer: base,
        zone: Zone {
            id,
            name,
            kind,
            part_of,
            properties,
            geometry: MultiPolygon(vec![]),
            area_km2: 0.0,
        },
        shape,
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
                Ok(geo::Geometry::Polygon(p)) => Shape::Area(MultiPolygon(vec![p])),
                Ok(geo::Geometry::MultiPolygon(mp)) => Shape::Area(mp),
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

/// Checks the references between zones (`part_of`, `exclude`, `derive`): known, not to
/// themselves, derived only from drawn zones.
fn check_references(file: &SourceFile, pending: &[Pending], problems: &mut Vec<Problem>) {
    // References between zones.
    let ids: BTreeSet<String> = pending.iter().map(|p| p.zone.id.clone()).collect();
    let derived: BTreeSet<String> = pending
        .iter()
        .filter(|p| matches!(p.shape, Shape::Derived { .. }))
        .map(|p| p.zone.id.clone())
        .collect();
    for p in pending {
        let mut refs: Vec<(String, &str)> = Vec::new();
        if let Some(parent) = &p.zone.part_of {
            refs.push((parent.clone(), "properties/part_of"));
        }
        match &p.shape {
            Shape::Band { exclude, .. } => {
                refs.extend(exclude.iter().map(|e| (e.clone(), "properties/exclude")))
            }
            Shape::Derived { base, minus, plus } => {
                refs.push((base.clone(), "properties/derive/base"));
                refs.extend(minus.iter().map(|e| (e.clone(), "properties/derive/minus")));
                refs.extend(plus.iter().map(|e| (e.clone(), "properties/derive/plus")));
            }
            Shape::Area(_) => {}
        }
        for (r, member) in refs {
            let pointer = format!("{}/{member}", p.pointer);
            if !ids.contains(&r) {
                problems.push(
                    problem(file, at(&pointer), format!("unknown zone `{r}`"))
                        .with_hint(suggest(&r, ids.iter().map(String::as_str))),
                );
            } else if member.starts_with("properties/derive") && derived.contains(&r) {
                problems.push(problem(
                    file,
                    at(&pointer),
                    format!("zone `{r}` is itself derived; derive only from drawn zones"),
                ));
            } else if r == p.zone.id {
                problems.push(problem(
                    file,
                    at(&pointer),
                    format!("zone `{r}` refers to itself"),
                ));
            }
        }
    }
}

/// Draws every zone: drawn areas first, then bands (which may exclude areas), then
/// derived zones; each oriented as RFC 7946 wants and measured.
fn resolve(pending: Vec<Pending>) -> Vec<Zone> {
    let mut resolved: BTreeMap<String, MultiPolygon<f64>> = BTreeMap::new();
    for p in &pending {
        if let Shape::Area(mp) = &p.shape {
            resolved.insert(p.zone.id.clone(), mp.clone());
        }
    }
    for p in &pending {
        if let Shape::Band {
            line, half_width_m, ..
        } = &p.shape
        {
            resolved.insert(p.zone.id.clone(), band(line, *half_width_m));
        }
    }
    for p in &pending {
        if let Shape::Band { exclude, .. } = &p.shape {
            let mut g = resolved[&p.zone.id].clone();
            for e in exclude {
                g = g.difference(&resolved[e]);
            }
            resolved.insert(p.zone.id.clone(), g);
        }
    }
    for p in &pending {
        if let Shape::Derived { base, minus, plus } = &p.shape {
            let mut g = resolved[base].clone();
            for m in minus {
                g = g.difference(&resolved[m]);
            }
            for a in plus {
                g = g.union(&resolved[a]);
            }
            resolved.insert(p.zone.id.clone(), g);
        }
    }
    pending
        .into_iter()
        .map(|p| {
            let mut z = p.zone;
            // RFC 7946 winding (exterior counter-clockwise), which geodesic area expects.
            z.geometry = resolved
                .remove(&z.id)
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

    fn new(zones: Vec<Zone>) -> Self {
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
        Self {
            zones,
            tree: RTree::bulk_load(items),
            prepared,
        }
    }

    /// Every zone, in file order.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// Every zone id.
    pub fn ids(&self) -> BTreeSet<&str> {
        self.zones.iter().map(|z| z.id.as_str()).collect()
    }

    /// Looks up a zone.
    pub fn get(&self, id: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.id == id)
    }

    /// Ids of the zones whose area holds the point (boundary included), and the zones those
    /// lie within (`part_of`), in file order.
    pub fn containing(&self, lon: f64, lat: f64) -> Vec<&str> {
        let pt = Point::new(lon, lat);
        let mut hit = BTreeSet::new();
        for item in self.tree.locate_all_at_point(&[lon, lat]) {
            let (zone, prepared) = &self.prepared[item.data];
            if !hit.contains(zone) && prepared.holds(pt) {
                hit.insert(*zone);
            }
        }
        // Add ancestors.
        let mut stack: Vec<usize> = hit.iter().copied().collect();
        while let Some(i) = stack.pop() {
            if let Some(parent) = &self.zones[i].part_of
                && let Some(j) = self.zones.iter().position(|z| &z.id == parent)
                && hit.insert(j)
            {
                stack.push(j);
            }
        }
        hit.into_iter().map(|i| self.zones[i].id.as_str()).collect()
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

    /// The zones as a GeoJSON FeatureCollection with their resolved geometry.
    pub fn to_geojson(&self) -> Value {
        let features: Vec<Value> = self
            .zones
            .iter()
            .map(|z| {
                let mut props = z.properties.clone();
                props.insert("id".into(), z.id.clone().into());
                props.insert("name".into(), z.name.clone().into());
                props.insert("kind".into(), z.kind.clone().into());
                if let Some(p) = &z.part_of {
                    props.insert("part_of".into(), p.clone().into());
                }
                props.insert("area_km2".into(), (z.area_km2.round()).into());
                let geometry = geojson::Geometry::new(geojson::GeometryValue::from(&z.geometry));
                serde_json::json!({"type": "Feature", "id": z.id, "properties": props, "geometry": geometry})
            })
            .collect();
        serde_json::json!({"type": "FeatureCollection", "features": features})
    }

    /// The bounding box of a zone as `[min lon, min lat, max lon, max lat]`.
    pub fn bbox(&self, id: &str) -> Option<[f64; 4]> {
        let r: Rect<f64> = self.get(id)?.geometry.bounding_rect()?;
        Some([r.min().x, r.min().y, r.max().x, r.max().y])
    }
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
