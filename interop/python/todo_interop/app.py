"""The Todo AI Chatbot API on FastAPI: tasks, chat, conversations and MCP (JSON-RPC), all behind
`Authorization: Bearer <jwt>` except GET /health. Errors keep FastAPI's own shapes ({"detail": ...},
422 for validation).

Two route layouts (ROUTES): `contract`, the contract's `/api/{user_id}/...` paths whose user must be
the token's; `token-scoped`, `/api/tasks...`, `/api/chat` and `/api/conversations/{id}` with the user
taken from the token alone (the other common FastAPI shape)."""

import json
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from . import agent
from .config import Settings
from .store import Store
from .verifiers import make_verifier

MAX_BODY_BYTES = 64 * 1024
MAX_ID = agent.MAX_ID
PROTOCOL_VERSIONS = ("2025-06-18", "2025-03-26", "2024-11-05")

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=1000)]
# Ids are plain decimal integers: FastAPI's `int` would also take "5.0", "+5", " 5" or "5_0".
IdPath = Annotated[str, Path(pattern=r"^[0-9]{1,16}$")]


class TaskCreate(BaseModel):
    title: Title
    description: Description | None = None


class TaskUpdate(BaseModel):
    title: Title | None = None
    description: Description | None = None  # null clears it
    completed: bool | None = None

    @model_validator(mode="after")
    def at_least_one_field(self) -> "TaskUpdate":
        given = self.model_fields_set & {"title", "description", "completed"}
        if not given:
            raise ValueError("give at least one of title, description, completed")
        for name in ("title", "completed"):
            if name in given and getattr(self, name) is None:
                raise ValueError(f"{name} must not be null")
        return self


class LegacyTaskCreate(BaseModel):
    """The body of the pre-auth `POST /api/tasks` (FLAW legacy-tasks-route): the client named the user."""

    user_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    title: Title
    description: Description | None = None


class ChatRequest(BaseModel):
    message: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    conversation_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None

    @field_validator("message")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message must not be blank")
        return value


# Response models of the token-scoped layout (the contract layout keeps its plain dict answers).


class Task(BaseModel):
    id: int
    user_id: str
    title: str
    description: str | None = None
    completed: bool
    created_at: str
    updated_at: str


class ToolCall(BaseModel):
    tool: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class ChatResponse(BaseModel):
    conversation_id: int
    response: str
    tool_calls: list[ToolCall]


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Conversation(BaseModel):
    id: int
    messages: list[Message]


TaskStatus = Literal["all", "pending", "completed"]


