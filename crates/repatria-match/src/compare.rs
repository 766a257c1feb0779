//! Normalised records and the discrete comparison levels of each feature.
//!
//! A record is prepared once (keys computed per name part), then any two prepared
//! records compare into a vector of levels, one per [`Feature`]. The levels do not
//! depend on the model, so training and scoring share them.

use crate::names::equivalences;
use crate::record::{PartialDate, Record, Sex};
use crate::script::{
    has_hangul, is_hangul_syllable, korean_key, korean_surname_group, phonetic, skeleton,
};
use std::collections::HashMap;
use std::sync::Arc;

repatria_core::words! {
    /// A compared field of a record; the word is the column name used in explanations.
    pub enum Feature {
        FamilyName = "family_name",
        GivenName = "given_name",
        Patronymic = "patronymic",
        DateOfBirth = "date_of_birth",
        Sex = "sex",
        PlaceOfBirth = "place_of_birth",
        Nationality = "nationality",
        Unit = "unit",
        ServiceNumber = "service_number",
    }
}

/// [`Feature::ALL`] as an array, for arrays of one level per feature.
pub(crate) const FEATURES: [Feature; 9] = [
    Feature::FamilyName,
    Feature::GivenName,
    Feature::Patronymic,
    Feature::DateOfBirth,
    Feature::Sex,
    Feature::PlaceOfBirth,
    Feature::Nationality,
    Feature::Unit,
    Feature::ServiceNumber,
];

const NAME_LEVELS: &[&str] = &[
    "exact",
    "equivalent",
    "similar",
    "loosely similar",
    "initial",
    "different",
];
const DATE_LEVELS: &[&str] = &[
    "exact",
    "compatible partial date",
    "day and month swapped",
    "one digit differs",
    "one year apart",
    "different",
];

impl Feature {
    /// Labels of the comparison levels, from the strongest agreement to disagreement.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Feature::FamilyName | Feature::GivenName | Feature::Patronymic => NAME_LEVELS,
            Feature::DateOfBirth => DATE_LEVELS,
            Feature::Sex | Feature::Nationality | Feature::Unit => &["same", "different"],
            Feature::PlaceOfBirth => &["same", "similar", "different"],
            Feature::ServiceNumber => &["same", "one character differs", "different"],
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Levels of a name comparison (index into [`NAME_LEVELS`]).
pub(crate) mod name_level {
    pub const EXACT: u8 = 0;
    pub const EQUIVALENT: u8 = 1;
    pub const SIMILAR: u8 = 2;
    pub const LOOSE: u8 = 3;
    pub const INITIAL: u8 = 4;
    pub const DIFFERENT: u8 = 5;
}

/// Levels of a date comparison (index into [`DATE_LEVELS`]).
pub(crate) mod date_level {
    pub const EXACT: u8 = 0;
    pub const COMPATIBLE: u8 = 1;
    pub const SWAPPED: u8 = 2;
    pub const ONE_DIGIT: u8 = 3;
    pub const ONE_YEAR: u8 = 4;
    pub const DIFFERENT: u8 = 5;
}

/// A missing value on either side: the feature contributes nothing.
pub(crate) const NULL: u8 = u8::MAX;

/// The keys of one name part (a family name, a given name, a patronymic).
#[derive(Clone, Debug)]
pub(crate) struct NameKey {
    pub skeleton: String,
    /// The equivalence group's canonical skeleton, or the skeleton itself.
    pub canonical: String,
    pub group: Option<u32>,
    pub phonetic: String,
    pub korean: String,
    pub korean_surname: Option<u16>,
    /// Written as an initial only (`O.`).
    pub initial: bool,
    /// Hashed frequency keys: plain, Korean family name, Korean given name.
    pub frequency: [u64; 3],
    /// Letter sets of the skeleton and of the canonical skeleton.
    pub letters: u32,
    pub canonical_letters: u32,
    /// Hashes of the skeleton, the phonetic key and the Korean key: two names almost
    /// always differ, and comparing hashes first settles that without reading the
    /// strings (a cache miss apiece when scanning a large list).
    pub text_hashes: [u64; 3],
}

impl NameKey {
    pub fn new(text: &str) -> Option<NameKey> {
        let skeleton = skeleton(text);
        if skeleton.is_empty() {
            return None;
        }
        // Only whether there is more than one letter matters.
        let letters = text.chars().filter(|c| c.is_alphabetic()).take(2).count();
        let initial = letters == 1 && !has_hangul(text);
        let table = equivalences();
        let group = if initial {
            None
        } else {
            table.group_of(&skeleton)
        };
        let canonical = match group {
            Some(g) => table.groups[g as usize].canonical.clone(),
            None => skeleton.clone(),
        };
        let korean = korean_key(text);
        let korean_surname = korean_surname_group(text.trim());
        let frequency = [
            frequency_hash("", &canonical),
            match korean_surname {
                Some(group) => frequency_hash("k#", &group.to_string()),
                None => frequency_hash("k:", &korean),
            },
            frequency_hash("k:", &korean),
        ];
        let phonetic = phonetic(&canonical);
        let text_hashes = [
            frequency_hash("", &skeleton),
            frequency_hash("", &phonetic),
            frequency_hash("", &korean),
        ];
        Some(NameKey {
            text_hashes,
            letters: letter_set(&skeleton),
            canonical_letters: letter_set(&canonical),
            phonetic,
            canonical,
            group,
            korean,
            korean_surname,
            initial,
            skeleton,
            frequency,
        })
    }

