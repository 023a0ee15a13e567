"""Deal services: the append-only audit trail in the database, matcher feedback, the NDA text, email, the daily
digest and the file type checks, on SQLite and PostgreSQL."""

import io
import zipfile

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from app.deals import rules as deal_rules
from app.deals.services import contracts, interests
from app.market.services import indexes, saved_searches
from app.platform import files
from app.platform.errors import Forbidden
from models import Contract, Notification, Organization, RecommendationFeedback
from tests.conftest import BACKENDS
from tests.utils.audit import actions, trail
from tests.utils.deal_world import (
    SmtpSink,
    accepted_interest,
    draft_contract,
    mail_settled,
    sign_contract,
)
from tests.utils.factories import create_achievement, create_need, in_app
from tests.utils.web import concurrently

both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def sink():
    sink = SmtpSink()
    yield sink
    sink.close()


@both_databases
def test_the_database_refuses_to_edit_or_delete_the_audit_trail(app, session, world):
    contract = draft_contract(session, world, accepted_interest(session, world))
    engine = app.extensions["db_engine"]
    for statement in ("UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    rows = trail(session, "contract", contract.id)
    assert [(r.action, r.data) for r in rows] == [("created", {})]
    # No route offers to change it either.
    audit_methods = {
        m for rule in app.url_map.iter_rules() if rule.rule.endswith("/audit") for m in rule.methods
    }
    assert audit_methods <= {"GET", "HEAD", "OPTIONS"}


def _feedback(session):
    session.expire_all()
    return [
        (f.query_type, f.rec_kind, f.target_type, f.label.value)
        for f in session.exec(select(RecommendationFeedback).order_by(RecommendationFeedback.id)).all()
    ]


@both_databases
def test_decisions_and_signatures_become_matcher_feedback(session, world):
    own_need = create_need(session, world.other, title="数控机床主轴热变形补偿")
    with in_app(session):
        declined = interests.express_interest(
            session=session,
            user=world.other,
            target_type="achievement",
            target_id=world.achievement_id,
            message="想了解许可条件",
            via_type="need",
            via_id=own_need.id,
        )
        interests.decline_interest(
            session=session,
            user=world.center,
            interest_id=declined.id,
            reason="capability",
            note="该工艺不适用于主轴",
        )
    assert _feedback(session) == [("need", "license", "achievement", "dismissed")]
    interest = accepted_interest(session, world)  # via the center's achievement, answering "needs"
    contract = draft_contract(session, world, interest)
    with in_app(session):
        for user in (world.sme, world.center):
            sign_contract(session, user, contract.id)
    assert _feedback(session)[1:] == [
        ("achievement", "needs", "need", "interested"),
        ("achievement", "needs", "need", "contracted"),
    ]
    with in_app(session):
        shown = interests.interest_to_public(
            session=session,
            user=world.other,
            interest=interests.get_interest(session=session, user=world.other, interest_id=declined.id),
        )
    assert (shown["status"], shown["decline_reason"], shown["decline_note"]) == (
        "declined",
        "capability",
        "该工艺不适用于主轴",
    )


@both_databases
def test_the_nda_accepted_is_the_exact_text_version_the_owner_set(session, world):
    with in_app(session):
        own = interests.set_nda_text(
            session=session, user=world.sme, need_id=world.need_id, body="本需求专用保密条款：保密期五年。"
        )
        with pytest.raises(interests.NotFound):
            interests.set_nda_text(session=session, user=world.center, need_id=world.need_id, body="篡改")
        interest = accepted_interest(session, world)
        acceptance = interests.accept_nda(
            session=session, user=world.center, interest_id=interest.id, agreed=True, version=own.version
        )
    assert own.custom and own.version == f"need-{world.need_id}-v1"
    assert (acceptance.text_version, acceptance.text_sha256) == (own.version, own.sha256)
    assert acceptance.user_id == world.center.id and acceptance.accepted_at is not None


@both_databases
def test_email_goes_out_when_smtp_is_configured(app, session, world, sink):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
    accepted_interest(session, world)
    mails = sink.wait_for(2)
    assert {m["To"] for m in mails} == {world.sme.email, world.center.email}
    new = next(m for m in mails if m["To"] == world.sme.email)
    assert (
        "合作意向" in new["Subject"]
        and "New expression of interest" in new.get_body(("plain",)).get_content()
    )


@both_databases
def test_email_is_never_required(app, session, world, sink):
    accepted_interest(session, world)  # no MAIL_SERVER: in-app only
    mail_settled(app)
    assert sink.messages == []
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    with in_app(session):
        interest = interests.express_interest(
            session=session,
            user=world.other,
            target_type="achievement",
            target_id=world.achievement_id,
            message="许可",
        )
    session.expire_all()
    assert (
        interest.id
        and session.exec(
            select(Notification).where(
                Notification.subject_id == interest.id, Notification.kind == "interest_new"
            )
        ).all()
    )


@both_databases
def test_daily_digest_batches_alerts_once_per_user_per_day(app, runner, session, world, sink):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
    with in_app(session):
        saved_searches.create_saved_search(
            session=session, user=world.sme, data={"query": "焊接", "type": "achievement"}
        )
    create_need(
        session,
        world.other,
        title="铝合金焊缝气孔在线检测",
        description="寻求铝合金激光焊接焊缝气孔在线监测技术。",
    )
    fresh = create_achievement(
        session,
        world.center,
        title="铝合金激光焊接在线监测系统",
        description="激光焊接过程气孔在线监测，适用于铝合金焊缝。",
    )
    with in_app(session):
        indexes.rebuild(app)
    first = runner.invoke(args=["notify", "digest"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["notify", "digest"])
    assert second.output.startswith("0 digests")
    session.expire_all()
    digests = session.exec(select(Notification).where(Notification.kind == "digest")).all()
    by_user = {n.user_id: n for n in digests}
    assert len(digests) == len(by_user)  # one per user
    assert fresh.title in by_user[world.sme.id].text  # found by the saved search
    assert fresh.title in by_user[world.other.id].text  # a new match for the other firm's need
    mails = [m for m in sink.wait_for(2) if m["To"] == world.sme.email]
    assert len(mails) == 1 and fresh.title in mails[0].get_body(("plain",)).get_content()


@both_databases
def test_two_digest_runs_at_once_still_make_one_digest_per_user(app, session, world):
    with in_app(session):
        saved_searches.create_saved_search(session=session, user=world.sme, data={"query": "焊接"})
    create_achievement(session, world.center, title="铝合金激光焊接在线监测系统")
    with in_app(session):
        indexes.rebuild(app)

    def run():
        with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as own:
            return [d.user_id for d in saved_searches.build_digests(session=own)]

    first, second = concurrently(run, run)
    assert not set(first) & set(second) and world.sme.id in first + second
    session.expire_all()
    users = [n.user_id for n in session.exec(select(Notification).where(Notification.kind == "digest")).all()]
    assert sorted(users) == sorted(first + second)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        ("技术参数：焊速4m/min".encode(), "text/plain"),
        (b"MZ\x90\x00\x00", None),
        (b"\xff\xfe\x00\x01", None),
        (b"PK\x03\x04broken", None),
    ],
)
def test_file_types_are_decided_by_their_bytes(data, expected):
    assert files.sniff(data[:16], data) == expected


