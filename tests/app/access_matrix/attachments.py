"""Listing attachments: anyone who may see a (non-confidential) listing sees them; only its organization adds
or removes them."""

import io
import tempfile

from werkzeug.datastructures import FileStorage

from app.services import attachments, listings
from tests.app.access_matrix import Case, everyone, only
from tests.utils.factories import in_app, need_data
from tests.utils.images import png

LOGIN = 302
PNG = png(64, 48)


def build(session, users) -> dict[str, int]:
    firm, app = users["enterprise"], session.info["app"]
    app.config["UPLOAD_DIR"] = tempfile.mkdtemp(prefix="matrix-uploads-")
    with in_app(session):
        need = listings.create_listing(session=session, kind="need", data=need_data(), user=firm, publish=True)
        ids = {"attached_need": need.id}
        for name in ("attachment", "attachment_delete"):
            ids[name] = attachments.add_attachment(
                session=session, kind="need", listing_id=need.id, user=firm,
                upload=FileStorage(io.BytesIO(PNG), filename="photo.png")).id
    return ids


CASES: list[Case] = [
    Case("GET", "/needs/{attached_need}/attachments/{attachment}", everyone(200)),
    Case("GET", "/needs/{attached_need}/attachments/{attachment}/thumbnail", everyone(200)),
    # No file chosen: the owner is sent back with a message; anyone else is refused.
    Case("POST", "/needs/{attached_need}/attachments", only({"enterprise": 302}, visitor=LOGIN)),
    Case("POST", "/needs/{attached_need}/attachments/{attachment_delete}/delete",
         only({"enterprise": 302}, visitor=LOGIN)),
]
