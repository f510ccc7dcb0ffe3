//! Baselines (`--baseline previous.json`): the failures of an earlier run, read from its JSON report
//! (`authconform-report/1`), so that the gate fails only on what is new since. A failure's identity
//! is [`Finding`]: its weakness id and its case id (case ids are stable across runs: the scenario id
//! and its matrix values). Only the fields needed are read: each weakness, note and waived group's id
//! and case ids.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::outcome::BaselineState;

/// The `schema` values of the JSON reports a baseline can be read from (the weaknesses, notes and
/// case ids it reads are the same in both).
pub const REPORT_SCHEMAS: [&str; 2] = ["authconform-report/1", "authconform-report/2"];

/// One failure's identity across runs: (weakness id, case id).
pub type Finding = (String, String);

/// The failures of an earlier run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Baseline {
    /// The report they came from.
    pub file: PathBuf,
    /// Every failure (and note, and waived failure) of that run.
    pub findings: BTreeSet<Finding>,
}

/// A baseline that cannot be used, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--baseline {}: {message}", file.display())]
pub struct BaselineError {
    /// The file named.
    pub file: PathBuf,
    /// What is wrong.
    pub message: String,
}

/// The part of a JSON report a baseline reads.
#[derive(Deserialize)]
struct ReportDoc {
    schema: String,
    weaknesses: Vec<GroupDoc>,
    #[serde(default)]
    notes: Vec<GroupDoc>,
    #[serde(default)]
    waived: Vec<GroupDoc>,
}

#[derive(Deserialize)]
struct GroupDoc {
    id: String,
    cases: Vec<String>,
}

impl Baseline {
    /// Reads the JSON report `path`; anything but an authconform JSON report is an error in words.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let error = |message: String| BaselineError {
            file: path.to_path_buf(),
            message,
        };
        let metadata = std::fs::metadata(path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => error("no such file".into()),
            _ => error(format!("cannot read it: {err}")),
        })?;
        if !metadata.is_file() {
            return Err(error("not a regular file".into()));
        }
        let file =
            std::fs::File::open(path).map_err(|err| error(format!("cannot read it: {err}")))?;
        Baseline::read(path, std::io::BufReader::new(file)).map_err(error)
    }

    /// A baseline from the JSON report text in `reader`, which came from `path`.
    pub fn read(path: &Path, reader: impl std::io::Read) -> Result<Baseline, String> {
        let not_a_report = |why: String| {
            format!(
                "not an authconform JSON report (one written with --report json:PATH, \"schema\": \"{}\"): {why}",
                REPORT_SCHEMAS[1]
            )
        };
        let doc: ReportDoc =
            serde_json::from_reader(reader).map_err(|err| not_a_report(err.to_string()))?;
        if !REPORT_SCHEMAS.contains(&doc.schema.as_str()) {
            return Err(not_a_report(format!("its schema is `{}`", doc.schema)));
        }
        let groups = doc
            .weaknesses
            .into_iter()
            .chain(doc.notes)
            .chain(doc.waived);
        let findings = groups
            .flat_map(|group| {
                let id = group.id;
                group.cases.into_iter().map(move |case| (id.clone(), case))
            })
            .collect();
        Ok(Baseline {
            file: path.to_path_buf(),
            findings,
        })
    }

    /// Whether `weakness` failing in case `case_id` is new since the baseline or was already there.
    pub fn state(&self, weakness: &str, case_id: &str) -> BaselineState {
        // A lookup without building an owned key for every case.
        let found = self
            .findings
            .range((weakness.to_string(), case_id.to_string())..)
            .next()
            .is_some_and(|(w, c)| w == weakness && c == case_id);
        if found {
            BaselineState::Unchanged
        } else {
            BaselineState::New
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Baseline, String> {
        Baseline::read(Path::new("b.json"), text.as_bytes())
    }

    #[test]
    fn a_report_gives_its_failures_notes_and_waived_failures() {
        let baseline = read(
            r#"{ "cases": [{"id": "x", "exchanges": []}], "schema": "authconform-report/1",
                 "weaknesses": [{ "id": "task-read-idor", "cwe": 639, "cases": ["task-bola-read"] }],
                 "notes": [{ "id": "n", "cases": ["c1"] }],
                 "waived": [{ "id": "w", "cases": ["c2", "c3"] }] }"#,
        )
        .unwrap();
        assert_eq!(baseline.findings.len(), 4);
        assert_eq!(
            baseline.state("task-read-idor", "task-bola-read"),
            BaselineState::Unchanged
        );
        assert_eq!(baseline.state("task-read-idor", "c1"), BaselineState::New);
        assert_eq!(
            baseline.state("object-read-idor", "task-bola-read"),
            BaselineState::New
        );
        assert_eq!(baseline.state("w", "c3"), BaselineState::Unchanged);
    }

    #[test]
    fn anything_else_is_refused_in_words() {
        for (text, says) in [
            ("not json", "line 1 column 2"),
            ("{}", "missing field `schema`"),
            (
                r#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": []}"#,
                "missing field",
            ),
            (
                r#"{"schema": "authconform-report/9", "weaknesses": []}"#,
                "its schema is `authconform-report/9`",
            ),
        ] {
            let err = read(text).unwrap_err();
            assert!(err.starts_with("not an authconform JSON report"), "{err}");
            assert!(err.contains(says), "{text}: {err}");
        }
        let err = Baseline::load(Path::new("/nonexistent/b.json")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--baseline /nonexistent/b.json: no such file"
        );
    }
}
