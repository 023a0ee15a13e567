"""Migration 0018 on rows the old schema wrote: a deliverable's old accepted → paid step folds back into accepted
(payments are milestones of their own now), and a contract already completed counts as confirmed by both."""

import pytest
from sqlalchemy import text

from app.migrate import downgrade, upgrade
from tests.conftest import BACKENDS
from tests.utils.deal_world import accepted_interest, draft_contract, make_world


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_old_paid_deliverables_become_accepted_and_completed_contracts_confirmed(app, session):
    world = make_world(session)
    contract = draft_contract(session, world, accepted_interest(session, world))
    contract_id = contract.id
    session.close()
    engine = app.extensions["db_engine"]
    downgrade(engine, "0017")
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE milestone SET status = 'paid' WHERE contract_id = :c AND position = 1"),
                {"c": contract_id},
            )
            conn.execute(text("UPDATE contract SET status = 'completed' WHERE id = :c"), {"c": contract_id})
        upgrade(engine)
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT kind, status FROM milestone WHERE contract_id = :c ORDER BY position"),
                {"c": contract_id},
            ).all()
            assert [tuple(r) for r in rows] == [("deliverable", "accepted"), ("deliverable", "pending")]
            confirmed = conn.execute(
                text("SELECT completed_by_a_at IS NOT NULL, completed_by_b_at IS NOT NULL FROM contract")
            ).one()
            assert tuple(confirmed) == (True, True)
    finally:
        upgrade(engine)
