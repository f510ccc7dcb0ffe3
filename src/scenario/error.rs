//! The one error type of scenario loading: where, in which scenario, what, and a hint.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::Location;

use crate::yaml::Position;

/// A scenario file (or a set of them) could not be loaded: one problem, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The file, as its path was given (relative paths stay relative).
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<Position>,
    /// The id of the scenario the problem is in, when known.
    pub scenario: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, e.g. "did you mean `tasks.get`?".
    pub hint: Option<String>,
}

impl LoadError {
    /// An error in `file` at `location` (line 0 means unknown).
    pub fn new(file: &Path, location: Option<Location>, message: impl Into<String>) -> Self {
        LoadError {
            file: file.to_path_buf(),
            position: location.filter(|l| l.line() > 0).map(Position::from),
            scenario: None,
            message: message.into(),
            hint: None,
        }
    }

    /// An error in `file` at `position`, when known.
    pub fn located(file: &Path, position: Option<Position>, message: impl Into<String>) -> Self {
        LoadError {
            position,
            ..LoadError::new(file, None, message)
        }
    }

    /// Names the scenario.
    pub fn in_scenario(mut self, id: Option<&str>) -> Self {
        self.scenario = id.map(str::to_string);
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(Position { line, column }) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        f.write_str(": ")?;
        if let Some(id) = &self.scenario {
            write!(f, "[{id}] ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Collects the errors of one scenario, without repeats (a matrix repeats the same mistake per case).
pub(crate) struct Reporter<'a> {
    file: &'a Path,
    scenario: Option<String>,
    errors: &'a mut Vec<LoadError>,
    start: usize,
}

impl<'a> Reporter<'a> {
    /// Reports into `errors` for `file` and scenario `scenario`.
    pub(crate) fn new(
        file: &'a Path,
        scenario: Option<&str>,
        errors: &'a mut Vec<LoadError>,
    ) -> Self {
        let start = errors.len();
        Reporter {
            file,
            scenario: scenario.map(str::to_string),
            errors,
            start,
        }
    }

    /// Reports an error at `at`.
    pub(crate) fn error(&mut self, at: Location, message: impl Into<String>, hint: Option<String>) {
        let error = LoadError::new(self.file, Some(at), message)
            .in_scenario(self.scenario.as_deref())
            .with_hint(hint);
        if !self.errors[self.start..].contains(&error) {
            self.errors.push(error);
        }
    }

    /// Reports an error at `at` unless one was already reported at exactly that place (for per-case
    /// checks whose message names the case's value).
    pub(crate) fn error_once(
        &mut self,
        at: Location,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let position = Some(at).filter(|l| l.line() > 0).map(Position::from);
        if position.is_none()
            || !self.errors[self.start..]
                .iter()
                .any(|e| e.position == position)
        {
            self.error(at, message, hint);
        }
    }

    /// Whether this reporter has reported anything.
    pub(crate) fn failed(&self) -> bool {
        self.errors.len() > self.start
    }

    /// How many errors were reported so far.
    pub(crate) fn count(&self) -> usize {
        self.errors.len() - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_place_scenario_and_hint() {
        let mut error = LoadError::new(
            Path::new("scenarios/a.yaml"),
            None,
            "unknown operation `tasks.gte`",
        );
        assert_eq!(
            error.to_string(),
            "scenarios/a.yaml: unknown operation `tasks.gte`"
        );
        error.position = Some(Position { line: 3, column: 9 });
        error = error
            .in_scenario(Some("bola"))
            .with_hint(Some("did you mean `tasks.get`?".into()));
        assert_eq!(
            error.to_string(),
            "scenarios/a.yaml:3:9: [bola] unknown operation `tasks.gte`\n  hint: did you mean `tasks.get`?"
        );
    }
}
