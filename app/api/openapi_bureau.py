"""The OpenAPI paths of /api/v1/bureau, from the same input models that validate the requests."""

from models import (
    AnswerIn,
    ApplicationIn,
    CallIn,
    ConflictIn,
    CooperationIn,
    DecisionIn,
    FlagIn,
    FlagReviewIn,
    GradeIn,
    InspectionIn,
    ObjectionIn,
    PanelIn,
    PromotionIn,
    PromotionOutcomeIn,
    ReportIn,
    RoundIn,
    ScoreIn,
    TrainingIn,
)

BUREAU_MODELS = [
    AnswerIn,
    ApplicationIn,
    CallIn,
    ConflictIn,
    CooperationIn,
    DecisionIn,
    FlagIn,
    FlagReviewIn,
    GradeIn,
    InspectionIn,
    ObjectionIn,
    PanelIn,
    PromotionIn,
    PromotionOutcomeIn,
    ReportIn,
    RoundIn,
    ScoreIn,
    TrainingIn,
]
P = "/bureau"
OBJECT = {"type": "object"}
ITEMS = {"type": "object", "properties": {"items": {"type": "array", "items": OBJECT}}}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _op(
    summary: str,
    *,
    body: str | None = None,
    status: str = "200",
    params=(),
    secured: bool = True,
    response: dict = OBJECT,
    errors: dict,
) -> dict:
    op = {
        "summary": summary,
        "parameters": list(params),
        "responses": {status: {"description": "OK", **_json(response)}, **errors},
    }
    if body:
        op["requestBody"] = {"required": True, **_json({"$ref": f"#/components/schemas/{body}"})}
    if secured:
        op["security"] = [{"bearer": []}]
    return op


def bureau_paths(errors: dict) -> dict:
    """Calls, applications and their workflow, expert assignments, the registry, promotions, center records,
    first-commercialization flags, evaluations and the three-year assessment."""
    app, asg, center = _id("application_id"), _id("assignment_id"), _id("center_id")
    ev = _id("evaluation_id")

    def op(summary, **kw):
        return _op(summary, errors=errors, **kw)

    workflow = {
        f"{P}/applications/{{application_id}}/{step}": {"post": op(summary, body=body, params=[app])}
        for step, summary, body in (
            ("panel", "Send the application to an expert panel covering the five fields (bureau)", "PanelIn"),
            (
                "review-decision",
                "Conclude the expert review: on to inspection, or refused (bureau)",
                "DecisionIn",
            ),
            (
                "inspection",
                "Record the site inspection; passing opens the public notice (bureau)",
                "InspectionIn",
            ),
            ("filing", "File the center after the notice, or refuse it (bureau)", "DecisionIn"),
            ("refusal", "End the application with reasons the applicant sees (bureau)", None),
        )
    }
    workflow[f"{P}/applications/{{application_id}}/refusal"]["post"]["requestBody"] = {
        "required": True,
        **_json({"type": "object", "properties": {"reason": {"type": "string"}}, "required": ["reason"]}),
    }
    evaluation_steps = {
        f"{P}/evaluations/{{evaluation_id}}/{step}": {"post": op(summary, body=body, params=[ev])}
        for step, summary, body in (
            ("report", "Submit or revise the operation and development report (the center)", "ReportIn"),
            ("experts", "Assign experts to score the report (bureau)", "PanelIn"),
            ("grade", "Grade the evaluation: excellent, good, passed, failed (bureau)", "GradeIn"),
        )
    }
    return {
        f"{P}/calls": {
            "get": op(
                "Published calls; open=1 for those still accepting",
                secured=False,
                response=ITEMS,
                params=[{"name": "open", "in": "query", "schema": {"type": "string"}}],
            ),
            "post": op("Publish a call (bureau)", body="CallIn", status="201"),
        },
        f"{P}/calls/{{call_id}}": {"get": op("One call", secured=False, params=[_id("call_id")])},
        f"{P}/calls/{{call_id}}/applications": {
            "post": op(
                "Apply to create a center: plan, founding units, experts (documents are uploaded after)",
                body="ApplicationIn",
                status="201",
                params=[_id("call_id")],
            )
        },
        f"{P}/applications": {
            "get": op("Applications: all for the bureau, the organization's own otherwise", response=ITEMS)
        },
        f"{P}/applications/{{application_id}}": {
            "get": op(
                "An application with its panel, objections and history (bureau, applicant, assigned experts)",
                params=[app],
            )
        },
        **workflow,
        f"{P}/applications/{{application_id}}/documents": {
            "post": {
                **op(
                    "Add a document to an application in progress (the applicant); multipart: `file`, and "
                    "optionally `title` and `note`. PDF, Word, Excel, PowerPoint or PNG/JPEG images",
                    status="201",
                    params=[app],
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {
                                        "type": "string",
                                        "contentMediaType": "application/octet-stream",
                                    },
                                    "title": {"type": "string", "maxLength": 200},
                                    "note": {"type": "string", "maxLength": 500},
                                },
                            }
                        }
                    },
                },
            }
        },
        f"{P}/applications/{{application_id}}/documents/{{document_id}}": {
            "get": {
                **op(
                    "Download a document (the applicant, the bureau and the assigned experts)",
                    params=[app, _id("document_id")],
                ),
                "responses": {
                    "200": {"description": "The file", "content": {"application/octet-stream": {}}},
                    **errors,
                },
            },
            "delete": {
                **op(
                    "Remove a document before the expert review begins (the applicant)",
                    params=[app, _id("document_id")],
                ),
                "responses": {"204": {"description": "Removed"}, **errors},
            },
        },
        f"{P}/notices": {"get": op("Centers on public notice now", secured=False, response=ITEMS)},
        f"{P}/applications/{{application_id}}/objections": {
            "post": op(
                "Object to a center on public notice (anyone)",
                body="ObjectionIn",
                status="201",
                secured=False,
                params=[app],
            )
        },
        f"{P}/objections/{{objection_id}}/answer": {
            "post": op("Answer an objection (bureau)", body="AnswerIn", params=[_id("objection_id")])
        },
        f"{P}/assignments": {"get": op("The calling expert's assignments", response=ITEMS)},
        f"{P}/assignments/{{assignment_id}}/conflict": {
            "post": op(
                "Declare, once, whether the expert has a conflict of interest",
                body="ConflictIn",
                params=[asg],
            )
        },
        f"{P}/assignments/{{assignment_id}}/score": {
            "post": op(
                "Score each criterion 0-100 with a written opinion; refused to a conflicted expert",
                body="ScoreIn",
                params=[asg],
            )
        },
        f"{P}/centers": {
            "get": op(
                "The registry: every center in every status (bureau)",
                response=ITEMS,
                params=[{"name": "status", "in": "query", "schema": {"type": "string"}}],
            )
        },
        f"{P}/centers/{{center_id}}": {
            "get": op(
                "A center's registry record: founders, experts, applications, promotions, history",
                params=[center],
            )
        },
        f"{P}/centers/{{center_id}}/promotions": {
            "post": op(
                "Recommend a filed center for the next level (bureau)",
                body="PromotionIn",
                status="201",
                params=[center],
            )
        },
        f"{P}/promotions/{{promotion_id}}/outcome": {
            "post": op(
                "Record a promotion's outcome (bureau)",
                body="PromotionOutcomeIn",
                params=[_id("promotion_id")],
            )
        },
        f"{P}/centers/{{center_id}}/activity": {
            "get": op("A center's trainings and international cooperation", secured=False, params=[center])
        },
        f"{P}/centers/{{center_id}}/trainings": {
            "post": op("Record a training (the center)", body="TrainingIn", status="201", params=[center])
        },
        f"{P}/centers/{{center_id}}/cooperation": {
            "post": op(
                "Record an international cooperation project (the center)",
                body="CooperationIn",
                status="201",
                params=[center],
            )
        },
        f"{P}/centers/{{center_id}}/first-use-flags": {
            "post": op(
                "Flag an achievement as a first commercial application (the center)",
                body="FlagIn",
                status="201",
                params=[center],
            )
        },
        f"{P}/first-use-flags": {
            "get": op("Flags; status=recommended is the recommended list (bureau)", response=ITEMS)
        },
        f"{P}/first-use-flags/{{flag_id}}/review": {
            "post": op("Recommend or decline a flag (bureau)", body="FlagReviewIn", params=[_id("flag_id")])
        },
        f"{P}/first-use-flags/recommended.csv": {
            "get": {
                "summary": "The recommended list as CSV (bureau)",
                "security": [{"bearer": []}],
                "responses": {
                    "200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
                    **errors,
                },
            }
        },
        f"{P}/evaluation-rounds": {
            "post": op(
                "Open a year's evaluation round for the filed centers (bureau)", body="RoundIn", status="201"
            )
        },
        f"{P}/evaluation-rounds/{{round_id}}": {
            "get": op("The evaluations of a round (bureau)", response=ITEMS, params=[_id("round_id")])
        },
        f"{P}/evaluations/{{evaluation_id}}": {
            "get": op(
                "An evaluation: report, indicators, scores, grade (bureau, the center, assigned experts)",
                params=[ev],
            )
        },
        **evaluation_steps,
        f"{P}/centers/{{center_id}}/assessment": {
            "get": op(
                "The three-year assessment ending with end_year",
                params=[
                    center,
                    {"name": "end_year", "in": "query", "required": True, "schema": {"type": "integer"}},
                ],
            )
        },
    }


