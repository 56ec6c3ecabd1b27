//! The words people read, in the four languages Truce speaks: English, Russian, Armenian
//! and Azerbaijani. Messages are the translator's files `web/i18n/LANG.json` (the same the
//! dashboard reads), compiled in; dates and numbers are written by each file's own
//! `format.*` and `month.*` rules, so a bulletin and the dashboard write them alike.

use crate::diag::{Position, Problem, SourceFile};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The languages, by code, English first (the language of the rules and the fallback).
pub const LANGUAGES: [&str; 4] = ["en", "ru", "hy", "az"];

const FILES: [&str; 4] = [
    include_str!("../../../web/i18n/en.json"),
    include_str!("../../../web/i18n/ru.json"),
    include_str!("../../../web/i18n/hy.json"),
    include_str!("../../../web/i18n/az.json"),
];

/// One language's messages.
#[derive(Debug)]
pub struct Messages {
    lang: &'static str,
    map: Map<String, Value>,
}

/// A value put into a message: text as it is, a number as the language writes it (and
/// the count a message's plural form is chosen by when it is `n`).
#[derive(Debug, Clone)]
pub enum Arg {
    /// Text.
    Text(String),
    /// A whole number.
    Number(i64),
    /// A whole number written as plain digits (no separators), still choosing the plural.
    Plain(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Text(s.clone())
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_arg!(u32, i32, u64, i64, usize);

/// The messages of a language; `None` for a code Truce does not speak.
pub fn messages(lang: &str) -> Option<&'static Messages> {
    static LOADED: OnceLock<Vec<Messages>> = OnceLock::new();
    let all = LOADED.get_or_init(|| {
        LANGUAGES
            .iter()
            .zip(FILES)
            .map(|(lang, text)| Messages {
                lang,
                // The files are checked by the tests of this module and the server's.
                map: serde_json::from_str(text).unwrap_or_default(),
            })
            .collect()
    });
    all.iter().find(|m| m.lang == lang)
}

/// English: the rules' own language and every translation's fallback.
pub fn english() -> &'static Messages {
    messages("en").unwrap_or_else(|| unreachable!("English is compiled in"))
}

impl Messages {
    /// Its language code.
    pub fn lang(&self) -> &'static str {
        self.lang
    }

    fn raw(&self, key: &str) -> Option<&Value> {
        self.map.get(key).or_else(|| {
            (self.lang != "en")
                .then(|| english().map.get(key))
                .flatten()
        })
    }

    /// The message `key` with its `{placeholders}` filled. A message with plural forms
    /// takes the form for the argument `n`. An unknown key gives the key itself (the
    /// tests see that every key used exists in English).
    pub fn t(&self, key: &str, args: &[(&str, Arg)]) -> String {
        let text = match self.raw(key) {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Object(forms)) => {
                let n = args.iter().find_map(|(k, v)| match (k, v) {
                    (&"n", Arg::Number(n) | Arg::Plain(n)) => Some(*n),
                    _ => None,
                });
                let form = plural(self.lang, n.unwrap_or(0));
                forms
                    .get(form)
                    .or_else(|| forms.get("other"))
                    .and_then(Value::as_str)
                    .unwrap_or(key)
            }
            _ => return key.to_owned(),
        };
        let mut out = String::with_capacity(text.len() + 16);
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let name = &after[..close];
                    match args.iter().find(|(k, _)| *k == name) {
                        Some((_, Arg::Text(s))) => out.push_str(s),
                        Some((_, Arg::Number(n))) => out.push_str(&self.number(*n)),
                        Some((_, Arg::Plain(n))) => out.push_str(&n.to_string()),

                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// A word of a closed vocabulary (`group.word`) in this language; the word itself
    /// when no file labels it.
    pub fn word(&self, group: &str, word: &str) -> String {
        match self.raw(&format!("{group}.{word}")) {
            Some(Value::String(s)) => s.clone(),
            _ => word.to_owned(),
        }
    }

    /// A scorecard state in this language: the rules' states are a closed list
    /// (`state.*`); an ended line names its day and cause (`ended (2024-04-17, lapse)`).
    pub fn state(&self, s: &str) -> String {
        if let Some((day, cause)) = s
            .strip_prefix("ended (")
            .and_then(|r| r.strip_suffix(')'))
            .and_then(|r| r.split_once(", "))
            && let Ok(d) = day.parse::<Date>()
        {
            return self.t(
                "state.ended_on",
                &[
                    ("day", self.day(d).into()),
                    ("cause", self.word("end_cause", cause).into()),
                ],
            );
        }
        self.word("state", s)
    }

    /// A whole number with the language's group separator (3,890 · 3 890 · 3.890).
    pub fn number(&self, n: i64) -> String {
        let group = self.t("format.group", &[]);
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(&group);
            }
            out.push(c);
        }
        out
    }

    /// A day as the language writes it (21 Nov 2020 · 21 нояб. 2020 г.).
    pub fn day(&self, d: Date) -> String {
        self.t(
            "format.date",
            &[
                ("d", d.day().to_string().into()),
                (
                    "mon",
                    self.t(&format!("month.short.{}", d.month()), &[]).into(),
                ),
                ("y", d.year().to_string().into()),
            ],
        )
    }
}

