//! Blocking, linking two lists, deduplicating one, and the in-memory index.
//!
//! Candidate pairs come from a union of blocking keys (both names in either order,
//! one name with the year of birth, a name with the other name's initial, the service
//! number). A key shared by more records than the cap is too common to block on and
//! is skipped, so that "Kim" alone never produces millions of pairs.

use crate::compare::{
    compare, dates_conflict, Feature, NameCache, NameKey, Prepared, FEATURES, NULL,
};
use crate::frequency::TermFrequencies;
use crate::model::{estimate, Matcher, Scored, Session, SplitMix64, TrainingOptions};
use crate::record::Record;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Records sharing a blocking key beyond this many are not compared on that key alone.
pub const DEFAULT_BLOCK_CAP: usize = 100;

/// The match weight (log2 odds) of a probability threshold.
fn weight_of(threshold: f64) -> f64 {
    let p = threshold.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).log2()
}

/// Records prepared with one cache of name keys: large enough that most names are
/// met again inside it, small enough to share the work among cores.
const PREPARE_CHUNK: usize = 1 << 15;

/// Prepares records, in parallel when the `parallel` feature is on.
fn prepare_all(records: &[Record]) -> Vec<Prepared> {
    let prepare_chunk = |chunk: &[Record]| -> Vec<Prepared> {
        let mut cache = NameCache::default();
        chunk
            .iter()
            .map(|record| Prepared::with_cache(record, &mut cache))
            .collect()
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        records
            .par_chunks(PREPARE_CHUNK)
            .flat_map_iter(prepare_chunk)
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        records
            .chunks(PREPARE_CHUNK)
            .flat_map(prepare_chunk)
            .collect()
    }
}

/// Runs `work` for every record position and concatenates the links in position
/// order, so the result is the same with or without the `parallel` feature.
fn per_record<F>(len: usize, work: F) -> Vec<Link>
where
    F: Fn(usize, &mut Vec<u32>) -> Vec<Link> + Sync,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        let parts: Vec<Vec<Link>> = (0..len)
            .into_par_iter()
            .map_init(Vec::new, |candidates, i| work(i, candidates))
            .collect();
        parts.concat()
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut candidates = Vec::new();
        (0..len).flat_map(|i| work(i, &mut candidates)).collect()
    }
}

/// A link between a record of the left list and one of the right list.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub left: usize,
    pub right: usize,
    pub scored: Scored,
}

/// A stable hash: `DefaultHasher::new()` uses fixed keys, so blocking is deterministic.
/// The lowest bit marks a *strong* key (both names, or the service number), which may
/// gather up to the full cap; weak keys (one name with a year or an initial) are
/// capped at [`WEAK_KEY_CAP_DIVISOR`] times less, since they meet many more strangers.
fn key_hash(parts: &[&[u8]]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    for part in parts {
        part.hash(&mut hasher);
    }
    let strong = matches!(parts.first(), Some(&(b"n" | b"p" | b"s" | b"sn")));
    (hasher.finish() & !1) | u64::from(strong)
}

/// Weak blocking keys get the cap divided by this.
pub const WEAK_KEY_CAP_DIVISOR: usize = 5;

fn key_cap(key: u64, cap: usize) -> usize {
    if key & 1 == 1 {
        cap
    } else {
        cap / WEAK_KEY_CAP_DIVISOR
    }
}

