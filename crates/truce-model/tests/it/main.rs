//! Integration tests of truce-model: the agreement, broken files, places and zones.

mod agreement;
mod broken;
mod places;
mod zones;

pub use truce_testkit::*;
