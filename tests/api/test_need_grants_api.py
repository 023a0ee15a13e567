"""Access to a confidential need granted by its owner (授权查看) through the API: the grants routes and their
shapes, who may call them, the NDA the grantee accepts on the conversation whichever side opened it (with the
version it read), one conversation per pair of organizations and need, concurrent grants and revocations, and
the access log."""

import pytest
from sqlmodel import func, select

from app.deals.services.interests import PLATFORM_NDA_VERSION
from models import DetailView, Interest, NdaAcceptance, NeedAccess, User
from tests.conftest import BACKENDS
from tests.utils.deal_world import make_world
from tests.utils.factories import PASSWORD, create_user
from tests.utils.web import bearer, concurrently

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def tokens(client, world):
    return {
        name: {**bearer(client, getattr(world, name).email, PASSWORD), **ZH}
        for name in ("sme", "center", "other", "bureau")
    }


def count(session, table, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


def sme_reaches_out(client, world, tokens) -> dict:
    """The SME's interest in the center's achievement, sent on behalf of its confidential need."""
    created = client.post(
        "/api/v1/interests",
        headers=tokens["sme"],
        json={
            "target_type": "achievement",
            "target_id": world.achievement_id,
            "message": "贵中心的工艺正适合我们的需求，希望合作。",
            "via_type": "need",
            "via_id": world.need_id,
        },
    )
    assert created.status_code == 201, created.json
    return created.json


def test_grant_list_and_revoke_with_their_exact_shapes(client, session, world, tokens):
    grants = f"/api/v1/needs/{world.need_id}/grants"
    assert client.get(grants, headers=tokens["sme"]).json == {"items": []}

    granted = client.post(grants, headers=tokens["sme"], json={"org_id": world.center.org_id})
    assert granted.status_code == 201, granted.json
    grant = granted.json
    assert set(grant) == {"id", "org_id", "granted_at", "nda_required"}
    assert grant["org_id"] == world.center.org_id and grant["nda_required"] is True
    row = session.get(NeedAccess, grant["id"])
    assert row.granted_by == world.sme.id and row.need_id == world.need_id

    # Granting again changes nothing and answers with the same grant.
    again = client.post(grants, headers=tokens["sme"], json={"org_id": world.center.org_id})
    assert again.status_code == 200 and again.json == grant
    assert client.get(grants, headers=tokens["sme"]).json == {"items": [grant]}
    assert client.get(grants, headers=tokens["bureau"]).json == {"items": [grant]}

    revoked = client.delete(f"{grants}/{grant['id']}", headers=tokens["sme"])
    assert revoked.status_code == 204 and revoked.data == b""
    assert client.get(grants, headers=tokens["sme"]).json == {"items": []}
    assert client.delete(f"{grants}/{grant['id']}", headers=tokens["sme"]).status_code == 404

    log = client.get(f"/api/v1/needs/{world.need_id}/detail-views", headers=tokens["sme"]).json["items"]
    assert [(row["event"], row["organization"]) for row in log] == [
        ("revoke", granted_org_name(session, world)),
        ("grant", granted_org_name(session, world)),
    ]


def granted_org_name(session, world) -> str:
    from models import Organization

    return session.get(Organization, world.center.org_id).name


def test_a_third_organization_gets_404_on_every_grants_route_and_the_bureau_only_lists(
    client, session, world, tokens
):
    grants = f"/api/v1/needs/{world.need_id}/grants"
    grant = client.post(grants, headers=tokens["sme"], json={"org_id": world.center.org_id}).json
    for headers in (tokens["other"], tokens["center"]):
        assert client.get(grants, headers=headers).status_code == 404
        assert client.post(grants, headers=headers, json={"org_id": world.other.org_id}).status_code == 404
        assert client.delete(f"{grants}/{grant['id']}", headers=headers).status_code == 404
    assert (
        client.post(grants, headers=tokens["bureau"], json={"org_id": world.other.org_id}).status_code == 403
    )
    assert client.delete(f"{grants}/{grant['id']}", headers=tokens["bureau"]).status_code == 403
    assert client.get(grants).status_code == 401
    # A grant of another need is not this need's.
    assert (
        client.delete(
            f"/api/v1/needs/{world.need_id + 999}/grants/{grant['id']}", headers=tokens["sme"]
        ).status_code
        == 404
    )
    assert count(session, NeedAccess) == 1


@pytest.mark.parametrize(
    ("org_id", "message"),
    [
        (None, "请选择要授权的单位。"),
        (999_999, "平台上没有这个单位。"),
        ("7", "平台上没有这个单位。"),
        (True, "平台上没有这个单位。"),
        ("own", "本单位始终可以查看详情，请选择其他单位。"),
        ("inactive", "平台上没有这个单位。"),
    ],
)
def test_the_grantee_must_be_another_active_organization(client, session, world, tokens, org_id, message):
    if org_id == "own":
        org_id = world.sme.org_id
    elif org_id == "inactive":
        closed = create_user(session, "enterprise")
        row = session.get(User, closed.id)
        row.active = False
        session.add(row)
        session.commit()
        org_id = closed.org_id
    refused = client.post(
        f"/api/v1/needs/{world.need_id}/grants", headers=tokens["sme"], json={"org_id": org_id}
    )
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {"org_id": message}
    assert count(session, NeedAccess) == 0


def test_a_need_that_is_not_confidential_has_nothing_to_grant(client, session, world, tokens):
    from tests.utils.factories import create_need

    open_need = create_need(session, world.sme)
    refused = client.post(
        f"/api/v1/needs/{open_need.id}/grants", headers=tokens["sme"], json={"org_id": world.center.org_id}
    )
    assert refused.status_code == 409 and "未设为保密" in refused.json["error"]["message"]


def test_sme_first_grant_then_nda_with_its_version_then_details(client, session, world, tokens):
    """The SME reached out first (联系合作 on the center's achievement, on behalf of its confidential need): it
    grants the center access, the center accepts the NDA it was shown on that same conversation and reads."""
    need_path = f"/api/v1/needs/{world.need_id}"
    interest = sme_reaches_out(client, world, tokens)
    nda_path = f"/api/v1/interests/{interest['id']}/nda"
    seen = client.get(f"/api/v1/interests/{interest['id']}", headers=tokens["center"]).json
    assert seen["side"] == "to" and seen["nda_required"] and seen["nda_need_id"] == world.need_id
    assert seen["nda"]["version"] == PLATFORM_NDA_VERSION and not seen["access_granted"]
    # Not granted yet: nothing to accept, and the details stay closed.
    early = client.post(
        nda_path, headers=tokens["center"], json={"accept": True, "version": PLATFORM_NDA_VERSION}
    )
    assert early.status_code == 409 and "尚未授权" in early.json["error"]["message"]
    assert client.get(need_path, headers=tokens["center"]).json["details"] is None
    # The owner is not the one to accept its own NDA.
    assert (
        client.post(
            nda_path, headers=tokens["sme"], json={"accept": True, "version": PLATFORM_NDA_VERSION}
        ).status_code
        == 403
    )

    grant = client.post(
        f"{need_path}/grants", headers=tokens["sme"], json={"org_id": world.center.org_id}
    ).json
    assert grant["nda_required"] is True
    assert client.get(need_path, headers=tokens["center"]).json["details"] is None  # granted, NDA first
    seen = client.get(f"/api/v1/interests/{interest['id']}", headers=tokens["center"]).json
    assert seen["access_granted"] and not seen["nda_accepted"]
    version_shown = seen["nda"]["version"]

    missing = client.post(nda_path, headers=tokens["center"], json={"accept": True})
    assert missing.status_code == 422 and set(missing.json["error"]["fields"]) == {"version"}
    # The owner edits its NDA after the center read it: the old version is refused, nothing is recorded.
    edited = client.put(
        f"{need_path}/nda", headers=tokens["sme"], json={"body": "本需求专用保密条款：保密期五年。"}
    )
    assert edited.status_code == 200
    stale = client.post(nda_path, headers=tokens["center"], json={"accept": True, "version": version_shown})
    assert stale.status_code == 409 and edited.json["version"] in stale.json["error"]["message"]
    assert count(session, NdaAcceptance) == 0
    assert client.get(need_path, headers=tokens["center"]).json["details"] is None

    current = client.get(f"/api/v1/interests/{interest['id']}", headers=tokens["center"]).json["nda"]
    assert (
        current["version"] == edited.json["version"] and current["text"] == "本需求专用保密条款：保密期五年。"
    )
    accepted = client.post(
        nda_path, headers=tokens["center"], json={"accept": True, "version": current["version"]}
    )
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["text_version"] == current["version"] and accepted.json["need_id"] == world.need_id
    assert client.get(need_path, headers=tokens["center"]).json["details"].startswith("现有焊接速度")
    assert client.get(f"{need_path}/grants", headers=tokens["sme"]).json["items"][0]["nda_required"] is False
    both = client.get(f"/api/v1/interests/{interest['id']}", headers=tokens["sme"]).json
    assert both["nda_accepted"] and both["access_granted"]
    assert (
        client.post(
            nda_path, headers=tokens["center"], json={"accept": True, "version": current["version"]}
        ).status_code
        == 409
    )
    # Still one conversation for the two organizations.
    assert count(session, Interest) == 1

    # Revoked: the NDA stays accepted, the details close again.
    client.delete(f"{need_path}/grants/{grant['id']}", headers=tokens["sme"])
    assert client.get(need_path, headers=tokens["center"]).json["details"] is None
    log = client.get(f"{need_path}/detail-views", headers=tokens["sme"]).json["items"]
    assert [row["event"] for row in log] == ["revoke", "view", "nda_accepted", "grant"]


def test_one_conversation_per_pair_of_organizations_and_need(client, session, world, tokens):
    interest = sme_reaches_out(client, world, tokens)
    # The center answering by expressing interest in the need itself is sent back to the SME's conversation.
    second = client.post(
        "/api/v1/interests",
        headers=tokens["center"],
        json={"target_type": "need", "target_id": world.need_id, "message": "我们也想合作"},
    )
    assert second.status_code == 409
    assert second.json["error"]["fields"] == {"interest_id": str(interest["id"])}
    assert "已就该需求建立了对话" in second.json["error"]["message"]
    assert count(session, Interest) == 1
    # A third organization is not part of that pair and may express its own interest.
    assert (
        client.post(
            "/api/v1/interests",
            headers=tokens["other"],
            json={"target_type": "need", "target_id": world.need_id, "message": "我们也想合作"},
        ).status_code
        == 201
    )


def test_the_other_way_round_the_owner_is_sent_to_the_providers_interest(client, session, world, tokens):
    first = client.post(
        "/api/v1/interests",
        headers=tokens["center"],
        json={"target_type": "need", "target_id": world.need_id, "message": "我们有成熟工艺"},
    ).json
    again = client.post(
        "/api/v1/interests",
        headers=tokens["sme"],
        json={
            "target_type": "achievement",
            "target_id": world.achievement_id,
            "message": "希望合作",
            "via_type": "need",
            "via_id": world.need_id,
        },
    )
    assert again.status_code == 409 and again.json["error"]["fields"] == {"interest_id": str(first["id"])}
    # Once the first is withdrawn, the owner may open its own.
    client.post(f"/api/v1/interests/{first['id']}/withdraw", headers=tokens["center"], json={})
    assert sme_reaches_out(client, world, tokens)["via_id"] == world.need_id


def test_both_sides_reaching_out_at_once_make_one_conversation(app, session, world, tokens):
    bodies = [
        (
            tokens["sme"],
            {
                "target_type": "achievement",
                "target_id": world.achievement_id,
                "message": "希望合作",
                "via_type": "need",
                "via_id": world.need_id,
            },
        ),
        (tokens["center"], {"target_type": "need", "target_id": world.need_id, "message": "我们有成熟工艺"}),
    ]
    results = concurrently(
        *[lambda h=h, b=b: app.test_client().post("/api/v1/interests", headers=h, json=b) for h, b in bodies]
    )
    assert sorted(r.status_code for r in results) == [201, 409], [r.json for r in results]
    made = next(r for r in results if r.status_code == 201).json
    refused = next(r for r in results if r.status_code == 409).json
    assert refused["error"]["fields"] == {"interest_id": str(made["id"])}
    assert count(session, Interest) == 1


def test_two_concurrent_grants_give_one_row_and_both_callers_the_grant(app, session, world, tokens):
    path = f"/api/v1/needs/{world.need_id}/grants"
    results = concurrently(
        *[
            lambda: app.test_client().post(path, headers=tokens["sme"], json={"org_id": world.center.org_id})
            for _ in range(2)
        ]
    )
    assert sorted(r.status_code for r in results) == [200, 201], [r.json for r in results]
    assert results[0].json == results[1].json
    assert count(session, NeedAccess) == 1
    assert count(session, DetailView, DetailView.event == "grant") == 1


def test_two_concurrent_revocations_remove_one_grant_once(app, client, session, world, tokens):
    grants = f"/api/v1/needs/{world.need_id}/grants"
    grant = client.post(grants, headers=tokens["sme"], json={"org_id": world.center.org_id}).json
    results = concurrently(
        *[
            lambda: app.test_client().delete(f"{grants}/{grant['id']}", headers=tokens["sme"])
            for _ in range(2)
        ]
    )
    assert sorted(r.status_code for r in results) == [204, 404]
    assert count(session, NeedAccess) == 0
    assert count(session, DetailView, DetailView.event == "revoke") == 1


def test_migration_keeps_existing_grants_and_views(app, session):
    """0016 gives the grants an id and the log an event: rows from before stay, as grants and as views."""
    from sqlalchemy import text

    from app.migrate import downgrade, upgrade
    from tests.utils.factories import create_need

    world = make_world(session)
    other = create_user(session, "enterprise")
    session.close()
    engine = app.extensions["db_engine"]
    downgrade(engine, "0015")
    try:
        with engine.begin() as conn:
            for org_id in (world.center.org_id, other.org_id):
                conn.execute(
                    text(
                        "INSERT INTO need_access (need_id, org_id, granted_at) VALUES (:n, :o, '2026-01-02')"
                    ),
                    {"n": world.need_id, "o": org_id},
                )
            conn.execute(
                text(
                    "INSERT INTO detail_view (need_id, user_id, org_id, viewed_at) VALUES (:n, :u, :o, '2026-01-03')"
                ),
                {"n": world.need_id, "u": world.center.id, "o": world.center.org_id},
            )
        upgrade(engine)
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT id, need_id, org_id, granted_by FROM need_access ORDER BY id")
            ).all()
            assert [(r.need_id, r.org_id, r.granted_by) for r in rows] == [
                (world.need_id, world.center.org_id, None),
                (world.need_id, other.org_id, None),
            ]
            assert len({r.id for r in rows}) == 2 and all(r.id for r in rows)
            assert conn.execute(text("SELECT event FROM detail_view")).scalars().all() == ["view"]
        # The unique pair holds in the database; a new grant gets a new id.
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text("INSERT INTO need_access (need_id, org_id, granted_at) VALUES (:n, :o, '2026-01-04')"),
                {"n": world.need_id, "o": other.org_id},
            )
        fresh = create_need(session, world.sme, confidential=True)
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO need_access (need_id, org_id, granted_at) VALUES (:n, :o, '2026-01-04')"),
                {"n": fresh.id, "o": other.org_id},
            )
            assert conn.execute(text("SELECT max(id) FROM need_access")).scalar() > max(r.id for r in rows)
    finally:
        upgrade(engine)
