"""The demo's financing: products of the demo's guarantor and venture fund, a few requests, records confirmed and
awaiting; the bureau's figure counts the confirmed ones by type; loading twice changes nothing."""

from datetime import date

from sqlmodel import select

from app.ops import demo
from app.oversight.services import indicators
from models import FinanceProduct, FinancingRecord, FinancingRequest, Organization
from tests.utils.factories import in_app


def test_demo_financing(session):
    with in_app(session):
        counts = demo.load_demo(session=session, ttl_days=180)
        again = demo.load_demo(session=session, ttl_days=180)
    assert counts["finance_products"] == again["finance_products"] == 4
    assert (
        counts["financing_requests"] == 3 and again["financing_records"] == counts["financing_records"] == 3
    )
    owners = {session.get(Organization, p.org_id).kind for p in session.exec(select(FinanceProduct)).all()}
    assert owners == {"finance"}
    assert {r.finance_type for r in session.exec(select(FinancingRequest)).all()} == {"equity", "guarantee"}
    assert {r.status for r in session.exec(select(FinancingRecord)).all()} == {"confirmed", "recorded"}
    with in_app(session):
        figures = indicators.figures_from(indicators.basis(session, indicators.Scope(year=date.today().year)))
    # The confirmed records of this year count; the one awaiting the firm's confirmation (12 million) never does.
    year = date.today().year
    counted = [
        r
        for r in session.exec(select(FinancingRecord)).all()
        if r.status == "confirmed" and r.financed_on.year == year
    ]
    assert figures["financing"] == {"count": len(counted), "amount": sum(r.amount for r in counted)}
    assert 12_000_000 not in {r.amount for r in counted}
