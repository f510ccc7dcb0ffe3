//! Small helpers shared by the mutation recipes.

use serde_json::{Map, Value};

use crate::token::b64;

/// ASCII letters with their case swapped; other characters unchanged.
pub(super) fn swap_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Latin letters and their Cyrillic look-alikes.
const CONFUSABLES: [(char, char); 10] = [
    ('a', '\u{430}'),
    ('e', '\u{435}'),
    ('o', '\u{43e}'),
    ('c', '\u{441}'),
    ('p', '\u{440}'),
    ('x', '\u{445}'),
    ('i', '\u{456}'),
    ('s', '\u{455}'),
    ('y', '\u{443}'),
    ('l', '\u{4cf}'),
];

/// `s` with its first confusable letter replaced by a Cyrillic look-alike, or, when it has none, with a
/// zero-width space appended. Always differs from `s`.
pub(super) fn confusable(s: &str) -> String {
    for (i, c) in s.char_indices() {
        if let Some((_, look_alike)) = CONFUSABLES.iter().find(|(latin, _)| *latin == c) {
            return format!("{}{look_alike}{}", &s[..i], &s[i + c.len_utf8()..]);
        }
    }
    format!("{s}\u{200b}")
}

/// The object as compact JSON text.
pub(super) fn json_text(map: &Map<String, Value>) -> String {
    Value::Object(map.clone()).to_string()
}

/// A JSON object's text with one more member appended verbatim (so a name may repeat).
pub(super) fn append_member(map: &Map<String, Value>, name: &str, value: &Value) -> String {
    append_member_text(&json_text(map), name, value)
}

/// JSON object text (`{...}`) with one more member appended verbatim.
pub(super) fn append_member_text(text: &str, name: &str, value: &Value) -> String {
    let body = text.strip_suffix('}').unwrap_or(text);
    let sep = if body.trim_end() == "{" { "" } else { "," };
    format!("{body}{sep}{}:{value}}}", Value::String(name.to_string()))
}

/// A JSON object's text with one member prepended verbatim.
pub(super) fn prepend_member(map: &Map<String, Value>, name: &str, value: &Value) -> String {
    let text = json_text(map);
    let body = text.strip_prefix('{').unwrap_or(&text);
    let sep = if map.is_empty() { "" } else { "," };
    format!("{{{}:{value}{sep}{body}", Value::String(name.to_string()))
}

/// The three segments of a compact token (missing ones empty).
pub(super) fn split3(token: &str) -> (&str, &str, &str) {
    let mut parts = token.splitn(3, '.');
    (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    )
}

/// The token with one bit of its decoded signature flipped (first byte, lowest bit).
pub(super) fn flip_signature_bit(token: &str) -> String {
    let (h, p, s) = split3(token);
    let mut sig = b64::decode_strict(s.as_bytes()).unwrap_or_default();
    match sig.first_mut() {
        Some(first) => *first ^= 0x01,
        None => sig.push(0x01),
    }
    format!("{h}.{p}.{}", b64::encode(&sig))
}

/// Splits a URL into `(scheme, authority, rest)`; `None` without `://`.
pub(super) fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, after) = url.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    Some((scheme, &after[..end], &after[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn helpers() {
        assert_eq!(swap_case("Http://A1"), "hTTP://a1");
        assert_eq!(confusable("bob"), "b\u{43e}b");
        assert_eq!(confusable("42"), "42\u{200b}");
        let Value::Object(map) = json!({"a": 1}) else {
            unreachable!()
        };
        assert_eq!(append_member(&map, "a", &json!(2)), r#"{"a":1,"a":2}"#);
        assert_eq!(prepend_member(&map, "a", &json!(0)), r#"{"a":0,"a":1}"#);
        assert_eq!(
            append_member(&Map::new(), "b", &json!(true)),
            r#"{"b":true}"#
        );
        assert_eq!(split3("a.b"), ("a", "b", ""));
        assert_eq!(split_url("http://h:1/p?q"), Some(("http", "h:1", "/p?q")));
        assert_eq!(split_url("http://h"), Some(("http", "h", "")));
        assert_eq!(split_url("nope"), None);
        assert_eq!(flip_signature_bit("a.b.AA"), "a.b.AQ");
    }
}
