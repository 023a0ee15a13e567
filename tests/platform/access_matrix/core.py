"""The routes that exist before deals and center workflows: listings, search, recommendations, accounts,
tokens, the bureau's verification desk and claims, language, health."""

from app.accounts.services import accounts, organizations
from app.market.services import indexes, listings
from models import Organization
from tests.platform.access_matrix import Case, Pair, everyone, only
from tests.utils.factories import achievement_data, create_user, in_app, need_data

FORM_NEED = {
    "title": "数控机床热误差补偿",
    "description": "寻求数控机床主轴热误差建模与补偿技术。",
    "details": "",
    "industry": "advanced_equipment",
    "cooperation_modes": ["commission"],
    "trl": "5",
    "budget_min": "30",
    "budget_max": "80",
    "deadline": "",
    "region": "2201Z01",
    "publish": "1",
}
CLAIM = {
    "org_name": "真正的单位有限公司",
    "contact_name": "王经理",
    "email": "claimant@real-firm.cn",
    "password": "real-firm-pass",
    "evidence": "营业执照原件可供核验，法定代表人可电话确认。",
}
SERVICE = {
    "title": "汽车零部件可靠性检测服务",
    "description": "提供振动、盐雾、高低温等可靠性检测。",
    "industry": "automotive",
    "category": "testing",
    "cooperation_modes": ["service"],
}


def build(session, users) -> dict[str, int | str]:
    firm, center = users["enterprise"], users["center"]
    squatter = create_user(session, "enterprise")
    ids: dict[str, int] = {"org": firm.org_id, "squatter_org": squatter.org_id}
    with in_app(session):

        def need(name, publish=True):
            ids[name] = listings.create_listing(
                session=session, kind="need", data=need_data(), user=firm, publish=publish
            ).id

        for name in ("need", "need_close", "need_delete", "need_api_delete"):
            need(name)
        need("need_draft", publish=False)
        ids["achievement"] = listings.create_listing(
            session=session, kind="achievement", data=achievement_data(), user=center, publish=True
        ).id
        ids["service"] = listings.create_listing(
            session=session, kind="service", data=SERVICE, user=center, publish=True
        ).id
        for name in ("token_html", "token_api"):
            ids[name] = accounts.issue_token(session=session, user=firm, ttl_hours=1)[1].id
        ids["squatter_code"] = session.get(Organization, squatter.org_id).credit_code
        for n, name in enumerate(("claim_transfer", "claim_reject", "claim_api")):
            ids[name] = organizations.file_claim(
                session=session,
                data={**CLAIM, "credit_code": ids["squatter_code"], "email": f"claimant{n}@real-firm.cn"},
            ).id
        indexes.rebuild(session.info["app"])
    return ids


LOGIN = 302  # an HTML page that needs a login sends the visitor to the login form
ALL_USERS = ("enterprise", "center", "bureau", "expert")
VERDICT = {
    "query_type": "need",
    "query_id": "{need}",
    "rec_kind": "license",
    "target_type": "achievement",
    "target_id": "{achievement}",
    "label": "interested",
}

