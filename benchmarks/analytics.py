"""The analytics queries (ABC, Pareto, RFM, repurchase, the growth funnel, cohorts) against
DuckDB and pandas on the same data, and the dashboard page that shows them.

Run by hand:
  python benchmarks/analytics.py [--postgres] [--customers N] [--lines-per-customer 10]
                                 [--runs 5] [--seed 1]
It needs the bench extras:  pip install -e ".[bench]"  (".[bench,postgres]" for --postgres)

It makes a pond of customers (default 100,000 on SQLite, 1,000,000 with --postgres) with about
`--lines-per-customer` order lines each: over half never bought, the buyers' orders follow a
long (Pareto) tail, spread over three years, 1–3 lines each of some 50 products, a few orders
discounted, cancelled or refunded, a few gifts (costs of keeping). The rows are made with numpy
and loaded with COPY (PostgreSQL) or executemany (SQLite), because ten million lines through the
ORM would take hours. Then it runs the nightly refresh_all_stats and refresh_value_classes, and
exports customers, orders, lines, costs and the statistics table to Parquet in a temporary
folder.

The same analyses are then written again for DuckDB over the Parquet files and for pandas
over DataFrames read from them (reading not timed; pandas keeps money in integer cents). Both
start from the raw orders and lines, since neither has yutang's per-customer statistics table:
that is the point of the comparison. A customer's revenue is Σ max(Σ qty × price − discount, 0)
over their paid orders (paid, shipped, signed, completed: refunded and cancelled orders count for
nothing), their profit that less Σ qty × cost and their costs of keeping.

Prints: the size of the pond and the time to make it, to refresh the statistics (the nightly
job) and the classes, and to export; a ✓ or ✗ per analysis where DuckDB's and pandas' figures
equal yutang's (and for the statistics table itself), with the differences when they don't; and
a table of the median time of each analysis over `--runs` runs after one warm-up, with yutang's
time as a ratio of DuckDB's and of pandas'. "abc" reads the stored classes; "abc + classes" also
recomputes them with refresh_value_classes first, which is what DuckDB and pandas do. The pond
has no follow-ups, so the funnel activates nobody. Last, the dashboard page as the owner opens
it (all time), through Django's test client, in milliseconds.

With --postgres it uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
yutang_bench_analytics, dropped and created anew); the database is left behind for EXPLAIN.
On two cores the SQLite default takes about ten minutes and the PostgreSQL default over an hour,
most of it in refresh_all_stats and in the six runs of refresh_value_classes.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import math
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from common import setup_django

DAY = 86_400.0
HOUR = 3_600.0
SPAN_DAYS = 3 * 365
PAID = ("paid", "shipped", "signed", "completed")
PAID_SQL = "(" + ", ".join(f"'{s}'" for s in PAID) + ")"
# Rows per COPY / executemany: big enough that the per-statement cost vanishes, small enough that
# PostgreSQL's queue of deferred foreign key checks stays small.
CHUNK = 500_000
BUYER_SHARE = 0.45
# Orders per buyer: 1 + a Pareto draw, so that a few buyers (resellers) place hundreds of orders.
PARETO_ALPHA = 1.8
MAX_ORDERS = 1_000
LINE_COUNTS, LINE_WEIGHTS = np.array([1, 2, 3]), np.array([0.5, 0.3, 0.2])
QUANTITIES, QUANTITY_WEIGHTS = np.array([1, 2, 3]), np.array([0.7, 0.2, 0.1])
PRODUCTS = 50
DISCOUNTS = np.array([5, 10, 20, 30, 50, 100]) * 100  # cents
MONEY = pa.decimal128(14, 2)
STAMP = pa.timestamp("us", tz="UTC")


def setup(args: argparse.Namespace) -> None:
    setup_django(postgres=args.postgres, database="yutang_bench_analytics")


# --- data ---------------------------------------------------------------------------------


def money_array(cents: np.ndarray) -> pa.Array:
    exact = pc.multiply(
        pa.array(cents, pa.int64()).cast(pa.decimal128(19, 0)),
        pa.scalar(Decimal("0.01"), pa.decimal128(3, 2)),
    )
    return exact.cast(pa.decimal128(12, 2))


def stamp_array(seconds: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    whole = np.floor(seconds).astype(np.int64)
    return pa.array(whole, pa.timestamp("s", tz="UTC"), mask=mask)


def local_dates(stamps: pa.Array) -> pa.Array:
    from django.conf import settings

    zone = pa.timestamp("s", tz=settings.TIME_ZONE)
    return pc.local_timestamp(stamps.cast(zone)).cast(pa.date32())


def first_days(dates: pa.Array) -> pa.Array:
    """The first day of each date's month."""
    days = dates.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    return pa.array(days.astype("datetime64[M]").astype("datetime64[D]"), pa.date32())


def strings(value: str, n: int) -> pa.Array:
    return pa.array([value] * n, pa.string())


@dataclass
class Pond:
    customers: dict[str, pa.Array]
    orders: dict[str, pa.Array]
    lines: dict[str, pa.Array]
    costs: dict[str, pa.Array]


