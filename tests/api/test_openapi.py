"""The OpenAPI document against the app itself: every /api/v1 route and method is described, nothing else is,
query bounds are the ones the routes enforce, and every successful JSON answer has a schema."""

import re

import pytest

from app.web.args import MAX_PAGE
from indexing.base import MAX_PER_PAGE, MAX_TOTAL_HITS
from models import Role
from tests.utils.bureau import create_account
from tests.utils.factories import PASSWORD
from tests.utils.web import bearer

NO_BODY = {204}


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json


def _served(app) -> set[tuple[str, str]]:
    """(path, method) of every /api/v1 route, with each any(...) choice spelled out, as the document names them."""
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        choices = re.search(r"<any\(([^)]*)\):(\w+)>", rule.rule)
        variants = (
            [path.replace(f"{{{choices.group(2)}}}", c.strip(" '")) for c in choices.group(1).split(",")]
            if choices
            else [path]
        )
        served |= {(v, m.lower()) for v in variants for m in rule.methods - {"HEAD", "OPTIONS"}}
    return served


def test_the_document_describes_every_route_and_nothing_else(app, document):
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    served = _served(app)
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"
    assert len(served) > 100


def test_every_successful_json_answer_has_a_schema_and_204_has_no_body(document):
    missing = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            ok = {code: r for code, r in op["responses"].items() if code.startswith("2")}
            assert ok, f"{method} {path} has no success response"
            for code, response in ok.items():
                content = response.get("content", {})
                if int(code) in NO_BODY:
                    assert content == {}, f"{method} {path} {code} has a body"
                elif not content or any("schema" not in media for media in content.values()):
                    missing.append(f"{method} {path} {code}")
    assert missing == []


def test_refusals_use_the_error_envelope_and_bearer_routes_say_so(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["ErrorBody"]["properties"]) == {"code", "message", "fields"}
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    create = document["paths"]["/needs"]["post"]
    assert create["security"] == [{"bearer": []}]
    assert {"400", "401", "413", "422", "429"} <= set(create["responses"])
    assert create["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    # Rate limits only where a limit applies; uploads are bodies and may be too large.
    assert "429" in document["paths"]["/interests"]["post"]["responses"]
    assert "429" not in document["paths"]["/auth/tokens/{token_id}"]["delete"]["responses"]
    assert "413" in document["paths"]["/needs/{listing_id}/attachments"]["post"]["responses"]
    assert "security" not in document["paths"]["/bureau/notices"]["get"]


def test_each_kind_and_each_step_names_its_own_models(document):
    paths = document["paths"]

    def body(path, method="post"):
        return paths[path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[
            -1
        ]

    assert body("/needs") == "NeedCreateIn" and body("/services") == "ServiceCreateIn"
    assert body("/achievements/{listing_id}", "patch") == "AchievementUpdateIn"
    assert body("/bureau/applications/{application_id}/panel") == "PanelIn"
    assert body("/bureau/applications/{application_id}/refusal") == "RefusalIn"
    assert body("/bureau/evaluations/{evaluation_id}/grade") == "GradeIn"
    assert body("/bureau/assignments/{assignment_id}/score") == "ScoreIn"
    assert "trl" in document["components"]["schemas"]["NeedCreateIn"]["properties"]
    assert not any(name.startswith("Variants_") for name in document["components"]["schemas"])
    # Accepting and withdrawing read no body, so none is documented.
    assert "requestBody" not in paths["/interests/{interest_id}/accept"]["post"]
    assert "requestBody" not in paths["/interests/{interest_id}/withdraw"]["post"]


def _maximum(document, path, name):
    (parameter,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name]
    return parameter["schema"]["maximum"]


def test_documented_query_bounds_are_the_ones_the_routes_enforce(client, session, document):
    headers = bearer(client, create_account(session, Role.bureau, "市工信局").email, PASSWORD)
    assert _maximum(document, "/needs", "page") == MAX_PAGE
    assert _maximum(document, "/needs", "per_page") == MAX_PER_PAGE
    assert _maximum(document, "/search", "page") == MAX_TOTAL_HITS // 20
    checked = 0
    for path, item in document["paths"].items():
        if "{" in path or "get" not in item:
            continue
        for parameter in item["get"].get("parameters", []):
            schema = parameter["schema"]
            if parameter["in"] != "query" or schema.get("type") != "integer" or "maximum" not in schema:
                continue
            top, url = schema["maximum"], f"/api/v1{path}?{parameter['name']}="
            assert client.get(f"{url}{top}", headers=headers).status_code != 422, (
                path,
                parameter["name"],
                top,
            )
            refused = client.get(f"{url}{top + 1}", headers=headers)
            assert refused.status_code == 422 and parameter["name"] in refused.json["error"]["fields"]
            checked += 1
    assert checked >= 8


def test_integer_path_parameters_carry_the_database_bound(document):
    (listing_id,) = document["paths"]["/needs/{listing_id}"]["get"]["parameters"]
    assert listing_id["schema"] == {"type": "integer", "minimum": 0, "maximum": 2147483647}


def test_the_indicators_operation_defines_every_indicator_it_answers(document):
    """The definitions written once (app/oversight/indicator_definitions.py) are the operation's description."""
    from app.oversight.indicator_definitions import DEFINITIONS

    operation = document["paths"]["/indicators"]["get"]
    for definition in DEFINITIONS:
        assert (
            f"`{definition.key}`" in operation["description"]
            and definition.definition in operation["description"]
        )
    assert "registration date" in operation["description"] and "yuan" in operation["description"]
    names = document["components"]["schemas"]["IndicatorsView"]["properties"]["indicators"]["propertyNames"][
        "enum"
    ]
    assert set(names) == {d.key for d in DEFINITIONS}
