"""What users did with a recommendation; the matcher learns its ranking from these."""

from datetime import datetime
from typing import Literal

from sqlmodel import Field, SQLModel

from models.common import utcnow
from models.enums import FeedbackLabel


# What a user sends about one recommendation.
class FeedbackIn(SQLModel):
    query_type: Literal["need", "achievement", "service"]
    query_id: int = Field(ge=1)
    rec_kind: Literal["commission", "license", "incubation", "needs"]
    target_type: Literal["need", "achievement", "service", "center"]
    target_id: int = Field(ge=1)
    label: FeedbackLabel


class RecommendationFeedback(FeedbackIn, table=True):
    __tablename__ = "recommendation_feedback"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    query_type: str = Field(max_length=32)
    rec_kind: str = Field(max_length=32)
    target_type: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
