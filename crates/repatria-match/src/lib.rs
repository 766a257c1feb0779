//! Person-matching engine across scripts (Cyrillic, Latin transliterations, Hangul). Pure: no I/O.
//!
//! The pipeline: a [`Record`] is normalised into keys per name part ([`script`]:
//! a loose Latin skeleton folding transliteration standards, a Korean syllable key;
//! [`names`]: Ukrainian ↔ Russian name equivalence); candidate pairs come from a capped
//! union of blocking keys; each pair compares into discrete levels per [`Feature`];
//! a Fellegi–Sunter [`Matcher`] turns the levels into a probability with a per-feature
//! explanation ([`Scored`]). [`Matcher::link`] links two lists, [`Matcher::dedupe`]
//! clusters one, and [`Index`] serves incremental look-ups.
//!
//! [`for_reader`] goes the other way, for documents: it picks the name to print for a
//! party's readers, as recorded in their script ([`script_for_party`]) or
//! [`transliterate`]d into it (docs/transliteration.md).
//!
//! The engine never reads files, the clock or the environment, and is deterministic:
//! training is seeded ([`TrainingOptions::seed`]). With the default feature `parallel`,
//! preparing and scoring a list spread over all cores (rayon); the results are the
//! same, in the same order, without it.
//!
//! ```
//! use repatria_match::{Index, Matcher, Record};
//!
//! let mut index = Index::new(Matcher::default());
//! index.insert(&Record::with_full_name("a", "Oleksandr Shevchenko"));
//! index.insert(&Record::with_full_name("b", "Petro Bondarenko"));
//! let found = index.query(&Record::with_full_name("q", "Александр Шевченко"), 1);
//! assert_eq!(found[0].0, "a");
//! ```

mod compare;
mod engine;
mod frequency;
mod model;
pub mod names;
mod record;
mod render;
pub mod script;

pub use compare::Feature;
pub use engine::{
    train_dedupe, train_dedupe_prepared, train_link, train_link_prepared, Index, Link,
    PreparedList, DEFAULT_BLOCK_CAP,
};
pub use frequency::TermFrequencies;
pub use model::{Contribution, Matcher, Parameters, Scored, TrainingOptions};
pub use record::{parse_date, parse_sex, PartialDate, Record, RecordError, Sex};
pub use render::{
    for_reader, script_for_party, script_of, transliterate, NameParts, Rendered, Script,
};
