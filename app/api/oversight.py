"""The bureau's oversight as JSON: under /api/v1/bureau calls, applications and their workflow, expert
assignments, the registry, promotions, center records, first-commercialization flags and evaluations; under
/api/v1/indicators the figures those records add up to, and the records behind each figure. One module: the
indicators are the bureau's view of the same centers, read by the same people."""

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from flask import Response, current_app, jsonify, request, send_file
from flask_babel import gettext as _
from pydantic import BaseModel, Field, create_model
from pydantic.json_schema import SkipJsonSchema

from app.api.blueprint import bp
from app.api.document import Text, documented
from app.api.helpers import api_user, dump, json_body, token_required
from app.db import get_session
from app.oversight import indicator_definitions
from app.oversight.services import application_documents as documents
from app.oversight.services import applications as application_service
from app.oversight.services import calls as call_service
from app.oversight.services import center_records as records
from app.oversight.services import evaluations, indicators, legal_entities
from app.oversight.services import experts as expert_service
from app.oversight.services import governance as governance_service
from app.oversight.services import notice as notice_service
from app.oversight.services import promotion as promotion_service
from app.oversight.services import registry as registry_service
from app.platform.errors import Invalid
from app.web import limits
from app.web.args import int_arg
from app.web.input_guards import accepts_upload
from models import (
    AnswerIn,
    ApplicationDocument,
    ApplicationIn,
    CallIn,
    Center,
    CenterApplication,
    CenterCall,
    CenterContribution,
    CenterCooperation,
    CenterEvaluation,
    CenterExpert,
    CenterFounder,
    CenterGovernanceMember,
    CenterTraining,
    ConflictIn,
    ContributionIn,
    CooperationIn,
    DecisionIn,
    EvaluationRound,
    ExpertAssignment,
    FilingIn,
    FirstUseFlag,
    FlagIn,
    FlagReviewIn,
    GovernanceMemberIn,
    Grade,
    GradeIn,
    InspectionIn,
    LegalEntityIn,
    NoticeObjection,
    ObjectionDismissalIn,
    ObjectionIn,
    Organization,
    PanelIn,
    Promotion,
    PromotionIn,
    PromotionOutcomeIn,
    ReportIn,
    RoundIn,
    ScoreIn,
    TrainingIn,
)

P = "/bureau"


# --- shapes ------------------------------------------------------------------------------------------------------


class HistoryEntry(BaseModel):
    """One row of a center's or an application's history, as this API has always shown it (plus from/to)."""

    id: int
    center_id: int
    application_id: int | None
    event_type: str
    actor_id: int | None
    data: dict[str, Any]
    occurred_at: datetime
    from_state: str | None = None
    to_state: str | None = None


def history_json(rows, center_id: int) -> list[dict]:
    """Audit rows of a center and its applications in the history shape above."""
    return [
        HistoryEntry(
            id=row.id,
            center_id=center_id,
            application_id=row.subject_id if row.subject_type == "application" else None,
            event_type=row.action,
            actor_id=row.actor_id,
            data=row.data,
            occurred_at=row.occurred_at,
            from_state=row.from_state,
            to_state=row.to_state,
        ).model_dump(mode="json")
        for row in rows
    ]


def extended(name: str, table, *, exclude: tuple[str, ...] = (), **extra) -> type[BaseModel]:
    """A table row's fields as the API dumps them, plus what the route adds to it."""
    fields = {
        field: (info.annotation, ... if info.is_required() else None)
        for field, info in table.model_fields.items()
        if field not in exclude
    }
    return create_model(name, **fields, **{key: (kind, ...) for key, kind in extra.items()})


def items_of(model) -> type[BaseModel]:
    return create_model(f"{model.__name__}List", items=(list[model], ...))


class RefusalIn(BaseModel):
    reason: str = Field(min_length=2, description="the reasons the applicant sees")


class OpenQuery(BaseModel):
    open: Literal["0", "1"] = Field("0", description="1: only calls still accepting applications")


class StatusQuery(BaseModel):
    status: Text = Field("", description="only those in this status")


