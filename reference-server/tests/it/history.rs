//! The chat history stays bounded (issue 15; no requirement of specs/spec.md): a "show history" reply
//! quotes only the last messages, each cut short, so a reply that quotes earlier replies cannot grow
//! from call to call, and a conversation keeps only its last messages.

use reference_server::agent::{HISTORY_CHARS, HISTORY_MESSAGES};
use reference_server::store::MAX_CONVERSATION_MESSAGES;
use serde_json::Value;

use crate::common::*;

/// A reply quoting the maximum: a heading, and per message its role, a quote of at most
/// `HISTORY_CHARS` characters (ASCII here, plus the 3-byte `…`) and a newline.
const REPLY_BOUND: usize = 64 + HISTORY_MESSAGES * ("assistant: ".len() + HISTORY_CHARS + 3 + 1);

fn content(message: &Value) -> &str {
    message["content"].as_str().unwrap()
}

#[tokio::test]
async fn show_history_a_hundred_times_keeps_replies_and_the_stored_conversation_bounded() {
    let srv = Srv::default().await;
    let first = srv.chat("alice", None, "add task alice canary").await;
    let id = first.json["conversation_id"].as_i64().unwrap();
    let mut sizes = Vec::new();
    for _ in 0..100 {
        let resp = srv.chat("alice", Some(id), "show history").await;
        assert_eq!(resp.status, 200, "{}", resp.text);
        sizes.push(resp.json["response"].as_str().unwrap().len());
    }
    let largest = sizes.iter().copied().max().unwrap();
    assert!(largest <= REPLY_BOUND, "a reply of {largest} bytes");
    assert!(
        sizes[39] <= REPLY_BOUND,
        "after 40 calls: {} bytes",
        sizes[39]
    );

    let stored = srv
        .get(&format!("/api/alice/conversations/{id}"), &token("alice"))
        .await;
    assert_eq!(stored.status, 200);
    let messages = stored.json["messages"].as_array().unwrap();
    // 202 messages were added; the oldest two were dropped.
    assert_eq!(messages.len(), MAX_CONVERSATION_MESSAGES);
    assert_ne!(content(&messages[0]), "add task alice canary");
    let stored_bytes: usize = messages.iter().map(|m| content(m).len()).sum();
    assert!(
        stored_bytes <= MAX_CONVERSATION_MESSAGES * REPLY_BOUND,
        "{stored_bytes} bytes stored"
    );
}

#[tokio::test]
async fn a_bounded_history_still_quotes_the_users_own_recent_messages_and_nothing_else() {
    let srv = Srv::default().await;
    let first = srv.chat("alice", None, "add task alice canary").await;
    let id = first.json["conversation_id"].as_i64().unwrap();
    for _ in 0..40 {
        srv.chat("alice", Some(id), "show history").await;
    }
    srv.chat("alice", Some(id), "add task buy milk").await;
    let long = format!("add task {}", "z".repeat(195));
    srv.chat("alice", Some(id), &long).await;
    let reply = srv.chat("alice", Some(id), "show history").await;
    let text = reply.json["response"].as_str().unwrap();
    assert!(
        text.starts_with("The last 20 messages of this conversation:\n"),
        "{text}"
    );
    assert!(text.contains("\nuser: add task buy milk\n"), "{text}");
    assert!(
        text.contains("\nassistant: Added task 2: buy milk.\n"),
        "{text}"
    );
    assert!(text.contains(&format!("\nuser: {}…", &long[..HISTORY_CHARS - 1])));
    assert!(
        !text
            .lines()
            .any(|line| line == "user: add task alice canary"),
        "the first message is older than the last 20: {text}"
    );
    assert_eq!(text.lines().count(), 1 + HISTORY_MESSAGES);

    let bob = srv.chat("bob", None, "show history").await;
    assert_eq!(
        bob.json["response"],
        "This conversation has no earlier messages."
    );
    let foreign = srv.chat("bob", Some(id), "show history").await;
    assert_eq!(foreign.status, 404);
}
