"""An auction in a real browser: a university opens it from its achievement's trading page, three verified
enterprises accept the terms and bid, the other bidders' pages follow the price without reloading (polling under the
strict CSP), a bid in the last five minutes moves the end five minutes on (延时), and when the clock passes the end
the winner's page shows its draft contract at the winning price."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from models import Auction, Contract
from tests.e2e.test_deals import logged_in_page
from tests.utils.factories import create_achievement, create_user, verify_org
from tests.utils.serving import served_app, serving

pytestmark = pytest.mark.e2e
TITLE = "高强铝合金薄板激光-电弧复合焊接工艺"


@pytest.fixture
def world(tmp_path, sqlite_template):
    app = served_app(tmp_path / "auction", sqlite_template)
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        seller = create_user(session, "university", name="长春工业技术大学")
        verify_org(session, seller)
        bidders = []
        for name in ("长春恒达汽车零部件有限公司", "吉林北辰动力总成有限公司", "长春弘图汽车电子有限公司"):
            user = create_user(session, "enterprise", name=name)
            verify_org(session, user)
            bidders.append(user.email)
        achievement = create_achievement(session, seller, title=TITLE, cooperation_modes=["transfer"])
    with serving(app) as base:
        yield {
            "app": app,
            "base": base,
            "seller": seller.email,
            "bidders": bidders,
            "achievement": achievement.id,
        }
    app.extensions["db_engine"].dispose()


def _ends(page) -> datetime:
    return datetime.fromisoformat(page.locator("#auction-ends").get_attribute("datetime"))


def test_three_bidders_a_last_minute_extension_and_the_winners_contract(world, browser):
    base = world["base"]
    seller = logged_in_page(browser, base, world["seller"])
    seller.goto(f"{base}/achievements/{world['achievement']}")
    seller.get_by_role("link", name="出让该成果").click()
    beijing = datetime.now(UTC) + timedelta(hours=8)
    seller.locator("#f-start_price").fill("1600000")
    seller.locator("#f-reserve_price").fill("2000000")
    seller.locator("#f-increment").fill("100000")
    seller.locator("#f-starts_at").fill((beijing - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M"))
    seller.locator("#f-ends_at").fill((beijing + timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M"))
    seller.get_by_role("button", name="发起拍卖").click()
    seller.wait_for_url(re.compile(r"/auctions/\d+$"))
    auction_url = seller.url

    pages = [logged_in_page(browser, base, email) for email in world["bidders"]]
    for page in pages:
        page.goto(auction_url)
        page.get_by_label("我代表本单位接受拍卖规则").check()
        page.get_by_role("button", name="报名竞买").click()
        page.wait_for_url(auction_url)

    first, second, third = pages
    before = _ends(first)
    first.locator("#f-amount").fill("1600000")
    first.get_by_role("button", name="出价").click()
    first.wait_for_url(auction_url)
    # A bid in the last five minutes moved the end five minutes on.
    assert _ends(first) - before == timedelta(minutes=5)
    # The others' pages follow without reloading; bidders see each other as 竞买人 N.
    second.locator("#auction-price").filter(has_text="1600000").wait_for()
    assert "竞买人 1" in second.locator("#auction-bids").inner_text()
    assert _ends(second) == before + timedelta(minutes=5)
    second.locator("#f-amount").fill("1800000")
    second.get_by_role("button", name="出价").click()
    second.wait_for_url(auction_url)
    # More than five minutes are left now: this bid leaves the end where it is.
    assert _ends(second) == before + timedelta(minutes=5)
    third.locator("#f-amount").fill("1700000")
    third.get_by_role("button", name="出价").click()
    assert "不得低于 1900000 元" in third.content()
    third.locator("#f-amount").fill("2400000")
    third.get_by_role("button", name="出价").click()
    third.wait_for_url(auction_url)
    first.locator("#auction-price").filter(has_text="2400000").wait_for()
    seller.goto(auction_url)
    assert (
        "长春弘图汽车电子有限公司" in seller.locator("#auction-bids").inner_text()
    )  # the seller sees who bid

    # The clock passes the end: the winner's page closes the lot and shows its draft contract.
    with Session(world["app"].extensions["db_engine"]) as session:
        auction = session.exec(select(Auction)).one()
        session.execute(
            update(Auction)
            .where(Auction.id == auction.id)
            .values(ends_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
    third.locator("#auction-contract").wait_for(timeout=20_000)
    third.locator("#auction-contract").click()
    third.wait_for_url(re.compile(r"/contracts/\d+$"))
    assert TITLE in third.content()
    with Session(world["app"].extensions["db_engine"]) as session:
        contract = session.exec(select(Contract)).one()
        assert contract.amount == 2_400_000 and contract.status == "draft" and contract.kind == "transfer"
    for page in (seller, *pages):
        page.context.close()
