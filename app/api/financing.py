"""Financing records in the JSON API. Financing requests and finance products are listing kinds: app/api/market.py
serves /api/v1/financing-requests and /api/v1/finance-products like the other kinds. Here: the records that came
of their conversations, recorded by the finance organization and confirmed by the financed one."""

from flask import jsonify
from pydantic import BaseModel, Field

from app.api.blueprint import bp
from app.api.document import documented
from app.api.helpers import api_user, json_body, token_required
from app.db import get_session
from app.financing.services import records
from app.web import limits
from models import FinancingDecisionIn, FinancingRecordIn


class Party(BaseModel):
    id: int
    name: str


class FinancingRecordView(BaseModel):
    id: int
    interest_id: int
    request_id: int | None = Field(description="the financing request the conversation was about, if any")
    product_id: int | None = Field(description="the finance product the conversation was about, if any")
    finance_type: str = Field(description="tech_loan | ip_pledge_loan | equity | guarantee")
    amount: int = Field(description="yuan")
    financed_on: str = Field(description="YYYY-MM-DD")
    note: str
    status: str = Field(description="recorded (awaiting the financed organization) | confirmed | rejected")
    financed_org: Party
    finance_org: Party
    created_at: str
    decided_at: str | None


class FinancingRecordList(BaseModel):
    items: list[FinancingRecordView]


@bp.post("/financing-records")
@documented(json=FinancingRecordIn, responses={201: FinancingRecordView})
@limits.writes
@token_required
def create_financing_record():
    """Record a financing from an accepted interest in a financing request or finance product: the finance
    organization only. 422 naming the field; 409 when the conversation already has a record (one per interest)
    or the interest is not accepted yet."""
    session = get_session()
    record = records.create(session=session, user=api_user(), data=json_body())
    return jsonify(records.to_public(session, record)), 201


@bp.get("/financing-records")
@documented(responses={200: FinancingRecordList})
@token_required
def list_financing_records():
    """The records the caller's organization is a party to; every record for the bureau."""
    session = get_session()
    rows = records.list_for(session=session, user=api_user())
    return jsonify(items=[records.to_public(session, row) for row in rows])


@bp.get("/financing-records/<int:record_id>")
@documented(responses={200: FinancingRecordView})
@token_required
def get_financing_record(record_id: int):
    """One record, for its two parties and the bureau (404 for anyone else)."""
    session = get_session()
    return jsonify(
        records.to_public(session, records.get(session=session, user=api_user(), record_id=record_id))
    )


@bp.post("/financing-records/<int:record_id>/decision")
@documented(json=FinancingDecisionIn, responses={200: FinancingRecordView})
@limits.writes
@token_required
def decide_financing_record(record_id: int):
    """The financed organization confirms (`confirm`) or rejects (`reject`) the record, once; 409 after that.
    Only confirmed records count in the bureau's `financing` indicator."""
    session = get_session()
    record = records.decide(session=session, user=api_user(), record_id=record_id, data=json_body())
    return jsonify(records.to_public(session, record))
