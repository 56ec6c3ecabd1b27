//! OGC API – Features, Part 1 (Core and GeoJSON), one service per agreement under
//! `/ogc/{agreement}`: incidents, zones, places, observation posts and checkpoints as
//! feature collections with `bbox`, `datetime`, `limit` and `next` links, so GIS
//! software (GDAL's OAPIF driver, QGIS, OWSLib) reads Truce without a plug-in.

use crate::answers;
use crate::api::{Filters, MAX_LIMIT, Paging, bbox, incident_filter};
use crate::edge::{Queries, Query};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use truce_model::AgreementBundle;
use truce_model::records::Record;
use truce_store::pages::PointRow;

const CORE: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core";
const GEOJSON: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// An items page's `limit`. Its schema states the default and the most a page holds
/// (clients such as GDAL 3.8 and later take their page size from the maximum), and marks
/// the maximum as one the server caps a larger value at rather than refuses (OGC API –
/// Features, Part 1, requirement `/req/core/fc-limit-response-1`), by [`CAPS`].
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct PageSize(u64);

/// The extension that marks a maximum the server caps at (`true`) instead of refusing.
pub(crate) const CAPS: &str = "x-maximum-caps";

impl utoipa::PartialSchema for PageSize {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .minimum(Some(1))
            .maximum(Some(MAX_LIMIT))
            .default(Some(DEFAULT_LIMIT.into()))
            .extensions(Some(
                utoipa::openapi::extensions::ExtensionsBuilder::new()
                    .add(CAPS, true)
                    .build(),
            ))
            .into()
    }
}

impl utoipa::ToSchema for PageSize {}

/// Features on a page when `limit` is not given.
const DEFAULT_LIMIT: i64 = 10;

/// (id, title, description) of every collection.
const COLLECTIONS: &[(&str, &str, &str)] = &[
    (
        "incidents",
        "Incidents",
        "Incidents assessed from reports: time window, type, status, attribution, zones",
    ),
    (
        "zones",
        "Zones",
        "Districts, corridors, routes and areas the agreement names",
    ),
    (
        "places",
        "Places",
        "The gazetteer: every place with its names in each language",
    ),
    (
        "observation-posts",
        "Observation posts",
        "Posts of the peacekeeping force, with opening and closing days",
    ),
    (
        "checkpoints",
        "Checkpoints",
        "Checkpoints on corridors and transport links, with their operators",
    ),
];

/// The address clients used, for absolute links (behind a proxy: its forwarded headers).
fn base(headers: &HeaderMap, id: &str) -> String {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .unwrap_or("localhost");
    let proto = get("x-forwarded-proto").unwrap_or("http");
    format!("{proto}://{host}/ogc/{id}")
}

fn typed(body: impl serde::Serialize, content_type: &'static str) -> Response {
    let mut r = Json(body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// `f=json` (or `geojson`) is accepted, as some clients add it; nothing else is offered.
/// The format of an answer: JSON (GeoJSON for features) is the one offered.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Format {
    /// Output format: json (default)
    #[param(inline)]
    #[allow(dead_code)]
    f: Option<FormatWord>,
}

fn formats() -> utoipa::openapi::Object {
    crate::edge::one_of(FORMATS)
}

/// What `f` may name.
const FORMATS: &[&str] = &[
    "json",
    "geojson",
    "application/json",
    "application/geo+json",
];

/// The coordinate reference systems features are served in and boxes are read in: CRS84
/// (longitude, latitude in degrees, WGS 84), the one the data is kept in. OGC API –
/// Features Part 2 names them by URI; any other is refused as not offered.
fn crs_uris() -> utoipa::openapi::Object {
    crate::edge::one_of(&[CRS84])
}

/// An agreement's collection, as a path names it.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct CollectionPath {
    /// Agreement id (`GET /api/v1/agreements` lists them)
    id: String,
    /// The collection
    #[param(inline)]
    collection: CollectionId,
}

