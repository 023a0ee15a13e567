"""Security headers on every response.

Every asset is served by the app itself and no template carries inline script or style, so the policy can
allow 'self' only. Werkzeug's development server adds `Server: Werkzeug/x.y` unless the response already has
a Server header, hence the neutral one here; gunicorn adds its own, which the reverse proxy must hide.
"""

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join([
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
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Server": "mic-exchange",
}
# Two years, the preload lists' minimum; only sent over HTTPS, where a browser honours it.
HSTS = "max-age=63072000; includeSubDomains"


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers[name] = value
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
