"""The OpenAPI document of /api/v1, generated rather than written: paths, methods and path parameters come from
the app's URL rules, query arguments, bodies and responses from the pydantic models each route names with
`documented`, summaries from the views' docstrings. Nothing here names a path, so the document cannot drift from
the routes (tests/api/test_openapi.py compares the two).

Spectree builds the document. Its Flask plugin is narrowed here to the "api" blueprint and made to hand every
request straight to the view: validation, the error envelope {"error": {"code", "message", "fields"}} and the
translated messages stay the app's own; spectree only reads the declarations.
"""

from copy import deepcopy
from typing import Annotated, Any, Union

from flask import current_app, jsonify
from flask_limiter.util import get_qualified_name
from pydantic import BaseModel, Field, RootModel
from spectree import Response, SpecTree
from spectree.plugins.flask_plugin import FlaskPlugin
from werkzeug.routing import IntegerConverter

from app.api.blueprint import bp
from app.web.limits import limiter

PREFIX = "/api/v1"
# Text in a query string: control characters are refused (422), as in every body field.
Text = Annotated[str, Field(pattern="^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$")]


class ErrorBody(BaseModel):
    code: str = Field(description="A stable code to branch on, such as invalid, not_found, rate_limited")
    message: str = Field(description="For people, in the caller's language (Chinese first)")
    fields: dict[str, str] = Field(description="The fields or arguments at fault, each with its message")


class Error(BaseModel):
    """Every refusal of the API."""

    error: ErrorBody


ERRORS = {
    400: "The body is not a JSON object",
    401: "No valid bearer token",
    403: "The caller may not do this",
    404: "Not found, or not the caller's to see",
    409: "Not allowed in the current state; nothing was saved",
    413: "The body is larger than the app accepts",
    422: "A field or argument is not valid; `fields` names it",
    429: "Too many requests; Retry-After says when to try again",
    503: "The search service is unavailable",
}
BINARY = {"type": "string", "contentMediaType": "application/octet-stream"}


class ApiRoutes(FlaskPlugin):
    """Spectree's Flask plugin reading only the "api" blueprint's routes, with paths relative to the server
    URL /api/v1 and integer path parameters bounded as the app's converter bounds them; requests go to the
    views untouched."""

    def find_routes(self):
        for rule in current_app.url_map.iter_rules():
            if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
                yield rule

    def parse_path(self, route, path_parameter_descriptions):
        path, parameters = super().parse_path(route, path_parameter_descriptions)
        for parameter in parameters:
            converter = route._converters.get(parameter["name"])
            if isinstance(converter, IntegerConverter):
                low = converter.min if converter.min is not None else (None if converter.signed else 0)
                parameter["schema"] = {
                    "type": "integer",
                    **({"minimum": low} if low is not None else {}),
                    **({"maximum": converter.max} if converter.max is not None else {}),
                }
        return path.removeprefix(PREFIX), parameters

    def validate(self, func, *spectree_args, **kwargs):
        # The first eleven are spectree's (models, hooks, flags); Flask passes the URL's values as keywords.
        return func(*spectree_args[11:], **kwargs)


_NAMES: dict[str, Any] = {}


def _name(model) -> str:
    """A model's component name is its class name; two different models may not share one."""
    name = model.__name__
    if _NAMES.setdefault(name, model) is not model:
        raise TypeError(f"two API models are named {name}: {model} and {_NAMES[name]}")
    return name


API = SpecTree(
    "flask",
    backend=ApiRoutes,
    title="MIC Exchange API",
    version="1",
    annotations=False,
    security_schemes=[{"name": "bearer", "data": {"type": "http", "scheme": "bearer"}}],
    naming_strategy=_name,
    nested_naming_strategy=lambda _parent, child: child,
    validation_error_model=Error,
)
# Placeholder unions of per-variant models (one per route and slot); each expanded path names its own member.
_UNIONS: set[str] = set()


def _union(view, slot: str, models: dict[str, type[BaseModel]]) -> type[BaseModel]:
    name = f"Variants_{view.__name__}_{slot}"
    _UNIONS.add(name)
    return type(name, (RootModel[Union[tuple(models.values())]],), {})  # noqa: UP007


