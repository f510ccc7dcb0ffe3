//! `run --partition hash:K/N` and `merge`, through the binary, against the embedded reference server
//! with a flaw on (some cases fail, and the fact cases rename others' failures): 4 shards merged give
//! the unsharded run case for case (ids, verdicts, weaknesses, reasons; ports and timings aside), the
//! same weaknesses, tallies and exit code, and every report format; every case is in exactly one
//! shard; reports that are not every shard of one run are refused with exit 2.

mod binary;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use binary::{Output, run, scratch};
use regex::Regex;
use serde_json::Value;

/// A flaw whose failures the fact cases rename (another user's plain token already reaches the
/// data), and whose reasons name canaries.
const FLAW: &str = "path-user-not-checked";
const SEED: &str = "7";
const SHARDS: usize = 4;

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// `run` against the embedded reference server with the flaw, the seed and `more`.
fn run_flawed(more: &[&str]) -> Output {
    let mut args = vec!["run", "--reference-flaw", FLAW, "--seed", SEED];
    args.extend_from_slice(more);
    let out = run(&args);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    out
}

fn json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).expect("valid JSON")
}

/// What must be equal of a case, ports (the embedded server's and the attacker host's) masked.
fn line(case: &Value) -> String {
    let ports = Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    let fields = [
        "id",
        "scenario",
        "criterion",
        "weakness",
        "cwe",
        "verdict",
        "reason",
    ]
    .map(|key| case[key].to_string());
    ports
        .replace_all(&fields.join(" | "), "127.0.0.1:PORT")
        .into_owned()
}

fn lines(report: &Value) -> Vec<String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(line)
        .collect()
}

fn ids(report: &Value) -> Vec<String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case["id"].as_str().unwrap().to_string())
        .collect()
}

/// The shards' JSON reports, run one after the other.
fn shards(dir: &Path) -> (Vec<String>, Vec<i32>) {
    let mut paths = Vec::new();
    let mut codes = Vec::new();
    for shard in 1..=SHARDS {
        let report = path(dir, &format!("shard-{shard}.json"));
        let partition = format!("hash:{shard}/{SHARDS}");
        let out = run_flawed(&[
            "--partition",
            &partition,
            "--report",
            &format!("json:{report}"),
        ]);
        assert!(
            out.stderr.contains(&format!("shard {partition}: reports")),
            "{}",
            out.stderr
        );
        assert!(matches!(out.code, 0 | 1), "shard {shard}: {}", out.stderr);
        paths.push(report);
        codes.push(out.code);
    }
    (paths, codes)
}

fn merge(shards: &[String], more: &[&str]) -> Output {
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend_from_slice(more);
    let out = run(&args);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    out
}

/// Formats written by both the unsharded run and the merge.
const FORMATS: [(&str, &str); 5] = [
    ("json", "json"),
    ("sarif", "sarif"),
    ("junit", "xml"),
    ("markdown", "md"),
    ("html", "html"),
];

fn report_flags(dir: &Path, stem: &str) -> Vec<String> {
    FORMATS
        .iter()
        .flat_map(|(format, ext)| {
            [
                "--report".to_string(),
                format!("{format}:{}", path(dir, &format!("{stem}.{ext}"))),
            ]
        })
        .collect()
}

#[test]
fn four_shards_merged_equal_the_unsharded_run_and_mismatches_are_refused() {
    let dir = scratch("partition", "merge");
    let flags = report_flags(&dir, "whole");
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let whole = run_flawed(&flags);
    assert_eq!(whole.code, 1, "the flaw fails the gate: {}", whole.stderr);
    let whole_json = json(&path(&dir, "whole.json"));

    let (shard_paths, shard_codes) = shards(&dir);
    every_case_in_exactly_one_shard(&whole_json, &shard_paths);
    assert!(shard_codes.contains(&1), "some shard holds a failure");

    let flags = report_flags(&dir, "merged");
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let merged = merge(&shard_paths, &flags);
    assert_eq!(merged.code, whole.code, "{}", merged.stderr);
    assert!(
        merged.stderr.contains("merged 4 shards"),
        "{}",
        merged.stderr
    );
    let merged_json = json(&path(&dir, "merged.json"));
    assert_eq!(lines(&merged_json), lines(&whole_json), "case for case");
    for key in [
        "gate_passed",
        "criteria",
        "weaknesses",
        "notes",
        "scenarios",
    ] {
        assert_eq!(merged_json[key], whole_json[key], "{key}");
    }
    let conditions = &merged_json["conditions"];
    assert_eq!(
        conditions["partition"],
        Value::Null,
        "the merge is one whole run"
    );
    assert_eq!(conditions["seed"], 7);
    assert_eq!(conditions["controls"], whole_json["conditions"]["controls"]);
    same_other_reports(&dir);
    // The terminal summary: the same, but for the target's port, the timings and the cleanup line
    // (each shard plants and counts its own objects, the fact cases' in every shard).
    let summary = |text: &str| {
        let masked = Regex::new(r"127\.0\.0\.1:\d+|\d+(\.\d+)? ?m?s\b").unwrap();
        masked
            .replace_all(
                text.lines()
                    .skip_while(|l| l.starts_with("target:"))
                    .filter(|l| !l.starts_with("cleanup:"))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .as_str(),
                "_",
            )
            .into_owned()
    };
    assert_eq!(summary(&merged.stdout), summary(&whole.stdout));

    refusals(&dir, &shard_paths);
}

