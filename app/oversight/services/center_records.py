"""What centers record about themselves (trainings, international cooperation, first-commercialization flags),
and the bureau's review of the flags with its recommended list."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.oversight.services.access import commit_unique, get_center, log
from app.platform import permissions
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.permissions import may_see_center_records, require_bureau, require_manager
from app.platform.spreadsheets import csv_text
from app.platform.validation import parse
from models import (
    Achievement,
    Center,
    CenterCooperation,
    CenterTraining,
    CooperationIn,
    FirstUseFlag,
    FlagIn,
    FlagReviewIn,
    FlagStatus,
    TrainingIn,
    User,
)
from models.common import utcnow


def add_training(*, session: Session, user: User | None, center_id: int, data: dict) -> CenterTraining:
    """A training the center ran: date, topic, people trained, in person or online."""
    center = require_manager(user, get_center(session, center_id))
    assert user is not None and center.id is not None  # require_manager let only the center's user through
    training = CenterTraining(center_id=center.id, created_by=user.id, **parse(TrainingIn, data).model_dump())
    session.add(training)
    session.commit()
    session.refresh(training)
    return training


def add_cooperation(*, session: Session, user: User | None, center_id: int, data: dict) -> CenterCooperation:
    """An international cooperation project: partner, country, form, dates."""
    center = require_manager(user, get_center(session, center_id))
    project_in = parse(CooperationIn, data)
    assert user is not None and center.id is not None  # require_manager let only the center's user through
    if project_in.ended_on is not None and project_in.ended_on < project_in.started_on:
        raise Invalid(_("Some fields are not valid."), {"ended_on": _("The end is before the start.")})
    project = CenterCooperation(center_id=center.id, created_by=user.id, **project_in.model_dump())
    session.add(project)
    session.commit()
    session.refresh(project)
    return project


@dataclass
class CenterActivity:
    trainings: list[CenterTraining]
    cooperation: list[CenterCooperation]

    @property
    def people_trained(self) -> int:
        return sum(t.people for t in self.trainings)


def center_activity(*, session: Session, center_id: int) -> CenterActivity:
    """A center's trainings and international cooperation, newest first, as its public profile shows them."""
    get_center(session, center_id)
    return CenterActivity(
        trainings=list(
            session.exec(
                select(CenterTraining)
                .where(CenterTraining.center_id == center_id)
                .order_by(col(CenterTraining.held_on).desc(), col(CenterTraining.id).desc())
            ).all()
        ),
        cooperation=list(
            session.exec(
                select(CenterCooperation)
                .where(CenterCooperation.center_id == center_id)
                .order_by(col(CenterCooperation.started_on).desc(), col(CenterCooperation.id).desc())
            ).all()
        ),
    )


def managed_centers(*, session: Session, user: User | None) -> list[Center]:
    """The centers the user's organization runs (in any status)."""
    return permissions.managed_centers(session, user)


# --- first commercial application (首台套 / 首批次) -------------------------------------------------------------------------


def flag_first_use(*, session: Session, user: User | None, center_id: int, data: dict) -> FirstUseFlag:
    """A center flags one of its achievements as a first commercial application."""
    center = require_manager(user, get_center(session, center_id))
    flag_in = parse(FlagIn, data)
    achievement = session.get(Achievement, flag_in.achievement_id)
    if achievement is None or achievement.center_id != center.id:
        raise Forbidden(_("Only achievements published under this center can be flagged."))
    # require_manager let only the center's user through; stored rows
    assert user is not None and center.id is not None and achievement.id is not None
    flag = FirstUseFlag(
        achievement_id=achievement.id,
        center_id=center.id,
        category=flag_in.category,
        reason=flag_in.reason,
        flagged_by=user.id,
    )

    def write() -> FirstUseFlag:
        session.add(flag)
        session.flush()
        assert center.id is not None  # a stored center
        log(
            session,
            center_id=center.id,
            event_type="first_use_flagged",
            actor=user,
            data={"achievement_id": achievement.id, "category": flag.category.value},
        )
        return flag

    flag = commit_unique(session, _("This achievement is already flagged."), write)
    session.refresh(flag)
    return flag


def review_flag(*, session: Session, user: User | None, flag_id: int, data: dict) -> FirstUseFlag:
    """The bureau recommends a flag for the province's first-set / first-batch list, or declines it; once."""
    user = require_bureau(user)
    review = parse(FlagReviewIn, data)
    flag = session.get(FirstUseFlag, flag_id)
    if flag is None:
        raise NotFound(_("No such flag."))
    status = FlagStatus.recommended if review.recommend else FlagStatus.declined
    assert flag.id is not None  # a stored flag
    versioned_update(
        session,
        FirstUseFlag,
        flag.id,
        where=[FirstUseFlag.status == FlagStatus.flagged],
        values={
            "status": status,
            "review_note": review.note,
            "reviewed_by": user.id,
            "reviewed_at": utcnow(),
        },
        conflict=Conflict(_("This flag has already been reviewed.")),
    )
    log(
        session,
        center_id=flag.center_id,
        event_type="first_use_" + status.value,
        actor=user,
        data={"flag_id": flag.id},
    )
    session.commit()
    session.refresh(flag)
    return flag


def flags(
    *, session: Session, user: User | None, status: str | None = None, center_id: int | None = None
) -> list[tuple[FirstUseFlag, Achievement, Center]]:
    """Flags with their achievement and center: all for the bureau, a center's own for its users."""
    query = (
        select(FirstUseFlag, Achievement, Center)
        .join(Achievement, col(Achievement.id) == FirstUseFlag.achievement_id)
        .join(Center, col(Center.id) == FirstUseFlag.center_id)
        .order_by(col(FirstUseFlag.id))
    )
    if center_id is not None:
        center = get_center(session, center_id)
        if not may_see_center_records(user, center):
            raise Forbidden(_("Only the bureau and the center itself may see its flags."))
        query = query.where(FirstUseFlag.center_id == center_id)
    else:
        require_bureau(user)
    if status:
        query = query.where(FirstUseFlag.status == status)
    return list(session.exec(query).all())


CSV_HEADER = ("序号", "成果名称", "类别", "创新中心", "推荐理由", "审核意见", "审核日期")
CATEGORY_ZH = {
    "equipment": "首台（套）重大技术装备",
    "key_part": "首批次关键零部件",
    "new_material": "首批次重点新材料",
}


def recommended_csv(*, session: Session, user: User | None) -> str:
    """The recommended list as CSV with a byte-order mark, so spreadsheet programs read the Chinese correctly."""
    rows = [
        (
            n,
            achievement.title,
            CATEGORY_ZH[flag.category.value],
            center.name,
            flag.reason,
            flag.review_note,
            flag.reviewed_at.date().isoformat() if flag.reviewed_at else "",
        )
        for n, (flag, achievement, center) in enumerate(
            flags(session=session, user=user, status=FlagStatus.recommended), start=1
        )
    ]
    return csv_text([CSV_HEADER, *rows])


def center_achievements(*, session: Session, center_id: int) -> list[Achievement]:
    """Achievements published under a center, the ones it may flag."""
    return list(
        session.exec(
            select(Achievement).where(Achievement.center_id == center_id).order_by(Achievement.title)
        ).all()
    )
