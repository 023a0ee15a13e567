"""The header shows each role only what it can use: every link in it opens (no 403), for every role; the
bureau's oversight tabs lead to the dashboard and the indicators."""

import re

import pytest

from models import Role
from tests.utils.bureau import create_account
from tests.utils.factories import create_user


def header_links(html: str) -> list[str]:
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    return [
        href
        for href in re.findall(r'href="([^"]+)"', header)
        if href.startswith("/") and not href.startswith(("/lang/", "/static"))
    ]


@pytest.mark.parametrize("role", [Role.bureau, Role.expert, "enterprise", "university", "center"])
def test_every_header_link_opens(client, auth, session, role):
    """Every role's header; the links of its pages are crawled in tests/web/test_navigation_by_role.py."""
    user = create_account(session, role) if isinstance(role, Role) else create_user(session, role)
    auth.login(user.email)
    links = header_links(client.get("/").get_data(as_text=True))
    assert links
    refused = {link: client.get(link).status_code for link in links}
    assert {link: status for link, status in refused.items() if status >= 400} == {}


def test_bureau_tabs_lead_to_the_dashboard_and_indicators(client, auth, session):
    bureau = create_account(session, Role.bureau)
    auth.login(bureau.email)
    html = client.get("/bureau").get_data(as_text=True)
    assert 'href="/bureau/dashboard"' in html and 'href="/indicators"' in html
    assert "数据看板" in html
    for link in ("/bureau/dashboard", "/indicators"):
        assert client.get(link).status_code == 200, link
