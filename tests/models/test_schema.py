"""The domain model: migrations match the models, and the rules that live in them hold."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlmodel import SQLModel

from models import NeedCreate, OrganizationBase, check_character, is_valid_credit_code
from tests.conftest import BACKENDS


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_migrations_create_exactly_the_models(app):
    engine = app.extensions["db_engine"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_create_the_lists_expression_indexes_the_comparison_cannot_see(app):
    """Autogenerate skips indexes on expressions (the lists' sort keys), so their names are checked here."""
    from sqlalchemy import text

    from models import Achievement, Need, Service

    declared = {index.name for table in (Need, Achievement, Service) for index in table.__table__.indexes}
    engine = app.extensions["db_engine"]
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    with engine.connect() as conn:
        present = set(conn.execute(text(query)).scalars())
    assert {"ix_need_live_price", "ix_achievement_live_trl", "ix_service_live_price"} <= declared
    assert declared <= present


def test_credit_code_check_character():
    # A published example code (GB 32100-2015 annex).
    assert is_valid_credit_code("91350100M000100Y43")
    assert not is_valid_credit_code("91350100M000100Y44")
    assert not is_valid_credit_code("91350100M000100Y4")
    assert not is_valid_credit_code("91350100M000100I43")  # I is not in the alphabet
    assert check_character("91220101MA0000000") in "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_organization_normalises_and_checks_credit_code():
    org = OrganizationBase(kind="enterprise", name="测试单位", credit_code=" 91350100m000100y43 ")
    assert org.credit_code == "91350100M000100Y43"
    with pytest.raises(ValidationError):
        OrganizationBase.model_validate(
            {"kind": "enterprise", "name": "测试单位", "credit_code": "91350100M000100Y44"}
        )


@pytest.mark.parametrize(
    "bad",
    [
        {"trl": 0},
        {"trl": 10},
        {"budget_min": 10, "budget_max": 5},
        {"title": "x"},
        {"cooperation_modes": ["gift"]},
    ],
)
def test_need_rules(bad):
    with pytest.raises(ValidationError):
        NeedCreate.model_validate({"title": "有效的标题", "description": "说明", **bad})


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_listing_invariants_migration_repairs_old_rows_and_can_be_reversed(app):
    """Rows the old schema let through (the budget race) are repaired, not refused, and nothing else is lost."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from app.migrate import alembic_config, downgrade, upgrade

    engine = app.extensions["db_engine"]
    before = ScriptDirectory.from_config(alembic_config(engine)).get_revision("0002").down_revision
    downgrade(engine, before)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organization (id, kind, name, industries, credit_code, created_at) "
                    "VALUES (1, 'enterprise', '测试单位', '[]', '91350100M000100Y43', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO need (id, title, description, cooperation_modes, details, confidential, org_id, status, "
                    "created_at, updated_at, budget_min, budget_max, trl) VALUES (1, '旧的需求', '说明', '[]', '', :no, 1, "
                    "'published', '2026-01-01', '2026-01-01', 900, 100, 12)"
                ),
                {"no": False},
            )
            conn.execute(
                text("INSERT INTO need_access (need_id, org_id, granted_at) VALUES (1, 1, '2026-01-01')")
            )
        upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT budget_min, budget_max, trl FROM need")).one() == (
                100,
                900,
                None,
            )
            assert conn.execute(text("SELECT need_id, org_id FROM need_access")).one() == (1, 1)
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE need SET budget_min = 5000 WHERE id = 1"))
    finally:
        upgrade(engine)
