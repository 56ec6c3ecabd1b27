//! Renderings of a signed bulletin: Markdown and a self-contained, printable HTML page
//! with inline SVG charts and an SVG map. Each is a pure function of the signed content
//! and carries that content (and its signature) in a comment or data block, so that a
//! verifier can re-render and compare byte for byte.

use crate::content::Bulletin;
use crate::signing::{Signed, VerifyError, canonical};
use crate::words::Words;
use std::fmt::Write;

/// Marks the signed JSON inside a Markdown rendering.
pub const MD_MARK: &str = "truce-bulletin-signed";
/// Marks the signed JSON inside an HTML rendering.
pub const HTML_MARK: &str = "truce-bulletin";

/// The signed bulletin as one line of canonical JSON, safe inside an HTML comment or a
/// script data block (`<` and `>` escaped as JSON escapes, which occur only in strings).
fn embeddable(s: &Signed) -> String {
    canonical(&serde_json::to_value(s).unwrap_or_default())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

/// Reads the signed JSON embedded in a rendering.
pub fn embedded(text: &str, mark: &str) -> Result<Signed, VerifyError> {
    let open = if mark == MD_MARK {
        format!("<!-- {MD_MARK}\n")
    } else {
        format!("<script type=\"application/json\" id=\"{HTML_MARK}\">")
    };
    let close = if mark == MD_MARK {
        "\n-->"
    } else {
        "</script>"
    };
    let start = text
        .find(&open)
        .ok_or_else(|| VerifyError::NotABulletin("no signed content block".into()))?
        + open.len();
    let end = text[start..].find(close).ok_or_else(|| {
        VerifyError::NotABulletin("the signed content block is not closed".into())
    })?;
    crate::signing::read_json(&text[start..start + end])
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown table cells must not break the table.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn change(now: u32, before: u32) -> String {
    match i64::from(now) - i64::from(before) {
        0 => "±0".into(),
        d if d > 0 => format!("+{d}"),
        d => d.to_string(),
    }
}

fn signature_line(s: &Signed, w: Words) -> String {
    w.t(
        "signed",
        &[
            ("algorithm", (&s.signature.algorithm).into()),
            ("key", (&s.signature.key).into()),
            ("value", (&s.signature.value).into()),
        ],
    )
}

/// A table header row of Markdown from `bulletin.col.*` keys, and its alignment row.
fn md_head(w: Words, cols: &[&str], align: &str) -> String {
    let names: Vec<String> = cols.iter().map(|c| w.t(&format!("col.{c}"), &[])).collect();
    format!("| {} |\n{align}\n", names.join(" | "))
}

/// "SOURCE blames WHOM" for each claim, in the bulletin's words.
fn claims_text(w: Words, n: &crate::content::Notable) -> Vec<String> {
    n.claims
        .iter()
        .map(|c| {
            w.t(
                "claim",
                &[
                    ("source", (&c.source).into()),
                    (
                        "whom",
                        c.blames
                            .clone()
                            .unwrap_or_else(|| w.t("no_one", &[]))
                            .into(),
                    ),
                ],
            )
        })
        .collect()
}

/// The assessed perpetrator, and "(disputed)" when the parties' claims conflict.
fn assessed_text(w: Words, n: &crate::content::Notable) -> String {
    format!(
        "{}{}",
        n.assessed
            .clone()
            .unwrap_or_else(|| w.t("not_settled", &[])),
        if n.disputed {
            format!(" ({})", w.t("disputed", &[]))
        } else {
            String::new()
        }
    )
}

/// The Markdown rendering.
pub fn markdown(s: &Signed) -> String {
    let b = &s.bulletin;
    let w = Words::new(&b.lang);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# {}\n",
        w.t(
            "title",
            &[
                ("from", w.day(b.period.from).into()),
                ("to", w.day(b.period.to).into())
            ]
        )
    );
    let _ = writeln!(o, "{}  ", b.title);
    let _ = writeln!(
        o,
        "{}\n",
        w.t(
            "md.period",
            &[
                ("from", w.day(b.period.from).into()),
                ("to", w.day(b.period.to).into()),
                ("tz", (&b.period.time_zone).into()),
                ("previous_from", w.day(b.period.previous_from).into()),
                ("previous_to", w.day(b.period.previous_to).into()),
                ("built", (&b.generated_at).into()),
                ("id", (&b.id).into()),
            ]
        )
    );
    let _ = writeln!(o, "## {}\n", w.t("heading.summary", &[]));
    for line in &b.summary {
        let _ = writeln!(o, "- {line}");
    }
    let _ = writeln!(o, "\n## {}\n", w.t("heading.violations", &[]));
    let _ = writeln!(o, "{}\n", violations_line(b, w));
    if !b.violations.by_zone.is_empty() {
        o.push_str(&md_head(
            w,
            &["zone", "type", "period", "previous", "change", "incidents"],
            "|---|---|---:|---:|---:|---|",
        ));
        for z in &b.violations.by_zone {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&z.zone_name),
                w.word("type", &z.event_type),
                w.num(z.count),
                w.num(z.previous),
                change(z.count, z.previous),
                z.incidents.join(", ")
            );
        }
        o.push('\n');
    }
    if !b.violations.possibly_in.is_empty() {
        let _ = write!(
            o,
            "{}\n\n{}",
            w.t("possibly_in", &[]),
            md_head(
                w,
                &["zone", "type", "period", "incidents"],
                "|---|---|---:|---|"
            )
        );
        for z in &b.violations.possibly_in {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                cell(&z.zone_name),
                w.word("type", &z.event_type),
                w.num(z.count),
                z.incidents.join(", ")
            );
        }
        o.push('\n');
    }
    if !b.violations.per_day.is_empty() {
        o.push_str(&md_head(
            w,
            &["day", "confirmed", "corroborated", "other"],
            "|---|---:|---:|---:|",
        ));
        for d in &b.violations.per_day {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                w.day(d.date),
                w.num(d.confirmed),
                w.num(d.corroborated),
                w.num(d.other)
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## {}\n", w.t("heading.notable", &[]));
    if b.notable.is_empty() {
        let _ = writeln!(o, "{}\n", w.t("none_in_period", &[]));
    }
    for n in &b.notable {
        let claims = claims_text(w, n);
        let _ = writeln!(
            o,
            "- {}",
            w.t(
                "md.notable",
                &[
                    ("id", (&n.id).into()),
                    ("day", w.day(n.date).into()),
                    ("type", w.word("type", &n.event_type).into()),
                    ("place", cell(&n.place).into()),
                    (
                        "zones",
                        if n.zones.is_empty() {
                            w.t("no_zone", &[])
                        } else {
                            n.zones.join(", ")
                        }
                        .into()
                    ),
                    ("status", w.word("status", &n.status).into()),
                    (
                        "claims",
                        if claims.is_empty() {
                            w.t("none", &[])
                        } else {
                            cell(&claims.join("; "))
                        }
                        .into()
                    ),
                    ("assessed", assessed_text(w, n).into()),
                    ("dead", w.num(n.killed).into()),
                ]
            )
        );
    }
    let _ = writeln!(o, "\n## {}\n", w.t("heading.changes", &[]));
    if b.changes.is_empty() {
        let _ = writeln!(o, "{}", w.t("no_changes", &[]));
    } else {
        o.push_str(&md_head(
            w,
            &["day", "obligation", "from", "to", "why", "evidence"],
            "|---|---|---|---|---|---|",
        ));
        for c in &b.changes {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                w.day(c.date),
                cell(&c.title),
                cell(&c.from),
                cell(&c.to),
                cell(&c.reason),
                c.evidence.join(", ")
            );
        }
    }
    let _ = writeln!(o, "\n## {}\n", w.t("heading.corridor", &[]));
    if b.corridor.is_empty() {
        let _ = writeln!(o, "{}", w.t("no_crossing", &[]));
    } else {
        o.push_str(&md_head(
            w,
            &[
                "day",
                "checkpoint",
                "persons",
                "vehicles",
                "cargo",
                "records",
            ],
            "|---|---|---:|---:|---:|---|",
        ));
        for t in &b.corridor {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                w.day(t.date),
                t.checkpoint,
                w.num(t.persons),
                w.num(t.vehicles),
                t.cargo_t,
                t.evidence.join(", ")
            );
        }
    }
    let _ = writeln!(o, "\n## {}\n", w.t("heading.detainees", &[]));
    if b.detainees.counts.is_empty() && b.detainees.reconciliation.is_empty() {
        let _ = writeln!(o, "{}", w.t("nothing", &[]));
    }
    if !b.detainees.reconciliation.is_empty() {
        o.push_str(&md_head(
            w,
            &[
                "held_by",
                "claimed",
                "registered_held",
                "returned",
                "exchanged",
                "claims",
            ],
            "|---|---|---:|---:|---:|---|",
        ));
        for r in &b.detainees.reconciliation {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                r.holder_name.as_deref().unwrap_or(&r.holder),
                if r.claimed.is_empty() {
                    "—".into()
                } else {
                    r.claimed.join(", ")
                },
                w.num(r.registered_held),
                w.num(r.returned),
                w.num(r.returned_in_exchanges),
                r.evidence.join(", ")
            );
        }
        o.push('\n');
    }
    if !b.detainees.stated.is_empty() {
        let _ = write!(
            o,
            "{}\n\n{}",
            w.t("stated_note", &[]),
            md_head(
                w,
                &[
                    "stated_by",
                    "what",
                    "stated",
                    "records",
                    "difference",
                    "record"
                ],
                "|---|---|---:|---:|---:|---|"
            )
        );
        for t in &b.detainees.stated {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                t.stated_by,
                t.what,
                t.stated,
                t.own.map_or_else(|| "—".into(), |n| w.num(n)),
                t.difference.map_or_else(|| "—".into(), |d| signed(w, d)),
                t.evidence
            );
        }
        o.push('\n');
    }
    if !b.detainees.counts.is_empty() {
        o.push_str(&md_head(
            w,
            &["side", "category", "status", "persons"],
            "|---|---|---|---:|",
        ));
        for c in &b.detainees.counts {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                c.side_name.as_deref().unwrap_or(&c.side),
                w.word("category", &c.category),
                w.word("person_status", &c.status),
                w.num(c.count)
            );
        }
    }
    let _ = writeln!(o, "\n## {}\n", w.t("heading.upcoming", &[]));
    if b.upcoming.is_empty() {
        let _ = writeln!(o, "{}", w.t("no_upcoming", &[]));
    }
    for u in &b.upcoming {
        let _ = writeln!(o, "- {} — {}: {}", w.day(u.date), cell(&u.title), u.what);
    }
    let _ = writeln!(o, "\n## {}\n", w.t("heading.sources", &[]));
    for src in &b.sources {
        let _ = writeln!(
            o,
            "- {} — {} ({}{})",
            src.id,
            cell(&src.name),
            w.word("source_kind", &src.kind),
            src.reliability
                .as_deref()
                .map(|r| format!(", {}", w.t("reliability", &[("grade", r.into())])))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(o, "\n## {}\n", w.t("heading.methodology", &[]));
    for m in &b.methodology {
        let _ = writeln!(o, "- {m}");
    }
    let _ = writeln!(
        o,
        "\n---\n\n{}\n",
        w.t(
            "verify",
            &[
                ("signed", signature_line(s, w).into()),
                (
                    "command",
                    "`truce bulletin verify FILE --key PUBLIC_KEY`".into()
                ),
            ]
        )
    );
    let _ = writeln!(o, "<!-- {MD_MARK}\n{}\n-->", embeddable(s));
    o
}

/// "N in the period, M in the previous period (±K)."
fn violations_line(b: &Bulletin, w: Words) -> String {
    w.t(
        "violations_line",
        &[
            ("total", w.n(b.violations.total)),
            ("previous", w.n(b.violations.previous_total)),
            (
                "change",
                change(b.violations.total, b.violations.previous_total).into(),
            ),
        ],
    )
}

/// A difference with its sign (+3, -2, +0).
fn signed(w: Words, d: i64) -> String {
    if d >= 0 {
        format!("+{}", w.num(d))
    } else {
        w.num(d)
    }
}

/// A status of the chart's and map's legends in the bulletin's words.
fn status_label(w: Words, status: &str) -> String {
    match status {
        "confirmed" | "corroborated" => w.word("status", status),
        _ => w.t("legend.other_status", &[]),
    }
}

/// Fills of the chart's and map's statuses: each with a pattern or a shade of its own, so
/// that a page printed in black and white still tells them apart.
const STATUS_STYLES: [(&str, &str); 3] = [
    ("confirmed", "#b2182b"),
    ("corroborated", "hatch"),
    ("unverified or disputed", "#ffffff"),
];

/// The patterns a figure uses (`hatch`, `lines`: diagonal hatching), their ids starting
/// with `prefix` so that the chart's and the map's stay apart on one page.
fn patterns(prefix: &str) -> String {
    format!(
        "<defs><pattern id=\"{prefix}hatch\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"5\" height=\"5\" fill=\"#f4b89c\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"#7f2704\" stroke-width=\"2\"/></pattern><pattern id=\"{prefix}lines\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(-45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#555\" stroke-width=\"0.8\"/></pattern></defs>"
    )
}

/// A fill as SVG: a colour, or one of [`patterns`] by name.
fn paint(fill: &str, prefix: &str) -> String {
    match fill {
        "hatch" | "lines" => format!("url(#{prefix}{fill})"),
        colour => colour.to_owned(),
    }
}

/// Id prefixes of the chart's and the map's patterns.
const CHART: &str = "truce-chart-";
const MAP: &str = "truce-map-";

/// Text of `size` px as wide as it is drawn, roughly (for legends and label overlaps).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.56
}

