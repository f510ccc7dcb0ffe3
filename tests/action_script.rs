//! The GitHub Action's shell steps (scripts/action.sh, which action.yml calls) run outside GitHub:
//! `run` in an empty folder with a fake GITHUB_OUTPUT and GITHUB_STEP_SUMMARY against the embedded
//! reference server and the bundled suite, then `gate` on each exit code.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/action.sh");

/// Runs `action.sh STEP` in `dir` with `env` (and nothing of the caller's GitHub variables).
fn step(step: &str, dir: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new("bash");
    command
        .arg(SCRIPT)
        .arg(step)
        .current_dir(dir)
        .env("AUTHCONFORM", env!("CARGO_BIN_EXE_authconform"))
        .env("GITHUB_OUTPUT", dir.join("github-output"))
        .env("GITHUB_STEP_SUMMARY", dir.join("step-summary.md"))
        .stdin(Stdio::null());
    for name in [
        "TARGET",
        "PROFILE",
        "SCENARIOS",
        "EXTRA_ARGS",
        "SARIF",
        "CODE",
    ] {
        command.env_remove(name);
    }
    command.env_remove("FAIL_ON_FINDINGS");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("bash runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The `name=value` lines the steps wrote to GITHUB_OUTPUT.
fn outputs(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(dir.join("github-output"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

#[test]
fn the_run_step_uses_the_bundled_suite_and_writes_sarif_summary_and_exit_code() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let env = [
        ("EXTRA_ARGS", "--filter category:isolation --seed 7"),
        ("SARIF", "out/authconform.sarif"),
    ];
    std::fs::create_dir(dir.join("out")).unwrap();
    let (code, stdout, stderr) = step("run", dir, &env);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        !stdout.contains("--scenarios"),
        "the bundled suite: {stdout}"
    );
    assert_eq!(outputs(dir)["exit-code"], "0");
    let sarif = std::fs::read_to_string(dir.join("out/authconform.sarif")).expect("SARIF written");
    assert!(sarif.contains("\"version\": \"2.1.0\""), "{sarif}");
    let summary = std::fs::read_to_string(dir.join("step-summary.md")).expect("summary written");
    assert!(summary.contains("isolation"), "{summary}");

    let (code, stdout, _) = step("gate", dir, &[("CODE", "0")]);
    assert_eq!(code, 0);
    assert!(stdout.contains("gate passed"), "{stdout}");
}

#[test]
fn a_failing_target_gives_exit_code_1_and_the_gate_fails_unless_told_not_to() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let env = [(
        "EXTRA_ARGS",
        "--reference-flaw task-read-idor --filter category:isolation --seed 1",
    )];
    let (code, stdout, stderr) = step("run", dir, &env);
    assert_eq!(code, 0, "the step itself succeeds\n{stdout}\n{stderr}");
    assert_eq!(outputs(dir)["exit-code"], "1", "{stdout}\n{stderr}");
    assert!(dir.join("authconform.sarif").is_file());

    let (code, stdout, _) = step("gate", dir, &[("CODE", "1"), ("FAIL_ON_FINDINGS", "true")]);
    assert_eq!(code, 1);
    assert!(stdout.contains("::error title=authconform::"), "{stdout}");
    let (code, _, _) = step("gate", dir, &[("CODE", "1"), ("FAIL_ON_FINDINGS", "false")]);
    assert_eq!(code, 0);
}

#[test]
fn scenarios_replace_the_bundled_suite_and_usage_errors_fail_the_gate() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let (code, stdout, stderr) = step("run", dir, &[("SCENARIOS", "missing.yaml")]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("--scenarios missing.yaml"), "{stdout}");
    assert_eq!(outputs(dir)["exit-code"], "2", "{stderr}");
    for (exit, expected) in [("2", 2), ("3", 3), ("", 1), ("137", 1)] {
        let (code, stdout, _) = step("gate", dir, &[("CODE", exit)]);
        assert_eq!(code, expected, "gate on `{exit}`: {stdout}");
    }
}

#[test]
fn the_key_step_hashes_the_action_sources_or_names_the_version() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let source = [
        ("ACTION_PATH", env!("CARGO_MANIFEST_DIR")),
        ("VERSION", "source"),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
        ("RUNNER_TEMP", "/runner/temp"),
    ];
    let (code, stdout, stderr) = step("key", dir, &source);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let key = outputs(dir)["key"].clone();
    let hash = key
        .strip_prefix("authconform-Linux-X64-")
        .expect("key prefix");
    assert_eq!(hash.len(), 16, "{key}");
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    assert_eq!(outputs(dir)["root"], "/runner/temp/authconform");

    std::fs::remove_file(dir.join("github-output")).unwrap();
    let (code, _, _) = step(
        "key",
        dir,
        &[
            ("VERSION", "0.1.0"),
            ("RUNNER_OS", "Linux"),
            ("RUNNER_ARCH", "X64"),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(outputs(dir)["key"], "authconform-Linux-X64-0.1.0");
}