def make_pond(
    n: int,
    lines_per_customer: float,
    rng: np.random.Generator,
    now: float,
    sellers: list[int],
    products: list[tuple[int, int, int]],
) -> Pond:
    """Every row of the pond as Arrow columns named like the database's, ids from 1."""
    ids = np.arange(1, n + 1)
    buyer = rng.random(n) < BUYER_SHARE
    buyer[0] = True
    buyer_ids = ids[buyer]
    nb = len(buyer_ids)
    mean_lines = float(LINE_COUNTS @ LINE_WEIGHTS)
    total = max(nb, round(n * lines_per_customer / mean_lines))
    weight = rng.pareto(PARETO_ALPHA, nb) + 1
    counts = np.maximum(1, np.floor(weight * total / weight.sum())).astype(np.int64)
    short = total - int(counts.sum())
    if short > 0:
        counts += np.bincount(rng.choice(nb, short, p=weight / weight.sum()), minlength=nb)
    counts = np.minimum(counts, MAX_ORDERS)

    # Orders: each buyer's first at a moment of the last three years (more of them recent),
    # the others anywhere between then and now; ids in time order.
    first = now - SPAN_DAYS * DAY * rng.random(nb) ** 1.3
    customer = np.repeat(buyer_ids, counts)
    start = np.repeat(first, counts)
    u = rng.random(len(customer))
    u[np.cumsum(counts) - counts] = 0.0
    at = start + u * (now - start)
    by_time = np.argsort(at, kind="stable")
    customer, at = customer[by_time], at[by_time]
    t = len(at)
    r = rng.random(t)
    age = (now - at) / DAY
    cancelled = r < 0.03
    refunded = (r >= 0.03) & (r < 0.05)
    waiting = (r >= 0.05) & (r < 0.15) & (age < 3)
    intent = waiting & (rng.random(t) < 0.5)
    paid_once = ~(cancelled | waiting)  # paid at some point: refunded orders too
    shipped = at + rng.uniform(4, 30, t) * HOUR
    signed = shipped + rng.uniform(1, 3, t) * DAY
    completed = signed + rng.uniform(1, 4, t) * DAY
    live = paid_once & ~refunded
    status = np.select(
        [cancelled, intent, waiting, refunded, completed <= now, signed <= now, shipped <= now],
        ["cancelled", "intent", "unpaid", "refunded", "completed", "signed", "shipped"],
        default="paid",
    )
    asked = rng.random(t) < 0.2
    intent_at = at - rng.uniform(1, 48, t) * HOUR
    discount = np.where(rng.random(t) < 0.05, rng.choice(DISCOUNTS, t), 0)
    owner_of = np.zeros(n + 1, np.int64)
    owner_of[1:] = rng.choice(sellers, n)
    orders = {
        "id": pa.array(np.arange(1, t + 1)),
        "customer_id": pa.array(customer),
        "seller_id": pa.array(owner_of[customer]),
        "status": pa.array(status.astype(object), pa.string()),
        "discount": money_array(discount),
        "payment_method": pa.array(
            np.where(paid_once, rng.choice(["wechat", "alipay", "cash"], t), "").astype(object),
            pa.string(),
        ),
        "courier": strings("", t),
        "tracking_number": strings("", t),
        "note": strings("", t),
        "import_ref": strings("", t),
        "intent_at": stamp_array(intent_at, ~(asked | intent)),
        "unpaid_at": stamp_array(at, ~((cancelled | waiting) & ~intent)),
        "paid_at": stamp_array(at, ~paid_once),
        "shipped_at": stamp_array(shipped, ~(live & (shipped <= now))),
        "signed_at": stamp_array(signed, ~(live & (signed <= now))),
        "completed_at": stamp_array(completed, ~(live & (completed <= now))),
        "cancelled_at": stamp_array(np.minimum(at + rng.uniform(1, 48, t) * HOUR, now), ~cancelled),
        "refunded_at": stamp_array(np.minimum(at + rng.uniform(1, 10, t) * DAY, now), ~refunded),
        "created": stamp_array(
            np.where(asked | intent, intent_at, at - rng.uniform(0, 2, t) * HOUR)
        ),
    }

    # Lines: a few best sellers, some lines at a promotional price.
    per_order = rng.choice(LINE_COUNTS, t, p=LINE_WEIGHTS)
    line_order = np.repeat(np.arange(1, t + 1), per_order)
    n_lines = len(line_order)
    popularity = 1 / np.arange(1, len(products) + 1) ** 0.8
    pick = rng.choice(len(products), n_lines, p=popularity / popularity.sum())
    product_ids, prices, costs = (np.array(c) for c in zip(*products, strict=True))
    price = prices[pick]
    promo = rng.random(n_lines) < 0.1
    price[promo] = np.round(price[promo] * rng.uniform(0.8, 0.95, int(promo.sum())))
    lines = {
        "id": pa.array(np.arange(1, n_lines + 1)),
        "order_id": pa.array(line_order),
        "product_id": pa.array(product_ids[pick]),
        "quantity": pa.array(rng.choice(QUANTITIES, n_lines, p=QUANTITY_WEIGHTS)),
        "unit_price": money_array(price),
        "unit_cost": money_array(costs[pick]),
    }

    # Gifts to 3% of the pond, buyers or not, one or two each.
    gifted = ids[rng.random(n) < 0.03]
    cost_customer = np.repeat(gifted, rng.choice([1, 2], len(gifted), p=[0.7, 0.3]))
    nc = len(cost_customer)
    given = stamp_array(now - rng.random(nc) * SPAN_DAYS * DAY)
    cost_rows = {
        "id": pa.array(np.arange(1, nc + 1)),
        "customer_id": pa.array(cost_customer),
        "kind": strings("gift", nc),
        "amount": money_array(rng.integers(5, 101, nc) * 100),
        "on": local_dates(given),
        "note": strings("", nc),
        "author_id": pa.array(np.full(nc, sellers[0])),
        "created": given,
    }

    # Customers: those who paid are AA and consumed; friends since before their first order.
    paid = np.isin(status, PAID)
    paid_orders = np.bincount(customer[paid], minlength=n + 1)[1:]
    bought = paid_orders > 0
    first_at = np.full(n + 1, now)
    first_at[buyer_ids] = first
    created_at = np.where(
        buyer,
        first_at[1:] - rng.uniform(0, 60, n) * DAY,
        now - rng.uniform(0, SPAN_DAYS + 60, n) * DAY,
    )
    created = stamp_array(created_at)
    grade = np.where(bought, "AA", rng.choice(["", "A", "B", "C", "D", "F"], n))
    lifecycle = np.select(
        [paid_orders >= 4, paid_orders >= 2, bought], ["loyal", "returning", "new"], "prospect"
    )
    referred = rng.random(n) < 0.05
    referred[0] = False
    referrer = np.floor(rng.random(n) * (ids - 1)).astype(np.int64) + 1  # somebody older
    cooperation = rng.integers(1, 6, n)
    added_on = local_dates(created)
    customers = {
        "id": pa.array(ids),
        "nickname": pa.array([f"客户{i}" for i in range(1, n + 1)], pa.string()),
        "name": strings("", n),
        "wechat_id": strings("", n),
        "phone": pa.array([f"139{i:08d}" for i in range(1, n + 1)], pa.string()),
        "gender": strings("", n),
        "salutation": strings("", n),
        "birthday_month": pa.nulls(n, pa.int64()),
        "birthday_day": pa.nulls(n, pa.int64()),
        "birthday_year": pa.nulls(n, pa.int64()),
        "birthday_leap": pa.array(np.zeros(n, bool)),
        "birthday_calendar": strings("solar", n),
        "province": strings("", n),
        "city": strings("", n),
        "district": strings("", n),
        "address": strings("", n),
        "channel_id": pa.nulls(n, pa.int64()),
        "referrer_id": pa.array(referrer, pa.int64(), mask=~referred),
        "owner_id": pa.array(owner_of[1:]),
        "added_on": added_on,
        "joined_on": added_on,
        "joined_month": first_days(added_on),
        "visited_store": pa.array(rng.random(n) < 0.05),
        "vip": pa.array(rng.random(n) < 0.03),
        "do_not_disturb": pa.array(rng.random(n) < 0.02),
        "notes": strings("", n),
        "grade": pa.array(grade.astype(object), pa.string()),
        "agent_account_id": pa.nulls(n, pa.int64()),
        "stage": strings("", n),
        "deal_amount": pa.nulls(n, pa.decimal128(12, 2)),
        "consumed": pa.array(bought),
        "lifecycle": pa.array(lifecycle.astype(object), pa.string()),
        "value_class": strings("", n),
        "value_flag": strings("", n),
        "cooperation": pa.array(cooperation, pa.int64(), mask=rng.random(n) >= 0.1),
        "search_pinyin": strings("", n),
        "created": created,
        "updated": stamp_array(np.full(n, now)),
    }
    return Pond(customers, orders, lines, cost_rows)


