"""技术合同认定登记 through the JSON API, on SQLite and PostgreSQL: the prefilled form, one message per bad field
with nothing saved, the status flow with its audit rows and notices, the old one-box POST, the 登记表 (PDF and
XLSX), the bureau's batch export, and two concurrent changes."""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import func, select

from models import AuditEvent, Contract, ContractKind, ContractRegistration, ContractStatus, Notification
from models.common import utcnow
from tests.conftest import BACKENDS
from tests.utils.deal_world import accepted_interest, draft_contract
from tests.utils.web import concurrently

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

NUMBER = "2027220100000123"
OFFICE = "长春市技术市场管理办公室"
FORM = {
    "sub_kind": "dev_commissioned",
    "field": "modern_transport",
    "ip_type": "patent",
    "deal_amount": 1_200_000,
    "technology_amount": 1_000_000,
    "payment_method": "installments",
    "seller_type": "institute",
    "buyer_type": "enterprise",
    "seller_region": "220104",
    "buyer_region": "outside",
    "term_start": "2027-01-10",
    "term_end": "2027-12-31",
    "objective": "industry_commerce",
}


@pytest.fixture
def interest(session, world):
    return accepted_interest(session, world)


def signed(session, world, interest, *, kind: str = "commissioned_development") -> Contract:
    """A contract both parties have signed (set directly: signing itself is tested with the contracts)."""
    contract = draft_contract(session, world, interest)
    contract.status, contract.kind = ContractStatus.signed, ContractKind(kind)
    contract.signed_by_a_at = contract.signed_by_b_at = utcnow()
    contract.signed_on = utcnow().date()  # the day both signed, as signing records it
    session.add(contract)
    session.commit()
    return contract


@pytest.fixture
def contract(session, world, interest):
    return signed(session, world, interest)


def path(contract) -> str:
    return f"/api/v1/contracts/{contract.id}/registration"


def rows(session, contract_id: int) -> list[ContractRegistration]:
    session.expire_all()
    return list(
        session.exec(
            select(ContractRegistration).where(ContractRegistration.contract_id == contract_id)
        ).all()
    )


def audit_actions(session, contract_id: int) -> list[tuple[str, str | None, str | None, str | None]]:
    session.expire_all()
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "contract", AuditEvent.subject_id == contract_id)
        .order_by(AuditEvent.id)
    ).all()
    return [
        (e.action, e.from_state, e.to_state, e.data.get("note"))
        for e in events
        if e.action.startswith("registration")
    ]


def test_the_contract_carries_a_prefilled_registration_until_a_party_saves_it(client, contract, tokens):
    got = client.get(f"/api/v1/contracts/{contract.id}", headers=tokens["sme"]).json["registration"]
    assert got == {
        "contract_id": contract.id,
        "status": "not_submitted",
        "sub_kind": "dev_commissioned",
        "field": "modern_transport",  # the contract's industry, automotive
        "ip_type": None,
        "deal_amount": 1_200_000,
        "technology_amount": 1_000_000,
        "payment_method": "installments",  # two paid milestones
        "seller_type": "other",  # the provider's organization is a center
        "buyer_type": "enterprise",
        "seller_region": got["seller_region"],
        "buyer_region": got["buyer_region"],
        "term_start": str(utcnow().date()),  # the day both signed
        "term_end": "2027-12-31",
        "objective": None,
        "number": None,
        "office": None,
        "refusal_reason": None,
        "submitted_at": None,
        "decided_at": None,
        "updated_at": None,
        "version": 0,
        "registrable": True,
        "editable": True,
        "allowed": ["submitted"],
    }
    bureau_view = client.get(f"/api/v1/contracts/{contract.id}", headers=tokens["bureau"]).json[
        "registration"
    ]
    assert (bureau_view["editable"], bureau_view["allowed"]) == (False, [])


