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
    CooperationMode,
    FeedbackLabel,
    IPStatus,
    ListingStatus,
    OrgKind,
    Role,
    ServiceCategory,
)
from models.feedback import FeedbackIn, RecommendationFeedback
from models.listing import (
    Achievement,
    AchievementCreate,
    AchievementPublic,
    AchievementUpdate,
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
    Organization,
    OrganizationBase,
    OrganizationPublic,
    RegistrationIn,
    User,
    UserPublic,
)
from models.outbox import OutboxEvent, SyncCursor

__all__ = [
    "Achievement", "AchievementCreate", "AchievementKind", "AchievementPublic", "AchievementUpdate",
    "ApiToken", "CHARSET", "Center", "CenterBase", "CenterLevel", "CenterMember", "CenterStatus", "CooperationMode",
    "FeedbackIn", "FeedbackLabel", "IPStatus", "ListingStatus", "Need", "NeedAccess", "NeedCreate", "NeedPublic",
    "NeedUpdate", "OrgKind", "Organization", "OrganizationBase", "OrganizationPublic", "OutboxEvent",
    "RecommendationFeedback", "RegistrationIn", "Role", "Service", "ServiceCategory", "ServiceCreate",
    "ServicePublic", "ServiceUpdate", "SyncCursor", "User", "UserPublic", "check_character",
    "is_valid_credit_code",
    # deals
    "Attachment", "Contract", "ContractEvent", "ContractIn", "ContractKind", "ContractStatus", "DeclineIn",
    "DeclineReason", "DetailView", "DigestRun", "IPType", "Incubation", "IncubationIn", "IncubationStatus",
    "Interest", "InterestIn", "InterestStatus", "Message", "Milestone", "MilestoneIn", "MilestoneStatus",
    "NdaAcceptance", "NdaDocument", "Notification", "SavedSearch", "SavedSearchIn",
]
