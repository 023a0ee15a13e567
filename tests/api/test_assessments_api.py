"""Targets, assessments that count, rectification and revocation through the JSON API, on SQLite and
PostgreSQL: the plan's targets and their progress, per-center weights within the round's bounds, the recorded
three-year assessment gating promotion, and a failing one's rectification ending in acceptance or revocation
(public on /notices); each decision hit by two requests at once."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from models import Center, Rectification, Role
from tests.api.test_bureau_api import headers, race
from tests.conftest import BACKENDS
from tests.utils.bureau import apply, assess, carry, center_user, create_account, create_call, graded_years
from tests.utils.factories import create_user

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
API = "/api/v1"


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局")


@pytest.fixture
def call(session, bureau):
    return create_call(session, bureau)


def filed_center(session, bureau, call) -> int:
    return carry(session, bureau, apply(session, call), "filed").center_id


def test_promotion_needs_an_excellent_latest_assessment(client, session, bureau, call):
    auth = headers(client, bureau)
    center_id = filed_center(session, bureau, call)
    path = f"{API}/bureau/centers/{center_id}/promotions"
    refused = client.post(path, json={"basis": "连续优秀"}, headers=auth)
    assert refused.status_code == 409 and "考核" in refused.json["error"]["message"]
    graded_years(session, center_id, {2023: "excellent", 2024: "excellent", 2025: "good"})
    decided = client.post(
        f"{API}/centers/{center_id}/assessments",
        json={"period_end_year": 2025, "grade": "good", "reasons": "两年优秀一年良好"},
        headers=auth,
    )
    assert decided.status_code == 201
    assert decided.json["suggested"] == "good" and len(decided.json["evaluation_ids"]) == 3
    assert client.post(path, json={"basis": "良好"}, headers=auth).status_code == 409
    graded_years(session, center_id, {2026: "excellent"})
    later = client.post(
        f"{API}/centers/{center_id}/assessments",
        json={"period_end_year": 2026, "grade": "excellent", "reasons": "连续优秀，功能定位突出"},
        headers=auth,
    )
    assert later.status_code == 201
    assert client.post(path, json={"basis": "考核优秀"}, headers=auth).status_code == 201
    listed = client.get(f"{API}/centers/{center_id}/assessments?end_year=2026", headers=auth).json
    assert [a["grade"] for a in listed["items"]] == ["excellent", "good"]
    assert listed["suggestion"]["grade"] == "good"  # 优秀, 良好, 优秀: one weak year; the bureau decided
    history = client.get(f"{API}/bureau/centers/{center_id}", headers=auth).json["history"]
    assert [h["event_type"] for h in history].count("assessment_decided") == 2


def test_an_assessment_without_graded_evaluations_is_refused(client, session, bureau, call):
    auth = headers(client, bureau)
    center_id = filed_center(session, bureau, call)
    body = {"period_end_year": 2025, "grade": "excellent", "reasons": "无依据"}
    refused = client.post(f"{API}/centers/{center_id}/assessments", json=body, headers=auth)
    assert refused.status_code == 409 and "没有" in refused.json["error"]["message"]
    applicant = center_user(session, center_id)
    graded_years(session, center_id, {2025: "good"})
    assert (
        client.post(
            f"{API}/centers/{center_id}/assessments", json=body, headers=headers(client, applicant)
        ).status_code
        == 403
    )


def _failed(client, session, bureau, call) -> tuple[int, dict]:
    auth = headers(client, bureau)
    center_id = filed_center(session, bureau, call)
    center_user(session, center_id)  # the center's people have their accounts before the bureau's decisions
    graded_years(session, center_id, {2024: "passed", 2025: "failed"})
    response = client.post(
        f"{API}/centers/{center_id}/assessments",
        json={"period_end_year": 2025, "grade": "failed", "reasons": "成果转化未达标"},
        headers=auth,
    )
    assert response.status_code == 201 and response.json["suggested"] == "failed"
    return center_id, auth


def test_rectification_accepted(client, session, bureau, call):
    center_id, auth = _failed(client, session, bureau, call)
    deadline = (date.today() + timedelta(days=60)).isoformat()
    ordered = client.post(
        f"{API}/centers/{center_id}/rectification",
        json={"deadline": deadline, "reasons": "转化率低"},
        headers=auth,
    )
    assert ordered.status_code == 201 and ordered.json["status"] == "ordered"
    rid = ordered.json["id"]
    assert "转化率低" in client.get("/notices").get_data(as_text=True)
    manager = headers(client, center_user(session, center_id))
    early = client.post(
        f"{API}/rectifications/{rid}/decision", json={"accept": True, "reasons": "同意通过"}, headers=auth
    )
    assert early.status_code == 409 and "尚未" in early.json["error"]["message"]
    assert (
        client.post(
            f"{API}/rectifications/{rid}/report", json={"report": "整改报告" * 5}, headers=auth
        ).status_code
        == 403
    )
    reported = client.post(
        f"{API}/rectifications/{rid}/report", json={"report": "已建立中试线，转化三项成果。"}, headers=manager
    )
    assert reported.status_code == 200 and reported.json["status"] == "reported"
    accepted = client.post(
        f"{API}/rectifications/{rid}/decision", json={"accept": True, "reasons": "整改到位"}, headers=auth
    )
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert client.get(f"{API}/bureau/centers/{center_id}", headers=auth).json["status"] == "filed"
    assert "转化率低" not in client.get("/notices").get_data(as_text=True)
    kinds = [n["kind"] for n in client.get(f"{API}/notifications", headers=manager).json["items"]]
    assert {"assessment_decided", "rectification_ordered", "rectification_accepted"} <= set(kinds)


def test_rectification_overdue_revokes_the_filing(client, session, bureau, call):
    center_id, auth = _failed(client, session, bureau, call)
    deadline = (date.today() + timedelta(days=30)).isoformat()
    rid = client.post(
        f"{API}/centers/{center_id}/rectification",
        json={"deadline": deadline, "reasons": "未达标"},
        headers=auth,
    ).json["id"]
    body = {"accept": False, "reasons": "逾期未提交整改报告"}
    too_soon = client.post(f"{API}/rectifications/{rid}/decision", json=body, headers=auth)
    assert too_soon.status_code == 409 and deadline in too_soon.json["error"]["message"]
    session.execute(
        update(Rectification).where(Rectification.id == rid).values(deadline=date.today() - timedelta(days=1))
    )
    session.commit()
    manager = headers(client, center_user(session, center_id))
    late = client.post(
        f"{API}/rectifications/{rid}/report", json={"report": "迟交的整改报告内容。"}, headers=manager
    )
    assert late.status_code == 409
    revoked = client.post(f"{API}/rectifications/{rid}/decision", json=body, headers=auth)
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    record = client.get(f"{API}/bureau/centers/{center_id}", headers=auth).json
    assert record["status"] == "revoked"
    assert record["history"][-1]["event_type"] == "filing_revoked"
    assert record["history"][-1]["to_state"] == "revoked"
    page = client.get("/notices").get_data(as_text=True)
    assert "逾期未提交整改报告" in page and session.get(Center, center_id).name in page


def test_rectification_only_after_a_failed_assessment(client, session, bureau, call):
    auth = headers(client, bureau)
    center_id = filed_center(session, bureau, call)
    assess(session, center_id, "good")
    body = {"deadline": (date.today() + timedelta(days=30)).isoformat(), "reasons": "整改"}
    refused = client.post(f"{API}/centers/{center_id}/rectification", json=body, headers=auth)
    assert refused.status_code == 409


def test_race_assessment_decision(app, client, session, bureau, call):
    auth = headers(client, bureau)
    center_id = filed_center(session, bureau, call)
    graded_years(session, center_id, {2025: "excellent"})
    path = f"{API}/centers/{center_id}/assessments"
    body = {"period_end_year": 2025, "grade": "excellent", "reasons": "优秀"}
    assert race(app, ("POST", path, body, auth), ("POST", path, {**body, "grade": "good"}, auth)) == [
        201,
        409,
    ]
    assert len(client.get(path, headers=auth).json["items"]) == 1


def test_race_rectification_order_and_decision(app, client, session, bureau, call):
    center_id, auth = _failed(client, session, bureau, call)
    path = f"{API}/centers/{center_id}/rectification"
    body = {"deadline": (date.today() + timedelta(days=30)).isoformat(), "reasons": "整改"}
    assert race(app, ("POST", path, body, auth), ("POST", path, body, auth)) == [201, 409]
    rid = client.get(f"{API}/centers/{center_id}/assessments", headers=auth).json["rectifications"][0]["id"]
    manager = headers(client, center_user(session, center_id))
    report = f"{API}/rectifications/{rid}/report"
    assert (
        client.post(report, json={"report": "整改报告：已完成各项整改。"}, headers=manager).status_code == 200
    )
    decision = f"{API}/rectifications/{rid}/decision"
    assert race(
        app,
        ("POST", decision, {"accept": True, "reasons": "整改到位"}, auth),
        ("POST", decision, {"accept": False, "reasons": "整改不到位"}, auth),
    ) == [200, 409]
    status = client.get(f"{API}/rectifications/{rid}", headers=auth).json["status"]
    center_status = client.get(f"{API}/bureau/centers/{center_id}", headers=auth).json["status"]
    assert (status, center_status) in {("accepted", "filed"), ("revoked", "revoked")}


def test_weights_within_the_rounds_bounds(client, session, bureau, call):
    auth = headers(client, bureau)
    center_id = filed_center(session, bureau, call)
    bounds = {
        "results": [20, 40],
        "transfer": [20, 40],
        "industry_support": [10, 30],
        "talent": [5, 20],
        "cooperation": [0, 15],
    }
    opened = client.post(
        f"{API}/bureau/evaluation-rounds",
        json={"year": 2026, "deadline": "2027-03-31", "weight_bounds": bounds},
        headers=auth,
    )
    assert opened.status_code == 201 and opened.json["weight_bounds"]["talent"] == [5, 20]
    evaluation_id = client.get(f"{API}/bureau/evaluation-rounds/{opened.json['id']}", headers=auth).json[
        "items"
    ][0]["id"]
    path = f"{API}/evaluations/{evaluation_id}/weights"
    outside = {"results": 50, "transfer": 20, "industry_support": 10, "talent": 10, "cooperation": 10}
    refused = client.put(path, json={"weights": outside}, headers=auth)
    assert refused.status_code == 422 and "results 50" in refused.json["error"]["message"]
    short = {"results": 30, "transfer": 30, "industry_support": 20, "talent": 10, "cooperation": 5}
    refused = client.put(path, json={"weights": short}, headers=auth)
    assert refused.status_code == 422 and "95" in refused.json["error"]["message"]
    good = {"results": 25, "transfer": 40, "industry_support": 20, "talent": 10, "cooperation": 5}
    set_ = client.put(path, json={"weights": good}, headers=auth)
    assert set_.status_code == 200 and set_.json["weights"] == good
    manager = headers(client, center_user(session, center_id))
    assert client.put(path, json={"weights": good}, headers=manager).status_code == 403
    bad_bounds = {**bounds, "talent": [30, 20]}
    assert (
        client.post(
            f"{API}/bureau/evaluation-rounds",
            json={"year": 2027, "deadline": "2028-03-31", "weight_bounds": bad_bounds},
            headers=auth,
        ).status_code
        == 422
    )


def test_targets_and_progress(client, session, bureau, call):
    auth = headers(client, bureau)
    first = filed_center(session, bureau, call)
    filed_center(session, bureau, create_call(session, bureau))
    assess(session, first, "excellent")
    promotion = client.post(
        f"{API}/bureau/centers/{first}/promotions", json={"basis": "优秀"}, headers=auth
    ).json
    client.post(
        f"{API}/bureau/promotions/{promotion['id']}/outcome",
        json={"approved": True, "decided_on": date.today().isoformat(), "remarks": "省级认定"},
        headers=auth,
    )
    for level, low, high in (("city", 10, 15), ("province", 8, 10), ("national", 1, 2)):
        response = client.post(
            f"{API}/targets",
            json={"target_year": 2025, "level": level, "min_count": low, "max_count": high},
            headers=auth,
        )
        assert response.status_code == 200
    plan = client.get(f"{API}/targets", headers=auth).json
    # The promoted center still counts as one the city created, and as a provincial one now.
    assert plan["counts"] == {"city": 2, "province": 1, "national": 0}
    assert [(t["level"], t["actual"], t["min_count"]) for t in plan["items"]] == [
        ("city", 2, 10),
        ("province", 1, 8),
        ("national", 0, 1),
    ]
    bad = client.post(
        f"{API}/targets",
        json={"target_year": 2025, "level": "city", "min_count": 5, "max_count": 3},
        headers=auth,
    )
    assert bad.status_code == 422
    member = headers(client, create_user(session))
    assert (
        client.post(
            f"{API}/targets",
            json={"target_year": 2025, "level": "city", "min_count": 1, "max_count": 3},
            headers=member,
        ).status_code
        == 403
    )

    year = date.today().year
    path = f"{API}/centers/{first}/targets"
    body = {
        "year": year,
        "targets": [
            {"indicator": "trainings", "target_count": 2},
            {"indicator": "technology_market_turnover", "target_count": 3, "target_amount": 5_000_000},
        ],
    }
    saved = client.put(path, json=body, headers=auth)
    assert saved.status_code == 200
    assert [(r["indicator"], r["count"], r["met"]) for r in saved.json["items"]] == [
        ("technology_market_turnover", 0, False),
        ("trainings", 0, False),
    ]
    manager = headers(client, center_user(session, first))
    for n in range(2):
        client.post(
            f"{API}/bureau/centers/{first}/trainings",
            json={"held_on": f"{year}-03-0{n + 1}", "topic": "培训", "people": 10, "mode": "online"},
            headers=manager,
        )
    mine = client.get(f"{path}?year={year}", headers=manager).json["items"]
    assert [(r["indicator"], r["count"], r["met"]) for r in mine][1] == ("trainings", 2, True)
    unknown = client.put(
        path, json={"year": year, "targets": [{"indicator": "nope", "target_count": 1}]}, headers=auth
    )
    assert unknown.status_code == 422 and "nope" in unknown.json["error"]["fields"]["targets"]
    # Financing is counted in money too: a center's target may give its amount; trainings have none.
    money = client.put(
        path,
        json={
            "year": year,
            "targets": [{"indicator": "financing", "target_count": 1, "target_amount": 2_000_000}],
        },
        headers=auth,
    )
    assert money.status_code == 200, money.json
    no_money = client.put(
        path,
        json={"year": year, "targets": [{"indicator": "trainings", "target_count": 1, "target_amount": 10}]},
        headers=auth,
    )
    assert no_money.status_code == 422
    client.put(path, json=body, headers=auth)
    assert client.put(path, json=body, headers=manager).status_code == 403
