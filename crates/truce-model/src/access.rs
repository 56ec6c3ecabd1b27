//! Who may do what: the one access policy of Truce, pure data and pure functions. The
//! server, the command line (`--as USER`) and the registry read it; the dashboard is told
//! its answers through `/api/v1/session` and copies none of it.
//!
//! Three rules: the table of roles and actions ([`PERMISSIONS`]); which sources a user
//! may submit reports for ([`may_submit_for`]); and whose personal registry data a user
//! may see ([`registry_scope`]).

use crate::report::{Source, SourceKind};
use serde::Serialize;

/// An account's role: what a user may do is decided by it alone (and, for a liaison
/// officer, by their party). Not to be confused with an actor's role in an agreement
/// ([`crate::words::Role`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UserRole {
    /// Users, keys, backups, agreements; everything an analyst may do.
    Admin,
    /// Verification, merges and splits, the whole scorecard.
    Analyst,
    /// Field monitors and observation posts: submit reports.
    Monitor,
    /// A party's liaison officer: submit claims; sees their own side's registry records.
    Liaison,
    /// Detainee registry with personal data.
    ProtectionOfficer,
    /// Not logged in: published data only.
    Public,
}

impl UserRole {
    /// Every role, public last.
    pub const ALL: [UserRole; 6] = [
        UserRole::Admin,
        UserRole::Analyst,
        UserRole::Monitor,
        UserRole::Liaison,
        UserRole::ProtectionOfficer,
        UserRole::Public,
    ];

    /// The word used in files, the API and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Analyst => "analyst",
            Self::Monitor => "monitor",
            Self::Liaison => "liaison",
            Self::ProtectionOfficer => "protection-officer",
            Self::Public => "public",
        }
    }

    /// Reads a role word.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

crate::words! {
    /// What a request or command does, for the access table.
    Action {
        /// Read published data: agreements, scorecard, incidents, OGC collections.
        Read = "read",
        /// Submit reports (observations, claims).
        Submit = "submit",
        /// Verify incidents (status, merge, split).
        Verify = "verify",
        /// See and manage accounts.
        ManageUsers = "manage-users",
        /// See personal data of the registry; whose is decided by [`registry_scope`].
        ReadPersonal = "read-personal",
        /// Import persons and status changes into the registry.
        ManageRegistry = "manage-registry",
        /// Subscribe webhooks to an agreement's events and read their delivery logs.
        Subscribe = "subscribe",
    }
}

/// The access table: each action and the roles allowed to perform it.
pub const PERMISSIONS: &[(Action, &[UserRole])] = &[
    (
        Action::Read,
        &[
            UserRole::Admin,
            UserRole::Analyst,
            UserRole::Monitor,
            UserRole::Liaison,
            UserRole::ProtectionOfficer,
            UserRole::Public,
        ],
    ),
    (
        Action::Submit,
        &[
            UserRole::Admin,
            UserRole::Analyst,
            UserRole::Monitor,
            UserRole::Liaison,
        ],
    ),
    (Action::Verify, &[UserRole::Admin, UserRole::Analyst]),
    (Action::ManageUsers, &[UserRole::Admin]),
    (
        Action::ReadPersonal,
        &[
            UserRole::Admin,
            UserRole::ProtectionOfficer,
            UserRole::Liaison,
        ],
    ),
    (
        Action::ManageRegistry,
        &[UserRole::Admin, UserRole::ProtectionOfficer],
    ),
    (Action::Subscribe, &[UserRole::Admin, UserRole::Analyst]),
];

/// True when the table lets `role` perform `action`.
pub fn allowed(role: UserRole, action: Action) -> bool {
    PERMISSIONS
        .iter()
        .any(|(a, roles)| *a == action && roles.contains(&role))
}

/// Every action the table lets `role` perform, in the table's order.
pub fn actions_of(role: UserRole) -> Vec<Action> {
    PERMISSIONS
        .iter()
        .filter(|(_, roles)| roles.contains(&role))
        .map(|(a, _)| *a)
        .collect()
}

/// Why a user may not submit a report for a source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitRefusal {
    /// The role may not submit at all.
    #[error("the role `{0}` may not submit reports")]
    Role(&'static str),
    /// Monitors report what they observe, not data sets or a party's ministry.
    #[error("monitors report what they observe: `{0}` is a data set or a party's ministry")]
    NotAnObserver(String),
    /// A liaison submits only for sources of their own party.
    #[error("a liaison of `{party}` submits for sources of that party; `{source_id}` is not one")]
    OtherParty {
        /// The liaison's party (`?` when the account has none).
        party: String,
        /// The source asked for.
        source_id: String,
    },
}

