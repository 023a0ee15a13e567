"""Access matrix of a contract's text: the parties edit a draft's text and sign it, the parties and the bureau
download the contract PDF, the bureau changes nothing, anyone else finds nothing (404)."""

from app.deals.services import contracts, interests
from tests.platform.access_matrix import Case, Pair
from tests.utils.deal_world import CONTRACT, current_sha256
from tests.utils.factories import create_need, in_app


def build(session, users) -> dict[str, int | str]:
    """A draft contract between the enterprise (party a, its need's owner) and the center (party b)."""
    enterprise, center = users["enterprise"], users["center"]
    need = create_need(session, enterprise)
    with in_app(session):
        interest = interests.express_interest(
            session=session, user=center, target_type="need", target_id=need.id, message="希望合作"
        )
        interests.accept_interest(session=session, user=enterprise, interest_id=interest.id)
        contract = contracts.create_contract(
            session=session, user=enterprise, data={**CONTRACT, "interest_id": interest.id}
        )
        sha = current_sha256(session, contract.id)
    return {"text_contract": contract.id, "text_sha": sha}


def _expect(visitor, enterprise, center, bureau, expert) -> dict[str, int]:
    return {
        "visitor": visitor,
        "enterprise": enterprise,
        "center": center,
        "bureau": bureau,
        "expert": expert,
    }


EDIT = {"clauses": {"terms": "本合同所称“样件”，是指按技术方案制作的试验件。"}}

CASES = [
    Case(
        "PUT",
        "/api/v1/contracts/{text_contract}/text",
        expected=_expect(401, 200, 200, 403, 404),
        body=EDIT,
    ),
    Case("GET", "/api/v1/contracts/{text_contract}/document.pdf", expected=_expect(401, 200, 200, 200, 404)),
    Case("GET", "/contracts/{text_contract}/text", expected=_expect(302, 200, 200, 403, 404)),
    Case(
        "POST",
        "/contracts/{text_contract}/text",
        expected=_expect(302, 302, 302, 403, 404),
        body={"clause-terms": "本合同所称“样件”，是指按技术方案制作的试验件。"},
    ),
    Case("GET", "/contracts/{text_contract}/sign", expected=_expect(302, 200, 200, 403, 404)),
    # The matrix's organizations are not verified by the bureau, so even a party may not sign yet (403);
    # the wrong password is tried in tests/deals/test_contract_text.py.
    Case(
        "POST",
        "/contracts/{text_contract}/sign",
        expected=_expect(302, 403, 403, 403, 404),
        body={"text_sha256": "{text_sha}", "password": "not-the-password"},
    ),
    Case("GET", "/contracts/{text_contract}/document.pdf", expected=_expect(302, 200, 200, 200, 404)),
]

PAIRS: list[Pair] = [
    Pair("POST /contracts/{text_contract}/text", "PUT /api/v1/contracts/{text_contract}/text"),
    Pair("GET /contracts/{text_contract}/document.pdf", "GET /api/v1/contracts/{text_contract}/document.pdf"),
]
