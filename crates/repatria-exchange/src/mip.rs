//! Exact solver of last resort: a small integer program over counts of interchangeable
//! prisoners, for balance by value when the knapsack solvers (`bilateral`, `network`) give up (a
//! binding `max_total`, tables or a branching too large), and for balance by count under a
//! binding `max_total` when the circulation's branch and bound gives up.
//!
//! Candidates with the same holder side, origin side, value and demanded flag weigh the same on
//! every constraint and on the first two objective levels, so they form one class and the
//! decision is how many of each class move. Within a class the longest in captivity go first,
//! so the days gained by moving `n` of a class are the sum of its `n` largest, a concave
//! function `F(n)`. The lexicographic objective is solved in three stages, each fixing the
//! optimum of the previous one as a constraint, so no weights are needed and f64 never has to
//! hold a number the size of their product:
//!
//! 1. maximise the number of demanded prisoners moved;
//! 2. keeping that, maximise the total value moved;
//! 3. keeping both, maximise Σ F(n) over classes.
//!
//! Stage 3 models each `F` from above by tangent lines (`t ≤ F(m) + slope·(n − m)`), adding the
//! tangents at the solution, and on a ladder of distances around it, whenever `t` overestimates
//! `F(n)` there. Since `F` is the minimum of all its tangents, the loop ends with the exact
//! optimum, usually after a few rounds.
//!
//! A plan that stops short of the proof keeps the best solution found so far and says why
//! ([`NotOptimal`]): the time budget ran out (before a program started, or the solver stopped on
//! its time limit), stage 3 reached [`MAX_ROUNDS`], or the solver failed (an error, a stop of
//! its own before the proof, or an answer that breaks a rule when checked exactly).

use std::collections::HashMap;

#[cfg(feature = "highs")]
use good_lp::highs as solver;
#[cfg(not(feature = "highs"))]
use good_lp::microlp as solver;
use good_lp::{
    variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel,
    Variable, WithInitialSolution, WithMipGap, WithTimeLimit,
};

use crate::contract::NotOptimal;
use crate::planner::Candidate;

/// Interchangeable candidates: same sides, value and demanded flag.
struct Class {
    holder_side: usize,
    origin_side: usize,
    value: u64,
    demanded: bool,
    /// Candidate indices, longest in captivity first.
    members: Vec<usize>,
    /// `prefix_days[n]` = days of the first `n` members.
    prefix_days: Vec<u64>,
}

impl Class {
    fn size(&self) -> usize {
        self.members.len()
    }

    /// Days of the `i`-th best member (the slope of `F` just after `i`).
    fn slope_after(&self, i: usize) -> u64 {
        self.prefix_days[i + 1] - self.prefix_days[i]
    }
}

/// Stage 3 adds tangents at the solution and at distances 1, 2, 4, ... (powers of this) on both
/// sides of it: cheap rows that spare most rounds of the loop, each a whole integer program
/// (with tangents at the solution only, 100,000 prisoners on 4 sides took 10 rounds and 1.7 s,
/// on 11 sides no proof within a minute; with the ladder 3–4 rounds, 0.4 s and 16 s).
const LADDER: usize = 2;

/// Most rounds of stage 3. Each round adds at least one tangent that was missing, so the loop
/// ends on its own; the bound is a safety net against numerical trouble.
const MAX_ROUNDS: usize = 200;

/// How far below the earlier stages' optima the floors are put when the solver failed on the
/// exact ones: less than one unit, so that they admit the same integer solutions.
const FLOOR_SLACK: f64 = 0.5;

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Demanded,
    Value,
    Days,
}

/// A tangent `t ≤ intercept + slope · n` to a class's days function.
#[derive(Clone, Copy, PartialEq)]
struct Cut {
    intercept: f64,
    slope: f64,
}

struct Model<'a> {
    classes: &'a [Class],
    sides: usize,
    tolerance: u64,
    max_total: Option<u64>,
    /// The time budget for all integer programs of this plan: seconds, and the caller's
    /// clock with the reading at which the budget ends. The clock serves only this computing
    /// budget, never a date of the domain.
    budget: Option<Budget>,
    /// Most rounds of stage 3 ([`MAX_ROUNDS`]; fewer in tests).
    max_rounds: usize,
}

