"""您是不是要找: did-you-mean suggestions when a search finds little, from the market's own vocabulary.

The vocabulary is the taxonomy's words (names, keywords, spellings, their English names) and the words of the
public listings' titles, with their pinyin (matching.suggest.Suggester). It is built at index time: by
`flask index rebuild` and by the index writer's upkeep (at most every REBUILD_SECONDS, when listings changed),
which save it under VECTOR_DIR; every process on the host loads the saved file in a background thread when it
changes and swaps its one reference. A request only reads that reference: it never builds or loads a vocabulary.
Until a file exists a process uses the taxonomy's words alone (built when the app is created).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, current_app
from sqlmodel import Session, col, select

from app.platform.taxonomy import english_names, vocabulary_words
from matching.suggest import Suggester
from matching.text import normalize, words
from models import LISTING_KINDS, ListingStatus

log = logging.getLogger(__name__)

# A search with fewer hits than this offers suggestions.
SUGGEST_BELOW = 3
MAX_SUGGESTIONS = 3
FILE_NAME = "suggestions.json"
# How often a process looks whether the saved vocabulary changed, and the writer rebuilds it at most.
CHECK_SECONDS = 30.0
REBUILD_SECONDS = 300.0
# The taxonomy's words count as this many titles: a market word beats a word of one title.
TAXONOMY_WEIGHT = 5
# Two neighbouring title words join into one vocabulary word up to this many characters.
MAX_PAIR = 6
_HAN_RE = re.compile(r"[\u3400-\u9fff]+")


class _Holder:
    """One process's current suggester and what it knows about the saved file."""

    def __init__(self, suggester: Suggester, path: Path):
        self.suggester = suggester
        self.path = path
        self.mtime = 0.0
        self.checked = 0.0
        self.loading = False
        self.lock = threading.Lock()
        # The writer's side: listings changed since the vocabulary was last built, and when that was.
        self.pending = False
        self.built_at = float("-inf")


def suggestions_path(app: Flask) -> Path:
    return Path(app.config["VECTOR_DIR"]) / FILE_NAME


def taxonomy_counts(path: str) -> Counter[str]:
    """The taxonomy's words with their weight, English names included."""
    counted: Counter[str] = Counter()
    for word in vocabulary_words(path):
        counted[word] += TAXONOMY_WEIGHT
    for names in english_names(path).values():
        for name in names:
            counted[name] += TAXONOMY_WEIGHT
    return counted


def title_words(title: str) -> set[str]:
    """A title's content words, and each two neighbouring Chinese words joined when short (磁 + 流变 →
    磁流变): jieba cuts a compound the taxonomy does not know into parts, and people search the compound."""
    found = words(normalize(title))
    pairs = {
        a + b
        for a, b in zip(found, found[1:], strict=False)
        if _HAN_RE.fullmatch(a) and _HAN_RE.fullmatch(b) and len(a) + len(b) <= MAX_PAIR
    }
    return {*found, *pairs}


def build_suggester(taxonomy_path: str, titles: Iterable[str]) -> Suggester:
    """The vocabulary of the taxonomy and these titles (each title's words, counted once per title)."""
    counted = taxonomy_counts(taxonomy_path)
    for title in titles:
        counted.update(title_words(title))
    return Suggester.build(counted)


def init_app(app: Flask) -> None:
    """Give the app a suggester at creation: the saved vocabulary when there is one, else the taxonomy's."""
    path = suggestions_path(app)
    suggester = None
    mtime = 0.0
    if path.exists():
        try:
            mtime = path.stat().st_mtime
            suggester = Suggester.load(path)
        except (OSError, ValueError, KeyError) as error:
            log.warning(
                "could not read the saved suggestions %s (%s): using the taxonomy's words", path, error
            )
    if suggester is None:
        suggester = build_suggester(app.config["INDUSTRY_TAXONOMY"], ())
    holder = _Holder(suggester, path)
    holder.mtime = mtime
    holder.checked = time.monotonic()
    app.extensions["suggestions"] = holder


def _load_in_background(holder: _Holder, mtime: float) -> None:
    try:
        suggester = Suggester.load(holder.path)
    except (OSError, ValueError, KeyError) as error:
        log.warning("could not read the saved suggestions %s (%s)", holder.path, error)
    else:
        holder.suggester, holder.mtime = suggester, mtime
    finally:
        holder.loading = False


def current_suggester(app: Flask | None = None) -> Suggester:
    """This process's suggester; a newer saved vocabulary is loaded in the background, never here."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy, which Flask annotates as the app
    holder: _Holder = app.extensions["suggestions"]
    now = time.monotonic()
    if now - holder.checked >= CHECK_SECONDS and not holder.loading:
        with holder.lock:
            if not holder.loading and now - holder.checked >= CHECK_SECONDS:
                holder.checked = now
                try:
                    mtime = holder.path.stat().st_mtime
                except OSError:
                    mtime = holder.mtime
                if mtime > holder.mtime:
                    holder.loading = True
                    threading.Thread(
                        target=_load_in_background, args=(holder, mtime), name="suggestions-load", daemon=True
                    ).start()
    return holder.suggester


def publish(app: Flask, suggester: Suggester) -> None:
    """Save the vocabulary for every process on the host and use it in this one at once."""
    holder: _Holder = app.extensions["suggestions"]
    suggester.save(holder.path)
    holder.suggester = suggester
    holder.mtime = holder.path.stat().st_mtime


def public_titles(session: Session) -> list[str]:
    """The titles of published listings, every kind (the vocabulary needs words, not exact liveness)."""
    titles: list[str] = []
    for kind in LISTING_KINDS.values():
        table = kind.table
        if hasattr(table, "title"):
            titles.extend(
                session.exec(select(table.title).where(col(table.status) == ListingStatus.published))
            )
        elif hasattr(table, "name"):
            titles.extend(session.exec(select(table.name)))
    return titles


def rebuild(app: Flask, titles: Iterable[str] | None = None) -> Suggester:
    """Build the vocabulary from the taxonomy and the listings' titles and publish it (index time only)."""
    if titles is None:
        with Session(app.extensions["db_engine"]) as session:
            titles = public_titles(session)
    suggester = build_suggester(app.config["INDUSTRY_TAXONOMY"], titles)
    publish(app, suggester)
    return suggester


def rebuild_if_due(app: Flask, changed: bool) -> bool:
    """The index writer's upkeep: rebuild the vocabulary when listings changed, at most every REBUILD_SECONDS."""
    holder: _Holder = app.extensions["suggestions"]
    holder.pending = holder.pending or changed
    if not holder.pending or time.monotonic() - holder.built_at < REBUILD_SECONDS:
        return False
    rebuild(app)
    holder.pending, holder.built_at = False, time.monotonic()
    return True


def suggest(text: str, total: int, app: Flask | None = None) -> list[str]:
    """What a search for `text` that found `total` hits might have meant, best first; empty when it found
    enough or nothing is near.

    A query of several space-separated words is corrected one word at a time: the first word the vocabulary
    does not know and can correct is replaced by each of its best corrections.
    """
    text = (text or "").strip()
    if not text or total >= SUGGEST_BELOW:
        return []
    suggester = current_suggester(app)
    tokens = text.split()
    if len(tokens) == 1:
        return suggester.suggest(text, MAX_SUGGESTIONS)
    for index, token in enumerate(tokens):
        if suggester.knows(token):
            continue
        corrections = suggester.suggest(token, MAX_SUGGESTIONS)
        if corrections:
            return [" ".join([*tokens[:index], word, *tokens[index + 1 :]]) for word in corrections]
    return []
