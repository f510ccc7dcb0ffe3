//! The checks of a description: each operation's fields, the prefix, and created and used ids.

use super::operation::is_chat_phrase;
use super::{Api, ApiError, OPERATION_PLACEHOLDERS, Operation};
use crate::template;

impl Api {
    /// In a custom API, each id is created by one operation: `prepare` makes objects through it, and
    /// two creators would leave the other's objects unchecked.
    pub(super) fn check_single_creators(&self) -> Result<(), ApiError> {
        for (index, op) in self.operations.iter().enumerate() {
            for (capture, _) in &op.creates {
                if let Some(first) = self.operations[..index]
                    .iter()
                    .find(|other| other.creates.iter().any(|(created, _)| created == capture))
                {
                    return Err(ApiError::Invalid {
                        field: format!("api.operations.{}.creates", op.name),
                        message: format!(
                            "`{capture}` is also created by `{}`: keep `creates: {{ {capture}: ... }}` on one of the two (a second kind of object needs its own name)",
                            first.name
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Every resource id an operation uses is created by some operation.
    pub(super) fn check_resources(&self, section: &str) -> Result<(), ApiError> {
        for op in &self.operations {
            for resource in op.resources() {
                if self.creator(&resource).is_none() {
                    return Err(ApiError::Invalid {
                        field: format!("{section}.{}.path", op.name),
                        message: format!(
                            "`{{{resource}}}` is not created by any operation: add `creates: {{ {resource}: /id }}` (the JSON pointer to the id in its answer) to the operation that creates it, or remove this one"
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Checks a JSON pointer (RFC 6901).
pub(crate) fn check_pointer(pointer: &str) -> Result<(), String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!(
            "bad JSON pointer `{pointer}`: it must be empty or start with `/` (e.g. `/{pointer}`)"
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!(
                "bad JSON pointer `{pointer}`: `~` must be followed by 0 or 1 (`~0` is `~`, `~1` is `/`)"
            ));
        }
    }
    Ok(())
}

/// Whether `method` is an HTTP token (RFC 9110 §5.6.2).
pub(crate) fn is_method(method: &str) -> bool {
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Why `value` cannot be an HTTP header value (RFC 9110 §5.5: no control characters but a tab, so
/// no CR or LF that would split the header); `None` when it can.
pub(crate) fn header_value_problem(value: &str) -> Option<&'static str> {
    let bad = value
        .chars()
        .find(|&c| (c.is_control() && c != '\t') || c == '\u{7f}')?;
    Some(match bad {
        '\r' | '\n' => "a header value cannot hold a line break (CR or LF)",
        '\0' => "a header value cannot hold a NUL character",
        _ => "a header value cannot hold control characters",
    })
}

/// The prefix without its trailing `/`, when it is a plain absolute path.
pub(super) fn check_prefix(prefix: &str) -> Result<String, ApiError> {
    let trimmed = prefix.trim_end_matches('/');
    if !trimmed.is_empty() && !trimmed.starts_with('/') {
        return Err(ApiError::Invalid {
            field: "api.prefix".into(),
            message: format!("`{prefix}` must start with `/`"),
        });
    }
    if trimmed.contains(['?', '#', '{', '}']) {
        return Err(ApiError::Invalid {
            field: "api.prefix".into(),
            message: format!("`{prefix}` must be a plain path (no `?`, `#` or braces)"),
        });
    }
    Ok(trimmed.to_string())
}

/// Checks one operation of `section` (`operations` or `api.operations`).
pub(super) fn check_operation(op: &Operation, section: &str) -> Result<(), ApiError> {
    let invalid = |what: &str, message: String| ApiError::Invalid {
        field: format!("{section}.{}.{what}", op.name),
        message,
    };
    if !is_method(&op.method) {
        return Err(invalid(
            "method",
            format!("`{}` is not an HTTP method", op.method),
        ));
    }
    if !op.path.starts_with('/') {
        return Err(invalid(
            "path",
            format!("`{}` must start with `/`", op.path),
        ));
    }
    check_placeholders(op, &invalid)?;
    check_creates(op, &invalid)?;
    if let Some(status) = op.status
        && !(100..=599).contains(&status)
    {
        return Err(invalid("status", format!("{status} is not an HTTP status")));
    }
    check_headers(op, &invalid)?;
    check_prompt(op, &invalid)
}

/// Path and body placeholders: well-formed, and no dotted name but a known chat phrase.
fn check_placeholders(
    op: &Operation,
    invalid: &impl Fn(&str, String) -> ApiError,
) -> Result<(), ApiError> {
    let mut found =
        template::placeholders(&op.path).map_err(|err| invalid("path", err.to_string()))?;
    if let Some(json) = &op.json {
        found.extend(
            template::json_placeholders(json).map_err(|err| invalid("json", err.to_string()))?,
        );
    }
    if let Some(unknown) = found
        .iter()
        .find(|p| p.name.contains('.') && !is_chat_phrase(&p.name))
    {
        return Err(invalid(
            "path",
            format!(
                "unknown placeholder `{{{}}}`; an operation may use {}, chat.NAME phrases and the captures operations create",
                unknown.name,
                OPERATION_PLACEHOLDERS
                    .map(|name| format!("{{{name}}}"))
                    .join(", ")
            ),
        ));
    }
    Ok(())
}

/// Capture names and the JSON pointers to them.
fn check_creates(
    op: &Operation,
    invalid: &impl Fn(&str, String) -> ApiError,
) -> Result<(), ApiError> {
    for (name, pointer) in &op.creates {
        if !template::is_name(name)
            || name.contains('.')
            || OPERATION_PLACEHOLDERS.contains(&name.as_str())
        {
            return Err(invalid(
                "creates",
                format!(
                    "`{name}` cannot name a capture: use a letter or `_`, then letters, digits or `_`, and not user_id or canary"
                ),
            ));
        }
        if let Err(message) = check_pointer(pointer) {
            return Err(invalid("creates", format!("{name}: {message}")));
        }
    }
    Ok(())
}

/// Header names and values: no credentials, no line breaks, well-formed placeholders.
fn check_headers(
    op: &Operation,
    invalid: &impl Fn(&str, String) -> ApiError,
) -> Result<(), ApiError> {
    for (name, value) in &op.headers {
        if !is_method(name) {
            return Err(invalid(
                "headers",
                format!("`{name}` is not an HTTP header name"),
            ));
        }
        if name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("cookie") {
            return Err(invalid(
                "headers",
                format!("`{name}` carries credentials; the harness sets those itself"),
            ));
        }
        if value.contains(['\r', '\n']) {
            return Err(invalid(
                "headers",
                format!("the value of `{name}` has a line break"),
            ));
        }
        template::placeholders(value).map_err(|err| invalid("headers", err.to_string()))?;
    }
    Ok(())
}

/// The prompt pointer names a string of the body.
fn check_prompt(
    op: &Operation,
    invalid: &impl Fn(&str, String) -> ApiError,
) -> Result<(), ApiError> {
    if let Some(pointer) = &op.prompt {
        let at = op.json.as_ref().and_then(|json| json.pointer(pointer));
        if !at.is_some_and(serde_json::Value::is_string) {
            return Err(invalid(
                "prompt",
                format!(
                    "`{pointer}` must point at a string of the operation's `json` body (its message)"
                ),
            ));
        }
    }
    Ok(())
}
