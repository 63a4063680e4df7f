"""Other users' writes while a large customer import commits on SQLite: how long they wait.

Run by hand, after  pip install -e ".[bench]":
  python benchmarks/import_concurrency.py [--rows 100000] [--writers 20] [--pause 0.05]
      [--updates 0] [--processes]

SQLite in a temporary folder, with the settings of a real install (WAL, IMMEDIATE transactions,
the 20 s busy timeout). The xlsx is the one of benchmarks/imports.py (--rows realistic customers,
fixed seed). With --updates N, the pool already holds N of the file's customers without a name,
so that the import also updates N existing customers (it fills in their name).

While `import_file("customers", ...)` commits the file, --writers threads, each with its own
connection (with --processes: processes, as the workers of `yutang serve` are), create customers
through `actions.create_customer` in a loop, pausing --pause seconds between writes, until the
import has ended. Each write is timed from the call to its return, waiting for the database's write
lock included. It prints the import's time, the writes, their errors, the median, 99th percentile
and worst latency, and whether every write and every row of the file is in the pool (goal: no error
and a worst latency under 2 s). It asserts nothing about time. Threads share the interpreter lock
with the import: a writer holding the database's write lock waits for the interpreter too, so the
worst latency with threads is higher than with processes, where it is about the length of the
import's final transaction.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common import setup_django
from imports import customer_rows, write_xlsx

PASSWORD = "bench-concurrency-2026"


def writer(number: int, owner: Any, stop: threading.Event, pause: float,
           latencies: list[float], errors: list[str]) -> None:  # fmt: skip
    from django.db import connection

    from yutang.customers import actions
    from yutang.customers.models import Customer

    count = 0
    try:
        while not stop.is_set():
            customer = Customer(owner=owner, nickname=f"写入{number}-{count}")
            start = time.perf_counter()
            try:
                actions.create_customer(customer=customer, actor=owner, source="bench")
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            else:
                latencies.append(time.perf_counter() - start)
            count += 1
            stop.wait(pause)
    finally:
        connection.close()


def writer_process(number: int, owner: Any, stop: Any, pause: float, results: Any) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    writer(number, owner, stop, pause, latencies, errors)
    results.put((latencies, errors))


def prefill(rows: list[list[str]], count: int, owner: Any) -> None:
    """The first `count` customers of the file, already in the pool without a name."""
    from yutang.customers.models import Customer

    Customer.objects.bulk_create(
        [Customer(owner=owner, nickname=row[0], phone=row[2]) for row in rows[:count]],
        batch_size=1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--updates", type=int, default=0)
    parser.add_argument("--processes", action="store_true", help="writers as processes")
    args = parser.parse_args()

    setup_django(postgres=False, database="")
    from django.db import connection

    from yutang.accounts.actions import create_user
    from yutang.accounts.models import Role
    from yutang.customers.models import Customer
    from yutang.imports.jobs import import_file

    owner = create_user(username="owner", role=Role.OWNER, password=PASSWORD)
    folder = Path(tempfile.mkdtemp(prefix="yutang-bench-concurrency-"))
    path = folder / "customers.xlsx"
    rows = customer_rows(args.rows)
    write_xlsx(path, rows)
    prefill(rows, args.updates, owner)
    before = Customer.objects.count()
    connection.close()
    kind = "processes" if args.processes else "threads"
    print(f"sqlite: {args.rows:,}-row xlsx, {args.updates:,} of its customers already in the "
          f"pool, {args.writers} writers ({kind}) pausing {args.pause}s", flush=True)  # fmt: skip

    latencies: list[float] = []
    errors: list[str] = []
    context = multiprocessing.get_context("fork")
    stop: Any = context.Event() if args.processes else threading.Event()
    results: Any = context.Queue()
    writers: list[Any] = [
        context.Process(target=writer_process, args=(n, owner, stop, args.pause, results))
        if args.processes
        else threading.Thread(target=writer, args=(n, owner, stop, args.pause, latencies, errors))
        for n in range(args.writers)
    ]
    for thread in writers:
        thread.start()
    time.sleep(1)  # the writers are under way before the import starts
    start = time.perf_counter()
    result, committed = import_file("customers", path, user=owner, accept_all=True)
    seconds = time.perf_counter() - start
    time.sleep(1)
    stop.set()
    if args.processes:
        for _writer in writers:
            own_latencies, own_errors = results.get()
            latencies += own_latencies
            errors += own_errors
    for thread in writers:
        thread.join()

    writes = len(latencies)
    expected = before + result["created"] + writes
    pool = Customer.objects.count()
    print(f"import: {seconds:.1f}s, committed {committed}, created {result['created']:,}, "
          f"updated {result['updated']:,}")  # fmt: skip
    print(f"writes: {writes:,} done, {len(errors)} errors", end="")
    print(f" (first: {errors[0]})" if errors else "")
    if latencies:
        ordered = sorted(latencies)
        p99 = ordered[int(0.99 * (len(ordered) - 1))]
        print(f"latency: median {statistics.median(ordered) * 1000:.0f} ms, 99th percentile "
              f"{p99 * 1000:.0f} ms, worst {ordered[-1]:.2f} s  goal < 2 s")  # fmt: skip
    print(f"pool: {pool:,} customers, expected {expected:,}: "
          f"{'nothing lost' if pool == expected else 'MISMATCH'}")  # fmt: skip


if __name__ == "__main__":
    main()
