//! Incident pages kept in memory answer exactly what the database answers, and show
//! writes: at once when made through the same process, within a moment otherwise.

use super::nk2020;
use truce_engine::incidents::{Attribution, Incident, IncidentStatus};
use truce_model::report::{Estimate, EventType, Window};
use truce_store::pages::{PointRow, Projection};
use truce_store::testing::fresh_all;
use truce_store::{Batch, Cursor, IncidentFilter, IncidentOrder, Store};

/// A small deterministic generator (64-bit LCG, high bits).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        self.below(1 << 30) as f64 / f64::from(1u32 << 30)
    }
}

const START: i64 = 1_605_000_000;
const SPAN: i64 = 400 * 86_400;

/// A whole half-day in the span: windows and filters meet exactly now and then.
fn hour(rng: &mut Rng) -> i64 {
    START + 43_200 * i64::try_from(rng.below(SPAN as u64 / 43_200)).unwrap_or(0)
}

fn incident(rng: &mut Rng, number: u64) -> Incident {
    let types = [
        EventType::Artillery,
        EventType::SmallArmsFire,
        EventType::DroneStrike,
        EventType::ForcesPresence,
    ];
    let statuses = [
        IncidentStatus::Confirmed,
        IncidentStatus::Corroborated,
        IncidentStatus::Disputed,
        IncidentStatus::Unverified,
        IncidentStatus::Rejected,
    ];
    let start = hour(rng);
    // Mostly instants; some windows of up to ten days, so that the longest window
    // decides which starts a time query must read.
    let length = if rng.below(8) == 0 {
        3_600 * i64::try_from(rng.below(240)).unwrap_or(0)
    } else {
        0
    };
    // Points cluster on a few 0.1° squares (and their edges); some have none.
    let point = match rng.below(10) {
        0 => None,
        1 => Some((46.7 + 0.1 * (rng.below(3) as f64), 39.8)),
        _ => Some((46.0 + rng.unit() * 1.4, 39.3 + rng.unit() * 1.1)),
    };
    let assessed = match rng.below(3) {
        0 => None,
        1 => Some("az".to_owned()),
        _ => Some("am".to_owned()),
    };
    Incident {
        id: format!("inc-{number}"),
        // Some incidents lost every report to a merge: they are never listed.
        reports: (0..rng.below(4))
            .map(|k| format!("r-{number}-{k}"))
            .collect(),
        window: Window {
            start: jiff::Timestamp::from_second(start).expect("instant"),
            end: jiff::Timestamp::from_second(start + length).expect("instant"),
            precision: u8::try_from(1 + number % 5).unwrap_or(1),
        },
        // Places from the number, so the generator's draws stay as they were: some
        // named in both languages, some as reported only, some with quotes to escape.
        place_label: match number % 4 {
            0 => None,
            1 => Some("Shusha / Shushi".to_owned()),
            2 => Some("3 km from Aghdam / Akna".to_owned()),
            _ => Some(format!("{} km from \"Kh\u{e4}lf\u{e4}li\"", number % 11)),
        }
        .filter(|_| point.is_some()),
        place_name: number
            .is_multiple_of(3)
            .then(|| format!("village no. {}", number % 7)),
        point,
        location_precision: u8::try_from(1 + number % 3).unwrap_or(1),
        event_type: types[rng.below(4) as usize],
        attribution: Attribution {
            claims: Vec::new(),
            disputed: assessed.is_none() && rng.below(2) == 0,
            assessed,
        },
        status: statuses[rng.below(5) as usize],
        // Zones from the number too: none, one, two, and some near an edge.
        zones: match number % 6 {
            0 => Vec::new(),
            1 | 4 => vec!["lachin-corridor".to_owned()],
            2 => vec!["lachin-corridor".to_owned(), "peacekeeping-area".to_owned()],
            _ => vec!["contact-line".to_owned()],
        },
        possibly_in: if number % 7 == 3 {
            vec!["peacekeeping-area".to_owned()]
        } else {
            Vec::new()
        },
        killed: Estimate {
            low: 0,
            best: u32::try_from(number % 4).unwrap_or(0),
            high: 3,
        },
    }
}

