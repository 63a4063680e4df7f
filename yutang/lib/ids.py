"""Object ids as they arrive from a form, a query string or a JSON body."""

from __future__ import annotations

import re

# ASCII digits only: str.isdigit() also accepts "²" and "①", which int() then refuses.
_ID = re.compile(r"[0-9]{1,19}")
# The largest id a 64-bit integer column holds (SQLite INTEGER, PostgreSQL bigint).
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """The positive id `value` spells; None for anything else ("abc", "²", "1.5", "-1", 10**30)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ID.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def page_slice(page: int, page_size: int) -> slice:
    """The rows of page `page` (from 1). A page past what a 64-bit OFFSET reaches is empty, as
    any page past the last one is."""
    start = (page - 1) * page_size
    if start > MAX_ID - page_size:
        return slice(0, 0)
    return slice(start, start + page_size)
