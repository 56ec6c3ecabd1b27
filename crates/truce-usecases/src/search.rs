//! Search: incidents by the words of their reports (and the names of the places they are
//! at, in every spelling the gazetteer knows), and statements, evidence records and
//! sources by theirs, under the incident filters. The reports are found by the
//! database's own full-text engine ([`truce_store::Store::search_reports`]); the register
//! of statements, the records and the sources are few and are read in memory, by the same
//! query and the same scoring. The registry's personal data is never searched.

use serde::Serialize;
use std::collections::HashMap;
use truce_model::AgreementBundle;
use truce_model::search::{Query, Segment};
use truce_store::records::StoredRecord;
use truce_store::{IncidentFilter, Store, StoreError};

/// An incident found, by its best report.
#[derive(Debug, Clone, Serialize)]
pub struct FoundIncident {
    /// The incident as stored (its JSON).
    pub incident: serde_json::Value,
    /// How well its best report answers the query.
    pub score: f64,
    /// The report that answers best.
    pub report: String,
    /// How many of its reports answer (among those read).
    pub reports: usize,
    /// That report's account around the words found, the words marked.
    pub snippet: Vec<Segment>,
}

/// A statement, evidence record or source found.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// `statement`, `record` or `source`.
    pub kind: &'static str,
    /// Its id (`kind:id` for a record).
    pub id: String,
    /// Its date, if it has one.
    pub date: Option<String>,
    /// How well it answers the query.
    pub score: f64,
    /// Its words around those found, marked.
    pub snippet: Vec<Segment>,
    /// Where it comes from (a URL), if known.
    pub source: Option<String>,
}

/// The answer to a search.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The query as read: each thing asked for with the names it was widened to.
    pub query: Query,
    /// Incidents, best first.
    pub incidents: Vec<FoundIncident>,
    /// Incidents that answer (at most [`truce_store::SEARCH_READS`] reports read).
    pub incidents_found: usize,
    /// True when more reports answer than were read: the newest were ranked.
    pub newest_only: bool,
    /// Statements, records and sources, best first.
    pub others: Vec<Found>,
}

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Nothing left to search for (empty, or only common words).
    #[error("nothing to search for: give a word, a quoted phrase or a place name")]
    Empty,
    /// More words or phrases than a search takes.
    #[error("{0} words and phrases: a search takes at most {MAX_GROUPS}")]
    TooLong(usize),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Most words and phrases one search asks for.
pub const MAX_GROUPS: usize = 32;

/// Searches an agreement's record: at most `limit` incidents and `limit` others.
pub async fn search(
    store: &Store,
    bundle: &AgreementBundle,
    records: &[StoredRecord],
    text: &str,
    filter: &IncidentFilter,
    limit: usize,
) -> Result<Answer, SearchError> {
    let query = Query::parse(text, &bundle.gazetteer).ok_or(SearchError::Empty)?;
    if query.groups.len() > MAX_GROUPS {
        return Err(SearchError::TooLong(query.groups.len()));
    }
    let hits = store
        .search_reports(&bundle.agreement.id, &query, filter)
        .await?;
    let newest_only = hits.len() as i64 >= truce_store::SEARCH_READS;
    // The best report of each incident, and how many answer.
    let mut best: HashMap<i64, (usize, &truce_store::ReportHit)> = HashMap::new();
    for h in &hits {
        let e = best.entry(h.number).or_insert((0, h));
        e.0 += 1;
        if h.score > e.1.score {
            e.1 = h;
        }
    }
    let mut ranked: Vec<(usize, &truce_store::ReportHit)> = best.into_values().collect();
    ranked.sort_by(|a, b| {
        b.1.score
            .total_cmp(&a.1.score)
            .then(b.1.number.cmp(&a.1.number))
    });
    let incidents_found = ranked.len();
    ranked.truncate(limit);
    let bodies: HashMap<i64, String> = store
        .bodies(
            &ranked
                .iter()
                .map(|(_, h)| (h.number, 0))
                .collect::<Vec<_>>(),
        )
        .await?
        .into_iter()
        .map(|b| (b.number, b.json))
        .collect();
    let reports: HashMap<i64, truce_model::report::Report> = store
        .reports_by_seq(&ranked.iter().map(|(_, h)| h.seq).collect::<Vec<_>>())
        .await?
        .into_iter()
        .collect();
    let incidents = ranked
        .iter()
        .filter_map(|(n, h)| {
            // An incident rewritten away since the search read it is left out.
            let body = bodies.get(&h.number)?;
            let text = reports.get(&h.seq).map_or("", |r| r.text.as_str());
            Some(FoundIncident {
                incident: serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
                score: h.score,
                report: h.report.clone(),
                reports: *n,
                snippet: query.snippet(text),
            })
        })
        .collect();
    let sources = store.sources().await?;
    let mut others = others_found(&query, bundle, records, &sources, filter);
    others.truncate(limit);
    Ok(Answer {
        query,
        incidents,
        incidents_found,
        newest_only,
        others,
    })
}

