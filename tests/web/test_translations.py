"""The UI speaks Chinese first: every message in the code and templates has a Chinese translation."""

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.config import ROOT

METHODS = [("**.py", "python"), ("**.html", "jinja2")]
# N_ marks a message where it is defined (the listing-kind registry in models/) and translated elsewhere.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}


def msgids() -> set[str]:
    found = set()
    for folder in ("app", "models", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, METHODS, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_chinese_translation():
    with open(ROOT / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and not m.fuzzy
    }
    missing = sorted(msgids() - translated)
    assert not missing, f"untranslated (run pybabel extract/update and translate): {missing}"
