//! Text tables and JSON documents printed by the command line.

use truce_model::AgreementBundle;
use truce_model::agreement::{AgreementView, ChangeValue, Deadline};
use truce_model::i18n::{Arg, Messages};
use truce_model::places::Lookup;
use truce_model::words::Limit;
use truce_store::AgreementSummary;

/// The language a command prints in: `--lang`, else `TRUCE_LANG`, else the locale's
/// (`LC_ALL`, `LC_MESSAGES`, `LANG`) when Truce speaks it, else English.
#[derive(Debug, Clone, clap::Args)]
pub struct LangArg {
    /// Language of the text printed: en, ru, hy or az (default: TRUCE_LANG, else the
    /// locale's language when it is one of them, else en). JSON is the same in all.
    #[arg(
        long = "lang",
        env = "TRUCE_LANG",
        global = true,
        value_name = "LANG",
        value_parser = ["en", "ru", "hy", "az"]
    )]
    lang: Option<String>,
}

impl LangArg {
    /// The translators' messages of the language chosen.
    pub fn messages(&self) -> &'static Messages {
        let chosen = self.lang.clone().or_else(|| {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|v| std::env::var(v).ok())
                .find(|v| !v.is_empty())
                .map(|v| v.chars().take(2).collect())
        });
        chosen
            .and_then(|l: String| truce_model::i18n::messages(&l))
            .unwrap_or_else(truce_model::i18n::english)
    }

    /// Its code: en, ru, hy or az.
    pub fn code(&self) -> &'static str {
        self.messages().lang()
    }
}

/// A count as a message argument, its plural form following it: plain digits in
/// English (as the command always printed them), grouped as the language writes them
/// otherwise.
pub fn count(m: &Messages, n: impl TryInto<i64>) -> Arg {
    let n = n.try_into().unwrap_or(i64::MAX);
    if m.lang() == "en" {
        Arg::Plain(n)
    } else {
        Arg::Number(n)
    }
}

/// A table under the headings the messages `keys` give.
pub fn table_of(m: &Messages, keys: &[&str], rows: &[Vec<String>]) -> String {
    let h: Vec<String> = keys.iter().map(|k| m.t(k, &[])).collect();
    table(&h.iter().map(String::as_str).collect::<Vec<_>>(), rows)
}

/// Lays rows out in columns separated by two spaces; the last column is not padded.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let n = cells.len();
        let mut s = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            s.push_str(c);
            if i + 1 < n {
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

fn limit_sign(l: Limit) -> &'static str {
    match l {
        Limit::Max => "≤",
        Limit::Min => "≥",
        Limit::Exact => "=",
    }
}

