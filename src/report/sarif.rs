//! The SARIF 2.1.0 report (`--report sarif:PATH`), for GitHub code scanning and other SARIF viewers:
//! one rule per weakness present (with CWE, tags and help text), one result per weakness, located at
//! the scenario (file and line) of its first failing case. Cases that could not be judged become tool
//! execution notifications. Built from the typed SARIF structs of `serde-sarif`; validated against the
//! official schema in `tests/report_formats.rs`.
//!
//! With `--waivers`, a weakness whose failing cases a live waiver covers is a result of its own with
//! an external suppression (status accepted, the waiver's reason as justification). With
//! `--baseline`, every result carries `baselineState`: `new`, `unchanged`, or `updated` when some of
//! its cases are new; the baseline's failures gone since are not results (they have no location in
//! this run) but are listed in the run's `baselineAbsent` property, and stale waivers in
//! `staleWaivers`.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    NotificationLevel, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingConfigurationLevel, ReportingDescriptor, Result as SarifResult, ResultKind,
    ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent, Version,
};

use super::explain::{Explanation, explain};
use super::reproducer;
use crate::outcome::{BaselineState, RunResult, Verdict};
use crate::verdict::group::{WeaknessGroup, weaknesses};

/// `$schema` of the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The fingerprint key of a result (bumped if what it hashes ever changes).
pub const FINGERPRINT_KEY: &str = "authconformWeakness/v1";
/// At most this many case ids are listed in a result's properties.
const MAX_CASE_IDS: usize = 100;
/// At most this many unjudged cases become notifications.
const MAX_NOTIFICATIONS: usize = 50;

/// The SARIF log as a JSON value.
pub fn report(run: &RunResult) -> Value {
    // The typed log holds only strings, numbers, maps and JSON values: it always serializes.
    serde_json::to_value(log(run)).unwrap_or(Value::Null)
}

/// The SARIF log.
pub fn log(run: &RunResult) -> Sarif {
    let failing = weaknesses(run).len();
    let mut groups = weaknesses(run);
    groups.extend(crate::verdict::group::notes(run));
    let waived = crate::verdict::group::waived(run);
    let first_waived = groups.len();
    groups.extend(waived);
    let explained: Vec<Explanation> = groups.iter().map(|group| explain(run, group)).collect();
    let rules: Vec<ReportingDescriptor> = groups
        .iter()
        .zip(&explained)
        .map(|(group, text)| rule(group, text))
        .collect();
    let results: Vec<SarifResult> = groups
        .iter()
        .zip(&explained)
        .enumerate()
        .map(|(index, (group, text))| {
            let mut result = result(run, index, group, text);
            if index >= failing && index < first_waived {
                // A conformance note: shown, not failing the gate.
                result.level = Some(ResultLevel::Note);
            }
            if index >= first_waived {
                result.suppressions = Some(suppressions(run, group));
            }
            if run.gate.baseline.is_some() {
                result.baseline_state = Some(json!(baseline_state(group.baseline(run))));
            }
            result
        })
        .collect();
    let notifications = notifications(run);
    let criteria = criteria(run);
    let driver = ToolComponent::builder()
        .name("authconform".to_string())
        .version(env!("CARGO_PKG_VERSION").to_string())
        .semantic_version(env!("CARGO_PKG_VERSION").to_string())
        .rules(rules)
        .build();
    let invocation = Invocation::builder()
        .execution_successful(true)
        .tool_execution_notifications(notifications)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .results(results)
        .properties(run_properties(run, criteria))
        .build();
    Sarif::builder()
        .schema(SCHEMA_URI.to_string())
        .version(json!(Version::V2_1_0))
        .runs(vec![run])
        .build()
}

/// A warning for each case that could not be judged (the first [`MAX_NOTIFICATIONS`]).
fn notifications(run: &RunResult) -> Vec<Notification> {
    run.cases
        .iter()
        .filter(|case| case.verdict == Verdict::Error)
        .take(MAX_NOTIFICATIONS)
        .map(|case| {
            Notification::builder()
                .level(json!(NotificationLevel::Warning))
                .message(text(format!(
                    "{} could not be judged: {}",
                    case.id, case.reason
                )))
                .build()
        })
        .collect()
}

/// Each criterion's tally.
fn criteria(run: &RunResult) -> Vec<Value> {
    run.tallies()
        .into_iter()
        .map(|(category, tally)| {
            json!({
                "criterion": category.as_str(),
                "passed": tally.passed,
                "failed": tally.failed,
                "errors": tally.errors,
                "skipped": tally.skipped,
            })
        })
        .collect()
}

