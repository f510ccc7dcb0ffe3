//! `authconform validate`: check scenario files (and a profile) without a target.

use std::path::PathBuf;

use clap::Args;

use super::run::{load_profile, load_scenarios};
use super::{CliError, exit};
use crate::scenario::SuiteSources;

/// Check scenario files (and a profile) without a target.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  authconform validate\n  authconform validate scenarios/isolation --profile staging.yaml"
)]
pub struct ValidateArgs {
    /// Scenario files or folders (default: the bundled suite built into the binary; paths given here
    /// replace it, unless --with-bundled).
    paths: Vec<PathBuf>,
    /// Check the bundled suite as well as the paths given.
    #[arg(long)]
    with_bundled: bool,
    /// Target profile to check them against (default: the embedded reference-server profile).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
}

/// Runs `validate`.
pub fn run(args: ValidateArgs) -> Result<u8, CliError> {
    let profile = load_profile(args.profile.as_deref())?;
    let sources = SuiteSources::from_flags(&args.paths, args.with_bundled);
    let suite = load_scenarios(&sources, &profile)?;
    println!(
        "ok: {} scenarios, {} cases",
        suite.scenarios.len(),
        suite.cases.len()
    );
    Ok(exit::OK)
}
