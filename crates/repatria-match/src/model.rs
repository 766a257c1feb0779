//! Fellegi–Sunter scoring: match weights per comparison level, term-frequency
//! adjustment, the probability, and the explanation of every score.
//!
//! Each level of each feature has `m` (probability of the level among true matches)
//! and `u` (among non-matches). A level contributes `log2(m / u)` bits; the sum plus the
//! prior's log-odds gives the match weight, and the probability follows from it. An
//! agreement on a family or given name uses the frequency of that very name as `u`, so
//! "Kim" agreeing counts for less than a rare name agreeing.

use crate::compare::{
    compare, date_level, name_level, Comparison, Feature, Prepared, FEATURES, NULL,
};
use crate::frequency::TermFrequencies;
use crate::record::Record;
use std::fmt;

/// The `m` and `u` probabilities per level of every feature, and the prior.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameters {
    /// Probability that two records drawn at random are the same person.
    pub prior: f64,
    /// `m[feature][level]`.
    pub m: Vec<Vec<f64>>,
    /// `u[feature][level]`.
    pub u: Vec<Vec<f64>>,
}

impl Default for Parameters {
    /// Parameters judged from how lists of prisoners are written, for use without
    /// training. The prior assumes lists of about ten thousand records.
    fn default() -> Parameters {
        let name_m = vec![0.78, 0.08, 0.07, 0.03, 0.02, 0.02];
        let m = vec![
            name_m.clone(),
            vec![0.716, 0.14, 0.07, 0.03, 0.04, 0.004],
            vec![0.72, 0.14, 0.06, 0.03, 0.03, 0.02],
            vec![0.72, 0.10, 0.03, 0.07, 0.04, 0.04],
            vec![0.98, 0.02],
            vec![0.80, 0.10, 0.10],
            vec![0.95, 0.05],
            vec![0.70, 0.30],
            vec![0.92, 0.05, 0.03],
        ];
        let u = vec![
            vec![0.002, 0.0005, 0.003, 0.01, 0.04, 0.9445],
            vec![0.01, 0.004, 0.006, 0.02, 0.06, 0.90],
            vec![0.01, 0.004, 0.01, 0.03, 0.06, 0.886],
            vec![0.00005, 0.003, 0.00001, 0.0004, 0.0004, 0.99614],
            vec![0.5, 0.5],
            vec![0.02, 0.02, 0.96],
            vec![0.4, 0.6],
            vec![0.02, 0.98],
            vec![0.00001, 0.0001, 0.99989],
        ];
        Parameters { prior: 1e-4, m, u }
    }
}

/// The contribution of one feature to a score.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    pub feature: Feature,
    /// The comparison level's label (`exact`, `one year apart`, ...).
    pub level: &'static str,
    /// Evidence in bits: positive for a match, negative against.
    pub weight: f64,
}

/// A scored pair: the probability that both records are the same person and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub probability: f64,
    /// Log2 odds of a match: the prior plus every contribution.
    pub match_weight: f64,
    pub prior_weight: f64,
    /// Every feature that was present on both sides, in feature order.
    pub contributions: Vec<Contribution>,
}

impl Scored {
    /// A one-line explanation: `family_name exact +8.6; given_name equivalent +4.2; ...;
    /// prior -13.3`, the text of [`Scored::explained`].
    pub fn explanation(&self) -> String {
        repatria_core::Contribution::explanation(&self.explained())
    }

    /// Every contribution as the domain keeps it with a link: the features present on
    /// both sides in feature order, then the prior.
    pub fn explained(&self) -> Vec<repatria_core::Contribution> {
        self.contributions
            .iter()
            .map(|c| repatria_core::Contribution::new(c.feature.as_str(), c.level, c.weight))
            .chain([repatria_core::Contribution::prior(self.prior_weight)])
            .collect()
    }
}

impl fmt::Display for Scored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.4} ({})", self.probability, self.explanation())
    }
}

