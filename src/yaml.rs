//! Typed YAML loading for profiles and scenarios, with errors that name file, line and column.
//!
//! YAML goes through `serde-saphyr`: safe Rust, duplicate keys rejected, every error located.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A position in a source file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line number.
    pub line: u64,
    /// 1-based column number.
    pub column: u64,
}

impl From<serde_saphyr::Location> for Position {
    fn from(location: serde_saphyr::Location) -> Self {
        Position {
            line: location.line(),
            column: location.column(),
        }
    }
}

/// An error in a YAML file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct YamlError {
    /// The file that failed to load.
    pub file: PathBuf,
    /// Where in the file, when known.
    pub position: Option<Position>,
    /// What is wrong, as one or more lines of text.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(Position { line, column }) => {
                write!(
                    f,
                    "{}:{line}:{column}: {}",
                    self.file.display(),
                    self.message
                )
            }
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl YamlError {
    /// An error at a known place in `file`.
    pub fn at(file: &Path, position: Option<Position>, message: impl Into<String>) -> Self {
        YamlError {
            file: file.to_path_buf(),
            position,
            message: message.into(),
        }
    }
}

/// Reads `path` and deserializes it into `T`, rejecting unknown keys (where `T` says so) and
/// duplicate keys.
pub fn load_file<T: DeserializeOwned>(path: &Path) -> Result<T, YamlError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| YamlError::at(path, None, format!("cannot read file: {err}")))?;
    parse_str(path, &text)
}

/// Deserializes YAML `text` that came from `path` (used in messages only).
pub fn parse_str<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, YamlError> {
    serde_saphyr::from_str(text).map_err(|err| from_saphyr(path, &err))
}

fn from_saphyr(path: &Path, err: &serde_saphyr::Error) -> YamlError {
    let position = err
        .location()
        .filter(|location| location.line() > 0)
        .map(Position::from);
    let message = err.without_snippet().to_string();
    YamlError::at(path, position, strip_location_suffix(&message))
}

/// serde-saphyr appends " at line L column C" to its messages; we print the position up front.
fn strip_location_suffix(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or(message).trim();
    let without_position = match first_line.rfind(" at line ") {
        Some(index) => &first_line[..index],
        None => first_line,
    };
    // A hint meant for Rust callers of serde-saphyr, not for someone editing a YAML file.
    without_position
        .trim_end_matches(", set DuplicateKeyPolicy in Options if acceptable")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        id: String,
        count: u32,
    }

    fn error_of(text: &str) -> YamlError {
        parse_str::<Sample>(Path::new("s.yaml"), text).unwrap_err()
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let err = error_of("id: a\ncount: 1\ncolour: red\n");
        assert_eq!(err.position, Some(Position { line: 3, column: 1 }), "{err}");
        assert!(err.message.contains("colour"), "{err}");
    }

    #[test]
    fn duplicate_key_is_rejected_at_the_duplicate() {
        let err = error_of("id: a\ncount: 1\nid: b\n");
        assert_eq!(err.position.map(|p| p.line), Some(3), "{err}");
        assert_eq!(err.message, "duplicate mapping key: id");
    }

    #[test]
    fn wrong_type_is_located() {
        let err = error_of("id: a\ncount: many\n");
        assert_eq!(err.position.map(|p| p.line), Some(2), "{err}");
    }

    #[test]
    fn display_starts_with_file_line_column() {
        let err = error_of("id: a\ncount: 1\ncolour: red\n");
        assert!(err.to_string().starts_with("s.yaml:3:1: "), "{err}");
    }

    #[test]
    fn missing_file_is_a_clear_error() {
        let err = load_file::<Sample>(Path::new("/nonexistent/x.yaml")).unwrap_err();
        assert!(err.message.starts_with("cannot read file"), "{err}");
        assert_eq!(err.position, None);
    }
}
