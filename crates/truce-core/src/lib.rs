//! Truce's pure domain: the agreement as data, its zones and places, and everything that
//! can be computed from them. No I/O, no clock, no async: files arrive as
//! [`diag::SourceFile`]s, time arrives as arguments.

pub mod acled;
pub mod agreement;
pub mod audit;
pub mod bulletin;
pub mod bulletin_render;
pub mod bundle;
pub mod compliance;
pub mod diag;
pub mod export;
pub mod feeds;
pub mod incidents;
pub mod jsonl;
pub mod keys;
pub mod period;
pub mod places;
pub mod records;
pub mod registry;
pub mod report;
pub mod rows;
mod tomlread;
pub mod ucdp;
pub mod words;
pub mod zones;

pub use agreement::{Agreement, AgreementView, Deadline, Obligation};
pub use bundle::{AgreementBundle, load};
pub use diag::{Problem, Problems, SourceFile};
pub use places::Gazetteer;
pub use zones::ZoneSet;
