//! The PostGIS reference that W1 and W4 are measured against, run on this machine in the
//! same benchmark run when `TRUCE_BENCH_POSTGIS_URL` names a PostgreSQL database with the
//! `postgis` extension created (see the README's performance section). Without it the
//! benchmarks print the reference figures the design targets state instead.
//!
//! What is timed is what a PostGIS user would do with the same data: `COPY` the rows in,
//! build a GiST index on their points, `ANALYZE`, then one `ST_Contains` join of the rows
//! with the agreement's zones (grouped by zone; for W4 by zone, local day and status).

use sqlx::{Connection, PgConnection, Row};
use std::path::Path;
use std::time::Instant;
use truce_model::zones::ZoneSet;

/// The environment variable naming the reference database.
pub const URL_VAR: &str = "TRUCE_BENCH_POSTGIS_URL";

/// Seconds each step took, and how many (row, zone) pairs the join found.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub copy_s: f64,
    pub index_s: f64,
    /// The join as the design target states it: each zone's polygon as it is.
    pub join_s: f64,
    pub pairs: i64,
    /// The same join tuned as PostGIS users do for large polygons: each zone cut by
    /// `ST_Subdivide` into pieces of at most 64 vertices with their own GiST index (the
    /// cutting and indexing are counted in it).
    pub subdivided_join_s: f64,
    pub subdivided_pairs: i64,
}

impl Timings {
    /// COPY + index + join, the figure W1 is held to.
    pub fn total_s(&self) -> f64 {
        self.copy_s + self.index_s + self.join_s
    }

    /// The same with the subdivided zones.
    pub fn subdivided_total_s(&self) -> f64 {
        self.copy_s + self.index_s + self.subdivided_join_s
    }

    /// One line: each step and the totals.
    pub fn describe(&self, what: &str) -> String {
        format!(
            "PostGIS, {what}: COPY {:.2} s + GiST index and ANALYZE {:.2} s + ST_Contains join {:.2} s = {:.2} s ({} row-zone pairs); with subdivided zones the join takes {:.2} s, {:.2} s in all ({} pairs)",
            self.copy_s,
            self.index_s,
            self.join_s,
            self.total_s(),
            self.pairs,
            self.subdivided_join_s,
            self.subdivided_total_s(),
            self.subdivided_pairs
        )
    }
}

/// A connection to the reference database and a line naming its versions, or `None` when
/// the variable is not set.
///
/// # Panics
/// When the variable is set but the database cannot be reached or lacks PostGIS: a
/// benchmark asked for a reference it cannot give should say so, not quietly skip it.
pub async fn connect() -> Option<(PgConnection, String)> {
    let url = std::env::var(URL_VAR).ok()?;
    let mut conn = PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{URL_VAR}: cannot connect: {e}"));
    let version: String = sqlx::query_scalar("SELECT postgis_lib_version()")
        .fetch_one(&mut conn)
        .await
        .unwrap_or_else(|e| {
            panic!("{URL_VAR}: PostGIS is not available (CREATE EXTENSION postgis as a superuser first): {e}")
        });
    let server: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut conn)
        .await
        .unwrap_or_default();
    Some((
        conn,
        format!("PostGIS reference: PostgreSQL {server}, PostGIS {version}, default settings"),
    ))
}

async fn exec(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("PostGIS reference: {e}\n{sql}"));
}

/// Replaces the reference's zone table with the agreement's zones.
async fn load_zones(conn: &mut PgConnection, zones: &ZoneSet) {
    exec(
        conn,
        "DROP TABLE IF EXISTS bench_zones; \
         CREATE TABLE bench_zones (id text PRIMARY KEY, geom geometry(MultiPolygon, 4326) NOT NULL)",
    )
    .await;
    let collection = zones.to_geojson();
    for feature in collection["features"].as_array().into_iter().flatten() {
        sqlx::query(
            "INSERT INTO bench_zones VALUES ($1, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)))",
        )
        .bind(feature["id"].as_str().unwrap_or_default())
        .bind(feature["geometry"].to_string())
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("PostGIS reference: zone {}: {e}", feature["id"]));
    }
}

/// Makes `table` anew with `columns` and a point built from its `lon` and `lat` columns,
/// then streams `data` (CSV, with a header line when `header`) into it with `COPY`; returns
/// the seconds the COPY took.
async fn load(
    conn: &mut PgConnection,
    table: &str,
    columns: &str,
    (lon, lat): (&str, &str),
    data: &[u8],
    header: bool,
) -> f64 {
    exec(
        conn,
        &format!(
            "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} ({columns}, \
             geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)) STORED)"
        ),
    )
    .await;
    // Without a column list COPY fills every column but the generated one.
    let statement = format!("COPY {table} FROM STDIN (FORMAT csv, HEADER {header})");
    let t = Instant::now();
    let mut copy = conn
        .copy_in_raw(&statement)
        .await
        .unwrap_or_else(|e| panic!("PostGIS reference: {statement}: {e}"));
    for chunk in data.chunks(1 << 20) {
        copy.send(chunk)
            .await
            .unwrap_or_else(|e| panic!("PostGIS reference: COPY: {e}"));
    }
    copy.finish()
        .await
        .unwrap_or_else(|e| panic!("PostGIS reference: COPY: {e}"));
    t.elapsed().as_secs_f64()
}

