//! Renderings of a signed bulletin: Markdown and a self-contained, printable HTML page
//! with inline SVG charts and an SVG map. Each is a pure function of the signed content
//! and carries that content (and its signature) in a comment or data block, so that a
//! verifier can re-render and compare byte for byte.

use crate::content::Bulletin;
use crate::signing::{Signed, VerifyError, canonical};
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

fn esc(s: &str) -> String {
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

fn signature_line(s: &Signed) -> String {
    format!(
        "Signed with {} key {}; signature {}",
        s.signature.algorithm, s.signature.key, s.signature.value
    )
}

/// The Markdown rendering.
pub fn markdown(s: &Signed) -> String {
    let b = &s.bulletin;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Monitoring bulletin {} to {}\n",
        b.period.from, b.period.to
    );
    let _ = writeln!(o, "{}  ", b.title);
    let _ = writeln!(
        o,
        "Period: {} to {} (local days, {}); compared with {} to {}. Built {}. Id `{}`.\n",
        b.period.from,
        b.period.to,
        b.period.time_zone,
        b.period.previous_from,
        b.period.previous_to,
        b.generated_at,
        b.id
    );
    o.push_str("## Summary\n\n");
    for line in &b.summary {
        let _ = writeln!(o, "- {line}");
    }
    o.push_str("\n## Ceasefire violations\n\n");
    let _ = writeln!(
        o,
        "{} in the period, {} in the previous period ({}).\n",
        b.violations.total,
        b.violations.previous_total,
        change(b.violations.total, b.violations.previous_total)
    );
    if !b.violations.by_zone.is_empty() {
        o.push_str("| zone | type | period | previous | change | incidents |\n|---|---|---:|---:|---:|---|\n");
        for z in &b.violations.by_zone {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&z.zone_name),
                z.event_type,
                z.count,
                z.previous,
                change(z.count, z.previous),
                z.incidents.join(", ")
            );
        }
        o.push('\n');
    }
    if !b.violations.possibly_in.is_empty() {
        o.push_str("Possibly in (the location's uncertainty reaches across the zone's edge; not counted above):\n\n| zone | type | period | incidents |\n|---|---|---:|---|\n");
        for z in &b.violations.possibly_in {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                cell(&z.zone_name),
                z.event_type,
                z.count,
                z.incidents.join(", ")
            );
        }
        o.push('\n');
    }
    if !b.violations.per_day.is_empty() {
        o.push_str(
            "| day | confirmed | corroborated | unverified or disputed |\n|---|---:|---:|---:|\n",
        );
        for d in &b.violations.per_day {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                d.date, d.confirmed, d.corroborated, d.other
            );
        }
        o.push('\n');
    }
    o.push_str("## Notable incidents\n\n");
    if b.notable.is_empty() {
        o.push_str("None in the period.\n\n");
    }
    for n in &b.notable {
        let claims: Vec<String> = n
            .claims
            .iter()
            .map(|c| {
                format!(
                    "{} blames {}",
                    c.source,
                    c.blames.as_deref().unwrap_or("no one")
                )
            })
            .collect();
        let _ = writeln!(
            o,
            "- **{}** {} — {} at {} ({}); status {}; claims: {}; assessed: {}{}; dead (best estimate): {}",
            n.id,
            n.date,
            n.event_type,
            cell(&n.place),
            if n.zones.is_empty() {
                "no zone".to_owned()
            } else {
                n.zones.join(", ")
            },
            n.status,
            if claims.is_empty() {
                "none".into()
            } else {
                cell(&claims.join("; "))
            },
            n.assessed.as_deref().unwrap_or("not settled"),
            if n.disputed { " (disputed)" } else { "" },
            n.killed
        );
    }
    o.push_str("\n## Status changes\n\n");
    if b.changes.is_empty() {
        o.push_str("No obligation changed status in the period.\n");
    } else {
        o.push_str(
            "| day | obligation | from | to | why | evidence |\n|---|---|---|---|---|---|\n",
        );
        for c in &b.changes {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                c.date,
                cell(&c.title),
                cell(&c.from),
                cell(&c.to),
                cell(&c.reason),
                c.evidence.join(", ")
            );
        }
    }
    o.push_str("\n## Corridor traffic\n\n");
    if b.corridor.is_empty() {
        o.push_str("No crossing counted in the period.\n");
    } else {
        o.push_str("| day | checkpoint | persons | vehicles | cargo (t) | records |\n|---|---|---:|---:|---:|---|\n");
        for t in &b.corridor {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                t.date,
                t.checkpoint,
                t.persons,
                t.vehicles,
                t.cargo_t,
                t.evidence.join(", ")
            );
        }
    }
    o.push_str("\n## Detained, missing and dead persons (aggregates)\n\n");
    if b.detainees.counts.is_empty() && b.detainees.reconciliation.is_empty() {
        o.push_str("Nothing on record.\n");
    }
    if !b.detainees.reconciliation.is_empty() {
        o.push_str("| held by | claimed | registered held | returned | returned in exchanges | claims |\n|---|---|---:|---:|---:|---|\n");
        for r in &b.detainees.reconciliation {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                r.holder,
                if r.claimed.is_empty() {
                    "—".into()
                } else {
                    r.claimed.join(", ")
                },
                r.registered_held,
                r.returned,
                r.returned_in_exchanges,
                r.evidence.join(", ")
            );
        }
        o.push('\n');
    }
    if !b.detainees.counts.is_empty() {
        o.push_str("| side | category | status | persons |\n|---|---|---|---:|\n");
        for c in &b.detainees.counts {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                c.side, c.category, c.status, c.count
            );
        }
    }
    o.push_str("\n## Coming up (90 days)\n\n");
    if b.upcoming.is_empty() {
        o.push_str("No deadline or notice date.\n");
    }
    for u in &b.upcoming {
        let _ = writeln!(o, "- {} — {}: {}", u.date, cell(&u.title), u.what);
    }
    o.push_str("\n## Sources\n\n");
    for src in &b.sources {
        let _ = writeln!(
            o,
            "- {} — {} ({}{})",
            src.id,
            cell(&src.name),
            src.kind,
            src.reliability
                .as_deref()
                .map(|r| format!(", reliability {r}"))
                .unwrap_or_default()
        );
    }
    o.push_str("\n## Methodology\n\n");
    for m in &b.methodology {
        let _ = writeln!(o, "- {m}");
    }
    let _ = writeln!(
        o,
        "\n---\n\n{}. Verify with `truce bulletin verify FILE --key PUBLIC_KEY`.\n",
        signature_line(s)
    );
    let _ = writeln!(o, "<!-- {MD_MARK}\n{}\n-->", embeddable(s));
    o
}