def documented(
    *,
    responses: dict[int, Any],
    query: type[BaseModel] | None = None,
    json: type[BaseModel] | dict[str, type[BaseModel]] | None = None,
    form: type[BaseModel] | None = None,
    files: dict[int, tuple[str, ...]] | None = None,
    bearer: str | None = None,
    errors: tuple[int, ...] = (),
):
    """Declare what a route reads and answers, for the document only: `responses` maps each success status to
    its JSON model (None: no body, or the media types in `files`); `json` and a response's model may be a dict
    {value of the URL's any(...) part: model} when the body differs by that part; `bearer="optional"` for a
    public route that reads a token when one comes. Bearer requirements, 413 and 429 are read from the view's
    own decorators."""

    def decorate(view):
        variants: dict[str, dict] = {}
        codes: dict[str, Any] = {}
        for status, model in responses.items():
            if isinstance(model, dict):
                variants[str(status)] = model
                model = _union(view, str(status), model)
            codes[f"HTTP_{status}"] = model
        body = json
        if isinstance(json, dict):
            variants["json"] = json
            body = _union(view, "json", json)
        wrapped = API.validate(
            query=query, json=body, form=form, resp=Response(**codes), operation_id=view.__name__
        )(view)
        wrapped.api_document = {
            "variants": variants,
            "files": files or {},
            "bearer": bearer,
            "errors": errors,
        }
        return wrapped

    return decorate


def _ref(model) -> dict:
    return {"$ref": f"#/components/schemas/{_name(model)}"}


def _errors(op: dict, *, method: str, view, bearer: str | None) -> None:
    notes = view.api_document["errors"] if hasattr(view, "api_document") else ()
    codes = {422, *notes}
    if any(p["in"] == "path" and "enum" not in p["schema"] for p in op["parameters"]):
        codes.add(404)
    if bearer:
        codes.add(401)
    if bearer == "required":
        codes.add(403)
        if method != "get":
            codes.add(409)
    if "requestBody" in op:
        codes |= {400, 413}
    if limiter.limit_manager.decorated_limits(get_qualified_name(view)):
        codes.add(429)
    for code in sorted(codes):
        op["responses"][str(code)] = {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": _ref(Error)}},
        }


def _finish(op: dict, *, method: str, view) -> None:
    """Security, error responses and non-JSON bodies of one operation."""
    declared = getattr(view, "api_document", {})
    bearer = "required" if getattr(view, "token_required", False) else declared.get("bearer")
    if bearer == "required":
        op["security"] = [{"bearer": []}]
    elif bearer == "optional":
        op["security"] = [{}, {"bearer": []}]
    for status, media_types in declared.get("files", {}).items():
        schema = {"type": "string"} if media_types == ("text/csv",) else BINARY
        op["responses"][str(status)]["content"] = {media: {"schema": schema} for media in media_types}
    _errors(op, method=method, view=view, bearer=bearer)
    for name in ("tags", "description"):
        if not op.get(name):
            op.pop(name, None)


def _variants(path: str, op: dict, view) -> list[tuple[str, dict]]:
    """One path per value of the URL's any(...) part, each with that value's own models."""
    choice = next((p for p in op["parameters"] if p["in"] == "path" and "enum" in p["schema"]), None)
    if choice is None:
        return [(path, op)]
    declared = getattr(view, "api_document", {}).get("variants", {})
    expanded = []
    for value in choice["schema"]["enum"]:
        variant = deepcopy(op)
        variant["parameters"] = [p for p in op["parameters"] if p is not choice and p != choice]
        variant["operationId"] = f"{op['operationId']}_{value.replace('-', '_')}"
        for slot, models in declared.items():
            target = (
                variant["requestBody"]["content"]["application/json"]
                if slot == "json"
                else variant["responses"][slot]["content"]["application/json"]
            )
            target["schema"] = _ref(models[value])
        expanded.append((path.replace(f"{{{choice['name']}}}", value), variant))
    return expanded


def build_document() -> dict:
    """The document of the current app's /api/v1 routes."""
    spec = deepcopy(API.spec)
    generated = spec["paths"]
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        view = current_app.view_functions[rule.endpoint]
        path, _parameters = API.backend.parse_path(rule, None)
        for method in sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}):
            op = generated[path][method]
            _finish(op, method=method, view=view)
            for variant_path, variant in _variants(path, op, view):
                paths.setdefault(variant_path, {})[method] = variant
    schemas = spec["components"]["schemas"]
    for name in _UNIONS:
        schemas.pop(name, None)
    spec["paths"] = paths
    spec["servers"] = [{"url": PREFIX}]
    spec.pop("tags", None)
    spec.pop("security", None)
    return spec


def openapi_document() -> dict:
    """Built once per app: the routes do not change while it runs."""
    if "api_openapi" not in current_app.extensions:
        current_app.extensions["api_openapi"] = build_document()
    return current_app.extensions["api_openapi"]


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())
