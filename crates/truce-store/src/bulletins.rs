//! Published bulletins, stored once and never changed, and the claims of scheduled runs
//! that let exactly one node of several run a scheduled job.

use crate::audit::{Chain, Note};
use crate::{Result, Store, StoreError};
use base64ct::{Base64, Encoding};
use jiff::Timestamp;
use serde::Serialize;

/// A published bulletin as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulletinSummary {
    /// `AGREEMENT/FROM..TO`.
    pub id: String,
    /// Agreement.
    pub agreement: String,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Fingerprint of the signing key.
    pub key: String,
    /// When it was published, RFC 3339.
    pub published_at: String,
    /// True when a PDF was stored with it.
    pub pdf: bool,
}

/// A published bulletin's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBulletin {
    /// How it is listed.
    pub summary: BulletinSummary,
    /// The signed original, canonical JSON.
    pub json: String,
    /// Markdown rendering.
    pub markdown: String,
    /// HTML rendering.
    pub html: String,
    /// PDF bytes, when made.
    pub pdf: Option<Vec<u8>>,
    /// Detached signature of the PDF (JSON), when made.
    pub pdf_signature: Option<String>,
}

/// What publishing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// Stored now.
    New,
    /// The same files were published before; nothing was written.
    Unchanged,
}

/// The files of a bulletin to publish.
#[derive(Debug, Clone)]
pub struct BulletinFiles<'a> {
    /// `AGREEMENT/FROM..TO`.
    pub id: &'a str,
    /// Agreement.
    pub agreement: &'a str,
    /// First day.
    pub from: &'a str,
    /// Last day.
    pub to: &'a str,
    /// Signing key fingerprint.
    pub key: &'a str,
    /// Signed JSON.
    pub json: &'a str,
    /// Markdown.
    pub markdown: &'a str,
    /// HTML.
    pub html: &'a str,
    /// PDF bytes.
    pub pdf: Option<&'a [u8]>,
    /// Detached PDF signature.
    pub pdf_signature: Option<&'a str>,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

const COLUMNS: &str = "id, agreement_id, period_from, period_to, key, published_at, signed_json, markdown, html, pdf, pdf_signature";

fn stored(r: Row) -> Result<StoredBulletin> {
    let pdf = r
        .9
        .as_deref()
        .map(|p| {
            Base64::decode_vec(p)
                .map_err(|_| StoreError::Corrupt(format!("the PDF of bulletin {} is damaged", r.0)))
        })
        .transpose()?;
    Ok(StoredBulletin {
        summary: BulletinSummary {
            id: r.0,
            agreement: r.1,
            from: r.2,
            to: r.3,
            key: r.4,
            published_at: r.5,
            pdf: pdf.is_some(),
        },
        json: r.6,
        markdown: r.7,
        html: r.8,
        pdf,
        pdf_signature: r.10,
    })
}

impl Store {
    /// Publishes a bulletin. A bulletin is immutable: publishing the same signed content
    /// again changes nothing; different content under a published id is refused.
    pub async fn publish_bulletin(&self, f: &BulletinFiles<'_>) -> Result<Published> {
        let pdf = f.pdf.map(Base64::encode_string);
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let existing: Option<String> =
                sqlx::query_scalar("SELECT signed_json FROM bulletins WHERE id = $1")
                    .bind(f.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match existing {
                Some(j) if j == f.json => return Ok(Published::Unchanged),
                Some(_) => {
                    return Err(StoreError::Refused(format!(
                        "bulletin {} is published already with other content; published bulletins are never changed",
                        f.id
                    )));
                }
                None => {}
            }
            sqlx::query(&format!(
                "INSERT INTO bulletins ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ))
            .bind(f.id)
            .bind(f.agreement)
            .bind(f.from)
            .bind(f.to)
            .bind(f.key)
            .bind(Timestamp::now().to_string())
            .bind(f.json)
            .bind(f.markdown)
            .bind(f.html)
            .bind(&pdf)
            .bind(f.pdf_signature)
            .execute(&mut *tx)
            .await?;
            tx.append(
                self.audit_key(),
                &self.actor,
                Note::new("bulletin.publish", format!("bulletin:{}", f.id))
                    .detail(serde_json::json!({"key": f.key, "pdf": pdf.is_some()})),
            )
            .await?;
            tx.commit().await?;
            Ok(Published::New)
        })
    }

    /// Published bulletins, newest period first.
    pub async fn bulletins(&self) -> Result<Vec<BulletinSummary>> {
        let rows: Vec<(String, String, String, String, String, String, i64)> = on_pool!(
            self,
            pool,
            DB,
            {
                sqlx::query_as(
                    "SELECT id, agreement_id, period_from, period_to, key, published_at, CAST(CASE WHEN pdf IS NULL THEN 0 ELSE 1 END AS BIGINT)
                     FROM bulletins ORDER BY period_to DESC, period_from DESC, id",
                )
                .fetch_all(pool)
                .await?
            }
        );
        Ok(rows
            .into_iter()
            .map(|r| BulletinSummary {
                id: r.0,
                agreement: r.1,
                from: r.2,
                to: r.3,
                key: r.4,
                published_at: r.5,
                pdf: r.6 != 0,
            })
            .collect())
    }

    /// One published bulletin.
    pub async fn bulletin(&self, id: &str) -> Result<Option<StoredBulletin>> {
        let row: Option<Row> = on_pool!(self, pool, DB, {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM bulletins WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(stored).transpose()
    }

    /// Claims the run of `job` due at `due` for `node`; false when another node (or an
    /// earlier start of this one) has claimed it.
    pub async fn claim_run(&self, job: &str, due: &str, node: &str) -> Result<bool> {
        let n = on_pool!(self, pool, DB, {
            sqlx::query(
                "INSERT INTO scheduled_runs (job, due, node, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job, due) DO NOTHING",
            )
            .bind(job)
            .bind(due)
            .bind(node)
            .bind(Timestamp::now().to_string())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Records how a claimed run ended.
    pub async fn finish_run(&self, job: &str, due: &str, outcome: &str) -> Result<()> {
        on_pool!(self, pool, DB, {
            sqlx::query(
                "UPDATE scheduled_runs SET finished_at = $1, outcome = $2 WHERE job = $3 AND due = $4",
            )
            .bind(Timestamp::now().to_string())
            .bind(outcome)
            .bind(job)
            .bind(due)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The latest due instant of `job` that any node claimed.
    pub async fn last_run(&self, job: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, pool, DB, {
            sqlx::query_scalar("SELECT MAX(due) FROM scheduled_runs WHERE job = $1")
                .bind(job)
                .fetch_one(pool)
                .await?
        }))
    }
}
