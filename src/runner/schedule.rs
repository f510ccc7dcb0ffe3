//! The order cases run in: the fact cases first (in parallel, then the exclusive ones alone), folded as
//! a batch; then every other case in parallel, each folded alone as it finishes (see [`super::fold`]
//! for why). Each case reaches the sink final and in case order, its evidence charged to the run's
//! budget ([`crate::outcome::EvidenceBudget`]) in an order the plan fixes, never the order cases
//! finish in.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::{Id, JoinError, JoinSet};

use super::execute::{RunShared, run_case};
use super::fold::{Folds, is_fact};
use super::sink::{Reorder, Sink};
use super::{OnCase, RunOptions, instances, limit};
use crate::outcome::{CaseResult, Control, EvidenceBudget, Kept, Verdict};
use crate::scenario::plan::{Case, Category, Suite};
use crate::verdict::gate::Gate;

/// What every case of a run shares.
pub(super) struct Cases<'a> {
    pub suite: &'a Suite,
    pub shared: &'a Arc<RunShared>,
    pub limit: &'a Arc<limit::Limit>,
    pub options: &'a RunOptions,
    pub on_case: OnCase,
    pub stop: Arc<AtomicBool>,
    pub gate: Option<Arc<Gate>>,
}

impl Cases<'_> {
    /// Runs every case and hands each, final, to `sink` in case order. A case is copied into its task
    /// only once the limit lets it start, so that only the cases in flight are held twice. The run's
    /// evidence budget is charged in an order the plan fixes: the fact cases (then the exclusive
    /// ones) in case order, then every other case in case order.
    pub async fn run(&self, controls: &[Control], sink: &mut dyn Sink) {
        let (mut first, mut exclusive, mut others) = (Vec::new(), Vec::new(), Vec::new());
        for (index, case) in self.suite.cases.iter().enumerate() {
            if !self.runs(index) {
                continue;
            }
            let needs_instances = case.needs_embedded() && self.shared.instances.is_some();
            if needs_instances && case.is_exclusive() {
                exclusive.push(index);
            } else if is_fact(case, self.category(case)) {
                first.push(index);
            } else {
                others.push(index);
            }
        }
        let facts = first.len();
        first.extend(exclusive);
        let (mut done, budget) = self.first_phase(&first, facts).await;
        done.sort_by_key(|(index, ..)| *index);
        let indexes: Vec<usize> = done.iter().map(|(index, ..)| *index).collect();
        let bindings: Vec<&[(String, String)]> = indexes
            .iter()
            .map(|&index| self.suite.cases[index].bindings.as_slice())
            .collect();
        let issuer = &self.shared.profile.issuer;
        let mut cases: Vec<CaseResult> = Vec::with_capacity(done.len());
        let mut excerpted = Vec::with_capacity(done.len());
        for (_, case, kept) in done {
            cases.push(case);
            excerpted.push(kept == Kept::Excerpt);
        }
        let folds = Folds::batch(&mut cases, &bindings, controls, issuer);
        // Cases reach the sink in case order; a shard's reorder positions count only its own cases.
        let reported: Vec<usize> = (0..self.suite.cases.len())
            .filter(|&index| self.reports(index))
            .collect();
        let position: HashMap<usize, usize> = reported
            .iter()
            .enumerate()
            .map(|(at, &index)| (index, at))
            .collect();
        let mut reorder = Reorder::new(budget, false);
        let mut out = |at: usize, case: CaseResult, _: Option<Kept>| sink.case(reported[at], case);
        for ((index, mut case), excerpt) in indexes.into_iter().zip(cases).zip(excerpted) {
            let Some(&at) = position.get(&index) else {
                // Another shard's fact case: it ran for its facts only.
                continue;
            };
            if excerpt {
                // The tokens the folds read, cut now as the budget said.
                case.excerpt(false);
            }
            self.fail_fast(&case);
            reorder.push(at, case, true, &mut out);
        }
        self.parallel(others, |index, mut result| {
            folds.fold_one(&mut result, &self.suite.cases[index].bindings, issuer);
            self.fail_fast(&result);
            reorder.push(position[&index], result, false, &mut out);
        })
        .await;
    }

    /// With `--fail-fast`, stops starting cases once `case`, its verdict final (folded), fails the
    /// gate: a failure no waiver or baseline accepts. The fact cases are final only once they have
    /// all run, so a failure among them stops the cases after them.
    fn fail_fast(&self, case: &CaseResult) {
        if !self.options.fail_fast || case.verdict != Verdict::Fail {
            return;
        }
        let scenario = &self.suite.scenarios[case.scenario];
        if self
            .gate
            .as_ref()
            .is_none_or(|gate| gate.fails(case, scenario))
        {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    /// Whether this run runs case `index`: every case, or a shard's own and every fact case.
    fn runs(&self, index: usize) -> bool {
        self.options
            .partition
            .is_none_or(|partition| partition.runs(self.suite, index))
    }

    /// Whether this run reports case `index`: every case, or a shard's own.
    fn reports(&self, index: usize) -> bool {
        self.options
            .partition
            .is_none_or(|partition| partition.owns(index, &self.suite.cases[index].id))
    }

    /// How many cases this run runs.
    pub fn count(&self) -> usize {
        (0..self.suite.cases.len())
            .filter(|&index| self.runs(index))
            .count()
    }

    /// Runs the fact cases (`first[..facts]`) in parallel, then the exclusive ones (the rest) alone,
    /// charging the evidence budget in the order of `first` (their tokens kept whole for the folds):
    /// each case with its index and how the budget kept it, and the budget.
    async fn first_phase(
        &self,
        first: &[usize],
        facts: usize,
    ) -> (Vec<(usize, CaseResult, Kept)>, EvidenceBudget) {
        let position: HashMap<usize, usize> = first
            .iter()
            .enumerate()
            .map(|(at, &index)| (index, at))
            .collect();
        let mut order = Reorder::new(EvidenceBudget::default(), true);
        let mut done = Vec::with_capacity(first.len());
        let mut out = |at: usize, case: CaseResult, kept: Option<Kept>| {
            done.push((first[at], case, kept.unwrap_or(Kept::Whole)));
        };
        self.parallel(first[..facts].to_vec(), |index, result| {
            order.push(position[&index], result, false, &mut out);
        })
        .await;
        for &index in &first[facts..] {
            let permit = self.limit.acquire().await;
            let result = one_case(self.task(index, permit)).await;
            order.push(position[&index], result, false, &mut out);
        }
        (done, order.into_budget())
    }

    /// Runs the cases of `indexes` in parallel (as the limit allows), handing each result to `done`
    /// as it finishes; finished tasks are collected as others start, so their memory is freed at once.
    async fn parallel(&self, indexes: Vec<usize>, mut done: impl FnMut(usize, CaseResult)) {
        let mut running = JoinSet::new();
        let mut ids = HashMap::new();
        for index in indexes {
            let permit = self.limit.acquire().await;
            while let Some(joined) = running.try_join_next_with_id() {
                let (index, result) = self.joined(joined, &ids);
                done(index, result);
            }
            ids.insert(
                running.spawn(one_case(self.task(index, permit))).id(),
                index,
            );
        }
        while let Some(joined) = running.join_next_with_id().await {
            let (index, result) = self.joined(joined, &ids);
            done(index, result);
        }
    }

    /// A finished task's case index and result; a task that panicked is a harness error.
    fn joined(
        &self,
        joined: Result<(Id, CaseResult), JoinError>,
        ids: &HashMap<Id, usize>,
    ) -> (usize, CaseResult) {
        match joined {
            Ok((id, result)) => (ids[&id], result),
            Err(err) => {
                let index = ids[&err.id()];
                let case = &self.suite.cases[index];
                let mut result = skipped(case, self.category(case), "");
                result.verdict = Verdict::Error;
                result.reason = format!("harness task failed: {err}");
                (index, result)
            }
        }
    }

    fn category(&self, case: &Case) -> Category {
        self.suite.scenarios[case.scenario].category
    }

    /// The task of case `index`, with the room the limit gave it.
    fn task(&self, index: usize, permit: Option<tokio::sync::OwnedSemaphorePermit>) -> CaseTask {
        let case = &self.suite.cases[index];
        CaseTask {
            shared: Arc::clone(self.shared),
            limit: Arc::clone(self.limit),
            stop: Arc::clone(&self.stop),
            on_case: Arc::clone(&self.on_case),
            category: self.category(case),
            case: case.clone(),
            index,
            permit,
        }
    }
}

/// One case to run, with what it shares with the others and the room the limit gave it.
struct CaseTask {
    shared: Arc<RunShared>,
    limit: Arc<limit::Limit>,
    stop: Arc<AtomicBool>,
    on_case: OnCase,
    category: crate::scenario::plan::Category,
    case: crate::scenario::plan::Case,
    index: usize,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// Runs (or skips) one case, judges it, keeps what reports need and hands its room back.
async fn one_case(task: CaseTask) -> CaseResult {
    let CaseTask {
        shared,
        case,
        category,
        ..
    } = &task;
    let mut fault = false;
    let result = if shared.interrupted.load(Ordering::Relaxed) {
        skipped(case, *category, "not run: the run was interrupted (Ctrl-C)")
    } else if task.stop.load(Ordering::Relaxed) {
        skipped(
            case,
            *category,
            "not run: --fail-fast stopped the run after a failure",
        )
    } else if let Some(reason) = &case.not_applicable {
        skipped(case, *category, reason)
    } else if case.needs_embedded() && shared.instances.is_none() {
        skipped(case, *category, instances::NEEDS_EMBEDDED)
    } else if !shared.halt.may_start(shared.client.pace().sent()) {
        skipped(case, *category, &shared.halt.not_run())
    } else {
        // Retained by `run_case` already (what the reports keep of it).
        let (result, faltered) = run_case(shared, case, task.index, *category).await;
        fault = faltered;
        result
    };
    task.limit.release(task.permit, fault);
    (task.on_case)(&result);
    result
}

/// A case that did not run, with the reason.
fn skipped(
    case: &crate::scenario::plan::Case,
    category: crate::scenario::plan::Category,
    reason: &str,
) -> CaseResult {
    CaseResult {
        id: case.id.clone(),
        scenario: case.scenario,
        category,
        weakness: case.weakness.clone(),
        verdict: Verdict::Skipped,
        reason: reason.to_string(),
        culprit: None,
        exchanges: Vec::new(),
        duration: std::time::Duration::ZERO,
        gate: Default::default(),
    }
}