class AssessmentQuery(BaseModel):
    end_year: int = Field(description="the last of the three years")


class ScopeQuery(BaseModel):
    year: int = Field(
        None,
        ge=indicators.YEAR_MIN,
        le=indicators.YEAR_MAX,
        description="this year when absent",
        json_schema_extra=lambda s: s.pop("default"),
    )
    center_id: int | SkipJsonSchema[None] = Field(
        None, ge=1, lt=2**31, json_schema_extra=lambda s: s.pop("default")
    )
    industry: Text = ""


class DocumentForm(BaseModel):
    file: bytes = Field(description="PDF, Word, Excel, PowerPoint, or a PNG or JPEG image")
    title: str | SkipJsonSchema[None] = Field(None, max_length=200)
    note: str | SkipJsonSchema[None] = Field(None, max_length=500)


DocumentView = extended("DocumentView", ApplicationDocument, exclude=("stored_name",), url=str | None)
PanelMember = extended("PanelMember", ExpertAssignment, expert_name=str | None)
ApplicationView = extended(
    "ApplicationView",
    CenterApplication,
    center=Center,
    call=CenterCall,
    founders=list[CenterFounder],
    experts=list[CenterExpert],
    documents=list[DocumentView],
    panel=list[PanelMember],
    objections=list[NoticeObjection],
    history=list[HistoryEntry],
)
CenterRecord = extended(
    "CenterRecord",
    Center,
    founders=list[CenterFounder],
    experts=list[CenterExpert],
    applications=list[CenterApplication],
    promotions=list[Promotion],
    history=list[HistoryEntry],
)
FlagRow = extended("FlagRow", FirstUseFlag, achievement_title=str, center_name=str)
ContributionRow = extended(
    "ContributionRow",
    CenterContribution,
    exclude=("amount",),
    org_name=str,
    amount=int | None,
)
EvaluationRow = extended("EvaluationRow", CenterEvaluation, center_name=str)
EvaluationView = extended(
    "EvaluationView",
    CenterEvaluation,
    year=int,
    center_name=str,
    indicators=dict[str, Any],
    mean_score=float | None,
    panel=list[PanelMember],
)


class NoticeRow(BaseModel):
    application_id: int
    center: str
    industry: str
    domain: str
    notice_ends: datetime | None


class ObjectionFiled(BaseModel):
    id: int
    created_at: datetime


class ObjectionsDismissed(BaseModel):
    dismissed: list[NoticeObjection]


class CenterActivity(BaseModel):
    trainings: list[CenterTraining]
    cooperation: list[CenterCooperation]
    people_trained: int


class AssessmentView(BaseModel):
    years: list[int]
    grades: list[Grade | None]
    result: Grade | None = Field(description="none while any of the three years is not graded yet")
    complete: bool


class Figure(BaseModel):
    count: int
    amount: int | SkipJsonSchema[None] = Field(None, description="the indicators counted in money")
    people: int | SkipJsonSchema[None] = Field(None, description="trainings: the people trained")


class IndicatorsView(BaseModel):
    year: int
    center_id: int | None
    industry: str | None
    indicators: dict[Literal[indicators.INDICATOR_NAMES], Figure]
    financing_by_type: dict[Literal["tech_loan", "ip_pledge_loan", "equity", "guarantee"], Figure] = Field(
        description="the `financing` figure by type of financing: count and amount (yuan) of each"
    )


class IndicatorRecords(BaseModel):
    year: int
    center_id: int | None
    industry: str | None
    indicator: str
    items: list[dict[str, Any]]


def dump_application(view: application_service.ApplicationView) -> dict:
    return {
        **dump(view.application),
        "center": dump(view.center),
        "call": dump(view.call),
        "founders": [dump(f) for f in view.founders],
        "experts": [dump(e) for e in view.experts],
        "documents": [document_json(view.application.id, d) for d in view.documents],
        "panel": [{**dump(row), "expert_name": name} for row, name in view.panel],
        "objections": [dump(o) for o in view.objections],
        "history": history_json(view.history, view.center.id),
    }


