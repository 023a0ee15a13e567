"""Instruments and their bookings: the listing routes of the kind, its calendar and closures, booking, the
bookings' lists, transitions and usage reports, as pages and through the API."""

import io
import tempfile
from datetime import timedelta

from werkzeug.datastructures import FileStorage

from app.instruments.services import bookings, usage
from app.market.services import listings
from models import Booking
from tests.instruments.helpers import at, instrument_data, week_after_next
from tests.platform.access_matrix import Case, Pair, everyone, only

LOGIN = 302


def _posted() -> dict:
    data = instrument_data()
    data.pop("status")
    return data


def build(session, users) -> dict[str, int | str]:
    firm, center, app = users["enterprise"], users["center"], session.info["app"]
    if "matrix-uploads-" not in str(app.config.get("UPLOAD_DIR")):  # another module's build may have set one
        app.config["UPLOAD_DIR"] = tempfile.mkdtemp(prefix="matrix-uploads-")
    ids: dict[str, int | str] = {}
    from tests.utils.factories import in_app

    with in_app(session):
        for name in ("instrument", "instrument_delete"):
            ids[name] = listings.create_listing(
                session=session, kind="instrument", data=_posted(), user=center, publish=True
            ).id
        day = week_after_next(0)
        ids["day"], ids["start"], ids["end"] = day.isoformat(), at(day, 9), at(day, 10)
        made = {}
        for hour, name in enumerate(
            ("booking", "confirm_api", "confirm_html", "cancel_api", "cancel_html", "ended", "reported"),
            start=9,
        ):
            made[name] = bookings.request_booking(
                session=session,
                user=firm,
                instrument_id=ids["instrument"],
                data={
                    "starts_at": at(week_after_next(1), hour),
                    "ends_at": at(week_after_next(1), hour + 1),
                    "work": "试验",
                },
            )
            ids[name] = made[name].id
        for name in ("ended", "reported"):
            bookings.transition(
                session=session, user=center, booking_id=made[name].id, data={"to": "confirmed"}
            )
            row = session.get(Booking, made[name].id)
            row.starts_at -= timedelta(days=30)
            row.ends_at -= timedelta(days=30)
            session.add(row)
            session.commit()
        usage.attach_report(
            session=session,
            user=center,
            booking_id=made["reported"].id,
            upload=FileStorage(io.BytesIO(b"%PDF-1.4\n% report\n"), filename="report.pdf"),
        )
    return ids


MEMBERS_200 = {"enterprise": 200, "center": 200}
SIDES_AND_BUREAU = {"enterprise": 200, "center": 200, "bureau": 200}
FORM_INSTRUMENT = {
    "title": "激光共聚焦显微镜",
    "description": "三维形貌与粗糙度测量。",
    "category": "analysis",
    "price_unit": "hour",
    "price": "300",
    "bookable_by": "anyone",
    "hours_0": "08:30-17:30",
    "publish": "1",
}

