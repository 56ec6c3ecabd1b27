//! Bulletins: the content of a period (every number with the incidents and records behind
//! it), canonical JSON and ed25519 signatures (of the content and of PDF files), the
//! Markdown and HTML renderings with their SVG chart and map, verification of any form,
//! and the Atom, CAP 1.2 and iCalendar feeds.

mod content;
pub mod feeds;
mod layout1;
pub mod render;
mod signing;
mod verify;
mod words;

pub use content::*;
pub use signing::*;
pub use verify::verify_text;
