//! Canonical JSON and ed25519 signatures: of a bulletin's content, of any bytes (the PDF
//! files), and their verification against a public key.

use crate::content::Bulletin;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Canonical JSON: object members sorted by key at every level, no whitespace. Equal
/// content gives equal bytes whatever order it was built or parsed in.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for (n, k) in keys.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (n, x) in a.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The canonical bytes of a bulletin's content.
pub fn canonical_content(b: &Bulletin) -> String {
    canonical(&serde_json::to_value(b).unwrap_or(Value::Null))
}

/// Fingerprint of a public key: the first 16 hex digits of its SHA-256.
pub fn fingerprint(public: &[u8; 32]) -> String {
    truce_engine::audit::hex(&Sha256::digest(public)[..8])
}

/// A signature over a bulletin's canonical content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Always `ed25519`.
    pub algorithm: String,
    /// Fingerprint of the public key.
    pub key: String,
    /// The signature, 128 hex digits.
    pub value: String,
}

/// A signed bulletin: the content and the signature over its canonical JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signed {
    /// The content.
    pub bulletin: Bulletin,
    /// The signature.
    pub signature: Signature,
}

/// Signs bytes with a 32-byte ed25519 secret key: (key fingerprint, signature in hex).
pub fn sign_bytes(message: &[u8], secret: &[u8; 32]) -> (String, String) {
    let key = SigningKey::from_bytes(secret);
    let sig = key.sign(message);
    (
        fingerprint(&key.verifying_key().to_bytes()),
        truce_engine::audit::hex(&sig.to_bytes()),
    )
}

/// Checks a signature made by [`sign_bytes`] against a public key.
pub fn verify_bytes(
    message: &[u8],
    key: &str,
    signature: &str,
    public: &[u8; 32],
) -> Result<(), VerifyError> {
    let expected = fingerprint(public);
    if key != expected {
        return Err(VerifyError::OtherKey {
            found: key.to_owned(),
            expected,
        });
    }
    let verifying = VerifyingKey::from_bytes(public).map_err(|_| VerifyError::BadSignature)?;
    let sig = unhex::<64>(signature).ok_or(VerifyError::BadSignature)?;
    verifying
        .verify(message, &ed25519_dalek::Signature::from_bytes(&sig))
        .map_err(|_| VerifyError::BadSignature)
}

/// Signs a bulletin with a 32-byte ed25519 secret key.
pub fn sign(b: Bulletin, secret: &[u8; 32]) -> Signed {
    let (key, value) = sign_bytes(canonical_content(&b).as_bytes(), secret);
    Signed {
        signature: Signature {
            algorithm: "ed25519".into(),
            key,
            value,
        },
        bulletin: b,
    }
}

/// Why a bulletin does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The file is not a signed bulletin in any of the forms Truce writes.
    #[error("not a signed Truce bulletin: {0}")]
    NotABulletin(String),
    /// Signed with another key.
    #[error("signed with key {found}, not with the key given ({expected})")]
    OtherKey {
        /// Fingerprint in the file.
        found: String,
        /// Fingerprint of the key given.
        expected: String,
    },
    /// The signature does not match the content.
    #[error("the signature does not match the content: the bulletin was changed after signing")]
    BadSignature,
    /// The rendering differs from the one the signed content gives.
    #[error("the {0} differs from the signed content at byte {1}: it was changed after signing")]
    Altered(&'static str, usize),
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (k, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * k..2 * k + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Reads a public key written by `truce keys generate` (64 hex digits, optional
/// whitespace and a comment line starting with `#`).
pub fn public_key(text: &str) -> Option<[u8; 32]> {
    let hex: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    unhex::<32>(&hex)
}

/// Checks a signed bulletin against a public key.
pub fn verify_signed(s: &Signed, public: &[u8; 32]) -> Result<(), VerifyError> {
    if s.signature.algorithm != "ed25519" {
        return Err(VerifyError::BadSignature);
    }
    verify_bytes(
        canonical_content(&s.bulletin).as_bytes(),
        &s.signature.key,
        &s.signature.value,
        public,
    )
}

/// The public key of a secret key.
pub fn public_of(secret: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(secret).verifying_key().to_bytes()
}

/// The JSON form as written: the signed bulletin in canonical JSON and a newline.
pub fn json_text(s: &Signed) -> String {
    canonical(&serde_json::to_value(s).unwrap_or(Value::Null)) + "\n"
}

/// Reads a signed bulletin's JSON form.
pub fn read_json(text: &str) -> Result<Signed, VerifyError> {
    serde_json::from_str(text).map_err(|e| VerifyError::NotABulletin(e.to_string()))
}

/// A detached signature of a PDF's bytes (the PDF itself is not reproducible, so it is
/// signed as a file): JSON naming the bulletin, the SHA-256 of the file and the
/// signature over `truce-bulletin-pdf\n{id}\n{sha256}`.
pub fn sign_pdf(id: &str, pdf: &[u8], secret: &[u8; 32]) -> String {
    let digest = truce_engine::audit::hex(&Sha256::digest(pdf));
    let message = format!("truce-bulletin-pdf\n{id}\n{digest}");
    let sig = sign_bytes(message.as_bytes(), secret);
    serde_json::json!({
        "bulletin": id,
        "sha256": digest,
        "algorithm": "ed25519",
        "key": sig.0,
        "value": sig.1,
    })
    .to_string()
        + "\n"
}

/// Checks a PDF against its detached signature and a public key.
pub fn verify_pdf(pdf: &[u8], signature: &str, public: &[u8; 32]) -> Result<String, String> {
    let v: Value =
        serde_json::from_str(signature).map_err(|e| format!("not a PDF signature: {e}"))?;
    let id = v["bulletin"].as_str().unwrap_or_default();
    let digest = truce_engine::audit::hex(&Sha256::digest(pdf));
    if v["sha256"].as_str() != Some(digest.as_str()) {
        return Err("the PDF differs from the one signed".into());
    }
    let message = format!("truce-bulletin-pdf\n{id}\n{digest}");
    verify_bytes(
        message.as_bytes(),
        v["key"].as_str().unwrap_or_default(),
        v["value"].as_str().unwrap_or_default(),
        public,
    )
    .map_err(|e| e.to_string())?;
    Ok(id.to_owned())
}
