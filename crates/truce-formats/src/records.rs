//! Evidence records read from JSON Lines (one record per line, its kind in `type`;
//! docs/evidence.md) and CSV, and checked against the agreement: every problem names its
//! line and JSON pointer (or column), and good lines of the same file are kept.

use crate::jsonl::LineProblem;
use serde_json::Value;
use truce_model::bundle::AgreementBundle;
use truce_model::records::{EndedBy, Measure, PersonCategory, Record, RecordKind, Span, Stage};
use truce_model::words::ObligationKind;

/// Reads one line of an evidence file. `no` is the line number, for problems.
pub fn read_line(
    no: u64,
    line: &str,
    agreement: &AgreementBundle,
) -> Result<Record, Vec<LineProblem>> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        vec![LineProblem {
            line: no,
            pointer: String::new(),
            reason: format!("not JSON: {e}"),
        }]
    })?;
    read_value(no, value, agreement)
}

pub(crate) fn problem(
    line: u64,
    pointer: impl Into<String>,
    reason: impl Into<String>,
) -> LineProblem {
    LineProblem {
        line,
        pointer: pointer.into(),
        reason: reason.into(),
    }
}

pub(crate) fn typed<T: serde::de::DeserializeOwned>(
    no: u64,
    value: Value,
) -> Result<T, Vec<LineProblem>> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                serde_path_to_error::Segment::Unknown => None,
            })
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect::<String>();
        vec![problem(no, pointer, e.into_inner().to_string())]
    })
}

/// Removes and reads the `type` member of a line that must be a JSON object: one of
/// `types`, else a problem with a suggestion. `what` names the kind of line.
pub(crate) fn take_type(
    no: u64,
    value: &mut Value,
    types: &'static [&'static str],
    what: &str,
) -> Result<&'static str, Vec<LineProblem>> {
    let Some(obj) = value.as_object_mut() else {
        return Err(vec![problem(no, "", "must be a JSON object")]);
    };
    match obj.remove("type") {
        Some(Value::String(s)) => types.iter().copied().find(|t| *t == s).ok_or_else(|| {
            vec![problem(
                no,
                "/type",
                format!(
                    "unknown {what} type `{s}`; {}",
                    truce_model::diag::suggest(&s, types.iter().copied())
                ),
            )]
        }),
        Some(_) => Err(vec![problem(no, "/type", "must be a string")]),
        None => Err(vec![problem(
            no,
            "/type",
            format!("is missing; one of {}", types.join(", ")),
        )]),
    }
}

/// Validates a parsed JSON value as a record to import: everything [`read_stored`]
/// checks, and that some rule or view will read it.
pub fn read_value(
    no: u64,
    value: Value,
    agreement: &AgreementBundle,
) -> Result<Record, Vec<LineProblem>> {
    read_checked(no, value, agreement, true)
}

/// Reads a record as stored: its form and references are checked, but not that a rule
/// reads it, so a record stored before a build refused such records still reads back
/// (no rule reads it, as before).
pub fn read_stored(value: Value, agreement: &AgreementBundle) -> Result<Record, Vec<LineProblem>> {
    read_checked(0, value, agreement, false)
}

