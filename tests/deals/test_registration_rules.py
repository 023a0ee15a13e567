"""The rules of 技术合同认定登记 as pure functions (taxonomies, the number's format, the status flow, a form's
problems), and the database's own checks and migration 0015, on SQLite and PostgreSQL."""

import itertools
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.deals import registration_labels as labels
from app.deals import registration_rules as rules
from models import ContractKind, ContractRegistration
from tests.conftest import BACKENDS
from tests.utils.deal_world import accepted_interest, draft_contract, make_world


@pytest.mark.parametrize(
    "number, valid",
    [
        ("2026220100000123", True),
        ("2026 2201 0000 0123", True),  # spaces and hyphens people type are removed
        ("2026-220100-0123", True),
        ("20262201000001234567", False),  # a serial of 10 digits
        ("202622010001", False),  # a serial of 2 digits
        ("1999220100000123", False),  # not a year of this century
        ("2201012026000123", False),  # code first, then the year
        ("abc 123!", False),
        ("", False),
    ],
)
def test_the_number_is_year_code_and_serial(number, valid):
    assert rules.number_is_valid(number) is valid


def test_every_code_has_a_label_and_every_technology_kind_its_sub_kinds():
    assert set(rules.CATEGORY) == set(ContractKind) - {ContractKind.incubation}
    for kind in rules.CATEGORY:
        default = rules.default_sub_kind(kind, None)
        assert default is None or default in rules.sub_kinds_for(kind)
    all_sub_kinds = [code for codes in rules.SUB_KINDS.values() for code in codes]
    assert set(all_sub_kinds) == set(labels.SUB_KINDS) and len(all_sub_kinds) == len(set(all_sub_kinds))
    assert set(rules.FIELDS) == set(labels.FIELDS) and len(rules.FIELDS) == 12
    assert set(rules.OBJECTIVES) == set(labels.OBJECTIVES)
    assert set(rules.PAYMENT_METHODS) == set(labels.PAYMENT_METHODS)
    assert set(rules.PARTY_TYPES) == set(labels.PARTY_TYPES)
    assert set(rules.STATUSES) == set(labels.STATUSES) == set(rules.TRANSITIONS)
    assert set(rules.ACTIONS.values()) | {rules.SAVED} == set(labels.EVENT_ACTIONS)
    assert rules.default_sub_kind("transfer", "patent") == "transfer_patent"
    assert rules.default_sub_kind("license", "software_copyright") == "license_software"
    assert rules.default_sub_kind("technical_service", None) == "service_general"


@pytest.mark.parametrize(
    "current, target, actor",
    list(itertools.product(rules.STATUSES, rules.STATUSES, ("a", "b", "bureau", None))),
)
def test_the_status_flow_is_the_table(current, target, actor):
    allowed = target in rules.TRANSITIONS[current] and actor in rules.ACTORS[target]
    if allowed:
        rules.check_step(current, target, actor)
    else:
        with pytest.raises(rules.RegistrationError):
            rules.check_step(current, target, actor)
    if (current, target) == ("submitted", "registered"):
        assert allowed == (actor is not None)  # a party who received the decision, or the bureau
    if (current, target) == ("not_submitted", "submitted"):
        assert allowed == (actor in ("a", "b"))


def test_incubation_agreements_and_unsigned_contracts_are_not_registered():
    with pytest.raises(rules.NotATechnologyContract):
        rules.check_registrable("incubation", "signed")
    for status in ("draft", "terminated"):
        with pytest.raises(rules.NotRegistrable):
            rules.check_registrable("transfer", status)
    for status in ("signed", "in_progress", "completed"):
        rules.check_registrable("transfer", status)


def test_a_forms_problems_one_per_field():
    form = rules.Form(
        sub_kind="dev_commissioned",
        field="aerospace",
        deal_amount=100,
        technology_amount=120,
        term_start=date(2027, 1, 1),
        term_end=date(2026, 1, 1),
        payment_method="barter",
    )
    assert rules.field_problems(form, contract_kind="transfer", submitting=False) == {
        "sub_kind": "unknown",  # a development sub-kind on a transfer
        "technology_amount": "exceeds_deal",
        "term_end": "before_start",
        "payment_method": "unknown",
    }
    missing = rules.field_problems(rules.Form(), contract_kind="transfer", submitting=True)
    assert set(missing) == set(rules.REQUIRED_TO_SUBMIT) and "objective" not in missing
    assert rules.decision_problems("registered", number="abc 123!", office=" ", reason=None) == {
        "number": "format",
        "office": "required",
    }
    assert rules.decision_problems("refused", number=None, office=None, reason="") == {
        "refusal_reason": "required"
    }


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_the_database_keeps_the_rules_and_0015_registers_old_numbers(app, session):
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config, downgrade, upgrade

    world = make_world(session)
    interest = accepted_interest(session, world)
    old, fresh = draft_contract(session, world, interest), draft_contract(session, world, interest)
    engine = app.extensions["db_engine"]
    before = ScriptDirectory.from_config(alembic_config(engine)).get_revision("0015").down_revision
    session.close()
    downgrade(engine, before)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE contract SET registration_number = '2201012026000123', status = 'signed',"
                    " signed_on = '2027-01-10' WHERE id = :id"
                ),
                {"id": old.id},
            )
        upgrade(engine)
        with engine.begin() as conn:
            row = conn.execute(
                text(
                    "SELECT status, number, deal_amount, technology_amount, term_start FROM contract_registration "
                    "WHERE contract_id = :id"
                ),
                {"id": old.id},
            ).one()
        assert tuple(row[:4]) == ("registered", "2201012026000123", 1_200_000, 1_000_000)
        assert str(row[4]) == "2027-01-10"
        for bad in (
            {"technology_amount": 5, "deal_amount": 4},
            {"term_start": date(2027, 2, 1), "term_end": date(2027, 1, 1)},
            {"status": "lost"},
            {"status": "registered"},  # without a number
        ):
            with pytest.raises(IntegrityError):
                session.add(ContractRegistration(contract_id=fresh.id, **bad))
                session.flush()
            session.rollback()
        session.add(ContractRegistration(contract_id=fresh.id, deal_amount=4, technology_amount=4))
        session.commit()  # the same row within the rules is stored
    finally:
        upgrade(engine)
