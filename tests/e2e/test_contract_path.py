"""The deal the law and the registration office recognize, in a real browser, at desktop and phone width.

The SME reaches out first, from the provider's achievement, about its confidential need; it grants the provider
access in the same conversation; the provider accepts the NDA and reads the details there. They draft a
commissioned-development contract from the model text, the provider edits a clause (the SME sees what changed),
both sign with their passwords, a deliverable and a payment run, both confirm completion and the need closes as
solved here. The contract PDF carries the hash both signed; the registration form is filled, submitted and recorded
with a number; the 登记表 downloads as PDF and XLSX; the bureau's batch export lists the contract.
"""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from tests.e2e.test_deals import SECRET, build_world, logged_in_page
from tests.utils.factories import PASSWORD, create_role_user
from tests.utils.pdfs import pdf_text
from tests.utils.serving import served_app, serving

pytestmark = pytest.mark.e2e

TITLE = "铝合金车身激光焊接工艺委托开发合同"
NUMBER = "2026220100000123"
OFFICE = "长春市技术市场管理办公室"
EDITED = "验收以焊缝气孔率低于0.5%为准，由双方共同抽检三批次样件。"


@pytest.fixture
def world(tmp_path, sqlite_template):
    app = served_app(tmp_path / "path", sqlite_template)
    world = build_world(app)
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        world["emails"]["bureau"] = create_role_user(session, "bureau").email
    with serving(app) as base:
        yield {**world, "base": base}
    app.extensions["db_engine"].dispose()


def download(page, url: str) -> bytes:
    """A file as the signed-in user gets it (the page's cookies)."""
    response = page.request.get(url)
    assert response.status == 200, f"{url}: {response.status}"
    return response.body()


def fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("width", [1280, 390])
def test_sme_first_grant_contract_signed_completed_and_registered(world, browser, width):
    base, ids = world["base"], world["ids"]
    sme = logged_in_page(browser, base, world["emails"]["sme"], width=width)
    lab = logged_in_page(browser, base, world["emails"]["lab"], width=width)

    # The SME reaches out first, from the provider's achievement, naming its confidential need.
    sme.goto(f"{base}/achievements/{ids['achievement']}")
    sme.get_by_role("link", name="联系合作").first.click()
    sme.wait_for_url(re.compile(r"/interests/new\?"))
    sme.get_by_label("关联本单位发布").select_option(f"need:{ids['need']}")
    sme.get_by_label("留言").fill("我司铝合金车身焊缝气孔率偏高，希望委托贵校开发焊接工艺。")
    sme.get_by_role("button", name="发送").click()
    sme.wait_for_url(re.compile(r"/interests/\d+$"))
    interest_url = sme.url

    lab.goto(interest_url)
    lab.get_by_role("button", name="接受", exact=True).click()
    assert SECRET not in lab.content()

    # In the same conversation the SME grants access; the provider accepts the NDA and reads the details there.
    sme.goto(interest_url)
    sme.locator("#grant").get_by_role("button", name="授权查看").click()
    assert sme.locator("#grant").get_by_role("button", name="撤销授权").is_visible()
    lab.goto(interest_url)
    lab.get_by_label("我已阅读本保密协议，并代表本单位接受").check()
    lab.get_by_role("button", name="接受保密协议并查看详情").click()
    assert SECRET in lab.locator("#need-details").inner_text()
    fits(lab)

    # The provider drafts a commissioned-development contract: a deliverable, then a payment.
    lab.goto(interest_url)
    lab.get_by_label("合同类型").select_option("commissioned_development")
    lab.get_by_label("合同名称").fill(TITLE)
    lab.get_by_label("技术领域").select_option("automotive")
    lab.get_by_label("合同金额（万元）").fill("120.5")
    lab.get_by_label("技术交易额（万元）").fill("100")
    for row, (title, due, amount) in enumerate(
        [("工艺方案与试焊", "2027-02-01", "40.5"), ("首付款", "2027-06-30", "80")]
    ):
        lab.locator(f"#milestones-{row}-title").fill(title)
        if row == 1:
            lab.locator(f"#milestones-{row}-kind").select_option("payment")
        lab.locator(f"#milestones-{row}-due_on").fill(due)
        lab.locator(f"#milestones-{row}-amount").fill(amount)
    lab.get_by_role("button", name="创建合同草稿").click()
    lab.wait_for_url(re.compile(r"/contracts/\d+$"))
    contract_url = lab.url
    assert "120.5 万元" in lab.locator(".facts").first.inner_text()
    parties = lab.locator("#parties-title").locator("xpath=..").inner_text()
    assert "委托方" in parties and "受托方" in parties

    # It edits the acceptance clause; the SME sees what changed.
    lab.get_by_role("link", name="修改文本").click()
    lab.locator("#clause-acceptance").fill(EDITED)
    lab.get_by_role("button", name="保存为新版本").click()
    lab.wait_for_url(f"{contract_url}#contract-text")
    sme.goto(contract_url)
    change = sme.locator("#text-change")
    assert "验收标准和方法" in change.inner_text() and "焊缝气孔率低于0.5%" in "".join(
        change.locator("ins").all_inner_texts()
    )
    assert change.locator("del").count() > 0  # what the edit removed is shown struck through
    sha = sme.locator("#text-sha256").inner_text()
    assert len(sha) == 64

    # Both sign the exact text, with their passwords again.
    for page in (sme, lab):
        page.goto(contract_url)
        page.get_by_role("link", name="签署", exact=True).click()
        assert page.locator("#sign-sha256").inner_text() == sha
        assert EDITED in page.locator("#sign-text").inner_text()
        page.get_by_label("您的密码").fill(PASSWORD)
        page.get_by_role("button", name="签署此文本").click()
        page.wait_for_url(contract_url)
    assert lab.locator("#contract-status").inner_text() == "已签订"
    fits(lab)

    # The deliverable is delivered and accepted, the payment paid and its receipt confirmed; both confirm completion.
    lab.locator(".milestone", has_text="工艺方案与试焊").get_by_role("button", name="确认交付").click()
    sme.goto(contract_url)
    sme.locator(".milestone", has_text="工艺方案与试焊").get_by_role("button", name="验收通过").click()
    sme.locator(".milestone", has_text="首付款").get_by_role("button", name="确认付款").click()
    lab.goto(contract_url)
    lab.locator(".milestone", has_text="首付款").get_by_role("button", name="确认收款").click()
    lab.get_by_role("button", name="开始履行").click()
    lab.get_by_role("button", name="确认完成").click()
    sme.goto(contract_url)
    sme.get_by_role("button", name="确认完成").click()
    assert sme.locator("#contract-status").inner_text() == "已完成"
    sme.get_by_role("button", name="关闭需求（已通过本平台解决）").click()
    sme.goto(f"{base}/needs/{ids['need']}")
    assert "已通过本平台合同解决" in sme.content()

    # The contract PDF carries the text both signed, both signatures and the hash.
    document = pdf_text(download(sme, f"{contract_url}/document.pdf"))
    assert sha in document and re.sub(r"\s+", "", EDITED) in document

    # The registration form, prefilled from the contract, is completed and submitted, then the number recorded.
    sme.goto(f"{contract_url}#registration")
    form = sme.locator(".registration-form")
    for select in form.locator("select").all():
        if not select.input_value() and select.get_attribute("name") != "objective":
            select.select_option(index=1)
    for name, value in (("term_start", date.today().isoformat()), ("term_end", "2027-12-31")):
        if not sme.locator(f"#reg-{name}").input_value():
            sme.locator(f"#reg-{name}").fill(value)
    form.get_by_role("button", name="提交认定登记").click()
    assert sme.locator("#registration-status").inner_text() == "已提交"
    sme.locator(".registration-decision summary").click()
    sme.locator("#reg-number").fill(NUMBER)
    sme.locator("#reg-office").fill(OFFICE)
    sme.get_by_role("button", name="记录决定").click()
    assert sme.locator("#registration-status").inner_text() == "已登记"
    assert NUMBER in sme.locator("#registration").inner_text()
    fits(sme)
    registration_pdf = pdf_text(download(sme, f"{contract_url}/registration.pdf"))
    assert NUMBER in registration_pdf
    sheet = load_workbook(io.BytesIO(download(sme, f"{contract_url}/registration.xlsx"))).active
    assert NUMBER in [cell for row in sheet.iter_rows(values_only=True) for cell in row]

    # The bureau's batch export of the period lists it.
    bureau = logged_in_page(browser, base, world["emails"]["bureau"], width=width)
    bureau.goto(f"{base}/contracts/registrations")
    today = date.today().isoformat()
    bureau.locator("#period-from").fill(today)
    bureau.locator("#period-to").fill(today)
    with bureau.expect_download() as got:
        bureau.get_by_role("button", name="下载 XLSX").click()
    assert got.value.suggested_filename.endswith(".xlsx")
    batch = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    cells = [cell for row in batch.iter_rows(values_only=True) for cell in row]
    assert TITLE in cells and NUMBER in cells
    for page in (sme, lab, bureau):
        page.context.close()
