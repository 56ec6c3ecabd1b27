//! Text tables and JSON documents printed by the command line.

use truce_model::AgreementBundle;
use truce_model::agreement::{AgreementView, ChangeValue, Deadline};
use truce_model::places::Lookup;
use truce_model::words::Limit;
use truce_store::AgreementSummary;

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
    let t = |key: &str, args: &[(&str, truce_model::i18n::Arg)]| m.t(key, args);
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
pub fn agreements_table(list: &[AgreementSummary]) -> String {
    if list.is_empty() {
        return "No agreements loaded. Load one with `truce agreement load PATH`.\n".into();
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
    table(
        &["ID", "VERSION", "EFFECTIVE (UTC)", "TIME ZONE", "TITLE"],
        &rows,
    )
}

/// The text of `truce places find`.
pub fn places_text(b: &AgreementBundle, found: &Lookup<'_>) -> String {
    if found.matches.is_empty() {
        return format!(
            "No place in {} matches “{}”.\n",
            b.agreement.id, found.query
        );
    }
    let tier = found
        .tier
        .map(|t| format!("{t:?}").to_lowercase())
        .unwrap_or_default();
    let mut out = if found.is_ambiguous() {
        format!(
            "{} places match “{}” ({tier} match) — the name is ambiguous:\n",
            found.matches.len(),
            found.query
        )
    } else {
        String::new()
    };
    for m in &found.matches {
        let p = m.place;
        let zones: Vec<String> = b
            .gazetteer
            .zones_of(p, &b.zones)
            .into_iter()
            .map(|z| match z.basis {
                truce_model::places::ZoneBasis::Geometry => z.zone,
                truce_model::places::ZoneBasis::Gazetteer => {
                    format!("{} (by gazetteer; the polygon misses the point)", z.zone)
                }
            })
            .collect();
        out.push_str(&format!("{}  [{}]\n", p.display, p.id));
        out.push_str(&format!(
            "  at {:.5} N, {:.5} E ({})\n",
            p.lat, p.lon, p.country
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
            out.push_str(&format!("  names: {}\n", names.join("; ")));
        }
        out.push_str(&format!(
            "  zones: {}\n",
            if zones.is_empty() {
                "none".into()
            } else {
                zones.join(", ")
            }
        ));
        out.push_str(&format!("  matched “{}” ({tier})\n", m.matched_name));
    }
    out
}

/// The table of `truce zones list`.
/// The table of `truce zones list`: every version with its period, or those in force on
/// a day.
pub fn zones_table(b: &AgreementBundle, as_of: Option<jiff::civil::Date>) -> String {
    let day = |d: Option<jiff::civil::Date>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    let rows: Vec<Vec<String>> = b
        .zones
        .zones()
        .iter()
        .filter(|z| as_of.is_none_or(|d| z.in_force_on(d)))
        .map(|z| {
            vec![
                z.id.clone(),
                z.kind.clone(),
                day(z.valid_from),
                day(z.valid_to),
                format!("{:.0}", z.area_km2),
                z.part_of.clone().unwrap_or_default(),
                z.name.clone(),
            ]
        })
        .collect();
    let mut s = table(
        &["ZONE", "KIND", "FROM", "UNTIL", "KM²", "PART OF", "NAME"],
        &rows,
    );
    if let Some(d) = as_of {
        s.push_str(&format!(
            "{} zone version(s) in force on {d} (UNTIL is the first day a version no longer is)\n",
            rows.len()
        ));
    } else {
        s.push_str("UNTIL is the first day a version is no longer in force; — is open\n");
    }
    s
}

/// The table of `truce evidence list`.
pub fn records_table(list: &[truce_store::records::StoredRecord]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            vec![
                r.record.when().unwrap_or_default(),
                r.record.kind().to_string(),
                r.record.id().to_owned(),
                r.record.summary(),
            ]
        })
        .collect();
    let mut s = table(&["date", "type", "id", "what"], &rows);
    s.push_str(&format!("{} record(s)\n", list.len()));
    s
}

