//! A bulletin's words in its language (`bulletin.*` and the vocabularies of
//! `web/i18n/LANG.json`). An English bulletin writes days as ISO dates and numbers as
//! plain digits, as it always has (its renderings stay byte for byte what they were);
//! the other languages write them by their own `format.*` rules.

use jiff::civil::Date;
use truce_model::i18n::{self, Arg, Messages};

/// The words of one language, for one bulletin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Words {
    m: &'static Messages,
}

impl Words {
    /// The language `lang` (English when Truce does not speak it).
    pub(crate) fn new(lang: &str) -> Self {
        Self {
            m: i18n::messages(lang).unwrap_or_else(i18n::english),
        }
    }

    fn english(self) -> bool {
        self.m.lang() == "en"
    }

    /// The language's code, for `lang` attributes.
    pub(crate) fn lang(self) -> &'static str {
        self.m.lang()
    }

    /// `bulletin.KEY` with its placeholders filled.
    pub(crate) fn t(self, key: &str, args: &[(&str, Arg)]) -> String {
        self.m.t(&format!("bulletin.{key}"), args)
    }

    /// A sentence of the rules that names no actor or zone (a deadline) in this language.
    pub(crate) fn say_plain(self, m: &i18n::Msg) -> String {
        self.m.say(m)
    }

    /// A sentence of the rules (a reason, a deadline) about the agreement of `bundle` in
    /// this language.
    pub(crate) fn say(self, bundle: &truce_model::AgreementBundle, m: &i18n::Msg) -> String {
        bundle.say(self.m, m)
    }

    /// A day as the language writes it.
    pub(crate) fn day(self, d: Date) -> String {
        if self.english() {
            d.to_string()
        } else {
            self.m.day(d)
        }
    }

    /// A number as the language writes it, choosing plural forms when passed as `n`.
    pub(crate) fn n(self, n: impl Into<i64>) -> Arg {
        let n = n.into();
        if self.english() {
            Arg::Plain(n)
        } else {
            Arg::Number(n)
        }
    }

    /// A number as text.
    pub(crate) fn num(self, n: impl Into<i64>) -> String {
        match self.n(n) {
            Arg::Number(n) => self.m.number(n),
            Arg::Plain(n) => n.to_string(),
            Arg::Text(s) => s,
        }
    }

    /// A word of a closed vocabulary (`status`, `type`, `category`…): as it is in English,
    /// labelled in the others.
    pub(crate) fn word(self, group: &str, w: &str) -> String {
        if self.english() {
            w.to_owned()
        } else {
            self.m.word(group, w)
        }
    }

    /// A scorecard state (`ended (2024-04-17, lapse)` names its day and cause).
    pub(crate) fn state(self, s: &str) -> String {
        if self.english() {
            s.to_owned()
        } else {
            self.m.state(s)
        }
    }
}
