//! Conversations and their messages, bounded: a conversation keeps its last
//! [`MAX_CONVERSATION_MESSAGES`] messages, each of at most [`MAX_MESSAGE_CHARS`] characters, so that
//! neither a long chat nor a reply that quotes the history can grow the database or an answer without
//! end.

use rusqlite::{OptionalExtension, params};

use super::{Message, Role, Store, StoreError, insert_with_id};
use crate::time::rfc3339_now;

/// Most messages a conversation keeps: adding one more drops the oldest.
pub const MAX_CONVERSATION_MESSAGES: usize = 200;
/// Longest message, in characters: the chat endpoint refuses longer ones, and a longer reply (e.g. a
/// long task list) is stored shortened.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// `text` if it has at most `max_chars` characters, else its first `max_chars - 1` and `…`.
pub fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some(_) => {
            let keep = max_chars.saturating_sub(1);
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

impl Store {
    /// Starts a conversation owned by `owner`.
    pub async fn create_conversation(&self, owner: &str) -> Result<i64, StoreError> {
        let owner = owner.to_owned();
        let ids = self.ids;
        self.run(move |conn| {
            let now = rfc3339_now();
            insert_with_id(conn, ids, |id| {
                conn.prepare_cached("INSERT INTO conversations (id, user_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)")?
                .execute(
                    params![id, owner, now],
                )
            })
        })
        .await
    }

    /// The last `last` messages of a conversation of `owner`, oldest first, each [`shorten`]ed to
    /// `max_chars`; `None` if there is no such conversation. Reads no more than that from the database.
    pub async fn conversation_messages(
        &self,
        owner: &str,
        conversation_id: i64,
        last: usize,
        max_chars: usize,
    ) -> Result<Option<Vec<Message>>, StoreError> {
        let owner = owner.to_owned();
        let last = i64::try_from(last).unwrap_or(i64::MAX);
        // One character more than kept, so that `shorten` knows whether to mark a cut.
        let read_chars = i64::try_from(max_chars.saturating_add(1)).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let exists = conn
                .prepare_cached("SELECT 1 FROM conversations WHERE user_id = ?1 AND id = ?2")?
                .query_row(params![owner, conversation_id], |_| Ok(()))
                .optional()?;
            if exists.is_none() {
                return Ok(None);
            }
            let mut stmt = conn.prepare_cached(
                "SELECT role, substr(content, 1, ?3) FROM (
                     SELECT id, role, content FROM messages
                     WHERE user_id = ?1 AND conversation_id = ?2 ORDER BY id DESC LIMIT ?4
                 ) ORDER BY id",
            )?;
            let messages = stmt
                .query_map(params![owner, conversation_id, read_chars, last], |row| {
                    Ok(Message {
                        role: row.get(0)?,
                        content: shorten(&row.get::<_, String>(1)?, max_chars),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some(messages))
        })
        .await
    }

    /// Appends a message (shortened to [`MAX_MESSAGE_CHARS`]) to a conversation of `owner` and drops
    /// the oldest beyond [`MAX_CONVERSATION_MESSAGES`]; a no-op if there is no such conversation.
    pub async fn add_message(
        &self,
        owner: &str,
        conversation_id: i64,
        role: Role,
        content: &str,
    ) -> Result<(), StoreError> {
        let (owner, content) = (owner.to_owned(), shorten(content, MAX_MESSAGE_CHARS));
        let keep = i64::try_from(MAX_CONVERSATION_MESSAGES).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let now = rfc3339_now();
            let touched = tx
                .prepare_cached(
                    "UPDATE conversations SET updated_at = ?3 WHERE user_id = ?1 AND id = ?2",
                )?
                .execute(params![owner, conversation_id, now])?;
            if touched == 1 {
                tx.prepare_cached(
                    "INSERT INTO messages (user_id, conversation_id, role, content, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    owner,
                    conversation_id,
                    role.as_str(),
                    content,
                    now
                ])?;
                tx.prepare_cached(
                    "DELETE FROM messages WHERE user_id = ?1 AND conversation_id = ?2 AND id <= (
                         SELECT id FROM messages WHERE user_id = ?1 AND conversation_id = ?2
                         ORDER BY id DESC LIMIT 1 OFFSET ?3
                     )",
                )?
                .execute(params![owner, conversation_id, keep])?;
            }
            tx.commit()
        })
        .await
    }

    /// Deletes a conversation of `owner` and its messages (the schema cascades); `false` if there is
    /// no such conversation.
    pub async fn delete_conversation(
        &self,
        owner: &str,
        conversation_id: i64,
    ) -> Result<bool, StoreError> {
        let owner = owner.to_owned();
        self.run(move |conn| {
            let deleted = conn
                .prepare_cached("DELETE FROM conversations WHERE user_id = ?1 AND id = ?2")?
                .execute(params![owner, conversation_id])?;
            Ok(deleted == 1)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IdMode;

    const ALL: usize = MAX_CONVERSATION_MESSAGES;

    fn store(ids: IdMode) -> Store {
        Store::open(None, ids).unwrap()
    }

    #[test]
    fn shorten_keeps_short_text_and_marks_a_cut() {
        assert_eq!(shorten("hello", 5), "hello");
        assert_eq!(shorten("hello!", 5), "hell…");
        assert_eq!(shorten("ééééé☃", 3), "éé…");
        assert_eq!(shorten("", 0), "");
        assert_eq!(shorten("ab", 1), "…");
    }

    #[tokio::test]
    async fn conversations_are_owner_scoped() {
        let s = store(IdMode::Random);
        let id = s.create_conversation("alice").await.unwrap();
        assert!((1..1 << 53).contains(&id));
        s.add_message("alice", id, Role::User, "hi").await.unwrap();
        s.add_message("bob", id, Role::User, "intruder")
            .await
            .unwrap();
        let read = |owner: &'static str| s.conversation_messages(owner, id, ALL, MAX_MESSAGE_CHARS);
        assert_eq!(read("bob").await.unwrap(), None);
        assert_eq!(
            read("alice").await.unwrap().unwrap(),
            vec![Message {
                role: "user".into(),
                content: "hi".into()
            }]
        );
        assert_eq!(
            s.flawed_conversation_owner(id).await.unwrap().as_deref(),
            Some("alice")
        );
    }

    #[tokio::test]
    async fn deleting_a_conversation_takes_its_messages_and_only_the_owners() {
        let s = store(IdMode::Sequential);
        let id = s.create_conversation("alice").await.unwrap();
        let kept = s.create_conversation("alice").await.unwrap();
        for conversation in [id, kept] {
            s.add_message("alice", conversation, Role::User, "hello")
                .await
                .unwrap();
        }
        assert!(!s.delete_conversation("bob", id).await.unwrap());
        assert!(s.delete_conversation("alice", id).await.unwrap());
        assert!(!s.delete_conversation("alice", id).await.unwrap());
        let gone = s.conversation_messages("alice", id, ALL, MAX_MESSAGE_CHARS);
        assert_eq!(gone.await.unwrap(), None);
        let orphans: i64 = s
            .run(move |conn| {
                conn.query_row(
                    "SELECT COUNT(*) FROM messages WHERE user_id = ?1 AND conversation_id = ?2",
                    params!["alice", id],
                    |row| row.get(0),
                )
            })
            .await
            .unwrap();
        assert_eq!(orphans, 0, "the messages go with their conversation");
        let other = s.conversation_messages("alice", kept, ALL, MAX_MESSAGE_CHARS);
        assert_eq!(other.await.unwrap().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_conversation_keeps_its_last_messages_each_bounded() {
        let s = store(IdMode::Sequential);
        let id = s.create_conversation("alice").await.unwrap();
        let other = s.create_conversation("alice").await.unwrap();
        s.add_message("alice", other, Role::User, "other conversation")
            .await
            .unwrap();
        for i in 0..ALL + 5 {
            s.add_message("alice", id, Role::User, &format!("message {i}"))
                .await
                .unwrap();
        }
        let long = "x".repeat(MAX_MESSAGE_CHARS * 3);
        s.add_message("alice", id, Role::Assistant, &long)
            .await
            .unwrap();
        let kept = s
            .conversation_messages("alice", id, usize::MAX, usize::MAX)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.len(), ALL);
        assert_eq!(kept[0].content, "message 6", "the oldest were dropped");
        assert_eq!(kept[ALL - 2].content, format!("message {}", ALL + 4));
        assert_eq!(kept[ALL - 1].content.chars().count(), MAX_MESSAGE_CHARS);
        assert!(kept[ALL - 1].content.ends_with("x…"));
        let tail = s
            .conversation_messages("alice", id, 3, 8)
            .await
            .unwrap()
            .unwrap();
        let contents: Vec<&str> = tail.iter().map(|m| m.content.as_str()).collect();
        let before_last = format!("message {}", ALL + 3);
        assert_eq!(
            contents,
            [shorten(&before_last, 8).as_str(), "message…", "xxxxxxx…"]
        );
        let untouched = s
            .conversation_messages("alice", other, ALL, MAX_MESSAGE_CHARS)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(untouched.len(), 1, "pruning stays within its conversation");
    }
}