fn every_case_in_exactly_one_shard(whole: &Value, shards: &[String]) {
    let mut seen = Vec::new();
    for (at, shard) in shards.iter().enumerate() {
        let report = json(shard);
        let partition = &report["conditions"]["partition"];
        assert_eq!(partition["shard"], at + 1);
        assert_eq!(partition["total"], SHARDS);
        assert_eq!(
            partition["plan_cases"],
            whole["cases"].as_array().unwrap().len()
        );
        let own = ids(&report);
        assert!(!own.is_empty(), "shard {} has cases", at + 1);
        assert_eq!(partition["positions"].as_array().unwrap().len(), own.len());
        seen.extend(own);
    }
    let all: BTreeSet<String> = ids(whole).into_iter().collect();
    assert_eq!(seen.len(), all.len(), "no case in two shards");
    assert_eq!(
        seen.into_iter().collect::<BTreeSet<_>>(),
        all,
        "every case in a shard"
    );
}

/// The other formats of the merge are the unsharded run's, but for ports, timings, the ids the server
/// gave the objects it created and forged tokens (their `iat` and `exp` are the time they were made);
/// in the HTML report's answers, the times the server created the objects too.
fn same_other_reports(dir: &Path) {
    let noise = Regex::new(r#"127\.0\.0\.1:\d+|in \d+\.\d+ s|time="[^"]*"|(tasks|conversations)/\d+|id&quot;:\d+|id":\d+|eyJ[\w-]*\.[\w-]*\.[\w-]*"#).unwrap();
    let masked = |name: &str| {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        noise.replace_all(&text, "_").into_owned()
    };
    for ext in ["sarif", "md", "xml"] {
        let merged = masked(&format!("merged.{ext}"));
        assert!(merged.contains(FLAW), "merged.{ext} names the weakness");
        assert!(
            merged == masked(&format!("whole.{ext}")),
            "merged.{ext} differs"
        );
    }
    let (merged, whole) = (masked("merged.html"), masked("whole.html"));
    assert!(merged.contains(FLAW));
    assert_eq!(merged.lines().count(), whole.lines().count(), "html");
}

fn refusals(dir: &Path, shards: &[String]) {
    let refused = |out: Output, words: &str| {
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr.contains(words),
            "expected {words:?} in:\n{}",
            out.stderr
        );
    };
    refused(
        merge(&shards[..3], &[]),
        "shard 4/4 missing (given: 1, 2, 3)",
    );
    let mut twice = shards.to_vec();
    twice.push(shards[1].clone());
    refused(merge(&twice, &[]), "shard 2/4 is given twice");
    refused(
        merge(&[path(dir, "whole.json")], &[]),
        "not a shard's report (its run had no --partition)",
    );
    // Shard 1 of another run: another seed.
    let other = path(dir, "other-seed.json");
    let out = run(&[
        "run",
        "--reference-flaw",
        FLAW,
        "--seed",
        "8",
        "--partition",
        "hash:1/4",
        "--report",
        &format!("json:{other}"),
    ]);
    assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
    let mut mixed = vec![other];
    mixed.extend_from_slice(&shards[1..]);
    refused(merge(&mixed, &[]), "their --seed differs (8 and 7)");
    // A shard of another cut.
    let halves = path(dir, "half.json");
    let out = run_flawed(&[
        "--filter",
        "category:statelessness",
        "--partition",
        "hash:2/2",
        "--report",
        &format!("json:{halves}"),
    ]);
    assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
    let mut mixed = shards.to_vec();
    mixed[1] = halves;
    refused(
        merge(&mixed, &[]),
        "their partition differs (hash:K/4 and hash:K/2)",
    );
    // Not a report at all, and a flag that is not K of N.
    refused(
        merge(&[PathBuf::from("Cargo.toml").display().to_string()], &[]),
        "Cargo.toml: not an authconform JSON report",
    );
    refused(
        run(&["run", "--partition", "hash:5/4", "--seed", "1"]),
        "K must be between 1 and N",
    );
    refused(
        run(&["run", "--partition", "hash:1/4"]),
        "--partition needs --seed",
    );
}

