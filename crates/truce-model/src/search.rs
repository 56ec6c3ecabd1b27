//! What a search asks for, read once from what a person typed: words and quoted phrases,
//! folded as the index folds them ([`fold_words`]), place names widened to every name the
//! gazetteer knows for the place, and the expressions each database's full-text engine
//! takes (SQLite FTS5, PostgreSQL `tsquery`). Scoring and highlighting are done here too,
//! on the same folded words, so both databases rank and mark alike.

use crate::places::{Gazetteer, display_parts, fold_words};
use serde::Serialize;

/// Words too common to search by (English, Russian, Armenian and Azerbaijani): a query
/// "shelling near Shusha" asks for shelling and Shusha.
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "in",
    "at",
    "on",
    "near",
    "and",
    "or",
    "to",
    "by",
    "with",
    "from",
    "for",
    "is",
    "was",
    "were",
    "be",
    "it",
    "its",
    "this",
    "that",
    "as",
    "into",
    "about",
    "и",
    "в",
    "во",
    "на",
    "у",
    "около",
    "с",
    "со",
    "по",
    "к",
    "из",
    "от",
    "о",
    "об",
    "возле",
    "под",
    "ve",
    "va",
    "ile",
    "ila",
    "da",
    "de",
    "ու",
    "և",
    "եվ",
    "մոտ",
    "մեջ",
    "է",
];

/// Most places one name widens to.
const MAX_PLACES: usize = 5;

/// One thing the query asks for: any of its alternatives (each a phrase of folded words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// As typed.
    pub typed: String,
    /// Phrases of folded words, any of which will do: the words typed first, then the
    /// names of the places they name.
    pub alternatives: Vec<Vec<String>>,
    /// The ids of the places the words name, if any.
    pub places: Vec<String>,
}

/// A query: every group must be found (in one report, statement or record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Query {
    /// What was asked for, each thing with its alternatives.
    pub groups: Vec<Group>,
}

/// A piece of a snippet: text as written, and whether it is a word searched for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// The text.
    pub text: String,
    /// A word of the query.
    pub hit: bool,
}

/// Most words a snippet shows.
const SNIPPET_WORDS: usize = 28;

