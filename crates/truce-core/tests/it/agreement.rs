use crate::nk2020;
use jiff::civil::date;
use truce_core::agreement::Deadline;
use truce_core::words::{DocumentKind, ObligationKind};

#[test]
fn nk2020_loads_with_no_problems() {
    let b = nk2020();
    let a = &b.agreement;
    assert_eq!(a.id, "nk-2020");
    assert_eq!(a.effective.to_string(), "2020-11-09T21:00:00Z");
    assert_eq!(a.documents.len(), 4);
    assert_eq!(a.provisions.iter().filter(|p| p.document == "statement-2020-11-10").count(), 9);
    assert!(a.statements.len() >= 13, "reactions register loaded");
}
