"""Access matrix of completing a center's legal entity from its business licence: only the bureau lists the
centers that wait for one and completes them, on the page and through the API."""

from datetime import date

from models import Center, CenterStatus, Organization, OrgKind
from tests.platform.access_matrix import Case, Pair, only
from tests.utils.factories import random_credit_code

LOGIN = 302
API = "/api/v1/bureau"


def _pending(session, name: str) -> int:
    """A filed center whose own organization still carries a placeholder credit code."""
    center = Center(
        name=name, industry="automotive", domain=name, status=CenterStatus.filed, filed_on=date(2021, 6, 1)
    )
    session.add(center)
    session.flush()
    org = Organization(
        kind=OrgKind.center, name=name, credit_code=f"待补{center.id:016d}", industries=["automotive"]
    )
    session.add(org)
    session.flush()
    center.org_id = org.id
    session.add(center)
    session.commit()
    return center.id


def build(session, users) -> dict[str, int | str]:
    return {
        "pending_page": _pending(session, "矩阵待补中心甲"),
        "pending_api": _pending(session, "矩阵待补中心乙"),
        "code_page": random_credit_code(),
        "code_api": random_credit_code(),
    }


CASES: list[Case] = [
    Case("GET", f"{API}/legal-entities/pending", only({"bureau": 200}, visitor=401)),
    Case(
        "PUT",
        f"{API}/centers/{{pending_api}}/legal-entity",
        only({"bureau": 200}, visitor=401),
        body={"entity_name": "矩阵待补中心乙有限公司", "entity_credit_code": "{code_api}"},
    ),
    Case(
        "POST",
        "/bureau/centers/{pending_page}/legal-entity",
        only({"bureau": 302}, visitor=LOGIN),
        body={"entity_name": "矩阵待补中心甲有限公司", "entity_credit_code": "{code_page}"},
    ),
]

PAIRS = [
    Pair(
        "POST /bureau/centers/{pending_page}/legal-entity",
        f"PUT {API}/centers/{{pending_api}}/legal-entity",
    )
]
