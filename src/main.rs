//! The `authconform` binary: everything lives in the library's `cli` module.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(authconform::cli::main())
}
