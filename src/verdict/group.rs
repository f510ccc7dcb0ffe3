//! Failures grouped into distinct weaknesses: "3 weaknesses" rather than 300 red lines.

use std::collections::BTreeMap;

use crate::outcome::{BaselineState, CaseResult, RunResult, Verdict};
use crate::scenario::plan::{Category, Weakness};

/// One weakness and the cases that revealed it.
#[derive(Debug, Clone, PartialEq)]
pub struct WeaknessGroup {
    /// The weakness.
    pub weakness: Weakness,
    /// The criterion of its first failing case.
    pub category: Category,
    /// Indices into [`RunResult::cases`] of the failing cases, in case order.
    pub cases: Vec<usize>,
}

impl WeaknessGroup {
    /// The case shown as the reproducer: the first failing one.
    pub fn representative(&self) -> usize {
        self.cases[0]
    }

    /// Against the baseline, when one was given: `New` when none of its cases failed so there,
    /// `Unchanged` when all did, and `None` for a mix (SARIF's `updated`) or without a baseline.
    pub fn baseline(&self, run: &RunResult) -> Option<Option<BaselineState>> {
        let mut states = self
            .cases
            .iter()
            .map(|index| run.cases[*index].gate.baseline);
        let first = states.next()??;
        Some(states.all(|state| state == Some(first)).then_some(first))
    }
}

/// Groups the failing cases of a run by weakness id, in order of first appearance; a failing case
/// a live waiver covers is in [`waived`] instead.
pub fn weaknesses(run: &RunResult) -> Vec<WeaknessGroup> {
    grouped(run, |case| {
        case.verdict == Verdict::Fail && !case.gate.waived()
    })
}

/// Groups the failing cases that a live waiver covers by weakness id, in order of first appearance.
pub fn waived(run: &RunResult) -> Vec<WeaknessGroup> {
    grouped(run, |case| {
        case.verdict == Verdict::Fail && case.gate.waived()
    })
}

/// Groups the cases that gave a conformance note by weakness id, in order of first appearance.
pub fn notes(run: &RunResult) -> Vec<WeaknessGroup> {
    grouped(run, |case| case.verdict == Verdict::Note)
}

fn grouped(run: &RunResult, wanted: impl Fn(&CaseResult) -> bool) -> Vec<WeaknessGroup> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, WeaknessGroup> = BTreeMap::new();
    for (index, case) in run
        .cases
        .iter()
        .enumerate()
        .filter(|(_, case)| wanted(case))
    {
        let group = groups.entry(case.weakness.id.clone()).or_insert_with(|| {
            order.push(case.weakness.id.clone());
            WeaknessGroup {
                weakness: case.weakness.clone(),
                category: case.category,
                cases: Vec::new(),
            }
        });
        group.cases.push(index);
    }
    order
        .into_iter()
        .filter_map(|id| groups.remove(&id))
        .collect()
}
