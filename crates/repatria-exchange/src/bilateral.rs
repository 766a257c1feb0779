//! Exact solver for balance by value between two sides: a knapsack over values per direction.
//!
//! With two sides the balance ties only two numbers, the value `x` moved one way and `y` moved
//! the other: |x − y| ≤ tolerance. We start from "everybody moves" and decide what to leave
//! behind: `r` of value in one direction and `s` in the other. For each direction and each `r`,
//! the cheapest way to leave exactly `r` behind is a knapsack over the classes of that direction
//! (candidates of equal value and demanded flag; within a class the shortest in captivity stay
//! first). Its cost, lexicographic in (demanded left, value left, days left), is one exact
//! integer: `demanded · W1 + value · W2 + days` with `W2` above any sum of days and `W1` above any
//! sum of value·W2 + days. Adding a class is a min-plus convolution with the class's cost of
//! leaving `n` behind, which is convex in `n` (each further prisoner left has more days), so the
//! best `n` is monotone in `r` and a divide and conquer finds all of them in O(R log R) per
//! class. The best pair `(r, s)` within the tolerance is then a sliding-window minimum.
//!
//! Only values left behind up to a range `R` are tabulated. The answer is exact when it leaves
//! no demanded prisoner behind and at most `R` of value in all (a better plan would leave no
//! demanded prisoner and less value, so it lies in the range), or when `R` covers everything;
//! otherwise `R` grows fourfold. In practice `R` is about the difference between what the two
//! sides hold, and one round suffices.

use crate::planner::Candidate;

/// Exact lexicographic cost; see the module docs.
pub(crate) type Cost = i128;

/// Cost of a value that cannot be left behind exactly. Far above any real cost (those stay
/// below 2^110, checked when the weights are made), and far below overflow when costs are added.
pub(crate) const UNREACHABLE: Cost = 1 << 120;

/// Largest table: range × classes, each entry a cost per direction (16 bytes) and a count per
/// class (4 bytes). Beyond it the caller uses the integer program. 2^26 entries: 256 MiB of
/// counts; a million prisoners between two sides need a few million.
const MAX_ENTRIES: u64 = 1 << 26;

/// Candidates of one direction with equal value and demanded flag.
pub(crate) struct Class {
    pub(crate) value: u64,
    pub(crate) demanded: bool,
    /// Candidate indices, longest in captivity first (scenario order among equals).
    pub(crate) members: Vec<u32>,
    /// `left_days[n]`: days of the last `n` members, those left behind when `n` stay.
    left_days: Vec<u64>,
}

/// One direction of the exchange: its classes and the value it would move if everybody went.
pub(crate) struct Direction {
    pub(crate) classes: Vec<Class>,
    pub(crate) total_value: u64,
}

impl Direction {
    pub(crate) fn new(candidates: &[Candidate], indices: Vec<u32>) -> Direction {
        let mut indices = indices;
        indices.sort_unstable_by_key(|&c| {
            let candidate = &candidates[c as usize];
            (
                candidate.value,
                candidate.demanded,
                std::cmp::Reverse(candidate.days),
                c,
            )
        });
        let mut classes: Vec<Class> = Vec::new();
        let mut total_value = 0;
        for c in indices {
            let candidate = &candidates[c as usize];
            total_value += candidate.value();
            match classes.last_mut() {
                Some(class)
                    if class.value == candidate.value() && class.demanded == candidate.demanded =>
                {
                    class.members.push(c);
                }
                _ => classes.push(Class {
                    value: candidate.value(),
                    demanded: candidate.demanded,
                    members: vec![c],
                    left_days: Vec::new(),
                }),
            }
        }
        for class in &mut classes {
            class.left_days = std::iter::once(0)
                .chain(class.members.iter().rev().scan(0u64, |sum, &c| {
                    *sum += candidates[c as usize].days();
                    Some(*sum)
                }))
                .collect();
        }
        Direction {
            classes,
            total_value,
        }
    }

