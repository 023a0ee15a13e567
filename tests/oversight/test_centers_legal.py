"""A center is a legal person of its own (seed 3(2)1): filing names its legal entity, the lead firm's ordinary
business stops counting as the center's, only filed centers are ranked, and the center's governance and members'
contributions (seed 3(2)2, 5(2)) are kept by its users and the bureau and shown with the right visibility."""

from datetime import date

import pytest
from sqlmodel import select

from app.ops.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from app.oversight.services import applications as application_service
from app.oversight.services import indicators
from app.platform.errors import Conflict, Invalid
from models import AuditEvent, Center, CenterStatus, Contract, Organization, Role, User, is_valid_credit_code
from tests.conftest import BACKENDS
from tests.utils.bureau import (
    application_data,
    apply,
    carry,
    center_user,
    create_account,
    create_call,
    end_notice,
)
from tests.utils.factories import (
    PASSWORD,
    create_achievement,
    create_need,
    create_user,
    in_app,
    random_credit_code,
    verify_org,
)
from tests.utils.indicator_world import cleared_price_notice, signed_contract
from tests.utils.ui_deals import accept, express
from tests.utils.web import bearer, concurrently, csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
API = "/api/v1/bureau"


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局审核员")


@pytest.fixture
def call(session, bureau):
    return create_call(session, bureau)


def _filed_with_member(session, bureau, call):
    """A center filed through the workflow by a verified firm, with a registered founder as member unit."""
    lead = create_user(session, "enterprise", industries=["automotive"])
    verify_org(session, lead)
    member = create_user(session, "university", industries=["automotive"])
    member_code = session.get(Organization, member.org_id).credit_code
    founders = [*application_data()["founders"][:3], {"name": "吉林大学", "credit_code": member_code}]
    application = carry(session, bureau, apply(session, call, lead, founders=founders), "filed")
    return lead, member, session.get(Center, application.center_id)


def test_filing_makes_the_center_its_own_legal_person(session, bureau, call):
    lead = create_user(session, "enterprise", industries=["automotive"])
    verify_org(session, lead)
    application = carry(session, bureau, apply(session, call, lead), "notice")
    end_notice(session, application)
    center = session.get(Center, application.center_id)
    assert center.org_id is None and center.lead_org_id == lead.org_id
    code = random_credit_code()
    with in_app(session):
        # The lead unit's own code is refused: the center is not its lead.
        lead_code = session.get(Organization, lead.org_id).credit_code
        with pytest.raises(Invalid) as refused:
            application_service.decide_filing(
                session=session,
                user=bureau,
                application_id=application.id,
                data={
                    "approve": True,
                    "reason": "同意",
                    "entity_name": "某公司",
                    "entity_credit_code": lead_code,
                },
            )
        assert "发起单位" in refused.value.fields["entity_credit_code"]
        application_service.decide_filing(
            session=session,
            user=bureau,
            application_id=application.id,
            data={
                "approve": True,
                "reason": "同意备案",
                "entity_name": "长春汽车轻量化创新中心有限公司",
                "entity_credit_code": code.lower(),  # typed in lower case: read like every other code
            },
        )
    session.expire_all()
    center = session.get(Center, application.center_id)
    own = session.get(Organization, center.org_id)
    assert center.status == CenterStatus.filed and own.credit_code == code
    assert own.name == "长春汽车轻量化创新中心有限公司" and own.kind == "center" and own.verified
    assert center.lead_org_id == lead.org_id  # the lead stays the lead unit
    entry = session.exec(
        select(AuditEvent).where(AuditEvent.subject_type == "center", AuditEvent.action == "legal_entity")
    ).one()
    assert (
        entry.subject_id == center.id and entry.data["credit_code"] == code and entry.data["created"] is True
    )


def test_an_organization_already_another_centers_is_not_linked(session, bureau):
    first_call, second_call = create_call(session, bureau), create_call(session, bureau)
    _lead, _member, first = _filed_with_member(session, bureau, first_call)
    taken = session.get(Organization, first.org_id).credit_code
    application = carry(session, bureau, apply(session, second_call), "notice")
    end_notice(session, application)
    with in_app(session), pytest.raises(Conflict, match="已是") as refused:
        application_service.decide_filing(
            session=session,
            user=bureau,
            application_id=application.id,
            data={"approve": True, "reason": "同意", "entity_name": "另一中心", "entity_credit_code": taken},
        )
    assert refused.value.status == 409
    session.expire_all()
    assert session.get(Center, application.center_id).status == CenterStatus.notice


