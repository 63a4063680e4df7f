"""Phone numbers as sellers paste them: Chinese mobiles in any spelling, foreign ones with "+"."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Only numbers a courier or a WeChat contact can reach by SMS are kept; FIXED_LINE_OR_MOBILE is
# what phonenumbers answers for regions (US, CA, ...) where both share the same ranges.
MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

CN_COUNTRY_CODE = 86

# Characters people put between digit groups; anything else (letters, "#", "*") means the text is
# not a bare phone number and is refused rather than guessed at.
_PUNCTUATION = re.compile(r"[\s\-.()/\u2010-\u2015]")

# 11 digits starting with 1[3-9] is the shape of every mainland mobile number (MIIT numbering plan).
# Digit groups may be split by one space, dash or dot ("131 1111 1111", "138-0013-8000").
_CN_MOBILE_IN_TEXT = re.compile(
    r"(?<![\d+])"
    r"(?:\(?(?:\+|00)?86\)?[\s\-]?)?"
    r"\(?(1[3-9]\d)\)?"
    r"((?:[\s\-.]?\d){8})"
    r"(?!\d)"
)
_FOREIGN_IN_TEXT = re.compile(r"(?<![\d+])(?:\+|00)(?!86)[1-9][\d\s\-.()]{5,20}\d(?!\d)")


class PhoneError(ValueError):
    """A phone number that cannot be stored; `code` says why, for translated form messages:
    "unallocated" for 11 digits starting with 1 under a range no operator holds (号段不存在:
    the ranges are phonenumbers' CN metadata, which follows MIIT's numbering plan),
    "not_mobile" for a landline or service number, "invalid" for anything else."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (Chinese input methods' "１３８", "：", "，") to plain ASCII, length kept.

    Unicode NFKC would do more but can change the length of the text ("①" -> "1", "㎡" -> "m2"),
    and callers rely on positions in the result being positions in the original.
    """
    if text.isascii():
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def normalize_phone(raw: str) -> str:
    """The stored form of a mobile number: 11 digits for China, E.164 ("+44...") for the rest.

    Empty input gives "". Landlines, service numbers and anything that is not a valid mobile
    number raise PhoneError.
    """
    text = to_halfwidth(raw or "").strip()
    if not text:
        return ""
    compact = _PUNCTUATION.sub("", text)
    if not re.fullmatch(r"\+?\d+", compact):
        raise PhoneError("A phone number may contain only digits, spaces, dashes and a leading +.")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    # A bare 86 in front of an 11-digit mobile is how numbers copied from WeChat often look.
    if re.fullmatch(r"861[3-9]\d{9}", compact):
        compact = "+" + compact
    if compact.startswith("+"):
        return _normalize_international(compact)
    return _normalize_cn(compact)


def _normalize_cn(digits: str) -> str:
    if len(digits) < 11 and digits.startswith("1"):
        raise PhoneError("This mobile number is too short.")
    if len(digits) > 11 and digits.startswith("1"):
        raise PhoneError("This mobile number is too long.")
    if len(digits) == 11 and digits.startswith("1"):
        # Beijing's landlines 10xxxx are told apart by six digits, mobile ranges by five.
        error = _cn_eleven_digit_error(digits[:7] if digits.startswith("10") else digits[:5])
        if error is not None:
            raise PhoneError(*error)
        return digits
    return _check_cn(digits)


@lru_cache(maxsize=16384)
def _cn_eleven_digit_error(prefix: str) -> tuple[str, str] | None:
    """Why an 11-digit number starting with `prefix` is refused, or None when it is a valid
    mobile number. phonenumbers' CN patterns that can match 11 digits starting with 1 fix at
    most the first five digits (mobile ranges such as 1740[0-5]) or, for the Beijing landlines
    starting with 10, the first six, and leave the rest free; so one check per prefix holds for
    every number under it, and an import of 200,000 numbers needs a few hundred checks instead
    of 200,000. tests/test_phones.py holds this against the full check."""
    try:
        _check_cn(prefix.ljust(11, "0"))
    except PhoneError as exc:
        if exc.code == "invalid":
            # The right length and the shape of a mobile number, under a prefix that no
            # operator has been given: a typo in the first digits, not a number too short.
            return ("No mobile number range starts with these digits.", "unallocated")
        return (str(exc), exc.code)
    return None


def _check_cn(digits: str) -> str:
    try:
        number = phonenumbers.parse(digits, "CN")
    except NumberParseException as exc:
        raise PhoneError("This is not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("This is not a valid Chinese mobile number.")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise PhoneError("Please give a mobile number, not a landline.", code="not_mobile")
    return str(number.national_number)


def _normalize_international(text: str) -> str:
    try:
        number = phonenumbers.parse(text, None)
    except NumberParseException as exc:
        raise PhoneError("This is not a phone number.") from exc
    if number.country_code == CN_COUNTRY_CODE:
        return _normalize_cn(str(number.national_number))
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("This is not a valid phone number.")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise PhoneError("Please give a mobile number, not a landline.", code="not_mobile")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def find_phones(text: str) -> list[tuple[str, int, int]]:
    """Mobile numbers inside free text, as (normalised, start, end) spans of `text`, in order.

    Chinese mobiles are located by their shape alone (11 digits starting with 1[3-9], optionally
    behind +86/0086/86), not by phonenumbers' validity check. Finding is not validating: a pasted
    shipping label's 11-digit 1xx number is the recipient's phone even when the phonenumbers
    metadata installed here lags behind a newly opened prefix, and leaving it in the address would
    be worse than showing it in the phone field, where normalize_phone() still has the last word.
    (The placeholder numbers of the shared test cases, 13111111111 and the like, happen to be valid
    for phonenumbers too, since its CN metadata checks prefixes, not real assignments.)
    Foreign numbers have no such shape, so they are only taken when written with "+" or "00" and
    valid as mobiles for phonenumbers.
    """
    plain = to_halfwidth(text)
    found: list[tuple[str, int, int]] = []
    for match in _CN_MOBILE_IN_TEXT.finditer(plain):
        digits = match.group(1) + re.sub(r"\D", "", match.group(2))
        found.append((digits, match.start(), match.end()))
    for match in _FOREIGN_IN_TEXT.finditer(plain):
        if any(start < match.end() and match.start() < end for _, start, end in found):
            continue
        candidate = match.group().rstrip(").")
        try:
            normalised = normalize_phone(candidate)
        except PhoneError:
            continue
        found.append((normalised, match.start(), match.start() + len(candidate)))
    return sorted(found, key=lambda item: item[1])
