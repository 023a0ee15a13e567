"""Input no view should have to think about: ids too large for the database, control characters in the
query string, and `next` targets that would turn a redirect into a jump to another site."""

from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from app.platform.errors import Invalid
from app.platform.validation import CONTROL_CHARACTERS
from models.common import ID_MAX


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that does not match ids the database could not hold, so they answer 404."""

    def __init__(
        self,
        map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = ID_MAX,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def same_site_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Browsers drop tabs and newlines and read a backslash as a slash, so `/\\t/evil.example` or `/\\evil.example`
    would leave the site although they start with one slash; such targets are refused outright, and so are
    ones that turn into such a target once percent-decoded (`/%09/evil.example`, `/%5Cevil.example`), in case
    some later step decodes them again.
    """
    if not target or not target.startswith("/") or target != target.strip():
        return None
    for form in dict.fromkeys((target, unquote(target))):
        if "\\" in form or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in form):
            return None
        parts = urlsplit(form)
        if parts.scheme or parts.netloc or form.startswith("//"):
            return None
    return target


def _refuse_control_characters() -> None:
    bad = {
        name: _("Control characters are not allowed.")
        for name, value in request.args.items(multi=True)
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value)
    }
    if bad:
        raise Invalid(_("Some fields are not valid."), bad)


def accepts_upload(view=None, *, files: int = 1):
    """Mark a view that takes `files` files: its body may reach that many times UPLOAD_MAX_BYTES instead of
    MAX_CONTENT_LENGTH (each file is checked against UPLOAD_MAX_BYTES when stored)."""

    def mark(view):
        view.accepts_upload = files
        return view

    return mark(view) if view is not None else mark


def _allow_upload_bodies() -> None:
    view = current_app.view_functions.get(request.endpoint or "")  # no endpoint (a 404): no view
    files = getattr(view, "accepts_upload", 0)
    if files:
        request.max_content_length = files * current_app.config["UPLOAD_MAX_BYTES"] + 64 * 1024


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    # First of all hooks: the CSRF check reads the form, and with it the body, before any view runs.
    app.before_request_funcs.setdefault(None, []).insert(0, _allow_upload_bodies)
    app.before_request(_refuse_control_characters)
