//! `{name}` placeholders in scenario and API description strings. `{{` is a literal `{`; a lone `}` is
//! literal. A name is an ASCII letter or `_`, then letters, digits, `_`, `-` or `.`.

use serde_json::Value;

/// One placeholder found in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The name between the braces.
    pub name: String,
    /// Byte offset of its `{` in the template.
    pub offset: usize,
}

/// A template is malformed, or names an unknown placeholder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{` with no `}` after it.
    #[error("unclosed `{{` (write `{{{{` for a literal `{{`)")]
    Unclosed {
        /// Byte offset of the `{`.
        offset: usize,
    },
    /// `{}`.
    #[error("empty placeholder `{{}}` (write `{{{{}}` for a literal `{{}}`)")]
    Empty {
        /// Byte offset of the `{`.
        offset: usize,
    },
    /// Braces around something that is not a name.
    #[error(
        "`{{{name}}}` is not a placeholder: a name is a letter or `_`, then letters, digits, `_`, `-` or `.` (write `{{{{` for a literal `{{`)"
    )]
    BadName {
        /// The text between the braces.
        name: String,
        /// Byte offset of the `{`.
        offset: usize,
    },
    /// A well-formed placeholder with no value.
    #[error("unknown placeholder `{{{name}}}`")]
    Unknown {
        /// The name.
        name: String,
        /// Byte offset of the `{`.
        offset: usize,
    },
}

impl TemplateError {
    /// Byte offset of the offending `{`.
    pub fn offset(&self) -> usize {
        match self {
            TemplateError::Unclosed { offset }
            | TemplateError::Empty { offset }
            | TemplateError::BadName { offset, .. }
            | TemplateError::Unknown { offset, .. } => *offset,
        }
    }
}

/// A piece of a parsed template.
enum Piece<'a> {
    /// Literal text, escapes already resolved.
    Text(&'a str),
    /// `{{`, a literal `{`.
    Brace,
    /// A placeholder: name and offset.
    Name(&'a str, usize),
}

pub(crate) fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn parse(text: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest_start = 0;
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'{' {
            index += 1;
            continue;
        }
        if index > rest_start {
            pieces.push(Piece::Text(&text[rest_start..index]));
        }
        if bytes.get(index + 1) == Some(&b'{') {
            pieces.push(Piece::Brace);
            index += 2;
            rest_start = index;
            continue;
        }
        let Some(close) = text[index + 1..].find('}') else {
            return Err(TemplateError::Unclosed { offset: index });
        };
        let name = &text[index + 1..index + 1 + close];
        if name.is_empty() {
            return Err(TemplateError::Empty { offset: index });
        }
        if !is_name(name) {
            // A `{` inside: the first brace was never closed.
            if name.contains('{') {
                return Err(TemplateError::Unclosed { offset: index });
            }
            return Err(TemplateError::BadName {
                name: name.to_string(),
                offset: index,
            });
        }
        pieces.push(Piece::Name(name, index));
        index += close + 2;
        rest_start = index;
    }
    if rest_start < text.len() {
        pieces.push(Piece::Text(&text[rest_start..]));
    }
    Ok(pieces)
}

/// The placeholders of `text`, in order (repeats included).
pub fn placeholders(text: &str) -> Result<Vec<Placeholder>, TemplateError> {
    Ok(parse(text)?
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Name(name, offset) => Some(Placeholder {
                name: name.to_string(),
                offset,
            }),
            _ => None,
        })
        .collect())
}

/// Renders `text`: each placeholder is replaced by `lookup(name)`; `{{` becomes `{`. An unknown name is
/// an error.
pub fn render(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    for piece in parse(text)? {
        match piece {
            Piece::Text(literal) => out.push_str(literal),
            Piece::Brace => out.push('{'),
            Piece::Name(name, offset) => match lookup(name) {
                Some(value) => out.push_str(&value),
                None => {
                    return Err(TemplateError::Unknown {
                        name: name.to_string(),
                        offset,
                    });
                }
            },
        }
    }
    Ok(out)
}