def check_columns(model: Any, columns: dict[str, pa.Array]) -> list[str]:
    """The model's columns in its order; a raw INSERT must fill every NOT NULL column, so fail
    loudly when the model grows one."""
    wanted = [f.column for f in model._meta.concrete_fields]
    if set(wanted) != set(columns):
        raise SystemExit(f"{model.__name__} columns changed: {sorted(set(wanted) ^ set(columns))}")
    return wanted


def sqlite_values(column: pa.ChunkedArray) -> list[Any]:
    """Values as Django's SQLite backend writes them: naive UTC text, decimals as text."""
    if pa.types.is_timestamp(column.type):
        column = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_date(column.type) or pa.types.is_decimal(column.type):
        column = column.cast(pa.string())
    return column.to_pylist()


def insert(model: Any, columns: dict[str, pa.Array]) -> int:
    from django.db import connection

    names = check_columns(model, columns)
    table = pa.table({name: columns[name] for name in names})
    qn = connection.ops.quote_name
    target = f"{qn(model._meta.db_table)} ({', '.join(qn(c) for c in names)})"
    with connection.cursor() as cursor:
        for start in range(0, table.num_rows, CHUNK):
            part = table.slice(start, CHUNK)
            if connection.vendor == "postgresql":
                # Arrow writes the CSV in C++; strings quoted, so that "" stays '' and not NULL.
                buffer = io.BytesIO()
                pcsv.write_csv(part, buffer, pcsv.WriteOptions(include_header=False))
                with cursor.copy(f"COPY {target} FROM STDIN WITH (FORMAT csv)") as copy:
                    copy.write(buffer.getbuffer())
            else:
                rows = zip(*(sqlite_values(c) for c in part.columns), strict=True)
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", rows)
    return table.num_rows


def create_users() -> list[int]:
    from yutang.accounts.actions import create_user
    from yutang.accounts.models import Role

    owner = create_user(username="owner", role=Role.OWNER, password="bench-password-1")
    agents = [
        create_user(username=f"agent{n}", role=Role.AGENT, password="bench-password-1")
        for n in range(1, 5)
    ]
    return [owner.pk] * 4 + [a.pk for a in agents]


def create_products(rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """About 50 products, 10–500 yuan, costing 30–70% of the price: (id, price, cost) in cents."""
    from yutang.catalog.models import Product

    prices = rng.integers(10, 501, PRODUCTS) * 100 - rng.choice([0, 0, 10, 100], PRODUCTS)
    costs = np.round(prices * rng.uniform(0.3, 0.7, PRODUCTS)).astype(np.int64)
    products = Product.objects.bulk_create(
        [
            Product(
                name=f"商品{i + 1:02d}",
                sku=f"BENCH-{i + 1:03d}",
                price=Decimal(int(p)) / 100,
                cost=Decimal(int(c)) / 100,
                usage_cycle_days=int(rng.integers(15, 91)),
            )
            for i, (p, c) in enumerate(zip(prices, costs, strict=True))
        ]
    )
    return [
        (p.pk, int(price), int(cost))
        for p, price, cost in zip(products, prices, costs, strict=True)
    ]


@dataclass
class Sizes:
    customers: int
    orders: int
    lines: int
    costs: int
    statuses: Counter[str]
    buyers: int
    most_orders: int


def generate(args: argparse.Namespace) -> Sizes:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from yutang.customers.models import Customer
    from yutang.orders.models import CustomerCost, Order, OrderLine

    rng = np.random.default_rng(args.seed)
    # SQLite syncs once for the whole load inside one transaction; PostgreSQL commits each COPY,
    # so that its queue of deferred foreign key checks never holds ten million rows.
    atomic = transaction.atomic() if connection.vendor == "sqlite" else contextlib.nullcontext()
    with atomic:
        sellers = create_users()
        products = create_products(rng)
        pond = make_pond(
            args.customers, args.lines_per_customer, rng, time.time(), sellers, products
        )
        insert(Customer, pond.customers)
        insert(Order, pond.orders)
        insert(OrderLine, pond.lines)
        insert(CustomerCost, pond.costs)
        models = [Customer, Order, OrderLine, CustomerCost]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    analyze()
    status = pond.orders["status"].to_numpy(zero_copy_only=False)
    customer = pond.orders["customer_id"].to_numpy()
    paid = np.bincount(customer[np.isin(status, PAID)])
    return Sizes(
        customers=args.customers,
        orders=len(status),
        lines=len(pond.lines["id"]),
        costs=len(pond.costs["id"]),
        statuses=Counter(status.tolist()),
        buyers=int((paid > 0).sum()),
        most_orders=int(paid.max()),
    )


def analyze() -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) would soon have them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Parquet ------------------------------------------------------------------------------


def exports() -> dict[str, tuple[Any, list[tuple[str, pa.DataType]]]]:
    from yutang.customers.models import Customer, CustomerStats
    from yutang.orders.models import CustomerCost, Order, OrderLine

    key = pa.int64()
    return {
        "customers": (
            Customer,
            [("id", key), ("owner_id", key), ("added_on", pa.date32()), ("created", STAMP)],
        ),
        "orders": (
            Order,
            [
                ("id", key),
                ("customer_id", key),
                ("seller_id", key),
                ("status", pa.string()),
                ("discount", MONEY),
                ("paid_at", STAMP),
                ("created", STAMP),
            ],
        ),
        "order_lines": (
            OrderLine,
            [
                ("id", key),
                ("order_id", key),
                ("product_id", key),
                ("quantity", pa.int32()),
                ("unit_price", MONEY),
                ("unit_cost", MONEY),
            ],
        ),
        "customer_costs": (
            CustomerCost,
            [
                ("id", key),
                ("customer_id", key),
                ("kind", pa.string()),
                ("amount", MONEY),
                ("on", pa.date32()),
            ],
        ),
        "customer_stats": (
            CustomerStats,
            [
                ("customer_id", key),
                ("orders", pa.int32()),
                ("first_paid_at", STAMP),
                ("last_paid_at", STAMP),
                ("last_paid_day", pa.int32()),
                ("revenue", MONEY),
                ("cost", MONEY),
                ("keep_cost", MONEY),
                ("profit", MONEY),
            ],
        ),
    }


