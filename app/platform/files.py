"""Safe storage of uploaded files: size limit, a type allow-list decided by the bytes (never by the name or the
browser's claim), generated names, and a directory outside the web root.
"""

import errno
import hashlib
import io
import math
import os
import re
import secrets
import threading
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.platform.errors import InsufficientStorage, Invalid, NotFound

CHUNK = 64 * 1024
STORED_NAME = re.compile(r"^[0-9a-f]{32}$")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# A full disk or an exhausted quota: the user can do nothing about it but try again later.
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
# Office files are zip archives; the part that names the application tells them apart from any other zip.
OFFICE_PARTS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    mimetype: str
    size: int
    sha256: str


def sniff(head: bytes, data: bytes) -> str | None:
    """The file's type from its content, or None when it is none of the types this platform knows."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        for prefix, mimetype in OFFICE_PARTS.items():
            if "[Content_Types].xml" in names and any(name.startswith(prefix) for name in names):
                return mimetype
        return "application/zip"
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_name(name: str | None) -> str:
    """A display name without directories or control characters; only ever shown, never used as a path."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "file"


def store(upload, *, types: tuple[str, ...] | None = None, accepted: str | None = None) -> StoredFile:
    """Check and save one upload (a werkzeug FileStorage); raises Invalid for a file that is too big or of a
    type not allowed: the configured UPLOAD_TYPES, narrowed to `types` (then `accepted` names them)."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    buffer = io.BytesIO()
    while chunk := upload.stream.read(CHUNK):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise Invalid(
                _("The file is too large."),
                {"file": _("At most %(mb)s MB.", mb=round(limit / 1024 / 1024, 1))},
            )
    data = buffer.getvalue()
    if not data:
        raise Invalid(_("The file is empty."), {"file": _("The file is empty.")})
    mimetype = sniff(data[:16], data)
    if (
        mimetype is None
        or mimetype not in current_app.config["UPLOAD_TYPES"]
        or (types and mimetype not in types)
    ):
        raise Invalid(
            _("This type of file is not accepted."),
            {"file": accepted or _("Accepted: PDF, images, Office documents, plain text, zip.")},
        )
    return StoredFile(
        _write(data), clean_name(upload.filename), mimetype, len(data), hashlib.sha256(data).hexdigest()
    )


def _write(data: bytes) -> str:
    stored_name = secrets.token_hex(16)
    target = upload_dir() / stored_name
    temporary = target.with_suffix(".part")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except OSError as error:
        # A partial file would hold on to the little space left; nothing refers to it yet.
        temporary.unlink(missing_ok=True)
        if error.errno in NO_SPACE:
            current_app.logger.error("upload refused: no space left in %s", target.parent)
            raise InsufficientStorage(
                _("There is no room to store files right now; nothing was saved. Please try again later."),
                {"file": _("The server's storage is full.")},
            ) from None
        raise
    return stored_name


# Thumbnails fit this box; cards show them at about half that, so they stay sharp on dense screens.
THUMBNAIL_BOX = (480, 360)
# EXIF orientations that turn the picture a quarter: the box is fitted before turning, so it is turned too.
QUARTER_TURNS = (5, 6, 7, 8)
ORIENTATION = 0x0112
# Guards the lazy creation of each app's decode slots.
_slots_lock = threading.Lock()


def _refused_image() -> Invalid:
    message = _(
        "This image cannot be read: it is damaged or larger than %(mp)s million pixels.",
        mp=current_app.config["IMAGE_MAX_PIXELS"] // 1_000_000,
    )
    return Invalid(message, {"file": message})


def _too_large(width: int, height: int) -> Invalid:
    """An image past IMAGE_MAX_PIXELS: the message names its size and a size that fits."""
    limit = current_app.config["IMAGE_MAX_PIXELS"]
    message = _(
        "This image is too large: %(width)s×%(height)s pixels, more than %(mp)s million. Please upload a smaller "
        "picture (at most %(example)s, for instance).",
        width=width,
        height=height,
        mp=f"{limit / 1_000_000:g}",
        example=_largest_example(limit),
    )
    return Invalid(message, {"file": message})


def _largest_example(limit: int) -> str:
    """The largest 3:2 picture within the limit, as "6000×4000": a size a user can act on."""
    unit = math.isqrt(limit // 6)
    return f"{3 * unit}×{2 * unit}"


IMAGE_ERRORS = (
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
)


def decode_slots() -> threading.BoundedSemaphore:
    """This process's image decode slots (IMAGE_DECODE_CONCURRENCY of them).

    Decoding is what an image costs in memory: width × height × 3 or 4 bytes, whatever the size of the file (a
    165 KB PNG of 6300×6300 decodes to 119 MB). Requests beyond the slots wait their turn, so at most that many
    full-size pictures are held at once, however many uploads arrive together."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    slots = app.extensions.get("image_decode_slots")
    if slots is None:
        with _slots_lock:
            slots = app.extensions.setdefault(
                "image_decode_slots", threading.BoundedSemaphore(app.config["IMAGE_DECODE_CONCURRENCY"])
            )
    return slots