impl Query {
    /// Reads a query: quoted phrases and words, common words left out; a word or two
    /// that name a place in the gazetteer (in any script or spelling it knows) also find
    /// that place's names. `None` when nothing is left to search for.
    pub fn parse(text: &str, gazetteer: &Gazetteer) -> Option<Self> {
        let mut groups = Vec::new();
        for (k, part) in text.split('"').enumerate() {
            let words: Vec<String> = fold_words(part)
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect();
            if words.is_empty() {
                continue;
            }
            if k % 2 == 1 {
                // A quoted phrase: its words in order.
                groups.push(group(
                    part.trim(),
                    vec![words.clone()],
                    &words.join(" "),
                    gazetteer,
                ));
                continue;
            }
            let typed: Vec<&str> = part
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !fold_words(w).is_empty())
                .collect();
            let mut i = 0;
            while i < words.len() {
                // Two words naming a place ("Qirmizi Bazar") are one thing asked for.
                if i + 1 < words.len() {
                    let two = format!("{} {}", words[i], words[i + 1]);
                    if !gazetteer.find(&two).matches.is_empty() {
                        let as_typed = typed
                            .get(i..i + 2)
                            .map_or_else(|| two.clone(), |t| t.join(" "));
                        groups.push(group(
                            &as_typed,
                            vec![vec![words[i].clone(), words[i + 1].clone()]],
                            &two,
                            gazetteer,
                        ));
                        i += 2;
                        continue;
                    }
                }
                let w = &words[i];
                if !STOPWORDS.contains(&w.as_str()) {
                    let as_typed = typed.get(i).map_or(w.as_str(), |t| t);
                    groups.push(group(as_typed, vec![vec![w.clone()]], w, gazetteer));
                }
                i += 1;
            }
        }
        (!groups.is_empty()).then_some(Query { groups })
    }

    /// The query as an SQLite FTS5 expression: each group's alternatives as quoted
    /// phrases joined by OR, the groups by AND.
    pub fn fts5(&self) -> String {
        self.expression(|p| format!("\"{}\"", p.join(" ")), " OR ", " AND ")
    }

    /// The query as a PostgreSQL `tsquery` literal: phrases with `<->`, alternatives with
    /// `|`, groups with `&` (cast with `::tsquery`, never parsed by a text search
    /// configuration).
    pub fn tsquery(&self) -> String {
        self.expression(
            |p| {
                let words: Vec<String> = p.iter().map(|w| format!("'{w}'")).collect();
                format!("({})", words.join(" <-> "))
            },
            " | ",
            " & ",
        )
    }

    /// Each group's alternatives (each phrase written by `phrase`) joined by `or` in
    /// brackets, the groups joined by `and`.
    fn expression(&self, phrase: impl Fn(&[String]) -> String, or: &str, and: &str) -> String {
        self.groups
            .iter()
            .map(|g| {
                let alts: Vec<String> = g.alternatives.iter().map(|p| phrase(p)).collect();
                format!("({})", alts.join(or))
            })
            .collect::<Vec<_>>()
            .join(and)
    }

    /// The query with one more thing the index must find: any of these words (the
    /// month words of a search within dates, [`months_between`]). For the databases'
    /// expressions only; a text is scored by the query itself.
    pub fn within(&self, words: &[String]) -> Query {
        let mut q = self.clone();
        q.groups.push(Group {
            typed: String::new(),
            alternatives: words.iter().map(|w| vec![w.clone()]).collect(),
            places: Vec::new(),
        });
        q
    }

    /// How well folded words answer the query; `None` when a group is missing. Each
    /// group counts by its best alternative, more mentions counting less and less, a
    /// long text's mentions less than a short one's (BM25's shape, without the rarity of
    /// the words, which is the same for every text that holds them all).
    pub fn score(&self, words: &[&str]) -> Option<f64> {
        const K1: f64 = 1.2;
        const B: f64 = 0.75;
        const AVERAGE_WORDS: f64 = 40.0;
        let norm = 1.0 - B + B * words.len() as f64 / AVERAGE_WORDS;
        let mut total = 0.0;
        for g in &self.groups {
            let best = g
                .alternatives
                .iter()
                .map(|p| occurrences(words, p))
                .max()
                .unwrap_or(0);
            if best == 0 {
                return None;
            }
            let tf = best as f64;
            total += tf * (K1 + 1.0) / (tf + K1 * norm);
        }
        Some(total)
    }

    /// Whether a text holds every group.
    pub fn matches_text(&self, text: &str) -> Option<f64> {
        let folded = fold_words(text);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        self.score(&words)
    }

    /// A short piece of a text around the first word searched for, with those words
    /// marked; the whole text when short.
    pub fn snippet(&self, text: &str) -> Vec<Segment> {
        // Words with their byte ranges in the text.
        let mut spans: Vec<(usize, usize, String)> = Vec::new();
        let mut start = None;
        for (at, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            let inside = c.is_alphanumeric() && at < text.len();
            match (inside, start) {
                (true, None) => start = Some(at),
                (false, Some(s)) => {
                    let w = fold_words(&text[s..at]);
                    if !w.is_empty() {
                        spans.push((s, at, w));
                    }
                    start = None;
                }
                _ => {}
            }
        }
        let folded: Vec<&str> = spans.iter().map(|(_, _, w)| w.as_str()).collect();
        let mut hit = vec![false; spans.len()];
        for g in &self.groups {
            for p in &g.alternatives {
                let n = p.len();
                if n == 0 || n > folded.len() {
                    continue;
                }
                for i in 0..=folded.len() - n {
                    if folded[i..i + n].iter().zip(p).all(|(a, b)| *a == b) {
                        hit[i..i + n].iter_mut().for_each(|h| *h = true);
                    }
                }
            }
        }
        let first = hit.iter().position(|h| *h).unwrap_or(0);
        let from = first.saturating_sub(SNIPPET_WORDS / 3);
        let to = (from + SNIPPET_WORDS).min(spans.len());
        let mut out: Vec<Segment> = Vec::new();
        let mut push = |text: &str, hit: bool| {
            if text.is_empty() {
                return;
            }
            match out.last_mut() {
                Some(last) if last.hit == hit => last.text.push_str(text),
                _ => out.push(Segment {
                    text: text.to_owned(),
                    hit,
                }),
            }
        };
        if spans.is_empty() {
            push(text, false);
            return out;
        }
        if from > 0 {
            push("… ", false);
        }
        let mut at = spans[from].0;
        for (k, (s, e, _)) in spans.iter().enumerate().take(to).skip(from) {
            push(&text[at..*s], false);
            push(&text[*s..*e], hit[k]);
            at = *e;
        }
        if to < spans.len() {
            push(" …", false);
        } else {
            push(&text[at..], false);
        }
        out
    }
}

/// A group: the words as typed, widened by the places they name.
fn group(
    typed: &str,
    mut alternatives: Vec<Vec<String>>,
    name: &str,
    gazetteer: &Gazetteer,
) -> Group {
    let mut places = Vec::new();
    // A lone short word ("as", "op") is too weak a sign of a place.
    if name.chars().count() >= 4 {
        for m in gazetteer.find(name).matches.iter().take(MAX_PLACES) {
            places.push(m.place.id.clone());
            for part in display_parts(&m.place.display) {
                let words: Vec<String> = fold_words(part)
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect();
                if !words.is_empty() && !alternatives.contains(&words) {
                    alternatives.push(words);
                }
            }
        }
    }
    Group {
        typed: typed.to_owned(),
        alternatives,
        places,
    }
}

