//! Exact solver for balance by count: a min-cost circulation over the sides of the agreement.
//!
//! With balance by count every counted move from side `h` to side `o` weighs the same on the
//! balance, so within an ordered pair `(h, o)` the best `f` moves are the first `f` candidates
//! sorted by (demanded, days in captivity). The profit of a pair is therefore concave in `f`,
//! and the whole problem is a circulation on a graph with one node per side (plus a slack node
//! `Z` whose arcs carry each side's tolerated imbalance) with convex piecewise-linear costs.
//!
//! We solve it by "saturate, then repair": start with every candidate of positive profit moved
//! (optimal for its imbalances, because every residual arc then costs ≥ 0), and send the
//! excesses back with successive shortest paths. The lexicographic objective (demanded, value,
//! days) is one exact integer in `i128`: `S · (demanded · W1 + W2 + days)` with weights `W1`,
//! `W2` larger than anything the lower levels can sum to, so no level can buy a higher one. The
//! graph has a handful of nodes, so Dijkstra runs on a dense matrix; only the marginal arc of
//! each pair is looked at, since moves are always taken as a prefix.
//!
//! `max_total` is a side constraint, carried by Lagrangian relaxation ([`solve`]): every
//! counted move pays a penalty `λ ≥ 0`, and `λ` is searched so that the penalised optimum moves
//! exactly `max_total`. The scale `S` is twice the least common multiple of 1..=sides, so every
//! value of `λ` where the optimal number of moves changes (a cycle of the residual graph whose
//! cost is zero) is an even integer: at odd `λ` the number of moves is the same for every
//! optimum and the search is exact. Between the last odd `λ` that moves too many and the first
//! that moves few enough, both plans are optimal at the even `λ` between them, and so is every
//! plan on the way from one to the other along the cycles of their difference; one of these
//! that moves exactly `max_total` is optimal under the cap (Lagrangian sufficiency). When there
//! is none (a duality gap: say the difference is two cycles of three moves and the cap is two
//! moves away), a small branch and bound on the number of moves of one pair closes the gap,
//! pruning with the Lagrangian bound; if it grows too large the caller falls back to the integer
//! program.

use crate::planner::Candidate;

/// Lexicographic profit (demanded, value, days) as one exact integer; see the module docs.
type Cost = i128;

/// Circulations solved (a few per branch-and-bound node) before leaving a capped plan to the
/// integer program: over ten times what any gap met in tests and benchmarks needed (at most 347,
/// at 1,000,000 prisoners), and a bound on the time lost when a gap is hard (a circulation takes
/// about 1 ms at 1,000,000 prisoners once the candidates are sorted).
const SOLVE_LIMIT: usize = 5000;

/// The candidates moving from one side to another, best first.
struct Pair {
    /// Candidate indices sorted by profit, best first.
    order: Vec<u32>,
    /// Profit of each entry of `order` (non-increasing).
    profit: Vec<Cost>,
    /// For each position, where its run of equal profit starts and ends.
    run_start: Vec<u32>,
    run_end: Vec<u32>,
}

/// Which residual arc a step of a path uses.
#[derive(Clone, Copy)]
enum Arc {
    /// Move again candidates of pair `(u, v)` that are not moved.
    Retake,
    /// Undo moves of pair `(v, u)`.
    Undo,
    /// Side `u` sends to the slack node.
    ToSlack,
    /// The slack node sends to side `v`.
    FromSlack,
    /// From the super source, or into the super sink.
    Terminal,
}

/// The candidates grouped by ordered pair of sides, sorted once; solved for any penalty.
struct Network {
    sides: usize,
    tolerance: i64,
    pairs: Vec<Pair>,
    /// The common factor `S` of all profits.
    scale: Cost,
    /// A penalty above which the fewest possible moves are made.
    max_penalty: Cost,
}

