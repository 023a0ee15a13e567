"""Security headers on every response.

Every asset is served by the app itself and no template carries inline script or style, so the policy can
allow 'self' only.

The Server header is written by the HTTP server, not the app: Werkzeug's development server sends
`Werkzeug/x.y Python/x.y` before it looks at the response's headers, so a header set in after_request would
only add a second one. Its handler is told to name no software instead. gunicorn always sends
`Server: gunicorn` (no version); the reverse proxy in front of it hides that (nginx: `proxy_hide_header Server`
and `server_tokens off`).
"""

from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler

SERVER_NAME = "mic-exchange"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Two years, the preload lists' minimum; only sent over HTTPS, where a browser honours it.
HSTS = "max-age=63072000; includeSubDomains"


def init_app(app: Flask) -> None:
    WSGIRequestHandler.version_string = lambda _handler: SERVER_NAME  # type: ignore[method-assign, assignment]  # patched on purpose: Werkzeug names itself

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers[name] = value
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
