//! Foundation benchmark: load the nk-2020 folder, classify seeded random points into its
//! zones through the R-tree, and look names up in the gazetteer. Baselines are measured in
//! the same run: classification against a plain loop over every zone polygon. The R-tree
//! count also holds the `part_of` parents a point inherits, so it can exceed the loop's.
//!
//! Run: `cargo run --release -p truce-bench --bin bench-foundation [POINTS] [SEED]`

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use geo::{Contains, Point};
use std::time::Instant;
use truce_bench::Rng;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2020);
    let t = Instant::now();
    let loads = 5;
    let mut bundle = None;
    for _ in 0..loads {
        bundle = Some(truce_bench::nk2020());
    }
    let load_ms = t.elapsed().as_secs_f64() * 1e3 / f64::from(loads);
    let b = bundle.expect("loaded");
    println!(
        "load nk-2020 (parse, validate, buffer and derive zones, index places): {load_ms:.1} ms"
    );

    // Points over the region's bounding box (Armenia, Karabakh, western Azerbaijan).
    let (x0, x1, y0, y1) = (43.4, 50.4, 38.3, 41.9);
    let mut rng = Rng(seed);
    let pts: Vec<(f64, f64)> = (0..n)
        .map(|_| (x0 + rng.unit() * (x1 - x0), y0 + rng.unit() * (y1 - y0)))
        .collect();

    let t = Instant::now();
    let mut hits_tree = 0usize;
    for &(x, y) in &pts {
        hits_tree += b.zones.containing(x, y).len();
    }
    let tree_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut hits_loop = 0usize;
    for &(x, y) in &pts {
        let p = Point::new(x, y);
        for z in b.zones.zones() {
            if z.geometry.contains(&p) {
                hits_loop += 1;
            }
        }
    }
    let loop_s = t.elapsed().as_secs_f64();
    println!(
        "classify {n} points into {} zones: R-tree {tree_s:.3} s ({:.2} M points/s, {hits_tree} memberships); plain loop {loop_s:.3} s ({hits_loop}); ratio loop/R-tree {:.1}x",
        b.zones.zones().len(),
        n as f64 / tree_s / 1e6,
        loop_s / tree_s
    );

    let names: Vec<String> = b
        .gazetteer
        .places()
        .iter()
        .flat_map(|p| p.names().into_iter().map(str::to_owned))
        .collect();
    let rounds = 20;
    let t = Instant::now();
    let mut found = 0usize;
    for _ in 0..rounds {
        for name in &names {
            found += b.gazetteer.find(name).matches.len();
        }
    }
    let lookups = names.len() * rounds;
    let s = t.elapsed().as_secs_f64();
    println!(
        "gazetteer: {lookups} lookups of every name variant in {s:.3} s ({:.0} k lookups/s, {found} matches)",
        lookups as f64 / s / 1e3
    );
}
