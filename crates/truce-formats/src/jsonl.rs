//! Truce's native report format: JSON Lines, one report per line (docs/formats.md).
//! Every problem names the line and the JSON pointer of the member at fault; good lines
//! of the same file are kept. Writing a report and reading it back gives the same report.

use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use truce_model::agreement::Agreement;
use truce_model::report::{Casualties, Estimate, EventType, Location, Report, Source, Window};

/// A line that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineProblem {
    /// Line in the file, from 1.
    pub line: u64,
    /// JSON pointer of the member at fault (empty for the whole line).
    pub pointer: String,
    /// Why.
    pub reason: String,
}

impl From<crate::rows::FileError> for LineProblem {
    /// A file that could not be read at all: its line, no member.
    fn from(e: crate::rows::FileError) -> Self {
        Self {
            line: e.line,
            pointer: String::new(),
            reason: e.message,
        }
    }
}

impl From<LineProblem> for crate::rows::Reject {
    /// A refused line or feature: the JSON pointer stands in the column.
    fn from(p: LineProblem) -> Self {
        Self {
            line: p.line,
            column: p.pointer,
            value: String::new(),
            reason: p.reason,
        }
    }
}

/// Everything the reader needs to judge a line.
#[derive(Debug)]
pub struct Context<'a> {
    /// The agreement (actors).
    pub agreement: &'a Agreement,
    /// Known sources by id.
    pub sources: &'a HashMap<String, Source>,
    /// When the file was received: the default for `received`, and no report may be
    /// dated after it.
    pub now: Timestamp,
}

const KEYS: &[&str] = &[
    "source",
    "key",
    "version",
    "received",
    "occurred",
    "location",
    "type",
    "perpetrator",
    "target",
    "casualties",
    "credibility",
    "text",
    "evidence",
    "outlets",
];
const CASUALTY_KEYS: &[&str] = &[
    "killed_military",
    "killed_civilian",
    "killed_unknown",
    "wounded_military",
    "wounded_civilian",
];

struct Line<'a> {
    no: u64,
    problems: Vec<LineProblem>,
    obj: &'a Map<String, Value>,
}

