"""valuation: the seller's structured assessment of an achievement (科技成果评价), one row per achievement under a
version for compare-and-set, published with the listing or kept to the seller and the bureau

Revision ID: 0028
Revises: 0027
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('achievement_valuation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('trl', sa.Integer(), nullable=False),
    sa.Column('ip_type', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('ip_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('claims', sa.Integer(), nullable=False),
    sa.Column('remaining_years', sa.Integer(), nullable=False),
    sa.Column('family_size', sa.Integer(), nullable=False),
    sa.Column('market_readiness', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('application_readiness', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('demo_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.CheckConstraint("trl BETWEEN 1 AND 9", name='ck_achievement_valuation_trl'),
    sa.CheckConstraint("ip_type IN ('invention_patent', 'utility_patent', 'design_patent', 'software_copyright', "
                       "'ic_layout', 'plant_variety', 'know_how', 'none')", name='ck_achievement_valuation_ip_type'),
    sa.CheckConstraint("ip_status IN ('granted', 'pending', 'licensed', 'none')",
                       name='ck_achievement_valuation_ip_status'),
    sa.CheckConstraint("market_readiness IN ('unexplored', 'validated', 'selling')",
                       name='ck_achievement_valuation_market'),
    sa.CheckConstraint("application_readiness IN ('lab', 'pilot', 'production')",
                       name='ck_achievement_valuation_application'),
    sa.CheckConstraint("claims >= 0 AND remaining_years >= 0 AND family_size >= 0",
                       name='ck_achievement_valuation_counts'),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'], ),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('achievement_id'),
    sa.UniqueConstraint('demo_key')
    )


def downgrade() -> None:
    op.drop_table('achievement_valuation')