/// The obligations table of `truce agreement show`, in `sp`'s language: the agreement's
/// own words (titles, quantities) as its words files give them, deadlines as the rules
/// write them, days as the language writes them; ids stay as they are.
pub fn view_table(sp: &Speaker<'_>, v: &AgreementView) -> String {
    let a = &sp.bundle.agreement;
    let tz = a.tz();
    let m = sp.m;
    let t = |key: &str, args: &[(&str, Arg)]| m.t(key, args);
    let mut out = format!("{} — {}\n", a.id, sp.own("title", &a.title));
    out.push_str(&t(
        "cli.agreement.in_force",
        &[
            ("day", sp.day(v.as_of).into()),
            ("tz", (&a.reporting_time_zone).into()),
            (
                "local",
                a.effective
                    .to_zoned_datetime(a.stated_tz().clone())
                    .strftime("%Y-%m-%d %H:%M %Z")
                    .to_string()
                    .into(),
            ),
            (
                "utc",
                a.effective.strftime("%Y-%m-%dT%H:%MZ").to_string().into(),
            ),
        ],
    ));
    out.push('\n');
    if v.documents.is_empty() {
        out.push_str(&t("cli.agreement.none_signed", &[]));
        out.push('\n');
        return out;
    }
    let docs: Vec<String> = v
        .documents
        .iter()
        .filter_map(|id| a.document(id))
        .map(|d| {
            t(
                "cli.agreement.document",
                &[
                    ("id", (&d.id).into()),
                    ("kind", t(&format!("document_kind.{}", d.kind), &[]).into()),
                    ("day", sp.day(d.signed).into()),
                ],
            )
        })
        .collect();
    out.push_str(&t(
        "cli.agreement.documents",
        &[("list", docs.join("; ").into())],
    ));
    out.push_str("\n\n");
    let deadline = |d: Option<&Deadline>| -> String {
        match d {
            None => "—".to_owned(),
            Some(d) if sp.english() => d.describe(tz),
            Some(d) => sp.bundle.say(m, &d.describe_msg(tz)),
        }
    };
    let rows: Vec<Vec<String>> = v
        .obligations
        .iter()
        .map(|o| {
            let ob = &o.obligation;
            let point = a
                .provision(&ob.provision)
                .map(|p| p.number.clone())
                .unwrap_or_default();
            let month = a
                .document(&ob.document)
                .map(|d| d.signed.strftime("%Y-%m").to_string())
                .unwrap_or_default();
            let mut due = deadline(ob.deadline.as_ref());
            if let Some(orig) = &o.original_deadline {
                due.push_str(&t(
                    "cli.agreement.was",
                    &[("deadline", deadline(Some(orig)).into())],
                ));
            }
            if !o.binding {
                due.push_str(&t("cli.agreement.not_binding", &[]));
            }
            vec![
                ob.id.clone(),
                t(
                    "cli.agreement.source",
                    &[("month", month.into()), ("point", point.into())],
                ),
                t(&format!("obligation_kind.{}", ob.kind), &[]),
                ob.obligors.join(", "),
                due,
                ob.zones.join(", "),
            ]
        })
        .collect();
    let head: Vec<String> = [
        "obligation",
        "source",
        "kind",
        "obligors",
        "deadline",
        "zones",
    ]
    .iter()
    .map(|c| t(&format!("cli.agreement.col.{c}"), &[]))
    .collect();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    out.push_str(&table(&head, &rows));

    // A quantity's name and unit as the agreement's words files give them.
    let quantity = |ob: &str, name: &str, unit: &str| -> (String, String) {
        (
            sp.own(&format!("quantity.{ob}.{name}"), name),
            sp.own(&format!("unit.{ob}.{name}"), unit),
        )
    };
    let mut details = String::new();
    for o in &v.obligations {
        let ob = &o.obligation;
        for q in &ob.quantities {
            let (name, unit) = quantity(&ob.id, &q.name, &q.unit);
            details.push_str(&format!(
                "  {:<28} {} {} {} {}\n",
                ob.id,
                name,
                limit_sign(q.limit),
                q.value,
                unit
            ));
        }
        if let Some(term) = &ob.term {
            let or = format!(" {} ", t("cli.agreement.or", &[]));
            for p in term.periods_through(v.as_of) {
                details.push_str(&format!(
                    "  {:<28} {}\n",
                    ob.id,
                    t(
                        "cli.agreement.term",
                        &[
                            ("n", p.number.to_string().into()),
                            ("starts", sp.day(p.starts).into()),
                            ("expires", sp.day(p.expires).into()),
                            ("notice", sp.day(p.last_notice_day).into()),
                            ("by", term.notice_by.join(&or).into()),
                        ],
                    )
                ));
            }
        }
        for c in &o.applied {
            let field = match &c.value {
                ChangeValue::Quantity(q) => quantity(&ob.id, &q.name, &q.unit).0,
                other => t(&format!("change_field.{}", other.field()), &[]),
            };
            details.push_str(&format!(
                "  {:<28} {}\n",
                ob.id,
                t(
                    "cli.agreement.changed",
                    &[
                        ("field", field.into()),
                        ("day", sp.day(c.from).into()),
                        ("document", (&c.document).into()),
                    ],
                )
            ));
        }
    }
    if !details.is_empty() {
        out.push('\n');
        out.push_str(&t("cli.agreement.details", &[]));
        out.push('\n');
        out.push_str(&details);
    }
    out
}

/// The table of `truce agreement list`.
pub fn agreements_table(m: &Messages, list: &[AgreementSummary]) -> String {
    if list.is_empty() {
        return m.t("cli.agreements.none", &[]) + "\n";
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.version.to_string(),
                a.effective.clone(),
                a.time_zone.clone(),
                a.title.clone(),
            ]
        })
        .collect();
    table_of(
        m,
        &[
            "cli.agreements.col.id",
            "cli.agreements.col.version",
            "cli.agreements.col.effective",
            "cli.agreements.col.tz",
            "cli.agreements.col.title",
        ],
        &rows,
    )
}

