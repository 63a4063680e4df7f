"""Weight on the wire: what a phone downloads, and how long it may keep it.

A fresh start (`yutang demo`, which serves like `yutang serve`) sends the static files under
hashed names with a ten-year cache lifetime and gzip-compressed; ECharts, a megabyte, goes
only to the pages that draw a chart."""

from __future__ import annotations

import gzip
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.test import SimpleTestCase
from django.urls import reverse

from yutang.storage import StaticFilesStorage
from yutang.test import BaseTestCase

PACKAGE_STATIC = Path(__file__).resolve().parent.parent / "yutang" / "static"
ECHARTS = "echarts-6.1.0.min"
TEN_YEARS = 10 * 365 * 24 * 60 * 60


class ChartScriptTests(BaseTestCase):
    def assert_echarts(self, url: str, expected: bool) -> None:
        body = self.client.get(url).content.decode()
        assert (ECHARTS in body) is expected, url
        assert ("charts.js" in body) is expected, url

    def test_only_the_pages_that_draw_a_chart_load_echarts(self) -> None:
        self.login(self.alice)
        for url in (
            reverse("home"),
            reverse("customers:list"),
            reverse("orders:list"),
            reverse("analytics:settings"),
            # Without paid orders these two have no chart to draw.
            reverse("analytics:cohorts"),
            reverse("analytics:repurchase"),
        ):
            self.assert_echarts(url, False)
        for url in (
            reverse("analytics:dashboard"),
            reverse("analytics:rfm"),
            reverse("analytics:pareto"),
            reverse("analytics:abc"),
            reverse("analytics:funnel"),
        ):
            self.assert_echarts(url, True)


class StorageWithoutCollectstaticTests(SimpleTestCase):
    def test_before_collectstatic_a_file_keeps_its_plain_name(self) -> None:
        with tempfile.TemporaryDirectory() as empty:
            storage = StaticFilesStorage(location=empty, base_url="/static/")
            assert storage.url("yutang/app.css") == "/static/yutang/app.css"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


class FreshStartTests(SimpleTestCase):
    """The README's start command on an empty data directory, in a process of its own."""

    def test_a_fresh_demo_serves_hashed_gzip_static_files_cached_for_years(self) -> None:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as data_dir:
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            env |= {"YUTANG_DATA_DIR": data_dir, "YUTANG_LOG_LEVEL": "ERROR"}
            env.pop("YUTANG_DEBUG", None)
            server = subprocess.Popen(
                [sys.executable, "-m", "yutang", "demo", "--port", str(port),
                 "--customers", "20"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                page = self._wait_for(server, f"{base}/login/")
                self._check_static_files(base, page)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()

    def _wait_for(self, server: subprocess.Popen[bytes], url: str) -> str:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert server.poll() is None, "the server exited"
            try:
                return _get(url)[2].decode()
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        raise AssertionError("the server did not come up")

    def _check_static_files(self, base: str, page: str) -> None:
        refs = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
        names = {re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", ref) for ref in refs}
        assert {"/static/yutang/app.css", "/static/yutang/app.js"} <= names, refs
        assert any(ECHARTS in ref for ref in refs) is False
        for ref in refs:
            assert re.search(r"\.[0-9a-f]{12}\.\w+$", ref), f"{ref} has no hashed name"
            status, headers, body = _get(base + ref, **{"Accept-Encoding": "gzip"})
            assert status == 200, ref
            assert f"max-age={TEN_YEARS}" in headers["Cache-Control"], (ref, headers)
            assert "immutable" in headers["Cache-Control"], (ref, headers)
            plain = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", ref).removeprefix("/static/")
            original = (PACKAGE_STATIC / plain).read_bytes()
            decoded = gzip.decompress(body) if headers.get("Content-Encoding") else body
            assert decoded == original, ref
            if ref.endswith((".css", ".js")):
                assert headers.get("Content-Encoding") == "gzip", (ref, headers)
                assert len(body) < len(original) / 2, ref