/// Seconds allowed, and when a clock was given, the clock and its reading at the end.
type Budget = (f64, Option<(fn() -> f64, f64)>);

struct StageResult {
    counts: Vec<u64>,
    /// The `t` variables of stage 3 (empty otherwise).
    days_estimate: Vec<f64>,
    /// Why the solver stopped short of proving this stage optimal, if it did.
    unproven: Option<NotOptimal>,
}

/// Chooses the counted moves. Returns, per candidate, whether it moves, and why optimality is
/// not proven (`None` when it is).
pub fn solve(
    sides: usize,
    candidates: &[Candidate],
    tolerance: u64,
    max_total: Option<u64>,
    time_limit_seconds: Option<f64>,
    clock: Option<fn() -> f64>,
) -> (Vec<bool>, Option<NotOptimal>) {
    let classes = classify(candidates);
    let budget = time_limit_seconds.map(|s| {
        let s = s.clamp(0.0, 1e9);
        (s, clock.map(|now| (now, now() + s)))
    });
    let model = Model {
        classes: &classes,
        sides,
        tolerance,
        max_total,
        budget,
        max_rounds: MAX_ROUNDS,
    };
    let (counts, why_not_optimal) = model.lexicographic();
    let mut chosen = vec![false; candidates.len()];
    for (class, &count) in classes.iter().zip(&counts) {
        for &c in &class.members[..count as usize] {
            chosen[c] = true;
        }
    }
    (chosen, why_not_optimal)
}

fn classify(candidates: &[Candidate]) -> Vec<Class> {
    let mut index: HashMap<(usize, usize, u64, bool), usize> = HashMap::new();
    let mut classes: Vec<Class> = Vec::new();
    for (c, candidate) in candidates.iter().enumerate() {
        let key = (
            candidate.holder(),
            candidate.origin(),
            candidate.value(),
            candidate.demanded,
        );
        let k = *index.entry(key).or_insert_with(|| {
            classes.push(Class {
                holder_side: key.0,
                origin_side: key.1,
                value: key.2,
                demanded: key.3,
                members: Vec::new(),
                prefix_days: Vec::new(),
            });
            classes.len() - 1
        });
        classes[k].members.push(c);
    }
    for class in &mut classes {
        // Longest in captivity first; scenario order among equals keeps plans reproducible.
        class
            .members
            .sort_unstable_by(|&a, &b| candidates[b].days.cmp(&candidates[a].days).then(a.cmp(&b)));
        class.prefix_days = std::iter::once(0)
            .chain(class.members.iter().scan(0u64, |sum, &c| {
                *sum += candidates[c].days();
                Some(*sum)
            }))
            .collect();
    }
    classes
}

