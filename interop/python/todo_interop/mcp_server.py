"""The todo tools as a standalone MCP server: the official `mcp` SDK's FastMCP, streamable HTTP transport,
stateless (one POST per JSON-RPC request, no session), or with MCP_SESSIONS=stateful the SDK's default:
`initialize` opens a session and every later request must carry its `Mcp-Session-Id`. MCP_RESPONSE=json (default) answers with one JSON
body, MCP_RESPONSE=sse with an event stream; MCP_OUTPUT=structured (default) gives tool results a
`structuredContent` (and the same JSON as text), MCP_OUTPUT=text the JSON as text content only.

MCP_AUTH=bearer: `BearerAuthMiddleware`, a pure ASGI middleware around the SDK's Starlette app, verifies
`Authorization: Bearer <jwt>` on every HTTP request with the main server's verifier (verifiers.py) and
puts the token's user in `request.state.user_id`, which each tool compares with its `user_id` argument
(a mismatch is a tool error, `isError: true`, and changes nothing).

MCP_AUTH=none: no authentication at all; the tools act for whatever `user_id` they are given. A common
pattern (the MCP server is "internal", only the agent calls it) and a deliberate flaw here.

TEST ONLY, loopback only. See ../../README.md.
"""

from __future__ import annotations

from typing import Any, Literal

from mcp.server.fastmcp import Context, FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from . import agent
from .config import McpSettings
from .store import Store
from .verifiers import Verifier, make_verifier

MAX_BODY_BYTES = 64 * 1024
MCP_PATH = "/mcp"


def create_mcp(settings: McpSettings, store: Store) -> FastMCP:
    """The FastMCP server with the five task tools, acting on `store`."""
    mcp = FastMCP(
        "todo-mcp",
        stateless_http=settings.sessions == "stateless",
        json_response=settings.response == "json",
        streamable_http_path=MCP_PATH,
        max_request_body_size=MAX_BODY_BYTES,
        log_level="WARNING",
    )

    structured = settings.output == "structured"

    def owner(ctx: Context, user_id: str) -> str:
        """The user the tool acts for."""
        if settings.auth == "none":
            return user_id  # FLAW (MCP_AUTH=none): nothing says who is calling; the argument decides
        token_user = ctx.request_context.request.state.user_id
        if user_id == token_user:
            return user_id
        if settings.has("mcp-trusts-user-id"):
            return user_id  # FLAW: the token is verified but the argument picks the user
        raise ToolError("user_id does not match the authenticated user")

    def run(ctx: Context, user_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        output = agent.call(store, owner(ctx, user_id), name, {"user_id": user_id, **arguments})
        if output.is_error:
            raise ToolError(output.text)
        return output.structured

    @mcp.tool(structured_output=structured)
    def add_task(
        user_id: str, title: str, ctx: Context, description: str | None = None
    ) -> dict[str, Any]:
        """Create a new task for the user."""
        return run(ctx, user_id, "add_task", {"title": title, "description": description})

    @mcp.tool(structured_output=structured)
    def list_tasks(
        user_id: str, ctx: Context, status: Literal["all", "pending", "completed"] = "all"
    ) -> dict[str, Any]:
        """List the user's tasks, optionally filtered by status."""
        return run(ctx, user_id, "list_tasks", {"status": status})

    @mcp.tool(structured_output=structured)
    def complete_task(user_id: str, task_id: int, ctx: Context) -> dict[str, Any]:
        """Mark one of the user's tasks as complete."""
        return run(ctx, user_id, "complete_task", {"task_id": task_id})

    @mcp.tool(structured_output=structured)
    def delete_task(user_id: str, task_id: int, ctx: Context) -> dict[str, Any]:
        """Delete one of the user's tasks."""
        return run(ctx, user_id, "delete_task", {"task_id": task_id})

    @mcp.tool(structured_output=structured)
    def update_task(
        user_id: str,
        task_id: int,
        ctx: Context,
        title: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Change the title or description of one of the user's tasks."""
        changes = {"task_id": task_id, "title": title, "description": description}
        return run(ctx, user_id, "update_task", changes)

    return mcp


class BearerAuthMiddleware:
    """Pure ASGI middleware: every HTTP request needs one valid `Authorization: Bearer <jwt>`.

    No credentials: 401 `WWW-Authenticate: Bearer`; a token that does not verify: 401 `Bearer
    error="invalid_token"`; a token sent twice (two headers, or a header and `?access_token=`): 400
    `Bearer error="invalid_request"`. A verified token's user goes to `scope["state"]["user_id"]`
    (Starlette's `request.state.user_id`). Lifespan events pass through.
    """

    def __init__(self, app: ASGIApp, verifier: Verifier, user_claim: str) -> None:
        self.app = app
        self.verifier = verifier
        self.user_claim = user_claim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        values = [v for k, v in scope["headers"] if k == b"authorization"]
        query = scope.get("query_string", b"").decode("latin-1")
        in_query = any(part.split("=", 1)[0] == "access_token" for part in query.split("&"))
        if len(values) > 1 or (values and in_query):
            challenge = 'Bearer error="invalid_request"'
            await self.deny(scope, receive, send, 400, "Send exactly one access token", challenge)
            return
        scheme, _, token = values[0].decode("latin-1").partition(" ") if values else ("", "", "")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            await self.deny(scope, receive, send, 401, "Not authenticated", "Bearer")
            return
        try:
            claims = await run_in_threadpool(self.verifier.verify, token)  # a JWKS fetch blocks
        except Exception:  # any verification failure, whatever the library raised
            claims = None
        user = claims.get(self.user_claim) if isinstance(claims, dict) else None
        if not isinstance(user, str) or not user:
            await self.deny(scope, receive, send, 401, "Invalid token", 'Bearer error="invalid_token"')
            return
        scope.setdefault("state", {})["user_id"] = user
        await self.app(scope, receive, send)

    @staticmethod
    async def deny(
        scope: Scope, receive: Receive, send: Send, status: int, detail: str, challenge: str
    ) -> None:
        headers = {"WWW-Authenticate": challenge}
        response = JSONResponse({"detail": detail}, status_code=status, headers=headers)
        await response(scope, receive, send)


def create_app(settings: McpSettings) -> tuple[ASGIApp, Store]:
    """The ASGI app to serve (the SDK's streamable HTTP app, wrapped for MCP_AUTH=bearer) and its store."""
    store = Store(settings.db_path)
    app: ASGIApp = create_mcp(settings, store).streamable_http_app()
    if settings.auth == "bearer":
        app = BearerAuthMiddleware(app, make_verifier(settings.token), settings.token.user_claim)
    return app, store