/// The text of `truce places find`, in `sp`'s language: the place as the gazetteer
/// displays it, its names in every script, the zones it lies in.
pub fn places_text(sp: &Speaker<'_>, found: &Lookup<'_>) -> String {
    let b = sp.bundle;
    let m = sp.m;
    if found.matches.is_empty() {
        return m.t(
            "cli.places.none",
            &[
                ("agreement", (&b.agreement.id).into()),
                ("query", (&found.query).into()),
            ],
        ) + "\n";
    }
    let tier = found
        .tier
        .map(|t| m.t(&format!("cli.places.tier.{}", tier_word(t)), &[]))
        .unwrap_or_default();
    let mut out = if found.is_ambiguous() {
        m.t(
            "cli.places.ambiguous",
            &[
                ("n", count(m, found.matches.len())),
                ("query", (&found.query).into()),
                ("tier", (&tier).into()),
            ],
        ) + "\n"
    } else {
        String::new()
    };
    for hit in &found.matches {
        let p = hit.place;
        let zones: Vec<String> = b
            .gazetteer
            .zones_of(p, &b.zones)
            .into_iter()
            .map(|z| {
                let name = zone_label(sp, &z.zone);
                match z.basis {
                    truce_model::places::ZoneBasis::Geometry => name,
                    truce_model::places::ZoneBasis::Gazetteer => {
                        m.t("cli.places.by_gazetteer", &[("zone", name.into())])
                    }
                }
            })
            .collect();
        out.push_str(&format!("{}  [{}]\n", p.display, p.id));
        let line = |key: &str, args: &[(&str, Arg)]| format!("  {}\n", m.t(key, args));
        out.push_str(&line(
            "cli.places.at",
            &[
                ("lat", format!("{:.5}", p.lat).into()),
                ("lon", format!("{:.5}", p.lon).into()),
                ("country", (&p.country).into()),
            ],
        ));
        let mut names = Vec::new();
        if let Some(az) = &p.name_az {
            names.push(format!("az {az}"));
        }
        if !p.name_hy.is_empty() {
            names.push(format!("hy {}", p.name_hy.join(", ")));
        }
        if let Some(hy) = &p.name_hy_latn {
            names.push(format!("hy-Latn {hy}"));
        }
        if !p.names_ru.is_empty() {
            names.push(format!("ru {}", p.names_ru.join(", ")));
        }
        if !names.is_empty() {
            out.push_str(&line(
                "cli.places.names",
                &[("names", names.join("; ").into())],
            ));
        }
        let zones = if zones.is_empty() {
            m.t("common.none", &[])
        } else {
            zones.join(", ")
        };
        out.push_str(&line("cli.places.zones", &[("zones", zones.into())]));
        out.push_str(&line(
            "cli.places.matched",
            &[
                ("name", (&hit.matched_name).into()),
                ("tier", (&tier).into()),
            ],
        ));
    }
    out
}

fn tier_word(t: truce_model::places::MatchTier) -> &'static str {
    match t {
        truce_model::places::MatchTier::Exact => "exact",
        truce_model::places::MatchTier::Folded => "folded",
        truce_model::places::MatchTier::Transliterated => "transliterated",
    }
}

/// A zone by its id in English (the id is what other commands take), by its name in
/// the language beside the id otherwise.
fn zone_label(sp: &Speaker<'_>, id: &str) -> String {
    if sp.english() {
        return id.to_owned();
    }
    match sp.bundle.zones.get(id) {
        Some(z) => format!("{} ({id})", z.name_in(sp.m.lang())),
        None => id.to_owned(),
    }
}

