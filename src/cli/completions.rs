//! `authconform completions SHELL`: the shell's completion script for every command and flag (and
//! the values of closed-set flags), printed to standard output.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CliError, exit};

/// Print a shell completion script.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    authconform completions bash > ~/.local/share/bash-completion/completions/authconform\n  \
    authconform completions zsh > ~/.zfunc/_authconform        (with fpath+=~/.zfunc before compinit)\n  \
    authconform completions fish > ~/.config/fish/completions/authconform.fish\n  \
    authconform completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

/// Runs `completions`.
pub fn run(args: CompletionsArgs) -> Result<u8, CliError> {
    let mut command = Cli::command();
    let mut stdout = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, "authconform", &mut stdout);
    Ok(exit::OK)
}