crate::edge::stated! {
    /// Output format.
    FormatWord = formats;
    /// A collection's id.
    CollectionId = collection_ids;
    /// A coordinate reference system's URI.
    CrsUri = crs_uris;
}

fn collection_ids() -> utoipa::openapi::Object {
    let ids: Vec<&str> = COLLECTIONS.iter().map(|c| c.0).collect();
    crate::edge::one_of(&ids)
}

/// How features are answered: their format and coordinate reference system.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Output {
    /// Output format: json (default)
    #[param(inline)]
    #[allow(dead_code)]
    f: Option<FormatWord>,
    /// The coordinate reference system of the answer's coordinates (CRS84, the default, is the one offered)
    #[param(inline)]
    #[allow(dead_code)]
    crs: Option<CrsUri>,
}

/// The answer's `Content-Crs` header (OGC API – Features Part 2): the coordinates are
/// CRS84.
fn with_crs(mut r: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("<{CRS84}>")) {
        r.headers_mut().insert("content-crs", v);
    }
    r
}

/// A page of a collection's features.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ItemsQuery {
    /// The coordinate reference system of `bbox` (CRS84, the default, is the one offered)
    #[serde(rename = "bbox-crs")]
    #[param(rename = "bbox-crs", inline)]
    #[allow(dead_code)]
    bbox_crs: Option<CrsUri>,
    /// minLon,minLat,maxLon,maxLat in degrees (CRS84)
    #[param(inline)]
    bbox: Option<crate::edge::Bbox>,
    /// An instant or an interval (RFC 3339, `..` for an open end)
    datetime: Option<String>,
    /// Page size (default 10); above 10000 it is capped at 10000
    #[param(inline)]
    limit: Option<PageSize>,
    /// Features to skip (every collection but incidents)
    #[param(minimum = 0)]
    offset: Option<u64>,
    /// Incidents: zone id, or any of the zone's names
    zone: Option<String>,
    /// Incidents: event type of the codebook
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    event_type: Option<crate::edge::EventTypeWord>,
    /// Incidents: unverified, corroborated, confirmed, disputed or rejected; several separated by commas
    #[param(inline)]
    status: Option<crate::edge::StatusList>,
    /// Incidents: actor id, attributed to it or claimed against it
    party: Option<String>,
    /// Incidents: source id, with a current report from it
    source: Option<String>,
    /// Incidents: the `next` link's cursor
    cursor: Option<String>,
}

fn collection_of(
    cid: &str,
) -> Result<&'static (&'static str, &'static str, &'static str), ApiError> {
    COLLECTIONS.iter().find(|c| c.0 == cid).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no collection `{cid}`; {}",
            truce_model::diag::suggest(cid, COLLECTIONS.iter().map(|c| c.0))
        ))
    })
}

