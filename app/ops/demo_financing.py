"""The demo's financing: finance products of the demo's guarantor and venture fund, financing requests of a few
small firms, and financing records (two confirmed, one awaiting the firm's confirmation) from accepted
conversations, so the bureau's `financing` figure and its split by type have something to show.

Every row has a demo key; one that exists already is left alone, so loading twice changes nothing."""

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session, col, select

from indexing.sync import record_change
from models import (
    SME_CLASSES,
    FinanceProduct,
    FinanceType,
    FinancingRecord,
    FinancingRecordStatus,
    FinancingRequest,
    FinancingStage,
    Interest,
    InterestStatus,
    ListingStatus,
    Organization,
    OrgKind,
    User,
)
from models.common import utcnow

WAN = 10_000

# key, the finance organization's demo key, title, type, amount range (万元), lowest TRL, size classes,
# industries (empty: any), terms, description.
PRODUCTS = [
    (
        "fp_ip_pledge_guarantee",
        "kexin_guarantee",
        "知识产权质押融资担保",
        "guarantee",
        (100, 1000),
        4,
        ["medium", "small", "micro"],
        [],
        "担保费率 1.0%/年，期限 1–3 年；以发明专利、实用新型专利质押为反担保，无需房产抵押。",
        "为拥有有效专利的科技型中小企业向合作银行申请知识产权质押贷款提供担保，配合市知识产权质押融资风险补偿资金。",
    ),
    (
        "fp_rd_loan_guarantee",
        "kexin_guarantee",
        "研发贷款担保（科技贷）",
        "guarantee",
        (50, 500),
        3,
        ["small", "micro"],
        ["advanced_equipment", "information_technology", "new_materials"],
        "担保费率 0.8%/年，期限 1 年，可续贷；以技术合同应收款或股权质押为反担保。",
        "面向装备制造、信息技术、新材料领域的小微科技企业，担保研发投入贷款，单户最高 500 万元。",
    ),
    (
        "fp_early_equity",
        "beichuang_venture",
        "成果转化引导基金·早期股权投资",
        "equity",
        (200, 2000),
        5,
        ["small", "micro"],
        [],
        "单笔 200–2000 万元，持股不超过 20%，投资期 5–7 年；优先投资创新中心孵化企业。",
        "市级科技成果转化引导基金子基金，投资光电、生物医药、新能源等领域已完成样机或中试的早期科技企业。",
    ),
    (
        "fp_seed_equity",
        "beichuang_venture",
        "种子基金",
        "equity",
        (50, 300),
        3,
        ["micro", "small"],
        [],
        "单笔 50–300 万元，可采用可转债形式；投后提供创新中心孵化资源对接。",
        "投资高校、院所科研团队创办的种子期企业，支持首台样机与首批订单。",
    ),
]

# key, type, stage, amount (万元), TRL, title, summary, use of funds, traction: one per demo firm, in order.
REQUESTS = [
    (
        "fr_seed_round",
        "equity",
        "seed",
        200,
        5,
        "种子轮股权融资：首台样机定型与小批量试产",
        "企业已完成关键工艺验证，寻求种子轮投资，用于样机定型和小批量试产。",
        "样机定型 40%，试产线改造 35%，团队扩充 25%。",
        "已与 2 家主机厂签订试用协议，2025 年营收 320 万元。",
    ),
    (
        "fr_ip_pledge",
        "guarantee",
        "growth",
        500,
        7,
        "以 4 件发明专利质押申请 500 万元贷款担保",
        "企业拟以核心发明专利质押，向合作银行申请流动资金贷款，寻求融资担保。",
        "原材料采购 60%，新产线流动资金 40%。",
        "2025 年营收 4800 万元，净利润 360 万元，平台签约技术合同 3 份。",
    ),
    (
        "fr_growth_round",
        "equity",
        "growth",
        1500,
        7,
        "成长期股权融资：扩建第二条产线",
        "产品已批量供货，寻求成长期股权投资，扩建产线并开拓南方市场。",
        "产线扩建 70%，市场开拓 30%。",
        "2025 年营收 1.2 亿元，同比增长 45%，客户 30 余家。",
    ),
]


def _user_of(session: Session, org_id: int) -> User | None:
    return session.exec(select(User).where(User.org_id == org_id).order_by(col(User.id))).first()


