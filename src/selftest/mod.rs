//! Self-validation (mutation testing of the suite): the bundled scenarios run against the embedded
//! reference server once clean and once per broken target, one server per target, cases in parallel.
//!
//! - clean must pass 100% (skips only with a stated reason);
//! - every broken target must make at least one case fail under its own criterion (the mutation
//!   score, which must be 100%);
//! - every scenario must be failed by at least one broken target, or it is a check that cannot fail.
//!
//! The broken targets are the reference server's 25 flaws (`--flaw`) and the HTTP-level
//! [`mutants::Mutant`]s, which break the rules no flaw breaks (cookies, existence oracle, mass
//! assignment, validation, ...). To keep the wall time low, the broken-target runs send the largest
//! matrices (more than [`LARGE_SCENARIO`] cases) through a few operations only; `full` lifts that.

pub mod mutants;
pub mod specificity;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reference_server::Flaw;
use reference_server::flaws::Criterion;

use crate::embedded::{self, EmbeddedReference, ReferenceMode, ReferenceOptions};
use crate::profile::Profile;
use crate::runner::{self, RunEnvironment, RunOptions, RunResult, Verdict};
use crate::scenario::plan::{Category, Suite};
use crate::scenario::{self, LoadOptions};
use mutants::{Mutant, MutantProxy};

/// A scenario with more cases than this is reduced to [`REDUCED_OPERATIONS`] in broken-target runs.
pub const LARGE_SCENARIO: usize = 100;
/// The operations a large matrix keeps in broken-target runs: a REST write and an MCP tool call.
pub const REDUCED_OPERATIONS: [&str; 2] = ["tasks.update", "mcp.list_tasks"];
/// Broken targets run at once (each with its own server; the cases of each run in parallel too).
pub const PARALLEL_TARGETS: usize = 2;