def document_json(application_id: int, row) -> dict:
    """A document without its storage name; `url` is None for one recorded before uploads, with no file."""
    return {
        **row.model_dump(mode="json", exclude={"stored_name"}),
        "url": f"/api/v1{P}/applications/{application_id}/documents/{row.id}" if row.stored_name else None,
    }


def application_json(application_id: int, status: int = 200):
    view = application_service.application_view(
        session=get_session(), user=api_user(), application_id=application_id
    )
    return jsonify(dump_application(view)), status


# --- calls and applications -----------------------------------------------------------------------------------------


@bp.get(f"{P}/calls")
@documented(query=OpenQuery, responses={200: items_of(CenterCall)})
def list_calls():
    """Published calls for applications; `open=1` for those still accepting."""
    calls = call_service.list_calls(session=get_session(), open_only=request.args.get("open") == "1")
    return jsonify(items=[dump(c) for c in calls])


@bp.post(f"{P}/calls")
@documented(json=CallIn, responses={201: CenterCall})
@limits.writes
@token_required
def create_call():
    """The bureau publishes a call: domain, conditions, required materials, deadline, criteria weights."""
    return jsonify(
        dump(call_service.create_call(session=get_session(), user=api_user(), data=json_body()))
    ), 201


@bp.get(f"{P}/calls/<int:call_id>")
@documented(responses={200: CenterCall})
def get_call(call_id: int):
    """One call."""
    return jsonify(dump(call_service.get_call(session=get_session(), call_id=call_id)))


@bp.post(f"{P}/calls/<int:call_id>/applications")
@documented(json=ApplicationIn, responses={201: ApplicationView})
@limits.writes
@token_required
def submit_application(call_id: int):
    """A lead unit applies with its plan, founding units, experts and documents."""
    application = application_service.submit_application(
        session=get_session(), user=api_user(), call_id=call_id, data=json_body()
    )
    return application_json(application.id, 201)


@bp.get(f"{P}/applications")
@documented(query=StatusQuery, responses={200: items_of(CenterApplication)})
@token_required
def list_applications():
    """Every application for the bureau; the caller's organization's own for everyone else."""
    rows = application_service.list_applications(
        session=get_session(), user=api_user(), status=request.args.get("status") or None
    )
    return jsonify(items=[dump(a) for a in rows])


@bp.get(f"{P}/applications/<int:application_id>")
@documented(responses={200: ApplicationView})
@token_required
def get_application(application_id: int):
    """One application with its record so far."""
    return application_json(application_id)


@bp.post(f"{P}/applications/<int:application_id>/documents")
@documented(form=DocumentForm, responses={201: DocumentView})
@accepts_upload
@limits.writes
@token_required
def add_document(application_id: int):
    """The applicant adds a document (multipart: `file`, and optionally `title` and `note`)."""
    row = documents.add_document(
        session=get_session(),
        user=api_user(),
        application_id=application_id,
        data=request.form.to_dict(),
        upload=request.files.get("file"),
    )
    return jsonify(document_json(application_id, row)), 201


@bp.get(f"{P}/applications/<int:application_id>/documents/<int:document_id>")
@documented(responses={200: None}, files={200: ("application/octet-stream",)})
@token_required
def document(application_id: int, document_id: int):
    """Download a document (the applicant, the bureau and the assigned experts)."""
    path, name, mimetype = documents.document_file(
        session=get_session(), user=api_user(), application_id=application_id, document_id=document_id
    )
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.delete(f"{P}/applications/<int:application_id>/documents/<int:document_id>")
@documented(responses={204: None})
@limits.writes
@token_required
def remove_document(application_id: int, document_id: int):
    """The applicant removes a document before the expert review begins."""
    documents.remove_document(
        session=get_session(), user=api_user(), application_id=application_id, document_id=document_id
    )
    return "", 204


WORKFLOW_BODIES = {
    "panel": PanelIn,
    "review-decision": DecisionIn,
    "filing": FilingIn,
    "refusal": RefusalIn,
}
WORKFLOW = {
    "panel": application_service.form_panel,
    "review-decision": application_service.conclude_review,
    "filing": application_service.decide_filing,
    "refusal": application_service.refuse_application,
}


