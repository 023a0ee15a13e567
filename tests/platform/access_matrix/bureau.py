"""Access matrix of the bureau's oversight: the bureau decides, experts reach only what is assigned to them,
a center reaches its own records and reports, an applicant its own application, and the public the notices."""

import io
from datetime import date, timedelta

from werkzeug.datastructures import FileStorage

from app.oversight.services import application_documents as documents
from app.oversight.services import center_records, evaluations, experts
from app.oversight.services import notice as notice_service
from app.oversight.services import promotion as promotion_service
from models import Center, CenterMember, CenterStatus, check_character
from tests.platform.access_matrix import Case, Pair
from tests.utils.bureau import (
    SCORES,
    application_data,
    apply,
    assess,
    call_data,
    carry,
    create_call,
    create_expert,
    end_notice,
)
from tests.utils.factories import create_achievement, create_user, in_app

LOGIN = 302  # an HTML page that needs a login sends the visitor to the login form
ROLES = ("visitor", "enterprise", "center", "bureau", "expert")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def only(allowed: dict[str, int], *, visitor: int, others: int = 403) -> dict[str, int]:
    """`allowed` for the roles named there, `visitor` for the visitor, `others` for every other role."""
    return {role: allowed.get(role, visitor if role == "visitor" else others) for role in ROLES}


CODES = tuple(
    body + check_character(body)
    for body in ("91220101MA17A9K5X", "91220101MA17A9K6X", "91220101MA17A9K7X", "91220101MA17A9K8X")
)
# The legal entity a filing names: the page and the API file different centers, so each has its own code.
ENTITY_CODES = tuple(body + check_character(body) for body in ("91220101MA17A9K9X", "91220101MA17A9KAX"))
GOVERNANCE = {"body": "decision_body", "name": "赵理事长", "role": "理事长", "term_start": "2026-01-01"}
CONTRIBUTION = {
    "org_id": "{gov_member}",
    "kind": "shares",
    "amount": "2000000",
    "contributed_on": "2026-01-15",
}
FORM_APPLICATION = {
    "center_name": "长春市矩阵测试创新中心",
    "plan": "以企业为主体、产学研联合组建，建设中试线，面向中小企业开放共享。",
    "expert_name_0": "王教授",
    **{f"founder_name_{i}": f"矩阵发起单位{i}" for i in range(4)},
    **{f"founder_credit_code_{i}": code for i, code in enumerate(CODES)},
}
API_APPLICATION = {
    **application_data(),
    "founders": [{"name": f"矩阵发起单位{i}", "credit_code": code} for i, code in enumerate(CODES)],
}
INSPECTION = {
    "inspected_on": date.today().isoformat(),
    "inspectors": "张三",
    "findings": "场地到位",
    "passed": "true",
}
OUTCOME = {"approved": "true", "decided_on": date.today().isoformat(), "remarks": "省级认定"}
REPORT = {"summary": "年度运行总体良好，完成预定目标。"}
TRAINING = {"held_on": "2026-03-01", "topic": "矩阵培训", "people": "20", "mode": "online"}
PROJECT = {"partner": "KIT", "country": "德国", "form": "exchange", "started_on": "2026-01-01"}
OBJECTION = {"name": "李", "contact": "li@example.cn", "text": "请核实发起单位资质。"}
SCORE_FORM = {**{f"score_{k}": str(v) for k, v in SCORES.items()}, "opinion": "基础扎实，建议通过。"}


