"""Innovation centers as their member organizations see them."""

from sqlmodel import Session, col, or_, select

from models import Center, CenterMember


def centers_of_org(*, session: Session, org_id: int | None) -> list[Center]:
    """Centers the organization runs or belongs to: the ones it may attach a listing to."""
    if org_id is None:
        return []
    member_of = select(CenterMember.center_id).where(CenterMember.org_id == org_id)
    return list(
        session.exec(
            select(Center)
            .where(or_(col(Center.org_id) == org_id, col(Center.id).in_(member_of)))
            .order_by(col(Center.name))
        ).all()
    )
