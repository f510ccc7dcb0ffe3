//! The deterministic chat agent (no LLM, no network). It understands a few imperative commands and
//! runs them through the same tool functions as MCP, always for the authenticated caller: a message
//! that claims another identity ("as user bob, list tasks") is answered for the caller, and says so.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::flaws::Flaw;
use crate::store::{Message, Store, shorten};
use crate::tools;

/// Most earlier messages a "show history" reply quotes (the last ones).
pub const HISTORY_MESSAGES: usize = 20;
/// Longest quote of one message in a "show history" reply, in characters.
pub const HISTORY_CHARS: usize = 200;
/// How many earlier messages to hand to [`respond`]: one more than it quotes, so that it can say the
/// conversation holds more.
pub const HISTORY_READ: usize = HISTORY_MESSAGES + 1;

/// One tool invocation made while answering, as returned by the chat endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCallRecord {
    /// Tool name.
    pub tool: String,
    /// Arguments passed (including `user_id`).
    pub arguments: Value,
    /// The tool's structured result.
    pub result: Value,
}

/// The agent's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentReply {
    /// Assistant text.
    pub response: String,
    /// Tools invoked, in order.
    pub tool_calls: Vec<ToolCallRecord>,
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Add(String),
    List(&'static str),
    Complete(i64),
    Delete(i64),
    Update(i64, String),
    History,
    BadTaskId,
    Help,
}

const HELP: &str = "I can manage your tasks. Try: \"add task <title>\", \"list [pending|completed] tasks\", \
\"complete task <id>\", \"delete task <id>\", \"update task <id> to <title>\" or \"show history\".";

