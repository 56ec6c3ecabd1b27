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

/// One HTTP/1.1 POST; returns the status code and the body.
fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("write");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

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
    crate::add_op7(d, None);
    let o = truce(d, &["user", "add", "mon", "--role", "monitor"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = truce(d, &["token", "create", "mon", "--label", "load"]);
    let token = stdout(&o).lines().last().expect("token").to_owned();
    let (mut a, addr_a) = start_node(d, &[]);
    let (mut b, addr_b) = start_node(d, &[]);

    let auth = format!("Bearer {token}");
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (first, second) = if c % 2 == 0 { (addr_a.clone(), addr_b.clone()) } else { (addr_b.clone(), addr_a.clone()) };
            let auth = auth.clone();
            std::thread::spawn(move || {
                let mut answers = Vec::new();
                for k in 0..REPORTS_EACH {
                    // Points a few hundred metres to kilometres apart around the line of
                    // contact, minutes apart: some reports join others' incidents.
                    let n = c * REPORTS_EACH + k;
                    let lon = 46.70 + (n % 16) as f64 * 0.02;
                    let lat = 39.75 + (n / 16 % 16) as f64 * 0.02;
                    let minute = n % 50;
                    let body = format!(
                        r#"{{"source":"op-7","key":"load-{n}","occurred":{{"start":"2021-07-01T10:{minute:02}:00Z","end":"2021-07-01T10:{minute:02}:30Z","precision":1}},"location":{{"lon":{lon:.3},"lat":{lat:.3},"precision":1}},"type":"artillery","credibility":1,"text":"load test {n}"}}"#
                    );
                    let key = format!("client-{c}-report-{k}");
                    let headers = [("Authorization", auth.as_str()), ("Idempotency-Key", key.as_str())];
                    // Send, then retry on the other node as a client would after a lost
                    // answer; a 409 (still in progress elsewhere) is retried after a pause.
                    let mut got = Vec::new();
                    for addr in [&first, &second] {
                        loop {
                            let (status, answer) = post(addr, "/api/v1/agreements/nk-2020/reports", &headers, &body);
                            if status == 409 {
                                std::thread::sleep(Duration::from_millis(50));
                                continue;
                            }
                            got.push((status, answer));
                            break;
                        }
                    }
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
        (CLIENTS * REPORTS_EACH + crate::built_in_reports()) as u64,
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
