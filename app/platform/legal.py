"""The privacy notice and the terms of use: text files the operator edits, one per language, one shared version.

app/data/legal/VERSION holds the version (a date) users consent to; change it whenever either text changes.
"""

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import get_locale

from app.platform.errors import NotFound

DOCUMENTS = ("privacy", "terms")


@dataclass(frozen=True)
class Block:
    """One heading (level 1 or 2) or paragraph of a document."""

    level: int  # 0 for a paragraph
    text: str


def _directory() -> Path:
    return Path(current_app.config["LEGAL_DIR"])


def legal_version() -> str:
    """The version of the texts a new user consents to."""
    return (_directory() / "VERSION").read_text(encoding="utf-8").strip()


def legal_document(name: str) -> list[Block]:
    """A document in the reader's language (Chinese when there is no translation), as headings and paragraphs."""
    if name not in DOCUMENTS:
        raise NotFound(name)
    locale = str(get_locale())
    path = _directory() / f"{name}.{locale}.md"
    if not path.exists():
        path = _directory() / f"{name}.{current_app.config['BABEL_DEFAULT_LOCALE']}.md"
    blocks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        hashes = len(line) - len(line.lstrip("#"))
        blocks.append(Block(min(hashes, 2), line[hashes:].strip()))
    return blocks
