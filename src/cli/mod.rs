//! The command line: one module per subcommand; errors mapped to the exit codes of [`exit`].

mod color;
mod completions;
mod error;
pub mod exit;
mod fuzz;
mod init;
mod issuer;
mod keys;
mod list;
mod merge;
mod mint;
mod mutations;
mod run;
mod schema;
mod selftest;
mod validate;
mod values;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

pub use error::CliError;

/// Security conformance harness and fuzzer for JWT-protected, multi-tenant HTTP APIs.
///
/// With no command, runs the bundled suite against the bundled reference server (`authconform run`).
#[derive(Debug, Parser)]
#[command(name = "authconform", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Colour the output: auto (a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_name = "WHEN", value_enum, default_value_t)]
    color: color::ColorChoice,
}

const EXAMPLES: &str = "\
Examples:
  authconform                    the bundled suite against the embedded reference server
  authconform run --target https://staging.example --profile staging.yaml
  authconform run --report junit:auth.xml --report json:auth.json
  authconform run --partition hash:1/4 --seed 42 --report json:shard-1.json   (one of 4 CI shards)
  authconform merge shard-*.json --report sarif:auth.sarif   (one run again from the shards)
  authconform list               scenarios and case counts per criterion
  authconform validate scenarios/
  authconform mutations          the attack catalog
  authconform mint --as alice --decode
  authconform init --openapi http://127.0.0.1:8000/openapi.json --out profile.yaml
  authconform completions bash   a shell completion script (bash, zsh, fish, powershell, elvish)

Exit codes: 0 gate passed, 1 gate failed, 2 usage or configuration error, 3 target unreachable.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenarios against a target and gate on 100% per criterion.
    Run(run::RunArgs),
    /// Merge the JSON reports of a partitioned run's shards into one run: one gate and every report.
    Merge(merge::MergeArgs),
    /// List scenarios and their number of expanded cases, per criterion.
    List(list::ListArgs),
    /// Check scenario files (and a profile) without a target.
    Validate(validate::ValidateArgs),
    /// Mint a token from a profile, optionally forged by catalog mutations.
    Mint(mint::MintArgs),
    /// List the catalog of token and transport mutations.
    Mutations(mutations::MutationsArgs),
    /// Work with TEST ONLY key sets.
    Keys(keys::KeysArgs),
    /// Fuzz a target's routes with mutated tokens; save minimal reproducers of findings.
    Fuzz(fuzz::FuzzArgs),
    /// Prove the suite: pass the clean reference server, catch each of its flaws and mutants.
    Selftest(selftest::SelftestArgs),
    /// Serve the issuer's public JWKS until stopped (a Better Auth stand-in).
    Issuer(issuer::IssuerArgs),
    /// Write a target profile from an OpenAPI 3.0/3.1 document (a file or a URL).
    Init(init::InitArgs),
    /// Print the JSON Schema of profile or scenario files (for editors).
    Schema(schema::SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
}

/// Parses the arguments, runs the command, and returns the process exit code.
pub fn main() -> u8 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let choice = color::ColorChoice::from_args(&args);
    let parsed = Cli::command()
        .color(choice.for_clap())
        .try_get_matches_from(args)
        .and_then(|matches| {
            Cli::from_arg_matches(&matches).map_err(|err| err.format(&mut Cli::command()))
        });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
        }
    };
    cli.color.apply();
    let outcome = match cli.command {
        None => run::run(run::RunArgs::default()),
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Merge(args)) => merge::run(args),
        Some(Command::List(args)) => list::run(args),
        Some(Command::Validate(args)) => validate::run(args),
        Some(Command::Mint(args)) => mint::run(args),
        Some(Command::Mutations(args)) => mutations::run(args),
        Some(Command::Keys(args)) => keys::run(args),
        Some(Command::Fuzz(args)) => fuzz::run(args),
        Some(Command::Selftest(args)) => selftest::run(args),
        Some(Command::Issuer(args)) => issuer::run(args),
        Some(Command::Init(args)) => init::run(args),
        Some(Command::Schema(args)) => schema::run(args),
        Some(Command::Completions(args)) => completions::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    }
}
