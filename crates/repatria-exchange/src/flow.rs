//! Exact solver for balance by count: a min-cost circulation over the sides of the agreement.
//!
//! With balance by count every counted move from side `h` to side `o` weighs the same on the
//! balance, so within an ordered pair `(h, o)` the best `f` moves are the first `f` candidates
//! sorted by (demanded, days in captivity). The profit of a pair is therefore concave in `f`,
//! and the whole problem is a circulation on a graph with one node per side (plus a slack node
//! `Z` whose arcs carry each side's tolerated imbalance) with convex piecewise-linear costs.
//!
//! We solve it by "saturate, then repair": start with every candidate moved (optimal for its
//! imbalances, because every residual arc then costs ≥ 0), and send the excesses back with
//! successive shortest paths. Costs are lexicographic triples (demanded, value, days), compared
//! and added exactly in integers, so the three objective levels need no weights that could
//! overflow. The graph has a handful of nodes, so Dijkstra runs on a dense matrix; only the
//! marginal arc of each pair is looked at, since moves are always taken as a prefix.
//!
//! `max_total` is a side constraint this network cannot express; the caller falls back to the
//! integer program when the uncapped optimum exceeds it.

use crate::planner::Candidate;

/// Lexicographic cost: (demanded, value, days). Ordered and added componentwise.
type Cost = [i64; 3];

