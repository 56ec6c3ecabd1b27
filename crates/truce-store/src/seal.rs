//! Sealing of the registry's personal fields: XChaCha20-Poly1305 with a random nonce per
//! value and the row's identity as associated data, under a 256-bit key kept outside the
//! database (a key file with owner-only permissions, or `TRUCE_REGISTRY_KEY`). The
//! database alone reveals no personal field, and a sealed value moved to another row no
//! longer opens.
//!
//! A keyring holds the key new values are sealed with and, during a rotation, the key
//! being replaced or the one replacing it; each sealed value names the key that sealed
//! it by an 8-byte fingerprint.

use crate::{Result, StoreError};
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The environment variable that may hold the key (64 hex digits) instead of a file.
pub const KEY_ENV: &str = "TRUCE_REGISTRY_KEY";

/// The prefix of every sealed value: format version 1.
const V1: &str = "v1";

struct Key {
    bytes: [u8; 32],
    id: String,
}

impl Key {
    fn new(bytes: [u8; 32]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"truce registry key id\0")
            .chain_update(bytes)
            .finalize();
        Self {
            bytes,
            id: truce_engine::audit::hex(&digest[..8]),
        }
    }

    fn from_hex(text: &str, origin: &str) -> Result<Self> {
        let t = text.trim();
        let bad = || {
            StoreError::Refused(format!(
                "{origin} does not hold a registry key (64 hexadecimal digits)"
            ))
        };
        if t.len() != 64 {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(t.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        Ok(Self::new(bytes))
    }

    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self::new(bytes)
    }

    fn hex(&self) -> String {
        truce_engine::audit::hex(&self.bytes)
    }
}

/// The keys of the registry: one that seals, any that open.
pub struct Keyring {
    primary: Key,
    others: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Fingerprints only: a key must never reach a log.
        f.debug_struct("Keyring")
            .field("primary", &self.primary.id)
            .field(
                "others",
                &self
                    .others
                    .iter()
                    .map(|k| k.id.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The file a rotation writes the new key to before it re-seals; its presence at start
/// means a rotation did not finish, and the keyring opens with both keys.
pub fn next_key_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".next");
    PathBuf::from(p)
}

fn write_key_file(path: &Path, key: &Key) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| {
        StoreError::Refused(format!(
            "cannot create the key file {}: {e}",
            path.display()
        ))
    })?;
    f.write_all(format!("{}\n", key.hex()).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| StoreError::Refused(format!("cannot write {}: {e}", path.display())))
}

fn read_key_file(path: &Path) -> Result<Key> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        StoreError::Refused(format!("cannot read the key file {}: {e}", path.display()))
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            return Err(StoreError::Refused(format!(
                "the key file {} can be read by others; run `chmod 600` on it",
                path.display()
            )));
        }
    }
    Key::from_hex(&text, &path.display().to_string())
}

/// 32 random bytes from the operating system.
pub fn random_key() -> [u8; 32] {
    Key::generate().bytes
}

/// Reads a 32-byte secret kept as 64 hex digits in a file only its owner may read (the
/// registry key, a bulletin signing key).
pub fn read_secret(path: &Path) -> Result<[u8; 32]> {
    Ok(read_key_file(path)?.bytes)
}

/// Writes a 32-byte secret to a new file readable by its owner only; refuses to
/// overwrite one.
pub fn write_secret(path: &Path, secret: &[u8; 32]) -> Result<()> {
    write_key_file(path, &Key::new(*secret))
}