/// A text label with a white halo, readable over lines and fills.
fn label(o: &mut String, class: &str, x: f64, y: f64, size: f64, anchor: &str, text: &str) {
    let _ = write!(
        o,
        "<text class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\">{}</text>",
        esc(text)
    );
}

/// A bar chart of violations per day, stacked by status, as SVG: a date axis, a count
/// axis with grid lines, and a legend.
pub fn chart_svg(b: &Bulletin) -> String {
    if b.layout < 2 {
        return crate::layout1::chart_svg(b);
    }
    let days = &b.violations.per_day;
    let (w, h) = (640.0, 210.0);
    let (left, right, top, bottom) = (36.0, 8.0, 26.0, 44.0);
    let (plot_w, plot_h) = (w - left - right, h - top - bottom);
    let span = (b.period.to - b.period.from).get_days().max(0) + 1;
    let max = days
        .iter()
        .map(|d| d.confirmed + d.corroborated + d.other)
        .max()
        .unwrap_or(0)
        .max(1);
    let words = Words::new(&b.lang);
    let period = [
        ("from", words.day(b.period.from).into()),
        ("to", words.day(b.period.to).into()),
        ("max", words.n(max)),
        ("tz", (&b.period.time_zone).into()),
    ];
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">{}",
        esc(&words.t("chart.aria", &period)),
        patterns(CHART)
    );
    // The count axis: 0, the middle and the most in a day, as whole numbers.
    let y_of = |n: f64| top + plot_h - plot_h * n / f64::from(max);
    let mut ticks = vec![0, max];
    if max >= 4 {
        ticks.insert(1, max / 2);
    }
    for t in ticks {
        let y = y_of(f64::from(t));
        let _ = write!(
            o,
            "<line class=\"grid\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ccc\" stroke-width=\"0.6\"/><text class=\"y-tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{t}</text>",
            w - right,
            left - 4.0,
            y + 3.5
        );
    }
    let bw = plot_w / span as f64;
    for d in days {
        let x = left + ((d.date - b.period.from).get_days() as f64) * bw;
        let mut stacked = 0;
        for ((n, _), (label, fill)) in [(d.confirmed, 0), (d.corroborated, 1), (d.other, 2)]
            .into_iter()
            .zip(STATUS_STYLES)
        {
            if n == 0 {
                continue;
            }
            let (y, bh) = (
                y_of(f64::from(stacked + n)),
                plot_h * f64::from(n) / f64::from(max),
            );
            stacked += n;
            let _ = write!(
                o,
                "<rect class=\"bar\" data-date=\"{}\" data-status=\"{label}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\" stroke=\"#000\" stroke-width=\"0.5\"><title>{} {label}: {n}</title></rect>",
                d.date,
                x + bw * 0.1,
                (bw * 0.8).max(0.5),
                paint(fill, CHART),
                d.date
            );
        }
    }
    // The date axis: a tick per day on short periods, per month on long ones; labels
    // spaced so they do not touch.
    let _ = write!(
        o,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#000\"/>",
        top + plot_h,
        w - right,
        top + plot_h
    );
    let monthly = span > 62;
    let label_every = if monthly {
        (span / 30 / 8 + 1).max(1)
    } else {
        (span / 10 + 1).max(1)
    };
    let mut labelled = 0;
    for k in 0..span {
        let Ok(day) = b.period.from.checked_add(jiff::Span::new().days(k)) else {
            break;
        };
        if monthly && day.day() != 1 {
            continue;
        }
        let x = left + (k as f64 + if monthly { 0.0 } else { 0.5 }) * bw;
        let _ = write!(
            o,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#000\"/>",
            top + plot_h,
            top + plot_h + 4.0
        );
        let ordinal = if monthly { labelled } else { k };
        labelled += 1;
        if ordinal % label_every != 0 {
            continue;
        }
        let text = if words.lang() == "en" {
            if monthly {
                day.strftime("%b %Y").to_string()
            } else {
                day.strftime("%-d %b").to_string()
            }
        } else {
            let m = truce_model::i18n::messages(words.lang())
                .unwrap_or_else(truce_model::i18n::english);
            let mon = |kind: &str| m.t(&format!("month.{kind}.{}", day.month()), &[]);
            if monthly {
                esc(&format!("{} {}", mon("abbr"), day.year()))
            } else {
                esc(&format!("{} {}", day.day(), mon("short")))
            }
        };
        let _ = write!(
            o,
            "<text class=\"x-tick\" data-date=\"{day}\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{text}</text>",
            top + plot_h + 15.0
        );
    }
    let _ = write!(
        o,
        "<text x=\"{left}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
        h - 6.0,
        esc(&words.t("chart.caption", &period))
    );
    legend_row(
        &mut o,
        left,
        14.0,
        STATUS_STYLES.iter().map(|(label, fill)| {
            (
                format!(
                    "<rect x=\"0\" y=\"-9\" width=\"10\" height=\"10\" fill=\"{}\" stroke=\"#000\" stroke-width=\"0.5\"/>",
                    paint(fill, CHART)
                ),
                status_label(words, label),
            )
        }),
    );
    o.push_str("</svg>");
    o
}

