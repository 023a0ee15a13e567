"""App-wide error handling: a clear message in the user's language, as a page or as JSON, never a trace."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from app.platform.errors import ServiceError


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    if wants_json():
        return jsonify(error={"code": code, "message": message, "fields": fields or {}}), status
    return render_template("errors/error.html", status=status, message=message), status


HTTP_MESSAGES = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Please log in first."),
    403: lambda: _("You are not allowed to do this."),
    404: lambda: _("Page not found."),
    405: lambda: _("This method is not allowed here."),
    413: lambda: _("The request is too large."),
    415: lambda: _("Send the body as JSON."),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc: CSRFError):
        return error_response(
            400, "csrf", _("The form expired or was not sent from this site. Please try again.")
        )

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(_exc: RateLimitExceeded):
        from app.web.limits import retry_after_seconds

        seconds = retry_after_seconds()
        response, status = error_response(
            429,
            "rate_limited",
            _("Too many requests. Please wait %(seconds)s seconds and try again.", seconds=seconds),
        )
        return response, status, {"Retry-After": str(seconds)}

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, lambda: exc.description or "")()
        return error_response(status, exc.name.lower().replace(" ", "_"), message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal", _("Something went wrong on our side. Please try again later."))

    @app.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        if not (exc.connection_invalidated or isinstance(exc, OperationalError)):
            return _unexpected(exc)
        # The database went away under this request (a restart, a failover); the pool reconnects on the next.
        app.logger.warning("database unavailable: %s", exc.orig)
        response, status = error_response(
            503, "unavailable", _("The service is briefly unavailable. Please try again in a moment.")
        )
        return response, status, {"Retry-After": "5"}
