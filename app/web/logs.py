"""Logging: one line per request (request id, method, path, status, duration, user id), as text or JSON lines."""

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request
from sqlalchemy import inspect

LOGGER = "mic"
REQUEST_LOGGER = "mic.request"
# A request id from the proxy is kept when it is short and harmless, so one id follows a request across hosts.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request fields when there are some."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in REQUEST_FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


FORMATTERS = {
    "text": lambda: logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"),
    "json": JsonFormatter,
}


class _MicHandler(logging.StreamHandler):
    """The `mic` loggers' own handler, marked so that configuring again finds it instead of adding another."""

    mic_handler = True


def configure(log_format: str, level: str) -> logging.Handler:
    """Give the `mic` loggers (and Flask's app logger) one handler on stderr; safe to call again."""
    logger = logging.getLogger(LOGGER)
    handler = next((h for h in logger.handlers if getattr(h, "mic_handler", False)), None)
    if handler is None:
        handler = _MicHandler(sys.stderr)
        logger.addHandler(handler)
    handler.setFormatter(FORMATTERS[log_format]())
    logger.setLevel(level)
    # Records stop here, so a host that also configures the root logger does not print each line twice.
    logger.propagate = False
    return handler


def _user_id() -> int | None:
    # Only a user the request already loaded: logging must not cost a query.
    user = g.get("_login_user") or g.get("api_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    if state is not None:
        # The key the session holds: after a failed transaction the user's attributes are expired, and reading
        # `id` would query a session that must be rolled back first (turning a 503 into a 500).
        return state.identity[0] if state.identity else None
    return getattr(user, "id", None)


def init_app(app: Flask) -> None:
    handler = configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    # Errors the app logs (unhandled exceptions) come out in the same format as the request lines.
    app.logger.handlers = [handler]
    app.logger.propagate = False
    request_log = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        duration_ms = round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1)
        response.headers["X-Request-ID"] = request_id
        fields = {
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": _user_id(),
        }
        request_log.info(
            "%s %s %s %sms user=%s id=%s",
            fields["method"],
            fields["path"],
            fields["status"],
            duration_ms,
            fields["user_id"],
            request_id,
            extra=fields,
        )
        return response
