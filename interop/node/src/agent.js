// The task tools (shared by MCP tools/call and the chat agent) and the deterministic chat agent: a
// port of the authconform reference server's agent (same phrases, same answers). The tools act for an
// owner the caller already established from the token; a user_id argument is never trusted here.

export const MAX_TITLE_CHARS = 200;
export const MAX_DESCRIPTION_CHARS = 1000;
export const MAX_ID = Number.MAX_SAFE_INTEGER; // 2^53 - 1
export const TOOL_NAMES = ['add_task', 'list_tasks', 'complete_task', 'delete_task', 'update_task'];

export function definitions() {
  const userId = { type: 'string', description: "the authenticated user's id (must equal the token's sub)" };
  const taskId = { type: 'integer', description: "id of one of the user's tasks" };
  const title = { type: 'string', minLength: 1, maxLength: MAX_TITLE_CHARS };
  const description = { type: 'string', maxLength: MAX_DESCRIPTION_CHARS };
  const schema = (properties, required) => ({ type: 'object', properties, required });
  return [
    { name: 'add_task', description: 'Create a new task',
      inputSchema: schema({ user_id: userId, title, description }, ['user_id', 'title']) },
    { name: 'list_tasks', description: "List the user's tasks, optionally filtered by status",
      inputSchema: schema({ user_id: userId, status: { type: 'string', enum: ['all', 'pending', 'completed'] } },
        ['user_id']) },
    { name: 'complete_task', description: 'Mark a task as complete',
      inputSchema: schema({ user_id: userId, task_id: taskId }, ['user_id', 'task_id']) },
    { name: 'delete_task', description: 'Delete a task',
      inputSchema: schema({ user_id: userId, task_id: taskId }, ['user_id', 'task_id']) },
    { name: 'update_task', description: "Change a task's title or description",
      inputSchema: schema({ user_id: userId, task_id: taskId, title, description }, ['user_id', 'task_id']) },
  ];
}

class ToolError extends Error {
  constructor(code, message) {
    super(message);
    this.output = { structured: { error: code, message }, text: message, isError: true };
  }
}

export const toolError = (code, message) => new ToolError(code, message).output;

const chars = (s) => [...s].length;

export function validateTitle(title) {
  const trimmed = title.trim();
  if (chars(trimmed) < 1 || chars(trimmed) > MAX_TITLE_CHARS) {
    throw new RangeError(`title must be 1 to ${MAX_TITLE_CHARS} characters`);
  }
  return trimmed;
}

export function validateDescription(description) {
  if (chars(description) > MAX_DESCRIPTION_CHARS) {
    throw new RangeError(`description must be at most ${MAX_DESCRIPTION_CHARS} characters`);
  }
  return description;
}

