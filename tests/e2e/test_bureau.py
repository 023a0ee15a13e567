"""A center's creation in a real browser: the bureau publishes a call, a university applies, two experts score
while a conflicted one is refused, the bureau inspects, the public notice takes an objection, and the center is
filed."""

import io
import re
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import update
from sqlmodel import Session, select

from app.accounts.services import accounts, organizations
from app.deals.services import contracts, interests
from app.market.services import listings
from app.oversight.services import experts
from models import Center, CenterApplication, Organization, RegistrationIn, Role, User
from models.common import utcnow
from tests.utils.bureau import apply, carry, create_call
from tests.utils.deal_world import current_sha256
from tests.utils.factories import achievement_data, need_data, random_credit_code, registration_data
from tests.utils.indicator_world import cleared_price_notice
from tests.utils.serving import served_app, serving

pytestmark = pytest.mark.e2e
PASSWORD = "bureau-e2e-123"
SHOTS = Path("/tmp/mic-screenshots")
CENTER = "长春市智能制造装备制造业创新中心"
SCORE_SHEET = {"技术创新基础": "85", "体制和运行机制": "80", "影响力": "75", "方案质量": "90"}


def make_people(app) -> dict:
    """Accounts an administrator creates (the bureau, experts) and a registered university."""
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:

        def account(role: Role, email: str, name: str):
            return accounts.create_user(session=session, email=email, password=PASSWORD, name=name, role=role)

        bureau = account(Role.bureau, "bureau@example.cn", "市工信局审核员")
        panel = {
            "钱经济": ["economics", "law", "management"],
            "孙工程": ["technology", "industry"],
            "周顾问": ["technology"],
        }
        made = {}
        for name, specialties in panel.items():
            made[name] = account(Role.expert, f"expert{len(made)}@example.cn", name)
            experts.set_profile(session=session, user_id=made[name].id, data={"specialties": specialties})
        data = registration_data("university", name="长春示范工业大学", industries=["advanced_equipment"])
        university = accounts.register(
            session=session,
            registration=RegistrationIn.model_validate(
                {**data, "email": "univ@example.cn", "password": PASSWORD}
            ),
        )
        # Only a verified organization may be filed as a center.
        organizations.verify(session=session, user=bureau, org_id=university.org_id)
    return {"bureau": bureau, "university": university, **made}


@contextmanager
def bureau_site(root, template):
    """The app with `make_people`'s accounts on a migrated database, served; yields (base URL, app, people)."""
    app = served_app(root, template)
    people = make_people(app)
    try:
        with serving(app) as base:
            yield base, app, people
    finally:
        app.extensions["db_engine"].dispose()


@pytest.fixture
def site(tmp_path, sqlite_template):
    """A site of this test alone: the walkthroughs change what they find, so none sees another's steps."""
    with bureau_site(tmp_path / "bureau", sqlite_template) as served:
        yield served


@pytest.fixture(scope="module")
def shared_site(tmp_path_factory, sqlite_template):
    """One site for the tests that only look at pages."""
    with bureau_site(tmp_path_factory.mktemp("bureau"), sqlite_template) as served:
        yield served


