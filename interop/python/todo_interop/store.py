"""SQLite storage (the standard library's sqlite3). Every statement of the normal path is filtered by
the owner (`WHERE user_id = ?`); the `*_any_owner` helpers exist only for the deliberate flaws."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT,
    completed   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_user ON tasks (user_id);
CREATE TABLE IF NOT EXISTS conversations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         TEXT    NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    role            TEXT    NOT NULL,
    content         TEXT    NOT NULL,
    created_at      TEXT    NOT NULL
);
"""

TASK_COLUMNS = "id, user_id, title, description, completed, created_at, updated_at"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def task_row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    task = dict(row)
    task["completed"] = bool(task["completed"])
    return task


class Store:
    """One connection shared by the worker threads, serialised by a lock."""

    def __init__(self, path: str = ":memory:") -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.executescript(SCHEMA)
        self.lock = threading.Lock()

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def _get(self, owner: str, task_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE user_id = ? AND id = ?", (owner, task_id)
        ).fetchone()
        return task_row(row)

    # Tasks.
    def create_task(self, owner: str, title: str, description: str | None) -> dict[str, Any]:
        with self.lock:
            stamp = now()
            cur = self.conn.execute(
                "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) "
                "VALUES (?, ?, ?, 0, ?, ?)",
                (owner, title, description, stamp, stamp),
            )
            return self._get(owner, cur.lastrowid)

    def list_tasks(self, owner: str, status: str = "all") -> list[dict[str, Any]]:
        sql = f"SELECT {TASK_COLUMNS} FROM tasks WHERE user_id = ?"
        if status == "pending":
            sql += " AND completed = 0"
        elif status == "completed":
            sql += " AND completed = 1"
        with self.lock:
            rows = self.conn.execute(sql + " ORDER BY id", (owner,)).fetchall()
        return [task_row(r) for r in rows]

    def get_task(self, owner: str, task_id: int) -> dict[str, Any] | None:
        with self.lock:
            return self._get(owner, task_id)

    def get_task_any_owner(self, task_id: int) -> dict[str, Any] | None:
        """FLAW task-read-idor only: the task by id alone."""
        with self.lock:
            row = self.conn.execute(
                f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?", (task_id,)
            ).fetchone()
        return task_row(row)

    def list_tasks_any_owner(self) -> list[dict[str, Any]]:
        """FLAW legacy-tasks-route only: every user's tasks."""
        with self.lock:
            rows = self.conn.execute(f"SELECT {TASK_COLUMNS} FROM tasks ORDER BY id").fetchall()
        return [task_row(r) for r in rows]

    def update_task(self, owner: str, task_id: int, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Applies `changes` (title, description, completed; absent keys unchanged)."""
        allowed = {k: v for k, v in changes.items() if k in ("title", "description", "completed")}
        with self.lock:
            if self._get(owner, task_id) is None:
                return None
            sets = ", ".join(f"{k} = ?" for k in allowed)
            values = [int(v) if k == "completed" else v for k, v in allowed.items()]
            self.conn.execute(
                f"UPDATE tasks SET {sets}{', ' if sets else ''}updated_at = ? WHERE user_id = ? AND id = ?",
                (*values, now(), owner, task_id),
            )
            return self._get(owner, task_id)

    def toggle_task(self, owner: str, task_id: int) -> dict[str, Any] | None:
        with self.lock:
            self.conn.execute(
                "UPDATE tasks SET completed = 1 - completed, updated_at = ? WHERE user_id = ? AND id = ?",
                (now(), owner, task_id),
            )
            return self._get(owner, task_id)

    def delete_task(self, owner: str, task_id: int) -> dict[str, Any] | None:
        with self.lock:
            task = self._get(owner, task_id)
            if task is not None:
                self.conn.execute("DELETE FROM tasks WHERE user_id = ? AND id = ?", (owner, task_id))
            return task

    # Conversations.
    def create_conversation(self, owner: str) -> int:
        with self.lock:
            stamp = now()
            cur = self.conn.execute(
                "INSERT INTO conversations (user_id, created_at, updated_at) VALUES (?, ?, ?)",
                (owner, stamp, stamp),
            )
            return cur.lastrowid

    def conversation_messages(self, owner: str, conversation_id: int) -> list[dict[str, str]] | None:
        """The messages of one of `owner`'s conversations, oldest first; None if it is not theirs."""
        with self.lock:
            found = self.conn.execute(
                "SELECT 1 FROM conversations WHERE user_id = ? AND id = ?", (owner, conversation_id)
            ).fetchone()
            if found is None:
                return None
            rows = self.conn.execute(
                "SELECT role, content FROM messages WHERE user_id = ? AND conversation_id = ? ORDER BY id",
                (owner, conversation_id),
            ).fetchall()
        return [dict(r) for r in rows]

    def add_message(self, owner: str, conversation_id: int, role: str, content: str) -> None:
        with self.lock:
            stamp = now()
            self.conn.execute(
                "INSERT INTO messages (user_id, conversation_id, role, content, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (owner, conversation_id, role, content, stamp),
            )
            self.conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE user_id = ? AND id = ?",
                (stamp, owner, conversation_id),
            )