#[utoipa::path(get, path = "/ogc/{id}", tag = "ogc", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), Format), responses((status = 200, description = "OGC API – Features landing page", body = answers::Landing, content_type = "application/json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn landing(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    _: Query<Format>,
) -> Result<Response, ApiError> {
    let b = s.bundle(&id).await?;
    let base = base(&headers, &id);
    let server = base
        .strip_suffix(&format!("/ogc/{id}"))
        .unwrap_or_default()
        .to_owned();
    Ok(typed(
        json!({
            "title": format!("Truce — {}", b.agreement.title),
            "description": "Incidents, zones, places, observation posts and checkpoints of a ceasefire agreement, as OGC API – Features.",
            "links": [
                {"href": base, "rel": "self", "type": "application/json", "title": "this document"},
                {"href": format!("{base}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes"},
                {"href": format!("{base}/collections"), "rel": "data", "type": "application/json", "title": "collections"},
                // The media type clients look for (OWSLib's `api()` finds no other), though the
                // document itself is OpenAPI 3.1.
                {"href": format!("{server}/api/v1/openapi.json"), "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "the API's OpenAPI document"},
                {"href": format!("{server}/api/v1/docs/"), "rel": "service-doc", "type": "text/html", "title": "the API's documentation"},
            ],
        }),
        "application/json",
    ))
}

#[utoipa::path(get, path = "/ogc/{id}/conformance", tag = "ogc", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), Format), responses((status = 200, description = "Conformance classes: Core, GeoJSON", body = answers::Conformance, content_type = "application/json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn conformance(
    State(s): State<AppState>,
    Path(id): Path<String>,
    _: Query<Format>,
) -> Result<Response, ApiError> {
    s.bundle(&id).await?;
    Ok(typed(
        json!({"conformsTo": [CORE, GEOJSON]}),
        "application/json",
    ))
}

/// The box of every feature a collection holds, and the first and last instant of those
/// that have a time: incidents from the store, the others from their features.
async fn extent_of(
    s: &AppState,
    b: &AgreementBundle,
    cid: &str,
) -> Result<(Option<[f64; 4]>, Option<(i64, i64)>), ApiError> {
    // The box holding both.
    let grow = |e: Option<[f64; 4]>, r: [f64; 4]| {
        Some(e.map_or(r, |e| {
            [
                e[0].min(r[0]),
                e[1].min(r[1]),
                e[2].max(r[2]),
                e[3].max(r[3]),
            ]
        }))
    };
    Ok(match cid {
        "incidents" => s.store.incident_extent(&b.agreement.id).await?,
        "zones" => {
            let mut bbox = None;
            let (mut first, mut last, mut open) = (None::<i64>, None::<i64>, false);
            for z in b.zones.zones() {
                if let Some(r) = b.zones.bbox(&z.id) {
                    bbox = grow(bbox, r);
                }
                let day = |d: jiff::civil::Date| {
                    truce_model::period::start_of_day(d, b.agreement.tz()).map(|t| t.as_second())
                };
                if let Some(f) = z.valid_from.and_then(day) {
                    first = Some(first.map_or(f, |x| x.min(f)));
                }
                match z.valid_to.and_then(day) {
                    Some(t) => last = Some(last.map_or(t, |x| x.max(t))),
                    None => open = true,
                }
            }
            // Zones without an end stand to this day.
            let last = if open { None } else { last };
            (bbox, first.map(|f| (f, last.unwrap_or(i64::MAX))))
        }
        _ => {
            let mut bbox = None;
            for f in small_collection(s, b, cid, None, (None, None)).await? {
                if let (Some(x), Some(y)) = (
                    f["geometry"]["coordinates"][0].as_f64(),
                    f["geometry"]["coordinates"][1].as_f64(),
                ) {
                    bbox = grow(bbox, [x, y, x, y]);
                }
            }
            (bbox, None)
        }
    })
}

async fn describe(
    s: &AppState,
    b: &AgreementBundle,
    base: &str,
    c: &(&str, &str, &str),
) -> Result<Value, ApiError> {
    let (bbox, span) = extent_of(s, b, c.0).await?;
    // A collection with nothing located yet is given the agreement's area.
    let bbox = match bbox {
        Some(r) => Some(r),
        None => extent_of(s, b, "zones").await?.0,
    }
    .unwrap_or([-180.0, -90.0, 180.0, 90.0]);
    let instant = |t: i64| {
        (t != i64::MAX)
            .then(|| Timestamp::from_second(t).ok().map(|t| t.to_string()))
            .flatten()
    };
    let mut extent = json!({"spatial": {"bbox": [bbox], "crs": CRS84}});
    if let Some((from, to)) = span {
        extent["temporal"] = json!({
            "interval": [[instant(from), instant(to)]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        });
    }
    let href = format!("{base}/collections/{}", c.0);
    Ok(json!({
        "id": c.0,
        "title": c.1,
        "description": c.2,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": extent,
        "links": [
            {"href": href, "rel": "self", "type": "application/json", "title": c.1},
            {"href": format!("{href}/items"), "rel": "items", "type": "application/geo+json", "title": format!("{} (GeoJSON)", c.1)},
            {"href": format!("{href}/queryables"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables", "type": "application/schema+json", "title": "what the items can be filtered by"},
        ],
    }))
}

#[utoipa::path(get, path = "/ogc/{id}/collections", tag = "ogc", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), Format), responses((status = 200, description = "Collections: incidents, zones, places, observation posts, checkpoints", body = answers::Collections, content_type = "application/json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn collections(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    _: Query<Format>,
) -> Result<Response, ApiError> {
    let b = s.bundle(&id).await?;
    let base = base(&headers, &id);
    let mut list: Vec<Value> = Vec::with_capacity(COLLECTIONS.len());
    for c in COLLECTIONS {
        list.push(describe(&s, &b, &base, c).await?);
    }
    Ok(typed(
        json!({
            "links": [{"href": format!("{base}/collections"), "rel": "self", "type": "application/json", "title": "collections"}],
            "collections": list,
        }),
        "application/json",
    ))
}

#[utoipa::path(get, path = "/ogc/{id}/collections/{collection}", tag = "ogc", params(CollectionPath, Format), responses((status = 200, description = "One collection", body = answers::Collection, content_type = "application/json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn collection(
    State(s): State<AppState>,
    Path(CollectionPath {
        id,
        collection: CollectionId(cid),
    }): Path<CollectionPath>,
    headers: HeaderMap,
    _: Query<Format>,
) -> Result<Response, ApiError> {
    let b = s.bundle(&id).await?;
    let c = collection_of(&cid)?;
    Ok(typed(
        describe(&s, &b, &base(&headers, &id), c).await?,
        "application/json",
    ))
}

/// `datetime`: an instant, a date, or an interval `a/b` with `..` or nothing for an open
/// end; as Unix seconds [from, to).
fn datetime(v: &str) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let bad = |why: String| ApiError::BadParameter("datetime".into(), why);
    let one = |s: &str, end: bool| -> Result<Option<i64>, ApiError> {
        let s = s.trim();
        if s.is_empty() || s == ".." {
            return Ok(None);
        }
        if let Ok(t) = s.parse::<Timestamp>() {
            return Ok(Some(t.as_second() + i64::from(end)));
        }
        if let Ok(d) = s.parse::<jiff::civil::Date>() {
            let day = truce_model::period::start_of_day(d, &jiff::tz::TimeZone::UTC)
                .ok_or_else(|| bad(format!("`{s}` is out of range")))?
                .as_second();
            return Ok(Some(if end { day + 86_400 } else { day }));
        }
        Err(bad(format!("`{s}` is not an RFC 3339 instant or a date")))
    };
    match v.split_once('/') {
        Some((a, b)) => {
            let (from, to) = (one(a, false)?, one(b, true)?);
            if let (Some(f), Some(t)) = (from, to)
                && f >= t
            {
                return Err(bad(format!("`{v}` ends before it begins")));
            }
            Ok((from, to))
        }
        None => Ok((one(v, false)?, one(v, true)?)),
    }
}

/// An incident as a feature, written straight from its row: a page holds up to
/// thousands.
#[derive(Debug, serde::Serialize)]
struct IncidentFeature {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    geometry: Option<PointGeometry>,
    properties: IncidentProperties,
}

#[derive(Debug, serde::Serialize)]
struct PointGeometry {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

/// The properties of an incident's feature (see [`answers::Feature`]).
#[derive(Debug, serde::Serialize)]
struct IncidentProperties {
    start: Option<String>,
    end: Option<String>,
    date_precision: u8,
    event_type: String,
    status: String,
    perpetrator: Option<String>,
    disputed: bool,
    /// The gazetteer's name of its point, else the place as reported.
    place: Option<String>,
    place_as_reported: Option<String>,
    location_precision: u8,
    zones: String,
    possibly_in: String,
    reports: i64,
    killed_best: u32,
}

/// An incident as a feature, from its row (read with its particulars: see
/// [`truce_store::Store::incident_facts`]).
fn incident_feature(r: PointRow) -> IncidentFeature {
    let time = |s: i64| Timestamp::from_second(s).ok().map(|t| t.to_string());
    let more = r.particulars.unwrap_or_default();
    IncidentFeature {
        kind: "Feature",
        id: format!("inc-{}", r.number),
        geometry: r.point.map(|(x, y)| PointGeometry {
            kind: "Point",
            coordinates: [x, y],
        }),
        properties: IncidentProperties {
            start: time(r.start_s),
            end: time(r.end_s),
            date_precision: more.date_precision,
            event_type: r.event_type,
            status: r.status,
            perpetrator: r.perpetrator,
            disputed: r.disputed,
            place: r.place_label.or_else(|| r.place_name.clone()),
            place_as_reported: r.place_name,
            location_precision: more.location_precision,
            zones: more.zones.join(","),
            possibly_in: more.possibly_in.join(","),
            reports: r.reports,
            killed_best: more.killed_best,
        },
    }
}

/// The features of a page: incidents written from their rows, or another collection's
/// features.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
enum Features {
    Incidents(Vec<IncidentFeature>),
    Others(Vec<Value>),
}

impl Features {
    fn len(&self) -> usize {
        match self {
            Self::Incidents(list) => list.len(),
            Self::Others(list) => list.len(),
        }
    }
}

/// A page of features as GeoJSON. No `timeStamp` (optional in the standard): the same
/// features give the same bytes, so a client's `If-None-Match` can be answered with 304.
#[derive(Debug, serde::Serialize)]
struct FeaturePage {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "numberMatched")]
    matched: i64,
    #[serde(rename = "numberReturned")]
    returned: usize,
    features: Features,
    links: Vec<Value>,
}

