//! Loading: files and folders (sorted), YAML parsing with located errors, semantic checks, expansion.
//! Every problem of a load is collected; none stops the others.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use super::error::{LoadError, Reporter};
use super::expand;
use super::model::{ScenarioDoc, ScenarioFile};
use super::plan::{ScenarioInfo, Steps, Suite};
use super::sources::SuiteSources;
use super::validate::{self, Context};
use crate::api::{Api, ApiSelection};
use crate::profile::Profile;
use crate::yaml::Position;

/// Options of a load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The spec's requirement ids (see [`known_requirements`]); when given, every `requirements:` entry
    /// must be one of them.
    pub known_requirements: Option<BTreeSet<String>>,
    /// The API selection to resolve `call:` with: normally `profile.api.clone()` (the profile's `api:`
    /// section); the default selects the bundled `todo` API with no prefix.
    pub api: ApiSelection,
}

impl LoadOptions {
    /// Options for `profile`: its API selection, no requirement check.
    pub fn for_profile(profile: &Profile) -> Self {
        LoadOptions {
            known_requirements: None,
            api: profile.api.clone(),
        }
    }
}

/// The requirement ids (`FR-001`, ...) a spec defines: those that start a line or a heading.
pub fn known_requirements(spec_md: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for line in spec_md.lines() {
        let rest = line.trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, '#' | '*' | '-' | '|' | '_' | '`')
        });
        let Some(digits) = rest.strip_prefix("FR-") else {
            continue;
        };
        let number: String = digits.chars().take_while(char::is_ascii_digit).collect();
        if !number.is_empty() {
            ids.insert(format!("FR-{number}"));
        }
    }
    ids
}

/// Loads every scenario file of `paths` (files, or folders searched recursively for `*.yaml` / `*.yml`),
/// checks them against the profile's principals, the API description `options.api` selects and the
/// requirement ids, and expands their matrices. Returns every error found, each with file, line, column
/// and scenario id.
pub fn load_suite(
    paths: &[PathBuf],
    profile: &Profile,
    options: &LoadOptions,
) -> Result<Suite, Vec<LoadError>> {
    load_sources(&SuiteSources::paths(paths), profile, options)
}

/// [`load_suite`] of the files `sources` names: the bundled suite, paths on disk, or both.
pub fn load_sources(
    sources: &SuiteSources,
    profile: &Profile,
    options: &LoadOptions,
) -> Result<Suite, Vec<LoadError>> {
    let mut errors = Vec::new();
    let api = match Api::from_selection(&options.api) {
        Ok(api) => Some(api),
        Err(err) => {
            errors.push(LoadError::new(&profile.source, None, format!("api: {err}")));
            None
        }
    };
    let mut parsed: Vec<(PathBuf, ScenarioFile)> = Vec::new();
    for (file, text) in sources.read(&mut errors) {
        match parse_file(&file, &text) {
            Ok(doc) if doc.scenarios.is_empty() => errors.push(LoadError::located(
                &file,
                crate::yaml::locate(&text, "scenarios"),
                "`scenarios` is empty: a scenario file holds at least one scenario",
            )),
            Ok(doc) => parsed.push((file, doc)),
            Err(err) => errors.push(err),
        }
    }
    let Some(api) = api else {
        return Err(errors);
    };
    let ctx = Context {
        profile,
        api: &api,
        known_requirements: options.known_requirements.as_ref(),
    };
    let suite = build_suite(&ctx, &parsed, &mut errors);
    if errors.is_empty() {
        return Ok(suite);
    }
    // By file and place; problems found at the same place keep their order.
    errors.sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
    Err(errors)
}

/// Parses one scenario file. A YAML error is attributed to the scenario it falls in, when that can be
/// told.
pub fn parse_file(file: &Path, text: &str) -> Result<ScenarioFile, LoadError> {
    crate::yaml::deserialize::<ScenarioFile>(text).map_err(|problem| {
        let at = problem.position;
        let message = problem.message;
        let scenario = at.and_then(|at| scenario_at(text, at));
        let hint = yaml_hint(&message, text);
        LoadError::located(file, at, message)
            .in_scenario(scenario.as_deref())
            .with_hint(hint)
    })
}

/// A hint for common YAML-level mistakes: a misspelt key or value, a file that is not a `scenarios:`
/// mapping.
fn yaml_hint(message: &str, text: &str) -> Option<String> {
    for kind in ["unknown field `", "unknown variant `"] {
        if let Some(rest) = message.strip_prefix(kind) {
            let (found, expected) = rest.split_once('`')?;
            let list = expected
                .split_once("expected one of ")
                .map(|(_, list)| list)
                .or_else(|| expected.split_once("expected ").map(|(_, one)| one))?;
            let candidates: Vec<&str> = list
                .split(", ")
                .map(|c| c.trim().trim_matches('`'))
                .collect();
            return crate::suggest::did_you_mean(found, &candidates);
        }
    }
    let syntax_ok = serde_saphyr::from_str::<IgnoredAny>(text).is_ok();
    let is_mapping = serde_saphyr::from_str::<BTreeMap<String, IgnoredAny>>(text).is_ok();
    (syntax_ok && !is_mapping).then(|| {
        "a scenario file is a mapping with one key, `scenarios:`, holding a list of scenarios"
            .to_string()
    })
}

