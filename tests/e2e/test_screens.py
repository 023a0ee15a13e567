"""The three screens a newcomer meets first, on the demo marketplace: the home page, a need with its
recommendations, and the bureau's dashboard. Each is checked for what a person would see on it; with
SCREENSHOT_DIR set (`make screenshots`) the test also saves each screen as the README's pictures."""

import os
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.ops.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from app.platform.taxonomy import use_taxonomy_vocabulary
from matching.text import set_user_dictionary
from models import Need
from tests.e2e.test_finding_posting import demo_app
from tests.utils.serving import serving

pytestmark = pytest.mark.e2e

# The demo need the README shows: a common enterprise problem with matches of every kind.
NEED_TITLE = "铝合金车身激光焊接气孔缺陷控制技术开发"


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sqlite_template):
    app = demo_app(tmp_path_factory.mktemp("screens"), sqlite_template, {"SEARCH_BACKEND": "fts5"})
    with serving(app) as base:
        yield app, base
    app.extensions["index_worker_stop"].set()
    app.extensions["db_engine"].dispose()
    set_user_dictionary()


@pytest.fixture(autouse=True)
def _taxonomy_vocabulary(demo):
    use_taxonomy_vocabulary(demo[0])


def shoot(page, name: str) -> None:
    """Save the whole page when the README's pictures are being made."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def test_home_page_shows_the_market_and_a_search_box(demo, page):
    _app, base = demo
    page.goto(f"{base}/")
    assert page.locator("input[name=q]").first.is_visible()
    assert page.locator(".listing-card").count() >= 6
    # Cards say who posts and for how much, not only a title.
    first = page.locator(".listing-card").first.inner_text()
    assert "万元" in first or "面议" in first or "免费" in first
    shoot(page, "home")


def test_a_need_shows_recommendations_with_reasons(demo, page):
    app, base = demo
    with Session(app.extensions["db_engine"]) as session:
        need = session.exec(select(Need).where(Need.title == NEED_TITLE)).one()
    page.goto(f"{base}/needs/{need.id}")
    groups = page.locator(".rec-group")
    assert groups.count() >= 2
    items = page.locator(".rec-item")
    assert items.count() >= 5
    assert page.locator(".rec-reasons li").first.inner_text().strip()
    page.set_viewport_size({"width": 1280, "height": 1000})
    # The panel's heading just below the sticky header.
    page.evaluate("window.scrollTo(0, document.getElementById('recommendations').offsetTop - 110)")
    shoot(page, "recommendations")


def test_the_bureau_dashboard_draws_its_charts_from_the_demo_history(demo, page):
    _app, base = demo
    page.goto(f"{base}/auth/login")
    page.get_by_label("邮箱").fill(f"bureau@{DEMO_EMAIL_DOMAIN}")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/bureau/dashboard")
    # Every chart is drawn (ECharts renders into a canvas) and the month table has history in it.
    page.locator(".chart canvas").nth(3).wait_for()
    assert page.locator("[data-testid=months] tbody tr").count() >= 1
    assert page.locator("[data-testid=districts] tbody tr").count() >= 1
    page.set_viewport_size({"width": 1280, "height": 1600})
    shoot(page, "dashboard")