/// What the Lagrangian relaxation says about the capped problem within some bounds.
enum Relaxed {
    /// No balanced choice within the bounds moves few enough.
    Infeasible,
    /// An optimum within the bounds.
    Solved(Vec<usize>),
    /// Optima at penalty `λ` that move more (`over`) and fewer (`under`) than the cap; no choice
    /// within the bounds has a profit above `bound`.
    Gap {
        over: Vec<usize>,
        under: Vec<usize>,
        bound: Cost,
    },
}

/// Least common multiple of 1..=n, if it stays small.
fn lcm_up_to(n: usize) -> Option<i128> {
    let gcd = |mut a: i128, mut b: i128| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    (1..=n as i128).try_fold(1i128, |l, k| {
        let next = l / gcd(l, k) * k;
        (next < 1 << 40).then_some(next)
    })
}

fn total(taken: &[usize]) -> i64 {
    taken.iter().sum::<usize>() as i64
}

impl Network {
    /// Groups and sorts the candidates; `None` when the exact integer weights would not fit.
    /// `penalised`: whether penalties on the moves will be used (they need the scale `S`).
    fn new(
        sides: usize,
        candidates: &[Candidate],
        tolerance: u64,
        penalised: bool,
    ) -> Option<Network> {
        // Keep every sum well inside i64: tolerance beyond the number of candidates changes
        // nothing.
        let tolerance = tolerance.min(candidates.len() as u64) as i64;
        let n = candidates.len() as i128;
        let total_days: i128 = candidates.iter().map(|c| i128::from(c.days)).sum();
        // Weights: W2 above any sum of days, W1 above any sum of value·W2 + days.
        let w2 = total_days + 1;
        let w1 = w2.checked_mul(n + 1)?;
        let scale = if penalised {
            2 * lcm_up_to(sides.max(1))?
        } else {
            1
        };
        let max_profit = scale.checked_mul(w1.checked_add(w2)?.checked_add(total_days)?)?;
        let max_penalty = max_profit.checked_mul(sides as i128 + 2)? | 1;
        // Sums over all candidates, penalties and potentials stay far below i128::MAX.
        max_penalty.checked_mul(4 * (n + 2) * (sides as i128 + 3))?;
        let profit_of = |c: u32| -> Cost {
            let candidate = &candidates[c as usize];
            scale * (i128::from(candidate.demanded) * w1 + w2 + i128::from(candidate.days))
        };
        let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); sides * sides];
        for (c, candidate) in candidates.iter().enumerate() {
            buckets[candidate.holder() * sides + candidate.origin()].push(c as u32);
        }
        let pairs: Vec<Pair> = buckets
            .into_iter()
            .map(|mut order| {
                // Best first: demanded, then longest in captivity, then scenario order, packed
                // into one integer per candidate (days < 2^31 since years have four digits) so
                // that sorting a million candidates is cheap.
                let mut keys: Vec<u64> = order
                    .iter()
                    .map(|&c| {
                        let candidate = &candidates[c as usize];
                        (u64::from(!candidate.demanded) << 63)
                            | ((0x7fff_ffff - candidate.days()) << 32)
                            | u64::from(c)
                    })
                    .collect();
                keys.sort_unstable();
                order = keys.iter().map(|&k| k as u32).collect();
                let profit: Vec<Cost> = order.iter().map(|&c| profit_of(c)).collect();
                let count = order.len();
                let mut run_start = vec![0u32; count];
                let mut run_end = vec![0u32; count];
                let mut i = 0;
                while i < count {
                    let mut j = i;
                    while j < count && profit[j] == profit[i] {
                        j += 1;
                    }
                    for k in i..j {
                        run_start[k] = i as u32;
                        run_end[k] = j as u32;
                    }
                    i = j;
                }
                Pair {
                    order,
                    profit,
                    run_start,
                    run_end,
                }
            })
            .collect();
        Some(Network {
            sides,
            tolerance,
            pairs,
            scale,
            max_penalty,
        })
    }

    fn full_bounds(&self) -> Vec<(usize, usize)> {
        self.pairs.iter().map(|p| (0, p.order.len())).collect()
    }

    fn profit(&self, taken: &[usize]) -> Cost {
        self.pairs
            .iter()
            .zip(taken)
            .map(|(pair, &t)| pair.profit[..t].iter().sum::<Cost>())
            .sum()
    }

    /// Maximises total (profit − penalty) over balanced choices that move, from each pair, a
    /// number within its bounds; returns how many of each pair move (always a prefix of the
    /// pair's order), or `None` if no balanced choice keeps the bounds.
    fn optimum(&self, penalty: Cost, bounds: &[(usize, usize)]) -> Option<Vec<usize>> {
        let sides = self.sides;
        let tolerance = self.tolerance;
        let pairs = &self.pairs;
        // Start with every candidate of positive penalised profit moved, within the bounds:
        // every residual arc then costs ≥ 0, so this is optimal for its own imbalances.
        let mut taken: Vec<usize> = pairs
            .iter()
            .zip(bounds)
            .map(|(pair, &(low, high))| {
                pair.profit
                    .partition_point(|&p| p > penalty)
                    .clamp(low, high)
            })
            .collect();

        // Nodes: sides, then the slack node, the super source and the super sink.
        let slack = sides;
        let source = sides + 1;
        let sink = sides + 2;
        let nodes = sides + 3;
        // excess[u] = what flows into u minus what flows out, to be brought to zero.
        let mut excess = vec![0i64; sides + 1];
        for h in 0..sides {
            for o in 0..sides {
                let moved = taken[h * sides + o] as i64;
                excess[o] += moved;
                excess[h] -= moved;
            }
        }
        // to_slack[u]: net flow from side u to the slack node, within [-tolerance, tolerance].
        let mut to_slack = vec![0i64; sides];
        let mut potential = vec![0 as Cost; nodes];

        // The cheapest residual arc u -> v: (cost, capacity, kind).
        let arc = |taken: &[usize],
                   excess: &[i64],
                   to_slack: &[i64],
                   u: usize,
                   v: usize|
         -> Option<(Cost, i64, Arc)> {
            if u == v || v == source || u == sink {
                return None;
            }
            if u == source {
                return (v <= slack && excess[v] > 0).then(|| (0, excess[v], Arc::Terminal));
            }
            if v == sink {
                return (excess[u] < 0).then(|| (0, -excess[u], Arc::Terminal));
            }
            if v == slack {
                let capacity = tolerance - to_slack[u];
                return (capacity > 0).then_some((0, capacity, Arc::ToSlack));
            }
            if u == slack {
                let capacity = tolerance + to_slack[v];
                return (capacity > 0).then_some((0, capacity, Arc::FromSlack));
            }
            let mut best: Option<(Cost, i64, Arc)> = None;
            let forward = &pairs[u * sides + v];
            let t = taken[u * sides + v];
            let high = bounds[u * sides + v].1;
            if t < high {
                best = Some((
                    penalty - forward.profit[t],
                    (forward.run_end[t] as usize).min(high) as i64 - t as i64,
                    Arc::Retake,
                ));
            }
            let backward = &pairs[v * sides + u];
            let t = taken[v * sides + u];
            let low = bounds[v * sides + u].0;
            if t > low {
                let candidate = (
                    backward.profit[t - 1] - penalty,
                    t as i64 - (backward.run_start[t - 1] as usize).max(low) as i64,
                    Arc::Undo,
                );
                if best.is_none_or(|b| candidate.0 < b.0) {
                    best = Some(candidate);
                }
            }
            best
        };

        let mut dist: Vec<Option<Cost>> = vec![None; nodes];
        let mut parent = vec![usize::MAX; nodes];
        let mut done = vec![false; nodes];
        let mut path = Vec::new();
        let mut steps: Vec<(usize, usize, i64, Arc)> = Vec::new();
        while excess.iter().any(|&e| e > 0) {
            // Dijkstra on reduced costs, dense: the graph has few nodes and at most one arc per
            // pair.
            dist.iter_mut().for_each(|d| *d = None);
            done.iter_mut().for_each(|d| *d = false);
            dist[source] = Some(0);
            loop {
                let mut next: Option<usize> = None;
                for u in 0..nodes {
                    if !done[u] {
                        if let Some(du) = dist[u] {
                            if next.is_none_or(|n| du < dist[n].unwrap_or(du)) {
                                next = Some(u);
                            }
                        }
                    }
                }
                let Some(u) = next else { break };
                done[u] = true;
                if u == sink {
                    continue;
                }
                let du = dist[u].unwrap_or(0);
                for v in 0..nodes {
                    if done[v] {
                        continue;
                    }
                    if let Some((cost, _, _)) = arc(&taken, &excess, &to_slack, u, v) {
                        let candidate = du + cost + potential[u] - potential[v];
                        if dist[v].is_none_or(|dv| candidate < dv) {
                            dist[v] = Some(candidate);
                            parent[v] = u;
                        }
                    }
                }
            }
            // No repair path: the bounds admit no balanced choice. (Without bounds there is
            // always one: undoing every move is balanced.)
            dist[sink]?;
            let reach_max = dist.iter().flatten().copied().max().unwrap_or(0);
            for u in 0..nodes {
                potential[u] += dist[u].unwrap_or(reach_max);
            }

            // Read every arc before changing anything, then push the bottleneck along the path.
            path.clear();
            let mut v = sink;
            while v != source {
                let u = parent[v];
                path.push((u, v));
                v = u;
            }
            steps.clear();
            steps.extend(path.iter().rev().map(|&(u, v)| {
                let (_, capacity, kind) =
                    arc(&taken, &excess, &to_slack, u, v).unwrap_or((0, 0, Arc::Terminal));
                (u, v, capacity, kind)
            }));
            let amount = steps.iter().map(|step| step.2).min().unwrap_or(0);
            if amount <= 0 {
                debug_assert!(false, "empty repair path");
                return None;
            }
            for &(u, v, _, kind) in &steps {
                match kind {
                    Arc::Retake => taken[u * sides + v] += amount as usize,
                    Arc::Undo => taken[v * sides + u] -= amount as usize,
                    Arc::ToSlack => to_slack[u] += amount,
                    Arc::FromSlack => to_slack[v] -= amount,
                    Arc::Terminal => {
                        if u == source {
                            excess[v] -= amount;
                        } else {
                            excess[u] += amount;
                        }
                    }
                }
            }
        }
        Some(taken)
    }

    /// Whether a choice keeps every side within the tolerance and every pair within bounds.
    fn feasible(&self, taken: &[usize], bounds: &[(usize, usize)]) -> bool {
        let sides = self.sides;
        let mut net = vec![0i64; sides];
        for h in 0..sides {
            for o in 0..sides {
                net[h] += taken[h * sides + o] as i64;
                net[o] -= taken[h * sides + o] as i64;
            }
        }
        net.iter().all(|d| d.abs() <= self.tolerance)
            && taken
                .iter()
                .zip(bounds)
                .all(|(&t, &(low, high))| low <= t && t <= high)
    }

    fn chosen(&self, taken: &[usize], candidates: usize) -> Vec<bool> {
        let mut chosen = vec![false; candidates];
        for (pair, &t) in self.pairs.iter().zip(taken) {
            for &c in &pair.order[..t] {
                chosen[c as usize] = true;
            }
        }
        chosen
    }

    /// Lagrangian relaxation of "at most `cap` moves" within `bounds`.
    fn relax(&self, bounds: &[(usize, usize)], cap: i64, solves: &mut usize) -> Relaxed {
        // Penalty 1 lies between the breakpoints 0 and 2: its optimum is optimal without a
        // penalty, and moves the fewest of all such optima.
        *solves += 2;
        let Some(at_one) = self.optimum(1, bounds) else {
            return Relaxed::Infeasible;
        };
        if total(&at_one) <= cap {
            return Relaxed::Solved(at_one);
        }
        let (mut lo, mut hi) = (1 as Cost, self.max_penalty);
        let Some(mut under) = self.optimum(hi, bounds) else {
            return Relaxed::Infeasible;
        };
        if total(&under) > cap {
            return Relaxed::Infeasible;
        }
        let mut over = at_one;
        let mut bisect = false;
        while hi - lo > 2 {
            // Where the lines of the two optima (profit − penalty · moves) cross is where the
            // dual function has its minimum when no other optimum lies between them: try the
            // odd penalty just below it (a cutting-plane step), and bisect after a step that
            // did not halve the interval, so the search never takes more than twice the steps
            // of plain bisection.
            let width = hi - lo;
            let mid = if bisect {
                lo + 2 * (width / 4)
            } else {
                let (p_over, p_under) = (self.profit(&over), self.profit(&under));
                let cross = (p_over - p_under).div_euclid(Cost::from(total(&over) - total(&under)));
                let odd = if cross.rem_euclid(2) == 0 {
                    cross - 1
                } else {
                    cross
                };
                odd.clamp(lo + 2, hi - 2)
            };
            *solves += 1;
            let Some(taken) = self.optimum(mid, bounds) else {
                return Relaxed::Infeasible;
            };
            let moved = total(&taken);
            if moved == cap {
                // Optimal for a penalty ≥ 0 and moving exactly the cap.
                return Relaxed::Solved(taken);
            }
            if moved > cap {
                lo = mid;
                over = taken;
            } else {
                hi = mid;
                under = taken;
            }
            bisect = !bisect && 2 * (hi - lo) > width;
        }
        let penalty = lo + 1;
        let bound = self.profit(&under) - penalty * (total(&under) as Cost - cap as Cost);
        Relaxed::Gap { over, under, bound }
    }
}

