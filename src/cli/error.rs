//! Errors at the CLI edge, each mapped to an exit code.

use super::exit;

/// What went wrong in a command, and which exit code it earns.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The user asked for something invalid, or a file they named is wrong.
    #[error("{0}")]
    Usage(String),
    /// The target did not answer.
    #[error("{0}")]
    Unreachable(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => exit::USAGE,
            CliError::Unreachable(_) => exit::UNREACHABLE,
        }
    }

    /// A usage error from anything printable.
    pub fn usage(message: impl std::fmt::Display) -> Self {
        CliError::Usage(message.to_string())
    }
}