def dump_csv(model: Any, fields: list[tuple[str, pa.DataType]], path: Path) -> None:
    """The table as headerless CSV: COPY TO STDOUT on PostgreSQL, a cursor on SQLite (money as
    exact text, since SQLite keeps decimals as floats)."""
    from django.db import connection

    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor, path.open("wb") as out:
        if connection.vendor == "postgresql":
            select = ", ".join(qn(name) for name, _kind in fields)
            sql = f"COPY (SELECT {select} FROM {table}) TO STDOUT WITH (FORMAT csv)"
            with cursor.copy(sql) as copy:
                for block in copy:
                    out.write(block)
            return
        select = ", ".join(
            f"printf('%.2f', {qn(name)})" if kind == MONEY else qn(name) for name, kind in fields
        )
        cursor.execute(f"SELECT {select} FROM {table}")
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        writer = csv.writer(text)
        while rows := cursor.fetchmany(100_000):
            writer.writerows(rows)
        text.flush()
        text.detach()


def export_parquet(folder: Path) -> dict[str, Path]:
    """Each table read in one pass and written to Parquet batch by batch."""
    from django.db import connection

    files = {}
    for name, (model, fields) in exports().items():
        schema = pa.schema(fields)
        # SQLite's stamps carry no zone: read as naive UTC, then marked UTC.
        naive = pa.schema(
            [(n, pa.timestamp("us") if k == STAMP else k) for n, k in fields]
            if connection.vendor == "sqlite"
            else fields
        )
        raw = folder / f"{name}.csv"
        dump_csv(model, fields, raw)
        files[name] = folder / f"{name}.parquet"
        reader = pcsv.open_csv(
            raw,
            read_options=pcsv.ReadOptions(column_names=schema.names, block_size=32 << 20),
            convert_options=pcsv.ConvertOptions(column_types=naive),
        )
        with pq.ParquetWriter(files[name], schema) as writer:
            for batch in reader:
                writer.write_table(pa.Table.from_batches([batch]).cast(schema))
        raw.unlink()
    return files


# --- figures computed outside yutang, shaped like yutang's results ------------------------


def cents(value: Any) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def rfm_result(
    today: date, means: tuple[int, float, float, float], cells: dict[tuple[bool, ...], Any]
) -> dict[str, Any]:
    """RFM's figures: the thresholds and each class's buyers and revenue."""
    from yutang.customers.stats import RFM_CLASSES

    buyers, day, frequency, monetary = means
    thresholds = {
        "buyers": buyers,
        "mean_day": day,
        "recency_days": today.toordinal() - day,
        "frequency": frequency,
        "monetary": monetary,
    }
    classes = {
        name: cells.get(key, (0, Decimal("0.00"))) for key, (name, _label) in RFM_CLASSES.items()
    }
    return {"thresholds": thresholds, "classes": classes}


def cohort_table(rows: list[tuple[date, date, int]], today: date, months: int = 12) -> dict:
    """Cohorts' table from (cohort month, month, distinct buyers), as yutang lays it out."""
    active: dict[date, dict[int, int]] = {}
    for cohort, month, n in rows:
        offset = (month.year - cohort.year) * 12 + month.month - cohort.month
        active.setdefault(cohort, {})[offset] = int(n)
    table = {}
    for cohort in sorted(active)[-months:]:
        size = active[cohort].get(0, 0)
        span = (today.year - cohort.year) * 12 + today.month - cohort.month
        table[cohort.strftime("%Y-%m")] = {
            "size": size,
            "retention": [
                active[cohort].get(i, 0) / size if size else 0.0 for i in range(span + 1)
            ],
        }
    return table


def repurchase_result(
    buyers: int, repeat: int, orders: int, revenue: Decimal, median_seconds: float | None
) -> dict[str, Any]:
    """Repurchase's figures, as yutang's: the median interval in days, to a tenth."""
    return {
        "buyers": buyers,
        "repeat_buyers": repeat,
        "orders": orders,
        "revenue": revenue,
        "repurchase_rate": repeat / buyers if buyers else None,
        "median_interval_days": (
            round(median_seconds / DAY, 1) if median_seconds is not None else None
        ),
        "aov": (revenue / orders).quantize(Decimal("0.01")) if orders else None,
        "frequency": round(orders / buyers, 2) if buyers else None,
    }


def funnel_result(rows: list[tuple[date, int, int, int, Decimal]]) -> list[dict[str, Any]]:
    """The growth funnel's rows from (month joined, added, converted, retained, revenue). The
    pond has no follow-ups: nobody is activated."""
    result = []
    for month, added, converted, retained, revenue in rows:
        key = month.strftime("%Y-%m")
        result.append(
            {
                "key": key,
                "label": key,
                "added": added,
                "activated": 0,
                "converted": converted,
                "retained": retained,
                "revenue": revenue,
                "activation_rate": 0 / added if added else None,
                "conversion_rate": converted / added if added else None,
                "retention_rate": retained / converted if converted else None,
            }
        )
    return result


# Buyers who bought after the last ranking: nobody, since every buyer is ranked just before.
UNRANKED = {"count": 0, "revenue": Decimal("0.00"), "profit": Decimal("0.00")}


@dataclass
class Rules:
    a: int
    ab: int
    potential: int


# --- DuckDB -------------------------------------------------------------------------------

