"""What users did with a recommendation; the matcher learns its ranking from these."""

from datetime import datetime
from typing import Literal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import ID_MAX, utcnow
from models.enums import FeedbackLabel
from models.kinds import KIND_NAMES


# What a user sends about one recommendation.
class FeedbackIn(SQLModel):
    query_type: Literal["need", "achievement", "service", "financing", "finance_product"]
    query_id: int = Field(ge=1, le=ID_MAX)
    rec_kind: Literal[
        "commission",
        "license",
        "incubation",
        "needs",
        "instruments",
        "finance_products",
        "financing_requests",
    ]
    # Any registered kind of listing: the values come from the registry, which a type checker cannot read.
    target_type: Literal[KIND_NAMES]  # type: ignore[valid-type]
    target_id: int = Field(ge=1, le=ID_MAX)
    label: FeedbackLabel


class RecommendationFeedback(FeedbackIn, table=True):
    __tablename__ = "recommendation_feedback"
    # The same verdict twice says nothing new; without this one user could outvote everyone else.
    __table_args__ = (
        UniqueConstraint(
            "user_id",
            "query_type",
            "query_id",
            "target_type",
            "target_id",
            "label",
            name="uq_recommendation_feedback_once",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    # The table keeps the validated values as plain string columns.
    query_type: str = Field(max_length=32)  # type: ignore[assignment]
    rec_kind: str = Field(max_length=32)  # type: ignore[assignment]
    target_type: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