impl Line<'_> {
    fn bad(&mut self, pointer: &str, reason: impl Into<String>) {
        self.problems.push(LineProblem {
            line: self.no,
            pointer: pointer.to_owned(),
            reason: reason.into(),
        });
    }

    fn string(&mut self, key: &str, required: bool) -> Option<String> {
        match self.obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.bad(&format!("/{key}"), "is missing");
                }
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.bad(&format!("/{key}"), "must be a string");
                None
            }
        }
    }

    /// The time window: `occurred` with `start`, `end` and a UCDP date precision, not in the future.
    fn occurred(&mut self, now: Timestamp) -> Option<Window> {
        match self.obj.get("occurred") {
            Some(Value::Object(o)) => {
                let start = instant(o.get("start"))
                    .map_err(|e| self.bad("/occurred/start", e))
                    .ok();
                let end = instant(o.get("end"))
                    .map_err(|e| self.bad("/occurred/end", e))
                    .ok();
                let precision = o
                    .get("precision")
                    .and_then(Value::as_u64)
                    .filter(|p| (1..=5).contains(p));
                if precision.is_none() {
                    self.bad(
                        "/occurred/precision",
                        "must be 1 (day) to 5 (year or more), as UCDP date_prec",
                    );
                }
                match (start, end, precision) {
                    (Some(s), Some(e), Some(p)) if s < e => {
                        if s > now {
                            self.bad(
                                "/occurred/start",
                                format!("is in the future (now is {})", now),
                            );
                            None
                        } else {
                            Some(Window {
                                start: s,
                                end: e,
                                precision: u8::try_from(p).unwrap_or(5),
                            })
                        }
                    }
                    (Some(_), Some(_), Some(_)) => {
                        self.bad("/occurred/end", "must be after start");
                        None
                    }
                    _ => None,
                }
            }
            _ => {
                self.bad(
                    "/occurred",
                    "is missing: give {\"start\", \"end\", \"precision\"}",
                );
                None
            }
        }
    }

    /// The location: a point, a place name or both, with a UCDP location precision.
    fn location(&mut self) -> Option<Location> {
        match self.obj.get("location") {
            Some(Value::Object(o)) => {
                let lon = o
                    .get("lon")
                    .map(|v| v.as_f64().filter(|x| x.abs() <= 180.0));
                let lat = o.get("lat").map(|v| v.as_f64().filter(|y| y.abs() <= 90.0));
                let place = o.get("place").and_then(Value::as_str).map(str::to_owned);
                let precision = o
                    .get("precision")
                    .and_then(Value::as_u64)
                    .filter(|p| (1..=7).contains(p));
                if precision.is_none() {
                    self.bad(
                        "/location/precision",
                        "must be 1 (exact) to 7, as UCDP where_prec",
                    );
                }
                let point = match (lon, lat) {
                    (Some(Some(x)), Some(Some(y))) => Some((x, y)),
                    (None, None) => None,
                    (Some(None), _) => {
                        self.bad(
                            "/location/lon",
                            "must be a longitude in decimal degrees (±180)",
                        );
                        None
                    }
                    (_, Some(None)) => {
                        self.bad(
                            "/location/lat",
                            "must be a latitude in decimal degrees (±90)",
                        );
                        None
                    }
                    _ => {
                        self.bad("/location", "needs both `lon` and `lat`, or neither");
                        None
                    }
                };
                if point.is_none()
                    && place.is_none()
                    && self
                        .problems
                        .iter()
                        .all(|p| !p.pointer.starts_with("/location"))
                {
                    self.bad("/location", "needs `lon` and `lat`, or a `place` name");
                }
                precision.map(|p| Location {
                    point,
                    place_name: place,
                    precision: u8::try_from(p).unwrap_or(7),
                })
            }
            _ => {
                self.bad(
                    "/location",
                    "is missing: give {\"lon\", \"lat\", \"precision\"} or {\"place\", \"precision\"}",
                );
                None
            }
        }
    }

    /// Casualty estimates by kind; unknown kinds are problems.
    fn casualties(&mut self) -> Casualties {
        let mut casualties = Casualties::default();
        match self.obj.get("casualties") {
            None | Some(Value::Null) => {}
            Some(Value::Object(c)) => {
                for (k, v) in c {
                    let slot = match k.as_str() {
                        "killed_military" => &mut casualties.killed_military,
                        "killed_civilian" => &mut casualties.killed_civilian,
                        "killed_unknown" => &mut casualties.killed_unknown,
                        "wounded_military" => &mut casualties.wounded_military,
                        "wounded_civilian" => &mut casualties.wounded_civilian,
                        other => {
                            self.bad(
                                &format!("/casualties/{other}"),
                                format!(
                                    "unknown member ({})",
                                    truce_model::diag::suggest(
                                        other,
                                        CASUALTY_KEYS.iter().copied()
                                    )
                                ),
                            );
                            continue;
                        }
                    };
                    match estimate(v) {
                        Ok(e) => *slot = e,
                        Err(e) => self.bad(&format!("/casualties/{k}"), e),
                    }
                }
            }
            Some(_) => self.bad("/casualties", "must be an object"),
        }
        casualties
    }

    /// The credibility grade, 1 to 6.
    fn credibility(&mut self) -> u8 {
        match self.obj.get("credibility").and_then(Value::as_u64) {
            Some(c @ 1..=6) => u8::try_from(c).unwrap_or(6),
            _ => {
                self.bad(
                    "/credibility",
                    "must be 1 (confirmed) to 6 (cannot be judged)",
                );
                6
            }
        }
    }

    /// SHA-256 digests of the files the report rests on.
    fn evidence(&mut self) -> Vec<String> {
        let mut evidence = Vec::new();
        match self.obj.get("evidence") {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                for (i, h) in a.iter().enumerate() {
                    match h.as_str() {
                        Some(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                            evidence.push(s.to_ascii_lowercase())
                        }
                        _ => self.bad(
                            &format!("/evidence/{i}"),
                            "must be a SHA-256 digest: 64 hexadecimal digits",
                        ),
                    }
                }
            }
            Some(_) => self.bad("/evidence", "must be a list of SHA-256 digests"),
        }
        evidence
    }
}