/// Chooses the counted moves for balance by count, with at most `max_total` of them. Returns,
/// for every candidate, whether it moves; exact for the lexicographic objective. `None` when a
/// binding cap would need too large a branch and bound, or the exact weights would overflow (far
/// beyond any real scenario): the caller then solves the integer program.
pub fn solve(
    sides: usize,
    candidates: &[Candidate],
    tolerance: u64,
    max_total: Option<u64>,
) -> Option<Vec<bool>> {
    let network = Network::new(sides, candidates, tolerance, max_total.is_some())?;
    let taken = network.optimum(0, &network.full_bounds())?;
    match max_total {
        // The uncapped optimum is also optimal under any cap it respects.
        Some(cap) if total(&taken) as u64 > cap => {
            let taken = network.capped(cap)?;
            Some(network.chosen(&taken, candidates.len()))
        }
        _ => Some(network.chosen(&taken, candidates.len())),
    }
}

impl Network {
    /// The best choice with at most `cap` moves, by branch and bound over the Lagrangian
    /// relaxation; `None` past [`SOLVE_LIMIT`] circulations.
    fn capped(&self, cap: u64) -> Option<Vec<usize>> {
        let network = self;
        let cap = i64::try_from(cap).ok()?;
        let mut best: Option<(Cost, Vec<usize>)> = None;
        let keep = |taken: Vec<usize>, best: &mut Option<(Cost, Vec<usize>)>| {
            let profit = network.profit(&taken);
            if best.as_ref().is_none_or(|b| profit > b.0) {
                *best = Some((profit, taken));
            }
        };
        let mut stack = vec![network.full_bounds()];
        let mut solves = 0;
        while let Some(bounds) = stack.pop() {
            if solves > SOLVE_LIMIT {
                return None;
            }
            let (over, under, bound) = match network.relax(&bounds, cap, &mut solves) {
                Relaxed::Infeasible => continue,
                Relaxed::Solved(taken) => {
                    keep(taken, &mut best);
                    continue;
                }
                Relaxed::Gap { over, under, bound } => (over, under, bound),
            };
            keep(under.clone(), &mut best);
            // Profits are multiples of the scale: prune when nothing here can beat the best by one.
            if best.as_ref().is_some_and(|b| bound < b.0 + network.scale) {
                continue;
            }
            if let Some(taken) = walk(self.sides, &under, &over, cap) {
                if network.feasible(&taken, &bounds) && total(&taken) == cap {
                    // Optimal at the penalty with exactly the cap: its profit is the bound.
                    keep(taken, &mut best);
                    continue;
                }
            }
            // Branch on a pair that the relaxation's optimum (the mix of `under` and `over` that
            // moves exactly `cap`) takes a fractional number of.
            let (t_under, t_over) = (total(&under), total(&over));
            let span = t_over - t_under;
            let mix = |p: usize| -> (i64, i64) {
                let numerator =
                    under[p] as i64 * span + (cap - t_under) * (over[p] as i64 - under[p] as i64);
                (numerator.div_euclid(span), numerator.rem_euclid(span))
            };
            match (0..under.len()).find(|&p| mix(p).1 != 0) {
                Some(p) => {
                    let floor = mix(p).0 as usize;
                    let mut down = bounds.clone();
                    down[p].1 = floor;
                    let mut up = bounds;
                    up[p].0 = floor + 1;
                    stack.push(up);
                    stack.push(down);
                }
                None => {
                    // The mix is integral, balanced and optimal at the penalty.
                    let taken: Vec<usize> = (0..under.len()).map(|p| mix(p).0 as usize).collect();
                    if network.feasible(&taken, &bounds) && total(&taken) == cap {
                        keep(taken, &mut best);
                    } else {
                        return None;
                    }
                }
            }
        }
        best.map(|(_, taken)| taken)
    }
}

