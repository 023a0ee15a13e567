"""Shared instruments and facilities (大型科研仪器、试验检测设施, seed §二(二)1 and §二(二)4), their calendars and
their bookings.

An instrument is a listing kind of its own (models/kinds.py), posted by a center-side organization: search, the
matcher, the listing pages and the API take it like the other kinds. Its calendar is its weekly opening hours plus
closures (maintenance, holidays); a booking holds one slot of it. Two live bookings of one instrument never
overlap: PostgreSQL refuses it with an exclusion constraint on the time range (migration 0026), SQLite under the
same check made by the booking service inside one write transaction.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import field_validator, model_validator
from sqlalchemy import BigInteger, CheckConstraint, Index, text
from sqlmodel import JSON, Field, SQLModel

from models.common import ID_MAX, json_list, utcnow
from models.enums import CloseReason, CooperationMode, ListingStatus
from models.listing import (
    LANGUAGE_RULE,
    MONEY_MAX,
    SORT_KEYS,
    TEXT_MAX,
    ListingBase,
    ListingTable,
    optional_money,
    optional_title,
)


class InstrumentCategory(StrEnum):
    """The taxonomy of shared instruments and facilities (kept here; labels in app/instruments/labels.py)."""

    analysis = "analysis"  # 分析测试
    inspection = "inspection"  # 检验检测
    metrology = "metrology"  # 计量校准
    pilot = "pilot"  # 中试/试制
    machining = "machining"  # 加工制造
    reliability = "reliability"  # 环境与可靠性
    data_software = "data_software"  # 数据与软件


class PriceUnit(StrEnum):
    hour = "hour"
    sample = "sample"


class BookableBy(StrEnum):
    """Who may book: any registered organization, enterprises only, or the center's member units only."""

    anyone = "anyone"
    enterprises = "enterprises"
    members = "members"


class BookingStatus(StrEnum):
    requested = "requested"
    confirmed = "confirmed"
    declined = "declined"
    cancelled = "cancelled"
    no_show = "no_show"
    completed = "completed"


# The statuses that hold the slot: the exclusion constraint and the service's overlap check read this list.
ACTIVE_BOOKING_STATUSES = (BookingStatus.requested, BookingStatus.confirmed)


class PriceCategory(StrEnum):
    """The user categories a price table distinguishes."""

    member = "member"
    sme = "sme"
    enterprise = "enterprise"
    university = "university"


# Slots are whole minutes from 15 minutes to 14 days; lead and cancellation times up to 90 days.
SLOT_MIN, SLOT_MAX = 15, 14 * 24 * 60
HOURS_MAX = 90 * 24
WEEKDAYS = range(7)  # Monday = 0, as datetime.weekday()


def _hhmm(value: str) -> int:
    """Minutes since midnight of "HH:MM" (24:00 allowed as the end of a day)."""
    hours, _sep, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError("time_format")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 24 * 60:
        raise ValueError("time_format")
    return total


def check_opening_hours(value: list) -> list[list]:
    """Opening hours as [[weekday, "HH:MM", "HH:MM"], ...], each period opening before it closes."""
    periods = []
    for item in value or []:
        if not isinstance(item, list | tuple) or len(item) != 3:
            raise ValueError("opening_hours_format")
        day, opens, closes = item
        if not isinstance(day, int) or isinstance(day, bool) or day not in WEEKDAYS:
            raise ValueError("opening_hours_weekday")
        if not isinstance(opens, str) or not isinstance(closes, str) or _hhmm(opens) >= _hhmm(closes):
            raise ValueError("opening_hours_order")
        periods.append([day, opens, closes])
    if len(periods) > 50:
        raise ValueError("opening_hours_too_many")
    return sorted(periods)


DEFAULT_OPENING_HOURS = [[day, "08:30", "17:30"] for day in range(5)]


def _default_hours() -> Any:
    return Field(default_factory=lambda: [list(p) for p in DEFAULT_OPENING_HOURS], sa_type=JSON)


