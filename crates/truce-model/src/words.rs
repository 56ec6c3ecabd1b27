//! Closed vocabularies of the agreement format, each spelled in files as kebab-case words.

/// Declares a closed vocabulary: an enum whose values are written in files as the given
/// words, with `ALL`, `VARIANTS`, `as_str`, `parse`, `Display` and serde by word.
#[macro_export]
macro_rules! words {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every word, as written in files.
            pub const ALL: &'static [&'static str] = &[$($s),+];

            /// Every value, in the order of [`Self::ALL`].
            pub const VARIANTS: &'static [Self] = &[$(Self::$v),+];

            /// The word as written in files.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }

            /// Reads the word; `None` for anything not in [`Self::ALL`].
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| serde::de::Error::unknown_variant(&s, Self::ALL))
            }
        }
    };
}

crate::words! {
    /// What an actor is in the agreement.
    Role {
        /// Bound by the agreement's obligations.
        Party = "party",
        /// Brokered the agreement.
        Mediator = "mediator",
        /// Deployed to keep the peace.
        PeacekeepingForce = "peacekeeping-force",
        /// Controls territory without recognition.
        DeFactoAuthority = "de-facto-authority",
        /// Guarantees an obligation of others.
        Guarantor = "guarantor",
        /// Observes or oversees implementation.
        Monitor = "monitor",
        /// An international organisation.
        InternationalOrganisation = "international-organisation",
        /// A state outside the agreement (author of reactions, host or mediator of a
        /// transfer).
        ThirdState = "third-state",
        /// A humanitarian body (the ICRC): a neutral intermediary, never a party.
        HumanitarianOrganisation = "humanitarian-organisation",
        /// A non-governmental organisation (a human rights group stating figures).
        NonGovernmentalOrganisation = "non-governmental-organisation",
    }
}

crate::words! {
    /// The place of a document in the agreement.
    DocumentKind {
        /// The original statement or treaty.
        Statement = "statement",
        /// Changes named fields of named obligations from a date on.
        Amendment = "amendment",
        /// A later statement with its own commitments.
        FollowUp = "follow-up",
    }
}

crate::words! {
    /// What sort of commitment an obligation is; each kind has its own evaluation rule.
    ObligationKind {
        /// Stop firing and stay in place.
        Ceasefire = "ceasefire",
        /// Hand a territory over.
        Handover = "handover",
        /// Withdraw forces from a territory.
        Withdrawal = "withdrawal",
        /// Deploy a force within caps.
        Deployment = "deployment",
        /// A term with renewal and notice rules.
        Term = "term",
        /// Set up a monitoring or control centre.
        MonitoringCentre = "monitoring-centre",
        /// Keep a corridor open and controlled.
        Corridor = "corridor",
        /// Agree a plan or build something.
        ConstructionPlan = "construction-plan",
        /// Return of displaced people and refugees.
        ReturnOfDisplaced = "return-of-displaced",
        /// Exchange of prisoners, detainees and remains.
        Exchange = "exchange",
        /// Open or secure a transport link.
        TransportLink = "transport-link",
        /// Any other dated or undated step.
        Milestone = "milestone",
    }
}

crate::words! {
    /// How faithful a provision text is to the signed original.
    TextStatus {
        /// A complete official or officially published translation.
        Verbatim = "verbatim",
        /// Verbatim, but the retrieved copy breaks off.
        VerbatimTruncated = "verbatim-truncated",
        /// Part of the text as quoted by someone.
        Fragment = "fragment",
        /// Someone's rendering in their own words.
        Paraphrase = "paraphrase",
        /// A reconstructed wording used for structure, not as a quotation.
        Reference = "reference",
    }
}

crate::words! {
    /// How a quantity binds.
    Limit {
        /// At most this much.
        Max = "max",
        /// At least this much.
        Min = "min",
        /// Exactly this much.
        Exact = "exact",
    }
}

crate::words! {
    /// How a dated deadline is read.
    DeadlineRule {
        /// Done by the end of the named day (local time of the agreement).
        By = "by",
        /// Done before the named day begins.
        Before = "before",
    }
}

crate::words! {
    /// The position a statement takes.
    Stance {
        /// Welcomes the agreement or step.
        Welcome = "welcome",
        /// Supports it actively.
        Support = "support",
        /// Accepts it, perhaps reluctantly.
        Accept = "accept",
        /// Congratulates one side.
        Congratulate = "congratulate",
        /// Voices concern.
        Concern = "concern",
        /// Condemns an act.
        Condemn = "condemn",
        /// Rejects the agreement or step.
        Reject = "reject",
        /// Takes no position.
        Neutral = "neutral",
    }
}

crate::words! {
    /// How exactly a date is known.
    DatePrecision {
        /// The day is known.
        Day = "day",
        /// Only roughly; the source gives no exact day.
        Approximate = "approximate",
    }
}
