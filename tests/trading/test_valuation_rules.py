"""The pure rules of valuation guidance: comparables never show one deal's amount, and the suggested range follows
the documented formula (app/trading/valuation_rules.py)."""

import json
import re

import pytest

from app.trading.valuation_rules import (
    BANDS,
    Assessment,
    Deal,
    aggregate,
    band,
    suggest,
)

MIDDLING = Assessment(
    trl=6,
    ip_status="granted",
    remaining_years=10,
    family_size=0,
    market_readiness="validated",
    application_readiness="pilot",
)


def _amounts_in(shown: dict, deals: list[Deal]) -> set[int]:
    """Every deal amount (or its 万元 rounding) that appears anywhere in what is shown."""
    text = json.dumps(shown)
    numbers = {int(n) for n in re.findall(r"\d+", text)}
    return {d.amount for d in deals if d.amount in numbers or round(d.amount, -4) in numbers}


@pytest.mark.parametrize(
    "deals",
    [
        [Deal("license", 2025, 1_234_567)],
        [Deal("license", 2025, 1_234_567), Deal("transfer", 2026, 3_456_789)],
        [Deal("license", 2024, 2_000_000), Deal("license", 2025, 2_000_000)],
    ],
)
def test_fewer_than_three_deals_show_only_a_count_and_a_band(deals):
    shown = aggregate(deals)
    assert shown["count"] == len(deals)
    assert shown["groups"] == [] and shown["unshown"] == len(deals)
    assert "years" not in shown  # not even which year the lone deal was made
    low, high = shown["median_band"]
    assert (low, high) in BANDS
    assert _amounts_in(shown, deals) == set()


def test_no_deals_show_nothing():
    assert aggregate([]) == {"count": 0, "median_band": None, "groups": [], "unshown": 0}


def test_three_deals_of_a_kind_show_their_kind_years_and_rounded_min_median_max():
    deals = [
        Deal("license", 2024, 1_234_567),
        Deal("license", 2025, 2_345_678),
        Deal("license", 2026, 3_456_789),
    ]
    shown = aggregate(deals)
    assert shown["count"] == 3 and shown["years"] == [2024, 2026] and shown["unshown"] == 0
    assert shown["groups"] == [
        {
            "kind": "license",
            "count": 3,
            "years": [2024, 2026],
            "min": 1_230_000,
            "median": 2_350_000,
            "max": 3_460_000,
        }
    ]
    assert shown["median_band"] == [1_000_000, 5_000_000]


def test_a_kind_with_fewer_than_three_deals_is_merged_or_only_counted():
    licences = [Deal("license", 2025, a) for a in (1_000_000, 1_100_000, 1_200_000)]
    lone = Deal("transfer", 2026, 9_876_543)
    shown = aggregate([*licences, lone])
    assert [g["kind"] for g in shown["groups"]] == ["license"]
    assert shown["unshown"] == 1 and shown["count"] == 4
    assert _amounts_in(shown, [lone]) == set() and "transfer" not in json.dumps(shown)
    assert all(g["max"] < 9_000_000 for g in shown["groups"])

    three_kinds = [*licences, lone, Deal("service", 2025, 50_000), Deal("commission", 2024, 700_000)]
    shown = aggregate(three_kinds)
    merged = shown["groups"][-1]
    assert merged["kind"] is None and merged["kinds"] == ["commission", "service", "transfer"]
    assert merged["count"] == 3 and shown["unshown"] == 0


def test_bands_cover_every_amount():
    assert band(0) == (0, 100_000)
    assert band(99_999) == (0, 100_000)
    assert band(100_000) == (100_000, 500_000)
    assert band(10**10) == (50_000_000, None)


def test_the_range_is_the_median_times_the_factors_widened_by_a_quarter():
    deals = [Deal("license", 2025, a) for a in (800_000, 1_000_000, 1_200_000)]
    shown = suggest(MIDDLING, deals)
    assert shown["basis"] == "median" and shown["factors"] == {
        "trl": 1.0,
        "ip": 1.0,
        "market": 1.0,
        "application": 1.0,
    }
    assert (shown["low"], shown["high"]) == (750_000, 1_250_000)

    ready = Assessment(
        trl=9,
        ip_status="granted",
        remaining_years=20,
        family_size=10,
        market_readiness="selling",
        application_readiness="production",
    )
    better = suggest(ready, deals)
    assert better["low"] > shown["low"] and better["high"] > shown["high"]
    early = Assessment(
        trl=2,
        ip_status="none",
        remaining_years=0,
        family_size=0,
        market_readiness="unexplored",
        application_readiness="lab",
    )
    assert suggest(early, deals)["high"] < shown["low"]


def test_one_comparable_gives_a_wider_range_from_its_band_not_its_amount():
    lone = [Deal("license", 2025, 1_234_567)]
    shown = suggest(MIDDLING, lone)
    assert shown["basis"] == "band" and shown["spread"] == 0.5
    # The middle of 100万–500万 (geometric: about 223.6万), ±50%: nothing derived from 123.4567万.
    assert (shown["low"], shown["high"]) == (1_110_000, 3_360_000)
    assert suggest(MIDDLING, [Deal("license", 2025, 4_900_000)])["low"] == shown["low"]


def test_no_comparables_no_range():
    shown = suggest(MIDDLING, [])
    assert shown["low"] is None and shown["high"] is None and shown["basis"] == "none"
    assert shown["factors"]["trl"] == 1.0
