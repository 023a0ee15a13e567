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