def test_the_lead_firms_ordinary_contracts_do_not_count_for_its_center(session, bureau, call):
    lead, member, center = _filed_with_member(session, bureau, call)
    buyer = create_user(session, "enterprise")
    verify_org(session, buyer)
    verify_org(session, member)
    # The lead firm's own business: a buyer commissions it through a need of the buyer's.
    need = create_need(session, buyer, title="车身焊接工艺优化")
    interest = express(session, lead, "need", need.id)
    accept(session, buyer, interest.id)
    ordinary = signed_contract(
        session, buyer, interest.id, (buyer, lead), title="普通业务合同", field="automotive"
    )
    # The member unit acts through the center: its achievement names the center.
    achievement = create_achievement(session, member, center_id=center.id, title="轻量化车身连接工艺")
    interest = express(session, buyer, "achievement", achievement.id)
    accept(session, member, interest.id)
    # A university licensing by agreement publishes the price first (公示): the notice ran and closed.
    cleared_price_notice(session, achievement.id, 1_200_000)
    through = signed_contract(
        session,
        buyer,
        interest.id,
        (buyer, member),
        kind="license",
        title="经中心的许可合同",
        field="automotive",
    )
    year = through.signed_on.year
    attributed = {c.contract.id: c.center_ids for c in indicators.counted_contracts(session, year=year)}
    assert center.id not in attributed[ordinary.id]
    assert center.id in attributed[through.id]
    with in_app(session):
        data = indicators.dashboard(session=session, user=bureau, year=year)
    (row,) = [r for r in data["centers"] if r["center_id"] == center.id]
    assert row["count"] == 1 and row["amount"] == through.amount


def test_applications_in_progress_are_shown_apart_not_ranked(session, bureau, call):
    lead = create_user(session, "enterprise", industries=["automotive"])
    verify_org(session, lead)
    buyer = create_user(session, "enterprise")
    verify_org(session, buyer)
    application = carry(session, bureau, apply(session, call, lead), "review")
    # The lead firm's own contract does not make its application a center's figure either.
    need = create_need(session, buyer, title="车身焊接工艺优化")
    interest = express(session, lead, "need", need.id)
    accept(session, buyer, interest.id)
    signed_contract(session, buyer, interest.id, (buyer, lead), title="普通业务合同", field="automotive")
    with in_app(session):
        data = indicators.dashboard(session=session, user=bureau, year=date.today().year)
    assert application.center_id not in [r["center_id"] for r in data["centers"]]
    assert data["centers"] == []
    (applying,) = [r for r in data["applicants"] if r["center_id"] == application.center_id]
    assert applying["status"] == "review" and applying["count"] == 0


def test_the_demo_ranks_filed_centers_only(runner, session, client, auth):
    """On the demo data, no center still applying (applied, review, inspection, notice) is among the top
    centers, on any year the demo has contracts; those applications are listed apart on the dashboard."""
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    bureau = session.exec(select(User).where(User.email == f"bureau@{DEMO_EMAIL_DOMAIN}")).one()
    statuses = dict(session.exec(select(Center.id, Center.status)).all())
    years = {d.year for d in session.exec(select(Contract.signed_on)).all() if d is not None}
    assert years
    ranked_any = False
    for year in sorted(years):
        with in_app(session):
            data = indicators.dashboard(session=session, user=bureau, year=year)
        assert all(statuses[r["center_id"]] == CenterStatus.filed for r in data["centers"]), year
        assert all(statuses[r["center_id"]] == CenterStatus.filed for r in data["top_centers"]), year
        ranked_any = ranked_any or bool(data["centers"])
        applying = {r["center_id"] for r in data["applicants"]}
        assert applying == {
            cid for cid, status in statuses.items() if status in ("applied", "review", "inspection", "notice")
        }
    assert ranked_any
    # Every filed demo center is a legal person with a valid code, none is its lead unit.
    for center in session.exec(select(Center).where(Center.status == CenterStatus.filed)).all():
        org = session.get(Organization, center.org_id)
        assert org is not None and center.org_id != center.lead_org_id
        assert is_valid_credit_code(org.credit_code)
    auth.login(f"bureau@{DEMO_EMAIL_DOMAIN}", DEMO_PASSWORD)
    html = client.get(f"/bureau/dashboard?year={max(years)}").get_data(as_text=True)
    top, applying_table = html.split('data-testid="centers"')[1], html.split('data-testid="applicants"')[1]
    top = top.split("</table>")[0]
    applying_table = applying_table.split("</table>")[0]
    iiot = session.exec(select(Center).where(Center.demo_key == "c_iiot")).one()
    assert iiot.name not in top and iiot.name in applying_table and "申报中" in html


# --- governance and contributions ------------------------------------------------------------------------------


