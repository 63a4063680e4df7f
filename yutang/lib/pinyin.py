"""Pinyin search keys: "zs" and "zhangsan" both find 张三, as in every Chinese contact list."""

from __future__ import annotations

from functools import lru_cache
from itertools import islice, product

from pypinyin import Style, pinyin

# Surnames such as 曾 (zeng/ceng) or 单 (shan/dan) have several readings; every combination is
# indexed, capped so that a long nickname full of heteronyms cannot blow up the key.
MAX_READINGS = 4


@lru_cache(maxsize=65536)
def _keys(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Full-pinyin spellings of the text, and their initials (the first letter of each
    reading, which is what pypinyin's FIRST_LETTER style gives, without a second lookup).
    Cached: an import meets the same names again and again."""
    # pypinyin's stubs say `errors` returns a str; it takes a list too (each item one reading).
    per_char = pinyin(text, style=Style.NORMAL, heteronym=True, errors=lambda chars: list(chars))  # type: ignore[arg-type,return-value]
    options = [
        list(dict.fromkeys(r.lower() for r in readings if r)) or [""] for readings in per_char
    ]
    initials = [list(dict.fromkeys(r[:1] for r in readings)) for readings in options]
    full = tuple("".join(combo) for combo in islice(product(*options), MAX_READINGS))
    short = tuple("".join(combo) for combo in islice(product(*initials), MAX_READINGS))
    return full, short


def search_keys(*texts: str, limit: int | None = None) -> str:
    """A space-separated string of full-pinyin and initials spellings of each text. With a
    `limit`, at most that many characters, cut at keys' ends: each text's first spelling and
    its initials come first, the other readings of heteronyms only as far as they fit."""
    first: list[str] = []
    others: list[str] = []
    for text in texts:
        text = "".join(ch for ch in (text or "") if not ch.isspace())
        if text:
            full, short = _keys(text)
            first += [full[0], short[0]]
            others += [*full[1:], *short[1:]]
    keys = [k for k in dict.fromkeys(first + others) if k]
    if limit is not None:
        kept, used = [], -1
        for key in keys:
            if used + 1 + len(key) <= limit:
                kept.append(key)
                used += 1 + len(key)
        keys = kept
    return " ".join(keys)
