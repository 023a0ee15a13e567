"""Enumerations of the domain; values are the English glossary names stored in the database and the API."""

from enum import StrEnum


class OrgKind(StrEnum):
    enterprise = "enterprise"
    university = "university"
    institute = "institute"
    center = "center"
    finance = "finance"
    bureau = "bureau"


class Role(StrEnum):
    enterprise = "enterprise"
    center = "center"
    bureau = "bureau"
    expert = "expert"


class CenterLevel(StrEnum):
    city = "city"
    province = "province"
    national = "national"


class CenterStatus(StrEnum):
    """The lifecycle the bureau runs: application through filing, then promotion or revocation."""

    applied = "applied"
    review = "review"
    inspection = "inspection"
    notice = "notice"
    filed = "filed"
    rejected = "rejected"
    revoked = "revoked"


class ListingStatus(StrEnum):
    draft = "draft"
    published = "published"
    expired = "expired"
    closed = "closed"


class CloseReason(StrEnum):
    """Why the owner closed a listing; the bureau counts "solved_here" as the marketplace's success."""

    solved_here = "solved_here"
    solved_elsewhere = "solved_elsewhere"
    not_needed = "not_needed"
    other = "other"


class CooperationMode(StrEnum):
    commission = "commission"
    license = "license"
    transfer = "transfer"
    joint = "joint"
    service = "service"
    incubation = "incubation"


class AchievementKind(StrEnum):
    patent = "patent"
    process = "process"
    product = "product"
    software = "software"
    other = "other"


class IPStatus(StrEnum):
    granted = "granted"
    pending = "pending"
    licensed = "licensed"
    none = "none"


class ServiceCategory(StrEnum):
    """The ten public services a center offers (policy section 2(2)4)."""

    commissioned_rd = "commissioned_rd"
    testing = "testing"
    certification_metrology = "certification_metrology"
    standards = "standards"
    ip = "ip"
    training = "training"
    market_info = "market_info"
    incubation = "incubation"
    feasibility = "feasibility"
    evaluation = "evaluation"


class FeedbackLabel(StrEnum):
    dismissed = "dismissed"
    interested = "interested"
    contracted = "contracted"


class ClaimStatus(StrEnum):
    """A firm's claim to a credit code another organization registered first."""

    pending = "pending"
    transferred = "transferred"
    rejected = "rejected"
