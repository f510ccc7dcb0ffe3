//! Black-box tests of the `authconform` binary: exit codes (0 gate passed, 1 gate failed, 2 usage or
//! configuration error, 3 target unreachable), reports, `mint`, `mutations`, and every `--help`.
//! Each runs with the repository root as working directory, so that the repository paths in its
//! arguments (fixtures/profiles/..., scenarios/...) resolve; the default suite is built in.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

mod binary;

use binary::run;

/// A fresh, empty folder for this test.
fn scratch(name: &str) -> PathBuf {
    binary::scratch("cli-tests", name)
}

/// The criterion table rows of a terminal summary: criterion -> (passed, failed, errors, percent).
fn criteria(summary: &str) -> Vec<(String, usize, usize, usize, String)> {
    summary
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, passed, _notes, failed, errors, percent] = fields.as_slice() else {
                return None;
            };
            if !["enforcement", "isolation", "statelessness", "robustness"].contains(name) {
                return None;
            }
            Some((
                name.to_string(),
                passed.parse().ok()?,
                failed.parse().ok()?,
                errors.parse().ok()?,
                percent.to_string(),
            ))
        })
        .collect()
}

#[test]
fn run_against_the_reference_server_with_a_flaw_fails_the_gate_on_enforcement() {
    let out = run(&[
        "run",
        "--reference-flaw",
        "alg-none-accepted",
        "--seed",
        "1",
    ]);
    assert_eq!(
        out.code, 1,
        "gate failed exits 1\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let rows = criteria(&out.stdout);
    assert_eq!(rows.len(), 4, "one row per criterion:\n{}", out.stdout);
    let (_, _, failed, _, percent) = rows
        .iter()
        .find(|row| row.0 == "enforcement")
        .expect("enforcement row");
    assert!(*failed > 0, "{}", out.stdout);
    assert_ne!(percent, "100.0%", "{}", out.stdout);
    for (name, _, failed, errors, percent) in rows.iter().filter(|row| row.0 != "enforcement") {
        assert_eq!(
            (*failed, *errors),
            (0, 0),
            "{name}: only enforcement is affected\n{}",
            out.stdout
        );
        assert!(percent == "100.0%" || percent == "-", "{name}: {percent}");
    }
    // The weakness is named once in the weakness list, with its CWE and criterion.
    let named: Vec<&str> = out
        .stdout
        .lines()
        .filter(|line| line.contains(". alg-none-accepted (CWE-347), enforcement:"))
        .collect();
    assert_eq!(named.len(), 1, "{}", out.stdout);
    // Eight spellings of `alg: none`, one weakness: the report reads "1 weakness", not eight.
    assert!(out.stdout.contains("\n1 weakness:\n"), "{}", out.stdout);
    assert!(out.stdout.contains("reproduce: curl -i"), "{}", out.stdout);
    assert!(
        out.stdout.contains("gate: FAILED (enforcement"),
        "{}",
        out.stdout
    );
}

#[test]
fn run_against_the_clean_reference_server_passes_the_gate() {
    let out = run(&["run", "--seed", "1"]);
    assert_eq!(
        out.code, 0,
        "gate passed exits 0\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let rows = criteria(&out.stdout);
    assert_eq!(rows.len(), 4, "{}", out.stdout);
    for (name, passed, failed, errors, percent) in &rows {
        assert_eq!((*failed, *errors), (0, 0), "{name}\n{}", out.stdout);
        assert!(
            percent == "100.0%" || (percent == "-" && *passed == 0),
            "{name}: {percent}"
        );
    }
    assert!(out.stdout.contains("gate: PASSED"), "{}", out.stdout);
}

#[test]
fn unreachable_target_exits_3() {
    let out = run(&[
        "run",
        "--target",
        "http://127.0.0.1:1",
        "--filter",
        "no-set-cookie",
    ]);
    assert_eq!(
        out.code, 3,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stderr.contains("http://127.0.0.1:1/ is unreachable"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stdout.contains("gate:"),
        "no verdicts before the target answers: {}",
        out.stdout
    );
}

#[test]
fn bad_flags_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "--no-such-flag"], "--no-such-flag"),
        (&["run", "--jobs", "many"], "many"),
        (&["run", "--report", "xml:out.xml"], "unknown format"),
        (&["run", "--report", "jsn:out.json"], "did you mean `json`?"),
        (&["run", "--report", "junit"], "FORMAT:PATH"),
        (&["run", "--filter", "category:nope"], "unknown category"),
        (
            &[
                "run",
                "--target",
                "http://127.0.0.1:1",
                "--reference-flaw",
                "alg-none-accepted",
            ],
            "--reference-flaw",
        ),
        (
            &[
                "run",
                "--reference-flaw",
                "no-such-flaw",
                "--filter",
                "no-set-cookie",
            ],
            "no-such-flaw",
        ),
        (&["run", "--scenarios", "no/such/folder"], "no/such/folder"),
        (&["no-such-command"], "no-such-command"),
        (
            &["mint", "--mutate", "no-such-mutation"],
            "no-such-mutation",
        ),
    ];
    for (args, mentioned) in cases {
        let out = run(args);
        assert_eq!(
            out.code, 2,
            "{args:?}\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        );
        assert!(
            out.stderr.contains(mentioned),
            "{args:?}: the message names {mentioned:?}:\n{}",
            out.stderr
        );
    }
}