# The paid orders' revenue and cost of goods, per buyer and per customer, from the raw rows.
DUCK_BASE = f"""
    line_totals AS (
        SELECT order_id, SUM(quantity * unit_price) AS goods, SUM(quantity * unit_cost) AS cost
        FROM order_lines GROUP BY order_id
    ),
    order_totals AS (
        SELECT o.customer_id, o.paid_at,
               GREATEST(COALESCE(l.goods, 0) - o.discount, 0) AS amount,
               COALESCE(l.cost, 0) AS goods
        FROM orders o LEFT JOIN line_totals l ON l.order_id = o.id
        WHERE o.status IN {PAID_SQL}
    ),
    buyers AS (
        SELECT customer_id, COUNT(*) AS orders, SUM(amount) AS revenue, SUM(goods) AS goods,
               MIN(paid_at) AS first_paid_at, MAX(paid_at) AS last_paid_at
        FROM order_totals GROUP BY customer_id
    ),
    keep AS (SELECT customer_id, SUM(amount) AS keep_cost FROM customer_costs GROUP BY customer_id),
    customer_values AS (
        SELECT c.id AS customer_id, COALESCE(b.orders, 0) AS orders,
               COALESCE(b.revenue, 0) AS revenue, COALESCE(b.goods, 0) AS cost,
               COALESCE(k.keep_cost, 0) AS keep_cost,
               COALESCE(b.revenue, 0) - COALESCE(b.goods, 0) - COALESCE(k.keep_cost, 0) AS profit,
               b.first_paid_at, b.last_paid_at
        FROM customers c LEFT JOIN buyers b ON b.customer_id = c.id
        LEFT JOIN keep k ON k.customer_id = c.id
    )
"""


