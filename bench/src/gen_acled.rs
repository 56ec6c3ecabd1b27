//! Writes synthetic ACLED-format rows (see the library) to standard output.
//!
//! Run: `cargo run --release -p truce-bench --bin gen-acled -- ROWS [SEED] > file.csv`

use std::io::Write;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rows: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2020);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    truce_bench::generate(rows, seed, &mut out)?;
    out.flush()
}
