//! Starting the interop servers from black-box tests: `interop/setup.sh` once per test binary, and a
//! server process that prints `listening on URL` as its first line, stopped by pid when dropped.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

/// How long a server may take to print its `listening on` line.
pub const START_LIMIT: Duration = Duration::from_secs(60);

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Installs the pinned dependencies once per test binary (a no-op when they are up to date).
pub fn setup() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let output = Command::new("bash")
            .arg("interop/setup.sh")
            .current_dir(root())
            .stdin(Stdio::null())
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "interop/setup.sh failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// A running server, stopped by pid when dropped.
pub struct Server {
    child: Child,
    /// Its base URL, from its first line.
    pub url: String,
}

impl Server {
    /// Runs `program script` from the repository root with `env` (and `PORT=0`) and waits for its
    /// `listening on URL` line.
    pub fn start(program: &str, script: &str, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(program)
            .arg(script)
            .current_dir(root())
            .env("PORT", "0")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("{program} {script} does not start: {err}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver.recv_timeout(START_LIMIT).unwrap_or_default();
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{script} did not start: first line {line:?}");
        };
        Server {
            url: url.to_string(),
            child,
        }
    }

    /// A FastAPI interop script (`interop/python/...`) in the interop venv.
    pub fn python(script: &str, env: &[(&str, &str)]) -> Server {
        Server::start("interop/.venv/bin/python", script, env)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The weakness ids of a run summary's numbered lines (`  N. id (CWE-n), ...`).
pub fn weaknesses(stdout: &str) -> std::collections::BTreeSet<String> {
    stdout
        .lines()
        .filter(|line| line.starts_with("  "))
        .filter_map(|line| {
            let (number, rest) = line.trim_start().split_once(". ")?;
            number.chars().all(|c| c.is_ascii_digit()).then_some(())?;
            rest.split([' ', ',']).next().map(String::from)
        })
        .collect()
}