fn filter(rng: &mut Rng) -> IncidentFilter {
    let mut f = IncidentFilter {
        limit: [1, 7, 100, 10_000, 10_000][rng.below(5) as usize],
        ..IncidentFilter::default()
    };
    if rng.below(3) > 0 {
        // Boxes from a fraction of a square to the whole region, some on square edges.
        let (w, s) = if rng.below(4) == 0 {
            (46.7, 39.8)
        } else {
            (45.9 + rng.unit() * 1.4, 39.2 + rng.unit() * 1.1)
        };
        let size = [0.01, 0.12, 0.3, 2.0][rng.below(4) as usize];
        f.bbox = Some([w, s, w + size, s + size * 0.75]);
    }
    if rng.below(3) > 0 {
        let from = hour(rng);
        f.from_s = Some(from);
        if rng.below(2) == 0 {
            f.to_s = Some(from + 43_200 * i64::try_from(rng.below(120)).unwrap_or(0));
        }
    } else if rng.below(3) == 0 {
        f.to_s = Some(hour(rng));
    }
    // Drawn from the limit, so that the other draws stay as they were.
    f.zone = match f.limit {
        7 => Some("lachin-corridor".into()),
        1 => Some("peacekeeping-area".into()),
        100 if f.bbox.is_none() => Some("no-such-zone".into()),
        _ => None,
    };
    match rng.below(6) {
        0 => f.event_type = Some("artillery".into()),
        1 => f.event_type = Some("air-strike".into()),
        _ => {}
    }
    match rng.below(7) {
        0 => f.status = vec!["disputed".into()],
        1 => f.status = vec!["no-such-status".into()],
        2 => f.status = vec!["unverified".into(), "disputed".into()],
        3 => f.status = vec!["no-such-status".into(), "confirmed".into()],
        _ => {}
    }
    f.order = [
        IncidentOrder::Number,
        IncidentOrder::Oldest,
        IncidentOrder::Newest,
    ][rng.below(3) as usize];
    if rng.below(4) == 0 {
        f.after = Some(Cursor {
            number: i64::try_from(rng.below(1_500)).unwrap_or(0),
            start_s: hour(rng),
        });
    }
    f
}

async fn store_incidents(store: &Store, rng: &mut Rng, numbers: std::ops::Range<u64>) {
    let incidents: Vec<Incident> = numbers.map(|n| incident(rng, n)).collect();
    for chunk in incidents.chunks(500) {
        store
            .write_batch(&Batch {
                agreement: "nk-2020".into(),
                reports: Vec::new(),
                superseded: Vec::new(),
                incidents: chunk.to_vec(),
            })
            .await
            .expect("write");
    }
}

