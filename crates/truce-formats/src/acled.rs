//! ACLED CSV (the 31-column export): rows become [`Report`]s, bad rows become [`Reject`]s
//! naming their line, column and reason, and the original columns are kept so that an
//! imported row exports back byte for byte.
//!
//! The reader streams: it takes anything that implements `Read` (the caller opens the
//! file) and yields one row at a time, so a million rows need no more memory than one.

use crate::rows::{CsvRows, Fields, check_region, coordinate, cut, fields, region};
pub use crate::rows::{FileError, Reject, Warning};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::io::Read;
use truce_model::agreement::Agreement;
use truce_model::report::{
    Casualties, Estimate, EventType, Location, Report, Source, Window, count_outlets,
};
use truce_model::zones::ZoneSet;

/// The 31 columns of the ACLED export, in order.
pub const COLUMNS: [&str; 31] = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
];

/// Where `name` is in [`COLUMNS`], for the reader's constants below.
const fn column(name: &str) -> usize {
    let mut i = 0;
    while i < COLUMNS.len() {
        let (a, b) = (COLUMNS[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("not an ACLED column")
}

/// Positions in [`COLUMNS`] of the columns the reader reads.
mod col {
    use super::column;
    pub const EVENT_ID_CNTY: usize = column("event_id_cnty");
    pub const EVENT_DATE: usize = column("event_date");
    pub const YEAR: usize = column("year");
    pub const TIME_PRECISION: usize = column("time_precision");
    pub const EVENT_TYPE: usize = column("event_type");
    pub const SUB_EVENT_TYPE: usize = column("sub_event_type");
    pub const ACTOR1: usize = column("actor1");
    pub const ACTOR2: usize = column("actor2");
    pub const ADMIN1: usize = column("admin1");
    pub const ADMIN2: usize = column("admin2");
    pub const ADMIN3: usize = column("admin3");
    pub const LOCATION: usize = column("location");
    pub const LATITUDE: usize = column("latitude");
    pub const LONGITUDE: usize = column("longitude");
    pub const GEO_PRECISION: usize = column("geo_precision");
    pub const NOTES: usize = column("notes");
    pub const SOURCE: usize = column("source");
    pub const FATALITIES: usize = column("fatalities");
    pub const TIMESTAMP: usize = column("timestamp");
    /// Columns that should hold numbers; anything else is worth a warning.
    pub const NUMERIC: [usize; 4] = [
        column("inter1"),
        column("inter2"),
        column("interaction"),
        column("iso"),
    ];
}

/// One ACLED row as written, column by column (serialized as a JSON array of the 31
/// values, the form an imported row is stored in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AcledRecord(Fields);

impl AcledRecord {
    /// A row from its values in [`COLUMNS`] order; missing values are empty, extra ones
    /// are dropped.
    pub fn from_fields<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut values = values.into_iter();
        Self(Fields::new(
            (0..COLUMNS.len()).map(|_| values.next().unwrap_or_default()),
        ))
    }

    /// The value of a column.
    pub fn get(&self, column: &str) -> &str {
        COLUMNS
            .iter()
            .position(|c| *c == column)
            .map_or("", |i| self.field(i))
    }

    /// The value of the column at position `i` of [`COLUMNS`].
    pub fn field(&self, i: usize) -> &str {
        self.0.get(i).unwrap_or_default()
    }

    /// The 31 values in [`COLUMNS`] order.
    pub fn fields(&self) -> &Fields {
        &self.0
    }

    /// The 31 values, kept.
    pub fn into_fields(self) -> Fields {
        self.0
    }
}

/// An accepted row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcledRow {
    /// Physical line in the file.
    pub line: u64,
    /// The row as written.
    pub record: AcledRecord,
    /// The report made from it.
    pub report: Report,
    /// Warnings about it.
    pub warnings: Vec<Warning>,
}

/// How rows are read.
#[derive(Debug, Clone)]
pub struct Options {
    /// The source the rows come from (usually the ACLED data set).
    pub source: Source,
    /// When the file was received.
    pub received: Timestamp,
    /// Credibility given to every row, 1–6.
    pub credibility: u8,
    /// Rows dated after this instant are refused.
    pub now: Timestamp,
    /// Longest accepted field, in bytes.
    pub max_field_bytes: usize,
}

/// The refusal of the row at `line` whose id `key` and timestamp line `first` already had.
pub fn repeat(line: u64, key: &str, first: u64) -> Reject {
    Reject {
        line,
        column: "event_id_cnty".into(),
        value: cut(key),
        reason: format!("repeats line {first} (same id and timestamp)"),
    }
}

/// Reads ACLED rows one at a time.
#[derive(Debug)]
pub struct Reader<'a, R: Read> {
    rows: CsvRows<R>,
    index: [usize; 31],
    header_len: usize,
    actors: truce_model::agreement::ActorNames<'a>,
    region: [f64; 4],
    /// The agreement's zones: a row's admin names are checked against its point.
    zones: &'a ZoneSet,
    options: &'a Options,
    /// The agreement's local date at `options.now`: later events are refused.
    today: Date,
    days: truce_model::period::DayStarts<'a>,
    /// (id, timestamp) → first line, to refuse a row repeated in one file; `None` when
    /// the caller checks repeats itself ([`Reader::leave_repeats_to_caller`]).
    seen: Option<crate::keys::KeyTable<u64>>,
}