def thumbnail_bytes(data: bytes) -> bytes:
    """A small JPEG (PNG when the image has transparency) of an uploaded image; Invalid for a damaged image
    or one whose declared size would take too much memory to decode (a decompression bomb).

    The declared size is checked from the header before anything is decoded, and outside the decode slots, so a
    refused image costs neither memory nor a wait."""
    limit = current_app.config["IMAGE_MAX_PIXELS"]
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice that; here any image past it is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height, kind = image.width, image.height, image.format
    except IMAGE_ERRORS:
        # Damaged, or past Pillow's own bomb limit (it refuses before giving a size to name).
        raise _refused_image() from None
    if width * height > limit:
        raise _too_large(width, height)
    if kind not in ("PNG", "JPEG"):
        raise _refused_image()
    with decode_slots():
        return _decode_thumbnail(data)


def _decode_thumbnail(data: bytes) -> bytes:
    """Decode one image into its thumbnail holding as little as the format allows: a JPEG decodes at 1/2 to 1/8
    scale (`draft`); a PNG decodes whole (the format has no reduced decode) and is shrunk in place by an integer
    factor first (`reducing_gap`), then resampled, so the full-size picture is the only large copy; the EXIF
    turn is applied to the thumbnail, not to the full picture."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image  # the file as opened, then each transformed copy
            with Image.open(io.BytesIO(data)) as image:
                turned = image.getexif().get(ORIENTATION, 1) in QUARTER_TURNS
                box = (THUMBNAIL_BOX[1], THUMBNAIL_BOX[0]) if turned else THUMBNAIL_BOX
                image.draft("RGB", box)  # JPEG only: a no-op for PNG
                image.thumbnail(box, reducing_gap=2.0)
                image = ImageOps.exif_transpose(image)
                transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                image = image.convert("RGBA" if transparent else "RGB")
                out = io.BytesIO()
                image.save(out, "PNG" if transparent else "JPEG", **({} if transparent else {"quality": 82}))
    except IMAGE_ERRORS:
        raise _refused_image() from None
    return out.getvalue()


def store_thumbnail(stored_name: str) -> str:
    """Make and save the thumbnail of a stored image beside it, under a generated name of its own."""
    return _write(thumbnail_bytes(path_of(stored_name).read_bytes()))


def path_of(stored_name: str) -> Path:
    """Where a stored file lives; a name this module did not generate is refused."""
    path = upload_dir() / stored_name
    if not STORED_NAME.match(stored_name) or not path.is_file():
        raise NotFound(_("No such file."))
    return path


def discard(stored_name: str) -> None:
    """Remove a file whose database row was never committed."""
    if STORED_NAME.match(stored_name):
        (upload_dir() / stored_name).unlink(missing_ok=True)
