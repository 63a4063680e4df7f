from __future__ import annotations

from typing import Any

import pytest


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """The schemathesis run takes minutes: only when asked for by name (`-m schemathesis`)."""
    if "schemathesis" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="the API fuzz runs with `pytest -m schemathesis`")
    for item in items:
        if "schemathesis" in item.keywords:
            item.add_marker(skip)