/// How to self-validate.
#[derive(Debug, Clone)]
pub struct SelftestOptions {
    /// Scenario files or folders.
    pub scenarios: Vec<PathBuf>,
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
    fn of(broken: Option<Broken>, result: &RunResult) -> Outcome {
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

/// The result of a self-validation.
#[derive(Debug, Clone)]
pub struct SelftestReport {
    /// Scenario ids of the suite, in order.
    pub scenarios: Vec<String>,
    /// Cases of the full suite.
    pub cases: usize,
    /// The clean run.
    pub clean: Outcome,
    /// One outcome per broken target, in [`Broken::all`] order.
    pub broken: Vec<Outcome>,
    /// Whether the broken-target runs used reduced matrices.
    pub reduced: bool,
    /// The correct server with each legitimate presentation style and in each other key mode:
    /// (`style ID` or `mode ID`, outcome).
    pub styles: Vec<(String, Outcome)>,
}

impl SelftestReport {
    /// The clean reference server passes every case (skips with a stated reason are allowed).
    pub fn clean_passed(&self) -> bool {
        self.clean.failed_total() == 0 && self.clean.errors == 0
    }

    /// (caught, total) broken targets.
    pub fn mutation_score(&self) -> (usize, usize) {
        let caught = self.broken.iter().filter(|o| o.caught()).count();
        (caught, self.broken.len())
    }

    /// For each scenario, the broken targets that made one of its cases fail.
    pub fn killers(&self) -> Vec<(String, Vec<&'static str>)> {
        self.scenarios
            .iter()
            .map(|scenario| {
                let killers = self
                    .broken
                    .iter()
                    .filter(|o| o.failed_scenarios.contains(scenario))
                    .filter_map(|o| o.broken.map(Broken::id))
                    .collect();
                (scenario.clone(), killers)
            })
            .collect()
    }

    /// Scenarios no broken target made fail: checks that cannot fail.
    pub fn survivors(&self) -> Vec<String> {
        self.killers()
            .into_iter()
            .filter(|(_, killers)| killers.is_empty())
            .map(|(scenario, _)| scenario)
            .collect()
    }

    /// The confusion matrix is diagonal: every flaw names exactly its declared set, and the clean
    /// server names nothing, in every key mode and style (a style shows only its declared notes).
    pub fn specific(&self) -> bool {
        let exact =
            |(extra, missing): (Vec<String>, Vec<String>)| extra.is_empty() && missing.is_empty();
        self.clean.named.is_empty()
            && self
                .styles
                .iter()
                .all(|(style, outcome)| exact(style_difference(style, outcome)))
            && self
                .broken
                .iter()
                .all(|outcome| exact(outcome.off_diagonal()))
    }

    /// Every check passed: clean at 100%, every broken target caught, every scenario killed, the
    /// confusion matrix diagonal. With `--only`, the scenarios are not all expected to be killed.
    pub fn passed(&self, all_targets: bool) -> bool {
        let (caught, total) = self.mutation_score();
        self.clean_passed()
            && caught == total
            && (!all_targets || self.survivors().is_empty())
            && self.specific()
    }

    /// The confusion matrix: what each flaw and each style was named, against what it must be.
    fn render_specificity(&self, out: &mut String) {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "confusion matrix: weaknesses named (failing or noted) against each flaw's declared set (specs/flaws.md)"
        );
        let mut rows: Vec<(String, &Outcome, Difference)> =
            vec![("clean".to_string(), &self.clean, self.clean.off_diagonal())];
        rows.extend(
            self.styles
                .iter()
                .map(|(label, outcome)| (label.clone(), outcome, style_difference(label, outcome))),
        );
        rows.extend(
            self.broken
                .iter()
                .filter(|o| matches!(o.broken, Some(Broken::Flaw(_))))
                .filter_map(|o| {
                    o.broken
                        .map(|b| (format!("flaw {}", b.id()), o, o.off_diagonal()))
                }),
        );
        for (name, outcome, (extra, missing)) in rows {
            let named: Vec<&str> = outcome.named.iter().map(String::as_str).collect();
            let named = if named.is_empty() {
                "nothing".to_string()
            } else {
                named.join(", ")
            };
            let verdict = if extra.is_empty() && missing.is_empty() {
                "exact".to_string()
            } else {
                let mut parts = Vec::new();
                if !extra.is_empty() {
                    parts.push(format!("OFF-DIAGONAL {}", extra.join(", ")));
                }
                if !missing.is_empty() {
                    parts.push(format!("MISSING {}", missing.join(", ")));
                }
                parts.join("; ")
            };
            let _ = writeln!(out, "  {name:<44} {named}: {verdict}");
        }
        let _ = writeln!(
            out,
            "specificity: {}",
            if self.specific() {
                "diagonal"
            } else {
                "NOT DIAGONAL"
            }
        );
    }

    /// The report: the clean run, the broken target x criterion matrix, the mutation score and the
    /// scenarios with their killers.
    pub fn render(&self, all_targets: bool) -> String {
        let mut out = String::new();
        let flaws = self
            .broken
            .iter()
            .filter(|o| matches!(o.broken, Some(Broken::Flaw(_))))
            .count();
        let _ = writeln!(
            out,
            "authconform selftest: {} scenarios, {} cases, against the reference server clean and broken {} ways ({} flaws, {} HTTP-level mutants)",
            self.scenarios.len(),
            self.cases,
            self.broken.len(),
            flaws,
            self.broken.len() - flaws
        );
        if self.reduced {
            let _ = writeln!(
                out,
                "(broken-target runs send scenarios of more than {LARGE_SCENARIO} cases through {} only; --full lifts this)",
                REDUCED_OPERATIONS.join(", ")
            );
        }
        let _ = writeln!(out);
        let clean = &self.clean;
        let _ = writeln!(
            out,
            "clean: {} cases, {} failed, {} errors, {} skipped with a stated reason ({:.1} s): {}",
            clean.cases,
            clean.failed_total(),
            clean.errors,
            clean.skipped,
            clean.duration.as_secs_f64(),
            if self.clean_passed() {
                "PASS (100% on every criterion)"
            } else {
                "FAIL"
            }
        );
        for example in &clean.examples {
            let _ = writeln!(out, "  {example}");
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "failing cases per criterion; [n] is the broken target's own criterion"
        );
        let _ = writeln!(
            out,
            "{:<44} {:>11} {:>11} {:>13} {:>11}  caught",
            "broken target", "enforcement", "isolation", "statelessness", "robustness"
        );
        for outcome in &self.broken {
            let Some(broken) = outcome.broken else {
                continue;
            };
            let cells: Vec<String> = Category::ALL
                .iter()
                .map(|category| {
                    let n = outcome.failed_in(*category);
                    if *category == broken.criterion() {
                        format!("[{n}]")
                    } else if n == 0 {
                        ".".to_string()
                    } else {
                        n.to_string()
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "{:<44} {:>11} {:>11} {:>13} {:>11}  {}",
                format!("{} {}", broken.kind(), broken.id()),
                cells[0],
                cells[1],
                cells[2],
                cells[3],
                if outcome.caught() { "yes" } else { "NO" }
            );
        }
        if !all_targets {
            for outcome in &self.broken {
                let Some(broken) = outcome.broken else {
                    continue;
                };
                let _ = writeln!(out, "\n{} {}, first failures:", broken.kind(), broken.id());
                for example in &outcome.examples {
                    let _ = writeln!(out, "  {example}");
                }
            }
        }
        let (caught, total) = self.mutation_score();
        let percent = |n: usize, d: usize| {
            if d == 0 {
                100.0
            } else {
                n as f64 * 100.0 / d as f64
            }
        };
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "mutation score: {caught}/{total} broken targets caught under their own criterion ({:.1}%)",
            percent(caught, total)
        );
        let killers = self.killers();
        let killed = killers.iter().filter(|(_, k)| !k.is_empty()).count();
        let _ = writeln!(
            out,
            "scenarios killed: {killed}/{} ({:.1}%)",
            killers.len(),
            percent(killed, killers.len())
        );
        for (scenario, by) in &killers {
            let shown: Vec<&str> = by.iter().take(4).copied().collect();
            let more = by.len().saturating_sub(shown.len());
            let by = match (by.is_empty(), more) {
                (true, _) => "NOT KILLED: a check that cannot fail".to_string(),
                (false, 0) => shown.join(", "),
                (false, more) => format!("{} (+{more})", shown.join(", ")),
            };
            let _ = writeln!(out, "  {scenario:<36} {by}");
        }
        self.render_specificity(&mut out);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "selftest: {}",
            if self.passed(all_targets) {
                "PASSED"
            } else {
                "FAILED"
            }
        );
        out
    }
}

/// The profile a style is declared in: FastAPI's legacy 403 for a missing token is legitimate only
/// where the profile says so (`policy.missing_token_status: [401, 403]`).
pub fn profile_for_style(style: reference_server::Style, profile: &Profile) -> Profile {
    let mut profile = profile.clone();
    if style == reference_server::Style::MissingToken403 {
        profile.policy.missing_token_status = vec![401, 403];
    }
    profile
}

/// The reduced suite against the correct server in another key mode, with that mode's example
/// profile (and its hosted issuer, for a JWKS URL).
async fn run_mode(mode: ReferenceMode, options: &SelftestOptions) -> Result<Outcome, String> {
    let path = mode.profile_path();
    let profile =
        Arc::new(Profile::load(&path).map_err(|err| format!("{}: {err}", path.display()))?);
    let suite = scenario::load_suite(
        &options.scenarios,
        &profile,
        &LoadOptions::for_profile(&profile),
    )
    .map_err(|errors| format!("{} error(s) in scenario files", errors.len()))?;
    let suite = if options.full { suite } else { reduce(&suite) };
    let issuer = embedded::start_hosted_issuer(&profile).await?;
    let reference = ReferenceOptions {
        mode,
        ..ReferenceOptions::default()
    }
    .with_issuer(issuer.as_ref());
    let result = run_target(
        &suite,
        &profile,
        options.jobs,
        options.seed,
        reference,
        None,
    )
    .await?;
    drop(issuer);
    Ok(Outcome::of(None, &result))
}

/// Weaknesses named but not declared, and declared but not named.
type Difference = (Vec<String>, Vec<String>);

/// How a style's named set differs from the notes it must be shown with.
fn style_difference(label: &str, outcome: &Outcome) -> Difference {
    let style = label.strip_prefix("style ").unwrap_or(label);
    specificity::difference(&outcome.named, &specificity::style_notes(style))
}

/// Keeps the cases of large scenarios whose `operation` is one of [`REDUCED_OPERATIONS`].
pub fn reduce(suite: &Suite) -> Suite {
    let mut counts = vec![0usize; suite.scenarios.len()];
    for case in &suite.cases {
        counts[case.scenario] += 1;
    }
    let cases = suite
        .cases
        .iter()
        .filter(|case| {
            counts[case.scenario] <= LARGE_SCENARIO
                || case
                    .bindings
                    .iter()
                    .find(|(name, _)| name == "operation")
                    .is_none_or(|(_, op)| REDUCED_OPERATIONS.contains(&op.as_str()))
        })
        .cloned()
        .collect();
    Suite {
        scenarios: suite.scenarios.clone(),
        cases,
        set_aside: suite.set_aside.clone(),
    }
}

/// Runs `suite` against a fresh embedded reference server, behind `mutant`'s proxy if it is one.
async fn run_once(
    suite: &Suite,
    profile: &Arc<Profile>,
    options: &SelftestOptions,
    reference: ReferenceOptions,
    mutant: Option<Mutant>,
) -> Result<RunResult, String> {
    let jobs = options.jobs;
    let seed = options.seed;
    run_target(suite, profile, jobs, seed, reference, mutant).await
}

async fn run_target(
    suite: &Suite,
    profile: &Arc<Profile>,
    jobs: usize,
    seed: u64,
    reference: ReferenceOptions,
    mutant: Option<Mutant>,
) -> Result<RunResult, String> {
    let server = EmbeddedReference::start(reference).await?;
    let proxy = match mutant.filter(|m| m.is_proxy()) {
        Some(mutant) => Some(MutantProxy::start(mutant, &server.base_url()).await?),
        None => None,
    };
    let base_url = proxy
        .as_ref()
        .map_or_else(|| server.base_url(), MutantProxy::base_url);
    let run_options = RunOptions {
        base_url,
        jobs,
        fail_fast: false,
        seed,
        adaptive: false,
        strict: false,
        embedded: true,
    };
    let environment = RunEnvironment {
        instances: Some(Arc::clone(&server) as Arc<dyn runner::Instances>),
    };
    let result = runner::run_with(
        suite,
        Arc::clone(profile),
        &run_options,
        Arc::new(|_: &runner::CaseResult| {}),
        environment,
    )
    .await
    .map_err(|err| err.to_string());
    drop(proxy);
    server.shutdown().await;
    result
}

/// Self-validates the suite of `options.scenarios` with the embedded reference profile; `progress`
/// receives one line per run.
pub async fn selftest(
    options: &SelftestOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<SelftestReport, String> {
    let profile = Arc::new(Profile::embedded_reference().map_err(|err| err.to_string())?);
    let suite = scenario::load_suite(
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
    let mut styles = Vec::new();
    if options.only.is_empty() {
        for style in reference_server::Style::ALL {
            let reference = ReferenceOptions {
                styles: vec![*style],
                ..ReferenceOptions::default()
            };
            let profile = Arc::new(profile_for_style(*style, &profile));
            let result = run_once(&reduced_suite, &profile, options, reference, None).await?;
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
    }
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
        let suite = Arc::clone(&reduced_suite);
        let profile = Arc::clone(&profile);
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
        let suite = scenario::load_suite(
            &[PathBuf::from("scenarios")],
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