function optionalString(args, name) {
  const value = args[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ToolError('invalid_arguments', `${name} must be a string`);
  return value;
}

function checked(check, value) {
  if (value === null) return null;
  try {
    return check(value);
  } catch (err) {
    throw new ToolError('invalid_arguments', err.message);
  }
}

function taskIdArg(args) {
  if (!Number.isInteger(args.task_id)) throw new ToolError('invalid_arguments', 'task_id must be an integer');
  return args.task_id;
}

const summary = (task, status) => ({ task_id: task.id, status, title: task.title });
const ok = (structured, text) => ({ structured, text, isError: false });
function found(task, id) {
  if (!task) throw new ToolError('not_found', `task ${id} not found`);
  return task;
}

// Runs tool `name` for `owner`; null for an unknown tool.
export function callTool(store, owner, name, args) {
  try {
    switch (name) {
      case 'add_task': {
        const raw = optionalString(args, 'title');
        if (raw === null) throw new ToolError('invalid_arguments', 'title is required');
        const title = checked(validateTitle, raw);
        const description = checked(validateDescription, optionalString(args, 'description'));
        const task = store.createTask(owner, title, description);
        return ok(summary(task, 'created'), `Added task ${task.id}: ${task.title}`);
      }
      case 'list_tasks': {
        const status = optionalString(args, 'status') ?? 'all';
        if (!['all', 'pending', 'completed'].includes(status)) {
          throw new ToolError('invalid_arguments', 'status must be all, pending or completed');
        }
        const tasks = store.listTasks(owner, status);
        const text = tasks.map((t) => `[${t.completed ? 'x' : ' '}] ${t.id}: ${t.title}`).join('\n') || 'No tasks.';
        return ok({ tasks }, text);
      }
      case 'complete_task': {
        const id = taskIdArg(args);
        const task = found(id >= 1 && id <= MAX_ID ? store.updateTask(owner, id, { completed: true }) : null, id);
        return ok(summary(task, 'completed'), `Completed task ${task.id}: ${task.title}`);
      }
      case 'delete_task': {
        const id = taskIdArg(args);
        const task = found(id >= 1 && id <= MAX_ID ? store.deleteTask(owner, id) : null, id);
        return ok(summary(task, 'deleted'), `Deleted task ${task.id}: ${task.title}`);
      }
      case 'update_task': {
        const id = taskIdArg(args);
        const title = checked(validateTitle, optionalString(args, 'title'));
        const description = checked(validateDescription, optionalString(args, 'description'));
        if (title === null && description === null) {
          throw new ToolError('invalid_arguments', 'give a title or a description to change');
        }
        const changes = {};
        if (title !== null) changes.title = title;
        if (description !== null) changes.description = description;
        const task = found(id >= 1 && id <= MAX_ID ? store.updateTask(owner, id, changes) : null, id);
        return ok(summary(task, 'updated'), `Updated task ${task.id}: ${task.title}`);
      }
      default:
        return null;
    }
  } catch (err) {
    if (err instanceof ToolError) return err.output;
    throw err;
  }
}

// The chat agent.

const HELP =
  'I can manage your tasks. Try: "add task <title>", "list [pending|completed] tasks", ' +
  '"complete task <id>", "delete task <id>", "update task <id> to <title>" or "show history".';
const CLAIM_MARKERS = ['as user ', 'for user ', 'of user ', 'user_id=', 'user_id:'];

const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const stripPrefixCi = (s, prefix) => (asciiLower(s.slice(0, prefix.length)) === prefix ? s.slice(prefix.length) : null);
const isSpace = (c) => /\s/u.test(c);

// Splits an identity claim off a message: "as user bob, list tasks" -> ["bob", "list tasks"].
export function splitIdentityClaim(text) {
  const lower = asciiLower(text);
  const atWordStart = (i) => i === 0 || !/[a-z0-9]/.test(lower[i - 1]);
  let found = null;
  for (const marker of CLAIM_MARKERS) {
    let i = lower.indexOf(marker);
    while (i >= 0 && !atWordStart(i)) i = lower.indexOf(marker, i + marker.length);
    const candidate = [i, i + marker.length];
    if (i >= 0 && (found === null || candidate[0] < found[0] || (candidate[0] === found[0] && candidate[1] < found[1]))) {
      found = candidate;
    }
  }
  if (found !== null) {
    const [start, afterMarker] = found;
    const rest = text.slice(afterMarker);
    const nameStart = afterMarker + (rest.length - rest.replace(/^[ =:"']+/, '').length);
    let end = nameStart;
    while (end < text.length && !(isSpace(text[end]) || ',:;.!?"\''.includes(text[end]))) end += 1;
    if (end > nameStart) {
      const after = text.slice(end).replace(/^["']+/, '').replace(/^[,:]+/, '');
      const command = `${text.slice(0, start).trimEnd()} ${after.trimStart()}`;
      return [text.slice(nameStart, end), command.trim()];
    }
  }
  const rest = stripPrefixCi(text, 'as ');
  if (rest !== null) {
    const cut = rest.search(/[,:]/);
    if (cut >= 0) {
      const name = rest.slice(0, cut).trim();
      if (name && !/\s/u.test(name)) return [name, rest.slice(cut + 1).trim()];
    }
  }
  return [null, text];
}

function parseTaskId(word) {
  const digits = word.replace(/^#+/, '');
  if (!/^[+-]?[0-9]+$/.test(digits)) return null;
  const value = BigInt(digits);
  if (value < -(2n ** 63n) || value >= 2n ** 63n) return null;
  return Number(value);
}

export function parseCommand(input) {
  let text = input.trim().replace(/[.!?]+$/, '').trim();
  text = (stripPrefixCi(text, 'please ') ?? text).trim();
  const words = asciiLower(text).split(/\s+/u).filter(Boolean);
  const is = (...expected) => words.length === expected.length && expected.every((w, i) => words[i] === w);

  if (is('show', 'history') || is('history') || is('show', 'the', 'history')) return { kind: 'history' };
  for (const prefix of ['add task:', 'add task ', 'add a task:', 'add a task ']) {
    const title = stripPrefixCi(text, prefix);
    if (title !== null) return { kind: 'add', title: title.trim().replace(/^"+|"+$/g, '').trim() };
  }
  if (words.length >= 2 && ['list', 'show'].includes(words[0]) && words[words.length - 1] === 'tasks') {
    let status = 'all';
    for (const word of words.slice(1, -1)) {
      if (word === 'my' || word === 'all') continue;
      if (word === 'pending' || word === 'open') status = 'pending';
      else if (word === 'completed' || word === 'done') status = 'completed';
      else return { kind: 'help' };
    }
    return { kind: 'list', status };
  }
  for (const [verbs, kind] of [[['complete', 'finish'], 'complete'], [['delete', 'remove'], 'delete']]) {
    if (words.length > 0 && verbs.includes(words[0])) {
      let rest = words.slice(1);
      if (rest[0] === 'task') rest = rest.slice(1);
      const id = rest.length === 1 ? parseTaskId(rest[0]) : null;
      return id === null ? { kind: 'bad_id' } : { kind, id };
    }
  }
  for (const prefix of ['update task ', 'rename task ']) {
    let rest = stripPrefixCi(text, prefix);
    if (rest !== null) {
      rest = rest.trimStart();
      const space = rest.indexOf(' ');
      if (space < 0) return { kind: 'bad_id' };
      const rawId = rest.slice(0, space);
      let title = rest.slice(space + 1);
      title = (stripPrefixCi(title.trimStart(), 'to ') ?? title).trim();
      const id = parseTaskId(rawId);
      return id === null ? { kind: 'bad_id' } : { kind: 'update', id, title: title.replace(/^"+|"+$/g, '') };
    }
  }
  return { kind: 'help' };
}

function renderHistory(history) {
  if (history.length === 0) return 'This conversation has no earlier messages.';
  return `Earlier in this conversation:\n${history.map((m) => `${m.role}: ${m.content}`).join('\n')}`;
}

// Answers `message` for `caller` (never for an identity named in the text): {response, toolCalls}.
export function respond(store, caller, history, message) {
  const [claimed, text] = splitIdentityClaim(message.trim());
  const preface =
    claimed !== null && claimed !== caller
      ? `Note: you are signed in as ${caller}; I can only act for you, not for ${claimed}. `
      : '';
  const command = parseCommand(text);
  if (command.kind === 'help') return { response: preface + HELP, toolCalls: [] };
  if (command.kind === 'bad_id') {
    return { response: `${preface}Please give the task number, e.g. "complete task 3".`, toolCalls: [] };
  }
  if (command.kind === 'history') return { response: preface + renderHistory(history), toolCalls: [] };
  const [tool, args] = {
    add: () => ['add_task', { title: command.title }],
    list: () => ['list_tasks', { status: command.status }],
    complete: () => ['complete_task', { task_id: command.id }],
    delete: () => ['delete_task', { task_id: command.id }],
    update: () => ['update_task', { task_id: command.id, title: command.title }],
  }[command.kind]();
  args.user_id = caller;
  const output = callTool(store, caller, tool, args);
  let reply;
  if (output.isError) reply = `Sorry, I could not do that: ${output.text}.`;
  else if (tool === 'list_tasks') {
    if (output.structured.tasks.length > 0) reply = `Here are your tasks:\n${output.text}`;
    else reply = args.status === 'all' ? 'You have no tasks.' : `You have no ${args.status} tasks.`;
  } else reply = `${output.text}.`;
  return { response: preface + reply, toolCalls: [{ tool, arguments: args, result: output.structured }] };
}