/// Legend entries side by side from (x, y): each a symbol drawn at its origin (about
/// 12 px wide) and its text. Returns where the row ends.
fn legend_row(
    o: &mut String,
    x: f64,
    y: f64,
    entries: impl IntoIterator<Item = (String, String)>,
) -> f64 {
    let mut at = x;
    for (symbol, text) in entries {
        let _ = write!(
            o,
            "<g class=\"legend-entry\" transform=\"translate({at:.1} {y:.1})\">{symbol}<text x=\"15\" y=\"0\" font-size=\"10\">{}</text></g>",
            esc(&text)
        );
        at += 15.0 + text_width(&text, 10.0) + 14.0;
    }
    at
}

/// How each kind of zone is drawn on the map: fill, stroke, stroke width, dashes, and
/// the legend's word for it (`bulletin.legend.*`; none: the zone's own name). Fills are greys and patterns, so that print in black and
/// white keeps them apart.
fn zone_style(kind: &str) -> (&'static str, &'static str, f64, &'static str, &'static str) {
    match kind {
        "country" => ("#ffffff", "#444", 1.6, "", "state_border"),
        "line-of-contact-area" => ("none", "#000", 1.6, "7 3", ""),
        "corridor" => ("hatch", "#000", 0.8, "", ""),
        "route" => ("none", "#000", 1.2, "2 2", "route"),
        "city" => ("#bdbdbd", "#555", 0.6, "", "city"),
        "district" => ("#ececec", "#777", 0.6, "", "district"),
        "peacekeeping-area" | "area-of-responsibility" => {
            ("none", "#000", 1.2, "8 3 2 3", "peacekeeping_area")
        }
        _ => ("lines", "#555", 0.6, "", ""),
    }
}