fn instant(v: Option<&Value>) -> Result<Timestamp, String> {
    v.and_then(Value::as_str)
        .ok_or_else(|| "must be an RFC 3339 instant such as \"2021-05-12T03:00:00Z\"".to_owned())?
        .parse()
        .map_err(|e| format!("is not an instant: {e}"))
}

fn estimate(v: &Value) -> Result<Estimate, String> {
    let get = |k: &str| -> Result<u32, String> {
        match v.get(k) {
            Some(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("`{k}` must be a whole number of zero or more")),
            None => Err(format!("needs `{k}`")),
        }
    };
    let e = Estimate {
        low: get("low")?,
        best: get("best")?,
        high: get("high")?,
    };
    if !(e.low <= e.best && e.best <= e.high) {
        return Err("needs low ≤ best ≤ high".into());
    }
    Ok(e)
}

/// Reads one line; `Err` holds every problem of the line.
pub fn read_line(no: u64, line: &str, ctx: &Context<'_>) -> Result<Report, Vec<LineProblem>> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        vec![LineProblem {
            line: no,
            pointer: String::new(),
            reason: format!("invalid JSON at column {}: {e}", e.column()),
        }]
    })?;
    read_value(no, &value, line, ctx)
}

/// Reads one report from a JSON value; `content` is the text a report without a key is
/// keyed by.
pub fn read_value(
    no: u64,
    value: &Value,
    content: &str,
    ctx: &Context<'_>,
) -> Result<Report, Vec<LineProblem>> {
    let Some(obj) = value.as_object() else {
        return Err(vec![LineProblem {
            line: no,
            pointer: String::new(),
            reason: "each line must be a JSON object".into(),
        }]);
    };
    let mut l = Line {
        no,
        problems: Vec::new(),
        obj,
    };
    for k in obj.keys() {
        if !KEYS.contains(&k.as_str()) {
            let hint = truce_model::diag::suggest(k, KEYS.iter().copied());
            l.bad(&format!("/{k}"), format!("unknown member ({hint})"));
        }
    }
    let source = l.string("source", true);
    if let Some(s) = &source
        && !ctx.sources.contains_key(s)
    {
        let hint = truce_model::diag::suggest(s, ctx.sources.keys().map(String::as_str));
        l.bad(
            "/source",
            format!("unknown source `{s}` ({hint}); register it with `truce sources add`"),
        );
    }
    let key = l.string("key", false);
    let version = match obj.get("version") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(n) => Some(n),
            None => {
                l.bad("/version", "must be a whole number");
                None
            }
        },
    };
    let received = match obj.get("received") {
        None | Some(Value::Null) => Some(ctx.now),
        v => instant(v).map_err(|e| l.bad("/received", e)).ok(),
    };
    let occurred = l.occurred(ctx.now);
    let location = l.location();
    let event_type = l.string("type", true).and_then(|t| {
        let parsed = EventType::parse(&t);
        if parsed.is_none() {
            l.bad(
                "/type",
                format!(
                    "`{t}` is not in the codebook: {} (the types are in docs/codebook.md)",
                    truce_model::diag::suggest(&t, EventType::ALL.iter().copied())
                ),
            );
        }
        parsed
    });
    let mut actor = |key: &str| {
        let id = l.string(key, false)?;
        if ctx.agreement.actor(&id).is_none() {
            let hint =
                truce_model::diag::suggest(&id, ctx.agreement.actors.iter().map(|a| a.id.as_str()));
            l.bad(&format!("/{key}"), format!("unknown actor `{id}` ({hint})"));
            return None;
        }
        Some(id)
    };
    let perpetrator = actor("perpetrator");
    let target = actor("target");
    let casualties = l.casualties();
    let credibility = l.credibility();
    let text = l.string("text", false).unwrap_or_default();
    if text.len() > 64 * 1024 {
        l.bad(
            "/text",
            format!("is {} bytes; the limit is 65536", text.len()),
        );
    }
    let evidence = l.evidence();
    let outlets = match obj.get("outlets") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .unwrap_or_else(|| {
                l.bad(
                    "/outlets",
                    "must be the number of distinct outlets a data set's row cites, 0 to 255",
                );
                0
            }),
    };
    // Only a data set's row cites outlets; on any other report the count would be kept
    // and never read.
    if let Some(src) = source.as_deref().and_then(|s| ctx.sources.get(s))
        && outlets > 0
        && src.kind != truce_model::report::SourceKind::DataSet
    {
        l.bad(
            "/outlets",
            format!(
                "only a data set's row cites outlets; `{}` is a source of kind {}",
                src.id, src.kind
            ),
        );
    }
    if !l.problems.is_empty() {
        return Err(l.problems);
    }
    let (Some(source), Some(received), Some(occurred), Some(location), Some(event_type)) =
        (source, received, occurred, location, event_type)
    else {
        return Err(vec![LineProblem {
            line: no,
            pointer: String::new(),
            reason: "incomplete report".into(),
        }]);
    };
    // A report without a key of its own is keyed by its content, so the same line read
    // twice is the same report, and the key travels with it on export.
    let key = key.unwrap_or_else(|| format!("h{}", fnv(content)));
    let id = format!("{source}:{key}@{}", version.unwrap_or(0));
    Ok(Report {
        id,
        source,
        source_key: Some(key),
        source_version: version,
        received,
        occurred,
        location,
        event_type,
        perpetrator,
        target,
        // The native format names actors by id: an unknown one is refused above.
        perpetrator_as_named: None,
        target_as_named: None,
        casualties,
        credibility,
        text,
        evidence,
        outlets,
    })
}

