//! What every row-based import shares: refused rows and warnings with their line and
//! column, file-level errors, and a CSV reader that knows each row's physical line.

use serde::Serialize;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;
use truce_model::zones::ZoneSet;

/// A row that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// Physical line in the file (1 is the header).
    pub line: u64,
    /// The column at fault, or `*` for the whole row.
    pub column: String,
    /// The offending value, cut to 80 characters.
    pub value: String,
    /// Why.
    pub reason: String,
}

/// Something accepted but worth an analyst's look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Physical line in the file.
    pub line: u64,
    /// The column concerned.
    pub column: String,
    /// What to look at.
    pub message: String,
}

/// The warning for an actor name no actor of the agreement is known by: the row is
/// kept with the name as given, never attributed, until an alias maps it.
pub fn unmapped_actor(line: u64, column: &str, name: &str, agreement: &str) -> Warning {
    Warning {
        line,
        column: column.into(),
        message: format!(
            "`{name}` is not an actor of {agreement}: kept as named, not attributed; add an alias"
        ),
    }
}

/// The names a data set's row gives a report's perpetrator and target, written back:
/// each the agreement actor's name, else the name kept as given when no alias mapped it,
/// else nothing.
pub fn actor_names(
    agreement: &truce_model::agreement::Agreement,
    r: &truce_model::report::Report,
) -> (String, String) {
    let name = |id: Option<&str>, as_named: Option<&str>| {
        id.and_then(|i| agreement.actor(i))
            .map(|a| a.name.as_str())
            .or(as_named)
            .unwrap_or_default()
            .to_owned()
    };
    (
        name(r.perpetrator.as_deref(), r.perpetrator_as_named.as_deref()),
        name(r.target.as_deref(), r.target_as_named.as_deref()),
    )
}

/// How far a point may lie outside the zones its admin name denotes before the row is
/// flagged: the district outlines are Natural Earth's 1:10m, off by a few kilometres in
/// places (two district seats fall outside their own district).
pub const ADMIN_SLACK_M: f64 = 5_000.0;

/// A warning when a row's admin name (`admin1`, `adm_2`, …) denotes zones of the agreement
/// (a district by any of its names, or a de facto province, which may span several) and
/// the row's point lies in none of them, even allowing its location's uncertainty and
/// [`ADMIN_SLACK_M`]. Names the agreement does not know say nothing.
pub fn admin_mismatch(
    zones: &ZoneSet,
    (line, column, name): (u64, &str, &str),
    (lon, lat, precision): (f64, f64, u8),
    at: jiff::Timestamp,
) -> Option<Warning> {
    let named = zones.named(name);
    if named.is_empty() {
        return None;
    }
    let radius = truce_model::report::Location::edge_radius_m(precision).max(ADMIN_SLACK_M);
    let placing = zones.placing_at(lon, lat, radius, at);
    let near = |id: &str| placing.certain.contains(&id) || placing.possible.contains(&id);
    if named.iter().any(|z| near(&z.id)) {
        return None;
    }
    let ids: Vec<&str> = named.iter().map(|z| z.id.as_str()).collect();
    let here: Vec<&str> = zones
        .containing_at(lon, lat, at)
        .into_iter()
        .filter(|id| {
            zones
                .get(id)
                .is_some_and(|z| z.kind == "district" || z.kind == "city")
        })
        .collect();
    Some(Warning {
        line,
        column: column.into(),
        message: format!(
            "`{name}` denotes {}, but the point lies in {}: check the row's place",
            ids.join(", "),
            if here.is_empty() {
                "none of them".to_owned()
            } else {
                here.join(", ")
            }
        ),
    })
}

/// A file-level problem: nothing could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct FileError {
    /// Line of the problem (1 for the header).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// A value cut to 80 characters for a reject report.
pub(crate) fn cut(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_owned()
    } else {
        s.chars().take(77).collect::<String>() + "..."
    }
}

/// Counts the newlines that pass through, so rows get their physical line numbers
/// (`csv::Position::line` is one short for files with CRLF line ends).
#[derive(Debug)]
struct Lines<R> {
    inner: R,
    offset: u64,
    /// Byte offsets of newlines read but not yet passed by the row being reported.
    pending: Rc<RefCell<VecDeque<u64>>>,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut pending = self.pending.borrow_mut();
        pending.extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| self.offset + i as u64));
        self.offset += n as u64;
        Ok(n)
    }
}