/// Drawing order: context first, lines on top.
fn zone_layer(kind: &str) -> u8 {
    match kind {
        "country" => 0,
        "district" | "other" => 1,
        "city" => 2,
        "corridor" => 3,
        _ => 4,
    }
}

/// The map's projection: equirectangular, scaled by the cosine of the frame's middle
/// latitude, `width` px across the frame.
struct Projection {
    frame: [f64; 4],
    k: f64,
    /// Px per degree of latitude.
    scale: f64,
}

impl Projection {
    fn new(frame: [f64; 4], width: f64) -> Self {
        let [w, s, e, n] = frame;
        let k = ((s + n) / 2.0).to_radians().cos().max(0.1);
        Self {
            frame,
            k,
            scale: width / ((e - w) * k).max(1e-9),
        }
    }
    fn x(&self, lon: f64) -> f64 {
        (lon - self.frame[0]) * self.k * self.scale
    }
    fn y(&self, lat: f64) -> f64 {
        (self.frame[3] - lat) * self.scale
    }
    fn height(&self) -> f64 {
        (self.frame[3] - self.frame[1]) * self.scale
    }
    /// Px per kilometre, the same east-west and north-south at the middle latitude.
    fn px_per_km(&self) -> f64 {
        self.scale / 111.32
    }
    fn path(&self, ring: &[(f64, f64)], every: usize) -> String {
        let step = every.max(1);
        let mut d = String::with_capacity(ring.len() / step * 12 + 8);
        for (k, (x, y)) in ring.iter().step_by(step).enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if k == 0 { "M" } else { "L" },
                self.x(*x),
                self.y(*y)
            );
        }
        d.push('Z');
        d
    }
}

/// Boxes of labels already placed: a new one that would overlap is left out.
#[derive(Default)]
struct Placed(Vec<[f64; 4]>);

impl Placed {
    fn try_place(&mut self, b: [f64; 4]) -> bool {
        let clear = self
            .0
            .iter()
            .all(|o| b[2] < o[0] || o[2] < b[0] || b[3] < o[1] || o[3] < b[1]);
        if clear {
            self.0.push(b);
        }
        clear
    }
}

fn polygon(ring: &[(f64, f64)]) -> geo::Polygon<f64> {
    geo::Polygon::new(
        geo::LineString::from(
            ring.iter()
                .map(|&(x, y)| geo::coord! { x: x, y: y })
                .collect::<Vec<_>>(),
        ),
        Vec::new(),
    )
}

