//! What one run (clean or broken) showed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::{Broken, specificity};
use crate::outcome::{RunResult, Verdict};
use crate::scenario::plan::Category;

/// What one run (clean or broken) showed.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The broken target, or `None` for the clean run.
    pub broken: Option<Broken>,
    /// Cases run.
    pub cases: usize,
    /// Failing cases per criterion (after the runner's 5xx reclassification).
    pub failed: BTreeMap<Category, usize>,
    /// Cases that could not be judged.
    pub errors: usize,
    /// Skipped cases.
    pub skipped: usize,
    /// Scenario ids with at least one failing case.
    pub failed_scenarios: Vec<String>,
    /// The first few failures and errors (`case id: reason`), for the clean run's diagnosis.
    pub examples: Vec<String>,
    /// Every weakness the run named, failing or noted.
    pub named: BTreeSet<String>,
    /// Wall time.
    pub duration: Duration,
}

impl Outcome {
    /// The outcome of `result`, the run against `broken` (`None`: the clean server).
    pub(super) fn of(broken: Option<Broken>, result: &RunResult) -> Outcome {
        let mut failed = BTreeMap::new();
        let mut failed_scenarios: Vec<String> = Vec::new();
        let mut examples = Vec::new();
        let (mut errors, mut skipped) = (0, 0);
        let named = result
            .cases
            .iter()
            .filter(|case| matches!(case.verdict, Verdict::Fail | Verdict::Note))
            .map(|case| case.weakness.id.clone())
            .collect();
        for case in &result.cases {
            match case.verdict {
                Verdict::Note => {
                    let scenario = &result.scenarios[case.scenario].id;
                    if !failed_scenarios.contains(scenario) {
                        failed_scenarios.push(scenario.clone());
                    }
                }
                Verdict::Fail => {
                    *failed.entry(case.category).or_insert(0) += 1;
                    let scenario = &result.scenarios[case.scenario].id;
                    if !failed_scenarios.contains(scenario) {
                        failed_scenarios.push(scenario.clone());
                    }
                }
                Verdict::Error => errors += 1,
                Verdict::Skipped => skipped += 1,
                Verdict::Pass => {}
            }
            if matches!(case.verdict, Verdict::Fail | Verdict::Error) && examples.len() < 8 {
                examples.push(format!("{}: {}", case.id, case.reason));
            }
        }
        Outcome {
            broken,
            cases: result.cases.len(),
            failed,
            errors,
            skipped,
            failed_scenarios,
            examples,
            named,
            duration: result.duration,
        }
    }

    /// Failing cases in `category`.
    pub fn failed_in(&self, category: Category) -> usize {
        self.failed.get(&category).copied().unwrap_or(0)
    }

    /// Failing cases in all criteria.
    pub fn failed_total(&self) -> usize {
        self.failed.values().sum()
    }

    /// For a flaw: the weaknesses named but not declared, and those declared but not named.
    pub fn off_diagonal(&self) -> (Vec<String>, Vec<String>) {
        match self.broken {
            Some(Broken::Flaw(flaw)) => {
                specificity::difference(&self.named, &specificity::declared_ids(flaw))
            }
            Some(Broken::Mutant(_)) => (Vec::new(), Vec::new()),
            None => (self.named.iter().cloned().collect(), Vec::new()),
        }
    }

    /// A broken target is caught when a case fails under its own criterion.
    pub fn caught(&self) -> bool {
        self.broken
            .is_some_and(|broken| self.failed_in(broken.criterion()) > 0)
    }
}
