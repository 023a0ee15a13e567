"""The whole path of issue 19 through the JSON API alone, on SQLite and PostgreSQL, with the shapes the issue
names: an SME that reached out first on a provider's achievement (on behalf of its confidential need) grants
that provider access, the provider accepts the NDA on the same conversation and reads the details; they draft a
委托开发 contract, edit a clause, a signature on the old text is refused, both sign the current one; a deliverable
and a payment run; both confirm completion; the need closes as solved here; the contract PDF carries the hash;
the registration is filled, submitted and registered; the 登记表 downloads and the bureau's batch lists it.
Throughout, a third organization sees nothing (404) and changes nothing."""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from tests.conftest import BACKENDS
from tests.utils.deal_world import CONTRACT
from tests.utils.factories import PASSWORD
from tests.utils.pdfs import pdf_text
from tests.utils.web import bearer

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

ZH = {"Accept-Language": "zh-CN"}
NUMBER = "2027220100000123"  # year, the six-digit code of the office's region, the serial
OFFICE = "长春市技术市场管理办公室"
MILESTONES = [
    {"title": "工艺方案与样件", "kind": "deliverable", "due_on": "2027-04-30", "amount": 500_000},
    {"title": "首付款", "kind": "payment", "due_on": "2027-05-31", "amount": 700_000},
]
REGISTRATION = {
    "sub_kind": "dev_commissioned",
    "field": "modern_transport",
    "ip_type": "patent",
    "deal_amount": 1_200_000,
    "technology_amount": 1_000_000,
    "payment_method": "installments",
    "seller_type": "institute",
    "buyer_type": "enterprise",
    "seller_region": "220104",
    "buyer_region": "220102",
    "term_start": "2027-01-10",
    "term_end": "2027-12-31",
    "objective": "industry_commerce",
}


@pytest.fixture
def tokens(client, world):
    return {
        name: {**bearer(client, getattr(world, name).email, PASSWORD), **ZH}
        for name in ("sme", "center", "other", "bureau")
    }


def third_party_sees_and_changes_nothing(client, world, tokens, contract_id: int, interest_id: int) -> None:
    """The third organization tries every route of this deal: each is a 404, and the parties see no change."""
    path = f"/api/v1/contracts/{contract_id}"
    grants = f"/api/v1/needs/{world.need_id}/grants"
    before = client.get(path, headers=tokens["sme"]).json
    grants_before = client.get(grants, headers=tokens["sme"]).json["items"]
    need_before = client.get(f"/api/v1/needs/{world.need_id}", headers=tokens["sme"]).json
    other = tokens["other"]
    sha = before["text"]["sha256"]
    milestone = before["milestones"][0]["id"]
    attempts = [
        client.get(path, headers=other),
        client.get(f"{path}/document.pdf", headers=other),
        client.get(f"{path}/audit", headers=other),
        client.get(f"{path}/registration.pdf", headers=other),
        client.get(f"{path}/registration.xlsx", headers=other),
        client.put(f"{path}/text", headers=other, json={"clauses": {"terms": "第三方改写的条款"}}),
        client.post(f"{path}/transition", headers=other, json={"to": "signed", "text_sha256": sha}),
        client.post(f"{path}/transition", headers=other, json={"to": "completed"}),
        client.post(f"{path}/milestones/{milestone}/transition", headers=other, json={"to": "delivered"}),
        client.put(f"{path}/registration", headers=other, json={**REGISTRATION, "status": "submitted"}),
        client.post(f"{path}/registration", headers=other, json={"number": NUMBER}),
        client.post(f"{path}/close-need", headers=other, json={}),
        client.get(grants, headers=other),
        client.post(grants, headers=other, json={"org_id": world.other.org_id}),
        *[client.delete(f"{grants}/{g['id']}", headers=other) for g in grants_before],
        client.get(f"/api/v1/interests/{interest_id}", headers=other),
        client.post(
            f"/api/v1/interests/{interest_id}/nda", headers=other, json={"accept": True, "version": "x"}
        ),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts), [
        (r.request.method, r.request.path, r.status_code) for r in attempts if r.status_code != 404
    ]
    assert client.get(path, headers=tokens["sme"]).json == before
    assert client.get(grants, headers=tokens["sme"]).json["items"] == grants_before
    assert client.get(f"/api/v1/needs/{world.need_id}", headers=tokens["sme"]).json == need_before


