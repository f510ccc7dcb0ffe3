//! `authconform keys generate`: writes fresh TEST ONLY issuer and attacker key sets.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::CliError;
use crate::token::keys::write_fixture_keys;

/// Work with test key sets.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  authconform keys generate --out fixtures/keys")]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Generate fresh TEST ONLY issuer and attacker key sets (Ed25519, RSA-2048, P-256, P-384, HS256).
    ///
    /// Writes OUT/issuer/ and OUT/attacker/ with PKCS#8 private keys, SPKI public keys, JWKS files and an
    /// HS256 secret, plus OUT/README.md. Existing files are replaced.
    ///
    /// Example: authconform keys generate --out fixtures/keys
    Generate {
        /// Folder to write the key sets into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// Runs `keys`.
pub fn run(args: KeysArgs) -> Result<u8, CliError> {
    match args.command {
        KeysCommand::Generate { out } => {
            write_fixture_keys(&out).map_err(|err| {
                CliError::usage(format!("cannot write keys to {}: {err}", out.display()))
            })?;
            println!(
                "wrote TEST ONLY key sets to {}/issuer and {}/attacker",
                out.display(),
                out.display()
            );
            Ok(super::exit::OK)
        }
    }
}
