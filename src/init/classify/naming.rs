//! Names: each operation's `<collection>.<verb>`, unique, and the API's name.

use super::{Op, Options};
use crate::init::vocab::name_part;
use crate::openapi::model::Document;

/// `<collection>.<verb>` from the path and method (see the module documentation of [`crate::init`]).
/// `has_item_route`: the path is a collection with an item route `path/{x}` (so a static segment after
/// an id is a nested collection, `/projects/{p}/tasks`, not an action like `/items/{i}/complete`).
pub fn operation_name(method: &str, path: &str, auth: bool, has_item_route: bool) -> String {
    let segments: Vec<&str> = path
        .split('?')
        .next()
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let is_param = |s: &str| s.contains('{');
    let verb = |m: &str| m.to_ascii_lowercase();
    if !auth && method == "GET" && !has_item_route && !segments.iter().any(|s| is_param(s)) {
        return name_part(segments.last().copied().unwrap_or("root"));
    }
    let static_before = |index: usize| {
        segments[..index]
            .iter()
            .rev()
            .find(|s| !is_param(s))
            .copied()
    };
    let Some(&last) = segments.last() else {
        return format!("root.{}", verb(method));
    };
    let last_index = segments.len() - 1;
    if is_param(last) {
        let collection = static_before(last_index).unwrap_or("root");
        let action = match method {
            "GET" => "get".to_string(),
            "PUT" => "update".into(),
            "PATCH" => "patch".into(),
            "DELETE" => "delete".into(),
            other => verb(other),
        };
        return format!("{}.{action}", name_part(collection));
    }
    let previous = last_index.checked_sub(1).map(|i| segments[i]);
    if let Some(previous) = previous
        && is_param(previous)
        && previous != "{user_id}"
        && !has_item_route
    {
        let collection = static_before(last_index - 1).unwrap_or(last);
        return format!("{}.{}", name_part(collection), name_part(last));
    }
    let action = match method {
        "GET" => "list".to_string(),
        "POST" if has_item_route => "create".into(),
        "POST" => "send".into(),
        "PUT" => "update".into(),
        "PATCH" => "patch".into(),
        "DELETE" => "delete".into(),
        other => verb(other),
    };
    format!("{}.{action}", name_part(last))
}

/// Second and later uses of a name get `_2`, `_3`, ...
pub(super) fn dedupe_names(operations: &mut [Op]) {
    let mut seen: Vec<String> = Vec::new();
    for op in operations.iter_mut() {
        let mut name = op.name.clone();
        let mut n = 2;
        while seen.contains(&name) {
            name = format!("{}_{n}", op.name);
            n += 1;
        }
        op.name = name.clone();
        seen.push(name);
    }
}

/// A name for `api.name` from `info.title` (lower case, `-` between words, at most 40 characters),
/// never a bundled description's name.
pub(super) fn api_name(doc: &Document, options: &Options) -> String {
    let title = doc.info.title.as_deref().unwrap_or("");
    let mut name = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        if !name.is_empty() && name.len() + 1 + word.len() > 40 {
            break;
        }
        if !name.is_empty() {
            name.push('-');
        }
        name.push_str(&word);
    }
    if name.is_empty() {
        name = "my-api".into();
    }
    if options.reserved_api_names.contains(&name) {
        name.push_str("-api");
    }
    name
}
