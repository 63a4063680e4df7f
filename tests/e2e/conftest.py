"""Browser tests: Playwright driving the system's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the tests still call the ORM directly.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = (
    os.environ.get("YUTANG_CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
)
REQUIRED = os.environ.get("YUTANG_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM:
        if REQUIRED:
            pytest.fail("Chromium is required for the browser tests (apt-get install chromium)")
        pytest.skip("Chromium is not installed: apt-get install chromium to run browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extras include playwright
        if REQUIRED:
            raise
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page in a phone-sized window (390×844), the seller's usual screen."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