/// What `truce status` prints with: a language's messages, and the agreement's own words
/// in it.
pub struct Speaker<'a> {
    bundle: &'a AgreementBundle,
    m: &'static truce_model::i18n::Messages,
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
    pub fn t(&self, key: &str, args: &[(&str, truce_model::i18n::Arg)]) -> String {
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
    let n = |x: usize| truce_model::i18n::Arg::Plain(i64::try_from(x).unwrap_or(i64::MAX));
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
pub fn persons_table(list: &[truce_store::registry::PersonRecord]) -> String {
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
                p.category.to_string(),
                p.held_by.clone().unwrap_or_default(),
                names.join("; "),
                last.map(|s| format!("{} since {}", s.status, s.date))
                    .unwrap_or_else(|| "no status yet".into()),
            ]
        })
        .collect();
    let mut s = table(
        &["id", "side", "category", "held by", "names", "status"],
        &rows,
    );
    s.push_str(&format!("{} person(s)\n", list.len()));
    s
}

/// Registry counts by side, category and status.
pub fn registry_counts(
    date: jiff::civil::Date,
    counts: &[truce_engine::registry::Count],
) -> String {
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|c| {
            vec![
                c.side.clone(),
                c.category.to_string(),
                c.status
                    .map_or_else(|| "no status yet".into(), |s| s.to_string()),
                c.count.to_string(),
            ]
        })
        .collect();
    let mut s = format!("Registry on {date}\n");
    s.push_str(&table(&["side", "category", "status", "persons"], &rows));
    s
}

/// Living persons, and remains apart when there are any: `5`, `5 + remains of 31`.
fn both(living: u32, remains: u32) -> String {
    if remains == 0 {
        living.to_string()
    } else {
        format!("{living} + remains of {remains}")
    }
}

/// Claims reconciliation: claimed against registered against returned, per holder.
pub fn reconciliation_table(rows: &[truce_engine::registry::Reconciliation]) -> String {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let claims: Vec<String> = r
                .claimed
                .iter()
                .map(truce_engine::registry::ClaimFigure::label)
                .collect();
            vec![
                r.date.to_string(),
                r.holder.clone(),
                if claims.is_empty() {
                    "—".into()
                } else {
                    claims.join(", ")
                },
                r.registered_held.to_string(),
                r.acknowledged.to_string(),
                both(r.returned, r.remains_returned),
                both(r.returned_in_exchanges, r.remains_in_exchanges),
                both(r.still_held, r.remains_still_held),
                r.unaccounted.map_or_else(|| "—".into(), |n| n.to_string()),
            ]
        })
        .collect();
    table(
        &[
            "date",
            "holder",
            "claimed",
            "registered held",
            "acknowledged",
            "returned",
            "returned (exchanges)",
            "still held (claims)",
            "unaccounted",
        ],
        &body,
    )
}

/// Running totals sources state, each beside Truce's own figure and the difference.
pub fn stated_totals_table(lines: &[truce_engine::registry::TallyCheck]) -> String {
    let body: Vec<Vec<String>> = lines
        .iter()
        .map(|t| {
            vec![
                t.when.clone(),
                t.claimant.clone(),
                format!("{} {}", t.category, t.measure),
                t.side.clone(),
                t.since.map_or_else(|| "—".into(), |d| d.to_string()),
                format!("{}{}", if t.at_least { "≥" } else { "" }, t.stated),
                t.own.map_or_else(|| "—".into(), |n| n.to_string()),
                t.difference
                    .map_or_else(|| "—".into(), |d| format!("{d:+}")),
                t.evidence.clone(),
            ]
        })
        .collect();
    table(
        &[
            "as of",
            "stated by",
            "what",
            "side",
            "since",
            "stated",
            "Truce's records",
            "difference",
            "record",
        ],
        &body,
    )
}
