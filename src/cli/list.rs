//! `authconform list`: scenarios and their number of expanded cases, per criterion; with
//! `--traceability`, the requirement -> scenarios -> cases table of specs/traceability.md.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

use clap::Args;

use super::run::{ScenarioArgs, load_profile, load_scenarios};
use super::{CliError, exit};
use crate::bundled::SPEC_MD;
use crate::scenario::known_requirements;
use crate::scenario::plan::{Category, Suite};

/// List scenarios and their number of expanded cases, per criterion.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  authconform list\n  authconform list --scenarios scenarios/isolation\n  authconform list --traceability > specs/traceability.md"
)]
pub struct ListArgs {
    /// Target profile (default: the embedded reference-server profile).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    #[command(flatten)]
    scenarios: ScenarioArgs,
    /// Print the traceability document (Markdown): each requirement of the spec, the scenarios that
    /// test it and their cases. Exits 1 if a requirement has no scenario.
    #[arg(long)]
    traceability: bool,
    /// The spec whose requirements are traced (with --traceability; default: specs/spec.md as built
    /// into the binary).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
}

/// Runs `list`.
pub fn run(args: ListArgs) -> Result<u8, CliError> {
    let profile = load_profile(args.profile.as_deref())?;
    let suite = load_scenarios(&args.scenarios.sources(), &profile)?;
    if !args.traceability {
        print!("{}", listing(&suite));
        return Ok(exit::OK);
    }
    let (spec_name, spec) = match &args.spec {
        Some(path) => (
            path.display().to_string(),
            crate::yaml::read_limited(path, crate::yaml::MAX_DOCUMENT_BYTES)
                .map_err(|err| CliError::usage(format!("cannot read {}: {err}", path.display())))?,
        ),
        None => ("specs/spec.md".to_string(), SPEC_MD.to_string()),
    };
    let requirements = requirement_titles(&spec);
    let unknown: Vec<String> = suite
        .scenarios
        .iter()
        .flat_map(|s| s.requirements.iter().map(move |r| (s, r)))
        .filter(|(_, r)| !requirements.iter().any(|(id, _)| id == *r))
        .map(|(s, r)| format!("{} names {r}, which {spec_name} does not define", s.id))
        .collect();
    if !unknown.is_empty() {
        return Err(CliError::usage(unknown.join("\n")));
    }
    print!("{}", traceability(&suite, &requirements));
    let uncovered: Vec<&str> = requirements
        .iter()
        .filter(|(id, _)| !suite.scenarios.iter().any(|s| s.requirements.contains(id)))
        .map(|(id, _)| id.as_str())
        .collect();
    if uncovered.is_empty() {
        Ok(exit::OK)
    } else {
        eprintln!(
            "error: no scenario tests {} (add them to a scenario's `requirements:`)",
            uncovered.join(", ")
        );
        Ok(exit::GATE_FAILED)
    }
}

/// The requirements of the spec with their titles, in spec order: `**FR-001 Bearer header.**` gives
/// (`FR-001`, `Bearer header`). Ids that appear without a bold title get an empty one.
pub fn requirement_titles(spec_md: &str) -> Vec<(String, String)> {
    let mut titles: BTreeMap<String, String> = known_requirements(spec_md)
        .into_iter()
        .map(|id| (id, String::new()))
        .collect();
    for line in spec_md.lines() {
        let Some(rest) = line.trim_start().strip_prefix("**FR-") else {
            continue;
        };
        let Some(end) = rest.find("**") else {
            continue;
        };
        let text = &rest[..end];
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        let title = text[digits.len()..]
            .trim()
            .trim_end_matches('.')
            .to_string();
        titles.insert(format!("FR-{digits}"), title);
    }
    titles.into_iter().collect()
}

/// Requirements a client of the API can only check in part, and where the rest is checked.
const PARTIAL: &[(&str, &str)] = &[
    (
        "FR-013",
        "start-up refusal of a short or missing secret: reference-server/tests/it/keys.rs; the suite checks that weak and empty secrets do not verify",
    ),
    (
        "FR-019",
        "the catalog forges no kid-less token; the rs256 and es256 key modes run the suite against the multi-key JWKS, where a wrong or unknown kid is refused",
    ),
    (
        "FR-020",
        "several keys at once: the suite passes unchanged against the multi-key JWKS with RS256 and ES256 tokens (tests/suite_modes.rs)",
    ),
    (
        "FR-021",
        "a JWKS holding an oct or enc key: reference-server/tests/it/keys.rs; the suite checks that HMAC tokens are never verified against a JWKS",
    ),
    (
        "FR-022",
        "fetch count: tests/suite_modes.rs bounds the hosted issuer's fetches over a whole run in the eddsa-jwks-url mode",
    ),
    (
        "FR-023",
        "a refresh that brings a new key: reference-server/tests/it/keys.rs; the suite checks unknown kids are refused and known ones kept",
    ),
    (
        "FR-024",
        "the cooldown itself: reference-server/tests/it/keys.rs and the fetch bound of tests/suite_modes.rs",
    ),
    (
        "FR-025",
        "a refresh that drops or fails: reference-server/tests/it/keys.rs; the suite checks the keys in use survive bursts of unknown kids",
    ),
    (
        "FR-033",
        "the start-up refusal of --leeway 61: reference-server/tests/it/claims.rs; the suite checks expiry one second past the profile's leeway",
    ),
    (
        "FR-037",
        "answers are checked one by one for echoes and traces; their byte-for-byte sameness across reasons: reference-server/tests/it/errors.rs",
    ),
    (
        "FR-041",
        "status and canaries are checked; byte-for-byte sameness with a never-allocated id: reference-server/tests/it/isolation.rs",
    ),
    (
        "FR-045",
        "observed through every BOLA scenario; the SQL review: reference-server/tests/it/coverage.rs",
    ),
    (
        "FR-059",
        "every answer is bounded by the profile's request timeout (10 s by default), not the spec's 2 s",
    ),
];

