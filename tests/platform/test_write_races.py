"""Write paths tried with two requests at once: each race ends in one consistent state, answers the loser with a
clear 4xx (never a 500), and loses nothing already saved."""

import io

import pytest
from sqlmodel import select

from models import ListingAttachment, Need, OutboxEvent, SavedSearch
from tests.conftest import BACKENDS
from tests.utils.deal_world import accepted_interest, make_world
from tests.utils.factories import PASSWORD, create_need
from tests.utils.images import png
from tests.utils.web import bearer, concurrently, csrf_token

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
PNG = png()


def logged_in_clients(app, email: str, n: int = 2) -> list:
    clients = [app.test_client() for _ in range(n)]
    for client in clients:
        client.post(
            "/auth/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/auth/login")},
        )
    return clients


@on_both_databases
def test_two_deletes_of_one_listing_delete_it_once(app, session, enterprise):
    need_id = create_need(session, enterprise).id
    headers = bearer(app.test_client(), enterprise.email, PASSWORD)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(lambda c=c: c.delete(f"/api/v1/needs/{need_id}", headers=headers) for c in clients)
    )
    assert sorted(r.status_code for r in responses) == [204, 404]
    session.expire_all()
    assert session.get(Need, need_id) is None
    deletes = session.exec(
        select(OutboxEvent).where(
            OutboxEvent.entity_type == "need", OutboxEvent.entity_id == need_id, OutboxEvent.op == "delete"
        )
    ).all()
    assert len(deletes) == 1


@on_both_databases
def test_two_publishes_of_one_draft_publish_it_once(app, session, enterprise):
    need = create_need(session, enterprise, publish=False)
    clients = logged_in_clients(app, enterprise.email)
    tokens = [csrf_token(c, f"/needs/{need.id}") for c in clients]
    responses = concurrently(
        *(
            lambda c=c, t=t: c.post(f"/needs/{need.id}/publish", data={"csrf_token": t})
            for c, t in zip(clients, tokens, strict=True)
        )
    )
    assert all(r.status_code < 500 for r in responses)
    session.expire_all()
    row = session.get(Need, need.id)
    assert row.status == "published" and row.published_at is not None


@on_both_databases
def test_two_reconfirms_at_once_both_extend_to_one_expiry(app, session, enterprise):
    need = create_need(session, enterprise)
    headers = bearer(app.test_client(), enterprise.email, PASSWORD)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(lambda c=c: c.post(f"/api/v1/needs/{need.id}/reconfirm", headers=headers) for c in clients)
    )
    assert [r.status_code for r in responses] == [200, 200]
    session.expire_all()
    assert session.get(Need, need.id).expires_at is not None


@on_both_databases
def test_two_deletes_of_one_attachment_delete_it_once(app, session, enterprise):
    need = create_need(session, enterprise)
    clients = logged_in_clients(app, enterprise.email)
    clients[0].post(
        f"/needs/{need.id}/attachments",
        data={
            "csrf_token": csrf_token(clients[0], f"/needs/{need.id}"),
            "file": (io.BytesIO(PNG), "photo.png"),
        },
        content_type="multipart/form-data",
    )
    attachment = session.exec(select(ListingAttachment)).one()
    tokens = [csrf_token(c, f"/needs/{need.id}") for c in clients]
    path = f"/needs/{need.id}/attachments/{attachment.id}/delete"
    responses = concurrently(
        *(lambda c=c, t=t: c.post(path, data={"csrf_token": t}) for c, t in zip(clients, tokens, strict=True))
    )
    assert all(r.status_code < 500 for r in responses)
    assert sorted(r.status_code for r in responses)[0] == 302
    session.expire_all()
    assert session.exec(select(ListingAttachment)).all() == []


@on_both_databases
def test_two_deletes_of_one_saved_search_delete_it_once(app, session, enterprise):
    headers = bearer(app.test_client(), enterprise.email, PASSWORD)
    created = app.test_client().post(
        "/api/v1/saved-searches", json={"name": "激光焊接", "query": "激光焊接"}, headers=headers
    )
    assert created.status_code == 201, created.json
    saved_id = created.json["id"]
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(lambda c=c: c.delete(f"/api/v1/saved-searches/{saved_id}", headers=headers) for c in clients)
    )
    assert sorted(r.status_code for r in responses) == [204, 404]
    session.expire_all()
    assert session.exec(select(SavedSearch)).all() == []


@on_both_databases
def test_a_listing_with_a_deal_is_closed_not_deleted(app, client, session):
    # The counterpart's interest, the contract and the bureau's indicators all point at the listing.
    world = make_world(session)
    accepted_interest(session, world)
    headers = bearer(client, world.sme.email, PASSWORD)
    refused = client.delete(f"/api/v1/needs/{world.need_id}", headers=headers)
    assert refused.status_code == 409 and "关闭" in refused.json["error"]["message"]
    center_headers = bearer(client, world.center.email, PASSWORD)
    assert (
        client.delete(f"/api/v1/achievements/{world.achievement_id}", headers=center_headers).status_code
        == 409
    )
    page = logged_in_clients(app, world.sme.email, 1)[0]
    answer = page.post(
        f"/needs/{world.need_id}/delete",
        data={"csrf_token": csrf_token(page, f"/needs/{world.need_id}")},
        follow_redirects=True,
    )
    assert answer.status_code == 200 and "不能删除" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(Need, world.need_id) is not None
    closed = client.patch(
        f"/api/v1/needs/{world.need_id}",
        json={"status": "closed", "close_reason": "solved_here"},
        headers=headers,
    )
    assert closed.status_code == 200