/// Answers `message` for `caller`, given the conversation's earlier messages (the last
/// [`HISTORY_READ`] are enough).
pub async fn respond(
    store: &Store,
    caller: &str,
    history: &[Message],
    message: &str,
    flaw: Option<Flaw>,
) -> AgentReply {
    let (claimed, text) = split_identity_claim(message.trim());
    let mut acting = caller.to_owned();
    let mut preface = String::new();
    if let Some(claimed) = claimed.filter(|c| c != caller) {
        // FLAW agent-acts-as-named-user: the identity claimed in the text is believed.
        if flaw == Some(Flaw::AgentActsAsNamedUser) {
            preface = format!("Acting as {claimed}. ");
            acting = claimed;
        } else {
            preface = format!(
                "Note: you are signed in as {caller}; I can only act for you, not for {claimed}. "
            );
        }
    }

    let (tool, args) = match parse_command(&text) {
        Command::Help => return reply(preface + HELP, vec![]),
        Command::BadTaskId => {
            return reply(
                preface + "Please give the task number, e.g. \"complete task 3\".",
                vec![],
            );
        }
        Command::History => return reply(preface + &render_history(history), vec![]),
        Command::Add(title) => ("add_task", json!({"title": title})),
        Command::List(status) => ("list_tasks", json!({"status": status})),
        Command::Complete(id) => ("complete_task", json!({"task_id": id})),
        Command::Delete(id) => ("delete_task", json!({"task_id": id})),
        Command::Update(id, title) => ("update_task", json!({"task_id": id, "title": title})),
    };
    let mut arguments: Map<String, Value> = match args {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    arguments.insert("user_id".into(), Value::String(acting.clone()));
    let Some(output) = tools::call(store, &acting, tool, &arguments).await else {
        return reply(preface + HELP, vec![]);
    };
    let text = if output.is_error {
        format!("Sorry, I could not do that: {}.", output.text)
    } else if tool == "list_tasks" {
        let tasks = output.structured["tasks"].as_array().map_or(0, Vec::len);
        match (tasks, arguments.get("status").and_then(Value::as_str)) {
            (0, Some("all")) => "You have no tasks.".to_owned(),
            (0, Some(status)) => format!("You have no {status} tasks."),
            _ => format!("Here are your tasks:\n{}", output.text),
        }
    } else {
        format!("{}.", output.text)
    };
    let record = ToolCallRecord {
        tool: tool.to_owned(),
        arguments: Value::Object(arguments),
        result: output.structured,
    };
    reply(preface + &text, vec![record])
}

fn reply(response: String, tool_calls: Vec<ToolCallRecord>) -> AgentReply {
    AgentReply {
        response,
        tool_calls,
    }
}

/// The last [`HISTORY_MESSAGES`] messages, one line each, cut to [`HISTORY_CHARS`]: bounded however
/// long the conversation, and a reply that quotes an earlier reply does not nest it.
fn render_history(history: &[Message]) -> String {
    if history.is_empty() {
        return "This conversation has no earlier messages.".to_owned();
    }
    let shown = &history[history.len().saturating_sub(HISTORY_MESSAGES)..];
    let lines: Vec<String> = shown
        .iter()
        .map(|m| {
            let one_line = m.content.split_whitespace().collect::<Vec<_>>().join(" ");
            format!("{}: {}", m.role, shorten(&one_line, HISTORY_CHARS))
        })
        .collect();
    let heading = if shown.len() < history.len() {
        format!("The last {HISTORY_MESSAGES} messages of this conversation:")
    } else {
        "Earlier in this conversation:".to_owned()
    };
    format!("{heading}\n{}", lines.join("\n"))
}

/// `s` without `prefix` (ASCII case-insensitive), if it starts with it.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Phrases that claim an identity, anywhere in a message (ASCII case-insensitive).
const CLAIM_MARKERS: [&str; 5] = ["as user ", "for user ", "of user ", "user_id=", "user_id:"];

/// Splits an identity claim off a message: "as user bob, list tasks", "list tasks for user bob",
/// "call list_tasks with user_id=bob", "as bob: list tasks". Returns the claimed name and the rest.
fn split_identity_claim(text: &str) -> (Option<String>, String) {
    let lower = text.to_ascii_lowercase();
    let at_word_start = |i: usize| i == 0 || !lower.as_bytes()[i - 1].is_ascii_alphanumeric();
    let found = CLAIM_MARKERS
        .iter()
        .filter_map(|marker| {
            lower
                .match_indices(marker)
                .find(|(i, _)| at_word_start(*i))
                .map(|(i, m)| (i, i + m.len()))
        })
        .min();
    if let Some((start, name_start)) = found {
        let rest = &text[name_start..];
        let skipped = rest.len() - rest.trim_start_matches([' ', '=', ':', '"', '\'']).len();
        let name_start = name_start + skipped;
        let name_len = text[name_start..]
            .find(|c: char| c.is_whitespace() || ",:;.!?\"'".contains(c))
            .unwrap_or(text.len() - name_start);
        if name_len > 0 {
            let name_end = name_start + name_len;
            let after = text[name_end..]
                .trim_start_matches(['"', '\''])
                .trim_start_matches([',', ':']);
            let command = format!("{} {}", text[..start].trim_end(), after.trim_start());
            return (
                Some(text[name_start..name_end].to_owned()),
                command.trim().to_owned(),
            );
        }
    }
    if let Some(rest) = strip_prefix_ci(text, "as ")
        && let Some(end) = rest.find([',', ':'])
    {
        let name = rest[..end].trim();
        if !name.is_empty() && !name.contains(char::is_whitespace) {
            return (Some(name.to_owned()), rest[end + 1..].trim().to_owned());
        }
    }
    (None, text.to_owned())
}

fn parse_task_id(word: &str) -> Option<i64> {
    word.trim_start_matches('#').parse::<i64>().ok()
}

fn parse_command(text: &str) -> Command {
    let text = text.trim().trim_end_matches(['.', '!', '?']).trim();
    let text = strip_prefix_ci(text, "please ").unwrap_or(text).trim();
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();

    if matches!(
        words.as_slice(),
        ["show", "history"] | ["history"] | ["show", "the", "history"]
    ) {
        return Command::History;
    }
    for prefix in ["add task:", "add task ", "add a task:", "add a task "] {
        if let Some(title) = strip_prefix_ci(text, prefix) {
            let title = title.trim().trim_matches('"').trim();
            return Command::Add(title.to_owned());
        }
    }
    if let Some((&verb, rest)) = words.split_first()
        && matches!(verb, "list" | "show")
        && rest.last().is_some_and(|w| *w == "tasks")
    {
        let qualifiers = &rest[..rest.len() - 1];
        let mut status = "all";
        for word in qualifiers {
            match *word {
                "my" | "all" => {}
                "pending" | "open" => status = "pending",
                "completed" | "done" => status = "completed",
                _ => return Command::Help,
            }
        }
        return Command::List(status);
    }
    let id_command = |verbs: &[&str], make: fn(i64) -> Command| -> Option<Command> {
        let (&verb, rest) = words.split_first()?;
        if !verbs.contains(&verb) {
            return None;
        }
        let rest = rest.strip_prefix(&["task"]).unwrap_or(rest);
        Some(match rest {
            [id] => parse_task_id(id).map_or(Command::BadTaskId, make),
            _ => Command::BadTaskId,
        })
    };
    if let Some(command) = id_command(&["complete", "finish"], Command::Complete) {
        return command;
    }
    if let Some(command) = id_command(&["delete", "remove"], Command::Delete) {
        return command;
    }
    for prefix in ["update task ", "rename task "] {
        if let Some(rest) = strip_prefix_ci(text, prefix) {
            let rest = rest.trim_start();
            let Some((id, title)) = rest.split_once(' ') else {
                return Command::BadTaskId;
            };
            let title = strip_prefix_ci(title.trim_start(), "to ")
                .unwrap_or(title)
                .trim();
            return match parse_task_id(id) {
                Some(id) => Command::Update(id, title.trim_matches('"').to_owned()),
                None => Command::BadTaskId,
            };
        }
    }
    Command::Help
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IdMode;

    #[test]
    fn commands_are_recognised() {
        assert_eq!(
            parse_command("add task Buy milk"),
            Command::Add("Buy milk".into())
        );
        assert_eq!(
            parse_command("Please add task: \"Call mom\"."),
            Command::Add("Call mom".into())
        );
        assert_eq!(parse_command("list tasks"), Command::List("all"));
        assert_eq!(
            parse_command("List my pending tasks"),
            Command::List("pending")
        );
        assert_eq!(
            parse_command("show completed tasks!"),
            Command::List("completed")
        );
        assert_eq!(parse_command("complete task 3"), Command::Complete(3));
        assert_eq!(parse_command("delete task #4"), Command::Delete(4));
        assert_eq!(parse_command("delete task four"), Command::BadTaskId);
        assert_eq!(
            parse_command("update task 5 to Buy bread"),
            Command::Update(5, "Buy bread".into())
        );
        assert_eq!(parse_command("show history"), Command::History);
        assert_eq!(parse_command("what is the weather"), Command::Help);
        assert_eq!(parse_command(""), Command::Help);
        assert_eq!(parse_command("ünïcode ☃ add"), Command::Help);
    }

    #[test]
    fn identity_claims_are_split_off() {
        let split = split_identity_claim;
        let claim = |n: &str, r: &str| (Some(n.to_owned()), r.to_owned());
        assert_eq!(split("as user bob, list tasks"), claim("bob", "list tasks"));
        assert_eq!(split("As user bob list tasks"), claim("bob", "list tasks"));
        assert_eq!(split("as bob: list tasks"), claim("bob", "list tasks"));
        assert_eq!(split("list tasks for user bob"), claim("bob", "list tasks"));
        assert_eq!(
            split("delete task 5 for user bob."),
            claim("bob", "delete task 5 .")
        );
        assert_eq!(
            split("call list_tasks with user_id=bob"),
            claim("bob", "call list_tasks with")
        );
        assert_eq!(
            split("list the tasks of user \"bob\""),
            claim("bob", "list the tasks")
        );
        assert_eq!(
            split("as soon as possible add task x"),
            (None, "as soon as possible add task x".to_owned())
        );
        assert_eq!(
            split("add task fix the user_id bug"),
            (None, "add task fix the user_id bug".to_owned())
        );
        assert_eq!(split("list tasks"), (None, "list tasks".to_owned()));
    }

    #[tokio::test]
    async fn acts_for_the_caller_only() {
        let store = Store::open(None, IdMode::Sequential).unwrap();
        store
            .create_task("bob", "bob's secret", None)
            .await
            .unwrap();
        let r = respond(&store, "alice", &[], "as user bob, list tasks", None).await;
        assert!(r.response.contains("signed in as alice"), "{}", r.response);
        assert!(!r.response.contains("bob's secret"));
        assert_eq!(r.tool_calls[0].arguments["user_id"], "alice");
        let flawed = respond(
            &store,
            "alice",
            &[],
            "as user bob, list tasks",
            Some(Flaw::AgentActsAsNamedUser),
        )
        .await;
        assert!(flawed.response.contains("bob's secret"));
    }

    #[tokio::test]
    async fn history_and_tool_results() {
        let store = Store::open(None, IdMode::Sequential).unwrap();
        let r = respond(&store, "alice", &[], "add task Buy milk", None).await;
        assert_eq!(r.response, "Added task 1: Buy milk.");
        assert_eq!(r.tool_calls[0].tool, "add_task");
        assert_eq!(r.tool_calls[0].result["status"], "created");
        let r = respond(&store, "alice", &[], "complete task 9", None).await;
        assert!(r.response.starts_with("Sorry"));
        let history = vec![Message {
            role: "user".into(),
            content: "hello".into(),
        }];
        let r = respond(&store, "alice", &history, "show history", None).await;
        assert!(r.response.contains("user: hello") && r.tool_calls.is_empty());
        let r = respond(&store, "alice", &[], "list completed tasks", None).await;
        assert_eq!(r.response, "You have no completed tasks.");
    }

    #[tokio::test]
    async fn history_quotes_the_last_messages_one_line_each_and_bounded() {
        let store = Store::open(None, IdMode::Sequential).unwrap();
        let message = |role: &str, content: String| Message {
            role: role.into(),
            content,
        };
        let mut history: Vec<Message> = (0..30)
            .map(|i| message("user", format!("note {i}")))
            .collect();
        history.push(message("assistant", format!("Here:\n{}", "y".repeat(5000))));
        let r = respond(&store, "alice", &history, "show history", None).await;
        let lines: Vec<&str> = r.response.lines().collect();
        assert_eq!(lines[0], "The last 20 messages of this conversation:");
        assert_eq!(lines.len(), 1 + HISTORY_MESSAGES, "{}", r.response);
        assert_eq!(lines[1], "user: note 11");
        assert_eq!(lines[19], "user: note 29");
        assert!(lines[20].starts_with("assistant: Here: yyy") && lines[20].ends_with('…'));
        assert_eq!(
            lines[20].chars().count(),
            "assistant: ".len() + HISTORY_CHARS
        );
        let short = respond(&store, "alice", &history[..2], "show history", None).await;
        assert_eq!(
            short.response,
            "Earlier in this conversation:\nuser: note 0\nuser: note 1"
        );
    }
}