/// The id of the scenario whose mapping holds `at`, from a lenient second parse.
fn scenario_at(text: &str, at: Position) -> Option<String> {
    let Ok(loose) = serde_saphyr::from_str::<LooseFile>(text) else {
        return scenario_by_text(text, at);
    };
    let target = (at.line, at.column);
    let item = loose.scenarios.iter().rfind(|item| {
        let start = (item.referenced.line(), item.referenced.column());
        start.0 > 0 && start <= target && (target.0 == start.0 || target.1 >= start.1)
    })?;
    item.value.id.as_ref().and_then(|id| id.0.clone())
}

/// When the file does not parse at all: the last `- id: ...` line at or before the error.
fn scenario_by_text(text: &str, at: Position) -> Option<String> {
    let last = usize::try_from(at.line).ok()?;
    text.lines()
        .take(last)
        .filter_map(|line| line.trim_start().strip_prefix("- id:"))
        .last()
        .and_then(|rest| {
            let id = rest
                .split('#')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches(['"', '\'']);
            (!id.is_empty()).then(|| id.to_string())
        })
}

#[derive(Deserialize)]
struct LooseFile {
    #[serde(default)]
    scenarios: Vec<Spanned<LooseScenario>>,
}

#[derive(Deserialize)]
struct LooseScenario {
    #[serde(default)]
    id: Option<AnyString>,
}

/// Any YAML value; keeps it when it is a string.
struct AnyString(Option<String>);

impl<'de> Deserialize<'de> for AnyString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnyVisitor;
        impl<'de> Visitor<'de> for AnyVisitor {
            type Value = AnyString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("anything")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<AnyString, E> {
                Ok(AnyString(Some(value.to_string())))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyString, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(AnyString(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyString, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(AnyString(None))
            }
        }
        deserializer.deserialize_any(AnyVisitor)
    }
}

/// The scenario files under `paths`, sorted and without repeats.
pub(super) fn collect_files(paths: &[PathBuf], errors: &mut Vec<LoadError>) -> Vec<PathBuf> {
    let mut files = BTreeSet::new();
    for path in paths {
        let metadata = std::fs::metadata(path);
        if metadata.as_ref().is_ok_and(std::fs::Metadata::is_dir) {
            let before = files.len();
            walk(path, 0, &mut files, errors);
            if files.len() == before {
                errors.push(LoadError::new(
                    path,
                    None,
                    "no scenario files (*.yaml, *.yml) in this folder",
                ));
            }
        } else if metadata.is_ok() {
            // Read (or refused, when it is not a regular file) with the others.
            files.insert(path.clone());
        } else {
            errors.push(LoadError::new(path, None, "no such file or folder"));
        }
    }
    files.into_iter().collect()
}

