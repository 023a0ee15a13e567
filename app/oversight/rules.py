"""The rules of a center's lifecycle, as pure functions: no session, no clock, no request.

`LIFECYCLE` is the table: which steps each status allows and the statuses each step may lead to; `STEP_ACTOR` says
who takes each step. Each transition takes the application's current `Step` and what the actor decided, asks the
table, checks the step's own conditions, and returns the new `Step` and the `LogEntry` to append to the center's
history; `app.oversight.services.applications` persists both in one transaction. A refusal raises a `ServiceError`
whose message the user sees as it is.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from app.oversight.labels import EXPERT_FIELDS
from app.platform.errors import Conflict, Invalid
from models import (
    CenterLevel,
    CenterStatus,
    ExpertField,
    Grade,
    OrgKind,
    PromotionOutcome,
    RectificationStatus,
)

MIN_FOUNDERS = 5
# The units that may lead a center: a leading institute, university or firm (policy section 3(2)1).
LEAD_KINDS = frozenset({OrgKind.institute, OrgKind.university, OrgKind.enterprise})
BUREAU = "bureau"  # the city bureau's staff
ANYONE = "anyone"  # the public, during the notice

# Center status -> the steps it allows -> the statuses each step may lead to (the policy's 创建申报 → 专家评审 →
# 现场考核 → 公示 → 备案, then promotion). Any open application may be refused; a filed center stays filed while
# it is promoted (its level changes, not its status); a rejected or revoked center takes no step.
LIFECYCLE: dict[CenterStatus, dict[str, tuple[CenterStatus, ...]]] = {
    CenterStatus.applied: {
        "form_panel": (CenterStatus.review,),
        "refuse": (CenterStatus.rejected,),
    },
    CenterStatus.review: {
        "conclude_review": (CenterStatus.inspection, CenterStatus.rejected),
        "refuse": (CenterStatus.rejected,),
    },
    CenterStatus.inspection: {
        "record_inspection": (CenterStatus.notice, CenterStatus.rejected),
        "refuse": (CenterStatus.rejected,),
    },
    CenterStatus.notice: {
        "object": (CenterStatus.notice,),
        "file": (CenterStatus.filed,),
        "refuse": (CenterStatus.rejected,),
    },
    CenterStatus.filed: {"recommend_promotion": (CenterStatus.filed,), "revoke": (CenterStatus.revoked,)},
    CenterStatus.rejected: {},
    CenterStatus.revoked: {},
}
STEP_ACTOR: dict[str, str] = {
    "form_panel": BUREAU,
    "conclude_review": BUREAU,
    "record_inspection": BUREAU,
    "object": ANYONE,
    "file": BUREAU,
    "refuse": BUREAU,
    "recommend_promotion": BUREAU,
    "revoke": BUREAU,
}
# The statuses of an application still in progress: those it may be refused from.
OPEN_STATUSES = frozenset(status for status, steps in LIFECYCLE.items() if "refuse" in steps)

# A promotion's outcome is recorded once: the province or the nation approves or rejects the recommendation.
PROMOTION_ALLOWED: dict[PromotionOutcome, tuple[PromotionOutcome, ...]] = {
    PromotionOutcome.pending: (PromotionOutcome.approved, PromotionOutcome.rejected),
    PromotionOutcome.approved: (),
    PromotionOutcome.rejected: (),
}
MIN_PANEL = 2
SCORE_MAX = 100

# The criteria of the policy's review (section 4(1)): name → default weight in percent.
APPLICATION_CRITERIA = {
    "technical_foundation": 30,
    "institutions_mechanism": 25,
    "influence": 20,
    "plan_quality": 25,
}
# The evaluation's aspects (section 3(3)).
EVALUATION_CRITERIA = {"results": 25, "transfer": 30, "industry_support": 20, "talent": 15, "cooperation": 10}
# The development fund's default criteria (a call may set its own weights) and those of an open challenge's
# proposals when the poster asks the bureau's experts to score them.
FUND_CRITERIA = {"plan_quality": 30, "budget_soundness": 25, "expected_results": 25, "capacity": 20}
CHALLENGE_CRITERIA = {"technical_approach": 40, "feasibility": 30, "team": 15, "price": 15}
NEXT_LEVEL = {CenterLevel.city: CenterLevel.province, CenterLevel.province: CenterLevel.national}
GRADE_POINTS = {Grade.excellent: 4, Grade.good: 3, Grade.passed: 2, Grade.failed: 0}
ASSESSMENT_YEARS = 3


@dataclass(frozen=True)
class LogEntry:
    event_type: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """The part of an application that transitions change."""

    status: CenterStatus
    step_deadline: date | None = None
    review_mean: float | None = None
    inspected_on: date | None = None
    inspectors: str = ""
    findings: str = ""
    inspection_passed: bool | None = None
    notice_starts: datetime | None = None
    notice_ends: datetime | None = None
    decision_reason: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True)
class Membership:
    """An expert's standing on a panel: the conflict declaration, the weighted score, if any, and the fields the
    expert covers (a review counts the fields of those who scored, not of everyone named)."""

    expert_id: int
    conflict: bool | None
    weighted_score: float | None
    specialties: tuple[str, ...] = ()


# --- registry -------------------------------------------------------------------------------------------------------


def domain_key(industry: str, domain: str) -> str:
    """The identity of a domain: its industry and its text without spacing or punctuation, case-folded."""
    text = re.sub(r"[\W_]+", "", domain).casefold()
    return f"{industry}:{text}"


def check_founders(*, lead_kind: OrgKind, lead_code: str, codes: Iterable[str]) -> list[str]:
    """The distinct credit codes of the founding units, lead unit included; refuses a team the policy would not."""
    if lead_kind not in LEAD_KINDS:
        raise Invalid(_("The lead unit must be a research institute, a university or an enterprise."))
    seen: list[str] = [lead_code]
    for code in codes:
        if code in seen:
            raise Invalid(
                _("Some fields are not valid."),
                {
                    "founders": _(
                        "Each founding unit must be a different legal entity (credit code %(code)s "
                        "appears twice).",
                        code=code,
                    )
                },
            )
        seen.append(code)
    if len(seen) < MIN_FOUNDERS:
        raise Invalid(
            _("Some fields are not valid."),
            {
                "founders": _(
                    "A center needs at least %(n)s founding units, the lead unit included.", n=MIN_FOUNDERS
                )
            },
        )
    return seen


# --- scoring --------------------------------------------------------------------------------------------------------


def check_weights(weights: Mapping[str, int] | None, criteria: Mapping[str, int]) -> dict[str, int]:
    """Weights for exactly the criteria, each 0–100 and not all zero; the defaults when none are given."""
    if not weights:
        return dict(criteria)
    if set(weights) != set(criteria):
        raise Invalid(
            _("Some fields are not valid."),
            {"weights": _("Give one weight for each criterion: %(names)s.", names=", ".join(criteria))},
        )
    if any(not 0 <= w <= SCORE_MAX for w in weights.values()) or sum(weights.values()) == 0:
        raise Invalid(
            _("Some fields are not valid."), {"weights": _("Weights are between 0 and 100, not all 0.")}
        )
    return {name: int(weights[name]) for name in criteria}


def weighted_score(scores: Mapping[str, int], weights: Mapping[str, int]) -> float:
    """The weighted mean of one expert's scores (each 0–100), rounded to two decimals."""
    missing = [name for name in weights if name not in scores]
    unknown = [name for name in scores if name not in weights]
    if missing or unknown:
        raise Invalid(
            _("Some fields are not valid."),
            {"scores": _("Score each criterion once: %(names)s.", names=", ".join(weights))},
        )
    if any(not 0 <= scores[name] <= SCORE_MAX for name in weights):
        raise Invalid(_("Some fields are not valid."), {"scores": _("Each score is between 0 and 100.")})
    total = sum(weights.values())
    return round(sum(scores[name] * weight for name, weight in weights.items()) / total, 2)


