//! Failures grouped into distinct weaknesses: "3 weaknesses" rather than 300 red lines.

use std::collections::BTreeMap;

use crate::outcome::{RunResult, Verdict};
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
}

/// Groups the failing cases of a run by weakness id, in order of first appearance.
pub fn weaknesses(run: &RunResult) -> Vec<WeaknessGroup> {
    grouped(run, Verdict::Fail)
}

/// Groups the cases that gave a conformance note by weakness id, in order of first appearance.
pub fn notes(run: &RunResult) -> Vec<WeaknessGroup> {
    grouped(run, Verdict::Note)
}

fn grouped(run: &RunResult, verdict: Verdict) -> Vec<WeaknessGroup> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, WeaknessGroup> = BTreeMap::new();
    for (index, case) in run
        .cases
        .iter()
        .enumerate()
        .filter(|(_, case)| case.verdict == verdict)
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