/// The run's properties: target, gate, criteria, and with a waiver file or baseline what they said.
fn run_properties(run: &RunResult, criteria: Vec<Value>) -> PropertyBag {
    let mut bag = properties(
        None,
        [
            ("target", json!(run.target)),
            ("gatePassed", json!(run.gate_passed())),
            ("criteria", json!(criteria)),
        ],
    );
    if run.gate.is_active() {
        let stale: Vec<String> = run.gate.stale.iter().map(|w| w.describe()).collect();
        let expired: Vec<String> = run.expired_waivers().iter().map(|w| w.describe()).collect();
        for (name, value) in [
            ("staleWaivers", json!(stale)),
            ("expiredWaivers", json!(expired)),
            ("baselineAbsent", json!(run.gate.absent_findings())),
        ] {
            bag.additional_properties.insert(name.to_string(), value);
        }
    }
    bag
}

/// The suppression of a waived weakness: external (the waiver file), accepted, with its reason.
fn suppressions(run: &RunResult, group: &WeaknessGroup) -> Vec<Suppression> {
    let case = &run.cases[group.representative()];
    let Some(waiver) = &case.gate.waiver else {
        return Vec::new();
    };
    let mut suppression = Suppression::builder()
        .kind(json!("external"))
        .status(json!("accepted"))
        .justification(waiver.reason.clone())
        .build();
    suppression.properties = Some(properties(
        None,
        [
            ("owner", json!(waiver.owner)),
            ("expires", json!(waiver.expires)),
            ("waiver", json!(waiver.describe())),
        ],
    ));
    vec![suppression]
}

/// SARIF's `baselineState` of a group's [`WeaknessGroup::baseline`].
fn baseline_state(state: Option<Option<BaselineState>>) -> &'static str {
    match state {
        Some(Some(state)) => state.as_str(),
        // Some cases new, some not: the result is known, and it changed.
        Some(None) => "updated",
        // No case of the group carries a state (cannot happen with a baseline): new.
        None => "new",
    }
}

/// A message with plain text.
fn text(text: impl Into<String>) -> Message {
    Message::builder().text(text.into()).build()
}

/// A property bag: optional tags and named values.
fn properties<const N: usize>(
    tags: Option<Vec<String>>,
    values: [(&str, Value); N],
) -> PropertyBag {
    PropertyBag {
        tags,
        additional_properties: values
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn rule(group: &WeaknessGroup, text: &Explanation) -> ReportingDescriptor {
    let mut tags = vec![
        "security".to_string(),
        "authconform".to_string(),
        group.category.as_str().to_string(),
    ];
    if let Some(cwe) = group.weakness.cwe {
        tags.push(format!("external/cwe/cwe-{cwe}"));
    }
    if let Some(owasp) = text.owasp {
        tags.push(format!("external/owasp-api-2023/{}", owasp.code()));
    }
    let mut help = format!("{}\n\nHow to fix: {}", text.summary, text.fix);
    let mut help_markdown = format!("{}\n\n**How to fix:** {}", text.summary, text.fix);
    if let Some(cwe) = group.weakness.cwe {
        help.push_str(&format!("\n\nCWE-{cwe}: {}", cwe_uri(cwe)));
        help_markdown.push_str(&format!("\n\n[CWE-{cwe}]({})", cwe_uri(cwe)));
    }
    if let Some(owasp) = text.owasp {
        help.push_str(&format!("\n\nOWASP {} {}", owasp.code(), owasp.title()));
        help_markdown.push_str(&format!("\n\nOWASP {} {}", owasp.code(), owasp.title()));
    }
    let mut rule = ReportingDescriptor::builder()
        .id(group.weakness.id.clone())
        .name(pascal_case(&group.weakness.id))
        .short_description(
            MultiformatMessageString::builder()
                .text(text.name.to_string())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(text.summary.to_string())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help)
                .markdown(help_markdown)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(ReportingConfigurationLevel::Error))
                .build(),
        )
        .properties(properties(
            Some(tags),
            [
                ("precision", json!("very-high")),
                ("problem.severity", json!("error")),
                ("security-severity", json!(text.severity.score())),
                ("criterion", json!(group.category.as_str())),
            ],
        ))
        .build();
    rule.help_uri = group.weakness.cwe.map(cwe_uri);
    rule
}

