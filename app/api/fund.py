"""The development fund (创新中心发展基金) as JSON: fund calls (public reading, the bureau opens them), a filed
center's applications, the bureau's expert panel, decision and disbursements. Amounts are yuan."""

from datetime import date, datetime

from flask import jsonify
from pydantic import BaseModel

from app.api.blueprint import bp
from app.api.document import documented
from app.api.helpers import api_user, dump_as, json_body, token_required
from app.db import get_session
from app.oversight.services import fund
from app.web import limits
from models import DisbursementIn, FundApplicationIn, FundCallIn, FundDecisionIn, PanelIn

ID = "<int(max=2147483647):{}>"


class FundCallView(BaseModel):
    id: int
    title: str
    description: str
    budget: int
    opens_on: date
    closes_on: date
    criteria: dict[str, int]
    created_at: datetime


class BudgetLine(BaseModel):
    item: str
    amount: int


class DisbursementView(BaseModel):
    id: int
    application_id: int
    paid_on: date
    amount: int
    note: str
    created_at: datetime


class PanelMember(BaseModel):
    assignment_id: int
    expert_id: int
    name: str
    conflict: bool | None
    weighted_score: float | None


class FundApplicationView(BaseModel):
    id: int
    call_id: int
    center_id: int
    plan: str
    budget_lines: list[BudgetLine]
    requested: int
    status: str
    granted_amount: int | None
    disbursed: int
    review_mean: float | None
    decision_reason: str
    decided_at: datetime | None
    created_at: datetime


class FundApplicationDetail(FundApplicationView):
    panel: list[PanelMember]
    panel_mean: float | None
    disbursements: list[DisbursementView]


class FundCallDetail(FundCallView):
    open: bool
    applications: list[FundApplicationView]


class FundCallList(BaseModel):
    items: list[FundCallView]


def _call(call) -> dict:
    return dump_as(FundCallView, call)


def _application(view: fund.ApplicationView) -> dict:
    return {
        **dump_as(FundApplicationView, view.application),
        "panel": [
            {
                "assignment_id": row.id,
                "expert_id": row.expert_id,
                "name": name,
                "conflict": row.conflict,
                "weighted_score": row.weighted_score,
            }
            for row, name in view.panel
        ],
        "panel_mean": view.mean,
        "disbursements": [dump_as(DisbursementView, row) for row in view.disbursements],
    }


def _detail(application_id: int) -> dict:
    return _application(
        fund.application_view(session=get_session(), user=api_user(), application_id=application_id)
    )


@bp.get("/fund-calls")
@documented(responses={200: FundCallList})
def list_fund_calls():
    """Every development fund call, newest first."""
    return jsonify(items=[_call(call) for call in fund.list_calls(session=get_session())])


@bp.post("/fund-calls")
@documented(json=FundCallIn, responses={201: FundCallView})
@limits.writes
@token_required
def open_fund_call():
    """The bureau opens a call (budget in yuan; criteria name → weight adding up to 100, or empty for the
    default criteria); every filed center is notified."""
    call = fund.open_call(session=get_session(), user=api_user(), data=json_body())
    return jsonify(_call(call)), 201


@bp.get("/fund-calls/" + ID.format("call_id"))
@documented(responses={200: FundCallDetail}, bearer="optional")
def get_fund_call(call_id: int):
    """One call, with the applications the caller may see (the bureau: all; a center's users: their own)."""
    session, user = get_session(), api_user()
    call = fund.get_call(session=session, call_id=call_id)
    rows = fund.applications_of_call(session=session, user=user, call_id=call_id)
    return jsonify(
        {
            **_call(call),
            "open": fund.is_open(call),
            "applications": [dump_as(FundApplicationView, r) for r in rows],
        }
    )


@bp.post("/fund-calls/" + ID.format("call_id") + "/applications")
@documented(json=FundApplicationIn, responses={201: FundApplicationDetail})
@limits.writes
@token_required
def apply_to_fund(call_id: int):
    """A filed center's own users apply, once per center and call, while the call is open (409 otherwise)."""
    row = fund.apply(session=get_session(), user=api_user(), call_id=call_id, data=json_body())
    assert row.id is not None
    return jsonify(_detail(row.id)), 201


@bp.get("/fund-applications/" + ID.format("application_id"))
@documented(responses={200: FundApplicationDetail})
@token_required
def get_fund_application(application_id: int):
    """One application for the bureau, the center's users and its assigned experts (404 to anyone else)."""
    return jsonify(_detail(application_id))


@bp.post("/fund-applications/" + ID.format("application_id") + "/panel")
@documented(json=PanelIn, responses={200: FundApplicationDetail})
@limits.writes
@token_required
def assign_fund_panel(application_id: int):
    """The bureau puts experts on the application's panel; experts of the center's own organizations are refused.
    The experts then declare conflicts and score through /api/v1/bureau/assignments."""
    fund.assign_panel(session=get_session(), user=api_user(), application_id=application_id, data=json_body())
    return jsonify(_detail(application_id))


@bp.post("/fund-applications/" + ID.format("application_id") + "/decision")
@documented(json=FundDecisionIn, responses={200: FundApplicationDetail})
@limits.writes
@token_required
def decide_fund_application(application_id: int):
    """The bureau grants (`amount` in yuan, at most the request) or declines (`reason` required); once."""
    fund.decide(session=get_session(), user=api_user(), application_id=application_id, data=json_body())
    return jsonify(_detail(application_id))


@bp.post("/fund-applications/" + ID.format("application_id") + "/disbursements")
@documented(json=DisbursementIn, responses={201: DisbursementView})
@limits.writes
@token_required
def disburse_fund(application_id: int):
    """The bureau records a payment; 409 when the payments would exceed the grant."""
    row = fund.disburse(
        session=get_session(), user=api_user(), application_id=application_id, data=json_body()
    )
    return jsonify(dump_as(DisbursementView, row)), 201
