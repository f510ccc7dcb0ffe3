//! `authconform selftest`: mutation testing of the suite against the embedded reference server (clean,
//! then once per flaw and per HTTP-level mutant); exit 0 when clean passes 100%, every broken target
//! is caught under its own criterion and every scenario is killed, 1 otherwise.

use clap::Args;

use super::run::ScenarioArgs;
use super::{CliError, exit};
use crate::runner;
use crate::selftest::{self, SelftestOptions};

/// Prove that the suite passes a correct server and catches every known flaw.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    authconform selftest                  (clean, then 26 flaws and 11 mutants)\n  \
    authconform selftest --only task-read-idor --only sets-cookie\n  \
    authconform selftest --full           (no reduced matrices for broken targets)\n\n\
Exit codes: 0 every check held, 1 the clean server failed a case, a broken target was not caught or a scenario was never failed, 2 usage error, 3 harness error.")]
pub struct SelftestArgs {
    #[command(flatten)]
    scenarios: ScenarioArgs,
    /// Cases in flight at once (default: 16 x cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Seed of the canaries.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Run every case against every broken target (by default the largest matrices keep a few
    /// operations there; the clean run is always complete).
    #[arg(long)]
    full: bool,
    /// Only this broken target (a flaw or mutant id; repeatable). Scenarios are then not all expected
    /// to be killed.
    #[arg(long = "only", value_name = "ID", value_parser = super::values::broken_target())]
    only: Vec<String>,
}

/// Runs `selftest`.
pub fn run(args: SelftestArgs) -> Result<u8, CliError> {
    let scenarios = args.scenarios.sources();
    if let Some(missing) = scenarios.paths.iter().find(|path| !path.exists()) {
        return Err(CliError::usage(format!(
            "{}: no such file or folder (without --scenarios, the bundled suite is used)",
            missing.display()
        )));
    }
    let options = SelftestOptions {
        scenarios,
        jobs: args.jobs.unwrap_or_else(runner::default_jobs),
        seed: args.seed,
        full: args.full,
        only: args.only.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::Unreachable(format!("cannot start the async runtime: {err}")))?;
    let report = runtime
        .block_on(selftest::selftest(&options, &|line: &str| {
            eprintln!("{line}")
        }))
        .map_err(|err| {
            if err.contains("error(s) in scenario files") || err.starts_with("--only") {
                CliError::usage(err)
            } else {
                CliError::Unreachable(err)
            }
        })?;
    let all_targets = args.only.is_empty();
    print!("{}", report.render(all_targets));
    Ok(if report.passed(all_targets) {
        exit::OK
    } else {
        exit::GATE_FAILED
    })
}
