//! Self-validation (mutation testing of the suite): the bundled scenarios run against the embedded
//! reference server once clean and once per broken target, one server per target, cases in parallel.
//!
//! - clean must pass 100% (skips only with a stated reason);
//! - every broken target must make at least one case fail under its own criterion (the mutation
//!   score, which must be 100%);
//! - every scenario must be failed by at least one broken target, or it is a check that cannot fail.
//!
//! The broken targets are the reference server's 26 flaws (`--flaw`) and the HTTP-level
//! [`mutants::Mutant`]s, which break the rules no flaw breaks (cookies, existence oracle, mass
//! assignment, validation, ...). To keep the wall time low, the broken-target runs send the largest
//! matrices (more than [`LARGE_SCENARIO`] cases) through a few operations only; `full` lifts that.

pub mod mutants;
mod outcome;
mod report;
mod run;
pub mod specificity;

use std::sync::Arc;
use std::time::Instant;

use reference_server::Flaw;
use reference_server::flaws::Criterion;

use crate::embedded::{ReferenceMode, ReferenceOptions};
use crate::profile::Profile;
use crate::scenario::plan::{Category, Suite};
use crate::scenario::{self, LoadOptions, SuiteSources};
use mutants::Mutant;
pub use outcome::Outcome;
pub use report::SelftestReport;
pub use run::{profile_for_style, reduce};
use run::{run_mode, run_once, run_target};

/// A scenario with more cases than this is reduced to [`REDUCED_OPERATIONS`] in broken-target runs.
pub const LARGE_SCENARIO: usize = 100;
/// The operations a large matrix keeps in broken-target runs: a REST write and an MCP tool call.
pub const REDUCED_OPERATIONS: [&str; 2] = ["tasks.update", "mcp.list_tasks"];
/// Broken targets run at once (each with its own server; the cases of each run in parallel too).
pub const PARALLEL_TARGETS: usize = 2;

/// How to self-validate.
#[derive(Debug, Clone)]
pub struct SelftestOptions {
    /// The scenario files: the bundled suite, paths on disk, or both.
    pub scenarios: SuiteSources,
    /// Cases in flight at once.
    pub jobs: usize,
    /// Seed of the canaries.
    pub seed: u64,
    /// Run the full matrices against every broken target too.
    pub full: bool,
    /// Only these broken targets (flaw or mutant ids); empty: all of them.
    pub only: Vec<String>,
}

/// A broken target: a flaw of the reference server or an HTTP-level mutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// `--flaw ID` of the reference server.
    Flaw(Flaw),
    /// A mutant (see [`mutants`]).
    Mutant(Mutant),
}

impl Broken {
    /// Every broken target: the flaws, then the mutants.
    pub fn all() -> Vec<Broken> {
        Flaw::ALL
            .iter()
            .map(|f| Broken::Flaw(*f))
            .chain(Mutant::ALL.iter().map(|m| Broken::Mutant(*m)))
            .collect()
    }

    /// The flaw or mutant id.
    pub fn id(self) -> &'static str {
        match self {
            Broken::Flaw(flaw) => flaw.id(),
            Broken::Mutant(mutant) => mutant.id(),
        }
    }

    /// What the broken target does wrong.
    pub fn description(self) -> &'static str {
        match self {
            Broken::Flaw(flaw) => flaw.description(),
            Broken::Mutant(mutant) => mutant.description(),
        }
    }

    /// `flaw` or `mutant`.
    pub fn kind(self) -> &'static str {
        match self {
            Broken::Flaw(_) => "flaw",
            Broken::Mutant(_) => "mutant",
        }
    }

    /// The criterion it breaks.
    pub fn criterion(self) -> Category {
        match self {
            Broken::Flaw(flaw) => match flaw.criterion() {
                Criterion::Enforcement => Category::Enforcement,
                Criterion::Robustness => Category::Robustness,
                Criterion::Isolation => Category::Isolation,
                Criterion::Statelessness => Category::Statelessness,
            },
            Broken::Mutant(mutant) => mutant.criterion(),
        }
    }
}

/// Self-validates the suite of `options.scenarios` with the embedded reference profile; `progress`
/// receives one line per run.
pub async fn selftest(
    options: &SelftestOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<SelftestReport, String> {
    let profile = Arc::new(Profile::embedded_reference().map_err(|err| err.to_string())?);
    let suite = scenario::load_sources(
        &options.scenarios,
        &profile,
        &LoadOptions::for_profile(&profile),
    )
    .map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!(
            "{} error(s) in scenario files:\n{}",
            errors.len(),
            lines.join("\n")
        )
    })?;
    let selected = selected_targets(options)?;
    let started = Instant::now();
    let clean = run_once(&suite, &profile, options, ReferenceOptions::default(), None).await?;
    let clean = Outcome::of(None, &clean);
    progress(&format!(
        "selftest: clean: {} cases, {} failed, {} errors ({:.1} s)",
        clean.cases,
        clean.failed_total(),
        clean.errors,
        clean.duration.as_secs_f64()
    ));
    let reduced_suite = Arc::new(if options.full {
        suite.clone()
    } else {
        reduce(&suite)
    });
    let styles = if options.only.is_empty() {
        run_styles_and_modes(&reduced_suite, &profile, options, progress).await?
    } else {
        Vec::new()
    };
    let broken = run_broken(selected, &reduced_suite, &profile, options, progress).await?;
    progress(&format!(
        "selftest: {} runs in {:.1} s",
        broken.len() + 1,
        started.elapsed().as_secs_f64()
    ));
    Ok(SelftestReport {
        scenarios: suite.scenarios.iter().map(|s| s.id.clone()).collect(),
        cases: suite.cases.len(),
        clean,
        broken,
        styles,
        reduced: !options.full,
    })
}