/// A bar chart of violations per day, stacked by status, as SVG.
pub fn chart_svg(b: &Bulletin) -> String {
    let days = &b.violations.per_day;
    let (w, h, pad) = (640.0, 180.0, 28.0);
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"violations per day by status\">"
    );
    let _ = write!(
        o,
        "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\"/>",
        h - pad,
        w - 8.0,
        h - pad
    );
    let span = ((b.period.to - b.period.from).get_days().max(0) + 1) as f64;
    let max = days
        .iter()
        .map(|d| d.confirmed + d.corroborated + d.other)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bw = ((w - pad - 8.0) / span).max(1.0);
    for d in days {
        let x = pad + ((d.date - b.period.from).get_days() as f64) * bw;
        let mut y = h - pad;
        for (n, colour, label) in [
            (d.confirmed, "#b2182b", "confirmed"),
            (d.corroborated, "#ef8a62", "corroborated"),
            (d.other, "#999999", "unverified or disputed"),
        ] {
            if n == 0 {
                continue;
            }
            let bh = (h - 2.0 * pad) * f64::from(n) / max;
            y -= bh;
            let _ = write!(
                o,
                "<rect class=\"bar\" data-date=\"{}\" data-status=\"{label}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{colour}\"><title>{} {label}: {n}</title></rect>",
                d.date,
                (bw - 1.0).max(0.5),
                d.date
            );
        }
    }
    let _ = write!(
        o,
        "<text x=\"{pad}\" y=\"{}\" font-size=\"11\">{} … {} · most in a day: {}</text>",
        h - 8.0,
        b.period.from,
        b.period.to,
        max as u32
    );
    let mut lx = w - 330.0;
    for (colour, label) in [
        ("#b2182b", "confirmed"),
        ("#ef8a62", "corroborated"),
        ("#999999", "unverified or disputed"),
    ] {
        let _ = write!(
            o,
            "<rect x=\"{lx}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{}\" y=\"15\" font-size=\"11\">{label}</text>",
            lx + 14.0
        );
        lx += 95.0;
    }
    o.push_str("</svg>");
    o
}

