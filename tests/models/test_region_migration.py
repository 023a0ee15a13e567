"""Migration 0007 turns the free-text regions people typed into region codes, and keeps what it cannot read."""

from sqlalchemy import text

from app.db import make_engine
from app.migrate import upgrade


def test_free_text_regions_become_codes(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0001")
    with engine.begin() as conn:
        for org_id, region in ((1, "高新区"), (2, "火星基地"), (3, None)):
            conn.execute(
                text(
                    "INSERT INTO organization (id, kind, name, credit_code, region, industries, created_at) "
                    "VALUES (:id, 'enterprise', :name, :code, :region, '[]', '2026-01-01')"
                ),
                {
                    "id": org_id,
                    "name": f"单位{org_id}",
                    "code": f"91220101MA00000{org_id}X",
                    "region": region,
                },
            )
        for need_id, region in ((1, "汽开区"), (2, " 九台区 "), (3, "长春")):
            conn.execute(
                text(
                    "INSERT INTO need (id, org_id, title, description, details, cooperation_modes, confidential, status, "
                    "created_at, updated_at, region) VALUES (:id, 1, '标题', '说明', '', '[]', 0, 'published', "
                    "'2026-01-01', '2026-01-01', :region)"
                ),
                {"id": need_id, "region": region},
            )
    upgrade(engine, "0007")
    with engine.connect() as conn:
        orgs = dict(conn.execute(text("SELECT id, region FROM organization")).all())
        needs = dict(conn.execute(text("SELECT id, region FROM need")).all())
        consent = conn.execute(text("SELECT consent_at, consent_version FROM user")).all()
    engine.dispose()
    assert orgs == {1: "2201Z01", 2: "火星基地", 3: None}
    assert needs == {1: "2201Z03", 2: "220113", 3: "长春"}
    assert consent == []
