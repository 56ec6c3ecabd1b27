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
use truce_bench::Rng;
use truce_core::incidents::{Attribution, Incident, IncidentStatus, violations_per_zone_day};
use truce_core::report::{Estimate, EventType, Window};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2020);
    let b = truce_bench::nk2020();
    let mut rng = Rng(seed);
    let types = [
        EventType::Artillery,
        EventType::SmallArmsFire,
        EventType::DroneStrike,
        EventType::ForcesPresence,
    ];
    let statuses = [
        IncidentStatus::Confirmed,
        IncidentStatus::Corroborated,
        IncidentStatus::Disputed,
        IncidentStatus::Unverified,
    ];
    let start = jiff::Timestamp::from_second(1_604_955_600).expect("2020-11-09T21:00Z");
    // Points around the line of contact (the region's core), three years of days.
    let points: Vec<(f64, f64, i64)> = (0..n)
        .map(|_| {
            (
                46.0 + rng.unit() * 1.4,
                39.3 + rng.unit() * 1.1,
                (rng.below(1040 * 86_400)) as i64,
            )
        })
        .collect();
    let t = Instant::now();
    let zones: Vec<Vec<String>> = points
        .iter()
        .map(|(x, y, _)| {
            b.zones
                .containing(*x, *y)
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    let classify_s = t.elapsed().as_secs_f64();
    let incidents: Vec<Incident> = points
        .iter()
        .zip(zones)
        .enumerate()
        .map(|(k, ((x, y, dt), zones))| {
            let s = start
                .checked_add(jiff::SignedDuration::from_secs(*dt))
                .expect("time");
            Incident {
                id: format!("inc-{k}"),
                reports: vec![String::new()],
                window: Window {
                    start: s,
                    end: s,
                    precision: 1,
                },
                point: Some((*x, *y)),
                place_name: None,
                location_precision: 1,
                event_type: types[k % types.len()],
                attribution: Attribution {
                    claims: Vec::new(),
                    assessed: None,
                    disputed: false,
                },
                status: statuses[(k / 7) % statuses.len()],
                zones,
                killed: Estimate::default(),
            }
        })
        .collect();
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
