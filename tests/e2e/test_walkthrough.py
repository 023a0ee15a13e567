"""The marketplace in a real browser: an enterprise posts a confidential need, a university an achievement."""

import re
from pathlib import Path

import pytest

from tests.utils.factories import random_credit_code

pytestmark = pytest.mark.e2e

PASSWORD = "walkthrough-123"
NEED = {
    "title": "新能源汽车电池包壳体轻量化设计",
    "summary": "寻求铝合金电池包壳体轻量化设计与仿真验证合作，目标减重15%。",
    "details": "现有钢制壳体重38kg，需满足GB 38031挤压与针刺要求，保密参数见附件。",
}
ACHIEVEMENT = {
    "title": "高强铝合金半固态压铸成形工艺",
    "summary": "适用于新能源汽车结构件的半固态压铸工艺，抗拉强度提升20%，已完成中试。",
}
SHOTS = Path("/tmp/mic-screenshots")


def register(page, base: str, *, kind: str, org_name: str, email: str, industry: str) -> None:
    page.goto(f"{base}/auth/register")
    page.get_by_label("单位类型").select_option(kind)
    page.get_by_label("统一社会信用代码").fill(random_credit_code())
    page.get_by_label("单位名称").fill(org_name)
    page.get_by_label("所在地区").select_option(label="朝阳区")
    page.get_by_label(industry, exact=True).check()
    page.get_by_label("您的姓名").fill("张工")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.locator("#consent").check()
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(f"{base}/")
    assert "欢迎" in page.locator(".flashes").inner_text()


def log_out(page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="登录").is_visible()


def test_enterprise_posts_confidential_need_and_visitors_see_only_the_summary(live_server, page):
    base = live_server
    register(
        page,
        base,
        kind="enterprise",
        org_name="长春示范汽车零部件有限公司",
        email="firm@example.cn",
        industry="汽车",
    )

    page.get_by_role("link", name="发布需求").first.click()
    page.get_by_label("标题").fill(NEED["title"])
    page.get_by_label("公开摘要").fill(NEED["summary"])
    page.get_by_label("详细内容", exact=True).fill(NEED["details"])
    page.get_by_label("保密需求").check()
    page.get_by_label("所属产业").select_option("automotive")
    page.get_by_label("委托研发").check()
    page.get_by_label("预算下限（万元）").fill("50")
    page.get_by_label("预算上限（万元）").fill("120")
    page.get_by_role("button", name="保存并发布").click()

    page.wait_for_url(re.compile(r"/needs/\d+$"))
    need_url = page.url
    assert page.locator(".badge-published").first.is_visible()
    assert NEED["details"] in page.locator("#need-details").inner_text()  # the owner reads the details
    assert "50–120 万元" in page.locator(".facts").inner_text()

    log_out(page)
    page.goto(f"{base}/needs")
    card = page.locator(".listing-card", has_text=NEED["title"])
    assert card.is_visible()
    assert NEED["summary"][:20] in card.inner_text()
    assert NEED["details"] not in page.content()

    page.goto(need_url)
    assert NEED["summary"] in page.locator(".detail").inner_text()
    assert NEED["details"] not in page.content()
    assert (
        "保密需求：详细内容仅对发布方、主管部门及经授权单位可见" in page.locator(".lock-notice").inner_text()
    )


def test_university_posts_an_achievement(live_server, page):
    base = live_server
    register(
        page, base, kind="university", org_name="长春示范理工大学", email="lab@example.cn", industry="新材料"
    )

    page.goto(f"{base}/achievements/new")
    page.get_by_label("标题").fill(ACHIEVEMENT["title"])
    page.get_by_label("内容简介").fill(ACHIEVEMENT["summary"])
    page.get_by_label("所属产业").select_option("new_materials")
    page.get_by_label("成果类型").select_option("process")
    page.get_by_label("知识产权状态").select_option("pending")
    page.get_by_label("技术许可").check()
    page.get_by_label("技术就绪度（TRL）").select_option("6")
    page.get_by_label("价格（万元）").fill("80")
    page.get_by_label("专利号").fill("ZL202310000001.2, ZL202310000002.0")
    page.get_by_role("button", name="保存草稿").click()

    page.wait_for_url(re.compile(r"/achievements/\d+$"))
    assert page.locator(".badge-draft").first.is_visible()
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_load_state()
    assert "已发布" in page.locator(".flashes").inner_text()

    log_out(page)
    page.goto(f"{base}/achievements")
    card = page.locator(".listing-card", has_text=ACHIEVEMENT["title"])
    assert card.is_visible()
    assert "80 万元" in card.inner_text()
    card.get_by_role("link", name=ACHIEVEMENT["title"]).click()
    assert "ZL202310000002.0" in page.locator(".detail").inner_text()
    assert page.locator("section#recommendations").count() == 1


@pytest.mark.parametrize("width", [1280, 375])
def test_pages_fit_desktop_and_phone(live_server, browser, width):
    """Home, list and detail pages lay out without sideways scrolling; screenshots go to /tmp for a look."""
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/needs")
        links = page.locator(".listing-card .card-title a")
        pages = [
            ("home", "/"),
            ("needs", "/needs"),
            ("need", links.first.get_attribute("href") if links.count() else None),
        ]
        for name, path in [(name, path) for name, path in pages if path]:
            page.goto(f"{live_server}{path}")
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
    finally:
        context.close()
