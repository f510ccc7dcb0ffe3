//! SQLite storage. Every query of the normal code path is filtered by the owner's user id
//! (`WHERE user_id = ?`): isolation lives in the data layer, not only in the handlers. The few
//! unscoped lookups in [`Store`]'s "flaw only" section exist solely for the deliberate flaws.

mod conversations;
mod schema;

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};
use serde::Serialize;

use crate::config::IdMode;
use crate::time::rfc3339_now;

pub use conversations::{MAX_CONVERSATION_MESSAGES, MAX_MESSAGE_CHARS, shorten};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The blocking task running the query failed.
    #[error("storage task failed: {0}")]
    Task(String),
}

/// A task as returned by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    /// Integer id.
    pub id: i64,
    /// Owner.
    pub user_id: String,
    /// 1 to 200 characters.
    pub title: String,
    /// Up to 1000 characters, or null.
    pub description: Option<String>,
    /// Completion flag.
    pub completed: bool,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    /// Text.
    pub content: String,
}

/// Author of a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The human.
    User,
    /// The agent.
    Assistant,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// The `status` filter of task lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Every task.
    #[default]
    All,
    /// Not completed.
    Pending,
    /// Completed.
    Completed,
}

impl StatusFilter {
    fn completed(self) -> Option<bool> {
        match self {
            StatusFilter::All => None,
            StatusFilter::Pending => Some(false),
            StatusFilter::Completed => Some(true),
        }
    }
}

impl FromStr for StatusFilter {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "all" => Ok(StatusFilter::All),
            "pending" => Ok(StatusFilter::Pending),
            "completed" => Ok(StatusFilter::Completed),
            _ => Err(()),
        }
    }
}

/// A partial update of a task; `None` leaves a field unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskPatch {
    /// New title.
    pub title: Option<String>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New completion flag.
    pub completed: Option<bool>,
}

/// Handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    ids: IdMode,
    /// The database is in memory: a query never waits on the disk, so it runs on the calling task
    /// rather than on the blocking pool, whose hand-offs cost more than the query.
    in_memory: bool,
}

const TASK_COLUMNS: &str = "id, user_id, title, description, completed, created_at, updated_at";

fn task_from_row(row: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: row.get(0)?,
        user_id: row.get(1)?,
        title: row.get(2)?,
        description: row.get(3)?,
        completed: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
    })
}

fn select_task(conn: &Connection, owner: &str, id: i64) -> rusqlite::Result<Option<Task>> {
    conn.prepare_cached(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE user_id = ?1 AND id = ?2"
    ))?
    .query_row(params![owner, id], task_from_row)
    .optional()
}

/// A random id in 1..2^53 (JSON-safe integers). Not secret, only unguessable by counting.
fn random_id() -> i64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_i64(crate::time::unix_millis_now());
    let id = hasher.finish() & ((1 << 53) - 1);
    i64::try_from(id.max(1)).unwrap_or(1)
}

/// Runs an INSERT whose first parameter is the id (NULL: next sequential id), retrying random ids
/// on a collision. Returns the new row id.
fn insert_with_id(
    conn: &Connection,
    ids: IdMode,
    insert: impl Fn(Option<i64>) -> rusqlite::Result<usize>,
) -> rusqlite::Result<i64> {
    if ids == IdMode::Sequential {
        insert(None)?;
        return Ok(conn.last_insert_rowid());
    }
    let mut last_error = None;
    for _ in 0..8 {
        let id = random_id();
        match insert(Some(id)) {
            Ok(_) => return Ok(id),
            Err(err) if err.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                last_error = Some(err);
            }
            Err(err) => return Err(err),
        }
    }
    Err(last_error.unwrap_or(rusqlite::Error::QueryReturnedNoRows))
}