impl<'a, R: Read> Reader<'a, R> {
    /// Checks the header. The 31 columns may come in any order; extra columns are ignored.
    pub fn new(
        input: R,
        agreement: &'a Agreement,
        zones: &'a ZoneSet,
        options: &'a Options,
    ) -> Result<Self, FileError> {
        let mut rows = CsvRows::new(input, true);
        let names = rows.headers()?;
        let mut index = [0usize; 31];
        let mut missing = Vec::new();
        for (i, c) in COLUMNS.iter().enumerate() {
            match names.iter().position(|n| n == c) {
                Some(p) => index[i] = p,
                None => missing.push(*c),
            }
        }
        if !missing.is_empty() {
            return Err(FileError {
                line: 1,
                message: format!("not an ACLED file: the header lacks {}", missing.join(", ")),
            });
        }
        Ok(Self {
            rows,
            index,
            header_len: names.len(),
            actors: agreement.actor_names(),
            region: region(zones),
            zones,
            options,
            today: truce_model::period::local_date(options.now, agreement.tz()),
            days: truce_model::period::DayStarts::new(agreement.tz()),
            seen: Some(crate::keys::KeyTable::new()),
        })
    }

    /// Stops refusing a row whose id and timestamp an earlier row of the file had. For a
    /// caller that already keeps every id with its version and line (an import), so that
    /// the file's ids are not held twice; that caller must refuse repeats with [`repeat`].
    #[must_use]
    pub fn leave_repeats_to_caller(mut self) -> Self {
        self.seen = None;
        self
    }

    /// The next row: accepted, or rejected with its reason. `None` at the end.
    pub fn next_row(&mut self) -> Option<Result<AcledRow, Reject>> {
        Some(match self.rows.next_line()? {
            Ok(line) => self.row(line),
            Err(rej) => Err(rej),
        })
    }