class InstrumentBase(ListingBase):
    # `title` is the instrument's name (三坐标测量机); model and maker as on its plate.
    model: str = Field(default="", max_length=100)
    maker: str = Field(default="", max_length=100)
    category: InstrumentCategory
    # The standards and tests it performs, as written (GB/T 3075-2021, ISO 6892-1...): searchable.
    standards: list[str] = json_list()
    region: str | None = Field(default=None, max_length=60)
    address: str = Field(default="", max_length=200)
    center_id: int | None = Field(default=None, ge=1, le=ID_MAX, foreign_key="center.id")
    # Prices in yuan per unit; `price` is the list price (other enterprises), the others are optional and fall
    # back to it. The center's post-use subsidy is a share of the amount, paid back after use.
    price_unit: PriceUnit = PriceUnit.hour
    price: int | None = optional_money()
    price_member: int | None = optional_money()
    price_sme: int | None = optional_money()
    price_university: int | None = optional_money()
    subsidy_percent: int = Field(default=0, ge=0, le=100)
    # Booking rules.
    min_slot_minutes: int = Field(default=60, ge=SLOT_MIN, le=SLOT_MAX)
    max_slot_minutes: int = Field(default=8 * 60, ge=SLOT_MIN, le=SLOT_MAX)
    lead_hours: int = Field(default=24, ge=0, le=HOURS_MAX)
    cancel_hours: int = Field(default=24, ge=0, le=HOURS_MAX)
    approval_required: bool = True
    bookable_by: BookableBy = BookableBy.anyone
    opening_hours: list[list] = _default_hours()

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: list) -> list[list]:
        return check_opening_hours(value)

    @field_validator("standards")
    @classmethod
    def _standards(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(str(item).split()) for item in value or []]
        if len(cleaned) > 50 or any(len(item) > 80 for item in cleaned):
            raise ValueError("standards_too_long")
        return [item for item in dict.fromkeys(cleaned) if item]

    @model_validator(mode="after")
    def _slot_order(self) -> Self:
        if self.min_slot_minutes > self.max_slot_minutes:
            raise ValueError("slot_order")
        return self


class InstrumentCreate(InstrumentBase):
    pass


class InstrumentUpdate(SQLModel):
    title: str | None = optional_title()
    description: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    industry: str | None = Field(default=None, max_length=40)
    cooperation_modes: list[CooperationMode] | None = None
    model: str | None = Field(default=None, max_length=100)
    maker: str | None = Field(default=None, max_length=100)
    category: InstrumentCategory | None = None
    standards: list[str] | None = None
    region: str | None = Field(default=None, max_length=60)
    address: str | None = Field(default=None, max_length=200)
    price_unit: PriceUnit | None = None
    price: int | None = optional_money()
    price_member: int | None = optional_money()
    price_sme: int | None = optional_money()
    price_university: int | None = optional_money()
    subsidy_percent: int | None = Field(default=None, ge=0, le=100)
    min_slot_minutes: int | None = Field(default=None, ge=SLOT_MIN, le=SLOT_MAX)
    max_slot_minutes: int | None = Field(default=None, ge=SLOT_MIN, le=SLOT_MAX)
    lead_hours: int | None = Field(default=None, ge=0, le=HOURS_MAX)
    cancel_hours: int | None = Field(default=None, ge=0, le=HOURS_MAX)
    approval_required: bool | None = None
    bookable_by: BookableBy | None = None
    opening_hours: list[list] | None = None


def _money_check(column: str) -> CheckConstraint:
    return CheckConstraint(
        f"{column} IS NULL OR ({column} >= 0 AND {column} <= {MONEY_MAX})", name=f"ck_instrument_{column}"
    )


class Instrument(InstrumentBase, ListingTable, table=True):
    __table_args__ = (
        *(_money_check(column) for column in ("price", "price_member", "price_sme", "price_university")),
        CheckConstraint("subsidy_percent >= 0 AND subsidy_percent <= 100", name="ck_instrument_subsidy"),
        CheckConstraint(LANGUAGE_RULE[1], name=f"ck_instrument_{LANGUAGE_RULE[0]}"),
        CheckConstraint("min_slot_minutes <= max_slot_minutes", name="ck_instrument_slot_order"),
        Index("ix_instrument_live_newest", "status", "updated_at", "id"),
        Index("ix_instrument_live_category", "status", "category"),
        Index(
            "ix_instrument_live_price", "status", text(SORT_KEYS["instrument"]["price"]), "updated_at", "id"
        ),
    )


