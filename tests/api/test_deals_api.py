"""Deals through the JSON API, on SQLite and on a real PostgreSQL: from an interest through the NDA to a signed
contract, who may see what, illegal steps, and concurrent requests."""

import io
import re
from pathlib import Path

import pytest
from sqlmodel import func, select

from app.deals.services.interests import PLATFORM_NDA_VERSION
from models import Attachment, AuditEvent, Interest, Message, Notification
from tests.conftest import BACKENDS
from tests.utils.deal_world import CONTRACT, accepted_interest, draft_contract
from tests.utils.web import concurrently

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def count(session, table, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


def test_from_interest_through_nda_to_a_signed_contract(client, world, tokens):
    need_path = f"/api/v1/needs/{world.need_id}"
    created = client.post(
        "/api/v1/interests",
        headers=tokens["center"],
        json={
            "target_type": "need",
            "target_id": world.need_id,
            "message": "我们有成熟工艺，希望合作。",
            "via_type": "achievement",
            "via_id": world.achievement_id,
        },
    )
    assert created.status_code == 201, created.json
    interest = created.json
    assert interest["status"] == "pending" and interest["nda_required"] and interest["contacts"] is None
    inbox = client.get("/api/v1/interests?box=in", headers=tokens["sme"]).json["items"]
    assert [item["id"] for item in inbox] == [interest["id"]]
    assert client.get("/api/v1/interests?box=out", headers=tokens["sme"]).json["items"] == []

    accepted = client.post(f"/api/v1/interests/{interest['id']}/accept", headers=tokens["sme"], json={})
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    seen_by_center = client.get(f"/api/v1/interests/{interest['id']}", headers=tokens["center"]).json
    assert seen_by_center["contacts"]["contact_email"] == world.sme.email
    # Acceptance by the owner is not enough for a confidential need: the NDA comes first.
    assert client.get(need_path, headers=tokens["center"]).json["details"] is None
    assert (
        client.post(
            f"/api/v1/interests/{interest['id']}/nda", headers=tokens["sme"], json={"accept": True}
        ).status_code
        == 403
    )
    # Consent is the service's rule: without "accept": true nothing is recorded, in the user's language.
    refused = client.post(
        f"/api/v1/interests/{interest['id']}/nda",
        headers={**tokens["center"], "Accept-Language": "zh-CN"},
        json={"accept": False},
    )
    assert refused.status_code == 422
    assert refused.json["error"]["fields"]["accept"] == "请先同意并接受保密协议。"
    assert client.get(need_path, headers=tokens["center"]).json["details"] is None
    version = seen_by_center["nda"]["version"]
    nda = client.post(
        f"/api/v1/interests/{interest['id']}/nda",
        headers=tokens["center"],
        json={"accept": True, "version": version},
    )
    assert nda.status_code == 201 and nda.json["text_version"] == seen_by_center["nda"]["version"]
    assert (
        client.post(
            f"/api/v1/interests/{interest['id']}/nda",
            headers=tokens["center"],
            json={"accept": True, "version": version},
        ).status_code
        == 409
    )
    assert client.get(need_path, headers=tokens["center"]).json["details"].startswith("现有焊接速度")
    assert client.get(need_path, headers=tokens["other"]).json["details"] is None
    assert client.get(need_path, headers=tokens["bureau"]).json["details"]
    client.get(need_path, headers=tokens["sme"])  # the owner's own views are not logged
    views = client.get(f"{need_path}/detail-views", headers=tokens["sme"]).json["items"]
    # Newest first: the bureau's view, the center's view, and the center's acceptance of the NDA before them.
    assert [(v["event"], v["bureau"]) for v in views] == [
        ("view", True),
        ("view", False),
        ("nda_accepted", False),
    ]
    assert client.get(f"{need_path}/detail-views", headers=tokens["center"]).status_code == 404

    said = client.post(
        f"/api/v1/interests/{interest['id']}/messages",
        headers=tokens["sme"],
        json={"body": "请提供样件检测报告。"},
    )
    assert said.status_code == 201
    messages = client.get(f"/api/v1/interests/{interest['id']}/messages", headers=tokens["center"]).json[
        "items"
    ]
    assert [m["body"] for m in messages] == ["请提供样件检测报告。"] and not messages[0]["mine"]

    contract = client.post(
        "/api/v1/contracts", headers=tokens["center"], json={**CONTRACT, "interest_id": interest["id"]}
    )
    assert contract.status_code == 201, contract.json
    contract = contract.json
    assert contract["status"] == "draft" and contract["party_a"]["id"] == world.sme.org_id
    path = f"/api/v1/contracts/{contract['id']}"
    sha = contract["text"]["sha256"]
    half = client.post(
        f"{path}/transition", headers=tokens["sme"], json={"to": "signed", "text_sha256": sha}
    ).json
    assert half["status"] == "draft" and half["party_a"]["signed_at"] and half["allowed"] == ["terminated"]
    signed = client.post(
        f"{path}/transition", headers=tokens["center"], json={"to": "signed", "text_sha256": sha}
    ).json
    assert signed["status"] == "signed"
    first, second = signed["milestones"]
    assert first["allowed"] == ["delivered"]
    for token, to in (("center", "delivered"), ("sme", "accepted")):
        step = client.post(
            f"{path}/milestones/{first['id']}/transition", headers=tokens[token], json={"to": to}
        )
        assert step.status_code == 200, step.json
    final = client.get(path, headers=tokens["bureau"]).json
    assert [m["status"] for m in final["milestones"]] == ["accepted", "pending"]
    audit = client.get(f"{path}/audit", headers=tokens["center"]).json["items"]
    assert [(e["action"], e["to"]) for e in audit] == [
        ("created", "draft"),
        ("signed_by_a", "draft"),
        ("signed_by_b", "signed"),
        ("milestone", "delivered"),
        ("milestone", "accepted"),
    ]
    listed = client.get("/api/v1/contracts?party=me", headers=tokens["sme"]).json["items"]
    assert [c["id"] for c in listed] == [contract["id"]]
    assert client.get("/api/v1/contracts?party=me", headers=tokens["other"]).json["items"] == []

    sme_kinds = {n["kind"] for n in client.get("/api/v1/notifications", headers=tokens["sme"]).json["items"]}
    center_kinds = {
        n["kind"] for n in client.get("/api/v1/notifications", headers=tokens["center"]).json["items"]
    }
    assert {
        "interest_new",
        "nda_accepted",
        "contract_created",
        "contract_signed",
        "milestone_changed",
    } <= sme_kinds
    assert {"interest_accepted", "message_new", "contract_signed", "milestone_changed"} <= center_kinds


def test_a_third_organization_gets_404_for_everything_of_another_pair(client, session, world, tokens):
    interest = accepted_interest(session, world)
    contract = draft_contract(session, world, interest)
    sent = client.post(
        f"/api/v1/interests/{interest.id}/messages",
        headers=tokens["sme"],
        data={"body": "方案见附件", "file": (io.BytesIO(PDF), "方案.pdf")},
    )
    assert sent.status_code == 201, sent.json
    attachment_id = sent.json["attachments"][0]["id"]
    milestone_id = client.get(f"/api/v1/contracts/{contract.id}", headers=tokens["sme"]).json["milestones"][
        0
    ]["id"]
    before = (count(session, Message), count(session, AuditEvent, AuditEvent.subject_type == "contract"))
    requests = [
        ("get", f"/api/v1/interests/{interest.id}", None),
        ("post", f"/api/v1/interests/{interest.id}/accept", {}),
        ("post", f"/api/v1/interests/{interest.id}/decline", {"reason": "price"}),
        ("post", f"/api/v1/interests/{interest.id}/nda", {"accept": True, "version": PLATFORM_NDA_VERSION}),
        ("get", f"/api/v1/interests/{interest.id}/messages", None),
        ("post", f"/api/v1/interests/{interest.id}/messages", {"body": "插话"}),
        ("get", f"/api/v1/attachments/{attachment_id}", None),
        ("post", "/api/v1/contracts", {**CONTRACT, "interest_id": interest.id}),
        ("get", f"/api/v1/contracts/{contract.id}", None),
        ("post", f"/api/v1/contracts/{contract.id}/transition", {"to": "terminated", "note": "x"}),
        (
            "post",
            f"/api/v1/contracts/{contract.id}/milestones/{milestone_id}/transition",
            {"to": "delivered"},
        ),
        ("post", f"/api/v1/contracts/{contract.id}/registration", {"number": "1"}),
        ("get", f"/api/v1/contracts/{contract.id}/audit", None),
    ]
    for method, path, body in requests:
        response = getattr(client, method)(path, headers=tokens["other"], json=body)
        assert response.status_code == 404, (path, response.status_code)
        assert response.json["error"]["code"] == "not_found"
        assert (
            client.open(path, method=method.upper(), json=body).status_code == 401
        )  # and visitors must log in
    assert (
        count(session, Message),
        count(session, AuditEvent, AuditEvent.subject_type == "contract"),
    ) == before
    assert client.get(f"/api/v1/interests/{interest.id}", headers=tokens["sme"]).json["status"] == "accepted"
    # The bureau reads everything but changes nothing.
    assert client.get(f"/api/v1/attachments/{attachment_id}", headers=tokens["bureau"]).data == PDF
    assert client.get(f"/api/v1/contracts/{contract.id}/audit", headers=tokens["bureau"]).status_code == 200
    assert (
        client.post(
            f"/api/v1/contracts/{contract.id}/transition", headers=tokens["bureau"], json={"to": "signed"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/interests/{interest.id}/messages", headers=tokens["bureau"], json={"body": "x"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "status_steps, bad, allowed",
    [
        ([], "completed", "signed, terminated"),
        ([], "in_progress", "signed, terminated"),
        ([("sme", "signed"), ("center", "signed")], "signed", "in_progress, completed, terminated"),
        ([("sme", "terminated")], "signed", "none"),
    ],
)
def test_illegal_contract_steps_are_409_naming_the_allowed_and_change_nothing(
    client, session, world, tokens, status_steps, bad, allowed
):
    contract = draft_contract(session, world, accepted_interest(session, world))
    path = f"/api/v1/contracts/{contract.id}"
    for who, to in status_steps:
        sha = client.get(path, headers=tokens[who]).json["text"]["sha256"]
        assert (
            client.post(
                f"{path}/transition", headers=tokens[who], json={"to": to, "note": "原因", "text_sha256": sha}
            ).status_code
            == 200
        )
    before = client.get(path, headers=tokens["sme"]).json
    events = count(
        session, AuditEvent, AuditEvent.subject_type == "contract", AuditEvent.subject_id == contract.id
    )
    response = client.post(
        f"{path}/transition",
        headers={**tokens["sme"], "Accept-Language": "en"},
        json={"to": bad, "note": "x"},
    )
    assert response.status_code == 409
    assert allowed in response.json["error"]["message"]
    assert client.get(path, headers=tokens["sme"]).json == before
    assert (
        count(
            session, AuditEvent, AuditEvent.subject_type == "contract", AuditEvent.subject_id == contract.id
        )
        == events
    )


def test_other_refused_steps(client, session, world, tokens):
    interest = accepted_interest(session, world)
    contract = draft_contract(session, world, interest)
    path = f"/api/v1/contracts/{contract.id}"
    milestone = client.get(path, headers=tokens["sme"]).json["milestones"][0]["id"]
    # Milestones wait for the signatures; only the provider delivers; terminating needs a reason.
    assert (
        client.post(
            f"{path}/milestones/{milestone}/transition", headers=tokens["center"], json={"to": "delivered"}
        ).status_code
        == 409
    )
    assert (
        client.post(f"{path}/transition", headers=tokens["sme"], json={"to": "terminated"}).status_code == 422
    )
    sign = {"to": "signed", "text_sha256": client.get(path, headers=tokens["sme"]).json["text"]["sha256"]}
    assert client.post(f"{path}/transition", headers=tokens["sme"], json=sign).status_code == 200
    assert client.post(f"{path}/transition", headers=tokens["sme"], json=sign).status_code == 409
    client.post(f"{path}/transition", headers=tokens["center"], json=sign)
    wrong_side = client.post(
        f"{path}/milestones/{milestone}/transition", headers=tokens["sme"], json={"to": "delivered"}
    )
    assert wrong_side.status_code == 403
    skipped = client.post(
        f"{path}/milestones/{milestone}/transition", headers=tokens["sme"], json={"to": "paid"}
    )
    assert skipped.status_code == 409
    # A decided interest cannot be decided again.
    again = client.post(
        f"/api/v1/interests/{interest.id}/decline", headers=tokens["sme"], json={"reason": "price"}
    )
    assert again.status_code == 409 and again.json["error"]["fields"]["to"] == ""
    # Bad input is a 422 with field messages, not a 500.
    bad = client.post(
        "/api/v1/contracts",
        headers=tokens["sme"],
        json={**CONTRACT, "interest_id": interest.id, "technology_amount": 2_000_000, "kind": "gift"},
    )
    assert bad.status_code == 422 and {"kind"} <= set(bad.json["error"]["fields"])
    over = client.post(
        "/api/v1/contracts",
        headers=tokens["sme"],
        json={**CONTRACT, "interest_id": interest.id, "technology_amount": 2_000_000},
    )
    assert over.status_code == 422 and "technology_amount" in over.json["error"]["fields"]
    own = client.post(
        "/api/v1/interests",
        headers=tokens["sme"],
        json={"target_type": "need", "target_id": world.need_id, "message": "自己"},
    )
    assert own.status_code == 422
    reason = client.post(
        "/api/v1/interests",
        headers=tokens["other"],
        json={"target_type": "achievement", "target_id": world.achievement_id, "message": ""},
    )
    assert reason.status_code == 422 and "message" in reason.json["error"]["fields"]


def test_one_open_interest_per_organization_and_target_even_when_concurrent(
    app, client, session, world, tokens
):
    body = {"target_type": "achievement", "target_id": world.achievement_id, "message": "希望获得技术许可。"}
    clients = [app.test_client(), app.test_client()]
    results = concurrently(
        *[lambda c=c: c.post("/api/v1/interests", headers=tokens["other"], json=body) for c in clients]
    )
    assert sorted(r.status_code for r in results) == [201, 409]
    assert count(session, Interest, Interest.target_id == world.achievement_id) == 1
    assert count(session, Notification, Notification.user_id == world.center.id) == 1
    # Once declined, the organization may try again.
    interest_id = next(r.json["id"] for r in results if r.status_code == 201)
    client.post(
        f"/api/v1/interests/{interest_id}/decline", headers=tokens["center"], json={"reason": "timing"}
    )
    assert client.post("/api/v1/interests", headers=tokens["other"], json=body).status_code == 201


def test_two_concurrent_accepts_leave_one_decision(app, session, world, tokens):
    client = app.test_client()
    interest = client.post(
        "/api/v1/interests",
        headers=tokens["center"],
        json={"target_type": "need", "target_id": world.need_id, "message": "合作"},
    ).json
    path = f"/api/v1/interests/{interest['id']}"
    results = concurrently(
        lambda: app.test_client().post(f"{path}/accept", headers=tokens["sme"], json={}),
        lambda: app.test_client().post(f"{path}/decline", headers=tokens["sme"], json={"reason": "price"}),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    winner = next(r.json["status"] for r in results if r.status_code == 200)
    assert client.get(path, headers=tokens["center"]).json["status"] == winner
    assert (
        count(
            session,
            Notification,
            Notification.user_id == world.center.id,
            Notification.kind.in_(["interest_accepted", "interest_declined"]),
        )
        == 1
    )


def test_two_concurrent_transitions_of_one_contract(app, session, world, tokens):
    contract = draft_contract(session, world, accepted_interest(session, world))
    path = f"/api/v1/contracts/{contract.id}"
    # Both parties sign at once: both signatures count and the contract ends up signed.
    sign = {
        "to": "signed",
        "text_sha256": app.test_client().get(path, headers=tokens["sme"]).json["text"]["sha256"],
    }
    results = concurrently(
        lambda: app.test_client().post(f"{path}/transition", headers=tokens["sme"], json=sign),
        lambda: app.test_client().post(f"{path}/transition", headers=tokens["center"], json=sign),
    )
    assert [r.status_code for r in results] == [200, 200]
    client = app.test_client()
    assert client.get(path, headers=tokens["sme"]).json["status"] == "signed"
    # Both start it at once: one wins, the other is told it is no longer allowed.
    results = concurrently(
        lambda: app.test_client().post(
            f"{path}/transition", headers=tokens["sme"], json={"to": "in_progress"}
        ),
        lambda: app.test_client().post(
            f"{path}/transition", headers=tokens["center"], json={"to": "in_progress"}
        ),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    audit = client.get(f"{path}/audit", headers=tokens["sme"]).json["items"]
    assert [e["action"] for e in audit].count("transition") == 1
    assert sorted(e["action"] for e in audit if e["action"].startswith("signed")) == [
        "signed_by_a",
        "signed_by_b",
    ]


def test_attachments_are_checked_stored_privately_and_served_to_parties(app, client, session, world, tokens):
    interest = accepted_interest(session, world)
    path = f"/api/v1/interests/{interest.id}/messages"
    disguised = client.post(
        path,
        headers=tokens["sme"],
        data={"body": "x", "file": (io.BytesIO(b"MZ\x90\x00\x03" + b"\x00" * 64), "报告.pdf")},
    )
    assert disguised.status_code == 422 and "file" in disguised.json["error"]["fields"]
    app.config["UPLOAD_MAX_BYTES"] = 1000
    too_big = client.post(
        path, headers=tokens["sme"], data={"body": "x", "file": (io.BytesIO(PDF * 100), "a.pdf")}
    )
    assert too_big.status_code == 422 and "file" in too_big.json["error"]["fields"]
    assert count(session, Message) == 0 and count(session, Attachment) == 0
    ok = client.post(
        path, headers=tokens["center"], data={"body": "", "file": (io.BytesIO(PDF), "../../etc/报价.pdf")}
    )
    assert ok.status_code == 201, ok.json
    session.expire_all()
    stored = session.exec(select(Attachment)).one()
    assert stored.original_name == "报价.pdf" and stored.mimetype == "application/pdf"
    files = list(Path(app.config["UPLOAD_DIR"]).iterdir())
    assert [f.name for f in files] == [stored.stored_name]
    assert not files[0].is_relative_to(Path(app.static_folder).parent.parent)
    download = client.get(f"/api/v1/attachments/{stored.id}", headers=tokens["sme"])
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    assert client.get(f"/api/v1/attachments/{stored.id}", headers=tokens["other"]).status_code == 404


def test_message_attachments_stop_at_the_organization_quota(app, client, session, world, tokens):
    app.config["MESSAGE_ATTACHMENTS_QUOTA_MB"] = 1
    interest = accepted_interest(session, world)
    path = f"/api/v1/interests/{interest.id}/messages"
    big = PDF + b"%" * 600_000

    def send(who: str):
        return client.post(
            path, headers=tokens[who], data={"body": "附件", "file": (io.BytesIO(big), "a.pdf")}
        )

    assert send("sme").status_code == 201
    refused = send("sme")
    assert refused.status_code == 422
    assert "贵单位的消息附件已达 1 MB 存储上限，此文件未发送" in refused.json["error"]["message"]
    assert refused.json["error"]["fields"]["file"] == "已用 0.6 MB，上限 1 MB。"
    assert count(session, Attachment) == 1 and len(list(Path(app.config["UPLOAD_DIR"]).iterdir())) == 1
    assert send("center").status_code == 201  # the other organization has a quota of its own


def test_incubations_and_saved_searches(client, world, tokens):
    body = {
        "center_id": world.center_id,
        "name": "长春轻量化材料科技有限公司",
        "started_on": "2026-03-01",
        "achievement_id": world.achievement_id,
    }
    assert client.post("/api/v1/incubations", headers=tokens["sme"], json=body).status_code == 404
    created = client.post("/api/v1/incubations", headers=tokens["center"], json=body)
    assert created.status_code == 201 and created.json["status"] == "incubating"
    path = f"/api/v1/incubations/{created.json['id']}/transition"
    assert client.post(path, headers=tokens["other"], json={"to": "graduated"}).status_code == 404
    assert client.post(path, headers=tokens["center"], json={"to": "graduated"}).json["status"] == "graduated"
    assert client.post(path, headers=tokens["center"], json={"to": "exited"}).status_code == 409
    assert len(client.get("/api/v1/incubations", headers=tokens["bureau"]).json["items"]) == 1
    assert client.get("/api/v1/incubations", headers=tokens["other"]).json["items"] == []

    saved = client.post(
        "/api/v1/saved-searches",
        headers=tokens["sme"],
        json={"query": "激光焊接", "type": "achievement", "industry": "automotive"},
    )
    assert saved.status_code == 201 and saved.json["name"] == "激光焊接"
    assert client.post("/api/v1/saved-searches", headers=tokens["sme"], json={}).status_code == 422
    assert (
        client.delete(f"/api/v1/saved-searches/{saved.json['id']}", headers=tokens["other"]).status_code
        == 404
    )
    assert len(client.get("/api/v1/saved-searches", headers=tokens["sme"]).json["items"]) == 1
    assert (
        client.delete(f"/api/v1/saved-searches/{saved.json['id']}", headers=tokens["sme"]).status_code == 204
    )
    assert client.get("/api/v1/saved-searches", headers=tokens["sme"]).json["items"] == []


def test_notifications_unread_and_mark_read(client, session, world, tokens):
    interest = accepted_interest(session, world)
    client.post(f"/api/v1/interests/{interest.id}/messages", headers=tokens["sme"], json={"body": "你好"})
    listed = client.get("/api/v1/notifications", headers={**tokens["center"], "Accept-Language": "en"}).json
    assert listed["unread"] == 2 and listed["items"][0]["text"].startswith("New message")
    first = listed["items"][0]["id"]
    assert (
        client.post("/api/v1/notifications/read", headers=tokens["other"], json={"ids": [first]}).json[
            "marked"
        ]
        == 0
    )
    assert (
        client.post("/api/v1/notifications/read", headers=tokens["center"], json={"ids": [first]}).json[
            "unread"
        ]
        == 1
    )
    assert client.post("/api/v1/notifications/read", headers=tokens["center"], json={}).json["unread"] == 0
    assert (
        client.post("/api/v1/notifications/read", headers=tokens["center"], json={"ids": "all"}).status_code
        == 422
    )


def test_ids_beyond_the_database_integer_are_404_not_500(client, tokens):
    huge = 10**12
    for path in (f"/api/v1/interests/{huge}", f"/api/v1/contracts/{huge}", f"/api/v1/attachments/{huge}"):
        assert client.get(path, headers=tokens["sme"]).status_code == 404
    response = client.post(
        "/api/v1/interests",
        headers=tokens["sme"],
        json={"target_type": "need", "target_id": huge, "message": "x"},
    )
    assert response.status_code == 422 and "target_id" in response.json["error"]["fields"]


def test_every_deals_route_is_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    deals_blueprint = app.view_functions["api.express_interest"].__module__
    for rule in app.url_map.iter_rules():
        if app.view_functions[rule.endpoint].__module__ == deals_blueprint:
            path = re.sub(r"<[^:>]+:([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            methods = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
            assert path in paths and methods <= set(paths[path]), (path, methods)


def test_the_interested_side_may_withdraw_a_pending_interest(client, world, tokens):
    body = {"target_type": "achievement", "target_id": world.achievement_id, "message": "希望获得技术许可。"}
    interest = client.post("/api/v1/interests", headers=tokens["sme"], json=body).json
    path = f"/api/v1/interests/{interest['id']}"
    assert client.post(f"{path}/withdraw", headers=tokens["center"], json={}).status_code == 403
    assert client.post(f"{path}/withdraw", headers=tokens["other"], json={}).status_code == 404
    withdrawn = client.post(f"{path}/withdraw", headers=tokens["sme"], json={})
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    assert client.post(f"{path}/accept", headers=tokens["center"], json={}).status_code == 409
    kinds = [n["kind"] for n in client.get("/api/v1/notifications", headers=tokens["center"]).json["items"]]
    assert kinds == ["interest_withdrawn", "interest_new"]
    assert client.post("/api/v1/interests", headers=tokens["sme"], json=body).status_code == 201


def _twice(app, method: str, path: str, headers_pair, bodies):
    """The same kind of request from two clients at the same moment."""
    return concurrently(
        *[
            lambda h=h, b=b: app.test_client().open(path, method=method, headers=h, json=b)
            for h, b in zip(headers_pair, bodies, strict=True)
        ]
    )


def test_concurrent_nda_acceptance_withdrawal_and_incubation_endings(app, session, world, tokens):
    from models import Incubation, NdaAcceptance

    interest = accepted_interest(session, world)
    results = _twice(
        app,
        "POST",
        f"/api/v1/interests/{interest.id}/nda",
        [tokens["center"]] * 2,
        [{"accept": True, "version": PLATFORM_NDA_VERSION}] * 2,
    )
    assert sorted(r.status_code for r in results) == [201, 409]
    assert count(session, NdaAcceptance) == 1

    pending = (
        app.test_client()
        .post(
            "/api/v1/interests",
            headers=tokens["other"],
            json={"target_type": "achievement", "target_id": world.achievement_id, "message": "许可"},
        )
        .json
    )
    path = f"/api/v1/interests/{pending['id']}"
    results = concurrently(
        lambda: app.test_client().post(f"{path}/withdraw", headers=tokens["other"], json={}),
        lambda: app.test_client().post(f"{path}/accept", headers=tokens["center"], json={}),
    )
    assert sorted(r.status_code for r in results) == [200, 409]

    created = (
        app.test_client()
        .post(
            "/api/v1/incubations",
            headers=tokens["center"],
            json={
                "center_id": world.center_id,
                "name": "长春并发孵化科技有限公司",
                "started_on": "2026-01-05",
            },
        )
        .json
    )
    results = _twice(
        app,
        "POST",
        f"/api/v1/incubations/{created['id']}/transition",
        [tokens["center"]] * 2,
        [{"to": "graduated"}, {"to": "exited"}],
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    session.expire_all()
    winner = next(r.json["status"] for r in results if r.status_code == 200)
    assert session.get(Incubation, created["id"]).status == winner


def test_concurrent_milestone_steps_registration_and_contract_creation(app, session, world, tokens):
    interest = accepted_interest(session, world)
    contract = draft_contract(session, world, interest)
    path = f"/api/v1/contracts/{contract.id}"
    client = app.test_client()
    sign = {"to": "signed", "text_sha256": client.get(path, headers=tokens["sme"]).json["text"]["sha256"]}
    for who in ("sme", "center"):
        client.post(f"{path}/transition", headers=tokens[who], json=sign)
    milestone = client.get(path, headers=tokens["sme"]).json["milestones"][0]["id"]
    results = _twice(
        app,
        "POST",
        f"{path}/milestones/{milestone}/transition",
        [tokens["center"]] * 2,
        [{"to": "delivered"}] * 2,
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    results = _twice(
        app,
        "POST",
        f"{path}/registration",
        [tokens["sme"], tokens["center"]],
        [{"number": "20272201000001"}, {"number": "20272201000002"}],
    )
    assert [r.status_code for r in results] == [200, 200]
    audit = client.get(f"{path}/audit", headers=tokens["sme"]).json["items"]
    assert [e["action"] for e in audit].count("milestone") == 1
    registrations = [e["note"] for e in audit if e["action"] == "registration_registered"]
    assert len(registrations) == 2  # both were recorded, in order; the contract shows the later one
    assert client.get(path, headers=tokens["sme"]).json["registration_number"] == registrations[-1]
    results = _twice(
        app,
        "POST",
        "/api/v1/contracts",
        [tokens["sme"], tokens["center"]],
        [{**CONTRACT, "interest_id": interest.id}] * 2,
    )
    assert [r.status_code for r in results] == [201, 201]
    for created in results:
        trail = client.get(f"/api/v1/contracts/{created.json['id']}/audit", headers=tokens["sme"]).json[
            "items"
        ]
        assert [e["action"] for e in trail] == ["created"]


def test_concurrent_messages_saved_searches_and_mark_read(app, session, world, tokens):
    from models import SavedSearch

    interest = accepted_interest(session, world)
    results = _twice(
        app,
        "POST",
        f"/api/v1/interests/{interest.id}/messages",
        [tokens["sme"], tokens["center"]],
        [{"body": "甲方消息"}, {"body": "乙方消息"}],
    )
    assert [r.status_code for r in results] == [201, 201]
    assert count(session, Message) == 2
    results = _twice(
        app, "POST", "/api/v1/saved-searches", [tokens["sme"]] * 2, [{"query": "焊接"}, {"query": "涂层"}]
    )
    assert [r.status_code for r in results] == [201, 201] and count(session, SavedSearch) == 2
    unread = app.test_client().get("/api/v1/notifications", headers=tokens["center"]).json["unread"]
    results = _twice(app, "POST", "/api/v1/notifications/read", [tokens["center"]] * 2, [{}, {}])
    assert sum(r.json["marked"] for r in results) == unread and all(r.json["unread"] == 0 for r in results)


def test_concurrent_nda_text_versions(app, session, world, tokens):
    path = f"/api/v1/needs/{world.need_id}/nda"
    results = _twice(app, "PUT", path, [tokens["sme"]] * 2, [{"body": "条款甲"}, {"body": "条款乙"}])
    assert {r.status_code for r in results} <= {200, 409} and 200 in {r.status_code for r in results}
    versions = [r.json["version"] for r in results if r.status_code == 200]
    assert len(set(versions)) == len(versions)  # no two texts share a version
