"""SQLModel tables and enums of MIC Exchange. Imports nothing else of the project."""

from models.center import Center, CenterBase, CenterMember
from models.credit_code import CHARSET, check_character, is_valid_credit_code
from models.deals import (
    Attachment,
    Contract,
    ContractEvent,
    ContractIn,
    ContractKind,
    ContractStatus,
    DeclineIn,
    DeclineReason,
    DetailView,
    DigestRun,
    Incubation,
    IncubationIn,
    IncubationStatus,
    Interest,
    InterestIn,
    InterestStatus,
    IPType,
    Message,
    Milestone,
    MilestoneIn,
    MilestoneStatus,
    NdaAcceptance,
    NdaDocument,
    Notification,
    SavedSearch,
    SavedSearchIn,
)
from models.enums import (
    AchievementKind,
    CenterLevel,
    CenterStatus,
    ClaimStatus,
    CloseReason,
    CooperationMode,
    FeedbackLabel,
    IPStatus,
    ListingStatus,
    OrgKind,
    Role,
    ServiceCategory,
)
from models.feedback import FeedbackIn, RecommendationFeedback
from models.kinds import KIND_NAMES, LISTING_KINDS, POSTED_KINDS, ListingKind, kind_at_segment, kind_name_of
from models.listing import (
    Achievement,
    AchievementCreate,
    AchievementPublic,
    AchievementUpdate,
    ListingAttachment,
    Need,
    NeedAccess,
    NeedCreate,
    NeedPublic,
    NeedUpdate,
    Service,
    ServiceCreate,
    ServicePublic,
    ServiceUpdate,
)
from models.organization import (
    ApiToken,
    ApiTokenPublic,
    Organization,
    OrganizationBase,
    OrganizationClaim,
    OrganizationClaimIn,
    OrganizationClaimPublic,
    OrganizationPublic,
    RegistrationIn,
    User,
    UserPublic,
)
from models.outbox import OutboxEvent, SyncCursor

__all__ = [
    "Achievement", "AchievementCreate", "AchievementKind", "AchievementPublic", "AchievementUpdate",
    "ApiToken", "ApiTokenPublic", "CHARSET", "ClaimStatus", "Center", "CenterBase", "CenterLevel", "CenterMember",
    "CenterStatus", "CloseReason", "CooperationMode", "FeedbackIn", "FeedbackLabel", "IPStatus", "KIND_NAMES", "LISTING_KINDS",
    "ListingAttachment", "ListingKind", "ListingStatus", "Need", "NeedAccess", "NeedCreate", "NeedPublic", "NeedUpdate", "POSTED_KINDS",
    "OrgKind", "Organization", "OrganizationBase", "OrganizationClaim", "OrganizationClaimIn",
    "OrganizationClaimPublic", "OrganizationPublic", "OutboxEvent",
    "RecommendationFeedback", "RegistrationIn", "Role", "Service", "ServiceCategory", "ServiceCreate",
    "ServicePublic", "ServiceUpdate", "SyncCursor", "User", "UserPublic", "check_character",
    "is_valid_credit_code", "kind_at_segment", "kind_name_of",
    # deals
    "Attachment", "Contract", "ContractEvent", "ContractIn", "ContractKind", "ContractStatus", "DeclineIn",
    "DeclineReason", "DetailView", "DigestRun", "IPType", "Incubation", "IncubationIn", "IncubationStatus",
    "Interest", "InterestIn", "InterestStatus", "Message", "Milestone", "MilestoneIn", "MilestoneStatus",
    "NdaAcceptance", "NdaDocument", "Notification", "SavedSearch", "SavedSearchIn",
]