/// One arc of the difference between two choices: pair `pair` (or the slack arc of a side when
/// `pair` is `None`) carrying `amount` units from `from` to `to`; `step` is +1 when going along
/// it moves one more candidate of the pair, −1 when it moves one fewer, 0 for slack.
struct DiffArc {
    from: usize,
    to: usize,
    amount: i64,
    pair: Option<usize>,
    step: i64,
}

/// Decomposes `target − start` (a circulation over sides and slack) into cycles, each of which
/// keeps every intermediate choice between the two, and applies whole units of them so that the
/// number of moves goes from `total(start) < cap` to exactly `cap`. `None` if no combination
/// found does.
fn walk(sides: usize, start: &[usize], target: &[usize], cap: i64) -> Option<Vec<usize>> {
    let slack = sides;
    let mut arcs: Vec<DiffArc> = Vec::new();
    let mut net = vec![0i64; sides];
    for h in 0..sides {
        for o in 0..sides {
            let p = h * sides + o;
            let d = target[p] as i64 - start[p] as i64;
            net[h] += d;
            net[o] -= d;
            if d > 0 {
                arcs.push(DiffArc {
                    from: h,
                    to: o,
                    amount: d,
                    pair: Some(p),
                    step: 1,
                });
            } else if d < 0 {
                arcs.push(DiffArc {
                    from: o,
                    to: h,
                    amount: -d,
                    pair: Some(p),
                    step: -1,
                });
            }
        }
    }
    // What a side sends out along pairs beyond what it receives comes back through the slack.
    for (u, &d) in net.iter().enumerate() {
        if d > 0 {
            arcs.push(DiffArc {
                from: slack,
                to: u,
                amount: d,
                pair: None,
                step: 0,
            });
        } else if d < 0 {
            arcs.push(DiffArc {
                from: u,
                to: slack,
                amount: -d,
                pair: None,
                step: 0,
            });
        }
    }
    // Cycles: (arc indices, multiplicity, change in the number of moves per unit).
    let mut cycles: Vec<(Vec<usize>, i64, i64)> = Vec::new();
    while let Some(first) = arcs.iter().position(|a| a.amount > 0) {
        let mut trail = vec![first];
        let mut seen_at = vec![usize::MAX; sides + 1];
        seen_at[arcs[first].from] = 0;
        let cycle = loop {
            let node = arcs[*trail.last()?].to;
            if seen_at[node] != usize::MAX {
                break trail[seen_at[node]..].to_vec();
            }
            seen_at[node] = trail.len();
            let next = arcs.iter().position(|a| a.amount > 0 && a.from == node)?;
            trail.push(next);
        };
        let units = cycle.iter().map(|&a| arcs[a].amount).min()?;
        for &a in &cycle {
            arcs[a].amount -= units;
        }
        let change = cycle.iter().map(|&a| arcs[a].step).sum();
        cycles.push((cycle, units, change));
    }

    // Pick units: the cycles that lower the count in full, then those that raise it, largest
    // change first, as long as they fit.
    let mut moved = total(start);
    let mut use_units = vec![0i64; cycles.len()];
    for (k, cycle) in cycles.iter().enumerate() {
        if cycle.2 < 0 {
            use_units[k] = cycle.1;
            moved += cycle.1 * cycle.2;
        }
    }
    let mut raising: Vec<usize> = (0..cycles.len()).filter(|&k| cycles[k].2 > 0).collect();
    raising.sort_by_key(|&k| std::cmp::Reverse(cycles[k].2));
    for &k in &raising {
        let units = ((cap - moved) / cycles[k].2).clamp(0, cycles[k].1);
        use_units[k] = units;
        moved += units * cycles[k].2;
    }
    if moved != cap {
        // Close the small remainder by changing each cycle's units by a few (a knapsack over
        // small sums: the greedy leaves less than one cycle's change, at most `sides`).
        let bound = sides as i64 + 1;
        let range = bound * bound * 2;
        let width = (2 * range + 1) as usize;
        let need = cap - moved;
        if need.abs() > range {
            return None;
        }
        // choice[k][s]: the change of cycle k's units that first reached sum s (offset by range).
        let mut reach = vec![false; width];
        reach[range as usize] = true;
        let mut choice: Vec<Vec<i64>> = Vec::with_capacity(cycles.len());
        for (k, cycle) in cycles.iter().enumerate() {
            let low = (-use_units[k]).max(-bound);
            let high = (cycle.1 - use_units[k]).min(bound);
            let mut next = vec![false; width];
            let mut pick = vec![0i64; width];
            for s in (0..width).filter(|&s| reach[s]) {
                for delta in low..=high {
                    let t = s as i64 + delta * cycle.2;
                    if (0..width as i64).contains(&t) && !next[t as usize] {
                        next[t as usize] = true;
                        pick[t as usize] = delta;
                    }
                }
            }
            reach = next;
            choice.push(pick);
        }
        let mut s = range + need;
        if !reach[s as usize] {
            return None;
        }
        for k in (0..cycles.len()).rev() {
            let delta = choice[k][s as usize];
            use_units[k] += delta;
            s -= delta * cycles[k].2;
        }
        moved = cap;
    }
    debug_assert_eq!(moved, cap);
    let mut taken: Vec<i64> = start.iter().map(|&t| t as i64).collect();
    for ((cycle, _, _), &units) in cycles.iter().zip(&use_units) {
        for &a in cycle {
            if let Some(p) = arcs[a].pair {
                taken[p] += arcs[a].step * units;
            }
        }
    }
    taken
        .iter()
        .map(|&t| usize::try_from(t).ok())
        .collect::<Option<Vec<usize>>>()
}