    /// First symbols this name may be abbreviated to, in any of its forms.
    fn initials(&self) -> Vec<u8> {
        let mut initials = vec![self.skeleton.as_bytes()[0]];
        if let Some(g) = self.group {
            initials.extend_from_slice(&equivalences().groups[g as usize].initials);
        }
        initials
    }

    /// The value whose frequency weighs an agreement on this name, hashed.
    pub fn frequency_key(&self, korean: bool, role: Feature) -> u64 {
        match (korean, role) {
            (false, _) => self.frequency[0],
            (true, Feature::FamilyName) if self.korean_surname.is_some() => self.frequency[1],
            (true, _) => self.frequency[2],
        }
    }
}

fn frequency_hash(kind: &str, value: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    kind.hash(&mut hasher);
    value.hash(&mut hasher);
    hasher.finish()
}

/// Name keys already computed, by the text they were computed from. A list repeats
/// the same names far more often than it has different ones, and a shared key also
/// saves the memory of its copies.
#[derive(Debug, Default)]
pub(crate) struct NameCache {
    keys: HashMap<String, Option<Arc<NameKey>>>,
}

impl NameCache {
    pub fn key(&mut self, text: &str) -> Option<Arc<NameKey>> {
        if let Some(key) = self.keys.get(text) {
            return key.clone();
        }
        let key = NameKey::new(text).map(Arc::new);
        self.keys.insert(text.to_owned(), key.clone());
        key
    }
}

/// A reading of a name as (family, given) indices into [`Prepared::names`].
pub(crate) type Reading = (Option<u8>, Option<u8>);

/// The one or two readings of a record's name, kept inside the record: comparing two
/// records reads them first, and a separate allocation would cost a cache miss on
/// every comparison.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Readings {
    items: [Reading; 2],
    len: u8,
}

impl Readings {
    fn push(&mut self, reading: Reading) {
        self.items[self.len as usize] = reading;
        self.len += 1;
    }
}

impl std::ops::Deref for Readings {
    type Target = [Reading];

    fn deref(&self) -> &[Reading] {
        &self.items[..self.len as usize]
    }
}

/// The name keys of a record (at most four: a full name of three or more words is
/// read two ways), kept inside the record for the same reason as [`Readings`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    /// The keys, then `None`.
    items: [Option<Arc<NameKey>>; 4],
}

impl Names {
    fn push(&mut self, key: Arc<NameKey>) -> u8 {
        let at = self.iter().count();
        self.items[at] = Some(key);
        at as u8
    }

    pub fn get(&self, index: u8) -> &Arc<NameKey> {
        self.items[index as usize]
            .as_ref()
            .expect("a reading points at a name of its record")
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<NameKey>> {
        self.items.iter().map_while(Option::as_ref)
    }
}

/// A record prepared for comparison.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    pub names: Names,
    /// Readings of the name as (family, given) indices into `names`; a full name
    /// without parts can have more than one.
    pub readings: Readings,
    pub patronymic: Option<Arc<NameKey>>,
    pub date_of_birth: Option<PartialDate>,
    pub sex: Option<Sex>,
    pub place_of_birth: Option<String>,
    pub nationality: Option<String>,
    pub unit: Option<String>,
    pub service_number: Option<String>,
    pub korean: bool,
}

