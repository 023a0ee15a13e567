"""Money for people: the platform stores and the API serves yuan; pages and PDFs show 万元, with thousands
separators and at most two decimals. This is the one formatter: the Jinja filters (app/web/templating.py) and
the PDF exports call it."""

from decimal import ROUND_HALF_UP, Decimal

YUAN_PER_WAN = 10_000


def format_wan(yuan: int) -> str:
    """An amount in yuan as a plain number of 万元: 1 500 000 → "150", 1 234 567 → "123.46",
    8 060 000 000 → "806,000"."""
    wan = (Decimal(yuan) / YUAN_PER_WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{wan:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
