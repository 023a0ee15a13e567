"""The oversight demo: every step of the workflow is present on first start, and loading twice changes nothing."""

import pytest
from sqlmodel import func, select

from app.ops.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, demo_email
from models import (
    AuditEvent,
    Center,
    CenterApplication,
    CenterCooperation,
    CenterEvaluation,
    CenterFounder,
    CenterTraining,
    EvaluationRound,
    ExpertAssignment,
    FirstUseFlag,
    Promotion,
)
from tests.conftest import BACKENDS
from tests.utils.web import csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
TABLES = (
    AuditEvent,
    Center,
    CenterApplication,
    CenterFounder,
    CenterTraining,
    CenterCooperation,
    EvaluationRound,
    CenterEvaluation,
    ExpertAssignment,
    Promotion,
    FirstUseFlag,
)


def counts(session) -> dict[str, int]:
    session.expire_all()
    return {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def test_demo_shows_every_step_and_history_and_loads_idempotently(runner, session, client, auth):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    first = counts(session)
    statuses = set(session.exec(select(Center.status)).all())
    assert {"applied", "review", "inspection", "notice", "filed", "rejected"} <= statuses
    assert set(session.exec(select(EvaluationRound.year)).all()) == {2024, 2025}
    assert first["CenterTraining"] >= 10 and first["CenterCooperation"] >= 5
    assert all(c.filed_on for c in session.exec(select(Center).where(Center.status == "filed")).all())
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert counts(session) == first

    auth.login(f"bureau@{DEMO_EMAIL_DOMAIN}", DEMO_PASSWORD)
    iiot = session.exec(select(Center).where(Center.demo_key == "c_iiot")).one()
    assert iiot.name in client.get("/bureau").get_data(as_text=True)  # its application waits for a decision
    registry = client.get("/bureau/centers").get_data(as_text=True)
    for name in (
        "长春市工业软件制造业创新中心",
        "长春市生物基材料制造业创新中心",
        "长春市特殊医学用途食品制造业创新中心",
    ):
        assert name in registry
    assert "一体化压铸用免热处理高强韧铝合金" in client.get("/bureau/first-use/recommended.csv").get_data(
        as_text=True
    )
    lightweight = session.exec(select(Center).where(Center.demo_key == "c_auto_lightweight")).one()
    page = client.get(f"/bureau/centers/{lightweight.id}").get_data(as_text=True)
    assert "Fraunhofer IWU" in page and "优秀" in page and "市级 → 省级" in page
    assert "长春市生物基材料制造业创新中心" in client.get("/notices").get_data(as_text=True)
    auth.logout()
    auth.login(demo_email("expert_sun"), DEMO_PASSWORD)
    reviews = client.get("/expert").get_data(as_text=True)
    assert iiot.name in reviews and "待您评审" in reviews


def test_demo_assessments_targets_and_rectification(runner, session, client, auth):
    """The demo's plan targets are the seed's; one excellent center may be recommended, one failing center is
    under rectification, public on /notices; loading twice adds nothing."""
    from models import CenterAssessment, PlanTarget, Rectification

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    plan = {
        (t.target_year, t.level.value): (t.min_count, t.max_count) for t in session.exec(select(PlanTarget))
    }
    assert plan == {
        (2020, "city"): (8, 10),
        (2020, "province"): (3, 4),
        (2025, "city"): (10, 15),
        (2025, "province"): (8, 10),
        (2025, "national"): (1, 2),
    }
    grades = {
        session.get(Center, a.center_id).demo_key: (a.grade.value, a.suggested.value)
        for a in session.exec(select(CenterAssessment))
    }
    assert grades == {
        "c_auto_lightweight": ("excellent", "excellent"),
        "c_adv_equipment": ("failed", "failed"),
    }
    (order,) = session.exec(select(Rectification)).all()
    assert order.status == "ordered"
    assert order.reasons in client.get("/notices").get_data(as_text=True)

    auth.login(f"bureau@{DEMO_EMAIL_DOMAIN}", DEMO_PASSWORD)
    lightweight = session.exec(select(Center).where(Center.demo_key == "c_auto_lightweight")).one()
    equipment = session.exec(select(Center).where(Center.demo_key == "c_adv_equipment")).one()
    page = f"/bureau/centers/{lightweight.id}"
    assert "2023–2025：优秀" in client.get(page).get_data(as_text=True)
    token = csrf_token(client, page)
    promoted = client.post(f"{page}/promotions", data={"basis": "三年考核优秀", "csrf_token": token})
    assert promoted.status_code == 302
    refused = client.post(
        f"/bureau/centers/{equipment.id}/promotions", data={"basis": "推荐", "csrf_token": token}
    )
    assert refused.status_code == 409 and "考核为优秀" in refused.get_data(as_text=True)
    dashboard = client.get("/bureau/dashboard").get_data(as_text=True)
    assert "规划目标" in dashboard and "10–15" in dashboard