/// A header cell as a column name: trimmed, without a byte-order mark.
pub(crate) fn header_name(cell: &[u8]) -> String {
    String::from_utf8_lossy(cell)
        .trim()
        .trim_start_matches('\u{feff}')
        .to_owned()
}

/// CSV rows with their physical line numbers.
#[derive(Debug)]
pub(crate) struct CsvRows<R: Read> {
    csv: csv::Reader<Lines<R>>,
    newlines: Rc<RefCell<VecDeque<u64>>>,
    lines_before: u64,
    /// The row last read.
    pub record: csv::ByteRecord,
}

impl<R: Read> CsvRows<R> {
    /// Rows of `input`; `has_headers` makes the first row the header.
    pub(crate) fn new(input: R, has_headers: bool) -> Self {
        let newlines = Rc::new(RefCell::new(VecDeque::new()));
        let counted = Lines {
            inner: input,
            offset: 0,
            pending: Rc::clone(&newlines),
        };
        let csv = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(has_headers)
            .from_reader(counted);
        Self {
            csv,
            newlines,
            lines_before: 0,
            record: csv::ByteRecord::new(),
        }
    }

    /// The header's names, trimmed, without a byte-order mark.
    pub(crate) fn headers(&mut self) -> Result<Vec<String>, FileError> {
        let header = self.csv.byte_headers().map_err(|e| FileError {
            line: 1,
            message: format!("unreadable header: {e}"),
        })?;
        Ok(header.iter().map(header_name).collect())
    }

    /// The physical line on which the byte at `offset` stands.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut pending = self.newlines.borrow_mut();
        // `<=`: after a CRLF, csv reports the record as starting on the `\n` itself.
        while pending.front().is_some_and(|&n| n <= offset) {
            pending.pop_front();
            self.lines_before += 1;
        }
        self.lines_before + 1
    }

    /// Reads the next row into `record` and returns its line; `None` at the end.
    pub(crate) fn next_line(&mut self) -> Option<Result<u64, Reject>> {
        match self.csv.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let start = self.record.position().map_or(0, csv::Position::byte);
                Some(Ok(self.line_at(start)))
            }
            Err(e) => {
                let start = e.position().map_or(0, csv::Position::byte);
                let line = self.line_at(start);
                Some(Err(Reject {
                    line,
                    column: "*".into(),
                    value: String::new(),
                    reason: format!("unreadable row: {e}"),
                }))
            }
        }
    }
}

/// The agreement's region for plausibility checks: every zone's box, widened by a degree.
pub(crate) fn region(zones: &ZoneSet) -> [f64; 4] {
    let mut r = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for z in zones.zones() {
        if let Some(b) = zones.bbox(&z.id) {
            r = [
                r[0].min(b[0]),
                r[1].min(b[1]),
                r[2].max(b[2]),
                r[3].max(b[3]),
            ];
        }
    }
    [r[0] - 1.0, r[1] - 1.0, r[2] + 1.0, r[3] + 1.0]
}

/// True when the point lies in the region.
pub(crate) fn in_region(region: &[f64; 4], lon: f64, lat: f64) -> bool {
    lon >= region[0] && lon <= region[2] && lat >= region[1] && lat <= region[3]
}

/// A row's fields as written, in column order, kept in one string: a row costs one
/// allocation rather than one per field (an ACLED row has 31, a UCDP row 49).
/// Serialized as a JSON array of strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    text: String,
    /// Where each field ends in `text`.
    ends: Vec<usize>,
}

impl Fields {
    /// Fields from their values, in order.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut f = Self::default();
        for v in values {
            f.push(v);
        }
        f
    }

    fn push(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    /// The fields in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let field = self.text.get(start..end).unwrap_or_default();
            start = end;
            field
        })
    }
}

