//! Bulletins: the demo period's content and Markdown against golden files, the chart's
//! and map's SVG structure, and signatures that fail on any changed byte or another key.

use crate::{demo_records, nk2020, root, violation};
use jiff::civil::date;
use std::collections::HashMap;
use truce_bulletin::render;
use truce_bulletin::{self as bulletin, Bulletin, BulletinInputs, Signed};
use truce_engine::compliance::{Options, ViolationIndex};
use truce_engine::incidents::{Incident, IncidentStatus};
use truce_model::records::Evidence;

const SECRET: [u8; 32] = [7; 32];

fn build(incidents: &[Incident], from: jiff::civil::Date, to: jiff::civil::Date) -> Bulletin {
    build_in(incidents, from, to, "en")
}

fn build_in(
    incidents: &[Incident],
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    lang: &str,
) -> Bulletin {
    let b = nk2020();
    let evidence = Evidence::from_records(demo_records(&b));
    let violations = ViolationIndex::from_incidents(incidents, b.agreement.tz());
    bulletin::build_in(
        BulletinInputs {
            bundle: &b,
            evidence: &evidence,
            incidents,
            violations: &violations,
            registry: &[],
            sources: &HashMap::new(),
            options: &Options::default(),
        },
        from,
        to,
        "2026-11-28T00:00:00Z",
        lang,
    )
}

/// Compares with a golden file; `UPDATE_GOLDEN=1` rewrites it.
fn golden(name: &str, actual: &str) {
    let path = root()
        .join("crates/truce-bulletin/tests/it/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map_or(0, |n| n + 1);
        panic!(
            "{name} differs from the golden file at line {line} (UPDATE_GOLDEN=1 rewrites it after review)"
        );
    }
}

#[test]
fn the_bulletin_of_10_to_20_november_2020_matches_its_golden_json_and_markdown() {
    let b = build(&[], date(2020, 11, 10), date(2020, 11, 20));
    // The facts a reader looks for first.
    let changed: Vec<(String, &str, &str)> = b
        .changes
        .iter()
        .map(|c| (c.date.to_string(), c.obligation.as_str(), c.to.as_str()))
        .collect();
    assert!(
        changed.contains(&("2020-11-20".into(), "handover-agdam", "complete on time")),
        "{changed:?}"
    );
    assert!(
        b.upcoming
            .iter()
            .any(|u| u.obligation == "handover-kalbajar" && u.date == date(2020, 11, 25)),
        "Kalbajar is due by 25 November after the extension: {:?}",
        b.upcoming
    );
    assert!(
        b.summary
            .iter()
            .any(|s| s.contains("0 ceasefire violation(s)"))
    );
    assert!(
        b.sources.iter().any(|s| s.id.starts_with("https://")),
        "records' public sources are listed"
    );
    let signed = bulletin::sign(b, &SECRET);
    // Pretty-printed, so that a change of content reads as a reviewable diff.
    let json: serde_json::Value =
        serde_json::from_str(&bulletin::json_text(&signed)).expect("json");
    golden(
        "bulletin-2020-11-10--2020-11-20.json",
        &(serde_json::to_string_pretty(&json).expect("pretty") + "\n"),
    );
    golden(
        "bulletin-2020-11-10--2020-11-20.md",
        &render::markdown(&signed),
    );
}

fn with_incidents() -> Bulletin {
    use IncidentStatus::{Confirmed, Corroborated, Unverified};
    let incidents = vec![
        violation("inc-1", date(2021, 5, 1), Some("az"), Confirmed),
        violation("inc-2", date(2021, 5, 1), Some("am"), Corroborated),
        violation("inc-3", date(2021, 5, 3), None, Unverified),
        violation("inc-4", date(2021, 4, 28), Some("az"), Confirmed),
        violation(
            "inc-5",
            date(2021, 5, 5),
            Some("az"),
            IncidentStatus::Rejected,
        ),
    ];
    build(&incidents, date(2021, 5, 1), date(2021, 5, 7))
}

