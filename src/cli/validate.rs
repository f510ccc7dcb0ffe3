//! `authconform validate`: check scenario files (and a profile) without a target.

use std::path::PathBuf;

use clap::Args;

use super::run::{load_profile, load_scenarios};
use super::{CliError, exit};

/// Check scenario files (and a profile) without a target.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  authconform validate\n  authconform validate scenarios/isolation --profile staging.yaml"
)]
pub struct ValidateArgs {
    /// Scenario files or folders (default: ./scenarios).
    paths: Vec<PathBuf>,
    /// Target profile to check them against (default: the embedded reference-server profile).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
}

/// Runs `validate`.
pub fn run(args: ValidateArgs) -> Result<u8, CliError> {
    let profile = load_profile(args.profile.as_deref())?;
    let suite = load_scenarios(&args.paths, &profile)?;
    println!(
        "ok: {} scenarios, {} cases",
        suite.scenarios.len(),
        suite.cases.len()
    );
    Ok(exit::OK)
}
