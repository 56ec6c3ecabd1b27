//! Shared pieces of the benchmarks: a seeded generator and synthetic ACLED-format rows
//! over the nk-2020 region. Events cluster the way real reporting does: each event is
//! written up one to four times, a few kilometres apart, by different rows; events
//! concentrate on the towns of the line of contact and the corridor.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

pub mod postgis;

use std::io::Write;
use truce_model::{AgreementBundle, SourceFile};

/// The benchmarks measure with the allocator the `truce` command uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// SplitMix64: a small, well-known generator, reproducible from its seed.
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Towns along the line of contact and the corridor (GeoNames points of places.csv).
const HOTSPOTS: &[(&str, f64, f64)] = &[
    ("Khojavend", 47.1117, 39.79496),
    ("Askeran", 46.83161, 39.9391),
    ("Stepanakert", 46.7528, 39.8177),
    ("Shusha", 46.74989, 39.76006),
    ("Lachin", 46.54977, 39.63742),
    ("Agdam", 46.92736, 39.99096),
    ("Martakert", 46.82086, 40.21238),
    ("Tartar", 46.93161, 40.34201),
    ("Fuzuli", 47.14529, 39.60094),
    ("Kalbajar", 46.04446, 40.10984),
    ("Goris", 46.34168, 39.51111),
    ("Kapan", 46.40678, 39.20762),
];

const TYPES: &[(&str, &str, &str)] = &[
    (
        "Political violence",
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
    ),
    ("Political violence", "Battles", "Armed clash"),
    (
        "Political violence",
        "Explosions/Remote violence",
        "Air/drone strike",
    ),
    (
        "Political violence",
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
    ),
    ("Political violence", "Violence against civilians", "Attack"),
    (
        "Strategic developments",
        "Strategic developments",
        "Looting/property destruction",
    ),
];

const ACTORS: &[&str] = &[
    "Military Forces of Azerbaijan (2003-)",
    "Military Forces of Armenia (2018-)",
];

/// The ACLED header line.
pub const HEADER: &str = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp";

/// Writes `rows` rows from `seed`.
pub fn generate(rows: u64, seed: u64, out: &mut impl Write) -> std::io::Result<()> {
    let mut rng = Rng(seed);
    writeln!(out, "{HEADER}")?;
    // Days from 2020-11-10 over three years.
    let epoch = jiff::civil::date(2020, 11, 10);
    let mut written = 0;
    let mut event = 0u64;
    while written < rows {
        event += 1;
        let (town, lon0, lat0) = HOTSPOTS[rng.below(HOTSPOTS.len() as u64) as usize];
        let lon0 = lon0 + (rng.unit() - 0.5) * 0.2;
        let lat0 = lat0 + (rng.unit() - 0.5) * 0.2;
        let day = epoch
            .checked_add(jiff::Span::new().days(rng.below(1040) as i64))
            .unwrap_or(epoch);
        let (disorder, etype, sub) = TYPES[rng.below(TYPES.len() as u64) as usize];
        let who = rng.below(2) as usize;
        let copies = 1 + rng.below(4);
        for _ in 0..copies.min(rows - written) {
            written += 1;
            let lon = lon0 + (rng.unit() - 0.5) * 0.04;
            let lat = lat0 + (rng.unit() - 0.5) * 0.04;
            let country = if lon < 46.45 && lat < 39.6 {
                "Armenia"
            } else {
                "Azerbaijan"
            };
            let iso = if country == "Armenia" { 51 } else { 31 };
            let killed = if rng.below(5) == 0 { rng.below(4) } else { 0 };
            writeln!(
                out,
                "SYN{written},{day},{},1,{disorder},{etype},{sub},{},,1,{},,1,11,,{iso},Caucasus and Central Asia,{country},,,,{town},{lat:.4},{lon:.4},{},Synthetic,National,Synthetic event {event} near {town}.,{killed},,{}",
                day.year(),
                ACTORS[who],
                ACTORS[1 - who],
                1 + rng.below(2),
                1_600_000_000 + written,
            )?;
        }
    }
    Ok(())
}

