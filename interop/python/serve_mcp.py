"""Starts the standalone MCP server (the `mcp` SDK's FastMCP, streamable HTTP) with uvicorn (one worker)
on 127.0.0.1:$PORT; the endpoint is POST /mcp. MCP_RESPONSE=json|sse and MCP_OUTPUT=structured|text
shape its answers, MCP_SESSIONS=stateless (default)|stateful its sessions (todo_interop/mcp_server.py).

MCP_AUTH=bearer (default) verifies `Authorization: Bearer <jwt>` like serve.py (VERIFIER, ALGS,
JWKS_FILE / JWKS_URL, SECRET_FILE / SECRET, ISSUER, AUDIENCE, LEEWAY, USER_CLAIM); MCP_AUTH=none has no
authentication at all (deliberately flawed). DB_PATH as serve.py.

The first line on standard output is exactly `listening on http://127.0.0.1:PORT` once the server
accepts connections (PORT=0 picks a free port). SIGTERM and SIGINT stop it cleanly (exit status 0).
"""

from __future__ import annotations

import os
import sys

from todo_interop import config, serving
from todo_interop.mcp_server import create_app


def main() -> int:
    try:
        settings = config.load_mcp()
        port = int(os.environ.get("PORT", "8000"))
        app, store = create_app(settings)
    except (config.ConfigError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if settings.auth == "none":
        serving.warn("MCP_AUTH=none: this MCP server has no authentication and trusts every user_id.")
    elif settings.token.flaw:
        serving.warn(
            f"INTEROP_FLAW={settings.token.flaw} is ON: this server is deliberately vulnerable."
        )
    return serving.serve(app, port, store.close)


if __name__ == "__main__":
    sys.exit(main())
