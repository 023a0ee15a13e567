"""Shared set-up of the instrument tests: a university that posts instruments, an enterprise that books them."""

from datetime import date, datetime, time, timedelta

from app.instruments.rules import LOCAL
from tests.utils.factories import PASSWORD
from tests.utils.web import bearer


def instrument_data(**overrides) -> dict:
    data = {
        "title": "电液伺服疲劳试验机",
        "description": "轴向加载，最大动态载荷 250 kN，适用于汽车零部件与轨道车辆构件的疲劳寿命试验。",
        "model": "PLD-250",
        "maker": "长春试验机研究所",
        "category": "inspection",
        "standards": ["GB/T 3075-2021", "GB/T 15248-2008"],
        "address": "长春市朝阳区前进大街 2699 号",
        "price_unit": "hour",
        "price": 400,
        "price_sme": 300,
        "price_member": 200,
        "price_university": 250,
        "subsidy_percent": 30,
        "min_slot_minutes": 60,
        "max_slot_minutes": 3 * 24 * 60,
        "lead_hours": 24,
        "cancel_hours": 24,
        "approval_required": True,
        "status": "published",
    }
    data.update(overrides)
    return data


def week_after_next(day: int = 0) -> date:
    """A weekday of the week after next (Monday = 0): always beyond any lead time."""
    today = datetime.now(LOCAL).date()
    return today + timedelta(days=14 - today.weekday() + day)


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL).isoformat()


def post_instrument(client, owner, **overrides) -> dict:
    headers = bearer(client, owner.email, PASSWORD)
    response = client.post("/api/v1/instruments", json=instrument_data(**overrides), headers=headers)
    assert response.status_code == 201, response.json
    return response.json