def declare_conflict(member: Membership, *, conflict: bool) -> Membership:
    """An expert declares, once and before scoring, whether they have a conflict of interest."""
    if member.conflict is not None:
        raise Conflict(_("You have already declared your conflicts of interest for this assignment."))
    return replace(member, conflict=conflict)


def score(member: Membership, *, scores: Mapping[str, int], weights: Mapping[str, int]) -> Membership:
    """Score once, after declaring no conflict of interest."""
    if member.conflict is None:
        raise Conflict(_("Declare your conflicts of interest before scoring."))
    if member.conflict:
        raise Conflict(_("You declared a conflict of interest, so you cannot score this assignment."))
    if member.weighted_score is not None:
        raise Conflict(_("You have already scored this assignment."))
    return replace(member, weighted_score=weighted_score(scores, weights))


def panel_mean(members: Iterable[Membership]) -> float | None:
    """The panel's result: the mean of the weighted scores of those who scored."""
    values = [m.weighted_score for m in members if m.weighted_score is not None]
    return round(sum(values) / len(values), 2) if values else None


def missing_fields(specialties: Iterable[Iterable[str]]) -> list[ExpertField]:
    """The fields no member of a panel covers."""
    covered = {str(item) for items in specialties for item in items}
    return [f for f in ExpertField if f.value not in covered]


