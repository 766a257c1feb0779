//! Term frequencies of names: an agreement on a common name (Ivanov, Kim) is weaker
//! evidence than an agreement on a rare one.
//!
//! A model trained on data counts the names of that data. The untrained default model
//! uses the built-in table below: approximate shares of the population bearing the most
//! common family and given names of Ukraine, Russia and Korea, rounded from published
//! name statistics. Names not in the table use the model's general `u` probability.

use crate::compare::{Feature, NameKey};
use crate::engine::KeyMap;

/// Approximate population shares of common Korean surnames (South Korean census 2015).
const KOREAN_FAMILY: &[(&str, f64)] = &[
    ("Kim", 0.215),
    ("Lee", 0.147),
    ("Park", 0.084),
    ("Choi", 0.047),
    ("Jung", 0.043),
    ("Kang", 0.023),
    ("Cho", 0.021),
    ("Yoon", 0.021),
    ("Jang", 0.020),
    ("Lim", 0.018),
    ("Han", 0.015),
    ("Oh", 0.015),
    ("Seo", 0.015),
    ("Shin", 0.015),
    ("Kwon", 0.014),
    ("Hwang", 0.014),
    ("Ahn", 0.013),
    ("Song", 0.013),
    ("Yu", 0.012),
    ("Jeon", 0.011),
    ("Hong", 0.011),
];

/// Approximate shares of the most common Ukrainian and Russian family names.
const SLAVIC_FAMILY: &[(&str, f64)] = &[
    ("Иванов", 0.009),
    ("Смирнов", 0.009),
    ("Кузнецов", 0.007),
    ("Попов", 0.006),
    ("Васильев", 0.005),
    ("Петров", 0.005),
    ("Соколов", 0.005),
    ("Мельник", 0.005),
    ("Шевченко", 0.005),
    ("Бойко", 0.004),
    ("Коваленко", 0.004),
    ("Бондаренко", 0.004),
    ("Ткаченко", 0.003),
    ("Ковальчук", 0.003),
    ("Кравченко", 0.003),
    ("Олійник", 0.003),
    ("Шевчук", 0.003),
    ("Коваль", 0.003),
    ("Поліщук", 0.003),
    ("Бондар", 0.003),
];

/// Approximate shares of the most common given names of men and women.
const GIVEN: &[(&str, f64)] = &[
    ("Олександр", 0.06),
    ("Сергій", 0.045),
    ("Андрій", 0.04),
    ("Володимир", 0.035),
    ("Дмитро", 0.03),
    ("Іван", 0.03),
    ("Микола", 0.03),
    ("Юрій", 0.025),
    ("Олексій", 0.025),
    ("Віктор", 0.025),
    ("Максим", 0.02),
    ("Михайло", 0.02),
    ("Олена", 0.03),
    ("Наталія", 0.03),
    ("Тетяна", 0.03),
    ("Ірина", 0.025),
    ("Світлана", 0.02),
    ("Ольга", 0.025),
    ("Марія", 0.02),
];

/// Shares of name values, keyed by [`NameKey::frequency_key`].
#[derive(Clone, Debug, Default)]
pub struct TermFrequencies {
    /// Keyed by hashes already, so the map does not hash them again.
    shares: KeyMap<f64>,
}

impl TermFrequencies {
    /// The built-in table of common names.
    pub fn builtin() -> TermFrequencies {
        let mut shares = KeyMap::default();
        let mut add = |name: &str, share: f64, korean: bool, role: Feature| {
            if let Some(key) = NameKey::new(name) {
                shares.insert(key.frequency_key(korean, role), share);
            }
        };
        for &(name, share) in KOREAN_FAMILY {
            add(name, share, true, Feature::FamilyName);
        }
        for &(name, share) in SLAVIC_FAMILY {
            add(name, share, false, Feature::FamilyName);
        }
        for &(name, share) in GIVEN {
            add(name, share, false, Feature::GivenName);
        }
        TermFrequencies { shares }
    }

    /// Counts name values of a data set; values seen once keep the model's general `u`.
    pub(crate) fn from_counts(counts: KeyMap<u32>, records: usize) -> TermFrequencies {
        let total = records.max(1) as f64;
        let shares = counts
            .into_iter()
            .filter(|(_, count)| *count >= 2)
            .map(|(key, count)| (key, count as f64 / total))
            .collect();
        TermFrequencies { shares }
    }

    /// The share of a value (a hashed frequency key), if it is known.
    pub(crate) fn share(&self, key: u64) -> Option<f64> {
        self.shares.get(&key).copied()
    }

    /// The share of a name, in any script, as a family name or a given name.
    pub fn share_of(&self, name: &str, korean: bool, family: bool) -> Option<f64> {
        let role = if family {
            Feature::FamilyName
        } else {
            Feature::GivenName
        };
        NameKey::new(name).and_then(|key| self.share(key.frequency_key(korean, role)))
    }
}
