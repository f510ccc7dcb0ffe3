//! Running the `authconform` binary from black-box tests: from the repository root (so that
//! repository paths given as arguments resolve), with a fixed help width, no colour override and no GitHub step summary.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::PathBuf;

use assert_cmd::Command;

/// The binary, ready to take arguments.
pub fn authconform() -> Command {
    let mut command = Command::cargo_bin("authconform").expect("the binary is built");
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("GITHUB_STEP_SUMMARY");
    command
}

/// What a run of the binary gave.
pub struct Output {
    /// Exit code.
    pub code: i32,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

/// Runs the binary with `args` to completion.
pub fn run<S: AsRef<OsStr>>(args: &[S]) -> Output {
    let output = authconform().args(args).output().expect("the binary runs");
    Output {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fresh, empty folder `group/name` under Cargo's integration-test scratch space.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}