def load_financing(*, session: Session, lifecycle: Callable[[str], dict]) -> dict[str, int]:
    """Upsert the demo's finance products, requests and records; returns how many of each exist."""
    finance = list(session.exec(select(Organization).where(Organization.kind == OrgKind.finance)).all())
    # The demo's guarantor and venture fund, told apart by their names.
    by_key = {
        key: org
        for key, word in (("kexin_guarantee", "担保"), ("beichuang_venture", "投资"))
        if (org := next((o for o in finance if word in o.name), None)) is not None
    }
    firms = list(
        session.exec(
            select(Organization)
            .where(Organization.kind == OrgKind.enterprise, col(Organization.size_class).in_(SME_CLASSES))
            .order_by(col(Organization.id))
        ).all()
    )
    if len(by_key) < 2 or len(firms) < len(REQUESTS):
        return {"finance_products": 0, "financing_requests": 0, "financing_records": 0}
    products: dict[str, FinanceProduct] = {}
    for key, org_key, title, kind, (low, high), trl_min, sizes, industries, terms, description in PRODUCTS:
        org = by_key[org_key]
        assert org.id is not None  # a stored organization
        product = session.exec(select(FinanceProduct).where(FinanceProduct.demo_key == key)).first()
        if product is None:
            owner = _user_of(session, org.id)
            product = FinanceProduct(
                demo_key=key,
                org_id=org.id,
                owner_id=owner.id if owner else None,
                title=title,
                description=description,
                finance_type=FinanceType(kind),
                amount_min=low * WAN,
                amount_max=high * WAN,
                trl_min=trl_min,
                size_classes=sizes,
                industries=industries,
                terms=terms,
                **lifecycle(ListingStatus.published),
            )
            session.add(product)
            session.flush()
            assert product.id is not None
            record_change(session, "finance_product", product.id)
        products[key] = product
    requests: dict[str, FinancingRequest] = {}
    for firm, (key, kind, stage, amount, trl, title, summary, use, traction) in zip(
        firms, REQUESTS, strict=False
    ):
        assert firm.id is not None  # a stored organization
        request = session.exec(select(FinancingRequest).where(FinancingRequest.demo_key == key)).first()
        if request is None:
            owner = _user_of(session, firm.id)
            request = FinancingRequest(
                demo_key=key,
                org_id=firm.id,
                owner_id=owner.id if owner else None,
                title=title,
                description=summary,
                industry=firm.industries[0] if firm.industries else None,
                finance_type=FinanceType(kind),
                stage=FinancingStage(stage),
                amount=amount * WAN,
                trl=trl,
                use_of_funds=use,
                traction=traction,
                region=firm.region,
                **lifecycle(ListingStatus.published),
            )
            session.add(request)
            session.flush()
            assert request.id is not None
            record_change(session, "financing", request.id)
        requests[key] = request
    # The fund invested in the seed round; the guarantor guaranteed the IP-pledge loan; the growth round's
    # record awaits the firm's confirmation.
    now = utcnow()
    deals = [
        (
            "fin_seed",
            "fr_seed_round",
            "beichuang_venture",
            "equity",
            200,
            40,
            FinancingRecordStatus.confirmed,
        ),
        (
            "fin_pledge",
            "fr_ip_pledge",
            "kexin_guarantee",
            "guarantee",
            500,
            20,
            FinancingRecordStatus.confirmed,
        ),
        (
            "fin_growth",
            "fr_growth_round",
            "beichuang_venture",
            "equity",
            1200,
            3,
            FinancingRecordStatus.recorded,
        ),
    ]
    for key, request_key, org_key, kind, amount, days_ago, status in deals:
        if session.exec(select(FinancingRecord).where(FinancingRecord.demo_key == key)).first() is not None:
            continue
        request, fund = requests[request_key], by_key[org_key]
        fund_user = _user_of(session, fund.id or 0)
        if fund_user is None or fund_user.id is None or fund.id is None or request.id is None:
            continue
        at = now - timedelta(days=days_ago + 10)
        interest = session.exec(
            select(Interest).where(Interest.demo_key == f"{key}_interest")
        ).first() or Interest(
            demo_key=f"{key}_interest",
            from_org_id=fund.id,
            from_user_id=fund_user.id,
            target_type="financing",
            target_id=request.id,
            to_org_id=request.org_id,
            message="我们对贵公司的融资需求很感兴趣，希望安排尽调。",
            status=InterestStatus.accepted,
            created_at=at,
            decided_at=at + timedelta(days=1),
        )
        session.add(interest)
        session.flush()
        assert interest.id is not None
        firm_user = _user_of(session, request.org_id)
        session.add(
            FinancingRecord(
                demo_key=key,
                interest_id=interest.id,
                request_id=request.id,
                finance_type=FinanceType(kind),
                amount=amount * WAN,
                financed_on=(now - timedelta(days=days_ago)).date(),
                financed_org_id=request.org_id,
                finance_org_id=fund.id,
                status=status,
                recorded_by=fund_user.id,
                decided_by=firm_user.id if firm_user and status != FinancingRecordStatus.recorded else None,
                decided_at=now - timedelta(days=days_ago - 1)
                if status != FinancingRecordStatus.recorded
                else None,
            )
        )
    session.flush()
    return {
        "finance_products": len(products),
        "financing_requests": len(requests),
        "financing_records": len(session.exec(select(FinancingRecord.id)).all()),
    }