def test_a_party_fills_submits_and_the_bureau_records_the_number(client, session, contract, tokens, world):
    saved = client.put(path(contract), headers=tokens["sme"], json=FORM)
    assert saved.status_code == 200, saved.json
    assert {k: saved.json[k] for k in FORM} == FORM
    assert (saved.json["status"], saved.json["version"]) == ("not_submitted", 1)

    submitted = client.put(path(contract), headers=tokens["center"], json={"status": "submitted"})
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted" and submitted.json["submitted_at"]
    assert submitted.json["editable"] is False
    # Submitted: the fields are frozen until a withdrawal or a refusal.
    frozen = client.put(path(contract), headers=tokens["sme"], json={"deal_amount": 1})
    assert frozen.status_code == 409
    # The bureau records the office's decision; it does not fill the parties' form.
    assert (
        client.put(path(contract), headers=tokens["bureau"], json={"objective": "health"}).status_code == 403
    )

    registered = client.put(
        path(contract),
        headers=tokens["bureau"],
        json={"status": "registered", "number": "2027 2201 0000 0123", "office": OFFICE},
    )
    assert registered.status_code == 200, registered.json
    assert (registered.json["status"], registered.json["number"], registered.json["office"]) == (
        "registered",
        NUMBER,
        OFFICE,
    )
    whole = client.get(f"/api/v1/contracts/{contract.id}", headers=tokens["sme"]).json
    assert whole["registration_number"] == NUMBER  # the older field, kept for older readers
    assert whole["registration"]["status"] == "registered"
    assert audit_actions(session, contract.id) == [
        ("registration_saved", "not_submitted", "not_submitted", None),
        ("registration_submitted", "not_submitted", "submitted", None),
        ("registration_registered", "submitted", "registered", NUMBER),
    ]
    session.expire_all()
    kinds = {
        n.kind for n in session.exec(select(Notification).where(Notification.user_id == world.sme.id)).all()
    }
    assert {"registration_submitted", "registration_registered"} <= kinds
    # The office decides once: the same decision again changes nothing, another one is refused.
    decision = {"status": "registered", "number": NUMBER, "office": OFFICE}
    assert client.put(path(contract), headers=tokens["center"], json=decision).status_code == 200
    other = {**decision, "number": "2027220100000999"}
    assert client.put(path(contract), headers=tokens["center"], json=other).status_code == 409
    assert rows(session, contract.id)[0].number == NUMBER
    assert len(audit_actions(session, contract.id)) == 3
    # Registered is final.
    again = client.put(path(contract), headers=tokens["sme"], json={"status": "submitted"})
    assert again.status_code == 409


def test_refused_with_a_reason_then_fixed_and_resubmitted_or_withdrawn(client, session, contract, tokens):
    client.put(path(contract), headers=tokens["sme"], json={**FORM, "status": "submitted"})
    no_reason = client.put(path(contract), headers=tokens["sme"], json={"status": "refused"})
    assert no_reason.status_code == 422 and set(no_reason.json["error"]["fields"]) == {"refusal_reason"}
    refused = client.put(
        path(contract),
        headers=tokens["sme"],
        json={"status": "refused", "refusal_reason": "技术交易额与合同附件不符"},
    )
    assert refused.status_code == 200 and refused.json["refusal_reason"] == "技术交易额与合同附件不符"
    assert refused.json["editable"] is True and refused.json["allowed"] == ["submitted"]
    fixed = client.put(
        path(contract), headers=tokens["center"], json={"technology_amount": 900_000, "status": "submitted"}
    )
    assert fixed.status_code == 200 and fixed.json["technology_amount"] == 900_000
    assert fixed.json["refusal_reason"] is None
    withdrawn = client.put(path(contract), headers=tokens["center"], json={"status": "not_submitted"})
    assert withdrawn.status_code == 200 and withdrawn.json["submitted_at"] is None
    # The bureau records decisions only: it neither submits nor withdraws.
    assert (
        client.put(path(contract), headers=tokens["bureau"], json={"status": "submitted"}).status_code == 403
    )
    assert [a[0] for a in audit_actions(session, contract.id)] == [
        "registration_submitted",
        "registration_refused",
        "registration_submitted",
        "registration_withdrawn",
    ]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"deal_amount": -5}, "deal_amount"),
        ({"deal_amount": "很多"}, "deal_amount"),
        ({"technology_amount": 1_300_000}, "technology_amount"),
        ({"term_end": "2026-12-31"}, "term_end"),
        ({"term_start": "2027-02-30"}, "term_start"),
        ({"sub_kind": "transfer_patent"}, "sub_kind"),  # a sub-kind of another kind of contract
        ({"field": "astrology"}, "field"),
        ({"seller_region": "火星"}, "seller_region"),
        ({"payment_method": "barter"}, "payment_method"),
        ({"status": "registered", "number": "abc 123!", "office": OFFICE}, "number"),
        ({"status": "registered", "number": NUMBER}, "office"),
        (
            {"status": "registered", "number": "202722010001", "office": OFFICE},
            "number",
        ),  # serial too short
        ({"colour": "red"}, "colour"),
    ],
)
def test_each_bad_field_is_named_and_nothing_is_saved(client, session, contract, tokens, body, field):
    client.put(path(contract), headers=tokens["sme"], json={**FORM, "status": "submitted"})
    if body.get("status") != "registered":
        client.put(path(contract), headers=tokens["sme"], json={"status": "not_submitted"})
    before = rows(session, contract.id)[0].model_dump()
    audit_before = audit_actions(session, contract.id)
    answer = client.put(path(contract), headers=tokens["sme"], json=body)
    assert answer.status_code == 422, answer.json
    assert list(answer.json["error"]["fields"]) == [field]
    assert rows(session, contract.id)[0].model_dump() == before
    assert audit_actions(session, contract.id) == audit_before


