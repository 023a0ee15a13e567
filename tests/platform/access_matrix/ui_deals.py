"""Access matrix of the deal and profile pages: parties, the bureau (reads only), everyone else (404 or 403), and
visitors sent to the login page (302). Bodies of POST cases are form fields; the harness adds the CSRF token."""

import io

from sqlmodel import select
from werkzeug.datastructures import FileStorage

from app.deals.services import contracts, conversation, incubations, interests
from app.market.services import need_access, saved_searches
from models import Milestone, Organization
from tests.platform.access_matrix import Case, Pair
from tests.utils.factories import create_need, create_user, in_app
from tests.utils.ui_deals import contract_data, create_center

PDF = b"%PDF-1.4\n%%EOF\n"


def build(session, users) -> dict[str, int]:
    """The center's accepted interest in the enterprise's confidential need (NDA accepted) with an attachment, a
    draft contract, an incubation of the center's filed center, a center still under review, a saved search."""
    enterprise, center = users["enterprise"], users["center"]
    need = create_need(session, enterprise, confidential=True)
    hub = create_center(session, center, name="访问矩阵创新中心")
    under_review = create_center(session, center, name="评审中的创新中心", status="review")
    with in_app(session):
        interest = interests.express_interest(
            session=session, user=center, target_type="need", target_id=need.id, message="希望合作"
        )
        interests.accept_interest(session=session, user=enterprise, interest_id=interest.id)
        interests.accept_nda(
            session=session,
            user=center,
            interest_id=interest.id,
            agreed=True,
            version=interests.PLATFORM_NDA_VERSION,
        )
        message = conversation.post_message(
            session=session,
            user=enterprise,
            interest_id=interest.id,
            body="附件",
            upload=FileStorage(io.BytesIO(PDF), filename="方案.pdf"),
        )
        attachment = conversation.attachments_of(session=session, message_ids=[message.id])[message.id][0]
        contract = contracts.create_contract(
            session=session, user=enterprise, data=contract_data(interest.id)
        )
        incubation = incubations.create_incubation(
            session=session,
            user=center,
            data={"center_id": hub.id, "name": "矩阵孵化科技有限公司", "started_on": "2026-05-01"},
        )
        unconfirmed = incubations.create_incubation(
            session=session,
            user=center,
            data={"center_id": hub.id, "name": "矩阵待确认科技有限公司", "started_on": "2026-05-02"},
        )
        of_firm = incubations.create_incubation(
            session=session,
            user=center,
            data={
                "center_id": hub.id,
                "name": "矩阵企业自身",
                "credit_code": session.get(Organization, enterprise.org_id).credit_code,
                "started_on": "2026-05-03",
            },
        )
        saved = saved_searches.create_saved_search(session=session, user=enterprise, data={"query": "焊接"})
        saved_api = saved_searches.create_saved_search(
            session=session, user=enterprise, data={"query": "铸造"}
        )
    milestone = session.exec(select(Milestone).where(Milestone.contract_id == contract.id)).first()
    return {
        "incubation_to_confirm_page": unconfirmed.id,
        "firm_incubation_page": of_firm.id,
        "saved_api": saved_api.id,
        "milestone": milestone.id,
        "need": need.id,
        "interest": interest.id,
        "attachment": attachment.id,
        "contract": contract.id,
        "incubation": incubation.id,
        "saved": saved.id,
        "center": hub.id,
        "under_review": under_review.id,
        "org": enterprise.org_id,
        **_grants(session, enterprise, center),
    }


def _grants(session, enterprise, center) -> dict[str, int]:
    """Another confidential need of the enterprise, granted to the center (to revoke), and an organization to
    grant."""
    need = create_need(session, enterprise, confidential=True)
    grantee = create_user(session, "university")
    with in_app(session):
        grant, _created = need_access.grant_details(
            session=session, need_id=need.id, org_id=center.org_id, user=enterprise
        )
    return {"grants_need_ui": need.id, "grant_ui": grant.id, "grantee_ui": grantee.org_id}


def _expect(visitor, enterprise, center, bureau, expert) -> dict[str, int]:
    return {
        "visitor": visitor,
        "enterprise": enterprise,
        "center": center,
        "bureau": bureau,
        "expert": expert,
    }


PARTIES_AND_BUREAU = _expect(302, 200, 200, 200, 404)
ANY_USER = _expect(302, 200, 200, 200, 200)
PUBLIC = _expect(200, 200, 200, 200, 200)

