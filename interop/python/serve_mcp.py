"""Starts the standalone MCP server (the `mcp` SDK's FastMCP, streamable HTTP, stateless JSON) with
uvicorn (one worker) on 127.0.0.1:$PORT; the endpoint is POST /mcp.

MCP_AUTH=bearer (default) verifies `Authorization: Bearer <jwt>` like serve.py (VERIFIER, ALGS,
JWKS_FILE / JWKS_URL, SECRET_FILE / SECRET, ISSUER, AUDIENCE, LEEWAY, USER_CLAIM); MCP_AUTH=none has no
authentication at all (deliberately flawed). DB_PATH as serve.py.

The first line on standard output is exactly `listening on http://127.0.0.1:PORT` once the server
accepts connections (PORT=0 picks a free port). SIGTERM and SIGINT stop it cleanly (exit status 0).
"""

from __future__ import annotations

import os
import signal
import socket
import sys

import uvicorn

from todo_interop import config
from todo_interop.mcp_server import create_app


class ReadyServer(uvicorn.Server):
    """Announces the bound port once uvicorn has started serving."""

    def __init__(self, cfg: uvicorn.Config, port: int) -> None:
        super().__init__(cfg)
        self.port = port

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print(f"listening on http://127.0.0.1:{self.port}", flush=True)


def main() -> int:
    try:
        settings = config.load_mcp()
        port = int(os.environ.get("PORT", "8000"))
        app, store = create_app(settings)
    except (config.ConfigError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if settings.auth == "none":
        print(
            "WARNING: MCP_AUTH=none: this MCP server has no authentication and trusts every user_id. "
            "Loopback tests only.",
            file=sys.stderr,
            flush=True,
        )
    elif settings.token.flaw:
        print(
            f"WARNING: INTEROP_FLAW={settings.token.flaw} is ON: this server is deliberately vulnerable. "
            "Loopback tests only.",
            file=sys.stderr,
            flush=True,
        )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as err:
        print(f"error: cannot bind 127.0.0.1:{port}: {err}", file=sys.stderr)
        return 2
    cfg = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)

    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then restores these handlers and re-raises the
    # signal: exit with status 0 instead of dying by it.
    def exit_cleanly(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, exit_cleanly)
    signal.signal(signal.SIGINT, exit_cleanly)
    try:
        ReadyServer(cfg, sock.getsockname()[1]).run(sockets=[sock])
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