fn read_checked(
    no: u64,
    mut value: Value,
    agreement: &AgreementBundle,
    strict: bool,
) -> Result<Record, Vec<LineProblem>> {
    let kind = take_type(no, &mut value, RecordKind::ALL, "record")
        .map(|k| RecordKind::parse(k).unwrap_or(RecordKind::Handover))?;
    partial_date(no, kind, &mut value)?;
    if kind == RecordKind::ObservationPost {
        post_at_place(no, &mut value, agreement)?;
    }
    let record = match kind {
        RecordKind::Handover => Record::Handover(typed(no, value)?),
        RecordKind::Withdrawal => Record::Withdrawal(typed(no, value)?),
        RecordKind::Strength => Record::Strength(typed(no, value)?),
        RecordKind::ObservationPost => Record::ObservationPost(typed(no, value)?),
        RecordKind::Checkpoint => Record::Checkpoint(typed(no, value)?),
        RecordKind::Crossing => Record::Crossing(typed(no, value)?),
        RecordKind::Closure => Record::Closure(typed(no, value)?),
        RecordKind::Exchange => Record::Exchange(typed(no, value)?),
        RecordKind::DetentionClaim => Record::DetentionClaim(typed(no, value)?),
        RecordKind::Notice => Record::Notice(typed(no, value)?),
        RecordKind::Milestone => Record::Milestone(typed(no, value)?),
        RecordKind::Termination => Record::Termination(typed(no, value)?),
        RecordKind::Lapse => Record::Lapse(typed(no, value)?),
        RecordKind::Coverage => Record::Coverage(typed(no, value)?),
        RecordKind::Group => Record::Group(typed(no, value)?),
        RecordKind::Tally => Record::Tally(typed(no, value)?),
        RecordKind::Recovery => Record::Recovery(typed(no, value)?),
        RecordKind::PostCount => Record::PostCount(typed(no, value)?),
        RecordKind::Cutoff => Record::Cutoff(typed(no, value)?),
        RecordKind::Flow => Record::Flow(typed(no, value)?),
    };
    let problems = check(no, &record, agreement, strict);
    if problems.is_empty() {
        Ok(record)
    } else {
        Err(problems)
    }
}

/// Reads a `date` known only to a month (`2020-12`), a year (`2021`) or a range
/// (`2021-04-01/2021-04-15`): the record keeps the last day in `date` and the rest in
/// `span`. A crossing counts one day and takes only a whole date.
fn partial_date(no: u64, kind: RecordKind, value: &mut Value) -> Result<(), Vec<LineProblem>> {
    let Some(obj) = value.as_object_mut() else {
        return Ok(());
    };
    let Some(Value::String(text)) = obj.get("date") else {
        return Ok(());
    };
    if text.parse::<jiff::civil::Date>().is_ok() {
        return Ok(());
    }
    let Some((span, last)) = Span::parse(text) else {
        return Err(vec![problem(
            no,
            "/date",
            format!(
                "`{text}` is not a date: write a day (YYYY-MM-DD), a month (YYYY-MM), a year (YYYY) or a range of days (YYYY-MM-DD/YYYY-MM-DD)"
            ),
        )]);
    };
    if kind == RecordKind::Crossing {
        return Err(vec![problem(
            no,
            "/date",
            "a crossing counts the traffic of one local day: write the day (YYYY-MM-DD)",
        )]);
    }
    if obj.contains_key("span") {
        return Err(vec![problem(
            no,
            "/span",
            "give either a partial `date` or a whole `date` with `span`, not both",
        )]);
    }
    obj.insert("date".into(), Value::String(last.to_string()));
    obj.insert(
        "span".into(),
        serde_json::to_value(span).unwrap_or(Value::Null),
    );
    Ok(())
}

