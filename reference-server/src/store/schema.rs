//! Schema migrations, applied in order at start and tracked with `PRAGMA user_version`.

use rusqlite::Connection;

/// Migration `i` brings the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: tasks, conversations, messages; every row carries its owner's user id.
    "CREATE TABLE tasks (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id     TEXT    NOT NULL,
        title       TEXT    NOT NULL,
        description TEXT,
        completed   INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT    NOT NULL,
        updated_at  TEXT    NOT NULL
     );
     CREATE INDEX tasks_user_id ON tasks (user_id);
     CREATE INDEX tasks_completed ON tasks (completed);
     CREATE TABLE conversations (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
     );
     CREATE INDEX conversations_user_id ON conversations (user_id);
     CREATE TABLE messages (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id         TEXT    NOT NULL,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        role            TEXT    NOT NULL CHECK (role IN ('user', 'assistant')),
        content         TEXT    NOT NULL,
        created_at      TEXT    NOT NULL
     );
     CREATE INDEX messages_conversation ON messages (user_id, conversation_id);",
    // 2: the messages of a conversation found by its id alone, as the cascade of a conversation's
    // delete looks for them (else each delete scans every message).
    "CREATE INDEX messages_conversation_id ON messages (conversation_id);",
];

/// Applies the migrations the database has not seen yet, in one transaction each.
pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "foreign_keys", true)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn deleting_a_conversation_does_not_scan_every_message() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let mut plan = conn
            .prepare("EXPLAIN QUERY PLAN DELETE FROM conversations WHERE user_id = ?1 AND id = ?2")
            .unwrap();
        let steps: Vec<String> = plan
            .query_map(["alice", "1"], |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            !steps.iter().any(|step| step.starts_with("SCAN messages")),
            "{steps:?}"
        );
        assert!(
            steps
                .iter()
                .any(|step| step.contains("messages_conversation_id")),
            "{steps:?}"
        );
    }
}