#[test]
fn violations_are_counted_against_the_previous_period_and_drawn_as_bars() {
    let b = with_incidents();
    assert_eq!((b.violations.total, b.violations.previous_total), (3, 1));
    let z = &b.violations.by_zone[0];
    assert_eq!((z.zone.as_str(), z.count, z.previous), ("nk-pre2020", 3, 1));
    assert_eq!(
        z.incidents,
        ["inc-1", "inc-2", "inc-3"],
        "every number lists its incidents"
    );
    assert_eq!(b.notable[0].id, "inc-1", "confirmed first");
    let svg = render::chart_svg(&b);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    let bars: Vec<&str> = svg
        .match_indices("<rect class=\"bar\"")
        .map(|(i, _)| &svg[i..])
        .collect();
    assert_eq!(
        bars.len(),
        3,
        "one bar per day and status: 1 May confirmed + corroborated, 3 May unverified"
    );
    assert!(
        bars[0].contains("data-date=\"2021-05-01\"")
            && bars[0].contains("data-status=\"confirmed\"")
    );
    assert!(bars[2].contains("data-date=\"2021-05-03\""));
    let map = render::map_svg(&b);
    assert_eq!(map.matches(" class=\"incident\"").count(), 3);
    assert!(map.contains("data-zone=\"lachin-corridor\""));
    let html = render::html(&bulletin::sign(b, &SECRET));
    assert!(
        !html.contains("<link")
            && !html.contains(" src=")
            && !html.replace("url(#", "").contains("url("),
        "no external asset (patterns are referred to within the page)"
    );
    assert!(
        !html.contains("<script>") && !html.contains("<script src"),
        "no script runs"
    );
}