# --- the creation workflow --------------------------------------------------------------------------------------------


def stale_message() -> str:
    return _("This application is not at that step any more; reload the page to see where it is.")


# What the actor is told when the status does not allow the step; by default, that someone moved it on.
_REFUSALS = {
    "refuse": lambda: _("This application is already closed."),
    "object": lambda: _("This center is not on public notice, so objections are closed."),
    "recommend_promotion": lambda: _("Only a filed center can be recommended for promotion."),
    "revoke": lambda: _("Only a filed center's filing can be revoked."),
}


def allows(status: CenterStatus, name: str) -> bool:
    """Whether a center in `status` may take the step `name`."""
    return name in LIFECYCLE.get(status, {})


def _require(status: CenterStatus, name: str) -> None:
    if not allows(status, name):
        raise Conflict(_REFUSALS.get(name, stale_message)())


def _move(step: Step, name: str, **changes) -> Step:
    """The step's new state; its status must be one the table lets `name` lead to."""
    new = replace(step, **changes)
    if new.status not in LIFECYCLE[step.status][name]:
        raise AssertionError(f"{name} may not lead from {step.status} to {new.status}")
    return new


def form_panel(
    step: Step, *, specialties: Mapping[int, Iterable[str]], deadline: date
) -> tuple[Step, LogEntry]:
    """The bureau sends an application to a panel that together covers economics, technology, industry,
    management and law."""
    _require(step.status, "form_panel")
    if len(specialties) < MIN_PANEL:
        raise Invalid(
            _("A panel needs at least %(n)s experts.", n=MIN_PANEL), {"expert_ids": _("Too few experts.")}
        )
    missing = missing_fields(specialties.values())
    if missing:
        raise Invalid(
            _("The panel must cover economics, technology, industry, management and law."),
            {"expert_ids": _("Not covered: %(fields)s.", fields=", ".join(missing))},
        )
    return (
        _move(step, "form_panel", status=CenterStatus.review, step_deadline=deadline),
        LogEntry("review_started", {"experts": sorted(specialties), "deadline": deadline.isoformat()}),
    )


