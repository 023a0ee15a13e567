"""技术合同认定登记 on the contract page: the form in 万元 with a message next to each bad field (nothing saved),
submission, the office's decision recorded by the bureau, the 登记表 links, the audit trail in the reader's
language, and the bureau's batch export page."""

import re
from datetime import date

import pytest
from sqlmodel import select

from app.accounts.services import accounts
from app.platform import audit
from models import AuditEvent, ContractRegistration, ContractStatus, Role
from models.common import utcnow
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, in_app, verify_org
from tests.utils.ui_deals import accept, create_contract, express
from tests.utils.web import concurrently, csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

NUMBER = "2026220100000123"
OFFICE = "长春市技术市场管理办公室"


@pytest.fixture
def deal(session):
    firm = create_user(session, "enterprise")
    lab = create_user(session, "university", industries=["new_materials"])
    for user in (firm, lab):
        verify_org(session, user)
    need = create_need(session, firm)
    create_achievement(session, lab)
    interest = express(session, lab, "need", need.id)
    accept(session, firm, interest.id)
    contract = create_contract(session, firm, interest.id, field="new_materials", ip_type="patent")
    contract.status = ContractStatus.in_progress
    contract.signed_by_a_at = contract.signed_by_b_at = utcnow()
    contract.signed_on = utcnow().date()  # the day both signed, as signing records it
    session.add(contract)
    session.commit()
    with in_app(session):
        bureau = accounts.create_user(
            session=session,
            email="bureau-reg@example.cn",
            password=PASSWORD,
            name="市工信局",
            role=Role.bureau,
        )
    return {"firm": firm, "lab": lab, "bureau": bureau, "contract": contract}


def post(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/")})


def page_text(response) -> str:
    return response.get_data(as_text=True)


def audit_rows(html: str) -> list[str]:
    """The audit table's rows as plain text, one string per row."""
    table = html[html.index('class="my-table audit-table"') :]
    table = table[: table.index("</table>")]
    return [re.sub(r"<[^>]+>|\s+", " ", row).strip() for row in table.split("<tr>")[2:]]


def test_a_party_fills_the_form_in_wan_and_sees_each_error_next_to_its_field(client, auth, session, deal):
    contract = deal["contract"]
    path = f"/contracts/{contract.id}"
    auth.login(deal["firm"].email)
    page = page_text(client.get(path))
    # Prefilled from the contract: amounts in 万元, the sub-kind and the field it maps to.
    assert 'name="deal_amount" value="120"' in page and 'value="dev_commissioned" selected' in page
    assert 'value="new_materials" selected' in page and "未申请" in page
    bad = post(
        client,
        f"{path}/registration/form",
        {
            "deal_amount": "120",
            "technology_amount": "130",
            "term_start": "2026-12-01",
            "term_end": "2026-11-01",
        },
    )
    assert bad.status_code == 422
    html = page_text(bad)
    assert 'id="reg-technology_amount-error">技术交易额不能超过合同金额。' in html
    assert 'id="reg-term_end-error">履行期限的结束日期早于开始日期。' in html
    assert re.search(r'name="technology_amount"[^>]*value="130"', html)  # what was typed stays in the form
    session.expire_all()
    assert session.exec(select(ContractRegistration)).all() == []

    done = post(
        client,
        f"{path}/registration/form",
        {
            "sub_kind": "dev_commissioned",
            "field": "new_materials",
            "ip_type": "patent",
            "deal_amount": "120",
            "technology_amount": "99.5",
            "payment_method": "installments",
            "seller_type": "university",
            "buyer_type": "enterprise",
            "seller_region": "220104",
            "buyer_region": "outside",
            "term_start": "2026-12-01",
            "term_end": "2027-11-30",
            "objective": "",
            "version": "0",
            "step": "submitted",
        },
    )
    assert done.status_code == 302, page_text(done)[:500]
    session.expire_all()
    row = session.exec(select(ContractRegistration)).one()
    assert (row.status, row.technology_amount, row.buyer_region) == ("submitted", 995_000, "outside")
    page = page_text(client.get(path))
    assert "已提交" in page and "registration.pdf" in page and "registration.xlsx" in page
    auth.logout()

    auth.login(deal["bureau"].email)
    missing = post(client, f"{path}/registration/decision", {"status": "registered", "number": "abc 123!"})
    assert missing.status_code == 422
    html = page_text(missing)
    assert 'id="reg-number-error">登记编号由年份' in html and 'id="reg-office-error">此项为必填项。' in html
    recorded = post(
        client, f"{path}/registration/decision", {"status": "registered", "number": NUMBER, "office": OFFICE}
    )
    assert recorded.status_code == 302
    page = page_text(client.get(path))
    assert NUMBER in page and OFFICE in page and "已登记" in page
    rows = audit_rows(page)
    assert any("提交认定登记" in r and "未申请" in r and "已提交" in r for r in rows), rows
    assert any("合同已登记" in r and "已提交" in r and "已登记" in r and NUMBER in r for r in rows), rows
    for code in ("not_submitted", "submitted", "registered", "in_progress", "registration_"):
        assert not any(code in r for r in rows), (code, rows)

    client.get("/lang/en")
    english = page_text(client.get(path))
    assert "Contract registered" in english and "Registered by the office" in english


def test_the_older_registration_rows_show_the_contract_status_as_a_label(client, auth, session, deal):
    """A row the one-box step wrote before the form: from/to are the contract's status (in_progress)."""
    contract = deal["contract"]
    audit.record(
        session,
        subject="contract",
        subject_id=contract.id,
        action="registration",
        actor=deal["firm"],
        from_state="in_progress",
        to_state="in_progress",
        note="2201012026000123",
    )
    session.commit()
    auth.login(deal["lab"].email)
    rows = audit_rows(page_text(client.get(f"/contracts/{contract.id}")))
    assert any("履行中" in r and "2201012026000123" in r for r in rows), rows
    assert not any("in_progress" in r for r in rows)
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "registration")).one()


