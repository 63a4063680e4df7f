from __future__ import annotations

import pytest

from yutang.lib.ids import MAX_ID, parse_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (5, 5),
        (str(MAX_ID), MAX_ID),
        ("", None),
        ("abc", None),
        ("²", None),
        ("①", None),
        ("١٢", None),
        ("1.5", None),
        ("-1", None),
        ("0", None),
        (0, None),
        (-3, None),
        ("9" * 30, None),
        (MAX_ID + 1, None),
        (True, None),
        (None, None),
        (1.0, None),
        (["1"], None),
    ],
)
def test_it_reads_only_plain_positive_ids(value: object, expected: int | None) -> None:
    assert parse_id(value) == expected