/// A map of zone outlines and the notable incidents, as SVG (equirectangular, scaled by
/// the cosine of the middle latitude).
pub fn map_svg(b: &Bulletin) -> String {
    let pts = b
        .outlines
        .iter()
        .flat_map(|z| z.rings.iter().flatten())
        .copied();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in pts.chain(b.notable.iter().filter_map(|n| n.point)) {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return String::from(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" viewBox=\"0 0 10 10\"></svg>",
        );
    }
    let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.1);
    let w = 640.0;
    let scale = w / ((x1 - x0) * k).max(1e-6);
    let h = ((y1 - y0) * scale).max(1.0);
    let px = |x: f64| (x - x0) * k * scale;
    let py = |y: f64| (y1 - y) * scale;
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" viewBox=\"-4 -4 {:.0} {:.0}\" role=\"img\" aria-label=\"zones and notable incidents\">",
        w + 8.0,
        h + 8.0
    );
    for z in &b.outlines {
        let fill = match z.kind.as_str() {
            "corridor" => "#e8c39e",
            "peacekeeping-area" => "none",
            _ => "#e4e8ec",
        };
        for ring in &z.rings {
            let d: Vec<String> = ring
                .iter()
                .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
                .collect();
            let _ = write!(
                o,
                "<polygon class=\"zone\" data-zone=\"{}\" points=\"{}\" fill=\"{fill}\" stroke=\"#56606b\" stroke-width=\"0.8\"><title>{}</title></polygon>",
                esc(&z.zone),
                d.join(" "),
                esc(&z.zone)
            );
        }
    }
    for n in &b.notable {
        if let Some((x, y)) = n.point {
            let colour = match n.status.as_str() {
                "confirmed" => "#b2182b",
                "corroborated" => "#ef8a62",
                _ => "#777777",
            };
            let _ = write!(
                o,
                "<circle class=\"incident\" data-id=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{colour}\" stroke=\"#fff\"><title>{} {} {}</title></circle>",
                esc(&n.id),
                px(x),
                py(y),
                esc(&n.id),
                n.date,
                esc(&n.place)
            );
        }
    }
    o.push_str("</svg>");
    o
}