impl Store {
    /// Opens (or creates) the database at `path`, or an in-memory one, and applies migrations.
    pub fn open(path: Option<&Path>, ids: IdMode) -> Result<Store, StoreError> {
        let mut conn = match path {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Every statement of this module stays compiled (there are fewer than this many).
        conn.set_prepared_statement_cache_capacity(32);
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            ids,
            in_memory: path.is_none(),
        })
    }

    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        if self.in_memory {
            let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
            return f(&mut guard).map_err(StoreError::from);
        }
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
        .map_err(StoreError::from)
    }

    /// Creates a task owned by `owner`.
    pub async fn create_task(
        &self,
        owner: &str,
        title: &str,
        description: Option<&str>,
    ) -> Result<Task, StoreError> {
        let (owner, title) = (owner.to_owned(), title.to_owned());
        let description = description.map(str::to_owned);
        let ids = self.ids;
        self.run(move |conn| {
            let now = rfc3339_now();
            let id = insert_with_id(conn, ids, |id| {
                conn.prepare_cached("INSERT INTO tasks (id, user_id, title, description, completed, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)")?
                .execute(
                    params![id, owner, title, description, now],
                )
            })?;
            select_task(conn, &owner, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
        })
        .await
    }

    /// The tasks of `owner`, ordered by id.
    pub async fn list_tasks(
        &self,
        owner: &str,
        filter: StatusFilter,
    ) -> Result<Vec<Task>, StoreError> {
        let owner = owner.to_owned();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks
                 WHERE user_id = ?1 AND (?2 IS NULL OR completed = ?2) ORDER BY id"
            ))?;
            stmt.query_map(params![owner, filter.completed()], task_from_row)?
                .collect()
        })
        .await
    }

    /// One task of `owner`; `None` if it does not exist or belongs to someone else.
    pub async fn get_task(&self, owner: &str, id: i64) -> Result<Option<Task>, StoreError> {
        let owner = owner.to_owned();
        self.run(move |conn| select_task(conn, &owner, id)).await
    }

    /// Applies `patch` to a task of `owner`; `None` if there is no such task.
    pub async fn update_task(
        &self,
        owner: &str,
        id: i64,
        patch: TaskPatch,
    ) -> Result<Option<Task>, StoreError> {
        let owner = owner.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let Some(task) = select_task(&tx, &owner, id)? else {
                return Ok(None);
            };
            tx.prepare_cached(
                "UPDATE tasks SET title = ?3, description = ?4, completed = ?5, updated_at = ?6
                 WHERE user_id = ?1 AND id = ?2",
            )?
            .execute(params![
                owner,
                id,
                patch.title.unwrap_or(task.title),
                patch.description.unwrap_or(task.description),
                patch.completed.unwrap_or(task.completed),
                rfc3339_now()
            ])?;
            let updated = select_task(&tx, &owner, id)?;
            tx.commit()?;
            Ok(updated)
        })
        .await
    }

    /// Flips `completed` of a task of `owner`.
    pub async fn toggle_task(&self, owner: &str, id: i64) -> Result<Option<Task>, StoreError> {
        let owner = owner.to_owned();
        self.run(move |conn| {
            conn.prepare_cached("UPDATE tasks SET completed = 1 - completed, updated_at = ?3 WHERE user_id = ?1 AND id = ?2")?
                .execute(
                params![owner, id, rfc3339_now()],
            )?;
            select_task(conn, &owner, id)
        })
        .await
    }

    /// Deletes a task of `owner` and returns it.
    pub async fn delete_task(&self, owner: &str, id: i64) -> Result<Option<Task>, StoreError> {
        let owner = owner.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let task = select_task(&tx, &owner, id)?;
            tx.prepare_cached("DELETE FROM tasks WHERE user_id = ?1 AND id = ?2")?
                .execute(params![owner, id])?;
            tx.commit()?;
            Ok(task)
        })
        .await
    }

    // ---- flaw only: unscoped lookups, never called unless a flaw is switched on ----

    /// FLAW ONLY (`task-read-idor`, `task-write-idor`): the owner of any task id.
    pub async fn flawed_task_owner(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.run(move |conn| {
            conn.prepare_cached("SELECT user_id FROM tasks WHERE id = ?1")?
                .query_row([id], |row| row.get(0))
                .optional()
        })
        .await
    }

    /// FLAW ONLY (`chat-continues-foreign-conversation`, `conversation-delete-idor`): the owner of
    /// any conversation id.
    pub async fn flawed_conversation_owner(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.run(move |conn| {
            conn.prepare_cached("SELECT user_id FROM conversations WHERE id = ?1")?
                .query_row([id], |row| row.get(0))
                .optional()
        })
        .await
    }

    /// FLAW ONLY (`list-leaks-other-users`): every user's tasks.
    pub async fn flawed_list_all_tasks(
        &self,
        filter: StatusFilter,
    ) -> Result<Vec<Task>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE (?1 IS NULL OR completed = ?1) ORDER BY id"
            ))?;
            stmt.query_map(params![filter.completed()], task_from_row)?
                .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(ids: IdMode) -> Store {
        Store::open(None, ids).unwrap()
    }

    #[tokio::test]
    async fn tasks_are_owner_scoped() {
        let s = store(IdMode::Sequential);
        let a = s.create_task("alice", "a1", Some("d")).await.unwrap();
        let b = s.create_task("bob", "b1", None).await.unwrap();
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(s.get_task("bob", a.id).await.unwrap(), None);
        assert_eq!(
            s.list_tasks("alice", StatusFilter::All).await.unwrap(),
            vec![a.clone()]
        );
        let patch = TaskPatch {
            title: Some("x".into()),
            ..TaskPatch::default()
        };
        assert_eq!(
            s.update_task("bob", a.id, patch.clone()).await.unwrap(),
            None
        );
        assert_eq!(s.toggle_task("bob", a.id).await.unwrap(), None);
        assert_eq!(s.delete_task("bob", a.id).await.unwrap(), None);
        assert_eq!(s.get_task("alice", a.id).await.unwrap(), Some(a.clone()));
        let updated = s.update_task("alice", a.id, patch).await.unwrap().unwrap();
        assert_eq!(
            (updated.title.as_str(), updated.description.as_deref()),
            ("x", Some("d"))
        );
        let toggled = s.toggle_task("alice", a.id).await.unwrap().unwrap();
        assert!(toggled.completed);
        assert_eq!(
            s.list_tasks("alice", StatusFilter::Pending).await.unwrap(),
            vec![]
        );
        assert_eq!(
            s.list_tasks("alice", StatusFilter::Completed)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(s.delete_task("alice", a.id).await.unwrap().is_some());
        assert_eq!(s.get_task("alice", a.id).await.unwrap(), None);
        let c = s.create_task("alice", "a2", None).await.unwrap();
        assert_eq!(c.id, 3, "ids are never reused");
    }

    #[tokio::test]
    async fn random_ids_are_distinct() {
        let s = store(IdMode::Random);
        let a = s.create_task("u", "a", None).await.unwrap();
        let b = s.create_task("u", "b", None).await.unwrap();
        assert_ne!(a.id, b.id);
        assert!(a.id > 0 && a.id < 1 << 53);
    }
}