/// FNV-1a over the line: a stable key for reports that carry none of their own.
fn fnv(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.trim().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// One report as a line of the native format (without the trailing newline).
pub fn write_line(r: &Report) -> String {
    let mut loc = Map::new();
    if let Some((x, y)) = r.location.point {
        loc.insert("lon".into(), json!(x));
        loc.insert("lat".into(), json!(y));
    }
    if let Some(p) = &r.location.place_name {
        loc.insert("place".into(), json!(p));
    }
    loc.insert("precision".into(), json!(r.location.precision));
    let mut o = Map::new();
    o.insert("source".into(), json!(r.source));
    if let Some(k) = &r.source_key {
        o.insert("key".into(), json!(k));
    }
    if let Some(v) = r.source_version {
        o.insert("version".into(), json!(v));
    }
    o.insert("received".into(), json!(r.received));
    o.insert("occurred".into(), json!({"start": r.occurred.start, "end": r.occurred.end, "precision": r.occurred.precision}));
    o.insert("location".into(), Value::Object(loc));
    o.insert("type".into(), json!(r.event_type));
    if let Some(p) = &r.perpetrator {
        o.insert("perpetrator".into(), json!(p));
    }
    if let Some(t) = &r.target {
        o.insert("target".into(), json!(t));
    }
    let c = serde_json::to_value(r.casualties).unwrap_or(Value::Null);
    if r.casualties != Casualties::default() {
        o.insert("casualties".into(), c);
    }
    o.insert("credibility".into(), json!(r.credibility));
    if !r.text.is_empty() {
        o.insert("text".into(), json!(r.text));
    }
    if !r.evidence.is_empty() {
        o.insert("evidence".into(), json!(r.evidence));
    }
    if r.outlets > 0 {
        o.insert("outlets".into(), json!(r.outlets));
    }
    Value::Object(o).to_string()
}

/// One report as a GeoJSON Feature: a Point (or no geometry) and the native members as
/// properties, with `place` and `location_precision` for the rest of the location.
pub fn write_feature(r: &Report) -> Value {
    let mut props: Map<String, Value> = match serde_json::from_str(&write_line(r)) {
        Ok(Value::Object(o)) => o,
        _ => Map::new(),
    };
    let location = props.remove("location");
    let geometry = r.location.point.map_or(
        Value::Null,
        |(x, y)| json!({"type": "Point", "coordinates": [x, y]}),
    );
    if let Some(p) = location.as_ref().and_then(|l| l.get("place")) {
        props.insert("place".into(), p.clone());
    }
    props.insert("location_precision".into(), json!(r.location.precision));
    json!({"type": "Feature", "id": r.id, "geometry": geometry, "properties": props})
}

/// A feature read: its report, or every problem with it.
pub type FeatureResult = Result<Report, Vec<LineProblem>>;

/// Reads a GeoJSON FeatureCollection of reports (as [`write_feature`] writes them), each
/// with its feature's JSON text. Problems carry the JSON pointer into the collection;
/// good features are kept.
pub fn read_feature_collection(
    text: &str,
    ctx: &Context<'_>,
) -> Result<Vec<(String, FeatureResult)>, LineProblem> {
    let root: Value = serde_json::from_str(text).map_err(|e| LineProblem {
        line: e.line() as u64,
        pointer: String::new(),
        reason: format!("invalid JSON at column {}: {e}", e.column()),
    })?;
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(LineProblem {
            line: 1,
            pointer: "/type".into(),
            reason: "must be \"FeatureCollection\"".into(),
        });
    }
    let Some(features) = root.get("features").and_then(Value::as_array) else {
        return Err(LineProblem {
            line: 1,
            pointer: "/features".into(),
            reason: "must be a list of features".into(),
        });
    };
    Ok(features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let raw = f.to_string();
            let report = read_feature(i, f, &raw, ctx);
            (raw, report)
        })
        .collect())
}