def _filed_center(session, org_id: int, name: str) -> int:
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
    """Applications at each step (one per case that moves one), filed centers of the center user with an
    achievement each, an objection, a flag, a pending promotion, and a 2025 evaluation round with the expert
    assigned to the center's evaluations and to panels."""
    bureau, expert, center_user = users["bureau"], users["expert"], users["center"]
    with in_app(session):
        experts.set_profile(
            session=session, user_id=expert.id, data={"specialties": ["technology", "industry"]}
        )
    economist = create_expert(session, ["economics", "law", "management"])
    panel = [expert, economist]
    call = create_call(session, bureau)
    # One call per path that applies, since an organization has one open application per call.
    ids: dict[str, int] = {
        "call": call.id,
        "call_api": create_call(session, bureau).id,
        "expert": expert.id,
        "economist": economist.id,
    }
    for suffix in ("", "_api"):
        ids["applied" + suffix] = apply(session, call).id
        ids["refuse" + suffix] = apply(session, call).id
        review = carry(session, bureau, apply(session, call), "review", panel)
        ids["review" + suffix] = review.id
        ids["concluded" + suffix] = _scored(session, bureau, call, panel)
        ids["inspection" + suffix] = carry(session, bureau, apply(session, call), "inspection", panel).id
        notice = carry(session, bureau, apply(session, call), "notice", panel)
        ids["notice" + suffix] = notice.id
        with in_app(session):
            rows = experts.my_assignments(session=session, user=expert)
            mine = {row.subject_id: row.id for row in rows}
            ids["assignment" + suffix] = mine[review.id]
            declared = carry(session, bureau, apply(session, call), "review", panel)
            ids["declared" + suffix] = next(
                r.id
                for r in experts.my_assignments(session=session, user=expert)
                if r.subject_id == declared.id
            )
            experts.declare_conflict(
                session=session, user=expert, assignment_id=ids["declared" + suffix], data={"conflict": False}
            )
            ids["objection" + suffix] = notice_service.raise_objection(
                session=session, application_id=notice.id, data=OBJECTION
            ).id
    # Filing needs a domain no filed center holds: each filing gets a call of its own.
    for suffix in ("", "_api"):
        own_call = create_call(session, bureau, domain=f"矩阵备案领域{suffix or 'html'}")
        filing = carry(session, bureau, apply(session, own_call), "notice", panel)
        end_notice(session, filing)
        ids["filing" + suffix] = filing.id

    # The enterprise applies on a call of its own; the panel's expert reads its documents.
    documented = carry(
        session, bureau, apply(session, create_call(session, bureau), users["enterprise"]), "review", panel
    )
    ids["documented"] = documented.id
    with in_app(session):
        ids["document"] = documents.add_document(
            session=session,
            user=users["enterprise"],
            application_id=documented.id,
            data={"title": "合作协议"},
            upload=FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="agreement.pdf"),
        ).id

    ids["hub"] = _filed_center(session, center_user.org_id, "矩阵测试创新中心")
    ids["hub_api"] = _filed_center(session, center_user.org_id, "矩阵测试创新中心二")
    ids["promote"] = _filed_center(session, create_user(session, "university").org_id, "矩阵晋升中心")
    ids["promote_api"] = _filed_center(session, create_user(session, "university").org_id, "矩阵晋升中心二")
    for name in ("promote", "promote_api"):  # only an excellent latest assessment may be promoted
        assess(session, ids[name], "excellent")
    with in_app(session):
        for name in ("flag_me", "flag_me_api", "flagged", "flagged_api"):
            ids[name] = create_achievement(session, center_user, center_id=ids["hub"]).id
        for suffix in ("", "_api"):
            ids["flag" + suffix] = center_records.flag_first_use(
                session=session,
                user=center_user,
                center_id=ids["hub"],
                data={
                    "achievement_id": ids["flagged" + suffix],
                    "category": "equipment",
                    "reason": "首台套装备应用",
                },
            ).id
            pending = _filed_center(
                session, create_user(session, "university").org_id, f"矩阵待定中心{suffix}"
            )
            assess(session, pending, "excellent")
            ids["promotion" + suffix] = promotion_service.recommend_promotion(
                session=session, user=bureau, center_id=pending, data={"basis": "连续优秀"}
            ).id
        round_ = evaluations.open_round(
            session=session,
            user=bureau,
            data={"year": 2025, "deadline": (date.today() + timedelta(days=30)).isoformat()},
        )
        ids["round"] = round_.id
        by_center = {
            e.center_id: e.id
            for e, _c in evaluations.evaluations_of_round(session=session, user=bureau, round_id=round_.id)
        }
        for suffix in ("", "_api"):
            evaluation_id = ids["evaluation" + suffix] = by_center[ids["hub" + suffix]]
            evaluations.submit_report(
                session=session, user=center_user, evaluation_id=evaluation_id, data=REPORT
            )
            evaluations.assign_experts(
                session=session, user=bureau, evaluation_id=evaluation_id, data={"expert_ids": [expert.id]}
            )
    # A filed center of the center user with a member unit: its governance and its members' contributions.
    ids["gov"] = _filed_center(session, center_user.org_id, "矩阵治理中心")
    ids["gov_member"] = create_user(session, "university").org_id
    session.add(CenterMember(center_id=ids["gov"], org_id=ids["gov_member"]))
    session.commit()
    return ids