/// Every form Truce writes, as text.
fn forms(s: &Signed) -> [(&'static str, String); 3] {
    [
        ("json", bulletin::json_text(s)),
        ("md", render::markdown(s)),
        ("html", render::html(s)),
    ]
}

#[test]
fn any_changed_byte_or_another_key_fails_verification() {
    let signed = bulletin::sign(with_incidents(), &SECRET);
    let public = bulletin::public_of(&SECRET);
    let other = bulletin::public_of(&[9; 32]);
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for (form, text) in forms(&signed) {
        assert!(
            bulletin::verify_text(&text, &public).is_ok(),
            "{form} verifies"
        );
        assert!(
            matches!(
                bulletin::verify_text(&text, &other),
                Err(bulletin::VerifyError::OtherKey { .. })
            ),
            "{form} with another key"
        );
        let bytes = text.as_bytes();
        for _ in 0..150 {
            let at = next(bytes.len());
            let mut changed = bytes.to_vec();
            // Another printable ASCII byte; a multi-byte character broken by it is a
            // change too.
            changed[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
            let changed = String::from_utf8_lossy(&changed);
            assert!(
                bulletin::verify_text(&changed, &public).is_err(),
                "{form}: a change at byte {at} went unnoticed"
            );
        }
    }
    // The signature itself.
    let mut forged = signed.clone();
    let v = forged.signature.value.clone();
    forged.signature.value = format!("{}{}", if v.starts_with('0') { "1" } else { "0" }, &v[1..]);
    assert!(bulletin::verify_signed(&forged, &public).is_err());
    // Content changed and re-rendered consistently: the signature no longer matches.
    let mut edited = signed.clone();
    edited.bulletin.violations.total += 1;
    for (form, text) in forms(&edited) {
        assert_eq!(
            bulletin::verify_text(&text, &public).err(),
            Some(bulletin::VerifyError::BadSignature),
            "{form}"
        );
    }
}

#[test]
fn a_bulletin_says_how_many_violations_were_only_possibly_in_a_zone() {
    let mut coarse = violation(
        "inc-7",
        date(2022, 8, 2),
        Some("az"),
        IncidentStatus::Corroborated,
    );
    coarse.zones = vec!["azerbaijan".into()];
    coarse.possibly_in = vec!["nk-pre2020".into()];
    let sure = violation(
        "inc-8",
        date(2022, 8, 2),
        Some("az"),
        IncidentStatus::Corroborated,
    );
    let b = build(&[coarse, sure], date(2022, 8, 1), date(2022, 8, 7));
    assert_eq!(b.violations.total, 2);
    let pre2020 = |list: &[bulletin::ZoneCount]| {
        list.iter()
            .filter(|z| z.zone == "nk-pre2020")
            .map(|z| z.incidents.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(pre2020(&b.violations.by_zone), [vec!["inc-8".to_owned()]]);
    assert_eq!(
        pre2020(&b.violations.possibly_in),
        [vec!["inc-7".to_owned()]]
    );
    assert!(
        b.summary
            .iter()
            .any(|l| l.starts_with("1 violation(s) placed too coarsely")),
        "{:?}",
        b.summary
    );
    let md = render::markdown(&bulletin::sign(b, &SECRET));
    assert!(
        md.contains("Possibly in (the location's uncertainty"),
        "{md}"
    );
}

#[test]
fn a_bulletin_names_places_by_both_names_with_the_reporters_spelling() {
    let mut named = violation(
        "inc-9",
        date(2022, 8, 2),
        Some("az"),
        IncidentStatus::Corroborated,
    );
    named.place_label = Some("Khankendi / Stepanakert".into());
    named.place_name = Some("Stepanakert".into());
    let mut typo = violation(
        "inc-10",
        date(2022, 8, 3),
        Some("az"),
        IncidentStatus::Corroborated,
    );
    typo.place_label = Some("Shusha / Shushi".into());
    typo.place_name = Some("Shushaa".into());
    let b = build(&[named, typo], date(2022, 8, 1), date(2022, 8, 7));
    let places: Vec<&str> = b.notable.iter().map(|n| n.place.as_str()).collect();
    assert!(places.contains(&"Khankendi / Stepanakert"), "{places:?}");
    assert!(
        places.contains(&"Shusha / Shushi (as reported: Shushaa)"),
        "{places:?}"
    );
}

/// The values of an attribute on the elements of a class, in document order.
fn attrs<'a>(svg: &'a str, class: &str, attr: &str) -> Vec<&'a str> {
    svg.match_indices(&format!("class=\"{class}\""))
        .filter_map(|(i, _)| {
            let tag_end = svg[i..].find('>')? + i;
            let tag = &svg[svg[..i].rfind('<')?..tag_end];
            let at = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
            Some(&tag[at..at + tag[at..].find('"')?])
        })
        .collect()
}

/// The texts of the `<text>` elements of a class.
fn texts<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
    svg.match_indices(&format!("<text class=\"{class}\""))
        .filter_map(|(i, _)| {
            let start = svg[i..].find('>')? + i + 1;
            Some(&svg[start..start + svg[start..].find("</text>")?])
        })
        .collect()
}

#[test]
fn the_map_is_framed_on_the_zones_with_places_a_legend_a_scale_and_a_locator() {
    let b = with_incidents();
    let map = render::map_svg(&b);
    // Framed on the agreement's zones, not on the two states around them (which reach
    // from 43.4° to 50.6° E).
    let frame: Vec<f64> = attrs(&map, "map", "data-frame")[0]
        .split(',')
        .map(|v| v.parse().expect("degrees"))
        .collect();
    let [w, s, e, n] = [frame[0], frame[1], frame[2], frame[3]];
    assert!(
        w > 45.3 && e < 47.9 && s > 38.7 && n < 40.7,
        "frame {frame:?}"
    );
    // Main places by both names, the districts and the states named.
    let places = texts(&map, "place-label");
    for name in [
        "Shusha / Shushi",
        "Khankendi / Stepanakert",
        "Lachin / Berdzor",
    ] {
        assert!(places.contains(&name), "{name} among {places:?}");
    }
    assert!(
        !places.iter().any(|p| p.contains("Ganja")),
        "a place off the frame: {places:?}"
    );
    let zones = texts(&map, "zone-label");
    assert!(zones.contains(&"Shusha / Shushi (district)"), "{zones:?}");
    assert!(
        !zones.iter().any(|z| places.contains(z)),
        "a district named like its labelled centre is not named twice: {zones:?}"
    );
    let states = texts(&map, "country-label");
    assert_eq!(states.len(), 2, "{states:?}");
    // The legend names each status and each kind of zone drawn.
    for entry in [
        "confirmed",
        "corroborated",
        "unverified or disputed",
        "Lachin corridor (5 km band)",
        "district",
        "state border",
        "main place",
    ] {
        assert!(
            map.contains(&format!(">{entry}</text>")),
            "legend entry {entry}"
        );
    }
    // Printed in black and white, statuses differ by shape or pattern, not colour alone.
    let symbols: Vec<(String, String)> = ["confirmed", "corroborated", "unverified"]
        .iter()
        .map(|status| {
            let i = map
                .find(&format!("data-status=\"{status}\""))
                .expect("a symbol of each status");
            let start = map[..i].rfind('<').expect("tag");
            let tag = &map[start..i];
            let element = tag[1..].split(' ').next().unwrap_or_default().to_owned();
            let fill = &map[i..];
            let fill = &fill[fill.find("fill=\"").expect("fill") + 6..];
            let fill = &fill[..fill.find('"').expect("quote")];
            let kind = if fill.starts_with("url(") {
                "pattern"
            } else if fill == "#fff" {
                "open"
            } else {
                "solid"
            };
            (element, kind.to_owned())
        })
        .collect();
    for (k, a) in symbols.iter().enumerate() {
        for b in &symbols[k + 1..] {
            assert_ne!(a, b, "two statuses drawn alike: {symbols:?}");
        }
    }
    // The scale bar's length is its kilometres at the map's scale: the frame's width
    // in kilometres at its middle latitude over the 640 px it is drawn across.
    let km: f64 = attrs(&map, "scale", "data-km")[0].parse().expect("km");
    let px: f64 = attrs(&map, "scale", "data-px")[0].parse().expect("px");
    let width_km = (e - w) * 111.32 * ((s + n) / 2.0).to_radians().cos();
    let want = km * 640.0 / width_km;
    assert!(
        (px - want).abs() < want * 0.005,
        "{km} km drawn {px} px, {want} expected"
    );
    assert!(px > 40.0 && px <= 150.0, "a readable bar: {px} px");
    assert!(map.contains(&format!(">{km} km</text>")));
    // The locator shows where the frame lies in the region.
    assert!(map.contains("class=\"locator\"") && map.contains("class=\"locator-frame\""));
}

#[test]
fn the_chart_has_a_date_axis_a_count_axis_and_a_legend() {
    let b = with_incidents();
    let chart = render::chart_svg(&b);
    // A week: each day ticked and named.
    let days = attrs(&chart, "x-tick", "data-date");
    assert_eq!(
        days,
        [
            "2021-05-01",
            "2021-05-02",
            "2021-05-03",
            "2021-05-04",
            "2021-05-05",
            "2021-05-06",
            "2021-05-07"
        ]
    );
    assert_eq!(texts(&chart, "x-tick")[0], "1 May");
    // Counts from 0 to the most in a day (two on 1 May).
    assert_eq!(texts(&chart, "y-tick"), ["0", "2"]);
    for entry in ["confirmed", "corroborated", "unverified or disputed"] {
        assert!(
            chart.contains(&format!(">{entry}</text>")),
            "legend entry {entry}"
        );
    }
    // A long period is ticked by month, with labels that do not crowd.
    let long = build(
        &[violation(
            "inc-1",
            date(2021, 3, 10),
            Some("az"),
            IncidentStatus::Confirmed,
        )],
        date(2021, 1, 1),
        date(2021, 12, 31),
    );
    let chart = render::chart_svg(&long);
    let labels = texts(&chart, "x-tick");
    assert!(
        (4..=12).contains(&labels.len()) && labels[0] == "Jan 2021",
        "{labels:?}"
    );
}

#[test]
fn a_bulletin_of_the_first_layout_still_verifies_in_every_form() {
    // Signed before maps were framed and labelled: no layout, places or zone names.
    let path = root()
        .join("crates/truce-bulletin/tests/it/golden/layout1-bulletin-2020-11-10--2020-11-20.json");
    let pretty = std::fs::read_to_string(path).expect("fixture");
    assert!(!pretty.contains("\"layout\"") && !pretty.contains("\"places\""));
    // Its JSON form as published: the canonical bytes of what was signed.
    let text = bulletin::canonical(&serde_json::from_str(&pretty).expect("json")) + "\n";
    let public = bulletin::public_of(&SECRET);
    let signed = bulletin::verify_text(&text, &public).expect("the old JSON verifies");
    assert_eq!(signed.bulletin.layout, 1);
    // Its HTML as published then, by the build of that time.
    let path = root()
        .join("crates/truce-bulletin/tests/it/golden/layout1-bulletin-2020-11-10--2020-11-20.html");
    let published = std::fs::read_to_string(path).expect("fixture");
    bulletin::verify_text(&published, &public).expect("its published HTML verifies");
    assert_eq!(render::html(&signed), published, "drawn as it was then");
    bulletin::verify_text(&render::markdown(&signed), &public).expect("its Markdown verifies");
    // A bulletin made now is drawn in the new layout, and verifies the same way.
    let now = bulletin::sign(with_incidents(), &SECRET);
    assert_eq!(now.bulletin.layout, bulletin::LAYOUT);
    let html = render::html(&now);
    assert!(html.contains("class=\"locator\""));
    bulletin::verify_text(&html, &public).expect("the new HTML verifies");
}

#[test]
fn a_bulletin_shows_the_totals_sources_state_beside_the_records_with_their_sources() {
    let b = nk2020();
    let corpus = std::fs::read_to_string(
        root().join("agreements/nk-2020/transcription/public-sources-2020-2024.jsonl"),
    )
    .expect("corpus");
    let mut records = demo_records(&b);
    records.extend(corpus.lines().enumerate().map(|(i, l)| {
        truce_formats::records::read_line(i as u64 + 1, l, &b).expect("a corpus line")
    }));
    let evidence = Evidence::from_records(records);
    let bulletin = bulletin::build(
        BulletinInputs {
            bundle: &b,
            evidence: &evidence,
            incidents: &[],
            violations: &ViolationIndex::default(),
            registry: &[],
            sources: &HashMap::new(),
            options: &Options::default(),
        },
        date(2021, 11, 1),
        date(2021, 11, 30),
        "2026-11-28T00:00:00Z",
    );
    let signed = bulletin::sign(bulletin, &SECRET);
    let md = render::markdown(&signed);
    // Azerbaijan's count of returns since 22 December 2020 against the records.
    let line = md
        .lines()
        .find(|l| l.contains("tally:t-tally-az-2021-11-12") && l.contains("to Republic of Armenia"))
        .unwrap_or_else(|| panic!("no stated total in\n{md}"));
    assert!(
        line.contains("| 105 |") && line.contains("| +55 |"),
        "{line}"
    );
    // The missing, beside no figure of Truce's.
    assert!(
        md.lines()
            .any(|l| l.contains("missing of Republic of Azerbaijan")
                && l.contains("| 4000 | — | — |")),
        "{md}"
    );
    assert!(render::html(&signed).contains("Totals the sources state"));
    // Each stated total's page is among the bulletin's sources.
    assert!(
        signed
            .bulletin
            .sources
            .iter()
            .any(|s| s.id.contains("hyetert.org/2021/11/12")),
        "{:?}",
        signed.bulletin.sources
    );
}

#[test]
fn each_language_version_has_the_same_figures_its_own_words_and_its_own_signature() {
    use IncidentStatus::{Confirmed, Corroborated};
    let incidents = vec![
        violation("inc-1", date(2021, 5, 1), Some("az"), Confirmed),
        violation("inc-2", date(2021, 5, 1), Some("am"), Corroborated),
    ];
    let (from, to) = (date(2021, 5, 1), date(2021, 5, 7));
    let english = build(&incidents, from, to);
    assert_eq!(english.lang, "en");
    assert_eq!(
        serde_json::to_value(&english).expect("json").get("lang"),
        None,
        "an English bulletin is signed as before languages existed"
    );
    let public = bulletin::public_of(&SECRET);
    for lang in ["ru", "hy", "az"] {
        let b = build_in(&incidents, from, to, lang);
        assert_eq!(b.id, format!("{}.{lang}", english.id));
        assert_eq!(b.lang, lang);
        // The same figures and records; other words (the zones by their names in the
        // language).
        let unnamed = |v: &bulletin::Violations| {
            let mut v = v.clone();
            for z in v.by_zone.iter_mut().chain(v.possibly_in.iter_mut()) {
                z.zone_name.clear();
            }
            v
        };
        assert_eq!(unnamed(&b.violations), unnamed(&english.violations));
        let named: Vec<&str> = b
            .violations
            .by_zone
            .iter()
            .map(|z| z.zone_name.as_str())
            .collect();
        assert!(
            named
                .iter()
                .any(|n| !english.violations.by_zone.iter().any(|z| z.zone_name == *n)),
            "{lang}: the zones are named in the language: {named:?}"
        );
        assert_eq!(b.notable, english.notable);
        assert_eq!(b.sources.len(), english.sources.len());
        assert_ne!(
            b.summary, english.summary,
            "{lang}: the summary is translated"
        );
        assert_ne!(b.methodology, english.methodology, "{lang}");
        let m = truce_model::i18n::messages(lang).expect("language");
        let signed = bulletin::sign(b, &SECRET);
        for (form, text) in forms(&signed) {
            assert!(
                bulletin::verify_text(&text, &public).is_ok(),
                "{lang} {form} verifies"
            );
            if form != "json" {
                assert!(
                    text.contains(&m.t("bulletin.heading.violations", &[])),
                    "{lang} {form}: its own headings"
                );
                assert!(
                    !text.contains("Ceasefire violations"),
                    "{lang} {form}: no English heading left"
                );
            }
        }
        let html = render::html(&signed);
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        // Its chart's and map's text equivalents are in its words too.
        assert!(
            !html.contains("Violations per local day"),
            "{lang}: the chart speaks English"
        );
        assert!(
            !html.contains("Map of the agreement's zones"),
            "{lang}: the map speaks English"
        );
    }
}

#[test]
fn a_bulletin_of_the_second_layout_still_verifies_and_re_renders_to_its_published_bytes() {
    // Signed and drawn by the build before languages (layout 2): its HTML as published.
    let golden = root().join("crates/truce-bulletin/tests/it/golden");
    let pretty =
        std::fs::read_to_string(golden.join("layout2-bulletin-2020-11-10--2020-11-20.json"))
            .expect("fixture");
    assert!(pretty.contains("\"layout\": 2") && !pretty.contains("\"lang\""));
    let text = bulletin::canonical(&serde_json::from_str(&pretty).expect("json")) + "\n";
    let public = bulletin::public_of(&SECRET);
    let signed = bulletin::verify_text(&text, &public).expect("the old JSON verifies");
    let published =
        std::fs::read_to_string(golden.join("layout2-bulletin-2020-11-10--2020-11-20.html"))
            .expect("fixture");
    bulletin::verify_text(&published, &public).expect("its published HTML verifies");
    assert_eq!(render::html(&signed), published, "drawn as it was then");
    assert!(published.contains(">Lachin corridor</text>"));
    // Made now: layout 3, the corridor named as its zone is.
    let now = render::html(&bulletin::sign(with_incidents(), &SECRET));
    assert!(
        now.contains(">Lachin corridor (5 km band)</text>"),
        "the zone's own name"
    );
}
