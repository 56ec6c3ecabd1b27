//! W1: import N synthetic ACLED-format rows end to end (parse, validate, classify into
//! zones, match into incidents, persist to SQLite), against the same run's baselines of
//! parsing alone and of parsing and matching. Prints rows/s and peak resident memory.
//!
//! Run: `cargo run --release -p truce-bench --bin bench-import -- [ROWS] [SEED]`; with
//! `TRUCE_BENCH_DATABASE_URL=postgres://…` set (an empty database), the end-to-end run
//! stores into PostgreSQL instead of SQLite; `TRUCE_BENCH_BATCH=N` sets the rows per
//! transaction (default: the import's own); with `TRUCE_BENCH_POSTGIS_URL` set, the PostGIS
//! reference (COPY + GiST index + `ST_Contains` join) runs on the same file afterwards.

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::time::Instant;
use truce_engine::incidents::{MatchConfig, Matcher};
use truce_formats::acled;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2020);
    let bundle = truce_bench::nk2020();
    // As `truce import` does.
    truce_store::ingest::without_huge_pages();

    let tmp = tempfile::tempdir().expect("tempdir");
    let csv_path = tmp.path().join("rows.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&csv_path).expect("create"));
        truce_bench::generate(rows, seed, &mut f).expect("generate");
        std::io::Write::flush(&mut f).expect("flush");
    }
    let size = std::fs::metadata(&csv_path).map(|m| m.len()).unwrap_or(0);
    println!(
        "{rows} synthetic rows, {:.1} MB, seed {seed}",
        size as f64 / 1e6
    );
    let open = || {
        std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&csv_path).expect("open"))
    };
    let now = jiff::Timestamp::now();
    let options = truce_store::testing::acled_options(now);

    // End to end into SQLite, streaming from the file; its peak memory is read before the
    // baseline runs.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let url = std::env::var("TRUCE_BENCH_DATABASE_URL").ok();
    let (full_s, summary, backend) = runtime.block_on(async {
        let store = match &url {
            Some(u) => truce_store::Store::open(u).await.expect("store"),
            None => truce_store::Store::open_sqlite(&tmp.path().join("truce.db"))
                .await
                .expect("store"),
        };
        assert!(
            store.is_empty().await.expect("count"),
            "the benchmark needs an empty database"
        );
        store.load_agreement(&bundle).await.expect("load agreement");
        let t = Instant::now();
        let cpu = truce_bench::cpu_seconds();
        // When the last full batch of reports committed: progress is reported after each
        // batch, then once more after the incidents.
        let mut calls = [0.0; 2];
        let outcome = truce_store::ingest::import_acled(
            &store,
            &bundle,
            open(),
            &options,
            std::env::var("TRUCE_BENCH_BATCH")
                .ok()
                .and_then(|b| b.parse().ok())
                .unwrap_or(truce_store::ingest::BATCH_ROWS),
            |_| calls = [calls[1], t.elapsed().as_secs_f64()],
        )
        .await
        .expect("store")
        .expect("file");
        let full_s = t.elapsed().as_secs_f64();
        let cpu_s = truce_bench::cpu_seconds() - cpu;
        let reports_done = calls[0];
        println!(
            "reports stored after {reports_done:.2} s (until the last full batch); incidents written in the last {:.2} s",
            full_s - reports_done
        );
        println!(
            "CPU time of the import, all threads: {cpu_s:.1} s ({:.2} of the 2 cores' time; the machine is CPU bound when near 1)",
            cpu_s / full_s / 2.0
        );
        (
            full_s,
            outcome.summary,
            store.backend_name(),
        )
    });
    let import_rss = truce_bench::memory_mb("VmHWM");

    // Reading alone: parse and validate every row into a report, nothing matched.
    let t = Instant::now();
    let reader =
        acled::Reader::new(open(), &bundle.agreement, &bundle.zones, &options).expect("header");
    let read = reader.flatten().count();
    let read_s = t.elapsed().as_secs_f64();
    println!(
        "parse + validate alone: {read_s:.2} s, {:.0} rows/s ({read} accepted)",
        rows as f64 / read_s
    );

    // Baseline: parse, validate, classify and match in memory, nothing stored.
    let t = Instant::now();
    let mut matcher = Matcher::new(MatchConfig::default(), &bundle.zones, &bundle.gazetteer);
    // As the import does: each decision is handed back, not kept.
    matcher.forget_decisions();
    let reader =
        acled::Reader::new(open(), &bundle.agreement, &bundle.zones, &options).expect("header");
    let mut accepted = 0u64;
    for row in reader.flatten() {
        matcher.add(&row.report, &options.source);
        accepted += 1;
    }
    let core_s = t.elapsed().as_secs_f64();
    let incidents = matcher.len();
    drop(matcher);
    println!(
        "parse + classify + match (memory only): {core_s:.2} s, {:.0} rows/s, {accepted} reports -> {incidents} incidents",
        rows as f64 / core_s
    );
    println!(
        "end to end into {backend}: {full_s:.2} s, {:.0} rows/s ({} accepted, {} new incidents); storing costs {:.1}x the in-memory work",
        rows as f64 / full_s,
        summary.accepted,
        summary.new_incidents,
        full_s / core_s
    );
    println!(
        "peak RSS of the import: {import_rss:.0} MB (target < 300 MB; the database server's own memory is not counted)"
    );

    // The reference W1 is held to, on the same file.
    let reference = runtime.block_on(async {
        let (mut conn, versions) = truce_bench::postgis::connect().await?;
        println!("{versions}");
        Some(truce_bench::postgis::w1(&mut conn, &csv_path, &bundle.zones).await)
    });
    match reference {
        Some((rows_ref, points_ref)) => {
            println!("{}", rows_ref.describe("every column of the same rows"));
            println!(
                "{}",
                points_ref.describe("the same rows' ids and points only")
            );
            let fastest = [
                rows_ref.total_s(),
                rows_ref.subdivided_total_s(),
                points_ref.total_s(),
                points_ref.subdivided_total_s(),
            ]
            .into_iter()
            .fold(f64::INFINITY, f64::min);
            println!(
                "W1: end to end is {:.2}x PostGIS on the same rows ({:.2}x with subdivided zones), {:.2}x on their points only ({:.2}x); against the fastest of the four, {fastest:.2} s: {:.2}x (target: below 1)",
                full_s / rows_ref.total_s(),
                full_s / rows_ref.subdivided_total_s(),
                full_s / points_ref.total_s(),
                full_s / points_ref.subdivided_total_s(),
                full_s / fastest
            );
        }
        None => println!(
            "W1 reference as the design target states it (set {} to measure it here): PostGIS COPY + index + join of 1M points = 3.1 s; end to end is {:.2}x that per row",
            truce_bench::postgis::URL_VAR,
            full_s / (3.1 * rows as f64 / 1e6)
        ),
    }
}