def _scored(session, bureau, call, panel) -> int:
    """An application whose panel has scored: the review waits for the bureau's decision."""
    application = carry(session, bureau, apply(session, call), "review", panel)
    with in_app(session):
        for member in panel:
            row = next(
                r
                for r in experts.my_assignments(session=session, user=member)
                if r.subject_id == application.id
            )
            experts.declare_conflict(
                session=session, user=member, assignment_id=row.id, data={"conflict": False}
            )
            experts.submit_score(
                session=session,
                user=member,
                assignment_id=row.id,
                data={"scores": SCORES, "opinion": "基础扎实，建议通过。"},
            )
    return application.id


BUREAU_PAGE = only({"bureau": 200}, visitor=LOGIN)
BUREAU_FORM = only({"bureau": 302}, visitor=LOGIN)
API = "/api/v1/bureau"

CASES: list[Case] = [
    # --- the bureau's workbench ---
    Case("GET", "/bureau", BUREAU_PAGE),
    Case("GET", "/bureau/centers", BUREAU_PAGE),
    Case("GET", "/bureau/centers/{hub}", only({"bureau": 200, "center": 200}, visitor=LOGIN)),
    Case("POST", "/bureau/centers/{promote}/promotions", BUREAU_FORM, body={"basis": "连续两年优秀"}),
    Case(
        "POST", "/bureau/promotions/{promotion}/outcome", BUREAU_FORM, body={**OUTCOME, "center_id": "{hub}"}
    ),
    # A center's governance and members' contributions: its own users and the bureau keep them.
    Case(
        "POST",
        "/bureau/centers/{gov}/governance",
        only({"center": 302, "bureau": 302}, visitor=LOGIN),
        body=GOVERNANCE,
    ),
    Case(
        "POST",
        "/bureau/centers/{gov}/contributions",
        only({"center": 302, "bureau": 302}, visitor=LOGIN),
        body=CONTRIBUTION,
    ),
    Case("GET", "/bureau/calls", BUREAU_PAGE),
    Case(
        "POST",
        "/bureau/calls",
        BUREAU_FORM,
        body={
            **call_data(),
            "weight_technical_foundation": "30",
            "weight_institutions_mechanism": "25",
            "weight_influence": "20",
            "weight_plan_quality": "25",
        },
    ),
    # The bureau sees every application; an organization its own (as in the API); an expert belongs to none.
    Case(
        "GET", "/bureau/applications", only({"enterprise": 200, "center": 200, "bureau": 200}, visitor=LOGIN)
    ),
    Case("GET", "/bureau/first-use", BUREAU_PAGE),
    Case("POST", "/bureau/first-use/{flag}/review", BUREAU_FORM, body={"recommend": "true", "note": "推荐"}),
    Case("GET", "/bureau/first-use/recommended.csv", BUREAU_PAGE),
    Case("GET", "/bureau/evaluations", BUREAU_PAGE),
    Case("POST", "/bureau/evaluations", BUREAU_FORM, body={"year": "2024", "deadline": "2026-12-31"}),
    Case(
        "POST",
        "/bureau/objections/{objection}/answer",
        BUREAU_FORM,
        body={"answer": "已核实。", "application_id": "{notice}"},
    ),
    Case(
        "POST",
        "/applications/{notice}/objections/dismiss",
        BUREAU_FORM,
        body={"ids": ["{objection}"], "reason": "重复提交的异议"},
    ),
    # --- one application: the bureau, the panel's experts (reading), nobody else ---
    Case("GET", "/applications/{review}", only({"bureau": 200, "expert": 200}, visitor=LOGIN)),
    Case("GET", "/applications/{applied}", only({"bureau": 200}, visitor=LOGIN)),
    Case(
        "POST", "/applications/{applied}/panel", BUREAU_FORM, body={"expert_ids": ["{expert}", "{economist}"]}
    ),
    Case(
        "POST",
        "/applications/{concluded}/review-decision",
        BUREAU_FORM,
        body={"approve": "true", "reason": "通过"},
    ),
    Case("POST", "/applications/{inspection}/inspection", BUREAU_FORM, body=INSPECTION),
    Case(
        "POST",
        "/applications/{filing}/filing",
        BUREAU_FORM,
        body={
            "approve": "true",
            "reason": "同意备案",
            "entity_name": "矩阵备案中心有限公司",
            "entity_credit_code": ENTITY_CODES[0],
        },
    ),
    Case("POST", "/applications/{refuse}/refusal", BUREAU_FORM, body={"reason": "材料不全"}),
    # Documents: the applicant, the bureau and the assigned experts read them; only the applicant adds
    # (a form carries no file here, so the applicant gets as far as "choose a file").
    Case(
        "GET",
        "/applications/{documented}/documents/{document}",
        only({"enterprise": 200, "bureau": 200, "expert": 200}, visitor=LOGIN),
    ),
    Case(
        "POST",
        "/applications/{documented}/documents",
        only({"enterprise": 422}, visitor=LOGIN),
        body={"title": "补充材料"},
    ),
    Case(
        "GET",
        f"{API}/applications/{{documented}}/documents/{{document}}",
        only({"enterprise": 200, "bureau": 200, "expert": 200}, visitor=401),
    ),
    Case(
        "POST",
        f"{API}/applications/{{documented}}/documents",
        only({"enterprise": 422}, visitor=401),
        body={"title": "补充材料"},
    ),
    # Only the applicant removes one, and only before the review (this application is with its panel).
    Case(
        "POST",
        "/applications/{documented}/documents/{document}/delete",
        only({"enterprise": 409}, visitor=LOGIN),
    ),
    Case(
        "DELETE",
        f"{API}/applications/{{documented}}/documents/{{document}}",
        only({"enterprise": 409}, visitor=401),
    ),
    # --- the public notice and calls ---
    Case("GET", "/notices", everyone(200)),
    Case("POST", "/notices/{notice}/objections", everyone(302), body=OBJECTION),
    Case("GET", "/calls/{call}/apply", only({"enterprise": 200, "center": 200}, visitor=LOGIN)),
    # A center's own legal entity cannot lead its creation: the policy wants an institute, university or firm.
    Case(
        "POST",
        "/calls/{call}/apply",
        only({"enterprise": 302, "center": 422}, visitor=LOGIN),
        body=FORM_APPLICATION,
    ),
    # --- the center's own records ---
    Case("GET", "/my-center", only({"enterprise": 200, "center": 200}, visitor=LOGIN)),
    Case("POST", "/my-center/{hub}/trainings", only({"center": 302}, visitor=LOGIN), body=TRAINING),
    Case("POST", "/my-center/{hub}/cooperation", only({"center": 302}, visitor=LOGIN), body=PROJECT),
    Case(
        "POST",
        "/my-center/{hub}/first-use-flags",
        only({"center": 302}, visitor=LOGIN),
        body={"achievement_id": "{flag_me}", "category": "key_part", "reason": "首批次关键零部件"},
    ),
    Case(
        "GET", "/evaluations/{evaluation}", only({"bureau": 200, "center": 200, "expert": 200}, visitor=LOGIN)
    ),
    Case("POST", "/evaluations/{evaluation}/report", only({"center": 302}, visitor=LOGIN), body=REPORT),
    Case("POST", "/evaluations/{evaluation}/experts", BUREAU_FORM, body={"expert_ids": ["{expert}"]}),
    Case("POST", "/evaluations/{evaluation}/grade", BUREAU_FORM, body={"grade": "good", "remarks": "良好"}),
    # --- experts: their own assignments only ---
    Case("GET", "/expert", only({"expert": 200}, visitor=LOGIN)),
    Case("GET", "/expert/assignments/{assignment}", only({"expert": 200}, visitor=LOGIN)),
    Case(
        "POST",
        "/expert/assignments/{assignment}/conflict",
        only({"expert": 302}, visitor=LOGIN),
        body={"conflict": "false"},
    ),
    Case(
        "POST", "/expert/assignments/{declared}/score", only({"expert": 302}, visitor=LOGIN), body=SCORE_FORM
    ),
    # --- JSON API ---
    Case("GET", f"{API}/calls", everyone(200)),
    Case("POST", f"{API}/calls", only({"bureau": 201}, visitor=401), body=call_data()),
    Case("GET", f"{API}/calls/{{call}}", everyone(200)),
    Case(
        "POST",
        f"{API}/calls/{{call_api}}/applications",
        only({"enterprise": 201, "center": 422}, visitor=401),
        body=API_APPLICATION,
    ),
    # Organizations list their own applications; an expert belongs to none.
    Case("GET", f"{API}/applications", only({"enterprise": 200, "center": 200, "bureau": 200}, visitor=401)),
    Case("GET", f"{API}/applications/{{review_api}}", only({"bureau": 200, "expert": 200}, visitor=401)),
    Case(
        "POST",
        f"{API}/applications/{{applied_api}}/panel",
        only({"bureau": 200}, visitor=401),
        body={"expert_ids": ["{expert}", "{economist}"]},
    ),
    Case(
        "POST",
        f"{API}/applications/{{concluded_api}}/review-decision",
        only({"bureau": 200}, visitor=401),
        body={"approve": True, "reason": "通过"},
    ),
    Case(
        "POST",
        f"{API}/applications/{{inspection_api}}/inspection",
        only({"bureau": 200}, visitor=401),
        body={**INSPECTION, "passed": True},
    ),
    Case(
        "POST",
        f"{API}/applications/{{filing_api}}/filing",
        only({"bureau": 200}, visitor=401),
        body={
            "approve": True,
            "reason": "同意备案",
            "entity_name": "矩阵备案中心二有限公司",
            "entity_credit_code": ENTITY_CODES[1],
        },
    ),
    Case(
        "POST",
        f"{API}/applications/{{refuse_api}}/refusal",
        only({"bureau": 200}, visitor=401),
        body={"reason": "材料不全"},
    ),
    Case("GET", f"{API}/notices", everyone(200)),
    Case("POST", f"{API}/applications/{{notice_api}}/objections", everyone(201), body=OBJECTION),
    Case(
        "POST",
        f"{API}/objections/{{objection_api}}/answer",
        only({"bureau": 200}, visitor=401),
        body={"answer": "已核实。"},
    ),
    Case(
        "POST",
        f"{API}/applications/{{notice_api}}/objections/dismiss",
        only({"bureau": 200}, visitor=401),
        body={"ids": ["{objection_api}"], "reason": "重复提交的异议"},
    ),
    Case("GET", f"{API}/assignments", only({"expert": 200}, visitor=401)),
    Case(
        "POST",
        f"{API}/assignments/{{assignment_api}}/conflict",
        only({"expert": 200}, visitor=401),
        body={"conflict": False},
    ),
    Case(
        "POST",
        f"{API}/assignments/{{declared_api}}/score",
        only({"expert": 200}, visitor=401),
        body={"scores": SCORES, "opinion": "基础扎实，建议通过。"},
    ),
    Case("GET", f"{API}/centers", only({"bureau": 200}, visitor=401)),
    Case("GET", f"{API}/centers/{{hub}}", only({"bureau": 200, "center": 200}, visitor=401)),
    Case(
        "POST",
        f"{API}/centers/{{promote_api}}/promotions",
        only({"bureau": 201}, visitor=401),
        body={"basis": "连续两年优秀"},
    ),
    Case(
        "POST",
        f"{API}/promotions/{{promotion_api}}/outcome",
        only({"bureau": 200}, visitor=401),
        body={**OUTCOME, "approved": True},
    ),
    Case("GET", f"{API}/centers/{{hub}}/activity", everyone(200)),
    # Who sits where and who contributed how is public for a filed center; the amounts are not (see the tests).
    Case("GET", f"{API}/centers/{{gov}}/governance", everyone(200)),
    Case("GET", f"{API}/centers/{{gov}}/contributions", everyone(200)),
    Case(
        "POST",
        f"{API}/centers/{{gov}}/governance",
        only({"center": 201, "bureau": 201}, visitor=401),
        body={**GOVERNANCE, "body": "expert_committee", "name": "孙主任", "role": "主任"},
    ),
    Case(
        "POST",
        f"{API}/centers/{{gov}}/contributions",
        only({"center": 201, "bureau": 201}, visitor=401),
        body={**CONTRIBUTION, "kind": "membership_fee", "amount": 50000},
    ),
    Case(
        "POST",
        f"{API}/centers/{{hub}}/trainings",
        only({"center": 201}, visitor=401),
        body={**TRAINING, "people": 20},
    ),
    Case("POST", f"{API}/centers/{{hub}}/cooperation", only({"center": 201}, visitor=401), body=PROJECT),
    Case(
        "POST",
        f"{API}/centers/{{hub}}/first-use-flags",
        only({"center": 201}, visitor=401),
        body={"achievement_id": "{flag_me_api}", "category": "key_part", "reason": "首批次关键零部件"},
    ),
    Case("GET", f"{API}/first-use-flags", only({"bureau": 200}, visitor=401)),
    Case(
        "POST",
        f"{API}/first-use-flags/{{flag_api}}/review",
        only({"bureau": 200}, visitor=401),
        body={"recommend": True, "note": "推荐"},
    ),
    Case("GET", f"{API}/first-use-flags/recommended.csv", only({"bureau": 200}, visitor=401)),
    Case(
        "POST",
        f"{API}/evaluation-rounds",
        only({"bureau": 201}, visitor=401),
        body={"year": 2023, "deadline": "2026-12-31"},
    ),
    Case("GET", f"{API}/evaluation-rounds/{{round}}", only({"bureau": 200}, visitor=401)),
    Case(
        "GET",
        f"{API}/evaluations/{{evaluation_api}}",
        only({"bureau": 200, "center": 200, "expert": 200}, visitor=401),
    ),
    Case(
        "POST",
        f"{API}/evaluations/{{evaluation_api}}/report",
        only({"center": 200}, visitor=401),
        body=REPORT,
    ),
    Case(
        "POST",
        f"{API}/evaluations/{{evaluation_api}}/experts",
        only({"bureau": 200}, visitor=401),
        body={"expert_ids": ["{expert}"]},
    ),
    Case(
        "POST",
        f"{API}/evaluations/{{evaluation_api}}/grade",
        only({"bureau": 200}, visitor=401),
        body={"grade": "good", "remarks": "良好"},
    ),
    Case(
        "GET",
        f"{API}/centers/{{hub}}/assessment?end_year=2025",
        only({"bureau": 200, "center": 200}, visitor=401),
    ),
]