/// Runs `join` (one count `n` per group) with its `{zones}` standing for `zones`; returns
/// seconds and the sum of the counts.
async fn join(conn: &mut PgConnection, join: &str, zones: &str) -> (f64, i64) {
    let sql = join.replace("{zones}", zones);
    let t = Instant::now();
    let rows = sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("PostGIS reference: {e}\n{sql}"));
    (
        t.elapsed().as_secs_f64(),
        rows.iter().map(|r| r.get::<i64, _>("n")).sum(),
    )
}

/// Index and analyse `table`, then time `join_sql` against the zones as they are and
/// against the zones subdivided; `copy_s` is the time its rows took to arrive.
async fn index_and_join(
    conn: &mut PgConnection,
    table: &str,
    copy_s: f64,
    join_sql: &str,
) -> Timings {
    let t = Instant::now();
    exec(
        conn,
        &format!("CREATE INDEX ON {table} USING gist (geom); ANALYZE {table}; ANALYZE bench_zones"),
    )
    .await;
    let index_s = t.elapsed().as_secs_f64();
    let (join_s, pairs) = join(conn, join_sql, "bench_zones").await;
    let t = Instant::now();
    exec(
        conn,
        "DROP TABLE IF EXISTS bench_zone_parts; \
         CREATE TABLE bench_zone_parts AS SELECT id, ST_Subdivide(geom, 64) AS geom FROM bench_zones; \
         CREATE INDEX ON bench_zone_parts USING gist (geom); ANALYZE bench_zone_parts",
    )
    .await;
    let (_, subdivided_pairs) = join(conn, join_sql, "bench_zone_parts").await;
    let subdivided_join_s = t.elapsed().as_secs_f64();
    exec(conn, "DROP TABLE bench_zone_parts").await;
    Timings {
        copy_s,
        index_s,
        join_s,
        pairs,
        subdivided_join_s,
        subdivided_pairs,
    }
}

/// W1's reference on the benchmark's ACLED file: once with every column of every row (the
/// same rows the import reads), once with only each row's id and point (the shape of the
/// the design target's reference, 1M points).
pub async fn w1(conn: &mut PgConnection, csv_path: &Path, zones: &ZoneSet) -> (Timings, Timings) {
    load_zones(conn, zones).await;
    let data = std::fs::read(csv_path).expect("read the benchmark's file");

    let columns: Vec<String> = truce_formats::acled::COLUMNS
        .iter()
        .map(|c| match *c {
            "latitude" | "longitude" => format!("{c} double precision"),
            _ => format!("{c} text"),
        })
        .collect();
    let copy_s = load(
        conn,
        "bench_rows",
        &columns.join(", "),
        ("longitude", "latitude"),
        &data,
        true,
    )
    .await;
    let rows = index_and_join(
        conn,
        "bench_rows",
        copy_s,
        "SELECT z.id, count(*) AS n FROM {zones} z JOIN bench_rows r ON ST_Contains(z.geom, r.geom) GROUP BY z.id",
    )
    .await;
    exec(conn, "DROP TABLE bench_rows").await;

    // The same points alone: id, longitude, latitude, read out of the file untimed.
    let mut points = Vec::with_capacity(data.len() / 8);
    let mut reader = csv::Reader::from_reader(data.as_slice());
    let headers = reader.headers().expect("header").clone();
    let at = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (id, lat, lon) = (at("event_id_cnty"), at("latitude"), at("longitude"));
    for record in reader.records() {
        let record = record.expect("the benchmark's own rows are CSV");
        points.extend_from_slice(
            format!("{},{},{}\n", &record[id], &record[lon], &record[lat]).as_bytes(),
        );
    }
    drop(data);
    let copy_s = load(
        conn,
        "bench_points",
        "id text, lon double precision, lat double precision",
        ("lon", "lat"),
        &points,
        false,
    )
    .await;
    let points = index_and_join(
        conn,
        "bench_points",
        copy_s,
        "SELECT z.id, count(*) AS n FROM {zones} z JOIN bench_points p ON ST_Contains(z.geom, p.geom) GROUP BY z.id",
    )
    .await;
    exec(conn, "DROP TABLE bench_points; DROP TABLE bench_zones").await;
    (rows, points)
}

/// W4's reference: the same incidents as points with their start, status and whether they
/// are violations, joined with the zones and counted per zone, local day (in `tz`) and
/// status, violations only.
pub async fn w4(
    conn: &mut PgConnection,
    incidents: &[truce_engine::incidents::Incident],
    zones: &ZoneSet,
    tz: &str,
) -> Timings {
    load_zones(conn, zones).await;
    let mut data = Vec::with_capacity(incidents.len() * 64);
    for i in incidents {
        let Some((lon, lat)) = i.point else { continue };
        data.extend_from_slice(
            format!(
                "{},{lon},{lat},{},{},{}\n",
                i.id,
                i.window.start,
                i.status.as_str(),
                i.event_type.is_violation()
            )
            .as_bytes(),
        );
    }
    let copy_s = load(
        conn,
        "bench_incidents",
        "id text, lon double precision, lat double precision, start timestamptz, status text, violation boolean",
        ("lon", "lat"),
        &data,
        false,
    )
    .await;
    let tz = tz.replace('\'', "");
    let timings = index_and_join(
        conn,
        "bench_incidents",
        copy_s,
        &format!(
            "SELECT z.id, (i.start AT TIME ZONE '{tz}')::date AS day, i.status, count(*) AS n \
             FROM {{zones}} z JOIN bench_incidents i ON ST_Contains(z.geom, i.geom) \
             WHERE i.violation GROUP BY 1, 2, 3"
        ),
    )
    .await;
    exec(conn, "DROP TABLE bench_incidents; DROP TABLE bench_zones").await;
    timings
}