def parse_id(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= MAX_ID:
        raise HTTPException(status_code=404, detail="Not found")
    return value


def create_app(settings: Settings) -> FastAPI:
    store = Store(settings.db_path)
    verifier = make_verifier(settings)
    bearer = HTTPBearer()  # 401 + `WWW-Authenticate: Bearer` without credentials (FastAPI >= 0.122)

    app = FastAPI(title="Todo AI Chatbot (authconform interop, FastAPI)", max_body_size=MAX_BODY_BYTES)
    app.state.store = store

    def current_user(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]
    ) -> str:
        """The token's user (its USER_CLAIM, `sub` by default), or 401. Runs in the threadpool (a JWKS
        fetch blocks)."""
        # RFC 6750 §3.1: a request that sends its token more than one way is invalid_request.
        if len(request.headers.getlist("authorization")) > 1 or "access_token" in request.query_params:
            raise HTTPException(
                status_code=400,
                detail="Send exactly one access token",
                headers={"WWW-Authenticate": 'Bearer error="invalid_request"'},
            )
        try:
            claims = verifier.verify(credentials.credentials)
        except Exception:  # any verification failure, whatever the library raised
            claims = None
        sub = claims.get(settings.user_claim) if isinstance(claims, dict) else None
        if not isinstance(sub, str) or not sub:
            raise HTTPException(
                status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"}
            )
        return sub

    def not_found() -> HTTPException:
        return HTTPException(status_code=404, detail="Not found")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    def run_chat(owner: str, body: ChatRequest) -> dict[str, Any]:
        if body.conversation_id is None:
            conversation_id, history = store.create_conversation(owner), []
        else:
            conversation_id = body.conversation_id
            history = store.conversation_messages(owner, conversation_id)
            if history is None:
                raise not_found()
        store.add_message(owner, conversation_id, "user", body.message)
        trust = settings.has("agent-acts-as-named-user")
        reply, tool_calls = agent.respond(store, owner, history, body.message, trust)
        store.add_message(owner, conversation_id, "assistant", reply)
        return {"conversation_id": conversation_id, "response": reply, "tool_calls": tool_calls}

    if settings.routes == "contract":

        def path_owner(user_id: str, sub: Annotated[str, Depends(current_user)]) -> str:
            """The owner whose data the request touches: the token's user, who must be the path's user."""
            if settings.has("path-user-not-checked"):
                return user_id  # FLAW: the path user is trusted
            if user_id != sub:
                raise HTTPException(
                    status_code=403, detail="Not allowed to access another user's resources"
                )
            return sub

        Owner = Annotated[str, Depends(path_owner)]

        @app.get("/api/{user_id}/tasks")
        def list_tasks(
            owner: Owner, status: Annotated[Literal["all", "pending", "completed"], Query()] = "all"
        ) -> list[dict[str, Any]]:
            return store.list_tasks(owner, status)

        @app.post("/api/{user_id}/tasks", status_code=201)
        def create_task(body: TaskCreate, owner: Owner) -> dict[str, Any]:
            return store.create_task(owner, body.title, body.description)

        @app.get("/api/{user_id}/tasks/{task_id}")
        def get_task(task_id: IdPath, owner: Owner) -> dict[str, Any]:
            tid = parse_id(task_id)
            if settings.has("task-read-idor"):
                task = store.get_task_any_owner(tid)  # FLAW: found by id alone
            else:
                task = store.get_task(owner, tid)
            if task is None:
                raise not_found()
            return task

        @app.put("/api/{user_id}/tasks/{task_id}")
        def update_task(task_id: IdPath, body: TaskUpdate, owner: Owner) -> dict[str, Any]:
            fields = body.model_fields_set & {"title", "description", "completed"}
            changes = body.model_dump(include=fields)
            task = store.update_task(owner, parse_id(task_id), changes)
            if task is None:
                raise not_found()
            return task

        @app.delete("/api/{user_id}/tasks/{task_id}", status_code=204)
        def delete_task(task_id: IdPath, owner: Owner) -> Response:
            if store.delete_task(owner, parse_id(task_id)) is None:
                raise not_found()
            return Response(status_code=204)

        @app.patch("/api/{user_id}/tasks/{task_id}/complete")
        def toggle_task(task_id: IdPath, owner: Owner) -> dict[str, Any]:
            task = store.toggle_task(owner, parse_id(task_id))
            if task is None:
                raise not_found()
            return task

        @app.post("/api/{user_id}/chat")
        def chat(body: ChatRequest, owner: Owner) -> dict[str, Any]:
            """Stateless: the history is read from the database on every request."""
            return run_chat(owner, body)

        @app.get("/api/{user_id}/conversations/{conversation_id}")
        def get_conversation(conversation_id: IdPath, owner: Owner) -> dict[str, Any]:
            cid = parse_id(conversation_id)
            messages = store.conversation_messages(owner, cid)
            if messages is None:
                raise not_found()
            return {"id": cid, "messages": messages}
    else:
        # The token-scoped layout: no user in the path, the token alone names the user.
        CurrentUser = Annotated[str, Depends(current_user)]

        @app.get("/api/tasks")
        def list_tasks(
            user_id: CurrentUser, status: Annotated[TaskStatus, Query()] = "all"
        ) -> list[Task]:
            return store.list_tasks(user_id, status)

        @app.post("/api/tasks", status_code=201)
        def create_task(body: TaskCreate, user_id: CurrentUser) -> Task:
            return store.create_task(user_id, body.title, body.description)

        @app.get("/api/tasks/{task_id}")
        def get_task(task_id: IdPath, user_id: CurrentUser) -> Task:
            tid = parse_id(task_id)
            if settings.has("task-read-idor"):
                task = store.get_task_any_owner(tid)  # FLAW: found by id alone
            else:
                task = store.get_task(user_id, tid)
            if task is None:
                raise not_found()
            return task

        @app.put("/api/tasks/{task_id}")
        def update_task(task_id: IdPath, body: TaskUpdate, user_id: CurrentUser) -> Task:
            fields = body.model_fields_set & {"title", "description", "completed"}
            changes = body.model_dump(include=fields)
            task = store.update_task(user_id, parse_id(task_id), changes)
            if task is None:
                raise not_found()
            return task

        @app.delete("/api/tasks/{task_id}", status_code=204)
        def delete_task(task_id: IdPath, user_id: CurrentUser) -> Response:
            if store.delete_task(user_id, parse_id(task_id)) is None:
                raise not_found()
            return Response(status_code=204)

        @app.patch("/api/tasks/{task_id}/complete")
        def toggle_task(task_id: IdPath, user_id: CurrentUser) -> Task:
            task = store.toggle_task(user_id, parse_id(task_id))
            if task is None:
                raise not_found()
            return task

        @app.post("/api/chat")
        def chat(body: ChatRequest, user_id: CurrentUser) -> ChatResponse:
            """Stateless: the history is read from the database on every request."""
            return run_chat(user_id, body)

        @app.get("/api/conversations/{conversation_id}")
        def get_conversation(conversation_id: IdPath, user_id: CurrentUser) -> Conversation:
            cid = parse_id(conversation_id)
            messages = store.conversation_messages(user_id, cid)
            if messages is None:
                raise not_found()
            return {"id": cid, "messages": messages}

    if settings.has("legacy-tasks-route"):
        # FLAW: the endpoints from before authentication was added, still registered next to the
        # user-scoped ones. No auth dependency, so the OpenAPI document declares no security for them
        # (as for a route that checks the token inside its handler), and they see every user's tasks.
        @app.get("/api/tasks")
        def list_all_tasks() -> list[dict[str, Any]]:
            return store.list_tasks_any_owner()

        @app.post("/api/tasks", status_code=201)
        def create_task_legacy(body: LegacyTaskCreate) -> dict[str, Any]:
            return store.create_task(body.user_id, body.title, body.description)

    # MCP over JSON-RPC 2.0, one plain JSON message per POST.

    def rpc_error(rpc_id: Any, code: int, message: str) -> JSONResponse:
        return JSONResponse({"jsonrpc": "2.0", "id": rpc_id, "error": {"code": code, "message": message}})

    def tool_result(output: agent.ToolOutput) -> dict[str, Any]:
        return {
            "content": [{"type": "text", "text": output.text}],
            "structuredContent": output.structured,
            "isError": output.is_error,
        }

    def tools_call(sub: str, params: Any) -> dict[str, Any] | tuple[int, str]:
        name = params.get("name") if isinstance(params, dict) else None
        if not isinstance(name, str):
            return (-32602, "params.name must be a string")
        if name not in agent.TOOL_NAMES:
            return (-32602, f"unknown tool: {name}")
        arguments = params.get("arguments")
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            return (-32602, "params.arguments must be an object")
        requested = arguments.get("user_id")
        if not isinstance(requested, str):
            return tool_result(agent.tool_error("invalid_arguments", "user_id is required"))
        if requested == sub:
            owner = sub
        elif settings.has("mcp-trusts-user-id"):
            owner = requested  # FLAW: the argument, not the token, picks the user
        else:
            return tool_result(
                agent.tool_error("forbidden", "user_id does not match the authenticated user")
            )
        return tool_result(agent.call(store, owner, name, arguments))

    def handle_rpc(raw: bytes, sub: str) -> Response:
        try:
            message = json.loads(raw)
        except ValueError:
            return rpc_error(None, -32700, "parse error")
        if not isinstance(message, dict):
            return rpc_error(None, -32600, "expected one JSON-RPC request object")
        rpc_id = message.get("id")
        valid_id = "id" not in message or (isinstance(rpc_id, (str, int)) and not isinstance(rpc_id, bool))
        method = message.get("method")
        if message.get("jsonrpc") != "2.0" or not isinstance(method, str) or not valid_id:
            return rpc_error(rpc_id if valid_id else None, -32600, "invalid JSON-RPC 2.0 request")
        if "id" not in message:
            return Response(status_code=202)  # a notification: no answer
        params = message.get("params") or {}
        if method == "initialize":
            requested = params.get("protocolVersion") if isinstance(params, dict) else None
            result: Any = {
                "protocolVersion": requested if requested in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0],
                "capabilities": {"tools": {"listChanged": False}},
                "serverInfo": {"name": "authconform-interop-fastapi", "version": "0.1.0"},
            }
        elif method == "ping":
            result = {}
        elif method == "tools/list":
            result = {"tools": agent.definitions()}
        elif method == "tools/call":
            result = tools_call(sub, params)
            if isinstance(result, tuple):
                return rpc_error(rpc_id, *result)
        else:
            return rpc_error(rpc_id, -32601, f"method not found: {method}")
        return JSONResponse({"jsonrpc": "2.0", "id": rpc_id, "result": result})

    @app.post("/mcp")
    async def mcp(request: Request, sub: Annotated[str, Depends(current_user)]) -> Response:
        return await run_in_threadpool(handle_rpc, await request.body(), sub)

    return app
