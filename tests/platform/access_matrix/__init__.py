"""The role × route access matrix: who may call what, and what each role gets back.

Each area of the app has one module here (start with `core.py`) exporting two names:

    def build(session, users) -> dict[str, int | str]
        Create the objects the area's cases need and return their ids (or another value a case needs,
        such as a credit code) by placeholder name.
        `users` maps each signed-in role ("enterprise", "center", "bureau", "expert") to a User;
        the visitor has none. build runs once per role on a fresh database, so a case that changes
        or deletes something only needs an object of its own (not shared with another case).

    CASES: list[Case]
        Case(method, path, expected, body=None): `path` may name placeholders, "/needs/{need}",
        filled from build's ids; `expected` maps every role in ROLES to the status it must get;
        `body` is the JSON sent to /api/v1 paths, or the form fields sent to an HTML path; a body value
        that is exactly "{name}" becomes build's value itself (an int stays an int).

A module may also export

    PAIRS: list[Pair]
        Pair(html, api): the same resource as a page and as an API route, each named "METHOD path" exactly as
        a case of some module. Every role must be let in by both or refused by both: a page that sends the
        visitor to the login form counts as the API's 401, a 403 and a 404 both refuse, and any other answer
        (2xx, a redirect elsewhere, 409, 422) means the role got past the permission check. Pair what a user
        would call the same thing (the incubations list, one contract, filing a center); pages that only exist
        as a desk (the bureau's workbench) have no pair.

tests/platform/test_access_matrix.py runs every case as every role (HTML paths with a signed-in session and
CSRF checks off, /api/v1 paths with a bearer token; the visitor sends neither) and fails when a rule of
app.url_map (static files excepted) is not reached by any case. A new module is picked up by itself.
"""

from dataclasses import dataclass, field

ROLES = ("visitor", "enterprise", "center", "bureau", "expert")


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    expected: dict[str, int]
    body: dict | None = field(default=None, compare=False)

    def __post_init__(self):
        missing = set(ROLES) - set(self.expected)
        if missing:
            raise ValueError(f"{self.method} {self.path}: no expected status for {sorted(missing)}")


@dataclass(frozen=True)
class Pair:
    html: str
    api: str


def everyone(status: int) -> dict[str, int]:
    """The same status for every role."""
    return dict.fromkeys(ROLES, status)


def only(allowed: dict[str, int], *, visitor: int, others: int = 403) -> dict[str, int]:
    """`allowed` for the roles named there, `visitor` for the visitor, `others` for every other role."""
    return {role: allowed.get(role, visitor if role == "visitor" else others) for role in ROLES}
