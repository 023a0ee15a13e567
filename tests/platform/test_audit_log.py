"""The audit log, on SQLite and PostgreSQL: the database refuses to rewrite it, migration 0010 carries the old
contract and center trails into it (and back), and every kind of change leaves exactly one row saying who did
what — including the change that wins a race, and only that one."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel.sql.sqltypes import UTCDateTime

from app.accounts.services import organizations
from app.db import make_engine
from app.deals.services import contracts, incubations, interests
from app.market.services import listings
from app.migrate import downgrade, upgrade
from app.platform import audit
from models import Need, Role
from models.common import utcnow
from tests.accounts.test_organizations import claim_data
from tests.conftest import BACKENDS
from tests.utils.audit import trail
from tests.utils.bureau import apply, create_account, create_call
from tests.utils.deal_world import accepted_interest, draft_contract, make_world, sign_contract
from tests.utils.factories import PASSWORD, create_need, create_user, in_app
from tests.utils.web import bearer, concurrently

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


# center_log as migration 0009 left it, to add a row of a center (no application) the way the app wrote them.
CENTER_LOG = sa.table(
    "center_log",
    sa.column("center_id", sa.Integer()),
    sa.column("event_type", sa.String()),
    sa.column("data", sa.JSON()),
    sa.column("occurred_at", UTCDateTime()),
)


def rows(session, subject: str, subject_id: int) -> list[tuple]:
    """(action, from, to, actor) of each row, as a history page lists them."""
    return [(r.action, r.from_state, r.to_state, r.actor_id) for r in trail(session, subject, subject_id)]


def test_the_database_refuses_to_update_or_delete_an_audit_row(app, session, enterprise):
    need = create_need(session, enterprise)
    engine = app.extensions["db_engine"]
    for statement in (
        "UPDATE audit_event SET action = 'forged', actor_id = NULL",
        "DELETE FROM audit_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert rows(session, "need", need.id) == [("publish", None, "published", enterprise.id)]


def test_migration_0010_carries_the_old_trails_over_and_back(app, session, database_url):
    world = make_world(session)
    contract = draft_contract(session, world, accepted_interest(session, world))
    application = apply(session, create_call(session, create_account(session, Role.bureau)))
    session.close()
    app.extensions["db_engine"].dispose()
    engine = make_engine(database_url)
    try:
        downgrade(engine, "0009")
        with engine.connect() as conn:
            contract_rows = conn.execute(
                text("SELECT contract_id, action, to_status, user_id FROM contract_event")
            ).all()
            center_rows = conn.execute(
                text("SELECT center_id, application_id, event_type FROM center_log")
            ).all()
        assert contract_rows == [(contract.id, "created", "draft", world.sme.id)]
        assert center_rows == [(application.center_id, application.id, "applied")]
        # At 0009 the old contract trail is append-only again.
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM contract_event"))
        with engine.begin() as conn:
            conn.execute(
                CENTER_LOG.insert(),
                {
                    "center_id": application.center_id,
                    "event_type": "promotion_recommended",
                    "data": {"to_level": "province"},
                    "occurred_at": utcnow(),
                },
            )
        upgrade(engine)
        with engine.connect() as conn:
            moved = conn.execute(
                text("SELECT subject_type, subject_id, action, to_state FROM audit_event ORDER BY id")
            ).all()
            old_tables = [
                name for name in ("contract_event", "center_log") if engine.dialect.has_table(conn, name)
            ]
        assert ("contract", contract.id, "created", "draft") in moved
        assert ("application", application.id, "applied", None) in moved
        assert ("center", application.center_id, "promotion_recommended", None) in moved
        assert old_tables == []
    finally:
        upgrade(engine)
        engine.dispose()


def test_a_listing_history_shows_each_status_change_with_who_and_why(session, enterprise):
    need = create_need(session, enterprise, publish=False)
    with in_app(session):
        for action, extra in (
            ("publish", {}),
            ("reconfirm", {}),
            ("close", {"reason": "solved_elsewhere"}),
            ("reopen", {}),
            ("publish", {}),
        ):
            listings.set_status(
                session=session, kind="need", listing_id=need.id, user=enterprise, action=action, **extra
            )
        row = session.get(Need, need.id)
        row.expires_at = utcnow() - timedelta(days=1)
        session.add(row)
        session.commit()
        assert listings.expire_listings(session=session) >= 1
        listings.delete_listing(session=session, kind="need", listing_id=need.id, user=enterprise)
    me = enterprise.id
    assert rows(session, "need", need.id) == [
        ("create", None, "draft", me),
        ("publish", "draft", "published", me),
        ("reconfirm", "published", "published", me),
        ("close", "published", "closed", me),
        ("reopen", "closed", "draft", me),
        ("publish", "draft", "published", me),
        ("expire", "published", "expired", None),
        ("delete", "expired", None, me),
    ]
    closed = trail(session, "need", need.id)[3]
    assert closed.data == {"reason": "solved_elsewhere"} and closed.actor_org_id == enterprise.org_id


def test_the_expire_command_leaves_a_system_row(runner, session, enterprise):
    need = create_need(session, enterprise)
    row = session.get(Need, need.id)
    row.expires_at = utcnow() - timedelta(minutes=1)
    session.add(row)
    session.commit()
    assert runner.invoke(args=["listings", "expire"]).exit_code == 0
    assert rows(session, "need", need.id)[-1] == ("expire", "published", "expired", None)


def test_an_interest_history_shows_expression_decision_and_nda(session):
    world = make_world(session)
    accepted = accepted_interest(session, world)
    with in_app(session):
        interests.accept_nda(
            session=session,
            user=world.center,
            interest_id=accepted.id,
            agreed=True,
            version=interests.PLATFORM_NDA_VERSION,
        )
        declined = interests.express_interest(
            session=session,
            user=world.other,
            target_type="need",
            target_id=world.need_id,
            message="希望合作。",
        )
        interests.decline_interest(
            session=session, user=world.sme, interest_id=declined.id, reason="capability", note="能力不匹配"
        )
        withdrawn = interests.express_interest(
            session=session,
            user=world.sme,
            target_type="achievement",
            target_id=world.achievement_id,
            message="想了解授权条件。",
        )
        interests.withdraw_interest(session=session, user=world.sme, interest_id=withdrawn.id)
    assert rows(session, "interest", accepted.id) == [
        ("expressed", None, "pending", world.center.id),
        ("accepted", "pending", "accepted", world.sme.id),
        ("nda_accepted", None, None, world.center.id),
    ]
    assert rows(session, "interest", declined.id)[-1] == ("declined", "pending", "declined", world.sme.id)
    assert trail(session, "interest", declined.id)[-1].data == {"reason": "capability", "note": "能力不匹配"}
    assert rows(session, "interest", withdrawn.id)[-1] == ("withdrawn", "pending", "withdrawn", world.sme.id)


def test_a_contract_history_is_read_from_the_audit_log(session):
    world = make_world(session)
    contract = draft_contract(session, world, accepted_interest(session, world))
    with in_app(session):
        sign_contract(session, world.sme, contract.id)
        history = contracts.contract_audit(session=session, user=world.bureau, contract_id=contract.id)
        public = [contracts.event_to_public(session=session, event=e) for e in history]
    assert [(e["action"], e["from"], e["to"]) for e in public] == [
        ("created", None, "draft"),
        ("signed_by_a", "draft", "draft"),
    ]


def test_an_incubation_history_shows_its_recording_and_its_end(session):
    world = make_world(session)
    with in_app(session):
        incubation = incubations.create_incubation(
            session=session,
            user=world.center,
            data={"center_id": world.center_id, "name": "长春轻量化科技有限公司", "started_on": "2026-03-01"},
        )
        incubations.transition_incubation(
            session=session, user=world.center, incubation_id=incubation.id, to="graduated"
        )
    assert rows(session, "incubation", incubation.id) == [
        ("recorded", None, "incubating", world.center.id),
        ("graduated", "incubating", "graduated", world.center.id),
    ]


def test_verifications_and_claims_are_in_the_log_not_only_in_a_log_file(session, enterprise):
    bureau = create_account(session, Role.bureau)
    with in_app(session):
        organizations.verify(session=session, user=bureau, org_id=enterprise.org_id)
        organizations.verify(session=session, user=bureau, org_id=enterprise.org_id)  # changes nothing
        claim = organizations.file_claim(session=session, data=claim_data(session, enterprise))
        organizations.resolve_claim(session=session, user=bureau, claim_id=claim.id, decision="transfer")
    assert rows(session, "organization", enterprise.org_id) == [
        ("verified", None, "verified", bureau.id),
        ("transferred", None, None, bureau.id),
    ]
    assert rows(session, "claim", claim.id) == [
        ("filed", None, "pending", None),
        ("transfer", "pending", "transferred", bureau.id),
    ]


def test_history_of_a_center_includes_its_applications(session):
    application = apply(session, create_call(session, create_account(session, Role.bureau)))
    assert [r.action for r in audit.history(session, "center", application.center_id)] == []
    assert [
        r.action
        for r in audit.history(
            session, "center", application.center_id, parts={"application": [application.id]}
        )
    ] == ["applied"]


def test_two_decisions_at_once_leave_one_row_for_the_one_that_won(app, session):
    world = make_world(session)
    with in_app(session):
        interest = interests.express_interest(
            session=session,
            user=world.center,
            target_type="need",
            target_id=world.need_id,
            message="希望合作。",
        )
    headers = bearer(app.test_client(), world.sme.email, PASSWORD)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        lambda: clients[0].post(f"/api/v1/interests/{interest.id}/accept", headers=headers),
        lambda: clients[1].post(
            f"/api/v1/interests/{interest.id}/decline", headers=headers, json={"reason": "timing"}
        ),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = "accepted" if responses[0].status_code == 200 else "declined"
    assert rows(session, "interest", interest.id) == [
        ("expressed", None, "pending", world.center.id),
        (winner, "pending", winner, world.sme.id),
    ]


def test_two_deletes_of_one_listing_leave_one_delete_row(app, session):
    owner = create_user(session, "enterprise")
    need = create_need(session, owner)
    headers = bearer(app.test_client(), owner.email, PASSWORD)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(lambda c=c: c.delete(f"/api/v1/needs/{need.id}", headers=headers) for c in clients)
    )
    assert sorted(r.status_code for r in responses) == [204, 404]
    assert [r[0] for r in rows(session, "need", need.id)] == ["publish", "delete"]