/// Gives a post placed by name (`place`, no `lon`/`lat`) the gazetteer's point for it; an
/// unknown or ambiguous name is refused.
fn post_at_place(
    no: u64,
    value: &mut Value,
    bundle: &AgreementBundle,
) -> Result<(), Vec<LineProblem>> {
    let Some(obj) = value.as_object_mut() else {
        return Ok(());
    };
    let Some(Value::String(name)) = obj.get("place") else {
        return Ok(());
    };
    if obj.contains_key("lon") || obj.contains_key("lat") {
        return Ok(());
    }
    let found = bundle.gazetteer.find(name);
    let point = match found.matches.as_slice() {
        [] => Err(format!(
            "the gazetteer knows no place `{name}`; give `lon` and `lat`"
        )),
        [one] => Ok((one.place.lon, one.place.lat)),
        many => Err(format!(
            "`{name}` names {} places ({}); give `lon` and `lat`",
            many.len(),
            many.iter()
                .map(|m| m.place.display.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    .map_err(|reason| vec![problem(no, "/place", reason)])?;
    obj.insert("lon".into(), Value::from(point.0));
    obj.insert("lat".into(), Value::from(point.1));
    Ok(())
}

/// True for a local time of day written `HH:MM`.
fn is_time_of_day(t: &str) -> bool {
    t.parse::<jiff::civil::Time>().is_ok() && t.len() == 5
}

/// Whether the rule of an obligation of `kind` reads a milestone of `stage`: every rule
/// reads an end (`ended`); the rules of progress read every stage; the exchange rule
/// reads a declaration that the exchange is complete.
fn reads_milestone(kind: ObligationKind, stage: Stage) -> bool {
    match kind {
        _ if stage == Stage::Ended => true,
        ObligationKind::Handover
        | ObligationKind::Withdrawal
        | ObligationKind::MonitoringCentre
        | ObligationKind::ConstructionPlan
        | ObligationKind::ReturnOfDisplaced
        | ObligationKind::TransportLink
        | ObligationKind::Milestone => true,
        ObligationKind::Exchange => stage == Stage::Completed,
        ObligationKind::Ceasefire
        | ObligationKind::Deployment
        | ObligationKind::Term
        | ObligationKind::Corridor => false,
    }
}

/// Writes a record as one line of the format (without the newline).
pub fn write_line(r: &Record) -> String {
    serde_json::to_string(r).unwrap_or_default()
}

/// Checks the references of a parsed record against the agreement: actors, zones,
/// obligations, and the values a type alone cannot rule out. With `strict` (an import),
/// a record no rule would read is refused too; a record stored before that was refused
/// still reads back (`read_stored`), so a stricter build never loses stored data.
fn check(no: u64, r: &Record, bundle: &AgreementBundle, strict: bool) -> Vec<LineProblem> {
    let a = &bundle.agreement;
    let mut out = Vec::new();
    // What no rule would read: refused on import only.
    let mut unread = Vec::new();
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
    let zone = |out: &mut Vec<LineProblem>, pointer: &str, id: &str, zones: &[&str]| {
        if !zones.contains(&id) {
            out.push(problem(
                no,
                pointer,
                format!(
                    "unknown zone `{id}`; {}",
                    truce_model::diag::suggest(id, zones.iter().copied())
                ),
            ));
        }
    };
    let obligation_at = |out: &mut Vec<LineProblem>, pointer: &str, id: &str| {
        if !a.obligations.iter().any(|o| o.id == id) {
            out.push(problem(
                no,
                pointer,
                format!(
                    "unknown obligation `{id}`; {}",
                    truce_model::diag::suggest(id, a.obligations.iter().map(|o| o.id.as_str()))
                ),
            ));
        }
    };
    let obligation = |out: &mut Vec<LineProblem>, id: &str| obligation_at(out, "/obligation", id);
    let zone_ids: Vec<&str> = bundle.zones.ids().into_iter().collect();
    let place = |out: &mut Vec<LineProblem>, pointer: &str, name: &str| {
        if zone_ids.contains(&name) || !bundle.gazetteer.find(name).matches.is_empty() {
            return;
        }
        let near: Vec<String> = bundle
            .gazetteer
            .near_misses(name, 3)
            .into_iter()
            .map(|(p, n)| format!("`{n}` ({})", p.display))
            .collect();
        out.push(problem(
            no,
            pointer,
            format!(
                "the gazetteer knows no place `{name}`{}",
                if near.is_empty() {
                    String::new()
                } else {
                    format!("; did you mean {}?", near.join(", "))
                }
            ),
        ));
    };
    // The sides the exchange rules count: the obligors of every exchange obligation and
    // the actors they also count. A record about anyone else would be stored and never
    // read, so it is refused.
    let counted: Vec<&str> = a
        .obligations
        .iter()
        .filter(|o| o.kind == ObligationKind::Exchange)
        .flat_map(|o| o.obligors.iter().chain(&o.also_counts))
        .map(String::as_str)
        .collect();
    let counted_side = |out: &mut Vec<LineProblem>, pointer: &str, id: &str| {
        if a.actor(id).is_some() && !counted.contains(&id) {
            out.push(problem(
                no,
                pointer,
                if counted.is_empty() {
                    "no obligation of this agreement is an exchange, so no rule would read this record".to_owned()
                } else {
                    format!(
                        "`{id}` is neither bound by an exchange obligation nor counted by one (`also_counts` in the agreement), so no rule would read this; the sides counted are {}",
                        counted.join(", ")
                    )
                },
            ));
        }
    };
    if let (Some(span), Some(date)) = (r.span(), r.date())
        && let Some(why) = span.check(date)
    {
        out.push(problem(no, "/span", why));
    }
    if r.id().trim().is_empty() {
        out.push(problem(no, "/id", "must not be empty"));
    }
    if r.source().trim().is_empty() {
        out.push(problem(
            no,
            "/source",
            "must name the source (a URL or a registered source id)",
        ));
    }
    match r {
        Record::Handover(t) | Record::Withdrawal(t) => {
            zone(&mut out, "/zone", &t.zone, &zone_ids);
            actor(&mut out, "/from", &t.from);
            if let Some(to) = &t.to {
                actor(&mut out, "/to", to);
            }
        }
        Record::Strength(s) => {
            actor(&mut out, "/force", &s.force);
            for (k, v) in &s.figures {
                if !v.is_finite() || *v < 0.0 {
                    out.push(problem(no, format!("/figures/{k}"), "must be zero or more"));
                }
            }
            for (i, z) in s.present_in.iter().flatten().enumerate() {
                zone(&mut out, &format!("/present_in/{i}"), z, &zone_ids);
            }
        }
        Record::ObservationPost(p) => {
            actor(&mut out, "/force", &p.force);
            if !(-180.0..=180.0).contains(&p.lon) {
                out.push(problem(
                    no,
                    "/lon",
                    "must be a longitude in degrees, -180 to 180",
                ));
            }
            if !(-90.0..=90.0).contains(&p.lat) {
                out.push(problem(
                    no,
                    "/lat",
                    "must be a latitude in degrees, -90 to 90",
                ));
            }
            if p.closed.is_some_and(|c| c < p.opened) {
                out.push(problem(no, "/closed", "is before `opened`"));
            }
        }
        Record::Checkpoint(c) => {
            zone(&mut out, "/zone", &c.zone, &zone_ids);
            actor(&mut out, "/operator", &c.operator);
            if let (Some(o), Some(c)) = (c.opened, c.closed)
                && c < o
            {
                out.push(problem(no, "/closed", "is before `opened`"));
            }
        }
        Record::Crossing(c) => {
            if !c.cargo_t.is_finite() || c.cargo_t < 0.0 {
                out.push(problem(no, "/cargo_t", "must be zero or more"));
            }
        }
        Record::Closure(c) => {
            actor(&mut out, "/declared_by", &c.declared_by);
            if let Some(b) = &c.blocked_by {
                actor(&mut out, "/blocked_by", b);
            }
            if c.blocking_group
                .as_deref()
                .is_some_and(|g| g.trim().is_empty())
            {
                out.push(problem(no, "/blocking_group", "must describe the group"));
            }
            if c.time.as_deref().is_some_and(|t| !is_time_of_day(t)) {
                out.push(problem(no, "/time", "must be a local time of day, HH:MM"));
            }
            for (i, p) in c.cuts_off.iter().enumerate() {
                place(&mut out, &format!("/cuts_off/{i}"), p);
            }
            match (&c.checkpoint, &c.zone) {
                (None, None) => out.push(problem(no, "", "names neither `checkpoint` nor `zone`")),
                (_, Some(z)) => zone(&mut out, "/zone", z, &zone_ids),
                _ => {}
            }
            if c.to.is_some_and(|t| t < c.from) {
                out.push(problem(no, "/to", "is before `from`"));
            }
        }
        Record::Exchange(e) => {
            actor(&mut out, "/from", &e.from);
            actor(&mut out, "/to", &e.to);
            counted_side(&mut unread, "/from", &e.from);
            counted_side(&mut unread, "/to", &e.to);
            for (i, m) in e.mediators.iter().enumerate() {
                actor(&mut out, &format!("/mediators/{i}"), m);
                if *m == e.from || *m == e.to {
                    out.push(problem(
                        no,
                        format!("/mediators/{i}"),
                        "a side of the transfer is not its mediator",
                    ));
                }
            }
            if e.from == e.to {
                out.push(problem(no, "/to", "is the same side as `from`"));
            }
            if e.counts.values().all(|n| *n == 0) {
                out.push(problem(
                    no,
                    "/counts",
                    "counts nobody: give the persons or remains handed over",
                ));
            }
            if e.counts.contains_key(&PersonCategory::Missing) {
                out.push(problem(
                    no,
                    "/counts/missing",
                    "a missing person is not handed over: count the living by category, the dead as `bodies`",
                ));
            }
            let bodies = e.counts.get(&PersonCategory::Bodies).copied().unwrap_or(0);
            if e.died_in_custody > bodies {
                out.push(problem(
                    no,
                    "/died_in_custody",
                    format!(
                        "is {}, more than the {bodies} remains in `counts.bodies`",
                        e.died_in_custody
                    ),
                ));
            }
            let in_groups: u32 = e.groups.values().sum();
            let total: u32 = e.counts.values().sum();
            if in_groups > total {
                out.push(problem(
                    no,
                    "/groups",
                    format!("count {in_groups} persons, more than the {total} released"),
                ));
            }
            if let Some(c) = &e.consideration {
                if let Some(m) = &c.minefield_maps {
                    for (i, d) in m.districts.iter().enumerate() {
                        place(
                            &mut out,
                            &format!("/consideration/minefield_maps/districts/{i}"),
                            d,
                        );
                    }
                    if m.districts.is_empty()
                        && m.area.as_deref().is_none_or(|a| a.trim().is_empty())
                    {
                        out.push(problem(
                            no,
                            "/consideration/minefield_maps",
                            "says where they are of nowhere: give `districts` or `area`",
                        ));
                    }
                }
                if c.minefield_maps.is_none()
                    && c.terms.as_deref().is_none_or(|t| t.trim().is_empty())
                {
                    out.push(problem(
                        no,
                        "/consideration",
                        "says nothing: give `minefield_maps` or `terms`",
                    ));
                }
            }
        }
        Record::DetentionClaim(c) => {
            actor(&mut out, "/claimant", &c.claimant);
            actor(&mut out, "/holder", &c.holder);
            if c.category == PersonCategory::Missing {
                unread.push(problem(
                    no,
                    "/category",
                    "nobody is known to hold a missing person: record a count of the missing as a `tally` with `measure: missing`",
                ));
            } else {
                counted_side(&mut unread, "/holder", &c.holder);
            }
        }
        Record::Group(g) => {
            actor(&mut out, "/side", &g.side);
            actor(&mut out, "/holder", &g.holder);
            counted_side(&mut unread, "/holder", &g.holder);
            if g.side == g.holder {
                out.push(problem(no, "/holder", "is the same side as `side`"));
            }
            if g.category.is_remains() || g.category == PersonCategory::Missing {
                out.push(problem(
                    no,
                    "/category",
                    "a group is of living persons taken together: a category of the living",
                ));
            }
            if g.count == 0 {
                out.push(problem(no, "/count", "must be one or more"));
            }
            if let Some(p) = &g.place {
                place(&mut out, "/place", p);
            }
        }
        Record::Tally(t) => {
            actor(&mut out, "/claimant", &t.claimant);
            if t.counts.is_empty() {
                out.push(problem(
                    no,
                    "/counts",
                    "states no figure: give the total per side",
                ));
            }
            for side in t.counts.keys() {
                actor(&mut out, &format!("/counts/{side}"), side);
            }
            if t.since.is_some_and(|s| s > t.date) {
                out.push(problem(
                    no,
                    "/since",
                    "is after `date`, the day the total is stated as of",
                ));
            }
            let fits = match t.measure {
                Measure::Returned => t.category != PersonCategory::Missing,
                Measure::Missing => t.category == PersonCategory::Missing,
                Measure::Recovered => t.category == PersonCategory::Bodies,
            };
            if !fits {
                out.push(problem(
                    no,
                    "/category",
                    match t.measure {
                        Measure::Missing => "a total of the missing takes `category: missing`",
                        Measure::Recovered => "remains recovered take `category: bodies`",
                        _ => "the missing are counted with `measure: missing`",
                    },
                ));
            }
        }
        Record::Recovery(x) => {
            actor(&mut out, "/by", &x.by);
            actor(&mut out, "/side", &x.side);
            counted_side(&mut unread, "/side", &x.side);
            for (i, w) in x.with.iter().enumerate() {
                actor(&mut out, &format!("/with/{i}"), w);
            }
            if x.remains == 0 {
                out.push(problem(no, "/remains", "must be one or more"));
            }
            if let Some(p) = &x.place {
                place(&mut out, "/place", p);
            }
        }
        Record::PostCount(x) => {
            actor(&mut out, "/force", &x.force);
            let deployed = a.obligations.iter().any(|o| {
                o.kind == ObligationKind::Deployment
                    && (o.obligors.contains(&x.force) || o.monitors.contains(&x.force))
            }) || a.actor(&x.force).is_some_and(|f| {
                f.roles
                    .contains(&truce_model::words::Role::PeacekeepingForce)
            });
            if a.actor(&x.force).is_some() && !deployed {
                unread.push(problem(
                    no,
                    "/force",
                    format!("`{}` is no peacekeeping force and no deployment obligation names it, so no rule would read its posts", x.force),
                ));
            }
            if let Some(z) = &x.zone {
                zone(&mut out, "/zone", z, &zone_ids);
            }
            if x.count.is_none() && x.closed.is_none() {
                out.push(problem(
                    no,
                    "",
                    "gives neither `count` (posts standing) nor `closed` (posts closed)",
                ));
            }
        }
        Record::Cutoff(x) => {
            zone(&mut out, "/zone", &x.zone, &zone_ids);
            if !a
                .obligations
                .iter()
                .any(|o| o.kind == ObligationKind::Corridor)
            {
                unread.push(problem(
                    no,
                    "",
                    "no obligation of this agreement is a corridor, whose line shows cut-offs, so no rule would read this",
                ));
            }
            actor(&mut out, "/reported_by", &x.reported_by);
            for (i, b) in x.blamed_on.iter().enumerate() {
                actor(&mut out, &format!("/blamed_on/{i}"), b);
            }
            for (i, p) in x.places.iter().enumerate() {
                place(&mut out, &format!("/places/{i}"), p);
            }
            if x.to.is_some_and(|t| t < x.from) {
                out.push(problem(no, "/to", "is before `from`"));
            }
            if x.time.as_deref().is_some_and(|t| !is_time_of_day(t)) {
                out.push(problem(no, "/time", "must be a local time of day, HH:MM"));
            }
        }
        Record::Flow(x) => {
            zone(&mut out, "/zone", &x.zone, &zone_ids);
            actor(&mut out, "/claimant", &x.claimant);
            if let Some(p) = &x.place {
                place(&mut out, "/place", p);
            }
            if x.persons.is_none() && x.families.is_none() {
                out.push(problem(
                    no,
                    "",
                    "counts nobody: give `persons`, `families` or both",
                ));
            }
            if x.since.is_some_and(|s| s > x.date) {
                out.push(problem(
                    no,
                    "/since",
                    "is after `date`, the day the figure is stated as of",
                ));
            }
            if !a
                .obligations
                .iter()
                .any(|o| o.kind == ObligationKind::ReturnOfDisplaced)
            {
                unread.push(problem(
                    no,
                    "",
                    "no obligation of this agreement is about the return of displaced people, so no rule would read this",
                ));
            }
        }
        Record::Notice(n) => {
            obligation(&mut out, &n.obligation);
            actor(&mut out, "/by", &n.by);
            if let Some(o) = a.obligations.iter().find(|o| o.id == n.obligation)
                && o.kind != ObligationKind::Term
            {
                unread.push(problem(
                    no,
                    "/obligation",
                    format!(
                        "`{}` is a {} obligation; only a term rule reads notices",
                        o.id, o.kind
                    ),
                ));
            }
        }
        Record::Milestone(m) => {
            obligation(&mut out, &m.obligation);
            if let Some(o) = a.obligations.iter().find(|o| o.id == m.obligation)
                && !reads_milestone(o.kind, m.stage)
            {
                unread.push(problem(
                    no,
                    "/stage",
                    format!(
                        "the {} rule of `{}` does not read a `{}` milestone, so it would be stored and never used; {}",
                        o.kind,
                        o.id,
                        m.stage,
                        if o.kind == ObligationKind::Exchange {
                            "an exchange obligation reads `completed` (declared complete) and `ended`"
                        } else {
                            "it reads only `ended` (the obligation no longer binds)"
                        }
                    ),
                ));
            }
        }
        Record::Coverage(c) => {
            if c.watcher.trim().is_empty() {
                out.push(problem(
                    no,
                    "/watcher",
                    "must name the source of reports that watches",
                ));
            }
            for (i, z) in c.zones.iter().enumerate() {
                zone(&mut out, &format!("/zones/{i}"), z, &zone_ids);
            }
            if c.to.is_some_and(|t| t < c.from) {
                out.push(problem(no, "/to", "is before `from`"));
            }
        }
        Record::Termination(e) | Record::Lapse(e) => {
            if e.obligations.is_empty() {
                out.push(problem(
                    no,
                    "/obligations",
                    "names no obligation; list the obligations that ended",
                ));
            }
            for (i, o) in e.obligations.iter().enumerate() {
                obligation_at(&mut out, &format!("/obligations/{i}"), o);
            }
            match (r.kind(), e.how) {
                (RecordKind::Termination, None) => out.push(problem(
                    no,
                    "/how",
                    format!(
                        "is missing: say how it ended, one of {} (a lapse is a `lapse` record)",
                        EndedBy::ALL.join(", ")
                    ),
                )),
                (RecordKind::Lapse, Some(_)) => out.push(problem(
                    no,
                    "/how",
                    "a lapse has no `how`: what it governed ceased to exist; a termination says how",
                )),
                _ => {}
            }
            if e.how == Some(EndedBy::Supersession) && e.superseded_by.is_none() {
                out.push(problem(
                    no,
                    "/superseded_by",
                    "is missing: name the document or decision that superseded it",
                ));
            }
        }
    }
    if strict {
        out.extend(unread);
    }
    out
}

/// Records read from CSV with their lines, and the problems of refused rows.
pub type CsvRecords = (Vec<(u64, Record)>, Vec<LineProblem>);

/// Members read as numbers from CSV cells, by record type.
fn csv_number(kind: RecordKind, column: &str) -> bool {
    match column {
        "lon" | "lat" | "vehicles" | "cargo_t" | "count" | "observation_posts"
        | "died_in_custody" | "remains" | "families" => true,
        "closed" => kind == RecordKind::PostCount,
        "persons" => kind != RecordKind::Exchange,
        _ => false,
    }
}

/// Members read as `;`-separated lists from CSV cells.
fn csv_list(kind: RecordKind, column: &str) -> bool {
    matches!(
        column,
        "present_in" | "mediators" | "with" | "cuts_off" | "places" | "blamed_on"
    ) || (column == "persons" && kind == RecordKind::Exchange)
}

fn csv_value(kind: RecordKind, column: &str, cell: &str) -> Result<Value, String> {
    if csv_list(kind, column) {
        return Ok(Value::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ));
    }
    if column == "at_least" {
        return match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err("must be true or false".into()),
        };
    }
    // Nested figures (`figures.personnel`), counts (`counts.pows`) and group counts are
    // numbers; other nested members (`consideration.terms`) are text.
    let nested_number = ["figures.", "counts.", "groups."]
        .iter()
        .any(|p| column.starts_with(p));
    if csv_number(kind, column) || nested_number {
        let n: f64 = cell
            .parse()
            .map_err(|_| format!("`{cell}` is not a number"))?;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let v = if n.fract() == 0.0 && (0.0..9.0e15).contains(&n) {
            Value::from(n as u64)
        } else {
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        };
        return Ok(v);
    }
    Ok(Value::String(cell.to_owned()))
}

/// Reads evidence records from CSV: a header naming the members (`figures.personnel`,
/// `counts.pows` for nested figures; `;` between list items), one record per row. The
/// record type comes from a `type` column or, when the file has none, from
/// `default_kind`. Problems name the physical line and the column.
pub fn read_csv(
    text: &str,
    default_kind: Option<RecordKind>,
    bundle: &AgreementBundle,
) -> Result<CsvRecords, crate::rows::FileError> {
    let (objects, mut bad) = crate::jsonl::csv_objects(
        text,
        RecordKind::ALL,
        default_kind.map(RecordKind::as_str),
        |kind, column, cell| {
            let kind = RecordKind::parse(kind).unwrap_or(RecordKind::Handover);
            csv_value(kind, column, cell)
        },
    )?;
    let mut good = Vec::new();
    for (line, obj) in objects {
        match read_value(line, obj, bundle) {
            Ok(r) => good.push((line, r)),
            Err(ps) => bad.extend(ps.into_iter().map(crate::jsonl::pointer_as_column)),
        }
    }
    Ok((good, bad))
}