impl Fields {
    /// The fields as a JSON array of strings, as [`Serialize`] writes them. Most fields
    /// need no escaping: those are copied whole, which an import of a million rows
    /// spends a fraction of serde_json's byte-by-byte escaping on.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 3 * self.len() + 2);
        out.push('[');
        for (i, field) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if field.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
                // A string always encodes.
                out.push_str(&serde_json::to_string(field).unwrap_or_default());
            } else {
                out.push('"');
                out.push_str(field);
                out.push('"');
            }
        }
        out.push(']');
        out
    }
}

impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// The fields of a row in the order of `columns`, read from the file positions `index`;
/// a field over `max_bytes` or not UTF-8 refuses the row, naming its column.
pub(crate) fn fields(
    record: &csv::ByteRecord,
    columns: &[&str],
    index: &[usize],
    max_bytes: usize,
    line: u64,
) -> Result<Fields, Reject> {
    let mut out = Fields {
        text: String::with_capacity(record.as_slice().len()),
        ends: Vec::with_capacity(columns.len()),
    };
    for (i, c) in columns.iter().enumerate() {
        let raw = record.get(index[i]).unwrap_or_default();
        if raw.len() > max_bytes {
            return Err(Reject {
                line,
                column: (*c).into(),
                value: String::new(),
                reason: format!("is {} bytes long; the limit is {max_bytes}", raw.len()),
            });
        }
        match std::str::from_utf8(raw) {
            Ok(s) => out.push(s),
            Err(e) => {
                return Err(Reject {
                    line,
                    column: (*c).into(),
                    value: cut(&String::from_utf8_lossy(raw)),
                    reason: format!("is not valid UTF-8 (byte {})", e.valid_up_to()),
                });
            }
        }
    }
    Ok(out)
}

/// A coordinate in decimal degrees within ±`limit`, or the row's refusal.
pub(crate) fn coordinate(value: &str, column: &str, limit: f64, line: u64) -> Result<f64, Reject> {
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(v),
        _ => Err(Reject {
            line,
            column: column.into(),
            value: cut(value),
            reason: format!("is not a {column} in decimal degrees (±{limit})"),
        }),
    }
}

/// A point outside the region is accepted with a warning, unless swapping latitude and
/// longitude puts it inside: then the row is refused as swapped.
pub(crate) fn check_region(
    region: &[f64; 4],
    lat: f64,
    lon: f64,
    line: u64,
) -> Result<Option<Warning>, Reject> {
    if in_region(region, lon, lat) {
        return Ok(None);
    }
    if in_region(region, lat, lon) {
        return Err(Reject {
            line,
            column: "latitude".into(),
            value: lat.to_string(),
            reason: format!(
                "latitude {lat} and longitude {lon} look swapped: swapped, the point falls in the agreement's region"
            ),
        });
    }
    Ok(Some(Warning {
        line,
        column: "latitude".into(),
        message: format!("({lat}, {lon}) is outside the agreement's region"),
    }))
}

#[cfg(test)]
mod tests {
    use super::Fields;

    #[test]
    fn fields_keep_every_value_and_store_as_the_array_of_strings_they_were() {
        let values = ["ARM1", "", "Ağdam \"east\"", "line\nbreak", "", "\\", "🙂"];
        let f = Fields::new(values);
        assert_eq!(f.len(), values.len());
        assert_eq!(f.iter().collect::<Vec<_>>(), values);
        for (i, v) in values.iter().enumerate() {
            assert_eq!(f.get(i), Some(*v));
        }
        assert_eq!(f.get(values.len()), None);
        assert_eq!(
            serde_json::to_string(&f).expect("json"),
            serde_json::to_string(&values).expect("json")
        );
        // The quick encoding writes what serde_json writes, escapes and all.
        let tricky = [
            "plain",
            "\u{0}\u{1f}\u{7f}",
            "tab\there",
            "quote \" and \\ backslash",
            "\r\n",
            "ümlaut ‐ dash \u{2028} separator",
            "",
        ];
        for set in [&values[..], &tricky[..], &[][..]] {
            assert_eq!(
                Fields::new(set.iter().copied()).to_json(),
                serde_json::to_string(set).expect("json"),
                "{set:?}"
            );
        }
        let none = Fields::new([]);
        assert!(none.is_empty());
        assert_eq!(serde_json::to_string(&none).expect("json"), "[]");
    }
}
