//! Truce's domain model: the agreement as data (actors, documents, obligations, zones,
//! places, periods), reports and evidence records, the registry's persons, and the
//! diagnostics every loader reports with. No I/O, no clock, no async: files arrive as
//! [`diag::SourceFile`]s, time arrives as arguments.

pub mod access;
pub mod agreement;
pub mod bundle;
pub mod diag;
pub mod i18n;
pub mod period;
pub mod places;
pub mod records;
pub mod registry;
pub mod report;
pub mod search;
mod tomlread;
pub mod words;
pub mod zones;

pub use agreement::{Agreement, AgreementView, Deadline, Obligation};
pub use bundle::{AgreementBundle, load};
pub use diag::{Problem, Problems, SourceFile};
pub use places::Gazetteer;
pub use zones::ZoneSet;
