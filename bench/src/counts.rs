//! W4: per-zone per-day violation counts over N incidents. Zones are assigned by the
//! R-tree classification (as at import, timed apart: it is the analogue of PostGIS's
//! spatial join), then counted per zone and local day by status.
//!
//! Run: `cargo run --release -p truce-bench --bin bench-counts -- [INCIDENTS] [SEED]`; with
//! `TRUCE_BENCH_POSTGIS_URL` set, PostGIS's join + group over the same incidents is the
//! reference.

#![allow(
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap
)]

use std::time::Instant;
use truce_engine::incidents::violations_per_zone_day;

fn main() {
    let (n, seed) = truce_bench::size_and_seed();
    let b = truce_bench::nk2020();
    let (incidents, classify_s) = truce_bench::synthetic_incidents(&b, n, seed);
    let t = Instant::now();
    let counts = violations_per_zone_day(&incidents, b.agreement.tz());
    let count_s = t.elapsed().as_secs_f64();
    let total: u64 = counts.iter().map(|c| u64::from(c.total)).sum();
    println!(
        "{n} incidents: classify into zones {classify_s:.3} s (once, at import); count per zone and day {count_s:.3} s -> {} cells, {total} zone-memberships counted",
        counts.len()
    );
    // The reference: PostGIS's join + group over the same incidents, when a database is
    // given; the design target's stated figure for 1M points otherwise.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let measured = runtime.block_on(async {
        let (mut conn, versions) = truce_bench::postgis::connect().await?;
        println!("{versions}");
        let tz = b.agreement.tz().iana_name().unwrap_or("UTC").to_owned();
        Some(truce_bench::postgis::w4(&mut conn, &incidents, &b.zones, &tz).await)
    });
    let (join_s, which) = match measured {
        Some(t) => {
            println!(
                "{}",
                t.describe("the same incidents, per zone, local day and status")
            );
            // The target is held to the faster of the two ways.
            (
                t.join_s.min(t.subdivided_join_s),
                "measured, the faster way",
            )
        }
        None => {
            println!(
                "W4 reference as the design target states it (set {} to measure it here): PostGIS ST_Contains join + group of 1M points = 0.5 s",
                truce_bench::postgis::URL_VAR
            );
            (0.5 * n as f64 / 1e6, "the design target's, per incident")
        }
    };
    let target = 0.2 * join_s;
    println!(
        "W4 target: <= 0.2 x PostGIS join + group ({which}) = {target:.3} s; counting alone is {:.2}x that, classification + counting {:.2}x",
        count_s / target,
        (classify_s + count_s) / target
    );
}
