"""A listing's images and PDF documents in the JSON API, under the same rules as the pages: anyone who may
see the listing lists and downloads them (a confidential need's only those entitled to its details); only the
listing's organization uploads and deletes."""

from flask import jsonify, request, send_file

from app.api import bp
from app.api.helpers import api_user, token_required
from app.api.routes import KINDS
from app.db import get_session
from app.market.services import attachments, listings
from app.web import limits
from app.web.input_guards import accepts_upload
from models.kinds import kind_at_segment

ATTACHMENT = "<int:attachment_id>"


def _public(segment: str, listing_id: int, row) -> dict:
    base = f"/api/v1/{segment}/{listing_id}/attachments/{row.id}"
    return {
        "id": row.id,
        "name": row.original_name,
        "mimetype": row.mimetype,
        "size": row.size,
        "sha256": row.sha256,
        "created_at": row.created_at.isoformat(),
        "url": base,
        "thumbnail_url": f"{base}/thumbnail" if row.thumbnail_name else None,
    }


@bp.get(f"/{KINDS}/<int:listing_id>/attachments")
def list_attachments(kinds: str, listing_id: int):
    """The listing's attachments the caller may see, oldest first."""
    kind, session, user = kind_at_segment(kinds).name, get_session(), api_user()
    listing = listings.get_listing(session=session, kind=kind, listing_id=listing_id, user=user)
    rows = attachments.attachments_of(session=session, kind=kind, listing=listing, user=user)
    return jsonify({"items": [_public(kinds, listing_id, row) for row in rows]})


@bp.post(f"/{KINDS}/<int:listing_id>/attachments")
@accepts_upload
@limits.writes
@token_required
def upload_attachment(kinds: str, listing_id: int):
    """Attach an image (PNG, JPEG) or a PDF, sent as multipart with a `file` field."""
    row = attachments.add_attachment(
        session=get_session(),
        kind=kind_at_segment(kinds).name,
        listing_id=listing_id,
        user=api_user(),
        upload=request.files.get("file"),
    )
    return jsonify(_public(kinds, listing_id, row)), 201


@bp.get(f"/{KINDS}/<int:listing_id>/attachments/{ATTACHMENT}")
def download_attachment(kinds: str, listing_id: int, attachment_id: int):
    """The file itself, as a download."""
    path, name, mimetype = attachments.attachment_file(
        session=get_session(),
        kind=kind_at_segment(kinds).name,
        listing_id=listing_id,
        attachment_id=attachment_id,
        user=api_user(),
    )
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.get(f"/{KINDS}/<int:listing_id>/attachments/{ATTACHMENT}/thumbnail")
def attachment_thumbnail(kinds: str, listing_id: int, attachment_id: int):
    """An image's thumbnail."""
    path, mimetype = attachments.thumbnail_file(
        session=get_session(),
        kind=kind_at_segment(kinds).name,
        listing_id=listing_id,
        attachment_id=attachment_id,
        user=api_user(),
    )
    return send_file(path, mimetype=mimetype, max_age=0)


@bp.delete(f"/{KINDS}/<int:listing_id>/attachments/{ATTACHMENT}")
@limits.writes
@token_required
def delete_attachment(kinds: str, listing_id: int, attachment_id: int):
    """Remove an attachment from a listing of the caller's organization."""
    attachments.delete_attachment(
        session=get_session(),
        kind=kind_at_segment(kinds).name,
        listing_id=listing_id,
        attachment_id=attachment_id,
        user=api_user(),
    )
    return "", 204