/// Substitutes only the placeholders `lookup` knows, leaving the others (and `{{`) as they are, so that
/// the result is still a template. Substituted values are escaped (`{` becomes `{{`).
pub fn substitute(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    for piece in parse(text)? {
        match piece {
            Piece::Text(literal) => out.push_str(literal),
            Piece::Brace => out.push_str("{{"),
            Piece::Name(name, _) => match lookup(name) {
                Some(value) => out.push_str(&value.replace('{', "{{")),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    Ok(out)
}

/// The name when `text` is exactly one placeholder, e.g. `"{task_id}"`.
pub fn sole_placeholder(text: &str) -> Option<&str> {
    let name = text.strip_prefix('{')?.strip_suffix('}')?;
    is_name(name).then_some(name)
}

/// Renders a JSON template: a string that is exactly `{name}` becomes the looked-up JSON value itself (a
/// number stays a number); other strings (and object keys) are rendered as text, a non-string value
/// written as compact JSON.
pub fn render_json(
    value: &Value,
    lookup: &dyn Fn(&str) -> Option<Value>,
) -> Result<Value, TemplateError> {
    let as_text = |name: &str| {
        lookup(name).map(|value| match value {
            Value::String(text) => text,
            other => other.to_string(),
        })
    };
    match value {
        Value::String(text) => match sole_placeholder(text) {
            Some(name) => lookup(name).ok_or_else(|| TemplateError::Unknown {
                name: name.to_string(),
                offset: 0,
            }),
            None => render(text, &as_text).map(Value::String),
        },
        Value::Array(items) => items
            .iter()
            .map(|item| render_json(item, lookup))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Value::Object(fields) => {
            let mut out = serde_json::Map::new();
            for (key, item) in fields {
                out.insert(render(key, &as_text)?, render_json(item, lookup)?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// Applies [`substitute`] to every string (and key) of a JSON template.
pub fn substitute_json(
    value: &Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, TemplateError> {
    match value {
        Value::String(text) => substitute(text, lookup).map(Value::String),
        Value::Array(items) => items
            .iter()
            .map(|item| substitute_json(item, lookup))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Value::Object(fields) => {
            let mut out = serde_json::Map::new();
            for (key, item) in fields {
                out.insert(substitute(key, lookup)?, substitute_json(item, lookup)?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// Every placeholder in the strings and keys of a JSON template.
pub fn json_placeholders(value: &Value) -> Result<Vec<Placeholder>, TemplateError> {
    let mut found = Vec::new();
    collect_json(value, &mut found)?;
    Ok(found)
}

fn collect_json(value: &Value, found: &mut Vec<Placeholder>) -> Result<(), TemplateError> {
    match value {
        Value::String(text) => found.extend(placeholders(text)?),
        Value::Array(items) => {
            for item in items {
                collect_json(item, found)?;
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                found.extend(placeholders(key)?);
                collect_json(item, found)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(text: &str) -> Vec<String> {
        placeholders(text)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect()
    }

    fn lookup(name: &str) -> Option<String> {
        match name {
            "user_id" => Some("alice".into()),
            "task_id" => Some("42".into()),
            "weird" => Some("a{b}".into()),
            _ => None,
        }
    }

    #[test]
    fn finds_placeholders_with_offsets() {
        let found = placeholders("/api/{user_id}/tasks/{task_id}").unwrap();
        assert_eq!(
            found,
            vec![
                Placeholder {
                    name: "user_id".into(),
                    offset: 5
                },
                Placeholder {
                    name: "task_id".into(),
                    offset: 21
                }
            ]
        );
        assert_eq!(names("{{not} {a.b-c_1}"), vec!["a.b-c_1"]);
        assert!(names("no braces } here").is_empty());
    }

    #[test]
    fn malformed_templates_are_errors() {
        assert_eq!(
            placeholders("abc {user_id"),
            Err(TemplateError::Unclosed { offset: 4 })
        );
        assert_eq!(placeholders("{}"), Err(TemplateError::Empty { offset: 0 }));
        assert_eq!(
            placeholders("x{a b}"),
            Err(TemplateError::BadName {
                name: "a b".into(),
                offset: 1
            })
        );
        assert_eq!(
            placeholders("{1x}"),
            Err(TemplateError::BadName {
                name: "1x".into(),
                offset: 0
            })
        );
        assert_eq!(
            placeholders("{a{b}"),
            Err(TemplateError::Unclosed { offset: 0 })
        );
        assert_eq!(
            placeholders("{"),
            Err(TemplateError::Unclosed { offset: 0 })
        );
    }

    #[test]
    fn render_replaces_and_unescapes() {
        assert_eq!(
            render("/api/{user_id}/x?{{y}", &lookup).unwrap(),
            "/api/alice/x?{y}"
        );
        assert_eq!(
            render("{nope}", &lookup),
            Err(TemplateError::Unknown {
                name: "nope".into(),
                offset: 0
            })
        );
        assert_eq!(render("naïve {user_id}", &lookup).unwrap(), "naïve alice");
    }

    #[test]
    fn substitute_keeps_unknown_and_escapes() {
        let out = substitute("{user_id} {canary} {{ {weird}", &lookup).unwrap();
        assert_eq!(out, "alice {canary} {{ a{{b}");
        // Rendering the result later gives the literal value back.
        let all = |name: &str| (name == "canary").then(|| "c".to_string());
        assert_eq!(render(&out, &all).unwrap(), "alice c { a{b}");
    }

    #[test]
    fn render_json_keeps_numbers() {
        let template =
            json!({"id": "{task_id}", "text": "task {task_id}", "{user_id}": [1, true, null]});
        let values = |name: &str| match name {
            "task_id" => Some(json!(7)),
            "user_id" => Some(json!("bob")),
            _ => None,
        };
        let out = render_json(&template, &values).unwrap();
        assert_eq!(
            out,
            json!({"id": 7, "text": "task 7", "bob": [1, true, null]})
        );
        assert!(matches!(
            render_json(&json!("{x}"), &values),
            Err(TemplateError::Unknown { .. })
        ));
    }

    #[test]
    fn json_placeholders_walks_keys_and_values() {
        let found = json_placeholders(&json!({"a": ["{x}"], "{y}": {"b": "{z} {x}"}})).unwrap();
        let mut names: Vec<_> = found.into_iter().map(|p| p.name).collect();
        names.sort();
        assert_eq!(names, vec!["x", "x", "y", "z"]);
        assert_eq!(sole_placeholder("{task_id}"), Some("task_id"));
        assert_eq!(sole_placeholder("{a} {b}"), None);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "{", "}", "{{", "{{{", "}{", "{é}", "é{", "{\u{0}}", "{{x}}", "{a}}",
        ] {
            let _ = placeholders(text);
            let _ = render(text, &lookup);
            let _ = substitute(text, &lookup);
        }
    }
}
