"""What users did with a recommendation; the matcher learns its ranking from these."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.common import utcnow
from models.enums import FeedbackLabel


class RecommendationFeedback(SQLModel, table=True):
    __tablename__ = "recommendation_feedback"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    query_type: str = Field(max_length=32)
    query_id: int
    rec_kind: str = Field(max_length=32)
    target_type: str = Field(max_length=32)
    target_id: int
    label: FeedbackLabel
    created_at: datetime = Field(default_factory=utcnow)
