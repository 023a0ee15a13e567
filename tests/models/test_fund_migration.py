"""Migration 0030 (the development fund) goes down and up again on both databases: its tables and the trigger that
keeps payments within the grant come back, and the older expert assignments stay."""

import pytest
from sqlalchemy import inspect, text

from app.migrate import downgrade, upgrade
from tests.conftest import BACKENDS

FUND_TABLES = {"fund_call", "fund_application", "fund_disbursement"}


def _trigger_exists(conn) -> bool:
    if conn.dialect.name == "postgresql":
        query = "SELECT count(*) FROM pg_trigger WHERE tgname = 'fund_disbursement_within_grant'"
    else:
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'fund_disbursement_within_grant'"
    return conn.execute(text(query)).scalar() == 1


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_the_fund_migration_goes_down_and_up(app):
    engine = app.extensions["db_engine"]
    downgrade(engine, "0029")
    assert not FUND_TABLES & set(inspect(engine).get_table_names())
    assert "expert_assignment" in inspect(engine).get_table_names()
    upgrade(engine)
    assert FUND_TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert _trigger_exists(conn)
