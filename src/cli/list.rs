//! `authconform list`: scenarios and their number of expanded cases, per criterion.

use std::fmt::Write;
use std::path::PathBuf;

use clap::Args;

use super::run::{load_profile, load_scenarios};
use super::{CliError, exit};
use crate::scenario::plan::{Category, Suite};

/// List scenarios and their number of expanded cases, per criterion.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  authconform list\n  authconform list --scenarios scenarios/isolation"
)]
pub struct ListArgs {
    /// Target profile (default: the embedded reference-server profile).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Scenario files or folders (repeatable; default: ./scenarios).
    #[arg(long = "scenarios", value_name = "PATH")]
    scenarios: Vec<PathBuf>,
}

/// Runs `list`.
pub fn run(args: ListArgs) -> Result<u8, CliError> {
    let profile = load_profile(args.profile.as_deref())?;
    let suite = load_scenarios(&args.scenarios, &profile)?;
    print!("{}", listing(&suite));
    Ok(exit::OK)
}

/// The listing text.
pub fn listing(suite: &Suite) -> String {
    let mut out = String::new();
    for category in Category::ALL {
        let scenarios: Vec<(usize, &crate::scenario::plan::ScenarioInfo)> = suite
            .scenarios
            .iter()
            .enumerate()
            .filter(|(_, s)| s.category == category)
            .collect();
        let total: usize = scenarios
            .iter()
            .map(|(index, _)| count(suite, *index))
            .sum();
        let _ = writeln!(
            out,
            "{} ({} scenarios, {total} cases)",
            category.as_str(),
            scenarios.len()
        );
        for (index, scenario) in scenarios {
            let _ = writeln!(
                out,
                "  {:<48} {:>5}  {}",
                scenario.id,
                count(suite, index),
                scenario.title
            );
        }
    }
    let _ = writeln!(
        out,
        "total: {} scenarios, {} cases",
        suite.scenarios.len(),
        suite.cases.len()
    );
    out
}

fn count(suite: &Suite, scenario: usize) -> usize {
    suite
        .cases
        .iter()
        .filter(|case| case.scenario == scenario)
        .count()
}
