"""A failing center in a real browser: the bureau records a failing three-year assessment, orders rectification
(public on /notices), the deadline passes without a report, and the bureau revokes the filing, which /notices
then shows with its reasons."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from models import Center, CenterStatus, Rectification
from tests.e2e.test_bureau import bureau_site, flash, log_in, log_out
from tests.utils.bureau import graded_years

pytestmark = pytest.mark.e2e
CENTER = "长春市精密仪器制造业创新中心"
ORDER = "三年考核不合格：限期理顺运行机制，完成成果转化目标。"
REVOCATION = "逾期未提交整改报告，撤销备案。"


@pytest.fixture
def site(tmp_path, sqlite_template):
    with bureau_site(tmp_path / "rectification", sqlite_template) as served:
        yield served


def test_failing_center_is_ordered_to_rectify_then_revoked(site, page):
    base, app, people = site
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        center = Center(
            name=CENTER,
            industry="advanced_equipment",
            domain="精密仪器与传感器",
            org_id=people["university"].org_id,
            status=CenterStatus.filed,
            filed_on=date(2023, 1, 1),
        )
        session.add(center)
        session.commit()
        center_id = center.id
        graded_years(session, center_id, {2024: "passed", 2025: "failed"})

    log_in(page, base, "bureau@example.cn")
    page.goto(f"{base}/bureau/centers/{center_id}")
    assert "不合格" in page.locator("#assessment").locator("..").inner_text()  # the evaluations' suggestion
    page.get_by_label("考核期末年度").fill("2025")
    page.get_by_label("评估等级").select_option("failed")
    page.locator("#assessment-reasons").fill("2025年度评估不合格，成果转化指标均未完成。")
    page.get_by_role("button", name="记录考核结果").click()
    assert "三年考核结果已记录" in flash(page)
    page.get_by_label("整改报告提交期限").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_label("整改理由（在公示公告页公开）").fill(ORDER)
    page.get_by_role("button", name="责令整改").click()
    assert "已责令整改" in flash(page)
    log_out(page)

    page.goto(f"{base}/notices")
    assert ORDER in page.locator("#rectification-notices").locator("..").inner_text()

    with app.app_context(), Session(app.extensions["db_engine"]) as session:  # the deadline passes
        session.execute(update(Rectification).values(deadline=date.today() - timedelta(days=1)))
        session.commit()

    log_in(page, base, "bureau@example.cn")
    page.goto(f"{base}/bureau/centers/{center_id}")
    page.get_by_label("撤销备案", exact=True).check()
    page.get_by_label("理由（撤销备案时公开）").fill(REVOCATION)
    page.get_by_role("button", name="记录决定").click()
    assert "决定已记录" in flash(page)
    assert "已撤销" in page.locator("h1").inner_text()
    log_out(page)

    page.goto(f"{base}/notices")
    revocations = page.locator("#revocation-notices").locator("..").inner_text()
    assert CENTER in revocations and REVOCATION in revocations
    assert ORDER not in page.locator("#rectification-notices").locator("..").inner_text()