    fn row(&mut self, line: u64) -> Result<AcledRow, Reject> {
        let reject = |column: usize, value: &str, reason: String| Reject {
            line,
            column: COLUMNS[column].to_owned(),
            value: cut(value),
            reason,
        };
        if self.rows.record.len() != self.header_len {
            return Err(Reject {
                line,
                column: "*".into(),
                value: String::new(),
                reason: format!(
                    "has {} fields, the header has {}",
                    self.rows.record.len(),
                    self.header_len
                ),
            });
        }
        let record = AcledRecord(fields(
            &self.rows.record,
            &COLUMNS,
            &self.index,
            self.options.max_field_bytes,
            line,
        )?);
        let get = |c: usize| record.field(c).trim();
        let mut warnings = Vec::new();

        let key = get(col::EVENT_ID_CNTY);
        if key.is_empty() {
            return Err(reject(
                col::EVENT_ID_CNTY,
                "",
                "is empty; every ACLED row has an id".into(),
            ));
        }
        let version: i64 = match get(col::TIMESTAMP) {
            "" => 0,
            t => t.parse().map_err(|_| {
                reject(col::TIMESTAMP, t, "is not a whole number of seconds".into())
            })?,
        };
        let date: Date = get(col::EVENT_DATE).parse().map_err(|_| {
            reject(
                col::EVENT_DATE,
                get(col::EVENT_DATE),
                "is not a date YYYY-MM-DD".into(),
            )
        })?;
        if date > self.today {
            return Err(reject(
                col::EVENT_DATE,
                get(col::EVENT_DATE),
                format!("is in the future (today is {})", self.today),
            ));
        }
        if let Ok(y) = get(col::YEAR).parse::<i16>()
            && y != date.year()
        {
            return Err(reject(
                col::YEAR,
                get(col::YEAR),
                format!("does not match event_date {date}"),
            ));
        }
        let (precision, before, after) = match get(col::TIME_PRECISION) {
            "1" => (1u8, 0, 1),
            "2" => (3, 3, 4),
            "3" => (4, 15, 16),
            p => {
                return Err(reject(
                    col::TIME_PRECISION,
                    p,
                    "must be 1 (day), 2 (week) or 3 (month)".into(),
                ));
            }
        };
        let (Some(start), Some(end)) = (self.days.day(date, -before), self.days.day(date, after))
        else {
            return Err(reject(
                col::EVENT_DATE,
                get(col::EVENT_DATE),
                "is out of the supported range".into(),
            ));
        };
        let occurred = Window {
            start,
            end,
            precision,
        };

        let event_type = EventType::from_acled_row(
            get(col::EVENT_TYPE),
            get(col::SUB_EVENT_TYPE),
            get(col::NOTES),
        )
        .ok_or_else(|| {
            reject(
                col::SUB_EVENT_TYPE,
                get(col::SUB_EVENT_TYPE),
                format!(
                    "`{}` / `{}` is not in the codebook (docs/codebook.md)",
                    get(col::EVENT_TYPE),
                    get(col::SUB_EVENT_TYPE)
                ),
            )
        })?;

        let (lat, lon) = (
            coordinate(get(col::LATITUDE), "latitude", 90.0, line)?,
            coordinate(get(col::LONGITUDE), "longitude", 180.0, line)?,
        );
        if let Some(w) = check_region(&self.region, lat, lon, line)? {
            warnings.push(w);
        }
        let geo_precision = match get(col::GEO_PRECISION) {
            "1" => 1u8,
            "2" => 2,
            "3" => 3,
            p => return Err(reject(col::GEO_PRECISION, p, "must be 1, 2 or 3".into())),
        };
        let fatalities: u32 = match get(col::FATALITIES) {
            "" => 0,
            f => f.parse().map_err(|_| {
                reject(
                    col::FATALITIES,
                    f,
                    "is not a whole number of zero or more".into(),
                )
            })?,
        };
        for c in col::NUMERIC {
            if !get(c).is_empty() && get(c).parse::<u32>().is_err() {
                warnings.push(Warning {
                    line,
                    column: COLUMNS[c].into(),
                    message: format!("`{}` is not a number", get(c)),
                });
            }
        }
        // The same version of the same event twice in one file is a duplicate line.
        if let Some(seen) = &mut self.seen {
            let version_bytes = version.to_le_bytes();
            if let Some(first) = seen.get(key.as_bytes(), &version_bytes) {
                return Err(repeat(line, key, *first));
            }
            seen.insert(key.as_bytes(), &version_bytes, line);
        }

        // An admin name (an Azerbaijani district, or a province of the de facto era that
        // overlaps several) is checked against the point: a row placed outside every zone
        // its admin names denote deserves a look.
        for c in [col::ADMIN1, col::ADMIN2, col::ADMIN3] {
            if let Some(w) = crate::rows::admin_mismatch(
                self.zones,
                (line, COLUMNS[c], get(c)),
                (lon, lat, geo_precision),
                occurred.start,
            ) {
                warnings.push(w);
            }
        }
        // A name the agreement knows is its actor; a named actor it cannot map is kept as
        // named with a warning (an alias is missing); civilians, protesters and the like
        // are nobody's attribution.
        let agreement_id: &str = &self.actors.agreement().id;
        let mut party = |c: usize| {
            let (id, unmapped) = self.actors.resolve(get(c));
            if let Some(name) = &unmapped {
                warnings.push(crate::rows::unmapped_actor(
                    line,
                    COLUMNS[c],
                    name,
                    agreement_id,
                ));
            }
            (id, unmapped)
        };
        let ((perpetrator, perpetrator_as_named), (target, target_as_named)) =
            (party(col::ACTOR1), party(col::ACTOR2));
        let report = Report {
            id: format!("{}:{key}@{version}", self.options.source.id),
            source: self.options.source.id.clone(),
            source_key: Some(key.to_owned()),
            source_version: Some(version),
            received: self.options.received,
            occurred,
            location: Location {
                point: Some((lon, lat)),
                place_name: Some(get(col::LOCATION).to_owned()).filter(|s| !s.is_empty()),
                precision: geo_precision,
            },
            event_type,
            perpetrator,
            target,
            perpetrator_as_named,
            target_as_named,
            casualties: Casualties {
                killed_unknown: Estimate::exact(fatalities),
                ..Casualties::default()
            },
            credibility: self.options.credibility,
            text: get(col::NOTES).to_owned(),
            outlets: count_outlets(get(col::SOURCE)),
            evidence: Vec::new(),
        };
        Ok(AcledRow {
            line,
            record,
            report,
            warnings,
        })
    }
}

