"""Model texts (示范文本) of the technology contracts, and the one canonical form of a contract text.

Pure: no session, no Flask. For each contract kind, the ordered clauses of its text: the ten the Civil Code names
for technology contracts (民法典 第八百四十五条: 项目名称, 标的的内容、范围和要求, 履行的计划、进度、期限、地点和
方式, 技术信息和资料的保密, 技术成果的归属和收益的分成办法, 验收标准和方法, 价款、报酬及其支付方式, 违约金或者损失
赔偿的计算方法, 争议解决方法, 名词和术语的解释), plus what the kind needs (专利号 and 许可方式 for a licence, 专利号
and 权利类型 for a transfer, 孵化服务内容 for incubation, 服务内容 and 工作条件 for technical service and consulting,
各方出资与分工 for cooperative development). `default_clauses` fills the model bodies from the contract's facts.

The canonical text, the one thing a signature's SHA-256 is taken of (`canonical_text`, `text_sha256`): for each
clause of the kind, in the kind's order, a line with its number and Chinese heading ("一、项目名称") followed by its
body, all joined by "\n" and encoded as UTF-8. Bodies are normalised before they are stored (`normalise`: line
breaks as "\n", no trailing blanks), so the stored body is exactly what is hashed. The contract's title is the body
of the first clause (项目名称), so a version row alone (kind + clauses) determines its hash; the hash does not
depend on the reader's language (the headings in the text are the Chinese ones, `HEADINGS`).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

BODY_MAX = 5000

# The ten clauses of 民法典 第八百四十五条, in the article's order.
CIVIL_CODE = (
    "project_name",
    "subject",
    "performance",
    "confidentiality",
    "ownership",
    "acceptance",
    "price",
    "liability",
    "disputes",
    "terms",
)

# The clauses' headings as the contract text (and its hash) carries them; display labels: `labels.CONTRACT_CLAUSES`.
HEADINGS = {
    "project_name": "项目名称",
    "subject": "标的的内容、范围和要求",
    "performance": "履行的计划、进度、期限、地点和方式",
    "confidentiality": "技术信息和资料的保密",
    "ownership": "技术成果的归属和收益的分成办法",
    "acceptance": "验收标准和方法",
    "price": "价款、报酬及其支付方式",
    "liability": "违约金或者损失赔偿的计算方法",
    "disputes": "争议解决方法",
    "terms": "名词和术语的解释",
    "patent_number": "专利号",
    "license_mode": "许可方式",
    "right_type": "权利类型",
    "incubation_services": "孵化服务内容",
    "service_content": "服务内容",
    "working_conditions": "工作条件",
    "contributions": "各方出资与分工",
}

# What each kind adds, and where: after the clause named first.
_EXTRAS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "commissioned_development": (),
    "cooperative_development": (("subject", ("contributions",)),),
    "transfer": (("subject", ("patent_number", "right_type")),),
    "license": (("subject", ("patent_number", "license_mode")),),
    "technical_service": (("subject", ("service_content", "working_conditions")),),
    "technical_consulting": (("subject", ("service_content", "working_conditions")),),
    "incubation": (("subject", ("incubation_services",)),),
}


def _ordered(kind: str) -> tuple[str, ...]:
    after = dict(_EXTRAS[kind])
    codes: list[str] = []
    for code in CIVIL_CODE:
        codes.append(code)
        codes.extend(after.get(code, ()))
    return tuple(codes)


# Contract kind -> its clause codes, in the order of the text.
CLAUSES: dict[str, tuple[str, ...]] = {kind: _ordered(kind) for kind in _EXTRAS}

# Clauses that may be left empty: the article lists what a contract "generally" contains; a firm may have no
# terms to define, and a licence of technical know-how has no patent number.
OPTIONAL = frozenset({"terms", "patent_number"})

# The parties' role names in the text (the Chinese of `labels.PARTY_ROLES`, keyed by `rules.ROLES` codes).
ROLE_NAMES = {
    "client": "委托方",
    "developer": "受托方",
    "partner": "合作方",
    "transferee": "受让方",
    "transferor": "转让方",
    "licensee": "被许可方",
    "licensor": "许可方",
    "service_provider": "服务方",
    "consultant": "顾问方",
    "incubatee": "入孵企业",
    "incubator": "孵化方",
}

_NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十 (clause numbers of a text: at most a few dozen)."""
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUMERALS[tens - 1]) + "十" + (_NUMERALS[ones - 1] if ones else "")


def required(kind: str) -> tuple[str, ...]:
    return tuple(code for code in CLAUSES[kind] if code not in OPTIONAL)


