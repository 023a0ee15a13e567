"""The yardsticks in the browser, on SQLite and PostgreSQL: the bureau records a failing assessment, orders
rectification, the center reports on its own page, and the bureau accepts or revokes; /notices shows the orders
and revocations with their reasons; weights outside the round's bounds come back with a message; the plan's
targets are edited and shown on the dashboard; a center's targets show on its evaluation page."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from models import Center, Rectification, Role
from tests.conftest import BACKENDS
from tests.utils.bureau import apply, assess, carry, center_user, create_account, create_call, graded_years
from tests.utils.web import csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局考核员")


@pytest.fixture
def center_id(session, bureau):
    return carry(session, bureau, apply(session, create_call(session, bureau)), "filed").center_id


def post(client, page: str, action: str, data: dict):
    return client.post(action, data={**data, "csrf_token": csrf_token(client, page)})


def text(response) -> str:
    return response.get_data(as_text=True)


def _failing(client, auth, session, bureau, center_id) -> str:
    graded_years(session, center_id, {2024: "passed", 2025: "failed"})
    auth.login(bureau.email)
    page = f"/bureau/centers/{center_id}"
    html = text(client.get(page))
    assert "不合格" in html and "三年考核" in html  # the suggestion the annual evaluations make
    done = post(
        client,
        page,
        f"{page}/assessments",
        {
            "form_id": "assessment",
            "period_end_year": "2025",
            "grade": "failed",
            "reasons": "成果转化指标均未完成",
        },
    )
    assert done.status_code == 302
    assert "2023–2025：不合格" in text(client.get(page))
    return page


def test_rectification_accepted_through_the_pages(client, auth, session, bureau, center_id):
    page = _failing(client, auth, session, bureau, center_id)
    missing = post(client, page, f"{page}/rectification", {"form_id": "rectification", "reasons": "限期整改"})
    assert missing.status_code == 422 and "限期整改" in text(missing)  # what was typed stays
    deadline = (date.today() + timedelta(days=45)).isoformat()
    ordered = post(
        client,
        page,
        f"{page}/rectification",
        {"form_id": "rectification", "deadline": deadline, "reasons": "限期理顺运行机制"},
    )
    assert ordered.status_code == 302
    notices = text(client.get("/notices"))
    assert "限期理顺运行机制" in notices and "责令整改" in notices
    rid = session.exec(__import__("sqlmodel").select(Rectification.id)).one()

    manager = center_user(session, center_id)
    auth.logout()
    auth.login(manager.email)
    mine = text(client.get("/my-center"))
    assert "限期理顺运行机制" in mine and "提交整改报告" in mine
    short = post(
        client,
        "/my-center",
        f"/my-center/rectifications/{rid}/report",
        {"form_id": f"rectification-report-{rid}", "report": "短"},
    )
    assert short.status_code == 422
    reported = post(
        client,
        "/my-center",
        f"/my-center/rectifications/{rid}/report",
        {"form_id": f"rectification-report-{rid}", "report": "已理顺运行机制，完成三项成果转化。"},
    )
    assert reported.status_code == 302
    assert (
        client.post(
            f"/bureau/rectifications/{rid}/decision", data={"accept": "true", "reasons": "好的"}
        ).status_code
        == 400
    )  # no CSRF token
    auth.logout()
    auth.login(bureau.email)
    decided = post(
        client,
        page,
        f"/bureau/rectifications/{rid}/decision",
        {"form_id": f"rectification-decision-{rid}", "accept": "true", "reasons": "整改到位"},
    )
    assert decided.status_code == 302
    html = text(client.get(page))
    assert "整改通过" in html and "已理顺运行机制" in html
    assert "限期理顺运行机制" not in text(client.get("/notices"))


def test_overdue_rectification_revokes_the_filing_publicly(client, auth, session, bureau, center_id):
    page = _failing(client, auth, session, bureau, center_id)
    deadline = (date.today() + timedelta(days=10)).isoformat()
    post(
        client,
        page,
        f"{page}/rectification",
        {"form_id": "rectification", "deadline": deadline, "reasons": "限期整改"},
    )
    rid = session.exec(__import__("sqlmodel").select(Rectification.id)).one()
    body = {
        "form_id": f"rectification-decision-{rid}",
        "accept": "false",
        "reasons": "逾期未提交整改报告，撤销备案",
    }
    early = post(client, page, f"/bureau/rectifications/{rid}/decision", body)
    assert early.status_code == 409 and deadline in text(early)
    session.execute(
        update(Rectification).where(Rectification.id == rid).values(deadline=date.today() - timedelta(days=1))
    )
    session.commit()
    assert post(client, page, f"/bureau/rectifications/{rid}/decision", body).status_code == 302
    assert session.get(Center, center_id).status == "revoked"
    html = text(client.get(page))
    assert "已撤销" in html or "撤销备案" in html
    notices = text(client.get("/notices"))
    assert "逾期未提交整改报告，撤销备案" in notices and session.get(Center, center_id).name in notices
    auth.logout()
    assert "逾期未提交整改报告，撤销备案" in text(client.get("/notices"))  # public


def test_promotion_form_refused_without_excellent(client, auth, session, bureau, center_id):
    auth.login(bureau.email)
    page = f"/bureau/centers/{center_id}"
    refused = post(client, page, f"{page}/promotions", {"form_id": "promotion", "basis": "推荐晋升"})
    assert refused.status_code == 409 and "三年考核为优秀" in text(refused)
    assess(session, center_id, "excellent")
    assert (
        post(client, page, f"{page}/promotions", {"form_id": "promotion", "basis": "推荐晋升"}).status_code
        == 302
    )


def test_weights_and_targets_on_the_evaluation_page(client, auth, session, bureau, center_id):
    from sqlmodel import select

    from models import CenterEvaluation

    auth.login(bureau.email)
    year = date.today().year
    page = f"/bureau/centers/{center_id}"
    saved = post(
        client,
        page,
        f"{page}/targets",
        {
            "form_id": "targets",
            "year": str(year),
            "count_trainings": "3",
            "amount_technology_market_turnover": "150",
        },
    )
    assert saved.status_code == 302
    html = text(client.get(page))
    assert "150万元" in html.replace(" ", "") and "尚未完成" in html
    post(
        client, "/bureau/evaluations", "/bureau/evaluations", {"year": str(year), "deadline": f"{year}-12-31"}
    )
    evaluation_id = session.exec(
        select(CenterEvaluation.id).where(CenterEvaluation.center_id == center_id)
    ).first()
    evaluation = f"/evaluations/{evaluation_id}"
    html = text(client.get(evaluation))
    assert "评估内容权重" in html and "20–40" in html and "150万元" in html.replace(" ", "")
    weights = {
        "weight_results": "50",
        "weight_transfer": "20",
        "weight_industry_support": "10",
        "weight_talent": "10",
        "weight_cooperation": "10",
    }
    refused = post(client, evaluation, f"{evaluation}/weights", {"form_id": "weights", **weights})
    assert refused.status_code == 422 and "超出本轮评估设定的范围" in text(refused)
    good = {
        **weights,
        "weight_results": "25",
        "weight_transfer": "40",
        "weight_industry_support": "20",
        "weight_cooperation": "5",
    }
    assert (
        post(client, evaluation, f"{evaluation}/weights", {"form_id": "weights", **good}).status_code == 302
    )
    assert session.get(CenterEvaluation, evaluation_id).weights["transfer"] == 40


def test_plan_targets_page_and_dashboard(client, auth, session, bureau, center_id):
    auth.login(bureau.email)
    saved = post(
        client,
        "/bureau/targets",
        "/bureau/targets",
        {
            "form_id": "plan-target",
            "target_year": "2025",
            "level": "city",
            "min_count": "10",
            "max_count": "15",
        },
    )
    assert saved.status_code == 302
    bad = post(
        client,
        "/bureau/targets",
        "/bureau/targets",
        {
            "form_id": "plan-target",
            "target_year": "2025",
            "level": "national",
            "min_count": "3",
            "max_count": "1",
        },
    )
    assert bad.status_code == 422 and "上限低于下限" in text(bad)
    dashboard = text(client.get("/bureau/dashboard"))
    assert "规划目标" in dashboard and "10–15" in dashboard and "10%" in dashboard  # 1 of at least 10
