//! Feeds for other software: Atom (RFC 4287) for published bulletins and for alerts,
//! CAP 1.2 messages for obligation status changes, and iCalendar (RFC 5545) for the
//! deadlines and notice dates ahead. Pure text builders; the server decides the URLs.

use crate::content::Upcoming;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::fmt::Write;
use truce_engine::compliance::Alert;

/// XML text escaping.
pub fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One entry of an Atom feed.
#[derive(Debug, Clone)]
pub struct AtomEntry {
    /// A permanent id (a URL or `tag:` URI).
    pub id: String,
    /// Title.
    pub title: String,
    /// Last change, RFC 3339.
    pub updated: String,
    /// The page it points to.
    pub link: String,
    /// Media type of the link.
    pub link_type: String,
    /// One paragraph.
    pub summary: String,
}

/// An Atom feed. `updated` is the newest entry's (or `fallback_updated` when empty).
pub fn atom(
    id: &str,
    title: &str,
    self_link: &str,
    fallback_updated: &str,
    entries: &[AtomEntry],
) -> String {
    let updated = entries
        .iter()
        .map(|e| e.updated.as_str())
        .max()
        .unwrap_or(fallback_updated);
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let _ = writeln!(o, "  <id>{}</id>", xml(id));
    let _ = writeln!(o, "  <title>{}</title>", xml(title));
    let _ = writeln!(o, "  <updated>{}</updated>", xml(updated));
    let _ = writeln!(o, "  <author><name>Truce</name></author>");
    let _ = writeln!(o, "  <link rel=\"self\" href=\"{}\"/>", xml(self_link));
    for e in entries {
        o.push_str("  <entry>\n");
        let _ = writeln!(o, "    <id>{}</id>", xml(&e.id));
        let _ = writeln!(o, "    <title>{}</title>", xml(&e.title));
        let _ = writeln!(o, "    <updated>{}</updated>", xml(&e.updated));
        let _ = writeln!(
            o,
            "    <link rel=\"alternate\" type=\"{}\" href=\"{}\"/>",
            xml(&e.link_type),
            xml(&e.link)
        );
        let _ = writeln!(o, "    <summary>{}</summary>", xml(&e.summary));
        o.push_str("  </entry>\n");
    }
    o.push_str("</feed>\n");
    o
}

/// The CAP identifier of an alert: agreement, obligation and day, with only the
/// characters CAP allows.
pub fn cap_identifier(agreement: &str, a: &Alert) -> String {
    format!("truce-{agreement}-{}-{}", a.obligation, a.date)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Local midnight of `date` in `tz`, as CAP writes times (`YYYY-MM-DDThh:mm:ss+hh:mm`).
pub fn cap_time(date: Date, tz: &TimeZone) -> String {
    let Ok(ts) = tz.to_timestamp(date.to_datetime(jiff::civil::Time::midnight())) else {
        return format!("{date}T00:00:00+00:00");
    };
    let secs = tz.to_offset(ts).seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!(
        "{date}T00:00:00{sign}{:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// A CAP 1.2 message for one status change of an obligation.
pub fn cap_alert(
    agreement: &str,
    title: &str,
    a: &Alert,
    tz: &TimeZone,
    sender: &str,
    web: &str,
    areas: &[String],
) -> String {
    let severity = if a.new.breached {
        "Severe"
    } else if a.new.late {
        "Moderate"
    } else {
        "Minor"
    };
    let from = a.old.as_ref().map_or("not in force", |s| s.state.as_str());
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n",
    );
    let _ = writeln!(
        o,
        "  <identifier>{}</identifier>",
        xml(&cap_identifier(agreement, a))
    );
    let _ = writeln!(o, "  <sender>{}</sender>", xml(sender));
    let _ = writeln!(o, "  <sent>{}</sent>", cap_time(a.date, tz));
    o.push_str("  <status>Actual</status>\n  <msgType>Alert</msgType>\n  <scope>Public</scope>\n");
    o.push_str("  <info>\n    <language>en</language>\n    <category>Security</category>\n");
    let _ = writeln!(o, "    <event>Ceasefire obligation status change</event>");
    let _ = writeln!(
        o,
        "    <urgency>Unknown</urgency>\n    <severity>{severity}</severity>\n    <certainty>Observed</certainty>"
    );
    let _ = writeln!(o, "    <effective>{}</effective>", cap_time(a.date, tz));
    let _ = writeln!(
        o,
        "    <senderName>{}</senderName>",
        xml(&format!("Truce monitoring: {title}"))
    );
    let _ = writeln!(
        o,
        "    <headline>{}</headline>",
        xml(&format!("{}: {} → {}", a.title, from, a.new.state))
    );
    let _ = writeln!(
        o,
        "    <description>{}</description>",
        xml(&format!(
            "{} (obligation {}) changed from \"{from}\" to \"{}\" on {}{}{}. {} Evidence: {}.",
            a.title,
            a.obligation,
            a.new.state,
            a.date,
            if a.new.late { ", late" } else { "" },
            if a.new.breached { ", breached" } else { "" },
            a.new.reason,
            if a.new.evidence.is_empty() {
                "none on record".to_owned()
            } else {
                a.new.evidence.join(", ")
            }
        ))
    );
    let _ = writeln!(o, "    <web>{}</web>", xml(web));
    let _ = writeln!(
        o,
        "    <parameter>\n      <valueName>obligation</valueName>\n      <value>{}</value>\n    </parameter>",
        xml(&a.obligation)
    );
    let _ = writeln!(
        o,
        "    <area>\n      <areaDesc>{}</areaDesc>\n    </area>",
        xml(&if areas.is_empty() {
            "the agreement's whole area".to_owned()
        } else {
            areas.join(", ")
        })
    );
    o.push_str("  </info>\n</alert>\n");
    o
}

/// Escapes an iCalendar TEXT value.
fn ical_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 sequence.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// An iCalendar of deadlines and notice dates: one all-day event each.
pub fn icalendar(agreement: &str, title: &str, stamp: &str, items: &[Upcoming]) -> String {
    let mut o = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Truce//Ceasefire monitoring//EN",
        "CALSCALE:GREGORIAN",
    ] {
        fold(l, &mut o);
    }
    fold(
        &format!("X-WR-CALNAME:{}", ical_text(&format!("Deadlines: {title}"))),
        &mut o,
    );
    let stamp: String = stamp
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .take(15)
        .collect::<String>()
        + "Z";
    for u in items {
        let day = u.date.to_string().replace('-', "");
        let next = u
            .date
            .tomorrow()
            .unwrap_or(u.date)
            .to_string()
            .replace('-', "");
        fold("BEGIN:VEVENT", &mut o);
        let what: String = u.what.chars().filter(char::is_ascii_alphanumeric).collect();
        fold(
            &format!("UID:{agreement}-{}-{day}-{what}@truce", u.obligation),
            &mut o,
        );
        fold(&format!("DTSTAMP:{stamp}"), &mut o);
        fold(&format!("DTSTART;VALUE=DATE:{day}"), &mut o);
        fold(&format!("DTEND;VALUE=DATE:{next}"), &mut o);
        fold(
            &format!("SUMMARY:{}", ical_text(&format!("{}: {}", u.title, u.what))),
            &mut o,
        );
        fold(
            &format!(
                "DESCRIPTION:{}",
                ical_text(&format!(
                    "Obligation {} of {agreement}. {}.",
                    u.obligation, u.what
                ))
            ),
            &mut o,
        );
        fold("TRANSP:TRANSPARENT", &mut o);
        fold("END:VEVENT", &mut o);
    }
    fold("END:VCALENDAR", &mut o);
    o
}