@bp.post(f"{P}/applications/<int:application_id>/<any('panel', 'review-decision', 'filing', 'refusal'):step>")
@documented(json=WORKFLOW_BODIES, responses={200: ApplicationView})
@limits.writes
@token_required
def application_step(application_id: int, step: str):
    """The bureau's decisions on an application: form the panel, conclude the review, file, or refuse."""
    WORKFLOW[step](session=get_session(), user=api_user(), application_id=application_id, data=json_body())
    return application_json(application_id)


@bp.post(f"{P}/applications/<int:application_id>/inspection")
@documented(json=InspectionIn, responses={200: ApplicationView})
@limits.writes
@token_required
def record_inspection(application_id: int):
    """The site inspection's record; passing opens the public notice."""
    application_service.record_inspection(
        session=get_session(),
        user=api_user(),
        application_id=application_id,
        data=json_body(),
        default_notice_days=current_app.config["NOTICE_DAYS"],
    )
    return application_json(application_id)


@bp.get(f"{P}/notices")
@documented(responses={200: items_of(NoticeRow)})
def notices():
    """Centers on public notice now."""
    return jsonify(
        items=[
            {
                "application_id": a.id,
                "center": c.name,
                "industry": c.industry,
                "domain": c.domain,
                "notice_ends": a.notice_ends.isoformat() if a.notice_ends else None,
            }
            for a, c in notice_service.on_notice(session=get_session())
        ]
    )


@bp.post(f"{P}/applications/<int:application_id>/objections")
@documented(json=ObjectionIn, responses={201: ObjectionFiled})
@limits.objection_by_address
@limits.objection_by_application
def raise_objection(application_id: int):
    """Anyone may object to a center on public notice."""
    objection = notice_service.raise_objection(
        session=get_session(), application_id=application_id, data=json_body()
    )
    return jsonify(id=objection.id, created_at=objection.created_at.isoformat()), 201


@bp.post(f"{P}/objections/<int:objection_id>/answer")
@documented(json=AnswerIn, responses={200: NoticeObjection})
@limits.writes
@token_required
def answer_objection(objection_id: int):
    """The bureau's answer to an objection."""
    return jsonify(
        dump(
            notice_service.answer_objection(
                session=get_session(), user=api_user(), objection_id=objection_id, data=json_body()
            )
        )
    )


@bp.post(f"{P}/applications/<int:application_id>/objections/dismiss")
@documented(json=ObjectionDismissalIn, responses={200: ObjectionsDismissed})
@limits.writes
@token_required
def dismiss_objections(application_id: int):
    """The bureau sets aside duplicate or spam objections with one reason; they no longer hold up filing.
    `dismissed` lists those this call dismissed (one answered or dismissed before is left as it was)."""
    dismissed = notice_service.dismiss_objections(
        session=get_session(), user=api_user(), application_id=application_id, data=json_body()
    )
    return jsonify(dismissed=[dump(o) for o in dismissed])


# --- experts ------------------------------------------------------------------------------------------------------


@bp.get(f"{P}/assignments")
@documented(responses={200: items_of(ExpertAssignment)})
@token_required
def my_assignments():
    """The calling expert's assignments."""
    return jsonify(
        items=[dump(a) for a in expert_service.my_assignments(session=get_session(), user=api_user())]
    )


@bp.post(f"{P}/assignments/<int:assignment_id>/conflict")
@documented(json=ConflictIn, responses={200: ExpertAssignment})
@limits.writes
@token_required
def declare_conflict(assignment_id: int):
    """Declare, once, whether the expert has a conflict of interest."""
    return jsonify(
        dump(
            expert_service.declare_conflict(
                session=get_session(), user=api_user(), assignment_id=assignment_id, data=json_body()
            )
        )
    )


@bp.post(f"{P}/assignments/<int:assignment_id>/score")
@documented(json=ScoreIn, responses={200: ExpertAssignment})
@limits.writes
@token_required
def submit_score(assignment_id: int):
    """Scores per criterion and a written opinion; refused to a conflicted expert."""
    return jsonify(
        dump(
            expert_service.submit_score(
                session=get_session(), user=api_user(), assignment_id=assignment_id, data=json_body()
            )
        )
    )


