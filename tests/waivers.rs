//! Waivers and baselines, end to end: the binary against the embedded reference server with a flaw
//! switched on. A waiver suppresses exactly its weakness (and, narrowed, exactly its cases), an
//! expired one fails the gate by name, one that matches nothing is stale; a baseline lets only new
//! failures fail the gate, and SARIF carries `baselineState`. Bad waiver files exit 2, located.

mod binary;

use std::path::{Path, PathBuf};

use binary::{Output, run, scratch};
use serde_json::Value;

/// `alg-none-accepted` is named exactly as itself; these cases hold all of its failures.
const ALG_NONE_FILTER: &str = "*mutation=alg-none*";

/// One waiver: its weakness, an optional narrowing (`operation` or `scenario`, and the name), and
/// its expiry date.
type Entry<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a str);

/// A waiver file in `dir`.
fn waiver_file(dir: &Path, entries: &[Entry<'_>]) -> PathBuf {
    let mut text = String::from("waivers:\n");
    for (weakness, narrow, expires) in entries {
        text.push_str(&format!(
            "  - weakness: {weakness}\n    reason: \"legacy endpoint, fix tracked in JIRA-123\"\n    owner: team-tasks@example.com\n    expires: {expires}\n"
        ));
        if let Some((key, value)) = narrow {
            text.push_str(&format!("    {key}: {value}\n"));
        }
    }
    let path = dir.join("waivers.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A run of the reference server with `flaw` (if any) on the cases `filter` selects, with every
/// report written into `dir`, and `extra` flags.
fn run_with(dir: &Path, flaw: Option<&str>, filter: &str, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["run".into(), "--filter".into(), filter.into()];
    if let Some(flaw) = flaw {
        args.extend(["--reference-flaw".into(), flaw.into()]);
    } else {
        args.push("--reference".into());
    }
    for (format, file) in [
        ("json", "r.json"),
        ("sarif", "r.sarif"),
        ("junit", "r.xml"),
        ("markdown", "r.md"),
        ("html", "r.html"),
    ] {
        args.push("--report".into());
        args.push(format!("{format}:{}", dir.join(file).display()));
    }
    args.extend(extra.iter().map(|arg| arg.to_string()));
    run(&args)
}

/// Writes `waivers` as the waiver file in `dir`, runs the reference server with `flaw` on the cases
/// `filter` selects with `--waivers` that file and `extra` flags, checks that the run exits `code`,
/// and gives its output and its JSON report.
fn run_waived(
    dir: &Path,
    flaw: &str,
    filter: &str,
    waivers: &[Entry<'_>],
    extra: &[&str],
    code: i32,
) -> (Output, Value) {
    let waivers = waiver_file(dir, waivers);
    let mut args = vec!["--waivers", waivers.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = run_with(dir, Some(flaw), filter, &args);
    assert_eq!(out.code, code, "{}\n{}", out.stdout, out.stderr);
    let report = json(dir.join("r.json"));
    (out, report)
}

fn json(path: PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn ids(groups: &Value) -> Vec<&str> {
    groups
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["id"].as_str().unwrap())
        .collect()
}

fn sarif_results(dir: &Path) -> Vec<Value> {
    json(dir.join("r.sarif"))["runs"][0]["results"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_waiver_for_the_flaws_weakness_passes_the_gate_and_every_report_shows_it_waived() {
    let dir = scratch("waivers", "exact");
    let (out, report) = run_waived(
        &dir,
        "alg-none-accepted",
        ALG_NONE_FILTER,
        &[("alg-none-accepted", None, "2099-12-31")],
        &[],
        0,
    );
    assert!(out.stdout.contains("1 weakness waived"), "{}", out.stdout);
    assert!(
        out.stdout.contains("gate: PASSED (every failure is waived"),
        "{}",
        out.stdout
    );
    assert_eq!(report["gate_passed"], true);
    assert_eq!(ids(&report["weaknesses"]), Vec::<&str>::new());
    assert_eq!(ids(&report["waived"]), ["alg-none-accepted"]);
    assert_eq!(
        report["waived"][0]["waiver"]["owner"],
        "team-tasks@example.com"
    );
    let failing: Vec<&Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "fail")
        .collect();
    assert!(!failing.is_empty());
    assert!(
        failing
            .iter()
            .all(|case| case["waiver"]["expired"] == false),
        "every failing case is marked"
    );
    let results = sarif_results(&dir);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "alg-none-accepted");
    assert_eq!(results[0]["suppressions"][0]["kind"], "external");
    assert_eq!(
        results[0]["suppressions"][0]["justification"],
        "legacy endpoint, fix tracked in JIRA-123"
    );
    let junit = std::fs::read_to_string(dir.join("r.xml")).unwrap();
    assert!(
        junit.contains("<skipped") && junit.contains("waived: alg-none-accepted"),
        "{junit}"
    );
    assert!(!junit.contains("<failure"), "{junit}");
    let markdown = std::fs::read_to_string(dir.join("r.md")).unwrap();
    assert!(markdown.contains("### 1 waived weakness"), "{markdown}");
    let html = std::fs::read_to_string(dir.join("r.html")).unwrap();
    assert!(
        html.contains("<b>waived</b> <code>alg-none-accepted</code>"),
        "{html}"
    );
}

#[test]
fn a_waiver_for_another_weakness_waives_nothing_and_is_reported_stale() {
    let dir = scratch("waivers", "stale");
    let (out, report) = run_waived(
        &dir,
        "alg-none-accepted",
        ALG_NONE_FILTER,
        &[("task-read-idor", None, "2099-12-31")],
        &[],
        1,
    );
    assert!(out.stdout.contains("1 stale waiver(s)"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("  - task-read-idor (owner team-tasks@example.com, expires 2099-12-31)"),
        "{}",
        out.stdout
    );
    assert_eq!(ids(&report["weaknesses"]), ["alg-none-accepted"]);
    assert_eq!(
        report["gate"]["stale_waivers"][0]["weakness"],
        "task-read-idor"
    );
    assert_eq!(
        json(dir.join("r.sarif"))["runs"][0]["properties"]["staleWaivers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_expired_waiver_fails_the_gate_naming_the_waiver_its_owner_and_expiry() {
    let dir = scratch("waivers", "expired");
    let (out, report) = run_waived(
        &dir,
        "alg-none-accepted",
        ALG_NONE_FILTER,
        &[("alg-none-accepted", None, "2020-01-31")],
        &[],
        1,
    );
    assert!(
        out.stdout.contains(
            "expired waiver: alg-none-accepted (owner team-tasks@example.com, expired 2020-01-31)"
        ),
        "{}",
        out.stdout
    );
    assert_eq!(ids(&report["weaknesses"]), ["alg-none-accepted"]);
    assert_eq!(
        report["gate"]["expired_waivers"][0]["expires"],
        "2020-01-31"
    );
    assert!(sarif_results(&dir)[0].get("suppressions").is_none());
}

#[test]
fn a_waiver_suppresses_exactly_its_weakness_and_narrowed_exactly_its_cases() {
    // task-read-idor is named three ways (specs/flaws.md): task-read-idor, object-read-idor on
    // tasks.get, existence-oracle on tasks.get.
    let dir = scratch("waivers", "narrow");
    let isolation = "category:isolation";
    let out = run_with(&dir, Some("task-read-idor"), isolation, &[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let mut all = ids(&json(dir.join("r.json"))["weaknesses"])
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    all.sort();
    assert_eq!(
        all,
        ["existence-oracle", "object-read-idor", "task-read-idor"]
    );

    let (_, report) = run_waived(
        &dir,
        "task-read-idor",
        isolation,
        &[
            ("task-read-idor", None, "2099-12-31"),
            (
                "existence-oracle",
                Some(("operation", "tasks.delete")),
                "2099-12-31",
            ),
        ],
        &[],
        1,
    );
    assert_eq!(ids(&report["waived"]), ["task-read-idor"]);
    let mut left = ids(&report["weaknesses"]);
    left.sort();
    assert_eq!(
        left,
        ["existence-oracle", "object-read-idor"],
        "nothing else is waived"
    );
    assert_eq!(
        report["gate"]["stale_waivers"][0]["operation"], "tasks.delete",
        "another operation's cases are not covered"
    );

    let (_, report) = run_waived(
        &dir,
        "task-read-idor",
        isolation,
        &[
            (
                "task-read-idor",
                Some(("scenario", "task-bola-read")),
                "2099-12-31",
            ),
            (
                "existence-oracle",
                Some(("operation", "tasks.get")),
                "2099-12-31",
            ),
            (
                "object-read-idor",
                Some(("operation", "tasks.get")),
                "2099-12-31",
            ),
        ],
        &[],
        0,
    );
    assert_eq!(ids(&report["weaknesses"]), Vec::<&str>::new());
    assert_eq!(report["gate"]["stale_waivers"], Value::Array(Vec::new()));
}

#[test]
fn a_baseline_fails_the_gate_only_on_what_is_new() {
    let dir = scratch("waivers", "baseline");
    let flawed = dir.join("flawed.json");
    let clean = dir.join("clean.json");
    let out = run_with(&dir, Some("alg-none-accepted"), ALG_NONE_FILTER, &[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    std::fs::rename(dir.join("r.json"), &flawed).unwrap();
    let out = run_with(&dir, None, ALG_NONE_FILTER, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    std::fs::rename(dir.join("r.json"), &clean).unwrap();

    let out = run_with(
        &dir,
        Some("alg-none-accepted"),
        ALG_NONE_FILTER,
        &["--baseline", flawed.to_str().unwrap()],
    );
    assert_eq!(
        out.code, 0,
        "same flaw as the baseline: {}\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains(" new, ") && out.stdout.contains("0 new, "),
        "{}",
        out.stdout
    );
    let results = sarif_results(&dir);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["baselineState"], "unchanged");
    assert_eq!(json(dir.join("r.json"))["gate"]["new"], 0);

    let out = run_with(
        &dir,
        Some("alg-none-accepted"),
        ALG_NONE_FILTER,
        &["--baseline", clean.to_str().unwrap()],
    );
    assert_eq!(
        out.code, 1,
        "new since a clean baseline: {}\n{}",
        out.stdout, out.stderr
    );
    assert_eq!(sarif_results(&dir)[0]["baselineState"], "new");
    assert!(
        out.stdout
            .contains("alg-none-accepted (CWE-347), enforcement:")
            && out.stdout.contains("(new)"),
        "{}",
        out.stdout
    );

    // The flaw fixed since: the baseline's failures are absent, the gate passes.
    let out = run_with(
        &dir,
        None,
        ALG_NONE_FILTER,
        &["--baseline", flawed.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let absent = &json(dir.join("r.json"))["gate"]["absent"];
    assert!(!absent.as_array().unwrap().is_empty(), "{absent}");

    // Anything but a JSON report: exit 2, in words.
    let out = run_with(
        &dir,
        None,
        ALG_NONE_FILTER,
        &["--baseline", dir.join("r.sarif").to_str().unwrap()],
    );
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("not an authconform JSON report"),
        "{}",
        out.stderr
    );
}

/// The cases of `report` that `--fail-fast` did not let run.
fn stopped_by_fail_fast(report: &Value) -> usize {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["reason"].as_str().unwrap().contains("--fail-fast"))
        .count()
}

#[test]
fn fail_fast_stops_only_on_a_failure_that_fails_the_gate() {
    let dir = scratch("waivers", "fail-fast");
    // One case at a time, so that the cases after the first failure are still to start.
    let fail_fast = ["--fail-fast", "--jobs", "1"];
    let (_, waived) = run_waived(
        &dir,
        "alg-none-accepted",
        ALG_NONE_FILTER,
        &[("alg-none-accepted", None, "2099-12-31")],
        &fail_fast,
        0,
    );
    let cases = waived["cases"].as_array().unwrap();
    assert!(cases.len() > 2, "{}", cases.len());
    assert!(
        cases.iter().all(|case| case["verdict"] != "skipped"),
        "a waived failure does not stop the run: every case runs"
    );
    assert_eq!(ids(&waived["waived"]), ["alg-none-accepted"]);

    // The same failures in the baseline: none is new, none stops the run.
    let baseline = dir.join("waived.json");
    std::fs::rename(dir.join("r.json"), &baseline).unwrap();
    let mut args = vec!["--baseline", baseline.to_str().unwrap()];
    args.extend(fail_fast);
    let out = run_with(&dir, Some("alg-none-accepted"), ALG_NONE_FILTER, &args);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report = json(dir.join("r.json"));
    assert_eq!(report["cases"].as_array().unwrap().len(), cases.len());
    assert_eq!(stopped_by_fail_fast(&report), 0);
    assert_eq!(report["gate"]["new"], 0);

    // Neither: the first failure stops the run.
    let out = run_with(&dir, Some("alg-none-accepted"), ALG_NONE_FILTER, &fail_fast);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let report = json(dir.join("r.json"));
    assert_eq!(ids(&report["weaknesses"]), ["alg-none-accepted"]);
    assert!(
        stopped_by_fail_fast(&report) > 0,
        "the cases after the first failure are not run: {}",
        out.stdout
    );
}

#[test]
fn malformed_waiver_files_exit_2_with_file_line_and_column() {
    let dir = scratch("waivers", "malformed");
    let good = "waivers:\n  - weakness: alg-none-accepted\n    reason: r\n    owner: o\n    expires: 2099-12-31\n";
    for (name, text, says) in [
        ("unknown-key", good.replace("owner:", "ownr:"), ":4:5: "),
        (
            "unknown-weakness",
            good.replace("alg-none-accepted", "alg-none-acepted"),
            ":2:5: waivers[0].weakness: unknown weakness `alg-none-acepted`; did you mean `alg-none-accepted`?",
        ),
        (
            "bad-date",
            good.replace("2099-12-31", "2099-02-30"),
            ":5:5: waivers[0].expires: `2099-02-30` is not a date of the form YYYY-MM-DD",
        ),
        (
            "unknown-operation",
            format!("{good}    operation: tasks.gte\n"),
            ":6:5: waivers[0].operation: unknown operation `tasks.gte`; did you mean `tasks.get`?",
        ),
        (
            "not-a-list",
            "waivers: alg-none-accepted\n".to_string(),
            ":1:10: ",
        ),
    ] {
        let path = dir.join(format!("{name}.yaml"));
        std::fs::write(&path, text).unwrap();
        let out = run(&["run", "--waivers", path.to_str().unwrap()]);
        assert_eq!(out.code, 2, "{name}: {}\n{}", out.stdout, out.stderr);
        let expected = format!("{}{says}", path.display());
        assert!(
            out.stderr.contains(&expected),
            "{name}: expected `{expected}` in:\n{}",
            out.stderr
        );
    }
}