fn walk(dir: &Path, depth: usize, files: &mut BTreeSet<PathBuf>, errors: &mut Vec<LoadError>) {
    if depth > 32 {
        errors.push(LoadError::new(
            dir,
            None,
            "folders nested too deeply (a symlink loop?)",
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            errors.push(LoadError::new(
                dir,
                None,
                format!("cannot read folder: {err}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, depth + 1, files, errors);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            files.insert(path);
        }
    }
}

/// Checks and expands every parsed scenario; ids must be unique across files.
fn build_suite(
    ctx: &Context<'_>,
    parsed: &[(PathBuf, ScenarioFile)],
    errors: &mut Vec<LoadError>,
) -> Suite {
    let mut suite = Suite::default();
    let mut first_seen: BTreeMap<&str, (&Path, Location)> = BTreeMap::new();
    for (file, doc) in parsed {
        for scenario in &doc.scenarios {
            let id = scenario.id.value.as_str();
            if let Some((other_file, other_at)) = first_seen.get(id) {
                let hint = format!(
                    "first defined at {}:{}:{}; scenario ids must be unique across all loaded files",
                    other_file.display(),
                    other_at.line(),
                    other_at.column()
                );
                errors.push(
                    LoadError::new(
                        file,
                        Some(scenario.id.referenced),
                        format!("duplicate scenario id `{id}`"),
                    )
                    .in_scenario(Some(id))
                    .with_hint(Some(hint)),
                );
                continue;
            }
            first_seen.insert(id, (file, scenario.id.referenced));
            if let Some(api) = &scenario.api
                && api.value != ctx.api.name
            {
                if let Some(error) = unknown_api(ctx, file, api) {
                    errors.push(error.in_scenario(Some(id)));
                    continue;
                }
                suite.set_aside.push(super::plan::SetAside {
                    id: id.to_string(),
                    api: api.value.clone(),
                });
                continue;
            }
            let mut reporter = Reporter::new(file, Some(id), errors);
            let category = validate::category(scenario, &mut reporter);
            let matrix = validate::check_scenario(ctx, scenario, &mut reporter);
            let index = suite.scenarios.len();
            let cases = match matrix {
                Some(super::validate::Matrix {
                    not_applicable: Some(reason),
                    ..
                }) => vec![not_applicable(scenario, index, reason)],
                Some(matrix) => {
                    expand::expand_scenario(ctx, scenario, index, &matrix, &mut reporter)
                }
                _ => Vec::new(),
            };
            if reporter.failed() {
                continue;
            }
            let Some(category) = category else { continue };
            suite.scenarios.push(info(file, scenario, category));
            suite.cases.extend(cases);
        }
    }
    suite
}

/// A scenario's `api:` that names neither the profile's API nor a bundled one: a typo would set the
/// scenario aside without a word.
fn unknown_api(ctx: &Context<'_>, file: &Path, api: &Spanned<String>) -> Option<LoadError> {
    let mut known: Vec<&str> = Api::bundled_names();
    if known.contains(&api.value.as_str()) {
        return None;
    }
    known.push(&ctx.api.name);
    known.sort_unstable();
    known.dedup();
    let hint = crate::suggest::did_you_mean(&api.value, &known)
        .unwrap_or_else(|| format!("known APIs: {}", known.join(", ")));
    Some(
        LoadError::new(
            file,
            Some(api.referenced),
            format!("unknown API `{}`", api.value),
        )
        .with_hint(Some(hint)),
    )
}

/// The one case of a scenario that does not apply to this API: no steps, skipped with `reason`.
fn not_applicable(doc: &ScenarioDoc, scenario: usize, reason: String) -> super::plan::Case {
    let id = &doc.weakness.id.value;
    super::plan::Case {
        id: doc.id.value.clone(),
        scenario,
        bindings: Vec::new(),
        weakness: super::plan::Weakness {
            id: if id.contains('{') {
                String::new()
            } else {
                id.clone()
            },
            cwe: doc.weakness.cwe,
        },
        setup: Steps::default(),
        steps: Steps::default(),
        verify: Steps::default(),
        not_applicable: Some(reason),
    }
}

fn info(file: &Path, doc: &ScenarioDoc, category: super::plan::Category) -> ScenarioInfo {
    ScenarioInfo {
        id: doc.id.value.clone(),
        title: doc.title.clone(),
        category,
        requirements: doc.requirements.iter().map(|r| r.value.clone()).collect(),
        tags: doc.tags.clone(),
        file: file.to_path_buf(),
        line: doc.id.referenced.line(),
        note: doc.note.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_come_from_definitions() {
        let spec = "# Spec\n**FR-001 Bearer header.** text (see FR-900)\n- FR-002: listed\n### FR-010 heading\nprose FR-777\n";
        let ids: Vec<String> = known_requirements(spec).into_iter().collect();
        assert_eq!(ids, ["FR-001", "FR-002", "FR-010"]);
        let bundled =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/specs/spec.md")).unwrap();
        let bundled = known_requirements(&bundled);
        assert_eq!(bundled.len(), 62);
        assert!(bundled.contains("FR-041") && bundled.contains("FR-062"));
    }

    #[test]
    fn yaml_errors_name_the_scenario_they_fall_in() {
        let text = "scenarios:\n  - id: first\n    title: A\n    category: isolation\n    weakness: { id: w }\n    steps: []\n  - id: second\n    title: B\n    colour: red\n";
        let err = parse_file(Path::new("s.yaml"), text).unwrap_err();
        assert_eq!(err.scenario.as_deref(), Some("second"));
        assert_eq!(err.position.map(|p| p.line), Some(9));
        assert_eq!(err.hint, None);
        let top = parse_file(Path::new("s.yaml"), "scenarios: []\nextra: 1\n").unwrap_err();
        assert_eq!(top.scenario, None);
        assert!(top.message.contains("unknown field `extra`"), "{top}");
        assert_eq!(top.hint, None);
        let typo = parse_file(Path::new("s.yaml"), "scenarioss: []\n").unwrap_err();
        assert_eq!(typo.hint.as_deref(), Some("did you mean `scenarios`?"));
    }

    #[test]
    fn odd_inputs_never_panic() {
        for text in [
            "",
            "~",
            "[]",
            "scenarios:",
            "scenarios: 3",
            "scenarios: [1]",
            "scenarios: [{}]",
            "\u{feff}x: [",
            "a: b: c",
            "- - -",
            "scenarios:\n  - id: [a]\n",
        ] {
            let _ = parse_file(Path::new("s.yaml"), text);
        }
        // Deep nesting inside a free-form JSON value: an error or a value, never a stack overflow.
        let deep = format!(
            "scenarios:\n  - id: a\n    title: t\n    category: robustness\n    weakness: {{ id: w }}\n    steps:\n      - as: alice\n        call: tasks.create\n        json: {}{}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let _ = parse_file(Path::new("s.yaml"), &deep);
    }
}
