"""Access matrix of the indicators, the dashboard and the exports: the bureau sees everything, a center's users
their own center's figures and evaluation report, an assigned expert the report they score, nobody else."""

from datetime import date

from app.oversight.services import evaluations
from models import Center, CenterStatus
from tests.platform.access_matrix import Case, Pair, only
from tests.utils.factories import create_user, in_app

LOGIN = 302
BUREAU_PAGE = only({"bureau": 200}, visitor=LOGIN)
OWN_PAGE = only({"bureau": 200, "center": 200}, visitor=LOGIN)
API = "/api/v1/indicators"


def _center(session, org_id: int, name: str) -> int:
    center = Center(
        name=name,
        industry="automotive",
        domain=name,
        org_id=org_id,
        status=CenterStatus.filed,
        filed_on=date(2024, 1, 1),
    )
    session.add(center)
    session.commit()
    return center.id


def build(session, users) -> dict[str, int]:
    """A filed center of the center user, one of another organization, and a 2021 evaluation of the former
    assigned to the expert."""
    own = _center(session, users["center"].org_id, "矩阵指标中心")
    foreign = _center(session, create_user(session, "center").org_id, "矩阵他方指标中心")
    with in_app(session):
        round_ = evaluations.open_round(
            session=session, user=users["bureau"], data={"year": 2021, "deadline": "2022-03-31"}
        )
        evaluation = next(
            e.id
            for e, _c in evaluations.evaluations_of_round(
                session=session, user=users["bureau"], round_id=round_.id
            )
            if e.center_id == own
        )
        evaluations.assign_experts(
            session=session,
            user=users["bureau"],
            evaluation_id=evaluation,
            data={"expert_ids": [users["expert"].id]},
        )
    return {"ind_own": own, "ind_foreign": foreign, "ind_evaluation": evaluation}


CASES: list[Case] = [
    Case("GET", "/bureau/dashboard?year=2026", BUREAU_PAGE),
    Case("GET", "/bureau/dashboard.json?year=2026", BUREAU_PAGE),
    Case("GET", "/bureau/centers.pdf", BUREAU_PAGE),
    # Without a center, a center's user sees their own center's figures; others have none to see.
    Case("GET", "/indicators?year=2026", OWN_PAGE),
    Case("GET", "/indicators?center_id={ind_own}", OWN_PAGE),
    Case("GET", "/indicators?center_id={ind_foreign}", BUREAU_PAGE),
    Case("GET", "/indicators/trainings?center_id={ind_own}", OWN_PAGE),
    Case("GET", "/indicators/technology_market_turnover?center_id={ind_foreign}", BUREAU_PAGE),
    Case("GET", "/indicators.csv?center_id={ind_own}", OWN_PAGE),
    Case("GET", "/indicators.xlsx?center_id={ind_foreign}", BUREAU_PAGE),
    Case("GET", "/indicators.pdf?center_id={ind_own}", OWN_PAGE),
    Case("GET", "/indicators.pdf?center_id={ind_foreign}", BUREAU_PAGE),
    Case(
        "GET",
        "/evaluations/{ind_evaluation}/report.pdf",
        only({"bureau": 200, "center": 200, "expert": 200}, visitor=LOGIN),
    ),
    Case("GET", f"{API}?year=2026", only({"bureau": 200}, visitor=401)),
    Case("GET", f"{API}?center_id={{ind_own}}", only({"bureau": 200, "center": 200}, visitor=401)),
    Case("GET", f"{API}?center_id={{ind_foreign}}", only({"bureau": 200}, visitor=401)),
    Case(
        "GET",
        f"{API}/commissioned_rd_contracts/records?center_id={{ind_own}}",
        only({"bureau": 200, "center": 200}, visitor=401),
    ),
    Case("GET", f"{API}/trainings/records?center_id={{ind_foreign}}", only({"bureau": 200}, visitor=401)),
    Case(
        "GET",
        f"{API}/trainings/records?center_id={{ind_own}}",
        only({"bureau": 200, "center": 200}, visitor=401),
    ),
    Case(
        "GET",
        f"{API}/technology_market_turnover/records?center_id={{ind_foreign}}",
        only({"bureau": 200}, visitor=401),
    ),
]

# Without a center_id the page shows a center's user their own center and the API the city: not one resource.
PAIRS: list[Pair] = [
    Pair("GET /indicators?center_id={ind_own}", f"GET {API}?center_id={{ind_own}}"),
    Pair("GET /indicators?center_id={ind_foreign}", f"GET {API}?center_id={{ind_foreign}}"),
    Pair(
        "GET /indicators/trainings?center_id={ind_own}", f"GET {API}/trainings/records?center_id={{ind_own}}"
    ),
    Pair(
        "GET /indicators/technology_market_turnover?center_id={ind_foreign}",
        f"GET {API}/technology_market_turnover/records?center_id={{ind_foreign}}",
    ),
]