impl Model<'_> {
    /// The three stages in turn. Returns the best counts found and, when a stage could not be
    /// proven optimal, the first reason; a stage that gives no answer ends the search with the
    /// best counts so far, which are always feasible (at worst nobody moves).
    fn lexicographic(&self) -> (Vec<u64>, Option<NotOptimal>) {
        let zero = vec![0u64; self.classes.len()];
        let mut why_not: Option<NotOptimal> = None;
        let mut best = zero;

        let mut floors = (None, None);
        if self.classes.iter().any(|c| c.demanded) {
            match self.attempt(Stage::Demanded, floors, &[], &best) {
                Ok(result) => {
                    why_not = why_not.or(result.unproven);
                    best = result.counts;
                }
                Err(reason) => return (best, why_not.or(Some(reason))),
            }
        }
        floors.0 = Some(self.demanded_of(&best));
        match self.attempt(Stage::Value, floors, &[], &best) {
            Ok(result) => {
                why_not = why_not.or(result.unproven);
                best = result.counts;
            }
            Err(reason) => return (best, why_not.or(Some(reason))),
        }
        floors.1 = Some(self.value_of(&best));

        let mut cuts: Vec<Vec<Cut>> = self.classes.iter().map(|_| Vec::new()).collect();
        for (k, class) in self.classes.iter().enumerate() {
            let n = class.size();
            for at in [0, n / 4, n / 2, 3 * n / 4, n] {
                add_tangents(class, at, &mut cuts[k]);
            }
            add_ladder(class, best[k] as usize, &mut cuts[k]);
        }
        for _ in 0..self.max_rounds {
            let result = match self.attempt(Stage::Days, floors, &cuts, &best) {
                Ok(result) => result,
                Err(reason) => return (best, why_not.or(Some(reason))),
            };
            if self.days_of(&result.counts) >= self.days_of(&best) {
                best = result.counts.clone();
            }
            let mut exact = true;
            for (k, class) in self.classes.iter().enumerate() {
                let n = result.counts[k] as usize;
                if result.days_estimate[k] > class.prefix_days[n] as f64 + 0.5 {
                    exact = false;
                    add_ladder(class, n, &mut cuts[k]);
                }
            }
            if exact {
                return (best, why_not.or(result.unproven));
            }
        }
        (best, why_not.or(Some(NotOptimal::RoundLimit)))
    }

    /// Runs one stage, warm-started from `best`, and checks its answer exactly: an answer that
    /// breaks a rule (solver tolerances) is a failure of the solver.
    fn attempt(
        &self,
        stage: Stage,
        floors: (Option<u64>, Option<u64>),
        cuts: &[Vec<Cut>],
        best: &[u64],
    ) -> Result<StageResult, NotOptimal> {
        let result = match self.run(stage, floors, cuts, Some(best), 0.0) {
            // microlp has been seen to declare infeasible a program whose warm start meets the
            // floors exactly, the floors being right at the optimum of the earlier stages
            // (thousands of prisoners on three sides). Demanded and value are whole numbers at
            // every integer point, so floors half a unit lower admit exactly the same solutions
            // and move the warm start off the boundary. Only as a retry: the looser relaxation
            // is slower to prove.
            Err(NotOptimal::SolverFailed) if floors != (None, None) => {
                self.run(stage, floors, cuts, Some(best), FLOOR_SLACK)?
            }
            result => result?,
        };
        if self.feasible(&result.counts, floors) {
            Ok(result)
        } else {
            Err(NotOptimal::SolverFailed)
        }
    }

    fn demanded_of(&self, counts: &[u64]) -> u64 {
        self.classes
            .iter()
            .zip(counts)
            .filter(|(c, _)| c.demanded)
            .map(|(_, &n)| n)
            .sum()
    }

    fn value_of(&self, counts: &[u64]) -> u64 {
        self.classes
            .iter()
            .zip(counts)
            .map(|(c, &n)| c.value * n)
            .sum()
    }

    fn days_of(&self, counts: &[u64]) -> u64 {
        self.classes
            .iter()
            .zip(counts)
            .map(|(c, &n)| c.prefix_days[n as usize])
            .sum()
    }

    /// Checks a solution in exact integer arithmetic, so that solver tolerances never leak into
    /// the plan.
    fn feasible(&self, counts: &[u64], floors: (Option<u64>, Option<u64>)) -> bool {
        let mut net = vec![0i128; self.sides];
        for (class, &n) in self.classes.iter().zip(counts) {
            if n as usize > class.size() {
                return false;
            }
            net[class.holder_side] += i128::from(class.value * n);
            net[class.origin_side] -= i128::from(class.value * n);
        }
        let balanced = net
            .iter()
            .all(|d| d.unsigned_abs() <= u128::from(self.tolerance));
        let capped = self
            .max_total
            .is_none_or(|cap| counts.iter().sum::<u64>() <= cap);
        let floors_kept = floors.0.is_none_or(|d| self.demanded_of(counts) >= d)
            && floors.1.is_none_or(|v| self.value_of(counts) >= v);
        balanced && capped && floors_kept
    }

    fn run(
        &self,
        stage: Stage,
        floors: (Option<u64>, Option<u64>),
        cuts: &[Vec<Cut>],
        warm: Option<&[u64]>,
        floor_slack: f64,
    ) -> Result<StageResult, NotOptimal> {
        let mut vars = ProblemVariables::new();
        let counts: Vec<Variable> = self
            .classes
            .iter()
            .map(|c| vars.add(variable().integer().min(0).max(c.size() as f64)))
            .collect();
        let days: Vec<Variable> = if stage == Stage::Days {
            self.classes
                .iter()
                .map(|c| vars.add(variable().min(0).max(c.prefix_days[c.size()] as f64)))
                .collect()
        } else {
            Vec::new()
        };

        let mut demanded = Expression::default();
        let mut value = Expression::default();
        let mut total = Expression::default();
        let mut net: Vec<Expression> = (0..self.sides).map(|_| Expression::default()).collect();
        let mut side_involved = vec![false; self.sides];
        for (class, &n) in self.classes.iter().zip(&counts) {
            let worth = class.value as f64;
            if class.demanded {
                demanded.add_mul(1.0, n);
            }
            value.add_mul(worth, n);
            total.add_mul(1.0, n);
            net[class.holder_side].add_mul(worth, n);
            net[class.origin_side].add_mul(-worth, n);
            side_involved[class.holder_side] = true;
            side_involved[class.origin_side] = true;
        }
        let objective = match stage {
            Stage::Demanded => demanded.clone(),
            Stage::Value => value.clone(),
            Stage::Days => days.iter().fold(Expression::default(), |mut e, &t| {
                e.add_mul(1.0, t);
                e
            }),
        };

        // Every stage's objective is an integer at the optimum (stage 3: each tangent has integer
        // slope and intercept), so once the bound is less than one unit above the incumbent the
        // incumbent is optimal. Telling the solver so, as a relative gap of half a unit over the
        // largest possible objective, spares it proving what integrality already proves.
        let largest: f64 = match stage {
            Stage::Demanded => self
                .classes
                .iter()
                .filter(|c| c.demanded)
                .map(|c| c.size() as f64)
                .sum(),
            Stage::Value => self
                .classes
                .iter()
                .map(|c| (c.value * c.size() as u64) as f64)
                .sum(),
            Stage::Days => self
                .classes
                .iter()
                .map(|c| c.prefix_days[c.size()] as f64)
                .sum(),
        };
        let mut problem = vars
            .maximise(objective)
            .using(solver)
            .with_mip_gap((0.5 / largest.max(1.0)) as f32)
            .map_err(|_| NotOptimal::SolverFailed)?;
        if let Some((seconds, clock)) = self.budget {
            let left = match clock {
                Some((now, deadline)) => deadline - now(),
                None => seconds,
            };
            if left <= 0.0 {
                return Err(NotOptimal::TimeBudgetSpent);
            }
            problem = problem.with_time_limit(left);
        }
        if let Some(warm) = warm {
            let mut start: Vec<(Variable, f64)> = counts
                .iter()
                .zip(warm)
                .map(|(&v, &n)| (v, n as f64))
                .collect();
            for ((&t, class), &n) in days.iter().zip(self.classes).zip(warm) {
                start.push((t, class.prefix_days[n as usize] as f64));
            }
            problem = problem.with_initial_solution(start);
        }
        let tolerance = self.tolerance as f64;
        let total_value: u64 = self.classes.iter().map(|c| c.value * c.size() as u64).sum();
        // Rule 5: |gives − receives| ≤ tolerance for every side. Skipped when it cannot bind.
        // The nets of all sides sum to zero, so with two sides, or with tolerance 0, the last
        // involved side is balanced when the others are: its rows would only be redundant, and
        // redundant rows make the relaxations degenerate and the branch and bound slow.
        if self.tolerance < total_value {
            let involved: Vec<usize> = (0..self.sides).filter(|&s| side_involved[s]).collect();
            let redundant = (involved.len() == 2 || self.tolerance == 0)
                .then(|| involved.last().copied())
                .flatten();
            for (s, expression) in net.into_iter().enumerate() {
                if side_involved[s] && Some(s) != redundant {
                    problem.add_constraint(expression.clone().leq(tolerance));
                    problem.add_constraint(expression.geq(-tolerance));
                }
            }
        }
        // Rule 6: at most max_total counted moves.
        if let Some(cap) = self.max_total {
            let candidates: u64 = self.classes.iter().map(|c| c.size() as u64).sum();
            if cap < candidates {
                problem.add_constraint(total.leq(cap as f64));
            }
        }
        if let Some(floor) = floors.0 {
            problem.add_constraint(demanded.geq(floor as f64 - floor_slack));
        }
        if let Some(floor) = floors.1 {
            problem.add_constraint(value.geq(floor as f64 - floor_slack));
        }
        for ((class_cuts, &n), &t) in cuts.iter().zip(&counts).zip(&days) {
            for cut in class_cuts {
                let mut line = Expression::default();
                line.add_mul(1.0, t);
                line.add_mul(-cut.slope, n);
                problem.add_constraint(line.leq(cut.intercept));
            }
        }

        let solution = problem.solve().map_err(|error| self.stop_reason(&error))?;
        let unproven = match solution.status() {
            SolutionStatus::Optimal | SolutionStatus::GapLimit => None,
            // Under a budget, the solver's limit is the budget's remainder. Without one it
            // has no time limit, and its stop is of its own (HiGHS reports an iteration or
            // memory limit the same way).
            SolutionStatus::TimeLimit if self.budget.is_some() => Some(NotOptimal::TimeBudgetSpent),
            SolutionStatus::TimeLimit => Some(NotOptimal::SolverFailed),
        };
        Ok(StageResult {
            counts: counts
                .iter()
                .zip(self.classes)
                .map(|(&n, class)| {
                    (solution.value(n).round().max(0.0) as u64).min(class.size() as u64)
                })
                .collect(),
            days_estimate: days.iter().map(|&t| solution.value(t)).collect(),
            unproven,
        })
    }

    /// Why the solver answered an error. Under a budget, microlp's time limit stops it with an
    /// error when it has found no solution yet (not even the warm start), which is the budget
    /// running out, as is any error once a clock says the budget is spent; every other error is
    /// a failure of the solver.
    fn stop_reason(&self, error: &ResolutionError) -> NotOptimal {
        let Some((_, clock)) = self.budget else {
            return NotOptimal::SolverFailed;
        };
        let spent = clock.is_some_and(|(now, deadline)| now() >= deadline);
        let time_limit = matches!(
            error,
            ResolutionError::Other(message) if message.to_ascii_lowercase().contains("time limit")
        );
        if spent || time_limit {
            NotOptimal::TimeBudgetSpent
        } else {
            NotOptimal::SolverFailed
        }
    }
}

