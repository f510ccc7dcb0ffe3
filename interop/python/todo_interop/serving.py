"""Serving an ASGI app with uvicorn (one worker) on 127.0.0.1:PORT, for serve.py and serve_mcp.py.

The first line on standard output is exactly `listening on http://127.0.0.1:PORT` once the server
accepts connections (PORT=0 picks a free port). SIGTERM and SIGINT stop it cleanly (exit status 0).
"""

from __future__ import annotations

import signal
import socket
import sys
from typing import Callable

import uvicorn


class ReadyServer(uvicorn.Server):
    """Announces the bound port once uvicorn has started serving."""

    def __init__(self, cfg: uvicorn.Config, port: int) -> None:
        super().__init__(cfg)
        self.port = port

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print(f"listening on http://127.0.0.1:{self.port}", flush=True)


def warn(message: str) -> None:
    """One warning line on standard error."""
    print(f"WARNING: {message} Loopback tests only.", file=sys.stderr, flush=True)


def serve(app, port: int, close: Callable[[], None]) -> int:
    """Serves `app` until SIGTERM or SIGINT, then calls `close`; 2 when the port cannot be bound."""
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
        close()
    return 0