/// How many times a phrase occurs in words.
fn occurrences(words: &[&str], phrase: &[String]) -> usize {
    let n = phrase.len();
    if n == 0 || n > words.len() {
        return 0;
    }
    (0..=words.len() - n)
        .filter(|&i| words[i..i + n].iter().zip(phrase).all(|(a, b)| *a == b))
        .count()
}

/// Folded words ([`fold_words`]) as a PostgreSQL `tsvector` literal: each word with its
/// positions (1-based, capped at PostgreSQL's 16,383), cast with `::tsvector` so that no
/// parser splits them otherwise. Words are letters and digits only, so need no quoting
/// beyond the apostrophes around them.
pub fn tsvector_literal(words: &str) -> String {
    let mut positions: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (k, w) in words.split(' ').filter(|w| !w.is_empty()).enumerate() {
        // PostgreSQL keeps at most 256 positions per word; the word is found all the same.
        let list = positions.entry(w).or_default();
        if list.len() < 256 {
            list.push((k + 1).min(16_383));
        }
    }
    positions
        .iter()
        .map(|(w, p)| {
            let p: Vec<String> = p.iter().map(ToString::to_string).collect();
            format!("'{w}':{}", p.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words of a stored `tsvector` as PostgreSQL prints it (`'a':1,3 'b':2`), in position
/// order: the same words the index was given.
pub fn words_of_tsvector(text: &str) -> Vec<String> {
    let mut at: Vec<(usize, String)> = Vec::new();
    for item in text.split(' ') {
        let Some((w, p)) = item.rsplit_once(':') else {
            continue;
        };
        let w = w.trim_matches('\'').to_owned();
        for n in p.split(',') {
            if let Ok(n) = n.trim_end_matches(char::is_alphabetic).parse::<usize>() {
                at.push((n, w.clone()));
            }
        }
    }
    at.sort();
    at.into_iter().map(|(_, w)| w).collect()
}

/// The word marking the month (UTC) a report starts in, indexed with its words: `§m`
/// and the year and month (`§m202103`). No query a person types can hold it, since a
/// query's words are letters and digits only.
pub fn month_word(t: jiff::Timestamp) -> String {
    let d = jiff::tz::TimeZone::UTC.to_datetime(t).date();
    month(i32::from(d.year()), i32::from(d.month()))
}

/// The month word of a year and month.
fn month(year: i32, month: i32) -> String {
    format!("§m{year:04}{month:02}")
}

/// Most months a search within dates names; a longer span reads every match instead.
const MAX_MONTHS: i32 = 36;

/// The month words ([`month_word`]) from the month of `from` to that of `to`, both
/// included; `None` when either end is open or they span more than [`MAX_MONTHS`].
pub fn months_between(from: Option<i64>, to: Option<i64>) -> Option<Vec<String>> {
    let day = |s: i64| {
        jiff::Timestamp::from_second(s)
            .ok()
            .map(|t| jiff::tz::TimeZone::UTC.to_datetime(t).date())
    };
    let (a, b) = (day(from?)?, day(to?)?);
    let (mut y, mut m) = (i32::from(a.year()), i32::from(a.month()));
    let end = (i32::from(b.year()), i32::from(b.month()));
    let mut out = Vec::new();
    while (y, m) <= end {
        if out.len() as i32 >= MAX_MONTHS {
            return None;
        }
        out.push(month(y, m));
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_named_from_the_first_to_the_last_and_never_too_many() {
        let at = |s: &str| s.parse::<jiff::Timestamp>().expect("instant").as_second();
        assert_eq!(
            months_between(
                Some(at("2021-11-30T23:00:00Z")),
                Some(at("2022-02-01T00:00:00Z"))
            ),
            Some(vec![
                "§m202111".to_owned(),
                "§m202112".into(),
                "§m202201".into(),
                "§m202202".into()
            ])
        );
        assert_eq!(months_between(Some(at("2021-01-01T00:00:00Z")), None), None);
        assert_eq!(
            months_between(
                Some(at("2018-01-01T00:00:00Z")),
                Some(at("2021-01-01T00:00:00Z"))
            ),
            None,
            "37 months: every match is read"
        );
        assert_eq!(
            month_word("2021-03-31T23:59:59Z".parse().expect("instant")),
            "§m202103"
        );
        // No query can ask for a month word: it is not made of letters and digits.
        assert!(
            fold_words("§m202103")
                .split(' ')
                .all(|w| !w.starts_with('§'))
        );
    }
}
