//! Chat operations, for the agent checks. A `POST` on a chat route (its last static segment `chat`,
//! `chats`, `message(s)`, `agent`, `ask`, `assistant`, `completion(s)` or `conversation(s)`) whose
//! body has a string field named `message`, `prompt`, `content`, `query`, `input`, `text` or
//! `question` gets `prompt:` (the pointer of that field). When its body may also name an object that
//! an operation creates (`conversation_id`, left out of the first body as optional), a `continue`
//! variant sends it: Bob continuing Alice's conversation with his own token is then checked too.

use super::body::{Body, ResourceNames};
use super::classify::Op;
use super::vocab::{norm, pointer_to};

const CHAT_SEGMENTS: [&str; 11] = [
    "chat",
    "chats",
    "message",
    "messages",
    "agent",
    "ask",
    "assistant",
    "completion",
    "completions",
    "conversation",
    "conversations",
];

const MESSAGE_FIELDS: [&str; 7] = [
    "message", "prompt", "content", "query", "input", "text", "question",
];

/// The pointer of the message field of a chat operation, if `op` is one.
pub fn prompt_field(op: &Op) -> Option<String> {
    if op.method != "POST" {
        return None;
    }
    let path = op.path.split('?').next().unwrap_or("");
    let last_static = path
        .split('/')
        .rev()
        .find(|segment| !segment.is_empty() && !segment.starts_with('{'))?;
    if !CHAT_SEGMENTS.contains(&norm(last_static).as_str()) {
        return None;
    }
    let Some(Body::Object(fields)) = &op.json else {
        return None;
    };
    fields.iter().find_map(|(name, value)| {
        let text = matches!(value, Body::Value(serde_json::Value::String(_)));
        (text && MESSAGE_FIELDS.contains(&norm(name).as_str())).then(|| pointer_to(name))
    })
}

/// The `continue` variant of chat operation `op`: its body plus the first of `properties` (the
/// request's property names) that names a created object and is not in the body yet.
pub fn continuation(op: &Op, properties: &[String], resources: &ResourceNames) -> Option<Op> {
    op.reads.is_none().then_some(())?;
    let Some(Body::Object(fields)) = &op.json else {
        return None;
    };
    let (property, capture) = properties.iter().find_map(|property| {
        let capture = resources.capture_for(property)?;
        let absent = !fields.iter().any(|(name, _)| name == property);
        absent.then(|| (property.clone(), capture.to_string()))
    })?;
    let mut fields = fields.clone();
    fields.insert(
        0,
        (
            property.clone(),
            Body::Value(serde_json::Value::String(format!("{{{capture}}}"))),
        ),
    );
    let mut variant = op.clone();
    variant.name = match op.name.strip_suffix(".send") {
        Some(stem) => format!("{stem}.continue"),
        None => format!("{}.continue", op.name),
    };
    variant.json = Some(Body::Object(fields));
    variant.creates = Vec::new();
    variant.uses.insert(capture.clone());
    variant.notes = vec![format!(
        "a variant: continues one of the user's conversations (`{property}`), so that another user's token on it is checked"
    )];
    Some(variant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chat(path: &str, fields: Vec<(&str, serde_json::Value)>) -> Op {
        let fields = fields.into_iter();
        Op {
            json: Some(Body::Object(
                fields
                    .map(|(k, v)| (k.to_string(), Body::Value(v)))
                    .collect(),
            )),
            creates: vec![("conversation_id".into(), "/conversation_id".into())],
            ..Op::new("chat.send", "POST", path)
        }
    }

    #[test]
    fn a_message_field_on_a_chat_route_is_the_prompt() {
        let op = chat("/api/{user_id}/chat", vec![("message", json!("{canary}"))]);
        assert_eq!(prompt_field(&op).as_deref(), Some("/message"));
        let items = chat("/api/items", vec![("message", json!("{canary}"))]);
        assert_eq!(prompt_field(&items), None);
        let number = chat("/api/chat", vec![("message", json!(1))]);
        assert_eq!(prompt_field(&number), None);
    }

    #[test]
    fn an_optional_conversation_id_makes_a_continue_variant() {
        let op = chat("/api/chat", vec![("message", json!("{canary}"))]);
        let resources = ResourceNames(vec![("conversationid".into(), "conversation_id".into())]);
        let properties = vec!["conversation_id".to_string(), "message".to_string()];
        let variant = continuation(&op, &properties, &resources).unwrap();
        assert_eq!(variant.name, "chat.continue");
        assert_eq!(
            variant.json.unwrap().to_json(),
            json!({"conversation_id": "{conversation_id}", "message": "{canary}"})
        );
        assert!(variant.creates.is_empty());
        assert!(variant.uses.contains("conversation_id"));
        assert!(continuation(&op, &["message".to_string()], &resources).is_none());
    }
}
