"""Financing in a real browser: a small firm posts a financing request and sees a finance product it is eligible
for recommended (an ineligible one is not); the venture fund expresses interest, the firm accepts, the fund records
the financing from the conversation, the firm confirms it, and the bureau's dashboard shows the figure by type."""

import re
from datetime import date

import pytest
from sqlmodel import Session

from app.market.services import listings
from models import Organization, SizeClass
from tests.e2e.test_deals import logged_in_page
from tests.financing.helpers import product_data
from tests.utils.factories import create_role_user, create_user, in_app, verify_org
from tests.utils.serving import served_app, serving

pytestmark = pytest.mark.e2e
REQUEST = "轻量化车身结构件企业种子轮融资"
PRODUCT = "科创种子基金股权投资"
INELIGIBLE = "成熟期并购基金"


@pytest.fixture
def world(tmp_path, sqlite_template):
    app = served_app(tmp_path / "financing", sqlite_template)
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        sme = create_user(session, "enterprise", name="长春轻量化车身科技有限公司")
        verify_org(session, sme)
        org = session.get(Organization, sme.org_id)
        org.size_class = SizeClass.small
        session.add(org)
        session.commit()
        fund = create_user(session, "finance", name="长春北创创业投资管理有限公司")
        verify_org(session, fund)
        bureau = create_role_user(session, "bureau")
        with in_app(session):
            for data in (product_data(title=PRODUCT), product_data(title=INELIGIBLE, trl_min=8)):
                data.pop("status")
                listings.create_listing(
                    session=session, kind="finance_product", data=data, user=fund, publish=True
                )
    with serving(app) as base:
        yield {"base": base, "sme": sme.email, "fund": fund.email, "bureau": bureau.email}
    app.extensions["db_engine"].dispose()


def test_a_request_matched_recorded_confirmed_and_counted(world, browser):
    base = world["base"]
    sme = logged_in_page(browser, base, world["sme"])
    sme.goto(f"{base}/financing-requests")
    sme.get_by_role("link", name="发布融资需求").click()
    sme.get_by_label("标题").fill(REQUEST)
    sme.get_by_label("公开摘要").fill("铝合金车身结构件激光焊接工艺已完成中试，寻求种子轮股权投资。")
    sme.get_by_label("所属产业").select_option("automotive")
    sme.get_by_label("融资类型").select_option("equity")
    sme.get_by_label("融资金额（万元）").fill("300")
    sme.get_by_label("技术就绪度（TRL）").select_option("6")
    sme.get_by_label("资金用途").fill("中试线改造 60%，研发团队 40%。")
    sme.get_by_label("经营情况：营收、客户、合同").fill("2025 年营收 500 万元，签约主机厂 2 家。")
    sme.locator("[name=publish]").click()
    sme.wait_for_url(re.compile(r"/financing-requests/\d+$"))
    request_url = sme.url

    # The eligible product is recommended with its structured fit; the one needing TRL 8 is not.
    panel = sme.locator("#recommendations")
    item = panel.locator(".rec-item", has_text=PRODUCT)
    item.wait_for()
    assert "技术成熟度 TRL 6 达到其最低要求 5" in item.inner_text()
    assert INELIGIBLE not in panel.inner_text()

    # The fund reads the figures (a finance organization) and expresses interest.
    fund = logged_in_page(browser, base, world["fund"])
    fund.goto(request_url)
    assert "签约主机厂 2 家" in fund.locator("#figures").inner_text()
    fund.get_by_role("link", name="联系合作").first.click()
    fund.wait_for_url(re.compile(r"/interests/new\?"))
    fund.get_by_label("留言").fill("我们的种子基金希望参与本轮融资，请安排路演。")
    fund.get_by_role("button", name="发送").click()
    fund.wait_for_url(re.compile(r"/interests/\d+$"))
    interest_url = fund.url

    sme.goto(interest_url)
    sme.get_by_role("button", name="接受", exact=True).click()
    sme.wait_for_url(interest_url)

    # The fund records the financing from the conversation.
    fund.goto(interest_url)
    fund.locator("#financing").get_by_role("link", name="登记融资").click()
    fund.wait_for_url(re.compile(r"/financing-records\?interest_id=\d+"))
    fund.get_by_label("融资类型").select_option("equity")
    fund.get_by_label("金额（万元）").fill("300")
    fund.get_by_label("融资日期").fill(date.today().isoformat())
    fund.get_by_role("button", name="登记融资").click()
    fund.wait_for_url(f"{base}/financing-records")
    row = fund.locator("tr[data-record]")
    assert "待确认" in row.inner_text() and "长春轻量化车身科技有限公司" in row.inner_text()

    # The firm confirms it.
    sme.goto(f"{base}/financing-records")
    sme.get_by_role("button", name="确认", exact=True).click()
    sme.wait_for_url(f"{base}/financing-records")
    assert "已确认" in sme.locator("tr[data-record]").inner_text()

    # The bureau's dashboard counts it, by type.
    bureau = logged_in_page(browser, base, world["bureau"])
    bureau.goto(f"{base}/bureau/dashboard?year={date.today().year}")
    figure = bureau.locator("tr[data-indicator=financing]")
    assert figure.locator("[data-measure=count]").inner_text() == "1"
    assert "300" in figure.locator("[data-measure=amount]").inner_text()
    equity = bureau.locator("tr[data-finance-type=equity]")
    assert equity.locator("[data-measure=count]").inner_text() == "1"
    assert "300" in equity.locator("[data-measure=amount]").inner_text()