/// Reads feature number `i` of a collection; `raw` is its JSON text.
fn read_feature(
    i: usize,
    f: &Value,
    raw: &str,
    ctx: &Context<'_>,
) -> Result<Report, Vec<LineProblem>> {
    let at = |p: &str| format!("/features/{i}{p}");
    let bad = |p: &str, reason: &str| {
        vec![LineProblem {
            line: 0,
            pointer: at(p),
            reason: reason.into(),
        }]
    };
    let Some(props) = f.get("properties").and_then(Value::as_object) else {
        return Err(bad("/properties", "must be an object of report members"));
    };
    let mut obj = props.clone();
    let place = obj.remove("place");
    let precision = obj.remove("location_precision");
    let mut location = Map::new();
    match f.get("geometry") {
        None | Some(Value::Null) => {}
        Some(g) if g.get("type").and_then(Value::as_str) == Some("Point") => {
            let c = g.get("coordinates").and_then(Value::as_array);
            match c.map(|c| {
                (
                    c.first().and_then(Value::as_f64),
                    c.get(1).and_then(Value::as_f64),
                )
            }) {
                Some((Some(x), Some(y))) => {
                    location.insert("lon".into(), json!(x));
                    location.insert("lat".into(), json!(y));
                }
                _ => {
                    return Err(bad(
                        "/geometry/coordinates",
                        "must be [longitude, latitude]",
                    ));
                }
            }
        }
        Some(_) => {
            return Err(bad(
                "/geometry/type",
                "a report is a Point, or has no geometry",
            ));
        }
    }
    if let Some(p) = place {
        location.insert("place".into(), p);
    }
    if let Some(p) = precision {
        location.insert("precision".into(), p);
    }
    obj.insert("location".into(), Value::Object(location));
    read_value(0, &Value::Object(obj), raw, ctx).map_err(|problems| {
        problems
            .into_iter()
            .map(|p| {
                let pointer = match p.pointer.as_str() {
                    "/location/lon" => at("/geometry/coordinates/0"),
                    "/location/lat" => at("/geometry/coordinates/1"),
                    "/location/precision" => at("/properties/location_precision"),
                    "/location" => at("/geometry"),
                    other => at(&format!("/properties{other}")),
                };
                LineProblem {
                    line: 0,
                    pointer,
                    reason: p.reason,
                }
            })
            .collect()
    })
}

/// A problem found in a value built from a CSV row: its JSON pointer becomes the column
/// name the member came from (`/counts/pows` → `counts.pows`).
pub(crate) fn pointer_as_column(p: LineProblem) -> LineProblem {
    LineProblem {
        pointer: p.pointer.trim_start_matches('/').replace('/', "."),
        ..p
    }
}