    /// For every value `r` in `0..=range`: the least cost of leaving exactly `r` behind, and per
    /// class, for each `r` reached after that class, how many of the class are left.
    pub(crate) fn leave_behind(
        &self,
        weights: Weights,
        range: usize,
    ) -> (Vec<Cost>, Vec<Vec<u32>>) {
        let mut cost = vec![UNREACHABLE; range + 1];
        cost[0] = 0;
        let mut next = vec![UNREACHABLE; range + 1];
        let mut left_of_class = Vec::with_capacity(self.classes.len());
        for class in &self.classes {
            let mut left = vec![0u32; range + 1];
            let value = class.value as usize;
            let per_prisoner =
                if class.demanded { weights.w1 } else { 0 } + weights.w2 * Cost::from(class.value);
            let class_cost = |n: usize| per_prisoner * n as Cost + Cost::from(class.left_days[n]);
            let convolution = Convolution {
                before: &cost,
                value,
                size: class.members.len(),
                class_cost: &class_cost,
            };
            for residue in 0..value.min(range + 1) {
                let positions = (range - residue) / value + 1;
                convolution.solve(
                    residue,
                    (0, positions - 1),
                    (0, positions - 1),
                    &mut next,
                    &mut left,
                );
            }
            std::mem::swap(&mut cost, &mut next);
            left_of_class.push(left);
        }
        (cost, left_of_class)
    }
}

/// `after[j] = min over i of before[i] + class_cost(j − i)` along one residue class of values
/// (`j` and `i` count steps of the class's value), for `0 ≤ j − i ≤ size`.
struct Convolution<'a, F: Fn(usize) -> Cost> {
    before: &'a [Cost],
    value: usize,
    size: usize,
    class_cost: &'a F,
}

