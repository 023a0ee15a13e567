"""versioned_update: of two writers that read the same version, exactly one wins; guards hold; the loser can
be told with the caller's own error."""

import pytest
from sqlmodel import Session

from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict
from models import Contract
from tests.conftest import BACKENDS
from tests.utils.deal_world import accepted_interest, draft_contract, make_world
from tests.utils.web import concurrently

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@on_both_databases
def test_of_two_writers_at_the_same_version_exactly_one_wins(app, session):
    world = make_world(session)
    contract = draft_contract(session, world, accepted_interest(session, world))
    engine, read = app.extensions["db_engine"], contract.version

    def write(title: str) -> bool:
        with Session(engine) as own:
            won = versioned_update(own, Contract, contract.id, version=read, values={"title": title})
            own.commit()
            return won

    results = concurrently(lambda: write("甲方修改"), lambda: write("乙方修改"))
    assert sorted(results) == [False, True]
    session.expire_all()
    stored = session.get(Contract, contract.id)
    assert stored.version == read + 1
    assert stored.title == ("甲方修改" if results[0] else "乙方修改")


def test_a_guard_that_no_longer_holds_loses_and_raises_the_callers_conflict(app, session):
    world = make_world(session)
    contract = draft_contract(session, world, accepted_interest(session, world))
    assert not versioned_update(
        session, Contract, contract.id, where=[Contract.status == "signed"], values={"title": "不应写入"}
    )
    with pytest.raises(Conflict, match="已被他人修改"):
        versioned_update(
            session,
            Contract,
            contract.id,
            version=contract.version + 5,
            values={"title": "过期"},
            conflict=Conflict("已被他人修改"),
        )
    session.expire_all()
    assert session.get(Contract, contract.id).title == contract.title