fn result(run: &RunResult, index: usize, group: &WeaknessGroup, text: &Explanation) -> SarifResult {
    let case = &run.cases[group.representative()];
    let scenario = &run.scenarios[case.scenario];
    let count = group.cases.len();
    let plural = if count == 1 { "case" } else { "cases" };
    let message = format!(
        "{}: {count} failing {plural} against {}. First: {}: {}",
        text.name, run.target, case.id, case.reason
    );
    let mut related = Vec::new();
    let mut seen = vec![case.scenario];
    for other in group.cases.iter().map(|index| &run.cases[*index]) {
        if !seen.contains(&other.scenario) {
            seen.push(other.scenario);
            let info = &run.scenarios[other.scenario];
            let mut location = location(&info.file, info.line);
            location.id = i64::try_from(related.len() + 1).ok();
            location.message = Some(self::text(format!("also failed: {}", other.id)));
            related.push(location);
        }
    }
    let mut primary = location(&scenario.file, scenario.line);
    primary.message = Some(self::text(scenario.title.clone()));
    let cases: Vec<&str> = group
        .cases
        .iter()
        .take(MAX_CASE_IDS)
        .map(|index| run.cases[*index].id.as_str())
        .collect();
    let mut properties = properties(
        None,
        [
            ("criterion", json!(group.category.as_str())),
            ("failingCases", json!(count)),
            ("cases", json!(cases)),
            ("representativeCase", json!(case.id)),
            ("reason", json!(case.reason)),
        ],
    );
    if let Some(exchange) = case.culprit.and_then(|index| case.exchanges.get(index)) {
        properties
            .additional_properties
            .insert("reproducer".into(), json!(reproducer(run, case, exchange)));
    }
    let mut result = SarifResult::builder()
        .rule_id(group.weakness.id.clone())
        .rule_index(i64::try_from(index).unwrap_or(i64::MAX))
        .level(ResultLevel::Error)
        .kind(ResultKind::Fail)
        .message(self::text(message))
        .locations(vec![primary])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            format!("{}:{}", group.weakness.id, scenario.id),
        )]))
        .properties(properties)
        .build();
    if !related.is_empty() {
        result.related_locations = Some(related);
    }
    result
}

/// A physical location: the scenario file, and its line when known.
fn location(file: &Path, line: u64) -> Location {
    let mut physical = PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(artifact_uri(file)).build())
        .build();
    if line >= 1 {
        physical.region = Some(
            Region::builder()
                .start_line(i64::try_from(line).unwrap_or(i64::MAX))
                .build(),
        );
    }
    Location::builder().physical_location(physical).build()
}

/// A URI reference for a path: relative paths stay relative (forward slashes, percent-encoded), so
/// code scanning resolves them against the repository; absolute ones become `file://` URIs.
pub fn artifact_uri(path: &Path) -> String {
    if path.is_absolute()
        && let Ok(url) = url::Url::from_file_path(path)
    {
        return url.to_string();
    }
    let segments: Vec<String> = path
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(encode_segment(&part.to_string_lossy())),
            Component::ParentDir => Some("..".to_string()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect();
    segments.join("/")
}

/// Percent-encodes everything but RFC 3986 unreserved characters and a few safe sub-delimiters (a
/// colon is encoded so that a first segment is never read as a scheme).
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// MITRE's page of a CWE.
pub fn cwe_uri(cwe: u32) -> String {
    format!("https://cwe.mitre.org/data/definitions/{cwe}.html")
}

/// `alg-none-accepted` -> `AlgNoneAccepted`.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_relative_with_forward_slashes() {
        assert_eq!(
            artifact_uri(Path::new("./scenarios/isolation/task bola.yaml")),
            "scenarios/isolation/task%20bola.yaml"
        );
        assert_eq!(artifact_uri(Path::new("a:b/c#d.yaml")), "a%3Ab/c%23d.yaml");
        assert_eq!(artifact_uri(Path::new("../x.yaml")), "../x.yaml");
    }

    #[cfg(unix)]
    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(
            artifact_uri(Path::new("/opt/a b/s.yaml")),
            "file:///opt/a%20b/s.yaml"
        );
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("alg-none-accepted"), "AlgNoneAccepted");
        assert_eq!(
            pascal_case("forbidden-instead-of-401"),
            "ForbiddenInsteadOf401"
        );
    }
}
