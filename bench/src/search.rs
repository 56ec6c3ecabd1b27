//! Search: `GET /api/v1/agreements/nk-2020/search?q=…` over N stored reports (synthetic
//! ACLED rows, each with a note "Synthetic event E near TOWN."), 64 connections for 30 s,
//! measured by wrk (Debian's package) against the server in this process on 127.0.0.1;
//! the same run's `/health` gives the ratio to a bare route. Three kinds of query, drawn
//! by wrk's Lua from a seeded list:
//! - rare: one event's number with its place ("event 12345 Shusha"), one to four reports;
//! - a place in another script or spelling with a 30-day window ("Ханкенди", from/to);
//! - a place alone over the three years (about a twelfth of every report answers: the
//!   newest 1,000 are read and ranked).
//!
//! Each kind is also run alone, so that the cost of the broad queries is seen apart.
//!
//! Run: `cargo run --release -p truce-bench --bin bench-search -- [REPORTS] [SEED]`; with
//! `TRUCE_BENCH_DATABASE_URL=postgres://…` (an empty database) the store is PostgreSQL.

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use truce_bench::{Rng, wrk, wrk_with};

/// Places as the queries name them, several in another script or spelling than the
/// rows' notes (which use the English names).
const PLACES: &[&str] = &[
    "Ханкенди",
    "Stepanakert",
    "Şuşa",
    "Shushi",
    "Lachin",
    "Berdzor",
    "Xocavənd",
    "Martuni",
    "Askeran",
    "Ağdam",
    "Kalbajar",
    "Fuzuli",
];

fn lua(paths: &[String]) -> String {
    let list: Vec<String> = paths.iter().map(|p| format!("  {p:?},")).collect();
    format!(
        "local paths = {{\n{}\n}}\nlocal k = 0\nrequest = function()\n  k = k + 1\n  return wrk.format(\"GET\", paths[(k * 7919) % #paths + 1])\nend\n",
        list.join("\n")
    )
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn main() {
    let (n, seed) = truce_bench::size_and_seed();
    let runtime = truce_bench::runtime();
    let tmp = tempfile::tempdir().expect("tempdir");
    let served = runtime.block_on(async {
        let store = truce_bench::bench_store(tmp.path()).await;
        truce_bench::served(store, n, seed, tmp.path()).await
    });
    let store = served.store;
    println!(
        "{} reports stored (and indexed for search) in {} in {:.1} s",
        runtime.block_on(store.report_count()).expect("count"),
        store.backend_name(),
        served.import_s
    );
    let mut rng = Rng(seed ^ 0x5ea6c4);
    let base = "/api/v1/agreements/nk-2020/search?limit=20&q=";
    let events = n / 2;
    let rare: Vec<String> = (0..400)
        .map(|_| {
            let e = 1 + rng.below(events.max(1));
            format!("{base}{}", encode(&format!("event {e}")))
        })
        .collect();
    let epoch = jiff::civil::date(2020, 11, 10);
    let windowed: Vec<String> = (0..400)
        .map(|_| {
            let from = epoch
                .checked_add(jiff::Span::new().days(rng.below(1000) as i64))
                .unwrap_or(epoch);
            let to = from.checked_add(jiff::Span::new().days(29)).unwrap_or(from);
            let place = PLACES[rng.below(PLACES.len() as u64) as usize];
            format!("{base}{}&from={from}&to={to}", encode(place))
        })
        .collect();
    let broad: Vec<String> = PLACES
        .iter()
        .map(|p| format!("{base}{}", encode(p)))
        .collect();
    let mixed: Vec<String> = rare
        .iter()
        .take(200)
        .chain(windowed.iter().take(150))
        .chain(broad.iter().cycle().take(50))
        .cloned()
        .collect();
    let up = truce_bench::Serving::start(&runtime, store.clone());
    // One search alone first, as a user's first: the agreement and its records read.
    let first = std::time::Instant::now();
    let _ = wrk_with(&format!("{}{}", up.base, rare[0]), None, 1, 1);
    println!(
        "first search answered within {:.1} s of the start",
        first.elapsed().as_secs_f64()
    );
    let mut runs = Vec::new();
    for (name, paths) in [
        ("mixed (50% rare, 37.5% windowed, 12.5% broad)", &mixed),
        ("rare: one event", &rare),
        ("a place in another script, 30-day window", &windowed),
        ("a place alone, three years", &broad),
    ] {
        let script = tmp.path().join("search.lua");
        std::fs::write(&script, lua(paths)).expect("script");
        let _ = wrk(&format!("{}/health", up.base), None, 1);
        let _ = wrk(&up.base, Some(&script), 3);
        let r = wrk(
            &up.base,
            Some(&script),
            if name.starts_with("mixed") { 30 } else { 15 },
        );
        runs.push((name, r));
    }
    let health = wrk(&format!("{}/health", up.base), None, 10);
    up.stop(&runtime);
    for (name, r) in &runs {
        println!(
            "search, {name}, 64 connections: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({} non-2xx); p99 target < 50 ms: {:.2}x",
            r.rps,
            r.p50,
            r.p99,
            r.non_2xx,
            r.p99 / 50.0
        );
    }
    println!(
        "bare route /health, 64 connections: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
        health.rps, health.p50, health.p99
    );
}
