"""The rules of 技术合同认定登记 (technology contract registration), as pure data and functions: the taxonomies
of the registration practice, what a complete form is, the number's format and the status flow. No session, no
Flask: `app/deals/services/registration.py` loads, asks these and saves; `app/deals/registration_labels.py`
names every code in the user's language.

Validation answers with a problem code per field ("required", "unknown", "exceeds_deal", ...); the service turns
each into one message in the user's language, so the rules stay testable without a request.
"""

import re
from dataclasses import dataclass
from datetime import date

from models import ContractKind, ContractStatus, IPType, OrgKind

# --- taxonomies ---------------------------------------------------------------------------------------------

# The registration practice's categories (技术开发/转让/许可/咨询/服务) by the platform's contract kind. An
# incubation agreement is no technology contract (民法典 第八百四十三条): it has no category and is never registered.
CATEGORY: dict[str, str] = {
    ContractKind.commissioned_development: "development",
    ContractKind.cooperative_development: "development",
    ContractKind.transfer: "transfer",
    ContractKind.license: "license",
    ContractKind.technical_consulting: "consulting",
    ContractKind.technical_service: "service",
}

# Sub-kinds (合同子类) of each category, in the order the registration form lists them.
SUB_KINDS: dict[str, tuple[str, ...]] = {
    "development": ("dev_commissioned", "dev_cooperative"),
    "transfer": (
        "transfer_patent",
        "transfer_patent_application",
        "transfer_know_how",
        "transfer_ic_layout",
        "transfer_plant_variety",
        "transfer_software",
        "transfer_other",
    ),
    "license": (
        "license_patent",
        "license_know_how",
        "license_ic_layout",
        "license_plant_variety",
        "license_software",
        "license_other",
    ),
    "consulting": ("consulting",),
    "service": ("service_general", "service_intermediary", "service_training"),
}

# The sub-kind a transfer or a licence most likely is, from the contract's kind of IP.
_BY_IP: dict[str, str] = {
    IPType.patent: "patent",
    IPType.know_how: "know_how",
    IPType.ic_layout: "ic_layout",
    IPType.plant_variety: "plant_variety",
    IPType.software_copyright: "software",
}

# 技术领域 of the registration statistics.
FIELDS = (
    "electronic_information",
    "advanced_manufacturing",
    "aerospace",
    "modern_transport",
    "biomedicine",
    "new_materials",
    "new_energy",
    "environment",
    "nuclear",
    "agriculture",
    "urban_social",
    "other",
)

# The platform's industries (app/data/industries.yaml) that map onto one 技术领域; others are chosen by hand.
FIELD_OF_INDUSTRY: dict[str, str] = {
    "automotive": "modern_transport",
    "rail_transit": "modern_transport",
    "agri_food": "agriculture",
    "optoelectronics": "electronic_information",
    "information_technology": "electronic_information",
    "biomedicine": "biomedicine",
    "new_materials": "new_materials",
    "advanced_equipment": "advanced_manufacturing",
    "new_energy": "new_energy",
}

# 知识产权类型: the contract's own IP types.
IP_TYPES = tuple(t.value for t in IPType)

# 社会经济目标 (where it applies; optional on the form).
OBJECTIVES = (
    "earth_atmosphere",
    "infrastructure",
    "environment",
    "energy",
    "health",
    "education",
    "culture",
    "social",
    "agriculture",
    "industry_commerce",
    "non_oriented",
    "other_civil",
)

PAYMENT_METHODS = ("lump_sum", "installments", "royalty", "other")

# 主体类型 of the seller and the buyer.
PARTY_TYPES = ("enterprise", "university", "institute", "other")
PARTY_TYPE_OF_ORG: dict[str, str] = {
    OrgKind.enterprise: "enterprise",
    OrgKind.university: "university",
    OrgKind.institute: "institute",
}

# A party outside the city's regions (app/data/regions.yaml) is registered as 市外.
REGION_OUTSIDE = "outside"