/// Objects read from CSV rows with their lines, and the problems of refused rows.
pub(crate) type CsvObjects = (Vec<(u64, Value)>, Vec<LineProblem>);

/// Reads CSV rows as JSON objects for a typed line format: the header names members
/// (dots for nested members, `names.Latn.surname`), `convert` turns each non-empty cell
/// into a value, and each object gets its `type` from a `type` column or, in a file
/// without one, from `default_type`. Rows with a bad cell are returned as problems
/// naming the line and column; empty rows are skipped.
pub(crate) fn csv_objects(
    text: &str,
    types: &[&str],
    default_type: Option<&str>,
    convert: impl Fn(&str, &str, &str) -> Result<Value, String>,
) -> Result<CsvObjects, crate::rows::FileError> {
    let mut rows = crate::rows::CsvRows::new(text.as_bytes(), true);
    let header = rows.headers()?;
    let type_at = header.iter().position(|h| h == "type");
    if type_at.is_none() && default_type.is_none() {
        return Err(crate::rows::FileError {
            line: 1,
            message: "the header has no `type` column; add one or name the type of every row"
                .into(),
        });
    }
    let problem = |line, pointer: &str, reason: String| LineProblem {
        line,
        pointer: pointer.to_owned(),
        reason,
    };
    let mut good = Vec::new();
    let mut bad = Vec::new();
    while let Some(next) = rows.next_line() {
        let line = match next {
            Ok(l) => l,
            Err(r) => {
                bad.push(problem(r.line, &r.column, r.reason));
                continue;
            }
        };
        let cells: Vec<String> = rows
            .record
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_owned())
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        // A cell past the header's last column has no member to go to: the row is
        // refused rather than stored without it (an unquoted comma in a note, say).
        if let Some(extra) = cells
            .get(header.len()..)
            .filter(|e| e.iter().any(|c| !c.is_empty()))
        {
            bad.push(problem(
                line,
                "",
                format!(
                    "{} cell(s) beyond the header's {} columns (`{}`); quote a value that holds a comma",
                    extra.len(),
                    header.len(),
                    extra.first().map_or("", String::as_str),
                ),
            ));
            continue;
        }
        let kind = match type_at.and_then(|i| cells.get(i)).filter(|c| !c.is_empty()) {
            Some(k) => match types.iter().find(|t| **t == k.as_str()) {
                Some(t) => *t,
                None => {
                    bad.push(problem(
                        line,
                        "type",
                        format!(
                            "unknown record type `{k}`; {}",
                            truce_model::diag::suggest(k, types.iter().copied())
                        ),
                    ));
                    continue;
                }
            },
            None => match default_type {
                Some(k) => k,
                None => {
                    bad.push(problem(line, "type", "is empty".into()));
                    continue;
                }
            },
        };
        let mut obj = Map::new();
        obj.insert("type".into(), Value::String(kind.into()));
        let mut row_bad = Vec::new();
        for (h, cell) in header.iter().zip(&cells) {
            if h == "type" || cell.is_empty() {
                continue;
            }
            match convert(kind, h, cell) {
                Ok(v) => {
                    let mut path = h.split('.').peekable();
                    let mut slot = &mut obj;
                    while let Some(part) = path.next() {
                        if path.peek().is_none() {
                            slot.insert(part.to_owned(), v);
                            break;
                        }
                        let inner = slot
                            .entry(part.to_owned())
                            .or_insert_with(|| Value::Object(Map::new()));
                        match inner.as_object_mut() {
                            Some(m) => slot = m,
                            None => {
                                row_bad.push(problem(
                                    line,
                                    h,
                                    format!("`{part}` is also a column of its own"),
                                ));
                                break;
                            }
                        }
                    }
                }
                Err(reason) => row_bad.push(problem(line, h, reason)),
            }
        }
        if row_bad.is_empty() {
            good.push((line, Value::Object(obj)));
        } else {
            bad.extend(row_bad);
        }
    }
    Ok((good, bad))
}
