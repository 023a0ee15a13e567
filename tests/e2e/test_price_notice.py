"""A university's sale by agreement in a real browser (成果转化公示): the university publishes the achievement's
name and intended price, the public sees the notice on /notices and objects, the bureau answers; an enterprise
reaches out and a licence is drafted at the noticed price, but it cannot be signed while the notice runs; once the
objection period has passed, both sign."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from models import Contract, PriceNotice
from tests.e2e.test_deals import logged_in_page
from tests.utils.factories import PASSWORD, create_achievement, create_role_user, create_user, verify_org
from tests.utils.serving import served_app, serving

pytestmark = pytest.mark.e2e
TITLE = "车用高强钢热冲压模具随形冷却技术"


@pytest.fixture
def world(tmp_path, sqlite_template):
    app = served_app(tmp_path / "notice", sqlite_template)
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        seller = create_user(session, "university", name="长春工业技术大学")
        verify_org(session, seller)
        buyer = create_user(session, "enterprise", name="长春恒达汽车零部件有限公司")
        verify_org(session, buyer)
        bureau = create_role_user(session, "bureau")
        achievement = create_achievement(session, seller, title=TITLE, cooperation_modes=["license"])
    with serving(app) as base:
        yield {
            "app": app,
            "base": base,
            "seller": seller.email,
            "buyer": buyer.email,
            "bureau": bureau.email,
            "achievement": achievement.id,
        }
    app.extensions["db_engine"].dispose()


def _sign(page, contract_url: str) -> None:
    page.goto(contract_url)
    page.get_by_role("link", name="签署", exact=True).click()
    page.get_by_label("您的密码").fill(PASSWORD)
    page.get_by_role("button", name="签署此文本").click()


def test_a_university_sells_by_agreement_after_its_price_notice(world, browser):
    base, achievement_url = world["base"], f"{world['base']}/achievements/{world['achievement']}"
    seller = logged_in_page(browser, base, world["seller"])
    seller.goto(achievement_url)
    seller.get_by_role("link", name="出让该成果").click()
    seller.get_by_label("拟交易价格（元）").fill("800000")
    seller.get_by_role("button", name="发布价格公示").click()
    facts = seller.locator("dl.facts").first.inner_text()
    assert "80 万元" in facts and "公示中" in facts

    # The public sees the notice and objects; only the bureau reads the objection, and answers it.
    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{base}/notices")
    notice = visitor.locator("article.notice", has_text=TITLE)
    assert "80 万元" in notice.inner_text() and "长春工业技术大学" in notice.inner_text()
    notice.locator("summary", has_text="提出异议").click()
    notice.get_by_label("您的姓名").fill("王工")
    notice.get_by_label("电话或邮箱").fill("wang@example.com")
    notice.get_by_label("异议内容及理由").fill("该技术的一项从属专利已许可他方，请核实权属。")
    notice.get_by_role("button", name="提交异议").click()
    visitor.context.close()
    bureau = logged_in_page(browser, base, world["bureau"])
    bureau.goto(f"{base}/notices")
    notice = bureau.locator("article.notice", has_text=TITLE)
    assert "从属专利已许可他方" in notice.inner_text()
    notice.get_by_label("答复").fill("经核实，从属专利许可为非独占许可，不影响本次交易。")
    notice.get_by_role("button", name="答复").click()
    bureau.context.close()

    # An enterprise reaches out; the university accepts and drafts a licence at the noticed price.
    buyer = logged_in_page(browser, base, world["buyer"])
    buyer.goto(achievement_url)
    buyer.get_by_role("link", name="联系合作").first.click()
    buyer.wait_for_url(re.compile(r"/interests/new\?"))
    buyer.get_by_label("留言").fill("希望以普通许可方式实施该技术。")
    buyer.get_by_role("button", name="发送").click()
    buyer.wait_for_url(re.compile(r"/interests/\d+$"))
    interest_url = buyer.url
    seller.goto(interest_url)
    seller.get_by_role("button", name="接受", exact=True).click()
    seller.goto(interest_url)
    seller.get_by_label("合同类型").select_option("license")
    seller.get_by_label("合同名称").fill(f"{TITLE}许可合同")
    seller.get_by_label("技术领域").select_option("automotive")
    seller.get_by_label("合同金额（万元）").fill("80")
    seller.get_by_label("技术交易额（万元）").fill("80")
    seller.locator("#milestones-0-title").fill("技术资料交付")
    seller.locator("#milestones-0-due_on").fill("2027-03-01")
    seller.locator("#milestones-0-amount").fill("80")
    seller.get_by_role("button", name="创建合同草稿").click()
    seller.wait_for_url(re.compile(r"/contracts/\d+$"))
    contract_url = seller.url

    # While the notice runs, signing is refused with the reason.
    _sign(buyer, contract_url)
    assert "公示期满后方可签署合同" in buyer.content()
    buyer.goto(contract_url)
    assert buyer.locator("#contract-status").inner_text() != "已签订"

    # The objection period passes with the objection answered: both sign.
    with Session(world["app"].extensions["db_engine"]) as session:
        session.execute(update(PriceNotice).values(ends_at=datetime.now(UTC) - timedelta(minutes=1)))
        session.commit()
    for page in (buyer, seller):
        _sign(page, contract_url)
        page.wait_for_url(contract_url)
    assert seller.locator("#contract-status").inner_text() == "已签订"
    with Session(world["app"].extensions["db_engine"]) as session:
        contract = session.exec(select(Contract)).one()
        assert contract.amount == 800_000 and contract.kind == "license" and contract.status == "signed"
    for page in (seller, buyer):
        page.context.close()