def conclude_review(
    step: Step, *, members: Iterable[Membership], approve: bool, reason: str, deadline: date, now: datetime
) -> tuple[Step, LogEntry]:
    """The bureau closes the review once every member has declared and every unconflicted one has scored."""
    _require(step.status, "conclude_review")
    members = list(members)
    if any(m.conflict is None or (not m.conflict and m.weighted_score is None) for m in members):
        raise Conflict(_("Some experts have not declared their conflicts or scored yet."))
    mean = panel_mean(members)
    if mean is None:
        raise Conflict(_("No expert without a conflict of interest has scored; add experts to the panel."))
    # Experts who declared a conflict did not score, so the fields only they cover were never reviewed.
    uncovered = missing_fields(m.specialties for m in members if m.weighted_score is not None)
    if approve and uncovered:
        raise Conflict(
            _(
                "The experts who scored do not cover %(fields)s, so the review cannot pass.",
                fields=_(", ").join(str(EXPERT_FIELDS[f]) for f in uncovered),
            )
        )
    if not approve:
        return _refused(
            step, "conclude_review", reason=reason, now=now, event="review_refused", review_mean=mean
        )
    return (
        _move(
            step, "conclude_review", status=CenterStatus.inspection, review_mean=mean, step_deadline=deadline
        ),
        LogEntry("review_passed", {"mean": mean, "reason": reason, "deadline": deadline.isoformat()}),
    )


def record_inspection(
    step: Step,
    *,
    inspected_on: date,
    inspectors: str,
    findings: str,
    passed: bool,
    notice_days: int,
    now: datetime,
) -> tuple[Step, LogEntry]:
    """The site inspection: passing opens the public notice for `notice_days`, failing ends the application."""
    _require(step.status, "record_inspection")
    record = {"inspected_on": inspected_on.isoformat(), "inspectors": inspectors, "passed": passed}
    inspected = replace(
        step, inspected_on=inspected_on, inspectors=inspectors, findings=findings, inspection_passed=passed
    )
    if not passed:
        return _refused(
            inspected, "record_inspection", reason=findings, now=now, event="inspection_failed", **record
        )
    ends = now + timedelta(days=notice_days)
    return (
        _move(
            inspected,
            "record_inspection",
            status=CenterStatus.notice,
            notice_starts=now,
            notice_ends=ends,
            step_deadline=ends.date(),
        ),
        LogEntry("notice_opened", {**record, "notice_ends": ends.isoformat()}),
    )


def filing_wait(*, notice_ends: datetime | None, now: datetime, unanswered_objections: int) -> str | None:
    """Why a center under public notice cannot be filed yet (the notice still runs, objections wait for their
    answer), or None once it can: the filing form says so and stays disabled, `file_center` refuses alike."""
    if notice_ends is not None and now < notice_ends:
        return _(
            "The public notice runs until %(day)s; file the center after that.",
            day=notice_ends.date().isoformat(),
        )
    if unanswered_objections:
        return _(
            "Answer every objection raised during the public notice before filing (%(n)s unanswered).",
            n=unanswered_objections,
        )
    return None


def file_center(
    step: Step, *, reason: str, now: datetime, unanswered_objections: int, domain_taken: bool
) -> tuple[Step, LogEntry]:
    """Filing (备案) once the notice has run its course and every objection has its answer."""
    _require(step.status, "file")
    wait = filing_wait(notice_ends=step.notice_ends, now=now, unanswered_objections=unanswered_objections)
    if wait:
        raise Conflict(wait)
    if domain_taken:
        raise Conflict(
            _("A filed center already holds this domain in the city; a second one cannot be filed.")
        )
    return (
        _move(
            step,
            "file",
            status=CenterStatus.filed,
            decision_reason=reason,
            decided_at=now,
            step_deadline=None,
        ),
        LogEntry("filed", {"reason": reason, "filed_on": now.date().isoformat()}),
    )


def refuse(step: Step, *, reason: str, now: datetime) -> tuple[Step, LogEntry]:
    """The bureau ends an application at any open step, with reasons the applicant sees."""
    _require(step.status, "refuse")
    return _refused(step, "refuse", reason=reason, now=now, event="refused", at_step=step.status.value)


