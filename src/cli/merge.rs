//! `authconform merge`: one run again from the JSON reports of a partitioned run's shards
//! (`run --partition SCHEME:K/N --report json:PATH`). The shards must be of one plan (the same
//! suite, filters, sample and seed), each shard given once; their cases are put back in plan order,
//! and the terminal summary, every report and the exit code are those of `run`, written by the same
//! code: what one unsharded run would have given.

use std::path::{Path, PathBuf};

use clap::Args;

use super::CliError;
use super::run::{GateArgs, ReportSpec, Reports, conclude};
use crate::outcome::{CaseResult, RunConditions, RunResult, Shard};
use crate::report::json::read;
use crate::runner::partition::{Scheme, plan_sha256};
use crate::verdict::waiver::KnownNames;

/// Merge the JSON reports of a partitioned run's shards into one run: one gate and every report.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    authconform run --partition hash:1/2 --seed 42 --report json:shard-1.json   (on one machine)\n  \
    authconform run --partition hash:2/2 --seed 42 --report json:shard-2.json   (on another)\n  \
    authconform merge shard-1.json shard-2.json --report sarif:authconform.sarif\n\n\
    Exit codes as `run`: 0 gate passed, 1 gate failed, 2 the reports are not every shard of one run, 3 a shard stopped early.")]
pub struct MergeArgs {
    /// The shards' JSON reports, one per shard, in any order.
    #[arg(value_name = "SHARD.json", required = true)]
    shards: Vec<PathBuf>,
    /// Write a report of the merged run: json, junit, sarif, markdown or html, as FORMAT:PATH
    /// (repeatable). With none, Markdown is appended to $GITHUB_STEP_SUMMARY when that is set.
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    reports: Vec<String>,
    /// Waivers and baseline, applied to the merged run as `run` applies them (the shards' own marks
    /// are not read).
    #[command(flatten)]
    gate: GateArgs,
}

