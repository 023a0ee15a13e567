"""The bureau's dashboard shows instrument hours per center and category, the SMEs' share and utilisation."""

from models import Center, CenterStatus
from tests.instruments.helpers import at, instrument_data, week_after_next
from tests.utils.factories import PASSWORD, create_role_user
from tests.utils.web import bearer


def test_the_dashboard_counts_confirmed_hours_under_the_center(client, session, university, enterprise):
    center = Center(
        name="长春轨道客车检测创新中心",
        industry="rail_transit",
        domain="转向架疲劳",
        org_id=university.org_id,
        status=CenterStatus.filed,
    )
    session.add(center)
    session.commit()
    owner, booker = bearer(client, university.email, PASSWORD), bearer(client, enterprise.email, PASSWORD)
    instrument = client.post(
        "/api/v1/instruments", json=instrument_data(center_id=center.id), headers=owner
    ).json
    day = week_after_next(0)
    for start, end, sme in ((9, 13, True), (14, 16, False)):
        booking = client.post(
            f"/api/v1/instruments/{instrument['id']}/bookings",
            json={"starts_at": at(day, start), "ends_at": at(day, end), "work": "疲劳试验", "sme": sme},
            headers=booker,
        ).json
        client.post(f"/api/v1/bookings/{booking['id']}/transition", json={"to": "confirmed"}, headers=owner)
    # A request still waiting counts for nothing.
    client.post(
        f"/api/v1/instruments/{instrument['id']}/bookings",
        json={"starts_at": at(day, 16), "ends_at": at(day, 17), "work": "疲劳试验"},
        headers=booker,
    )
    bureau = create_role_user(session, "bureau")
    from tests.utils.web import csrf_token

    client.post(
        "/auth/login",
        data={"email": bureau.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/auth/login")},
    )
    html = client.get(f"/bureau/dashboard?year={day.year}").get_data(as_text=True)
    assert 'id="instrument-usage"' in html
    panel = html[html.index('id="instrument-usage"') :]
    assert "长春轨道客车检测创新中心" in panel and "6.0" in panel  # 4 + 2 confirmed hours
    assert "66.7%" in panel  # 4 of the 6 hours booked by an SME
    assert "电液伺服疲劳试验机" in panel