def _refused(
    step: Step, name: str, *, reason: str, now: datetime, event: str, **data
) -> tuple[Step, LogEntry]:
    return (
        _move(
            step,
            name,
            status=CenterStatus.rejected,
            decision_reason=reason,
            decided_at=now,
            step_deadline=None,
            **({"review_mean": data["review_mean"]} if "review_mean" in data else {}),
        ),
        LogEntry(event, {"reason": reason, **data}),
    )


def accepts_objection(*, status: CenterStatus, notice_ends: datetime | None, now: datetime) -> None:
    """Anyone may object while the public notice runs, and only then."""
    _require(status, "object")
    if notice_ends is not None and notice_ends <= now:
        raise Conflict(_REFUSALS["object"]())


def accepts_applications(*, call_open: bool, deadline: date, today: date) -> None:
    if not call_open or today > deadline:
        raise Conflict(_("This call is closed: applications were due by %(day)s.", day=deadline.isoformat()))


# --- promotion and evaluation -------------------------------------------------------------------------------------


def promotion_target(*, status: CenterStatus, level: CenterLevel, pending: bool) -> CenterLevel:
    """The level a filed center may be recommended for: one above its own."""
    _require(status, "recommend_promotion")
    if pending:
        raise Conflict(_("This center already has a promotion recommendation awaiting its outcome."))
    if level not in NEXT_LEVEL:
        raise Conflict(_("A national center cannot be promoted further."))
    return NEXT_LEVEL[level]


def promotion_outcome(*, current: PromotionOutcome, approved: bool) -> PromotionOutcome:
    """The outcome to record on a recommendation still awaiting one."""
    outcome = PromotionOutcome.approved if approved else PromotionOutcome.rejected
    if outcome not in PROMOTION_ALLOWED[current]:
        raise Conflict(_("The outcome of this promotion is already recorded."))
    return outcome


@dataclass(frozen=True)
class Assessment:
    """The three-year assessment (三年考核) built from three annual grades."""

    years: tuple[int, ...]
    grades: tuple[Grade | None, ...]
    result: Grade | None  # None while any of the three years is not graded yet

    @property
    def complete(self) -> bool:
        return self.result is not None


def three_year_assessment(grades: Mapping[int, Grade | None], *, end_year: int) -> Assessment:
    """Fails with any failed year; otherwise the mean of the grade points, rounded down (excellent 4, good 3,
    passed 2), so one weak year keeps a center out of the top grade."""
    years = tuple(range(end_year - ASSESSMENT_YEARS + 1, end_year + 1))
    row = tuple(grades.get(year) for year in years)
    graded = [g for g in row if g is not None]
    if len(graded) < len(row):
        return Assessment(years, row, None)
    if Grade.failed in graded:
        return Assessment(years, row, Grade.failed)
    mean = sum(GRADE_POINTS[g] for g in graded) // ASSESSMENT_YEARS
    result = next(g for g, points in GRADE_POINTS.items() if points <= mean)
    return Assessment(years, row, result)


# --- per-center weights, the recorded assessment, rectification -----------------------------------------------------

# How far a center's weight of an aspect may stray from the default when the round sets no bounds of its own.
WEIGHT_SPREAD = 10
WEIGHT_TOTAL = 100


def default_bounds() -> dict[str, list[int]]:
    return {
        name: [max(0, w - WEIGHT_SPREAD), min(SCORE_MAX, w + WEIGHT_SPREAD)]
        for name, w in EVALUATION_CRITERIA.items()
    }


