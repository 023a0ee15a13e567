"""Errors a user can cause; views turn them into a 4xx page or a JSON error, never a 500."""


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class MalformedBody(ServiceError):
    status = 400
    code = "malformed_json"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class InsufficientStorage(ServiceError):
    """The server's disk is full: nothing was stored, and the same request can succeed once space returns."""

    status = 507
    code = "insufficient_storage"
