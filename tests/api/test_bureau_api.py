"""The oversight's JSON API on SQLite and PostgreSQL: the workflow end to end, role checks, and every write path
hit by two requests at once."""

import threading
from datetime import date, timedelta

import pytest

from models import Role
from tests.conftest import BACKENDS
from tests.utils.bureau import (
    SCORES,
    application_data,
    apply,
    assess,
    call_data,
    carry,
    create_account,
    create_call,
    create_expert,
    end_notice,
    entity,
)
from tests.utils.bureau import center_user as user_of_center
from tests.utils.factories import PASSWORD, create_achievement, create_user
from tests.utils.web import bearer, concurrently

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
API = "/api/v1/bureau"
OPINION = "技术基础扎实，运行机制清晰，建议通过。"


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局")


@pytest.fixture
def call(session, bureau):
    return create_call(session, bureau)


def headers(client, user) -> dict:
    return bearer(client, user.email, PASSWORD)


def race(app, *requests) -> list[int]:
    """Send the requests at the same moment, each from its own client and thread; their statuses, sorted."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []

    def send(method: str, path: str, body, auth: dict) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.open(path, method=method, json=body, headers=auth).status_code)

    threads = [threading.Thread(target=send, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def assignment_of(client, expert_headers, subject_id: int, subject: str = "application") -> int:
    items = client.get(f"{API}/assignments", headers=expert_headers).json["items"]
    return next(a["id"] for a in items if a["subject_id"] == subject_id and a["subject"] == subject)


def test_workflow_through_the_api(client, session, bureau):
    as_bureau = headers(client, bureau)
    created = client.post(f"{API}/calls", json=call_data(), headers=as_bureau)
    assert created.status_code == 201 and created.json["weights"]["technical_foundation"] == 30
    call_id = created.json["id"]
    assert any(c["id"] == call_id for c in client.get(f"{API}/calls?open=1").json["items"])

    applicant = create_user(session, "university")
    as_applicant = headers(client, applicant)
    submitted = client.post(
        f"{API}/calls/{call_id}/applications", json=application_data(), headers=as_applicant
    )
    assert submitted.status_code == 201 and submitted.json["status"] == "applied"
    application_id = submitted.json["id"]
    assert len(submitted.json["founders"]) == 5 and submitted.json["history"][0]["event_type"] == "applied"

    economist = create_expert(session, ["economics", "law", "management"])
    engineer = create_expert(session, ["technology", "industry"])
    step = client.post(
        f"{API}/applications/{application_id}/panel",
        json={"expert_ids": [economist.id, engineer.id]},
        headers=as_bureau,
    )
    assert step.status_code == 200 and step.json["status"] == "review" and len(step.json["panel"]) == 2
    for expert in (economist, engineer):
        as_expert = headers(client, expert)
        assignment = assignment_of(client, as_expert, application_id)
        assert client.get(f"{API}/applications/{application_id}", headers=as_expert).status_code == 200
        assert (
            client.post(
                f"{API}/assignments/{assignment}/conflict", json={"conflict": False}, headers=as_expert
            ).status_code
            == 200
        )
        scored = client.post(
            f"{API}/assignments/{assignment}/score",
            json={"scores": SCORES, "opinion": OPINION},
            headers=as_expert,
        )
        assert scored.status_code == 200 and scored.json["weighted_score"] == 74.5
    step = client.post(
        f"{API}/applications/{application_id}/review-decision",
        json={"approve": True, "reason": "通过"},
        headers=as_bureau,
    )
    assert step.json["status"] == "inspection" and step.json["review_mean"] == 74.5
    step = client.post(
        f"{API}/applications/{application_id}/inspection",
        headers=as_bureau,
        json={
            "inspected_on": date.today().isoformat(),
            "inspectors": "张三",
            "findings": "到位",
            "passed": True,
        },
    )
    assert step.json["status"] == "notice"
    assert (date.fromisoformat(step.json["notice_ends"][:10]) - date.today()).days == 7  # NOTICE_DAYS default
    assert [n["application_id"] for n in client.get(f"{API}/notices").json["items"]] == [application_id]
    objection = client.post(
        f"{API}/applications/{application_id}/objections",
        json={"name": "李", "contact": "li@example.cn", "text": "请核实场地。"},
    )
    assert objection.status_code == 201
    # The applicant sees the outcome, not the objectors or the panel.
    seen = client.get(f"{API}/applications/{application_id}", headers=as_applicant).json
    assert seen["objections"] == [] and seen["panel"] == []
    assert (
        client.post(
            f"{API}/objections/{objection.json['id']}/answer", json={"answer": "已核实。"}, headers=as_bureau
        ).status_code
        == 200
    )
    from models import CenterApplication

    end_notice(session, session.get(CenterApplication, application_id))
    # Only a verified organization is filed: the bureau verifies the applicant first.
    verified = client.post(f"/api/v1/organizations/{applicant.org_id}/verify", headers=as_bureau)
    assert verified.status_code == 200
    filed = client.post(
        f"{API}/applications/{application_id}/filing",
        json={"approve": True, "reason": "同意", **entity()},
        headers=as_bureau,
    )
    assert filed.status_code == 200 and filed.json["status"] == "filed"
    center_id = filed.json["center_id"]
    registry = client.get(f"{API}/centers?status=filed", headers=as_bureau).json["items"]
    assert [c["id"] for c in registry] == [center_id]
    # Filed, the center is a legal person of its own: its users see its record; the lead unit only belongs to it.
    assert client.get(f"{API}/centers/{center_id}", headers=as_applicant).status_code == 403
    record = client.get(
        f"{API}/centers/{center_id}", headers=headers(client, user_of_center(session, center_id))
    ).json
    assert record["org_id"] not in (None, applicant.org_id) and record["lead_org_id"] == applicant.org_id
    assert record["filed_on"] == date.today().isoformat()
    assert [h["event_type"] for h in record["history"]][-1] == "filed"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/calls", {}),
        ("GET", "/applications", None),
        ("GET", "/centers", None),
        ("POST", "/evaluation-rounds", {}),
        ("GET", "/first-use-flags", None),
        ("GET", "/first-use-flags/recommended.csv", None),
        ("GET", "/assignments", None),
    ],
)
def test_roles_are_checked(client, session, method, path, body):
    assert client.open(f"{API}{path}", method=method, json=body).status_code == 401
    enterprise = create_user(session, "enterprise")
    expected = 200 if path == "/applications" else 403  # an organization lists its own applications
    assert (
        client.open(f"{API}{path}", method=method, json=body, headers=headers(client, enterprise)).status_code
        == expected
    )


def test_bad_input_is_a_clear_422(client, session, bureau, call):
    response = client.post(
        f"{API}/calls",
        json={**call_data(), "industry": "spaceships", "deadline": "soon"},
        headers=headers(client, bureau),
    )
    assert response.status_code == 422 and "deadline" in response.json["error"]["fields"]
    applicant = create_user(session, "university")
    response = client.post(
        f"{API}/calls/{call.id}/applications",
        json=application_data(founders=[]),
        headers=headers(client, applicant),
    )
    assert response.status_code == 422 and response.json["error"]["fields"]["founders"]
    assert (
        client.get(f"{API}/centers/999/assessment?end_year=x", headers=headers(client, bureau)).status_code
        == 422
    )
    assert client.get(f"{API}/applications/999", headers=headers(client, bureau)).status_code == 404


def test_records_flags_and_evaluations_through_the_api(client, session, bureau, call):
    applicant = create_user(session, "university")
    center_id = carry(session, bureau, apply(session, call, applicant), "filed").center_id
    as_center, as_bureau = headers(client, user_of_center(session, center_id)), headers(client, bureau)
    assert (
        client.post(
            f"{API}/centers/{center_id}/trainings",
            headers=as_center,
            json={"held_on": "2026-03-01", "topic": "培训", "people": 30, "mode": "online"},
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"{API}/centers/{center_id}/cooperation",
            headers=as_center,
            json={"partner": "KIT", "country": "德国", "form": "exchange", "started_on": "2026-01-01"},
        ).status_code
        == 201
    )
    activity = client.get(f"{API}/centers/{center_id}/activity").json
    assert activity["people_trained"] == 30 and activity["cooperation"][0]["partner"] == "KIT"
    achievement = create_achievement(session, applicant, center_id=center_id)
    flag = client.post(
        f"{API}/centers/{center_id}/first-use-flags",
        headers=as_center,
        json={"achievement_id": achievement.id, "category": "new_material", "reason": "首批次新材料"},
    )
    assert flag.status_code == 201
    assert (
        client.post(
            f"{API}/first-use-flags/{flag.json['id']}/review",
            headers=as_bureau,
            json={"recommend": True, "note": "推荐"},
        ).status_code
        == 200
    )
    csv = client.get(f"{API}/first-use-flags/recommended.csv", headers=as_bureau)
    assert csv.mimetype == "text/csv" and achievement.title in csv.get_data(as_text=True)

    round_ = client.post(
        f"{API}/evaluation-rounds", json={"year": 2025, "deadline": "2026-03-31"}, headers=as_bureau
    )
    evaluation_id = client.get(f"{API}/evaluation-rounds/{round_.json['id']}", headers=as_bureau).json[
        "items"
    ][0]["id"]
    reported = client.post(
        f"{API}/evaluations/{evaluation_id}/report",
        headers=as_center,
        json={"summary": "年度运行总体良好，完成预定目标。"},
    )
    assert reported.status_code == 200 and reported.json["indicators"]["trainings"] == {
        "count": 0,
        "people": 0,
    }
    graded = client.post(
        f"{API}/evaluations/{evaluation_id}/grade",
        json={"grade": "good", "remarks": "良好"},
        headers=as_bureau,
    )
    assert graded.json["grade"] == "good"
    result = client.get(f"{API}/centers/{center_id}/assessment?end_year=2025", headers=as_center).json
    assert result["grades"] == [None, None, "good"] and result["complete"] is False


# --- two requests at once on every write path --------------------------------------------------------------------------


def test_race_submitting_the_same_application_twice(app, client, session, call):
    applicant = create_user(session, "university")
    auth = headers(client, applicant)
    body = application_data()
    assert race(
        app,
        ("POST", f"{API}/calls/{call.id}/applications", body, auth),
        ("POST", f"{API}/calls/{call.id}/applications", body, auth),
    ) == [201, 409]


def test_race_two_applicants_and_two_calls_both_land(app, client, session, bureau, call):
    first, second = create_user(session, "university"), create_user(session, "institute")
    assert race(
        app,
        ("POST", f"{API}/calls/{call.id}/applications", application_data(), headers(client, first)),
        ("POST", f"{API}/calls/{call.id}/applications", application_data(), headers(client, second)),
    ) == [201, 201]
    as_bureau = headers(client, bureau)
    assert race(
        app,
        ("POST", f"{API}/calls", call_data(), as_bureau),
        ("POST", f"{API}/calls", call_data(), as_bureau),
    ) == [201, 201]


def test_race_forming_the_panel_twice(app, client, session, bureau, call):
    application = apply(session, call)
    experts = [
        create_expert(session, ["economics", "law", "management"]),
        create_expert(session, ["technology", "industry"]),
    ]
    body, auth = {"expert_ids": [e.id for e in experts]}, headers(client, bureau)
    path = f"{API}/applications/{application.id}/panel"
    assert race(app, ("POST", path, body, auth), ("POST", path, body, auth)) == [200, 409]
    assert len(client.get(f"{API}/applications/{application.id}", headers=auth).json["panel"]) == 2


def test_race_declaring_and_scoring_twice(app, client, session, bureau, call):
    experts = [
        create_expert(session, ["economics", "law", "management"]),
        create_expert(session, ["technology", "industry"]),
    ]
    application = carry(session, bureau, apply(session, call), "review", experts)
    auth = headers(client, experts[0])
    assignment = assignment_of(client, auth, application.id)
    path = f"{API}/assignments/{assignment}"
    assert race(
        app,
        ("POST", f"{path}/conflict", {"conflict": False}, auth),
        ("POST", f"{path}/conflict", {"conflict": True}, auth),
    ) == [200, 409]
    declared = client.get(f"{API}/assignments", headers=auth).json["items"][0]
    if declared["conflict"] is False:
        body = {"scores": SCORES, "opinion": OPINION}
        assert race(app, ("POST", f"{path}/score", body, auth), ("POST", f"{path}/score", body, auth)) == [
            200,
            409,
        ]


def _notice(client, session, bureau, call):
    application = carry(session, bureau, apply(session, call), "notice")
    return application, headers(client, bureau)


@pytest.mark.parametrize("contact", ["随便写写", "qq123", "li@", "12345"])
def test_an_objection_needs_a_contact_the_bureau_can_reach(client, session, bureau, call, contact):
    application, _auth = _notice(client, session, bureau, call)
    body = {"name": "王", "contact": contact, "text": "请核实发起单位资质。"}
    response = client.post(f"{API}/applications/{application.id}/objections", json=body)
    assert response.status_code == 422
    assert (
        response.json["error"]["fields"]["contact"]
        == "请填写有效的手机号、电话号码或电子邮箱，以便主管部门联系您。"
    )
    for reachable in ("13800000000", "0431-8555 0123", "+86 138 0000 0000", "wang@example.cn"):
        filed = client.post(
            f"{API}/applications/{application.id}/objections", json={**body, "contact": reachable}
        )
        assert filed.status_code == 201


def test_the_bureau_dismisses_a_flood_of_objections_with_one_reason(client, session, bureau, call):
    application, auth = _notice(client, session, bureau, call)
    objections = f"{API}/applications/{application.id}/objections"
    body = {"name": "匿名", "contact": "13800000000", "text": "重复提交的同一条异议。"}
    ids = [client.post(objections, json=body).json["id"] for _ in range(4)]
    real = client.post(objections, json={**body, "text": "发起单位之一已停业，请核实。"}).json["id"]
    dismiss = f"{API}/applications/{application.id}/objections/dismiss"
    other, _auth = _notice(client, session, bureau, call)
    stranger = client.post(f"{API}/applications/{other.id}/objections", json=body).json["id"]
    refused = client.post(dismiss, json={"ids": [ids[0], stranger], "reason": "重复"}, headers=auth)
    assert refused.status_code == 422
    assert refused.json["error"]["fields"]["ids"] == f"不是对本申请的异议：{stranger}。"
    done = client.post(dismiss, json={"ids": ids, "reason": "同一内容重复提交"}, headers=auth)
    assert done.status_code == 200
    assert [o["id"] for o in done.json["dismissed"]] == ids
    assert {(o["dismissed"], o["answer"]) for o in done.json["dismissed"]} == {(True, "同一内容重复提交")}
    # The one objection on its merits still holds up filing, and only it.
    end_notice(session, application)
    filing = f"{API}/applications/{application.id}/filing"
    blocked = client.post(filing, json={"approve": True, "reason": "同意"}, headers=auth)
    assert blocked.status_code == 409 and "尚有 1 条未答复" in blocked.json["error"]["message"]
    client.post(f"{API}/objections/{real}/answer", json={"answer": "已核实，仍在经营。"}, headers=auth)
    assert (
        client.post(filing, json={"approve": True, "reason": "同意", **entity()}, headers=auth).status_code
        == 200
    )
    history = client.get(f"{API}/applications/{application.id}", headers=auth).json["history"]
    assert [h["event_type"] for h in history].count("objection_dismissed") == 4
    # Only the bureau dismisses.
    applicant = create_user(session, "university")
    assert (
        client.post(
            dismiss, json={"ids": ids, "reason": "x" * 5}, headers=headers(client, applicant)
        ).status_code
        == 403
    )


def test_two_dismissals_at_once_dismiss_each_objection_once(app, client, session, bureau, call):
    application, auth = _notice(client, session, bureau, call)
    objections = f"{API}/applications/{application.id}/objections"
    body = {"name": "匿名", "contact": "li@example.cn", "text": "重复提交的同一条异议。"}
    ids = [client.post(objections, json=body).json["id"] for _ in range(3)]
    dismiss = f"{API}/applications/{application.id}/objections/dismiss"
    first, second = concurrently(
        lambda: app.test_client().post(dismiss, json={"ids": ids, "reason": "重复"}, headers=auth),
        lambda: app.test_client().post(dismiss, json={"ids": ids[::-1], "reason": "垃圾信息"}, headers=auth),
    )
    assert first.status_code == second.status_code == 200
    assert sorted(o["id"] for o in first.json["dismissed"] + second.json["dismissed"]) == ids
    history = client.get(f"{API}/applications/{application.id}", headers=auth).json["history"]
    assert [h["event_type"] for h in history].count("objection_dismissed") == 3


def test_race_each_bureau_decision_lands_once(app, client, session, bureau, call):
    auth = headers(client, bureau)
    reviewed = carry(session, bureau, apply(session, call), "review")
    for member in client.get(f"{API}/applications/{reviewed.id}", headers=auth).json["panel"]:
        assert member["weighted_score"] is None
    inspected = carry(session, bureau, apply(session, call), "inspection")
    path = f"{API}/applications/{inspected.id}/inspection"
    body = {
        "inspected_on": date.today().isoformat(),
        "inspectors": "张三",
        "findings": "到位",
        "passed": True,
    }
    assert race(app, ("POST", path, body, auth), ("POST", path, body, auth)) == [200, 409]
    refused = apply(session, call)
    path = f"{API}/applications/{refused.id}/refusal"
    assert race(
        app, ("POST", path, {"reason": "材料不全"}, auth), ("POST", path, {"reason": "另一理由"}, auth)
    ) == [200, 409]
    history = client.get(f"{API}/applications/{refused.id}", headers=auth).json["history"]
    assert [h["event_type"] for h in history].count("refused") == 1


def test_race_concluding_the_review_twice(app, client, session, bureau, call):
    experts = [
        create_expert(session, ["economics", "law", "management"]),
        create_expert(session, ["technology", "industry"]),
    ]
    application = carry(session, bureau, apply(session, call), "review", experts)
    for expert in experts:
        auth = headers(client, expert)
        assignment = assignment_of(client, auth, application.id)
        client.post(f"{API}/assignments/{assignment}/conflict", json={"conflict": False}, headers=auth)
        client.post(
            f"{API}/assignments/{assignment}/score", json={"scores": SCORES, "opinion": OPINION}, headers=auth
        )
    path, auth = f"{API}/applications/{application.id}/review-decision", headers(client, bureau)
    assert race(
        app,
        ("POST", path, {"approve": True, "reason": "通过"}, auth),
        ("POST", path, {"approve": False, "reason": "不通过"}, auth),
    ) == [200, 409]


def test_race_objections_answers_and_filing(app, client, session, bureau, call):
    application, auth = _notice(client, session, bureau, call)
    path = f"{API}/applications/{application.id}/objections"
    body = {"name": "王", "contact": "wang@example.cn", "text": "请核实资质。"}
    assert race(app, ("POST", path, body, {}), ("POST", path, body, {})) == [201, 201]
    objections = client.get(f"{API}/applications/{application.id}", headers=auth).json["objections"]
    answer = f"{API}/objections/{objections[0]['id']}/answer"
    assert race(
        app, ("POST", answer, {"answer": "已核实"}, auth), ("POST", answer, {"answer": "再答"}, auth)
    ) == [200, 409]
    client.post(f"{API}/objections/{objections[1]['id']}/answer", json={"answer": "已核实"}, headers=auth)
    end_notice(session, application)
    path = f"{API}/applications/{application.id}/filing"
    body = {"approve": True, "reason": "同意", **entity()}
    assert race(app, ("POST", path, body, auth), ("POST", path, body, auth)) == [200, 409]


def test_race_filing_two_centers_for_one_domain(app, client, session, bureau, call):
    first, auth = _notice(client, session, bureau, call)
    second, _auth = _notice(client, session, bureau, call)
    end_notice(session, first)
    end_notice(session, second)
    body = {"approve": True, "reason": "同意"}
    assert race(
        app,
        ("POST", f"{API}/applications/{first.id}/filing", {**body, **entity("一号中心有限公司")}, auth),
        ("POST", f"{API}/applications/{second.id}/filing", {**body, **entity("二号中心有限公司")}, auth),
    ) == [200, 409]
    assert len(client.get(f"{API}/centers?status=filed", headers=auth).json["items"]) == 1


def test_race_promotions(app, client, session, bureau, call):
    center_id = carry(session, bureau, apply(session, call), "filed").center_id
    assess(session, center_id, "excellent")
    auth = headers(client, bureau)
    path = f"{API}/centers/{center_id}/promotions"
    assert race(
        app, ("POST", path, {"basis": "连续优秀"}, auth), ("POST", path, {"basis": "连续优秀"}, auth)
    ) == [201, 409]
    promotion_id = client.get(f"{API}/centers/{center_id}", headers=auth).json["promotions"][0]["id"]
    outcome = f"{API}/promotions/{promotion_id}/outcome"
    body = {"approved": True, "decided_on": date.today().isoformat(), "remarks": "认定"}
    assert race(app, ("POST", outcome, body, auth), ("POST", outcome, {**body, "approved": False}, auth)) == [
        200,
        409,
    ]
    assert client.get(f"{API}/centers/{center_id}", headers=auth).json["level"] in ("province", "city")


def test_race_center_records(app, client, session, bureau, call):
    applicant = create_user(session, "university")
    center_id = carry(session, bureau, apply(session, call, applicant), "filed").center_id
    auth = headers(client, user_of_center(session, center_id))
    training = {"held_on": "2026-03-01", "topic": "培训", "people": 10, "mode": "online"}
    assert race(
        app,
        ("POST", f"{API}/centers/{center_id}/trainings", training, auth),
        ("POST", f"{API}/centers/{center_id}/trainings", training, auth),
    ) == [201, 201]
    project = {"partner": "KIT", "country": "德国", "form": "exchange", "started_on": "2026-01-01"}
    assert race(
        app,
        ("POST", f"{API}/centers/{center_id}/cooperation", project, auth),
        ("POST", f"{API}/centers/{center_id}/cooperation", project, auth),
    ) == [201, 201]
    activity = client.get(f"{API}/centers/{center_id}/activity").json
    assert activity["people_trained"] == 20 and len(activity["cooperation"]) == 2
    achievement = create_achievement(session, applicant, center_id=center_id)
    flag = {"achievement_id": achievement.id, "category": "key_part", "reason": "首批次关键零部件"}
    path = f"{API}/centers/{center_id}/first-use-flags"
    assert race(app, ("POST", path, flag, auth), ("POST", path, flag, auth)) == [201, 409]
    as_bureau = headers(client, bureau)
    flag_id = client.get(f"{API}/first-use-flags", headers=as_bureau).json["items"][0]["id"]
    review = f"{API}/first-use-flags/{flag_id}/review"
    assert race(
        app,
        ("POST", review, {"recommend": True, "note": "推荐"}, as_bureau),
        ("POST", review, {"recommend": False, "note": "不推荐"}, as_bureau),
    ) == [200, 409]


def test_race_evaluation_rounds_reports_experts_and_grades(app, client, session, bureau, call):
    applicant = create_user(session, "university")
    center_id = carry(session, bureau, apply(session, call, applicant), "filed").center_id
    auth, as_center = headers(client, bureau), headers(client, user_of_center(session, center_id))
    body = {"year": 2025, "deadline": (date.today() + timedelta(days=30)).isoformat()}
    assert race(
        app,
        ("POST", f"{API}/evaluation-rounds", body, auth),
        ("POST", f"{API}/evaluation-rounds", body, auth),
    ) == [201, 409]
    round_id = client.post(f"{API}/evaluation-rounds", json={**body, "year": 2024}, headers=auth).json["id"]
    evaluation_id = client.get(f"{API}/evaluation-rounds/{round_id}", headers=auth).json["items"][0]["id"]
    path = f"{API}/evaluations/{evaluation_id}"
    first, second = {"summary": "第一版运行发展报告全文。"}, {"summary": "第二版运行发展报告全文。"}
    assert race(
        app, ("POST", f"{path}/report", first, as_center), ("POST", f"{path}/report", second, as_center)
    ) == [200, 200]
    assert client.get(path, headers=auth).json["report"]["summary"] in (first["summary"], second["summary"])
    expert = create_expert(session, ["technology"])
    assert race(
        app,
        ("POST", f"{path}/experts", {"expert_ids": [expert.id]}, auth),
        ("POST", f"{path}/experts", {"expert_ids": [expert.id]}, auth),
    ) in ([200, 200], [200, 409])
    assert len(client.get(path, headers=auth).json["panel"]) == 1
    assert race(
        app,
        ("POST", f"{path}/grade", {"grade": "good", "remarks": "良好"}, auth),
        ("POST", f"{path}/grade", {"grade": "failed", "remarks": "不合格"}, auth),
    ) == [200, 409]
