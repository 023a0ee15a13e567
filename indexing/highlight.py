"""Highlights for backends that do not make their own: the query's words marked in the original text."""

from __future__ import annotations

import html
import re

from matching.text import expansions, is_latin_word, query_words, spellings


def highlight_pattern(text: str) -> re.Pattern[str] | None:
    """A regex matching the query's words in original text, longest first, Latin words as prefixes.

    Not cached here: it follows the user dictionary, and ``re`` keeps recently compiled patterns anyway.
    """
    terms = set()
    for word, parts in query_words(text):
        # The index holds normalised text, so a word may have matched under another spelling.
        terms.update(spellings(word))
        terms.update(parts)
        # Listings found through a narrower word show that word marked.
        for term in expansions(word):
            for narrower, _parts in query_words(term):
                terms.update(spellings(narrower))
    if not terms:
        return None
    alternatives = []
    for term in sorted(terms, key=len, reverse=True):
        escaped = re.escape(term)
        alternatives.append(rf"(?<![0-9A-Za-z]){escaped}" if is_latin_word(term) else escaped)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def mark(text: str, pattern: re.Pattern[str] | None) -> str:
    """Escape text for HTML and wrap every match of pattern in <mark>."""
    if pattern is None:
        return html.escape(text)
    out, pos = [], 0
    for m in pattern.finditer(text):
        if m.end() == m.start():
            continue
        out.append(html.escape(text[pos : m.start()]))
        out.append("<mark>" + html.escape(m.group()) + "</mark>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    # Adjacent words of one phrase ("激光" + "焊接") read better as one highlight.
    return "".join(out).replace("</mark><mark>", "")


def snippet(text: str | None, pattern: re.Pattern[str] | None, width: int = 120) -> str:
    """A window of ``width`` characters around the first match, escaped, matches in <mark>."""
    text = " ".join((text or "").split())
    match = pattern.search(text) if pattern is not None else None
    start = 0 if match is None else max(0, match.start() - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    body = mark(text[start:end], pattern)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
