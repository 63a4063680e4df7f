"""Pinyin search keys: "zs" and "zhangsan" both find 张三, as in every Chinese contact list."""

from __future__ import annotations

from itertools import islice, product

from pypinyin import Style, pinyin

# Surnames such as 曾 (zeng/ceng) or 单 (shan/dan) have several readings; every combination is
# indexed, capped so that a long nickname full of heteronyms cannot blow up the key.
MAX_READINGS = 4


def _readings(text: str, style: Style) -> list[str]:
    per_char = pinyin(text, style=style, heteronym=True, errors=lambda chars: list(chars))  # type: ignore[arg-type,return-value]
    options = [
        list(dict.fromkeys(r.lower() for r in readings if r)) or [""] for readings in per_char
    ]
    return ["".join(combo) for combo in islice(product(*options), MAX_READINGS)]


def search_keys(*texts: str) -> str:
    """A space-separated string of full-pinyin and initials spellings of each text."""
    keys: list[str] = []
    for text in texts:
        text = "".join(ch for ch in (text or "") if not ch.isspace())
        if not text:
            continue
        keys += _readings(text, Style.NORMAL)
        keys += _readings(text, Style.FIRST_LETTER)
    return " ".join(dict.fromkeys(k for k in keys if k))
