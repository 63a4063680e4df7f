from __future__ import annotations

import pytest

from yutang.lib.ids import MAX_ID, page_slice, parse_id


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


def test_it_slices_pages_and_empties_those_past_any_database() -> None:
    assert page_slice(1, 20) == slice(0, 20)
    assert page_slice(3, 20) == slice(40, 60)
    assert page_slice(10**25, 20) == slice(0, 0)
    assert page_slice(MAX_ID, 1) == slice(MAX_ID - 1, MAX_ID)
    assert page_slice(2**62, 4) == slice(0, 0)
    assert [1, 2, 3][page_slice(10**25, 20)] == []
