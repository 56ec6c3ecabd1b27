//! SQL helpers shared by the table families: the incidents' grid squares, lists of
//! numbers written into statements, the longest incident window, decoding stored JSON.

use crate::{Result, StoreError};
use truce_engine::incidents::Incident;

/// Every party the incident's reports blame, as the `claimed` column holds them: `|a|b|`,
/// sorted, or empty when no report names one.
pub(crate) fn claimed(i: &Incident) -> String {
    let mut parties: Vec<&str> = i
        .attribution
        .claims
        .iter()
        .filter_map(|c| c.perpetrator.as_deref())
        .collect();
    parties.sort_unstable();
    parties.dedup();
    if parties.is_empty() {
        String::new()
    } else {
        format!("|{}|", parties.join("|"))
    }
}

/// The radius of an incident's place, as matching widens it (`None` when it has no point).
pub(crate) fn radius_of(i: &Incident) -> Option<f64> {
    i.point.map(|_| {
        truce_model::report::Location {
            point: None,
            place_name: None,
            precision: i.location_precision,
        }
        .radius_m()
    })
}

/// The 0.1-degree grid square of a point: `floor(lon·10 + 1800) · 2000 + floor(lat·10 + 900)`.
pub(crate) fn grid_cell(lon: f64, lat: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation)]
    let (x, y) = (
        (lon * 10.0 + 1800.0).floor() as i64,
        (lat * 10.0 + 900.0).floor() as i64,
    );
    x * 2000 + y
}

/// Raises the agreement's recorded longest incident window to `longest` if shorter.
pub(crate) async fn raise_window_max<'c, DB: sqlx::Database>(
    conn: &'c mut <DB as sqlx::Database>::Connection,
    agreement: &str,
    longest: i64,
) -> Result<()>
where
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("INSERT INTO incident_window_max (agreement_id, max_s) VALUES ($1, $2) ON CONFLICT (agreement_id) DO NOTHING")
        .bind(agreement)
        .bind(longest)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE incident_window_max SET max_s = $1 WHERE agreement_id = $2 AND max_s < $1")
        .bind(longest)
        .bind(agreement)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The grid squares a box touches, when they are few enough to list in a query.
pub(crate) fn cells_of(b: [f64; 4]) -> Option<Vec<i64>> {
    #[allow(clippy::cast_possible_truncation)]
    let (x0, y0, x1, y1) = (
        (b[0] * 10.0 + 1800.0).floor() as i64,
        (b[1] * 10.0 + 900.0).floor() as i64,
        (b[2] * 10.0 + 1800.0).floor() as i64,
        (b[3] * 10.0 + 900.0).floor() as i64,
    );
    if (x1 - x0 + 1) * (y1 - y0 + 1) > 400 {
        return None;
    }
    Some(
        (x0..=x1)
            .flat_map(|x| (y0..=y1).map(move |y| x * 2000 + y))
            .collect(),
    )
}

/// Integers as an SQL list (`1, 2, 3`): they are written into the statement, which
/// needs no parameter per value and cannot carry anything but digits.
pub(crate) fn sql_list(values: &[i64]) -> String {
    values
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The N of `inc-N`.
pub(crate) fn incident_number(id: &str) -> i64 {
    id.strip_prefix("inc-")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Rows per multi-row statement: 15 columns × 400 rows stays far below SQLite's limit of
/// 32,766 bound parameters.
pub(crate) const ROWS_PER_STATEMENT: usize = 400;

pub(crate) fn decode<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("stored {what} does not decode: {e}")))
}
