"""Which language a listing or a query is written in: a small pure rule, no model.

The market is Chinese with some English (a foreign partner's listing, an English query). A text is Chinese
('zh') when Chinese characters make up at least ``ZH_SHARE`` of its letters (Chinese characters plus Latin
letters), else English ('en'). A Chinese character carries about as much as a short English word, so a
Chinese listing full of abbreviations (CHO细胞, Micro LED) stays Chinese, while an English text naming a place
in Chinese (Changchun 长春) stays English. Text without letters counts as Chinese, the market's language.
"""

from __future__ import annotations

import re
import unicodedata

LANGUAGES = ("zh", "en")
ZH_SHARE = 0.2
_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[A-Za-z]")


def detect_language(text: str | None) -> str:
    """'zh' or 'en' by the share of Chinese characters among the letters of the text."""
    clean = unicodedata.normalize("NFKC", text or "")
    han = len(_HAN_RE.findall(clean))
    latin = len(_LATIN_RE.findall(clean))
    if han + latin == 0:
        return "zh"
    return "zh" if han / (han + latin) >= ZH_SHARE else "en"


def english_forms(term: str) -> list[str]:
    """An English term and its plural (battery → batteries, laser → lasers), so the taxonomy lists one form.

    Abbreviations (three letters or fewer) and words already ending in s keep their one form.
    """
    term = term.strip()
    last = term.rsplit(" ", 1)[-1]
    if len(last) <= 3 or not last.isalpha() or last.endswith("s"):
        return [term]
    if last.endswith("y") and last[-2] not in "aeiou":
        plural = term[:-1] + "ies"
    elif last.endswith(("x", "ch", "sh")):
        plural = term + "es"
    else:
        plural = term + "s"
    return [term, plural]
