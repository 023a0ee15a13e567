"""Listing attachments, on the pages and in the API: anyone who may see a listing sees them, a confidential
need's only its owner and the bureau (and organizations it approved); only its organization adds or removes
them."""

import io
import tempfile

from werkzeug.datastructures import FileStorage

from app.market.services import attachments, listings
from tests.platform.access_matrix import Case, Pair, everyone, only
from tests.utils.factories import in_app, need_data
from tests.utils.images import png

LOGIN = 302
PNG = png(64, 48)


def build(session, users) -> dict[str, int]:
    firm, app = users["enterprise"], session.info["app"]
    app.config["UPLOAD_DIR"] = tempfile.mkdtemp(prefix="matrix-uploads-")
    with in_app(session):
        need = listings.create_listing(
            session=session, kind="need", data=need_data(), user=firm, publish=True
        )
        ids = {"attached_need": need.id}
        for name in ("listing_file", "listing_file_delete", "api_listing_file_delete"):
            ids[name] = attachments.add_attachment(
                session=session,
                kind="need",
                listing_id=need.id,
                user=firm,
                upload=FileStorage(io.BytesIO(PNG), filename="photo.png"),
            ).id
        secret = listings.create_listing(
            session=session, kind="need", data=need_data(confidential=True), user=firm, publish=True
        )
        ids["secret_need"] = secret.id
        ids["secret_attachment"] = attachments.add_attachment(
            session=session,
            kind="need",
            listing_id=secret.id,
            user=firm,
            upload=FileStorage(io.BytesIO(PNG), filename="drawing.png"),
        ).id
    return ids


# A confidential need's files: its owner and the bureau; to everyone else they do not exist.
SECRET = only({"enterprise": 200, "bureau": 200}, visitor=404, others=404)


CASES: list[Case] = [
    Case("GET", "/needs/{attached_need}/attachments/{listing_file}", everyone(200)),
    Case("GET", "/needs/{attached_need}/attachments/{listing_file}/thumbnail", everyone(200)),
    # No file chosen: the owner is sent back with a message; anyone else is refused.
    Case("POST", "/needs/{attached_need}/attachments", only({"enterprise": 302}, visitor=LOGIN)),
    Case(
        "POST",
        "/needs/{attached_need}/attachments/{listing_file_delete}/delete",
        only({"enterprise": 302}, visitor=LOGIN),
    ),
    Case("GET", "/needs/{secret_need}/attachments/{secret_attachment}", SECRET),
    Case("GET", "/needs/{secret_need}/attachments/{secret_attachment}/thumbnail", SECRET),
    # The API: the same rules, with 401 where the pages send a visitor to log in.
    Case("GET", "/api/v1/needs/{attached_need}/attachments", everyone(200)),
    Case("GET", "/api/v1/needs/{attached_need}/attachments/{listing_file}", everyone(200)),
    Case("GET", "/api/v1/needs/{attached_need}/attachments/{listing_file}/thumbnail", everyone(200)),
    Case("GET", "/api/v1/needs/{secret_need}/attachments/{secret_attachment}", SECRET),
    Case("GET", "/api/v1/needs/{secret_need}/attachments/{secret_attachment}/thumbnail", SECRET),
    # A JSON body carries no file: the owner gets past the role check to "choose a file" (422).
    Case("POST", "/api/v1/needs/{attached_need}/attachments", only({"enterprise": 422}, visitor=401)),
    Case(
        "DELETE",
        "/api/v1/needs/{attached_need}/attachments/{api_listing_file_delete}",
        only({"enterprise": 204}, visitor=401),
    ),
]

PAIRS: list[Pair] = [
    Pair(
        "GET /needs/{attached_need}/attachments/{listing_file}",
        "GET /api/v1/needs/{attached_need}/attachments/{listing_file}",
    ),
    Pair(
        "GET /needs/{secret_need}/attachments/{secret_attachment}",
        "GET /api/v1/needs/{secret_need}/attachments/{secret_attachment}",
    ),
    Pair(
        "GET /needs/{secret_need}/attachments/{secret_attachment}/thumbnail",
        "GET /api/v1/needs/{secret_need}/attachments/{secret_attachment}/thumbnail",
    ),
    Pair("POST /needs/{attached_need}/attachments", "POST /api/v1/needs/{attached_need}/attachments"),
    Pair(
        "POST /needs/{attached_need}/attachments/{listing_file_delete}/delete",
        "DELETE /api/v1/needs/{attached_need}/attachments/{api_listing_file_delete}",
    ),
]
