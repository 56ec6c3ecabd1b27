//! Readers and writers of every format Truce exchanges with the outside: ACLED and UCDP
//! CSV, native JSON Lines and GeoJSON reports, evidence records and registry files
//! (JSON Lines and CSV), and exports. Readers keep every good row and name each bad one
//! by line, column or JSON pointer. No I/O of their own: text or a reader comes in.

pub mod acled;
pub mod export;
pub mod jsonl;
pub mod keys;
pub mod records;
pub mod registry;
pub mod rows;
pub mod ucdp;