#[tokio::test]
async fn incident_pages_in_memory_answer_exactly_what_the_database_answers() {
    for (guard, plain) in fresh_all().await {
        plain.load_agreement(&nk2020()).await.expect("load");
        let mut rng = Rng(2020);
        store_incidents(&plain, &mut rng, 1..1_501).await;
        let paged = plain.clone().with_incident_pages();
        paged
            .refresh_incident_pages("nk-2020")
            .await
            .expect("pages");
        let (held, bytes) = paged.incident_pages_held("nk-2020").expect("held");
        assert!(bytes > held * 40, "{bytes} bytes for {held} incidents");
        let listed = plain
            .count_incidents("nk-2020", &IncidentFilter::default())
            .await
            .expect("count");
        assert_eq!(held as i64, listed, "only incidents with reports are held");
        assert!(listed > 1_000 && listed < 1_500, "{listed} listed");
        let mut nonempty = 0;
        for k in 0..400 {
            let f = filter(&mut rng);
            let want = plain.incident_rows("nk-2020", &f).await.expect("sql");
            let got = paged.incident_rows("nk-2020", &f).await.expect("memory");
            assert_eq!(
                got.iter().map(|r| r.number).collect::<Vec<_>>(),
                want.iter().map(|r| r.number).collect::<Vec<_>>(),
                "filter {k}: {f:?}"
            );
            assert_eq!(got, want, "filter {k}: the same stored JSON");
            for projection in [Projection::Map, Projection::List] {
                let want = plain
                    .incident_points("nk-2020", &f, projection)
                    .await
                    .expect("sql");
                let got = paged
                    .incident_points("nk-2020", &f, projection)
                    .await
                    .expect("memory");
                assert_eq!(got, want, "filter {k}: the same {projection:?} lines");
            }
            // Each list line is the incident's own fields: its place as stored.
            for line in paged
                .incident_points("nk-2020", &f, Projection::List)
                .await
                .expect("list")
                .iter()
                .zip(&got)
            {
                let lean: serde_json::Value = serde_json::from_str(&line.0.json).expect("lean");
                let whole: serde_json::Value = serde_json::from_str(&line.1.json).expect("whole");
                for (lean_key, whole_key) in [
                    ("id", "/id"),
                    ("place_label", "/place_label"),
                    ("place_name", "/place_name"),
                    ("status", "/status"),
                    ("type", "/event_type"),
                    ("start", "/window/start"),
                ] {
                    assert_eq!(
                        lean.get(lean_key),
                        whole.pointer(whole_key).or(Some(&serde_json::Value::Null)),
                        "filter {k}: {lean_key} of {}",
                        line.1.json
                    );
                }
            }
            assert_eq!(
                paged.count_incidents("nk-2020", &f).await.expect("memory"),
                plain.count_incidents("nk-2020", &f).await.expect("sql"),
                "filter {k}: the same count"
            );
            // Whole rows: the same from memory as from the columns and bodies, and each
            // row's particulars those of its stored incident.
            let facts = paged.incident_facts("nk-2020", &f).await.expect("memory");
            assert_eq!(
                facts,
                plain.incident_facts("nk-2020", &f).await.expect("sql"),
                "filter {k}: the same rows"
            );
            for (row, stored) in facts.iter().zip(&got) {
                let whole: Incident = serde_json::from_str(&stored.json).expect("incident");
                assert_eq!(*row, PointRow::from(&whole), "filter {k}: {}", stored.json);
            }
            nonempty += usize::from(!want.is_empty());
        }
        assert!(nonempty > 150, "most filters find something ({nonempty})");
        // Following the cursor, in every order, with and without a box and window, gives
        // the same pages, each incident once, in the order asked for.
        for (order, bbox) in [
            IncidentOrder::Number,
            IncidentOrder::Oldest,
            IncidentOrder::Newest,
        ]
        .into_iter()
        .flat_map(|o| [(o, true), (o, false)])
        {
            let mut f = IncidentFilter {
                bbox: bbox.then_some([46.0, 39.3, 47.4, 40.4]),
                from_s: bbox.then_some(START + 30 * 86_400),
                to_s: bbox.then_some(START + 200 * 86_400),
                order,
                limit: 50,
                ..IncidentFilter::default()
            };
            let mut pages = 0;
            let mut seen: Vec<(i64, i64)> = Vec::new();
            loop {
                let want = plain.incident_rows("nk-2020", &f).await.expect("sql");
                let got = paged.incident_rows("nk-2020", &f).await.expect("memory");
                assert_eq!(got, want, "{order:?}, box {bbox}: page {pages}");
                pages += 1;
                seen.extend(want.iter().map(|r| (r.start_s, r.number)));
                match want.last() {
                    Some(r) if want.len() == 50 => {
                        f.after = Some(Cursor {
                            number: r.number,
                            start_s: r.start_s,
                        });
                    }
                    _ => break,
                }
            }
            assert!(pages > 3, "{order:?}: {pages} pages");
            let mut sorted = seen.clone();
            match order {
                IncidentOrder::Number => sorted.sort_by_key(|p| p.1),
                IncidentOrder::Oldest => sorted.sort(),
                IncidentOrder::Newest => sorted.sort_by(|a, b| b.cmp(a)),
            }
            sorted.dedup();
            assert_eq!(seen, sorted, "{order:?}: every incident once, in order");
            let all = IncidentFilter {
                bbox: f.bbox,
                from_s: f.from_s,
                to_s: f.to_s,
                ..IncidentFilter::default()
            };
            let count = plain.count_incidents("nk-2020", &all).await.expect("count");
            assert_eq!(
                seen.len() as i64,
                count,
                "{order:?}: the pages hold every match"
            );
        }
        // A zone is read from memory, a party's claims from the database: both answer
        // as the database does.
        for f in [
            IncidentFilter {
                zone: Some("lachin-corridor".into()),
                limit: 100,
                ..IncidentFilter::default()
            },
            IncidentFilter {
                party: Some("az".into()),
                limit: 100,
                ..IncidentFilter::default()
            },
        ] {
            let rows = paged.incident_rows("nk-2020", &f).await.expect("rows");
            assert_eq!(rows.len(), 100, "{f:?}");
            assert_eq!(
                rows,
                plain.incident_rows("nk-2020", &f).await.expect("rows")
            );
            assert_eq!(
                paged.incident_facts("nk-2020", &f).await.expect("facts"),
                plain.incident_facts("nk-2020", &f).await.expect("facts")
            );
        }
        guard.done(plain).await;
    }
}