def test_the_bureau_downloads_the_batch_for_a_period(client, auth, session, deal):
    auth.login(deal["bureau"].email)
    page = client.get("/contracts/registrations")
    assert page.status_code == 200 and 'name="from"' in page_text(page)
    assert "/contracts/registrations" in page_text(client.get("/contracts"))
    bad = client.get("/contracts/registrations.xlsx?from=2026-02-30&to=")
    assert bad.status_code == 422
    html = page_text(bad)
    assert 'id="period-from-error">' in html and 'id="period-to-error">此项为必填项。' in html
    today = date.today().isoformat()
    sheet = client.get(f"/contracts/registrations.xlsx?from={today}&to={today}")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet")
    auth.logout()
    auth.login(deal["firm"].email)
    assert client.get("/contracts/registrations").status_code == 403
    assert client.get(f"/contracts/registrations.xlsx?from={today}&to={today}").status_code == 403


def test_two_decisions_at_once_record_one(app, session, deal):
    """The bureau and a party record the office's decision at the same moment: one wins, the other is told."""
    contract = deal["contract"]
    path = f"/contracts/{contract.id}/registration"
    clients = []
    for user in (deal["firm"], deal["bureau"]):
        c = app.test_client()
        c.post(
            "/auth/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(c, "/auth/login")},
        )
        clients.append(c)
    first = post(
        clients[0],
        f"{path}/form",
        {
            "step": "submitted",
            "ip_type": "patent",
            "payment_method": "lump_sum",
            "seller_region": "220104",
            "buyer_region": "outside",
            "term_end": "2027-11-30",
        },
    )
    assert first.status_code == 302, re.findall(r'class="field-error"[^<]*<', page_text(first))
    tokens = [csrf_token(c, "/") for c in clients]
    answers = concurrently(
        *(
            lambda c=c, t=t, n=n: c.post(
                f"{path}/decision",
                data={"status": "registered", "number": n, "office": OFFICE, "csrf_token": t},
            )
            for c, t, n in zip(clients, tokens, (NUMBER, "2026220100000999"), strict=True)
        )
    )
    assert sorted(a.status_code for a in answers) == [302, 409]
    session.expire_all()
    row = session.exec(select(ContractRegistration)).one()
    winner = NUMBER if answers[0].status_code == 302 else "2026220100000999"
    assert (row.status, row.number) == ("registered", winner)
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "registration_registered")).all()
    assert [e.data["note"] for e in events] == [winner]
