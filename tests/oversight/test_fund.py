"""The development fund through the API: the bureau opens a call, a filed center's own users apply (once per
call), the bureau's experts score (never one of the center's own), the bureau grants at most the request or
declines with a reason, and records payments that never exceed the grant; on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from models import AuditEvent, Center, CenterStatus, FundApplication, FundDisbursement, Notification
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_role_user
from tests.utils.web import bearer, concurrently

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

TODAY = date.today()
CALL = {
    "title": "2026年度创新中心发展基金",
    "description": "支持创新中心共性技术研发平台建设。",
    "budget": 10_000_000,
    "opens_on": (TODAY - timedelta(days=1)).isoformat(),
    "closes_on": (TODAY + timedelta(days=30)).isoformat(),
}
LINES = [{"item": "中试线设备", "amount": 1_500_000}, {"item": "检测服务", "amount": 500_000}]
SCORES = {"plan_quality": 80, "budget_soundness": 70, "expected_results": 90, "capacity": 80}


def filed_center(session, user, name="长春市汽车轻量化创新中心") -> int:
    center = Center(
        name=name,
        industry="automotive",
        domain=name,
        org_id=user.org_id,
        status=CenterStatus.filed,
        filed_on=date(2024, 1, 1),
    )
    session.add(center)
    session.commit()
    return center.id


@pytest.fixture
def fund_world(app, session):
    users = {role: create_role_user(session, role) for role in ("bureau", "center", "enterprise", "expert")}
    client = app.test_client()
    tokens = {role: bearer(client, user.email, PASSWORD) for role, user in users.items()}
    center_id = filed_center(session, users["center"])
    call = client.post("/api/v1/fund-calls", json=CALL, headers=tokens["bureau"])
    assert call.status_code == 201, call.json
    return {
        "users": users,
        "tokens": tokens,
        "center_id": center_id,
        "call_id": call.json["id"],
        "client": client,
    }


def _apply(w, **overrides):
    body = {
        "center_id": w["center_id"],
        "plan": "建设激光焊接中试线，服务长春汽车零部件企业。",
        "budget_lines": LINES,
    }
    return w["client"].post(
        f"/api/v1/fund-calls/{w['call_id']}/applications",
        json={**body, **overrides},
        headers=w["tokens"]["center"],
    )


def _granted(w, amount=1_200_000) -> int:
    application_id = _apply(w).json["id"]
    decided = w["client"].post(
        f"/api/v1/fund-applications/{application_id}/decision",
        json={"grant": True, "amount": amount, "reason": "方案可行。"},
        headers=w["tokens"]["bureau"],
    )
    assert decided.status_code == 200, decided.json
    return application_id


def test_the_whole_path_from_call_to_payment(fund_world, session):
    w, client = fund_world, fund_world["client"]
    tokens, users = w["tokens"], w["users"]
    # the filed center hears of the call
    opened = session.exec(select(Notification).where(Notification.kind == "fund_call_opened")).all()
    assert [n.user_id for n in opened] == [users["center"].id]

    applied = _apply(w)
    assert applied.status_code == 201, applied.json
    assert applied.json["requested"] == 2_000_000 and applied.json["status"] == "submitted"
    application_id = applied.json["id"]

    panel = client.post(
        f"/api/v1/fund-applications/{application_id}/panel",
        json={"expert_ids": [users["expert"].id]},
        headers=tokens["bureau"],
    )
    assert panel.status_code == 200, panel.json
    assignment_id = panel.json["panel"][0]["assignment_id"]
    # the expert reads the application, declares, scores with the call's criteria
    assert (
        client.get(f"/api/v1/fund-applications/{application_id}", headers=tokens["expert"]).status_code == 200
    )
    expert = tokens["expert"]
    assert (
        client.post(
            f"/api/v1/bureau/assignments/{assignment_id}/conflict", json={"conflict": False}, headers=expert
        ).status_code
        == 200
    )
    scored = client.post(
        f"/api/v1/bureau/assignments/{assignment_id}/score",
        json={"scores": SCORES, "opinion": "方案扎实，预算基本合理。"},
        headers=expert,
    )
    assert scored.status_code == 200, scored.json
    assert scored.json["weighted_score"] == pytest.approx(80.0)

    too_much = client.post(
        f"/api/v1/fund-applications/{application_id}/decision",
        json={"grant": True, "amount": 2_000_001},
        headers=tokens["bureau"],
    )
    assert too_much.status_code == 422 and "amount" in too_much.json["error"]["fields"]
    decided = client.post(
        f"/api/v1/fund-applications/{application_id}/decision",
        json={"grant": True, "amount": 1_500_000, "reason": "支持中试线建设。"},
        headers=tokens["bureau"],
    )
    assert decided.status_code == 200
    assert decided.json["status"] == "granted" and decided.json["granted_amount"] == 1_500_000
    assert decided.json["review_mean"] == pytest.approx(80.0)
    again = client.post(
        f"/api/v1/fund-applications/{application_id}/decision",
        json={"grant": False, "reason": "重复"},
        headers=tokens["bureau"],
    )
    assert again.status_code == 409

    paid = client.post(
        f"/api/v1/fund-applications/{application_id}/disbursements",
        json={"paid_on": TODAY.isoformat(), "amount": 1_000_000, "note": "首期"},
        headers=tokens["bureau"],
    )
    assert paid.status_code == 201, paid.json
    over = client.post(
        f"/api/v1/fund-applications/{application_id}/disbursements",
        json={"paid_on": TODAY.isoformat(), "amount": 500_001},
        headers=tokens["bureau"],
    )
    assert over.status_code == 409 and "500000" in over.json["error"]["fields"]["amount"]

    seen = client.get(f"/api/v1/fund-applications/{application_id}", headers=tokens["center"]).json
    assert seen["disbursed"] == 1_000_000 and [d["amount"] for d in seen["disbursements"]] == [1_000_000]
    assert seen["panel"] == [] and seen["panel_mean"] == pytest.approx(80.0)  # the center sees the mean only
    kinds = {
        n.kind for n in session.exec(select(Notification).where(Notification.user_id == users["center"].id))
    }
    assert {"fund_call_opened", "fund_decided", "fund_disbursed"} <= kinds
    actions = [
        e.action
        for e in session.exec(
            select(AuditEvent).where(
                AuditEvent.subject_type == "fund_application", AuditEvent.subject_id == application_id
            )
        )
    ]
    assert actions == ["applied", "panel_assigned", "granted", "disbursed"]


def test_who_may_do_what(fund_world, session):
    w, client, tokens = fund_world, fund_world["client"], fund_world["tokens"]
    for role in ("center", "enterprise", "expert"):
        assert client.post("/api/v1/fund-calls", json=CALL, headers=tokens[role]).status_code == 403
    # another organization cannot apply for this center, nor read its application
    other = w["client"].post(
        f"/api/v1/fund-calls/{w['call_id']}/applications",
        json={"center_id": w["center_id"], "plan": "冒名申请的计划书内容。", "budget_lines": LINES},
        headers=tokens["enterprise"],
    )
    assert other.status_code == 403
    application_id = _apply(w).json["id"]
    for role in ("enterprise", "expert"):
        assert (
            client.get(f"/api/v1/fund-applications/{application_id}", headers=tokens[role]).status_code == 404
        )
    for path, body in (("decision", {"grant": False, "reason": "不符合"}), ("panel", {"expert_ids": [1]})):
        assert (
            client.post(
                f"/api/v1/fund-applications/{application_id}/{path}", json=body, headers=tokens["center"]
            ).status_code
            == 403
        )
    # an expert of the center's own organization may not sit on its panel
    insider = create_role_user(session, "expert")
    insider.org_id = w["users"]["center"].org_id
    session.add(insider)
    session.commit()
    refused = client.post(
        f"/api/v1/fund-applications/{application_id}/panel",
        json={"expert_ids": [insider.id]},
        headers=tokens["bureau"],
    )
    assert refused.status_code == 422 and insider.name in refused.json["error"]["fields"]["expert_ids"]
    # nothing is paid on an application still in review
    unpaid = client.post(
        f"/api/v1/fund-applications/{application_id}/disbursements",
        json={"paid_on": TODAY.isoformat(), "amount": 1},
        headers=tokens["bureau"],
    )
    assert unpaid.status_code == 409


def test_bad_input_names_the_fields(fund_world):
    w, client, bureau = fund_world, fund_world["client"], fund_world["tokens"]["bureau"]
    bad_call = client.post(
        "/api/v1/fund-calls", json={**CALL, "budget": 0, "closes_on": "2020-01-01"}, headers=bureau
    )
    assert bad_call.status_code == 422 and "budget" in bad_call.json["error"]["fields"]
    backwards = client.post(
        "/api/v1/fund-calls",
        json={**CALL, "closes_on": (TODAY - timedelta(days=5)).isoformat()},
        headers=bureau,
    )
    assert backwards.status_code == 422 and "closes_on" in backwards.json["error"]["fields"]
    weights = client.post(
        "/api/v1/fund-calls", json={**CALL, "criteria": {"plan_quality": 60}}, headers=bureau
    )
    assert weights.status_code == 422 and "criteria" in weights.json["error"]["fields"]
    empty = _apply(w, budget_lines=[])
    assert empty.status_code == 422 and "budget_lines" in empty.json["error"]["fields"]
    declined = client.post(
        f"/api/v1/fund-applications/{_apply(w).json['id']}/decision", json={"grant": False}, headers=bureau
    )
    assert declined.status_code == 422 and "reason" in declined.json["error"]["fields"]


def test_a_closed_call_and_a_second_application_are_refused(fund_world, session):
    w = fund_world
    assert _apply(w).status_code == 201
    second = _apply(w)
    assert second.status_code == 409
    closed = w["client"].post(
        "/api/v1/fund-calls",
        json={**CALL, "opens_on": (TODAY + timedelta(days=3)).isoformat()},
        headers=w["tokens"]["bureau"],
    )
    early = w["client"].post(
        f"/api/v1/fund-calls/{closed.json['id']}/applications",
        json={"center_id": w["center_id"], "plan": "提前提交的计划书内容。", "budget_lines": LINES},
        headers=w["tokens"]["center"],
    )
    assert early.status_code == 409
    assert len(session.exec(select(FundApplication)).all()) == 1


def test_two_applications_at_once_make_one(fund_world, app, session):
    w = fund_world
    clients = [app.test_client() for _ in range(2)]
    body = {"center_id": w["center_id"], "plan": "并发提交的计划书内容。", "budget_lines": LINES}
    responses = concurrently(
        *(
            lambda c=c: c.post(
                f"/api/v1/fund-calls/{w['call_id']}/applications", json=body, headers=w["tokens"]["center"]
            )
            for c in clients
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    session.expire_all()
    assert len(session.exec(select(FundApplication)).all()) == 1


def test_two_payments_that_together_exceed_the_grant_land_once(fund_world, app, session):
    w = fund_world
    application_id = _granted(w, amount=1_000_000)
    clients = [app.test_client() for _ in range(2)]
    body = {"paid_on": TODAY.isoformat(), "amount": 600_000}
    responses = concurrently(
        *(
            lambda c=c: c.post(
                f"/api/v1/fund-applications/{application_id}/disbursements",
                json=body,
                headers=w["tokens"]["bureau"],
            )
            for c in clients
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    session.expire_all()
    rows = session.exec(
        select(FundDisbursement).where(FundDisbursement.application_id == application_id)
    ).all()
    assert [r.amount for r in rows] == [600_000]
    assert session.get(FundApplication, application_id).disbursed == 600_000


def test_the_database_refuses_payments_beyond_the_grant(fund_world, session):
    """Whatever the application does, the trigger keeps the payments within the grant."""
    from sqlalchemy.exc import DatabaseError

    application_id = _granted(fund_world, amount=100_000)
    session.add(FundDisbursement(application_id=application_id, paid_on=TODAY, amount=100_001))
    with pytest.raises(DatabaseError):
        session.commit()
    session.rollback()


def test_twelve_payments_at_once_stop_exactly_at_the_grant(fund_world, app, session):
    """Twelve payments of 10万元 against a grant of 100万元, all at once: ten land, two get 409, the total is the
    grant to the yuan."""
    w = fund_world
    application_id = _granted(w, amount=1_000_000)
    clients = [app.test_client() for _ in range(12)]
    body = {"paid_on": TODAY.isoformat(), "amount": 100_000}
    responses = concurrently(
        *(
            lambda c=c: c.post(
                f"/api/v1/fund-applications/{application_id}/disbursements",
                json=body,
                headers=w["tokens"]["bureau"],
            )
            for c in clients
        )
    )
    assert sorted(r.status_code for r in responses) == [201] * 10 + [409] * 2
    session.expire_all()
    rows = session.exec(
        select(FundDisbursement).where(FundDisbursement.application_id == application_id)
    ).all()
    assert sum(r.amount for r in rows) == 1_000_000 == session.get(FundApplication, application_id).disbursed


def test_a_grant_and_a_decline_at_once_leave_one_decision(fund_world, app, session):
    w = fund_world
    application_id = _apply(w).json["id"]
    bodies = (
        {"grant": True, "amount": 1_000_000, "reason": "方案可行。"},
        {"grant": False, "reason": "预算依据不足。"},
    )
    clients = [app.test_client() for _ in bodies]
    responses = concurrently(
        *(
            lambda c=c, b=b: c.post(
                f"/api/v1/fund-applications/{application_id}/decision", json=b, headers=w["tokens"]["bureau"]
            )
            for c, b in zip(clients, bodies, strict=True)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).json["status"]
    session.expire_all()
    row = session.get(FundApplication, application_id)
    assert row.status == winner and winner in {"granted", "declined"}
    assert (row.granted_amount == 1_000_000) == (winner == "granted")
