//! Registry files (JSON Lines, CSV) read and checked against the agreement. Problems
//! never repeat a personal value, so a rejects file holds no more than the line number
//! and the member at fault.

use crate::jsonl::LineProblem;
use crate::records::{problem, take_type, typed};
use jiff::civil::Date;
use serde_json::Value;
use truce_model::bundle::AgreementBundle;
use truce_model::registry::{Entry, EntryKind};

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn valid_birth_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && (1..=12).contains(&m.parse().unwrap_or(0)),
        [_, _, _] => s.parse::<Date>().is_ok(),
        _ => false,
    }
}

/// Checks what a type alone cannot; messages never repeat a personal value, so that a
/// rejects file holds no more than the line number and the member at fault.
fn check(no: u64, e: &Entry, bundle: &AgreementBundle) -> Vec<LineProblem> {
    let a = &bundle.agreement;
    let mut out = Vec::new();
    let actor = |out: &mut Vec<LineProblem>, pointer: &str, id: &str| {
        if a.actor(id).is_none() {
            out.push(problem(
                no,
                pointer,
                format!(
                    "unknown actor `{id}`; {}",
                    truce_model::diag::suggest(id, a.actors.iter().map(|x| x.id.as_str()))
                ),
            ));
        }
    };
    match e {
        Entry::Person(p) => {
            if !valid_id(&p.id) {
                out.push(problem(
                    no,
                    "/id",
                    "must be 1 to 64 letters, digits, `-`, `_` or `.`",
                ));
            }
            // An id that spells out a name or number would carry it into every log,
            // audit entry and aggregate export: refuse it.
            let id = p.id.to_lowercase();
            let leaks = p
                .personal
                .names
                .values()
                .flat_map(|n| [n.surname.as_deref(), n.first_names.as_deref()])
                .chain([p.personal.service_number.as_deref()])
                .flatten()
                .any(|v| v.chars().count() >= 3 && id.contains(&v.to_lowercase()));
            if leaks {
                out.push(problem(
                    no,
                    "/id",
                    "contains the person's name or service number; registry ids must be opaque",
                ));
            }
            actor(&mut out, "/side", &p.side);
            if let Some(h) = &p.held_by {
                actor(&mut out, "/held_by", h);
                if *h == p.side {
                    out.push(problem(no, "/held_by", "is the person's own side"));
                }
            }
            for (script, n) in &p.personal.names {
                let ok = script.len() == 4
                    && script.starts_with(|c: char| c.is_ascii_uppercase())
                    && script[1..].bytes().all(|b| b.is_ascii_lowercase());
                if !ok {
                    out.push(problem(
                        no,
                        format!("/names/{script}"),
                        "is not an ISO 15924 script code (`Latn`, `Armn`, `Cyrl`)",
                    ));
                }
                if n.surname.is_none() && n.first_names.is_none() {
                    out.push(problem(
                        no,
                        format!("/names/{script}"),
                        "gives neither `surname` nor `first_names`",
                    ));
                }
            }
            if p.personal
                .birth_date
                .as_deref()
                .is_some_and(|d| !valid_birth_date(d))
            {
                out.push(problem(
                    no,
                    "/birth_date",
                    "must be YYYY, YYYY-MM or YYYY-MM-DD",
                ));
            }
            if p.personal.source.trim().is_empty() {
                out.push(problem(
                    no,
                    "/source",
                    "must name where the record comes from",
                ));
            }
        }
        Entry::Status(s) => {
            if !valid_id(&s.person) {
                out.push(problem(no, "/person", "is not a registry id"));
            }
            if s.personal.source.trim().is_empty() {
                out.push(problem(
                    no,
                    "/source",
                    "must name where the change is reported",
                ));
            }
        }
    }
    out
}

/// Validates a parsed JSON value as a registry line.
pub fn read_value(
    no: u64,
    mut value: Value,
    bundle: &AgreementBundle,
) -> Result<Entry, Vec<LineProblem>> {
    let kind = take_type(no, &mut value, EntryKind::ALL, "registry line")
        .map(|k| EntryKind::parse(k).unwrap_or(EntryKind::Person))?;
    let Some(obj) = value.as_object_mut() else {
        return Err(vec![problem(no, "", "must be a JSON object")]);
    };
    // Members are checked here rather than by serde: its `deny_unknown_fields` does not
    // see through the flattened personal part.
    let allowed: &[&str] = match kind {
        EntryKind::Person => &[
            "id",
            "side",
            "category",
            "held_by",
            "names",
            "rank",
            "service_number",
            "birth_date",
            "birth_place",
            "father_first_name",
            "mother_maiden_name",
            "person_to_inform",
            "place",
            "note",
            "source",
        ],
        EntryKind::Status => &[
            "person", "date", "status", "exchange", "place", "note", "source",
        ],
    };
    let unknown: Vec<LineProblem> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| {
            problem(
                no,
                format!("/{k}"),
                format!(
                    "unknown member `{k}`; {}",
                    truce_model::diag::suggest(k, allowed.iter().copied())
                ),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let entry = match kind {
        EntryKind::Person => Entry::Person(Box::new(typed(no, value)?)),
        EntryKind::Status => Entry::Status(typed(no, value)?),
    };
    let problems = check(no, &entry, bundle);
    if problems.is_empty() {
        Ok(entry)
    } else {
        Err(problems)
    }
}

/// Reads one line of a registry JSON Lines file.
pub fn read_line(no: u64, line: &str, bundle: &AgreementBundle) -> Result<Entry, Vec<LineProblem>> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| vec![problem(no, "", format!("not JSON: {e}"))])?;
    read_value(no, value, bundle)
}

/// Registry lines read from a file with their line numbers, and the refused lines.
pub type Read = (Vec<(u64, Entry)>, Vec<LineProblem>);

/// Reads a registry CSV file: a header naming members (`names.Latn.surname`,
/// `names.Armn.first_names` for names by script), one line per row, the line type from a
/// `type` column or `default_kind`.
pub fn read_csv(
    text: &str,
    default_kind: Option<EntryKind>,
    bundle: &AgreementBundle,
) -> Result<Read, crate::rows::FileError> {
    let (objects, mut bad) = crate::jsonl::csv_objects(
        text,
        EntryKind::ALL,
        default_kind.map(EntryKind::as_str),
        |_, _, cell| Ok(Value::String(cell.to_owned())),
    )?;
    let mut good = Vec::new();
    for (line, obj) in objects {
        match read_value(line, obj, bundle) {
            Ok(e) => good.push((line, e)),
            Err(ps) => bad.extend(ps.into_iter().map(crate::jsonl::pointer_as_column)),
        }
    }
    Ok((good, bad))
}

/// Reads a registry JSON Lines file; blank lines are skipped.
pub fn read_jsonl(text: &str, bundle: &AgreementBundle) -> Read {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let no = i as u64 + 1;
        match read_line(no, line, bundle) {
            Ok(e) => good.push((no, e)),
            Err(ps) => bad.extend(ps),
        }
    }
    (good, bad)
}