def indicator_paths(errors: dict) -> dict:
    """GET /indicators and the records behind each figure."""
    from app.oversight.services.indicators import AMOUNT_INDICATORS, INDICATOR_NAMES

    scope = [
        {"name": "year", "in": "query", "schema": {"type": "integer"}},
        {"name": "center_id", "in": "query", "schema": {"type": "integer"}},
        {"name": "industry", "in": "query", "schema": {"type": "string"}},
    ]

    def figure(name: str) -> dict:
        measures = [
            "count",
            *(["amount"] if name in AMOUNT_INDICATORS else []),
            *(["people"] if name == "trainings" else []),
        ]
        return {
            "type": "object",
            "required": measures,
            "properties": {m: {"type": "integer"} for m in measures},
        }

    body = {
        "type": "object",
        "required": ["year", "center_id", "industry", "indicators"],
        "properties": {
            "year": {"type": "integer"},
            "center_id": {"type": ["integer", "null"]},
            "industry": {"type": ["string", "null"]},
            "indicators": {
                "type": "object",
                "required": list(INDICATOR_NAMES),
                "properties": {name: figure(name) for name in INDICATOR_NAMES},
            },
        },
    }
    indicator = {
        "name": "indicator",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": list(INDICATOR_NAMES)},
    }
    return {
        "/indicators": {
            "get": _op(
                "The indicators of a year: the city's (bureau), or one center's (bureau or the "
                "center's users), optionally of one industry",
                params=scope,
                response=body,
                errors=errors,
            )
        },
        "/indicators/{indicator}/records": {
            "get": _op(
                "The contracts, incubations, achievements, trainings or projects behind one figure",
                params=[indicator, *scope],
                response=ITEMS,
                errors=errors,
            )
        },
    }