CASES: list[Case] = [
    # --- the listing kind: pages and API like the other kinds ---
    Case("GET", "/instruments", everyone(200)),
    Case("GET", "/instruments?category=analysis&free=next_week&price_max=500", everyone(200)),
    Case("GET", "/services?category=testing", everyone(200)),
    Case("GET", "/instruments/{instrument}", everyone(200)),
    Case("GET", "/instruments/new", only({"center": 200}, visitor=LOGIN)),
    Case("POST", "/instruments/new", only({"center": 302}, visitor=LOGIN), body=FORM_INSTRUMENT),
    Case("GET", "/instruments/{instrument}/edit", only({"center": 200}, visitor=LOGIN)),
    Case("GET", "/api/v1/instruments", everyone(200)),
    Case("POST", "/api/v1/instruments", only({"center": 201}, visitor=401), body=instrument_data()),
    Case("GET", "/api/v1/instruments/{instrument}", everyone(200)),
    Case(
        "PATCH", "/api/v1/instruments/{instrument}", only({"center": 200}, visitor=401), body={"price": 420}
    ),
    Case("DELETE", "/api/v1/instruments/{instrument_delete}", only({"center": 204}, visitor=401)),
    # --- calendar and closures ---
    Case("GET", "/api/v1/instruments/{instrument}/availability", everyone(200)),
    Case(
        "POST",
        "/api/v1/instruments/{instrument}/closures",
        only({"center": 201}, visitor=401, others=404),
        body={"starts_at": "{start}", "ends_at": "{end}", "reason": "保养"},
    ),
    Case(
        "POST",
        "/instruments/{instrument}/closures",
        only({"center": 302}, visitor=LOGIN, others=404),
        body={"starts_at": "{start}", "ends_at": "{end}", "reason": "保养"},
    ),
    # --- booking: a member organization other than the owner ---
    Case(
        "POST",
        "/api/v1/instruments/{instrument}/bookings",
        only({"enterprise": 201}, visitor=401),
        body={"starts_at": "{start}", "ends_at": "{end}", "work": "疲劳试验", "samples": 1},
    ),
    Case(
        "POST",
        "/instruments/{instrument}/book",
        only({"enterprise": 302}, visitor=LOGIN),
        body={"day": "{day}", "start": "09:00", "end": "10:00", "work": "疲劳试验"},
    ),
    # --- the bookings: lists for organizations, one booking for its two sides and the bureau ---
    Case("GET", "/api/v1/bookings?role=mine", only(MEMBERS_200, visitor=401)),
    Case("GET", "/api/v1/bookings?role=owner", only(MEMBERS_200, visitor=401)),
    Case("GET", "/bookings", only(MEMBERS_200, visitor=LOGIN)),
    Case("GET", "/bookings/queue", only(MEMBERS_200, visitor=LOGIN)),
    Case("GET", "/api/v1/bookings/{booking}", only(SIDES_AND_BUREAU, visitor=401, others=404)),
    Case("GET", "/bookings/{booking}", only(SIDES_AND_BUREAU, visitor=LOGIN, others=404)),
    # The owner decides; the booker may not confirm its own request.
    Case(
        "POST",
        "/api/v1/bookings/{confirm_api}/transition",
        only({"center": 200}, visitor=401),
        body={"to": "confirmed"},
    ),
    Case(
        "POST",
        "/bookings/{confirm_html}/transition",
        only({"center": 302}, visitor=LOGIN),
        body={"to": "confirmed"},
    ),
    # Either side cancels.
    Case(
        "POST",
        "/api/v1/bookings/{cancel_api}/transition",
        only({"enterprise": 200, "center": 200}, visitor=401),
        body={"to": "cancelled", "note": "计划变更"},
    ),
    Case(
        "POST",
        "/bookings/{cancel_html}/transition",
        only({"enterprise": 302, "center": 302}, visitor=LOGIN),
        body={"to": "cancelled", "note": "计划变更"},
    ),
    # The usage report: the owner uploads (no file here: 422 past the role check), both sides and the bureau read.
    Case("POST", "/api/v1/bookings/{ended}/report", only({"center": 422}, visitor=401)),
    Case("POST", "/bookings/{ended}/report", only({"center": 302}, visitor=LOGIN)),
    Case("GET", "/api/v1/bookings/{reported}/report", only(SIDES_AND_BUREAU, visitor=401, others=404)),
    Case("GET", "/bookings/{reported}/report", only(SIDES_AND_BUREAU, visitor=LOGIN, others=404)),
]

PAIRS: list[Pair] = [
    Pair("GET /instruments", "GET /api/v1/instruments"),
    Pair("GET /instruments/{instrument}", "GET /api/v1/instruments/{instrument}"),
    Pair("POST /instruments/new", "POST /api/v1/instruments"),
    Pair("POST /instruments/{instrument}/closures", "POST /api/v1/instruments/{instrument}/closures"),
    Pair("POST /instruments/{instrument}/book", "POST /api/v1/instruments/{instrument}/bookings"),
    Pair("GET /bookings", "GET /api/v1/bookings?role=mine"),
    Pair("GET /bookings/queue", "GET /api/v1/bookings?role=owner"),
    Pair("GET /bookings/{booking}", "GET /api/v1/bookings/{booking}"),
    Pair("POST /bookings/{confirm_html}/transition", "POST /api/v1/bookings/{confirm_api}/transition"),
    Pair("POST /bookings/{cancel_html}/transition", "POST /api/v1/bookings/{cancel_api}/transition"),
    Pair("POST /bookings/{ended}/report", "POST /api/v1/bookings/{ended}/report"),
    Pair("GET /bookings/{reported}/report", "GET /api/v1/bookings/{reported}/report"),
]
