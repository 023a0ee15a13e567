"""The daily digest as an email: its items grouped by kind of listing, each with its absolute link, as plain text
and as HTML (every title and name escaped), Chinese then English like every notification email (the recipient's
language is not known when cron sends it)."""

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from app.platform.notifications import absolute_url, link_path
from app.web.labels import LISTING_KINDS_PLURAL

if TYPE_CHECKING:  # saved_searches builds the digest and imports this module
    from app.market.services.saved_searches import DigestItem

# The order of the groups: what a firm acts on first.
KIND_ORDER = ("need", "achievement", "service", "center")


def _both(render: Callable[[], object]) -> str:
    """A phrase in Chinese and English, "技术需求 / Technical needs" (once when both read the same)."""
    texts = []
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            texts.append(str(render()))
    return " / ".join(dict.fromkeys(texts))


def _why(item: "DigestItem") -> str:
    if item.reason == "search":
        return _both(
            lambda: _("Saved search “%(name)s”", name=item.label) if item.label else _("Saved search")
        )
    return _both(lambda: _("Fits your listing “%(title)s”", title=item.label))


def grouped(items: Sequence["DigestItem"]) -> list[tuple[str, list["DigestItem"]]]:
    """The items by kind of listing, in `KIND_ORDER`, each group in the order found."""
    kinds = [*KIND_ORDER, *sorted({i.target_type for i in items} - set(KIND_ORDER))]
    groups = [(kind, [i for i in items if i.target_type == kind]) for kind in kinds]
    return [(kind, group) for kind, group in groups if group]


def render(items: Sequence["DigestItem"]) -> tuple[str, str]:
    """The digest's email body as (text, HTML fragment): a heading per kind, a line per item with its link."""
    lines: list[str] = []
    html: list[str] = []
    for kind, group in grouped(items):
        heading = _both(partial(str, LISTING_KINDS_PLURAL.get(kind, kind)))
        lines.append(f"{heading} ({len(group)})")
        html.append(f"<h3>{escape(heading)} ({len(group)})</h3>\n<ul>")
        for item in group:
            path = link_path(item.target_type, item.target_id)
            url = absolute_url(path) if path else ""
            why = _why(item)
            lines.append(f"- {item.title}  [{why}]")
            if url:
                lines.append(f"  {url}")
                html.append(
                    f'<li><a href="{escape(url)}">{escape(item.title)}</a> <small>{escape(why)}</small></li>'
                )
            else:
                html.append(f"<li>{escape(item.title)} <small>{escape(why)}</small></li>")
        lines.append("")
        html.append("</ul>")
    return "\n".join(lines).strip(), "\n".join(html)
