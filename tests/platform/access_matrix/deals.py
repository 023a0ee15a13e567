"""Access matrix of the deals API: parties, the bureau (reads only), and everyone else (404 or 401)."""

import io

from werkzeug.datastructures import FileStorage

from app.deals.services import contracts, conversation, incubations, interests
from app.market.services import need_access, saved_searches
from models import Center, CenterStatus, ContractStatus, Organization
from tests.platform.access_matrix import Case
from tests.utils.deal_world import CONTRACT
from tests.utils.factories import create_achievement, create_need, create_user, in_app

PDF = b"%PDF-1.4\n%%EOF\n"


def build(session, users) -> dict[str, int]:
    """A confidential need of the enterprise, the center's accepted interest in it (NDA accepted) with a message
    and an attachment, a draft contract, an incubation of the center and a saved search of the enterprise."""
    enterprise, center = users["enterprise"], users["center"]
    need = create_need(session, enterprise, confidential=True)
    achievement = create_achievement(session, center)
    hub = Center(
        name="矩阵测试创新中心",
        industry="automotive",
        domain="测试",
        org_id=center.org_id,
        offers_incubation=True,
        status=CenterStatus.filed,
    )
    session.add(hub)
    session.commit()
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
            session=session, user=enterprise, data={**CONTRACT, "interest_id": interest.id}
        )
        registrable = contracts.create_contract(
            session=session, user=enterprise, data={**CONTRACT, "interest_id": interest.id}
        )
        incubation = incubations.create_incubation(
            session=session,
            user=center,
            data={"center_id": hub.id, "name": "矩阵孵化科技有限公司", "started_on": "2026-05-01"},
        )
        # Awaiting confirmation: the bureau's (a firm without an account) and the enterprise's (its credit code).
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
    # Signed directly: the registration's role checks, not signing, are what its cases try.
    registrable.status = ContractStatus.signed
    session.add(registrable)
    session.commit()
    # Grants of another confidential need: one to revoke (the center's), and an organization to grant.
    grants_need = create_need(session, enterprise, confidential=True)
    grantee = create_user(session, "university")
    with in_app(session):
        grant, _created = need_access.grant_details(
            session=session, need_id=grants_need.id, org_id=center.org_id, user=enterprise
        )
    return {
        "incubation_to_confirm_api": unconfirmed.id,
        "firm_incubation_api": of_firm.id,
        "registrable": registrable.id,
        "grants_need_api": grants_need.id,
        "grant_api": grant.id,
        "grantee_api": grantee.org_id,
        "need": need.id,
        "interest": interest.id,
        "attachment": attachment.id,
        "contract": contract.id,
        "incubation": incubation.id,
        "saved": saved.id,
        "deal_hub": hub.id,
        "offered": achievement.id,
    }


def _expect(visitor, enterprise, center, bureau, expert) -> dict[str, int]:
    return {
        "visitor": visitor,
        "enterprise": enterprise,
        "center": center,
        "bureau": bureau,
        "expert": expert,
    }


READ_BY_PARTIES_AND_BUREAU = _expect(401, 200, 200, 200, 404)
ANY_USER = _expect(401, 200, 200, 200, 200)