/// A sentence of the rules, kept as a message and its parts so that each language can
/// write it: the scorecard's reasons are made of these. Serialized as
/// `{"key": "why.…", "args": {name: part}}` for the dashboard, which writes it from the
/// same files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Msg {
    /// The message's key in the translators' files.
    pub key: &'static str,
    /// Its placeholders' parts, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<&'static str, Part>,
}

/// Names of an agreement's actors and zones, by kind (`actor`, `zone`) and id.
pub type Names<'a> = dyn Fn(&str, &str) -> Option<String> + 'a;

/// One part of a [`Msg`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Part {
    /// Data as recorded (an id, a record's own words): written as it is.
    Text(String),
    /// A whole number, as the language writes it; `n` also chooses the plural form.
    Num(i64),
    /// A day.
    Day {
        /// The day.
        day: Date,
    },
    /// A month of a year ("December 2020").
    Month {
        /// `YYYY-MM`.
        month: String,
    },
    /// A word of a closed vocabulary (`group.word` in the files).
    Word {
        /// The vocabulary.
        group: &'static str,
        /// The word.
        word: String,
    },
    /// A length of time ("3 months"): `period.UNIT` with the count.
    Period {
        /// How many units.
        count: i64,
        /// `year`, `month`, `week` or `day`.
        unit: &'static str,
    },
    /// An actor of the agreement, by id: written by its name where the writer knows it.
    Actor {
        /// The actor's id.
        actor: String,
    },
    /// A zone of the agreement, by id: written by its name where the writer knows it.
    Zone {
        /// The zone's id.
        zone: String,
    },
    /// A message inside the message.
    Msg(Box<Msg>),
    /// Parts written one after the other with `sep` between them.
    List {
        /// The parts.
        list: Vec<Part>,
        /// What goes between them (`, `, `; ` or nothing).
        sep: &'static str,
    },
}

impl Msg {
    /// The message `key` with no parts yet.
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: BTreeMap::new(),
        }
    }

    /// With the part `name`.
    #[must_use]
    pub fn with(mut self, name: &'static str, part: impl Into<Part>) -> Self {
        self.args.insert(name, part.into());
        self
    }
}

impl Part {
    /// A day.
    pub fn day(day: Date) -> Self {
        Self::Day { day }
    }

    /// A word of the vocabulary `group`.
    pub fn word(group: &'static str, word: impl ToString) -> Self {
        Self::Word {
            group,
            word: word.to_string(),
        }
    }

    /// Parts joined by `sep`.
    pub fn list(list: impl IntoIterator<Item = Part>, sep: &'static str) -> Self {
        Self::List {
            list: list.into_iter().collect(),
            sep,
        }
    }

    /// Nothing: an optional clause left out (written as the empty text).
    pub fn none() -> Self {
        Self::list([], "")
    }

    /// An actor by id.
    pub fn actor(id: impl ToString) -> Self {
        Self::Actor {
            actor: id.to_string(),
        }
    }

    /// A zone by id.
    pub fn zone(id: impl ToString) -> Self {
        Self::Zone {
            zone: id.to_string(),
        }
    }

