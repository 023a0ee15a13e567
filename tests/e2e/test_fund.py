"""The development fund in a real browser: the bureau opens a call (万元), a filed center's user applies with a
plan and budget lines, the bureau puts an expert on the panel, the expert declares no conflict and scores, the
bureau grants and records a payment, and the bureau's dashboard shows what was granted and paid."""

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from models import Center, CenterStatus
from tests.e2e.test_deals import logged_in_page
from tests.utils.factories import create_role_user, create_user
from tests.utils.serving import served_app, serving

pytestmark = pytest.mark.e2e
CENTER = "长春市汽车轻量化制造业创新中心"


@pytest.fixture
def world(tmp_path, sqlite_template):
    app = served_app(tmp_path / "fund", sqlite_template)
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        bureau = create_role_user(session, "bureau")
        expert = create_role_user(session, "expert")
        manager = create_user(session, "center", name="长春汽车轻量化创新中心有限公司")
        session.add(
            Center(
                name=CENTER,
                industry="automotive",
                domain="汽车轻量化",
                org_id=manager.org_id,
                status=CenterStatus.filed,
                filed_on=date(2024, 5, 1),
            )
        )
        session.commit()
    with serving(app) as base:
        yield {
            "base": base,
            "bureau": bureau.email,
            "expert": expert.email,
            "expert_name": expert.name,
            "center": manager.email,
        }
    app.extensions["db_engine"].dispose()


def test_a_call_an_application_a_score_a_grant_and_a_payment(world, browser):
    base = world["base"]
    bureau = logged_in_page(browser, base, world["bureau"])
    bureau.goto(f"{base}/fund")
    bureau.get_by_label("标题").fill("2026年度创新中心发展基金")
    bureau.get_by_label("资金总额（万元）").fill("500")
    bureau.get_by_label("开始日期").fill((date.today() - timedelta(days=1)).isoformat())
    bureau.get_by_label("截止日期").fill((date.today() + timedelta(days=30)).isoformat())
    bureau.get_by_role("button", name="发布申报").click()
    bureau.wait_for_url(re.compile(r"/fund/calls/\d+$"))
    call_url = bureau.url
    assert bureau.get_by_test_id("fund-budget").inner_text() == "500"

    center = logged_in_page(browser, base, world["center"])
    center.goto(call_url)
    center.get_by_label("中心").select_option(label=CENTER)
    center.get_by_label("实施方案：目标、主要任务和预期成效").fill(
        "建设激光焊接中试线，两年内服务本地零部件企业三十家。"
    )
    center.get_by_label("项目 1", exact=True).fill("中试线设备")
    center.get_by_label("项目 1 金额（万元）").fill("150")
    center.get_by_label("项目 2", exact=True).fill("检测服务")
    center.get_by_label("项目 2 金额（万元）").fill("50")
    center.get_by_role("button", name="提交申报").click()
    center.wait_for_url(re.compile(r"/fund/applications/\d+$"))
    application_url = center.url
    assert center.get_by_test_id("fund-requested").inner_text() == "200"
    assert center.get_by_test_id("fund-status").inner_text() == "评审中"

    bureau.goto(application_url)
    bureau.get_by_label(re.compile(world["expert_name"])).check()
    bureau.get_by_role("button", name="指派专家").click()
    bureau.wait_for_url(application_url)

    expert = logged_in_page(browser, base, world["expert"])
    expert.goto(f"{base}/expert")
    expert.get_by_role("link", name=re.compile(CENTER)).click()
    expert.get_by_label("不存在利益冲突").check()
    expert.get_by_role("button", name="提交声明").click()
    for field, score in (
        ("plan_quality", "80"),
        ("budget_soundness", "70"),
        ("expected_results", "90"),
        ("capacity", "80"),
    ):
        expert.locator(f"#f-score_{field}").fill(score)
    expert.locator("#f-opinion").fill("方案扎实，预算基本合理，建议资助。")
    expert.get_by_role("button", name="提交评分").click()
    assert expert.get_by_test_id("weighted-score").inner_text() == "80.00"

    bureau.goto(application_url)
    assert bureau.get_by_test_id("fund-mean").inner_text() == "80.00"
    bureau.get_by_label("予以资助").check()
    bureau.locator("#fund-amount").fill("150")
    bureau.locator("#fund-reason").fill("支持中试线建设，核减检测服务部分。")
    bureau.get_by_role("button", name="记录决定").click()
    bureau.wait_for_url(application_url)
    assert bureau.get_by_test_id("fund-granted").inner_text() == "150"
    # more than the grant is refused with the amount still to pay, and nothing is recorded
    bureau.locator("#pay-date").fill(date.today().isoformat())
    bureau.locator("#pay-amount").fill("200")
    bureau.get_by_role("button", name="登记拨付").click()
    assert "尚可拨付 1500000 元" in bureau.get_by_role("alert").inner_text()
    bureau.locator("#pay-amount").fill("50")
    bureau.get_by_role("button", name="登记拨付").click()
    bureau.wait_for_url(application_url)
    assert bureau.get_by_test_id("fund-disbursed").inner_text() == "50"

    center.goto(application_url)
    assert center.get_by_test_id("fund-status").inner_text() == "予以资助"
    assert center.get_by_test_id("fund-disbursed").inner_text() == "50"

    bureau.goto(f"{base}/bureau/dashboard")
    figures = bureau.get_by_test_id("fund-figures")
    row = figures.locator("tr", has_text="2026年度创新中心发展基金")
    assert row.locator("[data-measure=fund-granted]").inner_text() == "150"
    assert row.locator("[data-measure=fund-disbursed]").inner_text() == "50"
