//! The layers hold: the domain crates depend only on the crates below them, never on an
//! async runtime, a database, HTTP or a temporary-file crate (directly or through
//! another crate), and their code touches no filesystem, network, process, environment
//! or clock. A crate that gains such a dependency fails here with its name and path.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Each domain crate and the workspace crates it may depend on.
const LAYERS: &[(&str, &[&str])] = &[
    ("truce-model", &[]),
    ("truce-engine", &["truce-model"]),
    ("truce-formats", &["truce-model", "truce-engine"]),
    ("truce-bulletin", &["truce-model", "truce-engine"]),
];

/// Crates no domain crate may pull in, at any depth.
const FORBIDDEN: &[&str] = &[
    "tokio", "sqlx", "axum", "hyper", "tower", "mio", "tempfile", "reqwest", "utoipa",
];

/// Text that means I/O or a clock in a domain crate's source.
const FORBIDDEN_CODE: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "std::time::SystemTime",
    "std::time::Instant",
    "Timestamp::now",
    "Zoned::now",
    "Date::today",
    "tokio::",
    "File::open",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every package in the crate's normal (not dev, not build) dependency tree.
fn tree(krate: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args([
            "tree",
            "-p",
            krate,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
            "--locked",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {krate} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn domain_crates_depend_only_on_the_layers_below_and_on_no_runtime_database_or_http() {
    for (krate, allowed) in LAYERS {
        let deps = tree(krate);
        assert!(
            deps.first().is_some_and(|d| d == krate),
            "cargo tree of {krate} starts with {:?}",
            deps.first()
        );
        for dep in &deps[1..] {
            assert!(
                !FORBIDDEN.contains(&dep.as_str()),
                "{krate} depends (directly or not) on {dep}, which a domain crate must not"
            );
            if dep.starts_with("truce-") {
                assert!(
                    allowed.contains(&dep.as_str()),
                    "{krate} depends on {dep}; it may depend only on {allowed:?}"
                );
            }
        }
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.expect("directory entry").path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn domain_code_touches_no_filesystem_network_process_environment_or_clock() {
    let mut found = Vec::new();
    for (krate, _) in LAYERS {
        let mut files = Vec::new();
        sources(&root().join("crates").join(krate).join("src"), &mut files);
        assert!(!files.is_empty(), "{krate} has no source files");
        for f in files {
            let text = std::fs::read_to_string(&f).expect("readable source");
            for (no, line) in text.lines().enumerate() {
                for bad in FORBIDDEN_CODE {
                    if line.contains(bad) {
                        found.push(format!("{}:{}: {bad}", f.display(), no + 1));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "I/O or a clock in domain code:\n{}",
        found.join("\n")
    );
}
