//! Install it anywhere: `cargo install --path . --root DIR`, then `DIR/bin/authconform` run from an
//! empty folder outside the checkout passes the gate and writes its reports there. The bundled suite,
//! profile and keys are built into the binary, so nothing is read from the checkout.
//!
//! The install reuses this build's target folder (`--debug`, `--offline`, `--locked`), so it relinks
//! what `cargo test` already compiled instead of building from scratch.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The install compiles the binary again if the test build's features differ: allow for a build.
const INSTALL_DEADLINE: Duration = Duration::from_secs(25 * 60);
/// The default job takes seconds (a debug build: tens of seconds).
const RUN_DEADLINE: Duration = Duration::from_secs(5 * 60);

/// The target folder this test binary was built in (`<target>/debug/deps/install-*`).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .nth(3)
        .expect("<target>/debug/deps/<test>")
        .to_path_buf()
}

/// Waits for `child` at most `deadline`; past it, kills it (by its own handle) and fails.
fn wait(mut child: Child, deadline: Duration, what: &str) -> Output {
    let started = Instant::now();
    loop {
        if child
            .try_wait()
            .expect("the child can be waited on")
            .is_some()
        {
            return child.wait_with_output().expect("its output");
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("its output");
            panic!(
                "{what} did not finish within {deadline:?}\nstderr:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `cargo install --path <checkout> --root <root>`; the binary it installed.
fn install(root: &Path) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let child = Command::new(cargo)
        .args(["install", "--debug", "--locked", "--offline", "--path"])
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("--root")
        .arg(root)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_TERM_COLOR", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo runs");
    let output = wait(child, INSTALL_DEADLINE, "cargo install");
    assert!(
        output.status.success(),
        "cargo install failed\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bin = root
        .join("bin")
        .join(format!("authconform{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "{} was installed", bin.display());
    bin
}

/// Runs the installed binary in `dir` with `args`, no terminal, no CI variables of the caller.
fn run_in(bin: &Path, dir: &Path, args: &[&str], summary: Option<&Path>) -> (i32, String, String) {
    let mut command = Command::new(bin);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = summary {
        command.env("GITHUB_STEP_SUMMARY", path);
    }
    let child = command.spawn().expect("the installed binary starts");
    let output = wait(child, RUN_DEADLINE, "the installed authconform");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the folder")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_installed_binary_runs_the_default_job_from_an_empty_folder() {
    let root = tempfile::tempdir().expect("a temporary install root");
    let bin = install(root.path());
    let work = tempfile::tempdir().expect("a temporary working folder");
    let dir = work.path();
    assert!(files_in(dir).is_empty());

    // `authconform` with no arguments: the default job (bundled suite, embedded server and profile).
    let summary = dir.join("summary.md");
    let (code, stdout, stderr) = run_in(&bin, dir, &[], Some(&summary));
    assert_eq!(
        code, 0,
        "the gate passes\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("the embedded reference server"), "{stdout}");
    let markdown = std::fs::read_to_string(&summary).expect("the summary was written");
    assert!(markdown.contains("enforcement"), "{markdown}");

    // Reports named relative to the folder land in it, and name the bundled files by their path.
    let (code, stdout, stderr) = run_in(
        &bin,
        dir,
        &[
            "run",
            "--filter",
            "category:statelessness",
            "--report",
            "json:authconform.json",
            "--report",
            "sarif:authconform.sarif",
        ],
        None,
    );
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(
        files_in(dir),
        ["authconform.json", "authconform.sarif", "summary.md"]
    );
    let json = std::fs::read_to_string(dir.join("authconform.json")).unwrap();
    assert!(
        json.contains("\"file\": \"scenarios/statelessness/"),
        "{json}"
    );

    // The other commands that read the suite use the bundled one too.
    for args in [&["validate"][..], &["list"], &["list", "--traceability"]] {
        let (code, stdout, stderr) = run_in(&bin, dir, args, None);
        assert_eq!(code, 0, "{args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    }
    // The schemas are built in too: the same text as the committed files.
    for kind in ["profile", "scenarios"] {
        let (code, stdout, stderr) = run_in(&bin, dir, &["schema", kind], None);
        assert_eq!(code, 0, "{stderr}");
        let committed = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/{kind}.schema.json")),
        )
        .unwrap();
        assert!(
            stdout == committed,
            "authconform schema {kind} is schemas/{kind}.schema.json"
        );
    }
    let (code, stdout, stderr) = run_in(
        &bin,
        dir,
        &[
            "run",
            "--reference-mode",
            "rs256",
            "--filter",
            "category:statelessness",
        ],
        None,
    );
    assert_eq!(
        code, 0,
        "a bundled mode profile\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}
