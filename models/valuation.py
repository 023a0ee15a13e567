"""科技成果评价: the seller's structured assessment of an achievement (readiness, IP, market), from which the
platform suggests a price range beside the comparable deals the matcher finds (app/trading/valuation_rules.py).

One row per achievement, changed only by a compare-and-set on `version`: two sellers saving at once never
silently lose one save. `published` shows it on the achievement's page to everyone; otherwise only the seller
and the bureau see it.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from models.common import utcnow
from models.enums import IPStatus  # the achievement's own: granted, pending, licensed, none


class ValuationIPType(StrEnum):
    invention_patent = "invention_patent"  # 发明专利
    utility_patent = "utility_patent"  # 实用新型
    design_patent = "design_patent"  # 外观设计
    software_copyright = "software_copyright"  # 软件著作权
    ic_layout = "ic_layout"  # 集成电路布图设计
    plant_variety = "plant_variety"  # 植物新品种
    know_how = "know_how"  # 技术秘密
    none = "none"


class MarketReadiness(StrEnum):
    unexplored = "unexplored"  # 尚无市场验证
    validated = "validated"  # 已有意向客户或试用
    selling = "selling"  # 已有销售或许可


class ApplicationReadiness(StrEnum):
    lab = "lab"  # 实验室阶段
    pilot = "pilot"  # 中试或样机
    production = "production"  # 可批量应用


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class ValuationIn(SQLModel):
    """What the seller fills; `version` is the one they read (required once an assessment is saved)."""

    trl: int = Field(ge=1, le=9)
    ip_type: ValuationIPType
    ip_status: IPStatus
    claims: int = Field(default=0, ge=0, le=500)
    remaining_years: int = Field(default=0, ge=0, le=50)  # software copyright: 50 years
    family_size: int = Field(default=0, ge=0, le=200)
    market_readiness: MarketReadiness
    application_readiness: ApplicationReadiness
    note: str = Field(default="", max_length=500)
    published: bool = False
    version: int | None = Field(default=None, ge=1, le=2_147_483_647)


class AchievementValuation(SQLModel, table=True):
    __tablename__ = "achievement_valuation"
    __table_args__ = (
        CheckConstraint("trl BETWEEN 1 AND 9", name="ck_achievement_valuation_trl"),
        CheckConstraint(_in("ip_type", ValuationIPType), name="ck_achievement_valuation_ip_type"),
        CheckConstraint(_in("ip_status", IPStatus), name="ck_achievement_valuation_ip_status"),
        CheckConstraint(_in("market_readiness", MarketReadiness), name="ck_achievement_valuation_market"),
        CheckConstraint(
            _in("application_readiness", ApplicationReadiness), name="ck_achievement_valuation_application"
        ),
        CheckConstraint(
            "claims >= 0 AND remaining_years >= 0 AND family_size >= 0",
            name="ck_achievement_valuation_counts",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    achievement_id: int = Field(foreign_key="achievement.id", unique=True)
    trl: int
    ip_type: str = Field(max_length=24)
    ip_status: str = Field(max_length=16)
    claims: int = 0
    remaining_years: int = 0
    family_size: int = 0
    market_readiness: str = Field(max_length=16)
    application_readiness: str = Field(max_length=16)
    note: str = Field(default="", max_length=500)
    published: bool = False
    version: int = 1
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    demo_key: str | None = Field(default=None, max_length=80, unique=True)
