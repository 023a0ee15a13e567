"""Open challenges scored by the bureau's experts: the poster asks experts, each expert scores every proposal but
one of their own organization's, later proposals reach the same panel, the poster sees the experts' mean beside
its own score (which keeps working), and only the poster or the bureau may ask; on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import ExpertAssignment, Notification
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_need, create_role_user, create_user
from tests.utils.web import bearer, concurrently

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
DEADLINE = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
CHALLENGE = {"goals": "焊接气孔率低于0.5%", "acceptance_criteria": "第三方检测报告合格", "reward": 1_000_000}
PROPOSAL = {"plan": "采用激光-电弧复合焊接与保护气优化，三个月内出样件。", "price": 900_000, "months": 6}
SCORES = {"technical_approach": 90, "feasibility": 80, "team": 70, "price": 60}


@pytest.fixture
def scene(session, client):
    users = {
        "poster": create_user(session, "enterprise"),
        "center": create_user(session, "center"),
        "university": create_user(session, "university"),
        "expert": create_role_user(session, "expert"),
        "insider": create_role_user(session, "expert"),  # works for the university
    }
    users["insider"].org_id = users["university"].org_id
    session.add(users["insider"])
    session.commit()
    need = create_need(session, users["poster"])
    heads = {name: bearer(client, user.email, PASSWORD) for name, user in users.items()}
    challenge = client.post(
        "/api/v1/challenges",
        json={**CHALLENGE, "need_id": need.id, "deadline": DEADLINE},
        headers=heads["poster"],
    ).json["id"]
    first = client.post(f"/api/v1/challenges/{challenge}/proposals", json=PROPOSAL, headers=heads["center"])
    assert first.status_code == 201
    return users, heads, challenge, first.json["id"]


def _assignments(session, expert_id):
    session.expire_all()
    return session.exec(select(ExpertAssignment).where(ExpertAssignment.expert_id == expert_id)).all()


def test_experts_score_proposals_but_never_their_own_organizations(client, session, scene):
    users, heads, challenge, center_proposal = scene
    experts = [users["expert"].id, users["insider"].id]
    asked = client.post(
        f"/api/v1/challenges/{challenge}/experts", json={"expert_ids": experts}, headers=heads["poster"]
    )
    assert asked.status_code == 200 and sorted(asked.json["experts"]) == sorted(experts)
    # a proposal that comes later goes to the same panel, but not to the expert of its own organization
    late = client.post(
        f"/api/v1/challenges/{challenge}/proposals", json=PROPOSAL, headers=heads["university"]
    )
    assert late.status_code == 201
    mine = {a.subject_id for a in _assignments(session, users["expert"].id)}
    insider = {a.subject_id for a in _assignments(session, users["insider"].id)}
    assert mine == {center_proposal, late.json["id"]} and insider == {center_proposal}
    assert session.exec(select(Notification).where(Notification.kind == "challenge_review_assigned")).all()

    row = next(a for a in _assignments(session, users["expert"].id) if a.subject_id == center_proposal)
    base = f"/api/v1/bureau/assignments/{row.id}"
    assert (
        client.post(f"{base}/conflict", json={"conflict": False}, headers=heads["expert"]).status_code == 200
    )
    scored = client.post(
        f"{base}/score",
        json={"scores": SCORES, "opinion": "技术路线可行，报价偏高。"},
        headers=heads["expert"],
    )
    assert scored.status_code == 200 and scored.json["weighted_score"] == pytest.approx(79.5)

    # the poster's own score still works, and the experts' mean shows beside it
    path = f"/api/v1/challenges/{challenge}/proposals"
    assert (
        client.put(f"{path}/{center_proposal}/score", json={"score": 75}, headers=heads["poster"]).status_code
        == 200
    )
    items = {p["id"]: p for p in client.get(path, headers=heads["poster"]).json["items"]}
    assert items[center_proposal]["score"] == 75 and items[center_proposal]["expert_score"] == pytest.approx(
        79.5
    )
    assert items[late.json["id"]]["expert_score"] is None
    # a team does not see the experts' scores of its own proposal
    assert client.get(path, headers=heads["center"]).json["items"][0]["expert_score"] is None

    # once a proposal is selected, scoring closes
    assert (
        client.post(
            f"/api/v1/challenges/{challenge}/selection",
            json={"proposal_id": center_proposal},
            headers=heads["poster"],
        ).status_code
        == 201
    )
    other = next(a for a in _assignments(session, users["expert"].id) if a.subject_id == late.json["id"])
    client.post(
        f"/api/v1/bureau/assignments/{other.id}/conflict", json={"conflict": False}, headers=heads["expert"]
    )
    closed = client.post(
        f"/api/v1/bureau/assignments/{other.id}/score",
        json={"scores": SCORES, "opinion": "方案完整可行，团队经验充分。"},
        headers=heads["expert"],
    )
    assert closed.status_code == 409


def test_only_the_poster_or_the_bureau_may_ask_and_only_experts_can_be_asked(client, session, scene):
    users, heads, challenge, _proposal = scene
    path = f"/api/v1/challenges/{challenge}/experts"
    for who in ("center", "expert"):
        assert (
            client.post(path, json={"expert_ids": [users["expert"].id]}, headers=heads[who]).status_code
            == 403
        )
    not_expert = client.post(path, json={"expert_ids": [users["center"].id]}, headers=heads["poster"])
    assert not_expert.status_code == 422 and "expert_ids" in not_expert.json["error"]["fields"]
    assert _assignments(session, users["expert"].id) == []


def test_two_requests_asking_the_same_expert_make_one_assignment(app, session, scene):
    users, heads, challenge, proposal = scene
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c: c.post(
                f"/api/v1/challenges/{challenge}/experts",
                json={"expert_ids": [users["expert"].id]},
                headers=heads["poster"],
            )
            for c in clients
        )
    )
    assert sorted(r.status_code for r in responses) in ([200, 200], [200, 409])
    assert [a.subject_id for a in _assignments(session, users["expert"].id)] == [proposal]