CASES: list[Case] = [
    # --- public pages ---
    Case("GET", "/", everyone(200)),
    Case("GET", "/needs", everyone(200)),
    Case("GET", "/needs/{need}", everyone(200)),
    Case("GET", "/achievements/{achievement}", everyone(200)),
    Case("GET", "/services/{service}", everyone(200)),
    # A draft is for its organization and the supervising bureau only.
    Case("GET", "/needs/{need_draft}", only({"enterprise": 200, "bureau": 200}, visitor=404, others=404)),
    Case("GET", "/search?q=焊接", everyone(200)),
    Case("GET", "/lang/en?next=/needs", everyone(302)),
    Case("GET", "/healthz", everyone(200)),
    Case("GET", "/privacy", everyone(200)),
    Case("GET", "/terms", everyone(200)),
    # --- posting and changing listings in the browser: only the owner's organization ---
    Case("GET", "/needs/new", only({"enterprise": 200}, visitor=LOGIN)),
    Case("GET", "/achievements/new", only({"center": 200}, visitor=LOGIN)),
    Case("POST", "/needs/new", only({"enterprise": 302}, visitor=LOGIN), body=FORM_NEED),
    Case("GET", "/needs/{need}/edit", only({"enterprise": 200}, visitor=LOGIN)),
    Case("POST", "/needs/{need}/edit", only({"enterprise": 302}, visitor=LOGIN), body=FORM_NEED),
    Case(
        "POST",
        "/needs/{need_draft}/publish",
        {"visitor": LOGIN, "enterprise": 302, "center": 404, "bureau": 403, "expert": 404},
    ),
    Case("POST", "/needs/{need}/reconfirm", only({"enterprise": 302}, visitor=LOGIN)),
    Case("POST", "/needs/{need_close}/close", only({"enterprise": 302}, visitor=LOGIN)),
    Case("POST", "/needs/{need_delete}/delete", only({"enterprise": 302}, visitor=LOGIN)),
    # Bureau and expert accounts belong to no organization, so they have no listings of their own.
    Case("GET", "/my", only({"enterprise": 200, "center": 200}, visitor=LOGIN)),
    Case(
        "POST", "/recommendations/feedback", only(dict.fromkeys(ALL_USERS, 302), visitor=LOGIN), body=VERDICT
    ),
    # --- accounts ---
    Case("GET", "/auth/login", everyone(200)),
    Case("POST", "/auth/login", everyone(422), body={"email": "nobody@example.cn", "password": "wrong-pass"}),
    Case("GET", "/auth/register", everyone(200)),
    Case("POST", "/auth/register", everyone(422), body={"org_name": ""}),
    Case("GET", "/auth/claim", everyone(200)),
    Case("POST", "/auth/claim", everyone(422), body={"credit_code": "x"}),
    Case("POST", "/auth/logout", only(dict.fromkeys(ALL_USERS, 302), visitor=LOGIN)),
    Case("GET", "/account/tokens", only(dict.fromkeys(ALL_USERS, 200), visitor=LOGIN)),
    # One's own organization's size class; the bureau and experts belong to none and are sent to their tokens.
    Case(
        "GET",
        "/account/organization",
        only({"enterprise": 200, "center": 200, "bureau": 302, "expert": 302}, visitor=LOGIN),
    ),
    Case(
        "POST",
        "/account/organization",
        only({"enterprise": 302, "center": 302, "bureau": 302, "expert": 302}, visitor=LOGIN),
        body={"size_class": "small"},
    ),
    # Someone else's token is as unknown as a missing one.
    Case("POST", "/account/tokens/{token_html}/revoke", only({"enterprise": 302}, visitor=LOGIN, others=404)),
    # --- the bureau's desk ---
    Case("GET", "/bureau/organizations", only({"bureau": 200}, visitor=LOGIN)),
    Case("POST", "/bureau/organizations/{org}/verify", only({"bureau": 302}, visitor=LOGIN)),
    Case("POST", "/bureau/claims/{claim_transfer}/transfer", only({"bureau": 302}, visitor=LOGIN)),
    Case("POST", "/bureau/claims/{claim_reject}/reject", only({"bureau": 302}, visitor=LOGIN)),
    # --- JSON API: listings ---
    Case("GET", "/api/v1/needs", everyone(200)),
    Case("POST", "/api/v1/needs", only({"enterprise": 201}, visitor=401), body=need_data()),
    Case("POST", "/api/v1/achievements", only({"center": 201}, visitor=401), body=achievement_data()),
    Case("GET", "/api/v1/needs/{need}", everyone(200)),
    Case("GET", "/api/v1/services/{service}", everyone(200)),
    Case("GET", "/api/v1/achievements/{achievement}", everyone(200)),
    Case(
        "GET", "/api/v1/needs/{need_draft}", only({"enterprise": 200, "bureau": 200}, visitor=404, others=404)
    ),
    Case(
        "PATCH",
        "/api/v1/needs/{need}",
        only({"enterprise": 200}, visitor=401),
        body={"title": "新的需求标题"},
    ),
    Case("POST", "/api/v1/needs/{need}/reconfirm", only({"enterprise": 200}, visitor=401)),
    Case("DELETE", "/api/v1/needs/{need_api_delete}", only({"enterprise": 204}, visitor=401)),
    Case("GET", "/api/v1/needs/{need}/recommendations", everyone(200)),
    Case("GET", "/api/v1/achievements/{achievement}/recommendations", everyone(200)),
    Case("GET", "/api/v1/services/{service}/recommendations", everyone(200)),
    Case(
        "POST",
        "/api/v1/recommendations/feedback",
        only(dict.fromkeys(ALL_USERS, 201), visitor=401),
        body={**VERDICT, "label": "dismissed"},
    ),
    Case("GET", "/api/v1/search?q=焊接", everyone(200)),
    Case("GET", "/api/v1/openapi.json", everyone(200)),
    # --- JSON API: accounts and tokens ---
    Case("POST", "/api/v1/register", everyone(422), body={}),
    Case(
        "POST", "/api/v1/auth/token", everyone(401), body={"email": "nobody@example.cn", "password": "wrong"}
    ),
    Case("GET", "/api/v1/auth/tokens", only(dict.fromkeys(ALL_USERS, 200), visitor=401)),
    Case("DELETE", "/api/v1/auth/tokens/{token_api}", only({"enterprise": 204}, visitor=401, others=404)),
    Case("DELETE", "/api/v1/auth/token", only(dict.fromkeys(ALL_USERS, 204), visitor=401)),
    # --- JSON API: organizations, verification and claims ---
    Case("GET", "/api/v1/organizations/{org}", everyone(200)),
    Case("POST", "/api/v1/organizations/{org}/verify", only({"bureau": 200}, visitor=401)),
    Case(
        "PATCH",
        "/api/v1/organizations/{org}",
        only({"enterprise": 200, "bureau": 200}, visitor=401),
        body={"size_class": "medium"},
    ),
    Case(
        "POST", "/api/v1/organization-claims", everyone(201), body={**CLAIM, "credit_code": "{squatter_code}"}
    ),
    Case("GET", "/api/v1/organization-claims", only({"bureau": 200}, visitor=401)),
    Case(
        "POST",
        "/api/v1/organization-claims/{claim_api}/resolve",
        only({"bureau": 200}, visitor=401),
        body={"decision": "reject"},
    ),
]

