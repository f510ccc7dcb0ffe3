//! The syntax of names: ids, variable and capture names, header names, JSON pointers.

use serde_saphyr::Spanned;

use crate::scenario::error::Reporter;

/// Whether `name` is an HTTP header name (an RFC 9110 token).
pub(crate) fn is_header_name(name: &str) -> bool {
    crate::api::is_method(name)
}

pub(super) fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks a scenario id: kebab-case.
pub(crate) fn check_id(id: &Spanned<String>, reporter: &mut Reporter<'_>) {
    if !is_kebab(&id.value) {
        reporter.error(
            id.referenced,
            format!("scenario id `{}` is not kebab-case", id.value),
            Some("use lower-case letters, digits and single dashes, e.g. `bola-task-read`".into()),
        );
    }
}

/// Whether a weakness id (after expansion) is kebab-case.
pub(crate) fn is_weakness_id(id: &str) -> bool {
    is_kebab(id)
}

pub(super) fn is_variable(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
