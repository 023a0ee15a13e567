"""The lifecycle rules on their own: each transition's new state, its history row, and every refusal."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.oversight import rules
from app.platform.errors import Conflict, Invalid
from models import CenterLevel, CenterStatus, Grade, OrgKind, PromotionOutcome

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ALL_FIELDS = ["economics", "technology", "industry", "management", "law"]
CODES = ["91220101MA0000001X", "91220101MA0000002X", "91220101MA0000003X", "91220101MA0000004X"]


def step(status: CenterStatus, **fields) -> rules.Step:
    return rules.Step(status=status, **fields)


def member(
    expert_id: int, conflict: bool | None, score: float | None = None, fields: list[str] = ALL_FIELDS
) -> rules.Membership:
    return rules.Membership(
        expert_id=expert_id, conflict=conflict, weighted_score=score, specialties=tuple(fields)
    )


def test_domain_key_ignores_spacing_punctuation_and_case():
    assert rules.domain_key("automotive", "汽车 轻量化、连接") == rules.domain_key(
        "automotive", "汽车轻量化连接"
    )
    assert rules.domain_key("automotive", "AI Chips") == rules.domain_key("automotive", "ai-chips")
    assert rules.domain_key("automotive", "轻量化") != rules.domain_key("new_materials", "轻量化")


def test_founders_need_five_distinct_units_and_a_qualified_lead():
    assert len(rules.check_founders(lead_kind=OrgKind.university, lead_code="L", codes=CODES)) == 5
    with pytest.raises(Invalid) as short:
        rules.check_founders(lead_kind=OrgKind.university, lead_code="L", codes=CODES[:3])
    assert "5" in short.value.fields["founders"]
    with pytest.raises(Invalid) as twice:
        rules.check_founders(lead_kind=OrgKind.enterprise, lead_code="L", codes=[*CODES[:3], CODES[0]])
    assert CODES[0] in twice.value.fields["founders"]
    with pytest.raises(Invalid, match="lead unit"):
        rules.check_founders(lead_kind=OrgKind.finance, lead_code="L", codes=CODES)
    with pytest.raises(Invalid):  # the lead unit cannot be counted a second time as a founder
        rules.check_founders(lead_kind=OrgKind.institute, lead_code=CODES[0], codes=CODES)


def test_weighted_score_uses_the_weights_and_checks_every_criterion():
    weights = {"technical_foundation": 40, "institutions_mechanism": 20, "influence": 20, "plan_quality": 20}
    scores = {"technical_foundation": 90, "institutions_mechanism": 70, "influence": 80, "plan_quality": 60}
    assert rules.weighted_score(scores, weights) == 78.0
    assert rules.weighted_score(scores, rules.APPLICATION_CRITERIA) == 75.5  # 27 + 17.5 + 16 + 15
    for bad in (
        {**scores, "technical_foundation": 101},
        {k: v for k, v in scores.items() if k != "influence"},
        {**scores, "luck": 50},
    ):
        with pytest.raises(Invalid):
            rules.weighted_score(bad, weights)


def test_weights_default_and_validation():
    assert rules.check_weights(None, rules.APPLICATION_CRITERIA) == rules.APPLICATION_CRITERIA
    with pytest.raises(Invalid):
        rules.check_weights({"technical_foundation": 100}, rules.APPLICATION_CRITERIA)
    with pytest.raises(Invalid):
        rules.check_weights(dict.fromkeys(rules.APPLICATION_CRITERIA, 0), rules.APPLICATION_CRITERIA)


def test_conflicted_expert_cannot_score_and_nobody_scores_twice():
    weights = rules.APPLICATION_CRITERIA
    scores = dict.fromkeys(weights, 80)
    with pytest.raises(Conflict, match="Declare"):
        rules.score(member(1, None), scores=scores, weights=weights)
    conflicted = rules.declare_conflict(member(1, None), conflict=True)
    with pytest.raises(Conflict, match="conflict of interest"):
        rules.score(conflicted, scores=scores, weights=weights)
    with pytest.raises(Conflict):
        rules.declare_conflict(conflicted, conflict=False)
    scored = rules.score(
        rules.declare_conflict(member(2, None), conflict=False), scores=scores, weights=weights
    )
    assert scored.weighted_score == 80.0
    with pytest.raises(Conflict, match="already scored"):
        rules.score(scored, scores=scores, weights=weights)


def test_panel_must_cover_five_fields_with_two_experts_at_least():
    deadline = date(2026, 7, 1)
    new, entry = rules.form_panel(
        step(CenterStatus.applied),
        deadline=deadline,
        specialties={7: ["economics", "law", "management"], 9: ["technology", "industry"]},
    )
    assert new.status == CenterStatus.review and new.step_deadline == deadline
    assert entry.event_type == "review_started" and entry.data["experts"] == [7, 9]
    with pytest.raises(Invalid, match="economics"):
        rules.form_panel(
            step(CenterStatus.applied),
            deadline=deadline,
            specialties={7: ["economics"], 9: ["technology", "industry", "management"]},
        )
    with pytest.raises(Invalid):
        rules.form_panel(step(CenterStatus.applied), deadline=deadline, specialties={7: ALL_FIELDS})
    with pytest.raises(Conflict):
        rules.form_panel(
            step(CenterStatus.review), deadline=deadline, specialties={7: ALL_FIELDS, 8: ALL_FIELDS}
        )


def test_a_review_counts_the_fields_of_those_who_scored_not_of_the_panel():
    members = [
        member(1, False, 80.0, ["economics", "management"]),
        member(2, False, 90.0, ["technology"]),
        member(3, True, fields=["industry", "law"]),
        member(4, True, fields=["law"]),
    ]
    with pytest.raises(Conflict, match="do not cover Industry practice, Law"):
        rules.conclude_review(
            step(CenterStatus.review),
            members=members,
            approve=True,
            reason="x",
            deadline=date(2026, 7, 1),
            now=NOW,
        )


def test_review_concludes_with_the_mean_of_unconflicted_scores():
    members = [member(1, False, 80.0), member(2, False, 90.0), member(3, True)]
    new, entry = rules.conclude_review(
        step(CenterStatus.review),
        members=members,
        approve=True,
        reason="基础扎实",
        deadline=date(2026, 7, 1),
        now=NOW,
    )
    assert new.status == CenterStatus.inspection and new.review_mean == 85.0
    assert entry.data["mean"] == 85.0
    refused, entry = rules.conclude_review(
        step(CenterStatus.review),
        members=members,
        approve=False,
        reason="方案不成熟",
        deadline=date(2026, 7, 1),
        now=NOW,
    )
    assert refused.status == CenterStatus.rejected and refused.decision_reason == "方案不成熟"
    assert entry.event_type == "review_refused"
    with pytest.raises(Conflict, match="not declared"):
        rules.conclude_review(
            step(CenterStatus.review),
            members=[member(1, False, 80.0), member(2, None)],
            approve=True,
            reason="x",
            deadline=date(2026, 7, 1),
            now=NOW,
        )
    with pytest.raises(Conflict, match="No expert"):
        rules.conclude_review(
            step(CenterStatus.review),
            members=[member(1, True), member(2, True)],
            approve=True,
            reason="x",
            deadline=date(2026, 7, 1),
            now=NOW,
        )


def test_inspection_opens_notice_or_ends_the_application():
    passed, entry = rules.record_inspection(
        step(CenterStatus.inspection),
        inspected_on=date(2026, 6, 1),
        inspectors="张三、李四",
        findings="场地设备到位",
        passed=True,
        notice_days=7,
        now=NOW,
    )
    assert passed.status == CenterStatus.notice and passed.notice_ends == NOW + timedelta(days=7)
    assert entry.event_type == "notice_opened"
    failed, entry = rules.record_inspection(
        step(CenterStatus.inspection),
        inspected_on=date(2026, 6, 1),
        inspectors="张三",
        findings="中试线尚未建成",
        passed=False,
        notice_days=7,
        now=NOW,
    )
    assert failed.status == CenterStatus.rejected and failed.decision_reason == "中试线尚未建成"
    assert entry.event_type == "inspection_failed"


def test_filing_waits_for_the_notice_the_objections_and_a_free_domain():
    notice = step(CenterStatus.notice, notice_starts=NOW, notice_ends=NOW + timedelta(days=7))
    later = NOW + timedelta(days=8)
    with pytest.raises(Conflict, match="public notice runs until"):
        rules.file_center(
            notice, reason="同意", now=NOW + timedelta(days=3), unanswered_objections=0, domain_taken=False
        )
    with pytest.raises(Conflict, match="1 unanswered"):
        rules.file_center(notice, reason="同意", now=later, unanswered_objections=1, domain_taken=False)
    with pytest.raises(Conflict, match="already holds this domain"):
        rules.file_center(notice, reason="同意", now=later, unanswered_objections=0, domain_taken=True)
    filed, entry = rules.file_center(
        notice, reason="同意备案", now=later, unanswered_objections=0, domain_taken=False
    )
    assert filed.status == CenterStatus.filed and filed.decided_at == later
    assert entry == rules.LogEntry("filed", {"reason": "同意备案", "filed_on": later.date().isoformat()})


def test_refusal_from_any_open_step_and_not_after():
    for status in rules.OPEN_STATUSES:
        new, entry = rules.refuse(step(status), reason="材料不全", now=NOW)
        assert new.status == CenterStatus.rejected and entry.data["at_step"] == status.value
    for status in (CenterStatus.filed, CenterStatus.rejected):
        with pytest.raises(Conflict):
            rules.refuse(step(status), reason="x", now=NOW)


def test_calls_close_after_their_deadline():
    rules.accepts_applications(call_open=True, deadline=date(2026, 6, 30), today=date(2026, 6, 30))
    with pytest.raises(Conflict, match="2026-06-30"):
        rules.accepts_applications(call_open=True, deadline=date(2026, 6, 30), today=date(2026, 7, 1))
    with pytest.raises(Conflict):
        rules.accepts_applications(call_open=False, deadline=date(2026, 6, 30), today=date(2026, 6, 1))


def test_promotion_goes_one_level_up_from_filed_only():
    assert (
        rules.promotion_target(status=CenterStatus.filed, level=CenterLevel.city, pending=False) == "province"
    )
    assert (
        rules.promotion_target(status=CenterStatus.filed, level=CenterLevel.province, pending=False)
        == "national"
    )
    for status, level, pending in (
        (CenterStatus.notice, CenterLevel.city, False),
        (CenterStatus.filed, CenterLevel.national, False),
        (CenterStatus.filed, CenterLevel.city, True),
    ):
        with pytest.raises(Conflict):
            rules.promotion_target(status=status, level=level, pending=pending)


@pytest.mark.parametrize(
    ("grades", "result"),
    [
        ((Grade.excellent, Grade.excellent, Grade.excellent), Grade.excellent),
        ((Grade.excellent, Grade.excellent, Grade.good), Grade.good),
        ((Grade.good, Grade.good, Grade.passed), Grade.passed),
        ((Grade.excellent, Grade.excellent, Grade.failed), Grade.failed),
        ((Grade.good, None, Grade.good), None),
    ],
)
def test_three_year_assessment(grades, result):
    assessment = rules.three_year_assessment(
        dict(zip((2024, 2025, 2026), grades, strict=True)), end_year=2026
    )
    assert assessment.years == (2024, 2025, 2026)
    assert assessment.result == result and assessment.complete == (result is not None)


# Each step of the lifecycle with arguments it accepts, for the table tests below.
PANEL = {7: ["economics", "law", "management"], 9: ["technology", "industry"]}
SCORED = [member(1, False, 80.0), member(2, False, 90.0)]
TAKE = {
    "form_panel": lambda s: rules.form_panel(s, specialties=PANEL, deadline=date(2026, 7, 1)),
    "conclude_review": lambda s: rules.conclude_review(
        s, members=SCORED, approve=True, reason="好", deadline=date(2026, 7, 1), now=NOW
    ),
    "record_inspection": lambda s: rules.record_inspection(
        s,
        inspected_on=date(2026, 6, 1),
        inspectors="张三",
        findings="好",
        passed=True,
        notice_days=7,
        now=NOW,
    ),
    "file": lambda s: rules.file_center(
        s, reason="同意", now=NOW, unanswered_objections=0, domain_taken=False
    ),
    "refuse": lambda s: rules.refuse(s, reason="材料不全", now=NOW),
    "object": lambda s: rules.accepts_objection(status=s.status, notice_ends=None, now=NOW),
    "recommend_promotion": lambda s: rules.promotion_target(
        status=s.status, level=CenterLevel.city, pending=False
    ),
    "revoke": lambda s: rules.revoke(s.status),
}
REFUSALS = {
    "refuse": "This application is already closed.",
    "object": "This center is not on public notice, so objections are closed.",
    "recommend_promotion": "Only a filed center can be recommended for promotion.",
    "revoke": "Only a filed center's filing can be revoked.",
}
STALE = "This application is not at that step any more; reload the page to see where it is."


def test_the_table_is_the_policys_lifecycle():
    allowed = {(status.value, name) for status, steps in rules.LIFECYCLE.items() for name in steps}
    assert allowed == {
        ("applied", "form_panel"),
        ("review", "conclude_review"),
        ("inspection", "record_inspection"),
        ("notice", "object"),
        ("notice", "file"),
        ("filed", "recommend_promotion"),
        ("filed", "revoke"),
        *(("applied", "refuse"), ("review", "refuse"), ("inspection", "refuse"), ("notice", "refuse")),
    }
    assert set(rules.LIFECYCLE) == set(CenterStatus)  # every status is in the table, even the final ones
    assert set(rules.STEP_ACTOR) == set(TAKE)
    assert {name for name, actor in rules.STEP_ACTOR.items() if actor != rules.BUREAU} == {"object"}
    assert rules.OPEN_STATUSES == {"applied", "review", "inspection", "notice"}


@pytest.mark.parametrize(
    "status, name", [(status, name) for status in CenterStatus for name in rules.STEP_ACTOR]
)
def test_every_step_from_every_status_is_taken_or_refused(status, name):
    current = step(status, notice_starts=NOW - timedelta(days=8), notice_ends=NOW - timedelta(days=1))
    if rules.allows(status, name):
        result = TAKE[name](current)
        if isinstance(result, tuple):  # an application's step: its new status is one the table names
            assert result[0].status in rules.LIFECYCLE[status][name]
    else:
        with pytest.raises(Conflict) as refused:
            TAKE[name](current)
        assert refused.value.message == REFUSALS.get(name, STALE)


def test_objections_close_when_the_notice_ends():
    rules.accepts_objection(status=CenterStatus.notice, notice_ends=NOW + timedelta(seconds=1), now=NOW)
    with pytest.raises(Conflict):
        rules.accepts_objection(status=CenterStatus.notice, notice_ends=NOW, now=NOW)


@pytest.mark.parametrize("current", list(PromotionOutcome))
@pytest.mark.parametrize("approved", [True, False])
def test_a_promotion_outcome_is_recorded_once(current, approved):
    if current == PromotionOutcome.pending:
        expected = PromotionOutcome.approved if approved else PromotionOutcome.rejected
        assert rules.promotion_outcome(current=current, approved=approved) == expected
    else:
        with pytest.raises(Conflict):
            rules.promotion_outcome(current=current, approved=approved)
