"""The OpenAPI document, built from the same pydantic models that validate requests."""

from functools import cache

from pydantic.json_schema import models_json_schema

from app.api.openapi_bureau import BUREAU_MODELS, bureau_paths, indicator_paths
from app.market.services.recommendations import MAX_K
from app.market.services.search import SORTS
from app.web.args import MAX_PAGE
from indexing.base import MAX_PER_PAGE
from models import (
    KIND_NAMES,
    POSTED_KINDS,
    ApiTokenPublic,
    CloseReason,
    ContractIn,
    DeclineIn,
    FeedbackIn,
    IncubationIn,
    InterestIn,
    OrganizationClaimIn,
    OrganizationClaimPublic,
    OrganizationPublic,
    RegistrationIn,
    SavedSearchIn,
    UserPublic,
)
from models.common import ID_MAX

MODELS = [
    FeedbackIn,
    *(model for kind in POSTED_KINDS.values() for model in (kind.create, kind.update, kind.public)),
    OrganizationPublic,
    RegistrationIn,
    UserPublic,
    ApiTokenPublic,
    OrganizationClaimIn,
    OrganizationClaimPublic,
    InterestIn,
    DeclineIn,
    ContractIn,
    IncubationIn,
    SavedSearchIn,
    *BUREAU_MODELS,
]
# URL segment of each posted kind → the name its models share (NeedCreate, NeedPublic...).
LISTINGS = {kind.segment: kind.table.__name__ for kind in POSTED_KINDS.values()}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


ERROR = {"description": "Error", **_json(_ref("Error"))}
# 413: body above MAX_CONTENT_LENGTH; 429: a rate limit, with Retry-After.
ERRORS = {str(code): ERROR for code in (400, 401, 403, 404, 409, 413, 422, 429)}
# Text in a query string: control characters are refused (422), like in every body field.
TEXT = {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"}


def _query(
    name: str,
    kind: str = "string",
    enum: list[str] | None = None,
    low: int | None = None,
    high: int | None = None,
) -> dict:
    if enum:
        schema: dict = {"type": kind, "enum": enum}
    elif kind == "integer":
        schema = {
            "type": kind,
            "minimum": 1 if low is None else low,
            "maximum": ID_MAX if high is None else high,
        }
    else:
        schema = dict(TEXT)
    return {"name": name, "in": "query", "required": False, "schema": schema}


ID_PARAM = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
}


def _with_status(name: str, statuses: list[str], note: str) -> dict:
    """A listing body plus the `status` the call also accepts."""
    return {
        "allOf": [
            _ref(name),
            {
                "type": "object",
                "properties": {"status": {"type": "string", "enum": statuses, "description": note}},
            },
        ]
    }


