//! W5: `POST /api/v1/agreements/nk-2020/reports` with N reports already stored, 64
//! connections submitting distinct reports (each with its own `Idempotency-Key`) for 30 s,
//! measured by wrk (Debian's package) against the server running in this process on
//! 127.0.0.1, on one node or on two nodes sharing one PostgreSQL database (32 connections
//! each, at once). The same run's `/health` gives the ratio to a bare route.
//!
//! Run: `cargo run --release -p truce-bench --bin bench-submit -- [REPORTS] [SEED]`; with
//! `TRUCE_BENCH_DATABASE_URL=postgres://…` (an empty database) the store is PostgreSQL,
//! and `TRUCE_BENCH_NODES=2` serves it from two nodes; `TRUCE_BENCH_CONNECTIONS` changes the
//! 64 connections (to see how the figures move with the number of clients).

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use truce_bench::{Run, wrk, wrk_with};

/// Each request a new report ([`truce_bench::submission_lua`]).
fn script(token: &str, node: usize) -> String {
    format!(
        "{}request = function()\n  return submission()\nend\n",
        truce_bench::submission_lua(token, node)
    )
}

/// Runs one wrk per node at once, `64 / nodes` connections each, and sums them: requests/s
/// added, the slowest node's latencies.
fn all_nodes(bases: &[String], scripts: &[std::path::PathBuf], seconds: u32) -> Run {
    let per = (connections() / u32::try_from(bases.len()).expect("few nodes")).max(1);
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = bases
            .iter()
            .zip(scripts)
            .map(|(b, sc)| s.spawn(move || wrk_with(b, Some(sc), seconds, per)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("wrk"))
            .collect()
    });
    Run {
        rps: runs.iter().map(|r| r.rps).sum(),
        p50: runs.iter().map(|r| r.p50).fold(0.0, f64::max),
        p99: runs.iter().map(|r| r.p99).fold(0.0, f64::max),
        non_2xx: runs.iter().map(|r| r.non_2xx).sum(),
    }
}

/// Connections in all (`TRUCE_BENCH_CONNECTIONS`, 64 by default, as W5 asks).
fn connections() -> u32 {
    std::env::var("TRUCE_BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn main() {
    // RUST_LOG=truce_usecases=debug prints each group of submissions with its timings.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let (n, seed) = truce_bench::size_and_seed();
    let url = std::env::var("TRUCE_BENCH_DATABASE_URL").ok();
    let nodes: usize = std::env::var("TRUCE_BENCH_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    assert!(
        nodes == 1 || url.is_some(),
        "two nodes share a PostgreSQL database: set TRUCE_BENCH_DATABASE_URL"
    );
    let runtime = truce_bench::runtime();
    let tmp = tempfile::tempdir().expect("tempdir");
    let open = || truce_bench::bench_store(tmp.path());
    let served =
        runtime.block_on(async { truce_bench::served(open().await, n, seed, tmp.path()).await });
    let (store, token, import_s) = (served.store, served.monitor, served.import_s);
    let stored_before = runtime.block_on(store.report_count()).expect("count");
    println!(
        "{stored_before} reports stored in {} in {import_s:.1} s; {nodes} node(s)",
        store.backend_name()
    );
    let mut bases = Vec::new();
    let mut scripts = Vec::new();
    let mut nodes_up = Vec::new();
    let mut handles = Vec::new();
    for node in 0..nodes {
        let s = if node == 0 {
            store.clone()
        } else {
            runtime.block_on(open())
        };
        // The server's own handle: it reads the incident entries for matching and the
        // incident pages in the background at start; the run waits for both.
        let s = s.with_incident_pages().with_warm_matching();
        handles.push(s.clone());
        let up = truce_bench::Serving::start(&runtime, s);
        bases.push(up.base.clone());
        nodes_up.push(up);
        let path = tmp.path().join(format!("submit-{node}.lua"));
        std::fs::write(&path, script(&token, node)).expect("script");
        scripts.push(path);
    }
    let started = std::time::Instant::now();
    let ready = |h: &truce_store::Store| {
        h.warm_matching_held("nk-2020").is_some() && h.incident_pages_held("nk-2020").is_some()
    };
    while !handles.iter().all(ready) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(900),
            "the servers did not read their incident entries and pages within 15 minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    println!(
        "servers ready (incident entries for matching and incident pages read) after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Warm up: the agreement cache, the database pages, the first submission.
    let _ = wrk(&format!("{}/health", bases[0]), None, 2);
    let warm = all_nodes(&bases, &scripts, 3);
    let health = wrk(&format!("{}/health", bases[0]), None, 10);
    let submit = all_nodes(&bases, &scripts, 30);
    // One client alone: what one field monitor waits for.
    let alone = wrk_with(&bases[0], Some(&scripts[0]), 10, 1);
    for up in nodes_up {
        up.stop(&runtime);
    }
    let stored_after = runtime.block_on(store.report_count()).expect("count");
    let added = stored_after - stored_before;
    println!(
        "submit one report, {} connections, 30 s: {:.0} reports/s, p50 {:.2} ms, p99 {:.2} ms ({} non-2xx); {added} reports added in all (warm-up {:.0}/s)",
        connections(),
        submit.rps,
        submit.p50,
        submit.p99,
        submit.non_2xx,
        warm.rps
    );
    println!(
        "one client alone, 10 s: {:.0} reports/s, p50 {:.2} ms, p99 {:.2} ms ({} non-2xx)",
        alone.rps, alone.p50, alone.p99, alone.non_2xx
    );
    println!(
        "bare route /health, 64 connections: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
        health.rps, health.p50, health.p99
    );
    println!(
        "W5 target: p99 < 50 ms at 1M stored reports ({:.2}x); {:.2}% of the bare route's throughput",
        submit.p99 / 50.0,
        100.0 * submit.rps / health.rps
    );
}