/// The map of the period, as SVG: framed on the agreement's zones and the notable
/// incidents, with the states around drawn for context; zones and the main places
/// labelled; a locator of the region, a north arrow, a scale bar and a legend. Shapes
/// and patterns carry every distinction, so it reads printed in black and white.
pub fn map_svg(b: &Bulletin) -> String {
    use geo::{Contains as _, InteriorPoint as _};
    if b.layout < 2 {
        return crate::layout1::map_svg(b);
    }
    let Some(frame) = crate::content::map_frame(&b.outlines, &b.notable) else {
        return String::from(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" viewBox=\"0 0 10 10\"></svg>",
        );
    };
    let words = Words::new(&b.lang);
    let w = 640.0;
    let p = Projection::new(frame, w);
    let h = p.height();
    let legend_h = 64.0;
    let aria = esc(&words.t(
        "map.aria",
        &[
            ("west", format!("{:.2}", frame[0]).into()),
            ("east", format!("{:.2}", frame[2]).into()),
            ("south", format!("{:.2}", frame[1]).into()),
            ("north", format!("{:.2}", frame[3]).into()),
        ],
    ));
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" viewBox=\"-2 -2 {:.0} {:.0}\" role=\"img\" aria-label=\"{aria}\" data-frame=\"{:.4},{:.4},{:.4},{:.4}\">{}<clipPath id=\"truce-map-clip\"><rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h:.1}\"/></clipPath><g clip-path=\"url(#truce-map-clip)\"><rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h:.1}\" fill=\"#f7f7f7\"/>",
        w + 4.0,
        h + legend_h + 4.0,
        frame[0],
        frame[1],
        frame[2],
        frame[3],
        patterns(MAP)
    );
    let mut outlines: Vec<&crate::content::Outline> = b.outlines.iter().collect();
    outlines.sort_by_key(|z| zone_layer(&z.kind));
    for z in &outlines {
        let (fill, stroke, width, dash, _) = zone_style(&z.kind);
        let d: Vec<String> = z.rings.iter().map(|r| p.path(r, 1)).collect();
        let _ = write!(
            o,
            "<path class=\"zone\" data-zone=\"{}\" data-kind=\"{}\" d=\"{}\" fill=\"{}\" fill-rule=\"evenodd\" stroke=\"{stroke}\" stroke-width=\"{width}\"{}><title>{}</title></path>",
            esc(&z.zone),
            esc(&z.kind),
            d.join(""),
            paint(fill, MAP),
            if dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{dash}\"")
            },
            esc(if z.name.is_empty() { &z.zone } else { &z.name })
        );
    }
    // Incidents over the zones; labels over everything, placed most important first,
    // clear of the north arrow and the locator.
    let mut placed = Placed::default();
    placed.0.push([0.0, 0.0, 36.0, 44.0]);
    let (inset, inset_box) = locator(b, frame, w);
    placed.0.extend(inset_box);
    for n in &b.notable {
        let Some((x, y)) = n.point else { continue };
        let (cx, cy) = (p.x(x), p.y(y));
        placed.0.push([cx - 6.0, cy - 6.0, cx + 6.0, cy + 6.0]);
        let _ = write!(
            o,
            "{}",
            incident_symbol(
                &n.status,
                cx,
                cy,
                &format!("{} {} {}", n.id, n.date, n.place),
                &n.id
            )
        );
    }
    for place in &b.places {
        let (x, y) = (p.x(place.point.0), p.y(place.point.1));
        let tw = text_width(&place.name, 10.0);
        // Right of the mark, left of it, above, below: the first that overlaps nothing.
        let spots = [
            (
                [x + 3.0, y - 9.0, x + 6.0 + tw, y + 3.0],
                (x + 5.0, y + 1.5, "start"),
            ),
            (
                [x - 6.0 - tw, y - 9.0, x - 3.0, y + 3.0],
                (x - 5.0, y + 1.5, "end"),
            ),
            (
                [x - tw / 2.0, y - 15.0, x + tw / 2.0, y - 3.0],
                (x, y - 5.0, "middle"),
            ),
            (
                [x - tw / 2.0, y + 3.0, x + tw / 2.0, y + 15.0],
                (x, y + 12.0, "middle"),
            ),
        ];
        let Some((lx, ly, anchor)) = spots
            .into_iter()
            .find(|(b, _)| b[0] >= 0.0 && b[2] <= w && placed.try_place(*b))
            .map(|(_, at)| at)
        else {
            continue;
        };
        placed.0.push([x - 2.0, y - 2.0, x + 2.0, y + 2.0]);
        let _ = write!(
            o,
            "<rect class=\"place\" x=\"{:.1}\" y=\"{:.1}\" width=\"4\" height=\"4\" fill=\"#000\"/>",
            x - 2.0,
            y - 2.0
        );
        label(&mut o, "place-label", lx, ly, 10.0, anchor, &place.name);
    }
    let own: Vec<geo::Polygon<f64>> = outlines
        .iter()
        .filter(|z| !crate::content::CONTEXT_KINDS.contains(&z.kind.as_str()))
        .flat_map(|z| z.rings.iter().map(|r| polygon(r)))
        .collect();
    for z in outlines
        .iter()
        .filter(|z| z.kind == "district" || z.kind == "corridor")
    {
        let Some(ring) = z.rings.iter().max_by_key(|r| r.len()) else {
            continue;
        };
        let Some(at) = polygon(ring).interior_point() else {
            continue;
        };
        let name = if z.name.is_empty() { &z.zone } else { &z.name };
        if b.places.iter().any(|place| &place.name == name) {
            // The district's centre is labelled by the same name already.
            continue;
        }
        let (x, y) = (p.x(at.x()), p.y(at.y()));
        let tw = text_width(name, 9.0);
        if placed.try_place([x - tw / 2.0, y - 9.0, x + tw / 2.0, y + 2.0]) {
            let _ = write!(
                o,
                "<text class=\"zone-label\" x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"9\" font-style=\"italic\" fill=\"#333\" text-anchor=\"middle\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"2.5\" stroke-linejoin=\"round\">{}</text>",
                esc(name)
            );
        }
    }
    // States named where the map shows most of them and none of the agreement's zones.
    for z in outlines.iter().filter(|z| z.kind == "country") {
        // On the state's main part (its longest ring), not an exclave.
        let Some(main) = z.rings.iter().max_by_key(|r| r.len()) else {
            continue;
        };
        let shape = polygon(main);
        let mut spots: Vec<(f64, f64, f64)> = Vec::new();
        for i in 1..12 {
            for j in 1..12 {
                let lon = frame[0] + (frame[2] - frame[0]) * f64::from(i) / 12.0;
                let lat = frame[1] + (frame[3] - frame[1]) * f64::from(j) / 12.0;
                let pt = geo::point! { x: lon, y: lat };
                if !shape.contains(&pt) || own.iter().any(|s| s.contains(&pt)) {
                    continue;
                }
                // Open ground: the farthest from the agreement's zones.
                let clear = own
                    .iter()
                    .flat_map(|s| s.exterior().coords())
                    .map(|c| ((c.x - lon) * p.k).hypot(c.y - lat))
                    .fold(f64::MAX, f64::min);
                spots.push((lon, lat, clear));
            }
        }
        // The most open ground where the name overlaps no other label.
        spots.sort_by(|a, b| b.2.total_cmp(&a.2));
        let name = if z.name.is_empty() { &z.zone } else { &z.name };
        let text = name.to_uppercase();
        let tw = text_width(&text, 12.0) * 1.2;
        let spot = spots.into_iter().find_map(|(lon, lat, _)| {
            let x = p.x(lon).clamp(tw / 2.0 + 4.0, w - tw / 2.0 - 4.0);
            let y = p.y(lat).clamp(16.0, h - 4.0);
            placed
                .try_place([x - tw / 2.0, y - 12.0, x + tw / 2.0, y + 2.0])
                .then_some((x, y))
        });
        if let Some((x, y)) = spot {
            let _ = write!(
                o,
                "<text class=\"country-label\" x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"12\" letter-spacing=\"2\" fill=\"#555\" text-anchor=\"middle\">{}</text>",
                esc(&text)
            );
        }
    }
    o.push_str("</g>");
    let _ = write!(
        o,
        "<rect class=\"frame\" x=\"0\" y=\"0\" width=\"{w}\" height=\"{h:.1}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1\"/>"
    );
    north_arrow(&mut o, 18.0, 10.0);
    o.push_str(&inset);
    // Under the map: the legend and the scale bar.
    let y0 = h + 18.0;
    let statuses = STATUS_STYLES.iter().map(|(label, _)| {
        (
            incident_symbol(label, 5.0, -4.0, "", ""),
            status_label(words, label),
        )
    });
    // Each kind drawn, once; an area of a kind the legend has no word for, by its name.
    let mut drawn: Vec<&crate::content::Outline> = outlines
        .iter()
        .copied()
        .filter(|z| !z.rings.is_empty())
        .collect();
    drawn.sort_by_key(|z| zone_layer(&z.kind));
    let mut zones: Vec<(String, String)> = Vec::new();
    for z in drawn {
        let (fill, stroke, width, dash, key) = zone_style(&z.kind);
        // A kind of the agreement's own (its corridor, its line of contact) by the zone's
        // name; the common kinds in the bulletin's words. Layout 2 named those two as it
        // did then, so that a bulletin published under it re-renders to its bytes.
        let text = match (key, b.layout, z.kind.as_str()) {
            ("", 2, "corridor") => "Lachin corridor".to_owned(),
            ("", 2, "line-of-contact-area") => "line of contact before 27 Sep 2020".to_owned(),
            ("", _, _) => z.name.clone(),
            _ => words.t(&format!("legend.{key}"), &[]),
        };
        let text = text.as_str();
        if text.is_empty() || zones.iter().any(|(_, t)| t == text) {
            continue;
        }
        zones.push((
            format!(
                "<rect x=\"0\" y=\"-9\" width=\"12\" height=\"10\" fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{}/>",
                paint(fill, MAP),
                if dash.is_empty() {
                    String::new()
                } else {
                    format!(" stroke-dasharray=\"{dash}\"")
                }
            ),
            text.to_owned(),
        ));
    }
    zones.push((
        "<rect x=\"3\" y=\"-6\" width=\"4\" height=\"4\" fill=\"#000\"/>".to_owned(),
        words.t("legend.main_place", &[]),
    ));
    legend_row(&mut o, 0.0, y0, statuses);
    let mut rows: Vec<Vec<(String, String)>> = vec![Vec::new()];
    let mut at = 0.0;
    for z in zones {
        let width = 29.0 + text_width(&z.1, 10.0);
        if at + width > w - 170.0 && !rows.last().is_none_or(Vec::is_empty) {
            rows.push(Vec::new());
            at = 0.0;
        }
        at += width;
        if let Some(row) = rows.last_mut() {
            row.push(z);
        }
    }
    for (k, row) in rows.into_iter().enumerate() {
        legend_row(&mut o, 0.0, y0 + 16.0 * (k as f64 + 1.0), row);
    }
    scale_bar(&mut o, &p, w - 160.0, y0 + 4.0);
    o.push_str("</svg>");
    o
}