const PATRONYMIC_ENDINGS: &[&str] = &[
    "ович",
    "евич",
    "івич",
    "йович",
    "ьович",
    "овна",
    "евна",
    "івна",
    "ївна",
    "ична",
    "інічна",
    "ovich",
    "evich",
    "ovych",
    "evych",
    "ivich",
    "ovitch",
    "ovna",
    "evna",
    "ivna",
    "ichna",
];

fn looks_like_patronymic(token: &str) -> bool {
    let lower = token.to_lowercase();
    PATRONYMIC_ENDINGS.iter().any(|e| lower.ends_with(e)) && lower.chars().count() > 6
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The value's comparison key by `normalise`, or `None` when nothing is left of it.
fn field_key(value: &Option<String>, normalise: fn(&str) -> String) -> Option<String> {
    non_empty(value).map(normalise).filter(|s| !s.is_empty())
}

/// Letters and digits only, lowercase: "3rd Bn." and "3 rd bn" compare equal.
fn alphanumeric(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Prepared {
    pub fn new(record: &Record) -> Prepared {
        Prepared::with_cache(record, &mut NameCache::default())
    }

    /// [`Prepared::new`], taking the keys of names seen before from `cache`.
    pub fn with_cache(record: &Record, cache: &mut NameCache) -> Prepared {
        let mut names = Names::default();
        let mut readings = Readings::default();
        let mut patronymic = non_empty(&record.patronymic).and_then(|t| cache.key(t));
        fn push(names: &mut Names, cache: &mut NameCache, text: &str) -> Option<u8> {
            Some(names.push(cache.key(text)?))
        }
        let family = non_empty(&record.family_name);
        let given = non_empty(&record.given_name);
        let mut any_hangul = false;
        if family.is_some() || given.is_some() {
            any_hangul = family.is_some_and(has_hangul) || given.is_some_and(has_hangul);
            let f = family.and_then(|t| push(&mut names, cache, t));
            let g = given.and_then(|t| push(&mut names, cache, t));
            readings.push((f, g));
        } else if let Some(full) = non_empty(&record.full_name) {
            any_hangul = has_hangul(full);
            let mut tokens: Vec<String> = full
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            // Hangul names are usually written without a space: 김정은 = 김 + 정은.
            if tokens.len() == 1
                && tokens[0].chars().filter(|&c| is_hangul_syllable(c)).count() >= 2
            {
                let first: String = tokens[0].chars().take(1).collect();
                let rest: String = tokens[0].chars().skip(1).collect();
                tokens = vec![first, rest];
            }
            tokens.truncate(6);
            if patronymic.is_none() && tokens.len() == 3 {
                // Family Given Patronymic (lists) or Given Patronymic Family (letters).
                let at = if looks_like_patronymic(&tokens[2]) {
                    Some(2)
                } else if looks_like_patronymic(&tokens[1]) {
                    Some(1)
                } else {
                    None
                };
                if let Some(at) = at {
                    patronymic = cache.key(&tokens.remove(at));
                }
            }
            match tokens.len() {
                0 => {}
                1 => {
                    let t = push(&mut names, cache, &tokens[0]);
                    readings.push((t, None));
                }
                2 => {
                    let a = push(&mut names, cache, &tokens[0]);
                    let b = push(&mut names, cache, &tokens[1]);
                    // A token known as a given name (it has Ukrainian/Russian forms)
                    // next to one that is not: Western order, given name first.
                    let known = |i: Option<u8>| i.is_some_and(|i| names.get(i).group.is_some());
                    if known(a) && !known(b) {
                        readings.push((b, a));
                    } else {
                        readings.push((a, b));
                    }
                }
                n => {
                    // Family first (Korean and Slavic lists) or family last (Western order).
                    let first = push(&mut names, cache, &tokens[0]);
                    let rest_after_first = push(&mut names, cache, &tokens[1..].join(" "));
                    let last = push(&mut names, cache, &tokens[n - 1]);
                    let rest_before_last = push(&mut names, cache, &tokens[..n - 1].join(" "));
                    readings.push((first, rest_after_first));
                    readings.push((last, rest_before_last));
                }
            }
        }
        if readings.is_empty() {
            readings.push((None, None));
        }
        let nationality = non_empty(&record.nationality).map(|s| s.to_ascii_uppercase());
        let korean_nationality = matches!(nationality.as_deref(), Some("KR" | "KP"));
        // Any name part, since the family and given names may have been swapped.
        let korean_surname = names.iter().any(|n| n.korean_surname.is_some());
        let korean = any_hangul || korean_nationality || (patronymic.is_none() && korean_surname);
        Prepared {
            names,
            readings,
            patronymic,
            date_of_birth: record.date_of_birth,
            sex: record.sex,
            place_of_birth: field_key(&record.place_of_birth, skeleton),
            nationality,
            unit: field_key(&record.unit, alphanumeric),
            service_number: field_key(&record.service_number, alphanumeric),
            korean,
        }
    }

    pub fn name(&self, index: Option<u8>) -> Option<&NameKey> {
        index.map(|i| &**self.names.get(i))
    }
}

/// The comparison of two prepared records.
#[derive(Clone, Debug)]
pub(crate) struct Comparison {
    pub levels: [u8; FEATURES.len()],
    /// Frequency keys of the family and given names when they agree at any similar level.
    pub family_value: Option<u64>,
    pub given_value: Option<u64>,
}

const LOOSE_SIMILARITY: f64 = 0.84;

/// The set of letters of a skeleton (A–Z), one bit each.
fn letter_set(skeleton: &str) -> u32 {
    skeleton
        .bytes()
        .filter(u8::is_ascii_uppercase)
        .fold(0, |set, b| set | 1 << (b - b'A'))
}

/// Jaro–Winkler similarity of `a` and `b`, or 0 when a cheap upper bound shows it is
/// below `floor`: most compared names share too few letters to be similar, and this
/// skips the quadratic part for them.
fn similarity_at_least(a: &str, b_letters: u32, b: &str, floor: f64) -> f64 {
    let (la, lb) = (a.len() as f64, b.len() as f64);
    if la == 0.0 || lb == 0.0 {
        return 0.0;
    }
    let shared = a
        .bytes()
        .filter(|c| c.is_ascii_uppercase() && b_letters & (1 << (c - b'A')) != 0)
        .count() as f64;
    let matches = shared.min(la).min(lb);
    let jaro_bound = (matches / la + matches / lb + 1.0) / 3.0;
    if jaro_bound + 0.4 * (1.0 - jaro_bound) < floor {
        return 0.0;
    }
    jaro_winkler(a, b)
}

/// Jaro–Winkler similarity of two skeletons. Skeletons are short ASCII strings, so
/// this byte version avoids the per-character decoding of a generic one: it is the
/// innermost loop of every comparison.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.is_empty() || b.is_empty() || a.len() > 64 || b.len() > 64 {
        return strsim::jaro_winkler(
            std::str::from_utf8(a).unwrap_or(""),
            std::str::from_utf8(b).unwrap_or(""),
        );
    }
    if a == b {
        return 1.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut b_used = [false; 64];
    let mut a_matched = [0u8; 64];
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_used[j] && b[j] == ca {
                b_used[j] = true;
                a_matched[matches] = ca;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (j, &cb) in b.iter().enumerate() {
        if b_used[j] {
            if a_matched[k] != cb {
                transpositions += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    let jaro =
        (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

pub(crate) fn compare_names(a: &NameKey, b: &NameKey, role: Feature, korean: bool) -> u8 {
    use name_level::*;
    if a.initial || b.initial {
        let (short, long) = if a.initial { (a, b) } else { (b, a) };
        let letter = short.skeleton.as_bytes()[0];
        return if long.initials().contains(&letter) {
            INITIAL
        } else {
            DIFFERENT
        };
    }
    if korean {
        if role == Feature::FamilyName {
            if let (Some(x), Some(y)) = (a.korean_surname, b.korean_surname) {
                return if x == y { EXACT } else { DIFFERENT };
            }
        }
        if role != Feature::Patronymic {
            // A Korean given name differing by one syllable is another person's name.
            return if a.text_hashes[2] == b.text_hashes[2] && a.korean == b.korean {
                EXACT
            } else {
                DIFFERENT
            };
        }
    }
    if a.text_hashes[0] == b.text_hashes[0] && a.skeleton == b.skeleton {
        return EXACT;
    }
    if a.group.is_some() && a.group == b.group {
        return EQUIVALENT;
    }
    let mut similarity = similarity_at_least(&a.skeleton, b.letters, &b.skeleton, LOOSE_SIMILARITY);
    if a.group.is_some() || b.group.is_some() {
        let canonical = similarity_at_least(
            &a.canonical,
            b.canonical_letters,
            &b.canonical,
            LOOSE_SIMILARITY,
        );
        similarity = similarity.max(canonical);
    }
    if similarity >= 0.92 {
        SIMILAR
    } else if similarity >= LOOSE_SIMILARITY
        || (a.text_hashes[1] == b.text_hashes[1] && a.phonetic == b.phonetic)
    {
        LOOSE
    } else {
        DIFFERENT
    }
}

pub(crate) fn compare_dates(a: &PartialDate, b: &PartialDate) -> u8 {
    use date_level::*;
    let full = |d: &PartialDate| d.month().is_some() && d.day().is_some();
    if a == b && full(a) {
        return EXACT;
    }
    let (da, la) = crate::record::digit_array(a);
    let (db, lb) = crate::record::digit_array(b);
    let common = la.min(lb);
    if da[..common] == db[..common] {
        return COMPATIBLE;
    }
    if a.year() == b.year() && full(a) && full(b) && a.day() == b.month() && a.month() == b.day() {
        return SWAPPED;
    }
    let differing = da[..common]
        .iter()
        .zip(&db[..common])
        .filter(|(x, y)| x != y)
        .count();
    if differing == 1 {
        return ONE_DIGIT;
    }
    let rest_agrees = da[4..common] == db[4..common];
    if a.year().abs_diff(b.year()) == 1 && rest_agrees {
        return ONE_YEAR;
    }
    DIFFERENT
}

/// True when two dates cannot belong to the same person at any tolerated level.
pub(crate) fn dates_conflict(a: &PartialDate, b: &PartialDate) -> bool {
    compare_dates(a, b) == date_level::DIFFERENT
}

fn compare_service_numbers(a: &str, b: &str) -> u8 {
    if a == b {
        0
    } else if strsim::levenshtein(a, b) == 1 {
        1
    } else {
        2
    }
}

/// A rank of name levels used only to choose between readings of the name order.
fn reading_rank(level: u8) -> u32 {
    match level {
        NULL => 1,
        name_level::DIFFERENT => 0,
        level => 8 - level as u32,
    }
}

fn both<'a, T>(a: Option<&'a T>, b: Option<&'a T>) -> Option<(&'a T, &'a T)> {
    Some((a?, b?))
}

type BestReading = (u32, u8, u8, Option<u64>, Option<u64>);

pub(crate) fn compare(a: &Prepared, b: &Prepared) -> Comparison {
    let korean = a.korean || b.korean;
    let mut levels = [NULL; FEATURES.len()];
    // (rank, family level, given level, family value, given value) of the best reading.
    let mut best: Option<BestReading> = None;
    let level_of = |x: Option<&NameKey>, y: Option<&NameKey>, role| match both(x, y) {
        Some((x, y)) => compare_names(x, y, role, korean),
        None => NULL,
    };
    'readings: for &(af, ag) in a.readings.iter() {
        for &(bf, bg) in b.readings.iter() {
            // Straight, then with the name order swapped on one side.
            for (bf, bg) in [(bf, bg), (bg, bf)] {
                let (xf, xg, yf, yg) = (a.name(af), a.name(ag), b.name(bf), b.name(bg));
                let family = level_of(xf, yf, Feature::FamilyName);
                let given = level_of(xg, yg, Feature::GivenName);
                let rank = reading_rank(family) * 10 + reading_rank(given);
                if best.as_ref().is_none_or(|(r, ..)| rank > *r) {
                    let agreed = |level: u8, key: Option<&NameKey>, role| {
                        (level <= name_level::LOOSE)
                            .then(|| key.map(|k| k.frequency_key(korean, role)))
                            .flatten()
                    };
                    let family_value = agreed(family, xf, Feature::FamilyName);
                    let given_value = agreed(given, xg, Feature::GivenName);
                    best = Some((rank, family, given, family_value, given_value));
                    if family == name_level::EXACT && given == name_level::EXACT {
                        // No other reading can do better.
                        break 'readings;
                    }
                }
            }
        }
    }
    let (_, family, given, family_value, given_value) = best.unwrap_or((0, NULL, NULL, None, None));
    levels[Feature::FamilyName.index()] = family;
    levels[Feature::GivenName.index()] = given;
    levels[Feature::Patronymic.index()] =
        match both(a.patronymic.as_deref(), b.patronymic.as_deref()) {
            Some((x, y)) => compare_names(x, y, Feature::Patronymic, false),
            None => NULL,
        };
    levels[Feature::DateOfBirth.index()] =
        match both(a.date_of_birth.as_ref(), b.date_of_birth.as_ref()) {
            Some((x, y)) => compare_dates(x, y),
            None => NULL,
        };
    levels[Feature::Sex.index()] = match both(a.sex.as_ref(), b.sex.as_ref()) {
        Some((x, y)) => u8::from(x != y),
        None => NULL,
    };
    levels[Feature::PlaceOfBirth.index()] =
        match both(a.place_of_birth.as_ref(), b.place_of_birth.as_ref()) {
            Some((x, y)) if x == y => 0,
            Some((x, y)) if jaro_winkler(x, y) >= 0.9 => 1,
            Some(_) => 2,
            None => NULL,
        };
    levels[Feature::Nationality.index()] =
        match both(a.nationality.as_ref(), b.nationality.as_ref()) {
            Some((x, y)) => u8::from(x != y),
            None => NULL,
        };
    levels[Feature::Unit.index()] = match both(a.unit.as_ref(), b.unit.as_ref()) {
        Some((x, y)) => u8::from(x != y),
        None => NULL,
    };
    levels[Feature::ServiceNumber.index()] =
        match both(a.service_number.as_ref(), b.service_number.as_ref()) {
            Some((x, y)) => compare_service_numbers(x, y),
            None => NULL,
        };
    Comparison {
        levels,
        family_value,
        given_value,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_feature_array_is_every_feature_in_order() {
        assert_eq!(&FEATURES[..], Feature::ALL);
        for (i, feature) in FEATURES.iter().enumerate() {
            assert_eq!(feature.index(), i);
        }
    }
    use super::*;

    fn date(text: &str) -> PartialDate {
        PartialDate::parse(text).unwrap()
    }

    fn check_dates(a: &str, b: &str, expect: &str) {
        let level = compare_dates(&date(a), &date(b));
        assert_eq!(
            Feature::DateOfBirth.levels()[level as usize],
            expect,
            "{a} vs {b}"
        );
        assert_eq!(
            compare_dates(&date(b), &date(a)),
            level,
            "symmetry {a} vs {b}"
        );
    }

    #[test]
    fn date_levels_cover_partial_and_mistyped_dates() {
        check_dates("1994-03-17", "1994-03-17", "exact");
        check_dates("1994", "1994-03-17", "compatible partial date");
        check_dates("1994-03", "1994-03-17", "compatible partial date");
        check_dates("1994-03-17", "1994-03-18", "one digit differs");
        check_dates("1994-03-17", "1984-03-17", "one digit differs");
        check_dates("1994-03-11", "1994-11-03", "day and month swapped");
        check_dates("1994-03-17", "1995-03-17", "one digit differs");
        check_dates("1999-03-17", "2000-03-17", "one year apart");
        check_dates("1999", "2000", "one year apart");
        check_dates("1994-03-17", "1971-08-02", "different");
        check_dates("1994-03", "1994-11-02", "different");
    }

    #[test]
    fn records_prepared_with_a_shared_cache_compare_as_if_prepared_alone() {
        let person = |id: &str, full_name: &str, patronymic: &str| Record {
            id: id.into(),
            full_name: Some(full_name.into()),
            patronymic: Some(patronymic.into()),
            ..Record::default()
        };
        let records = [
            person("1", "Шевченко Олександр", "Петрович"),
            person("2", "Shevchenko Oleksandr", "Petrovych"),
            person("3", "Олександр Шевченко", "Петрович"),
            person("4", "김정은", ""),
        ];
        let mut cache = NameCache::default();
        let shared: Vec<Prepared> = records
            .iter()
            .map(|r| Prepared::with_cache(r, &mut cache))
            .collect();
        let alone: Vec<Prepared> = records.iter().map(Prepared::new).collect();
        assert!(Arc::ptr_eq(shared[0].names.get(0), shared[2].names.get(1)));
        assert!(Arc::ptr_eq(
            shared[0].patronymic.as_ref().unwrap(),
            shared[2].patronymic.as_ref().unwrap()
        ));
        for (a, a_alone) in shared.iter().zip(&alone) {
            for (b, b_alone) in shared.iter().zip(&alone) {
                let (with_cache, without) = (compare(a, b), compare(a_alone, b_alone));
                assert_eq!(with_cache.levels, without.levels);
                assert_eq!(with_cache.family_value, without.family_value);
                assert_eq!(with_cache.given_value, without.given_value);
            }
        }
    }

    fn name_level(a: &str, b: &str, role: Feature, korean: bool) -> &'static str {
        let (x, y) = (NameKey::new(a).unwrap(), NameKey::new(b).unwrap());
        NAME_LEVELS[compare_names(&x, &y, role, korean) as usize]
    }

    fn check_names(a: &str, b: &str, expect: &str) {
        assert_eq!(
            name_level(a, b, Feature::GivenName, false),
            expect,
            "{a} vs {b}"
        );
    }

    #[test]
    fn the_similarity_bound_never_hides_a_similar_pair() {
        let names = [
            "SEVSENKO",
            "SEVSUK",
            "BONDARENKO",
            "BONDARSUK",
            "KIM",
            "LI",
            "OLEKZANDR",
            "ALEKZANDER",
            "HRUSOV",
            "HRISOV",
        ];
        for a in names {
            for b in names {
                let exact = jaro_winkler(a, b);
                let bounded = similarity_at_least(a, letter_set(b), b, LOOSE_SIMILARITY);
                assert!(
                    bounded == exact || (bounded == 0.0 && exact < LOOSE_SIMILARITY),
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn jaro_winkler_agrees_with_the_reference() {
        for (a, b) in [
            ("SEVSENKO", "SEVSUK"),
            ("MARTHA", "MARHTA"),
            ("DIXON", "DICKSONX"),
            ("A", "B"),
            ("ABC", "ABC"),
        ] {
            let expect = strsim::jaro_winkler(a, b);
            assert!((jaro_winkler(a, b) - expect).abs() < 1e-12, "{a} {b}");
        }
    }

    #[test]
    fn name_levels_across_scripts_and_languages() {
        check_names("Олександр", "Oleksandr", "exact");
        check_names("Олександр", "Александр", "equivalent");
        check_names("Oleksandr", "Aleksandr", "equivalent");
        check_names("Микола", "Nikolay", "equivalent");
        check_names("Aleksandr", "Alexander", "similar");
        check_names("Олександр", "О.", "initial");
        check_names("Александр", "O.", "initial");
        check_names("Микола", "N", "initial");
        check_names("Микола", "P.", "different");
        check_names("Микола", "Петро", "different");
    }

    #[test]
    fn korean_given_names_one_syllable_apart_differ() {
        assert_eq!(
            name_level("정은", "Jong-un", Feature::GivenName, true),
            "exact"
        );
        assert_eq!(
            name_level("Jong-un", "Jong-il", Feature::GivenName, true),
            "different"
        );
        assert_eq!(name_level("Ri", "Lee", Feature::FamilyName, true), "exact");
        assert_eq!(
            name_level("Choe", "Цой", Feature::FamilyName, true),
            "exact"
        );
        assert_eq!(
            name_level("Pak", "Kim", Feature::FamilyName, true),
            "different"
        );
    }

    fn prepared(full_name: &str) -> Prepared {
        Prepared::new(&Record::with_full_name("x", full_name))
    }

    #[test]
    fn full_names_are_read_in_either_order_with_patronymic() {
        let a = prepared("Шевченко Олександр Петрович");
        assert_eq!(
            a.patronymic.as_ref().unwrap().skeleton,
            skeleton("Petrovych")
        );
        let b = prepared("Aleksandr Petrovich Shevchenko");
        assert!(b.patronymic.is_some());
        let c = compare(&a, &b);
        assert_eq!(c.levels[Feature::FamilyName.index()], name_level::EXACT);
        assert_eq!(c.levels[Feature::GivenName.index()], name_level::EQUIVALENT);
        assert_eq!(c.levels[Feature::Patronymic.index()], name_level::EXACT);
        assert!(prepared("김정은").korean);
        assert!(!prepared("Ким Сергей Петрович").korean);
    }
}
