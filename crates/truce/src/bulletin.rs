//! `truce bulletin build|verify|list` and `truce keys generate`: signed monitoring
//! bulletins at the command line. Verification needs nothing but the file and the public
//! key, and works offline.

use crate::{BadInput, DataArgs, NotFound, open, out, stored};
use anyhow::{Context, Result};
use clap::Subcommand;
use jiff::civil::Date;
use std::path::PathBuf;
use truce_bulletin as bulletin;
use truce_usecases::publishing;

#[derive(Debug, Subcommand)]
pub enum BulletinCmd {
    /// Build, sign and write the bulletin for a period (JSON, Markdown, HTML, and PDF when
    /// Chromium is installed); with --publish, also store it for the dashboard and feeds.
    Build {
        /// First local day.
        #[arg(long, value_name = "DATE")]
        from: Date,
        /// Last local day (default: the first).
        #[arg(long, value_name = "DATE")]
        to: Option<Date>,
        /// Agreement (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
        #[arg(long, env = "TRUCE_AGREEMENT")]
        agreement: Option<String>,
        /// Folder to write the files to.
        #[arg(long, default_value = "bulletins")]
        out: PathBuf,
        /// The signing key (default: bulletin-signing.key in the data directory; make one
        /// with `truce keys generate`).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Store it as published: immutable, listed, served at a stable URL, in the feed.
        #[arg(long)]
        publish: bool,
        /// Require a PDF (fails when Chromium is missing); by default one is made when
        /// Chromium is there.
        #[arg(long, conflicts_with = "no_pdf")]
        pdf: bool,
        /// Make no PDF.
        #[arg(long)]
        no_pdf: bool,
        /// The languages to write it in, each version signed on its own: en, ru, hy, az
        /// (comma-separated, or `all`).
        #[arg(long, value_name = "LANGS", default_value = "en")]
        lang: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Check a bulletin file (JSON, Markdown, HTML, or PDF with its .sig beside it)
    /// against a public key: exit 0 when authentic and unchanged, 1 otherwise.
    Verify {
        /// The file.
        file: PathBuf,
        /// The public key file (`….pub` from `truce keys generate`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The detached signature of a PDF (default: FILE.sig).
        #[arg(long, value_name = "FILE")]
        signature: Option<PathBuf>,
    },
    /// List published bulletins.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

pub async fn bulletin(cmd: BulletinCmd) -> Result<()> {
    match cmd {
        BulletinCmd::Build {
            from,
            to,
            agreement,
            out: dir,
            key,
            publish,
            pdf,
            no_pdf,
            lang,
            data,
        } => {
            let to = to.unwrap_or(from);
            let langs: Vec<&str> = if lang == "all" {
                truce_model::i18n::LANGUAGES.to_vec()
            } else {
                lang.split(',').map(str::trim).collect()
            };
            if let Some(bad) = langs
                .iter()
                .find(|l| !truce_model::i18n::LANGUAGES.contains(l))
            {
                return Err(BadInput(format!(
                    "--lang {bad}: Truce writes bulletins in {}",
                    truce_model::i18n::LANGUAGES.join(", ")
                ))
                .into());
            }
            if to < from {
                return Err(BadInput(format!("--to {to} is before --from {from}")).into());
            }
            if (to - from).get_days() > 400 {
                return Err(BadInput("a bulletin covers at most 400 days".into()).into());
            }
            let key_path = key.unwrap_or_else(|| crate::keys::default_signing_key(&data));
            let secret = truce_store::seal::read_secret(&key_path).map_err(|e| {
                BadInput(format!(
                    "{e}; make a signing key with `truce keys generate`"
                ))
            })?;
            let store = open(&data).await?;
            let b = stored(&store, agreement.as_deref()).await?;
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let now = jiff::Timestamp::now();
            let mut text = String::new();
            for lang in langs {
                let content = publishing::build_in(&store, &b, from, to, now, lang).await?;
                let signed = bulletin::sign(content, &secret);
                let r = publishing::render(&signed);
                // English as it always was; another language beside it: `….ru.html`.
                let stem = format!(
                    "{}-{from}--{to}{}",
                    b.agreement.id,
                    if lang == "en" {
                        String::new()
                    } else {
                        format!(".{lang}")
                    }
                );
                let write = |ext: &str, bytes: &[u8]| -> Result<PathBuf> {
                    let p = dir.join(format!("{stem}.{ext}"));
                    std::fs::write(&p, bytes)
                        .with_context(|| format!("cannot write {}", p.display()))?;
                    Ok(p)
                };
                let mut written = vec![
                    write("json", r.json.as_bytes())?,
                    write("md", r.markdown.as_bytes())?,
                    write("html", r.html.as_bytes())?,
                ];
                let mut made_pdf = None;
                if !no_pdf {
                    match publishing::chromium() {
                        Some(c) => {
                            let bytes = publishing::pdf(&c, &r.html)
                                .await
                                .map_err(|e| anyhow::anyhow!("cannot make the PDF: {e}"))?;
                            let sig =
                                truce_bulletin::sign_pdf(&signed.bulletin.id, &bytes, &secret);
                            written.push(write("pdf", &bytes)?);
                            written.push(write("pdf.sig", sig.as_bytes())?);
                            made_pdf = Some((bytes, sig));
                        }
                        None if pdf => {
                            return Err(BadInput(
                            "no Chromium for the PDF (install Debian's chromium, or set TRUCE_CHROMIUM)".into(),
                        )
                        .into());
                        }
                        None => {}
                    }
                }
                text += &format!(
                    "bulletin {} signed with key {}\n",
                    signed.bulletin.id, signed.signature.key
                );
                for p in &written {
                    text += &format!("  {}\n", p.display());
                }
                if publish {
                    let outcome = publishing::publish(
                        &store,
                        &signed,
                        &r,
                        made_pdf.as_ref().map(|(p, s)| (p.as_slice(), s.as_str())),
                    )
                    .await
                    .map_err(|e| match e {
                        truce_store::StoreError::Refused(m) => anyhow::Error::new(BadInput(m)),
                        other => other.into(),
                    })?;
                    text += match outcome {
                        truce_store::bulletins::Published::New => "published\n",
                        truce_store::bulletins::Published::Unchanged => {
                            "already published, unchanged\n"
                        }
                    };
                }
            }
            out(&text)
        }
        BulletinCmd::Verify {
            file,
            key,
            signature,
        } => {
            let key_text = std::fs::read_to_string(&key)
                .map_err(|e| BadInput(format!("cannot read {}: {e}", key.display())))?;
            let public = bulletin::public_key(&key_text).ok_or_else(|| {
                BadInput(format!("{} holds no ed25519 public key", key.display()))
            })?;
            let fp = bulletin::fingerprint(&public);
            let is_pdf = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
            let result = if is_pdf {
                let bytes = std::fs::read(&file)
                    .map_err(|e| BadInput(format!("cannot read {}: {e}", file.display())))?;
                let sig_path = signature.unwrap_or_else(|| {
                    let mut p = file.as_os_str().to_owned();
                    p.push(".sig");
                    PathBuf::from(p)
                });
                let sig = std::fs::read_to_string(&sig_path).map_err(|e| {
                    BadInput(format!(
                        "cannot read the signature {}: {e}",
                        sig_path.display()
                    ))
                })?;
                truce_bulletin::verify_pdf(&bytes, &sig, &public)
            } else {
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| BadInput(format!("cannot read {}: {e}", file.display())))?;
                bulletin::verify_text(&text, &public)
                    .map(|s| s.bulletin.id)
                    .map_err(|e| e.to_string())
            };
            match result {
                Ok(id) => out(&format!(
                    "{}: authentic and unchanged — bulletin {id}, signed with key {fp}\n",
                    file.display()
                )),
                Err(e) => {
                    out(&format!("{}: NOT VERIFIED — {e}\n", file.display()))?;
                    Err(NotFound.into())
                }
            }
        }
        BulletinCmd::List { json, data } => {
            let store = open(&data).await?;
            let list = store.bulletins().await?;
            if json {
                out(&format!("{}\n", serde_json::to_string_pretty(&list)?))?;
            } else {
                let mut s = String::new();
                for b in &list {
                    s += &format!(
                        "{}  {} to {}  key {}  published {}{}\n",
                        b.id,
                        b.from,
                        b.to,
                        b.key,
                        b.published_at,
                        if b.pdf { "  (PDF)" } else { "" }
                    );
                }
                s += &format!("{} bulletin(s)\n", list.len());
                out(&s)?;
            }
            if list.is_empty() {
                Err(NotFound.into())
            } else {
                Ok(())
            }
        }
    }
}