CASES = [
    Case("GET", "/api/v1/interests/{interest}", expected=READ_BY_PARTIES_AND_BUREAU),
    Case("GET", "/api/v1/interests?box=in", expected=_expect(401, 200, 200, 200, 403)),
    Case("POST", "/api/v1/interests/{interest}/accept", expected=_expect(401, 409, 403, 403, 404), body={}),
    Case(
        "POST",
        "/api/v1/interests/{interest}/nda",
        expected=_expect(401, 403, 409, 403, 404),
        body={"accept": True, "version": interests.PLATFORM_NDA_VERSION},
    ),
    Case("GET", "/api/v1/interests/{interest}/messages", expected=READ_BY_PARTIES_AND_BUREAU),
    Case(
        "POST",
        "/api/v1/interests/{interest}/messages",
        expected=_expect(401, 201, 201, 403, 404),
        body={"body": "请查收修改后的方案。"},
    ),
    Case("GET", "/api/v1/attachments/{attachment}", expected=READ_BY_PARTIES_AND_BUREAU),
    Case("GET", "/api/v1/contracts/{contract}", expected=READ_BY_PARTIES_AND_BUREAU),
    Case("GET", "/api/v1/contracts/{contract}/audit", expected=READ_BY_PARTIES_AND_BUREAU),
    Case(
        "POST",
        "/api/v1/contracts/{contract}/transition",
        expected=_expect(401, 409, 409, 403, 404),
        body={"to": "completed"},
    ),
    Case("GET", "/api/v1/contracts?party=me", expected=ANY_USER),
    # The need's owner (the enterprise) may close it once the contract is completed; this one is a draft.
    Case(
        "POST", "/api/v1/contracts/{contract}/close-need", expected=_expect(401, 409, 403, 403, 404), body={}
    ),
    Case("GET", "/api/v1/needs/{need}/detail-views", expected=_expect(401, 200, 404, 404, 404)),
    # Grants: the owner grants and revokes, the bureau lists (and is refused a change), anyone else: 404.
    Case("GET", "/api/v1/needs/{grants_need_api}/grants", expected=_expect(401, 200, 404, 200, 404)),
    Case(
        "POST",
        "/api/v1/needs/{grants_need_api}/grants",
        expected=_expect(401, 201, 404, 403, 404),
        body={"org_id": "{grantee_api}"},
    ),
    Case(
        "DELETE",
        "/api/v1/needs/{grants_need_api}/grants/{grant_api}",
        expected=_expect(401, 204, 404, 403, 404),
    ),
    # The same rule as the page: any organization (its centers' incubations and those naming it), not an expert.
    Case("GET", "/api/v1/incubations", expected=_expect(401, 200, 200, 200, 403)),
    Case(
        "POST",
        "/api/v1/incubations/{incubation}/transition",
        expected=_expect(401, 404, 422, 404, 404),
        body={"to": "paused"},
    ),
    # A firm without an account: the bureau confirms; the center that recorded it may not (403); others: 404.
    Case(
        "POST",
        "/api/v1/incubations/{incubation_to_confirm_api}/confirm",
        expected=_expect(401, 404, 403, 200, 404),
        body={"decision": "confirm"},
    ),
    # A firm with an account confirms its own record, neither its center nor the bureau.
    Case(
        "POST",
        "/api/v1/incubations/{firm_incubation_api}/confirm",
        expected=_expect(401, 200, 403, 403, 404),
        body={"decision": "confirm"},
    ),
    # Valid bodies throughout: what differs between roles is the role check, not the validation before it.
    Case(
        "POST",
        "/api/v1/contracts",
        expected=_expect(401, 201, 201, 403, 404),
        body={**CONTRACT, "interest_id": "{interest}"},
    ),
    Case(
        "POST",
        "/api/v1/contracts/{contract}/milestones/{milestone}/transition",
        expected=_expect(401, 409, 409, 403, 404),
        body={"to": "paid"},
    ),
    Case(
        "POST",
        "/api/v1/contracts/{contract}/registration",
        expected=_expect(401, 409, 409, 403, 404),
        body={"number": "2026220100000123"},
    ),
    # 技术合同认定登记: the parties fill the form of a signed contract; the bureau records decisions only.
    Case(
        "PUT",
        "/api/v1/contracts/{registrable}/registration",
        expected=_expect(401, 200, 200, 403, 404),
        body={"objective": "industry_commerce"},
    ),
    Case(
        "PUT",
        "/api/v1/contracts/{contract}/registration",
        expected=_expect(401, 409, 409, 409, 404),
        body={"status": "registered", "number": "2026220100000123", "office": "长春市技术市场管理办公室"},
    ),
    Case("GET", "/api/v1/contracts/{registrable}/registration.pdf", expected=READ_BY_PARTIES_AND_BUREAU),
    Case("GET", "/api/v1/contracts/{registrable}/registration.xlsx", expected=READ_BY_PARTIES_AND_BUREAU),
    Case(
        "GET",
        "/api/v1/bureau/registrations.xlsx?from=2026-01-01&to=2026-12-31",
        expected=_expect(401, 403, 403, 200, 403),
    ),
    # Another organization's center does not exist for the caller.
    Case(
        "POST",
        "/api/v1/incubations",
        expected=_expect(401, 404, 201, 404, 404),
        body={"center_id": "{deal_hub}", "name": "矩阵新孵化科技有限公司", "started_on": "2026-06-01"},
    ),
    # The center offered the achievement: an organization is not interested in its own listing (422).
    Case(
        "POST",
        "/api/v1/interests",
        expected=_expect(401, 201, 422, 403, 403),
        body={"target_type": "achievement", "target_id": "{offered}", "message": "希望了解许可条件。"},
    ),
    Case(
        "POST",
        "/api/v1/interests/{interest}/decline",
        expected=_expect(401, 409, 403, 403, 404),
        body={"reason": "price"},
    ),
    Case("POST", "/api/v1/interests/{interest}/withdraw", expected=_expect(401, 403, 409, 403, 404), body={}),
    # An empty body keeps the platform's default NDA text.
    Case("PUT", "/api/v1/needs/{need}/nda", expected=_expect(401, 200, 404, 404, 404), body={}),
    Case("POST", "/api/v1/notifications/read", expected=ANY_USER, body={}),
    Case("DELETE", "/api/v1/saved-searches/{saved_api}", expected=_expect(401, 204, 404, 404, 404)),
    Case("GET", "/api/v1/notifications", expected=ANY_USER),
    Case("GET", "/api/v1/saved-searches", expected=ANY_USER),
    Case(
        "POST",
        "/api/v1/saved-searches",
        expected=_expect(401, 201, 201, 201, 201),
        body={"query": "激光焊接"},
    ),
]