# --- registry, promotion, records -------------------------------------------------------------------------------------


@bp.get(f"{P}/centers")
@documented(query=StatusQuery, responses={200: items_of(Center)})
@token_required
def registry():
    """Every center in every status (bureau)."""
    centers = registry_service.registry(
        session=get_session(), user=api_user(), status=request.args.get("status") or None
    )
    return jsonify(items=[dump(c) for c in centers])


@bp.get(f"{P}/centers/<int:center_id>")
@documented(responses={200: CenterRecord})
@token_required
def center_record(center_id: int):
    """A center's registry record and history (bureau, or the center itself)."""
    record = registry_service.center_record(session=get_session(), user=api_user(), center_id=center_id)
    return jsonify(
        {
            **dump(record.center),
            "founders": [dump(f) for f in record.founders],
            "experts": [dump(e) for e in record.experts],
            "applications": [dump(a) for a in record.applications],
            "promotions": [dump(p) for p in record.promotions],
            "history": history_json(record.history, record.center.id),
        }
    )


@bp.post(f"{P}/centers/<int:center_id>/promotions")
@documented(json=PromotionIn, responses={201: Promotion})
@limits.writes
@token_required
def recommend_promotion(center_id: int):
    """Recommend a filed center for the next level."""
    return jsonify(
        dump(
            promotion_service.recommend_promotion(
                session=get_session(), user=api_user(), center_id=center_id, data=json_body()
            )
        )
    ), 201


@bp.post(f"{P}/promotions/<int:promotion_id>/outcome")
@documented(json=PromotionOutcomeIn, responses={200: Promotion})
@limits.writes
@token_required
def promotion_outcome(promotion_id: int):
    """Record the outcome of a promotion."""
    return jsonify(
        dump(
            promotion_service.record_promotion_outcome(
                session=get_session(), user=api_user(), promotion_id=promotion_id, data=json_body()
            )
        )
    )


@bp.get(f"{P}/centers/<int:center_id>/activity")
@documented(responses={200: CenterActivity})
def center_activity(center_id: int):
    """A center's trainings and international cooperation projects (public, as on its profile)."""
    activity = records.center_activity(session=get_session(), center_id=center_id)
    return jsonify(
        trainings=[dump(t) for t in activity.trainings],
        cooperation=[dump(c) for c in activity.cooperation],
        people_trained=activity.people_trained,
    )


@bp.get(f"{P}/centers/<int:center_id>/governance")
@documented(responses={200: items_of(CenterGovernanceMember)})
def center_governance(center_id: int):
    """A center's decision body and technical expert committee: names, roles, affiliations, terms (public for a
    filed center, as on its profile)."""
    rows = governance_service.governance(session=get_session(), user=api_user(), center_id=center_id)
    return jsonify(items=[dump(m) for m in rows])


@bp.post(f"{P}/centers/<int:center_id>/governance")
@documented(json=GovernanceMemberIn, responses={201: CenterGovernanceMember})
@limits.writes
@token_required
def add_governance_member(center_id: int):
    """Seat a member on the decision body or the expert committee (the center's own users, or the bureau)."""
    return jsonify(
        dump(
            governance_service.add_governance_member(
                session=get_session(), user=api_user(), center_id=center_id, data=json_body()
            )
        )
    ), 201


@bp.get(f"{P}/centers/<int:center_id>/contributions")
@documented(responses={200: items_of(ContributionRow)})
def center_contributions(center_id: int):
    """Members' contributions by shares or membership fee; `amount` (元) is null except for the center's own users
    and the bureau."""
    rows = governance_service.contributions(session=get_session(), user=api_user(), center_id=center_id)
    return jsonify(items=[{**dump(r.contribution), "org_name": r.org_name, "amount": r.amount} for r in rows])


