//! Logical backup, restore and copy, the same for every backend: every table's rows as
//! JSON Lines (docs/operations.md). A dump taken from SQLite restores into PostgreSQL and
//! back; `copy` streams one store into another without a file. A SQLite database can
//! also be copied whole while in use (`backup_sqlite_file`).

use crate::{Backend, Result, Store, StoreError};
use serde_json::{Value, json};
use sqlx::{Column, Row};
use std::io::{BufRead, Write};

/// Every table, parents before children: the order of restore.
pub const TABLES: &[&str] = &[
    "agreements",
    "agreement_sources",
    "actors",
    "documents",
    "provisions",
    "obligations",
    "obligation_changes",
    "zones",
    "places",
    "place_names",
    "statements",
    "sources",
    "reports",
    "incidents",
    "incident_zones",
    "incident_history",
    "matching_owed",
    "records",
    "users",
    "sessions",
    "api_tokens",
    "login_failures",
    "idempotency",
    "registry_persons",
    "registry_status",
    "bulletins",
    "scheduled_runs",
    "webhooks",
    "webhook_deliveries",
    "webhook_attempts",
    "webhook_status",
    "audit_log",
    "audit_head",
];

/// Tables whose `seq` the database numbers itself: after a restore into PostgreSQL the
/// sequence must continue after the restored rows.
const IDENTITY_TABLES: &[&str] = &["incident_history", "records"];

/// The format version written in a dump's first line.
pub const DUMP_FORMAT: u64 = 1;

/// Rows per multi-row insert during restore (well under both backends' parameter limits).
const RESTORE_ROWS: usize = 200;

/// What a dump or restore moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Moved {
    /// (table, rows), in restore order.
    pub tables: Vec<(String, u64)>,
}

impl Moved {
    /// Rows over all tables.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.1).sum()
    }
}

/// How a column stores its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Text,
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Kind::Int
    } else if t.contains("REAL") || t.contains("DOUBLE") || t.contains("FLOAT") {
        Kind::Float
    } else {
        Kind::Text
    }
}

/// A table read from a dump: name, columns, rows.
type DumpTable = (String, Vec<String>, Vec<Vec<Value>>);

/// Refuses a dump whose last table read so far has fewer or more rows than its header
/// said (`line` 0: the end of the file).
fn short_table(tables: &[DumpTable], expected: u64, line: usize) -> Result<()> {
    match tables.last() {
        Some((name, _, rows)) if rows.len() as u64 != expected => {
            let at = if line == 0 {
                "the dump breaks off".to_owned()
            } else {
                format!("dump line {line}")
            };
            Err(StoreError::Refused(format!(
                "{at}: table {name} has {} rows, its header said {expected}",
                rows.len()
            )))
        }
        _ => Ok(()),
    }
}

/// One cell, read without knowing the column's type in advance.
fn cell<R: Row>(row: &R, i: usize) -> Value
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    match row.try_get::<Option<String>, _>(i) {
        Ok(v) => v.map_or(Value::Null, Value::from),
        Err(_) => Value::Null,
    }
}

