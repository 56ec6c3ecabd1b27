//! W4: per-zone per-day violation counts over N incidents. Zones are assigned by the
//! R-tree classification (as at import, timed apart: it is the analogue of PostGIS's
//! spatial join), then counted per zone and local day by status.
//!
//! Run: `cargo run --release -p truce-bench --bin bench-counts -- [INCIDENTS] [SEED]`

#![allow(
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap
)]

use std::time::Instant;
use truce_core::incidents::violations_per_zone_day;

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
    println!(
        "W4 target: <= 0.2 x PostGIS ST_Contains join + group (0.5 s) = 0.100 s; counting alone is {:.2}x that, classification + counting {:.2}x",
        count_s / 0.1,
        (classify_s + count_s) / 0.1
    );
}