/// The nk-2020 agreement as shipped in the repository, loaded from disk.
pub fn nk2020() -> AgreementBundle {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../agreements/nk-2020");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .map(|t| SourceFile::new(name, t))
            .map_err(|e| e.to_string())
    };
    match truce_model::load(
        read("agreement.toml").unwrap_or_else(|e| panic!("agreement.toml: {e}")),
        read,
    ) {
        Ok(b) => b,
        Err(p) => panic!("nk-2020 does not load:\n{p}"),
    }
}

/// `n` synthetic incidents around the line of contact over three years of days, placed in
/// their zones by the R-tree (the time that takes is returned: it is the analogue of a
/// spatial join). Types mix violations and non-violations; statuses cycle through
/// confirmed, corroborated, disputed and unverified; attribution alternates between the
/// two parties, with every fifth incident disputed.
pub fn synthetic_incidents(
    b: &AgreementBundle,
    n: u64,
    seed: u64,
) -> (Vec<truce_engine::incidents::Incident>, f64) {
    use truce_engine::incidents::{Attribution, Incident, IncidentStatus};
    use truce_model::report::{Estimate, EventType, Window};
    let mut rng = Rng(seed);
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
    ];
    let start = jiff::Timestamp::from_second(1_604_955_600).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let points: Vec<(f64, f64, i64)> = (0..n)
        .map(|_| {
            (
                46.0 + rng.unit() * 1.4,
                39.3 + rng.unit() * 1.1,
                (rng.below(1040 * 86_400)) as i64,
            )
        })
        .collect();
    let t = std::time::Instant::now();
    let zones: Vec<Vec<String>> = points
        .iter()
        .map(|(x, y, _)| {
            b.zones
                .containing(*x, *y)
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    let classify_s = t.elapsed().as_secs_f64();
    let incidents = points
        .iter()
        .zip(zones)
        .enumerate()
        .map(|(k, ((x, y, dt), zones))| {
            let s = start
                .checked_add(jiff::SignedDuration::from_secs(*dt))
                .unwrap_or(start);
            let disputed = k % 5 == 4;
            Incident {
                id: format!("inc-{k}"),
                reports: vec![String::new()],
                window: Window {
                    start: s,
                    end: s,
                    precision: 1,
                },
                point: Some((*x, *y)),
                place_name: None,
                place_label: b.gazetteer.label(*x, *y),
                location_precision: 1,
                event_type: types[k % types.len()],
                attribution: Attribution {
                    claims: Vec::new(),
                    assessed: (!disputed).then(|| if k % 2 == 0 { "az" } else { "am" }.to_owned()),
                    disputed,
                },
                status: statuses[(k / 7) % statuses.len()],
                zones,
                possibly_in: Vec::new(),
                killed: Estimate::default(),
            }
        })
        .collect();
    (incidents, classify_s)
}

/// The benchmark size (first argument, default 1M) and seed (second, default 2020).
pub fn size_and_seed() -> (u64, u64) {
    let args: Vec<String> = std::env::args().collect();
    let n = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2020);
    (n, seed)
}

/// A memory figure of this process from `/proc/self/status` in MB: `VmHWM` (peak
/// resident), `RssAnon` (resident, not file-backed), …; NaN where unavailable.
pub fn memory_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time this process has used so far, user and system, in seconds (all threads), from
/// `/proc/self/stat` at the kernel's usual 100 ticks a second; NaN where unavailable.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces:
    // utime and stime are the 14th and 15th fields of the line.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return f64::NAN;
    };
    let ticks: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse().ok())
        .collect();
    if ticks.len() == 2 {
        (ticks[0] + ticks[1]) / 100.0
    } else {
        f64::NAN
    }
}