impl<R: Read> Iterator for Reader<'_, R> {
    type Item = Result<AcledRow, Reject>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
    }
}

impl AcledRecord {
    /// An ACLED row made from a report of any source: the columns ACLED defines from the
    /// report's fields, the rest empty. Actors are written with their agreement names.
    pub fn from_report(r: &Report, agreement: &Agreement) -> Self {
        let tz = agreement.tz();
        let date = r.occurred.start.to_zoned_datetime(tz.clone()).date();
        let (event_type, sub) = r.event_type.to_acled();
        let (lon, lat) = r
            .location
            .point
            .map_or((String::new(), String::new()), |(x, y)| {
                (format!("{x}"), format!("{y}"))
            });
        let time_precision = match r.occurred.precision {
            1 => "1",
            2 | 3 => "2",
            _ => "3",
        };
        let mut f = vec![String::new(); 31];
        let mut set = |c: &str, v: String| {
            if let Some(i) = COLUMNS.iter().position(|x| *x == c) {
                f[i] = v;
            }
        };
        set("event_id_cnty", r.id.clone());
        set("event_date", date.to_string());
        set("year", date.year().to_string());
        set("time_precision", time_precision.into());
        set("event_type", event_type.into());
        set("sub_event_type", sub.into());
        let (actor1, actor2) = crate::rows::actor_names(agreement, r);
        set("actor1", actor1);
        set("actor2", actor2);
        set(
            "location",
            r.location.place_name.clone().unwrap_or_default(),
        );
        set("latitude", lat);
        set("longitude", lon);
        set("geo_precision", r.location.precision.min(3).to_string());
        set("source", r.source.clone());
        set("notes", r.text.clone());
        set("fatalities", r.casualties.killed_best().to_string());
        set("timestamp", r.received.as_second().to_string());
        Self::from_fields(f.iter().map(String::as_str))
    }
}

/// One row of an ACLED deletion list: the event and when ACLED deleted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// Physical line in the file.
    pub line: u64,
    /// `event_id_cnty` of the deleted event.
    pub key: String,
    /// `deleted_timestamp`, Unix seconds.
    pub deleted: i64,
}

/// Reads an ACLED deletion list (`event_id_cnty`, `deleted_timestamp`; other columns are
/// ignored), one row at a time.
pub fn read_deletions<R: Read>(
    input: R,
) -> Result<impl Iterator<Item = Result<Deletion, Reject>>, FileError> {
    let mut rows = CsvRows::new(input, true);
    let names = rows.headers()?;
    let col = |c: &str| names.iter().position(|n| n == c);
    let (Some(key_at), Some(ts_at)) = (col("event_id_cnty"), col("deleted_timestamp")) else {
        return Err(FileError {
            line: 1,
            message:
                "not an ACLED deletion list: the header needs event_id_cnty and deleted_timestamp"
                    .into(),
        });
    };
    Ok(std::iter::from_fn(move || {
        let line = match rows.next_line()? {
            Ok(l) => l,
            Err(r) => return Some(Err(r)),
        };
        let field =
            |i: usize| std::str::from_utf8(rows.record.get(i).unwrap_or_default()).map(str::trim);
        let reject = |column: &str, value: &str, reason: &str| Reject {
            line,
            column: column.into(),
            value: cut(value),
            reason: reason.into(),
        };
        Some(match (field(key_at), field(ts_at)) {
            (Ok(""), _) => Err(reject("event_id_cnty", "", "is empty")),
            (Ok(k), Ok(t)) => match t.parse::<i64>() {
                Ok(deleted) => Ok(Deletion {
                    line,
                    key: k.to_owned(),
                    deleted,
                }),
                Err(_) => Err(reject(
                    "deleted_timestamp",
                    t,
                    "is not a whole number of seconds",
                )),
            },
            (Err(_), _) => Err(reject("event_id_cnty", "", "is not valid UTF-8")),
            (_, Err(_)) => Err(reject("deleted_timestamp", "", "is not valid UTF-8")),
        })
    }))
}

/// Writes rows as an ACLED CSV with the standard header.
pub fn write<'r, W: std::io::Write>(
    out: W,
    records: impl IntoIterator<Item = &'r AcledRecord>,
) -> Result<(), csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(COLUMNS)?;
    for r in records {
        w.write_record(r.fields().iter())?;
    }
    w.flush()?;
    Ok(())
}
