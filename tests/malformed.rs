//! The malformed corpus (`tests/data/malformed/`): every broken scenario and profile file, run through
//! the real binary, exits 2 with a message that names the file and where in it (line and column, or
//! the profile field), never panics and never hangs. Each file's message is pinned in one snapshot.
//! Files that cannot be committed (a named pipe, a device, a folder named `.yaml`, a file over the
//! size limit, very deep nesting) are made at test time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod binary;

use binary::Output;

const CORPUS: &str = "tests/data/malformed";

/// Longest any one invocation may take before it counts as a hang.
const TIME_BOUND: Duration = Duration::from_secs(20);

/// Runs the binary with `args`; kills it and fails after [`TIME_BOUND`].
fn authconform(args: &[&str]) -> Output {
    binary::run_within(args, TIME_BOUND)
}

/// The corpus files of `kind` (`scenarios` or `profiles`), sorted.
fn corpus(kind: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(CORPUS).join(kind))
        .expect("the corpus folder")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    files
}

/// The first stderr line that names `file` (the error itself, past any heading).
fn error_line(stderr: &str, file: &str) -> Option<String> {
    stderr
        .lines()
        .find(|line| line.contains(file))
        .map(str::to_string)
}

/// Whether the message after `file` says where: `:LINE:COL: `, or a profile field (`: issuer.alg: `),
/// or a problem of the whole file (its kind, its size, its encoding), which has no place within it.
fn is_located(line: &str, file: &str) -> bool {
    let Some(rest) = line.split_once(file).map(|(_, rest)| rest) else {
        return false;
    };
    let line_col = regex::Regex::new(r"^:\d+:\d+: ").unwrap();
    let field = regex::Regex::new(r"^: [a-z_]+(\.[^ :]+|\[\d+\])*: ").unwrap();
    let whole_file = [
        ": not a regular file",
        ", not a regular file",
        ": the file is larger than",
        ": no such file",
        ": not UTF-8 text",
        ": no scenario files",
    ];
    line_col.is_match(rest)
        || field.is_match(rest)
        || whole_file.iter().any(|words| rest.contains(words))
}

/// Checks one outcome: exit 2, a located message naming `file`, no panic. Returns the message line.
fn check(output: &Output, file: &str, what: &str) -> String {
    let (stderr, stdout) = (&output.stderr, &output.stdout);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{what}: a panic\n{stderr}"
    );
    assert_eq!(
        output.code, 2,
        "{what}: exit code\nstdout: {stdout}\nstderr: {stderr}"
    );
    let line = error_line(stderr, file)
        .unwrap_or_else(|| panic!("{what}: no error line names {file}\n{stderr}"));
    assert!(
        is_located(&line, file),
        "{what}: the message does not say where\n{line}"
    );
    line.trim_start_matches("error: ").to_string()
}

/// Runs `validate` on every file of `kind` (4 at a time), checking each; the lines for the snapshot.
fn run_corpus(kind: &str, args_of: fn(&str) -> Vec<String>) -> Vec<String> {
    let files = corpus(kind);
    assert!(files.len() >= 40, "{kind}: only {} files", files.len());
    let chunks: Vec<&[PathBuf]> = files.chunks(files.len().div_ceil(4)).collect();
    let mut lines: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|path| {
                            let file = path.to_str().unwrap();
                            first_comment(path);
                            let args = args_of(file);
                            let args: Vec<&str> = args.iter().map(String::as_str).collect();
                            let output = authconform(&args);
                            let line = check(&output, file, file);
                            let name = path.file_name().unwrap().to_string_lossy();
                            format!("{name} -> {line}")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a corpus thread"))
            .collect()
    });
    lines.sort();
    lines
}

/// Every corpus file starts with a comment saying what is wrong with it.
fn first_comment(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    assert!(
        first.starts_with(b"# ") && first.len() > 10,
        "{}: the first line says what is wrong",
        path.display()
    );
}

#[test]
fn malformed_scenarios_exit_2_with_a_location() {
    let lines = run_corpus("scenarios", |file| vec!["validate".into(), file.into()]);
    insta::assert_snapshot!("scenarios", lines.join("\n"));
}

