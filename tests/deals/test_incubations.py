"""Incubations end once, and their end is news to the center's member units and to the incubated firm when it is
registered here: told in the same transaction as the ending, on SQLite and PostgreSQL."""

import pytest
from flask_babel import force_locale
from sqlmodel import select

from app.deals.services import incubations
from app.platform.errors import Conflict, Invalid
from app.platform.notifications import list_notifications, notification_text
from models import Center, CenterMember, Notification, Organization
from tests.conftest import BACKENDS
from tests.utils.factories import create_user, in_app

both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def incubate(session, world, **fields):
    with in_app(session):
        return incubations.create_incubation(
            session=session,
            user=world.center,
            data={
                "center_id": world.center_id,
                "name": "长春轻量化材料科技有限公司",
                "started_on": "2026-03-01",
                **fields,
            },
        )


def world_center_name(session, world) -> str:
    return session.get(Center, world.center_id).name


def notices(session, user):
    session.expire_all()
    return [(n.kind, n.subject_type, n.text) for n in list_notifications(session=session, user=user)]


@both_databases
def test_graduation_notifies_the_member_units_and_the_registered_firm(session, world):
    member = create_user(session, "university")
    firm = create_user(session, "enterprise")
    session.add(CenterMember(center_id=world.center_id, org_id=member.org_id))
    session.commit()
    code = session.get(Organization, firm.org_id).credit_code
    incubation = incubate(session, world, credit_code=code.lower())
    with in_app(session):
        ended = incubations.transition_incubation(
            session=session, user=world.center, incubation_id=incubation.id, to="graduated"
        )
    assert ended.status == "graduated" and ended.ended_on is not None
    expected = [("incubation_graduated", "incubation", "长春轻量化材料科技有限公司")]
    assert notices(session, member) == expected
    # The firm was also asked to confirm the record when the center made it.
    assert notices(session, firm) == [
        *expected,
        (
            "incubation_to_confirm",
            "incubation",
            f"{world_center_name(session, world)}: 长春轻量化材料科技有限公司",
        ),
    ]
    # The center did it itself, and organizations with nothing to do with it hear nothing.
    assert notices(session, world.center) == []
    assert notices(session, world.other) == []
    with in_app(session), force_locale("zh_Hans_CN"):
        row = list_notifications(session=session, user=firm)[0]
        assert notification_text(row) == "孵化企业已毕业：长春轻量化材料科技有限公司"


@both_databases
def test_an_exit_notifies_once_and_a_second_ending_is_refused_without_a_notice(session, world):
    member = create_user(session, "enterprise")
    session.add(CenterMember(center_id=world.center_id, org_id=member.org_id))
    session.commit()
    incubation = incubate(session, world)  # no credit code: the firm is not known to be registered
    with in_app(session):
        incubations.transition_incubation(
            session=session, user=world.center, incubation_id=incubation.id, to="exited"
        )
        with pytest.raises(Conflict, match=r"already ended \(exited\)"), force_locale("en"):
            incubations.transition_incubation(
                session=session, user=world.center, incubation_id=incubation.id, to="graduated"
            )
        with pytest.raises(Invalid):
            incubations.transition_incubation(
                session=session, user=world.center, incubation_id=incubation.id, to="incubating"
            )
    assert notices(session, member) == [("incubation_exited", "incubation", "长春轻量化材料科技有限公司")]
    assert len(session.exec(select(Notification)).all()) == 1