def check_bounds(bounds: Mapping[str, Any] | None) -> dict[str, list[int]]:
    """A round's bounds: [min, max] for exactly the evaluation aspects, within which some weights sum to 100."""
    if not bounds:
        return default_bounds()
    fields = {
        "weight_bounds": _(
            "Give [min, max] for each aspect: %(names)s.", names=", ".join(EVALUATION_CRITERIA)
        )
    }
    if set(bounds) != set(EVALUATION_CRITERIA):
        raise Invalid(_("Some fields are not valid."), fields)
    out: dict[str, list[int]] = {}
    for name in EVALUATION_CRITERIA:
        pair = bounds[name]
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
            or not 0 <= pair[0] <= pair[1] <= SCORE_MAX
        ):
            raise Invalid(_("Some fields are not valid."), fields)
        out[name] = [int(pair[0]), int(pair[1])]
    if not sum(lo for lo, _hi in out.values()) <= WEIGHT_TOTAL <= sum(hi for _lo, hi in out.values()):
        message = _("No weights within these bounds add up to 100.")
        raise Invalid(message, {"weight_bounds": message})
    return out


def check_center_weights(weights: Mapping[str, Any], bounds: Mapping[str, list[int]]) -> dict[str, int]:
    """A center's weights (its 功能定位): one per aspect, each within the round's [min, max], summing to 100."""
    if set(weights) != set(bounds):
        raise Invalid(
            _("Some fields are not valid."),
            {"weights": _("Give one weight for each aspect: %(names)s.", names=", ".join(bounds))},
        )
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in weights.values()):
        raise Invalid(_("Some fields are not valid."), {"weights": _("Each weight is a whole number.")})
    outside = [
        f"{name} {weights[name]} ∉ [{lo}, {hi}]"
        for name, (lo, hi) in bounds.items()
        if not lo <= weights[name] <= hi
    ]
    if outside:
        raise Invalid(
            _(
                "Some weights are outside the bounds the evaluation round sets: %(list)s.",
                list="; ".join(outside),
            ),
            {"weights": _("Outside the bounds: %(list)s.", list="; ".join(outside))},
        )
    total = sum(weights.values())
    if total != WEIGHT_TOTAL:
        raise Invalid(
            _("The weights must add up to 100 (they add up to %(total)s).", total=total),
            {"weights": _("The weights must add up to 100 (they add up to %(total)s).", total=total)},
        )
    return {name: int(weights[name]) for name in bounds}


def suggested_grade(grades: Iterable[Grade]) -> Grade:
    """The assessment the annual grades suggest: fails with any failed year; otherwise the mean of the grade
    points rounded down, so one weak year keeps a center out of the top grade (as `three_year_assessment`)."""
    graded = list(grades)
    if not graded:
        raise Conflict(_("No annual evaluation of these three years is graded; the assessment has no basis."))
    if Grade.failed in graded:
        return Grade.failed
    mean = sum(GRADE_POINTS[g] for g in graded) // len(graded)
    return next(g for g, points in GRADE_POINTS.items() if points <= mean)


def assessment_basis(
    evaluations: Mapping[int, tuple[int, Grade | None]], *, end_year: int, status: CenterStatus
) -> tuple[list[int], Grade]:
    """What an assessment ending with `end_year` rests on: the annual evaluations of the three years
    (year → (evaluation id, grade)), every one graded, and the grade they suggest."""
    if status != CenterStatus.filed:
        raise Conflict(_("Only a filed center is assessed."))
    years = range(end_year - ASSESSMENT_YEARS + 1, end_year + 1)
    rows = [evaluations[y] for y in years if y in evaluations]
    ungraded = [y for y in years if y in evaluations and evaluations[y][1] is None]
    if ungraded:
        raise Conflict(
            _(
                "The annual evaluation of %(years)s is not graded yet; grade it before the assessment.",
                years=", ".join(str(y) for y in ungraded),
            )
        )
    return [eid for eid, _g in rows], suggested_grade(g for _eid, g in rows if g is not None)


def promotion_allowed(latest: Grade | None) -> None:
    """Only a center whose latest three-year assessment is 优秀 (excellent) may be recommended (§三(三))."""
    if latest is None:
        raise Conflict(
            _(
                "Only a center whose latest three-year assessment is excellent can be recommended; it has none."
            )
        )
    if latest != Grade.excellent:
        raise Conflict(
            _(
                "Only a center whose latest three-year assessment is excellent can be recommended for promotion."
            )
        )


