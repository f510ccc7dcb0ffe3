//! Running the `authconform` binary from black-box tests: from the repository root (so that
//! repository paths given as arguments resolve), with a fixed help width, no colour override and no GitHub step summary.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Read;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// The binary, ready to take arguments.
pub fn authconform() -> Command {
    Command::from_std(std_command())
}

/// [`authconform`] as a `std` command, for a child to be watched while it runs.
fn std_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_authconform"));
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
    /// How long the run took.
    pub elapsed: Duration,
}

/// Runs the binary with `args` to completion.
pub fn run<S: AsRef<OsStr>>(args: &[S]) -> Output {
    let started = Instant::now();
    let output = authconform().args(args).output().expect("the binary runs");
    Output::of(output, started.elapsed())
}

impl Output {
    /// A finished run's output, which took `elapsed`.
    pub fn of(output: std::process::Output, elapsed: Duration) -> Output {
        Output {
            code: output
                .status
                .code()
                .expect("exited, not killed by a signal"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed,
        }
    }
}

/// Runs the binary with `args` and no standard input; past `limit` the child is killed by its pid
/// and the test fails (a hang guard, not a speed check). Its output is read while it runs, so a
/// talkative child never blocks on a full pipe.
pub fn run_within<S: AsRef<OsStr>>(args: &[S], limit: Duration) -> Output {
    let started = Instant::now();
    let mut child = std_command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the run did not end within {limit:?}; stderr:\n{}",
                stderr.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        code: status.code().expect("exited, not killed by a signal"),
        stdout: stdout.join().expect("stdout read"),
        stderr: stderr.join().expect("stderr read"),
        elapsed: started.elapsed(),
    }
}

/// Reads `pipe` to its end on a thread of its own.
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = pipe.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    })
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
