//! Identifiers of domain entities. They are created by the store (which owns the clock
//! and the randomness); the domain only carries them.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(transparent))]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }
    };
}

id_type!(
    /// A captive (prisoner of war) in the registry.
    CaptiveId
);
id_type!(
    /// One identity claim about a captive.
    ClaimId
);
id_type!(
    /// One event of a custody timeline.
    EventId
);
id_type!(
    /// One interview of a captive.
    InterviewId
);
id_type!(
    /// One imported list (a file received from a party, a unit or families).
    ImportId
);
id_type!(
    /// One proposed or decided link between two records found by matching.
    LinkId
);
id_type!(
    /// One exchange of prisoners, from its first proposal to the handover.
    ExchangeId
);
id_type!(
    /// One entry of an agreed exchange's manifest: one person crossing.
    EntryId
);
id_type!(
    /// One notification to a power of origin (Arts. 70, 120, 122).
    NotificationId
);
id_type!(
    /// One dispatch of notifications to a power of origin.
    DispatchId
);
