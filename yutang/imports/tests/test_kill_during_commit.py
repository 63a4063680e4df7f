"""A process killed in the middle of a commit leaves the pool as it was (a real kill -9)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest


def yutang(data_dir: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "YUTANG_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "yutang", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is a POSIX signal")
def test_it_leaves_the_pool_as_it_was_when_killed_mid_commit() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        yutang(data_dir, "migrate", "-v", "0")
        yutang(data_dir, "adduser", "bob", "--role", "staff", "--password-stdin",
               input="long-enough-pw\n")  # fmt: skip
        sheet = data_dir / "big.csv"
        rows = "".join(f"客户{i},139{i:08d}\n" for i in range(60000))
        sheet.write_text("昵称,手机\n" + rows, encoding="utf-8")
        env = {**os.environ, "YUTANG_DATA_DIR": str(data_dir)}
        env.pop("DATABASE_URL", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "yutang", "import", "customers", str(sheet), "--as", "bob"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # The import is under way once it writes to the database (on SQLite it reserves its
        # keys chunk by chunk); a second later it is in the middle of its 60 chunks. Killing it
        # inside the final swap is the test below, which kills at a chosen point: from outside
        # the swap (a second for 60,000 rows) is too short to hit every time.
        wal = data_dir / "yutang.sqlite3-wal"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            if wal.exists() and wal.stat().st_size > 0:
                time.sleep(1)
                break
            time.sleep(0.05)
        assert process.poll() is None, "the import finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        count = yutang(
            data_dir,
            "shell",
            "-c",
            "from yutang.customers.models import Customer; print(Customer.objects.count())",
        ).stdout.strip()
        assert count.splitlines()[-1] == "0"
        # It was killed in the middle, not before it began: it had reserved customers' keys.
        with sqlite3.connect(data_dir / "yutang.sqlite3") as db:
            reserved = db.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'customers_customer'"
            ).fetchone()
        assert reserved is not None and reserved[0] > 0


# The import stages its rows outside any transaction and moves them in with one short one. The
# process kills itself (SIGKILL, no clean-up runs) at a chosen point of that: in the staging, with
# keys reserved and thousands of rows staged; and in the swap, with every row moved into the pool
# and the transaction not yet committed.
KILL_AT = {
    "staging": """
from yutang.imports import bulk
add = bulk.Staging.add
def staged(self, model, rows, **kwargs):
    ids = add(self, model, rows, **kwargs)
    if model._meta.model_name == "customer" and ids and ids[-1] >= 3000:
        os.kill(os.getpid(), signal.SIGKILL)
    return ids
bulk.Staging.add = staged
""",
    "swap": """
from yutang.imports import bulk
move_in = bulk.Staging.move_in
def moved_in(self):
    move_in(self)
    os.kill(os.getpid(), signal.SIGKILL)
bulk.Staging.move_in = moved_in
""",
}
IMPORT = """
import os, signal
from django.core.management import call_command
{patch}
call_command("import", "customers", {sheet!r}, "--as", "bob")
"""
COUNTS = (
    "from yutang.customers.models import Activity, Customer, Tag; "
    "print(Customer.objects.count(), Activity.objects.count(), Tag.objects.count())"
)


def counts(data_dir: Path) -> list[int]:
    """Customers, timeline entries and tags in the pool."""
    output = yutang(data_dir, "shell", "-c", COUNTS).stdout
    return [int(n) for n in output.splitlines()[-1].split()]


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is a POSIX signal")
@pytest.mark.parametrize("phase", KILL_AT)
def test_it_leaves_the_pool_as_it_was_when_killed_while_staging_or_swapping(phase: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        yutang(data_dir, "migrate", "-v", "0")
        yutang(data_dir, "adduser", "bob", "--role", "owner", "--password-stdin",
               input="long-enough-pw\n")  # fmt: skip
        before = counts(data_dir)
        sheet = data_dir / "big.csv"
        rows = "".join(f"客户{i},139{i:08d},新标签{i % 7}\n" for i in range(5000))
        sheet.write_text("昵称,手机,标签\n" + rows, encoding="utf-8")
        code = IMPORT.format(patch=KILL_AT[phase], sheet=str(sheet))
        env = {**os.environ, "YUTANG_DATA_DIR": str(data_dir)}
        env.pop("DATABASE_URL", None)
        killed = subprocess.run(
            [sys.executable, "-m", "yutang", "shell", "-c", code], env=env, capture_output=True,
            timeout=300,
        )  # fmt: skip
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert counts(data_dir) == before

        # The keys the dead import reserved stay unused; the next import goes in whole.
        yutang(data_dir, "import", "customers", str(sheet), "--as", "bob")
        customers, activities, tags = counts(data_dir)
        assert (customers, activities, tags) == (5000, before[1] + 5000, before[2] + 7)
