//! `--sample N`: at most N cases per scenario, chosen by a seeded, reproducible draw, so that a large
//! matrix (every mutation x every operation of a big API) fits a CI budget. The same seed and suite
//! always give the same cases; another seed gives another draw, so repeated runs cover the matrix.

use crate::scenario::plan::Suite;

/// What a draw kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sampled {
    /// Cases kept.
    pub kept: usize,
    /// Cases before the draw.
    pub total: usize,
}

/// Keeps at most `per_scenario` cases of each scenario: those whose seeded rank is lowest, in their
/// original order.
pub fn sample(mut suite: Suite, per_scenario: usize, seed: u64) -> (Suite, Sampled) {
    let total = suite.cases.len();
    let mut ranks: Vec<Vec<u64>> = vec![Vec::new(); suite.scenarios.len()];
    for case in &suite.cases {
        ranks[case.scenario].push(rank(seed, &case.id));
    }
    // The largest rank each scenario keeps (every case when it has no more than `per_scenario`).
    let cutoff: Vec<Option<u64>> = ranks
        .into_iter()
        .map(|mut ranks| {
            if ranks.len() <= per_scenario {
                return None;
            }
            ranks.sort_unstable();
            Some(per_scenario.checked_sub(1).map_or(0, |last| ranks[last]))
        })
        .collect();
    suite.cases.retain(|case| match cutoff[case.scenario] {
        None => true,
        Some(_) if per_scenario == 0 => false,
        Some(limit) => rank(seed, &case.id) <= limit,
    });
    let kept = suite.cases.len();
    (suite, Sampled { kept, total })
}

/// A case's place in the draw: SplitMix64 over the seed and an FNV-1a hash of its id (stable across
/// platforms and releases, unlike `std`'s hasher).
fn rank(seed: u64, id: &str) -> u64 {
    crate::rng::Rng::new(seed ^ crate::rng::fnv1a(id.as_bytes())).next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::plan::{Case, Category, ScenarioInfo, Weakness};

    fn suite(sizes: &[usize]) -> Suite {
        let mut suite = Suite::default();
        for (index, size) in sizes.iter().enumerate() {
            suite.scenarios.push(ScenarioInfo {
                id: format!("s{index}"),
                title: String::new(),
                category: Category::Enforcement,
                requirements: Vec::new(),
                tags: Vec::new(),
                file: "x.yaml".into(),
                line: 1,
                note: None,
            });
            for n in 0..*size {
                suite.cases.push(Case {
                    id: format!("s{index}[n={n}]"),
                    scenario: index,
                    bindings: Vec::new(),
                    weakness: Weakness {
                        id: "w".into(),
                        cwe: None,
                    },
                    setup: Default::default(),
                    steps: Default::default(),
                    verify: Default::default(),
                    not_applicable: None,
                });
            }
        }
        suite
    }

    fn ids(suite: &Suite) -> Vec<String> {
        suite.cases.iter().map(|case| case.id.clone()).collect()
    }

    #[test]
    fn caps_each_scenario_and_keeps_order() {
        let (sampled, counts) = sample(suite(&[100, 3]), 10, 7);
        assert_eq!(
            counts,
            Sampled {
                kept: 13,
                total: 103
            }
        );
        let first: Vec<&String> = sampled
            .cases
            .iter()
            .filter(|c| c.scenario == 0)
            .map(|c| &c.id)
            .collect();
        assert_eq!(first.len(), 10);
        let mut sorted = first.clone();
        sorted.sort_by_key(|id| id[5..id.len() - 1].parse::<usize>().unwrap());
        assert_eq!(first, sorted, "original order is kept");
        assert_eq!(sampled.cases.iter().filter(|c| c.scenario == 1).count(), 3);
    }

    #[test]
    fn same_seed_same_draw_other_seed_other_draw() {
        let a = ids(&sample(suite(&[200]), 20, 1).0);
        let b = ids(&sample(suite(&[200]), 20, 1).0);
        let c = ids(&sample(suite(&[200]), 20, 2).0);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn zero_keeps_nothing_of_large_scenarios() {
        let (sampled, counts) = sample(suite(&[5]), 0, 1);
        assert!(sampled.cases.is_empty());
        assert_eq!(counts.kept, 0);
    }
}