CASES = [
    Case("GET", "/interests?box=in", expected=_expect(302, 200, 200, 200, 403)),
    Case(
        "GET", "/interests/new?target_type=need&target_id={need}", expected=_expect(302, 200, 200, 403, 403)
    ),
    Case("GET", "/interests/{interest}", expected=PARTIES_AND_BUREAU),
    Case("POST", "/interests/{interest}/accept", expected=_expect(302, 409, 403, 403, 404), body={}),
    Case(
        "POST",
        "/interests/{interest}/decline",
        expected=_expect(302, 409, 403, 403, 404),
        body={"reason": "price"},
    ),
    Case("POST", "/interests/{interest}/withdraw", expected=_expect(302, 403, 409, 403, 404), body={}),
    Case(
        "POST",
        "/interests/{interest}/nda",
        expected=_expect(302, 403, 409, 403, 404),
        body={"agree": "y", "version": "platform-2026-1"},
    ),
    Case(
        "POST",
        "/interests/{interest}/messages",
        expected=_expect(302, 302, 302, 403, 404),
        body={"body": "请查收修改后的方案。"},
    ),
    Case(
        "POST",
        "/interests/{interest}/contract",
        expected=_expect(302, 302, 302, 403, 404),
        body={"kind": "technical_consulting", "title": "咨询合同", "amount": "10", "technology_amount": "8"},
    ),
    Case("GET", "/attachments/{attachment}", expected=PARTIES_AND_BUREAU),
    Case("GET", "/needs/{need}/views", expected=_expect(302, 200, 404, 404, 404)),
    Case("GET", "/needs/{need}/nda", expected=_expect(302, 200, 404, 404, 404)),
    Case(
        "POST",
        "/needs/{grants_need_ui}/grants",
        expected=_expect(302, 302, 404, 403, 404),
        body={"org_id": "{grantee_ui}"},
    ),
    Case(
        "POST",
        "/needs/{grants_need_ui}/grants/{grant_ui}/revoke",
        expected=_expect(302, 302, 404, 403, 404),
        body={},
    ),
    Case("GET", "/contracts", expected=ANY_USER),
    Case("GET", "/contracts/{contract}", expected=PARTIES_AND_BUREAU),
    Case(
        "POST",
        "/contracts/{contract}/transition",
        expected=_expect(302, 409, 409, 403, 404),
        body={"to": "completed"},
    ),
    Case(
        "POST",
        "/contracts/{contract}/registration",
        expected=_expect(302, 409, 409, 403, 404),
        body={"number": "2026220100000001"},
    ),
    # 技术合同认定登记 of a draft: not yet (409) for the parties and the bureau; the form's fields are the parties'.
    Case(
        "POST",
        "/contracts/{contract}/registration/form",
        expected=_expect(302, 409, 409, 409, 404),
        body={"objective": "industry_commerce", "step": "submitted"},
    ),
    Case(
        "POST",
        "/contracts/{contract}/registration/decision",
        expected=_expect(302, 409, 409, 409, 404),
        body={"status": "registered", "number": "2026220100000123", "office": "长春市技术市场管理办公室"},
    ),
    Case("GET", "/contracts/{contract}/registration.pdf", expected=PARTIES_AND_BUREAU),
    Case("GET", "/contracts/{contract}/registration.xlsx", expected=PARTIES_AND_BUREAU),
    Case("GET", "/contracts/registrations", expected=_expect(302, 403, 403, 200, 403)),
    Case(
        "GET",
        "/contracts/registrations.xlsx?from=2026-01-01&to=2026-12-31",
        expected=_expect(302, 403, 403, 200, 403),
    ),
    # The need's owner (the enterprise) may close it once the contract is completed; this one is a draft.
    Case("POST", "/contracts/{contract}/close-need", expected=_expect(302, 409, 403, 403, 404), body={}),
    # An organization reads the incubations of the centers it runs and those naming it; an expert has none.
    Case("GET", "/incubations", expected=_expect(302, 200, 200, 200, 403)),
    Case("GET", "/notifications", expected=ANY_USER),
    Case("GET", "/saved-searches", expected=ANY_USER),
    Case("POST", "/saved-searches/{saved}/delete", expected=_expect(302, 302, 404, 404, 404), body={}),
    Case(
        "POST",
        "/contracts/{contract}/milestones/{milestone}/transition",
        expected=_expect(302, 409, 409, 403, 404),
        body={"to": "paid"},
    ),
    # Valid forms: what differs between roles is the role check, not the validation before it.
    Case(
        "POST",
        "/incubations",
        expected=_expect(302, 404, 302, 404, 403),
        body={"center_id": "{center}", "name": "矩阵新孵化科技有限公司", "started_on": "2026-06-01"},
    ),
    Case("POST", "/incubations/{incubation}/graduated", expected=_expect(302, 404, 302, 404, 404), body={}),
    # The bureau confirms for a firm without an account, the firm itself when it has one; never the center.
    Case(
        "POST",
        "/incubations/{incubation_to_confirm_page}/confirm",
        expected=_expect(302, 404, 403, 302, 404),
        body={},
    ),
    Case(
        "POST",
        "/incubations/{firm_incubation_page}/reject",
        expected=_expect(302, 302, 403, 403, 404),
        body={},
    ),
    # No target named: there is nothing to be interested in.
    Case("POST", "/interests/new", expected=_expect(302, 404, 404, 403, 403), body={}),
    Case("POST", "/needs/{need}/nda", expected=_expect(302, 302, 404, 404, 404), body={}),
    Case("POST", "/notifications/read", expected=_expect(302, 302, 302, 302, 302), body={}),
    Case(
        "POST",
        "/saved-searches",
        expected=_expect(302, 302, 302, 302, 302),
        body={"name": "激光焊接", "q": "激光焊接"},
    ),
    Case("GET", "/organizations/{org}", expected=PUBLIC),
    Case("GET", "/centers", expected=PUBLIC),
    Case("GET", "/centers/{center}", expected=PUBLIC),
    Case("GET", "/centers/{under_review}", expected=_expect(404, 404, 200, 200, 404)),
]

