//! The chart and map of bulletins made before maps were framed, labelled and given a
//! legend (layout 1): kept so that an HTML bulletin published then still re-renders to
//! the same bytes and verifies.

use crate::content::Bulletin;
use std::fmt::Write;

/// A bar chart of violations per day, stacked by status, as SVG.
pub(crate) fn chart_svg(b: &Bulletin) -> String {
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
pub(crate) fn map_svg(b: &Bulletin) -> String {
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
                crate::render::esc(&z.zone),
                d.join(" "),
                crate::render::esc(&z.zone)
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
                crate::render::esc(&n.id),
                px(x),
                py(y),
                crate::render::esc(&n.id),
                n.date,
                crate::render::esc(&n.place)
            );
        }
    }
    o.push_str("</svg>");
    o
}
