"""Every route × every role: the status each role gets, and the same answer from a page and its API twin (see
tests/platform/access_matrix/__init__.py)."""

import importlib
import pkgutil
import re
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from app import create_app
from app.accounts.services import accounts
from models import User
from tests.platform import access_matrix
from tests.platform.access_matrix import ROLES, Case, Pair
from tests.utils.factories import create_role_user

MODULES = [
    importlib.import_module(f"{access_matrix.__name__}.{info.name}")
    for info in pkgutil.iter_modules(access_matrix.__path__)
]
CASES: list[Case] = [case for module in MODULES for case in module.CASES]
PAIRS: list[Pair] = [pair for module in MODULES for pair in getattr(module, "PAIRS", [])]
PLACEHOLDER = re.compile(r"^\{(\w+)\}$")


@pytest.fixture
def app(database_url, tmp_path):
    """The app with CSRF checks off and limits out of reach: the matrix is about roles (every role of a kind
    shares one address); CSRF and rate limits have their own tests."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATE_LIMIT_WRITE": "100000 per minute",
            "RATE_LIMIT_OBJECTION_ADDRESS": "100000 per minute",
            "RATE_LIMIT_OBJECTION_APPLICATION": "100000 per minute",
            "SEARCH_PATH": str(tmp_path / "search.sqlite3"),
            "VECTOR_DIR": str(tmp_path / "vectors"),
        }
    )
    yield app
    app.extensions["db_engine"].dispose()


def _fill(value, ids):
    if isinstance(value, str):
        whole = PLACEHOLDER.match(value)
        return ids[whole.group(1)] if whole else value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def _call(app, session, case: Case, user: User | None, ids: dict):
    client = app.test_client()
    path, body = case.path.format(**ids), _fill(case.body, ids)
    headers = {"Accept-Language": "zh-CN"}
    api = path.startswith("/api/")
    if user is not None and api:
        token, _row = accounts.issue_token(session=session, user=user, ttl_hours=1)
        headers["Authorization"] = f"Bearer {token}"
    elif user is not None:
        session.refresh(user)
        with client.session_transaction() as cookie:
            cookie.update({"_user_id": str(user.id), "_fresh": True, "session_version": user.session_version})
    if api:
        return client.open(path, method=case.method, json=body, headers=headers)
    return client.open(path, method=case.method, data=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says(app, session, role):
    users = {name: create_role_user(session, name) for name in ROLES if name != "visitor"}
    ids: dict = {}
    for module in MODULES:
        ids.update(module.build(session, users))
    wrong, answers = [], {}
    for case in CASES:
        response = _call(app, session, case, users.get(role), ids)
        answers[_key(case)] = response
        if response.status_code != case.expected[role]:
            wrong.append(f"{case.method} {case.path}: {response.status_code}, expected {case.expected[role]}")
    split = [
        f"{pair.html}: {answers[pair.html].status_code} ({_outcome(answers[pair.html])}) but "
        f"{pair.api}: {answers[pair.api].status_code} ({_outcome(answers[pair.api])})"
        for pair in PAIRS
        if _outcome(answers[pair.html]) != _outcome(answers[pair.api])
    ]
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)
    assert not split, f"as {role}, the page and the API disagree:\n" + "\n".join(split)


def _key(case: Case) -> str:
    return f"{case.method} {case.path}"


def _outcome(response) -> str:
    """What the answer means for the role: sent to log in, refused, or let in (past the permission check)."""
    if response.status_code == 401:
        return "log in"
    if response.status_code == 302 and urlsplit(response.location).path == "/auth/login":
        return "log in"
    if response.status_code in (403, 404):
        return "refused"
    return "let in"


def test_each_pair_names_a_page_case_and_an_api_case():
    keys = {_key(case) for case in CASES}
    for pair in PAIRS:
        assert pair.html in keys and " /api/" not in pair.html, pair
        assert pair.api in keys and " /api/v1/" in pair.api, pair
    assert len(PAIRS) == len(set(PAIRS)), "a pair is declared twice"


def test_every_route_has_a_case(app):
    adapter = app.url_map.bind("localhost")
    covered = set()
    for case in CASES:
        path = re.sub(r"\{\w+\}", "1", case.path).split("?")[0]
        try:
            rule, _args = adapter.match(path, method=case.method, return_rule=True)
        except (NotFound, MethodNotAllowed):
            pytest.fail(f"case {case.method} {case.path} matches no route")
        covered.add((rule.rule, case.method))
    missing = sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.rule, method) not in covered
    )
    assert not missing, f"routes without an access-matrix case: {missing}"


@pytest.mark.parametrize(
    ("status", "location", "outcome"),
    [
        (302, "/auth/login?next=%2Fincubations", "log in"),
        (401, None, "log in"),
        (302, "/incubations", "let in"),
        (200, None, "let in"),
        (409, None, "let in"),
        (403, None, "refused"),
        (404, None, "refused"),
    ],
)
def test_a_page_and_its_api_are_compared_by_what_the_answer_means(status, location, outcome):
    """The HTML redirect to the login form and the API's 401 are the same answer; 403 and 404 both refuse."""
    response = Response(status=status, headers={"Location": location} if location else {})
    assert _outcome(response) == outcome