/// wrk's summary: requests/s and latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Requests per second.
    pub rps: f64,
    /// Median latency, ms.
    pub p50: f64,
    /// 99th percentile latency, ms.
    pub p99: f64,
    /// Answers that were not 2xx or 3xx.
    pub non_2xx: u64,
}

/// A wrk duration (`1.2ms`, `830us`, `1.1s`) in milliseconds.
fn ms(v: &str) -> f64 {
    let (num, unit) = v.trim().split_at(
        v.trim()
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(v.len()),
    );
    let n: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => f64::NAN,
    }
}

/// Runs wrk (Debian's package) with 2 threads and `connections` connections for `seconds`
/// against `url`, with a Lua `script` when given, and reads its summary.
pub fn wrk_with(
    url: &str,
    script: Option<&std::path::Path>,
    seconds: u32,
    connections: u32,
) -> Run {
    let mut cmd = std::process::Command::new("wrk");
    cmd.args([
        &format!("-t{}", connections.clamp(1, 2)),
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "--timeout",
        "10s",
    ]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = cmd.arg(url).output().expect("wrk (apt install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let find = |label: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(ms)
            .unwrap_or(f64::NAN)
    };
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    let non_2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx or 3xx responses:"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Run {
        rps,
        p50: find("50%"),
        p99: find("99%"),
        non_2xx,
    }
}

/// [`wrk_with`] at 64 connections.
pub fn wrk(url: &str, script: Option<&std::path::Path>, seconds: u32) -> Run {
    wrk_with(url, script, seconds, 64)
}

/// What the HTTP benchmarks serve: a store holding synthetic ACLED rows of nk-2020, an
/// observation post's source (`op-bench`) and API tokens of a monitor and an analyst.
#[derive(Debug)]
pub struct Served {
    /// The store.
    pub store: truce_store::Store,
    /// A monitor's bearer token (may submit for `op-bench`).
    pub monitor: String,
    /// An analyst's bearer token (may change incident statuses).
    pub analyst: String,
    /// Seconds the import of the rows took.
    pub import_s: f64,
}

/// Fills an empty `store` with `rows` synthetic rows (seeded), written to a file in `dir`
/// and imported as `truce import` does, then adds the source and the two users.
///
/// # Panics
/// When the store is not empty or a write fails: a benchmark cannot go on.
pub async fn served(
    store: truce_store::Store,
    rows: u64,
    seed: u64,
    dir: &std::path::Path,
) -> Served {
    use truce_model::access::UserRole;
    use truce_model::report::{Reliability, Source, SourceKind};
    let b = nk2020();
    let now = jiff::Timestamp::now();
    // A database kept from an earlier run (TRUCE_BENCH_SQLITE) is measured as it is.
    let reuse =
        std::env::var_os("TRUCE_BENCH_SQLITE").is_some() && !store.is_empty().await.expect("count");
    if reuse {
        let token = |id: &'static str| {
            let store = store.clone();
            let at = now.to_string();
            async move { store.create_token(id, id, &at).await.expect("token").1 }
        };
        return Served {
            monitor: token("bench-monitor").await,
            analyst: token("bench-analyst").await,
            store,
            import_s: 0.0,
        };
    }
    let csv = dir.join("rows.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).expect("create"));
        generate(rows, seed, &mut f).expect("generate");
        f.flush().expect("flush");
    }
    assert!(
        store.is_empty().await.expect("count"),
        "the benchmark needs an empty database"
    );
    store.load_agreement(&b).await.expect("agreement");
    let t = std::time::Instant::now();
    truce_store::ingest::import_acled(
        &store,
        &b,
        std::io::BufReader::new(std::fs::File::open(&csv).expect("open")),
        &truce_store::testing::acled_options(now),
        truce_store::ingest::BATCH_ROWS,
        |_| {},
    )
    .await
    .expect("import")
    .expect("rows");
    let import_s = t.elapsed().as_secs_f64();
    store
        .put_source(&Source {
            id: "op-bench".into(),
            name: "Observation post (benchmark)".into(),
            kind: SourceKind::ObservationPost,
            reliability: Reliability::A,
            party: None,
        })
        .await
        .expect("source");
    let at = now.to_string();
    let token = |id: &'static str, role| {
        let store = store.clone();
        let at = at.clone();
        async move {
            store
                .add_user(id, id, role, None, "bench-password-long", &at)
                .await
                .expect("user");
            store.create_token(id, id, &at).await.expect("token").1
        }
    };
    let monitor = token("bench-monitor", UserRole::Monitor).await;
    let analyst = token("bench-analyst", UserRole::Analyst).await;
    Served {
        store,
        monitor,
        analyst,
        import_s,
    }
}

