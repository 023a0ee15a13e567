"""Migration 0021 on rows the old schema wrote: a filed center that shared its lead's organization gets an
organization of its own (its code marked as still to be completed, never a real-looking one); a center still
applying has none yet; member links, the lead unit and the history are kept as they were."""

import pytest
from sqlalchemy import text

from app.migrate import downgrade, upgrade
from models import is_valid_credit_code
from tests.conftest import BACKENDS
from tests.utils.factories import create_user

CENTER = (
    "INSERT INTO center (name, level, industry, domain, description, offers_incubation, org_id, lead_org_id, "
    "status, created_at, updated_at) VALUES (:name, 'city', 'automotive', :name, '', false, :org, :lead, "
    ":status, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
)


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_centers_sharing_their_leads_organization_get_their_own(app, session):
    lead, member, own = (create_user(session, kind) for kind in ("enterprise", "university", "center"))
    lead_org, member_org, own_org = lead.org_id, member.org_id, own.org_id
    session.close()
    engine = app.extensions["db_engine"]
    downgrade(engine, "0020")
    try:
        with engine.begin() as conn:
            for name, org, status in (
                ("旧备案中心", lead_org, "filed"),
                ("旧申报中心", lead_org, "review"),
                ("自有法人中心", own_org, "filed"),
            ):
                conn.execute(text(CENTER), {"name": name, "org": org, "lead": lead_org, "status": status})
            ids = dict(conn.execute(text("SELECT name, id FROM center")).all())
            conn.execute(
                text("INSERT INTO center_member (center_id, org_id) VALUES (:c, :o)"),
                {"c": ids["旧备案中心"], "o": member_org},
            )
            conn.execute(
                text(
                    "INSERT INTO audit_event (subject_type, subject_id, action, data, occurred_at) "
                    "VALUES ('center', :c, 'filed', '{}', '2025-02-01 00:00:00')"
                ),
                {"c": ids["旧备案中心"]},
            )
            organizations = conn.execute(text("SELECT count(*) FROM organization")).scalar_one()
        upgrade(engine)
        with engine.begin() as conn:
            rows = {
                name: (org_id, lead_id)
                for name, org_id, lead_id in conn.execute(
                    text("SELECT name, org_id, lead_org_id FROM center")
                )
            }
            filed_org, filed_lead = rows["旧备案中心"]
            assert filed_org not in (None, lead_org) and filed_lead == lead_org
            name, kind, code, verified = conn.execute(
                text("SELECT name, kind, credit_code, verified_at FROM organization WHERE id = :o"),
                {"o": filed_org},
            ).one()
            assert (name, kind, verified) == ("旧备案中心", "center", None)
            assert code.startswith("待补") and not is_valid_credit_code(code)
            assert rows["旧申报中心"] == (None, lead_org)  # not a legal person until filed
            assert rows["自有法人中心"] == (own_org, lead_org)  # already its own: untouched
            assert conn.execute(text("SELECT count(*) FROM organization")).scalar_one() == organizations + 1
            assert conn.execute(
                text("SELECT org_id FROM center_member WHERE center_id = :c"), {"c": ids["旧备案中心"]}
            ).all() == [(member_org,)]
            assert conn.execute(
                text("SELECT action, subject_id FROM audit_event WHERE subject_type = 'center'")
            ).all() == [("filed", ids["旧备案中心"])]
        # And back: the centers point at their lead again and the placeholder organization goes.
        downgrade(engine, "0020")
        with engine.begin() as conn:
            assert (
                conn.execute(
                    text("SELECT count(*) FROM center WHERE org_id = :l"), {"l": lead_org}
                ).scalar_one()
                == 2
            )
            assert conn.execute(text("SELECT count(*) FROM organization")).scalar_one() == organizations
    finally:
        upgrade(engine)
