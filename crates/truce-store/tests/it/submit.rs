//! Reports submitted one at a time, or in the groups a server's queue gathers
//! (`place_group`), against a bulk import of the same reports in the same order: the same
//! incidents, the same decisions and reasons, row for row.

use super::nk2020;
use truce_engine::incidents::IncidentStatus;
use truce_model::report::{Reliability, Source, SourceKind};
use truce_store::Store;
use truce_store::testing::fresh_all;

/// A deterministic stream of reports over a small area and a fortnight: points of every
/// precision, place names, several sources and types, later versions of earlier records,
/// repeats of the same version, and older versions arriving late.
fn reports(n: usize) -> Vec<String> {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |m: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % m
    };
    let sources = ["op-7", "am-mod", "az-mod", "media-1"];
    let types = [
        "artillery",
        "small-arms-fire",
        "armed-clash",
        "protest",
        "checkpoint-closure",
    ];
    let places = ["Shusha", "Hadrut", "Goris"];
    let mut lines: Vec<String> = Vec::new();
    // (source, key, version) of earlier lines, for later versions, repeats and stale ones.
    let mut keyed: Vec<(usize, String, u64)> = Vec::new();
    for i in 0..n {
        let roll = next(100);
        if roll < 4 && !lines.is_empty() {
            // The same line again: nothing to do.
            let j = usize::try_from(next(lines.len() as u64)).expect("fits");
            lines.push(lines[j].clone());
            continue;
        }
        let (source, key, version) = if roll < 16 && !keyed.is_empty() {
            let j = usize::try_from(next(keyed.len() as u64)).expect("fits");
            let (s, k, v) = keyed[j].clone();
            // Mostly newer versions; some older than the stored one.
            let v = if roll < 13 {
                v + 1 + next(3)
            } else {
                v.saturating_sub(1)
            };
            keyed[j].2 = keyed[j].2.max(v);
            (s, k, v)
        } else {
            let s = usize::try_from(next(sources.len() as u64)).expect("fits");
            keyed.push((s, format!("k{i}"), 1));
            (s, format!("k{i}"), 1)
        };
        let hour = next(14 * 24);
        let length = [1, 1, 2, 6, 24, 72][usize::try_from(next(6)).expect("fits")];
        let start =
            jiff::Timestamp::from_second(1_620_000_000 + i64::try_from(hour * 3600).expect("fits"))
                .expect("time");
        let end = start + jiff::SignedDuration::from_hours(i64::from(length));
        let precision = [1, 1, 1, 2, 2, 3, 4, 5][usize::try_from(next(8)).expect("fits")];
        let location = if next(5) == 0 {
            let p = places[usize::try_from(next(places.len() as u64)).expect("fits")];
            format!(r#"{{"place":"{p}","precision":{precision}}}"#)
        } else {
            #[allow(clippy::cast_precision_loss)]
            let (lon, lat) = (
                46.6 + next(4000) as f64 / 10_000.0,
                39.7 + next(3000) as f64 / 10_000.0,
            );
            format!(r#"{{"lon":{lon:.4},"lat":{lat:.4},"precision":{precision}}}"#)
        };
        let t = types[usize::try_from(next(types.len() as u64)).expect("fits")];
        let blame = ["", r#","perpetrator":"az""#, r#","perpetrator":"am""#]
            [usize::try_from(next(3)).expect("fits")];
        lines.push(format!(
            r#"{{"source":"{}","key":"{key}","version":{version},"received":"2021-06-01T00:00:00Z","occurred":{{"start":"{start}","end":"{end}","precision":1}},"location":{location},"type":"{t}"{blame},"credibility":{}}}"#,
            sources[source],
            1 + next(4),
        ));
    }
    lines
}

async fn with_sources(store: &Store) {
    for (id, kind, party) in [
        ("op-7", SourceKind::ObservationPost, None),
        ("am-mod", SourceKind::PartyMinistry, Some("am")),
        ("az-mod", SourceKind::PartyMinistry, Some("az")),
        ("media-1", SourceKind::Media, None),
    ] {
        store
            .put_source(&Source {
                id: id.into(),
                name: id.into(),
                kind,
                reliability: Reliability::B,
                party: party.map(str::to_owned),
            })
            .await
            .expect("source");
    }
}

/// The rows of the evidence tables, as a dump writes them (sorted).
async fn evidence(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    store.dump(&mut out).await.expect("dump");
    let text = String::from_utf8(out).expect("UTF-8");
    let mut keep = false;
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        if line.starts_with('{') {
            let header: serde_json::Value = serde_json::from_str(line).expect("a table line");
            keep = ["reports", "incidents", "incident_zones", "matching_owed"]
                .contains(&header["table"].as_str().unwrap_or_default());
        }
        if keep {
            rows.push(line.to_owned());
        }
    }
    rows
}

/// Fails naming the first row that differs, rather than printing both stores whole.
fn same_rows(want: &[String], got: &[String], what: &str) {
    for (w, g) in want.iter().zip(got) {
        assert_eq!(w, g, "the first differing row ({what})");
    }
    assert_eq!(want.len(), got.len(), "rows ({what})");
}

/// Submits `lines` in groups of `sizes` in turn (one after the other, as a server's
/// queue gathers them), each placed as one group and written in one transaction, and
/// adds up the counts.
/// Places and writes the lines in groups of the sizes given in turn, each group through
/// the next of `nodes` (handles over one database, as server nodes are).
async fn submit_in_groups(
    nodes: &[&Store],
    b: &truce_model::AgreementBundle,
    lines: &[String],
    now: jiff::Timestamp,
    sizes: &[usize],
) -> truce_store::ingest::ImportSummary {
    let sources = nodes[0].sources().await.expect("sources");
    let ctx = truce_formats::jsonl::Context {
        agreement: &b.agreement,
        sources: &sources,
        now,
    };
    let mut total = truce_store::ingest::ImportSummary::default();
    let mut at = 0;
    for (turn, &size) in sizes.iter().cycle().enumerate() {
        if at == lines.len() {
            break;
        }
        let store = nodes[turn % nodes.len()];
        let end = (at + size).min(lines.len());
        let group: Vec<_> = (at..end)
            .map(|i| truce_store::ingest::Incoming {
                report: truce_formats::jsonl::read_line(i as u64 + 1, &lines[i], &ctx)
                    .expect("good line"),
                raw_format: "jsonl",
                raw: truce_store::Raw::Json(lines[i].clone()),
                warnings: Vec::new(),
                line: 0,
            })
            .collect();
        let placed = truce_store::ingest::place_group(store, b, group, &sources)
            .await
            .expect("place");
        assert_eq!(placed.placements.len(), end - at);
        for p in &placed.placements {
            assert_eq!(p.decision.is_some(), p.outcome.summary.accepted == 1);
            let s = &p.outcome.summary;
            total.read += s.read;
            total.accepted += s.accepted;
            total.merged += s.merged;
            total.new_incidents += s.new_incidents;
            total.superseded += s.superseded;
            total.unchanged += s.unchanged;
            total.stale += s.stale;
            total.rejected += s.rejected;
        }
        placed.write(store, &[]).await.expect("write");
        if at == 0 {
            // The first submission clears the mark every store starts with, so the rest
            // go through the neighbourhood.
            assert!(!store.matching_owed("nk-2020").await.expect("owed"));
        }
        at = end;
    }
    total
}

#[tokio::test]
async fn submitting_one_at_a_time_or_in_groups_builds_what_a_bulk_import_builds() {
    let b = nk2020();
    let lines = reports(600);
    let now: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().expect("now");
    let stores = fresh_all()
        .await
        .into_iter()
        .zip(fresh_all().await)
        .zip(fresh_all().await)
        .zip(fresh_all().await);
    for ((((bulk_guard, bulk), (one_guard, one)), (grouped_guard, grouped)), (two_guard, two)) in
        stores
    {
        for store in [&bulk, &one, &grouped, &two] {
            store.load_agreement(&b).await.expect("load");
            with_sources(store).await;
        }
        let imported = truce_store::ingest::import_jsonl(
            &bulk,
            &b,
            lines.join("\n").as_bytes(),
            now,
            50,
            |_| {},
        )
        .await
        .expect("import");
        assert!(imported.summary.superseded > 10, "{:?}", imported.summary);
        assert!(imported.summary.unchanged > 5, "{:?}", imported.summary);
        assert!(imported.summary.stale > 2, "{:?}", imported.summary);
        assert!(imported.summary.merged > 50, "{:?}", imported.summary);
        let want = evidence(&bulk).await;
        assert!(want.len() > 600, "{} rows", want.len());
        let one_by_one = submit_in_groups(&[&one], &b, &lines, now, &[1]).await;
        assert_eq!(one_by_one, imported.summary);
        same_rows(&want, &evidence(&one).await, bulk.backend_name());
        // Groups large and small: a group holds later versions of its own records, repeats
        // of them, and reports joining incidents made earlier in the same group.
        let sizes = [1, 7, 40, 3, 19, 64];
        let config = truce_engine::incidents::MatchConfig::from(b.agreement.matching);
        let in_groups = submit_in_groups(&[&grouped], &b, &lines, now, &sizes).await;
        assert_eq!(in_groups, imported.summary);
        same_rows(&want, &evidence(&grouped).await, bulk.backend_name());
        // The same through two nodes that keep every incident's entry in memory (as a
        // server does), taking groups in turn: each catches up with what the other wrote
        // from the audit log before placing its group.
        let (node_a, node_b) = (
            two.clone().with_warm_matching(),
            two.clone().with_warm_matching(),
        );
        for node in [&node_a, &node_b] {
            node.warm_matching_now("nk-2020", config)
                .await
                .expect("entries");
        }
        let warm = submit_in_groups(&[&node_a, &node_b], &b, &lines, now, &sizes).await;
        assert_eq!(warm, imported.summary);
        same_rows(&want, &evidence(&two).await, bulk.backend_name());
        bulk_guard.done(bulk).await;
        one_guard.done(one).await;
        grouped_guard.done(grouped).await;
        two_guard.done(two).await;
    }
}

#[tokio::test]
async fn an_import_that_stopped_leaves_its_incidents_owed_and_the_next_submission_writes_them() {
    let b = nk2020();
    let lines = reports(80);
    let now: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().expect("now");
    for ((whole_guard, whole), (stopped_guard, stopped)) in
        fresh_all().await.into_iter().zip(fresh_all().await)
    {
        for store in [&whole, &stopped] {
            store.load_agreement(&b).await.expect("load");
            with_sources(store).await;
        }
        truce_store::ingest::import_jsonl(&whole, &b, lines.join("\n").as_bytes(), now, 10, |_| {})
            .await
            .expect("import");
        // An import that wrote its reports and stopped before its incidents: the reports'
        // batch is written, the incidents are not, and the mark stays.
        truce_store::ingest::import_jsonl(
            &stopped,
            &b,
            lines[..79].join("\n").as_bytes(),
            now,
            10,
            |_| {},
        )
        .await
        .expect("import");
        truce_store::testing::stop_before_incidents(&stopped, "nk-2020")
            .await
            .expect("stop");
        assert!(stopped.matching_owed("nk-2020").await.expect("owed"));
        let sources = stopped.sources().await.expect("sources");
        let ctx = truce_formats::jsonl::Context {
            agreement: &b.agreement,
            sources: &sources,
            now,
        };
        let report = truce_formats::jsonl::read_line(80, &lines[79], &ctx).expect("good line");
        let incoming = truce_store::ingest::Incoming {
            report,
            raw_format: "jsonl",
            raw: truce_store::Raw::Json(lines[79].clone()),
            warnings: Vec::new(),
            line: 0,
        };
        truce_store::ingest::import_one(&stopped, &b, incoming, &sources)
            .await
            .expect("submit");
        assert!(!stopped.matching_owed("nk-2020").await.expect("owed"));
        same_rows(
            &evidence(&whole).await,
            &evidence(&stopped).await,
            whole.backend_name(),
        );
        whole_guard.done(whole).await;
        stopped_guard.done(stopped).await;
    }
}

#[tokio::test]
async fn a_report_and_the_answer_kept_under_its_key_are_stored_together_or_not_at_all() {
    use truce_store::accounts::{Answer, Claim, IDEMPOTENCY_RETENTION_S};
    let b = nk2020();
    let now: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().expect("now");
    let t = now.as_second();
    for (guard, store) in fresh_all().await {
        store.load_agreement(&b).await.expect("load");
        with_sources(&store).await;
        let sources = store.sources().await.expect("sources");
        let ctx = truce_formats::jsonl::Context {
            agreement: &b.agreement,
            sources: &sources,
            now,
        };
        let line = &reports(1)[0];
        let incoming = || truce_store::ingest::Incoming {
            report: truce_formats::jsonl::read_line(1, line, &ctx).expect("good line"),
            raw_format: "jsonl",
            raw: truce_store::Raw::Json(line.clone()),
            warnings: Vec::new(),
            line: 0,
        };
        let answer = |key: &str, at_s| Answer {
            user: "mon".into(),
            key: key.into(),
            request_hash: "h".into(),
            status: 201,
            body: "{}".into(),
            at_s,
        };
        let id = incoming().report.id;
        // Matched and never written (the request died): nothing is claimed or stored.
        let placed = truce_store::ingest::place_one(&store, &b, incoming(), &sources)
            .await
            .expect("place");
        drop(placed);
        assert_eq!(
            store.idempotency("mon", "k1", "h", t).await.expect("claim"),
            Claim::New
        );
        // The key taken meanwhile: the report is not stored either.
        store.keep_answer(&answer("k1", t)).await.expect("keep");
        let placed = truce_store::ingest::place_one(&store, &b, incoming(), &sources)
            .await
            .expect("place");
        let err = placed
            .write(&store, &[answer("k1", t)])
            .await
            .expect_err("the key is taken");
        assert!(matches!(err, truce_store::StoreError::KeyTaken), "{err}");
        assert_eq!(store.report_placement(&id).await.expect("read"), None);
        // Written with its answer: both are there, and the answer is replayed.
        let placed = truce_store::ingest::place_one(&store, &b, incoming(), &sources)
            .await
            .expect("place");
        placed
            .write(&store, &[answer("k2", t)])
            .await
            .expect("write");
        assert!(store.report_placement(&id).await.expect("read").is_some());
        assert_eq!(
            store.idempotency("mon", "k2", "h", t).await.expect("claim"),
            Claim::Replay(201, "{}".into())
        );
        assert_eq!(
            store
                .idempotency("mon", "k2", "other", t)
                .await
                .expect("claim"),
            Claim::Mismatch
        );
        // Past retention, the answer is swept and the key is free.
        store
            .keep_answer(&answer("k-old", t - IDEMPOTENCY_RETENTION_S - 1))
            .await
            .expect("keep");
        assert_eq!(store.sweep_idempotency(t).await.expect("sweep"), 1);
        assert_eq!(
            store
                .idempotency("mon", "k-old", "h", t)
                .await
                .expect("claim"),
            Claim::New
        );
        assert_eq!(
            store
                .idempotency("mon", "k2", "h", t + IDEMPOTENCY_RETENTION_S)
                .await
                .expect("claim"),
            Claim::New,
            "read past retention"
        );
        guard.done(store).await;
    }
}

/// One report of the op-7 post: artillery at a point on 2021-05-03 from 05:00 for an hour.
fn shelling(key: &str, lon: f64) -> String {
    format!(
        r#"{{"source":"op-7","key":"{key}","received":"2021-06-01T00:00:00Z","occurred":{{"start":"2021-05-03T05:00:00Z","end":"2021-05-03T06:00:00Z","precision":1}},"location":{{"lon":{lon},"lat":39.75,"precision":1}},"type":"artillery","credibility":2}}"#
    )
}

/// The incident a stored report was placed in.
async fn placed_in(store: &Store, report: &str) -> String {
    store
        .report_placement(report)
        .await
        .expect("placement")
        .expect("stored")
        .0
}

#[tokio::test]
async fn a_node_keeping_incident_entries_in_memory_sees_an_analysts_change_made_on_another() {
    let b = nk2020();
    let now: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().expect("now");
    for (guard, store) in fresh_all().await {
        store.load_agreement(&b).await.expect("load");
        with_sources(&store).await;
        let (a, other) = (
            store.clone().with_warm_matching(),
            store.clone().with_warm_matching(),
        );
        let config = truce_engine::incidents::MatchConfig::from(b.agreement.matching);
        for node in [&a, &other] {
            node.warm_matching_now("nk-2020", config)
                .await
                .expect("entries");
        }
        // Both nodes read their copies, then node A starts an incident.
        submit_in_groups(&[&other], &b, &[shelling("far", 46.0)], now, &[1]).await;
        submit_in_groups(&[&a], &b, &[shelling("r1", 46.75)], now, &[1]).await;
        let first = placed_in(&store, "op-7:r1@0").await;
        // The other node's analyst rejects it: node A's next report close by must not join it.
        other
            .set_status(
                &b,
                &first,
                Some(IncidentStatus::Rejected),
                "test",
                "analyst",
            )
            .await
            .expect("reject");
        submit_in_groups(&[&a], &b, &[shelling("r2", 46.751)], now, &[1]).await;
        let second = placed_in(&store, "op-7:r2@0").await;
        assert_ne!(
            second, first,
            "a report joined an incident rejected on another node"
        );
        // Cleared again there: a report at the first one's very place joins it.
        other
            .set_status(&b, &first, None, "test", "analyst")
            .await
            .expect("clear");
        submit_in_groups(&[&a], &b, &[shelling("r3", 46.75)], now, &[1]).await;
        assert_eq!(placed_in(&store, "op-7:r3@0").await, first);
        // Merged there into the second: the first has no reports left, and a report at its
        // place joins the second.
        other
            .merge(&b, &second, &first, "test", "analyst")
            .await
            .expect("merge");
        submit_in_groups(&[&a], &b, &[shelling("r4", 46.75)], now, &[1]).await;
        assert_eq!(placed_in(&store, "op-7:r4@0").await, second);
        guard.done(store).await;
    }
}
