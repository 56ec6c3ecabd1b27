//! Integration tests of truce-formats: ACLED, UCDP and JSON Lines rows.

mod acled;
mod csv;
mod jsonl;
mod records;
mod ucdp;

pub use truce_testkit::*;
