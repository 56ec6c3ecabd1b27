//! Integration tests of truce-engine: the 12-report incident scenario, compliance along the 2020-2021 timeline, the registry's counts and reconciliation.

mod compliance;
mod incidents;
mod record;
mod registry;

pub use truce_testkit::*;
