//! Both keys in one place: the registry key (`truce keys rotate|show`) that seals personal
//! fields, and the bulletin signing key (`truce keys generate`, its default path).

use crate::{BadInput, DataArgs, open, out};
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use truce_bulletin as bulletin;

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Replace the registry key: a new key is written beside the old, every personal field
    /// is re-sealed in one transaction, then the old key file is renamed
    /// `….retired-FINGERPRINT` (keep it as long as backups made before exist). A rotation
    /// that stops half way is finished by running it again.
    Rotate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Make a bulletin signing key (ed25519): FILE (owner-only) and FILE with `.pub`.
    Generate {
        /// The secret key file (default: bulletin-signing.key in the data directory).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Print the fingerprint of the registry key in use.
    Show {
        #[command(flatten)]
        data: DataArgs,
    },
}

pub async fn keys(cmd: KeysCmd) -> Result<()> {
    match cmd {
        KeysCmd::Rotate { data } => {
            let store = open(&data).await?;
            let path = data.key_file();
            let old = truce_store::seal::Keyring::load(&path)?;
            let new = old.begin_rotation(&path)?;
            let fingerprint = new.fingerprint().to_owned();
            let n = store.with_keys(new).rekey_registry().await?;
            let retired = truce_store::seal::Keyring::finish_rotation(&path, old.fingerprint())?;
            store
                .audit_event(
                    "keys.rotate",
                    "registry-key",
                    serde_json::json!({"from": old.fingerprint(), "to": fingerprint, "values": n}),
                )
                .await?;
            out(&format!(
                "registry key rotated: {} → {fingerprint}; {n} sealed value(s) re-sealed; old key kept as {}\n",
                old.fingerprint(),
                retired.display()
            ))
        }
        KeysCmd::Generate { out: file, data } => {
            generate(&file.unwrap_or_else(|| default_signing_key(&data)))
        }
        KeysCmd::Show { data } => {
            let path = data.key_file();
            let k = truce_store::seal::Keyring::load(&path)?;
            out(&format!("registry key {}\n", k.fingerprint()))
        }
    }
}

/// Default signing key file of a data directory.
pub fn default_signing_key(data: &DataArgs) -> PathBuf {
    data.data.join("bulletin-signing.key")
}

fn public_path(secret: &Path) -> PathBuf {
    secret.with_extension("pub")
}

/// `truce keys generate`: a new ed25519 signing key (owner-only) and its public key.
pub fn generate(secret_path: &Path) -> Result<()> {
    if secret_path.exists() {
        return Err(BadInput(format!(
            "{} exists; a signing key is never overwritten (move it away first)",
            secret_path.display()
        ))
        .into());
    }
    if let Some(dir) = secret_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let secret = truce_store::seal::random_key();
    truce_store::seal::write_secret(secret_path, &secret)?;
    let public = bulletin::public_of(&secret);
    let fp = bulletin::fingerprint(&public);
    let pub_path = public_path(secret_path);
    std::fs::write(
        &pub_path,
        format!(
            "# Truce bulletin signing key {fp} (ed25519 public key)\n{}\n",
            truce_engine::audit::hex(&public)
        ),
    )
    .with_context(|| format!("cannot write {}", pub_path.display()))?;
    out(&format!(
        "signing key {fp}\n  secret: {} (owner-only; back it up, never publish it)\n  public: {} (publish it: anyone verifies bulletins with it)\n",
        secret_path.display(),
        pub_path.display()
    ))
}
