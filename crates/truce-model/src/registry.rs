//! The registry of detained, missing and dead persons (point 8 of the 2020 statement):
//! who each person is, whose side they belong to, who holds them, and every change of
//! their status with its date and source; then, from those facts alone, the aggregates
//! everyone may see and the reconciliation of what each side claims against what the
//! registry holds and what was returned.
//!
//! A person's record splits in two. [`Facts`] (side, category, holder, dated statuses)
//! carry no name, number or birth data and are all the aggregates need. [`Personal`]
//! holds everything that identifies the person; the store seals it and shows it only to
//! those who may see it. Claims and exchanges are evidence records (`detention-claim`,
//! `exchange`); the registry reuses them rather than keeping its own.

use crate::records::PersonCategory;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::words! {
    /// The kinds of registry line, as written in the `type` member.
    EntryKind {
        /// Who a person is (creates or replaces the person's record).
        Person = "person",
        /// A change of a person's status on a date.
        Status = "status",
    }
}

crate::words! {
    /// Where a person stands.
    PersonStatus {
        /// Whereabouts unknown.
        Missing = "missing",
        /// Reported held by a side that has not acknowledged it.
        Held = "held",
        /// Held, and acknowledged by the holding side.
        Acknowledged = "acknowledged",
        /// Set free by the holding side (not yet home, or home by other means).
        Released = "released",
        /// Returned to their own side.
        Repatriated = "repatriated",
        /// Known to have died; remains not returned.
        Dead = "dead",
        /// Remains returned to their own side.
        RemainsReturned = "remains-returned",
    }
}

impl PersonStatus {
    /// True for the states in which someone is held.
    pub fn is_held(self) -> bool {
        matches!(self, Self::Held | Self::Acknowledged)
    }

    /// True for the states that end a case (returned alive, or remains returned).
    pub fn is_returned(self) -> bool {
        matches!(
            self,
            Self::Released | Self::Repatriated | Self::RemainsReturned
        )
    }
}

/// A person's name in one script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Name {
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Given names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_names: Option<String>,
}

/// What identifies a person: sealed at rest, shown only on a need-to-know basis. The
/// fields are those of the Third Geneva Convention, art. 122 (all optional), with the
/// place the person was captured or last seen, a note, and the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Personal {
    /// Names by ISO 15924 script code (`Latn`, `Armn`, `Cyrl`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, Name>,
    /// Military rank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// Army, regimental, personal or serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_number: Option<String>,
    /// Date of birth: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Place of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_place: Option<String>,
    /// Father's first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub father_first_name: Option<String>,
    /// Mother's maiden name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mother_maiden_name: Option<String>,
    /// Name and address of the person to be informed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_to_inform: Option<String>,
    /// Where captured or last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the record comes from (a case file, a list, an organisation).
    pub source: String,
}

/// A person as imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Registry id: opaque, never derived from a name or number.
    pub id: String,
    /// The side the person belongs to (an actor id).
    pub side: String,
    /// Prisoner of war, civilian, hostage, missing, or remains.
    pub category: PersonCategory,
    /// The side holding the person, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
    /// Everything that identifies the person.
    #[serde(flatten)]
    pub personal: Personal,
}

/// The identifying part of a status change (sealed at rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StatusPersonal {
    /// Where it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the change is reported.
    pub source: String,
}

/// A change of a person's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The person's registry id.
    pub person: String,
    /// Local date of the change.
    pub date: Date,
    /// The new status.
    pub status: PersonStatus,
    /// The exchange record (evidence) the change happened in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<String>,
    /// Place, note and source.
    #[serde(flatten)]
    pub personal: StatusPersonal,
}

/// One line of a registry file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Entry {
    /// A person.
    Person(Box<Person>),
    /// A status change.
    Status(StatusChange),
}

/// What aggregates and reconciliation read of a person: nothing that identifies them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Registry id.
    pub id: String,
    /// Side the person belongs to.
    pub side: String,
    /// Category.
    pub category: PersonCategory,
    /// Holding side.
    pub held_by: Option<String>,
    /// (date, status, exchange) in date order.
    pub history: Vec<(Date, PersonStatus, Option<String>)>,
}

impl Facts {
    /// Status on a date: the last change on or before it.
    pub fn status_on(&self, date: Date) -> Option<PersonStatus> {
        self.history
            .iter()
            .take_while(|(d, _, _)| *d <= date)
            .last()
            .map(|(_, s, _)| *s)
    }

    /// First date with a status of the kind asked.
    pub fn first(&self, pred: impl Fn(PersonStatus) -> bool) -> Option<Date> {
        self.history
            .iter()
            .find(|(_, s, _)| pred(*s))
            .map(|(d, _, _)| *d)
    }
}