/// Blocking keys of a prepared record.
pub(crate) fn blocking_keys(p: &Prepared) -> Vec<u64> {
    let mut keys = Vec::with_capacity(12);
    let name_key = |i: Option<u8>| p.name(i).filter(|k| !k.initial);
    // Borrowed in the common case: blocking keys are computed for every record.
    fn key_of(korean: bool, k: &NameKey) -> Cow<'_, str> {
        match (korean, k.korean_surname) {
            (true, Some(group)) => Cow::Owned(format!("k#{group}")),
            (true, None) => Cow::Owned(format!("k:{}", k.korean)),
            _ => Cow::Borrowed(k.canonical.as_str()),
        }
    }
    let main_key = |k| key_of(p.korean, k);
    for &(f, g) in p.readings.iter() {
        match (name_key(f), name_key(g)) {
            (Some(f), Some(g)) => {
                let (a, b) = (main_key(f), main_key(g));
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                keys.push(key_hash(&[b"n", lo.as_bytes(), hi.as_bytes()]));
                let (a, b) = (&f.phonetic, &g.phonetic);
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                keys.push(key_hash(&[b"p", lo.as_bytes(), hi.as_bytes()]));
                if p.korean {
                    // Korean given names romanized beyond our folding still meet via the
                    // loose skeleton, and Cyrillic spellings of the surname via its group.
                    keys.push(key_hash(&[
                        b"s",
                        f.skeleton.as_bytes(),
                        g.skeleton.as_bytes(),
                    ]));
                    keys.push(key_hash(&[
                        b"s",
                        g.skeleton.as_bytes(),
                        f.skeleton.as_bytes(),
                    ]));
                }
                // A name with the other's initial: covers initials and variant forms.
                keys.push(key_hash(&[
                    b"i",
                    main_key(f).as_bytes(),
                    &g.skeleton.as_bytes()[..1],
                ]));
                keys.push(key_hash(&[
                    b"i",
                    main_key(g).as_bytes(),
                    &f.skeleton.as_bytes()[..1],
                ]));
            }
            (Some(one), None) | (None, Some(one)) => {
                keys.push(key_hash(&[b"o", main_key(one).as_bytes()]));
            }
            (None, None) => {}
        }
        if let Some(date) = &p.date_of_birth {
            let year = (date.year() as u16).to_le_bytes();
            for k in [name_key(f), name_key(g)].into_iter().flatten() {
                keys.push(key_hash(&[b"y", main_key(k).as_bytes(), &year]));
            }
        }
    }
    // Initials written on this side: the full name of the other side has the keys above.
    for &(f, g) in p.readings.iter() {
        if let (Some(full), Some(short)) = (name_key(f), p.name(g).filter(|k| k.initial)) {
            keys.push(key_hash(&[
                b"i",
                main_key(full).as_bytes(),
                &short.skeleton.as_bytes()[..1],
            ]));
        }
        if let (Some(full), Some(short)) = (name_key(g), p.name(f).filter(|k| k.initial)) {
            keys.push(key_hash(&[
                b"i",
                main_key(full).as_bytes(),
                &short.skeleton.as_bytes()[..1],
            ]));
        }
    }
    if let Some(number) = &p.service_number {
        keys.push(key_hash(&[b"sn", number.as_bytes()]));
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Blocking keys are already hashes: the maps use them as they are.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type KeyMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// An inverted index from blocking key to record positions, growing one record at a
/// time (the [`Index`]).
#[derive(Debug, Default)]
struct Blocks {
    buckets: KeyMap<Vec<u32>>,
}

impl Blocks {
    fn insert(&mut self, position: u32, p: &Prepared) {
        for key in blocking_keys(p) {
            self.buckets.entry(key).or_default().push(position);
        }
    }
}

/// The same index built once for a whole list: all (key, position) pairs sorted, and
/// each key's run found by its offset, which avoids a vector per key.
#[derive(Debug, Default)]
struct FrozenBlocks {
    runs: KeyMap<(u32, u32)>,
    positions: Vec<u32>,
}

impl FrozenBlocks {
    /// The index of `records`, holding only the keys in `wanted` when it is given
    /// (the keys the other list will look up): a key's run is kept whole or not at
    /// all, so candidates and caps are the same as with every key.
    fn build(records: &[Prepared], wanted: Option<&KeyMap<()>>) -> FrozenBlocks {
        let keys: Vec<Vec<u64>> = map_all(records, |p| {
            let mut keys = blocking_keys(p);
            if let Some(wanted) = wanted {
                keys.retain(|key| wanted.contains_key(key));
            }
            keys
        });
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(keys.iter().map(Vec::len).sum());
        for (i, record_keys) in keys.iter().enumerate() {
            pairs.extend(record_keys.iter().map(|&k| (k, i as u32)));
        }
        drop(keys);
        sort_all(&mut pairs);
        let mut runs = KeyMap::default();
        let mut start = 0usize;
        while start < pairs.len() {
            let key = pairs[start].0;
            let mut end = start;
            while end < pairs.len() && pairs[end].0 == key {
                end += 1;
            }
            runs.insert(key, (start as u32, (end - start) as u32));
            start = end;
        }
        FrozenBlocks {
            runs,
            positions: pairs.into_iter().map(|(_, i)| i).collect(),
        }
    }

    /// Positions sharing one of `keys` (a record's blocking keys), skipping keys shared
    /// by more than their cap.
    fn candidates(&self, keys: &[u64], cap: usize, out: &mut Vec<u32>) {
        out.clear();
        for &key in keys {
            if let Some(&(start, len)) = self.runs.get(&key) {
                if len as usize <= key_cap(key, cap) {
                    out.extend_from_slice(&self.positions[start as usize..(start + len) as usize]);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Maps every record, in parallel when the `parallel` feature is on.
fn map_all<T: Send>(records: &[Prepared], f: impl Fn(&Prepared) -> T + Sync + Send) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        records.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        records.iter().map(f).collect()
    }
}

fn frequency_counts(records: &[Prepared], counts: &mut KeyMap<u32>) {
    for p in records {
        if let Some(&(f, g)) = p.readings.first() {
            for (index, role) in [(f, Feature::FamilyName), (g, Feature::GivenName)] {
                if let Some(key) = p.name(index).filter(|k| !k.initial) {
                    *counts.entry(key.frequency_key(p.korean, role)).or_default() += 1;
                }
            }
        }
    }
}

/// Compares the given pairs of `left` × `right`, in parallel when the `parallel`
/// feature is on; the comparisons come back in the order of `pairs`.
fn compare_pairs(
    left: &[Prepared],
    right: &[Prepared],
    pairs: &[(u32, u32)],
) -> Vec<[u8; FEATURES.len()]> {
    // Compared in the order of the right list's positions, which walks its records
    // (and their name keys, allocated in list order) forward instead of at random.
    let mut order: Vec<u32> = (0..pairs.len() as u32).collect();
    order.sort_unstable_by_key(|&k| {
        let (i, j) = pairs[k as usize];
        (j, i, k)
    });
    let one = |&k: &u32| {
        let (i, j) = pairs[k as usize];
        compare(&left[i as usize], &right[j as usize]).levels
    };
    #[cfg(feature = "parallel")]
    let in_order: Vec<[u8; FEATURES.len()]> = {
        use rayon::prelude::*;
        order.par_iter().map(one).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let in_order: Vec<[u8; FEATURES.len()]> = order.iter().map(one).collect();
    let mut comparisons = vec![[NULL; FEATURES.len()]; pairs.len()];
    for (&k, levels) in order.iter().zip(in_order) {
        comparisons[k as usize] = levels;
    }
    comparisons
}

/// Sorts in parallel when the `parallel` feature is on. The elements are distinct or
/// equal only when identical, so the order is the same either way.
fn sort_all<T: Ord + Send>(items: &mut [T]) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_sort_unstable();
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.sort_unstable();
    }
}

/// Positions of random pairs of `left` × `right` (never a record with itself within
/// one list), drawn from the seed alone.
fn random_pairs(
    left: usize,
    right: usize,
    same_list: bool,
    options: &TrainingOptions,
) -> Vec<(u32, u32)> {
    let mut rng = SplitMix64::new(options.seed);
    let mut out = Vec::with_capacity(options.random_pairs);
    if left == 0 || right == 0 || (same_list && left < 2) {
        return out;
    }
    while out.len() < options.random_pairs {
        let (i, j) = (rng.below(left), rng.below(right));
        if same_list && i == j {
            continue;
        }
        out.push((i as u32, j as u32));
    }
    out
}

/// Pairs of `left` × `right` that share a value of `key` (a hash), at most
/// `PER_VALUE` records of `right` per value (the first in list order) and `limit`
/// pairs in all (every `step`-th pair, from a seeded offset).
fn pairs_sharing(
    left: &[Prepared],
    right: &[Prepared],
    same_list: bool,
    key: impl Fn(&Prepared) -> Option<u64> + Sync + Send,
    limit: usize,
    rng: &mut SplitMix64,
) -> Vec<(u32, u32)> {
    const PER_VALUE: usize = 50;
    let right_keys = map_all(right, &key);
    // (value, position), sorted: each value's positions form a run in list order.
    let mut by_value: Vec<(u64, u32)> = right_keys
        .iter()
        .enumerate()
        .filter_map(|(j, k)| k.map(|k| (k, j as u32)))
        .collect();
    sort_all(&mut by_value);
    let left_keys = if same_list {
        right_keys
    } else {
        map_all(left, &key)
    };
    let mut pairs = Vec::new();
    for (i, value) in left_keys.iter().enumerate() {
        let Some(value) = *value else {
            continue;
        };
        let start = by_value.partition_point(|&(v, _)| v < value);
        let run = by_value[start..]
            .iter()
            .take(PER_VALUE)
            .take_while(|&&(v, _)| v == value);
        for &(_, j) in run {
            if !same_list || j > i as u32 {
                pairs.push((i as u32, j));
            }
        }
    }
    let step = (pairs.len() / limit.max(1)).max(1);
    let offset = rng.below(step);
    pairs.into_iter().skip(offset).step_by(step).collect()
}

/// The full date of birth as a number (`YYYYMMDD`), the value of one EM session.
fn full_date_value(p: &Prepared) -> Option<u64> {
    let date = p.date_of_birth?;
    let (month, day) = (date.month()?, date.day()?);
    Some(date.year() as u64 * 10_000 + month as u64 * 100 + day as u64)
}

/// Both names of the first reading, in either order, hashed: the value of the other.
fn both_names_value(p: &Prepared) -> Option<u64> {
    let &(f, g) = p.readings.first()?;
    let (f, g) = (p.name(f)?, p.name(g)?);
    let (a, b) = (f.canonical.as_bytes(), g.canonical.as_bytes());
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut hasher = std::hash::DefaultHasher::new();
    lo.hash(&mut hasher);
    hi.hash(&mut hasher);
    Some(hasher.finish())
}

fn train(
    left: &[Prepared],
    right: &[Prepared],
    same_list: bool,
    options: &TrainingOptions,
) -> Matcher {
    let randoms = compare_pairs(
        left,
        right,
        &random_pairs(left.len(), right.len(), same_list, options),
    );
    let mut rng = SplitMix64::new(options.seed ^ 0x5EED);
    let by_date = pairs_sharing(
        left,
        right,
        same_list,
        full_date_value,
        options.em_pairs,
        &mut rng,
    );
    let by_names = pairs_sharing(
        left,
        right,
        same_list,
        both_names_value,
        options.em_pairs,
        &mut rng,
    );
    let sessions = [
        Session {
            comparisons: compare_pairs(left, right, &by_date),
            fixed: &[Feature::DateOfBirth],
        },
        Session {
            comparisons: compare_pairs(left, right, &by_names),
            fixed: &[Feature::FamilyName, Feature::GivenName],
        },
    ];
    let mut counts = KeyMap::default();
    frequency_counts(left, &mut counts);
    if !same_list {
        frequency_counts(right, &mut counts);
    }
    let records = if same_list {
        left.len()
    } else {
        left.len() + right.len()
    };
    let frequencies = if records >= 1000 {
        TermFrequencies::from_counts(counts, records)
    } else {
        TermFrequencies::builtin()
    };
    let prior = 1.0 / left.len().max(right.len()).max(2) as f64;
    estimate(&randoms, &sessions, prior, options, frequencies)
}

/// A list of records normalised once, to be trained on and then linked or
/// deduplicated without preparing the records again.
#[derive(Debug)]
pub struct PreparedList {
    records: Vec<Prepared>,
}

impl PreparedList {
    pub fn new(records: &[Record]) -> PreparedList {
        PreparedList {
            records: prepare_all(records),
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// Estimates a model for deduplicating `records`, without labels.
pub fn train_dedupe(records: &[Record], options: &TrainingOptions) -> Matcher {
    train_dedupe_prepared(&PreparedList::new(records), options)
}

/// [`train_dedupe`] on a list already prepared.
pub fn train_dedupe_prepared(list: &PreparedList, options: &TrainingOptions) -> Matcher {
    train(&list.records, &list.records, true, options)
}

/// Estimates a model for linking `left` to `right`, without labels.
pub fn train_link(left: &[Record], right: &[Record], options: &TrainingOptions) -> Matcher {
    train_link_prepared(&PreparedList::new(left), &PreparedList::new(right), options)
}

/// [`train_link`] on lists already prepared.
pub fn train_link_prepared(
    left: &PreparedList,
    right: &PreparedList,
    options: &TrainingOptions,
) -> Matcher {
    train(&left.records, &right.records, false, options)
}

impl Matcher {
    /// Every pair of `left` × `right` among the blocked candidates scoring at least
    /// `threshold`, ordered by left then right position.
    pub fn link(&self, left: &[Record], right: &[Record], threshold: f64) -> Vec<Link> {
        self.link_prepared(
            &PreparedList::new(left),
            &PreparedList::new(right),
            threshold,
        )
    }

    /// [`Matcher::link`] on lists already prepared.
    pub fn link_prepared(
        &self,
        left: &PreparedList,
        right: &PreparedList,
        threshold: f64,
    ) -> Vec<Link> {
        let (left, right) = (&left.records, &right.records);
        // Only keys of the left list are ever looked up: the index of the right list
        // (often the far larger) leaves out the others.
        let left_keys: Vec<Vec<u64>> = map_all(left, blocking_keys);
        let wanted: KeyMap<()> = left_keys.iter().flatten().map(|&key| (key, ())).collect();
        let blocks = FrozenBlocks::build(right, Some(&wanted));
        drop(wanted);
        let threshold_weight = weight_of(threshold);
        per_record(left.len(), |i, candidates| {
            let p = &left[i];
            blocks.candidates(&left_keys[i], DEFAULT_BLOCK_CAP, candidates);
            self.links_of(i, p, candidates, right, threshold_weight)
        })
    }

    /// Links within one list scoring at least `threshold` (`left` < `right`).
    pub fn duplicate_links(&self, records: &[Record], threshold: f64) -> Vec<Link> {
        let prepared = prepare_all(records);
        self.duplicate_links_prepared(&prepared, threshold)
    }

    fn duplicate_links_prepared(&self, prepared: &[Prepared], threshold: f64) -> Vec<Link> {
        let blocks = FrozenBlocks::build(prepared, None);
        let threshold_weight = weight_of(threshold);
        per_record(prepared.len(), |i, candidates| {
            let p = &prepared[i];
            blocks.candidates(&blocking_keys(p), DEFAULT_BLOCK_CAP, candidates);
            candidates.retain(|&j| j as usize > i);
            self.links_of(i, p, candidates, prepared, threshold_weight)
        })
    }

    /// Scores `p` against its candidates; only pairs at or above the threshold get
    /// the full explanation built.
    fn links_of(
        &self,
        i: usize,
        p: &Prepared,
        candidates: &[u32],
        others: &[Prepared],
        threshold_weight: f64,
    ) -> Vec<Link> {
        let mut links = Vec::new();
        for &j in candidates {
            let comparison = compare(p, &others[j as usize]);
            if self.comparison_weight(&comparison) >= threshold_weight {
                links.push(Link {
                    left: i,
                    right: j as usize,
                    scored: self.score_comparison(&comparison),
                });
            }
        }
        links
    }

    /// Clusters of one list: `result[i]` is the position of the first record of
    /// record `i`'s cluster. Links are taken strongest first. Two clusters merge only
    /// when no pair across them conflicts on date of birth or sex and no pair across
    /// them scores far below the threshold, so a chain of links through an incomplete
    /// record cannot merge different people.
    pub fn dedupe(&self, records: &[Record], threshold: f64) -> Vec<usize> {
        self.dedupe_prepared(&PreparedList::new(records), threshold)
    }

    /// [`Matcher::dedupe`] on a list already prepared.
    pub fn dedupe_prepared(&self, list: &PreparedList, threshold: f64) -> Vec<usize> {
        let prepared = &list.records;
        let mut links = self.duplicate_links_prepared(prepared, threshold);
        links.sort_by(|a, b| {
            b.scored
                .probability
                .total_cmp(&a.scored.probability)
                .then(a.left.cmp(&b.left))
                .then(a.right.cmp(&b.right))
        });
        let threshold_weight = weight_of(threshold);
        let compatible = |x: usize, y: usize| -> bool {
            let (a, b) = (&prepared[x], &prepared[y]);
            if let (Some(da), Some(db)) = (&a.date_of_birth, &b.date_of_birth) {
                if dates_conflict(da, db) {
                    return false;
                }
            }
            if matches!((a.sex, b.sex), (Some(sa), Some(sb)) if sa != sb) {
                return false;
            }
            self.comparison_weight(&compare(a, b)) >= threshold_weight - CHAIN_MARGIN_BITS
        };
        let mut clusters = Clusters::new(prepared.len());
        for link in &links {
            clusters.try_union(link.left, link.right, compatible);
        }
        (0..prepared.len())
            .map(|i| clusters.first_member(i))
            .collect()
    }
}

/// A member of a merged cluster may score this many bits below the threshold against
/// another member (they are joined through a third record), but not more.
const CHAIN_MARGIN_BITS: f64 = 8.0;

/// Merging clusters whose cross pairs exceed this is refused: one person listed
/// dozens of times is far less likely than a runaway chain.
const MAX_CROSS_PAIRS: usize = 2_500;

/// Union–find whose roots keep their members.
struct Clusters {
    parent: Vec<usize>,
    members: Vec<Vec<usize>>,
}

impl Clusters {
    fn new(len: usize) -> Clusters {
        Clusters {
            parent: (0..len).collect(),
            members: (0..len).map(|i| vec![i]).collect(),
        }
    }

    fn root(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn try_union(&mut self, a: usize, b: usize, compatible: impl Fn(usize, usize) -> bool) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return true;
        }
        if self.members[ra].len() * self.members[rb].len() > MAX_CROSS_PAIRS {
            return false;
        }
        let fits = self.members[ra]
            .iter()
            .all(|&x| self.members[rb].iter().all(|&y| compatible(x, y)));
        if !fits {
            return false;
        }
        let (keep, merge) = if self.members[ra].len() >= self.members[rb].len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[merge] = keep;
        let moved = std::mem::take(&mut self.members[merge]);
        self.members[keep].extend(moved);
        true
    }

    fn first_member(&mut self, x: usize) -> usize {
        let root = self.root(x);
        self.members[root].iter().copied().min().unwrap_or(x)
    }
}

/// An in-memory index of records for incremental use: insert records one by one and
/// find the best matches of a new record by any spelling.
#[derive(Debug)]
pub struct Index {
    matcher: Matcher,
    ids: Vec<String>,
    records: Vec<Prepared>,
    blocks: Blocks,
    /// Candidates examined per query at most, taken from the rarest keys first.
    pub max_candidates: usize,
}

impl Index {
    pub fn new(matcher: Matcher) -> Index {
        Index {
            matcher,
            ids: Vec::new(),
            records: Vec::new(),
            blocks: Blocks::default(),
            max_candidates: 200,
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn insert(&mut self, record: &Record) {
        let prepared = Prepared::new(record);
        let position = self.records.len() as u32;
        self.blocks.insert(position, &prepared);
        self.ids.push(record.id.clone());
        self.records.push(prepared);
    }

    /// The `k` best-scoring indexed records for `record`, best first (ties by
    /// insertion order).
    pub fn query(&self, record: &Record, k: usize) -> Vec<(String, Scored)> {
        let prepared = Prepared::new(record);
        let mut buckets: Vec<&Vec<u32>> = blocking_keys(&prepared)
            .into_iter()
            .filter_map(|key| self.blocks.buckets.get(&key))
            .collect();
        buckets.sort_by_key(|b| b.len());
        let mut candidates: Vec<u32> = Vec::new();
        for bucket in buckets {
            if candidates.len() >= self.max_candidates {
                break;
            }
            let room = self.max_candidates - candidates.len();
            candidates.extend(bucket.iter().take(room));
        }
        candidates.sort_unstable();
        candidates.dedup();
        // Weights first; the explanation is built for the k best only.
        let mut weighted: Vec<(u32, f64)> = candidates
            .into_iter()
            .map(|j| {
                let comparison = compare(&prepared, &self.records[j as usize]);
                (j, self.matcher.comparison_weight(&comparison))
            })
            .collect();
        weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        weighted.truncate(k);
        weighted
            .into_iter()
            .map(|(j, _)| {
                let scored = self
                    .matcher
                    .score_prepared(&prepared, &self.records[j as usize]);
                (self.ids[j as usize].clone(), scored)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn born(date: &str) -> Prepared {
        Prepared::new(&Record {
            id: date.into(),
            family_name: Some("Шевченко".into()),
            given_name: Some("Олександр".into()),
            date_of_birth: crate::record::parse_date(date).ok(),
            ..Record::default()
        })
    }

    #[test]
    fn pairs_sharing_a_value_keep_list_order_and_skip_partial_values() {
        let left = [born("1990-01-02"), born("1990"), born("1985-05-05")];
        let right = [
            born("1985-05-05"),
            born("1990-01-02"),
            born("1970-07-07"),
            born("1990-01-02"),
        ];
        let mut rng = SplitMix64::new(1);
        let pairs = pairs_sharing(&left, &right, false, full_date_value, 100, &mut rng);
        assert_eq!(pairs, [(0, 1), (0, 3), (2, 0)]);
        // Within one list, each pair once and never a record with itself.
        let pairs = pairs_sharing(&right, &right, true, full_date_value, 100, &mut rng);
        assert_eq!(pairs, [(1, 3)]);
        // Both names in either order are one value.
        let swapped = Prepared::new(&Record {
            id: "s".into(),
            family_name: Some("Олександр".into()),
            given_name: Some("Шевченко".into()),
            ..Record::default()
        });
        assert_eq!(both_names_value(&swapped), both_names_value(&left[0]));
        assert_ne!(both_names_value(&swapped), None);
    }
}