def _whole(name: str, high: int) -> dict:
    """A whole-number query argument; outside 1..high it is a 422 naming it (app/web/args.py)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": high},
    }


PAGING = [_whole("page", MAX_PAGE), _whole("per_page", MAX_PER_PAGE)]


def _listing_paths(plural: str, name: str) -> dict:
    item = _ref(f"{name}Public")
    page_params = [
        *PAGING,
        _query("industry"),
        _query("mode"),
        _query("region"),
        _whole("trl_min", 9),
        _query("q"),
        _query("mine", enum=["0", "1"]),
        _query("sort", enum=list(SORTS)),
    ]
    id_param = [ID_PARAM]
    secured = [{"bearer": []}]
    return {
        f"/{plural}": {
            "get": {
                "summary": f"List {plural}",
                "parameters": page_params,
                "responses": {
                    "200": {
                        "description": "A page",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "items": {"type": "array", "items": item},
                                    "total": {"type": "integer"},
                                    "page": {"type": "integer"},
                                    "pages": {"type": "integer"},
                                },
                            }
                        ),
                    },
                    **ERRORS,
                },
            },
            "post": {
                "summary": f"Create a {name.lower()}",
                "security": secured,
                "requestBody": {
                    "required": True,
                    **_json(
                        _with_status(
                            f"{name}Create",
                            ["draft", "published"],
                            "draft (the default) or published at once",
                        )
                    ),
                },
                "responses": {"201": {"description": "Created", **_json(item)}, **ERRORS},
            },
        },
        f"/{plural}/{{id}}": {
            "parameters": id_param,
            "get": {
                "summary": f"Get a {name.lower()}",
                "responses": {"200": {"description": "OK", **_json(item)}, **ERRORS},
            },
            "patch": {
                "summary": f"Update a {name.lower()}",
                "security": secured,
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "allOf": [
                                _with_status(
                                    f"{name}Update",
                                    ["published", "closed", "draft"],
                                    "publish, close, or reopen a closed one as a draft, in the same "
                                    "transaction as the field changes",
                                ),
                                {
                                    "type": "object",
                                    "properties": {
                                        "close_reason": {
                                            "type": "string",
                                            "enum": [r.value for r in CloseReason],
                                            "description": "required with status closed",
                                        },
                                        "contract_id": {
                                            "type": "integer",
                                            "description": "with close_reason solved_here: the signed contract that solved "
                                            "it (needed when the listing has several)",
                                        },
                                    },
                                },
                            ]
                        }
                    ),
                },
                "responses": {"200": {"description": "OK", **_json(item)}, **ERRORS},
            },
            "delete": {
                "summary": f"Delete a {name.lower()}",
                "security": secured,
                "description": "Refused with 409 once an interest or a deal refers to it: close it instead.",
                "responses": {"204": {"description": "Deleted"}, **ERRORS},
            },
        },
        **_attachment_paths(plural, name),
        f"/{plural}/{{id}}/reconfirm": {
            "parameters": id_param,
            "post": {
                "summary": f"Confirm a {name.lower()} is still current, extending its expiry",
                "security": secured,
                "responses": {"200": {"description": "OK", **_json(item)}, **ERRORS},
            },
        },
    }


ATTACHMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "mimetype": {"type": "string"},
        "size": {"type": "integer"},
        "sha256": {"type": "string"},
        "created_at": {"type": "string"},
        "url": {"type": "string"},
        "thumbnail_url": {"type": ["string", "null"]},
    },
}
BINARY = {"type": "string", "contentMediaType": "application/octet-stream"}


def _attachment_paths(plural: str, name: str) -> dict:
    """A listing's images and PDFs: listed and downloaded by whoever may see them (a confidential need's only
    by those entitled to its details), uploaded and deleted by the listing's organization."""
    ids = [
        ID_PARAM,
        {
            "name": "attachment_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
        },
    ]
    secured = [{"bearer": []}]
    files = {
        "description": "The file",
        "content": {
            "application/pdf": {"schema": BINARY},
            "image/png": {"schema": BINARY},
            "image/jpeg": {"schema": BINARY},
        },
    }
    thumbnail = {
        "description": "The thumbnail",
        "content": {"image/png": {"schema": BINARY}, "image/jpeg": {"schema": BINARY}},
    }
    return {
        f"/{plural}/{{id}}/attachments": {
            "parameters": [ID_PARAM],
            "get": {
                "summary": f"The images and PDFs of a {name.lower()}",
                "responses": {
                    "200": {
                        "description": "Oldest first",
                        **_json(
                            {
                                "type": "object",
                                "properties": {"items": {"type": "array", "items": ATTACHMENT}},
                            }
                        ),
                    },
                    **ERRORS,
                },
            },
            "post": {
                "summary": f"Attach an image (PNG, JPEG; a thumbnail is made) or a PDF to a {name.lower()} "
                "of the caller's organization",
                "security": secured,
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "properties": {"file": BINARY}, "required": ["file"]}
                        }
                    },
                },
                "responses": {"201": {"description": "Attached", **_json(ATTACHMENT)}, **ERRORS},
            },
        },
        f"/{plural}/{{id}}/attachments/{{attachment_id}}": {
            "parameters": ids,
            "get": {"summary": "Download an attachment", "responses": {"200": files, **ERRORS}},
            "delete": {
                "summary": "Remove an attachment (the listing's organization)",
                "security": secured,
                "responses": {"204": {"description": "Removed"}, **ERRORS},
            },
        },
        f"/{plural}/{{id}}/attachments/{{attachment_id}}/thumbnail": {
            "parameters": ids,
            "get": {"summary": "An image attachment's thumbnail", "responses": {"200": thumbnail, **ERRORS}},
        },
    }