/// The table of `truce zones list`: every version with its period, or those in force on
/// a day; kinds and names in `sp`'s language.
pub fn zones_table(sp: &Speaker<'_>, as_of: Option<jiff::civil::Date>) -> String {
    let m = sp.m;
    let day = |d: Option<jiff::civil::Date>| d.map_or_else(|| "—".to_owned(), |d| sp.day(d));
    let rows: Vec<Vec<String>> = sp
        .bundle
        .zones
        .zones()
        .iter()
        .filter(|z| as_of.is_none_or(|d| z.in_force_on(d)))
        .map(|z| {
            vec![
                z.id.clone(),
                if sp.english() {
                    z.kind.clone()
                } else {
                    m.word("zone_kind", &z.kind)
                },
                day(z.valid_from),
                day(z.valid_to),
                format!("{:.0}", z.area_km2),
                z.part_of.clone().unwrap_or_default(),
                z.name_in(m.lang()).to_owned(),
            ]
        })
        .collect();
    let mut s = table_of(
        m,
        &[
            "cli.zones.col.zone",
            "cli.zones.col.kind",
            "cli.zones.col.from",
            "cli.zones.col.until",
            "cli.zones.col.area",
            "cli.zones.col.part_of",
            "cli.zones.col.name",
        ],
        &rows,
    );
    s.push_str(&match as_of {
        Some(d) => m.t(
            "cli.zones.in_force",
            &[("n", count(m, rows.len())), ("day", sp.day(d).into())],
        ),
        None => m.t("cli.zones.until_note", &[]),
    });
    s.push('\n');
    s
}

/// The table of `truce evidence list` in `sp`'s language: each record's kind and what it
/// says (its summary as the rules' sentences write it); in English the kind is the
/// `--type` word and the summary as recorded.
pub fn records_table(sp: &Speaker<'_>, list: &[truce_store::records::StoredRecord]) -> String {
    let m = sp.m;
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            let kind = r.record.kind();
            vec![
                r.record.when().unwrap_or_default(),
                if sp.english() {
                    kind.to_string()
                } else {
                    m.word("record_kind", kind.as_str())
                },
                r.record.id().to_owned(),
                if sp.english() {
                    r.record.summary()
                } else {
                    sp.say(&r.record.summary_msg())
                },
            ]
        })
        .collect();
    let mut s = table_of(
        m,
        &[
            "cli.col.date",
            "cli.records.col.type",
            "cli.records.col.id",
            "cli.records.col.what",
        ],
        &rows,
    );
    s.push_str(&m.t("cli.records.count", &[("n", count(m, list.len()))]));
    s.push('\n');
    s
}

/// What `truce status` prints with: a language's messages, and the agreement's own words
/// in it.
pub struct Speaker<'a> {
    bundle: &'a AgreementBundle,
    m: &'static Messages,
}

impl<'a> Speaker<'a> {
    /// `lang`'s words (English for a code Truce does not speak) about `bundle`.
    pub fn new(bundle: &'a AgreementBundle, lang: &str) -> Self {
        Self {
            bundle,
            m: truce_model::i18n::messages(lang).unwrap_or_else(truce_model::i18n::english),
        }
    }

    fn english(&self) -> bool {
        self.m.lang() == "en"
    }

    /// A message of the translators' files.
    pub fn t(&self, key: &str, args: &[(&str, Arg)]) -> String {
        self.m.t(key, args)
    }

    /// The agreement's own word `key` in the language, `fallback` where none is given.
    fn own(&self, key: &str, fallback: &str) -> String {
        self.bundle
            .translated(self.m.lang(), key)
            .unwrap_or(fallback)
            .to_owned()
    }

    /// A day: ISO in English, as the language writes it otherwise.
    pub fn day(&self, d: jiff::civil::Date) -> String {
        if self.english() {
            d.to_string()
        } else {
            self.m.day(d)
        }
    }

    /// A status as a short label: score, state and flags.
    fn label(&self, st: &truce_engine::compliance::Status) -> String {
        if self.english() {
            return st.label();
        }
        let m = self.m;
        let mut s = match st.score {
            Some(n) => format!("{n} {}", m.state(&st.state)),
            None => m.state(&st.state),
        };
        for (on, key) in [
            (st.late, "bulletin.flag.late"),
            (st.breached, "bulletin.flag.breached"),
            (
                st.basis == truce_engine::compliance::Basis::NoRecord
                    && !st.state.contains("no record"),
                "bulletin.flag.no_record",
            ),
        ] {
            if on {
                s.push_str(&format!(" [{}]", m.t(key, &[])));
            }
        }
        s
    }

    /// One part of a sentence (a record's date or span).
    pub fn part(&self, p: &truce_model::i18n::Part) -> String {
        self.m.part(p)
    }

    /// A sentence of the rules (a reason, a deadline, a record's summary).
    pub fn say(&self, msg: &truce_model::i18n::Msg) -> String {
        self.bundle.say(self.m, msg)
    }
}