fn table(o: &mut String, head: &[&str], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        o.push_str("<p class=\"none\">None on record.</p>");
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

/// The HTML rendering: one self-contained page (inline CSS and SVG, no script, no
/// external request), printable.
pub fn html(s: &Signed) -> String {
    let b = &s.bulletin;
    let mut o = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = write!(
        o,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Monitoring bulletin {} to {}</title><style>{CSS}</style></head><body>",
        b.period.from, b.period.to
    );
    let _ = write!(
        o,
        "<h1>Monitoring bulletin {} to {}</h1>",
        b.period.from, b.period.to
    );
    let _ = write!(
        o,
        "<p class=\"meta\">{}<br>Local days in {}; compared with {} to {}. Built {}. Id <code>{}</code>. Signed with key <code id=\"key\">{}</code>.</p>",
        esc(&b.title),
        esc(&b.period.time_zone),
        b.period.previous_from,
        b.period.previous_to,
        esc(&b.generated_at),
        esc(&b.id),
        esc(&s.signature.key)
    );
    o.push_str("<h2>Summary</h2><ul id=\"summary\">");
    for l in &b.summary {
        let _ = write!(o, "<li>{}</li>", esc(l));
    }
    o.push_str("</ul><h2>Ceasefire violations</h2>");
    let _ = write!(
        o,
        "<p>{} in the period, {} in the previous period ({}).</p>",
        b.violations.total,
        b.violations.previous_total,
        change(b.violations.total, b.violations.previous_total)
    );
    if b.violations.per_day.is_empty() {
        o.push_str("<p class=\"none\">No violation on record in the period.</p>");
    } else {
        o.push_str(&chart_svg(b));
    }
    table(
        &mut o,
        &["zone", "type", "period", "previous", "change", "incidents"],
        b.violations
            .by_zone
            .iter()
            .map(|z| {
                vec![
                    z.zone_name.clone(),
                    z.event_type.clone(),
                    z.count.to_string(),
                    z.previous.to_string(),
                    change(z.count, z.previous),
                    z.incidents.join(", "),
                ]
            })
            .collect(),
    );
    if !b.violations.possibly_in.is_empty() {
        o.push_str("<p>Possibly in (the location's uncertainty reaches across the zone's edge; not counted above):</p>");
        table(
            &mut o,
            &["zone", "type", "period", "incidents"],
            b.violations
                .possibly_in
                .iter()
                .map(|z| {
                    vec![
                        z.zone_name.clone(),
                        z.event_type.clone(),
                        z.count.to_string(),
                        z.incidents.join(", "),
                    ]
                })
                .collect(),
        );
    }
    o.push_str("<h2>Map</h2>");
    o.push_str(&map_svg(b));
    o.push_str("<h2>Notable incidents</h2>");
    table(
        &mut o,
        &[
            "incident", "day", "type", "place", "status", "claims", "assessed", "dead",
        ],
        b.notable
            .iter()
            .map(|n| {
                vec![
                    n.id.clone(),
                    n.date.to_string(),
                    n.event_type.clone(),
                    n.place.clone(),
                    n.status.clone(),
                    n.claims
                        .iter()
                        .map(|c| {
                            format!(
                                "{} blames {}",
                                c.source,
                                c.blames.as_deref().unwrap_or("no one")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                    format!(
                        "{}{}",
                        n.assessed.as_deref().unwrap_or("not settled"),
                        if n.disputed { " (disputed)" } else { "" }
                    ),
                    n.killed.to_string(),
                ]
            })
            .collect(),
    );
    o.push_str("<h2>Status changes</h2>");
    table(
        &mut o,
        &["day", "obligation", "from", "to", "why", "evidence"],
        b.changes
            .iter()
            .map(|c| {
                vec![
                    c.date.to_string(),
                    c.title.clone(),
                    c.from.clone(),
                    c.to.clone(),
                    c.reason.clone(),
                    c.evidence.join(", "),
                ]
            })
            .collect(),
    );
    o.push_str("<h2>Corridor traffic</h2>");
    table(
        &mut o,
        &[
            "day",
            "checkpoint",
            "persons",
            "vehicles",
            "cargo (t)",
            "records",
        ],
        b.corridor
            .iter()
            .map(|t| {
                vec![
                    t.date.to_string(),
                    t.checkpoint.clone(),
                    t.persons.to_string(),
                    t.vehicles.to_string(),
                    t.cargo_t.to_string(),
                    t.evidence.join(", "),
                ]
            })
            .collect(),
    );
    o.push_str("<h2>Detained, missing and dead persons (aggregates)</h2>");
    table(
        &mut o,
        &[
            "held by",
            "claimed",
            "registered held",
            "returned",
            "returned in exchanges",
            "claims",
        ],
        b.detainees
            .reconciliation
            .iter()
            .map(|r| {
                vec![
                    r.holder.clone(),
                    if r.claimed.is_empty() {
                        "—".into()
                    } else {
                        r.claimed.join(", ")
                    },
                    r.registered_held.to_string(),
                    r.returned.to_string(),
                    r.returned_in_exchanges.to_string(),
                    r.evidence.join(", "),
                ]
            })
            .collect(),
    );
    table(
        &mut o,
        &["side", "category", "status", "persons"],
        b.detainees
            .counts
            .iter()
            .map(|c| {
                vec![
                    c.side.clone(),
                    c.category.clone(),
                    c.status.clone(),
                    c.count.to_string(),
                ]
            })
            .collect(),
    );
    o.push_str("<h2>Coming up (90 days)</h2>");
    table(
        &mut o,
        &["day", "obligation", "what"],
        b.upcoming
            .iter()
            .map(|u| vec![u.date.to_string(), u.title.clone(), u.what.clone()])
            .collect(),
    );
    o.push_str("<h2>Sources</h2>");
    table(
        &mut o,
        &["source", "name", "kind", "reliability"],
        b.sources
            .iter()
            .map(|x| {
                vec![
                    x.id.clone(),
                    x.name.clone(),
                    x.kind.clone(),
                    x.reliability.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    );
    o.push_str("<h2>Methodology</h2><ul>");
    for m in &b.methodology {
        let _ = write!(o, "<li>{}</li>", esc(m));
    }
    let _ = write!(
        o,
        "</ul><p class=\"sig\" id=\"signature\">{}. Verify with <code>truce bulletin verify FILE --key PUBLIC_KEY</code>.</p>",
        esc(&signature_line(s))
    );
    let _ = writeln!(
        o,
        "<script type=\"application/json\" id=\"{HTML_MARK}\">{}</script></body></html>",
        embeddable(s)
    );
    o
}
