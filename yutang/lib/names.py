"""How a message names a customer and a product, from the names sellers actually type.

WeChat sorts contacts by their remark, so sellers prefix remarks with letters and digits
("A姜娜洋", "AAA小美", "01 王姐") and decorate them with emoji and shop words ("微商-丽丽",
"丽丽美妆店🌸"). None of that belongs in "{称呼}，您好". Product names carry the package
("补水面膜（30天装）×3"), which a message does not repeat either.
"""

from __future__ import annotations

import re
import unicodedata

# Words that describe a shop, not a person. Longest first, so "美妆店" goes before "店".
SHOP_WORDS = (
    "一手货源",
    "团购群",
    "微商群",
    "工作室",
    "旗舰店",
    "专卖店",
    "美妆店",
    "化妆品",
    "护肤品",
    "微商",
    "代购",
    "小店",
    "美妆",
    "团购",
    "专卖",
    "批发",
    "总代",
    "代理",
    "货源",
    "优选",
    "严选",
    "VIP",
    "vip",
)
# Only at the end: "店" begins real words (店长) and "的" is left over from "王姐的店".
SHOP_SUFFIXES = ("店",)

# Text between brackets is a note ("小美(面膜)", "王姐【宝妈】"), never part of the name.
_BRACKETED = re.compile(r"\([^()]*\)|（[^（）]*）|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>|《[^《》]*》")
_SEPARATORS = re.compile(r"[\s\-_|/\\·•.。,，、~～:：;；+＋*#@!！?？]+")
# A sort prefix: one capital repeated ("A", "AAA", "ZZ") with optional digits ("A01"), or digits
# alone ("01", "520"). It only counts when a name follows, so "Amy" and "ABC" stay.
_SORT_PREFIX = re.compile(r"^(?:([A-Z])\1{0,4}\d*|\d+)(?=[^\x00-\x7f]|[\s\-_|/.·]|$)")
# A lone lowercase letter is a sort prefix only with a separator after it ("a-小美").
_LOWER_PREFIX = re.compile(r"^[a-z](?=[\s\-_|/.·])")
_DIGITS_ONLY = re.compile(r"^[\d\s\-+]*$")
_QUANTITY = re.compile(r"\s*[×xX*＊]\s*\d+\s*$")


def _is_decoration(char: str) -> bool:
    """Emoji, symbols and the invisible joiners and variation selectors that glue emoji."""
    if char in "\u200d\u200b\u200c\u2060\ufe0e\ufe0f\u20e3":
        return True
    category = unicodedata.category(char)
    return category in ("So", "Sk", "Sm", "Cs", "Co", "Cf", "Mn") and not char.isalnum()


def without_decoration(text: str) -> str:
    return "".join(" " if _is_decoration(c) else c for c in text)


def _strip_shop_words(segment: str) -> str:
    changed = True
    while changed and segment:
        changed = False
        for word in SHOP_WORDS:
            if segment.startswith(word):
                segment, changed = segment[len(word) :], True
            if segment.endswith(word):
                segment, changed = segment[: -len(word)], True
        for word in SHOP_SUFFIXES:
            if segment.endswith(word) and len(segment) > len(word):
                segment, changed = segment[: -len(word)], True
        if len(segment) > 2 and segment.endswith("的"):
            segment, changed = segment[:-1], True
    return segment


def _strip_sort_prefix(text: str) -> str:
    text = text.strip()
    while True:
        stripped = _LOWER_PREFIX.sub("", _SORT_PREFIX.sub("", text)).lstrip(" -_|/.·")
        if stripped == text:
            return text
        text = stripped


def default_salutation(nickname: str) -> str:
    """The nickname as a message says it: without sort prefixes, emoji, bracketed notes, shop
    words and phone numbers. Empty when nothing is left (the caller falls back, e.g. to 亲)."""
    text = _BRACKETED.sub(" ", without_decoration(unicodedata.normalize("NFKC", nickname)))
    text = _strip_sort_prefix(text)
    for segment in _SEPARATORS.split(text):
        segment = _strip_sort_prefix(segment)
        name = _strip_shop_words(segment)
        # One character left of a shop's name ("团购群" less 团购) is not a name either.
        if len(name) < 2 and name != segment:
            continue
        if name and not _DIGITS_ONLY.match(name):
            return name
    return ""


def default_short_name(name: str) -> str:
    """A product as a message names it: without the package in brackets or the quantity
    ("补水面膜（30天装）×3" → "补水面膜")."""
    text = _QUANTITY.sub("", name.strip())
    short = _BRACKETED.sub("", text).strip()
    return _QUANTITY.sub("", short).strip() or text
