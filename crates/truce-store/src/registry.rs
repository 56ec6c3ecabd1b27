//! The registry of detained, missing and dead persons, with need-to-know access enforced
//! here, in the store, so that no caller can forget it: protection officers and admins
//! see every person's personal data, a liaison only that of their own side's people,
//! everyone else aggregates only. Personal fields are sealed at rest (see [`crate::seal`]);
//! every read of a personal record appends an audit entry naming who read it.

use crate::accounts::UserRole;
use crate::audit::{Chain, Note};
use crate::seal::Keyring;
use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;
use truce_formats::jsonl::LineProblem;
use truce_model::AgreementBundle;
use truce_model::access::{RegistryScope, registry_scope};
use truce_model::records::PersonCategory;
use truce_model::registry::{
    Entry, EntryKind, Facts, Person, PersonStatus, Personal, StatusChange, StatusPersonal,
};

/// Who is asking, for need-to-know decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// Login name (or `cli:NAME`), written in the audit log for each read.
    pub actor: String,
    /// Role.
    pub role: UserRole,
    /// The party of a liaison.
    pub party: Option<String>,
}

impl Viewer {
    /// A visitor who is not logged in.
    pub fn public() -> Self {
        Self {
            actor: "public".into(),
            role: UserRole::Public,
            party: None,
        }
    }

    /// A logged-in user.
    pub fn of(user: &crate::accounts::User) -> Self {
        Self {
            actor: user.id.clone(),
            role: user.role,
            party: user.party.clone(),
        }
    }

    /// May this viewer see the personal data of a person of `side`? The access
    /// policy's need-to-know rule decides ([`registry_scope`]).
    pub fn may_see(&self, side: &str) -> bool {
        registry_scope(self.role, self.party.as_deref()).covers(side)
    }

    /// The one side whose people this viewer may see, `None` meaning all; `Err` when the
    /// viewer may see no personal data at all.
    fn scope(&self) -> Result<Option<String>> {
        match registry_scope(self.role, self.party.as_deref()) {
            RegistryScope::All => Ok(None),
            RegistryScope::Side(side) => Ok(Some(side)),
            RegistryScope::Nobody(why) => Err(StoreError::NotAllowed(why)),
        }
    }
}

/// A person as a viewer allowed to see them sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRecord {
    /// The person.
    #[serde(flatten)]
    pub person: Person,
    /// Version of the record (1 on first import).
    pub version: i64,
    /// When this version was recorded, RFC 3339.
    pub recorded_at: String,
    /// Status changes in date order.
    pub history: Vec<StatusChange>,
}

/// What a registry import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegistryImport {
    /// New persons.
    pub persons_added: u64,
    /// Persons whose record changed (the previous version is kept, sealed).
    pub persons_updated: u64,
    /// Persons imported before with the same content.
    pub persons_unchanged: u64,
    /// New status changes.
    pub statuses_added: u64,
    /// Status changes imported before.
    pub statuses_unchanged: u64,
    /// Refused lines, by line: line number and member only, never a personal value.
    pub rejects: Vec<LineProblem>,
}

fn keys(store: &Store) -> Result<&Keyring> {
    store.keys.as_deref().ok_or_else(|| {
        StoreError::Refused(
            "the registry key is not configured (a key file made by `truce init`, or TRUCE_REGISTRY_KEY)"
                .into(),
        )
    })
}

fn person_aad(id: &str, version: i64) -> String {
    format!("person:{id}:{version}")
}

fn status_aad(person: &str, date: &str, status: &str) -> String {
    format!("status:{person}:{date}:{status}")
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("a sealed {what} does not decode: {e}")))
}

/// A stored status change's date and status, read back.
fn stored_status(person: &str, date: &str, status: &str) -> Result<(Date, PersonStatus)> {
    let date = date
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("a status date of {person} is damaged")))?;
    let status = PersonStatus::parse(status)
        .ok_or_else(|| StoreError::Corrupt(format!("a status of {person} is unknown")))?;
    Ok((date, status))
}

/// A stored person's category, read back.
fn stored_category(person: &str, category: &str) -> Result<PersonCategory> {
    PersonCategory::parse(category)
        .ok_or_else(|| StoreError::Corrupt(format!("the category of {person} is unknown")))
}

type PersonRow = (String, i64, String, String, Option<String>, String, String);
type StatusRow = (String, String, String, Option<String>, String);