def test_office_documents_are_told_from_other_zips():
    docx = _docx()
    assert files.sniff(docx[:16], docx) == files.DOCX
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("data.csv", "a,b")
    assert files.sniff(plain.getvalue()[:16], plain.getvalue()) == "application/zip"


@both_databases
def test_demo_deals_are_plausible_and_loading_twice_changes_nothing(app, session):
    from app.ops import demo
    from models import AuditEvent, Contract, ContractKind, Incubation, Interest, Message, Milestone
    from models import ContractRegistration as Registration
    from models.common import utcnow

    tables = (Interest, Message, Contract, Milestone, AuditEvent, Incubation, Registration)
    with in_app(session):
        demo.load_demo(session=session, ttl_days=180)
        first = {t.__name__: len(session.exec(select(t)).all()) for t in tables}
        demo.load_demo(session=session, ttl_days=180)
    session.expire_all()
    assert {t.__name__: len(session.exec(select(t)).all()) for t in tables} == first
    contracts_ = session.exec(select(Contract)).all()
    assert {c.kind for c in contracts_} == set(ContractKind) and len(contracts_) >= 30
    assert all(0 < c.technology_amount <= c.amount for c in contracts_)
    assert (utcnow() - min(c.created_at for c in contracts_)).days > 600
    for contract in contracts_:
        events = trail(session, "contract", contract.id)
        assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
        assert events[-1].occurred_at <= utcnow()
        status_events = [
            e for e in events if e.action != "milestone" and not e.action.startswith("registration")
        ]
        assert status_events[-1].to_state == contract.status  # the trail explains the state it ends in
        milestones = session.exec(select(Milestone).where(Milestone.contract_id == contract.id)).all()
        assert sum(m.amount for m in milestones) <= contract.amount
        if contract.status == "completed":
            assert all(deal_rules.milestone_done(m.kind, m.status) for m in milestones)
            assert contract.completed_by_a_at and contract.completed_by_b_at  # both parties confirmed
    # 技术合同认定登记: contracts in every registration status, with the fields the office asks for.
    from app.deals import registration_rules
    from models import ContractRegistration

    registrations = session.exec(select(ContractRegistration)).all()
    assert {r.status for r in registrations} == set(registration_rules.STATUSES)
    by_id = {c.id: c for c in contracts_}
    for row in registrations:
        contract = by_id[row.contract_id]
        assert contract.kind != "incubation" and contract.status in registration_rules.REGISTRABLE_STATES
        assert all(getattr(row, name) is not None for name in registration_rules.REQUIRED_TO_SUBMIT)
        assert row.technology_amount <= row.deal_amount and row.term_start <= row.term_end
        if row.status == "registered":
            assert registration_rules.number_is_valid(row.number) and row.office.endswith(
                "技术市场管理办公室"
            )
            assert contract.registration_number == row.number
        assert (row.status == "refused") == bool(row.refusal_reason)
        actions = [
            e.action for e in trail(session, "contract", contract.id) if e.action.startswith("registration")
        ]
        assert (
            actions[-1]
            == {
                "not_submitted": "registration_saved",
                "submitted": "registration_submitted",
                "registered": "registration_registered",
                "refused": "registration_refused",
            }[row.status]
        )


@both_databases
def test_an_unverified_organization_cannot_sign_and_nothing_changes(session, world):
    contract = draft_contract(session, world, accepted_interest(session, world))
    org = session.get(Organization, world.center.org_id)
    org.verified_at = None  # as if the bureau had not verified it yet
    session.add(org)
    session.commit()
    with in_app(session), pytest.raises(Forbidden):
        contracts.transition_contract(
            session=session, user=world.center, contract_id=contract.id, to="signed"
        )
    session.expire_all()
    refused = session.get(Contract, contract.id)
    assert (refused.status, refused.signed_by_a_at, refused.signed_by_b_at) == ("draft", None, None)
    assert actions(session, "contract", contract.id) == ["created"]
