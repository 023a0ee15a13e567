"""The app on a real socket: werkzeug in a thread on a free 127.0.0.1 port, for browsers and HTTP clients.

One helper for every test that needs a live server (the browser tests, the load generator, the Server header),
so each starts and stops it the same way and none leaves a thread serving after it ends.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.db import make_engine
from app.migrate import upgrade
from tests.utils.processes import PROCESS_SECRET_KEY


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` while the block runs; yields its base URL (no trailing slash)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def served_app(root: Path, template: Path | None = None, **settings: Any) -> Flask:
    """An app on a migrated SQLite database under `root`, to be served over plain HTTP like `make run`.

    `template` is an already migrated database file (the session's `sqlite_template`) to copy rather than
    migrate again. Every path and secret is given here, so nothing comes from the shell that runs the tests.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / "mic.sqlite3"
    url = f"sqlite:///{path}"
    if template is not None:
        shutil.copy(template, path)
    else:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    return create_app(
        {
            "SECRET_KEY": PROCESS_SECRET_KEY,
            # Served over plain HTTP, so the session cookie cannot be marked Secure.
            "SESSION_COOKIE_SECURE": False,
            "DATABASE_URL": url,
            "SEARCH_BACKEND": "fts5",
            "SEARCH_PATH": str(root / "search.sqlite3"),
            "VECTOR_DIR": str(root / "vectors"),
            "UPLOAD_DIR": str(root / "uploads"),
            **settings,
        }
    )
