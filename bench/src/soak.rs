//! Soak: reads, map queries, submissions and analysts' status changes mixed at 64
//! connections against one node for a bounded time (10 minutes unless `SOAK_SECONDS`),
//! measured by wrk (Debian's package) minute by minute: requests/s, p99, answers that
//! were not 2xx, and this process's resident memory (the server runs in it). After the
//! run, the audit chain must verify.
//!
//! Mix per 20 requests: 8 map queries (bbox + 30-day window, map points), 3 incident
//! lists, 2 scorecards, 1 OGC items page, 4 submissions of new reports (monitor), 2
//! status changes of stored incidents (analyst: corroborated, then cleared).
//!
//! Run: `cargo run --release -p truce-bench --bin bench-soak -- [REPORTS] [SEED]` (100,000
//! stored reports by default); `TRUCE_BENCH_DATABASE_URL=postgres://…` (an empty database)
//! for PostgreSQL.

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use truce_bench::{Rng, wrk};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2020);
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let runtime = truce_bench::runtime();
    let tmp = tempfile::tempdir().expect("tempdir");
    let served = runtime.block_on(async {
        truce_bench::served(
            truce_bench::bench_store(tmp.path()).await,
            n,
            seed,
            tmp.path(),
        )
        .await
    });
    let store = served.store.clone();
    println!(
        "soak: {n} reports stored in {} in {:.1} s; {seconds} s at 64 connections",
        store.backend_name(),
        served.import_s
    );
    // Incidents with reports, for the analysts' changes.
    let ids: Vec<String> = runtime
        .block_on(store.incidents(
            "nk-2020",
            &truce_store::IncidentFilter {
                limit: 500,
                ..Default::default()
            },
        ))
        .expect("incidents")
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert!(!ids.is_empty(), "incidents to change");
    let mut rng = Rng(seed ^ 0x50a);
    let mut reads = String::from("local reads = {\n");
    for k in 0..2000 {
        let lon = 46.0 + rng.unit() * 1.3;
        let lat = 39.3 + rng.unit() * 1.0;
        let day = i64::try_from(rng.below(1000)).expect("fits");
        let from = jiff::civil::date(2020, 11, 10)
            .checked_add(jiff::Span::new().days(day))
            .expect("date");
        let to = from.checked_add(jiff::Span::new().days(30)).expect("date");
        let path = match k % 14 {
            0..=7 => format!(
                "/api/v1/agreements/nk-2020/incidents?bbox={lon:.3},{lat:.3},{:.3},{:.3}&from={from}&to={to}&limit=100&fields=map",
                lon + 0.12,
                lat + 0.09
            ),
            8..=10 => format!("/api/v1/agreements/nk-2020/incidents?from={from}&to={to}&limit=20"),
            11 | 12 => format!("/api/v1/agreements/nk-2020/status?as_of={from}"),
            _ => format!(
                "/ogc/nk-2020/collections/incidents/items?bbox={lon:.3},{lat:.3},{:.3},{:.3}&limit=50",
                lon + 0.2,
                lat + 0.15
            ),
        };
        reads.push_str(&format!("  \"{path}\",\n"));
    }
    reads.push_str("}\nlocal incidents = {\n");
    for id in &ids {
        reads.push_str(&format!("  \"{id}\",\n"));
    }
    reads.push_str("}\n");
    let script = format!(
        r#"{submission}{reads}local analyst = "Bearer {analyst}"
local i = 0
request = function()
  i = i + 1
  local slot = i % 20
  if slot < 4 then
    return submission()
  elseif slot < 6 then
    local id = incidents[(i % #incidents) + 1]
    local status = (slot == 4) and '"corroborated"' or 'null'
    return wrk.format("POST", "/api/v1/agreements/nk-2020/incidents/" .. id .. "/status",
      {{["Authorization"] = analyst, ["Content-Type"] = "application/json"}},
      '{{"status":' .. status .. ',"reason":"soak"}}')
  else
    return wrk.format("GET", reads[(i % #reads) + 1])
  end
end
"#,
        submission = truce_bench::submission_lua(&served.monitor, 0),
        analyst = served.analyst,
    );
    let path = tmp.path().join("soak.lua");
    std::fs::write(&path, script).expect("script");
    let up = truce_bench::Serving::start(&runtime, store.clone());
    let base = up.base.clone();
    let health = wrk(&format!("{base}/health"), None, 5);
    let rss_start = truce_bench::memory_mb("VmRSS");
    println!("minute  req/s   p50 ms   p99 ms  non-2xx  RSS MB");
    let minutes = seconds.div_ceil(60);
    let mut worst_p99: f64 = 0.0;
    let mut errors = 0;
    let mut rss_last = rss_start;
    for m in 1..=minutes {
        let len = u32::try_from((seconds - (m - 1) * 60).min(60)).expect("fits");
        let r = wrk(&base, Some(&path), len);
        rss_last = truce_bench::memory_mb("VmRSS");
        println!(
            "{m:>6} {:>7.0} {:>8.2} {:>8.2} {:>8} {:>7.0}",
            r.rps, r.p50, r.p99, r.non_2xx, rss_last
        );
        worst_p99 = worst_p99.max(r.p99);
        errors += r.non_2xx;
    }
    up.stop(&runtime);
    let report = runtime.block_on(store.audit_verify(None)).expect("verify");
    println!(
        "soak done: worst minute's p99 {worst_p99:.1} ms, {errors} answers not 2xx, RSS {rss_start:.0} -> {rss_last:.0} MB (peak {:.0} MB); /health alone {:.0} req/s",
        truce_bench::memory_mb("VmHWM"),
        health.rps
    );
    println!(
        "audit verify after the soak: intact = {}, {} entries, {} targets checked",
        report.is_intact(),
        report.chain.entries,
        report.targets_checked
    );
    // What was found, so that a failed check says why.
    for f in report
        .chain
        .findings
        .iter()
        .chain(&report.state)
        .chain(&report.unauthenticated)
        .take(20)
    {
        println!("  {}", f.what);
    }
}
