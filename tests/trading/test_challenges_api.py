"""Open challenges (揭榜挂帅) through the API: an enterprise posts one from its need, teams propose (confidential to
the poster), the poster scores and selects one into a commissioned-development contract; the writes raced."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import AuditEvent, Challenge, ChallengeProposal, Contract, Notification
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_need, create_role_user, create_user
from tests.utils.web import bearer, concurrently

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
DEADLINE = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
CHALLENGE = {"goals": "焊接气孔率低于0.5%", "acceptance_criteria": "第三方检测报告合格", "reward": 1_000_000}
PROPOSAL = {"plan": "采用激光-电弧复合焊接与保护气优化，三个月内出样件。", "price": 900_000, "months": 6}


@pytest.fixture
def people(session, client):
    users = {
        "poster": create_user(session, "enterprise"),
        "outsider": create_user(session, "enterprise"),
        "center": create_user(session, "center"),
        "university": create_user(session, "university"),
        "bureau": create_role_user(session, "bureau"),
    }
    need = create_need(session, users["poster"])
    heads = {name: bearer(client, user.email, PASSWORD) for name, user in users.items()}
    return users, heads, need


def _post(client, heads, need, who="poster"):
    response = client.post(
        "/api/v1/challenges", json={**CHALLENGE, "need_id": need.id, "deadline": DEADLINE}, headers=heads[who]
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_a_challenge_from_a_need_gets_proposals_and_one_is_selected_into_a_contract(client, session, people):
    users, heads, need = people
    challenge_id = _post(client, heads, need)
    listed = client.get("/api/v1/challenges").json["items"]
    assert [c["id"] for c in listed] == [challenge_id] and listed[0]["title"] == need.title
    path = f"/api/v1/challenges/{challenge_id}/proposals"
    first = client.post(path, json=PROPOSAL, headers=heads["center"])
    second = client.post(path, json={**PROPOSAL, "price": 850_000}, headers=heads["university"])
    assert first.status_code == second.status_code == 201
    assert client.post(path, json=PROPOSAL, headers=heads["center"]).status_code == 409
    assert client.post(path, json=PROPOSAL, headers=heads["outsider"]).status_code == 403
    # Confidential: the poster and the bureau read both, a team only its own, others nothing.
    assert len(client.get(path, headers=heads["poster"]).json["items"]) == 2
    assert len(client.get(path, headers=heads["bureau"]).json["items"]) == 2
    own = client.get(path, headers=heads["center"]).json["items"]
    assert [p["id"] for p in own] == [first.json["id"]]
    assert client.get(path, headers=heads["outsider"]).status_code == 403
    scored = client.put(f"{path}/{second.json['id']}/score", json={"score": 91}, headers=heads["poster"])
    assert scored.status_code == 200 and scored.json["score"] == 91
    selected = client.post(
        f"/api/v1/challenges/{challenge_id}/selection",
        json={"proposal_id": second.json["id"]},
        headers=heads["poster"],
    )
    assert selected.status_code == 201 and selected.json["status"] == "selected"
    contract = session.get(Contract, selected.json["contract_id"])
    assert contract.kind == "commissioned_development" and contract.amount == 850_000
    assert contract.party_a_org_id == users["poster"].org_id
    assert contract.party_b_org_id == users["university"].org_id
    assert client.post(path, json=PROPOSAL, headers=heads["outsider"]).status_code in (403, 409)
    assert "challenge_selected" in session.exec(select(Notification.kind)).all()
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.subject_type == "challenge")).all()
    assert actions == ["posted", "proposal_submitted", "proposal_submitted", "scored", "selected"]


def test_only_the_needs_organization_or_the_bureau_posts_and_bad_input_is_named(client, session, people):
    _users, heads, need = people
    body = {**CHALLENGE, "need_id": need.id, "deadline": DEADLINE}
    assert client.post("/api/v1/challenges", json=body, headers=heads["outsider"]).status_code == 403
    assert client.post("/api/v1/challenges", json=body, headers=heads["bureau"]).status_code == 201
    past = client.post(
        "/api/v1/challenges",
        json={**body, "deadline": "2020-01-01"},
        headers={**heads["poster"], "Accept-Language": "zh-CN"},
    )
    assert past.status_code == 422 and past.json["error"]["fields"]["deadline"] == "截止日期已过。"
    assert (
        client.post("/api/v1/challenges", json={**body, "reward": 0}, headers=heads["poster"]).status_code
        == 422
    )


@on_both_databases
def test_two_selections_at_once_make_one_contract(app, session, people):
    _users, heads, need = people
    client = app.test_client()
    challenge_id = _post(client, heads, need)
    path = f"/api/v1/challenges/{challenge_id}/proposals"
    ids = [
        client.post(path, json=PROPOSAL, headers=heads["center"]).json["id"],
        client.post(path, json=PROPOSAL, headers=heads["university"]).json["id"],
    ]
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c, p=p: c.post(
                f"/api/v1/challenges/{challenge_id}/selection",
                json={"proposal_id": p},
                headers=heads["poster"],
            )
            for c, p in zip(clients, ids, strict=True)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    session.expire_all()
    assert len(session.exec(select(Contract)).all()) == 1
    assert session.get(Challenge, challenge_id).selected_proposal_id in ids


@on_both_databases
def test_two_proposals_of_one_team_at_once_store_one(app, session, people):
    _users, heads, need = people
    client = app.test_client()
    challenge_id = _post(client, heads, need)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c: c.post(
                f"/api/v1/challenges/{challenge_id}/proposals", json=PROPOSAL, headers=heads["center"]
            )
            for c in clients
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    session.expire_all()
    assert len(session.exec(select(ChallengeProposal)).all()) == 1


@on_both_databases
def test_two_scores_at_once_leave_one_of_them(app, session, people):
    _users, heads, need = people
    client = app.test_client()
    challenge_id = _post(client, heads, need)
    proposal_id = client.post(
        f"/api/v1/challenges/{challenge_id}/proposals", json=PROPOSAL, headers=heads["center"]
    ).json["id"]
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c, s=s: c.put(
                f"/api/v1/challenges/{challenge_id}/proposals/{proposal_id}/score",
                json={"score": s},
                headers=heads["poster"],
            )
            for c, s in zip(clients, (60, 90), strict=True)
        )
    )
    assert [r.status_code for r in responses] == [200, 200]
    session.expire_all()
    assert session.get(ChallengeProposal, proposal_id).score in (60, 90)


@on_both_databases
def test_two_challenges_posted_at_once_are_two(app, session, people):
    _users, heads, need = people
    clients = [app.test_client() for _ in range(2)]
    body = {**CHALLENGE, "need_id": need.id, "deadline": DEADLINE}
    responses = concurrently(
        *(lambda c=c: c.post("/api/v1/challenges", json=body, headers=heads["poster"]) for c in clients)
    )
    assert [r.status_code for r in responses] == [201, 201]
    session.expire_all()
    assert len(session.exec(select(Challenge)).all()) == 2
