"""Access matrix of the development fund and of open challenges scored by the bureau's experts: anyone signed in
reads the calls; the bureau opens calls, forms panels, decides and records payments; a filed center's own users
apply; an application is read by the bureau, the center and its assigned experts only (404 to others); the poster
of a challenge (the enterprise) and the bureau ask the experts to score its proposals."""

from datetime import date, timedelta

from app.oversight.services import fund
from app.trading.services import challenges
from models import Center, CenterStatus
from tests.platform.access_matrix import Case, Pair, everyone, only
from tests.utils.factories import create_need, create_user, in_app

TODAY = date.today()
CALL = {
    "title": "矩阵测试发展基金",
    "budget": 5_000_000,
    "opens_on": (TODAY - timedelta(days=1)).isoformat(),
    "closes_on": (TODAY + timedelta(days=20)).isoformat(),
}
CALL_FORM = {
    "title": "矩阵测试发展基金二",
    "budget": "500",
    "opens_on": CALL["opens_on"],
    "closes_on": CALL["closes_on"],
}
PLAN = "建设共性技术中试平台，服务本地企业。"
LINES = [{"item": "设备", "amount": 1_000_000}]
PAYMENT = {"paid_on": TODAY.isoformat(), "amount": 100_000}


def _center(session, org_id: int, name: str) -> int:
    center = Center(
        name=name,
        industry="automotive",
        domain=name,
        org_id=org_id,
        status=CenterStatus.filed,
        filed_on=TODAY,
    )
    session.add(center)
    session.commit()
    return center.id


def build(session, users) -> dict[str, int | str]:
    bureau, center_user, expert = users["bureau"], users["center"], users["expert"]
    enterprise = users["enterprise"]
    ids: dict[str, int | str] = {"f_expert": expert.id}
    with in_app(session):
        call = fund.open_call(session=session, user=bureau, data=CALL)
        ids["f_call"] = call.id
        for name in ("api", "page"):
            ids[f"f_center_{name}"] = _center(session, center_user.org_id, f"矩阵基金中心{name}")
        made = {}
        for name in ("read", "panel_api", "panel_page", "decide_api", "decide_page", "pay_api", "pay_page"):
            center_id = _center(session, center_user.org_id, f"矩阵基金申请{name}")
            application = fund.apply(
                session=session,
                user=center_user,
                call_id=call.id,
                data={"center_id": center_id, "plan": PLAN, "budget_lines": LINES},
            )
            made[name] = application.id
            if name.startswith("pay"):
                fund.decide(
                    session=session,
                    user=bureau,
                    application_id=application.id,
                    data={"grant": True, "amount": 1_000_000},
                )
        fund.assign_panel(
            session=session, user=bureau, application_id=made["read"], data={"expert_ids": [expert.id]}
        )
        ids.update({f"f_app_{k}": v for k, v in made.items()})
        need = create_need(session, enterprise)
        team = create_user(session, "institute")
        for name in ("api", "page"):
            challenge = challenges.create_challenge(
                session=session,
                user=enterprise,
                data={
                    "need_id": need.id,
                    "goals": "焊缝气孔率降到0.5%以下",
                    "acceptance_criteria": "第三方检测报告",
                    "reward": 500_000,
                    "deadline": (TODAY + timedelta(days=30)).isoformat(),
                },
            )
            challenges.submit_proposal(
                session=session,
                user=team,
                challenge_id=challenge.id,
                data={"plan": "激光-电弧复合焊接工艺方案。", "price": 400_000, "months": 6},
            )
            ids[f"f_challenge_{name}"] = challenge.id
    return ids


BUREAU_API = only({"bureau": 200}, visitor=401)
BUREAU_FORM = only({"bureau": 302}, visitor=302)
SIGNED_IN = only({"enterprise": 200, "center": 200, "bureau": 200, "expert": 200}, visitor=302)
READERS = {"bureau": 200, "center": 200, "expert": 200}

CASES = [
    Case("GET", "/api/v1/fund-calls", everyone(200)),
    Case("GET", "/api/v1/fund-calls/{f_call}", everyone(200)),
    Case("POST", "/api/v1/fund-calls", only({"bureau": 201}, visitor=401), body=CALL),
    Case(
        "POST",
        "/api/v1/fund-calls/{f_call}/applications",
        only({"center": 201}, visitor=401),
        body={"center_id": "{f_center_api}", "plan": PLAN, "budget_lines": LINES},
    ),
    Case("GET", "/api/v1/fund-applications/{f_app_read}", only(READERS, visitor=401, others=404)),
    Case(
        "POST",
        "/api/v1/fund-applications/{f_app_panel_api}/panel",
        BUREAU_API,
        body={"expert_ids": ["{f_expert}"]},
    ),
    Case(
        "POST",
        "/api/v1/fund-applications/{f_app_decide_api}/decision",
        BUREAU_API,
        body={"grant": False, "reason": "不符合申报条件。"},
    ),
    Case(
        "POST",
        "/api/v1/fund-applications/{f_app_pay_api}/disbursements",
        only({"bureau": 201}, visitor=401),
        body=PAYMENT,
    ),
    # pages
    Case("GET", "/fund", SIGNED_IN),
    Case("GET", "/fund/calls/{f_call}", SIGNED_IN),
    Case("POST", "/bureau/fund/calls", BUREAU_FORM, body=CALL_FORM),
    Case(
        "POST",
        "/fund/calls/{f_call}/applications",
        only({"center": 302}, visitor=302),
        body={"center_id": "{f_center_page}", "plan": PLAN, "line_item_0": "设备", "line_amount_0": "100"},
    ),
    Case("GET", "/fund/applications/{f_app_read}", only(READERS, visitor=302, others=404)),
    Case(
        "POST",
        "/fund/applications/{f_app_panel_page}/panel",
        BUREAU_FORM,
        body={"expert_ids": ["{f_expert}"]},
    ),
    Case(
        "POST",
        "/fund/applications/{f_app_decide_page}/decision",
        BUREAU_FORM,
        body={"grant": "true", "amount": "50", "reason": "支持。"},
    ),
    Case(
        "POST",
        "/fund/applications/{f_app_pay_page}/disbursements",
        BUREAU_FORM,
        body={"paid_on": PAYMENT["paid_on"], "amount": "10"},
    ),
    # open challenges: the poster asks the bureau's experts
    Case(
        "POST",
        "/api/v1/challenges/{f_challenge_api}/experts",
        only({"enterprise": 200, "bureau": 200}, visitor=401),
        body={"expert_ids": ["{f_expert}"]},
    ),
    Case(
        "POST",
        "/challenges/{f_challenge_page}/experts",
        only({"enterprise": 302, "bureau": 302}, visitor=302),
        body={"expert_ids": ["{f_expert}"]},
    ),
]

PAIRS = [
    Pair("GET /fund/applications/{f_app_read}", "GET /api/v1/fund-applications/{f_app_read}"),
    Pair(
        "POST /fund/applications/{f_app_decide_page}/decision",
        "POST /api/v1/fund-applications/{f_app_decide_api}/decision",
    ),
]