/// Statements, records and sources that answer, best first. Filters that only incidents
/// have (zone, type, status, box) leave these out; a party keeps its own statements; a
/// window keeps what is dated in it.
fn others_found(
    query: &Query,
    bundle: &AgreementBundle,
    records: &[StoredRecord],
    sources: &HashMap<String, truce_model::report::Source>,
    f: &IncidentFilter,
) -> Vec<Found> {
    if f.zone.is_some() || f.event_type.is_some() || !f.status.is_empty() || f.bbox.is_some() {
        return Vec::new();
    }
    let tz = bundle.agreement.tz();
    let in_window = |d: Option<jiff::civil::Date>| {
        let at = d.and_then(|d| truce_model::period::start_of_day(d, tz));
        match (at, f.from_s, f.to_s) {
            (None, None, None) => true,
            (None, _, _) => false,
            (Some(t), from, to) => {
                from.is_none_or(|v| t.as_second() + 86_400 > v)
                    && to.is_none_or(|v| t.as_second() < v)
            }
        }
    };
    let mut out = Vec::new();
    for s in &bundle.agreement.statements {
        if f.party.as_ref().is_some_and(|p| *p != s.actor) || !in_window(Some(s.date)) {
            continue;
        }
        let text = [
            Some(s.summary.as_str()),
            s.quote.as_deref(),
            Some(s.actor.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" — ");
        if let Some(score) = query.matches_text(&text) {
            out.push(Found {
                kind: "statement",
                id: s.id.clone(),
                date: Some(s.date.to_string()),
                score,
                snippet: query.snippet(&text),
                source: Some(s.source.clone()),
            });
        }
    }
    if f.party.is_none() {
        for r in records {
            if !in_window(r.record.date()) {
                continue;
            }
            let text = record_text(&r.record, &bundle.agreement);
            if let Some(score) = query.matches_text(&text) {
                out.push(Found {
                    kind: "record",
                    id: r.record.key(),
                    date: r.record.date().map(|d| d.to_string()),
                    score,
                    snippet: query.snippet(&text),
                    source: Some(r.record.source().to_owned()),
                });
            }
        }
        if f.from_s.is_none() && f.to_s.is_none() {
            let mut list: Vec<&truce_model::report::Source> = sources.values().collect();
            list.sort_by(|a, b| a.id.cmp(&b.id));
            for s in list {
                let text = format!("{} ({})", s.name, s.id);
                if let Some(score) = query.matches_text(&text) {
                    out.push(Found {
                        kind: "source",
                        id: s.id.clone(),
                        date: None,
                        score,
                        snippet: query.snippet(&text),
                        source: None,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.date.cmp(&a.date)));
    out
}

/// What a record says, as text to search: its one-line summary (actors by name) and its
/// notes (any member named `note`, wherever it is in the record).
fn record_text(r: &truce_model::records::Record, a: &truce_model::Agreement) -> String {
    fn notes(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Array(a) => a.iter().for_each(|x| notes(x, out)),
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        serde_json::Value::String(s) if k == "note" => out.push(s.clone()),
                        _ => notes(x, out),
                    }
                }
            }
            _ => {}
        }
    }
    let mut parts = vec![r.summary_named(&|id: &str| {
        a.actor(id)
            .map_or_else(|| id.to_owned(), |x| x.name.clone())
    })];
    notes(
        &serde_json::to_value(r).unwrap_or(serde_json::Value::Null),
        &mut parts,
    );
    parts.join(" — ")
}