/// The Lua (for wrk) of one submission of a new report by the monitor holding `token`:
/// its own key (`node`, wrk thread, counter), a point in the region and an hour in the
/// synthetic rows' three years, so that some join stored incidents and some start new ones.
pub fn submission_lua(token: &str, node: usize) -> String {
    format!(
        r#"local monitor = "Bearer {token}"
local counter = 0
function submission()
  counter = counter + 1
  local key = string.format("n{node}-t%d-%d", tid, counter)
  local lon = 46.0 + math.random() * 1.3
  local lat = 39.3 + math.random() * 1.0
  local t = 1605052800 + math.random(0, 999) * 86400 + math.random(0, 86399)
  local body = string.format('{{"source":"op-bench","key":"%s","received":"2026-12-01T00:00:00Z","occurred":{{"start":"%s","end":"%s","precision":1}},"location":{{"lon":%.4f,"lat":%.4f,"precision":1}},"type":"small-arms-fire","credibility":2,"text":"bench"}}',
    key, os.date("!%Y-%m-%dT%H:%M:%SZ", t), os.date("!%Y-%m-%dT%H:%M:%SZ", t + 3600), lon, lat)
  return wrk.format("POST", "/api/v1/agreements/nk-2020/reports",
    {{["Authorization"] = monitor, ["Content-Type"] = "application/json", ["Idempotency-Key"] = key}}, body)
end
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  math.randomseed(tid * 7919 + {node})
end
"#
    )
}

/// The benchmarks' runtime: two worker threads, as the machine has two cores.
///
/// # Panics
/// When the runtime cannot start.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The store a benchmark measures: PostgreSQL when `TRUCE_BENCH_DATABASE_URL` names one (an
/// empty database), else the SQLite file `TRUCE_BENCH_SQLITE` names (kept; a file holding
/// an earlier run's data is measured again as it is), else a SQLite file in `dir`.
///
/// # Panics
/// When the database cannot be opened.
pub async fn bench_store(dir: &std::path::Path) -> truce_store::Store {
    match std::env::var("TRUCE_BENCH_DATABASE_URL") {
        Ok(u) => truce_store::Store::open(&u).await.expect("store"),
        Err(_) => truce_store::Store::open_sqlite(
            &std::env::var("TRUCE_BENCH_SQLITE")
                .map_or_else(|_| dir.join("truce.db"), std::path::PathBuf::from),
        )
        .await
        .expect("store"),
    }
}

/// A server running in this process on a free loopback port.
#[derive(Debug)]
pub struct Serving {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Serving {
    /// Serves `store` as `truce serve` does.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub fn start(runtime: &tokio::runtime::Runtime, store: truce_store::Store) -> Self {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let task = runtime.spawn(truce_server::serve(
            listener,
            truce_server::AppState::new(store),
            async {
                let _ = rx.await;
            },
        ));
        Self { base, stop, task }
    }

    /// Stops the server and waits for it.
    pub fn stop(self, runtime: &tokio::runtime::Runtime) {
        let _ = self.stop.send(());
        let _ = runtime.block_on(self.task);
    }
}
