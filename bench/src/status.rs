//! W2: the status of every obligation as of a date over N incidents, with generated
//! corridor crossings and strength reports. Times apart: building the compact violation
//! index from incidents (done once per load, kept by a server) and evaluating the
//! scorecard on a date (what every request pays).
//!
//! Run: `cargo run --release -p truce-bench --bin bench-status -- [INCIDENTS] [SEED]`

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::time::Instant;
use truce_bench::Rng;
use truce_engine::compliance::{Inputs, Options, ViolationIndex, evaluate};
use truce_model::records::{Checkpoint, Crossing, Evidence, Record, Stage, Strength, Transfer};

fn main() {
    let (n, seed) = truce_bench::size_and_seed();
    let b = truce_bench::nk2020();
    let (incidents, _) = truce_bench::synthetic_incidents(&b, n, seed);
    let mut rng = Rng(seed ^ 0xC0FFEE);
    let first = jiff::civil::date(2020, 11, 10);
    let day = |k: u64| {
        first
            .checked_add(jiff::Span::new().days(k as i64))
            .unwrap_or(first)
    };
    // Four checkpoints on the corridor, 1,040 days, 24 category-direction counts a day:
    // about 100k crossings. A strength report every few days: about 300.
    let mut records = Vec::new();
    for c in 0..4 {
        records.push(Record::Checkpoint(Checkpoint {
            id: format!("cp{c}"),
            name: format!("checkpoint {c}"),
            place: None,
            zone: "lachin-corridor".into(),
            operator: "ru-pk".into(),
            opened: None,
            closed: None,
            source: "generated".into(),
            note: None,
        }));
    }
    let mut crossings = 0;
    for d in 0..1040 {
        for c in 0..4 {
            for k in 0..24 {
                crossings += 1;
                // A blockade from day 760 on.
                let blockade = d >= 760;
                records.push(Record::Crossing(Crossing {
                    id: format!("x{d}-{c}-{k}"),
                    checkpoint: format!("cp{c}"),
                    date: day(d),
                    direction: truce_model::records::Direction::Both,
                    persons: if blockade {
                        rng.below(2)
                    } else {
                        40 + rng.below(20)
                    } as u32,
                    vehicles: if blockade { 0 } else { 10 + rng.below(5) } as u32,
                    cargo_t: 0.0,
                    category: if k % 6 == 0 {
                        "humanitarian"
                    } else {
                        "civilian"
                    }
                    .into(),
                    source: "generated".into(),
                }));
            }
        }
        if d % 3 == 0 {
            let mut figures = std::collections::BTreeMap::new();
            figures.insert("personnel".to_owned(), 1800.0 + rng.below(200) as f64);
            figures.insert(
                "armoured-personnel-carriers".to_owned(),
                80.0 + rng.below(12) as f64,
            );
            figures.insert("vehicles".to_owned(), 360.0 + rng.below(25) as f64);
            records.push(Record::Strength(Strength {
                id: format!("s{d}"),
                force: "ru-pk".into(),
                date: day(d),
                span: None,
                figures,
                observation_posts: Some(27),
                present_in: Some(vec!["peacekeeping-aor".into(), "lachin-corridor".into()]),
                source: "generated".into(),
                note: None,
            }));
        }
    }
    for (zone, d) in [("agdam", 10), ("kalbajar", 15), ("lachin", 21)] {
        records.push(Record::Handover(Transfer {
            id: zone.into(),
            zone: zone.into(),
            from: "am".into(),
            to: Some("az".into()),
            date: day(d),
            span: None,
            stage: Stage::Completed,
            source: "generated".into(),
            note: None,
        }));
    }
    let evidence = Evidence::from_records(records);
    let t = Instant::now();
    let violations = ViolationIndex::from_incidents(&incidents, b.agreement.tz());
    let index_s = t.elapsed().as_secs_f64();
    let opts = Options::default();
    let input = Inputs {
        agreement: &b.agreement,
        evidence: &evidence,
        violations: &violations,
        options: &opts,
    };
    let dates = [15, 100, 365, 500, 700, 759, 760, 800, 1000, 1039];
    let mut times = Vec::new();
    let mut states = Vec::new();
    for d in dates {
        let t = Instant::now();
        let card = evaluate(input, day(d));
        times.push(t.elapsed().as_secs_f64());
        let corridor = card
            .line("lachin-corridor-safe-passage")
            .map(|l| l.status.state.clone())
            .unwrap_or_default();
        let ceasefire = card
            .line("ceasefire")
            .map(|l| l.status.state.clone())
            .unwrap_or_default();
        states.push(format!(
            "{}: ceasefire {ceasefire}, corridor {corridor}",
            day(d)
        ));
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let max = sorted[sorted.len() - 1];
    println!(
        "{n} incidents ({} violations), {crossings} crossings, {} strength reports",
        violations.len(),
        evidence.strengths.len()
    );
    for s in &states {
        println!("  {s}");
    }
    println!("violation index built once: {index_s:.3} s");
    println!(
        "scorecard on a date: median {:.1} ms, slowest {:.1} ms over {} dates",
        median * 1e3,
        max * 1e3,
        dates.len()
    );
    println!(
        "W2 target: < 100 ms per scorecard: median is {:.2}x the target, slowest {:.2}x; with the index built in the same call {:.2}x",
        median / 0.1,
        max / 0.1,
        (index_s + max) / 0.1
    );
}