# --- the status flow ----------------------------------------------------------------------------------------

NOT_SUBMITTED, SUBMITTED, REGISTERED, REFUSED = "not_submitted", "submitted", "registered", "refused"
STATUSES = (NOT_SUBMITTED, SUBMITTED, REGISTERED, REFUSED)

# status -> the statuses it may become: submit; the office's decision or a withdrawal; resubmission once fixed.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NOT_SUBMITTED: (SUBMITTED,),
    SUBMITTED: (REGISTERED, REFUSED, NOT_SUBMITTED),
    REFUSED: (SUBMITTED,),
    REGISTERED: (),
}
# Who takes each step: the parties submit and withdraw; the office's decision is recorded by a party (who
# received it) or by the bureau.
PARTIES, BUREAU = ("a", "b"), "bureau"
ACTORS: dict[str, tuple[str, ...]] = {
    SUBMITTED: PARTIES,
    NOT_SUBMITTED: PARTIES,
    REGISTERED: (*PARTIES, BUREAU),
    REFUSED: (*PARTIES, BUREAU),
}
# The fields can be changed only before submission or after a refusal.
EDITABLE = (NOT_SUBMITTED, REFUSED)
# The audit action of each step (an edit without a step is "registration_saved").
ACTIONS: dict[str, str] = {
    SUBMITTED: "registration_submitted",
    REGISTERED: "registration_registered",
    REFUSED: "registration_refused",
    NOT_SUBMITTED: "registration_withdrawn",
}
SAVED = "registration_saved"

# A contract is registered once signed, while it runs and after it is completed.
REGISTRABLE_STATES = (ContractStatus.signed, ContractStatus.in_progress, ContractStatus.completed)

# The form's fields; all but the objective are needed to submit.
FORM_FIELDS = (
    "sub_kind",
    "field",
    "ip_type",
    "deal_amount",
    "technology_amount",
    "payment_method",
    "seller_type",
    "buyer_type",
    "seller_region",
    "buyer_region",
    "term_start",
    "term_end",
    "objective",
)
REQUIRED_TO_SUBMIT = tuple(name for name in FORM_FIELDS if name != "objective")
DECISION_FIELDS = ("number", "office", "refusal_reason")
MONEY_MAX = 10**12

# 登记编号: the year (4 digits, 20xx), the registration office's 6-digit administrative division code, then the
# office's sequence number (4 to 8 digits), e.g. 2026220100000123. Spaces and hyphens people type are removed.
NUMBER_RE = re.compile(r"^(20\d{2})(\d{6})(\d{4,8})$")
NUMBER_EXAMPLE = "2026220100000123"


def normalise_number(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "")


def number_is_valid(text: str) -> bool:
    return NUMBER_RE.fullmatch(normalise_number(text)) is not None


# --- judging a form -----------------------------------------------------------------------------------------


class RegistrationError(Exception):
    """A refused step; the service turns it into a 4xx in the user's language."""


class NotATechnologyContract(RegistrationError):
    pass


class NotRegistrable(RegistrationError):
    def __init__(self, contract_status: str):
        super().__init__(f"a {contract_status} contract is not registered")
        self.contract_status = contract_status


class IllegalStep(RegistrationError):
    def __init__(self, current: str, target: str):
        super().__init__(f"{current} -> {target} is not allowed")
        self.current, self.target = current, target
        self.allowed = TRANSITIONS.get(current, ())


class WrongActor(RegistrationError):
    def __init__(self, target: str):
        super().__init__(f"{target} is not for this user")
        self.target = target


class Locked(RegistrationError):
    """The fields change only before submission or after a refusal."""

    def __init__(self, status: str):
        super().__init__(f"fields cannot change while {status}")
        self.status = status


def sub_kinds_for(contract_kind: str) -> tuple[str, ...]:
    category = CATEGORY.get(contract_kind)
    return SUB_KINDS[category] if category else ()