PAIRS: list[Pair] = [
    Pair("POST /needs/{grants_need_ui}/grants", "POST /api/v1/needs/{grants_need_api}/grants"),
    Pair(
        "POST /needs/{grants_need_ui}/grants/{grant_ui}/revoke",
        "DELETE /api/v1/needs/{grants_need_api}/grants/{grant_api}",
    ),
    Pair("GET /interests?box=in", "GET /api/v1/interests?box=in"),
    Pair("GET /interests/new?target_type=need&target_id={need}", "POST /api/v1/interests"),
    Pair("GET /interests/{interest}", "GET /api/v1/interests/{interest}"),
    Pair("POST /interests/{interest}/accept", "POST /api/v1/interests/{interest}/accept"),
    Pair("POST /interests/{interest}/decline", "POST /api/v1/interests/{interest}/decline"),
    Pair("POST /interests/{interest}/withdraw", "POST /api/v1/interests/{interest}/withdraw"),
    Pair("POST /interests/{interest}/nda", "POST /api/v1/interests/{interest}/nda"),
    Pair("POST /interests/{interest}/messages", "POST /api/v1/interests/{interest}/messages"),
    Pair("POST /interests/{interest}/contract", "POST /api/v1/contracts"),
    Pair("GET /attachments/{attachment}", "GET /api/v1/attachments/{attachment}"),
    Pair("GET /needs/{need}/views", "GET /api/v1/needs/{need}/detail-views"),
    Pair("POST /needs/{need}/nda", "PUT /api/v1/needs/{need}/nda"),
    Pair("GET /contracts", "GET /api/v1/contracts?party=me"),
    Pair("GET /contracts/{contract}", "GET /api/v1/contracts/{contract}"),
    Pair("POST /contracts/{contract}/transition", "POST /api/v1/contracts/{contract}/transition"),
    Pair("POST /contracts/{contract}/registration", "POST /api/v1/contracts/{contract}/registration"),
    Pair("POST /contracts/{contract}/close-need", "POST /api/v1/contracts/{contract}/close-need"),
    Pair("POST /contracts/{contract}/registration/decision", "PUT /api/v1/contracts/{contract}/registration"),
    Pair(
        "GET /contracts/{contract}/registration.pdf", "GET /api/v1/contracts/{registrable}/registration.pdf"
    ),
    Pair(
        "GET /contracts/{contract}/registration.xlsx", "GET /api/v1/contracts/{registrable}/registration.xlsx"
    ),
    Pair(
        "GET /contracts/registrations.xlsx?from=2026-01-01&to=2026-12-31",
        "GET /api/v1/bureau/registrations.xlsx?from=2026-01-01&to=2026-12-31",
    ),
    Pair(
        "POST /contracts/{contract}/milestones/{milestone}/transition",
        "POST /api/v1/contracts/{contract}/milestones/{milestone}/transition",
    ),
    Pair("GET /incubations", "GET /api/v1/incubations"),
    Pair("POST /incubations", "POST /api/v1/incubations"),
    Pair("POST /incubations/{incubation}/graduated", "POST /api/v1/incubations/{incubation}/transition"),
    Pair(
        "POST /incubations/{incubation_to_confirm_page}/confirm",
        "POST /api/v1/incubations/{incubation_to_confirm_api}/confirm",
    ),
    Pair(
        "POST /incubations/{firm_incubation_page}/reject",
        "POST /api/v1/incubations/{firm_incubation_api}/confirm",
    ),
    Pair("GET /notifications", "GET /api/v1/notifications"),
    Pair("POST /notifications/read", "POST /api/v1/notifications/read"),
    Pair("GET /saved-searches", "GET /api/v1/saved-searches"),
    Pair("POST /saved-searches", "POST /api/v1/saved-searches"),
    Pair("POST /saved-searches/{saved}/delete", "DELETE /api/v1/saved-searches/{saved_api}"),
    Pair("GET /organizations/{org}", "GET /api/v1/organizations/{org}"),
]