/// The scorecard of `truce status`, grouped by document and point, in `lang` (its
/// words from the translators' files, the rules' reasons too).
pub fn scorecard(
    bundle: &AgreementBundle,
    card: &truce_engine::compliance::Scorecard,
    lang: &str,
) -> String {
    let a = &bundle.agreement;
    let sp = Speaker::new(bundle, lang);
    let m = sp.m;
    let own = |key: String, fallback: &str| sp.own(&key, fallback);
    let day = |d: jiff::civil::Date| sp.day(d);
    let n = |x: usize| Arg::Plain(i64::try_from(x).unwrap_or(i64::MAX));
    let mut out = format!("{} — {}\n", a.id, own("title".into(), &a.title));
    out.push_str(&m.t(
        "cli.status.heading",
        &[
            ("day", day(card.as_of).into()),
            ("tz", (&a.reporting_time_zone).into()),
        ],
    ));
    out.push('\n');
    let label = |st: &truce_engine::compliance::Status| sp.label(st);
    let head: Vec<String> = [
        "pt",
        "obligation",
        "status",
        "last_day",
        "since",
        "ev",
        "why",
    ]
    .iter()
    .map(|c| m.t(&format!("cli.col.{c}"), &[]))
    .collect();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut doc = "";
    let mut rows: Vec<Vec<String>> = Vec::new();
    let flush = |out: &mut String, doc: &str, rows: &mut Vec<Vec<String>>| {
        if rows.is_empty() {
            return;
        }
        let title = match a.document(doc) {
            Some(d) => m.t(
                "cli.document",
                &[
                    ("title", own(format!("document.{}", d.id), &d.title).into()),
                    ("id", (&d.id).into()),
                    ("day", day(d.signed).into()),
                ],
            ),
            None => doc.to_owned(),
        };
        out.push_str(&format!("\n{title}\n"));
        out.push_str(&table(&head, rows));
        rows.clear();
    };
    for l in &card.lines {
        if l.document != doc {
            flush(&mut out, doc, &mut rows);
            doc = &l.document;
        }
        rows.push(vec![
            l.point.clone(),
            l.obligation.clone(),
            label(&l.status),
            l.last_day.map(day).unwrap_or_else(|| "—".into()),
            l.status.since.map(day).unwrap_or_else(|| "—".into()),
            l.status.evidence.len().to_string(),
            sp.say(&l.status.why),
        ]);
    }
    flush(&mut out, doc, &mut rows);
    let count = |f: &dyn Fn(&truce_engine::compliance::Line) -> bool| {
        n(card.lines.iter().filter(|l| f(l)).count())
    };
    out.push('\n');
    out.push_str(&m.t(
        "cli.status.footer",
        &[
            ("n", n(card.lines.len())),
            ("full", count(&|l| l.status.score == Some(3))),
            (
                "under_way",
                count(&|l| matches!(l.status.score, Some(1 | 2))),
            ),
            ("not_initiated", count(&|l| l.status.score == Some(0))),
            (
                "not_yet_due",
                count(&|l| l.status.level == truce_engine::compliance::Level::NotYetDue),
            ),
            (
                "unknown",
                count(&|l| l.status.level == truce_engine::compliance::Level::Unknown),
            ),
            (
                "ended",
                count(&|l| l.status.level == truce_engine::compliance::Level::Ended),
            ),
            ("late", count(&|l| l.status.late)),
            ("breached", count(&|l| l.status.breached)),
            (
                "no_record",
                count(&|l| l.status.basis == truce_engine::compliance::Basis::NoRecord),
            ),
        ],
    ));
    out.push('\n');
    out
}

