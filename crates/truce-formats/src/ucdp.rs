//! UCDP Georeferenced Event Dataset (GED) CSV: 49 columns, with or without a header.
//! Rows become [`Report`]s; the original columns are kept so that a row exports back
//! exactly. UCDP's own precision scales (`date_prec`, `where_prec`) are Truce's.

use crate::rows::{
    CsvRows, Fields, FileError, Reject, Warning, check_region, coordinate, cut, fields,
    header_name, region,
};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use std::io::Read;
use truce_model::agreement::Agreement;
use truce_model::report::{Casualties, Estimate, EventType, Location, Report, Source, Window};
use truce_model::zones::ZoneSet;

/// The 49 columns of GED, in order.
pub const COLUMNS: [&str; 49] = [
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
];

/// An accepted GED row.
#[derive(Debug, Clone, PartialEq)]
pub struct GedRow {
    /// Physical line in the file.
    pub line: u64,
    /// The row as written, in GED column order.
    pub fields: Fields,
    /// The report made from it.
    pub report: Report,
    /// Warnings about it.
    pub warnings: Vec<Warning>,
}

/// How rows are read.
#[derive(Debug, Clone)]
pub struct Options {
    /// The source (usually the UCDP data set).
    pub source: Source,
    /// When the file was received.
    pub received: Timestamp,
    /// Rows dated after this instant are refused.
    pub now: Timestamp,
    /// Longest accepted field, in bytes.
    pub max_field_bytes: usize,
}

/// Reads GED rows one at a time.
#[derive(Debug)]
pub struct Reader<'a, R: Read> {
    rows: CsvRows<R>,
    /// Column positions in the file, in GED order.
    index: Vec<usize>,
    width: usize,
    agreement: &'a Agreement,
    actors: truce_model::agreement::ActorNames<'a>,
    region: [f64; 4],
    /// The agreement's zones: a row's admin names are checked against its point.
    zones: &'a ZoneSet,
    options: &'a Options,
    /// The first data row when the file has no header (read while looking for one).
    pending: Option<(u64, csv::ByteRecord)>,
}

impl<'a, R: Read> Reader<'a, R> {
    /// Opens a GED file: with a header (columns in any order) or without one (the 49
    /// columns in GED order).
    pub fn new(
        input: R,
        agreement: &'a Agreement,
        zones: &'a ZoneSet,
        options: &'a Options,
    ) -> Result<Self, FileError> {
        let mut rows = CsvRows::new(input, false);
        let first = match rows.next_line() {
            None => {
                return Err(FileError {
                    line: 1,
                    message: "the file is empty".into(),
                });
            }
            Some(Err(r)) => {
                return Err(FileError {
                    line: r.line,
                    message: r.reason,
                });
            }
            Some(Ok(line)) => (line, rows.record.clone()),
        };
        let names: Vec<String> = first.1.iter().map(header_name).collect();
        let (index, pending) = if names.first().is_some_and(|n| n == "id") {
            let mut index = Vec::with_capacity(49);
            let mut missing = Vec::new();
            for c in COLUMNS {
                match names.iter().position(|n| n == c) {
                    Some(p) => index.push(p),
                    None => missing.push(c),
                }
            }
            if !missing.is_empty() {
                return Err(FileError {
                    line: 1,
                    message: format!(
                        "not a UCDP GED file: the header lacks {}",
                        missing.join(", ")
                    ),
                });
            }
            (index, None)
        } else if names.len() == 49 {
            ((0..49).collect(), Some(first))
        } else {
            return Err(FileError {
                line: first.0,
                message: format!(
                    "not a UCDP GED file: no header, and {} columns where GED has 49",
                    names.len()
                ),
            });
        };
        let width = if pending.is_some() { 49 } else { names.len() };
        Ok(Self {
            rows,
            index,
            width,
            agreement,
            actors: agreement.actor_names(),
            region: region(zones),
            zones,
            options,
            pending,
        })
    }

    /// The next row: accepted, or rejected with its reason. `None` at the end.
    pub fn next_row(&mut self) -> Option<Result<GedRow, Reject>> {
        if let Some((line, record)) = self.pending.take() {
            self.rows.record = record;
            return Some(self.row(line));
        }
        Some(match self.rows.next_line()? {
            Ok(line) => self.row(line),
            Err(r) => Err(r),
        })
    }

