"""A person's rights over their data (a copy of it, deleting the account) and the bureau's record of an
organization. Every signed-in role has the same rights over its own data; the cases run in order, so the
deletion asked for in the page is cancelled there before the API asks and cancels again."""

from tests.platform.access_matrix import Case, Pair, everyone, only
from tests.utils.factories import PASSWORD

LOGIN = 302
ALL_USERS = ("enterprise", "center", "bureau", "expert")


def own(status: int, *, visitor: int) -> dict[str, int]:
    return only(dict.fromkeys(ALL_USERS, status), visitor=visitor)


def build(session, users) -> dict[str, int | str]:
    return {"rights_org": users["enterprise"].org_id}


CASES: list[Case] = [
    Case("GET", "/account/data", own(200, visitor=LOGIN)),
    Case("GET", "/account/data/export", own(200, visitor=LOGIN)),
    Case("GET", "/account/data/export.json", own(200, visitor=LOGIN)),
    Case("GET", "/api/v1/me/export", own(200, visitor=401)),
    Case("POST", "/account/deletion", own(302, visitor=LOGIN), body={"password": PASSWORD}),
    Case("POST", "/account/deletion/cancel", own(302, visitor=LOGIN)),
    Case("POST", "/api/v1/me/deletion", own(202, visitor=401), body={"password": PASSWORD}),
    Case("GET", "/api/v1/me/deletion", own(200, visitor=401)),
    Case("DELETE", "/api/v1/me/deletion", own(200, visitor=401)),
    # The organization's page is public; the bureau's record on it, and in the API, is the bureau's alone.
    Case("GET", "/organizations/{rights_org}", everyone(200)),
    Case("GET", "/api/v1/organizations/{rights_org}/history", only({"bureau": 200}, visitor=401)),
]

PAIRS: list[Pair] = [
    Pair("GET /account/data/export.json", "GET /api/v1/me/export"),
    Pair("GET /account/data", "GET /api/v1/me/deletion"),
    Pair("POST /account/deletion", "POST /api/v1/me/deletion"),
    Pair("POST /account/deletion/cancel", "DELETE /api/v1/me/deletion"),
]
