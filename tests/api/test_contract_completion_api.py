"""Contracts through the API as the parties live them: roles named by the contract kind, deliverable and payment
milestones in order, completion confirmed by both parties, the need closed as solved by its contract, and the
signing date a party may declare. SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlmodel import func, select

from models import AuditEvent, Contract, Need, Notification
from models.common import utcnow
from tests.conftest import BACKENDS
from tests.utils.deal_world import CONTRACT, accepted_interest
from tests.utils.web import concurrently

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

MILESTONES = [
    {"title": "工艺方案与样件", "kind": "deliverable", "due_on": "2027-04-30", "amount": 500_000},
    {"title": "首付款", "kind": "payment", "due_on": "2027-05-31", "amount": 700_000},
]


def count(session, table, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


def create(client, tokens, interest_id: int, **overrides):
    return client.post(
        "/api/v1/contracts",
        headers=tokens["sme"],
        json={**CONTRACT, "milestones": MILESTONES, "interest_id": interest_id, **overrides},
    )


def signed(client, tokens, interest_id: int, **overrides) -> str:
    """A contract signed by both, as its path."""
    made = create(client, tokens, interest_id, **overrides)
    assert made.status_code == 201, made.json
    path = f"/api/v1/contracts/{made.json['id']}"
    sha = made.json["text"]["sha256"]  # a signature names the text it signs
    for side in ("sme", "center"):
        signing = {"to": "signed", "text_sha256": sha}
        assert client.post(f"{path}/transition", headers=tokens[side], json=signing).status_code == 200
    return path


def move(client, tokens, path: str, milestone_id: int, who: str, to: str):
    return client.post(f"{path}/milestones/{milestone_id}/transition", headers=tokens[who], json={"to": to})


def finish_milestones(client, tokens, path: str) -> None:
    first, second = client.get(path, headers=tokens["sme"]).json["milestones"]
    for milestone, who, to in (
        (first, "center", "delivered"),
        (first, "sme", "accepted"),
        (second, "sme", "paid"),
        (second, "center", "received"),
    ):
        assert move(client, tokens, path, milestone["id"], who, to).status_code == 200


@pytest.mark.parametrize(
    "kind, roles",
    [
        ("license", {"a": "licensee", "b": "licensor"}),
        ("transfer", {"a": "transferee", "b": "transferor"}),
        ("incubation", {"a": "incubatee", "b": "incubator"}),
        ("commissioned_development", {"a": "client", "b": "developer"}),
    ],
)
def test_the_parties_are_named_by_the_contract_kind(client, auth, session, world, tokens, kind, roles):
    interest = accepted_interest(session, world)
    made = create(client, tokens, interest.id, kind=kind)
    assert made.status_code == 201, made.json
    assert made.json["roles"] == roles
    assert client.get(f"/api/v1/contracts/{made.json['id']}", headers=tokens["bureau"]).json["roles"] == roles
    auth.login(world.sme.email)
    page = client.get(f"/contracts/{made.json['id']}").get_data(as_text=True)
    parties = page.split('id="parties-title"', 1)[1].split("</section>", 1)[0]
    words = {"licensee": "被许可方", "licensor": "许可方", "client": "委托方", "developer": "受托方"}
    if roles["a"] in words:
        assert words[roles["a"]] in parties and words[roles["b"]] in parties
    if kind == "license":
        assert "委托方" not in parties and "受托方" not in parties
        listed = client.get("/contracts").get_data(as_text=True)
        assert "被许可方" in listed and "委托方" not in listed.split("<tbody>", 1)[1]


def test_milestones_run_in_order_by_kind_and_completion_needs_both(client, session, world, tokens):
    path = signed(client, tokens, accepted_interest(session, world).id)
    first, second = client.get(path, headers=tokens["sme"]).json["milestones"]
    assert (first["kind"], second["kind"]) == ("deliverable", "payment")
    assert first["allowed"] == [] and second["allowed"] == []  # the client waits for the delivery
    assert second["waits_for"] == "工艺方案与样件"
    early = move(client, tokens, path, second["id"], "sme", "paid")
    assert early.status_code == 409 and "工艺方案与样件" in early.json["error"]["message"]
    assert client.get(path, headers=tokens["sme"]).json["milestones"][1]["status"] == "pending"

    assert move(client, tokens, path, first["id"], "center", "delivered").status_code == 200
    assert move(client, tokens, path, first["id"], "sme", "accepted").status_code == 200
    assert (
        move(client, tokens, path, first["id"], "sme", "paid").status_code == 409
    )  # a deliverable ends there
    assert move(client, tokens, path, second["id"], "center", "paid").status_code == 403  # the payer pays
    paid = move(client, tokens, path, second["id"], "sme", "paid")
    assert paid.status_code == 200 and paid.json["milestones"][1]["status"] == "paid"
    assert (
        move(client, tokens, path, second["id"], "sme", "received").status_code == 403
    )  # the payee confirms

    assert (
        client.post(f"{path}/transition", headers=tokens["sme"], json={"to": "in_progress"}).status_code
        == 200
    )
    open_ = client.post(f"{path}/transition", headers=tokens["sme"], json={"to": "completed"})
    assert open_.status_code == 409 and "首付款" in open_.json["error"]["message"]
    assert client.get(path, headers=tokens["sme"]).json["completion"] == {"a": False, "b": False}

    received = move(client, tokens, path, second["id"], "center", "received")
    assert received.status_code == 200 and received.json["milestones"][1]["done"]
    first_ok = client.post(f"{path}/transition", headers=tokens["center"], json={"to": "completed"})
    assert first_ok.status_code == 200
    assert first_ok.json["status"] == "in_progress" and first_ok.json["completion"] == {"a": False, "b": True}
    again = client.post(f"{path}/transition", headers=tokens["center"], json={"to": "completed"})
    assert again.status_code == 409 and "等待对方确认" in again.json["error"]["message"]
    assert (
        client.post(f"{path}/transition", headers=tokens["other"], json={"to": "completed"}).status_code
        == 404
    )
    second_ok = client.post(f"{path}/transition", headers=tokens["sme"], json={"to": "completed"})
    assert second_ok.status_code == 200
    assert second_ok.json["status"] == "completed" and second_ok.json["completion"] == {"a": True, "b": True}
    audit = client.get(f"{path}/audit", headers=tokens["bureau"]).json["items"]
    assert [(e["action"], e["to"]) for e in audit][-2:] == [
        ("completed_by_b", "in_progress"),
        ("completed_by_a", "completed"),
    ]


def test_two_parties_confirming_completion_at_once_complete_it_once(app, client, session, world, tokens):
    path = signed(client, tokens, accepted_interest(session, world).id)
    finish_milestones(client, tokens, path)
    assert (
        client.post(f"{path}/transition", headers=tokens["sme"], json={"to": "in_progress"}).status_code
        == 200
    )
    results = concurrently(
        lambda: app.test_client().post(f"{path}/transition", headers=tokens["sme"], json={"to": "completed"}),
        lambda: app.test_client().post(
            f"{path}/transition", headers=tokens["center"], json={"to": "completed"}
        ),
    )
    assert [r.status_code for r in results] == [200, 200]
    final = client.get(path, headers=tokens["sme"]).json
    assert final["status"] == "completed" and final["completion"] == {"a": True, "b": True}
    audit = client.get(f"{path}/audit", headers=tokens["sme"]).json["items"]
    confirmations = [e for e in audit if e["action"].startswith("completed_by")]
    assert sorted(e["action"] for e in confirmations) == ["completed_by_a", "completed_by_b"]
    assert [e["to"] for e in confirmations].count("completed") == 1  # completed exactly once
    # The need's owner is asked once to close the need.
    assert count(session, Notification, Notification.kind == "contract_completed_need") == 1


def test_the_need_owner_closes_the_need_once_the_contract_is_completed(client, session, world, tokens):
    path = signed(client, tokens, accepted_interest(session, world).id)
    close = f"{path}/close-need"
    refused = client.post(close, headers=tokens["sme"], json={})
    assert refused.status_code == 409 and "完成" in refused.json["error"]["message"]  # not completed yet
    finish_milestones(client, tokens, path)
    client.post(f"{path}/transition", headers=tokens["sme"], json={"to": "in_progress"})
    for side in ("sme", "center"):
        client.post(f"{path}/transition", headers=tokens[side], json={"to": "completed"})
    asked = session.exec(select(Notification).where(Notification.kind == "contract_completed_need")).all()
    assert {n.user_id for n in asked} == {world.sme.id}  # the need's owner
    for who, status in (("center", 403), ("bureau", 403), ("other", 404)):
        assert client.post(close, headers=tokens[who], json={}).status_code == status, who
    session.expire_all()
    assert session.get(Need, world.need_id).status == "published"

    closed = client.post(close, headers=tokens["sme"], json={})
    assert closed.status_code == 200, closed.json
    contract_id = int(path.rsplit("/", 1)[1])
    assert closed.json == {
        "need_id": world.need_id,
        "status": "closed",
        "close_reason": "solved_here",
        "solved_contract_id": contract_id,
    }
    assert client.post(close, headers=tokens["sme"], json={}).status_code == 409  # already closed
    rows = session.exec(
        select(AuditEvent).where(AuditEvent.subject_type == "need", AuditEvent.subject_id == world.need_id)
    ).all()
    assert [(r.action, r.to_state, r.data.get("contract_id")) for r in rows if r.action == "close"] == [
        ("close", "closed", contract_id)
    ]


def test_a_declared_signing_date_is_today_or_within_30_days(client, session, world, tokens):
    interest = accepted_interest(session, world)
    today = utcnow().date()
    for bad in (today + timedelta(days=1), today - timedelta(days=31), "2019-06-01"):
        refused = create(client, tokens, interest.id, signed_on=str(bad))
        assert refused.status_code == 422, bad
        assert refused.json["error"]["fields"]["signed_on"] == "签订日期只能是今天或最近 30 天内。"
    assert count(session, Contract) == 0
    declared = today - timedelta(days=30)
    path = signed(client, tokens, interest.id, signed_on=str(declared))
    assert client.get(path, headers=tokens["sme"]).json["signed_on"] == str(declared)  # kept as declared
    undeclared = signed(client, tokens, interest.id)
    assert client.get(undeclared, headers=tokens["sme"]).json["signed_on"] == str(utcnow().date())


def test_closing_the_need_twice_at_once_closes_it_once(app, client, session, world, tokens):
    path = signed(client, tokens, accepted_interest(session, world).id)
    finish_milestones(client, tokens, path)
    client.post(f"{path}/transition", headers=tokens["sme"], json={"to": "in_progress"})
    for side in ("sme", "center"):
        assert (
            client.post(f"{path}/transition", headers=tokens[side], json={"to": "completed"}).status_code
            == 200
        )
    results = concurrently(
        lambda: app.test_client().post(f"{path}/close-need", headers=tokens["sme"], json={}),
        lambda: app.test_client().post(f"{path}/close-need", headers=tokens["sme"], json={}),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    closes = count(
        session,
        AuditEvent,
        AuditEvent.subject_type == "need",
        AuditEvent.subject_id == world.need_id,
        AuditEvent.action == "close",
    )
    assert closes == 1