/// The head of `truce status explain`.
pub fn line_header(
    sp: &Speaker<'_>,
    card: &truce_engine::compliance::Scorecard,
    l: &truce_engine::compliance::Line,
) -> String {
    let a = &sp.bundle.agreement;
    let mut s = format!(
        "{} — {}\n",
        l.obligation,
        sp.own(&format!("obligation.{}", l.obligation), &l.title)
    );
    let document = match a.document(&l.document) {
        Some(d) => sp.t(
            "cli.document",
            &[
                (
                    "title",
                    sp.own(&format!("document.{}", d.id), &d.title).into(),
                ),
                ("id", (&d.id).into()),
                ("day", sp.day(d.signed).into()),
            ],
        ),
        None => l.document.clone(),
    };
    s.push_str(&sp.t(
        "cli.explain.point",
        &[
            ("document", document.into()),
            ("point", (&l.point).into()),
            ("kind", l.kind.to_string().into()),
        ],
    ));
    s.push('\n');
    s.push_str(&sp.t(
        "cli.explain.status_on",
        &[
            ("day", sp.day(card.as_of).into()),
            ("label", sp.label(&l.status).into()),
        ],
    ));
    s.push('\n');
    if let Some(d) = &l.deadline_why {
        let last = l
            .last_day
            .map(|d| sp.t("cli.explain.last_day", &[("day", sp.day(d).into())]))
            .unwrap_or_default();
        s.push_str(&sp.t(
            "cli.explain.deadline",
            &[("deadline", sp.say(d).into()), ("last", last.into())],
        ));
        s.push('\n');
    }
    if let Some(since) = l.status.since {
        s.push_str(&sp.t("cli.explain.since", &[("day", sp.day(since).into())]));
        s.push('\n');
    }
    s.push_str(&sp.t(
        "cli.explain.why",
        &[("reason", sp.say(&l.status.why).into())],
    ));
    s.push('\n');
    s
}

/// The list of `truce status diff`.
pub fn alerts(
    sp: &Speaker<'_>,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    alerts: &[truce_engine::compliance::Alert],
) -> String {
    let rows: Vec<Vec<String>> = alerts
        .iter()
        .map(|x| {
            vec![
                sp.day(x.date),
                x.obligation.clone(),
                x.old
                    .as_ref()
                    .map_or_else(|| sp.t("bulletin.state.not_in_force", &[]), |o| sp.label(o)),
                sp.label(&x.new),
                sp.say(&x.new.why),
            ]
        })
        .collect();
    let mut s = sp.t(
        "cli.diff.title",
        &[("from", sp.day(from).into()), ("to", sp.day(to).into())],
    );
    s.push('\n');
    if rows.is_empty() {
        s.push_str(&sp.t("cli.diff.none", &[]));
        s.push('\n');
    } else {
        let head: Vec<String> = ["date", "obligation", "from", "to", "why"]
            .iter()
            .map(|c| sp.t(&format!("cli.col.{c}"), &[]))
            .collect();
        let head: Vec<&str> = head.iter().map(String::as_str).collect();
        s.push_str(&table(&head, &rows));
    }
    s
}

/// Persons with their names, for a viewer allowed to see them.
pub fn persons_table(m: &Messages, list: &[truce_store::registry::PersonRecord]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            let p = &r.person;
            let names: Vec<String> = p
                .personal
                .names
                .iter()
                .map(|(script, n)| {
                    format!(
                        "{} {} ({script})",
                        n.surname.as_deref().unwrap_or(""),
                        n.first_names.as_deref().unwrap_or("")
                    )
                    .trim()
                    .to_owned()
                })
                .collect();
            let last = r.history.last();
            vec![
                p.id.clone(),
                p.side.clone(),
                m.word("category", &p.category.to_string()),
                p.held_by.clone().unwrap_or_default(),
                names.join("; "),
                last.map_or_else(
                    || m.t("cli.registry.no_status", &[]),
                    |s| {
                        m.t(
                            "persons.status_since",
                            &[
                                (
                                    "status",
                                    m.word("person_status", &s.status.to_string()).into(),
                                ),
                                ("day", day_in(m, s.date).into()),
                            ],
                        )
                    },
                ),
            ]
        })
        .collect();
    let mut s = table_of(
        m,
        &[
            "persons.col.id",
            "persons.col.side",
            "persons.col.category",
            "persons.col.held_by",
            "persons.col.names",
            "persons.col.status",
        ],
        &rows,
    );
    s.push_str(&m.t("cli.registry.persons", &[("n", count(m, list.len()))]));
    s.push('\n');
    s
}

/// A day: ISO in English (as the commands always printed it), as the language writes
/// it otherwise.
fn day_in(m: &Messages, d: jiff::civil::Date) -> String {
    if m.lang() == "en" {
        d.to_string()
    } else {
        m.day(d)
    }
}

