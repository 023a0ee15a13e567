"""The demo's indicators read as a running marketplace's would: achievements are published before they are
transferred, so a year with transfers has publications; organizations carry realistic size classes, so the
centers served SMEs; every money figure on the dashboard is in 万元."""

import re
from datetime import date

import pytest
from sqlmodel import select

from app.ops.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from app.oversight.services import indicators
from models import Achievement, Organization
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def test_the_demo_publishes_before_it_transfers_and_serves_smes(runner, session, client, auth):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    this_year = date.today().year
    for year in (this_year - 1, this_year):
        figures = indicators.figures(session, indicators.Scope(year=year))
        assert figures["achievements_published"]["count"] > 0, year
        assert figures["smes_served"]["count"] > 0, year
        basis = indicators.basis(session, indicators.Scope(year=year))
        for counted in basis.contracts:
            for achievement_id in counted.achievement_ids:
                published = session.get(Achievement, achievement_id).published_at
                # Published before it was transferred: no year shows transfers beside 0 publications.
                assert published is not None and published.date() <= counted.contract.signed_on
    kinds = {(o.kind, o.size_class) for o in session.exec(select(Organization)).all() if o.demo_key}
    assert {size for kind, size in kinds if kind == "enterprise"} == {"large", "medium", "small", "micro"}
    assert {size for kind, size in kinds if kind in ("university", "institute")} == {None}

    auth.login(f"bureau@{DEMO_EMAIL_DOMAIN}", DEMO_PASSWORD)
    page = client.get(f"/bureau/dashboard?year={this_year}").get_data(as_text=True)
    assert not re.findall(r"(?<![\d.])\d{1,3}(?:,\d{3}){2,}(?!\d)|(?<![\d.])\d{7,}(?!\d)", page)
    smes = [int(n) for n in re.findall(r'data-measure="smes">(\d+)<', page)]
    assert smes and max(smes) > 0
    data = client.get(f"/bureau/dashboard.json?year={this_year}").json
    assert (
        sum(m["turnover"] for m in data["months"])
        == data["indicators"]["technology_market_turnover"]["amount"]
    )
    assert data["indicators"]["technology_market_turnover"]["count"] > 0