/// Runs `merge`.
pub fn run(args: MergeArgs) -> Result<u8, CliError> {
    let specs = args
        .reports
        .iter()
        .map(|spec| ReportSpec::parse(spec))
        .collect::<Result<Vec<_>, _>>()?;
    let shards = args
        .shards
        .iter()
        .map(|path| read_shard(path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut merged = merge(shards)?;
    let gate = args.gate.gate(&known_names(&merged))?;
    let scenarios = merged.scenarios.clone();
    let mut written = Reports::new(&specs, &scenarios, gate);
    for (index, mut case) in std::mem::take(&mut merged.cases).into_iter().enumerate() {
        case.gate = Default::default();
        crate::runner::Sink::case(&mut written, index, case);
    }
    merged.cases = written.take_cases();
    conclude(merged, written, specs.is_empty())
}

/// The names a waiver may use in a merge: the merged run's scenarios and weaknesses (operations are
/// not in the reports, so an operation a waiver names is not checked).
fn known_names(merged: &crate::outcome::RunResult) -> KnownNames {
    let mut weaknesses: Vec<String> = merged.cases.iter().map(|c| c.weakness.id.clone()).collect();
    weaknesses.sort_unstable();
    weaknesses.dedup();
    KnownNames {
        weaknesses,
        scenarios: Some(merged.scenarios.iter().map(|s| s.id.clone()).collect()),
        operations: None,
    }
}

/// One shard's report: its path, its run and which shard it is.
struct ShardRun {
    path: PathBuf,
    run: RunResult,
    shard: Shard,
}

fn read_shard(path: &Path) -> Result<ShardRun, CliError> {
    let failed = |why: String| CliError::usage(format!("{}: {why}", path.display()));
    let text = crate::yaml::read_limited(path, SHARD_LIMIT).map_err(failed)?;
    let mut run = read::read(&text).map_err(|err| failed(err.to_string()))?;
    let shard =
        run.conditions.partition.take().ok_or_else(|| {
            failed("not a shard's report (its run had no --partition)".to_string())
        })?;
    if Scheme::parse(&shard.scheme).is_none() || shard.positions.len() != run.cases.len() {
        return Err(failed("its partition does not match its cases".to_string()));
    }
    Ok(ShardRun {
        path: path.to_path_buf(),
        run,
        shard,
    })
}

/// The largest shard report read (a folder, a device or a bigger file is refused before reading).
const SHARD_LIMIT: u64 = 4 << 30;

/// The shards made one run: checked to be every shard of one plan, once each.
fn merge(mut shards: Vec<ShardRun>) -> Result<RunResult, CliError> {
    shards.sort_by_key(|shard| shard.shard.shard);
    let first = &shards[0];
    for other in &shards[1..] {
        if let Some(what) = differs(first, other) {
            return Err(CliError::usage(format!(
                "{} and {} are not shards of one run: {what}",
                first.path.display(),
                other.path.display()
            )));
        }
    }
    every_shard_once(&shards)?;
    let plan = first.shard.clone();
    let first_path = first.path.clone();
    let mut cases: Vec<Option<CaseResult>> = vec![None; plan.plan_cases];
    for shard in &mut shards {
        for (position, case) in shard.shard.positions.iter().zip(shard.run.cases.drain(..)) {
            match cases.get_mut(*position) {
                Some(slot @ None) => *slot = Some(case),
                _ => return Err(not_the_plan(&shard.path)),
            }
        }
    }
    let cases: Vec<CaseResult> = cases.into_iter().flatten().collect();
    if cases.len() != plan.plan_cases
        || plan_sha256(cases.iter().map(|case| case.id.as_str())) != plan.plan_sha256
    {
        return Err(not_the_plan(&first_path));
    }
    eprintln!(
        "merged {} shards ({}:K/{}) of a plan of {} cases",
        shards.len(),
        plan.scheme,
        plan.total,
        plan.plan_cases
    );
    let first = &shards[0].run;
    Ok(RunResult {
        target: first.target.clone(),
        scenarios: first.scenarios.clone(),
        cases,
        duration: shards
            .iter()
            .map(|shard| shard.run.duration)
            .max()
            .unwrap_or_default(),
        conditions: RunConditions::combine(
            &shards
                .iter()
                .map(|shard| &shard.run.conditions)
                .collect::<Vec<_>>(),
            plan.plan_cases,
        ),
        gate: Default::default(),
    })
}

fn not_the_plan(path: &Path) -> CliError {
    CliError::usage(format!(
        "{}: the shards' cases do not make their plan again (a report was edited, or cut short)",
        path.display()
    ))
}

/// What makes two shards' reports not of one run, in words.
fn differs(a: &ShardRun, b: &ShardRun) -> Option<String> {
    let (x, y) = (&a.shard, &b.shard);
    let (p, q) = (&a.run.conditions, &b.run.conditions);
    let checks: [(&str, bool, String, String); 7] = [
        (
            "partition",
            x.scheme != y.scheme || x.total != y.total,
            format!("{}:K/{}", x.scheme, x.total),
            format!("{}:K/{}", y.scheme, y.total),
        ),
        (
            "plan (suite, --filter, --sample)",
            x.plan_cases != y.plan_cases || x.plan_sha256 != y.plan_sha256,
            format!("{} cases", x.plan_cases),
            format!("{} cases", y.plan_cases),
        ),
        (
            "--seed",
            p.seed != q.seed,
            p.seed.to_string(),
            q.seed.to_string(),
        ),
        (
            "gate level",
            p.strict != q.strict,
            level(p.strict),
            level(q.strict),
        ),
        (
            "profile",
            p.profile != q.profile,
            format!("{:?}", p.profile),
            format!("{:?}", q.profile),
        ),
        (
            "target",
            p.embedded != q.embedded || (!p.embedded && a.run.target != b.run.target),
            a.run.target.clone(),
            b.run.target.clone(),
        ),
        (
            "scenarios",
            a.run.scenarios != b.run.scenarios,
            format!("{} scenarios", a.run.scenarios.len()),
            format!("{} scenarios", b.run.scenarios.len()),
        ),
    ];
    checks
        .into_iter()
        .find(|(_, differ, ..)| *differ)
        .map(|(what, _, x, y)| format!("their {what} differs ({x} and {y})"))
}

fn level(strict: bool) -> String {
    if strict { "strict" } else { "default" }.to_string()
}

/// Each shard 1..=N given exactly once.
fn every_shard_once(shards: &[ShardRun]) -> Result<(), CliError> {
    let total = shards[0].shard.total;
    for pair in shards.windows(2) {
        if pair[0].shard.shard == pair[1].shard.shard {
            return Err(CliError::usage(format!(
                "shard {}/{total} is given twice: {} and {}",
                pair[0].shard.shard,
                pair[0].path.display(),
                pair[1].path.display()
            )));
        }
    }
    let given: Vec<usize> = shards.iter().map(|shard| shard.shard.shard).collect();
    let missing: Vec<String> = (1..=total)
        .filter(|k| !given.contains(k))
        .map(|k| format!("{k}/{total}"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let given: Vec<String> = given.iter().map(ToString::to_string).collect();
    Err(CliError::usage(format!(
        "shard {} missing (given: {}): merge needs the JSON report of every shard",
        missing.join(", "),
        given.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Control, Halted, Verdict};
    use crate::scenario::plan::{Category, ScenarioInfo};

    /// Shard `k` of 2 of a plan of ids a, b, c, d: a and c in shard 1, b and d in shard 2.
    fn shard(k: usize, seed: u64) -> ShardRun {
        let ids = ["a", "b", "c", "d"];
        let positions: Vec<usize> = (0..4).filter(|at| at % 2 == k - 1).collect();
        let cases = positions
            .iter()
            .map(|&at| {
                let mut case = CaseResult::sample(Verdict::Pass, Vec::new());
                case.id = ids[at].into();
                case
            })
            .collect();
        let control = |problem: &str| Control {
            operation: "tasks.list".into(),
            principal: "alice".into(),
            status: Some(200),
            problem: problem.into(),
        };
        ShardRun {
            path: PathBuf::from(format!("shard-{k}.json")),
            run: RunResult {
                target: "http://t".into(),
                scenarios: vec![ScenarioInfo {
                    id: "s".into(),
                    title: String::new(),
                    category: Category::Enforcement,
                    requirements: Vec::new(),
                    tags: Vec::new(),
                    file: "s.yaml".into(),
                    line: 1,
                    note: None,
                }],
                cases,
                duration: std::time::Duration::from_millis(10 * k as u64),
                conditions: RunConditions {
                    seed,
                    jobs: k,
                    load_5xx: 1,
                    controls: vec![control(if k == 2 { "refused" } else { "" })],
                    ..RunConditions::default()
                },
                gate: Default::default(),
            },
            shard: Shard {
                scheme: "count".into(),
                shard: k,
                total: 2,
                plan_cases: 4,
                plan_sha256: plan_sha256(ids.into_iter()),
                positions,
            },
        }
    }

    #[test]
    fn shards_merge_in_plan_order_with_the_worst_control() {
        let merged = merge(vec![shard(2, 7), shard(1, 7)]).unwrap();
        let ids: Vec<&str> = merged.cases.iter().map(|case| case.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert_eq!(merged.conditions.jobs, 2);
        assert_eq!(merged.conditions.load_5xx, 2);
        assert_eq!(merged.conditions.controls[0].problem, "refused");
        assert_eq!(merged.duration, std::time::Duration::from_millis(20));
        assert!(
            !merged.gate_passed(),
            "a control refused in a shard fails the gate"
        );
    }

    #[test]
    fn a_stopped_shard_stops_the_merge() {
        let mut stopped = shard(2, 7);
        stopped.run.conditions.halted = Some(Halted {
            cause: crate::outcome::HaltCause::TargetSilent {
                failures: 5,
                last_failure: "refused".into(),
            },
            cases_run: 1,
            cases_total: 3,
            last_answer: None,
        });
        let merged = merge(vec![shard(1, 7), stopped]).unwrap();
        let halted = merged.conditions.halted.expect("the merge is incomplete");
        assert_eq!((halted.cases_run, halted.cases_total), (2, 4));
    }

    #[test]
    fn mismatched_or_edited_shards_are_refused() {
        let err = |shards| merge(shards).unwrap_err().to_string();
        assert!(err(vec![shard(1, 7), shard(2, 8)]).contains("their --seed differs (7 and 8)"));
        let mut edited = shard(2, 7);
        edited.run.cases[0].id = "x".into();
        assert!(err(vec![shard(1, 7), edited]).contains("do not make their plan again"));
        let mut overlapping = shard(2, 7);
        overlapping.shard.positions = vec![0, 3];
        assert!(err(vec![shard(1, 7), overlapping]).contains("do not make their plan again"));
    }
}
