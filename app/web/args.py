"""Whole numbers from the query string, read one way everywhere, with one policy for pages and one for the API.

- API (``strict=True``): a value that is not a whole number, or lies outside [low, high], is refused with a
  422 that names the argument (``Invalid``); a client should learn that its request was wrong.
- HTML pages (``strict=False``): a value that is not a whole number counts as absent, and one outside
  [low, high] is moved to the nearest bound; a hand-edited or stale link still shows the closest page.

Absent or empty always means ``default``. Every value returned lies within [low, high], and ``high`` is at
most ``MAX_INT_ARG``, so no query argument can overflow a database integer.

Ids (``id_arg`` here, ``app.platform.validation.parse_id`` for form values) pass the same test as ids in a
path and in JSON (``models.common.is_id``): a value the database could not hold names no row, never a database error.
"""

import re

from flask import request
from flask_babel import gettext as _

from app.platform.errors import Invalid
from app.platform.validation import parse_id
from models.common import ID_MAX

MAX_INT_ARG = 1_000_000
# The furthest page any list goes: deep enough for every real listing set, far from any SQL limit.
MAX_PAGE = 10_000
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def int_arg(
    name: str, default: int | None = None, *, low: int = 1, high: int = MAX_INT_ARG, strict: bool
) -> int | None:
    """The query argument ``name`` as a whole number in [low, high], by the API or the page policy."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    high = min(high, MAX_INT_ARG)
    if not _WHOLE_NUMBER.fullmatch(raw):
        if strict:
            raise Invalid(_("Some fields are not valid."), {name: _("Must be a whole number.")})
        return default
    # Compare by length first: int() of a 10,000-digit string is slow, and Python refuses longer ones.
    digits = raw.lstrip("+-").lstrip("0")
    value = int(raw) if len(digits) <= len(str(MAX_INT_ARG)) else (low - 1 if raw[0] == "-" else high + 1)
    if low <= value <= high:
        return value
    if strict:
        raise Invalid(
            _("Some fields are not valid."),
            {name: _("Must be a whole number from %(low)s to %(high)s.", low=low, high=high)},
        )
    return min(max(value, low), high)


def id_arg(name: str, *, strict: bool) -> int | None:
    """The query argument ``name`` as an id, None when absent; a bad one is a 422 for the API (``strict``) and
    counts as absent on a page."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    value = parse_id(raw)
    if value is None and strict:
        raise Invalid(
            _("Some fields are not valid."),
            {name: _("Must be a whole number from %(low)s to %(high)s.", low=1, high=ID_MAX)},
        )
    return value
