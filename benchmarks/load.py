"""Load test of the production server: the seven pages a seller opens all day, on pond tiers.

Run by hand (needs the test extras for `requests`):
  python benchmarks/load.py [--tiers 10000,100000] [--postgres] [--clients 10,50]
                            [--seconds 30] [--rounds 2] [--workers 3] [--data DIR] [--fresh]

Each tier is a demo pond of that many customers (`yutang demo --customers N --no-serve`), made
once and kept: SQLite in DIR/tier-N (default a folder in the system's temporary directory), or
with --postgres a database yutang_load_N next to DATABASE_URL (default the local server);
--fresh makes them again. Every tier gets its own `yutang serve --workers W`, so the tiers run
side by side and the rounds alternate between them: a slow minute of the machine falls on both.

Clients log in through the login form, half as the shop owner, half as an agent (who sees a
branch), and walk the pages in random order for --seconds per tier and round. Printed per tier
and client count: requests, requests/s, p50 / p95 / p99 per page and overall, errors; then the
p95 of every tier against the first one (the goal: at most 1.5 between 10k and 100k).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "yutang2026"
USERS = ("owner", "agent1")
# Page name → path; "detail" is filled per client from the customers that user sees.
PAGES = {
    "workbench": "/",
    "list": "/customers/",
    "search": "/customers/?q={search}",
    "detail": "/customers/{customer}/",
    "orders": "/orders/",
    "analytics": "/analytics/",
    "api": "/api/customers?limit=20",
}
SEARCHES = ("zs", "wang", "138", "li", "美", "chen")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Tier:
    customers: int
    env: dict[str, str]
    port: int
    server: subprocess.Popen[bytes] | None = None
    # (clients, page) → latencies in seconds; errors per (clients, page).
    latencies: dict[tuple[int, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[int, float] = field(default_factory=lambda: defaultdict(float))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def yutang(*args: str, env: dict[str, str], **kwargs: Any) -> subprocess.Popen[bytes]:
    full = {**os.environ, **env}
    if "DATABASE_URL" not in env:
        full.pop("DATABASE_URL", None)  # SQLite in the tier's data folder
    return subprocess.Popen([sys.executable, "-m", "yutang", *args], env=full, cwd=ROOT, **kwargs)


def tier_env(customers: int, args: argparse.Namespace, data: Path) -> dict[str, str]:
    folder = data / f"tier-{customers}"
    env = {"YUTANG_DATA_DIR": str(folder)}
    if args.postgres:
        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
        env["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/yutang_load_{customers}"
    return env


def prepare(tier: Tier, args: argparse.Namespace) -> None:
    folder = Path(tier.env["YUTANG_DATA_DIR"])
    if args.fresh:
        shutil.rmtree(folder, ignore_errors=True)
        if args.postgres:
            import psycopg

            url = tier.env["DATABASE_URL"]
            with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
    if args.postgres:
        import psycopg

        url = tier.env["DATABASE_URL"]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            name = url.rsplit("/", 1)[1]
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # The demo adds nothing to a pond that has customers: a kept tier is ready at once.
    code = yutang("demo", "--customers", str(tier.customers), "--no-serve", env=tier.env).wait()
    if code:
        raise SystemExit(f"preparing the {tier.customers} tier failed ({code})")
    # The night's run, as cron would have made it: the pages are measured in their day, not
    # the first request of a day that derives it.
    if yutang("run_daily", env=tier.env, stdout=subprocess.DEVNULL).wait():
        raise SystemExit(f"the night's run of the {tier.customers} tier failed")
    print(f"tier {tier.customers:>9,}: ready in {time.perf_counter() - started:.0f} s", flush=True)


def start(tier: Tier, workers: int) -> None:
    tier.server = yutang(
        "serve",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{tier.port}",
        env=tier.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{tier.url}/login/", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server of the {tier.customers} tier did not start")


def login(tier: Tier, username: str) -> tuple[requests.Session, list[int]]:
    session = requests.Session()
    page = session.get(f"{tier.url}/login/", timeout=30)
    token = CSRF.search(page.text)
    assert token, "no CSRF token on the login page"
    answer = session.post(
        f"{tier.url}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{tier.url}/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if answer.status_code != 302 or "/login/" in answer.headers.get("Location", "/login/"):
        raise SystemExit(f"{username} could not log in to the {tier.customers} tier")
    listed = session.get(f"{tier.url}/api/customers?limit=100", timeout=60).json()
    return session, [c["id"] for c in listed["items"]]


def client(
    tier: Tier,
    clients: int,
    logged_in: tuple[requests.Session, list[int]],
    until: float,
    lock: threading.Lock,
) -> None:
    session, customer_ids = logged_in
    rng = random.Random()
    names = list(PAGES)
    local: dict[str, list[float]] = defaultdict(list)
    failed: dict[str, int] = defaultdict(int)
    while time.monotonic() < until:
        name = rng.choice(names)
        if name == "detail" and not customer_ids:
            continue
        path = PAGES[name].format(
            search=rng.choice(SEARCHES), customer=rng.choice(customer_ids or [0])
        )
        started = time.perf_counter()
        try:
            ok = session.get(tier.url + path, timeout=120).status_code == 200
        except requests.RequestException:
            ok = False
        elapsed = time.perf_counter() - started
        if ok:
            local[name].append(elapsed)
        else:
            failed[name] += 1
    with lock:
        for name, values in local.items():
            tier.latencies[clients, name].extend(values)
        for name, n in failed.items():
            tier.errors[clients, name] += n


def run(tier: Tier, clients: int, seconds: float) -> None:
    lock = threading.Lock()
    # Everyone logs in first: the clock measures the pages, not the logins.
    sessions = [login(tier, USERS[i % 2]) for i in range(clients)]
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client, args=(tier, clients, session, until, lock))
        for session in sessions
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tier.seconds[clients] += time.monotonic() - started


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(tiers: list[Tier], client_counts: list[int]) -> None:
    for clients in client_counts:
        print(f"\n== {clients} clients")
        print(f"{'page':<10} {'tier':>9} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'p99 ms':>8} {'errors':>6} {'p95 ×':>6}")  # fmt: skip
        for name in [*PAGES, "all"]:
            base = None
            for tier in tiers:
                if name == "all":
                    values = [
                        v for (c, _p), vs in tier.latencies.items() if c == clients for v in vs
                    ]
                    errors = sum(n for (c, _p), n in tier.errors.items() if c == clients)
                else:
                    values = tier.latencies[clients, name]
                    errors = tier.errors[clients, name]
                p95 = percentile(values, 95) * 1000
                base = p95 if base is None else base
                print(
                    f"{name:<10} {tier.customers:>9,} {len(values):>6} "
                    f"{len(values) / max(tier.seconds[clients], 1e-9):>7.1f} "
                    f"{percentile(values, 50) * 1000:>8.0f} {p95:>8.0f} "
                    f"{percentile(values, 99) * 1000:>8.0f} {errors:>6} {p95 / base:>6.2f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tiers", default="10000,100000")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--clients", default="10,50")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "yutang-load")
    parser.add_argument("--fresh", action="store_true", help="make the tiers' ponds again")
    args = parser.parse_args()
    sizes = [int(n) for n in args.tiers.split(",")]
    client_counts = [int(n) for n in args.clients.split(",")]
    tiers = [Tier(n, tier_env(n, args, args.data), port=18300 + i) for i, n in enumerate(sizes)]
    for tier in tiers:
        prepare(tier, args)
    try:
        for tier in tiers:
            start(tier, args.workers)
        for round_ in range(args.rounds):
            for clients in client_counts:
                # Alternate the order too: neither tier always runs on a warm machine.
                for tier in tiers if round_ % 2 == 0 else reversed(tiers):
                    print(
                        f"round {round_ + 1}: {clients} clients on {tier.customers:,}", flush=True
                    )
                    run(tier, clients, args.seconds)
    finally:
        for tier in tiers:
            if tier.server is not None:
                tier.server.terminate()
                try:
                    tier.server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    tier.server.kill()
    report(tiers, client_counts)


if __name__ == "__main__":
    main()
