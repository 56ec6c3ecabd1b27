//! Feeds for other software: Atom (RFC 4287) for published bulletins and for alerts,
//! CAP 1.2 messages for obligation status changes, and iCalendar (RFC 5545) for the
//! deadlines and notice dates ahead. Pure text builders; the server decides the URLs.

use crate::content::Upcoming;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::fmt::Write;
use truce_engine::compliance::Alert;
use truce_model::AgreementBundle;
use truce_model::i18n;

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

/// A CAP 1.2 message for one status change of an obligation: one `<info>` block per
/// language Truce speaks (English first), each in that language's own words.
pub fn cap_alert(
    bundle: &AgreementBundle,
    a: &Alert,
    sender: &str,
    web: &str,
    areas: &[String],
) -> String {
    let agreement = &bundle.agreement;
    let tz = agreement.tz();
    let severity = if a.new.breached {
        "Severe"
    } else if a.new.late {
        "Moderate"
    } else {
        "Minor"
    };
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n",
    );
    let _ = writeln!(
        o,
        "  <identifier>{}</identifier>",
        xml(&cap_identifier(&agreement.id, a))
    );
    let _ = writeln!(o, "  <sender>{}</sender>", xml(sender));
    let _ = writeln!(o, "  <sent>{}</sent>", cap_time(a.date, tz));
    o.push_str("  <status>Actual</status>\n  <msgType>Alert</msgType>\n  <scope>Public</scope>\n");
    for lang in i18n::LANGUAGES {
        let m = i18n::messages(lang).unwrap_or_else(i18n::english);
        let own = |key: String, english: &str| {
            bundle.translated(lang, &key).unwrap_or(english).to_owned()
        };
        let title = own(format!("obligation.{}", a.obligation), &a.title);
        let from = a.old.as_ref().map_or_else(
            || m.t("bulletin.state.not_in_force", &[]),
            |s| m.state(&s.state),
        );
        let to = m.state(&a.new.state);
        let english = lang == "en";
        let day = if english {
            a.date.to_string()
        } else {
            m.day(a.date)
        };
        let flags: String = [(a.new.late, "cap.late"), (a.new.breached, "cap.breached")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, key)| m.t(key, &[]))
            .collect();
        let evidence = if a.new.evidence.is_empty() {
            m.t("cap.no_evidence", &[])
        } else {
            a.new.evidence.join(", ")
        };
        let area = if areas.is_empty() {
            m.t("cap.whole_area", &[])
        } else if english {
            areas.join(", ")
        } else {
            areas
                .iter()
                .map(|z| bundle.name(lang, "zone", z).unwrap_or_else(|| z.clone()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            o,
            "  <info>\n    <language>{lang}</language>\n    <category>Security</category>"
        );
        let _ = writeln!(o, "    <event>{}</event>", xml(&m.t("cap.event", &[])));
        let _ = writeln!(
            o,
            "    <urgency>Unknown</urgency>\n    <severity>{severity}</severity>\n    <certainty>Observed</certainty>"
        );
        let _ = writeln!(o, "    <effective>{}</effective>", cap_time(a.date, tz));
        let _ = writeln!(
            o,
            "    <senderName>{}</senderName>",
            xml(&m.t(
                "cap.sender_name",
                &[("title", own("title".into(), &agreement.title).into())]
            ))
        );
        let _ = writeln!(
            o,
            "    <headline>{}</headline>",
            xml(&m.t(
                "cap.headline",
                &[
                    ("title", (&title).into()),
                    ("from", (&from).into()),
                    ("to", (&to).into()),
                ]
            ))
        );
        let _ = writeln!(
            o,
            "    <description>{}</description>",
            xml(&m.t(
                "cap.description",
                &[
                    ("title", (&title).into()),
                    ("obligation", (&a.obligation).into()),
                    ("from", from.into()),
                    ("to", to.into()),
                    ("day", day.into()),
                    ("flags", flags.into()),
                    ("reason", bundle.say(m, &a.new.why).into()),
                    ("evidence", evidence.into()),
                ]
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
            "    <area>\n      <areaDesc>{}</areaDesc>\n    </area>\n  </info>",
            xml(&area)
        );
    }
    o.push_str("</alert>\n");
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
