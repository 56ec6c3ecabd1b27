//! A small reader over span-keeping TOML values that records every problem it meets.
//!
//! toml-span keeps the byte span of every value; this layer turns missing keys, wrong
//! types and unknown keys into [`Problem`]s with line and column, and keeps going.

use crate::diag::{LineIndex, Problem, SourceFile, suggest};
use toml_span::value::{Table, ValueInner};
use toml_span::{Span, Value};

/// A value with the span it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sp<T> {
    pub v: T,
    pub span: Span,
}

/// Problem collector for one file.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    file: &'a str,
    idx: LineIndex<'a>,
    pub problems: Vec<Problem>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(src: &'a SourceFile) -> Self {
        Self {
            file: &src.name,
            idx: LineIndex::new(&src.text),
            problems: Vec::new(),
        }
    }

    pub(crate) fn problem(&self, span: Span, message: impl Into<String>) -> Problem {
        Problem {
            file: self.file.to_owned(),
            position: self.idx.position(span.start),
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn report(&mut self, span: Span, message: impl Into<String>, hint: Option<String>) {
        let mut p = self.problem(span, message);
        p.hint = hint;
        self.problems.push(p);
    }

    /// Parses the text; a syntax error is the one problem that stops the reader.
    pub(crate) fn parse<'de>(&mut self, text: &'de str) -> Option<Value<'de>> {
        match toml_span::parse(text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(
                    e.span,
                    format!("invalid TOML: {e}"),
                    Some("see docs/agreement-format.md; dates and times are quoted strings".into()),
                );
                None
            }
        }
    }
}

/// A TOML table being read: keys are taken one by one, what is left is unknown.
#[derive(Debug)]
pub(crate) struct Tbl<'de> {
    table: Table<'de>,
    pub span: Span,
    what: &'static str,
    allowed: Vec<&'static str>,
}

fn kind_name(v: &ValueInner<'_>) -> &'static str {
    v.type_str()
}

impl<'de> Tbl<'de> {
    pub(crate) fn from_value(
        ctx: &mut Ctx<'_>,
        mut v: Value<'de>,
        what: &'static str,
    ) -> Option<Self> {
        let span = v.span;
        match v.take() {
            ValueInner::Table(table) => Some(Self {
                table,
                span,
                what,
                allowed: Vec::new(),
            }),
            other => {
                ctx.report(
                    span,
                    format!("{what} must be a table, found {}", kind_name(&other)),
                    None,
                );
                None
            }
        }
    }

    fn take(&mut self, key: &'static str) -> Option<Value<'de>> {
        self.allowed.push(key);
        self.table.remove(key)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    fn missing(&self, ctx: &mut Ctx<'_>, key: &str) {
        ctx.report(self.span, format!("{} is missing `{key}`", self.what), None);
    }

    /// Takes `key` and converts it with `pick`, reporting a value of the wrong type.
    fn typed<T>(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        expected: &str,
        pick: impl FnOnce(ValueInner<'de>) -> Result<T, ValueInner<'de>>,
    ) -> Option<Sp<T>> {
        let mut v = self.take(key)?;
        let span = v.span;
        match pick(v.take()) {
            Ok(v) => Some(Sp { v, span }),
            Err(other) => {
                ctx.report(
                    span,
                    format!("`{key}` must be {expected}, found {}", kind_name(&other)),
                    None,
                );
                None
            }
        }
    }

    /// Reports `key` as missing unless present.
    fn require(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> bool {
        if self.has(key) {
            return true;
        }
        self.missing(ctx, key);
        self.allowed.push(key);
        false
    }

    pub(crate) fn opt_str(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> Option<Sp<String>> {
        self.typed(ctx, key, "a string", |v| match v {
            ValueInner::String(s) => Ok(s.into_owned()),
            other => Err(other),
        })
    }

    pub(crate) fn req_str(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> Option<Sp<String>> {
        if self.require(ctx, key) {
            self.opt_str(ctx, key)
        } else {
            None
        }
    }

    pub(crate) fn opt_num(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> Option<Sp<f64>> {
        self.typed(ctx, key, "a number", |v| match v {
            #[allow(clippy::cast_precision_loss)]
            ValueInner::Integer(i) => Ok(i as f64),
            ValueInner::Float(f) => Ok(f),
            other => Err(other),
        })
    }

    pub(crate) fn req_num(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> Option<Sp<f64>> {
        if self.require(ctx, key) {
            self.opt_num(ctx, key)
        } else {
            None
        }
    }

    /// A list of strings; a single string is accepted as a list of one.
    pub(crate) fn str_list(&mut self, ctx: &mut Ctx<'_>, key: &'static str) -> Vec<Sp<String>> {
        let Some(mut v) = self.take(key) else {
            return Vec::new();
        };
        let span = v.span;
        match v.take() {
            ValueInner::String(s) => vec![Sp {
                v: s.into_owned(),
                span,
            }],
            ValueInner::Array(items) => items
                .into_iter()
                .filter_map(|mut item| {
                    let span = item.span;
                    match item.take() {
                        ValueInner::String(s) => Some(Sp {
                            v: s.into_owned(),
                            span,
                        }),
                        other => {
                            ctx.report(
                                span,
                                format!(
                                    "items of `{key}` must be strings, found {}",
                                    kind_name(&other)
                                ),
                                None,
                            );
                            None
                        }
                    }
                })
                .collect(),
            other => {
                ctx.report(
                    span,
                    format!(
                        "`{key}` must be a list of strings, found {}",
                        kind_name(&other)
                    ),
                    None,
                );
                Vec::new()
            }
        }
    }

    /// A list of tables (`[[key]]` or `key = [{...}]`).
    pub(crate) fn tables(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        what: &'static str,
    ) -> Vec<Tbl<'de>> {
        let Some(mut v) = self.take(key) else {
            return Vec::new();
        };
        let span = v.span;
        match v.take() {
            ValueInner::Array(items) => items
                .into_iter()
                .filter_map(|item| Tbl::from_value(ctx, item, what))
                .collect(),
            other => {
                ctx.report(
                    span,
                    format!(
                        "`{key}` must be a list of tables, found {}",
                        kind_name(&other)
                    ),
                    None,
                );
                Vec::new()
            }
        }
    }

    /// One inline or standard table under `key`.
    pub(crate) fn sub(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        what: &'static str,
    ) -> Option<Tbl<'de>> {
        let v = self.take(key)?;
        Tbl::from_value(ctx, v, what)
    }

    /// Any value under `key`, left for the caller to read.
    pub(crate) fn raw(&mut self, key: &'static str) -> Option<Value<'de>> {
        self.take(key)
    }

    /// Reports every key nobody asked for, with the nearest expected key as a hint.
    pub(crate) fn finish(self, ctx: &mut Ctx<'_>) {
        for key in self.table.keys() {
            let hint = suggest(&key.name, self.allowed.iter().copied());
            ctx.report(
                key.span,
                format!("unknown key `{}` in {}", key.name, self.what),
                Some(hint),
            );
        }
    }
}
