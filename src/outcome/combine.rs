//! The conditions of one run made again from those of its parts (the shards of a partitioned run,
//! `authconform merge`): each field of [`RunConditions`] combined here, beside the type, so that a
//! new field is combined where it is defined.

use super::{Cleanup, Control, Halted, Load, RunConditions};

impl RunConditions {
    /// The conditions of the run that `parts` (each shard's, in shard order) make up, over a plan of
    /// `plan_cases` cases: the most cases in flight, the earliest fault, every 5xx that load caused,
    /// each positive control as refused when any part saw it refused, a stop of any part (the whole
    /// is then incomplete), the load and the cleanups added up; the rest as the first part has it.
    /// No parts: the default conditions.
    pub fn combine(parts: &[&RunConditions], plan_cases: usize) -> RunConditions {
        let Some(&first) = parts.first() else {
            return RunConditions::default();
        };
        let all = || parts.iter().copied();
        RunConditions {
            embedded: first.embedded,
            profile: first.profile.clone(),
            jobs: all().map(|c| c.jobs).max().unwrap_or_default(),
            first_fault_at: all().filter_map(|c| c.first_fault_at).min(),
            load_5xx: all().map(|c| c.load_5xx).sum(),
            controls: controls(parts),
            halted: halted(parts, plan_cases),
            load: Load {
                // The limits of the part whose stop the whole reports (its cause names one), else
                // the first part's.
                limits: all()
                    .find(|c| c.halted.is_some())
                    .unwrap_or(first)
                    .load
                    .limits,
                requests: all().map(|c| c.load.requests).sum(),
                case_requests: all().map(|c| c.load.case_requests).sum(),
                case_time: all().map(|c| c.load.case_time).max().unwrap_or_default(),
            },
            interrupted: all().any(|c| c.interrupted),
            cleanup: Cleanup::combine(all().filter_map(|c| c.cleanup.as_ref())),
            seed: first.seed,
            strict: first.strict,
            partition: None,
        }
    }
}

/// The first part's controls, each as refused when any part saw it refused.
fn controls(parts: &[&RunConditions]) -> Vec<Control> {
    parts[0]
        .controls
        .iter()
        .map(|control| {
            parts
                .iter()
                .flat_map(|conditions| &conditions.controls)
                .filter(|other| {
                    other.operation == control.operation && other.principal == control.principal
                })
                .find(|other| !other.passed())
                .unwrap_or(control)
                .clone()
        })
        .collect()
}

/// The first part's stop, if a part stopped, counted over the whole plan of `plan_cases` cases.
fn halted(parts: &[&RunConditions], plan_cases: usize) -> Option<Halted> {
    let mut halted = parts.iter().find_map(|c| c.halted.clone())?;
    let not_run: usize = parts
        .iter()
        .filter_map(|c| c.halted.as_ref())
        .map(|halted| halted.cases_total.saturating_sub(halted.cases_run))
        .sum();
    halted.cases_total = plan_cases;
    halted.cases_run = plan_cases.saturating_sub(not_run);
    Some(halted)
}

impl Cleanup {
    /// The cleanups of a run's parts added up: what every part created, deleted and could not
    /// delete; skipped (with the first part's reason) only when every part skipped it. `None` when
    /// no part had a cleanup step.
    pub fn combine<'a>(parts: impl IntoIterator<Item = &'a Cleanup>) -> Option<Cleanup> {
        let cleanups: Vec<&Cleanup> = parts.into_iter().collect();
        let first = cleanups.first()?;
        let mut merged = Cleanup {
            skipped: cleanups
                .iter()
                .all(|c| c.skipped.is_some())
                .then(|| first.skipped.clone())
                .flatten(),
            ..Cleanup::default()
        };
        for cleanup in &cleanups {
            merged.recorded += cleanup.recorded;
            merged.deleted += cleanup.deleted;
            merged.gone += cleanup.gone;
            merged.failed.extend(cleanup.failed.iter().cloned());
            for (kind, count) in &cleanup.not_deletable {
                match merged.not_deletable.iter_mut().find(|(k, _)| k == kind) {
                    Some((_, total)) => *total += count,
                    None => merged.not_deletable.push((kind.clone(), *count)),
                }
            }
        }
        Some(merged)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::HaltCause;

    fn part(jobs: usize, cleanup: Option<Cleanup>) -> RunConditions {
        RunConditions {
            jobs,
            first_fault_at: Some(jobs),
            load_5xx: 1,
            seed: 7,
            cleanup,
            load: Load {
                requests: 10,
                case_time: Duration::from_millis(jobs as u64),
                ..Load::default()
            },
            ..RunConditions::default()
        }
    }

    #[test]
    fn parts_combine_into_the_whole_run() {
        let kept = |recorded, skipped: Option<&str>| Cleanup {
            skipped: skipped.map(String::from),
            recorded,
            not_deletable: vec![("message".into(), recorded)],
            ..Cleanup::default()
        };
        let mut stopped = part(3, Some(kept(2, None)));
        stopped.halted = Some(Halted {
            cause: HaltCause::MaxRequests(10),
            cases_run: 1,
            cases_total: 4,
            last_answer: None,
        });
        let first = part(2, Some(kept(1, Some("--keep-data"))));
        let whole = RunConditions::combine(&[&first, &stopped], 8);
        assert_eq!(
            (whole.jobs, whole.first_fault_at, whole.load_5xx),
            (3, Some(2), 2)
        );
        assert_eq!((whole.seed, whole.load.requests), (7, 20));
        assert_eq!(whole.load.case_time, Duration::from_millis(3));
        let halted = whole.halted.expect("a part stopped");
        assert_eq!((halted.cases_run, halted.cases_total), (5, 8));
        let cleanup = whole.cleanup.expect("the parts cleaned up");
        assert_eq!(cleanup.recorded, 3);
        assert_eq!(cleanup.skipped, None, "one part did clean up");
        assert_eq!(cleanup.not_deletable, [("message".to_string(), 3)]);
        assert_eq!(RunConditions::combine(&[], 0), RunConditions::default());
    }
}