    fn row(&mut self, line: u64) -> Result<GedRow, Reject> {
        let reject = |column: &str, value: &str, reason: String| Reject {
            line,
            column: column.to_owned(),
            value: cut(value),
            reason,
        };
        let record = &self.rows.record;
        if record.len() != self.width {
            return Err(reject(
                "*",
                "",
                format!(
                    "has {} fields where there should be {}",
                    record.len(),
                    self.width
                ),
            ));
        }
        let fields = fields(
            record,
            &COLUMNS,
            &self.index,
            self.options.max_field_bytes,
            line,
        )?;
        let get = |c: &str| {
            COLUMNS
                .iter()
                .position(|x| *x == c)
                .and_then(|i| fields.get(i))
                .map_or("", str::trim)
        };
        let id = get("id");
        if id.is_empty() {
            return Err(reject("id", "", "is empty; every GED row has an id".into()));
        }
        let date = |c: &str| -> Result<Date, Reject> {
            // GED writes "2020-09-27" or "2020-09-27 00:00:00.000".
            let v = get(c);
            v.get(..10)
                .and_then(|d| d.parse().ok())
                .ok_or_else(|| reject(c, v, "is not a date YYYY-MM-DD".into()))
        };
        let (start, end) = (date("date_start")?, date("date_end")?);
        if end < start {
            return Err(reject(
                "date_end",
                get("date_end"),
                format!("is before date_start {start}"),
            ));
        }
        let tz = self.agreement.tz();
        let today = self.options.now.to_zoned_datetime(tz.clone()).date();
        if end > today {
            return Err(reject(
                "date_end",
                get("date_end"),
                format!("is in the future (today is {today})"),
            ));
        }
        let small = |c: &str, max: u8| -> Result<u8, Reject> {
            get(c)
                .parse::<u8>()
                .ok()
                .filter(|v| (1..=max).contains(v))
                .ok_or_else(|| reject(c, get(c), format!("must be 1 to {max}")))
        };
        let date_prec = small("date_prec", 5)?;
        let where_prec = small("where_prec", 7)?;
        let day = |d: Date| truce_model::period::start_of_day(d, tz);
        let (Some(s), Some(e)) = (day(start), end.checked_add(1.day()).ok().and_then(day)) else {
            return Err(reject(
                "date_start",
                get("date_start"),
                "is out of the supported range".into(),
            ));
        };
        let (lat, lon) = (
            coordinate(get("latitude"), "latitude", 90.0, line)?,
            coordinate(get("longitude"), "longitude", 180.0, line)?,
        );
        let mut warnings = Vec::new();
        if let Some(w) = check_region(&self.region, lat, lon, line)? {
            warnings.push(w);
        }
        let event_type = match get("type_of_violence") {
            "1" | "2" => EventType::ArmedClash,
            "3" => EventType::AttackOnCivilians,
            v => {
                return Err(reject(
                    "type_of_violence",
                    v,
                    "must be 1 (state-based), 2 (non-state) or 3 (one-sided)".into(),
                ));
            }
        };
        let count = |c: &str| -> Result<u32, Reject> {
            get(c)
                .parse()
                .map_err(|_| reject(c, get(c), "is not a whole number of zero or more".into()))
        };
        let (a, b, civ, unknown) = (
            count("deaths_a")?,
            count("deaths_b")?,
            count("deaths_civilians")?,
            count("deaths_unknown")?,
        );
        let (low, best, high) = (count("low")?, count("best")?, count("high")?);
        if best != a + b + civ + unknown {
            return Err(reject(
                "best",
                get("best"),
                format!(
                    "is not deaths_a + deaths_b + deaths_civilians + deaths_unknown = {}",
                    a + b + civ + unknown
                ),
            ));
        }
        if !(low <= best && best <= high) {
            return Err(reject("low", get("low"), "needs low ≤ best ≤ high".into()));
        }
        // The named categories are counts; the uncertainty GED gives for the total is
        // carried by the unknown category, so that the totals keep low, best and high.
        let known = a + b + civ;
        let casualties = Casualties {
            killed_military: Estimate::exact(a + b),
            killed_civilian: Estimate::exact(civ),
            killed_unknown: Estimate {
                low: low.saturating_sub(known),
                best: unknown,
                high: high.saturating_sub(known),
            },
            ..Casualties::default()
        };
        let mut actor = |c: &str| {
            let (id, unmapped) = self.actors.resolve(get(c));
            if let Some(name) = &unmapped {
                warnings.push(crate::rows::unmapped_actor(
                    line,
                    c,
                    name,
                    &self.agreement.id,
                ));
            }
            (id, unmapped)
        };
        let ((perpetrator, perpetrator_as_named), (target, target_as_named)) =
            (actor("side_a"), actor("side_b"));
        for c in ["adm_1", "adm_2"] {
            if let Some(w) = crate::rows::admin_mismatch(
                self.zones,
                (line, c, get(c)),
                (lon, lat, where_prec),
                s,
            ) {
                warnings.push(w);
            }
        }
        let credibility = match get("event_clarity") {
            "1" => 2,
            _ => 3,
        };
        let report = Report {
            id: format!("{}:{id}@0", self.options.source.id),
            source: self.options.source.id.clone(),
            source_key: Some(id.to_owned()),
            source_version: Some(0),
            received: self.options.received,
            occurred: Window {
                start: s,
                end: e,
                precision: date_prec,
            },
            location: Location {
                point: Some((lon, lat)),
                place_name: Some(get("where_coordinates").to_owned()).filter(|p| !p.is_empty()),
                precision: where_prec,
            },
            event_type,
            perpetrator,
            target,
            perpetrator_as_named,
            target_as_named,
            casualties,
            credibility,
            text: get("source_headline").to_owned(),
            evidence: Vec::new(),
            outlets: 0,
        };
        Ok(GedRow {
            line,
            fields,
            report,
            warnings,
        })
    }
}