impl Keyring {
    /// Creates a key file with a new random key, readable by its owner only. Returns
    /// false, and leaves the file alone, when it exists.
    pub fn create_file(path: &Path) -> Result<bool> {
        if path.exists() {
            return Ok(false);
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Refused(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        write_key_file(path, &Key::generate())?;
        Ok(true)
    }

    /// Reads the key from `TRUCE_REGISTRY_KEY` when set, else from the key file (with
    /// the key of an unfinished rotation beside it, if any).
    pub fn load(path: &Path) -> Result<Self> {
        if let Ok(hex) = std::env::var(KEY_ENV) {
            return Ok(Self {
                primary: Key::from_hex(&hex, KEY_ENV)?,
                others: Vec::new(),
            });
        }
        let primary = read_key_file(path)?;
        let next = next_key_path(path);
        let others = if next.exists() {
            vec![read_key_file(&next)?]
        } else {
            Vec::new()
        };
        Ok(Self { primary, others })
    }

    /// A keyring with one fresh key, for tests.
    pub fn ephemeral() -> Self {
        Self {
            primary: Key::generate(),
            others: Vec::new(),
        }
    }

    /// Fingerprint of the sealing key (safe to print).
    pub fn fingerprint(&self) -> &str {
        &self.primary.id
    }

    /// The rotation step before re-sealing: the key that will replace the sealing key,
    /// written to `PATH.next` (or read from it, when an earlier rotation stopped half
    /// way). Returns a keyring that seals with the new key and opens with both.
    pub fn begin_rotation(&self, path: &Path) -> Result<Self> {
        if std::env::var_os(KEY_ENV).is_some() {
            return Err(StoreError::Refused(format!(
                "the key comes from {KEY_ENV}; rotate by re-sealing with a key file: unset it and give the key file"
            )));
        }
        let next = next_key_path(path);
        let new = if next.exists() {
            read_key_file(&next)?
        } else {
            let k = Key::generate();
            write_key_file(&next, &k)?;
            k
        };
        let mut others = vec![Key::new(self.primary.bytes)];
        others.extend(
            self.others
                .iter()
                .filter(|k| k.id != new.id)
                .map(|k| Key::new(k.bytes)),
        );
        Ok(Self {
            primary: new,
            others,
        })
    }

    /// The rotation step after re-sealing committed: the old key file is kept beside it
    /// as `PATH.retired-FINGERPRINT` (backups made before still need it) and the new key
    /// takes its place.
    pub fn finish_rotation(path: &Path, old_fingerprint: &str) -> Result<PathBuf> {
        let mut retired = path.as_os_str().to_owned();
        retired.push(format!(".retired-{old_fingerprint}"));
        let retired = PathBuf::from(retired);
        let io =
            |e: std::io::Error| StoreError::Refused(format!("cannot finish the rotation: {e}"));
        std::fs::rename(path, &retired).map_err(io)?;
        std::fs::rename(next_key_path(path), path).map_err(io)?;
        Ok(retired)
    }

    /// Seals `plain`, bound to `aad` (the row's identity).
    pub(crate) fn seal(&self, aad: &str, plain: &[u8]) -> Result<String> {
        let cipher = XChaCha20Poly1305::new((&self.primary.bytes).into());
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Corrupt("sealing failed".into()))?;
        Ok(format!(
            "{V1}:{}:{}{}",
            self.primary.id,
            truce_engine::audit::hex(&nonce),
            truce_engine::audit::hex(&sealed)
        ))
    }

    /// Opens a sealed value; refuses one sealed for another row or by an unknown key.
    pub(crate) fn open(&self, aad: &str, sealed: &str) -> Result<Vec<u8>> {
        let mut parts = sealed.splitn(3, ':');
        let (Some(V1), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(StoreError::Corrupt(format!(
                "a sealed value of {aad} is not in a known format"
            )));
        };
        let key = std::iter::once(&self.primary)
            .chain(&self.others)
            .find(|k| k.id == id)
            .ok_or_else(|| {
                StoreError::Refused(format!(
                    "a value of {aad} is sealed with key {id}, which is not the configured key ({}); restore the right key file",
                    self.primary.id
                ))
            })?;
        let bytes = unhex(body)
            .filter(|b| b.len() > 24)
            .ok_or_else(|| StoreError::Corrupt(format!("a sealed value of {aad} is damaged")))?;
        let cipher = XChaCha20Poly1305::new((&key.bytes).into());
        cipher
            .decrypt(
                XNonce::from_slice(&bytes[..24]),
                Payload {
                    msg: &bytes[24..],
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| {
                StoreError::Corrupt(format!(
                    "a sealed value of {aad} does not open: it was altered or moved from another row"
                ))
            })
    }

    /// The fingerprint of the key that sealed a value, if it is one of this ring's.
    pub(crate) fn knows(&self, sealed: &str) -> Result<(), String> {
        let id = sealed.split(':').nth(1).unwrap_or("");
        if std::iter::once(&self.primary)
            .chain(&self.others)
            .any(|k| k.id == id)
        {
            Ok(())
        } else {
            Err(id.to_owned())
        }
    }

    /// Keyed digest of plain content (HMAC-SHA256 under a key derived from the sealing
    /// key): equal contents give equal digests, and no one without the key can test a
    /// guess of a name against it.
    pub(crate) fn mac(&self, content: &[u8]) -> String {
        let sub = Sha256::new()
            .chain_update(b"truce registry digest\0")
            .chain_update(self.primary.bytes)
            .finalize();
        let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(&sub) else {
            return String::new();
        };
        m.update(content);
        truce_engine::audit::hex(&m.finalize().into_bytes())
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