# The bureau's workbench (/bureau), its calls desk (/bureau/calls: the public list of calls is /notices) and the
# expert's apply form have no API twin.
PAIRS: list[Pair] = [
    Pair("GET /bureau/centers", f"GET {API}/centers"),
    Pair("GET /bureau/centers/{hub}", f"GET {API}/centers/{{hub}}"),
    Pair("POST /bureau/centers/{promote}/promotions", f"POST {API}/centers/{{promote_api}}/promotions"),
    Pair("POST /bureau/promotions/{promotion}/outcome", f"POST {API}/promotions/{{promotion_api}}/outcome"),
    Pair("POST /bureau/centers/{gov}/governance", f"POST {API}/centers/{{gov}}/governance"),
    Pair("POST /bureau/centers/{gov}/contributions", f"POST {API}/centers/{{gov}}/contributions"),
    Pair("GET /notices", f"GET {API}/calls"),
    Pair("GET /notices", f"GET {API}/notices"),
    Pair("POST /bureau/calls", f"POST {API}/calls"),
    Pair("GET /bureau/applications", f"GET {API}/applications"),
    Pair("GET /bureau/first-use", f"GET {API}/first-use-flags"),
    Pair("POST /bureau/first-use/{flag}/review", f"POST {API}/first-use-flags/{{flag_api}}/review"),
    Pair("GET /bureau/first-use/recommended.csv", f"GET {API}/first-use-flags/recommended.csv"),
    Pair("POST /bureau/evaluations", f"POST {API}/evaluation-rounds"),
    Pair("POST /bureau/objections/{objection}/answer", f"POST {API}/objections/{{objection_api}}/answer"),
    Pair("GET /applications/{review}", f"GET {API}/applications/{{review_api}}"),
    Pair("POST /applications/{applied}/panel", f"POST {API}/applications/{{applied_api}}/panel"),
    Pair(
        "POST /applications/{concluded}/review-decision",
        f"POST {API}/applications/{{concluded_api}}/review-decision",
    ),
    Pair(
        "POST /applications/{inspection}/inspection", f"POST {API}/applications/{{inspection_api}}/inspection"
    ),
    Pair("POST /applications/{filing}/filing", f"POST {API}/applications/{{filing_api}}/filing"),
    Pair("POST /applications/{refuse}/refusal", f"POST {API}/applications/{{refuse_api}}/refusal"),
    Pair(
        "GET /applications/{documented}/documents/{document}",
        f"GET {API}/applications/{{documented}}/documents/{{document}}",
    ),
    Pair("POST /applications/{documented}/documents", f"POST {API}/applications/{{documented}}/documents"),
    Pair(
        "POST /applications/{documented}/documents/{document}/delete",
        f"DELETE {API}/applications/{{documented}}/documents/{{document}}",
    ),
    Pair("POST /notices/{notice}/objections", f"POST {API}/applications/{{notice_api}}/objections"),
    Pair("POST /calls/{call}/apply", f"POST {API}/calls/{{call_api}}/applications"),
    Pair("POST /my-center/{hub}/trainings", f"POST {API}/centers/{{hub}}/trainings"),
    Pair("POST /my-center/{hub}/cooperation", f"POST {API}/centers/{{hub}}/cooperation"),
    Pair("POST /my-center/{hub}/first-use-flags", f"POST {API}/centers/{{hub}}/first-use-flags"),
    Pair("GET /evaluations/{evaluation}", f"GET {API}/evaluations/{{evaluation_api}}"),
    Pair("POST /evaluations/{evaluation}/report", f"POST {API}/evaluations/{{evaluation_api}}/report"),
    Pair("POST /evaluations/{evaluation}/experts", f"POST {API}/evaluations/{{evaluation_api}}/experts"),
    Pair("POST /evaluations/{evaluation}/grade", f"POST {API}/evaluations/{{evaluation_api}}/grade"),
    Pair("GET /expert", f"GET {API}/assignments"),
    Pair(
        "POST /expert/assignments/{assignment}/conflict",
        f"POST {API}/assignments/{{assignment_api}}/conflict",
    ),
    Pair("POST /expert/assignments/{declared}/score", f"POST {API}/assignments/{{declared_api}}/score"),
]
