"""Financing records in the browser: the finance organization's form refuses bad input with the field's message
and a 422, keeping nothing; a record made there is confirmed by the firm's button; the request's page shows the
figures only to those entitled; the panel is titled for financing."""

from sqlmodel import select

from models import FinancingRecord
from tests.financing.helpers import (
    accepted_interest,
    finance_user,
    headers,
    post,
    product_data,
    request_data,
    sme_user,
)
from tests.utils.factories import PASSWORD
from tests.utils.web import csrf_token


def test_the_record_form_refuses_bad_input_then_records(client, session, auth):
    sme, fund = sme_user(session), finance_user(session)
    h = {"sme": headers(client, sme), "fund": headers(client, fund)}
    request = post(client, h["sme"], "financing-requests", request_data())
    post(client, h["fund"], "finance-products", product_data())
    interest_id = accepted_interest(client, h["fund"], h["sme"], "financing", request["id"])

    auth.login(fund.email, PASSWORD)
    page = client.get(f"/financing-records?interest_id={interest_id}")
    assert page.status_code == 200 and "登记融资" in page.get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(client, f"/financing-records?interest_id={interest_id}"),
        "interest_id": str(interest_id),
        "finance_type": "equity",
        "amount": "",
        "financed_on": "2026-01-05",
    }
    response = client.post("/financing-records", data=form)
    assert response.status_code == 422 and "请填写金额" in response.get_data(as_text=True)
    response = client.post("/financing-records", data={**form, "amount": "3.123"})
    assert response.status_code == 422 and "两位小数" in response.get_data(as_text=True)
    assert session.exec(select(FinancingRecord)).all() == []

    response = client.post("/financing-records", data={**form, "amount": "300"})
    assert response.status_code == 302
    session.expire_all()
    record = session.exec(select(FinancingRecord)).one()
    assert record.amount == 3_000_000 and record.status == "recorded"

    auth.logout()
    auth.login(sme.email, PASSWORD)
    response = client.post(
        f"/financing-records/{record.id}/confirm",
        data={"csrf_token": csrf_token(client, "/financing-records")},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(FinancingRecord, record.id).status == "confirmed"
    page = client.get(f"/financing-requests/{request['id']}").get_data(as_text=True)
    assert "符合申请条件的金融产品" in page and "科创种子基金股权投资" in page


def test_a_form_without_its_token_changes_nothing(client, session, auth):
    sme, fund = sme_user(session), finance_user(session)
    h = {"sme": headers(client, sme), "fund": headers(client, fund)}
    request = post(client, h["sme"], "financing-requests", request_data())
    interest_id = accepted_interest(client, h["fund"], h["sme"], "financing", request["id"])
    auth.login(fund.email, PASSWORD)
    form = {
        "interest_id": str(interest_id),
        "finance_type": "equity",
        "amount": "300",
        "financed_on": "2026-01-05",
    }
    assert client.post("/financing-records", data=form).status_code == 400
    assert session.exec(select(FinancingRecord)).all() == []
