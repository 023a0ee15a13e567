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
        OrganizationBase.model_validate({"kind": "enterprise", "name": "测试单位", "credit_code": "91350100M000100Y44"})


@pytest.mark.parametrize("bad", [{"trl": 0}, {"trl": 10}, {"budget_min": 10, "budget_max": 5}, {"title": "x"},
                                 {"cooperation_modes": ["gift"]}])
def test_need_rules(bad):
    with pytest.raises(ValidationError):
        NeedCreate.model_validate({"title": "有效的标题", "description": "说明", **bad})