def test_the_whole_path_from_interest_to_registration(client, world, tokens):
    sme, center, bureau = tokens["sme"], tokens["center"], tokens["bureau"]
    need_path = f"/api/v1/needs/{world.need_id}"

    # --- the SME reaches out first, on behalf of its confidential need; the provider accepts ---------------
    reached = client.post(
        "/api/v1/interests",
        headers=sme,
        json={
            "target_type": "achievement",
            "target_id": world.achievement_id,
            "message": "贵中心的激光焊接工艺正适合我们的需求，希望合作。",
            "via_type": "need",
            "via_id": world.need_id,
        },
    )
    assert reached.status_code == 201, reached.json
    interest_path = f"/api/v1/interests/{reached.json['id']}"
    accepted = client.post(f"{interest_path}/accept", headers=center, json={})
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert client.get(need_path, headers=center).json["details"] is None  # not granted yet

    # --- the SME grants the provider access; the provider accepts the NDA it read and reads the details ----
    granted = client.post(f"{need_path}/grants", headers=sme, json={"org_id": world.center.org_id})
    assert granted.status_code == 201, granted.json
    grant = granted.json
    assert set(grant) == {"id", "org_id", "granted_at", "nda_required"}
    assert grant["org_id"] == world.center.org_id and grant["nda_required"] is True
    assert client.get(f"{need_path}/grants", headers=sme).json == {"items": [grant]}
    assert client.get(need_path, headers=center).json["details"] is None  # the NDA comes first

    seen = client.get(interest_path, headers=center).json
    assert seen["access_granted"] and seen["nda_required"] and not seen["nda_accepted"]
    nda = client.post(
        f"{interest_path}/nda", headers=center, json={"accept": True, "version": seen["nda"]["version"]}
    )
    assert nda.status_code == 201, nda.json
    assert nda.json["need_id"] == world.need_id and nda.json["text_version"] == seen["nda"]["version"]
    details = client.get(need_path, headers=center).json["details"]
    assert details and details.startswith("现有焊接速度")
    assert client.get(f"{need_path}/grants", headers=sme).json["items"][0]["nda_required"] is False

    # --- a 委托开发 contract on that same conversation: the model text, version 1 -----------------------------
    created = client.post(
        "/api/v1/contracts",
        headers=sme,
        json={
            **CONTRACT,
            "kind": "commissioned_development",
            "milestones": MILESTONES,
            "interest_id": reached.json["id"],
        },
    )
    assert created.status_code == 201, created.json
    contract_id = created.json["id"]
    path = f"/api/v1/contracts/{contract_id}"
    contract = client.get(path, headers=center).json
    assert contract["status"] == "draft"
    assert {"version", "sha256", "clauses"} <= set(contract["text"])
    assert contract["text"]["version"] == 1 and len(contract["text"]["sha256"]) == 64
    assert contract["text"]["clauses"]["project_name"] == CONTRACT["title"]
    assert contract["signatures"] == []
    assert contract["roles"] == {"a": "client", "b": "developer"}  # the SME commissions, the center develops
    assert contract["completion"] == {"a": False, "b": False}
    assert contract["registration"]["status"] == "not_submitted"
    assert contract["party_a"]["id"] == world.sme.org_id and contract["party_b"]["id"] == world.center.org_id
    third_party_sees_and_changes_nothing(client, world, tokens, contract_id, reached.json["id"])
    # The need is public while it is open, its confidential details are not.
    assert client.get(need_path, headers=tokens["other"]).json["details"] is None

    # --- the provider edits a clause: version 2, a new hash -------------------------------------------------
    old_sha = contract["text"]["sha256"]
    clause = "乙方交付样件后，甲方在十日内按附件二的气孔率指标（≤0.5%）验收。"
    edited = client.put(f"{path}/text", headers=center, json={"clauses": {"acceptance": clause}})
    assert edited.status_code == 200, edited.json
    assert edited.json["text"]["version"] == 2 and edited.json["text"]["clauses"]["acceptance"] == clause
    new_sha = edited.json["text"]["sha256"]
    assert new_sha != old_sha

    # --- a signature on the old text is refused and changes nothing -----------------------------------------
    stale = client.post(f"{path}/transition", headers=sme, json={"to": "signed", "text_sha256": old_sha})
    assert stale.status_code == 409, stale.json
    after_stale = client.get(path, headers=sme).json
    assert after_stale["signatures"] == [] and after_stale["status"] == "draft"
    assert (after_stale["text"]["version"], after_stale["text"]["sha256"]) == (2, new_sha)

    # --- both sign the current text -------------------------------------------------------------------------
    for who in ("sme", "center"):
        signing = client.post(
            f"{path}/transition", headers=tokens[who], json={"to": "signed", "text_sha256": new_sha}
        )
        assert signing.status_code == 200, signing.json
    contract = client.get(path, headers=sme).json
    assert contract["status"] == "signed"
    assert sorted(s["party"] for s in contract["signatures"]) == ["a", "b"]
    assert {s["text_sha256"] for s in contract["signatures"]} == {new_sha}
    assert {s["user_id"] for s in contract["signatures"]} == {world.sme.id, world.center.id}
    assert all(set(s) == {"party", "user_id", "signed_at", "text_sha256"} for s in contract["signatures"])
    frozen = client.put(f"{path}/text", headers=sme, json={"clauses": {"acceptance": "改"}})
    assert frozen.status_code == 409  # signed by both: the text is frozen
    third_party_sees_and_changes_nothing(client, world, tokens, contract_id, reached.json["id"])

    # --- the milestones run: the provider delivers, the client accepts; the client pays, the provider receives
    deliverable, payment = contract["milestones"]
    assert (deliverable["kind"], payment["kind"]) == ("deliverable", "payment")
    for milestone, who, to in (
        (deliverable, "center", "delivered"),
        (deliverable, "sme", "accepted"),
        (payment, "sme", "paid"),
        (payment, "center", "received"),
    ):
        step = client.post(
            f"{path}/milestones/{milestone['id']}/transition", headers=tokens[who], json={"to": to}
        )
        assert step.status_code == 200, (milestone["title"], to, step.json)
    assert [m["status"] for m in client.get(path, headers=sme).json["milestones"]] == ["accepted", "received"]

    # --- work under way, then both confirm completion (200 both times) --------------------------------------
    started = client.post(f"{path}/transition", headers=center, json={"to": "in_progress"})
    assert started.status_code == 200 and started.json["status"] == "in_progress"
    first = client.post(f"{path}/transition", headers=center, json={"to": "completed"})
    assert first.status_code == 200
    assert first.json["status"] == "in_progress" and first.json["completion"] == {"a": False, "b": True}
    second = client.post(f"{path}/transition", headers=sme, json={"to": "completed"})
    assert second.status_code == 200
    assert second.json["status"] == "completed" and second.json["completion"] == {"a": True, "b": True}

    # --- the SME closes its need as solved here, by this contract -------------------------------------------
    closed = client.post(f"{path}/close-need", headers=sme, json={})
    assert closed.status_code == 200, closed.json
    assert closed.json == {
        "need_id": world.need_id,
        "status": "closed",
        "close_reason": "solved_here",
        "solved_contract_id": contract_id,
    }
    need = client.get(need_path, headers=sme).json
    assert (need["status"], need["close_reason"], need["solved_contract_id"]) == (
        "closed",
        "solved_here",
        contract_id,
    )

    # --- the contract PDF carries the text signed and its hash ---------------------------------------------
    for who in ("sme", "center", "bureau"):
        document = client.get(f"{path}/document.pdf", headers=tokens[who])
        assert document.status_code == 200 and document.mimetype == "application/pdf"
        content = pdf_text(document.data)
        assert new_sha in content and old_sha not in content
        assert "气孔率指标" in content  # the edited clause, as signed

    # --- 技术合同认定登记: filled, submitted, registered by the office ----------------------------------------
    filled = client.put(f"{path}/registration", headers=sme, json={**REGISTRATION, "status": "submitted"})
    assert filled.status_code == 200, filled.json
    assert filled.json["status"] == "submitted" and {k: filled.json[k] for k in REGISTRATION} == REGISTRATION
    registered = client.put(
        f"{path}/registration",
        headers=bureau,
        json={"status": "registered", "number": NUMBER, "office": OFFICE},
    )
    assert registered.status_code == 200, registered.json
    shown = client.get(path, headers=center).json["registration"]
    assert (shown["status"], shown["number"], shown["office"]) == ("registered", NUMBER, OFFICE)
    assert {k: shown[k] for k in REGISTRATION} == REGISTRATION

    form = client.get(f"{path}/registration.pdf", headers=sme)
    assert form.status_code == 200 and form.mimetype == "application/pdf"
    form_text = pdf_text(form.data)
    assert NUMBER in form_text and OFFICE in form_text and "技术合同认定登记表" in form_text
    sheet = client.get(f"{path}/registration.xlsx", headers=center)
    assert sheet.status_code == 200
    values = {
        row[0]: row[1] for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True)
    }
    assert values["登记编号"] == NUMBER and values["登记机构"] == OFFICE and values["合同子类"] == "委托开发"

    today = date.today()
    batch = client.get(
        f"/api/v1/bureau/registrations.xlsx?from={today - timedelta(days=1)}&to={today + timedelta(days=1)}",
        headers=bureau,
    )
    assert batch.status_code == 200, batch.data[:200]
    header, *rows = load_workbook(io.BytesIO(batch.data)).active.iter_rows(values_only=True)
    assert [row[0] for row in rows] == [contract_id]
    assert rows[0][header.index("登记编号")] == NUMBER and rows[0][header.index("登记状态")] == "已登记"

    # --- at the end as at the start, the third organization sees and changes nothing ----------------------
    third_party_sees_and_changes_nothing(client, world, tokens, contract_id, reached.json["id"])
    assert client.get(need_path, headers=tokens["other"]).status_code == 404  # closed: its owner's only