RECOMMENDATIONS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "target_type": {"type": "string"},
            "target_id": {"type": "integer"},
            "title": {"type": "string"},
            "org_name": {"type": "string"},
            "url": {"type": "string"},
            "score": {"type": "number"},
            "reasons": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "text": {"type": "string"}},
                },
            },
        },
    },
}


def _matching_paths() -> dict:
    id_param = ID_PARAM
    return {
        "/needs/{id}/recommendations": {
            "get": {
                "summary": "Recommendations for a need",
                "parameters": [
                    id_param,
                    _query("kind", enum=["commission", "license", "incubation"]),
                    _whole("k", MAX_K),
                ],
                "responses": {"200": {"description": "Best first", **_json(RECOMMENDATIONS)}, **ERRORS},
            }
        },
        "/achievements/{id}/recommendations": {
            "get": {
                "summary": "The needs an achievement fits, or where to incubate it",
                "parameters": [id_param, _query("kind", enum=["needs", "incubation"]), _whole("k", MAX_K)],
                "responses": {"200": {"description": "Best first", **_json(RECOMMENDATIONS)}, **ERRORS},
            }
        },
        "/services/{id}/recommendations": {
            "get": {
                "summary": "The needs a service fits",
                "parameters": [id_param, _query("kind", enum=["needs"]), _whole("k", MAX_K)],
                "responses": {"200": {"description": "Best first", **_json(RECOMMENDATIONS)}, **ERRORS},
            }
        },
        "/recommendations/feedback": {
            "post": {
                "summary": "Dismiss, show interest in, or record a contract for a recommendation",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, **_json(_ref("FeedbackIn"))},
                "responses": {
                    "201": {"description": "Recorded"},
                    "200": {"description": "The same verdict was already recorded; nothing changed"},
                    **ERRORS,
                },
            }
        },
        "/search": {
            "get": {
                "summary": "Full-text search over public listings",
                "parameters": [
                    _query("q"),
                    _query("type", enum=list(KIND_NAMES)),
                    _query("industry"),
                    _query("mode"),
                    _query("region"),
                    _whole("trl_min", 9),
                    _whole("page", MAX_PAGE),
                    _whole("per_page", MAX_PER_PAGE),
                    _query("sort", enum=list(SORTS)),
                ],
                "responses": {
                    "200": {
                        "description": "Hits, total and facet counts",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "hits": {"type": "array", "items": {"type": "object"}},
                                    "total": {"type": "integer"},
                                    "facets": {"type": "object"},
                                },
                            }
                        ),
                    },
                    "503": {"description": "The search service is unavailable", **_json(_ref("Error"))},
                    **ERRORS,
                },
            }
        },
    }


def _id_param(name: str = "id") -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


def _account_paths() -> dict:
    """Token management, organization verification and claims."""
    secured = [{"bearer": []}]
    tokens = {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {"allOf": [_ref("ApiTokenPublic")], "properties": {"current": {"type": "boolean"}}},
            }
        },
    }
    claims = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": _ref("OrganizationClaimPublic")}},
    }
    return {
        "/auth/tokens": {
            "get": {
                "summary": "The caller's live tokens",
                "security": secured,
                "responses": {"200": {"description": "Tokens", **_json(tokens)}, **ERRORS},
            }
        },
        "/auth/tokens/{id}": {
            "parameters": _id_param(),
            "delete": {
                "summary": "Revoke one of the caller's tokens",
                "security": secured,
                "responses": {"204": {"description": "Revoked"}, **ERRORS},
            },
        },
        "/organizations/{id}/verify": {
            "parameters": _id_param(),
            "post": {
                "summary": "The bureau verifies an organization",
                "security": secured,
                "responses": {
                    "200": {"description": "Verified", **_json(_ref("OrganizationPublic"))},
                    **ERRORS,
                },
            },
        },
        "/organization-claims": {
            "post": {
                "summary": "Claim an organization whose credit code someone else registered",
                "requestBody": {"required": True, **_json(_ref("OrganizationClaimIn"))},
                "responses": {
                    "201": {
                        "description": "Filed",
                        **_json(
                            {
                                "type": "object",
                                "properties": {"id": {"type": "integer"}, "status": {"type": "string"}},
                            }
                        ),
                    },
                    **ERRORS,
                },
            },
            "get": {
                "summary": "Claims waiting for the bureau",
                "security": secured,
                "responses": {"200": {"description": "Claims", **_json(claims)}, **ERRORS},
            },
        },
        "/organization-claims/{id}/resolve": {
            "parameters": _id_param(),
            "post": {
                "summary": "The bureau transfers the organization to the claimant or rejects the claim",
                "security": secured,
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "properties": {"decision": {"type": "string", "enum": ["transfer", "reject"]}},
                            "required": ["decision"],
                        }
                    ),
                },
                "responses": {
                    "200": {"description": "Decided", **_json(_ref("OrganizationClaimPublic"))},
                    **ERRORS,
                },
            },
        },
    }