fn yaml(path: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    authconform::yaml::load_file(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Every `--flag` of `command` (a command line of an example) is one that `authconform SUB --help`
/// lists.
fn flags_are_real(command: &str) {
    let sub = if command.contains("authconform merge") {
        "merge"
    } else {
        "run"
    };
    let help = run(&[sub, "--help"]).stdout;
    for flag in command
        .split_whitespace()
        .filter(|word| word.starts_with("--"))
    {
        assert!(
            help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
            "{flag} is not a flag of authconform {sub}"
        );
    }
}

#[test]
fn the_github_example_shards_with_a_matrix_and_merges() {
    let action = yaml("action.yml");
    let workflow = yaml("examples/github-sharded.yml");
    let shard = &workflow["jobs"]["shard"];
    let matrix = shard["strategy"]["matrix"]["shard"].as_array().unwrap();
    let total = matrix.len();
    assert_eq!(shard["strategy"]["fail-fast"], false);
    let step = shard["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|uses| uses.contains("/authconform@"))
        })
        .expect("the authconform step");
    for key in step["with"].as_object().unwrap().keys() {
        assert!(
            action["inputs"].get(key).is_some(),
            "`{key}` is not an input of action.yml"
        );
    }
    let args = step["with"]["args"].as_str().unwrap();
    assert!(
        args.contains(&format!("--partition hash:${{{{ matrix.shard }}}}/{total}")),
        "{args}"
    );
    assert!(args.contains("--seed ${{ github.run_id }}"), "{args}");
    assert!(
        args.contains("--report json:shard-${{ matrix.shard }}.json"),
        "{args}"
    );
    flags_are_real(&format!("authconform run {args}"));
    let merge = &workflow["jobs"]["merge"];
    assert_eq!(merge["needs"], "shard");
    assert!(merge["if"].as_str().unwrap().contains("!cancelled()"));
    assert_eq!(merge["permissions"]["security-events"], "write");
    let steps = merge["steps"].as_array().unwrap();
    let command = steps
        .iter()
        .filter_map(|step| step["run"].as_str())
        .find(|run| run.contains("authconform merge"))
        .expect("a merge step");
    for k in 1..=total {
        assert!(command.contains(&format!("shard-{k}.json")), "{command}");
    }
    assert!(
        command.contains("--report sarif:authconform.sarif"),
        "{command}"
    );
    flags_are_real(command);
    assert!(steps.iter().any(|step| {
        step["uses"]
            .as_str()
            .is_some_and(|uses| uses.starts_with("github/codeql-action/upload-sarif@"))
            && step["with"]["sarif_file"] == "authconform.sarif"
    }));
}

#[test]
fn the_gitlab_example_shards_with_parallel_and_merges() {
    let pipeline = yaml("examples/gitlab-sharded.yml");
    let script = |job: &str| -> String {
        pipeline[job]["script"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| line.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let shard = &pipeline["authconform-shard"];
    assert!(shard["parallel"].as_u64().unwrap() > 1);
    assert_eq!(shard["artifacts"]["when"], "always");
    let run_line = script("authconform-shard");
    assert!(
        run_line.contains("--partition \"hash:$CI_NODE_INDEX/$CI_NODE_TOTAL\""),
        "{run_line}"
    );
    assert!(
        run_line.contains("--seed \"$CI_PIPELINE_ID\""),
        "{run_line}"
    );
    assert!(
        run_line.contains("--report \"json:shard-$CI_NODE_INDEX.json\""),
        "{run_line}"
    );
    flags_are_real(&run_line);
    let merge = &pipeline["authconform-merge"];
    assert_eq!(merge["needs"][0], "authconform-shard");
    assert_eq!(merge["when"], "always");
    let merge_line = script("authconform-merge");
    assert!(
        merge_line.contains("authconform merge shard-*.json"),
        "{merge_line}"
    );
    let junit = merge["artifacts"]["reports"]["junit"].as_str().unwrap();
    assert!(
        merge_line.contains(&format!("--report junit:{junit}")),
        "{merge_line}"
    );
    flags_are_real(&merge_line);
}

/// A shard that a budget stopped makes the merge stop early too: exit 3 (no case that ran failed),
/// with the stop and its cause read back from that shard's JSON report.
#[test]
fn a_shard_stopped_by_a_budget_stops_the_merge() {
    let dir = scratch("partition", "stopped");
    let (first, second, merged) = (
        path(&dir, "a.json"),
        path(&dir, "b.json"),
        path(&dir, "merged.json"),
    );
    let shard = |partition: &str, report: &str, more: &[&str]| {
        let mut args = vec![
            "run",
            "--seed",
            SEED,
            "--filter",
            "category:statelessness",
            "--partition",
            partition,
        ];
        args.extend_from_slice(more);
        let report = format!("json:{report}");
        args.extend(["--report", report.as_str()]);
        run(&args)
    };
    let whole = shard("hash:1/2", &first, &[]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let stopped = shard("hash:2/2", &second, &["--max-requests", "20"]);
    assert_eq!(stopped.code, 3, "{}", stopped.stderr);

    let out = merge(&[first, second], &["--report", &format!("json:{merged}")]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("the request budget (--max-requests 20) ran out"),
        "{}",
        out.stderr
    );
    let report = json(&merged);
    let halted = &report["conditions"]["halted"];
    assert_eq!(halted["cause"], "max-requests", "{halted}");
    assert!(
        halted["cases_run"].as_u64() < halted["cases_total"].as_u64(),
        "{halted}"
    );
    assert_eq!(report["conditions"]["load"]["max_requests"], 20);
    assert_eq!(report["gate_passed"], false);
}