def test_messages_are_in_the_users_language(client, contract, tokens):
    answer = client.put(
        path(contract),
        headers={**tokens["sme"], "Accept-Language": "zh-CN"},
        json={"technology_amount": 2_000_000, "term_end": "2026-01-01"},
    )
    assert answer.status_code == 422
    assert answer.json["error"]["fields"] == {
        "technology_amount": "技术交易额不能超过合同金额。",
        "term_end": "履行期限的结束日期早于开始日期。",
    }


def test_submitting_needs_every_required_field(client, session, contract, tokens):
    answer = client.put(
        path(contract),
        headers=tokens["sme"],
        json={"payment_method": None, "field": None, "status": "submitted"},
    )
    assert answer.status_code == 422
    assert set(answer.json["error"]["fields"]) == {
        "payment_method",
        "field",
        "ip_type",
    }  # none is a choice too
    assert rows(session, contract.id) == []


def test_not_before_signing_and_never_for_an_incubation_agreement(client, session, world, interest, tokens):
    draft = draft_contract(session, world, interest)
    answer = client.put(f"/api/v1/contracts/{draft.id}/registration", headers=tokens["sme"], json=FORM)
    assert answer.status_code == 409
    incubation = signed(session, world, interest, kind="incubation")
    refused = client.put(
        f"/api/v1/contracts/{incubation.id}/registration",
        headers={**tokens["sme"], "Accept-Language": "zh-CN"},
        json={"status": "submitted"},
    )
    assert refused.status_code == 409 and "孵化协议不是技术合同" in refused.json["error"]["message"]
    assert (
        client.get(f"/api/v1/contracts/{incubation.id}", headers=tokens["sme"]).json["registration"][
            "registrable"
        ]
        is False
    )
    # A third organization sees nothing and changes nothing.
    assert (
        client.put(
            f"/api/v1/contracts/{draft.id}/registration", headers=tokens["other"], json=FORM
        ).status_code
        == 404
    )


def test_the_old_number_post_still_records_a_registered_number(client, session, contract, tokens):
    old = f"/api/v1/contracts/{contract.id}/registration"
    bad = client.post(old, headers=tokens["sme"], json={"number": "abc 123!"})
    assert bad.status_code == 422 and list(bad.json["error"]["fields"]) == ["number"]
    assert rows(session, contract.id) == []
    answer = client.post(old, headers=tokens["sme"], json={"number": NUMBER})
    assert answer.status_code == 200
    assert answer.json["registration_number"] == NUMBER
    assert answer.json["registration"]["status"] == "registered"
    assert answer.json["registration"]["number"] == NUMBER
    assert audit_actions(session, contract.id) == [
        ("registration_registered", "not_submitted", "registered", NUMBER)
    ]


def test_a_stale_version_is_refused(client, session, contract, tokens):
    client.put(path(contract), headers=tokens["sme"], json=FORM)
    stale = client.put(path(contract), headers=tokens["center"], json={"objective": "health", "version": 0})
    assert stale.status_code == 409
    assert rows(session, contract.id)[0].objective == "industry_commerce"


