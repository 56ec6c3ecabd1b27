//! The audit chain: every write appends an entry whose hash covers its own fields and the
//! hash of the entry before it, so that changing, removing or reordering any entry breaks
//! every link after it. The rules live here, without I/O, so the store that writes the
//! chain, `truce audit verify` and an outside reviewer checking an export all use the
//! same code.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the chain, as stored and exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who: a login name, `cli:NAME` for the command line, or `system`.
    pub actor: String,
    /// What was done, e.g. `user.add`, `registry.read`, `import`.
    pub action: String,
    /// What it was done to, `kind:id` (`user:alice`, `person:R-0001`).
    pub target: String,
    /// Digest of the target's state before, empty when it did not exist.
    pub before: String,
    /// Digest of the target's state after, empty when it no longer exists.
    pub after: String,
    /// Small JSON object with counts or options; never personal data.
    pub detail: String,
    /// Hash of the previous entry ([`GENESIS`] for the first).
    pub prev: String,
    /// Hash of this entry.
    pub hash: String,
}

impl Entry {
    /// The hash an entry must carry: SHA-256 over its fields and `prev`, as one JSON array
    /// (so no field can bleed into the next).
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.target,
            self.before,
            self.after,
            self.detail,
            self.prev
        ]);
        hex(&Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Digest of a target's state: SHA-256 over the JSON array of its stored values, so the
/// writer and the verifier, given the same values, compute the same digest.
pub fn state_digest(values: &[&str]) -> String {
    hex(&Sha256::digest(
        serde_json::to_string(values).unwrap_or_default().as_bytes(),
    ))
}

/// A chain head as published: the last entry's position and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Position of the last entry (0 for an empty chain).
    pub seq: i64,
    /// Its hash ([`GENESIS`] for an empty chain).
    pub hash: String,
}

impl Head {
    /// Reads `SEQ:HASH`.
    pub fn parse(s: &str) -> Option<Self> {
        let (seq, hash) = s.split_once(':')?;
        let seq = seq.trim().parse().ok()?;
        let hash = hash.trim().to_ascii_lowercase();
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(Self { seq, hash })
    }
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// Something wrong with the chain or with the data it vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The entry concerned, when one is.
    pub seq: Option<i64>,
    /// The target concerned, when one is.
    pub target: Option<String>,
    /// What is wrong.
    pub what: String,
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainCheck {
    /// Entries read.
    pub entries: u64,
    /// The last entry read.
    pub head: Head,
    /// The first entry at which the chain breaks.
    pub first_broken: Option<i64>,
    /// Every problem, in chain order.
    pub findings: Vec<Finding>,
}

fn finding(seq: i64, what: String) -> Finding {
    Finding {
        seq: Some(seq),
        target: None,
        what,
    }
}

/// Walks entries in stored order: positions must run 1, 2, 3… without gaps or repeats,
/// each `prev` must be the hash before it, and each hash must match the entry's fields.
/// `stored_head` is the head the store keeps beside the chain (it catches a cut tail);
/// `published` is a head printed earlier (it catches a rewrite of the whole chain).
pub fn check_chain(
    entries: &[Entry],
    stored_head: Option<&Head>,
    published: Option<&Head>,
) -> ChainCheck {
    let mut findings = Vec::new();
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS.to_owned();
    for e in entries {
        if e.seq != expected_seq {
            findings.push(finding(
                e.seq,
                if e.seq > expected_seq {
                    format!(
                        "entries {expected_seq} to {} are missing (deleted)",
                        e.seq - 1
                    )
                } else {
                    format!("entry {} is out of order or repeated", e.seq)
                },
            ));
        }
        if e.prev != prev_hash {
            findings.push(finding(
                e.seq,
                format!(
                    "entry {} does not link to the entry before it (removed, reordered or rewritten)",
                    e.seq
                ),
            ));
        }
        if e.compute_hash() != e.hash {
            findings.push(finding(
                e.seq,
                format!(
                    "entry {} was changed after it was written (its hash no longer matches)",
                    e.seq
                ),
            ));
        }
        expected_seq = e.seq + 1;
        prev_hash.clone_from(&e.hash);
    }
    let head = entries.last().map_or(
        Head {
            seq: 0,
            hash: GENESIS.to_owned(),
        },
        |e| Head {
            seq: e.seq,
            hash: e.hash.clone(),
        },
    );
    match stored_head {
        Some(h) if *h != head => findings.push(Finding {
            seq: Some(head.seq),
            target: None,
            what: format!(
                "the chain ends at {head} but the stored head is {h}: entries were cut from the end, or the head was edited"
            ),
        }),
        Some(_) => {}
        None => findings.push(Finding {
            seq: None,
            target: None,
            what: "the stored head is missing".into(),
        }),
    }
    if let Some(p) = published {
        match entries.iter().find(|e| e.seq == p.seq) {
            Some(e) if e.hash == p.hash => {}
            Some(e) => findings.push(finding(
                e.seq,
                format!(
                    "entry {} differs from the published head {p}: the chain was rewritten",
                    e.seq
                ),
            )),
            None => findings.push(Finding {
                seq: Some(p.seq),
                target: None,
                what: format!("the published head {p} is no longer in the chain"),
            }),
        }
    }
    let first_broken = findings.iter().filter_map(|f| f.seq).min();
    ChainCheck {
        entries: entries.len() as u64,
        head,
        first_broken,
        findings,
    }
}