/// An incident's symbol by status: a filled circle (confirmed), a hatched triangle
/// (corroborated), an open circle (anything else).
fn incident_symbol(status: &str, x: f64, y: f64, title: &str, id: &str) -> String {
    let title = if title.is_empty() {
        String::new()
    } else {
        format!("<title>{}</title>", esc(title))
    };
    let data = if id.is_empty() {
        String::new()
    } else {
        format!(
            " class=\"incident\" data-id=\"{}\" data-status=\"{}\"",
            esc(id),
            esc(status)
        )
    };
    match status {
        "confirmed" => format!(
            "<circle{data} cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"#b2182b\" stroke=\"#000\" stroke-width=\"1.2\">{title}</circle>"
        ),
        "corroborated" => format!(
            "<path{data} d=\"M{:.1},{:.1}L{:.1},{:.1}L{:.1},{:.1}Z\" fill=\"url(#{MAP}hatch)\" stroke=\"#000\" stroke-width=\"1.2\">{title}</path>",
            x,
            y - 6.0,
            x + 5.5,
            y + 4.0,
            x - 5.5,
            y + 4.0
        ),
        _ => format!(
            "<circle{data} cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.5\">{title}</circle>"
        ),
    }
}

fn north_arrow(o: &mut String, x: f64, y: f64) {
    let _ = write!(
        o,
        "<g class=\"north\"><path d=\"M{x},{y}L{:.1},{:.1}L{x},{:.1}L{:.1},{:.1}Z\" fill=\"#000\"/><text x=\"{x}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"middle\">N</text></g>",
        x + 6.0,
        y + 16.0,
        y + 12.0,
        x - 6.0,
        y + 16.0,
        y + 28.0
    );
}

/// A scale bar of a round length near 120 px, in two halves black and white.
fn scale_bar(o: &mut String, p: &Projection, x: f64, y: f64) {
    let per_km = p.px_per_km();
    let km = [1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 500.0]
        .into_iter()
        .rev()
        .find(|km| km * per_km <= 150.0)
        .unwrap_or(1.0);
    let len = km * per_km;
    let _ = write!(
        o,
        "<g class=\"scale\" data-km=\"{km}\" data-px=\"{len:.2}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"5\" fill=\"#000\" stroke=\"#000\"/><rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"5\" fill=\"#fff\" stroke=\"#000\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">0</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{km} km</text></g>",
        len / 2.0,
        x + len / 2.0,
        len / 2.0,
        y + 17.0,
        x + len / 2.0,
        y + 17.0,
        km / 2.0,
        x + len,
        y + 17.0
    );
}

