"""Twenty users keep writing while a 100,000-row customer import commits on SQLite: none of
their writes fails on the database's write lock, and none is lost."""

from __future__ import annotations

import tempfile
import threading
import time
import unittest
from pathlib import Path

import pytest
from django.db import connection
from django.test import TransactionTestCase, override_settings

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role, User
from yutang.customers import actions
from yutang.customers.models import Activity, Customer
from yutang.imports.jobs import import_file

ROWS = 100_000
WRITERS = 20
PAUSE = 0.05  # seconds between two writes of one writer


def write_until(stop: threading.Event, number: int, owner: User, latencies: list[float],
                errors: list[str]) -> None:  # fmt: skip
    """One user creating customers through the actions, in a connection of its own."""
    try:
        while not stop.is_set():
            customer = Customer(owner=owner, nickname=f"写入{number}-{len(latencies)}")
            start = time.perf_counter()
            try:
                actions.create_customer(customer=customer, actor=owner, source="test")
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            else:
                latencies.append(time.perf_counter() - start)
            stop.wait(PAUSE)
    finally:
        connection.close()


@pytest.mark.load
@unittest.skipUnless(
    connection.vendor == "sqlite",
    "PostgreSQL has no write lock for the whole database: its writers lock only their rows",
)
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class ImportUnderLoadTests(TransactionTestCase):
    def test_it_lets_twenty_writers_write_while_a_large_import_commits(self) -> None:
        alice = create_user(username="alice", role=Role.OWNER, password="x" * 12)
        bob = create_user(username="bob", role=Role.AGENT, password="x" * 12)
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        sheet = Path(folder.name) / "客户.csv"
        rows = "".join(
            f"客户{i},王{i % 97},139{i:08d},wx_{i:07d},广东省深圳市南山区科苑路{i % 300}号,"
            f"宝妈 标签{i % 5}\n"
            for i in range(ROWS)
        )
        sheet.write_text("昵称,姓名,手机,微信号,地址,标签\n" + rows, encoding="utf-8")

        stop = threading.Event()
        latencies: list[list[float]] = [[] for _ in range(WRITERS)]
        errors: list[str] = []
        writers = [
            threading.Thread(target=write_until, args=(stop, n, bob, latencies[n], errors))
            for n in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        try:
            started = time.perf_counter()
            result, committed = import_file("customers", sheet, user=alice)
            seconds = time.perf_counter() - started
        finally:
            stop.set()
            for writer in writers:
                writer.join()

        every = sorted(t for own in latencies for t in own)
        print(f"\n{ROWS:,}-row import in {seconds:.1f}s with {WRITERS} writers: "
              f"{len(every):,} writes, {len(errors)} errors, worst latency {every[-1]:.2f}s, "
              f"99th percentile {every[int(0.99 * (len(every) - 1))]:.2f}s")  # fmt: skip
        assert errors == []
        assert committed and result["created"] == ROWS
        for number, own in enumerate(latencies):
            assert own, f"writer {number} never wrote"
            mine = Customer.objects.filter(nickname__startswith=f"写入{number}-")
            assert mine.count() == len(own)
        written = Customer.objects.filter(owner=bob)
        assert written.count() == len(every)
        assert Activity.objects.filter(customer__in=written, kind="created").count() == len(every)
        assert Customer.objects.filter(owner=alice).count() == ROWS