#[test]
fn malformed_profiles_exit_2_with_a_location() {
    let lines = run_corpus("profiles", |file| {
        vec!["validate".into(), "--profile".into(), file.into()]
    });
    insta::assert_snapshot!("profiles", lines.join("\n"));
}

#[test]
fn run_refuses_what_validate_refuses_before_any_request() {
    // Port 1 on loopback refuses connections: a run that got as far as a request would exit 3.
    let target = "http://127.0.0.1:1";
    for name in [
        "header-value-crlf",
        "header-name-space",
        "number-body-bytes-huge",
        "yaml-tag-local",
        "mutation-typo",
        "api-typo",
    ] {
        let file = format!("{CORPUS}/scenarios/{name}.yaml");
        let validate = check(&authconform(&["validate", &file]), &file, &file);
        let run = authconform(&["run", "--target", target, "--scenarios", &file]);
        assert_eq!(check(&run, &file, &file), validate, "{file}");
    }
    for name in [
        "header-value-crlf",
        "header-name-space",
        "user-claim-empty",
        "yaml-tag",
        "login-header-crlf",
        "lifetime-huge",
    ] {
        let file = format!("{CORPUS}/profiles/{name}.yaml");
        let validate = check(
            &authconform(&["validate", "--profile", &file]),
            &file,
            &file,
        );
        let run = authconform(&["run", "--target", target, "--profile", &file]);
        assert_eq!(check(&run, &file, &file), validate, "{file}");
    }
}

/// Special files made at test time: each is refused with exit 2, naming it, without hanging.
fn special(dir: &Path, name: &str) -> (String, String) {
    let file = dir.join(name);
    let file = file.to_str().unwrap().to_string();
    let scenario = check(&authconform(&["validate", &file]), &file, &file);
    let profile = check(
        &authconform(&["validate", "--profile", &file]),
        &file,
        &file,
    );
    let temp = dir.to_str().unwrap();
    (
        scenario.replace(temp, "<tmp>"),
        profile.replace(temp, "<tmp>"),
    )
}

#[test]
fn special_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("p.yaml")).unwrap();
    let big = format!(
        "# 20 MB\nscenarios: []\n{}",
        format!("# {}\n", "x".repeat(1000)).repeat(20_000)
    );
    std::fs::write(dir.path().join("big.yaml"), big).unwrap();
    let deep = format!(
        "scenarios: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(dir.path().join("deep.yaml"), deep).unwrap();
    let mut lines = Vec::new();
    for name in ["p.yaml", "big.yaml", "deep.yaml"] {
        let (scenario, profile) = special(dir.path(), name);
        lines.push(format!("{name} as scenarios -> {scenario}"));
        lines.push(format!("{name} as profile -> {profile}"));
    }
    insta::assert_snapshot!("special", lines.join("\n"));
}

#[cfg(unix)]
#[test]
fn devices_and_named_pipes_are_refused_without_opening_them() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("x.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let mut lines = Vec::new();
    let (scenario, profile) = special(dir.path(), "x.yaml");
    lines.push(format!("fifo as scenarios -> {scenario}"));
    lines.push(format!("fifo as profile -> {profile}"));
    // A folder holding the pipe: it is found by its name and refused, not opened.
    let folder = dir.path().to_str().unwrap();
    let output = authconform(&["validate", folder]);
    let line = check(&output, folder, "a folder with a named pipe");
    lines.push(format!(
        "folder with a fifo -> {}",
        line.replace(folder, "<tmp>")
    ));
    for device in ["/dev/null", "/dev/zero"] {
        let scenario = check(&authconform(&["validate", device]), device, device);
        assert!(!scenario.contains("no such file"), "{scenario}");
        let profile = check(
            &authconform(&["validate", "--profile", device]),
            device,
            device,
        );
        lines.push(format!("{device} as scenarios -> {scenario}"));
        lines.push(format!("{device} as profile -> {profile}"));
    }
    insta::assert_snapshot!("devices", lines.join("\n"));
}
