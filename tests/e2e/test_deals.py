"""From a recommendation to a signed contract, in a real browser: an SME and an innovation center side by side.

The center finds the SME's confidential need among its achievement's recommendations and expresses interest; the
SME accepts; the center accepts the NDA and reads the details; they talk, with an attachment; the center drafts a
commissioned-development contract with a deliverable and a payment milestone; both sign; the deliverable is
delivered and accepted, the payment paid and its receipt confirmed; both confirm completion and the SME closes its
need as solved here. Each side sees the other's steps as notifications.
"""

import io
import re
from pathlib import Path

import pytest
from sqlmodel import Session
from werkzeug.datastructures import FileStorage

from app.deals.services import conversation, interests
from app.market.services import indexes
from tests.utils.deal_world import sign_contract
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, in_app, verify_org
from tests.utils.serving import served_app, serving
from tests.utils.ui_deals import accept, create_center, create_contract, express

pytestmark = pytest.mark.e2e

SECRET = "保密参数：现有焊接速度4m/min，气孔率3%，目标低于0.5%，详见工艺卡。"
SHOTS = Path("/tmp/mic-screenshots")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build_world(app) -> dict:
    """An SME with a confidential need and a university running a center with a fitting achievement, all indexed
    so that the achievement's page recommends the need; returns their ids and emails."""
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        sme = create_user(
            session,
            "enterprise",
            name="长春恒达汽车零部件有限公司",
            contact_name="李经理",
            contact_phone="0431-85550123",
        )
        lab = create_user(
            session,
            "university",
            name="长春工业技术大学",
            contact_name="王教授",
            contact_phone="0431-85559999",
            industries=["automotive"],
        )
        for user in (sme, lab):
            verify_org(session, user)  # only verified organizations may sign contracts
        center = create_center(session, lab, name="长春市汽车轻量化制造业创新中心")
        need = create_need(
            session,
            sme,
            title="铝合金车身激光焊接气孔控制",
            confidential=True,
            details=SECRET,
            description="铝合金车身激光焊接焊缝气孔率偏高，寻求焊接工艺优化与委托研发。",
        )
        achievement = create_achievement(
            session,
            lab,
            title="铝合金摆动激光焊接气孔抑制工艺",
            center_id=center.id,
            description="摆动激光焊接配合焊前清洗，铝合金车身焊缝气孔率降至0.3%以下。",
            cooperation_modes=["license", "commission"],
        )
        with in_app(session):
            indexes.rebuild(app)
    return {
        "ids": {"need": need.id, "achievement": achievement.id, "center": center.id, "sme_org": sme.org_id},
        "emails": {"sme": sme.email, "lab": lab.email},
        "users": {"sme": sme, "lab": lab},
    }


@pytest.fixture
def world(tmp_path, sqlite_template):
    """A served app of this test alone holding `build_world`'s marketplace, before anyone has made contact."""
    app = served_app(tmp_path / "deals", sqlite_template)
    world = build_world(app)
    with serving(app) as base:
        yield {**world, "base": base}
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def signed_deal(tmp_path_factory, sqlite_template):
    """`build_world`'s marketplace after the deal: the center's interest accepted and its NDA too, a message with
    an attachment, and a two-milestone contract signed by both. Made through the services; the tests that use it
    only look at pages, so they share it."""
    app = served_app(tmp_path_factory.mktemp("signed-deal"), sqlite_template)
    world = build_world(app)
    sme, lab = world["users"]["sme"], world["users"]["lab"]
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        interest = express(
            session,
            lab,
            "need",
            world["ids"]["need"],
            message="我中心摆动激光焊接工艺可将气孔率降至0.3%以下，希望承接委托研发。",
            via_type="achievement",
            via_id=world["ids"]["achievement"],
        )
        accept(session, sme, interest.id)
        with in_app(session):
            interests.accept_nda(
                session=session,
                user=lab,
                interest_id=interest.id,
                agreed=True,
                version=interests.PLATFORM_NDA_VERSION,
            )
            conversation.post_message(
                session=session,
                user=lab,
                interest_id=interest.id,
                body="附上工艺方案，请查阅。",
                upload=FileStorage(io.BytesIO(PDF), filename="工艺方案.pdf"),
            )
        contract = create_contract(session, lab, interest.id)
        with in_app(session):
            for signer in (lab, sme):
                sign_contract(session, signer, contract.id)
    with serving(app) as base:
        yield {
            **world,
            "base": base,
            "interest": f"{base}/interests/{interest.id}",
            "contract": f"{base}/contracts/{contract.id}",
        }
    app.extensions["db_engine"].dispose()


