"""The demo's development fund: a call open now with applications in every state, a decision and a payment, shown
on the bureau's dashboard; loading twice changes nothing."""

from sqlmodel import select

from models import FundApplication, FundCall, FundDisbursement
from tests.utils.factories import PASSWORD, create_role_user
from tests.utils.web import csrf_token


def _counts(session):
    return {
        t.__name__: len(session.exec(select(t)).all()) for t in (FundCall, FundApplication, FundDisbursement)
    }


def test_the_demo_fund_has_every_state_and_shows_on_the_dashboard(runner, session, client):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    first = _counts(session)
    statuses = {a.status for a in session.exec(select(FundApplication))}
    assert statuses == {"submitted", "granted", "declined"}
    paid = session.exec(select(FundDisbursement)).all()
    assert len(paid) == 1 and paid[0].amount == 1_000_000
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    session.expire_all()
    assert _counts(session) == first

    bureau = create_role_user(session, "bureau")
    client.post(
        "/auth/login",
        data={"email": bureau.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/auth/login")},
    )
    page = client.get("/bureau/dashboard", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "发展基金" in page and "450" in page  # granted 250 + 200 万元


def test_a_centers_public_profile_shows_its_grants_only(runner, session, client):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    by_key = {a.demo_key: a for a in session.exec(select(FundApplication))}
    granted, declined = by_key["fund-application-1"], by_key["fund-application-3"]
    page = client.get(f"/centers/{granted.center_id}", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert "发展基金" in page and "资助金额（万元） 250" in page
    other = client.get(f"/centers/{declined.center_id}", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert 'data-testid="fund-grants"' not in other
