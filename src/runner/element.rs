//! Objects read back through a list: the element of a list answer whose id equals a capture, for APIs
//! that have a list but no single-object read.

use std::collections::HashMap;

use serde_json::Value;

use crate::scenario::plan::parse_element_pointer;

/// The concrete JSON pointer of `pointer` in `body`: itself for a plain pointer; for an element
/// pointer, the element whose id equals its capture, in the answer's list (the body itself, or its
/// first top-level member that is a list). `Err` says why it cannot be found.
pub fn resolve(
    body: &Value,
    pointer: &str,
    captures: &HashMap<String, Value>,
) -> Result<String, String> {
    let Some((capture, id_pointer)) = parse_element_pointer(pointer) else {
        return Ok(pointer.to_string());
    };
    let id = captures
        .get(capture)
        .ok_or_else(|| format!("no `{capture}` was captured before this read"))?;
    let (list_pointer, items) = match body {
        Value::Array(items) => (String::new(), items),
        Value::Object(members) => members
            .iter()
            .find_map(|(name, value)| value.as_array().map(|items| (escape(name), items)))
            .map(|(name, items)| (format!("/{name}"), items))
            .ok_or_else(|| "the answer holds no list".to_string())?,
        _ => return Err("the answer is not a list".into()),
    };
    items
        .iter()
        .position(|item| crate::wire::body::pointer(item, id_pointer).as_deref() == Some(id))
        .map(|index| format!("{list_pointer}/{index}"))
        .ok_or_else(|| {
            format!(
                "the object with {capture} {id} is not in the list ({} element(s))",
                items.len()
            )
        })
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::plan::element_pointer;
    use serde_json::json;

    #[test]
    fn elements_are_found_by_their_id_in_a_bare_or_wrapped_list() {
        let captures = HashMap::from([("task_id".to_string(), json!(7))]);
        let pointer = element_pointer("task_id", "/id");
        let bare = json!([{"id": 3}, {"id": 7, "title": "x"}]);
        assert_eq!(resolve(&bare, &pointer, &captures).unwrap(), "/1");
        let wrapped = json!({"total": 2, "items": [{"id": 7}]});
        assert_eq!(resolve(&wrapped, &pointer, &captures).unwrap(), "/items/0");
        let err = resolve(&json!([{"id": 8}]), &pointer, &captures).unwrap_err();
        assert!(
            err.contains("task_id 7 is not in the list (1 element(s))"),
            "{err}"
        );
        assert!(resolve(&json!({"n": 1}), &pointer, &captures).is_err());
        assert_eq!(resolve(&bare, "/0/id", &captures).unwrap(), "/0/id");
    }
}