#[test]
fn run_writes_json_and_junit_reports() {
    let dir = scratch("reports");
    let json_path = dir.join("report.json");
    let junit_path = dir.join("report.xml");
    let out = run(&[
        "run",
        "--filter",
        "task-bola-*",
        "--filter",
        "no-set-cookie",
        "--seed",
        "3",
        "--report",
        &format!("junit:{}", junit_path.display()),
        "--report",
        &format!("json:{}", json_path.display()),
    ]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json report written"))
            .expect("valid JSON");
    assert_eq!(report["schema"], "authconform-report/2");
    assert_eq!(report["gate_passed"], true);
    let cases = report["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        let id = case["id"].as_str().expect("id");
        assert!(
            id.starts_with("task-bola-") || id.starts_with("no-set-cookie"),
            "{id}: the filter holds"
        );
        assert_eq!(case["verdict"], "pass", "{case}");
        let exchanges = case["exchanges"].as_array().expect("exchanges");
        assert!(
            exchanges
                .iter()
                .any(|e| e["phase"] == "step" && e["response"]["status"].is_u64()),
            "{case}"
        );
    }
    let criteria: Vec<&str> = report["criteria"]
        .as_array()
        .expect("criteria")
        .iter()
        .map(|c| c["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(
        criteria,
        ["enforcement", "isolation", "statelessness", "robustness"]
    );

    let xml = std::fs::read_to_string(&junit_path).expect("junit report written");
    let suites: Vec<&str> = xml
        .match_indices("<testsuite name=\"")
        .map(|(at, tag)| {
            let rest = &xml[at + tag.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(
        suites,
        ["enforcement", "isolation", "statelessness", "robustness"],
        "one testsuite per criterion"
    );
    assert_eq!(
        xml.matches("<testcase ").count(),
        cases.len(),
        "one testcase per case"
    );
    assert!(
        !xml.contains("<failure") && !xml.contains("<error"),
        "{xml}"
    );
}

/// The JSON of one base64url segment of a compact JWS.
fn segment_json(segment: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(segment).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}

#[test]
fn mint_alg_none_prints_an_unsigned_token() {
    let out = run(&["mint", "--as", "alice", "--mutate", "alg-none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let token = out.stdout.trim();
    assert_eq!(
        out.stdout.lines().count(),
        1,
        "only the token on stdout: {}",
        out.stdout
    );
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "{token}");
    assert_eq!(segment_json(segments[0])["alg"], "none");
    assert_eq!(segment_json(segments[1])["sub"], "alice");
    assert_eq!(segments[2], "", "no signature");
}

#[test]
fn mint_for_an_unknown_principal_names_the_known_ones() {
    let out = run(&["mint", "--as", "mallory"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "no token: {}", out.stdout);
    for name in ["mallory", "alice", "bob"] {
        assert!(out.stderr.contains(name), "names {name}: {}", out.stderr);
    }
}

#[test]
fn mutations_json_lists_the_catalog() {
    let out = run(&["mutations", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list: Vec<Value> = serde_json::from_str(&out.stdout).expect("a JSON array");
    assert!(list.len() >= 40, "{} mutations", list.len());
    let mut ids: Vec<&str> = list.iter().map(|m| m["id"].as_str().expect("id")).collect();
    assert!(ids.contains(&"alg-none"));
    for m in &list {
        for field in ["family", "class", "expected", "reference", "description"] {
            assert!(
                m[field].as_str().is_some_and(|v| !v.is_empty()),
                "{field} of {m}"
            );
        }
    }
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "ids are unique");
}

#[test]
fn mutations_table() {
    let out = run(&["mutations"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn malformed_profile_exits_2_with_file_line_and_column() {
    let dir = scratch("bad-profile");
    let cases = [
        ("syntax.yaml", "issuer: [\n", ":1:9: "),
        (
            "missing.yaml",
            "issuer:\n  kid: k\nprincipals: {}\n",
            ":2:3: ",
        ),
        (
            "unknown-key.yaml",
            "issuer:\n  alg: EdDSA\n  key: { pem: key.pem }\nprincipals:\n  alice: { sub: alice }\nbase_ulr: http://x\n",
            ":6:1: ",
        ),
    ];
    for (name, text, location) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write profile");
        let shown = format!("{}{location}", path.display());
        for command in ["run", "validate"] {
            let out = run(&[command, "--profile", path.to_str().unwrap()]);
            assert_eq!(
                out.code, 2,
                "{command} {name}\nstdout:\n{}\nstderr:\n{}",
                out.stdout, out.stderr
            );
            assert!(
                out.stderr.contains(&shown),
                "{command} {name}: expected {shown:?} in:\n{}",
                out.stderr
            );
            assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        }
    }
}

#[test]
fn help_of_every_command() {
    let commands: &[&[&str]] = &[
        &[],
        &["run"],
        &["merge"],
        &["list"],
        &["validate"],
        &["mint"],
        &["mutations"],
        &["keys"],
        &["keys", "generate"],
        &["init"],
        &["schema"],
        &["fuzz"],
        &["selftest"],
        &["issuer"],
        &["completions"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = run(&args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(out.stdout.contains("Usage: authconform"), "{args:?}");
        if !command.is_empty() && command != &["keys"] {
            assert!(
                out.stdout.contains("Example"),
                "{args:?}: --help shows examples\n{}",
                out.stdout
            );
        }
        let name = if command.is_empty() {
            "help".to_string()
        } else {
            format!("help_{}", command.join("_"))
        };
        insta::assert_snapshot!(name, out.stdout, &format!("authconform {}", args.join(" ")));
    }
}

/// A mistyped value of a closed-set flag is refused by clap with exit 2 and the nearest value.
#[test]
fn a_mistyped_value_gets_did_you_mean() {
    let cases: &[(&str, &[&str])] = &[
        (
            "reference_flaw",
            &["run", "--reference-flaw", "alg-none-acepted"],
        ),
        ("reference_mode", &["run", "--reference-mode", "rs265"]),
        (
            "reference_style",
            &["run", "--reference-style", "verbose-challenges"],
        ),
        ("reference_routes", &["run", "--reference-routes", "item"]),
        (
            "fuzz_reference_flaw",
            &["fuzz", "--reference-flaw", "aud-ignore"],
        ),
        ("selftest_only", &["selftest", "--only", "sets-cookies"]),
        ("color", &["--color", "nevr", "list"]),
    ];
    for (name, args) in cases {
        let out = run(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("a similar value exists"),
            "{args:?}:\n{}",
            out.stderr
        );
        insta::assert_snapshot!(format!("did_you_mean_{name}"), out.stderr, &args.join(" "));
    }
}

/// `--color always` colours clap's own errors and the harness's summary; `never`, and `NO_COLOR`
/// under `auto`, do not; `CLICOLOR_FORCE` colours a pipe under `auto`, and loses to `NO_COLOR`.
#[test]
fn color_follows_the_flag_and_the_environment() {
    const ESC: char = '\u{1b}';
    let typo = ["run", "--reference-mode", "rs265"];
    let clap_error = |color: &str, env: &[(&str, &str)]| {
        let mut command = binary::authconform();
        command.args(["--color", color]).args(typo);
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("runs");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(clap_error("always", &[]).contains(ESC));
    assert!(clap_error("always", &[("NO_COLOR", "1")]).contains(ESC));
    assert!(!clap_error("never", &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(
        !clap_error("auto", &[]).contains(ESC),
        "a pipe is not coloured"
    );
    assert!(clap_error("auto", &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(!clap_error("auto", &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]).contains(ESC));

    let findings = scratch("color-fuzz");
    let summary = |color: &str, env: &[(&str, &str)]| {
        let mut command = binary::authconform();
        command.args(["fuzz", "--cases", "16", "--seed", "1", "--color", color]);
        command.arg("--findings").arg(&findings);
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(
        summary("always", &[]).contains(ESC),
        "the summary is coloured"
    );
    assert!(!summary("never", &[]).contains(ESC));
    assert!(!summary("auto", &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(summary("auto", &[("CLICOLOR_FORCE", "1")]).contains(ESC));
}

/// Every shell gets a script; bash's names the subcommands.
#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains("authconform"), "{shell}");
        if shell == "bash" {
            for command in ["run", "list", "fuzz", "selftest", "issuer", "completions"] {
                assert!(out.stdout.contains(command), "bash names {command}");
            }
            assert!(
                out.stdout.contains("alg-none-accepted"),
                "bash completes flaw ids"
            );
        }
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.code, 2);
}

/// The first stderr line of `issuer --listen ADDR` (or `None` once it prints `serving` without
/// one), the process stopped by its pid.
fn issuer_warning(listen: &str) -> Option<String> {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_authconform"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["issuer", "--listen", listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the issuer starts");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    let serving = tx.clone();
    std::thread::spawn(move || {
        let first = BufReader::new(stdout).lines().next();
        let _ = serving.send(
            first
                .and_then(Result::ok)
                .map(|line| format!("stdout: {line}")),
        );
    });
    std::thread::spawn(move || {
        let first = BufReader::new(stderr).lines().next();
        let _ = tx.send(
            first
                .and_then(Result::ok)
                .map(|line| format!("stderr: {line}")),
        );
    });
    // The warning is written before the bind, so before `serving`: once that is read, its line is
    // already in the pipe (2 s is ample for the reader thread).
    let (mut warning, mut serving) = (None, false);
    while warning.is_none() {
        let wait = Duration::from_secs(if serving { 2 } else { 20 });
        match rx.recv_timeout(wait) {
            Ok(Some(line)) if line.starts_with("stderr: ") => {
                warning = Some(line["stderr: ".len()..].to_string());
            }
            Ok(Some(line)) if line.starts_with("stdout: serving") => serving = true,
            _ => break,
        }
    }
    child.kill().expect("the issuer stops");
    let _ = child.wait();
    warning
}

#[test]
fn issuer_warns_when_it_binds_beyond_loopback() {
    let warning = issuer_warning("0.0.0.0:0").expect("a warning on stderr");
    insta::assert_snapshot!("issuer_all_interfaces_warning", warning);
    assert_eq!(issuer_warning("127.0.0.1:0"), None, "loopback: no warning");
}