PLAN_PDF = {
    "name": "运行方案.pdf",
    "mimeType": "application/pdf",
    "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
}


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/auth/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def log_out(page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def flash(page) -> str:
    return page.locator(".flashes").inner_text()


def score_as(page, base: str, email: str, *, conflict: bool) -> None:
    log_in(page, base, email)
    page.get_by_role("link", name="我的评审").first.click()
    page.get_by_role("link", name=CENTER).click()
    page.get_by_label("是，存在利益冲突" if conflict else "不存在利益冲突").check()
    if conflict:
        page.get_by_label("说明（如有）").fill("曾任牵头单位技术顾问")
    page.get_by_role("button", name="提交声明").click()
    assert "声明已记录" in flash(page)
    if not conflict:
        for label, value in SCORE_SHEET.items():
            page.get_by_label(re.compile(f"^{label}")).fill(value)
        page.get_by_label("书面评审意见").fill("技术基础扎实，运行机制清晰，建议通过。")
        page.get_by_role("button", name="提交评分").click()
        assert "评分和意见已记录" in flash(page)
        assert (
            page.get_by_test_id("weighted-score").inner_text() == "83.00"
        )  # (85·30 + 80·25 + 75·20 + 90·25) / 100
    log_out(page)


def test_a_center_goes_from_call_to_filing(site, page):
    base, app, _people = site

    # The bureau publishes a call; its navigation has no links it cannot use.
    log_in(page, base, "bureau@example.cn")
    nav = page.locator(".account").inner_text()
    assert "监管工作台" in nav and "我的发布" not in nav and "发布需求" not in page.content()
    page.get_by_role("link", name="监管工作台").first.click()
    page.get_by_role("link", name="申报通知").click()
    page.get_by_label("通知标题").fill("2026年智能制造装备领域创新中心创建申报")
    page.get_by_label("所属产业").select_option("advanced_equipment")
    page.get_by_label("领域", exact=True).fill("智能制造装备与工业机器人")
    page.get_by_label("申报条件").fill("牵头单位为行业领军企业、高校或科研院所；发起单位不少于5家。")
    page.get_by_label("申报材料要求").fill("创建和运行方案；合作协议。")
    page.get_by_label("申报截止日期").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="发布通知").click()
    assert "申报通知已发布" in flash(page)
    log_out(page)

    # The university applies; a missing founder is refused and nothing typed is lost.
    log_in(page, base, "univ@example.cn")
    page.get_by_role("link", name="公示公告").click()
    page.get_by_role("link", name="申报").click()
    page.get_by_label("创新中心名称").fill(CENTER)
    page.get_by_label("创新中心创建和运行方案").fill(
        "由长春示范工业大学牵头，联合四家装备企业组建，建设工业机器人中试线，面向中小企业开放。"
    )
    for i in range(3):
        page.get_by_label(f"发起单位 {i + 1}", exact=True).fill(f"长春示范装备企业{i + 1}有限公司")
        page.get_by_label(f"单位 {i + 1} 统一社会信用代码").fill(random_credit_code())
    page.get_by_label("专家或团队 1").fill("王教授团队")
    page.get_by_label("材料 1").fill("创建和运行方案")
    page.get_by_label("文件 1").set_input_files(PLAN_PDF)
    page.get_by_role("button", name="提交申报").click()
    assert "至少需要 5 家发起单位" in page.locator(".alert-error").inner_text()
    assert page.get_by_label("创新中心名称").input_value() == CENTER
    page.get_by_label("发起单位 4", exact=True).fill("长春示范装备企业4有限公司")
    page.get_by_label("单位 4 统一社会信用代码").fill(random_credit_code())
    page.get_by_label("文件 1").set_input_files(PLAN_PDF)  # a browser never keeps a chosen file across pages
    page.get_by_role("button", name="提交申报").click()
    assert "申报已提交" in flash(page)
    assert "已申报" in page.locator("h1").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="创建和运行方案").click()
    assert download.value.suggested_filename == "运行方案.pdf"
    application_url = page.url
    log_out(page)

    # The bureau forms a panel covering the five fields.
    log_in(page, base, "bureau@example.cn")
    page.goto(application_url)
    for name in ("钱经济", "孙工程", "周顾问"):
        page.get_by_label(name).check()
    page.get_by_role("button", name="提交专家评审").click()
    assert "申报已提交专家组评审" in flash(page)
    log_out(page)

    score_as(page, base, "expert0@example.cn", conflict=False)
    score_as(page, base, "expert1@example.cn", conflict=False)
    score_as(page, base, "expert2@example.cn", conflict=True)

    # The conflicted expert is refused: the page says so, and the API will not take a score either.
    log_in(page, base, "expert2@example.cn")
    page.get_by_role("link", name="我的评审").first.click()
    page.get_by_role("link", name=CENTER).click()
    assert "不能参与本项评分" in page.get_by_test_id("conflict-refusal").inner_text()
    token = page.request.post(
        f"{base}/api/v1/auth/token", data={"email": "expert2@example.cn", "password": PASSWORD}
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assignment_id = page.request.get(f"{base}/api/v1/bureau/assignments", headers=auth).json()["items"][0][
        "id"
    ]
    refused = page.request.post(
        f"{base}/api/v1/bureau/assignments/{assignment_id}/score",
        headers=auth,
        data={
            "scores": {
                "technical_foundation": 10,
                "institutions_mechanism": 10,
                "influence": 10,
                "plan_quality": 10,
            },
            "opinion": "有利益冲突的专家试图评分。",
        },
    )
    assert refused.status == 409 and "利益冲突" in refused.json()["error"]["message"]
    log_out(page)

    # The bureau concludes the review (mean of the two scores), inspects, and the notice opens.
    log_in(page, base, "bureau@example.cn")
    page.goto(application_url)
    assert page.get_by_test_id("review-mean").count() == 0
    page.get_by_label("通过，进入现场考核").check()
    page.get_by_label("理由", exact=True).fill("专家组评审通过，平均分83.00。")
    page.get_by_role("button", name="记录决定").click()
    assert page.get_by_test_id("review-mean").inner_text() == "83.00"
    page.get_by_label("考核人员").fill("张三、李四")
    page.get_by_label("考核意见").fill("场地、设备和人员到位，中试线运行正常。")
    page.get_by_label("通过", exact=True).check()
    page.get_by_role("button", name="记录现场考核").click()
    assert "现场考核已记录" in flash(page) and "公示中" in page.locator("h1").inner_text()
    log_out(page)

    # Anyone may object during the notice.
    page.get_by_role("link", name="公示公告").click()
    notice = page.locator("article.notice", has_text=CENTER)
    notice.get_by_text("提出异议").click()
    notice.get_by_label("您的姓名").fill("李先生")
    notice.get_by_label("电话或邮箱").fill("13800000000")
    notice.get_by_label("异议内容及理由").fill("请核实第四家发起单位是否具备独立法人资格。")
    notice.get_by_role("button", name="提交异议").click()
    assert "您的异议已记录" in flash(page)

    # The notice runs its seven days.
    application_id = int(application_url.rsplit("/", 1)[1])
    with Session(app.extensions["db_engine"]) as session:
        session.execute(
            update(CenterApplication)
            .where(CenterApplication.id == application_id)
            .values(notice_ends=utcnow() - timedelta(minutes=1))
        )
        session.commit()

    # Filing waits for the answer to the objection; then the center is filed.
    log_in(page, base, "bureau@example.cn")
    page.goto(application_url)
    # The form says why it waits and cannot be submitted before: no refusal after filling it in.
    assert "尚有 1 条未答复" in page.locator("#filing-wait").inner_text()
    assert page.get_by_role("button", name="记录决定").is_disabled()
    page.get_by_label("答复").fill("经核实，该单位为独立法人。")
    page.get_by_role("button", name="提交答复").click()
    assert "答复已记录" in flash(page)
    page.get_by_label("予以备案").check()
    page.get_by_label("理由", exact=True).fill("公示期满，异议已答复，同意备案。")
    # Filing makes the center a legal person: its own entity (the name is offered), with its credit code.
    assert page.get_by_label("创新中心法人名称").input_value() == CENTER
    page.get_by_label("其统一社会信用代码").fill(random_credit_code())
    page.get_by_role("button", name="记录决定").click()
    assert "已备案" in page.locator("h1").inner_text()
    assert "公示期满，异议已答复，同意备案。" in page.get_by_test_id("decision-reason").inner_text()
    page.get_by_role("link", name="监管工作台").first.click()
    page.get_by_role("link", name="创新中心名录").click()
    row = page.locator("tr", has_text=CENTER)
    assert "已备案" in row.inner_text() and date.today().isoformat() in row.inner_text()
    log_out(page)

    # The applicant sees the outcome with its reasons.
    log_in(page, base, "univ@example.cn")
    page.get_by_role("link", name="我的中心").first.click()
    assert "公示期满，异议已答复，同意备案。" in page.locator("#my-applications + .table-wrap").inner_text()


def _amount(page, indicator: str) -> int:
    cell = page.locator(
        f'[data-testid="indicators"] tr[data-indicator="{indicator}"] td[data-measure="amount"]'
    )
    # Shown in 万元 with at most two decimals.
    return round(float(cell.inner_text().replace(",", "")) * 10_000)


def file_the_center(app, people) -> None:
    """Through the services, what the filing walkthrough does in the browser: a call, the university's
    application for CENTER, a panel's scores, an inspection, the notice run out, and the center filed."""
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        bureau, university = session.merge(people["bureau"]), session.merge(people["university"])
        call = create_call(session, bureau, industry="advanced_equipment")
        application = apply(session, call, university, center_name=CENTER)
        carry(session, bureau, application, "filed")


def _sign_contracts_with_the_center(app) -> int:
    """Through the services: an enterprise licenses the center's achievement and commissions the center on its
    need, and both parties sign both contracts. Returns the filed center's id."""
    year = date.today().year
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        center = session.exec(select(Center).where(Center.name == CENTER)).one()
        assert center.status == "filed"
        university = session.exec(select(User).where(User.email == "univ@example.cn")).one()
        firm = accounts.register(
            session=session,
            registration=RegistrationIn.model_validate(
                {
                    **registration_data("enterprise", name="长春示范装备有限公司"),
                    "email": "firm@example.cn",
                    "password": PASSWORD,
                }
            ),
        )
        for org_id in (university.org_id, firm.org_id):
            org = session.get(Organization, org_id)
            org.verified_at = utcnow()
            session.add(org)
        session.commit()
        achievement = listings.create_listing(
            session=session,
            kind="achievement",
            user=university,
            publish=True,
            data={**achievement_data(), "center_id": center.id},
        )
        need = listings.create_listing(
            session=session, kind="need", user=firm, publish=True, data=need_data()
        )
        deals = [
            (
                interests.express_interest(
                    session=session,
                    user=firm,
                    target_type="achievement",
                    target_id=achievement.id,
                    message="希望获得许可。",
                ),
                university,
                "license",
                800_000,
                800_000,
            ),
            (
                interests.express_interest(
                    session=session,
                    user=university,
                    target_type="need",
                    target_id=need.id,
                    message="中心可承担研发。",
                    # Through the center (its achievement names it): not the university's ordinary business.
                    via_type="achievement",
                    via_id=achievement.id,
                ),
                firm,
                "commissioned_development",
                1_200_000,
                1_000_000,
            ),
        ]
        for interest, accepter, kind, amount, technology in deals:
            interests.accept_interest(session=session, user=accepter, interest_id=interest.id)
            sold = interest.target_id if interest.target_type == "achievement" else interest.via_id
            if kind in ("license", "transfer") and sold is not None:
                cleared_price_notice(session, sold, amount)  # a university's sale by agreement: 公示 first
            contract = contracts.create_contract(
                session=session,
                user=firm,
                data={
                    "interest_id": interest.id,
                    "kind": kind,
                    "title": "中心技术合同",
                    "amount": amount,
                    "technology_amount": technology,
                    "signed_on": f"{year}-{date.today().month:02d}-01",
                },
            )
            for signer in (firm, university):
                contracts.transition_contract(
                    session=session,
                    user=signer,
                    contract_id=contract.id,
                    to="signed",
                    text_sha256=current_sha256(session, contract.id),
                    method="api_token",
                )
        return center.id


def test_contracts_with_the_filed_center_move_the_dashboard_api_and_report(site, page):
    """After filing, contracts signed with the center show on the dashboard, in the API and in its annual report."""
    base, app, people = site
    file_the_center(app, people)
    year = date.today().year
    log_in(page, base, "bureau@example.cn")
    page.get_by_role("link", name="监管工作台").first.click()
    page.get_by_role("link", name="年度评估").first.click()
    page.get_by_label("评估年度").fill(str(year))
    page.get_by_label("报告提交截止日期").fill(f"{year + 1}-03-31")
    page.get_by_role("button", name="启动评估").click()
    page.get_by_role("link", name="数据看板").first.click()
    assert _amount(page, "technology_market_turnover") == 0
    token = page.request.post(
        f"{base}/api/v1/auth/token", data={"email": "bureau@example.cn", "password": PASSWORD}
    ).json()["token"]

    center_id = _sign_contracts_with_the_center(app)

    page.reload()
    # Signed, not registered yet: beside the turnover, not in it.
    assert _amount(page, "technology_market_turnover") == 0
    assert _amount(page, "technology_market_turnover_unregistered") == 2_000_000
    assert _amount(page, "commissioned_rd_contracts") == 1_200_000
    page.wait_for_selector('#dashboard[data-ready="1"]', state="attached")
    assert page.locator('[data-chart="months"] canvas').count() == 1
    assert CENTER in page.get_by_test_id("centers").inner_text()
    api = page.request.get(
        f"{base}/api/v1/indicators?year={year}&center_id={center_id}",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert api["indicators"]["technology_market_turnover"] == {"count": 0, "amount": 0}
    assert api["indicators"]["technology_market_turnover_unregistered"] == {"count": 2, "amount": 2_000_000}
    assert api["indicators"]["achievements_transferred"] == {"count": 1}
    # The center's annual report fills in the same figures.
    page.get_by_role("link", name="年度评估").first.click()
    page.locator(".detail-section", has_text=f"{year} 年度评估").get_by_role("link", name=CENTER).click()
    row = page.locator('tr[data-indicator="technology_market_turnover_unregistered"]').inner_text()
    assert "200 万元" in row
    pdf = page.request.get(base + page.get_by_role("link", name="评估报告（PDF）").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages).replace("\x00", "")
    assert CENTER in text and "200" in text and "2000000" not in text
    log_out(page)


@pytest.mark.parametrize("width", [1280, 375])
def test_oversight_pages_fit_desktop_and_phone(shared_site, browser, width):
    """The bureau's pages lay out without sideways scrolling; screenshots go to /tmp for a look."""
    base, _app, _people = shared_site
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, base, "bureau@example.cn")
        for name, path in (
            ("workbench", "/bureau"),
            ("registry", "/bureau/centers"),
            ("calls", "/bureau/calls"),
            ("applications", "/bureau/applications"),
            ("evaluations", "/bureau/evaluations"),
            ("notices", "/notices"),
            ("dashboard", "/bureau/dashboard"),
        ):
            page.goto(f"{base}{path}")
            page.screenshot(path=str(SHOTS / f"bureau-{name}-{width}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
    finally:
        context.close()
