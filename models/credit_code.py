"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a check character."""

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """Return the check character for the first 17 characters of a code."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """True when `code` has 18 characters of the code's alphabet and a matching check character."""
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    return check_character(code[:17]) == code[17]
