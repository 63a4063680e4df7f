"""A process killed in the middle of a commit leaves the pool as it was (a real kill -9)."""

from __future__ import annotations

import os
import signal
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
        # The commit is under way once the write-ahead log grows with its rows.
        wal = data_dir / "yutang.sqlite3-wal"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            if wal.exists() and wal.stat().st_size > 512 * 1024:
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