/// A small map of the whole region (the states drawn) for the top right corner, with the
/// frame of the main map marked; and the box it covers. Nothing when the map shows no
/// state around its frame.
fn locator(b: &Bulletin, frame: [f64; 4], w: f64) -> (String, Option<[f64; 4]>) {
    let mut o = String::new();
    let states: Vec<&crate::content::Outline> = b
        .outlines
        .iter()
        .filter(|z| crate::content::CONTEXT_KINDS.contains(&z.kind.as_str()))
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (frame[0], frame[1], frame[2], frame[3]);
    for (x, y) in states.iter().flat_map(|z| z.rings.iter().flatten()) {
        x0 = x0.min(*x);
        y0 = y0.min(*y);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    let region = [x0, y0, x1, y1];
    if region == frame {
        // Nothing around the frame to locate it in.
        return (o, None);
    }
    let inset_w = 120.0;
    let p = Projection::new(region, inset_w);
    let inset_h = p.height();
    let (ox, oy) = (w - inset_w - 6.0, 6.0);
    let _ = write!(
        o,
        "<g class=\"locator\" transform=\"translate({ox:.1} {oy:.1})\"><rect x=\"0\" y=\"0\" width=\"{inset_w}\" height=\"{inset_h:.1}\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"0.8\"/>"
    );
    for z in &states {
        for ring in &z.rings {
            let _ = write!(
                o,
                "<path d=\"{}\" fill=\"#e0e0e0\" stroke=\"#444\" stroke-width=\"0.5\"/>",
                p.path(ring, ring.len() / 150 + 1)
            );
        }
        let name = if z.name.is_empty() { &z.zone } else { &z.name };
        if let Some(ring) = z.rings.iter().max_by_key(|r| r.len())
            && let Some(at) = geo::InteriorPoint::interior_point(&polygon(ring))
        {
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"7\" text-anchor=\"middle\" fill=\"#222\">{}</text>",
                p.x(at.x()),
                p.y(at.y()),
                esc(name)
            );
        }
    }
    let _ = write!(
        o,
        "<rect class=\"locator-frame\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#b2182b\" stroke-width=\"1.5\"/></g>",
        p.x(frame[0]),
        p.y(frame[3]),
        p.x(frame[2]) - p.x(frame[0]),
        p.y(frame[1]) - p.y(frame[3])
    );
    (o, Some([ox, oy, ox + inset_w, oy + inset_h]))
}

fn table(o: &mut String, w: Words, head: &[String], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        let _ = write!(
            o,
            "<p class=\"none\">{}</p>",
            esc(&w.t("none_on_record", &[]))
        );
        return;
    }
    o.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr></thead><tbody>");
    for r in rows {
        o.push_str("<tr>");
        for c in r {
            let _ = write!(o, "<td>{}</td>", esc(&c));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
}

/// The page's style sheet, inlined so that the page stands alone.
const CSS: &str = include_str!("bulletin.css");
/// What layout 2 adds to [`CSS`]: the map as large as the page allows, so that its
/// labels stay readable on screen and in print. (Layout 1 keeps its page as it was.)
const LAYOUT2_CSS: &str = "svg.map{max-height:56rem}@media print{svg.map{max-height:none}}";

/// Table headers from `bulletin.col.*` keys.
fn heads(w: Words, cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| w.t(&format!("col.{c}"), &[])).collect()
}

/// A message as HTML: its own words escaped, its placeholders filled with the markup
/// given (already escaped by the caller).
fn html_t(w: Words, key: &str, args: &[(&str, String)]) -> String {
    // Each value stands in as a private-use mark while the words are escaped.
    let marks: Vec<(&str, truce_model::i18n::Arg)> = args
        .iter()
        .enumerate()
        .map(|(k, (name, _))| {
            let mark = char::from_u32(0xE000 + u32::try_from(k).unwrap_or(0)).unwrap_or('\u{E000}');
            (*name, truce_model::i18n::Arg::Text(mark.to_string()))
        })
        .collect();
    let mut out = esc(&w.t(key, &marks));
    for (k, (_, value)) in args.iter().enumerate() {
        let mark = char::from_u32(0xE000 + u32::try_from(k).unwrap_or(0)).unwrap_or('\u{E000}');
        out = out.replace(mark, value);
    }
    out
}

