"""Display labels of the domain's enumerations, in the user's language (Chinese first).

Values are the enum values stored in the database. Each domain names its tables in a `TABLES` mapping (this
module, `app.deals.labels`, `app.oversight.labels`); templates read every table through one filter,
`{{ value|label('contract_status') }}`, and one global, `labels.cooperation_mode` (see `app.web.templating`).
"""

from flask_babel import lazy_gettext as _l

from models import LISTING_KINDS as REGISTRY

COOPERATION_MODES = {
    "commission": _l("Commissioned R&D"),
    "license": _l("Technology licensing"),
    "transfer": _l("Technology transfer"),
    "joint": _l("Joint development"),
    "service": _l("Technical service"),
    "incubation": _l("Incubation"),
}

LISTING_STATUSES = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "expired": _l("Expired"),
    "closed": _l("Closed"),
}

# Why an owner closed a listing.
CLOSE_REASONS = {
    "solved_here": _l("Solved on this platform"),
    "solved_elsewhere": _l("Solved elsewhere"),
    "not_needed": _l("No longer needed"),
    "other": _l("Other"),
}

ACHIEVEMENT_KINDS = {
    "patent": _l("Patent"),
    "process": _l("Process"),
    "product": _l("Product"),
    "software": _l("Software"),
    "other": _l("Other"),
}

IP_STATUSES = {
    "granted": _l("Granted"),
    "pending": _l("Pending"),
    "licensed": _l("Licensed"),
    "none": _l("None"),
}

# The ten public services of the policy, section 2(2)4.
SERVICE_CATEGORIES = {
    "commissioned_rd": _l("Commissioned technology R&D"),
    "testing": _l("Testing and inspection"),
    "certification_metrology": _l("Certification and metrology"),
    "standards": _l("Standards development and verification"),
    "ip": _l("Intellectual property collaboration"),
    "training": _l("Personnel training"),
    "market_info": _l("Market information services"),
    "incubation": _l("Enterprise incubation"),
    "feasibility": _l("Feasibility studies"),
    "evaluation": _l("Project evaluation"),
}

CENTER_LEVELS = {
    "city": _l("City level"),
    "province": _l("Provincial level"),
    "national": _l("National level"),
}

ORG_KINDS = {
    "enterprise": _l("Enterprise"),
    "university": _l("University"),
    "institute": _l("Research institute"),
    "center": _l("Innovation center"),
    "finance": _l("Financial institution"),
    "bureau": _l("Industry and IT bureau"),
}

# The header's and home page's call to post each kind.
POST_ACTIONS = {
    "need": _l("Post a need"),
    "achievement": _l("Post an achievement"),
    "service": _l("Post a service"),
    "instrument": _l("Post an instrument"),
    "financing": _l("Post a financing request"),
    "finance_product": _l("Post a finance product"),
}

# Each kind of listing as the browser names it, singular and plural (the registry holds the messages).
LISTING_KINDS = {name: _l(kind.label) for name, kind in REGISTRY.items()}
LISTING_KINDS_PLURAL = {name: _l(kind.label_plural) for name, kind in REGISTRY.items()}


def label(table: dict, value) -> str:
    """The label of an enum value (or its plain value), or "" for None."""
    if value is None:
        return ""
    key = getattr(value, "value", value)
    return str(table.get(key, key))


TABLES = {
    "cooperation_mode": COOPERATION_MODES,
    "listing_status": LISTING_STATUSES,
    "close_reason": CLOSE_REASONS,
    "achievement_kind": ACHIEVEMENT_KINDS,
    "ip_status": IP_STATUSES,
    "service_category": SERVICE_CATEGORIES,
    "center_level": CENTER_LEVELS,
    "org_kind": ORG_KINDS,
    "post_action": POST_ACTIONS,
    "listing_kind": LISTING_KINDS,
    "listing_kind_plural": LISTING_KINDS_PLURAL,
}
