"""Customer list search against the Django admin changelist, same model, same search.

Run by hand:  python benchmarks/customer_list.py [--customers 100000] [--postgres]
With --postgres it uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/yutang_bench,
created if missing). Prints the median time of each page and our time as a ratio of the admin's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from common import setup_django

QUERIES = {"pinyin initials": "zs", "phone prefix": "1380", "full pinyin": "wangfang"}


def setup(args: argparse.Namespace) -> None:
    setup_django(postgres=args.postgres, database="yutang_bench")
    from django.core.management import call_command

    with open(os.devnull, "w") as devnull:
        call_command("demo", "--no-serve", "--customers", str(args.customers), stdout=devnull)


def median_ms(client: object, url: str, runs: int) -> float:
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times[1:]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    setup(args)
    from django.db import connection
    from django.test import Client

    from yutang.accounts.models import User

    ready = time.perf_counter() - t0
    print(f"{connection.vendor}: {args.customers:,} customers ready in {ready:.0f}s")
    client = Client()
    client.force_login(User.objects.get(username="owner"))
    print(f"{'search':<16} {'ours ms':>9} {'admin ms':>9} {'ours/admin':>11}")
    for label, q in QUERIES.items():
        ours = median_ms(client, f"/customers/?q={q}", args.runs)
        admin = median_ms(client, f"/admin/customers/customer/?q={q}", args.runs)
        print(f"{label:<16} {ours:>9.1f} {admin:>9.1f} {ours / admin:>11.2f}")


if __name__ == "__main__":
    main()
