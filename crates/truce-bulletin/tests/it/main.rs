//! Integration tests of truce-bulletin: content against golden files, renderings, signatures.

mod bulletin;

pub use truce_testkit::*;