def duck_connect(files: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, path in files.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    return con


def duck_abc(con: duckdb.DuckDBPyConnection, rules: Rules) -> dict[str, Any]:
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE classed AS
        WITH {DUCK_BASE},
        ranked AS (
            SELECT customer_id, revenue, profit,
                   ROW_NUMBER() OVER (ORDER BY profit DESC, customer_id) AS rank,
                   COUNT(*) OVER () AS n
            FROM customer_values WHERE orders > 0
        ),
        cuts AS (
            SELECT *, (n * {rules.a} + 99) // 100 AS a, (n * {rules.ab} + 99) // 100 AS b
            FROM ranked
        )
        SELECT customer_id, revenue, profit,
               CASE WHEN rank <= a THEN 'A' WHEN rank <= b THEN 'B' ELSE 'C' END AS class,
               rank > a AND rank <= b AND rank - a <= ((b - a) * {rules.potential} + 99) // 100
                   AS potential
        FROM cuts
        UNION ALL
        SELECT customer_id, revenue, profit, '', false FROM customer_values WHERE orders = 0
        """
    )
    rows = con.execute(
        "SELECT class, COUNT(*), SUM(revenue), SUM(profit) FROM classed GROUP BY class"
    ).fetchall()
    loss = con.execute(
        "SELECT customer_id FROM classed WHERE profit < 0 ORDER BY profit, customer_id LIMIT 1000"
    ).fetchall()
    potential = con.execute(
        "SELECT customer_id FROM classed WHERE potential AND profit >= 0 "
        "ORDER BY profit DESC, customer_id LIMIT 1000"
    ).fetchall()
    by_class = {c: (n, rev, prof) for c, n, rev, prof in rows}
    return {
        "classes": {
            key: {
                "count": by_class.get(key, (0,))[0],
                "revenue": Decimal(by_class.get(key, (0, 0))[1]).quantize(Decimal("0.01")),
                "profit": Decimal(by_class.get(key, (0, 0, 0))[2]).quantize(Decimal("0.01")),
            }
            for key in ("A", "B", "C", "")
        },
        "unranked": UNRANKED,
        "loss": [pk for (pk,) in loss],
        "potential": [pk for (pk,) in potential],
    }


def duck_pareto(con: duckdb.DuckDBPyConnection, share: float, points: int = 20) -> dict[str, Any]:
    from yutang.analytics.queries import pareto_result

    rows = con.execute(
        f"""
        WITH {DUCK_BASE},
        buyer_values AS MATERIALIZED (
            SELECT customer_id, revenue, profit FROM customer_values WHERE orders > 0
        ),
        totals AS (
            SELECT COUNT(*) AS n, SUM(revenue) AS revenue, SUM(profit) AS profit
            FROM buyer_values
        ),
        steps AS (
            SELECT (i * n + {points} - 1) // {points} AS rank
            FROM totals, range(1, {points} + 1) AS r(i)
            UNION SELECT CAST(CEIL(n * {Decimal(str(share))}) AS BIGINT) FROM totals
        ),
        by_revenue AS (
            SELECT ROW_NUMBER() OVER w AS rank, SUM(revenue) OVER w AS running FROM buyer_values
            WINDOW w AS (ORDER BY revenue DESC, customer_id ROWS UNBOUNDED PRECEDING)
        ),
        by_profit AS (
            SELECT ROW_NUMBER() OVER w AS rank, SUM(profit) OVER w AS running FROM buyer_values
            WINDOW w AS (ORDER BY profit DESC, customer_id ROWS UNBOUNDED PRECEDING)
        )
        SELECT t.n, t.revenue, t.profit, s.rank, r.running, p.running
        FROM totals t CROSS JOIN steps s
        LEFT JOIN by_revenue r ON r.rank = s.rank LEFT JOIN by_profit p ON p.rank = s.rank
        """
    ).fetchall()
    n, revenue, profit = rows[0][0], rows[0][1] or 0, rows[0][2] or 0
    running = {  # no running sums at all when nobody bought
        "revenue": {rank: Decimal(rev) for *_t, rank, rev, _p in rows if rev is not None},
        "profit": {rank: Decimal(prof) for *_t, rank, _r, prof in rows if prof is not None},
    }
    return pareto_result(n, Decimal(revenue), Decimal(profit), running, share, points)


def duck_rfm(con: duckdb.DuckDBPyConnection, today: date, zone: str) -> dict[str, Any]:
    rows = con.execute(
        f"""
        WITH {DUCK_BASE},
        b AS MATERIALIZED (
            SELECT orders, revenue,
                   CAST(timezone('{zone}', last_paid_at) AS DATE) - DATE '0001-01-01' + 1 AS day
            FROM buyers
        ),
        means AS (
            SELECT COUNT(*) AS n, AVG(day) AS day, AVG(orders) AS orders, AVG(revenue) AS revenue
            FROM b
        )
        SELECT m.n, m.day, m.orders, m.revenue,
               b.day > m.day, b.orders > m.orders, b.revenue > m.revenue,
               COUNT(*), SUM(b.revenue)
        FROM b CROSS JOIN means m
        GROUP BY ALL
        """
    ).fetchall()
    means = (rows[0][0], float(rows[0][1]), float(rows[0][2]), float(rows[0][3]))
    cells = {(r, f, m): (n, Decimal(rev)) for *_means, r, f, m, n, rev in rows}
    return rfm_result(today, means, cells)


def duck_cohorts(con: duckdb.DuckDBPyConnection, today: date, zone: str) -> dict[str, Any]:
    rows = con.execute(
        f"""
        WITH paid AS (
            SELECT customer_id,
                   CAST(date_trunc('month', timezone('{zone}', paid_at)) AS DATE) AS month
            FROM orders WHERE status IN {PAID_SQL}
        ),
        firsts AS (SELECT customer_id, MIN(month) AS cohort FROM paid GROUP BY customer_id)
        SELECT f.cohort, p.month, COUNT(DISTINCT p.customer_id)
        FROM paid p JOIN firsts f USING (customer_id)
        GROUP BY f.cohort, p.month
        """
    ).fetchall()
    return cohort_table(rows, today)


def duck_repurchase(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    row = con.execute(
        f"""
        WITH {DUCK_BASE},
        purchases AS (
            SELECT DISTINCT customer_id, paid_at FROM orders
            WHERE status IN {PAID_SQL} AND paid_at IS NOT NULL
        ),
        gaps AS (
            SELECT epoch(paid_at) - epoch(LAG(paid_at) OVER (PARTITION BY customer_id
                   ORDER BY paid_at)) AS gap
            FROM purchases
        )
        SELECT (SELECT COUNT(*) FROM buyers), (SELECT COUNT(*) FROM buyers WHERE orders >= 2),
               (SELECT SUM(orders) FROM buyers), (SELECT SUM(revenue) FROM buyers),
               (SELECT MEDIAN(gap) FROM gaps WHERE gap IS NOT NULL)
        """
    ).fetchone()
    assert row is not None
    buyers, repeat, orders, revenue, median = row
    return repurchase_result(
        int(buyers), int(repeat), int(orders), Decimal(revenue).quantize(Decimal("0.01")), median
    )


def duck_funnel(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(
        f"""
        WITH {DUCK_BASE}
        SELECT CAST(date_trunc('month', c.added_on) AS DATE) AS month, COUNT(*),
               COUNT(*) FILTER (WHERE v.orders >= 1), COUNT(*) FILTER (WHERE v.orders >= 2),
               SUM(v.revenue)
        FROM customers c JOIN customer_values v ON v.customer_id = c.id
        GROUP BY month ORDER BY month
        """
    ).fetchall()
    return funnel_result(
        [(m, a, c, r, Decimal(rev).quantize(Decimal("0.01"))) for m, a, c, r, rev in rows]
    )


def duck_stats_check(con: duckdb.DuckDBPyConnection, zone: str) -> tuple[float, dict[str, int]]:
    """The statistics of every customer from the raw rows (timed), and how many of the stored
    ones (refresh_all_stats) differ from them, column by column."""
    start = time.perf_counter()
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE raw_stats AS WITH {DUCK_BASE} SELECT * FROM customer_values"
    )
    elapsed = (time.perf_counter() - start) * 1000
    columns = ["orders", "first_paid_at", "last_paid_at", "revenue", "cost", "keep_cost", "profit"]
    counts = ", ".join(
        f"COUNT(*) FILTER (WHERE r.{c} IS DISTINCT FROM s.{c}) AS {c}" for c in columns
    )
    day = f"CAST(timezone('{zone}', r.last_paid_at) AS DATE) - DATE '0001-01-01' + 1"
    row = con.execute(
        f"SELECT COUNT(*) FILTER (WHERE s.customer_id IS NULL OR r.customer_id IS NULL) AS missing,"
        f" {counts}, COUNT(*) FILTER (WHERE {day} IS DISTINCT FROM s.last_paid_day) AS day "
        "FROM raw_stats r FULL JOIN customer_stats s ON s.customer_id = r.customer_id"
    ).fetchone()
    assert row is not None
    return elapsed, dict(zip(["missing", *columns, "last_paid_day"], row, strict=True))


# --- pandas -------------------------------------------------------------------------------


@dataclass
class Frames:
    customers: pd.DataFrame
    orders: pd.DataFrame
    lines: pd.DataFrame
    costs: pd.DataFrame


def read_frames(files: dict[str, Path]) -> Frames:
    """The Parquet files as DataFrames, money in integer cents so that sums are exact."""

    def frame(name: str, columns: list[str]) -> pd.DataFrame:
        table = pq.read_table(files[name], columns=columns)
        data = {}
        for column in columns:
            values = table.column(column)
            if pa.types.is_decimal(values.type):
                as_float = values.cast(pa.float64()).to_numpy()
                data[column] = np.round(as_float * 100).astype(np.int64)
            else:
                data[column] = values.to_pandas()
        return pd.DataFrame(data)

    return Frames(
        customers=frame("customers", ["id", "added_on"]),
        orders=frame("orders", ["id", "customer_id", "status", "discount", "paid_at"]),
        lines=frame("order_lines", ["order_id", "quantity", "unit_price", "unit_cost"]),
        costs=frame("customer_costs", ["customer_id", "amount"]),
    )


def pandas_buyers(f: Frames) -> pd.DataFrame:
    """Per buyer: paid orders, revenue, cost of goods (cents), first and last paid moment."""
    paid = f.orders[f.orders["status"].isin(PAID)]
    lines = f.lines
    per_order = (
        pd.DataFrame(
            {
                "goods": lines["quantity"] * lines["unit_price"],
                "cost": lines["quantity"] * lines["unit_cost"],
            }
        )
        .groupby(lines["order_id"])
        .sum()
    )
    totals = per_order.reindex(paid["id"].to_numpy(), fill_value=0)
    amount = np.maximum(totals["goods"].to_numpy() - paid["discount"].to_numpy(), 0)
    per = paid[["customer_id", "paid_at"]].assign(amount=amount, cost=totals["cost"].to_numpy())
    return per.groupby("customer_id").agg(
        orders=("amount", "size"),
        revenue=("amount", "sum"),
        cost=("cost", "sum"),
        first_paid_at=("paid_at", "min"),
        last_paid_at=("paid_at", "max"),
    )


def pandas_values(f: Frames, buyers: pd.DataFrame) -> pd.DataFrame:
    """Every customer: paid orders, revenue and profit (cents)."""
    ids = f.customers["id"].to_numpy()
    keep = f.costs.groupby("customer_id")["amount"].sum().reindex(ids, fill_value=0)
    orders = buyers["orders"].reindex(ids, fill_value=0).to_numpy()
    revenue = buyers["revenue"].reindex(ids, fill_value=0).to_numpy()
    cost = buyers["cost"].reindex(ids, fill_value=0).to_numpy()
    return pd.DataFrame(
        {
            "customer_id": ids,
            "orders": orders,
            "revenue": revenue,
            "profit": revenue - cost - keep.to_numpy(),
        }
    )


def pandas_abc(f: Frames, rules: Rules) -> dict[str, Any]:
    values = pandas_values(f, pandas_buyers(f))
    ranked = values[values["orders"] > 0].sort_values(
        ["profit", "customer_id"], ascending=[False, True]
    )
    n = len(ranked)
    a, ab = (n * rules.a + 99) // 100, (n * rules.ab + 99) // 100
    classes = np.full(n, "C", dtype=object)
    classes[:ab] = "B"
    classes[:a] = "A"
    top_b = ((ab - a) * rules.potential + 99) // 100
    potential = ranked.iloc[a : a + top_b]
    potential = potential[potential["profit"] >= 0]
    result: dict[str, Any] = {"classes": {}}
    for key in ("A", "B", "C"):
        chosen = ranked[classes == key]
        result["classes"][key] = {
            "count": len(chosen),
            "revenue": cents(chosen["revenue"].sum()),
            "profit": cents(chosen["profit"].sum()),
        }
    rest = values[values["orders"] == 0]
    result["classes"][""] = {
        "count": len(rest),
        "revenue": cents(rest["revenue"].sum()),
        "profit": cents(rest["profit"].sum()),
    }
    losses = values[values["profit"] < 0].sort_values(["profit", "customer_id"])
    result["unranked"] = UNRANKED
    result["loss"] = losses["customer_id"].head(1000).tolist()
    result["potential"] = potential["customer_id"].head(1000).tolist()
    return result


def pandas_pareto(f: Frames, share: float, points: int = 20) -> dict[str, Any]:
    from yutang.analytics.queries import pareto_result, pareto_steps

    values = pandas_values(f, pandas_buyers(f))
    values = values[values["orders"] > 0]
    n = len(values)
    steps = np.array(pareto_steps(n, share, points), dtype=np.int64) - 1 if n else []
    running: dict[str, dict[int, Decimal]] = {}
    for column in ("revenue", "profit"):
        ordered = values.sort_values([column, "customer_id"], ascending=[False, True])
        sums = ordered[column].cumsum().to_numpy()[steps]
        running[column] = {
            int(rank) + 1: cents(sum_) for rank, sum_ in zip(steps, sums, strict=True)
        }
    revenue, profit = cents(values["revenue"].sum()), cents(values["profit"].sum())
    return pareto_result(n, revenue, profit, running, share, points)


def local(stamps: pd.Series, zone: str, unit: str) -> np.ndarray:
    """Local calendar days or months ("D", "M") of UTC moments."""
    return stamps.dt.tz_convert(zone).dt.tz_localize(None).to_numpy().astype(f"datetime64[{unit}]")


def pandas_rfm(f: Frames, today: date, zone: str) -> dict[str, Any]:
    buyers = pandas_buyers(f)
    day = local(buyers["last_paid_at"], zone, "D").astype(np.int64) + date(1970, 1, 1).toordinal()
    orders, revenue = buyers["orders"].to_numpy(), buyers["revenue"].to_numpy()
    means = (len(buyers), float(day.mean()), float(orders.mean()), float(revenue.mean()) / 100)
    cells_frame = pd.DataFrame(
        {
            "r": day > means[1],
            "f": orders > means[2],
            "m": revenue > means[3] * 100,
            "revenue": revenue,
        }
    )
    grouped = cells_frame.groupby(["r", "f", "m"])["revenue"].agg(["size", "sum"])
    cells = {
        (bool(r), bool(f_), bool(m)): (int(row["size"]), cents(row["sum"]))
        for (r, f_, m), row in grouped.iterrows()
    }
    return rfm_result(today, means, cells)


def pandas_cohorts(f: Frames, today: date, zone: str) -> dict[str, Any]:
    paid = f.orders[f.orders["status"].isin(PAID)]
    months = pd.DataFrame(
        {"customer_id": paid["customer_id"].to_numpy(), "month": local(paid["paid_at"], zone, "M")}
    )
    months["cohort"] = months.groupby("customer_id")["month"].transform("min")
    counts = months.drop_duplicates(["customer_id", "month"]).groupby(["cohort", "month"]).size()
    rows = [
        (cohort.date(), month.date(), n)
        for (cohort, month), n in zip(counts.index, counts.to_numpy(), strict=True)
    ]
    return cohort_table(rows, today)


def pandas_repurchase(f: Frames) -> dict[str, Any]:
    buyers = pandas_buyers(f)
    paid = f.orders[f.orders["status"].isin(PAID) & f.orders["paid_at"].notna()]
    purchases = paid[["customer_id", "paid_at"]].drop_duplicates()
    purchases = purchases.sort_values(["customer_id", "paid_at"])
    since = purchases["paid_at"] - pd.Timestamp(0, tz="UTC")
    seconds = since.dt.total_seconds().to_numpy()
    same = purchases["customer_id"].to_numpy()
    gaps = (seconds[1:] - seconds[:-1])[same[1:] == same[:-1]]
    n_orders = int(buyers["orders"].sum())
    return repurchase_result(
        len(buyers),
        int((buyers["orders"] >= 2).sum()),
        n_orders,
        cents(buyers["revenue"].sum()),
        float(np.median(gaps)) if len(gaps) else None,
    )


def pandas_funnel(f: Frames) -> list[dict[str, Any]]:
    values = pandas_values(f, pandas_buyers(f))
    months = np.array(f.customers["added_on"], dtype="datetime64[D]").astype("datetime64[M]")
    frame = pd.DataFrame(
        {
            "month": months,
            "converted": values["orders"].to_numpy() >= 1,
            "retained": values["orders"].to_numpy() >= 2,
            "revenue": values["revenue"].to_numpy(),
        }
    )
    grouped = frame.groupby("month").agg(
        added=("converted", "size"),
        converted=("converted", "sum"),
        retained=("retained", "sum"),
        revenue=("revenue", "sum"),
    )
    return funnel_result(
        [
            (month.date(), int(r.added), int(r.converted), int(r.retained), cents(r.revenue))
            for month, r in zip(grouped.index, grouped.itertuples(), strict=True)
        ]
    )


# --- comparing and timing -----------------------------------------------------------------


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two results differ: floats within a billionth, everything else exactly."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(ours.keys() | theirs.keys(), key=str):
            if key not in ours or key not in theirs:
                found.append(f"{path}[{key!r}] only in {'yutang' if key in ours else 'theirs'}")
            else:
                found += differences(ours[key], theirs[key], f"{path}[{key!r}]")
        return found
    if isinstance(ours, list | tuple) and isinstance(theirs, list | tuple):
        if len(ours) != len(theirs):
            return [f"{path}: {len(ours)} items against {len(theirs)}"]
        found = []
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            found += differences(a, b, f"{path}[{i}]")
        return found
    if isinstance(ours, float) or isinstance(theirs, float):
        if ours is None or theirs is None or not math.isclose(ours, theirs, rel_tol=1e-9):
            return [f"{path}: {ours!r} against {theirs!r}"]
        return []
    return [] if ours == theirs else [f"{path}: {ours!r} against {theirs!r}"]


def normalise_rfm(result: dict[str, Any]) -> dict[str, Any]:
    classes = {c["key"]: (c["count"], c["revenue"]) for c in result["classes"]}
    return {"thresholds": result["thresholds"], "classes": classes}


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """The median milliseconds of `runs` calls after one warm-up, and the warm-up's result."""
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def report_check(label: str, ours: Any, others: dict[str, Any]) -> bool:
    problems = {name: differences(ours, theirs) for name, theirs in others.items()}
    if not any(problems.values()):
        print(f"✓ {label}: {' and '.join(others)} equal yutang")
        return True
    for name, found in problems.items():
        if found:
            print(f"✗ {label}: {name} differs from yutang in {len(found)} places:")
            for line in found[:12]:
                print(f"    {line}")
    return False


@contextlib.contextmanager
def stopwatch(label: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    print(f"{label}: {time.perf_counter() - start:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--customers", type=int, help="default 1,000,000 with --postgres, else 100,000"
    )
    parser.add_argument("--lines-per-customer", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.customers is None:
        args.customers = 1_000_000 if args.postgres else 100_000
    setup(args)

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from yutang.accounts.models import User
    from yutang.analytics import queries
    from yutang.analytics.actions import refresh_all_stats, refresh_value_classes
    from yutang.rules.models import Rules as RulesModel

    start = time.perf_counter()
    sizes = generate(args)
    made = time.perf_counter() - start
    statuses = ", ".join(f"{k} {v:,}" for k, v in sizes.statuses.most_common())
    print(
        f"{connection.vendor}: {sizes.customers:,} customers ({sizes.buyers:,} with a paid "
        f"order, the most {sizes.most_orders:,} orders), {sizes.orders:,} orders, "
        f"{sizes.lines:,} lines, {sizes.costs:,} costs generated and loaded in {made:.0f}s"
    )
    print(f"order statuses: {statuses}")
    with stopwatch("refresh_all_stats (nightly)"):
        refresh_all_stats()
    with stopwatch("refresh_value_classes"):
        refresh_value_classes()
    analyze()
    folder = tempfile.TemporaryDirectory(prefix="yutang-bench-parquet-")
    with stopwatch("export to Parquet"):
        files = export_parquet(Path(folder.name))
    size = sum(p.stat().st_size for p in files.values()) / 1e6
    print(f"Parquet: {size:,.0f} MB in {len(files)} files")

    rules_row = RulesModel.current()
    if rules_row.abc_method != "share" or rules_row.abc_basis != "profit":
        raise SystemExit("the comparison assumes ABC by share of customers, ranked by profit")
    rules = Rules(
        a=rules_row.abc_a_percent,
        ab=rules_row.abc_a_percent + rules_row.abc_b_percent,
        potential=rules_row.potential_percent,
    )
    zone = settings.TIME_ZONE
    today = timezone.localdate()
    customers = queries.in_scope(User.objects.get(username="owner"))
    con = duck_connect(files)
    frames = read_frames(files)

    stats_ms, wrong = duck_stats_check(con, zone)
    if any(wrong.values()):
        print(f"✗ statistics table: customers whose stored figure differs: {wrong}")
    else:
        print("✓ statistics table (refresh_all_stats) equals DuckDB's figures from the raw rows")
    print(f"DuckDB computes every customer's statistics from the raw rows in {stats_ms:,.0f} ms")

    share = 0.2
    analyses: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any]]] = [
        (
            "abc",
            lambda: queries.abc(customers),
            lambda: duck_abc(con, rules),
            lambda: pandas_abc(frames, rules),
        ),
        (
            "abc + classes",
            lambda: (refresh_value_classes(), queries.abc(customers))[1],
            lambda: duck_abc(con, rules),
            lambda: pandas_abc(frames, rules),
        ),
        (
            "pareto",
            lambda: queries.pareto(customers, queries.Period(), share),
            lambda: duck_pareto(con, share),
            lambda: pandas_pareto(frames, share),
        ),
        (
            "rfm",
            lambda: normalise_rfm(queries.rfm(customers, today)),
            lambda: duck_rfm(con, today, zone),
            lambda: pandas_rfm(frames, today, zone),
        ),
        (
            "repurchase",
            lambda: queries.repurchase(customers, queries.Period()),
            lambda: duck_repurchase(con),
            lambda: pandas_repurchase(frames),
        ),
        (
            "funnel",
            lambda: queries.funnel(customers, queries.Period(), by="month"),
            lambda: duck_funnel(con),
            lambda: pandas_funnel(frames),
        ),
        (
            "cohorts",
            lambda: queries.cohorts(customers),
            lambda: duck_cohorts(con, today, zone),
            lambda: pandas_cohorts(frames, today, zone),
        ),
    ]
    rows = []
    agreed = True
    for label, ours, duck, panda in analyses:
        ours_ms, ours_result = timed(ours, args.runs)
        duck_ms, duck_result = timed(duck, args.runs)
        panda_ms, panda_result = timed(panda, args.runs)
        agreed &= report_check(label, ours_result, {"DuckDB": duck_result, "pandas": panda_result})
        rows.append((label, ours_ms, duck_ms, panda_ms))

    print(f"\nmedian of {args.runs} runs after a warm-up ({connection.vendor})")
    header = ("analysis", "yutang ms", "DuckDB ms", "pandas ms", "yutang/DuckDB", "yutang/pandas")
    print(f"{header[0]:<16}" + "".join(f"{h:>14}" for h in header[1:]))
    for label, ours_ms, duck_ms, panda_ms in rows:
        print(
            f"{label:<16}{ours_ms:>14,.1f}{duck_ms:>14,.1f}{panda_ms:>14,.1f}"
            f"{ours_ms / duck_ms:>14.2f}{ours_ms / panda_ms:>14.2f}"
        )
    print("figures agree" if agreed else "FIGURES DIFFER (see ✗ above)")
    print(f"dashboard page, the owner, all time: {dashboard_ms(args.runs):,.1f} ms")
    folder.cleanup()


def dashboard_ms(runs: int) -> float:
    """The analytics dashboard as the owner opens it, through Django's test client: every
    analysis it shows and the template."""
    from django.test import Client
    from django.urls import reverse

    from yutang.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="owner"))
    url = reverse("analytics:dashboard")

    def page() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"the dashboard answered {response.status_code}")

    return timed(page, runs)[0]


if __name__ == "__main__":
    main()
