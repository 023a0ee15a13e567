"""Access matrix of the policy's yardsticks: the bureau sets the plan's and a center's targets, weights, decides
assessments, orders rectification and decides on it; a center's users see their own targets, assessments and
rectification and report on it; every signed-in user may read the plan's targets."""

from datetime import date, timedelta

from app.oversight.services import rectification
from models import Center, CenterEvaluation, CenterStatus, EvaluationRound
from tests.platform.access_matrix import Case, Pair, only
from tests.utils.bureau import assess, graded_years
from tests.utils.factories import create_user, in_app

LOGIN = 302
BUREAU_PAGE = only({"bureau": 200}, visitor=LOGIN)
BUREAU_FORM = only({"bureau": 302}, visitor=LOGIN)
OWN_API = only({"bureau": 200, "center": 200}, visitor=401)
API = "/api/v1"
WEIGHTS = {"results": 25, "transfer": 40, "industry_support": 20, "talent": 10, "cooperation": 5}
YEAR = date.today().year


def _center(session, org_id: int, name: str) -> int:
    center = Center(
        name=name,
        industry="automotive",
        domain=name,
        org_id=org_id,
        status=CenterStatus.filed,
        filed_on=date(2022, 1, 1),
    )
    session.add(center)
    session.commit()
    return center.id


def build(session, users) -> dict[str, int]:
    """Centers of the center user (a hub, some under rectification ordered or reported), centers of other
    organizations to assess or order to rectify, and ungraded evaluations to weight."""
    bureau, center_user = users["bureau"], users["center"]
    other = create_user(session, "university").org_id
    ids: dict[str, int] = {"ys_hub": _center(session, center_user.org_id, "矩阵目标中心")}
    round_ = EvaluationRound(year=2019, deadline=date(2020, 3, 31))
    session.add(round_)
    session.commit()
    for suffix in ("", "_api"):
        assessed = ids["ys_assess" + suffix] = _center(session, other, f"矩阵考核中心{suffix}")
        graded_years(session, assessed, {2017: "good", 2018: "excellent"})
        failed = ids["ys_failed" + suffix] = _center(session, other, f"矩阵不合格中心{suffix}")
        assess(session, failed, "failed")
        evaluation = CenterEvaluation(round_id=round_.id, center_id=ids["ys_hub"] if not suffix else assessed)
        session.add(evaluation)
        session.commit()
        ids["ys_evaluation" + suffix] = evaluation.id
    deadline = (date.today() + timedelta(days=30)).isoformat()
    with in_app(session):
        for name in ("ys_ordered", "ys_ordered_page", "ys_ordered_api", "ys_reported", "ys_reported_api"):
            center_id = _center(session, center_user.org_id, f"矩阵整改中心{name}")
            assess(session, center_id, "failed")
            row = rectification.order(
                session=session,
                user=bureau,
                center_id=center_id,
                data={"deadline": deadline, "reasons": "限期整改"},
            )
            if name.startswith("ys_reported"):
                rectification.submit_report(
                    session=session,
                    user=center_user,
                    rectification_id=row.id,
                    data={"report": "整改报告：已完成各项整改。"},
                )
            ids[name] = row.id
    return ids


TARGET_FORM = {"form_id": "targets", "year": str(YEAR), "count_trainings": "3"}
TARGETS_API = {"year": YEAR, "targets": [{"indicator": "trainings", "target_count": 3}]}
PLAN = {"target_year": 2025, "level": "city", "min_count": 10, "max_count": 15}
ASSESSMENT = {"period_end_year": 2018, "grade": "good", "reasons": "两年评估良好以上"}
ORDER = {"deadline": (date.today() + timedelta(days=30)).isoformat(), "reasons": "三年考核不合格，限期整改"}
REPORT = {"report": "整改报告：已理顺运行机制。"}
DECISION = {"accept": True, "reasons": "整改到位"}