# A rectification order's status -> the steps it allows -> the status each leads to.
RECTIFICATION: dict[RectificationStatus, dict[str, RectificationStatus]] = {
    RectificationStatus.ordered: {
        "report": RectificationStatus.reported,
        "revoke": RectificationStatus.revoked,
    },
    RectificationStatus.reported: {
        "accept": RectificationStatus.accepted,
        "revoke": RectificationStatus.revoked,
    },
    RectificationStatus.accepted: {},
    RectificationStatus.revoked: {},
}


def order_rectification(
    *, latest: Grade | None, status: CenterStatus, deadline: date, today: date
) -> RectificationStatus:
    """A failing (不合格) latest assessment of a filed center leads to rectification by a future deadline."""
    if status != CenterStatus.filed:
        raise Conflict(_("Only a filed center can be ordered to rectify."))
    if latest != Grade.failed:
        raise Conflict(
            _("Rectification follows a failed three-year assessment; this center's latest is not failed.")
        )
    if deadline <= today:
        raise Invalid(_("Some fields are not valid."), {"deadline": _("The deadline must be after today.")})
    return RectificationStatus.ordered


def rectification_report(*, status: RectificationStatus, deadline: date, today: date) -> RectificationStatus:
    """The center reports on its rectification once, by the deadline."""
    if "report" not in RECTIFICATION[status]:
        raise Conflict(_("This rectification is not awaiting a report."))
    if today > deadline:
        raise Conflict(
            _(
                "The rectification report was due by %(day)s; the bureau decides now.",
                day=deadline.isoformat(),
            )
        )
    return RECTIFICATION[status]["report"]


def rectification_decision(
    *, status: RectificationStatus, accept: bool, deadline: date, today: date
) -> RectificationStatus:
    """The bureau accepts the report (the center is back to normal) or revokes the filing: when it rejects the
    report, or when the deadline passed without one."""
    step = "accept" if accept else "revoke"
    if step not in RECTIFICATION[status]:
        if status == RectificationStatus.ordered and accept:
            raise Conflict(_("The center has not reported on its rectification yet."))
        raise Conflict(_("This rectification is already decided."))
    if status == RectificationStatus.ordered and today <= deadline:
        raise Conflict(
            _(
                "The center may report until %(day)s; the filing can be revoked without a report only after that.",
                day=deadline.isoformat(),
            )
        )
    return RECTIFICATION[status][step]


def revoke(status: CenterStatus) -> CenterStatus:
    """Revocation of the filing (撤销备案)."""
    _require(status, "revoke")
    return CenterStatus.revoked


# --- the development fund -------------------------------------------------------------------------------------------


def fund_window_open(opens_on: date, closes_on: date, today: date) -> bool:
    """A fund call takes applications from its opening day to its closing day, both included."""
    return opens_on <= today <= closes_on


def check_grant(*, requested: int, amount: int | None) -> int:
    """A grant names an amount of at most what the center asked for."""
    if amount is None:
        raise Invalid(_("Some fields are not valid."), {"amount": _("Name the amount granted.")})
    if amount > requested:
        raise Invalid(
            _("Some fields are not valid."),
            {"amount": _("The grant cannot exceed the amount requested (%(yuan)s yuan).", yuan=requested)},
        )
    return amount


def check_criteria(criteria: Mapping[str, int]) -> dict[str, int]:
    """A call's own criteria: names with positive weights adding up to 100 (empty: the default criteria)."""
    if not criteria:
        return dict(FUND_CRITERIA)
    if any(not name or weight <= 0 for name, weight in criteria.items()) or sum(criteria.values()) != 100:
        raise Invalid(
            _("Some fields are not valid."),
            {"criteria": _("The weights must be positive and add up to 100.")},
        )
    return dict(criteria)