impl<F: Fn(usize) -> Cost> Convolution<'_, F> {
    /// Rows `rows.0..=rows.1`, whose best `i` is known to lie in `from.0..=from.1`. Since the
    /// class cost is convex, the largest best `i` never decreases with `j` (the four-point
    /// inequality of a Monge array), so the middle row's best splits the search for the others;
    /// `before` takes any values, UNREACHABLE included, without breaking this.
    fn solve(
        &self,
        residue: usize,
        rows: (usize, usize),
        from: (usize, usize),
        after: &mut [Cost],
        left: &mut [u32],
    ) {
        let (first, last) = rows;
        let mid = first + (last - first) / 2;
        let low = from.0.max(mid.saturating_sub(self.size));
        let high = from.1.min(mid);
        let mut best = (Cost::MAX, low);
        for i in low..=high {
            let candidate = self.before[residue + i * self.value] + (self.class_cost)(mid - i);
            if candidate <= best.0 {
                best = (candidate, i);
            }
        }
        after[residue + mid * self.value] = best.0.min(UNREACHABLE);
        left[residue + mid * self.value] = (mid - best.1) as u32;
        if mid > first {
            self.solve(residue, (first, mid - 1), (from.0, best.1), after, left);
        }
        if mid < last {
            self.solve(residue, (mid + 1, last), (best.1, from.1), after, left);
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Weights {
    pub(crate) w1: Cost,
    pub(crate) w2: Cost,
}

/// Chooses the counted moves when every candidate goes between the same two sides, balancing by
/// value. Returns, per candidate, whether it moves; exact for the lexicographic objective. `None`
/// when the candidates span more than two sides, when the range needed is too large, or when the
/// optimum without the cap moves more than `max_total` (the caller then solves the integer
/// program).
pub fn solve(
    candidates: &[Candidate],
    tolerance: u64,
    max_total: Option<u64>,
) -> Option<Vec<bool>> {
    let first = candidates.first()?;
    let (a, b) = (first.holder_side, first.origin_side);
    let mut forward = Vec::new();
    let mut backward = Vec::new();
    for (c, candidate) in candidates.iter().enumerate() {
        match (candidate.holder_side, candidate.origin_side) {
            (h, o) if (h, o) == (a, b) => forward.push(c as u32),
            (h, o) if (h, o) == (b, a) => backward.push(c as u32),
            _ => return None,
        }
    }
    let forward = Direction::new(candidates, forward);
    let backward = Direction::new(candidates, backward);

    let total_days: Cost = candidates.iter().map(|c| Cost::from(c.days)).sum();
    let total_value = Cost::from(forward.total_value) + Cost::from(backward.total_value);
    let demanded = candidates.iter().filter(|c| c.demanded).count() as Cost;
    let w2 = total_days + 1;
    let w1 = w2.checked_mul(total_value + 1)?;
    // Every cost stays below 2^110, far below UNREACHABLE.
    if w1.checked_mul(demanded + 1)? >= 1 << 110 {
        return None;
    }
    let weights = Weights { w1, w2 };

    let largest = forward.total_value.max(backward.total_value);
    let difference = forward.total_value.abs_diff(backward.total_value);
    let largest_value = candidates.iter().map(Candidate::value).max().unwrap_or(1);
    let tolerance = tolerance.min(forward.total_value + backward.total_value);
    let mut range = difference
        .saturating_add(4 * largest_value)
        .saturating_add(64)
        .min(largest);
    let classes = (forward.classes.len() + backward.classes.len()) as u64;
    loop {
        if (range + 1).saturating_mul(classes + 2) > MAX_ENTRIES {
            return None;
        }
        let (forward_cost, forward_left) = forward.leave_behind(weights, range as usize);
        let (backward_cost, backward_left) = backward.leave_behind(weights, range as usize);
        let best = best_pair(
            &forward_cost,
            &backward_cost,
            forward.total_value as i64 - backward.total_value as i64,
            tolerance as i64,
        );
        if let Some((r, s)) = best {
            let forward_counts = counts(&forward, &forward_left, r);
            let backward_counts = counts(&backward, &backward_left, s);
            let demanded_left: u64 = [(&forward, &forward_counts), (&backward, &backward_counts)]
                .iter()
                .flat_map(|(direction, left)| {
                    direction
                        .classes
                        .iter()
                        .zip(left.iter())
                        .filter(|(class, _)| class.demanded)
                        .map(|(_, &n)| u64::from(n))
                })
                .sum();
            let exact = range >= largest || (demanded_left == 0 && (r + s) as u64 <= range);
            if exact {
                let mut chosen = vec![false; candidates.len()];
                let mut moved = 0u64;
                for (direction, left) in [(&forward, forward_counts), (&backward, backward_counts)]
                {
                    for (class, n) in direction.classes.iter().zip(left) {
                        let stays = class.members.len() - n as usize;
                        for &c in &class.members[..stays] {
                            chosen[c as usize] = true;
                        }
                        moved += stays as u64;
                    }
                }
                // The cap would need one more dimension: leave a binding one to the integer
                // program. An optimum that keeps the cap is optimal under it.
                if max_total.is_some_and(|cap| moved > cap) {
                    return None;
                }
                return Some(chosen);
            }
        }
        // Leaving everybody behind is always balanced, so at the full range there is an answer.
        range = range.saturating_mul(4).min(largest);
    }
}

/// The pair `(r, s)` of values left behind that keeps the balance (`|(difference − r) + s| ≤
/// tolerance`, where `difference` is what the forward direction holds beyond the backward one)
/// at the least cost `forward[r] + backward[s]`, both costs including `value · W2`.
fn best_pair(
    forward: &[Cost],
    backward: &[Cost],
    difference: i64,
    tolerance: i64,
) -> Option<(usize, usize)> {
    // For a given r, s must lie in [r − difference − tolerance, r − difference + tolerance]:
    // a window sliding right with r, whose minimum a monotone queue keeps.
    let mut window: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut next_s: i64 = 0;
    let mut best: Option<(Cost, usize, usize)> = None;
    for (r, &cost_r) in forward.iter().enumerate() {
        let low = r as i64 - difference - tolerance;
        let high = (r as i64 - difference + tolerance).min(backward.len() as i64 - 1);
        while next_s <= high {
            if next_s >= 0 {
                let s = next_s as usize;
                if backward[s] < UNREACHABLE {
                    while window.back().is_some_and(|&t| backward[t] >= backward[s]) {
                        window.pop_back();
                    }
                    window.push_back(s);
                }
            }
            next_s += 1;
        }
        while window.front().is_some_and(|&t| (t as i64) < low) {
            window.pop_front();
        }
        if cost_r >= UNREACHABLE {
            continue;
        }
        if let Some(&s) = window.front() {
            let total = cost_r + backward[s];
            if best.is_none_or(|(b, _, _)| total < b) {
                best = Some((total, r, s));
            }
        }
    }
    best.map(|(_, r, s)| (r, s))
}

/// How many of each class are left behind when `r` of value is, read back from the choices.
pub(crate) fn counts(direction: &Direction, left_of_class: &[Vec<u32>], r: usize) -> Vec<u32> {
    let mut r = r;
    let mut left = vec![0u32; direction.classes.len()];
    for (k, class) in direction.classes.iter().enumerate().rev() {
        left[k] = left_of_class[k][r];
        r -= left[k] as usize * class.value as usize;
    }
    debug_assert_eq!(r, 0);
    left
}
