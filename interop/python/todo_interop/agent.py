"""The task tools (shared by MCP `tools/call` and the chat agent) and the deterministic chat agent.

A port of the authconform reference server's agent: same phrases ("add task <title>", "list
[pending|completed] tasks", "complete task <id>", "delete task <id>", "update task <id> to <title>",
"show history"), same answers. The tools act for an owner the caller already established from the
token; a `user_id` argument is never trusted here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .store import Store

MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 1000
MAX_ID = 2**53 - 1

TOOL_NAMES = ("add_task", "list_tasks", "complete_task", "delete_task", "update_task")


def definitions() -> list[dict[str, Any]]:
    user_id = {"type": "string", "description": "the authenticated user's id (must equal the token's sub)"}
    task_id = {"type": "integer", "description": "id of one of the user's tasks"}
    title = {"type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS}
    description = {"type": "string", "maxLength": MAX_DESCRIPTION_CHARS}

    def schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {"type": "object", "properties": properties, "required": required}

    return [
        {"name": "add_task", "description": "Create a new task",
         "inputSchema": schema({"user_id": user_id, "title": title, "description": description},
                               ["user_id", "title"])},
        {"name": "list_tasks", "description": "List the user's tasks, optionally filtered by status",
         "inputSchema": schema({"user_id": user_id,
                                "status": {"type": "string", "enum": ["all", "pending", "completed"]}},
                               ["user_id"])},
        {"name": "complete_task", "description": "Mark a task as complete",
         "inputSchema": schema({"user_id": user_id, "task_id": task_id}, ["user_id", "task_id"])},
        {"name": "delete_task", "description": "Delete a task",
         "inputSchema": schema({"user_id": user_id, "task_id": task_id}, ["user_id", "task_id"])},
        {"name": "update_task", "description": "Change a task's title or description",
         "inputSchema": schema({"user_id": user_id, "task_id": task_id, "title": title,
                                "description": description}, ["user_id", "task_id"])},
    ]


@dataclass
class ToolOutput:
    structured: dict[str, Any]
    text: str
    is_error: bool = False


class ToolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.output = ToolOutput({"error": code, "message": message}, message, True)


def tool_error(code: str, message: str) -> ToolOutput:
    return ToolError(code, message).output


def validate_title(title: str) -> str:
    title = title.strip()
    if not 1 <= len(title) <= MAX_TITLE_CHARS:
        raise ValueError(f"title must be 1 to {MAX_TITLE_CHARS} characters")
    return title


def validate_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise ValueError(f"description must be at most {MAX_DESCRIPTION_CHARS} characters")
    return description


def _optional_string(args: dict[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ToolError("invalid_arguments", f"{name} must be a string")
    return value


def _task_id(args: dict[str, Any]) -> int:
    value = args.get("task_id")
    if type(value) is not int:  # not bool, not float, not a numeric string
        raise ToolError("invalid_arguments", "task_id must be an integer")
    return value


def _checked(check, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as e:
        raise ToolError("invalid_arguments", str(e)) from None


def _summary(task: dict[str, Any], status: str) -> dict[str, Any]:
    return {"task_id": task["id"], "status": status, "title": task["title"]}


def _find(task_id: int) -> None:
    raise ToolError("not_found", f"task {task_id} not found")


def call(store: Store, owner: str, name: str, args: dict[str, Any]) -> ToolOutput | None:
    """Runs tool `name` for `owner`; None for an unknown tool."""
    try:
        if name == "add_task":
            title = _optional_string(args, "title")
            if title is None:
                raise ToolError("invalid_arguments", "title is required")
            title = _checked(validate_title, title)
            description = _checked(validate_description, _optional_string(args, "description"))
            task = store.create_task(owner, title, description)
            return ToolOutput(_summary(task, "created"), f"Added task {task['id']}: {task['title']}")
        if name == "list_tasks":
            status = _optional_string(args, "status") or "all"
            if status not in ("all", "pending", "completed"):
                raise ToolError("invalid_arguments", "status must be all, pending or completed")
            tasks = store.list_tasks(owner, status)
            text = "\n".join(
                f"[{'x' if t['completed'] else ' '}] {t['id']}: {t['title']}" for t in tasks
            ) or "No tasks."
            return ToolOutput({"tasks": tasks}, text)
        if name in ("complete_task", "delete_task", "update_task"):
            task_id = _task_id(args)
            in_range = 1 <= task_id <= MAX_ID
            if name == "complete_task":
                task = store.update_task(owner, task_id, {"completed": True}) if in_range else None
                if task is None:
                    _find(task_id)
                return ToolOutput(_summary(task, "completed"), f"Completed task {task['id']}: {task['title']}")
            if name == "delete_task":
                task = store.delete_task(owner, task_id) if in_range else None
                if task is None:
                    _find(task_id)
                return ToolOutput(_summary(task, "deleted"), f"Deleted task {task['id']}: {task['title']}")
            title = _checked(validate_title, _optional_string(args, "title"))
            description = _checked(validate_description, _optional_string(args, "description"))
            if title is None and description is None:
                raise ToolError("invalid_arguments", "give a title or a description to change")
            changes = {k: v for k, v in (("title", title), ("description", description)) if v is not None}
            task = store.update_task(owner, task_id, changes) if in_range else None
            if task is None:
                _find(task_id)
            return ToolOutput(_summary(task, "updated"), f"Updated task {task['id']}: {task['title']}")
        return None
    except ToolError as e:
        return e.output


# The chat agent.

HELP = (
    'I can manage your tasks. Try: "add task <title>", "list [pending|completed] tasks", '
    '"complete task <id>", "delete task <id>", "update task <id> to <title>" or "show history".'
)
CLAIM_MARKERS = ("as user ", "for user ", "of user ", "user_id=", "user_id:")
TASK_ID = re.compile(r"[+-]?[0-9]+")


def _ascii_lower(s: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in s)


def _strip_prefix_ci(s: str, prefix: str) -> str | None:
    return s[len(prefix):] if _ascii_lower(s[: len(prefix)]) == prefix else None


def split_identity_claim(text: str) -> tuple[str | None, str]:
    """Splits an identity claim off a message: "as user bob, list tasks" -> ("bob", "list tasks")."""
    lower = _ascii_lower(text)

    def at_word_start(i: int) -> bool:
        return i == 0 or not (lower[i - 1].isascii() and lower[i - 1].isalnum())

    found: tuple[int, int] | None = None
    for marker in CLAIM_MARKERS:
        i = lower.find(marker)
        while i >= 0 and not at_word_start(i):
            i = lower.find(marker, i + len(marker))
        if i >= 0 and (found is None or (i, i + len(marker)) < found):
            found = (i, i + len(marker))
    if found is not None:
        start, name_start = found
        rest = text[name_start:]
        name_start += len(rest) - len(rest.lstrip(" =:\"'"))
        end = name_start
        while end < len(text) and not (text[end].isspace() or text[end] in ",:;.!?\"'"):
            end += 1
        if end > name_start:
            after = text[end:].lstrip("\"'").lstrip(",:")
            command = f"{text[:start].rstrip()} {after.lstrip()}"
            return text[name_start:end], command.strip()
    rest = _strip_prefix_ci(text, "as ")
    if rest is not None:
        cut = min((i for i in (rest.find(","), rest.find(":")) if i >= 0), default=-1)
        if cut >= 0:
            name = rest[:cut].strip()
            if name and not any(c.isspace() for c in name):
                return name, rest[cut + 1:].strip()
    return None, text


def _parse_task_id(word: str) -> int | None:
    word = word.lstrip("#")
    if not TASK_ID.fullmatch(word):
        return None
    value = int(word)
    return value if -(2**63) <= value < 2**63 else None


def parse_command(text: str) -> tuple:
    text = text.strip().rstrip(".!?").strip()
    without_please = _strip_prefix_ci(text, "please ")
    text = (without_please if without_please is not None else text).strip()
    words = _ascii_lower(text).split()

    if words in (["show", "history"], ["history"], ["show", "the", "history"]):
        return ("history",)
    for prefix in ("add task:", "add task ", "add a task:", "add a task "):
        title = _strip_prefix_ci(text, prefix)
        if title is not None:
            return ("add", title.strip().strip('"').strip())
    if len(words) >= 2 and words[0] in ("list", "show") and words[-1] == "tasks":
        status = "all"
        for word in words[1:-1]:
            if word in ("my", "all"):
                continue
            if word in ("pending", "open"):
                status = "pending"
            elif word in ("completed", "done"):
                status = "completed"
            else:
                return ("help",)
        return ("list", status)
    for verbs, kind in ((("complete", "finish"), "complete"), (("delete", "remove"), "delete")):
        if words and words[0] in verbs:
            rest = words[1:]
            if rest[:1] == ["task"]:
                rest = rest[1:]
            task_id = _parse_task_id(rest[0]) if len(rest) == 1 else None
            return (kind, task_id) if task_id is not None else ("bad_id",)
    for prefix in ("update task ", "rename task "):
        rest = _strip_prefix_ci(text, prefix)
        if rest is not None:
            rest = rest.lstrip()
            if " " not in rest:
                return ("bad_id",)
            raw_id, title = rest.split(" ", 1)
            without_to = _strip_prefix_ci(title.lstrip(), "to ")
            title = (without_to if without_to is not None else title).strip()
            task_id = _parse_task_id(raw_id)
            return ("update", task_id, title.strip('"')) if task_id is not None else ("bad_id",)
    return ("help",)


def _render_history(history: list[dict[str, str]]) -> str:
    if not history:
        return "This conversation has no earlier messages."
    return "Earlier in this conversation:\n" + "\n".join(f"{m['role']}: {m['content']}" for m in history)


def respond(
    store: Store,
    caller: str,
    history: list[dict[str, str]],
    message: str,
    trust_claimed: bool = False,
) -> tuple[str, list]:
    """Answers `message` for `caller` (never for an identity named in the text, unless
    `trust_claimed`: the deliberate flaw INTEROP_FLAW=agent-acts-as-named-user)."""
    claimed, text = split_identity_claim(message.strip())
    preface = ""
    if trust_claimed and claimed is not None:
        caller = claimed  # FLAW: the message names whom the agent acts for
    elif claimed is not None and claimed != caller:
        preface = f"Note: you are signed in as {caller}; I can only act for you, not for {claimed}. "
    command = parse_command(text)
    kind = command[0]
    if kind == "help":
        return preface + HELP, []
    if kind == "bad_id":
        return preface + 'Please give the task number, e.g. "complete task 3".', []
    if kind == "history":
        return preface + _render_history(history), []
    tool, arguments = {
        "add": lambda: ("add_task", {"title": command[1]}),
        "list": lambda: ("list_tasks", {"status": command[1]}),
        "complete": lambda: ("complete_task", {"task_id": command[1]}),
        "delete": lambda: ("delete_task", {"task_id": command[1]}),
        "update": lambda: ("update_task", {"task_id": command[1], "title": command[2]}),
    }[kind]()
    arguments["user_id"] = caller
    output = call(store, caller, tool, arguments)
    if output.is_error:
        reply = f"Sorry, I could not do that: {output.text}."
    elif tool == "list_tasks":
        status = arguments["status"]
        if output.structured["tasks"]:
            reply = f"Here are your tasks:\n{output.text}"
        elif status == "all":
            reply = "You have no tasks."
        else:
            reply = f"You have no {status} tasks."
    else:
        reply = f"{output.text}."
    return preface + reply, [{"tool": tool, "arguments": arguments, "result": output.structured}]
