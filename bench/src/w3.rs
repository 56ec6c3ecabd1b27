//! W3: `GET /api/v1/agreements/nk-2020/incidents` by bbox + time window over N stored
//! incidents, 64 connections, measured by wrk (Debian's package) against the server
//! running in this process on 127.0.0.1; the same run against `/health` gives the ratio
//! to a bare route. Queries are drawn by wrk's Lua from a seeded list of boxes (~10 km)
//! and 30-day windows over the synthetic incidents' three years.
//!
//! Run: `cargo run --release -p truce-bench --bin bench-w3 -- [INCIDENTS] [SEED]`; with
//! `TRUCE_BENCH_DATABASE_URL=postgres://…` (an empty database) the store is PostgreSQL.
//! `TRUCE_BENCH_ONLY=scorecard,counts` measures only the workloads named (`whole`,
//! `map`, `list`, `opening`, `scorecard`, `dashboard`, `evaluated`, `explain`, `counts`, `ogc`;
//! `/health` always); the others are reported as skipped.

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::time::Instant;
use truce_bench::{Rng, wrk};
use truce_store::{Batch, Store};

fn main() {
    let (n, seed) = truce_bench::size_and_seed();
    let b = truce_bench::nk2020();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    let url = std::env::var("TRUCE_BENCH_DATABASE_URL").ok();
    let (incidents, _) = truce_bench::synthetic_incidents(&b, n, seed);
    let (store, load_s) = runtime.block_on(async {
        let store = match &url {
            Some(u) => Store::open(u).await.expect("store"),
            None => {
                // TRUCE_BENCH_SQLITE names a file to keep (for EXPLAIN), else a temporary one.
                let path = std::env::var("TRUCE_BENCH_SQLITE")
                    .map_or_else(|_| tmp.path().join("truce.db"), std::path::PathBuf::from);
                Store::open_sqlite(&path).await.expect("store")
            }
        };
        assert!(
            store.is_empty().await.expect("count"),
            "the benchmark needs an empty database"
        );
        store.load_agreement(&b).await.expect("agreement");
        let t = Instant::now();
        for chunk in incidents.chunks(20_000) {
            store
                .write_batch(&Batch {
                    agreement: b.agreement.id.clone(),
                    reports: Vec::new(),
                    superseded: Vec::new(),
                    incidents: chunk.to_vec(),
                })
                .await
                .expect("write");
        }
        (store, t.elapsed().as_secs_f64())
    });
    drop(incidents);
    println!(
        "{n} incidents stored in {} in {load_s:.1} s",
        store.backend_name()
    );
    // The server keeps incident pages in memory; read them before measuring, as a
    // server does at start.
    let store = store.with_incident_pages();
    let t = Instant::now();
    runtime
        .block_on(store.refresh_incident_pages(&b.agreement.id))
        .expect("incident pages");
    let (held, bytes) = store
        .incident_pages_held(&b.agreement.id)
        .unwrap_or_default();
    println!(
        "incident pages: {held} incidents read in {:.1} s, {:.0} MB in memory",
        t.elapsed().as_secs_f64(),
        bytes as f64 / 1e6
    );
    // A write through the server's store is applied to the pages in place.
    let mut one = truce_bench::synthetic_incidents(&b, 1, seed ^ 0x5).0;
    one[0].id = format!("inc-{}", n + 1);
    let t = Instant::now();
    runtime
        .block_on(store.write_batch(&Batch {
            agreement: b.agreement.id.clone(),
            reports: Vec::new(),
            superseded: Vec::new(),
            incidents: one,
        }))
        .expect("write");
    println!(
        "one incident written and applied to the pages in place: {:.0} ms ({} whole reads)",
        t.elapsed().as_secs_f64() * 1000.0,
        store.incident_pages_reads()
    );

    // Queries: ~10 km boxes around the region's core, 30-day windows in 2020-11..2023-09.
    let mut rng = Rng(seed ^ 0x3);
    let mut boxes = Vec::new();
    for _ in 0..2000 {
        let lon = 46.0 + rng.unit() * 1.3;
        let lat = 39.3 + rng.unit() * 1.0;
        let day = rng.below(1000);
        let from = jiff::civil::date(2020, 11, 10)
            .checked_add(jiff::Span::new().days(day as i64))
            .expect("date");
        let to = from.checked_add(jiff::Span::new().days(30)).expect("date");
        boxes.push((
            format!("{lon:.3},{lat:.3},{:.3},{:.3}", lon + 0.12, lat + 0.09),
            from,
            to,
        ));
    }
    let script = tmp.path().join("queries.lua");
    write_script(&script, &boxes);

    let up = truce_bench::Serving::start(&runtime, store);
    let base = up.base.clone();
    // Warm up (the agreement cache, the database pages).
    let _ = wrk(&format!("{base}/health"), None, 2);
    let health = wrk(&format!("{base}/health"), None, 10);
    let query = if only("whole") {
        let _ = wrk(&base, Some(&script), 3);
        wrk(&base, Some(&script), 20)
    } else {
        SKIPPED
    };
    // The same queries as map points (`fields=map`): what a map client asks for.
    let lean_script = tmp.path().join("queries-map.lua");
    std::fs::write(
        &lean_script,
        std::fs::read_to_string(&script)
            .expect("script")
            .replace("&limit=100\"", "&limit=100&fields=map\""),
    )
    .expect("script");
    let lean = if only("map") {
        let _ = wrk(&base, Some(&lean_script), 3);
        wrk(&base, Some(&lean_script), 20)
    } else {
        SKIPPED
    };
    // The same queries as list lines (`fields=list`, places included): what a list
    // shows; and the newest 100 up to a day with the count of all, as the dashboard's
    // list opens.
    let list_script = tmp.path().join("queries-list.lua");
    std::fs::write(
        &list_script,
        std::fs::read_to_string(&script)
            .expect("script")
            .replace("&limit=100\"", "&limit=100&fields=list\""),
    )
    .expect("script");
    let list = if only("list") {
        let _ = wrk(&base, Some(&list_script), 3);
        wrk(&base, Some(&list_script), 20)
    } else {
        SKIPPED
    };
    let mut rng = Rng(seed ^ 0x7);
    let days: Vec<jiff::civil::Date> = (0..2000)
        .map(|_| {
            jiff::civil::date(2020, 12, 1)
                .checked_add(jiff::Span::new().days(rng.below(1000) as i64))
                .expect("date")
        })
        .collect();
    let opening = measure(&base, tmp.path(), "opening", days.iter().map(|day| {
        format!("/api/v1/agreements/nk-2020/incidents?to={day}&sort=-start&total=true&fields=list&limit=100")
    }));
    // The public routes beside the incident pages: the scorecard and one line explained
    // for a date (the dashboard asks for a few dates; here 2,000 draws over 1,000 days:
    // each day is evaluated once, then served as kept while the evidence stands),
    // violation counts and OGC items under the same boxes and windows as above.
    let scorecard = measure(
        &base,
        tmp.path(),
        "scorecard",
        days.iter()
            .map(|day| format!("/api/v1/agreements/nk-2020/status?as_of={day}")),
    );
    // The dates a dashboard opens: today and the documented dates of the record.
    let dashboard_days: Vec<String> = [
        "2020-11-14",
        "2020-11-21",
        "2020-11-26",
        "2020-12-02",
        "2020-12-13",
        "2020-12-20",
        "2021-02-01",
        "2021-07-10",
        "2022-03-26",
        "2022-08-03",
        "2022-09-01",
        "2023-01-15",
        "2023-03-06",
        "2023-05-01",
        "2023-09-20",
        "2023-09-25",
        "2024-01-15",
        "2024-05-01",
        "2024-07-01",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(std::iter::once(
        b.agreement
            .tz()
            .to_datetime(jiff::Timestamp::now())
            .date()
            .to_string(),
    ))
    .collect();
    let dashboard = measure(
        &base,
        tmp.path(),
        "dashboard",
        (0..2000).map(|k| {
            format!(
                "/api/v1/agreements/nk-2020/status?as_of={}",
                dashboard_days[k % dashboard_days.len()]
            )
        }),
    );
    // Every answer evaluated: 20,000 draws of a day and thresholds (period of 1 to 14
    // days, breach threshold 1 to 3), far more answers than are kept, asked in turn, so
    // none is served as kept: what each new day costs after the evidence changed.
    let mut rng = Rng(seed ^ 0x11);
    let evaluated = measure(
        &base,
        tmp.path(),
        "evaluated",
        (0..20_000).map(|_| {
            let day = jiff::civil::date(2020, 12, 1)
                .checked_add(jiff::Span::new().days(rng.below(1000) as i64))
                .expect("date");
            format!(
                "/api/v1/agreements/nk-2020/status?as_of={day}&period_days={}&breach_threshold={}",
                1 + rng.below(14),
                1 + rng.below(3)
            )
        }),
    );
    let explain = measure(
        &base,
        tmp.path(),
        "explain",
        days.iter()
            .map(|day| format!("/api/v1/agreements/nk-2020/status/ceasefire?as_of={day}")),
    );
    let counts = measure(
        &base,
        tmp.path(),
        "counts",
        boxes.iter().map(|(bbox, from, to)| {
            format!("/api/v1/agreements/nk-2020/counts?bbox={bbox}&from={from}&to={to}")
        }),
    );
    let ogc = measure(&base, tmp.path(), "ogc", boxes.iter().map(|(bbox, from, to)| {
        format!("/ogc/nk-2020/collections/incidents/items?bbox={bbox}&datetime={from}T00:00:00Z/{to}T00:00:00Z&limit=100")
    }));
    up.stop(&runtime);
    for (name, r) in [
        ("bbox + 30-day window, limit 100, 64 connections", &query),
        ("the same as map points (fields=map)", &lean),
        ("the same as list lines (fields=list)", &list),
        (
            "the list as it opens (newest 100 up to a day, fields=list, total=true)",
            &opening,
        ),
    ] {
        if r.rps.is_nan() {
            println!("{name}: skipped");
            continue;
        }
        println!(
            "{name}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({} non-2xx)",
            r.rps, r.p50, r.p99, r.non_2xx
        );
    }
    println!(
        "bare route /health, 64 connections: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
        health.rps, health.p50, health.p99
    );
    for (name, r) in [
        (
            "scorecard for any of 2,000 dates (GET …/status?as_of=)",
            &scorecard,
        ),
        ("scorecard for the 20 dates a dashboard opens", &dashboard),
        (
            "scorecard, every answer evaluated (20,000 days and thresholds)",
            &evaluated,
        ),
        (
            "the ceasefire line explained (GET …/status/ceasefire?as_of=)",
            &explain,
        ),
        ("violation counts (GET …/counts?bbox=&from=&to=)", &counts),
        ("OGC items (bbox, datetime, limit 100)", &ogc),
    ] {
        if r.rps.is_nan() {
            println!("{name}: skipped");
            continue;
        }
        println!(
            "{name}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({} non-2xx); target p99 < 20 ms: {:.2}x; {:.1}% of the bare route",
            r.rps,
            r.p50,
            r.p99,
            r.non_2xx,
            r.p99 / 20.0,
            100.0 * r.rps / health.rps
        );
    }
    if query.rps.is_nan() || lean.rps.is_nan() || list.rps.is_nan() || opening.rps.is_nan() {
        return;
    }
    println!(
        "W3 target: p99 < 20 ms ({:.2}x) and >= 25% of the bare route's throughput ({:.1}%); as map points: {:.2}x and {:.1}%; as list lines: {:.2}x and {:.1}%; the list as it opens: {:.2}x and {:.1}%",
        query.p99 / 20.0,
        100.0 * query.rps / health.rps,
        lean.p99 / 20.0,
        100.0 * lean.rps / health.rps,
        list.p99 / 20.0,
        100.0 * list.rps / health.rps,
        opening.p99 / 20.0,
        100.0 * opening.rps / health.rps
    );
}

/// What a workload left out by `TRUCE_BENCH_ONLY` reports.
const SKIPPED: truce_bench::Run = truce_bench::Run {
    rps: f64::NAN,
    p50: f64::NAN,
    p99: f64::NAN,
    non_2xx: 0,
};

/// Whether the workload is measured: `TRUCE_BENCH_ONLY` names it, or is not set.
fn only(name: &str) -> bool {
    std::env::var("TRUCE_BENCH_ONLY").map_or(true, |list| list.split(',').any(|n| n.trim() == name))
}

/// A wrk script that asks for `paths` in turn.
fn write_script(path: &std::path::Path, boxes: &[(String, jiff::civil::Date, jiff::civil::Date)]) {
    let paths = boxes.iter().map(|(bbox, from, to)| {
        format!("/api/v1/agreements/nk-2020/incidents?bbox={bbox}&from={from}&to={to}&limit=100")
    });
    std::fs::write(path, lua(paths)).expect("script");
}

/// Lua for wrk: the paths, asked for in turn, each thread from its own place.
fn lua(paths: impl Iterator<Item = String>) -> String {
    let mut lua = String::from("local paths = {\n");
    for p in paths {
        lua.push_str(&format!("  \"{p}\",\n"));
    }
    // Each of wrk's threads starts at its own place in the list (`setup` runs once per
    // thread before they start), so that two threads do not ask for the same path at
    // the same moment.
    lua.push_str("}\nlocal threads = 0\nsetup = function(thread)\n  thread:set(\"start\", threads)\n  threads = threads + 1\nend\nlocal i = nil\nrequest = function()\n  if i == nil then i = math.floor((start or 0) * #paths / 2) end\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n");
    lua
}

/// Asks for the first of `paths` once and waits for the answer (what a route reads once,
/// such as the scorecard's inputs, is read before the clock starts), warms up for 3 s,
/// then measures 20 s of `paths` at 64 connections.
fn measure(
    base: &str,
    dir: &std::path::Path,
    name: &str,
    paths: impl Iterator<Item = String>,
) -> truce_bench::Run {
    if !only(name) {
        return SKIPPED;
    }
    let paths: Vec<String> = paths.collect();
    if let Some(first) = paths.first() {
        let bytes = get_once(base, first);
        println!("{name}: the first answer is {bytes} bytes with its headers");
    }
    let script = dir.join(format!("queries-{name}.lua"));
    std::fs::write(&script, lua(paths.into_iter())).expect("script");
    let _ = wrk(base, Some(&script), 3);
    wrk(base, Some(&script), 20)
}

/// One GET, read to its end (at most 10 minutes): the bytes of the answer.
fn get_once(base: &str, path: &str) -> usize {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(600)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the first answer within 10 minutes");
    answer.len()
}
