"""The development fund's pages: amounts typed in 万元 are stored in 元, a refused form comes back with the message
in Chinese and what was typed, the bureau's forms are its own, and the center's page shows its applications."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from models import FundApplication, FundCall, FundDisbursement
from tests.oversight.test_fund import filed_center
from tests.utils.factories import PASSWORD, create_role_user
from tests.utils.web import csrf_token

ZH = {"Accept-Language": "zh-CN"}
TODAY = date.today()


def _login(app, user):
    client = app.test_client()
    client.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/auth/login")},
    )
    return client


def _post(client, path, data, origin):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, origin)}, headers=ZH)


@pytest.fixture
def people(app, session):
    users = {role: create_role_user(session, role) for role in ("bureau", "center", "enterprise")}
    center_id = filed_center(session, users["center"])
    return {role: _login(app, user) for role, user in users.items()}, center_id


CALL_FORM = {
    "title": "2026年度创新中心发展基金",
    "budget": "1,200.5",
    "opens_on": (TODAY - timedelta(days=1)).isoformat(),
    "closes_on": (TODAY + timedelta(days=10)).isoformat(),
}


def test_a_call_and_an_application_in_10k_yuan(session, people):
    clients, center_id = people
    opened = _post(clients["bureau"], "/bureau/fund/calls", CALL_FORM, "/fund")
    assert opened.status_code == 302
    call = session.exec(select(FundCall)).one()
    assert call.budget == 12_005_000
    page = clients["center"].get(f"/fund/calls/{call.id}", headers=ZH).get_data(as_text=True)
    assert "1,200.5" in page and "申报本基金" in page

    form = {
        "center_id": str(center_id),
        "plan": "建设激光焊接中试线，服务本地企业。",
        "line_item_0": "设备",
        "line_amount_0": "abc",
    }
    refused = _post(clients["center"], f"/fund/calls/{call.id}/applications", form, f"/fund/calls/{call.id}")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "建设激光焊接中试线" in body  # what was typed is kept
    assert session.exec(select(FundApplication)).all() == []
    form["line_amount_0"] = "120.5"
    applied = _post(clients["center"], f"/fund/calls/{call.id}/applications", form, f"/fund/calls/{call.id}")
    assert applied.status_code == 302
    application = session.exec(select(FundApplication)).one()
    assert application.requested == 1_205_000 and application.budget_lines == [
        {"item": "设备", "amount": 1_205_000}
    ]
    # the center's own page lists it, in review
    mine = clients["center"].get("/my-center", headers=ZH).get_data(as_text=True)
    assert "2026年度创新中心发展基金" in mine and "评审中" in mine

    path = f"/fund/applications/{application.id}"
    over = _post(
        clients["bureau"], f"{path}/decision", {"grant": "true", "amount": "121", "reason": "支持"}, path
    )
    assert over.status_code == 422 and "资助金额不能超过申请金额" in over.get_data(as_text=True)
    assert (
        _post(clients["bureau"], f"{path}/decision", {"grant": "true", "amount": "100"}, path).status_code
        == 302
    )
    too_much = _post(
        clients["bureau"], f"{path}/disbursements", {"paid_on": TODAY.isoformat(), "amount": "100.01"}, path
    )
    assert too_much.status_code == 409 and "尚可拨付 1000000 元" in too_much.get_data(as_text=True)
    assert (
        _post(
            clients["bureau"], f"{path}/disbursements", {"paid_on": TODAY.isoformat(), "amount": "40"}, path
        ).status_code
        == 302
    )
    session.expire_all()
    assert [d.amount for d in session.exec(select(FundDisbursement))] == [400_000]
    shown = clients["center"].get(path, headers=ZH).get_data(as_text=True)
    assert (
        "予以资助" in shown and "登记拨付" not in shown
    )  # the center sees the payment, not the bureau's form


def test_only_the_bureau_opens_calls_and_decides(session, people):
    clients, _center_id = people
    refused = _post(clients["center"], "/bureau/fund/calls", CALL_FORM, "/fund")
    assert refused.status_code == 403 and session.exec(select(FundCall)).all() == []
    page = clients["center"].get("/fund", headers=ZH).get_data(as_text=True)
    assert "发布基金申报" not in page


def test_the_centers_notices_say_what_happened_and_link_to_it(session, people):
    clients, center_id = people
    assert _post(clients["bureau"], "/bureau/fund/calls", CALL_FORM, "/fund").status_code == 302
    call = session.exec(select(FundCall)).one()
    form = {
        "center_id": str(center_id),
        "plan": "建设激光焊接中试线，服务本地企业。",
        "line_item_0": "设备",
        "line_amount_0": "100",
    }
    _post(clients["center"], f"/fund/calls/{call.id}/applications", form, f"/fund/calls/{call.id}")
    application = session.exec(select(FundApplication)).one()
    path = f"/fund/applications/{application.id}"
    _post(clients["bureau"], f"{path}/decision", {"grant": "true", "amount": "100"}, path)
    _post(clients["bureau"], f"{path}/disbursements", {"paid_on": TODAY.isoformat(), "amount": "40"}, path)
    notices = clients["center"].get("/notifications", headers=ZH).get_data(as_text=True)
    assert "创新中心发展基金“2026年度创新中心发展基金”开始申报" in notices
    assert "已拨付 400000 元" in notices and "：予以资助" in notices
    assert f'href="/fund/calls/{call.id}"' in notices and f'href="{path}"' in notices
