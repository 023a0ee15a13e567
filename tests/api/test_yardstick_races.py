"""The bureau's yardstick settings hit by two requests at once, on SQLite and PostgreSQL: a center's targets,
the plan's target ranges and an evaluation's weights. Each race ends in one whole answer (never a mix of the two,
never a duplicate row), the loser gets a clear 409 or sees its write replaced whole, and nobody gets a 500."""

from datetime import date

import pytest
from sqlmodel import select

from models import CenterTarget, PlanTarget, Role
from tests.api.test_bureau_api import headers, race
from tests.conftest import BACKENDS
from tests.utils.bureau import apply, carry, create_account, create_call

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
API = "/api/v1"


@pytest.fixture
def bureau(session):
    return create_account(session, Role.bureau, "市工信局")


@pytest.fixture
def center_id(session, bureau):
    return carry(session, bureau, apply(session, create_call(session, bureau)), "filed").center_id


def test_two_target_settings_at_once_leave_one_whole_set(app, client, session, bureau, center_id):
    auth = headers(client, bureau)
    year = date.today().year
    path = f"{API}/centers/{center_id}/targets"
    first = {"year": year, "targets": [{"indicator": "trainings", "target_count": 2}]}
    second = {
        "year": year,
        "targets": [
            {"indicator": "trainings", "target_count": 5},
            {"indicator": "technology_market_turnover", "target_count": 3, "target_amount": 5_000_000},
        ],
    }
    statuses = race(app, ("PUT", path, first, auth), ("PUT", path, second, auth))
    assert statuses in ([200, 200], [200, 409])
    session.expire_all()
    rows = session.exec(
        select(CenterTarget).where(CenterTarget.center_id == center_id, CenterTarget.year == year)
    ).all()
    stored = sorted((r.indicator, r.target_count) for r in rows)
    assert stored in (
        [("trainings", 2)],
        [("technology_market_turnover", 3), ("trainings", 5)],
    ), stored
    shown = client.get(f"{path}?year={year}", headers=auth).json["items"]
    assert sorted((r["indicator"], r["target_count"]) for r in shown) == stored


def test_two_plan_targets_at_once_leave_one_row(app, client, session, bureau):
    auth = headers(client, bureau)
    path = f"{API}/targets"
    low = {"target_year": 2027, "level": "city", "min_count": 10, "max_count": 15}
    high = {"target_year": 2027, "level": "city", "min_count": 12, "max_count": 20}
    statuses = race(app, ("POST", path, low, auth), ("POST", path, high, auth))
    assert statuses in ([200, 200], [200, 409])
    session.expire_all()
    rows = session.exec(
        select(PlanTarget).where(PlanTarget.target_year == 2027, PlanTarget.level == "city")
    ).all()
    assert len(rows) == 1
    assert (rows[0].min_count, rows[0].max_count) in {(10, 15), (12, 20)}


def test_two_weightings_at_once_leave_one_of_them(app, client, session, bureau, center_id):
    auth = headers(client, bureau)
    bounds = {
        "results": [20, 40],
        "transfer": [20, 40],
        "industry_support": [10, 30],
        "talent": [5, 20],
        "cooperation": [0, 15],
    }
    opened = client.post(
        f"{API}/bureau/evaluation-rounds",
        json={"year": 2026, "deadline": "2027-03-31", "weight_bounds": bounds},
        headers=auth,
    )
    assert opened.status_code == 201
    items = client.get(f"{API}/bureau/evaluation-rounds/{opened.json['id']}", headers=auth).json["items"]
    path = f"{API}/evaluations/{items[0]['id']}/weights"
    one = {"results": 25, "transfer": 40, "industry_support": 20, "talent": 10, "cooperation": 5}
    other = {"results": 40, "transfer": 20, "industry_support": 20, "talent": 15, "cooperation": 5}
    statuses = race(app, ("PUT", path, {"weights": one}, auth), ("PUT", path, {"weights": other}, auth))
    assert statuses in ([200, 200], [200, 409])
    evaluation = client.get(f"{API}/bureau/evaluation-rounds/{opened.json['id']}", headers=auth).json[
        "items"
    ][0]
    weights = evaluation.get("weights")
    assert weights in (one, other), evaluation