impl<R: Read> Iterator for Reader<'_, R> {
    type Item = Result<GedRow, Reject>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
    }
}

/// A GED row made from a report of any source: the columns GED defines from the report's
/// fields, the rest empty.
pub fn fields_from_report(r: &Report, agreement: &Agreement) -> Vec<String> {
    let tz = agreement.tz();
    let day = |t: Timestamp| t.to_zoned_datetime(tz.clone()).date();
    let last = r
        .occurred
        .end
        .checked_sub(1.second())
        .map_or(r.occurred.start, |t| t.max(r.occurred.start));
    let c = &r.casualties;
    let (lon, lat) = r
        .location
        .point
        .map_or((String::new(), String::new()), |(x, y)| {
            (format!("{x}"), format!("{y}"))
        });
    let violence = if r.event_type.family() == truce_model::report::EventFamily::Civilians {
        "3"
    } else {
        "1"
    };
    let mut f = vec![String::new(); 49];
    let mut set = |col: &str, v: String| {
        if let Some(i) = COLUMNS.iter().position(|x| *x == col) {
            f[i] = v;
        }
    };
    let known = c.killed_military.best + c.killed_civilian.best;
    set("id", r.id.clone());
    set("year", day(r.occurred.start).year().to_string());
    set("type_of_violence", violence.into());
    let (side_a, side_b) = crate::rows::actor_names(agreement, r);
    set("side_a", side_a);
    set("side_b", side_b);
    set("source_original", r.source.clone());
    set("source_headline", r.text.clone());
    set("where_prec", r.location.precision.to_string());
    set(
        "where_coordinates",
        r.location.place_name.clone().unwrap_or_default(),
    );
    set("latitude", lat);
    set("longitude", lon);
    set("date_prec", r.occurred.precision.to_string());
    set("date_start", day(r.occurred.start).to_string());
    set("date_end", day(last).to_string());
    set("deaths_a", c.killed_military.best.to_string());
    set("deaths_b", "0".into());
    set("deaths_civilians", c.killed_civilian.best.to_string());
    set("deaths_unknown", c.killed_unknown.best.to_string());
    set("best", c.killed_best().to_string());
    set("low", (known + c.killed_unknown.low).to_string());
    set("high", (known + c.killed_unknown.high).to_string());
    f
}

/// Writes GED rows with the header.
pub fn write<'r, W: std::io::Write>(
    out: W,
    rows: impl IntoIterator<Item = &'r Fields>,
) -> Result<(), csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    w.write_record(COLUMNS)?;
    for r in rows {
        w.write_record(r.iter())?;
    }
    w.flush()?;
    Ok(())
}
