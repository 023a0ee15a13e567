"""The OpenAPI document, built from the same pydantic models that validate requests."""

from functools import cache

from pydantic.json_schema import models_json_schema

from app.services.listings import MAX_PAGE
from models import (
    AchievementCreate,
    AchievementPublic,
    AchievementUpdate,
    FeedbackIn,
    NeedCreate,
    NeedPublic,
    NeedUpdate,
    OrganizationPublic,
    RegistrationIn,
    ServiceCreate,
    ServicePublic,
    ServiceUpdate,
    UserPublic,
)
from models.common import ID_MAX

MODELS = [FeedbackIn, NeedCreate, NeedUpdate, NeedPublic, AchievementCreate, AchievementUpdate, AchievementPublic,
          ServiceCreate, ServiceUpdate, ServicePublic, OrganizationPublic, RegistrationIn, UserPublic]
LISTINGS = {"needs": "Need", "achievements": "Achievement", "services": "Service"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


ERROR = {"description": "Error", **_json(_ref("Error"))}
# 413: body above MAX_CONTENT_LENGTH; 429: a rate limit, with Retry-After.
ERRORS = {str(code): ERROR for code in (400, 401, 403, 404, 409, 413, 422, 429)}
# Text in a query string: control characters are refused (422), like in every body field.
TEXT = {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"}


def _query(name: str, kind: str = "string", enum: list[str] | None = None, low: int | None = None,
           high: int | None = None) -> dict:
    if enum:
        schema: dict = {"type": kind, "enum": enum}
    elif kind == "integer":
        schema = {"type": kind, "minimum": low, "maximum": high}
    else:
        schema = dict(TEXT)
    return {"name": name, "in": "query", "required": False, "schema": schema}


PAGING = [_query("page", "integer", low=1, high=MAX_PAGE), _query("per_page", "integer", low=1, high=100)]
ID_PARAM = {"name": "id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}


def _with_status(name: str, statuses: list[str], note: str) -> dict:
    """A listing body plus the `status` the call also accepts."""
    return {"allOf": [_ref(name), {"type": "object", "properties": {
        "status": {"type": "string", "enum": statuses, "description": note}}}]}


def _listing_paths(plural: str, name: str) -> dict:
    item = _ref(f"{name}Public")
    page_params = [*PAGING, _query("industry"), _query("mode"), _query("region"),
                   _query("trl_min", "integer", low=1, high=9), _query("q"), _query("mine", enum=["0", "1"])]
    id_param = [ID_PARAM]
    secured = [{"bearer": []}]
    return {
        f"/{plural}": {
            "get": {"summary": f"List {plural}", "parameters": page_params, "responses": {
                "200": {"description": "A page", **_json({"type": "object", "properties": {
                    "items": {"type": "array", "items": item}, "total": {"type": "integer"},
                    "page": {"type": "integer"}, "pages": {"type": "integer"}}})}, **ERRORS}},
            "post": {"summary": f"Create a {name.lower()}", "security": secured,
                     "requestBody": {"required": True, **_json(_with_status(
                         f"{name}Create", ["draft", "published"], "draft (the default) or published at once"))},
                     "responses": {"201": {"description": "Created", **_json(item)}, **ERRORS}},
        },
        f"/{plural}/{{id}}": {
            "parameters": id_param,
            "get": {"summary": f"Get a {name.lower()}", "responses": {"200": {"description": "OK", **_json(item)},
                                                                       **ERRORS}},
            "patch": {"summary": f"Update a {name.lower()}", "security": secured,
                      "requestBody": {"required": True, **_json(_with_status(
                          f"{name}Update", ["published", "closed"],
                          "publish or close in the same transaction as the field changes"))},
                      "responses": {"200": {"description": "OK", **_json(item)}, **ERRORS}},
            "delete": {"summary": f"Delete a {name.lower()}", "security": secured,
                       "responses": {"204": {"description": "Deleted"}, **ERRORS}},
        },
        f"/{plural}/{{id}}/reconfirm": {
            "parameters": id_param,
            "post": {"summary": f"Confirm a {name.lower()} is still current, extending its expiry",
                     "security": secured, "responses": {"200": {"description": "OK", **_json(item)}, **ERRORS}},
        },
    }


RECOMMENDATIONS = {"type": "array", "items": {"type": "object", "properties": {
    "target_type": {"type": "string"}, "target_id": {"type": "integer"}, "title": {"type": "string"},
    "score": {"type": "number"}, "reasons": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "text": {"type": "string"}}}}}}}


def _matching_paths() -> dict:
    id_param = ID_PARAM
    return {
        "/needs/{id}/recommendations": {"get": {
            "summary": "Recommendations for a need", "parameters": [
                id_param, _query("kind", enum=["commission", "license", "incubation"]),
                _query("k", "integer", low=1, high=50)],
            "responses": {"200": {"description": "Best first", **_json(RECOMMENDATIONS)}, **ERRORS}}},
        "/achievements/{id}/recommendations": {"get": {
            "summary": "The needs an achievement fits", "parameters": [id_param, _query("k", "integer", low=1, high=50)],
            "responses": {"200": {"description": "Best first", **_json(RECOMMENDATIONS)}, **ERRORS}}},
        "/recommendations/feedback": {"post": {
            "summary": "Dismiss, show interest in, or record a contract for a recommendation",
            "security": [{"bearer": []}], "requestBody": {"required": True, **_json(_ref("FeedbackIn"))},
            "responses": {"201": {"description": "Recorded"}, **ERRORS}}},
        "/search": {"get": {
            "summary": "Full-text search over public listings", "parameters": [
                _query("q"), _query("type", enum=["need", "achievement", "service", "center"]), _query("industry"),
                _query("mode"), _query("region"), _query("trl_min", "integer", low=1, high=9), *PAGING],
            "responses": {"200": {"description": "Hits, total and facet counts", **_json({
                "type": "object", "properties": {"hits": {"type": "array", "items": {"type": "object"}},
                                                 "total": {"type": "integer"}, "facets": {"type": "object"}}})},
                "503": {"description": "The search service is unavailable", **_json(_ref("Error"))}, **ERRORS}}},
    }


@cache
def openapi_document() -> dict:
    _keys, defs = models_json_schema([(m, "validation") for m in MODELS],
                                     ref_template="#/components/schemas/{model}")
    schemas = defs.get("$defs", {})
    schemas["Error"] = {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}
    paths: dict = {
        "/auth/token": {"post": {"summary": "Exchange email and password for a bearer token",
                                 "requestBody": {"required": True, **_json({"type": "object", "properties": {
                                     "email": {"type": "string"}, "password": {"type": "string"}},
                                     "required": ["email", "password"]})},
                                 "responses": {"200": {"description": "A token", **_json({
                                     "type": "object", "properties": {"token": {"type": "string"},
                                                                      "token_type": {"type": "string"},
                                                                      "expires_at": {"type": "string"}}})},
                                     **ERRORS}}},
        "/register": {"post": {"summary": "Register an organization and its first user",
                               "requestBody": {"required": True, **_json(_ref("RegistrationIn"))},
                               "responses": {"201": {"description": "Registered"}, **ERRORS}}},
        "/organizations/{id}": {"get": {
            "summary": "An organization's public profile",
            "parameters": [ID_PARAM],
            "responses": {"200": {"description": "OK", **_json(_ref("OrganizationPublic"))}, **ERRORS}}},
    }
    for plural, name in LISTINGS.items():
        paths.update(_listing_paths(plural, name))
    paths.update(_matching_paths())
    return {
        "openapi": "3.1.0",
        "info": {"title": "MIC Exchange API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