OBJECT = {"type": "object"}
ITEMS = {"type": "object", "properties": {"items": {"type": "array", "items": OBJECT}}}


def _op(
    summary: str,
    ok: str = "200",
    body: dict | None = None,
    params: list | None = None,
    response: dict = OBJECT,
) -> dict:
    """One bearer-authenticated operation of the deals API."""
    op = {
        "summary": summary,
        "security": [{"bearer": []}],
        "responses": {ok: {"description": "OK", **({} if ok == "204" else _json(response))}, **ERRORS},
    }
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    if params:
        op["parameters"] = params
    return op


def _path_ids(*names: str) -> list[dict]:
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "integer"}} for n in names]


def _body(**props: dict) -> dict:
    return {"type": "object", "properties": props}


STRING, INTEGER = {"type": "string"}, {"type": "integer"}


def _deal_paths() -> dict:
    interest, contract = _path_ids("id"), _path_ids("id")
    return {
        "/interests": {
            "post": _op(
                "Express interest in a need, achievement, service or center", "201", _ref("InterestIn")
            ),
            "get": _op(
                "Interests received (box=in) or sent (box=out)",
                params=[_query("box", enum=["in", "out"])],
                response=ITEMS,
            ),
        },
        "/interests/{id}": {
            "parameters": interest,
            "get": _op("One interest (its two parties and the bureau)"),
        },
        "/interests/{id}/accept": {
            "parameters": interest,
            "post": _op("Accept (the target's owner)", body=OBJECT),
        },
        "/interests/{id}/decline": {
            "parameters": interest,
            "post": _op("Decline with a reason (the target's owner)", body=_ref("DeclineIn")),
        },
        "/interests/{id}/withdraw": {
            "parameters": interest,
            "post": _op("Withdraw a pending interest (the interested side)", body=OBJECT),
        },
        "/interests/{id}/nda": {
            "parameters": interest,
            "post": _op(
                "Accept the confidential need's NDA (the interested side)",
                "201",
                _body(accept={"type": "boolean", "const": True}),
            ),
        },
        "/interests/{id}/messages": {
            "parameters": interest,
            "get": _op("The conversation", response=ITEMS),
            "post": _op(
                "Send a message; multipart with a `file` field attaches a file", "201", _body(body=STRING)
            ),
        },
        "/attachments/{id}": {
            "parameters": _path_ids("id"),
            "get": {
                "summary": "Download an attachment (the two parties and the bureau)",
                "security": [{"bearer": []}],
                "responses": {
                    "200": {"description": "The file", "content": {"application/octet-stream": {}}},
                    **ERRORS,
                },
            },
        },
        "/needs/{id}/nda": {
            "parameters": _path_ids("id"),
            "put": _op(
                "The owner's own NDA text for a confidential need (empty: the platform text)",
                body=_body(body=STRING),
            ),
        },
        "/needs/{id}/detail-views": {
            "parameters": _path_ids("id"),
            "get": _op("Who read the confidential details (the owner only)", response=ITEMS),
        },
        "/contracts": {
            "post": _op("Create a draft contract from an accepted interest", "201", _ref("ContractIn")),
            "get": _op("The caller's contracts", params=[_query("party", enum=["me"])], response=ITEMS),
        },
        "/contracts/{id}": {"parameters": contract, "get": _op("One contract (its parties and the bureau)")},
        "/contracts/{id}/transition": {
            "parameters": contract,
            "post": _op(
                "Sign, start, complete or terminate; an illegal step is a 409 naming the allowed ones",
                body=_body(
                    to={"type": "string", "enum": ["signed", "in_progress", "completed", "terminated"]},
                    note=STRING,
                ),
            ),
        },
        "/contracts/{id}/milestones/{mid}/transition": {
            "parameters": _path_ids("id", "mid"),
            "post": _op(
                "Deliver (provider), accept or mark paid (client) a milestone",
                body=_body(to={"type": "string", "enum": ["delivered", "accepted", "paid"]}),
            ),
        },
        "/contracts/{id}/registration": {
            "parameters": contract,
            "post": _op("Record the registration number (登记编号)", body=_body(number=STRING)),
        },
        "/contracts/{id}/audit": {
            "parameters": contract,
            "get": _op("The append-only audit trail", response=ITEMS),
        },
        "/incubations": {
            "post": _op("Record an enterprise incubated by the caller's center", "201", _ref("IncubationIn")),
            "get": _op("Incubated enterprises", params=[_query("center_id", "integer")], response=ITEMS),
        },
        "/incubations/{id}/transition": {
            "parameters": _path_ids("id"),
            "post": _op(
                "Graduated or exited", body=_body(to={"type": "string", "enum": ["graduated", "exited"]})
            ),
        },
        "/notifications": {
            "get": _op("The caller's notifications and unread count", params=[_query("unread", enum=["1"])])
        },
        "/notifications/read": {
            "post": _op(
                "Mark some (ids) or all notifications read",
                body=_body(ids={"type": "array", "items": INTEGER}),
            )
        },
        "/saved-searches": {
            "get": _op("The caller's saved searches", response=ITEMS),
            "post": _op("Save a search for the daily digest", "201", _ref("SavedSearchIn")),
        },
        "/saved-searches/{id}": {
            "parameters": _path_ids("id"),
            "delete": _op("Delete a saved search", "204"),
        },
    }