impl Store {
    /// Imports a registry file (JSON Lines, or CSV when `name` ends in `.csv`) in one
    /// transaction: good lines land, bad lines come back with line and member. Importing
    /// the same file again changes nothing.
    pub async fn import_registry(
        &self,
        bundle: &AgreementBundle,
        name: &str,
        text: &str,
        default_kind: Option<EntryKind>,
    ) -> Result<RegistryImport> {
        let keys = keys(self)?;
        let (parsed, mut rejects) = if name.to_ascii_lowercase().ends_with(".csv") {
            truce_formats::registry::read_csv(text, default_kind, bundle)
                .unwrap_or_else(|e| (Vec::new(), vec![e.into()]))
        } else {
            truce_formats::registry::read_jsonl(text, bundle)
        };
        let exchanges: std::collections::BTreeSet<String> = self
            .records(bundle, Some(truce_model::records::RecordKind::Exchange))
            .await?
            .into_iter()
            .map(|r| r.record.id().to_owned())
            .collect();
        let mut out = RegistryImport::default();
        let now = Timestamp::now().to_string();
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            // A node with another key must not seal beside values it cannot open (two
            // nodes that each made a key of their own would split the registry).
            let sample: Option<String> =
                sqlx::query_scalar("SELECT sealed FROM registry_persons LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(Err(other)) = sample.as_deref().map(|v| keys.knows(v)) {
                return Err(StoreError::Refused(format!(
                    "the registry is sealed with key {other}, and this command or node has key {}; give it the registry's key file",
                    keys.fingerprint()
                )));
            }
            for (no, entry) in parsed {
                match entry {
                    Entry::Person(p) => {
                        let target = format!("person:{}", p.id);
                        let before = tx.state(&target).await?;
                        let digest = keys.mac(serde_json::to_string(&p)?.as_bytes());
                        let current: Option<(i64, String)> = sqlx::query_as(
                            "SELECT version, digest FROM registry_persons WHERE id = $1 AND current = 1",
                        )
                        .bind(&p.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let version = match current {
                            Some((_, d)) if d == digest => {
                                out.persons_unchanged += 1;
                                continue;
                            }
                            Some((v, _)) => {
                                sqlx::query(
                                    "UPDATE registry_persons SET current = 0 WHERE id = $1 AND current = 1",
                                )
                                .bind(&p.id)
                                .execute(&mut *tx)
                                .await?;
                                out.persons_updated += 1;
                                v + 1
                            }
                            None => {
                                out.persons_added += 1;
                                1
                            }
                        };
                        let sealed = keys.seal(
                            &person_aad(&p.id, version),
                            serde_json::to_string(&p.personal)?.as_bytes(),
                        )?;
                        sqlx::query(
                            "INSERT INTO registry_persons (id, version, current, side, category, held_by, sealed, digest, recorded_at)
                             VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(&p.id)
                        .bind(version)
                        .bind(&p.side)
                        .bind(p.category.as_str())
                        .bind(&p.held_by)
                        .bind(&sealed)
                        .bind(&digest)
                        .bind(&now)
                        .execute(&mut *tx)
                        .await?;
                        let action = if version == 1 {
                            "registry.person.add"
                        } else {
                            "registry.person.update"
                        };
                        tx.append(
                            self.audit_key(),
                            &self.actor,
                            Note::new(action, target)
                                .before(before)
                                .detail(serde_json::json!({"version": version})),
                        )
                        .await?;
                    }
                    Entry::Status(s) => {
                        let exists: Option<i64> = sqlx::query_scalar(
                            "SELECT version FROM registry_persons WHERE id = $1 AND current = 1",
                        )
                        .bind(&s.person)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if exists.is_none() {
                            rejects.push(LineProblem {
                                line: no,
                                pointer: "/person".into(),
                                reason: format!(
                                    "no person `{}` in the registry or earlier in the file",
                                    s.person
                                ),
                            });
                            continue;
                        }
                        if let Some(x) = s.exchange.as_deref().filter(|x| !exchanges.contains(*x)) {
                            rejects.push(LineProblem {
                                line: no,
                                pointer: "/exchange".into(),
                                reason: format!(
                                    "no exchange record `{x}`; import it with `truce evidence import` first; {}",
                                    truce_model::diag::suggest(x, exchanges.iter().map(String::as_str))
                                ),
                            });
                            continue;
                        }
                        let target = format!("person:{}", s.person);
                        let before = tx.state(&target).await?;
                        let digest = keys.mac(serde_json::to_string(&s)?.as_bytes());
                        let date = s.date.to_string();
                        let sealed = keys.seal(
                            &status_aad(&s.person, &date, s.status.as_str()),
                            serde_json::to_string(&s.personal)?.as_bytes(),
                        )?;
                        let added = sqlx::query(
                            "INSERT INTO registry_status (person_id, date, status, exchange_id, sealed, digest, recorded_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id, digest) DO NOTHING",
                        )
                        .bind(&s.person)
                        .bind(&date)
                        .bind(s.status.as_str())
                        .bind(&s.exchange)
                        .bind(&sealed)
                        .bind(&digest)
                        .bind(&now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if added == 0 {
                            out.statuses_unchanged += 1;
                            continue;
                        }
                        out.statuses_added += 1;
                        tx.append(
                            self.audit_key(),
                            &self.actor,
                            Note::new("registry.status", target).before(before).detail(
                                serde_json::json!({"date": date, "status": s.status.as_str()}),
                            ),
                        )
                        .await?;
                    }
                }
            }
            tx.commit().await?;
        });
        rejects.sort_by_key(|p| p.line);
        out.rejects = rejects;
        Ok(out)
    }

    /// What aggregates read: side, category, holder and dated statuses of every current
    /// person. Nothing personal, so no key and no access check are needed.
    pub async fn registry_facts(&self) -> Result<Vec<Facts>> {
        type Plain = (String, String, String, Option<String>);
        let (persons, lines): (Vec<Plain>, Vec<Plain>) = on_pool!(self, pool, DB, {
            (
                sqlx::query_as(
                    "SELECT id, side, category, held_by FROM registry_persons WHERE current = 1 ORDER BY id",
                )
                .fetch_all(pool)
                .await?,
                sqlx::query_as(
                    "SELECT person_id, date, status, exchange_id FROM registry_status ORDER BY person_id, date, status",
                )
                .fetch_all(pool)
                .await?,
            )
        });
        let mut history: BTreeMap<String, Vec<(Date, PersonStatus, Option<String>)>> =
            BTreeMap::new();
        for (person, date, status, exchange) in lines {
            let (date, status) = stored_status(&person, &date, &status)?;
            history
                .entry(person)
                .or_default()
                .push((date, status, exchange));
        }
        persons
            .into_iter()
            .map(|(id, side, category, held_by)| {
                Ok(Facts {
                    category: stored_category(&id, &category)?,
                    history: history.remove(&id).unwrap_or_default(),
                    id,
                    side,
                    held_by,
                })
            })
            .collect()
    }

    /// Every person the viewer may see in full (a liaison: their own side's), each read
    /// recorded in the audit log. Refused for roles that see aggregates only.
    pub async fn registry_persons(&self, viewer: &Viewer) -> Result<Vec<PersonRecord>> {
        let scope = match viewer.scope() {
            Ok(s) => s,
            Err(e) => {
                self.registry_read_refused(viewer, "persons").await?;
                return Err(e);
            }
        };
        self.read_persons(viewer, scope.as_deref(), None).await
    }

    /// Records a refused attempt to read personal data: `target` is `person:ID` (the id
    /// cut to 128 characters) or `persons` (the list or the export).
    pub async fn registry_read_refused(&self, viewer: &Viewer, target: &str) -> Result<()> {
        let target: String = target.chars().take(128 + "person:".len()).collect();
        self.acting_as(&viewer.actor)
            .audit_only(vec![
                Note::new("registry.read-refused", target)
                    .detail(serde_json::json!({"role": viewer.role.as_str()})),
            ])
            .await
    }

    /// One person, when the viewer may see them (`None` otherwise, as for an unknown id:
    /// a refusal must not confirm that a person is on record). Refused attempts are
    /// recorded too.
    pub async fn registry_person(&self, viewer: &Viewer, id: &str) -> Result<Option<PersonRecord>> {
        let target = format!("person:{id}");
        let refused = || self.registry_read_refused(viewer, &target);
        let Ok(scope) = viewer.scope() else {
            refused().await?;
            return Ok(None);
        };
        let found = self
            .read_persons(viewer, scope.as_deref(), Some(id))
            .await?;
        if found.is_empty() {
            refused().await?;
        }
        Ok(found.into_iter().next())
    }

    async fn read_persons(
        &self,
        viewer: &Viewer,
        side: Option<&str>,
        id: Option<&str>,
    ) -> Result<Vec<PersonRecord>> {
        let keys = keys(self)?;
        let (rows, lines): (Vec<PersonRow>, Vec<StatusRow>) = on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            let rows: Vec<PersonRow> = sqlx::query_as(
                "SELECT id, version, side, category, held_by, sealed, recorded_at FROM registry_persons
                 WHERE current = 1 AND ($1 IS NULL OR side = $1) AND ($2 IS NULL OR id = $2) ORDER BY id",
            )
            .bind(side)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let lines: Vec<StatusRow> = sqlx::query_as(
                "SELECT s.person_id, s.date, s.status, s.exchange_id, s.sealed FROM registry_status s
                 JOIN registry_persons p ON p.id = s.person_id AND p.current = 1
                 WHERE ($1 IS NULL OR p.side = $1) AND ($2 IS NULL OR p.id = $2)
                 ORDER BY s.person_id, s.date, s.status",
            )
            .bind(side)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            // The reads are on record before anything leaves the store.
            for r in &rows {
                tx.append(
                    self.audit_key(),
                    &viewer.actor,
                    Note::new("registry.read", format!("person:{}", r.0))
                        .detail(serde_json::json!({"role": viewer.role.as_str()})),
                )
                .await?;
            }
            tx.commit().await?;
            (rows, lines)
        });
        let mut history: BTreeMap<String, Vec<StatusChange>> = BTreeMap::new();
        for (person, date, status, exchange, sealed) in lines {
            let plain = keys.open(&status_aad(&person, &date, &status), &sealed)?;
            let personal: StatusPersonal = decode("status", &plain)?;
            let (date, status) = stored_status(&person, &date, &status)?;
            history
                .entry(person.clone())
                .or_default()
                .push(StatusChange {
                    date,
                    status,
                    person,
                    exchange,
                    personal,
                });
        }
        let mut out = Vec::new();
        for (pid, version, pside, category, held_by, sealed, recorded_at) in rows {
            // Belt and braces: the query already kept to the viewer's scope.
            if !viewer.may_see(&pside) {
                continue;
            }
            let plain = keys.open(&person_aad(&pid, version), &sealed)?;
            let personal: Personal = decode("person", &plain)?;
            out.push(PersonRecord {
                history: history.remove(&pid).unwrap_or_default(),
                person: Person {
                    category: stored_category(&pid, &category)?,
                    id: pid,
                    side: pside,
                    held_by,
                    personal,
                },
                version,
                recorded_at,
            });
        }
        Ok(out)
    }

    /// Re-seals every person version and status change with the keyring's sealing key
    /// (and recomputes the keyed digests), in one transaction: the step of a key
    /// rotation between writing the new key and retiring the old. Returns the values
    /// re-sealed.
    pub async fn rekey_registry(&self) -> Result<u64> {
        let keys = keys(self)?;
        on_pool!(self, pool, DB, {
            let mut tx = pool.begin().await?;
            tx.lock_chain().await?;
            type Version = (String, i64, String, String, Option<String>, String, i64);
            let persons: Vec<Version> =
                sqlx::query_as(
                    "SELECT id, version, side, category, held_by, sealed, current FROM registry_persons ORDER BY id, version",
                )
                .fetch_all(&mut *tx)
                .await?;
            let mut n = 0u64;
            let mut touched = std::collections::BTreeSet::new();
            for (id, version, side, category, held_by, sealed, current) in persons {
                let aad = person_aad(&id, version);
                let plain = keys.open(&aad, &sealed)?;
                let personal: Personal = decode("person", &plain)?;
                let person = Person {
                    category: stored_category(&id, &category)?,
                    id: id.clone(),
                    side,
                    held_by,
                    personal,
                };
                let before = if current == 1 {
                    tx.state(&format!("person:{id}")).await?
                } else {
                    String::new()
                };
                sqlx::query("UPDATE registry_persons SET sealed = $1, digest = $2 WHERE id = $3 AND version = $4")
                    .bind(keys.seal(&aad, &plain)?)
                    .bind(keys.mac(serde_json::to_string(&person)?.as_bytes()))
                    .bind(&id)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                n += 1;
                if current == 1 {
                    touched.insert((id, before));
                }
            }
            let lines: Vec<(String, String, String, Option<String>, String, String)> = sqlx::query_as(
                "SELECT person_id, date, status, exchange_id, sealed, digest FROM registry_status",
            )
            .fetch_all(&mut *tx)
            .await?;
            for (person, date, status, exchange, sealed, digest) in lines {
                let aad = status_aad(&person, &date, &status);
                let plain = keys.open(&aad, &sealed)?;
                let (date, status) = stored_status(&person, &date, &status)?;
                let change = StatusChange {
                    date,
                    status,
                    person: person.clone(),
                    exchange,
                    personal: decode("status", &plain)?,
                };
                sqlx::query("UPDATE registry_status SET sealed = $1, digest = $2 WHERE person_id = $3 AND digest = $4")
                    .bind(keys.seal(&aad, &plain)?)
                    .bind(keys.mac(serde_json::to_string(&change)?.as_bytes()))
                    .bind(&person)
                    .bind(&digest)
                    .execute(&mut *tx)
                    .await?;
                n += 1;
            }
            for (id, before) in touched {
                tx.append(
                    self.audit_key(),
                    &self.actor,
                    Note::new("registry.rekey", format!("person:{id}"))
                        .before(before)
                        .detail(serde_json::json!({"key": keys.fingerprint()})),
                )
                .await?;
            }
            tx.commit().await?;
            Ok(n)
        })
    }
}

/// Registry lines of the persons given, ready to import again (persons, then their
/// status changes): the export format for those allowed to see them.
pub fn export_lines(records: &[PersonRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for r in records {
        out.push(
            serde_json::to_string(&Entry::Person(Box::new(r.person.clone()))).unwrap_or_default(),
        );
    }
    for r in records {
        for s in &r.history {
            out.push(serde_json::to_string(&Entry::Status(s.clone())).unwrap_or_default());
        }
    }
    out
}
