//! Sources of reports: registered once, read by every import and submission.

use crate::audit::{Chain, Note};
use crate::{Result, Store, StoreError};
use sqlx::Row;
use std::collections::HashMap;
use truce_model::report::Source;

impl Store {
    /// Registers a source; an existing source with this id is kept as it is.
    pub async fn put_source(&self, s: &Source) -> Result<()> {
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let added = sqlx::query("INSERT INTO sources (id, name, kind, reliability, party) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING")
            .bind(&s.id)
            .bind(&s.name)
            .bind(s.kind.as_str())
            .bind(s.reliability.as_str())
            .bind(&s.party)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added > 0 {
                tx.append(self.audit_key(), &self.actor,
                    Note::new("source.add", format!("source:{}", s.id)).detail(
                        serde_json::json!({"kind": s.kind.as_str(), "reliability": s.reliability.as_str()}),
                    ),
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every source, by id, as last read by this process unless `wanted` is not among
    /// them: sources are only ever added, never changed or removed, so a copy that holds
    /// the one a request names is as good as a fresh read (a submission asks for every
    /// report).
    pub async fn sources_with(&self, wanted: Option<&str>) -> Result<HashMap<String, Source>> {
        if let Some(known) = self.known_sources.read().ok().and_then(|k| k.clone())
            && wanted.is_none_or(|id| known.contains_key(id))
        {
            return Ok((*known).clone());
        }
        let fresh = self.sources().await?;
        if let Ok(mut k) = self.known_sources.write() {
            *k = Some(std::sync::Arc::new(fresh.clone()));
        }
        Ok(fresh)
    }

    /// Every source, by id.
    pub async fn sources(&self) -> Result<HashMap<String, Source>> {
        on_pool!(self, pool, DB, {
            let rows = sqlx::query("SELECT id, name, kind, reliability, party FROM sources")
                .fetch_all(pool)
                .await?;
            let mut out = HashMap::new();
            for r in rows {
                let id: String = r.try_get("id")?;
                let kind: String = r.try_get("kind")?;
                let reliability: String = r.try_get("reliability")?;
                let source = Source {
                    id: id.clone(),
                    name: r.try_get("name")?,
                    kind: truce_model::report::SourceKind::parse(&kind).ok_or_else(|| {
                        StoreError::Corrupt(format!("source {id}: kind `{kind}`"))
                    })?,
                    reliability: truce_model::report::Reliability::parse(&reliability).ok_or_else(
                        || StoreError::Corrupt(format!("source {id}: reliability `{reliability}`")),
                    )?,
                    party: r.try_get("party")?,
                };
                out.insert(id, source);
            }
            Ok(out)
        })
    }
}