class InstrumentPublic(InstrumentBase):
    id: int
    org_id: int
    status: ListingStatus
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    expires_at: datetime | None
    close_reason: CloseReason | None = None
    solved_contract_id: int | None = None


class InstrumentClosure(SQLModel, table=True):
    """A period the owner closed the instrument: maintenance, calibration, holidays."""

    __tablename__ = "instrument_closure"
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="ck_instrument_closure_order"),)

    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(default="", max_length=200)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ClosureIn(SQLModel):
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(default="", max_length=200)


class BookingIn(SQLModel):
    """A booking request: the slot, the work and samples, the contact; `sme` declares the booker a small or
    medium enterprise (the price table's SME row, and the bureau's SME share)."""

    starts_at: datetime
    ends_at: datetime
    work: str = Field(min_length=1, max_length=2000)
    samples: int = Field(default=0, ge=0, le=100_000)
    contact: str = Field(default="", max_length=200)
    sme: bool = False


class Booking(SQLModel, table=True):
    """One booking of one instrument's slot by one organization."""

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ck_booking_order"),
        CheckConstraint("samples >= 0", name="ck_booking_samples"),
        Index("ix_booking_instrument_starts", "instrument_id", "starts_at"),
        Index("ix_booking_status_starts", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id")
    # The booker: its organization and the user who asked.
    org_id: int = Field(foreign_key="organization.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    starts_at: datetime
    ends_at: datetime
    work: str = Field(max_length=2000)
    samples: int = 0
    contact: str = Field(default="", max_length=200)
    status: BookingStatus = Field(default=BookingStatus.requested)
    # What the price table gave at booking: the category, the unit price and the amount before the subsidy.
    price_category: PriceCategory = PriceCategory.enterprise
    unit_price: int | None = Field(default=None, sa_type=BigInteger)
    amount: int = Field(default=0, sa_type=BigInteger)
    subsidy_amount: int = Field(default=0, sa_type=BigInteger)
    # The last decision's note (a decline's reason, a cancellation's).
    note: str = Field(default="", max_length=2000)
    # Usage, recorded when the slot has ended.
    used_minutes: int | None = None
    used_samples: int | None = None
    report_name: str | None = Field(default=None, max_length=255)
    report_stored_name: str | None = Field(default=None, max_length=80, unique=True)
    report_mimetype: str | None = Field(default=None, max_length=100)
    report_size: int | None = None
    # The technical-service contract a confirmation created.
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    reminded_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1
    demo_key: str | None = Field(default=None, max_length=80, unique=True)


class InstrumentFreeSpan(SQLModel, table=True):
    """A stretch of an instrument's free time (opening hours less closures and live bookings, before any lead
    time), as epoch seconds so that both databases clip and compare it with plain integer arithmetic.
    Kept by app/instruments/services/free_time.py; the list's "free next week" filter reads only this."""

    __tablename__ = "instrument_free_span"
    __table_args__ = (
        CheckConstraint("starts_s < ends_s", name="ck_instrument_free_span_order"),
        Index("ix_instrument_free_span_instrument_ends", "instrument_id", "ends_s"),
    )

    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", ondelete="CASCADE")
    starts_s: int = Field(sa_type=BigInteger)
    ends_s: int = Field(sa_type=BigInteger)


class InstrumentFreeHorizon(SQLModel, table=True):
    """How far an instrument's stored free spans reach (`from_s`..`through_s`), and the instrument's
    `updated_at` they were computed from: an edit of its opening hours makes them stale without any hook."""

    __tablename__ = "instrument_free_horizon"
    __table_args__ = (CheckConstraint("from_s < through_s", name="ck_instrument_free_horizon_order"),)

    instrument_id: int = Field(primary_key=True, foreign_key="instrument.id", ondelete="CASCADE")
    from_s: int = Field(sa_type=BigInteger)
    through_s: int = Field(sa_type=BigInteger)
    listing_updated_at: datetime
    computed_at: datetime = Field(default_factory=utcnow)