/// The per-source submission rule: may a user of `role` (and `party`, for a liaison)
/// submit a report for `source`? The table decides first, then the source's kind and
/// party.
pub fn may_submit_for(
    role: UserRole,
    party: Option<&str>,
    source: &Source,
) -> Result<(), SubmitRefusal> {
    if !allowed(role, Action::Submit) {
        return Err(SubmitRefusal::Role(role.as_str()));
    }
    match role {
        UserRole::Monitor
            if matches!(source.kind, SourceKind::DataSet | SourceKind::PartyMinistry) =>
        {
            Err(SubmitRefusal::NotAnObserver(source.id.clone()))
        }
        UserRole::Liaison if party.is_none() || source.party.as_deref() != party => {
            Err(SubmitRefusal::OtherParty {
                party: party.unwrap_or("?").to_owned(),
                source_id: source.id.clone(),
            })
        }
        _ => Ok(()),
    }
}

/// Whose personal registry data a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryScope {
    /// Every person's.
    All,
    /// Only persons of this side.
    Side(String),
    /// Nobody's; the reason, for the refusal.
    Nobody(String),
}

/// The registry's need-to-know rule: administrators and protection officers see every
/// person; a liaison officer the persons of their own party's side; everyone else
/// aggregates only.
pub fn registry_scope(role: UserRole, party: Option<&str>) -> RegistryScope {
    if !allowed(role, Action::ReadPersonal) {
        return RegistryScope::Nobody(format!(
            "the {} role sees registry aggregates only, never personal data",
            role.as_str()
        ));
    }
    match (role, party) {
        (UserRole::Liaison, Some(p)) => RegistryScope::Side(p.to_owned()),
        (UserRole::Liaison, None) => {
            RegistryScope::Nobody("a liaison without a party sees no personal data".into())
        }
        _ => RegistryScope::All,
    }
}

impl RegistryScope {
    /// May a person of `side` be shown?
    pub fn covers(&self, side: &str) -> bool {
        match self {
            Self::All => true,
            Self::Side(s) => s == side,
            Self::Nobody(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Reliability;

    fn source(id: &str, kind: SourceKind, party: Option<&str>) -> Source {
        Source {
            id: id.into(),
            name: id.into(),
            kind,
            reliability: Reliability::B,
            party: party.map(str::to_owned),
        }
    }

    #[test]
    fn the_table_gives_each_role_exactly_its_actions() {
        use Action as A;
        use UserRole as R;
        let expected: [(R, &[A]); 6] = [
            (
                R::Admin,
                &[
                    A::Read,
                    A::Submit,
                    A::Verify,
                    A::ManageUsers,
                    A::ReadPersonal,
                    A::ManageRegistry,
                    A::Subscribe,
                ],
            ),
            (R::Analyst, &[A::Read, A::Submit, A::Verify, A::Subscribe]),
            (R::Monitor, &[A::Read, A::Submit]),
            (R::Liaison, &[A::Read, A::Submit, A::ReadPersonal]),
            (
                R::ProtectionOfficer,
                &[A::Read, A::ReadPersonal, A::ManageRegistry],
            ),
            (R::Public, &[A::Read]),
        ];
        for (role, actions) in expected {
            assert_eq!(actions_of(role), actions, "{}", role.as_str());
        }
    }

    #[test]
    fn monitors_submit_what_they_observe_and_liaisons_for_their_own_party() {
        let op = source("op-7", SourceKind::ObservationPost, None);
        let data = source("acled", SourceKind::DataSet, None);
        let am_mod = source("am-mod", SourceKind::PartyMinistry, Some("am"));
        assert_eq!(may_submit_for(UserRole::Monitor, None, &op), Ok(()));
        assert!(matches!(
            may_submit_for(UserRole::Monitor, None, &data),
            Err(SubmitRefusal::NotAnObserver(_))
        ));
        assert!(may_submit_for(UserRole::Monitor, None, &am_mod).is_err());
        assert_eq!(
            may_submit_for(UserRole::Liaison, Some("am"), &am_mod),
            Ok(())
        );
        assert!(may_submit_for(UserRole::Liaison, Some("az"), &am_mod).is_err());
        assert!(may_submit_for(UserRole::Liaison, None, &am_mod).is_err());
        assert!(may_submit_for(UserRole::Liaison, Some("am"), &op).is_err());
        assert_eq!(may_submit_for(UserRole::Analyst, None, &data), Ok(()));
        assert!(matches!(
            may_submit_for(UserRole::ProtectionOfficer, None, &op),
            Err(SubmitRefusal::Role(_))
        ));
        assert!(may_submit_for(UserRole::Public, None, &op).is_err());
    }

    #[test]
    fn the_registry_shows_everyone_to_officers_a_side_to_its_liaison_and_no_one_else() {
        assert_eq!(registry_scope(UserRole::Admin, None), RegistryScope::All);
        assert_eq!(
            registry_scope(UserRole::ProtectionOfficer, None),
            RegistryScope::All
        );
        assert_eq!(
            registry_scope(UserRole::Liaison, Some("az")),
            RegistryScope::Side("az".into())
        );
        for (role, party) in [
            (UserRole::Liaison, None),
            (UserRole::Analyst, None),
            (UserRole::Monitor, None),
            (UserRole::Public, None),
        ] {
            let scope = registry_scope(role, party);
            assert!(
                matches!(scope, RegistryScope::Nobody(_)),
                "{}",
                role.as_str()
            );
            assert!(!scope.covers("am") && !scope.covers("az"));
        }
    }
}