/// Adds the tangents of `F` at `n` and at distances 1, 2, 4, ... on both sides of it.
fn add_ladder(class: &Class, n: usize, cuts: &mut Vec<Cut>) {
    add_tangents(class, n, cuts);
    let mut step = 1;
    while step < class.size() {
        if step <= n {
            add_tangents(class, n - step, cuts);
        }
        if n + step <= class.size() {
            add_tangents(class, n + step, cuts);
        }
        step *= LADDER;
    }
}

/// Adds the tangents of `F` at `n` (the slopes of the segments left and right of it).
fn add_tangents(class: &Class, n: usize, cuts: &mut Vec<Cut>) {
    let at = class.prefix_days[n] as f64;
    let mut slopes = Vec::with_capacity(2);
    if n > 0 {
        slopes.push(class.slope_after(n - 1) as f64);
    }
    if n < class.size() {
        slopes.push(class.slope_after(n) as f64);
    }
    for slope in slopes {
        let cut = Cut {
            intercept: at - slope * n as f64,
            slope,
        };
        if !cuts.contains(&cut) {
            cuts.push(cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(holder: u32, origin: u32, value: u32, days: u32, demanded: bool) -> Candidate {
        Candidate {
            holder_side: holder,
            origin_side: origin,
            value,
            days,
            demanded,
        }
    }

    fn model<'a>(classes: &'a [Class], max_total: Option<u64>, max_rounds: usize) -> Model<'a> {
        Model {
            classes,
            sides: 3,
            tolerance: 0,
            max_total,
            budget: None,
            max_rounds,
        }
    }

    /// Three sides, prisoners worth 1 or 2 in every direction, days from a fixed sequence: a
    /// program whose last stage needs more than one round (with microlp as it is).
    fn three_sides() -> Vec<Candidate> {
        let mut seed = 12345u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        (0..464)
            .map(|_| {
                let holder = next(3) as u32;
                let origin = (holder + 1 + next(2) as u32) % 3;
                candidate(holder, origin, 1 + next(2) as u32, next(1000) as u32, false)
            })
            .collect()
    }

    #[test]
    fn a_round_limit_reached_keeps_the_best_checked_plan_and_says_so() {
        let classes = classify(&three_sides());
        let cap = Some(160);
        let (optimum, why) = model(&classes, cap, MAX_ROUNDS).lexicographic();
        assert_eq!(why, None);
        let full = model(&classes, cap, MAX_ROUNDS);

        // No round at all: the best value, days not refined.
        let (counts, why) = model(&classes, cap, 0).lexicographic();
        assert_eq!(why, Some(NotOptimal::RoundLimit));
        assert!(full.feasible(&counts, (None, None)));
        assert_eq!(full.value_of(&counts), full.value_of(&optimum));

        // One round is not enough here: its estimate of the days is not exact yet.
        let (counts, why) = model(&classes, cap, 1).lexicographic();
        assert_eq!(why, Some(NotOptimal::RoundLimit));
        assert!(full.feasible(&counts, (None, None)));
        assert_eq!(full.value_of(&counts), full.value_of(&optimum));
        assert!(full.days_of(&counts) <= full.days_of(&optimum));
    }

    #[test]
    fn a_program_without_a_solution_is_a_failure_of_the_solver_even_under_a_budget() {
        let candidates = [
            candidate(0, 1, 1, 10, true),
            candidate(1, 0, 1, 20, true),
            candidate(1, 2, 1, 30, false),
        ];
        let classes = classify(&candidates);
        let mut model = model(&classes, None, MAX_ROUNDS);
        // Three demanded moves asked of two demanded prisoners.
        let impossible = (Some(3), None);
        assert!(matches!(
            model.run(Stage::Value, impossible, &[], None, 0.0),
            Err(NotOptimal::SolverFailed)
        ));
        model.budget = Some((60.0, None));
        assert!(matches!(
            model.run(Stage::Value, impossible, &[], None, 0.0),
            Err(NotOptimal::SolverFailed)
        ));
        // The same program with what it can have is solved and proven.
        let solved = model.run(Stage::Value, (Some(2), None), &[], None, 0.0);
        assert!(
            matches!(&solved, Ok(result) if result.unproven.is_none() && result.counts.iter().sum::<u64>() == 2)
        );
    }

    #[test]
    fn a_solver_error_is_the_budget_only_when_the_budget_is_spent() {
        let classes = classify(&[candidate(0, 1, 1, 10, false)]);
        let mut model = model(&classes, None, MAX_ROUNDS);
        // What microlp answers when its time limit stops it before any solution.
        let stopped =
            ResolutionError::Other("Time limit reached before finding a feasible solution");
        let infeasible = ResolutionError::Infeasible;
        assert_eq!(model.stop_reason(&stopped), NotOptimal::SolverFailed);
        assert_eq!(model.stop_reason(&infeasible), NotOptimal::SolverFailed);

        model.budget = Some((60.0, None));
        assert_eq!(model.stop_reason(&stopped), NotOptimal::TimeBudgetSpent);
        assert_eq!(model.stop_reason(&infeasible), NotOptimal::SolverFailed);

        fn late() -> f64 {
            100.0
        }
        model.budget = Some((60.0, Some((late, 160.0))));
        assert_eq!(model.stop_reason(&infeasible), NotOptimal::SolverFailed);
        model.budget = Some((60.0, Some((late, 50.0))));
        assert_eq!(model.stop_reason(&infeasible), NotOptimal::TimeBudgetSpent);
        // A budget already spent when a program would start stops it before the solver.
        assert!(matches!(
            model.run(Stage::Value, (None, None), &[], None, 0.0),
            Err(NotOptimal::TimeBudgetSpent)
        ));
    }
}