/// The traceability document (Markdown).
pub fn traceability(suite: &Suite, requirements: &[(String, String)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Traceability: requirements, scenarios, cases");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "<!-- Generated by `authconform list --traceability > specs/traceability.md`. Do not edit by hand. -->"
    );
    let _ = writeln!(out);
    let covered = requirements
        .iter()
        .filter(|(id, _)| suite.scenarios.iter().any(|s| s.requirements.contains(id)))
        .count();
    let _ = writeln!(
        out,
        "Each requirement of [spec.md](spec.md), the bundled scenarios (`scenarios/`) that test it, and the number of cases they expand to with the embedded reference profile (EdDSA key mode; `authconform list` shows the counts for another profile). tests/suite_traceability.rs regenerates this file and fails when it differs or when a requirement has no scenario."
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{covered} of {} requirements covered by {} scenarios ({} cases).",
        requirements.len(),
        suite.scenarios.len(),
        suite.cases.len()
    );
    let _ = writeln!(out);
    requirement_table(&mut out, suite, requirements);
    partial_table(&mut out);
    scenario_table(&mut out, suite);
    out
}

/// Each requirement with the scenarios that test it and their cases.
fn requirement_table(out: &mut String, suite: &Suite, requirements: &[(String, String)]) {
    let cases_of = |scenario: usize| count(suite, scenario);
    let _ = writeln!(out, "| requirement | scenarios (cases) | cases |");
    let _ = writeln!(out, "| --- | --- | ---: |");
    for (id, title) in requirements {
        let scenarios: Vec<(usize, &str)> = suite
            .scenarios
            .iter()
            .enumerate()
            .filter(|(_, s)| s.requirements.contains(id))
            .map(|(index, s)| (index, s.id.as_str()))
            .collect();
        let listed: Vec<String> = scenarios
            .iter()
            .map(|(index, name)| format!("`{name}` ({})", cases_of(*index)))
            .collect();
        let total: usize = scenarios.iter().map(|(index, _)| cases_of(*index)).sum();
        let partial = if PARTIAL.iter().any(|(p, _)| p == id) {
            " (in part, see below)"
        } else {
            ""
        };
        let listed = if listed.is_empty() {
            "**none**".to_string()
        } else {
            listed.join(", ")
        };
        let _ = writeln!(out, "| {id} {title}{partial} | {listed} | {total} |");
    }
    let _ = writeln!(out);
}

/// The requirements a client can check only in part, and where the rest is checked.
fn partial_table(out: &mut String) {
    let _ = writeln!(out, "## Requirements a client can check only in part");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Some requirements are about the server's configuration or internals. The suite checks what an API client can observe; the rest is checked where stated."
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "| requirement | the rest is checked by |");
    let _ = writeln!(out, "| --- | --- |");
    for (id, rest) in PARTIAL {
        let _ = writeln!(out, "| {id} | {rest} |");
    }
    let _ = writeln!(out);
}

/// Each scenario with its criterion, requirements and cases.
fn scenario_table(out: &mut String, suite: &Suite) {
    let cases_of = |scenario: usize| count(suite, scenario);
    let _ = writeln!(out, "## Scenarios");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| scenario | criterion | requirements | cases | file |"
    );
    let _ = writeln!(out, "| --- | --- | --- | ---: | --- |");
    for (index, scenario) in suite.scenarios.iter().enumerate() {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | [{}](../{}#L{}) |",
            scenario.id,
            scenario.category.as_str(),
            scenario.requirements.join(", "),
            cases_of(index),
            scenario.file.display(),
            scenario.file.display(),
            scenario.line
        );
    }
}

/// The listing text.
pub fn listing(suite: &Suite) -> String {
    let mut out = String::new();
    for category in Category::ALL {
        let scenarios: Vec<(usize, &crate::scenario::plan::ScenarioInfo)> = suite
            .scenarios
            .iter()
            .enumerate()
            .filter(|(_, s)| s.category == category)
            .collect();
        let total: usize = scenarios
            .iter()
            .map(|(index, _)| count(suite, *index))
            .sum();
        let _ = writeln!(
            out,
            "{} ({} scenarios, {total} cases)",
            category.as_str(),
            scenarios.len()
        );
        for (index, scenario) in scenarios {
            let _ = writeln!(
                out,
                "  {:<48} {:>5}  {}",
                scenario.id,
                count(suite, index),
                scenario.title
            );
        }
    }
    let _ = writeln!(
        out,
        "total: {} scenarios, {} cases",
        suite.scenarios.len(),
        suite.cases.len()
    );
    out
}

fn count(suite: &Suite, scenario: usize) -> usize {
    suite
        .cases
        .iter()
        .filter(|case| case.scenario == scenario)
        .count()
}
