"""Images for upload tests: real ones Pillow draws, and hostile ones it must refuse."""

import io
import struct
import zlib

from PIL import Image


def png(width: int = 800, height: int = 600, color=(30, 90, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 1200, height: int = 900, color=(200, 60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A few hundred bytes that declare billions of pixels: decoding it would take gigabytes of memory."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _chunk(b"IEND", b"")
    )


def corrupt_png() -> bytes:
    """A PNG whose image data was cut off after the header."""
    return png()[:120]
