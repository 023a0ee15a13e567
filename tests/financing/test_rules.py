"""The pure fit rules: a product is eligible for a request only when every condition it states is met; the fit
orders the eligible ones; the firm's history is evidence."""

import pytest

from app.financing.rules import Ask, Offer, decide, finance_side, fit


def ask(**overrides) -> Ask:
    values = {
        "finance_type": "equity",
        "amount": 3_000_000,
        "trl": 6,
        "industry": "automotive",
        "size_class": "small",
    }
    return Ask(**{**values, **overrides})


def offer(**overrides) -> Offer:
    values = {
        "finance_type": "equity",
        "amount_min": 1_000_000,
        "amount_max": 10_000_000,
        "trl_min": 5,
        "size_classes": ("small", "micro"),
        "industries": ("automotive",),
    }
    return Offer(**{**values, **overrides})


def codes(reasons) -> list[str]:
    return [r["code"] for r in reasons]


def test_a_product_meeting_every_condition_is_eligible_with_every_reason():
    result = fit(ask(), offer())
    assert result.eligible and result.failed == []
    assert codes(result.reasons) == ["type_fit", "amount_fit", "trl_fit", "size_fit", "industry_fit"]
    assert result.score == 0.8  # every condition met, no history yet


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"finance_type": "guarantee"}, "type_mismatch"),
        ({"amount": 500_000}, "amount_below"),
        ({"amount": 20_000_000}, "amount_above"),
        ({"trl": 3}, "trl_below"),
        ({"trl": None}, "trl_unknown"),
        ({"size_class": "large"}, "size_mismatch"),
        ({"size_class": None}, "size_mismatch"),
        ({"industry": "biomedicine"}, "industry_mismatch"),
    ],
)
def test_each_failed_condition_makes_it_ineligible_and_says_which(change, code):
    result = fit(ask(**change), offer())
    assert not result.eligible and result.score == 0.0
    assert codes(result.failed) == [code]


def test_unstated_conditions_are_no_conditions():
    open_offer = offer(amount_min=None, amount_max=None, trl_min=None, size_classes=(), industries=())
    result = fit(ask(trl=None, size_class=None, industry=None), open_offer)
    assert result.eligible and codes(result.reasons) == ["type_fit"]


def test_a_lender_serves_ip_pledge_loans_and_a_guarantor_the_loans_it_guarantees():
    assert fit(ask(finance_type="ip_pledge_loan"), offer(finance_type="tech_loan")).eligible
    assert fit(ask(finance_type="tech_loan"), offer(finance_type="guarantee")).eligible
    assert not fit(ask(finance_type="equity"), offer(finance_type="tech_loan")).eligible
    assert not fit(ask(finance_type="tech_loan"), offer(finance_type="ip_pledge_loan")).eligible


def test_the_firms_history_is_evidence_and_lifts_the_fit():
    plain = fit(ask(), offer(size_classes=(), industries=()))
    proven = fit(
        ask(contracts=3, contract_amount=2_400_000, patents=2), offer(size_classes=(), industries=())
    )
    assert proven.score > plain.score
    assert {"code": "contracts", "count": 3, "amount": 2_400_000} in proven.reasons
    assert {"code": "patents", "count": 2} in proven.reasons
    assert "contracts" not in codes(plain.reasons)


def test_the_finance_side_is_the_one_finance_organization():
    assert finance_side({"from": "finance", "to": "enterprise"}) == "from"
    assert finance_side({"from": "enterprise", "to": "finance"}) == "to"
    assert finance_side({"from": "enterprise", "to": "center"}) is None
    assert finance_side({"from": "finance", "to": "finance"}) is None


def test_a_record_is_decided_once():
    assert decide("recorded", "confirm") == "confirmed"
    assert decide("recorded", "reject") == "rejected"
    with pytest.raises(ValueError):
        decide("confirmed", "reject")