def normalise(body: str) -> str:
    """A body as stored and hashed: "\n" line breaks, no blanks at line ends, none before or after."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def canonical_text(kind: str, clauses: dict[str, str]) -> str:
    """The text a signature is a signature of (see the module's docstring)."""
    parts = []
    for n, code in enumerate(CLAUSES[kind], start=1):
        parts.append(f"{numeral(n)}、{HEADINGS[code]}")
        parts.append(clauses.get(code, ""))
    return "\n".join(parts)


def text_sha256(kind: str, clauses: dict[str, str]) -> str:
    return hashlib.sha256(canonical_text(kind, clauses).encode("utf-8")).hexdigest()


def check(kind: str, clauses: dict[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """Split a submitted {code: body} into the normalised bodies and the problems, as codes:
    {"unknown": "a, b"} for codes the kind does not have, {code: "type" | "long" | "empty"} per clause."""
    problems: dict[str, str] = {}
    unknown = [code for code in clauses if code not in CLAUSES[kind]]
    if unknown:
        problems["unknown"] = ", ".join(sorted(unknown))
    bodies: dict[str, str] = {}
    for code, body in clauses.items():
        if code in unknown:
            continue
        if not isinstance(body, str):
            problems[code] = "type"
            continue
        bodies[code] = normalise(body)
        if len(bodies[code]) > BODY_MAX:
            problems[code] = "long"
        elif not bodies[code] and code not in OPTIONAL:
            problems[code] = "empty"
    return bodies, problems


# --- the model bodies ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneFact:
    title: str
    due_on: date
    amount: int  # yuan


@dataclass(frozen=True)
class Facts:
    """What the model text is filled from: the contract as created."""

    kind: str
    title: str
    party_a: str  # organization names
    party_b: str
    role_a: str  # role codes (rules.roles(kind))
    role_b: str
    amount: int  # yuan
    technology_amount: int
    ends_on: date | None = None
    milestones: tuple[MilestoneFact, ...] = field(default_factory=tuple)


def yuan(amount: int) -> str:
    """1500000 -> "人民币 1,500,000 元（150 万元）"; 12345 -> "人民币 12,345 元（1.2345 万元）"."""
    wan = (Decimal(amount) / 10000).normalize()
    wan_text = f"{wan:f}" if wan != wan.to_integral() else f"{int(wan):,}"
    return f"人民币 {amount:,} 元（{wan_text} 万元）"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def default_clauses(facts: Facts) -> dict[str, str]:
    """The model text of `facts.kind`, filled in; every clause of the kind has a body (optional ones may be "")."""
    a = f"{ROLE_NAMES[facts.role_a]}（甲方）{facts.party_a}"
    b = f"{ROLE_NAMES[facts.role_b]}（乙方）{facts.party_b}"
    ra, rb = ROLE_NAMES[facts.role_a], ROLE_NAMES[facts.role_b]
    if ra == rb:  # cooperative development: both are 合作方
        ra, rb = "甲方", "乙方"
    end = f"{_day(facts.ends_on)}前" if facts.ends_on else "双方另行书面约定的期限内"
    if facts.milestones:
        plan = "\n".join(
            f"{n}. {m.title}：{_day(m.due_on)}前完成，对应款项{yuan(m.amount)}。"
            for n, m in enumerate(facts.milestones, start=1)
        )
        payment = f"按上述里程碑分期支付：{ra}在每一里程碑经验收（或确认）后十五个工作日内，向{rb}支付该里程碑对应款项。"
    else:
        plan = "双方在本合同生效后十五个工作日内书面确定实施计划与进度安排，作为本合同附件。"
        payment = f"{ra}在本合同约定的工作全部完成并经验收合格后十五个工作日内，向{rb}一次性支付全部款项。"
    tech = (
        f"其中技术交易额为{yuan(facts.technology_amount)}。"
        if facts.technology_amount and facts.technology_amount != facts.amount
        else ""
    )
    bodies = {
        "project_name": facts.title,
        "subject": (
            f"本合同由{a}与{b}订立。双方就“{facts.title}”项目，本着平等自愿、诚实信用的原则，"
            f"经协商一致订立本合同。{_SUBJECT[facts.kind].format(a=ra, b=rb)}"
            "具体技术指标和要求以双方确认的技术方案（附件）为准。"
        ),
        "performance": (
            f"本合同自双方签署之日起生效，履行期限至{end}。履行地点为{ra}所在地或双方约定的其他地点。\n"
            f"计划与进度：\n{plan}\n"
            f"{_PERFORMANCE[facts.kind].format(a=ra, b=rb)}"
        ),
        "confidentiality": (
            "双方对在订立和履行本合同过程中知悉的对方技术信息、技术资料、商业秘密及其他未公开信息负有保密义务，"
            "未经对方书面同意，不得向任何第三方披露或用于本合同以外的目的。保密期限自本合同生效之日起至相关信息"
            "依法公开之日止，不因本合同的变更、解除或终止而失效。"
        ),
        "ownership": _OWNERSHIP[facts.kind].format(a=ra, b=rb),
        "acceptance": (
            f"{_ACCEPTANCE[facts.kind].format(a=ra, b=rb)}验收应在交付之日起十五个工作日内完成，双方签署验收"
            "文件；逾期未提出书面异议的，视为验收合格。验收不合格的，交付方应在三十日内免费整改并再次提交验收。"
        ),
        "price": (
            f"本合同价款（报酬）总额为{yuan(facts.amount)}。{tech}{payment}"
            "付款方式为银行转账。收款方应在收到款项后开具合法有效的发票。"
        ),
        "liability": (
            "任何一方违反本合同约定的，应承担违约责任。逾期付款或逾期交付的，每逾期一日，按逾期部分金额的"
            "万分之五向对方支付违约金，违约金总额不超过合同总额的百分之十；违约金不足以弥补对方损失的，违约方"
            "还应赔偿对方的实际损失，包括为实现债权支出的合理费用。违反保密义务的，应赔偿由此给对方造成的全部损失。"
        ),
        "disputes": (
            "因本合同引起的或与本合同有关的争议，双方应友好协商解决；协商不成的，可提请技术合同管理机构或"
            "有关部门调解；调解不成的，任何一方均可向合同履行地有管辖权的人民法院提起诉讼。"
        ),
        "terms": (
            "本合同所称“技术成果”，是指履行本合同所产生的、利用科学技术知识、信息和经验作出的涉及产品、工艺、"
            "材料及其改进等的技术方案；“技术资料”，是指与本合同标的有关的图纸、数据、文档、软件及其他载体的信息。"
        ),
        "patent_number": "专利号：＿＿＿＿＿＿＿＿（专利名称：＿＿＿＿＿＿＿＿，专利权人：＿＿＿＿＿＿＿＿）。",
        "license_mode": (
            f"许可方式为普通许可（可选：独占许可／排他许可／普通许可）。许可范围：在中华人民共和国境内实施本专利，"
            f"用于{ra}的产品制造、使用和销售。许可期限至{end}，不超过专利权的有效期限。"
            f"{ra}不得将本专利再许可任何第三方。"
        ),
        "right_type": (
            "转让的权利类型为专利权（可选：专利权／专利申请权／技术秘密）。转让后，"
            f"{rb}应协助{ra}办理权利变更登记手续，变更登记费用由{ra}承担。"
        ),
        "service_content": _SERVICE.get(facts.kind, "").format(a=ra, b=rb),
        "working_conditions": (
            f"{ra}应为{rb}提供履行本合同所需的技术资料、数据、样品、场地和其他必要的工作条件，并指定联系人"
            f"负责协调；{rb}应按约定的时间和方式完成工作，对{ra}提供的资料妥善保管并在合同履行完毕后返还。"
        ),
        "incubation_services": (
            f"{rb}为{ra}提供以下孵化服务：办公及研发场地；创业辅导与管理咨询；技术对接与成果转化服务；"
            "投融资对接；知识产权与政策申报辅导；公共技术平台和检验检测设备的使用。服务的具体清单、"
            "场地面积和收费标准以附件为准。"
        ),
        "contributions": (
            f"双方共同投资、共同参与研究开发。{ra}负责提供应用场景、测试条件和部分研发经费；{rb}负责核心技术的"
            "研究开发、方案设计和技术人员投入。各方出资的数额、方式和分工以附件为准，一方未按约定出资或完成"
            "分工的，应承担相应的违约责任。"
        ),
    }
    return {code: bodies[code] for code in CLAUSES[facts.kind]}


_SUBJECT = {
    "commissioned_development": "{a}委托{b}研究开发本项目所约定的新技术、新产品、新工艺或者新材料及其系统，{b}接受委托并按约定完成研究开发工作。",
    "cooperative_development": "双方共同投资、共同参与研究开发本项目，分工协作，共担风险，共享成果。",
    "transfer": "{b}将其合法拥有的本项目技术成果的相关权利转让给{a}，{a}受让该权利并支付转让费。",
    "license": "{b}许可{a}在约定的范围内实施本项目的专利或技术，{a}按约定支付许可使用费。",
    "technical_service": "{b}以其技术知识为{a}解决本项目所涉及的特定技术问题，{a}按约定支付报酬。",
    "technical_consulting": "{b}就本项目为{a}提供可行性论证、技术预测、专题技术调查、分析评价等咨询服务，{a}按约定支付报酬。",
    "incubation": "{b}为{a}提供孵化场地和创业孵化服务，{a}在孵化期内按约定开展研发经营并支付相关费用。",
}

_PERFORMANCE = {
    "commissioned_development": "{b}应按计划完成研究开发工作并交付研究开发成果及技术资料，交付方式为书面文件、电子文档或实物样品。",
    "cooperative_development": "双方按各自分工和计划推进研究开发工作，定期召开项目协调会，交付方式为双方确认的技术文件或样品。",
    "transfer": "{b}应在本合同生效后三十日内向{a}交付全部技术资料，并提供必要的技术指导，使{a}能够实施该项技术。",
    "license": "{b}应在本合同生效后三十日内向{a}交付实施所需的技术资料，并提供必要的技术指导。",
    "technical_service": "{b}应按计划在约定地点提供技术服务，并以书面报告的方式交付工作成果。",
    "technical_consulting": "{b}应按计划完成咨询工作，并以咨询报告或意见书的方式交付工作成果。",
    "incubation": "孵化期自本合同生效之日起计算，{b}按约定提供孵化服务，{a}按约定使用孵化场地和服务。",
}

_OWNERSHIP = {
    "commissioned_development": "履行本合同所完成的发明创造，申请专利的权利属于{a}；{b}有权在研究开发工作中使用相关技术，但未经{a}同意不得向第三方转让或许可。技术秘密成果的使用权、转让权及收益由{a}享有。后续改进的技术成果归改进方所有。",
    "cooperative_development": "履行本合同所完成的技术成果及其知识产权归双方共有，申请专利的权利属于双方共同所有；一方转让其共有的专利申请权的，另一方享有以同等条件优先受让的权利。成果实施所获收益，按双方出资比例分成。",
    "transfer": "本合同生效后，所转让的权利归{a}所有。{a}在此基础上作出的后续改进成果归{a}所有，{b}作出的后续改进成果归{b}所有。",
    "license": "被许可技术的专利权仍归{b}所有。{a}在实施过程中作出的后续改进技术成果归{a}所有，{b}作出的后续改进成果归{b}所有。",
    "technical_service": "{a}利用{b}交付的工作成果所完成的新的技术成果，归{a}所有；{b}利用{a}提供的技术资料和工作条件完成的新的技术成果，归{b}所有，但另有约定的除外。",
    "technical_consulting": "{a}利用{b}提出的咨询报告和意见作出的新的技术成果，归{a}所有；{b}利用{a}提供的技术资料作出的新的技术成果，归{b}所有，但另有约定的除外。",
    "incubation": "{a}在孵化期内独立研发形成的技术成果及其知识产权归{a}所有；双方合作研发形成的成果，归属和收益分成另行书面约定。",
}

_ACCEPTANCE = {
    "commissioned_development": "{a}按照技术方案（附件）约定的技术指标，采用技术测试、专家评审或双方认可的其他方式对研究开发成果进行验收。",
    "cooperative_development": "双方按照技术方案（附件）约定的技术指标，共同组织技术测试或专家评审进行验收。",
    "transfer": "{a}按照技术资料清单核对交付的技术资料，并按约定的技术指标进行实施验证。",
    "license": "{a}按照技术资料清单核对交付的技术资料，并按约定的技术指标进行实施验证。",
    "technical_service": "{a}按照约定的服务质量标准，对{b}提交的工作成果进行验收。",
    "technical_consulting": "{a}按照约定的咨询要求，对{b}提交的咨询报告进行评审验收。",
    "incubation": "{a}按照约定的服务清单，对{b}提供的孵化服务按季度进行确认。",
}

_SERVICE = {
    "technical_service": "{b}为{a}提供的技术服务内容包括：技术问题分析诊断、工艺改进方案、技术测试与数据分析、技术培训及约定的其他服务。服务的具体范围和质量要求以附件为准。",
    "technical_consulting": "{b}为{a}提供的咨询内容包括：技术可行性论证、技术发展预测、专题技术调查、分析评价及约定的其他咨询事项。咨询的具体范围和要求以附件为准。",
}


# --- what changed --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseChange:
    """One clause that differs between two versions, as runs of ("same" | "removed" | "added", text)."""

    code: str
    runs: tuple[tuple[str, str], ...]


def diff(kind: str, old: dict[str, str], new: dict[str, str]) -> list[ClauseChange]:
    """The clauses that changed from `old` to `new`, in the kind's order, character by character (Chinese has no
    spaces to split words at). Plain text runs: the page escapes them when it draws them."""
    import difflib

    changes = []
    for code in CLAUSES[kind]:
        before, after = old.get(code, ""), new.get(code, "")
        if before == after:
            continue
        runs: list[tuple[str, str]] = []
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                runs.append(("same", before[i1:i2]))
                continue
            if i2 > i1:
                runs.append(("removed", before[i1:i2]))
            if j2 > j1:
                runs.append(("added", after[j1:j2]))
        changes.append(ClauseChange(code, tuple(runs)))
    return changes
