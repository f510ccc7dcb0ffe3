//! `authconform schema`: the JSON Schema of profile, scenario or waiver files, as built into the binary (the
//! same text as the repository's `schemas/`), for editors outside a checkout.

use clap::{Args, ValueEnum};

use super::{CliError, exit};

/// Print the JSON Schema of profile, scenario or waiver files.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  authconform schema profile > schemas/profile.schema.json\n  authconform schema scenarios > schemas/scenarios.schema.json\n\nPoint a file's first line at it: # yaml-language-server: $schema=schemas/profile.schema.json"
)]
pub struct SchemaArgs {
    /// Which file kind.
    #[arg(value_enum)]
    kind: SchemaKind,
}

/// The file kinds with a schema.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SchemaKind {
    /// Target profiles (`--profile`).
    Profile,
    /// Scenario files (`--scenarios`).
    Scenarios,
    /// Waiver files (`run --waivers`).
    Waivers,
}

/// Runs `schema`.
pub fn run(args: SchemaArgs) -> Result<u8, CliError> {
    let text = match args.kind {
        SchemaKind::Profile => crate::profile::profile_schema(),
        SchemaKind::Scenarios => crate::scenario::scenarios_schema(),
        SchemaKind::Waivers => crate::verdict::waiver::waivers_schema(),
    };
    print!("{text}");
    Ok(exit::OK)
}