    /// Zones by id, joined by `, `.
    pub fn zones<S: ToString>(ids: impl IntoIterator<Item = S>) -> Self {
        Self::list(ids.into_iter().map(Part::zone), ", ")
    }

    /// Texts joined by `sep`.
    pub fn texts<S: ToString>(texts: impl IntoIterator<Item = S>, sep: &'static str) -> Self {
        Self::list(texts.into_iter().map(|s| Part::Text(s.to_string())), sep)
    }
}

impl From<Option<Msg>> for Part {
    /// A message, or nothing: an optional clause of a sentence.
    fn from(m: Option<Msg>) -> Self {
        m.map_or_else(Part::none, Part::from)
    }
}

impl From<Msg> for Part {
    fn from(m: Msg) -> Self {
        Part::Msg(Box::new(m))
    }
}

impl From<&str> for Part {
    fn from(s: &str) -> Self {
        Part::Text(s.to_owned())
    }
}

impl From<String> for Part {
    fn from(s: String) -> Self {
        Part::Text(s)
    }
}

impl From<&String> for Part {
    fn from(s: &String) -> Self {
        Part::Text(s.clone())
    }
}

impl From<Date> for Part {
    fn from(day: Date) -> Self {
        Part::Day { day }
    }
}

macro_rules! number_part {
    ($($t:ty),*) => {$(
        impl From<$t> for Part {
            fn from(n: $t) -> Self {
                Part::Num(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_part!(u32, i32, u64, i64, usize);

impl Messages {
    /// A sentence of the rules in this language. English writes days as ISO dates and
    /// numbers as plain digits, as the rules have always written their reasons (signed
    /// bulletins keep those bytes); the other languages write them by their own rules.
    pub fn say(&self, m: &Msg) -> String {
        self.say_named(m, &|_, _| None)
    }

    /// [`Messages::say`], with actors and zones written by `names(kind, id)` (`kind` is
    /// `actor` or `zone`) where it knows them, by their ids where it does not.
    pub fn say_named(&self, m: &Msg, names: &Names<'_>) -> String {
        let args: Vec<(&str, Arg)> = m
            .args
            .iter()
            .map(|(name, part)| {
                let arg = match part {
                    Part::Num(n) if self.lang == "en" => Arg::Plain(*n),
                    Part::Num(n) => Arg::Number(*n),
                    other => Arg::Text(self.part_named(other, names)),
                };
                (*name, arg)
            })
            .collect();
        self.t(m.key, &args)
    }

    /// One part of a sentence in this language.
    pub fn part(&self, p: &Part) -> String {
        self.part_named(p, &|_, _| None)
    }

    fn part_named(&self, p: &Part, names: &Names<'_>) -> String {
        match p {
            Part::Actor { actor } => names("actor", actor).unwrap_or_else(|| actor.clone()),
            Part::Zone { zone } => names("zone", zone).unwrap_or_else(|| zone.clone()),
            Part::Text(s) => s.clone(),
            Part::Num(n) if self.lang == "en" => n.to_string(),
            Part::Num(n) => self.number(*n),
            Part::Day { day } if self.lang == "en" => day.to_string(),
            Part::Day { day } => self.day(*day),
            Part::Month { month } => {
                let (y, mo) = month.split_once('-').unwrap_or((month, "1"));
                let mo = mo.trim_start_matches('0');
                self.t(
                    "format.month",
                    &[
                        ("month", self.t(&format!("month.name.{mo}"), &[]).into()),
                        ("y", y.into()),
                    ],
                )
            }
            Part::Word { group, word } => self.word(group, word),
            Part::Period { count, unit } => {
                self.t(&format!("period.{unit}"), &[("n", Arg::Plain(*count))])
            }
            Part::Msg(m) => self.say_named(m, names),
            Part::List { list, sep } => list
                .iter()
                .map(|x| self.part_named(x, names))
                .collect::<Vec<_>>()
                .join(sep),
        }
    }
}

/// Reads a file of words (a JSON object of key → text, as the translators' files are):
/// every problem with its JSON pointer — not an object, a text that is not a string or is
/// empty, a key `known` refuses — and nothing kept from a file with any.
pub fn read_words(
    f: &SourceFile,
    known: &dyn Fn(&str) -> bool,
) -> Result<BTreeMap<String, String>, Vec<Problem>> {
    let problem = |pointer: String, message: String, hint: Option<String>| Problem {
        file: f.name.clone(),
        position: Position::Pointer(pointer),
        message,
        hint,
    };
    let map: Map<String, Value> = match serde_json::from_str(&f.text) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return Err(vec![problem(
                String::new(),
                "not a JSON object of words".into(),
                Some("write {\"title\": \"…\", \"obligation.ID\": \"…\"}".into()),
            )]);
        }
        Err(e) => {
            return Err(vec![Problem {
                file: f.name.clone(),
                position: Position::LineColumn {
                    line: e.line(),
                    column: e.column(),
                },
                message: format!("not JSON: {e}"),
                hint: None,
            }]);
        }
    };
    let mut problems = Vec::new();
    let mut out = BTreeMap::new();
    for (key, v) in map {
        let pointer = format!("/{}", key.replace('~', "~0").replace('/', "~1"));
        match v.as_str() {
            _ if !known(&key) => problems.push(problem(
                pointer,
                format!("`{key}` names no word of the agreement"),
                Some("keys are `title`, `actor.ID`, `document.ID`, `obligation.ID`, `statement.ID`, and `quantity.OBLIGATION.NAME` and `unit.OBLIGATION.NAME` of ids and quantities the agreement has".into()),
            )),
            Some(t) if !t.trim().is_empty() => {
                out.insert(key, t.to_owned());
            }
            _ => problems.push(problem(pointer, "not a text, or empty".into(), None)),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The CLDR plural category of a whole number in a language.
fn plural(lang: &str, n: i64) -> &'static str {
    let n = n.unsigned_abs();
    match lang {
        "ru" => {
            let (m10, m100) = (n % 10, n % 100);
            if m10 == 1 && m100 != 11 {
                "one"
            } else if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
                "few"
            } else {
                "many"
            }
        }
        "hy" if n <= 1 => "one",
        "hy" => "other",
        _ if n == 1 => "one",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::{LANGUAGES, messages, plural};
    use jiff::civil::date;

    #[test]
    fn every_language_reads_and_writes_days_numbers_and_plurals_by_its_own_rules() {
        for lang in LANGUAGES {
            let m = messages(lang).expect("compiled in");
            assert!(m.map.len() > 300, "{lang}: {} messages", m.map.len());
        }
        let day = date(2020, 11, 21);
        let shown: Vec<String> = LANGUAGES
            .iter()
            .map(|l| messages(l).expect("lang").day(day))
            .collect();
        assert_eq!(shown[0], "21 Nov 2020");
        assert_eq!(shown[1], "21 нояб. 2020\u{a0}г.");
        assert!(
            shown[2].contains("նոյ") && shown[2].contains("2020"),
            "{}",
            shown[2]
        );
        assert_eq!(shown[3], "21 noy 2020");
        let n: Vec<String> = LANGUAGES
            .iter()
            .map(|l| messages(l).expect("lang").number(3890))
            .collect();
        assert_eq!(n, ["3,890", "3\u{a0}890", "3\u{a0}890", "3.890"]);
        assert_eq!(messages("en").expect("en").number(-1_234_567), "-1,234,567");
        assert_eq!(
            [1, 2, 5, 11, 21, 22, 25, 111].map(|n| plural("ru", n)),
            ["one", "few", "many", "many", "one", "few", "many", "many"]
        );
        assert_eq!([0, 1, 2].map(|n| plural("hy", n)), ["one", "one", "other"]);
        assert_eq!(
            [0, 1, 2].map(|n| plural("en", n)),
            ["other", "one", "other"]
        );
        // Filled, a plural picked by `n`, an unknown placeholder left for the reader to see.
        let ru = messages("ru").expect("ru");
        let five = ru.t(
            "incidents.all",
            &[("n", 5.into()), ("day", "X".into()), ("order", "Y".into())],
        );
        assert!(five.starts_with("5 инцидентов"), "{five}");
        assert_eq!(ru.t("no.such.key", &[]), "no.such.key");
        assert_eq!(
            ru.word("status", "confirmed"),
            ru.t("status.confirmed", &[])
        );
        assert_eq!(ru.word("status", "not-a-word"), "not-a-word");
    }
}