def test_two_concurrent_changes_one_wins_or_both_apply_in_turn(app, session, contract, tokens):
    def put(token, body):
        with app.test_client() as c:
            return c.put(path(contract), headers=token, json=body)

    first, second = concurrently(
        lambda: put(tokens["sme"], {**FORM, "objective": "health", "version": 0}),
        lambda: put(tokens["center"], {**FORM, "objective": "energy", "version": 0}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    winner = first if first.status_code == 200 else second
    assert [r.objective for r in rows(session, contract.id)] == [winner.json["objective"]]
    assert len(audit_actions(session, contract.id)) == 1

    # Two submissions at once: the row is submitted once, with one audit row; the other is applied in turn (a
    # repeated step is nothing to do) or refused.
    a, b = concurrently(
        lambda: put(tokens["sme"], {"status": "submitted"}),
        lambda: put(tokens["center"], {"status": "submitted"}),
    )
    assert {a.status_code, b.status_code} <= {200, 409} and 200 in (a.status_code, b.status_code)
    assert [x[0] for x in audit_actions(session, contract.id)].count("registration_submitted") == 1


def test_the_registration_form_as_pdf_and_xlsx(client, contract, tokens):
    client.put(path(contract), headers=tokens["sme"], json={**FORM, "status": "submitted"})
    client.put(
        path(contract),
        headers=tokens["bureau"],
        json={"status": "registered", "number": NUMBER, "office": OFFICE},
    )
    pdf = client.get(f"{path(contract)}.pdf", headers={**tokens["center"], "Accept-Language": "zh-CN"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).replace("\x00", "")
    for expected in (
        NUMBER,
        OFFICE,
        "技术合同认定登记表",
        "委托开发",
        "现代交通",
        "1,000,000",
        "分期支付",
        "已登记",
    ):
        assert expected in text, expected
    sheet = client.get(f"{path(contract)}.xlsx", headers={**tokens["bureau"], "Accept-Language": "zh-CN"})
    assert sheet.status_code == 200
    values = {
        row[0]: row[1] for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True)
    }
    assert values["登记编号"] == NUMBER and values["登记机构"] == OFFICE
    assert values["合同子类"] == "委托开发" and values["技术交易额（元）"] == "1,000,000"
    assert client.get(f"{path(contract)}.pdf", headers=tokens["other"]).status_code == 404


def test_the_bureaus_batch_lists_what_was_submitted_in_the_period(
    client, session, world, interest, contract, tokens
):
    client.put(path(contract), headers=tokens["sme"], json={**FORM, "status": "submitted"})
    client.put(
        path(contract),
        headers=tokens["sme"],
        json={"status": "registered", "number": NUMBER, "office": OFFICE},
    )
    older = signed(session, world, interest)
    client.put(
        f"/api/v1/contracts/{older.id}/registration",
        headers=tokens["sme"],
        json={**FORM, "status": "submitted"},
    )
    row = rows(session, older.id)[0]
    row.submitted_at = utcnow() - timedelta(days=60)
    session.add(row)
    session.commit()
    signed(session, world, interest)  # never submitted: not in any batch
    today = date.today()
    url = f"/api/v1/bureau/registrations.xlsx?from={today - timedelta(days=7)}&to={today + timedelta(days=1)}"
    answer = client.get(url, headers={**tokens["bureau"], "Accept-Language": "zh-CN"})
    assert answer.status_code == 200, answer.data[:200]
    table = list(load_workbook(io.BytesIO(answer.data)).active.iter_rows(values_only=True))
    header, body = table[0], table[1:]
    assert [r[0] for r in body] == [contract.id]
    assert body[0][header.index("登记编号")] == NUMBER and body[0][header.index("登记状态")] == "已登记"
    wider = f"/api/v1/bureau/registrations.xlsx?from={today - timedelta(days=90)}&to={today}"
    assert (
        len(list(load_workbook(io.BytesIO(client.get(wider, headers=tokens["bureau"]).data)).active.rows))
        == 3
    )
    for bad in ("from=2027-13-01&to=2027-12-31", "from=2027-01-01", "from=2027-02-01&to=2027-01-01"):
        assert (
            client.get(f"/api/v1/bureau/registrations.xlsx?{bad}", headers=tokens["bureau"]).status_code
            == 422
        )
    for who in ("sme", "center", "other"):
        assert client.get(url, headers=tokens[who]).status_code == 403
    assert client.get(url).status_code == 401


def test_registration_rows_count_one_per_contract(session, contract, client, tokens):
    for _ in range(3):
        client.put(path(contract), headers=tokens["sme"], json=FORM)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(ContractRegistration)).one() == 1