#[tokio::test]
async fn incident_pages_show_writes_at_once_and_other_writers_within_a_moment() {
    use truce_model::report::{Reliability, Source, SourceKind};
    for (guard, plain) in fresh_all().await {
        plain.load_agreement(&nk2020()).await.expect("load");
        let mut rng = Rng(7);
        store_incidents(&plain, &mut rng, 1..301).await;
        let paged = plain.clone().with_incident_pages();
        paged
            .refresh_incident_pages("nk-2020")
            .await
            .expect("pages");
        assert_eq!(paged.incident_pages_reads(), 1);
        let (held, _) = paged.incident_pages_held("nk-2020").expect("held");
        let all = IncidentFilter {
            limit: 10_000,
            ..IncidentFilter::default()
        };
        let before = paged
            .incident_points("nk-2020", &all, Projection::Map)
            .await
            .expect("list");
        let located =
            |number: i64, list: &[truce_store::Listed]| list.iter().any(|r| r.number == number);
        let same_answers = |rng: &mut Rng| {
            let filters: Vec<IncidentFilter> = (0..60).map(|_| filter(rng)).collect();
            let (paged, plain) = (paged.clone(), plain.clone());
            async move {
                for f in filters {
                    assert_eq!(
                        paged
                            .incident_points("nk-2020", &f, Projection::List)
                            .await
                            .expect("memory"),
                        plain
                            .incident_points("nk-2020", &f, Projection::List)
                            .await
                            .expect("sql"),
                        "{f:?}"
                    );
                }
            }
        };

        // A write that leaves incidents alone (a source registered by another process)
        // keeps the index: the audit entries since say so.
        plain
            .put_source(&Source {
                id: "op-9".into(),
                name: "Observation post 9".into(),
                kind: SourceKind::ObservationPost,
                reliability: Reliability::A,
                party: None,
            })
            .await
            .expect("source");
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        assert_eq!(
            paged
                .incident_points("nk-2020", &all, Projection::Map)
                .await
                .expect("list"),
            before
        );
        assert_eq!(paged.incident_pages_reads(), 1, "not read again");

        // A write through the same process shows on the next query, applied in place.
        let mut new = incident(&mut rng, 5_000);
        new.reports = vec!["r-new".into()];
        new.point = Some((46.75, 39.82));
        let write = |incidents: Vec<Incident>| {
            let paged = paged.clone();
            async move {
                paged
                    .write_batch(&Batch {
                        agreement: "nk-2020".into(),
                        reports: Vec::new(),
                        superseded: Vec::new(),
                        incidents,
                    })
                    .await
                    .expect("write");
            }
        };
        write(vec![new.clone()]).await;
        let after = paged
            .incident_points("nk-2020", &all, Projection::Map)
            .await
            .expect("list");
        assert!(!located(5_000, &before) && located(5_000, &after));
        assert_eq!(
            paged.incident_pages_held("nk-2020").map(|h| h.0),
            Some(held + 1)
        );
        // An analyst's change of status, a move, and an incident emptied by a merge.
        let mut changed = new.clone();
        changed.status = IncidentStatus::Rejected;
        changed.point = Some((47.1, 40.05));
        changed.place_label = Some("Martuni / Khojavend".into());
        let mut emptied = incident(&mut rng, 1);
        emptied.reports.clear();
        write(vec![changed, emptied]).await;
        let rejected = paged
            .incident_points(
                "nk-2020",
                &IncidentFilter {
                    status: vec!["rejected".into()],
                    bbox: Some([47.0, 40.0, 47.2, 40.1]),
                    limit: 10_000,
                    ..IncidentFilter::default()
                },
                Projection::List,
            )
            .await
            .expect("list");
        assert!(
            located(5_000, &rejected),
            "its new status and place are what filters see"
        );
        assert!(
            rejected
                .iter()
                .any(|l| l.number == 5_000
                    && l.json.contains("\"place_label\":\"Martuni / Khojavend\"")),
            "its list line names its new place: {rejected:?}"
        );
        let list = paged
            .incident_points("nk-2020", &all, Projection::Map)
            .await
            .expect("list");
        assert!(
            !located(1, &list),
            "an incident without reports is not listed"
        );
        assert_eq!(paged.incident_pages_reads(), 1, "updated in place");
        same_answers(&mut rng).await;

        // A write by another process (a handle without pages here) shows within a moment.
        let mut other = incident(&mut rng, 6_000);
        other.reports = vec!["r-other".into()];
        plain
            .write_batch(&Batch {
                agreement: "nk-2020".into(),
                reports: Vec::new(),
                superseded: Vec::new(),
                incidents: vec![other],
            })
            .await
            .expect("write");
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        let list = paged
            .incident_points("nk-2020", &all, Projection::Map)
            .await
            .expect("list");
        assert!(located(6_000, &list));
        assert_eq!(
            list,
            plain
                .incident_points("nk-2020", &all, Projection::Map)
                .await
                .expect("list")
        );
        // Read afresh in the background; then the index answers again.
        for _ in 0..100 {
            if paged.incident_pages_reads() == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(paged.incident_pages_reads(), 2);
        same_answers(&mut rng).await;
        guard.done(plain).await;
    }
}

#[tokio::test]
async fn incident_pages_updated_in_place_write_after_write_match_the_database() {
    for (guard, plain) in fresh_all().await {
        plain.load_agreement(&nk2020()).await.expect("load");
        let mut rng = Rng(11);
        store_incidents(&plain, &mut rng, 1..801).await;
        let paged = plain.clone().with_incident_pages();
        paged
            .refresh_incident_pages("nk-2020")
            .await
            .expect("pages");
        let mut next = 801;
        for round in 0..25 {
            // Rewrite some incidents (new place, window, type, status; some emptied, some
            // losing their point) and add new ones, in one write.
            let mut batch: Vec<Incident> = (0..1 + rng.below(6))
                .map(|_| {
                    let number = 1 + rng.below(next);
                    incident(&mut rng, number)
                })
                .collect();
            for _ in 0..rng.below(3) {
                let mut fresh = incident(&mut rng, next);
                fresh.reports = vec![format!("r-{next}")];
                batch.push(fresh);
                next += 1;
            }
            batch.sort_by(|a, b| a.id.cmp(&b.id));
            batch.dedup_by(|a, b| a.id == b.id);
            paged
                .write_batch(&Batch {
                    agreement: "nk-2020".into(),
                    reports: Vec::new(),
                    superseded: Vec::new(),
                    incidents: batch,
                })
                .await
                .expect("write");
            // The write is applied by the first query after it.
            for k in 0..20 {
                let f = filter(&mut rng);
                assert_eq!(
                    paged
                        .incident_points("nk-2020", &f, Projection::List)
                        .await
                        .expect("memory"),
                    plain
                        .incident_points("nk-2020", &f, Projection::List)
                        .await
                        .expect("sql"),
                    "round {round}, filter {k}: {f:?}"
                );
            }
            let listed = plain
                .count_incidents("nk-2020", &IncidentFilter::default())
                .await
                .expect("count");
            assert_eq!(
                paged.incident_pages_held("nk-2020").map(|h| h.0 as i64),
                Some(listed),
                "round {round}"
            );
        }
        assert_eq!(
            paged.incident_pages_reads(),
            1,
            "every write applied in place"
        );
        guard.done(plain).await;
    }
}

/// Removes a table's columns from a dump, header and rows: a dump from an older build.
fn without_columns(dump: &str, table: &str, gone: &[&str]) -> String {
    let mut out = String::new();
    let mut drop_at: Vec<usize> = Vec::new();
    for line in dump.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).expect("dump line");
        if let Some(o) = v.as_object_mut() {
            drop_at.clear();
            if o.get("table").and_then(serde_json::Value::as_str) == Some(table) {
                let columns = o["columns"].as_array_mut().expect("columns");
                drop_at = columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| gone.contains(&c.as_str().unwrap_or_default()))
                    .map(|(k, _)| k)
                    .collect();
                for k in drop_at.iter().rev() {
                    columns.remove(*k);
                }
            }
        } else if let Some(cells) = v.as_array_mut() {
            for k in drop_at.iter().rev() {
                cells.remove(*k);
            }
        }
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn a_dump_from_before_place_columns_restores_with_every_line_placed() {
    for ((guard, source), (target_guard, target)) in
        fresh_all().await.into_iter().zip(fresh_all().await)
    {
        source.load_agreement(&nk2020()).await.expect("load");
        let mut rng = Rng(7);
        store_incidents(&source, &mut rng, 1..301).await;
        let mut dump = Vec::new();
        source.dump(&mut dump).await.expect("dump");
        let old = without_columns(
            &String::from_utf8(dump).expect("utf-8"),
            "incidents",
            &["place_label", "place_name"],
        );
        assert!(!old.contains("\"place_label\",") && old.contains("\"table\":\"incidents\""));
        target
            .restore(&mut std::io::Cursor::new(old))
            .await
            .expect("restore");
        let all = IncidentFilter {
            limit: 10_000,
            ..IncidentFilter::default()
        };
        let want = source
            .incident_points("nk-2020", &all, Projection::List)
            .await
            .expect("source");
        assert!(
            want.iter()
                .filter(|l| l.json.contains("Shusha / Shushi"))
                .count()
                > 10
        );
        assert_eq!(
            target
                .incident_points("nk-2020", &all, Projection::List)
                .await
                .expect("target"),
            want,
            "places read from the restored bodies"
        );
        target_guard.done(target).await;
        guard.done(source).await;
    }
}
