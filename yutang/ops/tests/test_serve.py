"""`yutang serve` with several workers answers logged-in users concurrently without an error.

On PostgreSQL the gunicorn master used to migrate, keep its connection open and fork it into
every worker: sessions were lost and requests failed. This starts the real server against the
test database and sends concurrent requests of logged-in users, pages and API alike."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module

from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase

from yutang.accounts.actions import create_user
from yutang.accounts.models import ApiToken, Role
from yutang.customers.models import Customer

WORKERS = 3
CLIENTS = 10
REQUESTS_EACH = 15


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        host = db["HOST"] or "127.0.0.1"
        port = db["PORT"] or 5432
        return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


class ServeTests(TransactionTestCase):
    def setUp(self) -> None:
        self.users = [
            create_user(username=f"seller{i}", role=Role.OWNER, password="fish-pond-2026")
            for i in range(3)
        ]
        for user in self.users:
            Customer.objects.create(owner=user, nickname=f"客户{user.pk}")
        engine = import_module(settings.SESSION_ENGINE)
        self.sessions = []
        for user in self.users:
            session = engine.SessionStore()
            session["_auth_user_id"] = str(user.pk)
            session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
            session["_auth_user_hash"] = user.get_session_auth_hash()
            session.save()
            self.sessions.append(session.session_key)
        self.tokens = [ApiToken.issue(user)[1] for user in self.users]
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": _database_url(), "YUTANG_LOG_LEVEL": "ERROR"}
        self.server = subprocess.Popen(
            [sys.executable, "-m", "yutang", "serve", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(WORKERS)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.addCleanup(self._stop)
        self._wait_until_up()

    def _stop(self) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.server.kill()
        assert self.server.stderr is not None
        self.server.stderr.close()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.server.poll() is None, "the server exited"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login/", timeout=5)
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        raise AssertionError("the server did not come up")

    def _get(self, path: str, headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as exc:  # no answer: a dead or stuck worker
            return 0, repr(exc)

    def _client(self, number: int) -> list[str]:
        """One user's walk; returns what went wrong."""
        which = number % len(self.users)
        user, key = self.users[which], self.sessions[which]
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"}
        bearer = {"Authorization": f"Bearer {self.tokens[which]}"}
        problems = []
        for step in range(REQUESTS_EACH):
            if step % 3 == 2:
                status, body = self._get("/api/customers", bearer)
                ok = status == 200 and json.loads(body)["count"] == len(self.users)
            else:
                status, body = self._get("/customers/" if step % 3 else "/", cookie)
                # A lost session would redirect to the login page.
                ok = status == 200 and user.username in body
            if not ok:
                problems.append(f"client {number} step {step}: {status} {body[:200]}")
        return problems

    def test_it_serves_concurrent_logged_in_users_with_several_workers(self) -> None:
        with ThreadPoolExecutor(CLIENTS) as pool:
            problems = [p for found in pool.map(self._client, range(CLIENTS)) for p in found]
        assert problems == []
        assert self.server.poll() is None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