/// The HTML rendering: one self-contained page (inline CSS and SVG, no script, no
/// external request), printable.
pub fn html(s: &Signed) -> String {
    let b = &s.bulletin;
    let w = Words::new(&b.lang);
    let title = w.t(
        "title",
        &[
            ("from", w.day(b.period.from).into()),
            ("to", w.day(b.period.to).into()),
        ],
    );
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">",
        w.lang()
    );
    let _ = write!(
        o,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{CSS}{}</style></head><body>",
        esc(&title),
        if b.layout >= 2 { LAYOUT2_CSS } else { "" }
    );
    let _ = write!(o, "<h1>{}</h1>", esc(&title));
    let _ = write!(
        o,
        "<p class=\"meta\">{}<br>{}</p>",
        esc(&b.title),
        html_t(
            w,
            "html.meta",
            &[
                ("tz", esc(&b.period.time_zone)),
                ("previous_from", esc(&w.day(b.period.previous_from))),
                ("previous_to", esc(&w.day(b.period.previous_to))),
                ("built", esc(&b.generated_at)),
                ("id", format!("<code>{}</code>", esc(&b.id))),
                (
                    "key",
                    format!("<code id=\"key\">{}</code>", esc(&s.signature.key))
                ),
            ]
        )
    );
    let _ = write!(
        o,
        "<h2>{}</h2><ul id=\"summary\">",
        esc(&w.t("heading.summary", &[]))
    );
    for l in &b.summary {
        let _ = write!(o, "<li>{}</li>", esc(l));
    }
    let _ = write!(
        o,
        "</ul><h2>{}</h2><p>{}</p>",
        esc(&w.t("heading.violations", &[])),
        esc(&violations_line(b, w))
    );
    if b.violations.per_day.is_empty() {
        let _ = write!(
            o,
            "<p class=\"none\">{}</p>",
            esc(&w.t("no_violation", &[]))
        );
    } else {
        o.push_str(&chart_svg(b));
    }
    table(
        &mut o,
        w,
        &heads(
            w,
            &["zone", "type", "period", "previous", "change", "incidents"],
        ),
        b.violations
            .by_zone
            .iter()
            .map(|z| {
                vec![
                    z.zone_name.clone(),
                    w.word("type", &z.event_type),
                    w.num(z.count),
                    w.num(z.previous),
                    change(z.count, z.previous),
                    z.incidents.join(", "),
                ]
            })
            .collect(),
    );
    if !b.violations.possibly_in.is_empty() {
        let _ = write!(o, "<p>{}</p>", esc(&w.t("possibly_in", &[])));
        table(
            &mut o,
            w,
            &heads(w, &["zone", "type", "period", "incidents"]),
            b.violations
                .possibly_in
                .iter()
                .map(|z| {
                    vec![
                        z.zone_name.clone(),
                        w.word("type", &z.event_type),
                        w.num(z.count),
                        z.incidents.join(", "),
                    ]
                })
                .collect(),
        );
    }
    let _ = write!(o, "<h2>{}</h2>", esc(&w.t("heading.map", &[])));
    o.push_str(&map_svg(b));
    let _ = write!(o, "<h2>{}</h2>", esc(&w.t("heading.notable", &[])));
    table(
        &mut o,
        w,
        &heads(
            w,
            &[
                "incident", "day", "type", "place", "status", "claims", "assessed", "dead",
            ],
        ),
        b.notable
            .iter()
            .map(|n| {
                vec![
                    n.id.clone(),
                    w.day(n.date),
                    w.word("type", &n.event_type),
                    n.place.clone(),
                    w.word("status", &n.status),
                    claims_text(w, n).join("; "),
                    assessed_text(w, n),
                    w.num(n.killed),
                ]
            })
            .collect(),
    );
    let _ = write!(o, "<h2>{}</h2>", esc(&w.t("heading.changes", &[])));
    table(
        &mut o,
        w,
        &heads(w, &["day", "obligation", "from", "to", "why", "evidence"]),
        b.changes
            .iter()
            .map(|c| {
                vec![
                    w.day(c.date),
                    c.title.clone(),
                    c.from.clone(),
                    c.to.clone(),
                    c.reason.clone(),
                    c.evidence.join(", "),
                ]
            })
            .collect(),
    );
    let _ = write!(o, "<h2>{}</h2>", esc(&w.t("heading.corridor", &[])));
    table(
        &mut o,
        w,
        &heads(
            w,
            &[
                "day",
                "checkpoint",
                "persons",
                "vehicles",
                "cargo",
                "records",
            ],
        ),
        b.corridor
            .iter()
            .map(|t| {
                vec![
                    w.day(t.date),
                    t.checkpoint.clone(),
                    w.num(t.persons),
                    w.num(t.vehicles),
                    t.cargo_t.to_string(),
                    t.evidence.join(", "),
                ]
            })
            .collect(),
    );
    let _ = write!(o, "<h2>{}</h2>", esc(&w.t("heading.detainees", &[])));
    table(
        &mut o,
        w,
        &heads(
            w,
            &[
                "held_by",
                "claimed",
                "registered_held",
                "returned",
                "exchanged",
                "claims",
            ],
        ),
        b.detainees
            .reconciliation
            .iter()
            .map(|r| {
                vec![
                    r.holder_name.clone().unwrap_or_else(|| r.holder.clone()),
                    if r.claimed.is_empty() {
                        "—".into()
                    } else {
                        r.claimed.join(", ")
                    },
                    w.num(r.registered_held),
                    w.num(r.returned),
                    w.num(r.returned_in_exchanges),
                    r.evidence.join(", "),
                ]
            })
            .collect(),
    );
    if !b.detainees.stated.is_empty() {
        let _ = write!(o, "<p>{}</p>", esc(&w.t("stated_note", &[])));
        table(
            &mut o,
            w,
            &heads(
                w,
                &[
                    "stated_by",
                    "what",
                    "stated",
                    "records",
                    "difference",
                    "record",
                ],
            ),
            b.detainees
                .stated
                .iter()
                .map(|t| {
                    vec![
                        t.stated_by.clone(),
                        t.what.clone(),
                        t.stated.clone(),
                        t.own.map_or_else(|| "—".into(), |n| w.num(n)),
                        t.difference.map_or_else(|| "—".into(), |d| signed(w, d)),
                        t.evidence.clone(),
                    ]
                })
                .collect(),
        );
    }
    table(
        &mut o,
        w,
        &heads(w, &["side", "category", "status", "persons"]),
        b.detainees
            .counts
            .iter()
            .map(|c| {
                vec![
                    c.side_name.clone().unwrap_or_else(|| c.side.clone()),
                    w.word("category", &c.category),
                    w.word("person_status", &c.status),
                    w.num(c.count),
                ]
            })
            .collect(),
    );
    let _ = write!(o, "<h2>{}</h2>", esc(&w.t("heading.upcoming", &[])));
    table(
        &mut o,
        w,
        &heads(w, &["day", "obligation", "what"]),
        b.upcoming
            .iter()
            .map(|u| vec![w.day(u.date), u.title.clone(), u.what.clone()])
            .collect(),
    );
    let _ = write!(o, "<h2>{}</h2>", esc(&w.t("heading.sources", &[])));
    table(
        &mut o,
        w,
        &heads(w, &["source", "name", "kind", "reliability"]),
        b.sources
            .iter()
            .map(|x| {
                vec![
                    x.id.clone(),
                    x.name.clone(),
                    w.word("source_kind", &x.kind),
                    x.reliability.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    );
    let _ = write!(o, "<h2>{}</h2><ul>", esc(&w.t("heading.methodology", &[])));
    for m in &b.methodology {
        let _ = write!(o, "<li>{}</li>", esc(m));
    }
    let _ = write!(
        o,
        "</ul><p class=\"sig\" id=\"signature\">{}</p>",
        html_t(
            w,
            "verify",
            &[
                ("signed", esc(&signature_line(s, w))),
                (
                    "command",
                    "<code>truce bulletin verify FILE --key PUBLIC_KEY</code>".to_owned()
                ),
            ]
        )
    );
    let _ = writeln!(
        o,
        "<script type=\"application/json\" id=\"{HTML_MARK}\">{}</script></body></html>",
        embeddable(s)
    );
    o
}