@cache
def openapi_document() -> dict:
    _keys, defs = models_json_schema(
        [(m, "validation") for m in MODELS], ref_template="#/components/schemas/{model}"
    )
    schemas = defs.get("$defs", {})
    schemas["Error"] = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    }
    paths: dict = {
        "/auth/token": {
            "post": {
                "summary": "Exchange email and password for a bearer token",
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
                            "required": ["email", "password"],
                        }
                    ),
                },
                "responses": {
                    "200": {
                        "description": "A token",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "token": {"type": "string"},
                                    "token_type": {"type": "string"},
                                    "expires_at": {"type": "string"},
                                },
                            }
                        ),
                    },
                    **ERRORS,
                },
            },
            "delete": {
                "summary": "Revoke the token this request came with",
                "security": [{"bearer": []}],
                "responses": {"204": {"description": "Revoked"}, **ERRORS},
            },
        },
        "/register": {
            "post": {
                "summary": "Register an organization and its first user",
                "requestBody": {"required": True, **_json(_ref("RegistrationIn"))},
                "responses": {"201": {"description": "Registered"}, **ERRORS},
            }
        },
        "/organizations/{id}": {
            "get": {
                "summary": "An organization's public profile",
                "parameters": [ID_PARAM],
                "responses": {"200": {"description": "OK", **_json(_ref("OrganizationPublic"))}, **ERRORS},
            }
        },
    }
    for plural, name in LISTINGS.items():
        paths.update(_listing_paths(plural, name))
    paths.update(_matching_paths())
    paths.update(_account_paths())
    paths.update(_deal_paths())
    paths.update(bureau_paths(ERRORS))
    paths.update(indicator_paths(ERRORS))
    return {
        "openapi": "3.1.0",
        "info": {"title": "MIC Exchange API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