def default_sub_kind(contract_kind: str, ip_type: str | None) -> str | None:
    """The sub-kind the contract already says: its development kind, the one consulting kind, a general service,
    or a transfer/licence of the contract's kind of IP; None when the party must choose."""
    category = CATEGORY.get(contract_kind)
    if category == "development":
        return (
            "dev_commissioned"
            if contract_kind == ContractKind.commissioned_development
            else "dev_cooperative"
        )
    if category == "consulting":
        return "consulting"
    if category == "service":
        return "service_general"
    if category in ("transfer", "license") and ip_type in _BY_IP:
        return f"{category}_{_BY_IP[ip_type]}"
    return None


def check_registrable(contract_kind: str, contract_status: str) -> None:
    if contract_kind not in CATEGORY:
        raise NotATechnologyContract(contract_kind)
    if contract_status not in REGISTRABLE_STATES:
        raise NotRegistrable(contract_status)


def check_step(current: str, target: str, actor: str | None) -> None:
    """A status step: allowed from `current` (TRANSITIONS), and by this actor ("a", "b" or "bureau")."""
    if target not in TRANSITIONS.get(current, ()):
        raise IllegalStep(current, target)
    if actor not in ACTORS[target]:
        raise WrongActor(target)


@dataclass(frozen=True)
class Form:
    """The registration fields, typed (the service parses the request's text into this)."""

    sub_kind: str | None = None
    field: str | None = None
    ip_type: str | None = None
    deal_amount: int | None = None
    technology_amount: int | None = None
    payment_method: str | None = None
    seller_type: str | None = None
    buyer_type: str | None = None
    seller_region: str | None = None
    buyer_region: str | None = None
    term_start: date | None = None
    term_end: date | None = None
    objective: str | None = None


def field_problems(form: Form, *, contract_kind: str, submitting: bool) -> dict[str, str]:
    """Problem codes by field name: a code outside its taxonomy ("unknown"), a negative or too large amount
    ("negative", "too_large"), the technology part above the whole ("exceeds_deal"), a term that ends before it
    starts ("before_start"), and, when submitting, every missing required field ("required")."""
    problems: dict[str, str] = {}
    choices = {
        "sub_kind": sub_kinds_for(contract_kind),
        "field": FIELDS,
        "ip_type": IP_TYPES,
        "payment_method": PAYMENT_METHODS,
        "seller_type": PARTY_TYPES,
        "buyer_type": PARTY_TYPES,
        "objective": OBJECTIVES,
    }
    for name, allowed in choices.items():
        value = getattr(form, name)
        if value is not None and value not in allowed:
            problems[name] = "unknown"
    for name in ("deal_amount", "technology_amount"):
        amount = getattr(form, name)
        if amount is not None and amount < 0:
            problems[name] = "negative"
        elif amount is not None and amount > MONEY_MAX:
            problems[name] = "too_large"
    if (
        "technology_amount" not in problems
        and "deal_amount" not in problems
        and form.deal_amount is not None
        and form.technology_amount is not None
        and form.technology_amount > form.deal_amount
    ):
        problems["technology_amount"] = "exceeds_deal"
    if form.term_start and form.term_end and form.term_end < form.term_start:
        problems["term_end"] = "before_start"
    if submitting:
        for name in REQUIRED_TO_SUBMIT:
            if getattr(form, name) is None:
                problems.setdefault(name, "required")
    return problems


def decision_problems(
    target: str, *, number: str | None, office: str | None, reason: str | None
) -> dict[str, str]:
    """A registered decision needs a well-formed number and the office; a refusal needs its reason."""
    problems: dict[str, str] = {}
    if target == REGISTERED:
        if not (number or "").strip():
            problems["number"] = "required"
        elif not number_is_valid(number or ""):
            problems["number"] = "format"
        if not (office or "").strip():
            problems["office"] = "required"
    if target == REFUSED and not (reason or "").strip():
        problems["refusal_reason"] = "required"
    return problems