CASES: list[Case] = [
    # --- pages ---
    Case("GET", "/bureau/targets", BUREAU_PAGE),
    Case("POST", "/bureau/targets", BUREAU_FORM, body={"form_id": "plan-target", **PLAN}),
    Case("POST", "/bureau/centers/{ys_hub}/targets", BUREAU_FORM, body=TARGET_FORM),
    Case(
        "POST",
        "/evaluations/{ys_evaluation}/weights",
        BUREAU_FORM,
        body={"form_id": "weights", **{f"weight_{k}": str(v) for k, v in WEIGHTS.items()}},
    ),
    Case(
        "POST",
        "/bureau/centers/{ys_assess}/assessments",
        BUREAU_FORM,
        body={"form_id": "assessment", **ASSESSMENT},
    ),
    Case(
        "POST",
        "/bureau/centers/{ys_failed}/rectification",
        BUREAU_FORM,
        body={"form_id": "rectification", **ORDER},
    ),
    Case(
        "POST",
        "/bureau/rectifications/{ys_reported}/decision",
        BUREAU_FORM,
        body={"accept": "true", "reasons": "整改到位"},
    ),
    Case(
        "POST",
        "/my-center/rectifications/{ys_ordered_page}/report",
        only({"center": 302}, visitor=LOGIN),
        body=REPORT,
    ),
    # --- API ---
    Case(
        "GET",
        f"{API}/targets",
        only({"bureau": 200, "center": 200, "enterprise": 200, "expert": 200}, visitor=401),
    ),
    Case("POST", f"{API}/targets", only({"bureau": 200}, visitor=401), body=PLAN),
    Case("GET", f"{API}/centers/{{ys_hub}}/targets?year={YEAR}", OWN_API),
    Case("PUT", f"{API}/centers/{{ys_hub}}/targets", only({"bureau": 200}, visitor=401), body=TARGETS_API),
    Case(
        "PUT",
        f"{API}/evaluations/{{ys_evaluation_api}}/weights",
        only({"bureau": 200}, visitor=401),
        body={"weights": WEIGHTS},
    ),
    Case("GET", f"{API}/centers/{{ys_hub}}/assessments", OWN_API),
    Case(
        "POST",
        f"{API}/centers/{{ys_assess_api}}/assessments",
        only({"bureau": 201}, visitor=401),
        body=ASSESSMENT,
    ),
    Case(
        "POST",
        f"{API}/centers/{{ys_failed_api}}/rectification",
        only({"bureau": 201}, visitor=401),
        body=ORDER,
    ),
    Case("GET", f"{API}/rectifications/{{ys_ordered}}", OWN_API),
    Case(
        "POST",
        f"{API}/rectifications/{{ys_ordered_api}}/report",
        only({"center": 200}, visitor=401),
        body=REPORT,
    ),
    Case(
        "POST",
        f"{API}/rectifications/{{ys_reported_api}}/decision",
        only({"bureau": 200}, visitor=401),
        body=DECISION,
    ),
]

PAIRS: list[Pair] = [
    Pair("POST /bureau/targets", f"POST {API}/targets"),
    Pair("POST /bureau/centers/{ys_hub}/targets", f"PUT {API}/centers/{{ys_hub}}/targets"),
    Pair("POST /evaluations/{ys_evaluation}/weights", f"PUT {API}/evaluations/{{ys_evaluation_api}}/weights"),
    Pair("POST /bureau/centers/{ys_assess}/assessments", f"POST {API}/centers/{{ys_assess_api}}/assessments"),
    Pair(
        "POST /bureau/centers/{ys_failed}/rectification",
        f"POST {API}/centers/{{ys_failed_api}}/rectification",
    ),
    Pair(
        "POST /bureau/rectifications/{ys_reported}/decision",
        f"POST {API}/rectifications/{{ys_reported_api}}/decision",
    ),
    Pair(
        "POST /my-center/rectifications/{ys_ordered_page}/report",
        f"POST {API}/rectifications/{{ys_ordered_api}}/report",
    ),
]