def test_governance_and_contributions_on_the_profile_with_the_right_visibility(
    client, auth, session, bureau, call
):
    lead, member, center = _filed_with_member(session, bureau, call)
    manager = center_user(session, center.id)
    as_manager, as_lead = bearer(client, manager.email, PASSWORD), bearer(client, lead.email, PASSWORD)
    as_bureau = bearer(client, bureau.email, PASSWORD)
    zh = {"Accept-Language": "zh-CN"}
    seat = {
        "body": "decision_body",
        "name": "赵国强",
        "affiliation": "一汽集团",
        "role": "理事长",
        "term_start": "2026-01-01",
        "term_end": "2028-12-31",
    }
    added = client.post(f"{API}/centers/{center.id}/governance", json=seat, headers=as_manager)
    assert added.status_code == 201 and added.json["role"] == "理事长"
    committee = {
        **seat,
        "body": "expert_committee",
        "name": "王院士",
        "affiliation": "吉林大学",
        "role": "主任",
    }
    assert (
        client.post(f"{API}/centers/{center.id}/governance", json=committee, headers=as_bureau).status_code
        == 201
    )
    # The lead unit only belongs to the center: it does not keep the center's governance.
    assert (
        client.post(
            f"{API}/centers/{center.id}/governance", json={**seat, "name": "钱"}, headers=as_lead
        ).status_code
        == 403
    )
    bad = client.post(
        f"{API}/centers/{center.id}/governance",
        json={**seat, "name": "孙委员", "term_end": "2025-01-01"},
        headers={**as_manager, **zh},
    )
    assert bad.status_code == 422 and bad.json["error"]["fields"]["term_end"] == "结束日期早于开始日期。"

    shares = {"org_id": member.org_id, "kind": "shares", "amount": 3_000_000, "contributed_on": "2026-02-01"}
    assert (
        client.post(f"{API}/centers/{center.id}/contributions", json=shares, headers=as_manager).status_code
        == 201
    )
    stranger = create_user(session, "enterprise")
    outsider = client.post(
        f"{API}/centers/{center.id}/contributions",
        json={**shares, "org_id": stranger.org_id},
        headers={**as_manager, **zh},
    )
    assert outsider.status_code == 422 and "成员单位" in outsider.json["error"]["fields"]["org_id"]

    public = client.get(f"{API}/centers/{center.id}/contributions").json["items"]
    assert [(r["org_name"], r["kind"], r["amount"]) for r in public] == [
        (session.get(Organization, member.org_id).name, "shares", None)
    ]
    assert (
        client.get(f"{API}/centers/{center.id}/contributions", headers=as_manager).json["items"][0]["amount"]
        == 3_000_000
    )
    assert (
        client.get(f"{API}/centers/{center.id}/contributions", headers=as_lead).json["items"][0]["amount"]
        is None
    )
    names = [m["name"] for m in client.get(f"{API}/centers/{center.id}/governance").json["items"]]
    assert sorted(names) == ["王院士", "赵国强"]

    # The public profile: names, roles, affiliations and who contributed how; no amount.
    profile = client.get(f"/centers/{center.id}").get_data(as_text=True)
    assert (
        "赵国强" in profile and "理事长" in profile and "一汽集团" in profile and "技术专家委员会" in profile
    )
    assert "入股" in profile and "contribution-amount" not in profile and "300 万元" not in profile
    auth.login(manager.email)
    mine = client.get(f"/centers/{center.id}").get_data(as_text=True)
    assert 'data-testid="contribution-amount">300 万元' in mine
    # In its records, and every change in its history.
    record = client.get(f"/bureau/centers/{center.id}").get_data(as_text=True)
    assert "赵国强" in record and "300 万元" in record
    actions = [
        h["event_type"] for h in client.get(f"{API}/centers/{center.id}", headers=as_manager).json["history"]
    ]
    assert actions.count("governance_member_added") == 2 and actions.count("contribution_recorded") == 1


def test_governance_forms_keep_what_was_typed_and_need_csrf(app, client, auth, session, bureau, call):
    _lead, member, center = _filed_with_member(session, bureau, call)
    manager = center_user(session, center.id)
    auth.login(manager.email)
    page = f"/bureau/centers/{center.id}"
    form = {
        "body": "decision_body",
        "name": "李理事",
        "role": "理事",
        "affiliation": "长春理工大学",
        "term_start": "2026-03-01",
    }
    assert client.post(f"{page}/governance", data=form).status_code == 400  # no CSRF token
    token = csrf_token(client, page)
    wrong = client.post(
        f"{page}/governance",
        data={**form, "form_id": "governance", "term_end": "2026-01-01", "csrf_token": token},
    )
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "结束日期早于开始日期" in html and "长春理工大学" in html
    assert client.post(f"{page}/governance", data={**form, "csrf_token": token}).status_code == 302
    paid = {
        "org_id": str(member.org_id),
        "kind": "membership_fee",
        "amount": "50000",
        "contributed_on": "2026-03-02",
        "csrf_token": token,
    }
    assert client.post(f"{page}/contributions", data=paid).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "李理事" in html and "会员费" in html and "5 万元" in html


def test_two_requests_at_once_record_a_seat_or_a_contribution_once(app, client, session, bureau, call):
    _lead, member, center = _filed_with_member(session, bureau, call)
    manager = center_user(session, center.id)
    auth = bearer(client, manager.email, PASSWORD)
    seat = {"body": "expert_committee", "name": "周委员", "role": "委员", "term_start": "2026-01-01"}
    paid = {"org_id": member.org_id, "kind": "shares", "amount": 1_000_000, "contributed_on": "2026-01-02"}
    for path, body in (
        (f"{API}/centers/{center.id}/governance", seat),
        (f"{API}/centers/{center.id}/contributions", paid),
    ):
        statuses = sorted(
            r.status_code
            for r in concurrently(
                *(lambda p=path, b=body: app.test_client().post(p, json=b, headers=auth) for _ in range(2))
            )
        )
        # The loser is told it is already recorded, whether it saw the row or the database refused it.
        assert statuses == [201, 409]
        assert len(client.get(path, headers=auth).json["items"]) == 1
