"""Financing: the two listing kinds (financing requests, finance products) as pages and API, their
recommendations, and financing records (the finance organization records, the financed one confirms, the parties
and the bureau read)."""

from datetime import date

from app.deals.services import interests
from app.financing.services import records
from app.market.services import listings
from tests.financing.helpers import product_data, request_data
from tests.platform.access_matrix import Case, Pair, everyone, only
from tests.utils.factories import create_user, in_app

LOGIN = 302


def _posted(data: dict) -> dict:
    data = dict(data)
    data.pop("status")
    return data


def build(session, users) -> dict[str, int | str]:
    """A finance organization (no role of the matrix is one) with a product; the enterprise's requests, three
    of them in accepted conversations with the finance organization, two of those with a record."""
    firm = users["enterprise"]
    fund = create_user(session, "finance")
    ids: dict[str, int | str] = {}
    with in_app(session):
        ids["product"] = listings.create_listing(
            session=session, kind="finance_product", data=_posted(product_data()), user=fund, publish=True
        ).id
        for name in ("fin_request", "fin_api", "fin_html", "fin_free"):
            ids[name] = listings.create_listing(
                session=session, kind="financing", data=_posted(request_data()), user=firm, publish=True
            ).id
        for name in ("fin_api", "fin_html", "fin_free"):
            interest = interests.express_interest(
                session=session, user=fund, target_type="financing", target_id=ids[name], message="洽谈投资"
            )
            assert interest.id is not None
            interests.accept_interest(session=session, user=firm, interest_id=interest.id)
            ids[f"{name}_interest"] = interest.id
        for name in ("fin_api", "fin_html"):
            record = records.create(
                session=session,
                user=fund,
                data={
                    "interest_id": ids[f"{name}_interest"],
                    "finance_type": "equity",
                    "amount": 2_000_000,
                    "financed_on": date.today().isoformat(),
                },
            )
            ids[f"{name}_record"] = record.id
    return ids


FIRMS_AND_CENTERS = {"enterprise": 200, "center": 200}
MEMBERS_AND_BUREAU = {"enterprise": 200, "center": 200, "bureau": 200}
FORM_REQUEST = {
    "title": "新材料企业成长期融资",
    "description": "碳纤维复合材料企业，寻求成长期股权融资。",
    "industry": "new_materials",
    "finance_type": "equity",
    "stage": "growth",
    "amount": "500",
    "trl": "7",
    "publish": "1",
}
RECORD = {
    "interest_id": "{fin_free_interest}",
    "finance_type": "equity",
    "amount": 1_000_000,
    "financed_on": date.today().isoformat(),
}

CASES: list[Case] = [
    # --- the two listing kinds: pages and API like the other kinds ---
    Case("GET", "/financing-requests", everyone(200)),
    Case("GET", "/finance-products", everyone(200)),
    Case("GET", "/financing-requests/{fin_request}", everyone(200)),
    Case("GET", "/finance-products/{product}", everyone(200)),
    Case("GET", "/financing-requests/new", only(FIRMS_AND_CENTERS, visitor=LOGIN)),
    Case(
        "POST",
        "/financing-requests/new",
        only({"enterprise": 302, "center": 302}, visitor=LOGIN),
        body=FORM_REQUEST,
    ),
    # Only a finance organization posts a product: no role of the matrix is one.
    Case("GET", "/finance-products/new", only({}, visitor=LOGIN)),
    Case("GET", "/financing-requests/{fin_request}/edit", only({"enterprise": 200}, visitor=LOGIN)),
    Case("GET", "/api/v1/financing-requests", everyone(200)),
    Case("GET", "/api/v1/finance-products", everyone(200)),
    Case("GET", "/api/v1/financing-requests/{fin_request}", everyone(200)),
    Case("GET", "/api/v1/finance-products/{product}", everyone(200)),
    Case(
        "POST",
        "/api/v1/financing-requests",
        only({"enterprise": 201, "center": 201}, visitor=401),
        body=request_data(),
    ),
    Case("POST", "/api/v1/finance-products", only({}, visitor=401), body=product_data()),
    Case(
        "PATCH",
        "/api/v1/financing-requests/{fin_request}",
        only({"enterprise": 200}, visitor=401),
        body={"amount": 4_000_000},
    ),
    # --- recommendations ---
    Case("GET", "/api/v1/financing-requests/{fin_request}/recommendations", everyone(200)),
    Case("GET", "/api/v1/finance-products/{product}/recommendations", everyone(200)),
    # --- records: the finance organization records (the financed enterprise may not: 403; a stranger does not
    # see the conversation: 422 on interest_id), the parties and the bureau read, the financed side decides ---
    Case(
        "POST",
        "/api/v1/financing-records",
        only({"center": 422}, visitor=401),
        body=RECORD,
    ),
    Case("POST", "/financing-records", only({"center": 422}, visitor=LOGIN), body=RECORD),
    Case("GET", "/api/v1/financing-records", only(MEMBERS_AND_BUREAU, visitor=401)),
    Case("GET", "/financing-records", only(MEMBERS_AND_BUREAU, visitor=LOGIN)),
    Case(
        "GET",
        "/api/v1/financing-records/{fin_api_record}",
        only({"enterprise": 200, "bureau": 200}, visitor=401, others=404),
    ),
    Case(
        "POST",
        "/api/v1/financing-records/{fin_api_record}/decision",
        only({"enterprise": 200, "bureau": 403}, visitor=401, others=404),
        body={"decision": "confirm"},
    ),
    Case(
        "POST",
        "/financing-records/{fin_html_record}/confirm",
        only({"enterprise": 302, "bureau": 403}, visitor=LOGIN, others=404),
    ),
]

PAIRS: list[Pair] = [
    Pair("GET /financing-requests", "GET /api/v1/financing-requests"),
    Pair("GET /financing-requests/{fin_request}", "GET /api/v1/financing-requests/{fin_request}"),
    Pair("POST /financing-requests/new", "POST /api/v1/financing-requests"),
    Pair("GET /financing-records", "GET /api/v1/financing-records"),
    Pair("POST /financing-records", "POST /api/v1/financing-records"),
    Pair(
        "POST /financing-records/{fin_html_record}/confirm",
        "POST /api/v1/financing-records/{fin_api_record}/decision",
    ),
]