/// Term-frequency `u` is never taken below this, so that a name seen twice in a large
/// list does not outweigh every other feature.
const MIN_FREQUENCY_U: f64 = 1e-5;

/// The scoring model: parameters plus the name frequencies that adjust them.
#[derive(Clone, Debug)]
pub struct Matcher {
    pub parameters: Parameters,
    pub frequencies: TermFrequencies,
}

impl Default for Matcher {
    fn default() -> Matcher {
        Matcher {
            parameters: Parameters::default(),
            frequencies: TermFrequencies::builtin(),
        }
    }
}

fn log2_odds(p: f64) -> f64 {
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    (p / (1.0 - p)).log2()
}

impl Matcher {
    pub fn new(parameters: Parameters, frequencies: TermFrequencies) -> Matcher {
        Matcher {
            parameters,
            frequencies,
        }
    }

    /// Scores two records: the probability that they describe the same person.
    pub fn score_pair(&self, a: &Record, b: &Record) -> Scored {
        self.score_prepared(&Prepared::new(a), &Prepared::new(b))
    }

    pub(crate) fn score_prepared(&self, a: &Prepared, b: &Prepared) -> Scored {
        self.score_comparison(&compare(a, b))
    }

    fn level_weight(&self, feature: Feature, level: u8, value: Option<u64>) -> f64 {
        let i = feature.index();
        let m = self.parameters.m[i][level as usize];
        let mut u = self.parameters.u[i][level as usize];
        if let Some(share) = value.and_then(|v| self.frequencies.share(v)) {
            // The frequency of the agreeing name replaces the average u of the level.
            let average_share = self.parameters.u[i][name_level::EXACT as usize];
            u = (u * share / average_share).clamp(MIN_FREQUENCY_U, 1.0);
        }
        (m.max(1e-12) / u.max(1e-12)).log2()
    }

    pub(crate) fn score_comparison(&self, comparison: &Comparison) -> Scored {
        let prior_weight = log2_odds(self.parameters.prior);
        let mut match_weight = prior_weight;
        let mut contributions = Vec::with_capacity(FEATURES.len());
        for feature in FEATURES {
            let level = comparison.levels[feature.index()];
            if level == NULL {
                continue;
            }
            let value = match feature {
                Feature::FamilyName => comparison.family_value,
                Feature::GivenName => comparison.given_value,
                _ => None,
            };
            let weight = self.level_weight(feature, level, value);
            match_weight += weight;
            contributions.push(Contribution {
                feature,
                level: feature.levels()[level as usize],
                weight,
            });
        }
        Scored {
            probability: probability(match_weight),
            match_weight,
            prior_weight,
            contributions,
        }
    }

    /// The match weight of a comparison, without building its explanation.
    pub(crate) fn comparison_weight(&self, comparison: &Comparison) -> f64 {
        let mut weight = log2_odds(self.parameters.prior);
        for feature in FEATURES {
            let level = comparison.levels[feature.index()];
            if level == NULL {
                continue;
            }
            let value = match feature {
                Feature::FamilyName => comparison.family_value,
                Feature::GivenName => comparison.given_value,
                _ => None,
            };
            weight += self.level_weight(feature, level, value);
        }
        weight
    }
}

fn probability(match_weight: f64) -> f64 {
    let odds = match_weight.clamp(-1000.0, 1000.0).exp2();
    odds / (1.0 + odds)
}

/// Settings of unsupervised estimation.
#[derive(Clone, Debug)]
pub struct TrainingOptions {
    /// Seed of the random pairs; the same seed gives the same model.
    pub seed: u64,
    /// Random pairs drawn to estimate `u`.
    pub random_pairs: usize,
    /// Blocked pairs (at most) used by expectation–maximisation for `m`.
    pub em_pairs: usize,
    pub em_iterations: usize,
}

