//! Typed YAML loading for profiles and scenarios, with errors that name file, line and column.
//!
//! YAML goes through `serde-saphyr`: safe Rust, duplicate keys rejected, every error located.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

mod limits;
mod locate;
mod tags;

pub use locate::locate;

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

/// The most bytes a profile, scenario or API description file may hold.
pub const MAX_DOCUMENT_BYTES: u64 = 8 * 1024 * 1024;

/// The most bytes a key, JWKS or secret file may hold.
pub const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;

/// Reads `path` and deserializes it into `T`, rejecting unknown keys (where `T` says so), duplicate
/// keys and tags; the file must be a regular file of at most [`MAX_DOCUMENT_BYTES`].
pub fn load_file<T: DeserializeOwned>(path: &Path) -> Result<T, YamlError> {
    let text = read_limited(path, MAX_DOCUMENT_BYTES)
        .map_err(|message| YamlError::at(path, None, message))?;
    parse_str(path, &text)
}

/// Deserializes YAML `text` that came from `path` (used in messages only).
pub fn parse_str<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, YamlError> {
    deserialize(text).map_err(|problem| YamlError::at(path, problem.position, problem.message))
}

/// A YAML problem: where (when known) and what, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the text.
    pub position: Option<Position>,
    /// What is wrong.
    pub message: String,
}

/// Deserializes `text` into `T` with serde-saphyr's default budget, refusing tags it does not know
/// (serde-saphyr would ignore them).
pub fn deserialize<T: DeserializeOwned>(text: &str) -> Result<T, Problem> {
    if let Some(problem) = tags::unknown_tag(text) {
        return Err(problem);
    }
    serde_saphyr::from_str(text).map_err(|err| {
        let position = err
            .location()
            .filter(|location| location.line() > 0)
            .map(Position::from);
        let message = message(&err);
        Problem {
            message: position
                .and_then(|at| explain_scalar(&message, text, at))
                .unwrap_or(message),
            position,
        }
    })
}

/// "invalid u32" says what was expected but not what was found: add the scalar found at `at`.
fn explain_scalar(message: &str, text: &str, at: Position) -> Option<String> {
    let ty = message.strip_prefix("invalid ")?;
    let expected = match ty {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "bool" => "`true` or `false`",
        "char" => "a single character",
        _ => return None,
    };
    let line = text
        .lines()
        .nth(usize::try_from(at.line).ok()?.checked_sub(1)?)?;
    let start = usize::try_from(at.column).ok()?.checked_sub(1)?;
    let rest: String = line.chars().skip(start).collect();
    let found = rest
        .split([',', '}', ']', '#'])
        .next()
        .unwrap_or_default()
        .trim();
    Some(if found.is_empty() {
        format!("expected {expected}")
    } else {
        format!("expected {expected}, found `{found}`")
    })
}

/// serde-saphyr's message in words, without its location suffix or Rust-only advice.
pub fn message(err: &serde_saphyr::Error) -> String {
    let err = err.without_snippet();
    let mut inner = err;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = inner
    {
        inner = error;
    }
    if let serde_saphyr::Error::Budget { breach, .. } = inner {
        return limits::budget_message(breach);
    }
    let message = strip_location_suffix(&err.to_string());
    match WORDS.iter().find(|(said, _)| message.starts_with(said)) {
        Some((_, words)) => (*words).to_string(),
        None => message,
    }
}

/// serde-saphyr's terse or Rust-facing messages, and what they mean to someone editing the file.
const WORDS: &[(&str, &str)] = &[
    (
        "expected mapping start",
        "expected a mapping (`key: value`)",
    ),
    ("expected sequence start", "expected a list"),
    ("expected string scalar", "expected a string"),
    ("invalid boolean", "expected `true` or `false`"),
    (
        "recursion limit exceeded",
        "the file nests `[` or `{` too deeply (the limit), so it was not loaded",
    ),
    (
        "multiple YAML documents detected",
        "the file holds more than one YAML document (a second `---`): put everything in one",
    ),
];

/// Reads the text of the regular file `path`, refusing other kinds of file (a folder, a named pipe,
/// a device) before opening it, and files over `limit` bytes; the error says why, in words.
pub fn read_limited(path: &Path, limit: u64) -> Result<String, String> {
    limits::read_limited(path, limit)
}

/// [`read_limited`] for a file that need not be text (a shared secret).
pub fn read_bytes_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    limits::read_bytes_limited(path, limit)
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
        assert_eq!(err.message, "no such file", "{err}");
        assert_eq!(err.position, None);
    }
}