def logged_in_page(browser, base: str, email: str, width: int = 1280):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/auth/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    return page


def unread(page) -> int:
    bell = page.locator(".bell-menu .bell-count")
    return int(bell.get_attribute("data-unread")) if bell.count() else 0


def flash(page) -> str:
    return page.locator(".flashes").inner_text()


def test_recommendation_to_signed_contract_with_a_paid_milestone(world, browser):
    base, ids = world["base"], world["ids"]
    center = logged_in_page(browser, base, world["emails"]["lab"])
    sme = logged_in_page(browser, base, world["emails"]["sme"])

    # The center sees the SME's need recommended for its achievement and expresses interest from there.
    center.goto(f"{base}/achievements/{ids['achievement']}")
    rec = center.locator(".rec-item", has_text="铝合金车身激光焊接气孔控制")
    rec.get_by_role("link", name="联系合作").click()
    center.wait_for_url(re.compile(r"/interests/new\?"))
    assert center.get_by_label("关联本单位发布").input_value() == f"achievement:{ids['achievement']}"
    center.get_by_label("留言").fill("我中心摆动激光焊接工艺可将气孔率降至0.3%以下，希望承接委托研发。")
    center.get_by_role("button", name="发送").click()
    center.wait_for_url(re.compile(r"/interests/\d+$"))
    interest_url = center.url
    assert "合作意向已发送" in flash(center)

    # The SME is told, opens the interest from its notifications and accepts.
    sme.reload()
    assert unread(sme) == 1
    sme.locator(".bell-menu").click()
    sme.get_by_role("link", name=re.compile("铝合金车身激光焊接气孔控制")).first.click()
    assert sme.url == interest_url
    sme.get_by_role("button", name="接受", exact=True).click()
    assert "已接受" in flash(sme)
    assert "0431-85559999" in sme.locator(".contact-card").inner_text()

    # The center accepts the NDA by click-through; only then does it read the confidential details.
    center.goto(f"{base}/needs/{ids['need']}")
    assert SECRET not in center.content()
    center.goto(interest_url)
    assert "0431-85550123" in center.locator(".contact-card").inner_text()
    assert "接收方仅为评估" in center.locator(".nda-text").inner_text()
    center.get_by_label("我已阅读本保密协议，并代表本单位接受").check()
    center.get_by_role("button", name="接受保密协议并查看详情").click()
    assert "已接受保密协议" in flash(center)
    center.goto(f"{base}/needs/{ids['need']}")
    assert SECRET in center.locator("#need-details").inner_text()

    # They talk, with an attachment.
    center.goto(interest_url)
    center.locator("#body").fill("附上工艺方案，请查阅。")
    center.locator("#file").set_input_files(
        {"name": "工艺方案.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    center.get_by_role("button", name="发送消息").click()
    assert center.url.endswith("#conversation")
    sme.goto(interest_url)
    assert "附上工艺方案，请查阅。" in sme.locator("#conversation").inner_text()
    assert sme.get_by_role("link", name=re.compile("工艺方案.pdf")).is_visible()

    # The center drafts a commissioned-development contract with two milestones and signs it.
    center.goto(interest_url)
    center.get_by_label("合同类型").select_option("commissioned_development")
    center.get_by_label("合同名称").fill("铝合金车身激光焊接工艺委托开发合同")
    center.get_by_label("技术领域").select_option("automotive")
    center.get_by_label("合同金额（万元）").fill("120")
    center.get_by_label("技术交易额（万元）").fill("100")
    for row, (title, due, amount) in enumerate(
        [("工艺方案与试焊", "2027-02-01", "40"), ("首付款", "2027-06-30", "80")]
    ):
        center.locator(f"#milestones-{row}-title").fill(title)
        if row == 1:
            center.locator(f"#milestones-{row}-kind").select_option("payment")
        center.locator(f"#milestones-{row}-due_on").fill(due)
        center.locator(f"#milestones-{row}-amount").fill(amount)
    center.get_by_role("button", name="创建合同草稿").click()
    center.wait_for_url(re.compile(r"/contracts/\d+$"))
    contract_url = center.url
    facts = center.locator(".facts").first.inner_text()
    assert "120 万元" in facts and "100 万元" in facts
    # Signing shows the exact text and its hash, then asks for the password again.
    center.get_by_role("link", name="签署", exact=True).click()
    assert "一、项目名称" in center.locator("#sign-text").inner_text()
    assert len(center.locator("#sign-sha256").inner_text()) == 64
    center.get_by_label("您的密码").fill(PASSWORD)
    center.get_by_role("button", name="签署此文本").click()
    center.wait_for_url(contract_url)
    assert center.locator(".signature.signed").count() == 1

    # The SME signs from its notifications: the contract is signed.
    sme.goto(f"{base}/notifications")
    sme.get_by_role("link", name=re.compile("铝合金车身激光焊接工艺委托开发合同")).first.click()
    assert sme.url == contract_url
    sme.get_by_role("link", name="签署", exact=True).click()
    sme.get_by_label("您的密码").fill(PASSWORD)
    sme.get_by_role("button", name="签署此文本").click()
    sme.wait_for_url(contract_url)
    assert sme.locator("#contract-status").inner_text() == "已签订"

    # The deliverable: delivered by the center, accepted by the SME; then the payment: paid by the SME, its receipt
    # confirmed by the center.
    center.goto(contract_url)
    first = center.locator(".milestone", has_text="工艺方案与试焊")
    first.get_by_role("button", name="确认交付").click()
    sme.goto(contract_url)
    sme.locator(".milestone", has_text="工艺方案与试焊").get_by_role("button", name="验收通过").click()
    assert "已验收" in sme.locator(".milestone", has_text="工艺方案与试焊").inner_text()
    sme.locator(".milestone", has_text="首付款").get_by_role("button", name="确认付款").click()
    assert "已付款" in sme.locator(".milestone", has_text="首付款").inner_text()
    center.goto(contract_url)
    center.locator(".milestone", has_text="首付款").get_by_role("button", name="确认收款").click()
    assert "已确认收款" in center.locator(".milestone", has_text="首付款").inner_text()
    audit = center.locator(".audit-table tbody tr")
    assert audit.count() == 7  # created, two signatures, delivered, accepted, paid, received

    # Both confirm completion; the SME, whose need it was, closes the need as solved here.
    center.get_by_role("button", name="开始履行").click()
    center.get_by_role("button", name="确认完成").click()
    assert "等待对方确认" in center.locator("#next-step").inner_text()
    sme.goto(contract_url)
    sme.get_by_role("button", name="确认完成").click()
    assert sme.locator("#contract-status").inner_text() == "已完成"
    sme.get_by_role("button", name="关闭需求（已通过本平台解决）").click()
    assert sme.get_by_role("button", name="关闭需求（已通过本平台解决）").count() == 0

    # Both sides have seen the other's steps as notifications.
    sme.goto(f"{base}/notifications")
    sme_notices = sme.locator(".notice-list").inner_text()
    assert "铝合金车身激光焊接气孔控制" in sme_notices and "铝合金车身激光焊接工艺委托开发合同" in sme_notices
    center.goto(f"{base}/notifications")
    center_notices = center.locator(".notice-list").inner_text()
    assert center_notices.count("铝合金车身激光焊接工艺委托开发合同") >= 2  # signed, then the milestone steps
    center.get_by_role("button", name="全部标为已读").click()
    assert unread(center) == 0
    center.context.close()
    sme.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_deal_pages_fit_desktop_and_phone(signed_deal, browser, width):
    """The deal and profile pages lay out without sideways scrolling; screenshots go to /tmp for a look."""
    SHOTS.mkdir(exist_ok=True)
    world = signed_deal
    base, ids = world["base"], world["ids"]
    page = logged_in_page(browser, base, world["emails"]["sme"], width=width)
    pages = [
        ("interest", world["interest"]),
        ("contract", world["contract"]),
        ("inbox", f"{base}/interests"),
        ("contracts", f"{base}/contracts"),
        ("notifications", f"{base}/notifications"),
        ("centers", f"{base}/centers"),
        ("center", f"{base}/centers/{ids['center']}"),
        ("organization", f"{base}/organizations/{ids['sme_org']}"),
        ("interest-form", f"{base}/interests/new?target_type=center&target_id={ids['center']}"),
    ]
    try:
        for name, url in pages:
            page.goto(url)
            page.screenshot(path=str(SHOTS / f"deals-{name}-{width}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {width}px"
    finally:
        page.context.close()