/// The broken targets `--only` selects (all of them without it); an error for an unknown id.
fn selected_targets(options: &SelftestOptions) -> Result<Vec<Broken>, String> {
    let selected: Vec<Broken> = Broken::all()
        .into_iter()
        .filter(|b| options.only.is_empty() || options.only.iter().any(|id| id == b.id()))
        .collect();
    if let Some(unknown) = options
        .only
        .iter()
        .find(|id| !Broken::all().iter().any(|b| b.id() == id.as_str()))
    {
        return Err(format!(
            "--only {unknown}: not a flaw or mutant id (see `authconform selftest --help`)"
        ));
    }
    Ok(selected)
}

/// The correct server with each legitimate presentation style, then in each other key mode:
/// (`style ID` or `mode ID`, outcome).
async fn run_styles_and_modes(
    reduced_suite: &Suite,
    profile: &Arc<Profile>,
    options: &SelftestOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<(String, Outcome)>, String> {
    let mut styles = Vec::new();
    for style in reference_server::Style::ALL {
        let reference = ReferenceOptions {
            styles: vec![*style],
            ..ReferenceOptions::default()
        };
        let profile = Arc::new(profile_for_style(*style, profile));
        let result = run_once(reduced_suite, &profile, options, reference, None).await?;
        let outcome = Outcome::of(None, &result);
        progress(&format!(
            "selftest: style {}: {} named ({:.1} s)",
            style.id(),
            outcome.named.len(),
            outcome.duration.as_secs_f64()
        ));
        styles.push((format!("style {}", style.id()), outcome));
    }
    for mode in ReferenceMode::ALL
        .iter()
        .filter(|mode| **mode != ReferenceMode::default())
    {
        let outcome = run_mode(*mode, options).await?;
        progress(&format!(
            "selftest: mode {}: {} named ({:.1} s)",
            mode.id(),
            outcome.named.len(),
            outcome.duration.as_secs_f64()
        ));
        styles.push((format!("mode {}", mode.id()), outcome));
    }
    Ok(styles)
}

/// Every selected broken target, [`PARALLEL_TARGETS`] at a time, with the reduced suite.
async fn run_broken(
    selected: Vec<Broken>,
    reduced_suite: &Arc<Suite>,
    profile: &Arc<Profile>,
    options: &SelftestOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Outcome>, String> {
    let slots = Arc::new(tokio::sync::Semaphore::new(PARALLEL_TARGETS));
    let mut handles = Vec::new();
    for target in selected {
        let (reference, mutant) = match target {
            Broken::Flaw(flaw) => (
                ReferenceOptions {
                    flaw: Some(flaw),
                    ..ReferenceOptions::default()
                },
                None,
            ),
            Broken::Mutant(mutant) => (
                ReferenceOptions {
                    key_drift: mutant.key_drift(),
                    ..ReferenceOptions::default()
                },
                Some(mutant),
            ),
        };
        let suite = Arc::clone(reduced_suite);
        let profile = Arc::clone(profile);
        let slots = Arc::clone(&slots);
        let (jobs, seed) = (options.jobs, options.seed);
        handles.push((
            target,
            tokio::spawn(async move {
                let _slot = slots.acquire_owned().await;
                run_target(&suite, &profile, jobs, seed, reference, mutant).await
            }),
        ));
    }
    let mut broken = Vec::new();
    for (target, handle) in handles {
        let result = handle
            .await
            .map_err(|err| format!("{} {}: the run failed: {err}", target.kind(), target.id()))??;
        let outcome = Outcome::of(Some(target), &result);
        progress(&format!(
            "selftest: {} {}: {} of {} cases failed, {} under {} ({:.1} s)",
            target.kind(),
            target.id(),
            outcome.failed_total(),
            outcome.cases,
            outcome.failed_in(target.criterion()),
            target.criterion().as_str(),
            outcome.duration.as_secs_f64()
        ));
        broken.push(outcome);
    }
    Ok(broken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flaw_and_mutant_is_a_broken_target_with_a_criterion() {
        let all = Broken::all();
        assert_eq!(all.len(), Flaw::ALL.len() + Mutant::ALL.len());
        assert_eq!(
            Broken::Flaw(Flaw::SessionCookieAccepted).criterion(),
            Category::Statelessness
        );
        assert_eq!(
            Broken::Flaw(Flaw::MalformedToken500).criterion(),
            Category::Robustness
        );
        assert_eq!(Broken::Mutant(Mutant::LenientIds).kind(), "mutant");
    }

    #[test]
    fn reduction_keeps_small_scenarios_and_a_few_operations_of_large_ones() {
        let profile = Profile::embedded_reference().unwrap();
        let suite = scenario::load_sources(
            &SuiteSources::bundled(),
            &profile,
            &LoadOptions::for_profile(&profile),
        )
        .unwrap();
        let reduced = reduce(&suite);
        assert!(reduced.cases.len() < suite.cases.len() / 2);
        for (index, _) in suite.scenarios.iter().enumerate() {
            let before = suite.cases.iter().filter(|c| c.scenario == index).count();
            let after = reduced.cases.iter().filter(|c| c.scenario == index).count();
            assert!(after > 0, "scenario {index} lost all its cases");
            if before <= LARGE_SCENARIO {
                assert_eq!(before, after);
            }
        }
    }
}
