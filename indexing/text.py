"""Chinese-aware text handling shared by the backends: jieba tokens, safe FTS5 queries, highlights."""

from __future__ import annotations

import html
import logging
import re
import threading
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)
_init_lock = threading.Lock()

# Words so common that matching them says nothing and, in an OR query, scans every row.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 对 等 中 为 以 之 其 并 而 由 从 将 把 被 于 也 就 都 上 下 个 a an the of and or"
    " to in on for with by is are at as be".split()
)
_ASCII_WORD = re.compile(r"^[0-9A-Za-z][0-9A-Za-z+#.\-_]*$")


def _ensure_jieba() -> None:
    # jieba loads its dictionary lazily and not thread-safely; do it once, under a lock.
    if not jieba.dt.initialized:
        with _init_lock:
            jieba.initialize()


def _keep(token: str) -> bool:
    token = token.strip()
    return bool(token) and any(ch.isalnum() for ch in token) and token.lower() not in STOPWORDS


def index_tokens(text: str | None) -> str:
    """Space-joined jieba search-mode tokens, so FTS5's unicode61 tokenizer sees Chinese words."""
    if not text:
        return ""
    _ensure_jieba()
    return " ".join(t for t in jieba.cut_for_search(text) if t.strip())


@lru_cache(maxsize=2048)
def query_words(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each meaningful query word with its finer search-mode parts (empty when it has none)."""
    _ensure_jieba()
    words = []
    for word in jieba.cut(text):
        if not _keep(word):
            continue
        parts = tuple(p for p in jieba.cut_for_search(word) if p != word and _keep(p))
        words.append((word, parts))
    return tuple(words)


def _quote(term: str) -> str:
    # A quoted FTS5 string is a literal: AND, OR, NEAR, ( and * inside it mean nothing.
    return '"' + term.replace('"', '""') + '"'


def fts_match(text: str, mode: str = "all") -> str | None:
    """An injection-safe FTS5 MATCH expression for user text; None when nothing is searchable.

    Each word matches as itself or as all its parts, because jieba may segment the same characters
    differently in a document's context. ``mode`` "all" requires every word, "any" one of them.
    """
    words = query_words(text)
    if not words:
        return None
    clauses = []
    for i, (word, parts) in enumerate(words):
        last = i == len(words) - 1
        # Prefix-match a trailing Latin word, as Meilisearch does, so "weld" finds "welding".
        if last and _ASCII_WORD.match(word) and not text.endswith(" "):
            clauses.append(_quote(word) + "*")
        elif parts:
            clauses.append(f"({_quote(word)} OR ({' AND '.join(_quote(p) for p in parts)}))")
        else:
            clauses.append(_quote(word))
    return (" AND " if mode == "all" else " OR ").join(clauses)


@lru_cache(maxsize=512)
def highlight_pattern(text: str) -> re.Pattern[str] | None:
    """A regex matching the query's words in original text, longest first, Latin words as prefixes."""
    terms = set()
    for word, parts in query_words(text):
        terms.add(word)
        terms.update(parts)
    if not terms:
        return None
    alternatives = []
    for term in sorted(terms, key=len, reverse=True):
        escaped = re.escape(term)
        alternatives.append(rf"(?<![0-9A-Za-z]){escaped}" if _ASCII_WORD.match(term) else escaped)
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