/// Registry counts by side, category and status.
pub fn registry_counts(
    m: &Messages,
    date: jiff::civil::Date,
    counts: &[truce_engine::registry::Count],
) -> String {
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|c| {
            vec![
                c.side.clone(),
                m.word("category", &c.category.to_string()),
                c.status.map_or_else(
                    || m.t("cli.registry.no_status", &[]),
                    |s| m.word("person_status", &s.to_string()),
                ),
                c.count.to_string(),
            ]
        })
        .collect();
    let mut s = m.t("cli.registry.on", &[("day", day_in(m, date).into())]) + "\n";
    s.push_str(&table_of(
        m,
        &[
            "persons.col.side",
            "persons.col.category",
            "persons.col.status",
            "cli.registry.col.persons",
        ],
        &rows,
    ));
    s
}

/// Living persons, and remains apart when there are any: `5`, `5 + remains of 31`.
fn both(m: &Messages, living: u32, remains: u32) -> String {
    if remains == 0 {
        living.to_string()
    } else {
        m.t(
            "cli.registry.and_remains",
            &[("living", living.into()), ("remains", remains.into())],
        )
    }
}

/// Claims reconciliation: claimed against registered against returned, per holder.
pub fn reconciliation_table(
    m: &Messages,
    rows: &[truce_engine::registry::Reconciliation],
) -> String {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let claims: Vec<String> = r
                .claimed
                .iter()
                .map(|c| {
                    if m.lang() == "en" {
                        c.label()
                    } else {
                        claim_figure(m, c)
                    }
                })
                .collect();
            vec![
                day_in(m, r.date),
                r.holder.clone(),
                if claims.is_empty() {
                    "—".into()
                } else {
                    claims.join(", ")
                },
                r.registered_held.to_string(),
                r.acknowledged.to_string(),
                both(m, r.returned, r.remains_returned),
                both(m, r.returned_in_exchanges, r.remains_in_exchanges),
                both(m, r.still_held, r.remains_still_held),
                r.unaccounted.map_or_else(|| "—".into(), |n| n.to_string()),
            ]
        })
        .collect();
    table_of(
        m,
        &[
            "cli.col.date",
            "registry.col.holder",
            "cli.registry.col.claimed",
            "registry.col.held",
            "registry.col.acknowledged",
            "registry.col.returned",
            "cli.registry.col.exchanged",
            "cli.registry.col.still_held",
            "registry.col.unaccounted",
        ],
        &body,
    )
}

/// One claimant's figure in the language: who says how many of which category.
fn claim_figure(m: &Messages, c: &truce_engine::registry::ClaimFigure) -> String {
    m.t(
        "cli.registry.claim",
        &[
            ("claimant", (&c.claimant).into()),
            (
                "at_least",
                if c.at_least {
                    m.t("rec.at_least", &[])
                } else {
                    String::new()
                }
                .into(),
            ),
            ("n", count(m, c.count)),
        ],
    )
}

/// Running totals sources state, each beside Truce's own figure and the difference.
pub fn stated_totals_table(m: &Messages, lines: &[truce_engine::registry::TallyCheck]) -> String {
    let body: Vec<Vec<String>> = lines
        .iter()
        .map(|t| {
            vec![
                t.when.clone(),
                t.claimant.clone(),
                if m.lang() == "en" {
                    format!("{} {}", t.category, t.measure)
                } else {
                    format!(
                        "{} {}",
                        m.word("category", &t.category.to_string()),
                        m.word("measure", &t.measure.to_string())
                    )
                },
                t.side.clone(),
                t.since.map_or_else(|| "—".into(), |d| day_in(m, d)),
                format!("{}{}", if t.at_least { "≥" } else { "" }, t.stated),
                t.own.map_or_else(|| "—".into(), |n| n.to_string()),
                t.difference
                    .map_or_else(|| "—".into(), |d| format!("{d:+}")),
                t.evidence.clone(),
            ]
        })
        .collect();
    table_of(
        m,
        &[
            "cli.stated.col.as_of",
            "cli.stated.col.by",
            "cli.stated.col.what",
            "persons.col.side",
            "cli.col.since",
            "cli.stated.col.stated",
            "cli.stated.col.own",
            "cli.stated.col.difference",
            "cli.stated.col.record",
        ],
        &body,
    )
}
