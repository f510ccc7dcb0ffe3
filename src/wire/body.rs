//! Reading JSON out of an answer the way MCP servers and agents send it: a plain JSON body, or a
//! server-sent event stream (the MCP streamable HTTP transport may answer a POST with
//! `text/event-stream`, one JSON-RPC message per `data:` event); and JSON pointers that continue into
//! JSON carried as text (an MCP tool result's `content[0].text` holding `{"task_id": 7}`).

use std::borrow::Cow;

use serde_json::Value;

/// The JSON of an answer: the body itself, or, for an event stream, the last event whose data is
/// JSON (the JSON-RPC response comes after any notifications). `None` when neither parses.
pub fn parse(text: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str(text) {
        return Some(value);
    }
    events(text)
        .into_iter()
        .rev()
        .find_map(|data| serde_json::from_str(&data).ok())
}

/// The data of each event of a server-sent event stream (WHATWG HTML, "event stream
/// interpretation"): `data:` lines joined by `\n`, events separated by a blank line. Empty when the
/// text has no `data:` line.
fn events(text: &str) -> Vec<String> {
    let mut events = Vec::new();
    let mut data: Option<String> = None;
    for line in text.lines() {
        if line.is_empty() {
            events.extend(data.take());
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        if field == "data" {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut data {
                Some(joined) => {
                    joined.push('\n');
                    joined.push_str(value);
                }
                None => data = Some(value.to_string()),
            }
        }
    }
    events.extend(data);
    events
}

/// The value at `pointer` (RFC 6901) in `value`; where the pointer goes on into a string that holds a
/// JSON object or array, into that JSON.
pub fn pointer<'a>(value: &'a Value, pointer: &str) -> Option<Cow<'a, Value>> {
    if let Some(found) = value.pointer(pointer) {
        return Some(Cow::Borrowed(found));
    }
    if pointer.is_empty() || !pointer.starts_with('/') {
        return None;
    }
    // Walk token by token; at a string, parse it and go on with the rest of the pointer.
    let mut at = 0;
    let mut current = value;
    for token in pointer[1..].split('/') {
        at += 1 + token.len();
        let rest = &pointer[at..];
        match current {
            Value::String(text) => {
                let inner: Value = serde_json::from_str(text).ok()?;
                if !(inner.is_object() || inner.is_array()) {
                    return None;
                }
                let rest = &pointer[at - 1 - token.len()..];
                return self::pointer(&inner, rest).map(|found| Cow::Owned(found.into_owned()));
            }
            _ => {
                current = current.pointer(&format!("/{token}"))?;
            }
        }
        if rest.is_empty() {
            return Some(Cow::Borrowed(current));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_json_and_event_streams_are_read() {
        assert_eq!(parse(r#"{"a": 1}"#), Some(json!({"a": 1})));
        let stream = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notify\"}\n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\n data: \"id\":1}\n\n";
        // The second event's data spans two lines (the second without the `data:` field name is
        // ignored, as the spec says), so it is not JSON; the first one is.
        assert_eq!(
            parse(stream),
            Some(json!({"jsonrpc": "2.0", "method": "notify"}))
        );
        let joined = "data: {\"id\":\ndata: 1}\n\n";
        assert_eq!(parse(joined), Some(json!({"id": 1})));
        assert_eq!(parse("not json"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn pointers_go_on_into_json_carried_as_text() {
        let result = json!({"result": {"content": [{"type": "text", "text": "{\"task_id\": 7, \"tags\": [\"a\"]}"}]}});
        let at = |p: &str| pointer(&result, p).map(Cow::into_owned);
        assert_eq!(at("/result/content/0/text/task_id"), Some(json!(7)));
        assert_eq!(at("/result/content/0/text/tags/0"), Some(json!("a")));
        assert_eq!(at("/result/content/0/type"), Some(json!("text")));
        assert_eq!(at("/result/content/0/text/nope"), None);
        assert_eq!(at("/result/content/0/type/x"), None);
        assert_eq!(at("/result/missing/x"), None);
        assert_eq!(at(""), Some(result.clone()));
        let nested = json!({"text": "{\"inner\": \"{\\\"id\\\": 3}\"}"});
        assert_eq!(
            pointer(&nested, "/text/inner/id").map(Cow::into_owned),
            Some(json!(3))
        );
    }
}
