//! Exports of incidents and their reports in every import format: GeoJSON of incidents,
//! and the reports behind them as JSON Lines (lossless), ACLED CSV or UCDP GED CSV (the
//! original rows where the reports came from that format). Pure: the caller fetches the
//! incidents and reports with the same filters as queries.

use crate::acled;
use truce_engine::incidents::Incident;
use truce_model::agreement::Agreement;
use truce_model::report::Report;

truce_model::words! {
    /// Formats an export is written in.
    ExportFormat {
        /// Reports as JSON Lines (lossless; re-importable).
        Jsonl = "jsonl",
        /// Incidents as a GeoJSON FeatureCollection.
        Geojson = "geojson",
        /// Reports as ACLED CSV: original rows where they came from ACLED.
        Acled = "acled",
        /// Reports as UCDP GED CSV: original rows where they came from UCDP.
        Ucdp = "ucdp",
    }
}

impl ExportFormat {
    /// True when the export lists reports (the incidents' own rows are not enough).
    pub fn needs_reports(self) -> bool {
        self != Self::Geojson
    }

    /// The media type of the output.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Jsonl => "application/x-ndjson",
            Self::Geojson => "application/geo+json",
            Self::Acled | Self::Ucdp => "text/csv; charset=utf-8",
        }
    }
}

/// An incident as a GeoJSON feature (RFC 7946; x = longitude).
pub fn incident_feature(i: &Incident) -> serde_json::Value {
    let geometry = i.point.map_or(
        serde_json::Value::Null,
        |(x, y)| serde_json::json!({"type": "Point", "coordinates": [x, y]}),
    );
    serde_json::json!({
        "type": "Feature",
        "id": i.id,
        "geometry": geometry,
        "properties": {
            "start": i.window.start, "end": i.window.end, "date_precision": i.window.precision,
            "place": i.place_name, "location_precision": i.location_precision,
            "type": i.event_type, "status": i.status,
            "perpetrator": i.attribution.assessed, "attribution_disputed": i.attribution.disputed,
            "claims": i.attribution.claims, "zones": i.zones, "reports": i.reports,
            "killed_low": i.killed.low, "killed_best": i.killed.best, "killed_high": i.killed.high,
        }
    })
}

/// Writes the export. `reports` are (report, format it arrived in, raw record) of the
/// incidents, as the store returns them; ignored for GeoJSON.
pub fn write(
    format: ExportFormat,
    agreement: &Agreement,
    incidents: &[Incident],
    reports: &[(Report, String, String)],
) -> std::io::Result<Vec<u8>> {
    let mut buf: Vec<u8> = Vec::new();
    match format {
        ExportFormat::Geojson => {
            let features: Vec<serde_json::Value> = incidents.iter().map(incident_feature).collect();
            serde_json::to_writer(
                &mut buf,
                &serde_json::json!({"type": "FeatureCollection", "features": features}),
            )?;
            buf.push(b'\n');
        }
        ExportFormat::Jsonl => {
            for (r, _, _) in reports {
                buf.extend_from_slice(crate::jsonl::write_line(r).as_bytes());
                buf.push(b'\n');
            }
        }
        ExportFormat::Ucdp => {
            let rows: Vec<crate::rows::Fields> = reports
                .iter()
                .map(|(r, format, raw)| {
                    let fields = match (format.as_str(), serde_json::from_str::<Vec<String>>(raw)) {
                        ("ucdp", Ok(fields)) if fields.len() == 49 => fields,
                        _ => crate::ucdp::fields_from_report(r, agreement),
                    };
                    crate::rows::Fields::new(fields.iter().map(String::as_str))
                })
                .collect();
            crate::ucdp::write(&mut buf, rows.iter())?;
        }
        ExportFormat::Acled => {
            let records: Vec<acled::AcledRecord> = reports
                .iter()
                .map(|(r, format, raw)| {
                    match (format.as_str(), serde_json::from_str::<Vec<String>>(raw)) {
                        ("acled", Ok(fields)) if fields.len() == 31 => {
                            acled::AcledRecord::from_fields(fields.iter().map(String::as_str))
                        }
                        _ => acled::AcledRecord::from_report(r, agreement),
                    }
                })
                .collect();
            acled::write(&mut buf, records.iter())?;
        }
    }
    Ok(buf)
}