PAIRS: list[Pair] = [
    Pair("GET /needs", "GET /api/v1/needs"),
    Pair("GET /needs/{need}", "GET /api/v1/needs/{need}"),
    Pair("GET /needs/{need_draft}", "GET /api/v1/needs/{need_draft}"),
    Pair("GET /achievements/{achievement}", "GET /api/v1/achievements/{achievement}"),
    Pair("GET /services/{service}", "GET /api/v1/services/{service}"),
    Pair("GET /search?q=焊接", "GET /api/v1/search?q=焊接"),
    Pair("POST /needs/new", "POST /api/v1/needs"),
    Pair("POST /needs/{need}/edit", "PATCH /api/v1/needs/{need}"),
    Pair("POST /needs/{need}/reconfirm", "POST /api/v1/needs/{need}/reconfirm"),
    Pair("POST /needs/{need_delete}/delete", "DELETE /api/v1/needs/{need_api_delete}"),
    Pair("POST /recommendations/feedback", "POST /api/v1/recommendations/feedback"),
    Pair("POST /auth/register", "POST /api/v1/register"),
    Pair("GET /account/tokens", "GET /api/v1/auth/tokens"),
    Pair("POST /account/tokens/{token_html}/revoke", "DELETE /api/v1/auth/tokens/{token_api}"),
    Pair("POST /bureau/organizations/{org}/verify", "POST /api/v1/organizations/{org}/verify"),
    Pair("POST /bureau/claims/{claim_reject}/reject", "POST /api/v1/organization-claims/{claim_api}/resolve"),
]
