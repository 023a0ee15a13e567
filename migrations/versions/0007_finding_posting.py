"""finding and posting: region codes, close reasons, registration consent, listing attachments

Free-text regions of needs and organizations become region codes (app/data/regions.yaml); text that
names no known region is kept as it was, so nothing typed is lost, and pages show it unchanged.

Revision ID: 0007
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen at the time of this migration: later edits of regions.yaml must not change what it did.
REGION_CODES = {
    "南关区": "220102", "宽城区": "220103", "朝阳区": "220104", "二道区": "220105", "绿园区": "220106",
    "双阳区": "220112", "九台区": "220113", "榆树市": "220182", "德惠市": "220183", "公主岭市": "220184",
    "农安县": "220122",
    "长春高新技术产业开发区": "2201Z01", "高新区": "2201Z01", "长春高新区": "2201Z01", "高新": "2201Z01",
    "长春经济技术开发区": "2201Z02", "经开区": "2201Z02", "长春经开区": "2201Z02", "经开": "2201Z02",
    "长春汽车经济技术开发区": "2201Z03", "汽开区": "2201Z03", "长春汽开区": "2201Z03", "汽开": "2201Z03",
    "长春净月高新技术产业开发区": "2201Z04", "净月高新区": "2201Z04", "净月区": "2201Z04", "净月": "2201Z04",
    "长春新区": "2201Z05", "新区": "2201Z05",
    "长春兴隆综合保税区": "2201Z06", "兴隆综保区": "2201Z06", "兴隆综合保税区": "2201Z06",
    "中韩（长春）国际合作示范区": "2201Z07", "中韩示范区": "2201Z07", "中韩国际合作示范区": "2201Z07",
    "长春莲花山生态旅游度假区": "2201Z08", "莲花山度假区": "2201Z08", "莲花山": "2201Z08",
    "长春空港经济开发区": "2201Z09", "空港经济开发区": "2201Z09", "空港开发区": "2201Z09",
}
LISTING_TABLES = ("need", "achievement", "service")
CLOSE_REASON = sa.Enum("solved_here", "solved_elsewhere", "not_needed", "other", name="closereason")


def _map_regions(table: str) -> None:
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column("region", sa.String))
    bind = op.get_bind()
    for row_id, region in bind.execute(sa.select(rows.c.id, rows.c.region).where(rows.c.region.isnot(None))):
        code = REGION_CODES.get(region.strip())
        if code is not None:
            bind.execute(rows.update().where(rows.c.id == row_id).values(region=code))


def upgrade() -> None:
    CLOSE_REASON.create(op.get_bind(), checkfirst=True)
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("close_reason", CLOSE_REASON, nullable=True))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("consent_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    op.create_table(
        "listing_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("original_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("stored_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("mimetype", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stored_name"),
    )
    with op.batch_alter_table("listing_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_attachment_listing_id"), ["listing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listing_attachment_listing_type"), ["listing_type"], unique=False)
    _map_regions("need")
    _map_regions("organization")


def downgrade() -> None:
    # Region codes stay codes: the free text they replaced is not recorded anywhere.
    op.drop_table("listing_attachment")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("consent_version")
        batch_op.drop_column("consent_at")
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("close_reason")
    CLOSE_REASON.drop(op.get_bind(), checkfirst=True)
