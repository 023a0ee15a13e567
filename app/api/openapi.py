"""The OpenAPI document, built from the same pydantic models that validate requests."""

from functools import cache

from pydantic.json_schema import models_json_schema

from app.args import MAX_PAGE
from app.services.recommendations import MAX_K
from app.services.search import SORTS
from indexing.base import MAX_PER_PAGE
from models import (
    KIND_NAMES,
    POSTED_KINDS,
    ApiTokenPublic,
    FeedbackIn,
    OrganizationClaimIn,
    OrganizationClaimPublic,
    OrganizationPublic,
    RegistrationIn,
    UserPublic,
)

MODELS = [FeedbackIn, *(model for kind in POSTED_KINDS.values() for model in (kind.create, kind.update, kind.public)),
          OrganizationPublic, RegistrationIn, UserPublic, ApiTokenPublic, OrganizationClaimIn, OrganizationClaimPublic]
# URL segment of each posted kind → the name its models share (NeedCreate, NeedPublic...).
LISTINGS = {kind.segment: kind.table.__name__ for kind in POSTED_KINDS.values()}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


ERROR = {"description": "Error", **_json(_ref("Error"))}
ERRORS = {str(code): ERROR for code in (400, 401, 403, 404, 409, 422)}


def _query(name: str, kind: str = "string", enum: list[str] | None = None) -> dict:
    schema = {"type": kind, **({"enum": enum} if enum else {})}
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _whole(name: str, high: int) -> dict:
    """A whole-number query argument; outside 1..high it is a 422 naming it (app/args.py)."""
    return {"name": name, "in": "query", "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": high}}


def _listing_paths(plural: str, name: str) -> dict:
    item = _ref(f"{name}Public")
    page_params = [_whole("page", MAX_PAGE), _whole("per_page", MAX_PER_PAGE), _query("industry"), _query("mode"),
                   _query("region"), _whole("trl_min", 9), _query("q"), _query("mine"),
                   _query("sort", enum=list(SORTS))]
    id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    secured = [{"bearer": []}]
    return {
        f"/{plural}": {
            "get": {"summary": f"List {plural}", "parameters": page_params, "responses": {
                "200": {"description": "A page", **_json({"type": "object", "properties": {
                    "items": {"type": "array", "items": item}, "total": {"type": "integer"},
                    "page": {"type": "integer"}, "pages": {"type": "integer"}}})}, **ERRORS}},
            "post": {"summary": f"Create a {name.lower()}", "security": secured,
                     "requestBody": {"required": True, **_json(_ref(f"{name}Create"))},
                     "responses": {"201": {"description": "Created", **_json(item)}, **ERRORS}},
        },
        f"/{plural}/{{id}}": {
            "parameters": id_param,
            "get": {"summary": f"Get a {name.lower()}", "responses": {"200": {"description": "OK", **_json(item)},
                                                                       **ERRORS}},
            "patch": {"summary": f"Update a {name.lower()}", "security": secured,
                      "requestBody": {"required": True, **_json(_ref(f"{name}Update"))},
                      "responses": {"200": {"description": "OK", **_json(item)}, **ERRORS}},
            "delete": {"summary": f"Delete a {name.lower()}", "security": secured,
                       "responses": {"204": {"description": "Deleted"}, **ERRORS}},
        },
    }


RECOMMENDATIONS = {"type": "array", "items": {"type": "object", "properties": {
    "target_type": {"type": "string"}, "target_id": {"type": "integer"}, "title": {"type": "string"},
    "score": {"type": "number"}, "reasons": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "text": {"type": "string"}}}}}}}