impl Store {
    /// Writes every table as JSON Lines: a header line, then for each table a line
    /// naming it and its columns followed by one JSON array per row. Each table is read
    /// in one statement, so a dump taken while imports run is consistent per table;
    /// stop writers for a dump consistent across tables.
    pub async fn dump(&self, out: &mut (dyn Write + Send)) -> Result<Moved> {
        let io = |e: std::io::Error| StoreError::Corrupt(format!("cannot write the dump: {e}"));
        let header = json!({
            "truce_dump": DUMP_FORMAT,
            "backend": self.backend_name(),
            "migrations": self.applied_migrations().await?,
            "tables": TABLES,
        });
        writeln!(out, "{header}").map_err(io)?;
        let mut moved = Moved::default();
        for table in TABLES {
            let sql = format!("SELECT * FROM {table}");
            let (columns, rows): (Vec<String>, Vec<Vec<Value>>) = on_pool!(self, pool, DB, {
                let rows = sqlx::query(&sql).fetch_all(pool).await?;
                let columns: Vec<String> = rows
                    .first()
                    .map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect())
                    .unwrap_or_default();
                let values = rows
                    .iter()
                    .map(|r| (0..r.len()).map(|i| cell(r, i)).collect())
                    .collect();
                (columns, values)
            });
            // Rows in the order of their text, not the backend's collation: the same data
            // gives the same dump from SQLite and from PostgreSQL.
            let mut rows: Vec<String> = rows
                .into_iter()
                .map(|r| Value::Array(r).to_string())
                .collect();
            rows.sort_unstable();
            writeln!(
                out,
                "{}",
                json!({"table": table, "columns": columns, "rows": rows.len()})
            )
            .map_err(io)?;
            for r in &rows {
                writeln!(out, "{r}").map_err(io)?;
            }
            moved.tables.push(((*table).to_owned(), rows.len() as u64));
        }
        out.flush().map_err(io)?;
        Ok(moved)
    }

    /// Each column of a table with how it stores values, from the database's catalogue.
    async fn column_kinds(&self, table: &str) -> Result<std::collections::HashMap<String, Kind>> {
        let rows: Vec<(String, String)> = match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query_as("SELECT name, type FROM pragma_table_info($1)")
                    .bind(table)
                    .fetch_all(pool)
                    .await?
            }
            Backend::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
                )
                .bind(table)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows.into_iter().map(|(n, t)| (n, kind_of(&t))).collect())
    }

    /// Names of the migrations applied, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<String>> {
        Ok(on_pool!(self, pool, DB, {
            sqlx::query_scalar::<_, String>(
                "SELECT description FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// True when no table holds a row (a freshly migrated database).
    pub async fn is_empty(&self) -> Result<bool> {
        // The chain's head row exists from the first migration on.
        for table in TABLES.iter().filter(|t| **t != "audit_head") {
            let n: i64 = on_pool!(self, pool, DB, {
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(pool)
                    .await?
            });
            if n > 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Restores a dump into this store, which must be empty, in one transaction: a
    /// failed restore leaves it empty. Refuses dumps of another format or with
    /// migrations this build does not have.
    pub async fn restore(&self, input: &mut dyn BufRead) -> Result<Moved> {
        let bad =
            |line: usize, msg: String| StoreError::Refused(format!("dump line {line}: {msg}"));
        if !self.is_empty().await? {
            return Err(StoreError::Refused(
                "the target database already holds data; restore needs an empty one".into(),
            ));
        }
        let mut lines = input.lines().enumerate();
        let (_, first) = lines.next().ok_or_else(|| bad(1, "empty file".into()))?;
        let first = first.map_err(|e| bad(1, e.to_string()))?;
        let header: Value =
            serde_json::from_str(&first).map_err(|e| bad(1, format!("not a Truce dump: {e}")))?;
        if header["truce_dump"].as_u64() != Some(DUMP_FORMAT) {
            return Err(bad(1, format!("not a Truce dump of format {DUMP_FORMAT}")));
        }
        let ours = self.applied_migrations().await?;
        let theirs: Vec<String> = header["migrations"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(unknown) = theirs.iter().find(|m| !ours.contains(m)) {
            return Err(bad(
                1,
                format!("written by a newer build (migration `{unknown}` is unknown here)"),
            ));
        }
        let mut moved = Moved::default();
        // Read everything first: a dump that breaks off writes nothing.
        let mut tables: Vec<DumpTable> = Vec::new();
        let mut expect_rows = 0u64;
        for (i, line) in lines {
            let line = line.map_err(|e| bad(i + 1, e.to_string()))?;
            let v: Value = serde_json::from_str(&line).map_err(|e| bad(i + 1, e.to_string()))?;
            match v {
                Value::Object(o) => {
                    short_table(&tables, expect_rows, i + 1)?;
                    let name = o
                        .get("table")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    if !TABLES.contains(&name.as_str()) {
                        return Err(bad(i + 1, format!("unknown table `{name}`")));
                    }
                    let columns: Vec<String> = o
                        .get("columns")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|c| c.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    if columns
                        .iter()
                        .any(|c| !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'))
                    {
                        return Err(bad(i + 1, "a column name is not a plain identifier".into()));
                    }
                    expect_rows = o.get("rows").and_then(Value::as_u64).unwrap_or(0);
                    tables.push((name, columns, Vec::new()));
                }
                Value::Array(cells) => {
                    let Some((_, columns, rows)) = tables.last_mut() else {
                        return Err(bad(i + 1, "a row before any table".into()));
                    };
                    if cells.len() != columns.len() {
                        return Err(bad(
                            i + 1,
                            format!("{} values for {} columns", cells.len(), columns.len()),
                        ));
                    }
                    rows.push(cells);
                }
                _ => return Err(bad(i + 1, "neither a table header nor a row".into())),
            }
        }
        short_table(&tables, expect_rows, 0)?;
        // A dump cut between two tables has whole tables only: the header's list of
        // tables says what else it should have held.
        let missing: Vec<&str> = header["tables"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|t| !tables.iter().any(|(name, _, _)| name == t))
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::Refused(format!(
                "the dump breaks off: its header lists {} table(s) it does not hold ({})",
                missing.len(),
                missing.join(", ")
            )));
        }
        let mut kinds = Vec::new();
        for (name, columns, _) in &tables {
            let declared = self.column_kinds(name).await?;
            kinds.push(
                columns
                    .iter()
                    .map(|c| declared.get(c).copied().unwrap_or(Kind::Text))
                    .collect::<Vec<Kind>>(),
            );
        }
        // A dump from before incidents kept their place as columns: read from the bodies.
        let places_from_bodies = tables
            .iter()
            .any(|(name, columns, _)| {
                name == "incidents" && !columns.iter().any(|c| c == "place_label")
            })
            .then_some(match &self.backend {
                Backend::Sqlite(_) => {
                    "UPDATE incidents SET place_label = json_extract(body, '$.place_label'), place_name = json_extract(body, '$.place_name')"
                }
                Backend::Postgres(_) => {
                    "UPDATE incidents SET place_label = body::jsonb ->> 'place_label', place_name = body::jsonb ->> 'place_name'"
                }
            });
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            // The dump's head replaces the fresh one; a dump from before the audit log
            // has none, and the fresh chain starts again.
            if tables.iter().any(|t| t.0 == "audit_head") {
                sqlx::query("DELETE FROM audit_head")
                    .execute(&mut *tx)
                    .await?;
            }
            for ((name, columns, rows), kinds) in tables.iter().zip(&kinds) {
                for chunk in rows.chunks(RESTORE_ROWS) {
                    let mut q = sqlx::QueryBuilder::<DB>::new(format!(
                        "INSERT INTO {name} ({}) ",
                        columns.join(", ")
                    ));
                    q.push_values(chunk, |mut b, row| {
                        // Values are bound with the column's own type, NULLs included
                        // (PostgreSQL types every parameter).
                        for (v, kind) in row.iter().zip(kinds) {
                            match kind {
                                Kind::Int => b.push_bind(v.as_i64()),
                                Kind::Float => b.push_bind(v.as_f64()),
                                Kind::Text => b.push_bind(match v {
                                    Value::Null => None,
                                    Value::String(s) => Some(s.clone()),
                                    other => Some(other.to_string()),
                                }),
                            };
                        }
                    });
                    q.build().execute(&mut *tx).await?;
                }
                moved.tables.push((name.clone(), rows.len() as u64));
            }
            // The longest incident window is derived, not dumped: the time queries and
            // the neighbourhood of a submission bound their reads with it.
            sqlx::query("DELETE FROM incident_window_max")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO incident_window_max (agreement_id, max_s)
                 SELECT agreement_id, MAX(end_s - start_s) FROM incidents GROUP BY agreement_id",
            )
            .execute(&mut *tx)
            .await?;
            if let Some(sql) = places_from_bodies {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            // The search index is derived too: every restored report is owed to it.
            sqlx::query("DELETE FROM report_words")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE search_backfill SET upto = (SELECT COALESCE(MAX(seq), 0) FROM reports) WHERE id = 1",
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            self.incidents_changed();
        });
        if let Backend::Postgres(pool) = &self.backend {
            for table in IDENTITY_TABLES {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'seq'), COALESCE((SELECT MAX(seq) FROM {table}), 0) + 1, false)"
                ))
                .execute(pool)
                .await?;
            }
        }
        self.audit_baseline().await?;
        // The chain came authenticated with the key of the centre dumped: when this one's
        // is another, it vouches for the chain as it checks now, and the entry says so.
        // A chain that does not check intact is left for `audit verify` to report.
        let authenticated = if self.audit_key().is_some() {
            match self.authenticate_audit_entries(true).await {
                Ok(n) => n,
                Err(StoreError::Refused(_)) => 0,
                Err(e) => return Err(e),
            }
        } else {
            0
        };
        self.audit_event(
            "store.restore",
            "store",
            serde_json::json!({"rows": moved.rows(), "entries_authenticated": authenticated}),
        )
        .await?;
        self.index_search_backlog().await?;
        Ok(moved)
    }

    /// Copies a SQLite database whole, while it is in use, to a new file (`VACUUM INTO`):
    /// the copy opens as a store of its own.
    pub async fn backup_sqlite_file(&self, to: &std::path::Path) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query("VACUUM INTO $1")
                    .bind(to.display().to_string())
                    .execute(pool)
                    .await?;
                Ok(())
            }
            Backend::Postgres(_) => Err(StoreError::Refused(
                "a file copy is for SQLite; back PostgreSQL up with a dump or pg_dump".into(),
            )),
        }
    }
}
