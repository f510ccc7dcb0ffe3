"""Starts the FastAPI interop server with uvicorn (one worker) on 127.0.0.1:$PORT.

The first line on standard output is exactly `listening on http://127.0.0.1:PORT` once the server
accepts connections (PORT=0 picks a free port). SIGTERM and SIGINT stop it cleanly.
"""

from __future__ import annotations

import os
import sys

from todo_interop import config, serving
from todo_interop.app import create_app


def main() -> int:
    try:
        settings = config.load()
        port = int(os.environ.get("PORT", "8000"))
        app = create_app(settings)
    except (config.ConfigError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if settings.flaw:
        serving.warn(f"INTEROP_FLAW={settings.flaw} is ON: this server is deliberately vulnerable.")
    return serving.serve(app, port, app.state.store.close)


if __name__ == "__main__":
    sys.exit(main())
