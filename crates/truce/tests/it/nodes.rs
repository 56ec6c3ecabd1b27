//! Two `truce serve` nodes over one PostgreSQL database, driven by 64 concurrent clients
//! that submit reports with idempotency keys and retry every request on the other node:
//! every report is stored exactly once, every retry gets the first answer, and the
//! incidents are those a single import of the same reports in the same order makes.
//! Runs when the command-line tests run on PostgreSQL (`.ci/run` does).

use crate::{command, on_postgres, stderr, stdout, truce};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

const CLIENTS: usize = 64;
const REPORTS_EACH: usize = 4;

/// Starts `truce serve` on a free loopback port and returns it with its address.
pub(crate) fn start_node(dir: &std::path::Path, extra: &[&str]) -> (Child, String) {
    let mut args = vec!["serve", "--bind", "127.0.0.1:0"];
    args.extend(extra);
    let mut child = command(dir, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn node");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("http://")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .map(str::to_owned)
        })
        .expect("node address");
    // Keep reading so the node never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// A monitor with an API token and two nodes over the database of `dir`: the
/// `Authorization` header value and each node with its address.
fn monitor_and_two_nodes(dir: &std::path::Path) -> (String, (Child, String), (Child, String)) {
    crate::add_op7(dir, None);
    let o = truce(dir, &["user", "add", "mon", "--role", "monitor"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = truce(dir, &["token", "create", "mon", "--label", "load"]);
    let token = stdout(&o).lines().last().expect("token").to_owned();
    (
        format!("Bearer {token}"),
        start_node(dir, &[]),
        start_node(dir, &[]),
    )
}

/// Report number `n` of a load, keyed `PREFIX-n`, on `day`: points a few hundred metres to
/// kilometres apart around the line of contact, minutes apart, so that some reports join
/// others' incidents.
fn load_report(prefix: &str, n: usize, day: &str) -> String {
    #[allow(clippy::cast_precision_loss)]
    let (lon, lat) = (
        46.70 + (n % 16) as f64 * 0.02,
        39.75 + (n / 16 % 16) as f64 * 0.02,
    );
    let minute = n % 50;
    format!(
        r#"{{"source":"op-7","key":"{prefix}-{n}","occurred":{{"start":"{day}T10:{minute:02}:00Z","end":"{day}T10:{minute:02}:30Z","precision":1}},"location":{{"lon":{lon:.3},"lat":{lat:.3},"precision":1}},"type":"artillery","credibility":1,"text":"load test {n}"}}"#
    )
}

/// One HTTP/1.1 POST; returns the status code and the body.
fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    try_post(addr, path, headers, body).expect("the node answers")
}

/// One HTTP/1.1 POST, or the error of a node that does not answer (killed).
fn try_post(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line: the node stopped mid-answer"))?;
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// Submits on `addr` until the answer is not a 409 (a key held by a request still being
/// carried out), at most [`RETRIES`] times.
fn submit_retrying(addr: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    for _ in 0..RETRIES {
        let (status, answer) = post(addr, "/api/v1/agreements/nk-2020/reports", headers, body);
        if status != 409 {
            return (status, answer);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the Idempotency-Key was still held after {RETRIES} retries 50 ms apart: {headers:?}");
}

/// Retries of a 409 before a client gives up (10 s).
const RETRIES: usize = 200;

/// (incident, its reports) of every incident, in number order.
fn partition(dir: &std::path::Path, data: &str) -> Vec<(String, Vec<String>)> {
    let o = truce(
        dir,
        &[
            "incidents",
            "list",
            "--json",
            "--limit",
            "100000",
            "--data",
            data,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let mut out: Vec<(String, Vec<String>)> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|i| {
            let mut reports: Vec<String> = i["reports"]
                .as_array()
                .expect("reports")
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect();
            reports.sort();
            (i["id"].as_str().unwrap_or_default().to_owned(), reports)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn two_nodes_store_every_report_once_under_concurrent_retried_submissions() {
    if !on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (auth, (mut a, addr_a), (mut b, addr_b)) = monitor_and_two_nodes(d);

    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (first, second) = if c % 2 == 0 {
                (addr_a.clone(), addr_b.clone())
            } else {
                (addr_b.clone(), addr_a.clone())
            };
            let auth = auth.clone();
            std::thread::spawn(move || {
                let mut answers = Vec::new();
                for k in 0..REPORTS_EACH {
                    let n = c * REPORTS_EACH + k;
                    let body = load_report("load", n, "2021-07-01");
                    let key = format!("client-{c}-report-{k}");
                    let headers = [
                        ("Authorization", auth.as_str()),
                        ("Idempotency-Key", key.as_str()),
                    ];
                    // Send, then retry on the other node as a client would after a lost
                    // answer; a 409 (still in progress elsewhere) is retried after a pause.
                    let got: Vec<(u16, String)> = [&first, &second]
                        .into_iter()
                        .map(|addr| submit_retrying(addr, &headers, &body))
                        .collect();
                    answers.push(got);
                }
                answers
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in threads {
        all.extend(t.join().expect("client"));
    }
    let _ = a.kill();
    let _ = b.kill();
    let _ = a.wait();
    let _ = b.wait();

    assert_eq!(all.len(), CLIENTS * REPORTS_EACH);
    for got in &all {
        assert_eq!(got[0].0, 201, "first answer: {}", got[0].1);
        assert_eq!(
            got[0], got[1],
            "the retry on the other node gets the first answer"
        );
    }
    let stored = partition(d, "truce-data");
    let reports: usize = stored.iter().map(|(_, r)| r.len()).sum();
    // Besides the built-in record's reports, which every new database starts with.
    assert_eq!(
        reports,
        CLIENTS * REPORTS_EACH + crate::built_in_reports(),
        "every report stored exactly once"
    );
    // Both nodes appended to one chain: it verifies, and its import entries account for
    // every stored report.
    let o = truce(d, &["audit", "verify", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["intact"], true, "{v}");
    let o = truce(d, &["audit", "export"]);
    let audited: u64 = stdout(&o)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["action"] == "import.batch")
        .filter_map(|e| serde_json::from_str::<serde_json::Value>(e["detail"].as_str()?).ok())
        .filter_map(|d| d["reports"].as_u64())
        .sum();
    assert_eq!(
        audited,
        (CLIENTS * REPORTS_EACH + crate::all_built_in_reports()) as u64,
        "the chain accounts for every stored report"
    );

    // The same reports, in the order they were stored, imported at once into a fresh
    // database: the same incidents.
    let o = truce(d, &["export", "--format", "jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = d.join("stored.jsonl");
    std::fs::write(&file, &o.stdout).expect("write");
    crate::add_op7(d, Some("replay"));
    let o = truce(
        d,
        &[
            "import",
            file.to_str().expect("utf-8"),
            "--format",
            "jsonl",
            "--data",
            "replay",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let replayed = partition(d, "replay");
    assert_eq!(
        stored.len(),
        replayed.len(),
        "as many incidents as a single import makes"
    );
    let groups = |p: &[(String, Vec<String>)]| {
        let mut g: Vec<Vec<String>> = p.iter().map(|(_, r)| r.clone()).collect();
        g.sort();
        g
    };
    assert_eq!(
        groups(&stored),
        groups(&replayed),
        "the same reports grouped the same way"
    );
}

#[test]
fn a_node_killed_in_the_middle_of_submissions_holds_no_key_and_loses_no_report() {
    if !on_postgres() {
        return;
    }
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (auth, (mut a, addr_a), (mut b, addr_b)) = monitor_and_two_nodes(d);
    const KILL_CLIENTS: usize = 32;
    const EACH: usize = 8;
    let answered = Arc::new(AtomicUsize::new(0));
    let body = |n: usize| load_report("kill", n, "2021-08-01");
    // Every client sends its reports to node A, one after another, until A stops
    // answering; A is killed (SIGKILL) once a few dozen have been answered, with others
    // in flight.
    let clients: Vec<_> = (0..KILL_CLIENTS)
        .map(|c| {
            let (addr, auth, answered) = (addr_a.clone(), auth.clone(), Arc::clone(&answered));
            std::thread::spawn(move || {
                let mut from_a = Vec::new();
                for k in 0..EACH {
                    let n = c * EACH + k;
                    let key = format!("kill-client-{c}-{k}");
                    let headers = [
                        ("Authorization", auth.as_str()),
                        ("Idempotency-Key", key.as_str()),
                    ];
                    match try_post(
                        &addr,
                        "/api/v1/agreements/nk-2020/reports",
                        &headers,
                        &body(n),
                    ) {
                        Ok(got) => {
                            answered.fetch_add(1, Ordering::SeqCst);
                            from_a.push(Some(got));
                        }
                        Err(_) => from_a.push(None),
                    }
                }
                from_a
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) < 40 {
        assert!(
            std::time::Instant::now() < deadline,
            "node A answered only {} submissions in 60 s",
            answered.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    a.kill().expect("kill -9 node A");
    let _ = a.wait();
    let from_a: Vec<Vec<Option<(u16, String)>>> = clients
        .into_iter()
        .map(|t| t.join().expect("client"))
        .collect();
    let lost = from_a.iter().flatten().filter(|g| g.is_none()).count();
    assert!(
        lost > 0,
        "node A was killed before answering every submission"
    );
    // Every submission is retried on node B with its key, within a bounded time: those A
    // answered get A's answer, the others are carried out now.
    let started = std::time::Instant::now();
    for (c, answers) in from_a.iter().enumerate() {
        for (k, got) in answers.iter().enumerate() {
            let key = format!("kill-client-{c}-{k}");
            let headers = [
                ("Authorization", auth.as_str()),
                ("Idempotency-Key", key.as_str()),
            ];
            let again = submit_retrying(&addr_b, &headers, &body(c * EACH + k));
            assert_eq!(again.0, 201, "{key} on node B: {}", again.1);
            if let Some(first) = got
                && first.0 == 201
            {
                assert_eq!(&again, first, "{key}: node B replays node A's answer");
            }
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "the retries took {:?}",
        started.elapsed()
    );
    let _ = b.kill();
    let _ = b.wait();
    let stored = partition(d, "truce-data");
    let reports: usize = stored.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(
        reports,
        KILL_CLIENTS * EACH + crate::built_in_reports(),
        "every report stored exactly once ({lost} answers lost with node A)"
    );
    let o = truce(d, &["audit", "verify", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["intact"], true, "{v}");
}

/// What a receiver got: (webhook-id, body) of every POST.
type Deliveries = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// A receiver of webhook deliveries on a free loopback port, answering 200 to each:
/// its address and the (webhook-id, body) of every POST it got.
fn webhook_receiver() -> (String, Deliveries) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let got: Deliveries = std::sync::Arc::default();
    let seen = std::sync::Arc::clone(&got);
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(match stream.try_clone() {
                Ok(s) => s,
                Err(_) => continue,
            });
            let (mut id, mut length) = (String::new(), 0usize);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("webhook-id:") {
                    id = v.trim().to_owned();
                }
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0u8; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            seen.lock()
                .expect("lock")
                .push((id, String::from_utf8_lossy(&body).into_owned()));
            let mut stream = stream;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (addr, got)
}

#[test]
fn two_nodes_deliver_each_new_incident_to_a_webhook_exactly_once() {
    if !on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    crate::add_op7(d, None);
    let o = truce(d, &["user", "add", "mon", "--role", "monitor"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = truce(d, &["token", "create", "mon", "--label", "hooks"]);
    let auth = format!("Bearer {}", stdout(&o).lines().last().expect("token"));
    let (receiver, got) = webhook_receiver();
    let url = format!("http://{receiver}/hook");
    let o = truce(
        d,
        &[
            "webhook",
            "add",
            &url,
            "--events",
            "incident.created",
            "--owner",
            "mon",
            "--allow-private",
        ],
    );
    assert!(!o.status.success(), "a monitor does not subscribe");
    assert!(
        stderr(&o).contains("analysts and administrators subscribe"),
        "{}",
        stderr(&o)
    );
    let o = truce(d, &["user", "add", "ana", "--role", "analyst"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = truce(
        d,
        &[
            "webhook",
            "add",
            &url,
            "--events",
            "incident.created",
            "--owner",
            "ana",
        ],
    );
    assert!(
        !o.status.success(),
        "a loopback address needs --allow-private"
    );
    let o = truce(
        d,
        &[
            "webhook",
            "add",
            &url,
            "--events",
            "incident.created",
            "--owner",
            "ana",
            "--allow-private",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let secret = stdout(&o).lines().last().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"), "{}", stdout(&o));
    let before: Vec<String> = partition(d, "truce-data")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let node_args = ["--webhook-interval", "1", "--webhook-allow-private"];
    let (mut a, addr_a) = start_node(d, &node_args);
    let (mut b, addr_b) = start_node(d, &node_args);
    for n in 0..40 {
        let addr = if n % 2 == 0 { &addr_a } else { &addr_b };
        let body = load_report("hook", n, "2021-08-01");
        let key = format!("hook-{n}");
        let (status, answer) = submit_retrying(
            addr,
            &[
                ("Authorization", auth.as_str()),
                ("Idempotency-Key", key.as_str()),
            ],
            &body,
        );
        assert!(status == 201 || status == 200, "{status} {answer}");
    }
    let mut new_ids: Vec<String> = partition(d, "truce-data")
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| !before.contains(id))
        .collect();
    new_ids.sort();
    let new = new_ids.len();
    assert!(new > 0, "the reports made new incidents");
    // Both nodes pass every second: wait until every new incident arrived, then two
    // more passes of each for any second delivery.
    let mut arrived = 0;
    for _ in 0..600 {
        arrived = got.lock().expect("lock").len();
        if arrived >= new {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        arrived >= new,
        "waited 60 s for {new} deliveries, one per new incident; {arrived} arrived"
    );
    std::thread::sleep(Duration::from_secs(3));
    let _ = a.kill();
    let _ = b.kill();
    let _ = a.wait();
    let _ = b.wait();
    let seen = got.lock().expect("lock").clone();
    let mut ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), seen.len(), "no delivery sent twice");
    let mut delivered: Vec<String> = seen
        .iter()
        .filter_map(|(_, body)| {
            let v: serde_json::Value = serde_json::from_str(body).ok()?;
            v["data"]["incident"]["id"].as_str().map(str::to_owned)
        })
        .collect();
    delivered.sort();
    let mut unique = delivered.clone();
    unique.dedup();
    assert_eq!(unique, delivered, "no incident delivered twice");
    // An incident a later report merged into another was delivered when it was made;
    // every incident standing now was delivered.
    let missing: Vec<&String> = new_ids.iter().filter(|i| !delivered.contains(i)).collect();
    assert!(missing.is_empty(), "not delivered: {missing:?}");
}
