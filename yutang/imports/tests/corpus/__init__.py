"""A corpus of hostile import files, generated here rather than committed as binaries.

Each case is one file for one import kind with the outcome a user must get: the whole file
refused with its true reason, some rows rejected with their row, column and reason, or the file
imported. `test_corpus.py` sends every case through the one way in (upload, dry run, commit)
and checks that nothing is written when it must not be. Cases live in the modules beside this
one, grouped by what they attack; `CASES` gathers them all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import xlsxwriter

Outcome = Literal["refused", "rejected", "imported"]


@dataclass(frozen=True)
class Case:
    name: str  # unique, e.g. "xlsx-dimension-bomb"
    kind: Literal["customers", "orders", "bill"]
    filename: str  # as uploaded
    build: Callable[[], bytes]
    outcome: Outcome
    # The English message (a refusal's, or one rejected row's reason) must contain this.
    message: str = ""
    # For "rejected": (row, column header) pairs that must be among the rejections.
    rows: tuple[tuple[int, str], ...] = ()
    # For "imported" and "rejected": summary fields that must have these values, e.g.
    # {"created": 2} or {"rejected_count": 5000}.
    summary: dict[str, Any] = field(default_factory=dict)
    # Peak memory matters (bombs): the test measures this case in a child process.
    bomb: bool = False
    # For "imported" customers: nicknames that must be in the pool afterwards, as written
    # (what proves that a file was decoded right, not as mojibake).
    nicknames: tuple[str, ...] = ()


def csv_bytes(rows: Iterable[Sequence[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, strings_as_is: bool = True) -> bytes:
    """An xlsx of one sheet; cells are written as given (numbers stay numbers)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and strings_as_is:
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def all_cases() -> list[Case]:
    """Every case of every module in this package, names checked unique."""
    import importlib
    import pkgutil

    cases: list[Case] = []
    for module in pkgutil.iter_modules(__path__):
        cases += importlib.import_module(f"{__name__}.{module.name}").CASES
    names = [c.name for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates, f"case names used twice: {duplicates}"
    return cases
