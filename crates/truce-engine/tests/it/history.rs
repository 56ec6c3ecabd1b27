//! The built-in record against docs/history.md: on every date the document gives, every
//! line of the scorecard — obligation, status and what it stands on — is the document's.

use crate::{demo_records, nk2020, root};
use jiff::civil::Date;
use truce_engine::compliance::{Inputs, Options, ViolationIndex, evaluate};
use truce_model::records::Evidence;

/// (date, rows of (obligation, status, stands on)) from the document's tables.
fn documented() -> Vec<(Date, Vec<[String; 3]>)> {
    let path = root().join("docs/history.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out: Vec<(Date, Vec<[String; 3]>)> = Vec::new();
    for (no, line) in text.lines().enumerate() {
        if let Some(d) = line.strip_prefix("## ") {
            let date = d
                .parse()
                .unwrap_or_else(|e| panic!("history.md:{}: `{d}`: {e}", no + 1));
            out.push((date, Vec::new()));
        } else if line.starts_with("| ") && !line.starts_with("| obligation") {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let (_, rows) = out
                .last_mut()
                .unwrap_or_else(|| panic!("history.md:{}: a table row before any date", no + 1));
            rows.push([
                cells[1].to_owned(),
                cells[2].to_owned(),
                cells[3].to_owned(),
            ]);
        }
    }
    out
}

#[test]
fn the_built_in_scorecard_matches_docs_history_on_every_documented_date() {
    let b = nk2020();
    let mut e = Evidence::from_records(demo_records(&b));
    e.classify(&b.zones);
    let documented = documented();
    assert!(
        documented.len() >= 12,
        "at least twelve dates: {}",
        documented.len()
    );
    for (date, rows) in documented {
        let card = evaluate(
            Inputs {
                agreement: &b.agreement,
                evidence: &e,
                violations: &ViolationIndex::default(),
                options: &Options::default(),
            },
            date,
        );
        let got: Vec<[String; 3]> = card
            .lines
            .iter()
            .map(|l| {
                [
                    l.obligation.clone(),
                    l.status.label(),
                    l.status.basis.as_str().replace('-', " "),
                ]
            })
            .collect();
        assert_eq!(got, rows, "docs/history.md, {date}");
    }
}