fn point(id: &str, lon: f64, lat: f64, props: Value) -> Value {
    json!({"type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props})
}

fn in_bbox(bb: Option<[f64; 4]>, lon: f64, lat: f64) -> bool {
    bb.is_none_or(|b| lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3])
}

/// Every feature of a small collection (all but incidents), after `bbox` and
/// `datetime`.
async fn small_collection(
    s: &AppState,
    b: &AgreementBundle,
    cid: &str,
    bb: Option<[f64; 4]>,
    when: (Option<i64>, Option<i64>),
) -> Result<Vec<Value>, ApiError> {
    let day = |d: jiff::civil::Date| {
        truce_model::period::start_of_day(d, b.agreement.tz()).map(|t| t.as_second())
    };
    Ok(match cid {
        "zones" => {
            let all = b.zones.to_geojson();
            // Every version whose box meets `bbox` and whose period meets `datetime`.
            all["features"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .zip(b.zones.zones())
                .filter(|(_, z)| {
                    let in_box = match (bb, truce_model::zones::bbox_of(z)) {
                        (Some(q), Some(r)) => {
                            r[0] <= q[2] && r[2] >= q[0] && r[1] <= q[3] && r[3] >= q[1]
                        }
                        _ => true,
                    };
                    let (from, to) = (z.valid_from.and_then(day), z.valid_to.and_then(day));
                    let in_time = when.0.is_none_or(|w| to.is_none_or(|t| w < t))
                        && when.1.is_none_or(|w| from.is_none_or(|f| f <= w));
                    in_box && in_time
                })
                .map(|(f, _)| f)
                .collect()
        }
        "places" => b
            .gazetteer
            .places()
            .iter()
            .filter(|p| in_bbox(bb, p.lon, p.lat))
            .map(|p| {
                point(
                    &p.id,
                    p.lon,
                    p.lat,
                    json!({
                        "display": p.display, "name_az": p.name_az, "name_hy": p.name_hy.join(";"),
                        "name_hy_latn": p.name_hy_latn, "names_ru": p.names_ru.join(";"),
                        "country": p.country, "admin_zone": p.admin_zone,
                        "population": p.population,
                    }),
                )
            })
            .collect(),
        "observation-posts" => {
            let i = s.inputs(b).await?;
            i.evidence
                .posts
                .iter()
                .filter(|p| in_bbox(bb, p.lon, p.lat))
                .filter(|p| {
                    let opened = day(p.opened);
                    let closed = p.closed.and_then(day);
                    when.1.is_none_or(|to| opened.is_none_or(|o| o < to))
                        && when.0.is_none_or(|from| closed.is_none_or(|c| c > from))
                })
                .map(|p| {
                    point(&p.id, p.lon, p.lat, json!({
                        "name": p.name, "force": p.force, "opened": p.opened, "closed": p.closed,
                        "zones": p.zones.join(","), "source": p.source,
                    }))
                })
                .collect()
        }
        _ => {
            let i = s.inputs(b).await?;
            i.records
                .iter()
                .filter_map(|r| match &r.record {
                    Record::Checkpoint(c) => Some(c),
                    _ => None,
                })
                .filter_map(|c| {
                    let at = c.place.as_deref().and_then(|p| {
                        b.gazetteer.get(p).or_else(|| b.gazetteer.find(p).matches.first().map(|m| m.place))
                    });
                    if bb.is_some() && !at.is_some_and(|p| in_bbox(bb, p.lon, p.lat)) {
                        return None;
                    }
                    let props = json!({
                        "name": c.name, "zone": c.zone, "operator": c.operator, "opened": c.opened,
                        "closed": c.closed, "place": c.place, "source": c.source,
                    });
                    Some(match at {
                        Some(p) => point(&c.id, p.lon, p.lat, props),
                        None => json!({"type": "Feature", "id": c.id, "geometry": null, "properties": props}),
                    })
                })
                .collect()
        }
    })
}

/// A query string for a `next` link: the request's own parameters with the page moved.
fn next_query(q: &BTreeMap<String, String>, key: &str, value: &str) -> String {
    let mut pairs: Vec<(String, String)> = q
        .iter()
        .filter(|(k, _)| *k != key && *k != "offset" && *k != "cursor")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pairs.push((key.to_owned(), value.to_owned()));
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[utoipa::path(get, path = "/ogc/{id}/collections/{collection}/items", tag = "ogc", params(CollectionPath, Output, ItemsQuery), responses((status = 200, description = "A page of features with `next` links", body = answers::FeatureCollection, content_type = "application/geo+json", headers(("Content-Crs" = String, description = "The coordinates' reference system, `<http://www.opengis.net/def/crs/OGC/1.3/CRS84>`"))), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn items(
    State(s): State<AppState>,
    Path(CollectionPath {
        id,
        collection: CollectionId(cid),
    }): Path<CollectionPath>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    Queries(_, items): Queries<Output, ItemsQuery>,
) -> Result<Response, ApiError> {
    collection_of(&cid)?;
    // Incident filters name incidents; the small collections page by offset.
    let only_incidents = [
        ("zone", items.zone.is_some()),
        ("type", items.event_type.is_some()),
        ("status", items.status.is_some()),
        ("party", items.party.is_some()),
        ("source", items.source.is_some()),
        ("cursor", items.cursor.is_some()),
    ];
    if cid == "incidents" {
        if items.offset.is_some() {
            return Err(ApiError::BadParameter(
                "offset".into(),
                "incidents page by the `next` link's cursor, not by offset".into(),
            ));
        }
    } else if let Some((name, _)) = only_incidents.iter().find(|(_, given)| *given) {
        return Err(ApiError::BadParameter(
            (*name).into(),
            format!("filters incidents only, not `{cid}`"),
        ));
    }
    let q = crate::edge::pairs(raw.as_deref().unwrap_or_default());
    let b = s.bundle(&id).await?;
    let base = base(&headers, &id);
    let self_href = format!("{base}/collections/{cid}/items");
    // A limit above the most a page holds is capped, as the standard has it.
    let limit = items.limit.map_or(DEFAULT_LIMIT, |n| {
        i64::try_from(n.0).unwrap_or(MAX_LIMIT).min(MAX_LIMIT)
    });
    let when = items
        .datetime
        .as_deref()
        .map(datetime)
        .transpose()?
        .unwrap_or((None, None));
    let (features, matched, next) = if cid == "incidents" {
        let filters = Filters {
            zone: items.zone.clone(),
            event_type: items.event_type.clone(),
            status: items.status.clone(),
            party: items.party.clone(),
            source: items.source.clone(),
            bbox: items.bbox.clone(),
            ..Filters::default()
        };
        let paging = Paging {
            cursor: items.cursor.clone(),
            ..Paging::default()
        };
        let mut f = incident_filter(&s, &filters, &paging, &b).await?;
        f.limit = limit;
        f.from_s = when.0;
        f.to_s = when.1;
        let list = s.store.incident_facts(&id, &f).await?;
        let matched = s.store.count_incidents(&id, &f).await?;
        let next = (list.len() as i64 == limit)
            .then(|| {
                list.last()
                    .map(|r| next_query(&q, "cursor", &r.number.to_string()))
            })
            .flatten();
        (
            Features::Incidents(list.into_iter().map(incident_feature).collect()),
            matched,
            next,
        )
    } else {
        let bb = items
            .bbox
            .as_deref()
            .map(bbox)
            .transpose()?
            .map(truce_store::check_bbox)
            .transpose()
            .map_err(|p| ApiError::BadParameter(p.param.into(), p.reason))?;
        let offset = usize::try_from(items.offset.unwrap_or(0)).unwrap_or(usize::MAX);
        let all = small_collection(&s, &b, &cid, bb, when).await?;
        let matched = all.len();
        let page: Vec<Value> = all
            .into_iter()
            .skip(offset)
            .take(usize::try_from(limit).unwrap_or(10))
            .collect();
        let end = offset + page.len();
        let next = (end < matched).then(|| next_query(&q, "offset", &end.to_string()));
        (
            Features::Others(page),
            i64::try_from(matched).unwrap_or(i64::MAX),
            next,
        )
    };
    // `self` names this page as asked (its filters and cursor included).
    let asked = {
        let mut pairs: Vec<(&String, &String)> = q.iter().collect();
        pairs.sort();
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let this_page = if asked.is_empty() {
        self_href.clone()
    } else {
        format!("{self_href}?{asked}")
    };
    let mut links = vec![
        json!({"href": this_page, "rel": "self", "type": "application/geo+json", "title": "this page"}),
    ];
    if let Some(n) = next {
        links.push(json!({"href": format!("{self_href}?{n}"), "rel": "next", "type": "application/geo+json", "title": "next page"}));
    }
    links.push(json!({"href": format!("{base}/collections/{cid}"), "rel": "collection", "type": "application/json", "title": "the collection"}));
    Ok(with_crs(typed(
        FeaturePage {
            kind: "FeatureCollection",
            matched,
            returned: features.len(),
            features,
            links,
        },
        "application/geo+json",
    )))
}

#[utoipa::path(get, path = "/ogc/{id}/collections/{collection}/queryables", tag = "ogc", params(CollectionPath, Format), responses((status = 200, description = "The collection's queryables as a JSON Schema: each names a query parameter of its items", body = answers::Queryables, content_type = "application/schema+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
/// `/ogc/{id}/collections/{collection}/queryables`: what the items can be filtered by,
/// as a JSON Schema whose properties are the items' query parameters (beside `bbox` and
/// `datetime`), with the values each takes.
pub(crate) async fn queryables(
    State(s): State<AppState>,
    Path(CollectionPath {
        id,
        collection: CollectionId(cid),
    }): Path<CollectionPath>,
    headers: HeaderMap,
    _: Query<Format>,
) -> Result<Response, ApiError> {
    let b = s.bundle(&id).await?;
    let c = collection_of(&cid)?;
    let href = format!("{}/collections/{}/queryables", base(&headers, &id), c.0);
    let mut properties = serde_json::Map::new();
    properties.insert(
        "geometry".into(),
        json!({"title": "where (the bbox parameter)", "x-ogc-role": "primary-geometry", "format": if c.0 == "zones" { "geometry-any" } else { "geometry-point" }}),
    );
    if c.0 == "incidents" {
        let ids = |v: Vec<&str>| json!(v);
        properties.insert("datetime".into(), json!({"title": "when it happened (the datetime parameter)", "type": "string", "format": "date-time", "x-ogc-role": "primary-instant"}));
        properties.insert("status".into(), json!({"title": "the centre's assessment (property `status`)", "type": "string", "enum": truce_engine::incidents::IncidentStatus::ALL}));
        properties.insert("type".into(), json!({"title": "event type of the codebook (property `event_type`)", "type": "string", "enum": truce_model::report::EventType::ALL}));
        properties.insert("zone".into(), json!({"title": "a zone it lies in (property `zones`)", "type": "string", "enum": ids(b.zones.zones().iter().map(|z| z.id.as_str()).collect::<std::collections::BTreeSet<_>>().into_iter().collect())}));
        properties.insert("party".into(), json!({"title": "an actor it is attributed to or claimed against (property `perpetrator`)", "type": "string", "enum": ids(b.agreement.actors.iter().map(|a| a.id.as_str()).collect())}));
        properties.insert(
            "source".into(),
            json!({"title": "a source with a current report of it", "type": "string"}),
        );
    }
    Ok(typed(
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": href,
            "type": "object",
            "title": c.1,
            "properties": properties,
            "additionalProperties": false,
        }),
        "application/schema+json",
    ))
}

#[utoipa::path(get, path = "/ogc/{id}/collections/{collection}/items/{item}", tag = "ogc", params(CollectionPath, ("item" = String, Path, description = "Feature id"), Output), responses((status = 200, description = "One feature", body = answers::Feature, content_type = "application/geo+json", headers(("Content-Crs" = String, description = "The coordinates' reference system, `<http://www.opengis.net/def/crs/OGC/1.3/CRS84>`"))), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn item(
    State(s): State<AppState>,
    Path((id, cid, fid)): Path<(String, String, String)>,
    headers: HeaderMap,
    _: Query<Output>,
) -> Result<Response, ApiError> {
    collection_of(&cid)?;
    let b = s.bundle(&id).await?;
    let base = base(&headers, &id);
    let feature = if cid == "incidents" {
        s.store
            .incident(&fid)
            .await?
            .filter(|d| !d.incident.reports.is_empty())
            .map(|d| incident_feature(PointRow::from(&d.incident)))
            .map(|f| serde_json::to_value(f).unwrap_or(Value::Null))
    } else {
        let all = small_collection(&s, &b, &cid, None, (None, None)).await?;
        // A zone's plain id names its latest version (`lachin-corridor`); a version is
        // named by its own id (`lachin-corridor@2020-11-10`).
        let latest = (cid == "zones")
            .then(|| b.zones.get(&fid))
            .flatten()
            .map(|z| {
                z.valid_from
                    .map_or_else(|| z.id.clone(), |d| format!("{}@{d}", z.id))
            });
        let wanted = latest.as_deref().unwrap_or(fid.as_str());
        all.into_iter().find(|f| f["id"] == wanted)
    };
    let Some(mut feature) = feature else {
        return Err(ApiError::NotFound(format!("no feature `{fid}` in `{cid}`")));
    };
    feature["links"] = json!([
        {"href": format!("{base}/collections/{cid}/items/{}", encode(&fid)), "rel": "self", "type": "application/geo+json", "title": "this feature"},
        {"href": format!("{base}/collections/{cid}"), "rel": "collection", "type": "application/json", "title": "the collection"},
    ]);
    Ok(with_crs(typed(feature, "application/geo+json")))
}