impl Default for TrainingOptions {
    fn default() -> TrainingOptions {
        TrainingOptions {
            seed: 42,
            random_pairs: 200_000,
            em_pairs: 200_000,
            em_iterations: 12,
        }
    }
}

/// SplitMix64: a small, seeded generator, so that the engine needs no randomness crate
/// and a model is reproducible from its seed.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// Pseudo-counts pulling `m` towards the default parameters: they keep EM from
/// drifting when a feature is rare in the data.
const M_PSEUDO_COUNT: f64 = 50.0;

/// One EM session: candidate pairs selected by agreeing on some features, whose `m`
/// is therefore biased and stays fixed in this session.
pub(crate) struct Session {
    pub comparisons: Vec<[u8; FEATURES.len()]>,
    pub fixed: &'static [Feature],
}

/// Estimates `u` from random pairs and `m` by EM over candidate pairs, with no labels.
///
/// As in Splink, each EM session uses pairs selected by agreement on some features
/// (a shared date of birth; shared names) and estimates `m` only for the other
/// features, since the selection makes the agreement on the selecting features
/// uninformative. The prior among all pairs is not estimated: one match per record
/// of the larger list (`prior`), the assumption of a list of prisoners.
pub(crate) fn estimate(
    random_comparisons: &[[u8; FEATURES.len()]],
    sessions: &[Session],
    prior: f64,
    options: &TrainingOptions,
    frequencies: TermFrequencies,
) -> Matcher {
    let defaults = Parameters::default();
    let mut parameters = defaults.clone();
    // u: level frequencies among random pairs (almost all non-matches).
    for feature in FEATURES {
        let i = feature.index();
        let levels = feature.levels().len();
        let mut counts = vec![0.0; levels];
        for c in random_comparisons {
            if c[i] != NULL {
                counts[c[i] as usize] += 1.0;
            }
        }
        let total: f64 = counts.iter().sum();
        if total >= 100.0 {
            // Half a pair of smoothing per level keeps unseen levels possible.
            for (level, count) in counts.iter().enumerate() {
                parameters.u[i][level] = (count + 0.5 * defaults.u[i][level] * levels as f64)
                    / (total + 0.5 * levels as f64);
            }
        }
    }
    let mut matcher = Matcher::new(parameters, TermFrequencies::default());
    for session in sessions {
        if session.comparisons.len() < 100 {
            continue;
        }
        let mut session_prior = 0.1;
        for _ in 0..options.em_iterations {
            let mut m_counts: Vec<Vec<f64>> = defaults
                .m
                .iter()
                .map(|levels| levels.iter().map(|m| m * M_PSEUDO_COUNT).collect())
                .collect();
            let mut posterior_sum = 0.0;
            matcher.parameters.prior = session_prior;
            // The weight of every level, computed once per iteration rather than per pair.
            let prior_weight = log2_odds(session_prior);
            let level_weights: Vec<Vec<f64>> = FEATURES
                .iter()
                .map(|&feature| {
                    (0..feature.levels().len())
                        .map(|level| matcher.level_weight(feature, level as u8, None))
                        .collect()
                })
                .collect();
            for c in &session.comparisons {
                // The selecting features say nothing here: leave them out of the E-step.
                let mut levels = *c;
                for f in session.fixed {
                    levels[f.index()] = NULL;
                }
                let mut weight = prior_weight;
                for (i, &level) in levels.iter().enumerate() {
                    if level != NULL {
                        weight += level_weights[i][level as usize];
                    }
                }
                let p = probability(weight);
                posterior_sum += p;
                for feature in FEATURES {
                    let i = feature.index();
                    if levels[i] != NULL {
                        m_counts[i][levels[i] as usize] += p;
                    }
                }
            }
            for feature in FEATURES {
                if session.fixed.contains(&feature) {
                    continue;
                }
                let i = feature.index();
                let total: f64 = m_counts[i].iter().sum();
                for (level, count) in m_counts[i].iter().enumerate() {
                    matcher.parameters.m[i][level] = count / total;
                }
            }
            session_prior = (posterior_sum / session.comparisons.len() as f64).clamp(1e-6, 0.999);
        }
    }
    matcher.parameters.prior = prior.clamp(1e-12, 0.5);
    // Sanity: agreement must stay evidence for a match on names and dates.
    for feature in [
        Feature::FamilyName,
        Feature::GivenName,
        Feature::DateOfBirth,
    ] {
        let i = feature.index();
        let exact = if feature == Feature::DateOfBirth {
            date_level::EXACT
        } else {
            name_level::EXACT
        } as usize;
        if matcher.parameters.m[i][exact] <= matcher.parameters.u[i][exact] {
            matcher.parameters.m[i] = defaults.m[i].clone();
        }
    }
    matcher.frequencies = frequencies;
    matcher
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{PartialDate, Sex};

    fn person(id: &str, family: &str, given: &str, dob: &str) -> Record {
        Record {
            id: id.into(),
            family_name: Some(family.into()),
            given_name: Some(given.into()),
            date_of_birth: (!dob.is_empty()).then(|| PartialDate::parse(dob).unwrap()),
            ..Record::default()
        }
    }

    fn check(a: &Record, b: &Record, at_least: f64, at_most: f64) -> Scored {
        let scored = Matcher::default().score_pair(a, b);
        assert!(
            (at_least..=at_most).contains(&scored.probability),
            "{a:?} vs {b:?}: {scored}"
        );
        scored
    }

    #[test]
    fn same_person_across_scripts_scores_high() {
        check(
            &person("1", "Шевченко", "Олександр", "1994-03-17"),
            &person("2", "Shevchenko", "Aleksandr", "1994-03-17"),
            0.99,
            1.0,
        );
        check(
            &person("1", "Хрущов", "Микола", "1990"),
            &person("2", "Chruschtschow", "Nikolai", "1990-05-02"),
            0.9,
            1.0,
        );
    }

    #[test]
    fn date_conflict_scores_low() {
        check(
            &person("1", "Шевченко", "Олександр", "1994-03-17"),
            &person("2", "Shevchenko", "Oleksandr", "1971-08-02"),
            0.0,
            0.3,
        );
    }

    #[test]
    fn common_surname_counts_for_less_than_a_rare_one() {
        let common = check(
            &person("1", "Иванов", "Сергей", ""),
            &person("2", "Ivanov", "Sergei", ""),
            0.0,
            1.0,
        );
        let rare = check(
            &person("1", "Вахромеев", "Сергей", ""),
            &person("2", "Vakhromeev", "Sergei", ""),
            0.0,
            1.0,
        );
        assert!(common.probability < rare.probability, "{common} / {rare}");
        let kim = check(
            &person("1", "김", "정은", "1984"),
            &person("2", "Kim", "Jong-un", "1984"),
            0.0,
            1.0,
        );
        let maeng = check(
            &person("1", "맹", "정은", "1984"),
            &person("2", "Maeng", "Jong-un", "1984"),
            0.0,
            1.0,
        );
        assert!(kim.match_weight < maeng.match_weight, "{kim} / {maeng}");
    }

    #[test]
    fn explanation_lists_each_feature() {
        let mut a = person("1", "Бойко", "Микола", "1988-11-02");
        let mut b = person("2", "Boiko", "Nikolai", "1988-02-11");
        a.sex = Some(Sex::Male);
        b.sex = Some(Sex::Male);
        let scored = check(&a, &b, 0.5, 1.0);
        let text = scored.explanation();
        for expected in [
            "family_name exact",
            "given_name equivalent",
            "date_of_birth day and month swapped",
            "sex same",
            "prior",
        ] {
            assert!(text.contains(expected), "{text}");
        }
        let total: f64 =
            scored.contributions.iter().map(|c| c.weight).sum::<f64>() + scored.prior_weight;
        assert!((total - scored.match_weight).abs() < 1e-9);
    }
}