@bp.post(f"{P}/centers/<int:center_id>/contributions")
@documented(json=ContributionIn, responses={201: CenterContribution})
@limits.writes
@token_required
def record_contribution(center_id: int):
    """Record a member unit's shares or membership fee, in 元 (the center's own users, or the bureau)."""
    return jsonify(
        dump(
            governance_service.record_contribution(
                session=get_session(), user=api_user(), center_id=center_id, data=json_body()
            )
        )
    ), 201


class LegalEntityView(BaseModel):
    center_id: int
    center_name: str
    org_id: int
    name: str
    credit_code: str
    verified: bool


def _legal_entity(center: Center, org: Organization) -> dict:
    return {
        "center_id": center.id,
        "center_name": center.name,
        "org_id": org.id,
        "name": org.name,
        "credit_code": org.credit_code,
        "verified": org.verified,
    }


@bp.get(f"{P}/legal-entities/pending")
@documented(responses={200: items_of(LegalEntityView)})
@token_required
def legal_entities_pending():
    """Centers whose own organization still waits for the name and credit code on its business licence
    (bureau)."""
    rows = legal_entities.awaiting_licence(session=get_session(), user=api_user())
    return jsonify(items=[_legal_entity(c, o) for c, o in rows])


@bp.put(f"{P}/centers/<int:center_id>/legal-entity")
@documented(json=LegalEntityIn, responses={200: LegalEntityView})
@limits.writes
@token_required
def complete_legal_entity(center_id: int):
    """Complete a center's legal entity from its business licence, once (bureau): 409 when already complete or
    when the code belongs to another organization."""
    center, org = legal_entities.complete_legal_entity(
        session=get_session(), user=api_user(), center_id=center_id, data=json_body()
    )
    return jsonify(_legal_entity(center, org))


@bp.post(f"{P}/centers/<int:center_id>/trainings")
@documented(json=TrainingIn, responses={201: CenterTraining})
@limits.writes
@token_required
def add_training(center_id: int):
    """Record a training the center ran."""
    return jsonify(
        dump(
            records.add_training(
                session=get_session(), user=api_user(), center_id=center_id, data=json_body()
            )
        )
    ), 201


@bp.post(f"{P}/centers/<int:center_id>/cooperation")
@documented(json=CooperationIn, responses={201: CenterCooperation})
@limits.writes
@token_required
def add_cooperation(center_id: int):
    """Record an international cooperation project."""
    return jsonify(
        dump(
            records.add_cooperation(
                session=get_session(), user=api_user(), center_id=center_id, data=json_body()
            )
        )
    ), 201


@bp.post(f"{P}/centers/<int:center_id>/first-use-flags")
@documented(json=FlagIn, responses={201: FirstUseFlag})
@limits.writes
@token_required
def flag_first_use(center_id: int):
    """Flag one of the center's achievements as a first commercial application (首台套/首批次)."""
    return jsonify(
        dump(
            records.flag_first_use(
                session=get_session(), user=api_user(), center_id=center_id, data=json_body()
            )
        )
    ), 201


@bp.get(f"{P}/first-use-flags")
@documented(query=StatusQuery, responses={200: items_of(FlagRow)})
@token_required
def list_flags():
    """Flags for the bureau's review; `status=recommended` is the recommended list."""
    rows = records.flags(session=get_session(), user=api_user(), status=request.args.get("status") or None)
    return jsonify(
        items=[{**dump(f), "achievement_title": a.title, "center_name": c.name} for f, a, c in rows]
    )


@bp.post(f"{P}/first-use-flags/<int:flag_id>/review")
@documented(json=FlagReviewIn, responses={200: FirstUseFlag})
@limits.writes
@token_required
def review_flag(flag_id: int):
    """Recommend or decline a flag."""
    return jsonify(
        dump(records.review_flag(session=get_session(), user=api_user(), flag_id=flag_id, data=json_body()))
    )


@bp.get(f"{P}/first-use-flags/recommended.csv")
@documented(responses={200: None}, files={200: ("text/csv",)})
@token_required
def recommended_csv():
    """The recommended list as CSV."""
    return csv_response(records.recommended_csv(session=get_session(), user=api_user()))


def csv_response(text: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=first-commercialization-recommended.csv"},
    )


