"""Documents of a center application (创建申报材料): real uploads in the shared safe storage
(app/platform/files.py: size limit, type by content, generated names outside the web root).

The applicant's organization adds them while the application is in progress, and may remove them until the
bureau sends the application to its expert panel (from then on the panel may have read them, so they stay); the
applicant, the bureau and the experts assigned to the application read them; nobody else learns that they exist.
"""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.oversight.services.application_access import get_application
from app.platform import files
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.permissions import acts_for
from app.platform.validation import parse
from models import ApplicationDocument, CenterApplication, CenterStatus, DocumentIn, User

# A plan, its annexes and evidence: PDF, Office files and scans; archives and plain text are not materials.
DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg", files.DOCX, files.XLSX, files.PPTX)
MAX_PER_APPLICATION = 20
IN_PROGRESS = (CenterStatus.applied, CenterStatus.review, CenterStatus.inspection, CenterStatus.notice)
# Until the expert review begins.
REMOVABLE = (CenterStatus.applied,)


def _check_upload(upload) -> None:
    if upload is None or not upload.filename:
        raise Invalid(_("Choose a file to upload."), {"file": _("Choose a file to upload.")})


def store_document(upload) -> files.StoredFile:
    """Check and store one document's file; Invalid (nothing kept) for a type an application does not take."""
    _check_upload(upload)
    return files.store(
        upload,
        types=DOCUMENT_TYPES,
        accepted=_("Application documents are PDF, Word, Excel, PowerPoint or images (PNG, JPEG)."),
    )


def document_row(
    *, application_id: int, user: User, data: dict[str, Any], stored: files.StoredFile
) -> ApplicationDocument:
    """The row of a stored document; the title defaults to the file's name."""
    meta = parse(
        DocumentIn,
        {"title": (data.get("title") or "").strip() or stored.original_name, "note": data.get("note") or ""},
    )
    return ApplicationDocument(
        application_id=application_id,
        title=meta.title,
        note=meta.note,
        stored_name=stored.stored_name,
        original_name=stored.original_name,
        mimetype=stored.mimetype,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by=user.id,
    )


def _lock(session: Session, application_id: int) -> CenterApplication:
    """The application, locked until the transaction ends, so concurrent uploads are counted one by one.
    SQLite has no row locks: a write as the first statement takes the database's write lock instead."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().execute(
            update(CenterApplication)
            .where(col(CenterApplication.id) == application_id)
            .values(id=CenterApplication.id)
        )
    return session.exec(
        select(CenterApplication)
        .where(CenterApplication.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def add_document(
    *, session: Session, user: User | None, application_id: int, data: dict[str, Any], upload
) -> ApplicationDocument:
    """The applicant adds a document to an application in progress."""
    application = get_application(session=session, user=user, application_id=application_id)
    if not acts_for(user, application.applicant_org_id):
        raise Forbidden(_("Only the applicant adds documents to an application."))
    if application.status not in IN_PROGRESS:
        raise Conflict(_("This application is decided: its documents can no longer change."))
    stored = store_document(upload)
    try:
        application = _lock(session, application_id)
        if application.status not in IN_PROGRESS:
            raise Conflict(_("This application is decided: its documents can no longer change."))
        count = session.exec(
            select(func.count())
            .select_from(ApplicationDocument)
            .where(ApplicationDocument.application_id == application_id)
        ).one()
        if count >= MAX_PER_APPLICATION:
            raise Conflict(_("An application has at most %(n)s documents.", n=MAX_PER_APPLICATION))
        assert user is not None  # acts_for let only the applicant's user through
        row = document_row(application_id=application_id, user=user, data=data, stored=stored)
        session.add(row)
        session.commit()
    except BaseException:
        session.rollback()
        files.discard(stored.stored_name)
        raise
    session.refresh(row)
    return row


def remove_document(*, session: Session, user: User | None, application_id: int, document_id: int) -> None:
    """The applicant removes a document before the expert review begins; its file is deleted after the commit."""
    application = get_application(session=session, user=user, application_id=application_id)
    if not acts_for(user, application.applicant_org_id):
        raise Forbidden(_("Only the applicant removes documents from an application."))
    try:
        application = _lock(session, application_id)
        if application.status not in REMOVABLE:
            raise Conflict(
                _("The expert review has begun: the application's documents can no longer be removed.")
            )
        row = session.exec(
            select(ApplicationDocument)
            .where(
                ApplicationDocument.id == document_id, ApplicationDocument.application_id == application_id
            )
            .execution_options(populate_existing=True)
        ).first()
        if row is None:
            raise NotFound(_("No such file."))
        stored_name = row.stored_name
        session.delete(row)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if stored_name:
        files.discard(stored_name)


def document_file(*, session: Session, user: User | None, application_id: int, document_id: int):
    """(path, download name, type) of a document, for the applicant, the bureau and the assigned experts."""
    get_application(session=session, user=user, application_id=application_id)
    row = session.get(ApplicationDocument, document_id)
    if row is None or row.application_id != application_id or row.stored_name is None:
        raise NotFound(_("No such file."))
    return files.path_of(row.stored_name), row.original_name or row.title, row.mimetype
