"""Migration 0024 on rows written before it: every listing gets its language from its own text, so an English
listing posted earlier is found by Chinese queries once the index is rebuilt."""

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app.migrate import alembic_config, downgrade, upgrade
from matching.language import detect_language
from tests.conftest import BACKENDS
from tests.utils.factories import create_achievement, create_need, create_user


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_existing_listings_get_their_language_backfilled(app, session):
    firm = create_user(session, "enterprise")
    uni = create_user(session, "university")
    chinese = create_need(
        session, firm, title="动车组转向架焊缝检测", description="转向架焊缝超声检测自动化。"
    )
    english = create_achievement(
        session,
        uni,
        title="Bogie frame fatigue test rig",
        description="Fatigue testing of welded bogie frames.",
    )
    ids = {"need": chinese.id, "achievement": english.id}
    session.close()
    engine = app.extensions["db_engine"]
    downgrade(engine, ScriptDirectory.from_config(alembic_config(engine)).get_revision("0024").down_revision)
    try:
        with engine.begin() as conn:
            result = conn.execute(text("SELECT * FROM achievement WHERE id = :i"), {"i": ids["achievement"]})
            columns = list(result.keys())
            result.close()
            assert "language" not in columns
        upgrade(engine)
        with engine.begin() as conn:
            found = {
                table: conn.execute(
                    text(f"SELECT language FROM {table} WHERE id = :i"), {"i": ids[table]}
                ).scalar()
                for table in ids
            }
            assert found == {"need": "zh", "achievement": "en"}
            with pytest.raises(Exception, match="(?i)check|constraint"):
                with conn.begin_nested():
                    conn.execute(text("UPDATE need SET language = 'fr' WHERE id = :i"), {"i": ids["need"]})
    finally:
        upgrade(engine)


def test_language_is_the_share_of_chinese_characters():
    assert detect_language("CHO细胞补料分批培养表达量提升") == "zh"
    assert detect_language("Micro LED巨量转移良率与坏点修复技术") == "zh"
    assert detect_language("Lithium battery packs for buses in Changchun 长春") == "en"
    assert detect_language("Laser cleaning before welding") == "en"
    assert detect_language("") == "zh" and detect_language("12345 ¥") == "zh"
