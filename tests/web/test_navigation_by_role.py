"""What each role finds by following links, as a person would: every page its header and pages link to opens
(none answers 403 to the role that was shown the link), and no page shows a raw identifier (an enum value such as
`in_progress`, an internal code such as the NDA version `platform-2026-1`) in either language.

The crawl follows same-origin GET links from the home page, breadth first, one page per shape (ids do not count),
as the SME, the center, another enterprise, the bureau, an expert and an anonymous visitor of a marketplace with a
confidential need, an accepted interest with its NDA, a drafted contract and a filed center."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from app.deals.services.interests import PLATFORM_NDA_VERSION
from models import enums
from tests.utils.bureau import create_expert
from tests.utils.deal_world import accepted_interest, draft_contract, make_world

# Links that change the session rather than show a page, and files (the PDF takes seconds to draw).
NOT_PAGES = re.compile(r"^/(auth/logout|lang/|static/)")
DOWNLOADS = re.compile(r"\.(pdf|csv|xlsx|zip|json)$|/download|/export")
MAX_PAGES = 120
ROLES = ("anonymous", "sme", "center", "other", "bureau", "expert")


class Page(HTMLParser):
    """A page's links and the text a person reads (no scripts, styles or attribute values)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def shape(path: str) -> str:
    parts = urlsplit(path)
    query = "&".join(sorted({p.split("=")[0] for p in parts.query.split("&") if p}))
    return re.sub(r"/\d+", "/_", parts.path) + "?" + query


def crawl(client) -> dict[str, tuple[int, str, str]]:
    """path -> (status, the page that linked it, the page's text) for every page reachable from /."""
    seen: dict[str, tuple[int, str, str]] = {}
    shapes: set[str] = set()
    queue = [("/", "(start)")]
    while queue and len(seen) < MAX_PAGES:
        path, origin = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        text = ""
        if response.status_code == 200 and "text/html" in response.content_type:
            parsed = Page()
            parsed.feed(response.get_data(as_text=True))
            text = "\n".join(parsed.text)
            for href in parsed.links:
                url = urlsplit(urljoin("http://localhost" + path, href))
                if (
                    url.netloc != "localhost"
                    or url.scheme not in ("http", "")
                    or NOT_PAGES.match(url.path)
                    or DOWNLOADS.search(url.path)
                ):
                    continue
                target = url.path + (f"?{url.query}" if url.query else "")
                if target in seen or shape(target) in shapes:
                    continue
                shapes.add(shape(target))
                queue.append((target, path))
        seen[path] = (response.status_code, origin, text)
    return seen


@pytest.fixture
def people(session):
    world = make_world(session)
    interest = accepted_interest(session, world)
    draft_contract(session, world, interest)
    expert = create_expert(session, ["technology"], name="孙工程")
    return {
        "anonymous": None,
        "sme": world.sme.email,
        "center": world.center.email,
        "other": world.other.email,
        "bureau": world.bureau.email,
        "expert": expert.email,
    }


def visit(client, auth, email: str | None, lang: str) -> dict[str, tuple[int, str, str]]:
    client.set_cookie("lang", lang)
    if email:
        assert auth.login(email).status_code == 302
    try:
        return crawl(client)
    finally:
        if email:
            auth.logout()


def raw_values() -> set[str]:
    """Every enum value a person should see only as its label, and the internal codes."""
    values = {PLATFORM_NDA_VERSION}
    for enum in vars(enums).values():
        if isinstance(enum, type) and issubclass(enum, enums.StrEnum) and enum is not enums.StrEnum:
            values.update(str(m.value) for m in enum if "_" in str(m.value))
    return values


SNAKE = re.compile(r"(?<![\w@./-])[a-z]+(?:_[a-z0-9]+)+(?![\w@/-])")


@pytest.mark.parametrize("role", ROLES)
def test_every_link_a_role_is_shown_opens_and_shows_no_raw_identifier(client, auth, people, role):
    codes = raw_values()
    for lang in ("zh_Hans_CN", "en"):
        pages = visit(client, auth, people[role], lang)
        assert len(pages) > 10, sorted(pages)
        refused = {path: origin for path, (status, origin, _text) in pages.items() if status == 403}
        assert not refused, f"{role} ({lang}) is shown links that answer 403: {refused}"
        broken = {path: (status, origin) for path, (status, origin, _t) in pages.items() if status >= 500}
        assert not broken
        raw = {
            path: sorted(set(SNAKE.findall(text)) | {code for code in codes if code in text})
            for path, (_status, _origin, text) in pages.items()
        }
        raw = {path: values for path, values in raw.items() if values}
        assert not raw, f"{role} ({lang}) is shown raw identifiers: {raw}"


def header(client, auth, email: str) -> str:
    auth.login(email)
    html = client.get("/").get_data(as_text=True)
    auth.logout()
    return html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]


def test_each_header_offers_only_what_its_role_uses(client, auth, people):
    sme, center, bureau, expert = (
        header(client, auth, people[r]) for r in ("sme", "center", "bureau", "expert")
    )
    # An SME has no center and no application: "My center" would be an empty page.
    assert "我的中心" not in sme and "我的发布" in sme
    assert "我的中心" in center
    assert "我的中心" not in bureau and "我的中心" not in expert
    # API tokens are an account matter: in the account menu, not among the header's top links.
    for html in (sme, center, bureau, expert):
        menu = html.split('class="account-menu"', 1)[1].split("</details>", 1)[0]
        assert "API 令牌" in menu and "API 令牌" not in html.replace(menu, "")
