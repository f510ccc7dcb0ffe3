// SQLite storage with better-sqlite3. Every statement of the normal path is filtered by the owner
// (`WHERE user_id = ?`); getTaskAnyOwner exists only for the deliberate task-read-idor flaw.
import Database from 'better-sqlite3';

const SCHEMA = `
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
);`;

const COLUMNS = 'id, user_id, title, description, completed, created_at, updated_at';
const now = () => new Date().toISOString();
const toTask = (row) => (row ? { ...row, completed: row.completed === 1 } : null);

export function openStore(path = ':memory:') {
  const db = new Database(path);
  db.exec(SCHEMA);
  const q = {
    get: db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE user_id = ? AND id = ?`),
    getAny: db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE id = ?`),
    insert: db.prepare(
      'INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)',
    ),
    list: {
      all: db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE user_id = ? ORDER BY id`),
      pending: db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE user_id = ? AND completed = 0 ORDER BY id`),
      completed: db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE user_id = ? AND completed = 1 ORDER BY id`),
    },
    update: db.prepare(
      'UPDATE tasks SET title = ?, description = ?, completed = ?, updated_at = ? WHERE user_id = ? AND id = ?',
    ),
    toggle: db.prepare('UPDATE tasks SET completed = 1 - completed, updated_at = ? WHERE user_id = ? AND id = ?'),
    remove: db.prepare('DELETE FROM tasks WHERE user_id = ? AND id = ?'),
    newConversation: db.prepare('INSERT INTO conversations (user_id, created_at, updated_at) VALUES (?, ?, ?)'),
    conversation: db.prepare('SELECT 1 FROM conversations WHERE user_id = ? AND id = ?'),
    messages: db.prepare(
      'SELECT role, content FROM messages WHERE user_id = ? AND conversation_id = ? ORDER BY id',
    ),
    addMessage: db.prepare(
      'INSERT INTO messages (user_id, conversation_id, role, content, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    touchConversation: db.prepare('UPDATE conversations SET updated_at = ? WHERE user_id = ? AND id = ?'),
  };

  const getTask = (owner, id) => toTask(q.get.get(owner, id));

  return {
    close: () => db.close(),
    createTask(owner, title, description) {
      const stamp = now();
      const { lastInsertRowid } = q.insert.run(owner, title, description ?? null, stamp, stamp);
      return getTask(owner, lastInsertRowid);
    },
    listTasks: (owner, status = 'all') => q.list[status].all(owner).map(toTask),
    getTask,
    getTaskAnyOwner: (id) => toTask(q.getAny.get(id)), // FLAW task-read-idor only
    // changes: {title?, description?, completed?}; absent keys stay as they are.
    updateTask: db.transaction((owner, id, changes) => {
      const task = getTask(owner, id);
      if (!task) return null;
      const next = { ...task, ...changes };
      q.update.run(next.title, next.description, next.completed ? 1 : 0, now(), owner, id);
      return getTask(owner, id);
    }),
    toggleTask(owner, id) {
      q.toggle.run(now(), owner, id);
      return getTask(owner, id);
    },
    deleteTask: db.transaction((owner, id) => {
      const task = getTask(owner, id);
      if (task) q.remove.run(owner, id);
      return task;
    }),
    createConversation(owner) {
      const stamp = now();
      return Number(q.newConversation.run(owner, stamp, stamp).lastInsertRowid);
    },
    // The messages of one of owner's conversations, oldest first; null if it is not theirs.
    conversationMessages(owner, id) {
      if (!q.conversation.get(owner, id)) return null;
      return q.messages.all(owner, id);
    },
    addMessage(owner, conversationId, role, content) {
      const stamp = now();
      q.addMessage.run(owner, conversationId, role, content, stamp);
      q.touchConversation.run(stamp, owner, conversationId);
    },
  };
}