fn add(a: Cost, b: Cost) -> Cost {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn sub(a: Cost, b: Cost) -> Cost {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn neg(a: Cost) -> Cost {
    [-a[0], -a[1], -a[2]]
}

/// The candidates moving from one side to another, best first.
struct Pair {
    /// Candidate indices sorted by profit, best first.
    order: Vec<u32>,
    /// Profit of each entry of `order`.
    profit: Vec<Cost>,
    /// For each position, where its run of equal profit starts and ends.
    run_start: Vec<u32>,
    run_end: Vec<u32>,
    /// How many of `order` are moved (always a prefix).
    taken: usize,
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

/// Chooses the counted moves for balance by count without a cap. Returns, for every candidate,
/// whether it moves. Exact for the lexicographic objective.
pub fn solve(sides: usize, candidates: &[Candidate], tolerance: u64) -> Vec<bool> {
    // Keep every sum well inside i64: tolerance beyond the number of candidates changes nothing.
    let tolerance = tolerance.min(candidates.len() as u64) as i64;
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); sides * sides];
    for (c, candidate) in candidates.iter().enumerate() {
        buckets[candidate.holder_side * sides + candidate.origin_side].push(c as u32);
    }
    let profit_of = |c: u32| -> Cost {
        let candidate = &candidates[c as usize];
        [i64::from(candidate.demanded), 1, candidate.days as i64]
    };
    let mut pairs: Vec<Pair> = buckets
        .into_iter()
        .map(|mut order| {
            // Best first: demanded, then longest in captivity, then scenario order, packed into one
            // integer per candidate (days < 2^31 since years have four digits) so that sorting a
            // million candidates is cheap.
            let mut keys: Vec<u64> = order
                .iter()
                .map(|&c| {
                    let candidate = &candidates[c as usize];
                    (u64::from(!candidate.demanded) << 63)
                        | ((0x7fff_ffff - candidate.days) << 32)
                        | u64::from(c)
                })
                .collect();
            keys.sort_unstable();
            order = keys.iter().map(|&k| k as u32).collect();
            let profit: Vec<Cost> = order.iter().map(|&c| profit_of(c)).collect();
            let n = order.len();
            let mut run_start = vec![0u32; n];
            let mut run_end = vec![0u32; n];
            let mut i = 0;
            while i < n {
                let mut j = i;
                while j < n && profit[j] == profit[i] {
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
                taken: n,
            }
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
            let moved = pairs[h * sides + o].taken as i64;
            excess[o] += moved;
            excess[h] -= moved;
        }
    }
    // to_slack[u]: net flow from side u to the slack node, within [-tolerance, tolerance].
    let mut to_slack = vec![0i64; sides];
    let mut potential = vec![[0i64; 3]; nodes];

    // The cheapest residual arc u -> v: (cost, capacity, kind).
    let arc = |pairs: &[Pair],
               excess: &[i64],
               to_slack: &[i64],
               u: usize,
               v: usize|
     -> Option<(Cost, i64, Arc)> {
        if u == v || v == source || u == sink {
            return None;
        }
        if u == source {
            return (v <= slack && excess[v] > 0).then(|| ([0; 3], excess[v], Arc::Terminal));
        }
        if v == sink {
            return (excess[u] < 0).then(|| ([0; 3], -excess[u], Arc::Terminal));
        }
        if v == slack {
            let capacity = tolerance - to_slack[u];
            return (capacity > 0).then_some(([0; 3], capacity, Arc::ToSlack));
        }
        if u == slack {
            let capacity = tolerance + to_slack[v];
            return (capacity > 0).then_some(([0; 3], capacity, Arc::FromSlack));
        }
        let mut best: Option<(Cost, i64, Arc)> = None;
        let forward = &pairs[u * sides + v];
        if forward.taken < forward.order.len() {
            let t = forward.taken;
            best = Some((
                neg(forward.profit[t]),
                i64::from(forward.run_end[t]) - t as i64,
                Arc::Retake,
            ));
        }
        let backward = &pairs[v * sides + u];
        if backward.taken > 0 {
            let t = backward.taken - 1;
            let candidate = (
                backward.profit[t],
                backward.taken as i64 - i64::from(backward.run_start[t]),
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
    while excess.iter().any(|&e| e > 0) {
        // Dijkstra on reduced costs, dense: the graph has few nodes and at most one arc per pair.
        dist.iter_mut().for_each(|d| *d = None);
        done.iter_mut().for_each(|d| *d = false);
        dist[source] = Some([0; 3]);
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
            let du = dist[u].unwrap_or([0; 3]);
            for v in 0..nodes {
                if done[v] {
                    continue;
                }
                if let Some((cost, _, _)) = arc(&pairs, &excess, &to_slack, u, v) {
                    let reduced = sub(add(cost, potential[u]), potential[v]);
                    let candidate = add(du, reduced);
                    if dist[v].is_none_or(|dv| candidate < dv) {
                        dist[v] = Some(candidate);
                        parent[v] = u;
                    }
                }
            }
        }
        let Some(_) = dist[sink] else {
            // Unreachable: undoing every move is always balanced, so a repair path exists.
            debug_assert!(false, "no repair path");
            break;
        };
        let reach_max = dist.iter().flatten().copied().max().unwrap_or([0; 3]);
        for u in 0..nodes {
            potential[u] = add(potential[u], dist[u].unwrap_or(reach_max));
        }

        // Bottleneck along the path, then push.
        let mut path = Vec::new();
        let mut v = sink;
        while v != source {
            let u = parent[v];
            path.push((u, v));
            v = u;
        }
        // Read every arc before changing anything, then push the bottleneck along the path.
        let steps: Vec<(usize, usize, i64, Arc)> = path
            .iter()
            .rev()
            .map(|&(u, v)| {
                let (_, capacity, kind) =
                    arc(&pairs, &excess, &to_slack, u, v).unwrap_or(([0; 3], 0, Arc::Terminal));
                (u, v, capacity, kind)
            })
            .collect();
        let amount = steps.iter().map(|step| step.2).min().unwrap_or(0);
        debug_assert!(amount > 0);
        if amount <= 0 {
            break;
        }
        for (u, v, _, kind) in steps {
            match kind {
                Arc::Retake => pairs[u * sides + v].taken += amount as usize,
                Arc::Undo => pairs[v * sides + u].taken -= amount as usize,
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

    let mut chosen = vec![false; candidates.len()];
    for pair in &pairs {
        for &c in &pair.order[..pair.taken] {
            chosen[c as usize] = true;
        }
    }
    chosen
}
