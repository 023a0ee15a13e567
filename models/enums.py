"""Enumerations of the domain; values are the English glossary names stored in the database and the API."""

from enum import StrEnum


class OrgKind(StrEnum):
    enterprise = "enterprise"
    university = "university"
    institute = "institute"
    # The member shadows str.center; typeshed's str stub makes that an error, the enum makes it a member.
    center = "center"  # type: ignore[assignment]
    finance = "finance"
    bureau = "bureau"


class Role(StrEnum):
    enterprise = "enterprise"
    center = "center"  # type: ignore[assignment]  # shadows str.center, as in OrgKind
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


class ExpertField(StrEnum):
    """The fields an expert panel must cover (policy section 4(2)2)."""

    economics = "economics"
    technology = "technology"
    industry = "industry"
    management = "management"
    law = "law"


class CallStatus(StrEnum):
    open = "open"
    closed = "closed"


class AssignmentSubject(StrEnum):
    """What an expert is asked to score."""

    application = "application"
    evaluation = "evaluation"
    fund_application = "fund_application"  # a center's application to the development fund
    challenge_proposal = "challenge_proposal"  # a proposal to an open challenge (揭榜挂帅)


class TrainingMode(StrEnum):
    in_person = "in_person"
    online = "online"


class CooperationForm(StrEnum):
    joint_rd = "joint_rd"
    introduced_team = "introduced_team"
    co_built_lab = "co_built_lab"
    exchange = "exchange"


class FirstUseCategory(StrEnum):
    """首台套 (equipment), 首批次 (key parts, new materials)."""

    equipment = "equipment"
    key_part = "key_part"
    new_material = "new_material"


class FlagStatus(StrEnum):
    flagged = "flagged"
    recommended = "recommended"
    declined = "declined"


class Grade(StrEnum):
    """Annual evaluation grades: 优秀 / 良好 / 合格 / 不合格."""

    excellent = "excellent"
    good = "good"
    passed = "passed"
    failed = "failed"


class PromotionOutcome(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class RectificationStatus(StrEnum):
    """A rectification (整改) ordered after a failed assessment: ordered → reported → accepted, or revoked."""

    ordered = "ordered"
    reported = "reported"
    accepted = "accepted"
    revoked = "revoked"


class GoverningBody(StrEnum):
    """The two bodies a center's charter sets up (policy section 3(2)2)."""

    decision_body = "decision_body"  # 决策机构 (理事会/董事会)
    expert_committee = "expert_committee"  # 技术专家委员会


class ContributionKind(StrEnum):
    """How a member unit contributes to a center (policy section 5(2)): by shares or by a membership fee."""

    shares = "shares"  # 入股
    membership_fee = "membership_fee"  # 会员费
