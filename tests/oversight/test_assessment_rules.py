"""The pure rules of weights, assessments, promotion eligibility and rectification."""

from datetime import date, timedelta

import pytest

from app.oversight import rules
from app.platform.errors import Conflict, Invalid
from models import CenterStatus, Grade, RectificationStatus

TODAY = date(2026, 6, 1)


def test_center_weights_within_bounds_summing_to_100():
    bounds = rules.default_bounds()
    assert bounds["transfer"] == [20, 40] and bounds["cooperation"] == [0, 20]
    assert rules.check_center_weights(dict(rules.EVALUATION_CRITERIA), bounds) == rules.EVALUATION_CRITERIA
    with pytest.raises(Invalid, match="transfer 45"):
        rules.check_center_weights({**rules.EVALUATION_CRITERIA, "transfer": 45, "results": 10}, bounds)
    with pytest.raises(Invalid, match="add up to 100"):
        rules.check_center_weights({**rules.EVALUATION_CRITERIA, "transfer": 35}, bounds)
    with pytest.raises(Invalid):
        rules.check_center_weights({"transfer": 100}, bounds)


def test_round_bounds_must_admit_a_total_of_100():
    assert rules.check_bounds(None) == rules.default_bounds()
    tight = {name: [w, w] for name, w in rules.EVALUATION_CRITERIA.items()}
    assert rules.check_bounds(tight) == tight
    with pytest.raises(Invalid, match="100"):
        rules.check_bounds({name: [30, 40] for name in rules.EVALUATION_CRITERIA})
    with pytest.raises(Invalid):
        rules.check_bounds({**tight, "talent": [20, 10]})


@pytest.mark.parametrize(
    "grades, expected",
    [
        ([Grade.excellent] * 3, Grade.excellent),
        ([Grade.excellent, Grade.excellent, Grade.good], Grade.good),
        ([Grade.excellent, Grade.failed, Grade.excellent], Grade.failed),
        ([Grade.passed, Grade.good], Grade.passed),
    ],
)
def test_suggested_grade(grades, expected):
    assert rules.suggested_grade(grades) == expected


def test_assessment_basis_needs_graded_evaluations_of_a_filed_center():
    evaluations = {
        2023: (1, Grade.excellent),
        2024: (2, Grade.excellent),
        2025: (3, Grade.excellent),
        2022: (9, Grade.failed),
    }
    assert rules.assessment_basis(evaluations, end_year=2025, status=CenterStatus.filed) == (
        [1, 2, 3],
        Grade.excellent,
    )
    with pytest.raises(Conflict, match="2025"):
        rules.assessment_basis({**evaluations, 2025: (3, None)}, end_year=2025, status=CenterStatus.filed)
    with pytest.raises(Conflict):
        rules.assessment_basis({}, end_year=2025, status=CenterStatus.filed)
    with pytest.raises(Conflict):
        rules.assessment_basis(evaluations, end_year=2025, status=CenterStatus.revoked)


@pytest.mark.parametrize("latest", [None, *Grade])
def test_only_excellent_may_be_promoted(latest):
    if latest == Grade.excellent:
        rules.promotion_allowed(latest)
    else:
        with pytest.raises(Conflict, match="excellent"):
            rules.promotion_allowed(latest)


def test_rectification_is_ordered_only_after_a_failed_assessment():
    later = TODAY + timedelta(days=30)
    assert (
        rules.order_rectification(latest=Grade.failed, status=CenterStatus.filed, deadline=later, today=TODAY)
        == "ordered"
    )
    for grade in (None, Grade.passed):
        with pytest.raises(Conflict):
            rules.order_rectification(latest=grade, status=CenterStatus.filed, deadline=later, today=TODAY)
    with pytest.raises(Invalid):
        rules.order_rectification(latest=Grade.failed, status=CenterStatus.filed, deadline=TODAY, today=TODAY)
    with pytest.raises(Conflict):
        rules.order_rectification(
            latest=Grade.failed, status=CenterStatus.revoked, deadline=later, today=TODAY
        )


@pytest.mark.parametrize("status", list(RectificationStatus))
@pytest.mark.parametrize("accept", [True, False])
@pytest.mark.parametrize("overdue", [True, False])
def test_every_rectification_decision_is_taken_or_refused(status, accept, overdue):
    deadline = TODAY - timedelta(days=1) if overdue else TODAY + timedelta(days=1)
    expected = {
        (RectificationStatus.reported, True): RectificationStatus.accepted,
        (RectificationStatus.reported, False): RectificationStatus.revoked,
        **({(RectificationStatus.ordered, False): RectificationStatus.revoked} if overdue else {}),
    }.get((status, accept))
    if expected is None:
        with pytest.raises(Conflict):
            rules.rectification_decision(status=status, accept=accept, deadline=deadline, today=TODAY)
    else:
        assert (
            rules.rectification_decision(status=status, accept=accept, deadline=deadline, today=TODAY)
            == expected
        )


def test_the_report_comes_once_and_by_the_deadline():
    assert (
        rules.rectification_report(status=RectificationStatus.ordered, deadline=TODAY, today=TODAY)
        == RectificationStatus.reported
    )
    with pytest.raises(Conflict):
        rules.rectification_report(
            status=RectificationStatus.ordered, deadline=TODAY, today=TODAY + timedelta(days=1)
        )
    with pytest.raises(Conflict):
        rules.rectification_report(status=RectificationStatus.reported, deadline=TODAY, today=TODAY)
