"""An open challenge (揭榜挂帅) in a real browser: an enterprise posts one from its need, a center and a university
each submit a proposal, the enterprise asks one of the bureau's experts to score them, the expert scores, the
enterprise sees the experts' mean beside its own score, selects one, and opens the draft commissioned-development
contract at the proposal's price."""

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from tests.e2e.test_deals import logged_in_page
from tests.utils.factories import create_need, create_role_user, create_user
from tests.utils.serving import served_app, serving

pytestmark = pytest.mark.e2e
NEED = "铝合金车身焊接气孔控制"
CENTER_TEAM = "长春市激光制造创新中心有限公司"
UNIVERSITY = "长春理工学院"


@pytest.fixture
def world(tmp_path, sqlite_template):
    app = served_app(tmp_path / "challenge", sqlite_template)
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        poster = create_user(session, "enterprise", name="长春恒达汽车零部件有限公司")
        need = create_need(session, poster, title=NEED)
        teams = [
            create_user(session, "center", name=CENTER_TEAM),
            create_user(session, "university", name=UNIVERSITY),
        ]
        expert = create_role_user(session, "expert")
    with serving(app) as base:
        yield {
            "base": base,
            "poster": poster.email,
            "need": need.id,
            "teams": [t.email for t in teams],
            "expert": expert.email,
            "expert_name": expert.name,
        }
    app.extensions["db_engine"].dispose()


def test_two_proposals_an_expert_score_and_a_selection_into_a_contract(world, browser):
    base = world["base"]
    poster = logged_in_page(browser, base, world["poster"])
    poster.goto(f"{base}/challenges/new?need_id={world['need']}")
    poster.get_by_label("攻关目标").fill("焊缝气孔率降到0.5%以下，满足车身结构件要求。")
    poster.get_by_label("验收标准").fill("第三方检测机构出具的检测报告合格。")
    poster.get_by_label("榜单金额或预算（元）").fill("1000000")
    poster.get_by_label("揭榜截止日期").fill((date.today() + timedelta(days=30)).isoformat())
    poster.get_by_role("button", name="发布榜单").click()
    poster.wait_for_url(re.compile(r"/challenges/\d+$"))
    challenge_url = poster.url

    for email, price in zip(world["teams"], ("900000", "850000"), strict=True):
        team = logged_in_page(browser, base, email)
        team.goto(challenge_url)
        team.get_by_label("技术方案").fill("采用激光-电弧复合焊接与保护气优化，三个月内交付样件并通过检测。")
        team.get_by_label("报价（元）").fill(price)
        team.locator("#f-months").fill("6")
        with team.expect_navigation():
            team.get_by_role("button", name="提交方案").click()
        team.context.close()

    poster.goto(challenge_url)
    assert poster.locator("article", has_text=CENTER_TEAM).count() == 1
    assert poster.locator("article", has_text=UNIVERSITY).count() == 1
    poster.get_by_label(re.compile(world["expert_name"])).check()
    with poster.expect_navigation():
        poster.get_by_role("button", name="邀请这些专家").click()

    expert = logged_in_page(browser, base, world["expert"])
    expert.goto(f"{base}/expert")
    expert.get_by_role("link", name=re.compile(UNIVERSITY)).click()
    expert.get_by_label("不存在利益冲突").check()
    expert.get_by_role("button", name="提交声明").click()
    for field, score in (
        ("technical_approach", "90"),
        ("feasibility", "80"),
        ("team", "70"),
        ("price", "60"),
    ):
        expert.locator(f"#f-score_{field}").fill(score)
    expert.locator("#f-opinion").fill("技术路线可行，报价合理，建议入选。")
    expert.get_by_role("button", name="提交评分").click()
    assert expert.get_by_test_id("weighted-score").inner_text() == "79.50"

    poster.goto(challenge_url)
    chosen = poster.locator("article", has_text=UNIVERSITY)
    assert "79.50" in chosen.inner_text()
    chosen.get_by_label("评分（0–100）").fill("88")
    with poster.expect_navigation():
        chosen.get_by_role("button", name="保存评分").click()
    chosen = poster.locator("article", has_text=UNIVERSITY)
    assert "88" in chosen.inner_text()
    chosen.get_by_role("button", name="选定该方案").click()
    # the selection opens the draft commissioned-development contract at the proposal's price
    poster.wait_for_url(re.compile(r"/contracts/\d+$"))
    contract_url = poster.url
    body = poster.locator("main").inner_text()
    assert NEED in body and UNIVERSITY in body and "85" in body  # 850000 元 = 85 万元
    poster.goto(challenge_url)
    assert "已入选" in poster.locator("article", has_text=UNIVERSITY).inner_text()
    poster.get_by_role("link", name="查看合同草稿").click()
    poster.wait_for_url(contract_url)
