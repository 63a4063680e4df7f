"""Pinyin search keys: "zs" and "zhangsan" both find 张三, as in every Chinese contact list."""

from __future__ import annotations

from functools import lru_cache
from itertools import islice, product

from pypinyin import Style, pinyin

# Surnames such as 曾 (zeng/ceng) or 单 (shan/dan) have several readings; every combination is
# indexed, capped so that a long nickname full of heteronyms cannot blow up the key.
MAX_READINGS = 4


@lru_cache(maxsize=65536)
def _keys(text: str) -> tuple[str, ...]:
    """Full-pinyin spellings of the text, then their initials (the first letter of each
    reading, which is what pypinyin's FIRST_LETTER style gives, without a second lookup).
    Cached: an import meets the same names again and again."""
    per_char = pinyin(text, style=Style.NORMAL, heteronym=True, errors=lambda chars: list(chars))  # type: ignore[arg-type,return-value]
    options = [
        list(dict.fromkeys(r.lower() for r in readings if r)) or [""] for readings in per_char
    ]
    initials = [list(dict.fromkeys(r[:1] for r in readings)) for readings in options]
    full = ["".join(combo) for combo in islice(product(*options), MAX_READINGS)]
    short = ["".join(combo) for combo in islice(product(*initials), MAX_READINGS)]
    return (*full, *short)


def search_keys(*texts: str) -> str:
    """A space-separated string of full-pinyin and initials spellings of each text."""
    keys: list[str] = []
    for text in texts:
        text = "".join(ch for ch in (text or "") if not ch.isspace())
        if text:
            keys += _keys(text)
    return " ".join(dict.fromkeys(k for k in keys if k))