# --- evaluation -----------------------------------------------------------------------------------------------------


@bp.post(f"{P}/evaluation-rounds")
@documented(json=RoundIn, responses={201: EvaluationRound})
@limits.writes
@token_required
def open_round():
    """Open a year's evaluation round for every filed center."""
    return jsonify(
        dump(evaluations.open_round(session=get_session(), user=api_user(), data=json_body()))
    ), 201


@bp.get(f"{P}/evaluation-rounds/<int:round_id>")
@documented(responses={200: items_of(EvaluationRow)})
@token_required
def round_evaluations(round_id: int):
    """The evaluations of one round."""
    rows = evaluations.evaluations_of_round(session=get_session(), user=api_user(), round_id=round_id)
    return jsonify(items=[{**dump(e), "center_name": c.name} for e, c in rows])


def evaluation_json(evaluation_id: int):
    view = evaluations.evaluation_view(session=get_session(), user=api_user(), evaluation_id=evaluation_id)
    return jsonify(
        {
            **dump(view.evaluation),
            "year": view.round.year,
            "center_name": view.center.name,
            "indicators": view.indicators,
            "mean_score": view.mean,
            "panel": [{**dump(row), "expert_name": name} for row, name in view.panel],
        }
    )


@bp.get(f"{P}/evaluations/<int:evaluation_id>")
@documented(responses={200: EvaluationView})
@token_required
def get_evaluation(evaluation_id: int):
    """One annual evaluation: report, indicators, scores, grade."""
    return evaluation_json(evaluation_id)


EVALUATION_BODIES = {"report": ReportIn, "experts": PanelIn, "grade": GradeIn}
EVALUATION_STEPS = {
    "report": evaluations.submit_report,
    "experts": evaluations.assign_experts,
    "grade": evaluations.grade,
}


@bp.post(f"{P}/evaluations/<int:evaluation_id>/<any(report, experts, grade):step>")
@documented(json=EVALUATION_BODIES, responses={200: EvaluationView})
@limits.writes
@token_required
def evaluation_step(evaluation_id: int, step: str):
    """Submit the report (center), assign experts or grade (bureau)."""
    EVALUATION_STEPS[step](
        session=get_session(), user=api_user(), evaluation_id=evaluation_id, data=json_body()
    )
    return evaluation_json(evaluation_id)


@bp.get(f"{P}/centers/<int:center_id>/assessment")
@documented(query=AssessmentQuery, responses={200: AssessmentView})
@token_required
def assessment(center_id: int):
    """The three-year assessment ending with `end_year`."""
    end_year = int_arg("end_year", strict=True)
    if end_year is None:
        raise Invalid(_("Some fields are not valid."), {"end_year": _("This field is required.")})
    result = evaluations.assessment(
        session=get_session(), user=api_user(), center_id=center_id, end_year=end_year
    )
    return jsonify({**asdict(result), "complete": result.complete})


# --- indicators ---------------------------------------------------------------------------------------------


def _with_definitions(view):
    """The indicators' definitions (app/oversight/indicator_definitions.py) as the operation's description."""
    view.__doc__ = f"{view.__doc__}\n\n{indicator_definitions.api_description()}"
    return view


@bp.get("/indicators")
@documented(query=ScopeQuery, responses={200: IndicatorsView})
@token_required
@_with_definitions
def get_indicators():
    """The indicators of `year`, optionally of one `center_id` and one `industry`."""
    scope = indicators.parse_scope(request.args)
    return jsonify(indicators.indicators(session=get_session(), user=api_user(), scope=scope))


@bp.get("/indicators/<indicator>/records")
@documented(query=ScopeQuery, responses={200: IndicatorRecords})
@token_required
def indicator_records(indicator: str):
    """The contracts, incubations, achievements, trainings or projects behind one figure."""
    scope = indicators.parse_scope(request.args)
    rows = indicators.records(session=get_session(), user=api_user(), scope=scope, indicator=indicator)
    return jsonify(
        year=scope.year, center_id=scope.center_id, industry=scope.industry, indicator=indicator, items=rows
    )
