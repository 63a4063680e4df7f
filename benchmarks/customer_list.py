"""Customer list search on pond tiers: the search's first page and its count at every tier, the
largest tier's time against the smallest's, and the LIKE search it replaced on the same data.

Run by hand:
  python benchmarks/customer_list.py [--tiers 10000,100000,1000000] [--base 10000]
                                     [--postgres] [--data DIR] [--runs 9] [--like-upto N]
                                     [--admin] [--prepare] [--fresh]

Each tier is a demo pond of --base customers (`yutang demo`), grown to the tier's size by copies
of its customers with their own phones and WeChat IDs (a pond of a million made by the demo
itself takes hours: orders, statistics and touchpoints for every customer). The tiers are made
once, each in a process of its own, and kept: SQLite in DIR/tier-N (default a folder in the
system's temporary directory), with --postgres a database yutang_search_N next to DATABASE_URL
(default the local server); a larger tier starts from a copy of the base tier; --fresh makes
them again, --prepare only makes them.

Then one process measures every tier in turns (see `measure`). Printed per tier and search: the
matches, the best time of the rounds for the first page of the list's query (as the owner and
as an agent, who sees a branch) and for its count, the same with the LIKE search
(`search_like`: what every search was before the text indexes, and still is without them; on
PostgreSQL it runs with the trigram indexes in place, which serve some of its conditions), then
per search the largest tier's time over the smallest's. --like-upto skips the LIKE search on
larger tiers (a scan per run). --admin also times the whole list page of the first tier
against the Django admin's changelist, same model, same search.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# What sellers type: initials, one character, full spellings, a name, a phone's start, its last
# four digits (尾号) and the whole number, the start of a WeChat ID, a nickname found nowhere.
QUERIES = {
    "pinyin initials": "zs",
    "one character": "王",
    "full pinyin": "wangfang",
    "common pinyin": "zhang",
    "name": "龙力琪",
    "phone prefix": "1380",
    "phone tail": "5678",
    "whole phone": "13308191362",  # the demo's first customer's: one match in every tier
    "wechat prefix": "luoweiyan-4",
    "no match": "没有这个人",
}


def tier_env(customers: int, args: argparse.Namespace) -> dict[str, str]:
    env = {"YUTANG_DATA_DIR": str(Path(args.data) / f"tier-{customers}")}
    if args.postgres:
        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        env["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/yutang_search_{customers}"
    return env


def prepare_database(env: dict[str, str], *, fresh: bool, base: int) -> None:
    folder = Path(env["YUTANG_DATA_DIR"])
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    if "DATABASE_URL" not in env:
        # A larger tier starts from the demo pond of the base tier, when that is made already.
        demo = folder.parent / f"tier-{base}" / "yutang.sqlite3"
        if not (folder / "yutang.sqlite3").exists() and demo.exists() and demo.parent != folder:
            shutil.copy(demo, folder / "yutang.sqlite3")
        return
    import psycopg

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not conn.execute(exists, [name]).fetchone():
            demo = f"yutang_search_{base}"
            if demo != name and conn.execute(exists, [demo]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{demo}"')
            else:
                conn.execute(f'CREATE DATABASE "{name}"')


def grow(target: int) -> None:
    """Copies of the demo's customers until the pond has `target`: copy k of customer i gets
    the phone prefix of i with eight digits of its own (a permutation of k and i, so that the
    copies' last four digits spread over all 10,000 endings), and i's WeChat ID with two digits
    of k. The rare copy whose phone or ID another already has is left out."""
    from django.db import connection

    from yutang.customers.models import Customer

    have = Customer.objects.count()
    if have >= target:
        return
    base_max = Customer.objects.order_by("-id").values_list("id", flat=True)[0]
    base_count = Customer.objects.filter(id__lte=base_max).count()
    columns = [f.column for f in Customer._meta.concrete_fields if f.column != "id"]
    pg = connection.vendor == "postgresql"
    digits = "lpad(({n})::text, 8, '0')" if pg else "printf('%08d', {n})"
    two = "lpad(({k})::text, 2, '0')" if pg else "printf('%02d', {k})"
    copy = 0
    while have < target:
        copy += 1
        n = f"(({copy} * 100003 + id) * 7919) % 100000000"
        values = {
            "phone": f"CASE WHEN phone = '' THEN '' ELSE substr(phone, 1, 3) || "
            f"{digits.format(n=n)} END",
            "wechat_id": f"CASE WHEN wechat_id = '' THEN '' ELSE substr(wechat_id, 1, 18) || "
            f"{two.format(k=copy % 100)} END",
        }
        select = ", ".join(values.get(c, f'"{c}"') for c in columns)
        limit = min(base_count, target - have)
        sql = (
            f"INSERT {'' if pg else 'OR IGNORE '}INTO customers_customer "
            f"({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)}) "
            f"SELECT {select} FROM customers_customer WHERE id <= {base_max} "
            f"ORDER BY id LIMIT {limit}" + (" ON CONFLICT DO NOTHING" if pg else "")
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
        have = Customer.objects.count()
    with connection.cursor() as cursor:
        # As autovacuum would soon after: the GIN indexes' pending entries merged, statistics.
        cursor.execute("VACUUM ANALYZE customers_customer" if pg else "ANALYZE")


def prepare_tier(customers: int, args: argparse.Namespace) -> dict[str, Any]:
    """In the tier's own process: migrate, make the demo pond if empty, grow it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yutang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from yutang.customers.models import Customer

    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        call_command("migrate", verbosity=0, stdout=devnull)
        if not Customer.objects.exists():
            base = str(min(args.base, customers))
            call_command("demo", "--no-serve", "--customers", base, stdout=devnull)
    grow(customers)
    return {"customers": Customer.objects.count(), "ready_s": time.perf_counter() - started}


def measure(tiers: list[int], args: argparse.Namespace) -> dict[int, dict[str, Any]]:
    """Every tier's database as an alias of one process, measured in turns: tier after tier,
    search after search, round after round, so that a busy moment of the machine falls on all
    of them alike. Each time is the best of the rounds (the unloaded time) and their median."""
    first = tier_env(tiers[0], args)
    os.environ.update(first)
    if "DATABASE_URL" not in first:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yutang.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    from yutang.accounts.models import User
    from yutang.customers.filters import CustomerFilters, filter_customers
    from yutang.customers.models import Customer

    settings.ALLOWED_HOSTS = ["*"]
    default = connections.settings["default"]
    for customers in tiers:
        env = tier_env(customers, args)
        conf = dict(default)
        if "DATABASE_URL" in env:
            conf["NAME"] = env["DATABASE_URL"].rsplit("/", 1)[1]
        else:
            conf["NAME"] = str(Path(env["YUTANG_DATA_DIR"]) / "yutang.sqlite3")
        connections.settings[f"tier{customers}"] = conf

    def listed(alias: str, user: User, how: str, q: str) -> Any:
        qs = Customer.objects.using(alias).visible_to(user)
        qs = qs.search(q) if how == "index" else qs.search_like(q)
        return filter_customers(qs, CustomerFilters(), user=user)

    times: dict[tuple[int, str, str], list[float]] = {}
    users = {
        customers: {
            who: User.objects.using(f"tier{customers}").get(username=name)
            for who, name in (("owner", "owner"), ("agent", "agent1"))
        }
        for customers in tiers
    }
    for _round in range(args.runs + 1):
        for label, q in QUERIES.items():
            for customers in tiers:
                alias = f"tier{customers}"
                for who, user in users[customers].items():
                    for how in ("index", "like"):
                        if how == "like" and customers > args.like_upto:
                            continue
                        for what in ("page", "count"):
                            if who == "agent" and what == "count":
                                continue
                            # Making the query counts: on PostgreSQL it asks for the ids.
                            start = time.perf_counter()
                            qs = listed(alias, user, how, q)
                            list(qs[:20]) if what == "page" else qs.count()
                            elapsed = (time.perf_counter() - start) * 1000
                            if _round:  # the first round warms the caches
                                key = (customers, label, f"{who} {how} {what}")
                                times.setdefault(key, []).append(elapsed)
    results: dict[int, dict[str, Any]] = {}
    for customers in tiers:
        alias = f"tier{customers}"
        results[customers] = {
            "customers": Customer.objects.using(alias).count(),
            "vendor": connections[alias].vendor,
            "searches": {
                label: {"matches": Customer.objects.using(alias).search(q).count()}
                for label, q in QUERIES.items()
            },
        }
    for (customers, label, column), values in times.items():
        row = results[customers]["searches"][label]
        row[column] = min(values)
        row[column + " median"] = statistics.median(values)
    if args.admin:  # the whole page against the admin's, on the first tier (the default)
        client = Client()
        client.force_login(User.objects.get(username="owner"))
        for label, q in QUERIES.items():
            row = results[tiers[0]]["searches"][label]
            for page, url in (
                ("view", "/customers/?q="),
                ("admin", "/admin/customers/customer/?q="),
            ):
                spent = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    assert client.get(url + q).status_code == 200
                    spent.append((time.perf_counter() - start) * 1000)
                row[page] = min(spent)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiers", default="10000,100000")
    parser.add_argument("--base", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--admin", action="store_true")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "yutang-search-tiers"))
    parser.add_argument("--tier", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help="only make the tiers")
    parser.add_argument(
        "--like-upto", type=int, default=10**9, help="time the LIKE search up to this tier only"
    )
    args = parser.parse_args()
    if args.tier:
        print(json.dumps(prepare_tier(args.tier, args)))
        return
    tiers = [int(t) for t in args.tiers.split(",")]
    for customers in tiers:
        env = tier_env(customers, args)
        prepare_database(env, fresh=args.fresh, base=args.base)
        full = {**os.environ, **env}
        if "DATABASE_URL" not in env:
            full.pop("DATABASE_URL", None)
        command = [sys.executable, __file__, "--tier", str(customers), "--base", str(args.base)]
        out = subprocess.run(command, env=full, cwd=ROOT, check=True, capture_output=True)
        ready = json.loads(out.stdout.decode().strip().splitlines()[-1])
        print(f"{ready['customers']:,} customers ready in {ready['ready_s']:.0f} s", flush=True)
    if args.prepare:
        return
    results = measure(tiers, args)
    columns = ["matches", "owner index page", "owner index count", "agent index page"]
    columns += ["owner like page", "owner like count", "agent like page"]
    columns += ["view", "admin"] if args.admin else []
    for customers in tiers:
        result = results[customers]
        print(f"\n{result['vendor']}: {result['customers']:,} customers; ms, best of {args.runs}")
        print(f"{'search':<16}" + "".join(f"{c.replace('owner ', ''):>17}" for c in columns))
        for label, row in result["searches"].items():
            cells = [
                f"{row[c]:>17,.0f}"
                if c == "matches"
                else f"{row[c]:>17.1f}"
                if c in row
                else f"{'':>17}"
                for c in columns
            ]
            print(f"{label:<16}" + "".join(cells))
    if len(tiers) > 1:
        small, large = results[tiers[0]]["searches"], results[tiers[-1]]["searches"]
        print(f"\n{tiers[-1]:,} against {tiers[0]:,}: time ratio (best of {args.runs})")
        print(
            f"{'search':<16}{'matches':>9}{'page':>8}{'agent page':>12}{'count':>8}"
            f"{'like page':>11}"
        )
        for label in QUERIES:
            a, b = small[label], large[label]
            like = b.get("owner like page")
            print(
                f"{label:<16}{b['matches'] / max(a['matches'], 1):>9.0f}"
                f"{b['owner index page'] / a['owner index page']:>8.2f}"
                f"{b['agent index page'] / a['agent index page']:>12.2f}"
                f"{b['owner index count'] / a['owner index count']:>8.2f}"
                + (f"{like / a['owner like page']:>11.2f}" if like else f"{'':>11}")
            )
    print(json.dumps({str(k): v for k, v in results.items()}), file=sys.stderr)


if __name__ == "__main__":
    main()