def _matching_paths() -> dict:
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "/needs/{id}/recommendations": {"get": {
            "summary": "Recommendations for a need", "parameters": [
                id_param, _query("kind", enum=["commission", "license", "incubation"]), _whole("k", MAX_K)],
            "responses": {"200": {"description": "Best first", **_json(RECOMMENDATIONS)}, **ERRORS}}},
        "/achievements/{id}/recommendations": {"get": {
            "summary": "The needs an achievement fits", "parameters": [id_param, _whole("k", MAX_K)],
            "responses": {"200": {"description": "Best first", **_json(RECOMMENDATIONS)}, **ERRORS}}},
        "/recommendations/feedback": {"post": {
            "summary": "Dismiss, show interest in, or record a contract for a recommendation",
            "security": [{"bearer": []}], "requestBody": {"required": True, **_json(_ref("FeedbackIn"))},
            "responses": {"201": {"description": "Recorded"},
                          "200": {"description": "The same verdict was already recorded; nothing changed"},
                          **ERRORS}}},
        "/search": {"get": {
            "summary": "Full-text search over public listings", "parameters": [
                _query("q"), _query("type", enum=list(KIND_NAMES)), _query("industry"),
                _query("mode"), _query("region"), _whole("trl_min", 9), _whole("page", MAX_PAGE),
                _whole("per_page", MAX_PER_PAGE), _query("sort", enum=list(SORTS))],
            "responses": {"200": {"description": "Hits, total and facet counts", **_json({
                "type": "object", "properties": {"hits": {"type": "array", "items": {"type": "object"}},
                                                 "total": {"type": "integer"}, "facets": {"type": "object"}}})},
                **ERRORS}}},
    }


def _id_param(name: str = "id") -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


def _account_paths() -> dict:
    """Token management, organization verification and claims."""
    secured = [{"bearer": []}]
    tokens = {"type": "object", "properties": {"items": {"type": "array", "items": {
        "allOf": [_ref("ApiTokenPublic")], "properties": {"current": {"type": "boolean"}}}}}}
    claims = {"type": "object", "properties": {"items": {"type": "array", "items": _ref("OrganizationClaimPublic")}}}
    return {
        "/auth/tokens": {"get": {"summary": "The caller's live tokens", "security": secured,
                                 "responses": {"200": {"description": "Tokens", **_json(tokens)}, **ERRORS}}},
        "/auth/tokens/{id}": {"parameters": _id_param(), "delete": {
            "summary": "Revoke one of the caller's tokens", "security": secured,
            "responses": {"204": {"description": "Revoked"}, **ERRORS}}},
        "/organizations/{id}/verify": {"parameters": _id_param(), "post": {
            "summary": "The bureau verifies an organization", "security": secured,
            "responses": {"200": {"description": "Verified", **_json(_ref("OrganizationPublic"))}, **ERRORS}}},
        "/organization-claims": {
            "post": {"summary": "Claim an organization whose credit code someone else registered",
                     "requestBody": {"required": True, **_json(_ref("OrganizationClaimIn"))},
                     "responses": {"201": {"description": "Filed", **_json({"type": "object", "properties": {
                         "id": {"type": "integer"}, "status": {"type": "string"}}})}, **ERRORS}},
            "get": {"summary": "Claims waiting for the bureau", "security": secured,
                    "responses": {"200": {"description": "Claims", **_json(claims)}, **ERRORS}}},
        "/organization-claims/{id}/resolve": {"parameters": _id_param(), "post": {
            "summary": "The bureau transfers the organization to the claimant or rejects the claim",
            "security": secured,
            "requestBody": {"required": True, **_json({"type": "object", "properties": {
                "decision": {"type": "string", "enum": ["transfer", "reject"]}}, "required": ["decision"]})},
            "responses": {"200": {"description": "Decided", **_json(_ref("OrganizationClaimPublic"))},
                          **ERRORS}}},
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
                                     **ERRORS}},
                        "delete": {"summary": "Revoke the token this request came with",
                                   "security": [{"bearer": []}],
                                   "responses": {"204": {"description": "Revoked"}, **ERRORS}}},
        "/register": {"post": {"summary": "Register an organization and its first user",
                               "requestBody": {"required": True, **_json(_ref("RegistrationIn"))},
                               "responses": {"201": {"description": "Registered"}, **ERRORS}}},
        "/organizations/{id}": {"get": {
            "summary": "An organization's public profile",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "OK", **_json(_ref("OrganizationPublic"))}, **ERRORS}}},
    }
    for plural, name in LISTINGS.items():
        paths.update(_listing_paths(plural, name))
    paths.update(_matching_paths())
    paths.update(_account_paths())
    return {
        "openapi": "3.1.0",
        "info": {"title": "MIC Exchange API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
