"""Touchpoint derivation and the workbench page against the floor of one SQL query each.

Run by hand:
  python benchmarks/workbench.py [--customers 100000] [--orders 1000000] [--postgres] [--runs 5]
                                 [--today YYYY-MM-DD] [--profile]
--today pretends another day (a holiday brings 节日 touchpoints for every AA, A and VIP);
--profile adds a cProfile of one re-derivation and one page after the measurements.
With --postgres it uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
yutang_bench_workbench, dropped and created anew). The data is made with raw INSERTs (SQLite)
or COPY (PostgreSQL) because a million orders through the ORM would take longer than the
measurements; its time is printed but is not part of the ratios.

The floors: derivation must at least read every live order with its lines and products to know
each buyer's last purchase and how long it lasts (floor 2: only the last purchases, picked in
the database); the workbench must at least read today's pending touchpoints with the customer
columns that rank them. Each floor is that read as one query, fetched fully.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

from common import setup_django

DAY = 86_400.0
HOUR = 3_600.0
# Rows per INSERT batch / COPY: big enough that per-statement overhead vanishes, small enough
# that the buffered tuples of a million orders never sit in memory at once.
FLUSH_ORDERS = 50_000
QUANTITIES = (1, 1, 1, 2, 2, 3)
NON_BUYER_GRADES = (("A", 10), ("B", 15), ("C", 25), ("D", 25), ("F", 5), ("", 20))
STAGES_BY_GRADE = {"AA": "ab", "A": "ab", "B": "bc", "C": "c", "D": "d", "F": "d", "": "cd"}
NEXT_STEPS = ("发补水面膜的使用前后对比", "发代餐的搭配方案", "约下周三再聊价格", "送一支小样试试")


def setup(args: argparse.Namespace) -> None:
    setup_django(postgres=args.postgres, database="yutang_bench_workbench")


# --- data ---------------------------------------------------------------------------------


@dataclass
class Buyer:
    customer_id: int
    seller_id: int
    lapsed: bool
    # Days before now of the first and the last purchase.
    first_age: float
    last_age: float
    orders: int = 1


@dataclass
class Sizes:
    customers: int = 0
    orders: int = 0
    lines: int = 0
    followups: int = 0
    buyers: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


def stamp_formatter(vendor: str) -> Callable[[float], str]:
    """UTC text the database reads without a per-value Django adapter call: SQLite stores
    naive UTC text, PostgreSQL is told the offset so the session time zone cannot shift it."""
    suffix = "+00" if vendor == "postgresql" else ""

    def fmt(ts: float) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) + suffix

    return fmt


def insert_rows(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", rows)


def check_columns(model: Any, columns: Sequence[str]) -> None:
    # A raw INSERT must name every NOT NULL column: fail loudly when the model grows one.
    wanted = {f.column for f in model._meta.concrete_fields}
    if wanted != set(columns):
        raise SystemExit(f"{model.__name__} columns changed: {sorted(wanted ^ set(columns))}")


def create_users() -> tuple[Any, list[Any]]:
    from yutang.accounts.actions import create_user
    from yutang.accounts.models import Role

    owner = create_user(username="owner", role=Role.OWNER, password="bench-password-1")
    agents = [
        create_user(username=f"agent{n}", role=Role.AGENT, password="bench-password-1")
        for n in range(1, 5)
    ]
    return owner, agents


def create_products() -> list[Any]:
    from yutang.catalog.models import Product
    from yutang.demo.sales import PRODUCTS

    return Product.objects.bulk_create(
        [
            Product(
                name=name,
                sku=sku,
                price=Decimal(price),
                cost=Decimal(cost),
                usage_cycle_days=cycle,
                min_price=Decimal(min_price) if min_price else None,
            )
            for name, sku, price, cost, cycle, min_price in PRODUCTS
        ]
    )


def create_customers(
    count: int, n_buyers: int, owner: Any, agents: list[Any], rng: random.Random, now: float
) -> tuple[list[Buyer], list[tuple[int, int]], list[Any]]:
    """Customers through bulk_create (100k is quick), with the buyers' purchase spans decided
    first so that created dates, grades and consumed agree with the orders made later."""
    from django.utils import timezone

    from yutang.customers.models import Customer
    from yutang.demo.management.commands.demo import GIVEN, SURNAMES
    from yutang.followups.models import FollowUp, FollowUpChannel

    sellers = [owner.pk] * 4 + [a.pk for a in agents] * 2
    buyer_ids = set(rng.sample(range(1, count + 1), n_buyers))
    grades, weights = zip(*NON_BUYER_GRADES, strict=True)
    today = timezone.localdate()
    buyers: list[Buyer] = []
    prospects: list[tuple[int, int]] = []
    customers: list[Customer] = []
    followups: list[FollowUp] = []
    for pk in range(1, count + 1):
        seller = rng.choice(sellers)
        buyer = pk in buyer_ids
        if buyer:
            # A quarter lapsed after a few orders long ago (沉睡唤醒); the rest buy on, their
            # last purchase within four months (用完复购 ahead, or already overdue).
            lapsed = rng.random() < 0.25
            last = rng.uniform(120, 700) if lapsed else rng.uniform(0, 120)
            first = min(730.0, last + rng.uniform(0, 200)) if lapsed else rng.uniform(200, 730)
            buyers.append(Buyer(pk, seller, lapsed, max(first, last), last))
            grade, age = "AA", max(first, last) + rng.uniform(0, 30)
        else:
            grade, age = rng.choices(grades, weights)[0], rng.uniform(0, 730)
            if grade == "A":
                prospects.append((pk, seller))
        created = now - age * DAY
        born = None
        if rng.random() < 0.6:
            born = date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))
        vip = rng.random() < (0.1 if buyer else 0.017)
        customer = Customer(
            id=pk,
            nickname=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
            phone=f"139{pk:08d}",
            owner_id=seller,
            grade=grade,
            birthday=born,
            birthday_calendar="lunar" if born and rng.random() < 0.25 else "solar",
            vip=vip,
            do_not_disturb=rng.random() < 0.03,
            consumed=buyer,
            search_pinyin="",
            created=datetime.fromtimestamp(created, UTC),
            added_on=datetime.fromtimestamp(created, UTC).date(),
        )
        if rng.random() < 0.2:
            # 1–3 follow-ups; the last one's next contact was missed by up to 5 days or lies
            # ahead (跟进到期), as in the demo pond.
            for n in range(rng.randint(1, 3)):
                at = now - (rng.uniform(1, 40) + 15 * (2 - n)) * DAY
                at_dt = datetime.fromtimestamp(at, UTC)
                stage = rng.choice(STAGES_BY_GRADE[grade])
                followups.append(
                    FollowUp(
                        customer_id=pk,
                        author_id=seller,
                        at=at_dt,
                        channel=rng.choice(("chat", "chat", "moments", "meeting")),
                        summary="聊了产品",
                        next_step=rng.choice(NEXT_STEPS),
                        next_contact_on=at_dt.date() + timedelta(days=rng.randint(3, 20)),
                        amount=None if stage == "d" else Decimal(rng.choice((99, 199, 598))),
                        stage=stage,
                    )
                )
            last_fu = followups[-1]
            last_fu.next_contact_on = today + timedelta(days=rng.randint(-5, 21))
            customer.stage, customer.deal_amount = last_fu.stage, last_fu.amount
        if vip and rng.random() < 0.6:
            # Most VIPs had a call within the last year; those past 180 days are due again.
            at = datetime.fromtimestamp(now - rng.uniform(1, 400) * DAY, UTC)
            followups.append(
                FollowUp(customer_id=pk, author_id=seller, at=at, channel=FollowUpChannel.CALL)
            )
        customers.append(customer)
    Customer.objects.bulk_create(customers, batch_size=2000)
    return buyers, prospects, followups


def spread_orders(buyers: list[Buyer], total: int, rng: random.Random) -> None:
    """Lapsed buyers keep 1–3 orders; the rest of the total goes to the active ones, some much
    more loyal than others (a log-normal weight) rather than all alike."""
    active = [b for b in buyers if not b.lapsed]
    for b in buyers:
        b.orders = rng.randint(1, 3) if b.lapsed else 1
    extra = total - sum(b.orders for b in buyers)
    if extra > 0 and active:
        weights = [rng.lognormvariate(0, 0.6) for _ in active]
        for index in rng.choices(range(len(active)), weights=weights, k=extra):
            active[index].orders += 1


ORDER_COLUMNS = (
    "id",
    "customer_id",
    "seller_id",
    "status",
    "discount",
    "payment_method",
    "courier",
    "tracking_number",
    "note",
    "import_ref",
    "intent_at",
    "unpaid_at",
    "paid_at",
    "shipped_at",
    "signed_at",
    "completed_at",
    "cancelled_at",
    "refunded_at",
    "created",
)
LINE_COLUMNS = ("id", "order_id", "product_id", "quantity", "unit_price", "unit_cost")


def order_row(
    pk: int,
    customer_id: int,
    seller_id: int,
    at: float,
    rng: random.Random,
    now: float,
    fmt: Callable[[float], str],
    status: str | None = None,
) -> tuple[Any, ...]:
    """One order whose status follows from its timeline: paid, shipped within a day, signed
    1–3 days later, completed 1–4 days after that, unless that moment is still to come."""
    s: dict[str, float | None] = dict.fromkeys(
        ("intent", "unpaid", "paid", "shipped", "signed", "completed", "cancelled", "refunded")
    )
    created = at
    if status in ("intent", "unpaid"):
        s[status] = at
    else:
        r = rng.random()
        if r < 0.2:
            s["intent"] = created = at - rng.uniform(1, 48) * HOUR
        if r < 0.02:
            # Cancelled before paying: never a purchase, so never the last one.
            s["unpaid"], s["cancelled"] = at, at + rng.uniform(1, 48) * HOUR
            status = "cancelled"
        else:
            shipped = at + rng.uniform(4, 30) * HOUR
            signed = shipped + rng.uniform(24, 72) * HOUR
            completed = signed + rng.uniform(24, 96) * HOUR
            s["paid"] = at
            # A step still to come has not happened: the order stays in the one before.
            steps = (("shipped", shipped), ("signed", signed), ("completed", completed))
            for step, moment in steps:
                if moment <= now:
                    s[step] = moment
            status = next(st for st in ("completed", "signed", "shipped", "paid") if s[st])
            if status == "completed" and r > 0.99:
                s["refunded"], status = s["completed"], "refunded"
    sent = s["shipped"] is not None
    return (
        pk,
        customer_id,
        seller_id,
        status,
        "0",
        rng.choice(("wechat", "alipay", "cash")),
        rng.choice(("顺丰速运", "中通快递", "圆通速递")) if sent else "",
        f"SF{rng.randrange(10**11, 10**12)}" if sent else "",
        "",
        "",
        *(fmt(v) if v is not None else None for v in s.values()),
        fmt(created),
    )


def create_orders(
    buyers: list[Buyer],
    prospects: list[tuple[int, int]],
    products: list[Any],
    total: int,
    rng: random.Random,
    now: float,
    sizes: Sizes,
) -> None:
    from django.db import connection

    from yutang.orders.models import Order, OrderLine

    check_columns(Order, ORDER_COLUMNS)
    check_columns(OrderLine, LINE_COLUMNS)
    fmt = stamp_formatter(connection.vendor)
    order_table, line_table = Order._meta.db_table, OrderLine._meta.db_table
    orders: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    prices = {p.pk: (str(p.price), str(p.cost)) for p in products}
    product_ids = list(prices)

    def flush() -> None:
        insert_rows(order_table, ORDER_COLUMNS, orders)
        insert_rows(line_table, LINE_COLUMNS, lines)
        sizes.orders += len(orders)
        sizes.lines += len(lines)
        sizes.statuses.update(o[3] for o in orders)
        orders.clear()
        lines.clear()

    def add_lines(order_id: int, favourites: list[int]) -> None:
        chosen = [rng.choice(favourites)]
        if rng.random() < 0.35:
            chosen.append(rng.choice(product_ids))
        for product_id in dict.fromkeys(chosen):
            price, cost = prices[product_id]
            lines.append(
                (sizes.lines + len(lines) + 1, order_id, product_id, rng.choice(QUANTITIES))
                + (price, cost)
            )

    # Agreed or awaiting payment, not yet paid: 下单提醒 and 催付 for a few hundred prospects.
    open_orders = rng.sample(prospects, min(len(prospects), max(20, total // 3000)))
    spread_orders(buyers, total - len(open_orders), rng)
    for customer_id, seller_id in open_orders:
        pk = sizes.orders + len(orders) + 1
        at, status = now - rng.uniform(0.2, 5) * DAY, rng.choice(("intent", "unpaid"))
        orders.append(order_row(pk, customer_id, seller_id, at, rng, now, fmt, status))
        add_lines(pk, [rng.choice(product_ids)])
    for b in buyers:
        favourites = rng.sample(product_ids, k=rng.choice((1, 1, 2)))
        last = now - b.last_age * DAY
        first = now - b.first_age * DAY
        moments = sorted(rng.uniform(first, last) for _ in range(b.orders - 1))
        for at in [*moments, last]:
            pk = sizes.orders + len(orders) + 1
            orders.append(order_row(pk, b.customer_id, b.seller_id, at, rng, now, fmt))
            add_lines(pk, favourites)
        if len(orders) >= FLUSH_ORDERS:
            flush()
    flush()


def generate(args: argparse.Namespace) -> Sizes:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from yutang.customers.models import Customer
    from yutang.followups.models import FollowUp
    from yutang.orders.models import Order, OrderLine

    rng = random.Random(20261122)
    now = time.time()
    sizes = Sizes(customers=args.customers)
    # One transaction: SQLite then syncs once instead of once per batch.
    with transaction.atomic():
        owner, agents = create_users()
        products = create_products()
        # Buyers are 40% of the pond, but never so many that they would average < 3 orders.
        n_buyers = max(1, min(round(args.customers * 0.4), args.orders // 3))
        buyers, prospects, followups = create_customers(
            args.customers, n_buyers, owner, agents, rng, now
        )
        sizes.buyers = len(buyers)
        create_orders(buyers, prospects, products, args.orders, rng, now, sizes)
        FollowUp.objects.bulk_create(followups, batch_size=2000)
        sizes.followups = len(followups)
        # Explicit ids leave PostgreSQL's identity sequences behind; SQLite's AUTOINCREMENT
        # follows by itself, for which the backend returns no statements.
        statements = connection.ops.sequence_reset_sql(no_style(), [Customer, Order, OrderLine])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    if connection.vendor == "postgresql":
        # Autovacuum analyses freshly loaded tables within a minute in production; do it now so
        # the plans are the ones a live database would use. A SQLite file has no statistics
        # unless someone runs ANALYZE, which the app does not, so SQLite is left as is.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return sizes


# --- measurements -------------------------------------------------------------------------


def timed_ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def query_ms(sql: str, params: Sequence[Any], runs: int) -> tuple[float, int]:
    """Median of `runs` executions after one warm-up, and the number of rows fetched."""
    from django.db import connection

    times = []
    count = 0
    for _ in range(runs + 1):
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = len(cursor.fetchall())
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]) * 1000, count


def derive_floor_sql() -> tuple[str, list[Any]]:
    from yutang.catalog.models import Product
    from yutang.orders.models import Order, OrderLine

    # Every order that is not dead (cancelled/refunded) with the longest use of its lines: the
    # rows derivation weighs to find each buyer's last purchase and the orders in progress.
    sql = f"""
        SELECT o.id, o.customer_id, o.status, o.paid_at, o.signed_at,
               MAX(p.usage_cycle_days * l.quantity)
        FROM {Order._meta.db_table} o
        JOIN {OrderLine._meta.db_table} l ON l.order_id = o.id
        JOIN {Product._meta.db_table} p ON p.id = l.product_id
        WHERE o.status NOT IN ('cancelled', 'refunded')
        GROUP BY o.id, o.customer_id, o.status, o.paid_at, o.signed_at
    """
    return sql, []


def last_purchase_floor_sql() -> tuple[str, list[Any]]:
    """A tighter floor: what derivation actually takes out of the orders, each buyer's last
    paid order with how long it lasts, picked inside the database as derivation does. The
    full floor above ships every order to Python, which on PostgreSQL costs more than the
    derivation itself (Django's time zone loader parses each timestamp in Python)."""
    from yutang.catalog.models import Product
    from yutang.orders.models import PAID_STATUSES, Order, OrderLine

    paid = ", ".join(f"'{s}'" for s in PAID_STATUSES)
    sql = f"""
        SELECT o.id, o.customer_id, o.paid_at, o.signed_at, o.completed_at,
               MAX(p.usage_cycle_days * l.quantity)
        FROM (
            SELECT id, ROW_NUMBER() OVER (
                PARTITION BY customer_id ORDER BY paid_at DESC, id DESC
            ) AS n
            FROM {Order._meta.db_table} WHERE status IN ({paid})
        ) AS last
        JOIN {Order._meta.db_table} o ON o.id = last.id AND last.n = 1
        JOIN {OrderLine._meta.db_table} l ON l.order_id = o.id
        JOIN {Product._meta.db_table} p ON p.id = l.product_id
        GROUP BY o.id, o.customer_id, o.paid_at, o.signed_at, o.completed_at
    """
    return sql, []


def page_floor_sql(today: date) -> tuple[str, list[Any]]:
    from yutang.customers.models import Customer
    from yutang.touchpoints.models import Touchpoint

    # The columns the ranking rule needs (kind, due day, grade, VIP, stage, bought, do not
    # disturb, and the customer's age to break ties): less can't rank the day's list.
    sql = f"""
        SELECT t.id, t.kind, t.due_on, t.customer_id, c.grade, c.vip, c.stage, c.consumed,
               c.do_not_disturb, c.created
        FROM {Touchpoint._meta.db_table} t
        JOIN {Customer._meta.db_table} c ON c.id = t.customer_id
        WHERE t.state IN ('open', 'snoozed') AND t.due_on <= %s
    """
    return sql, [today]


def settle_some(today: date, rng: random.Random) -> None:
    """A seller has worked the bench: some touches done today (the frequency cap and the
    done counter have rows to read) and some snoozed."""
    from django.utils import timezone

    from yutang.accounts.models import User
    from yutang.touchpoints.models import TRANSACTIONAL, State, Touchpoint

    ids = list(
        Touchpoint.objects.filter(state=State.OPEN, due_on__lte=today)
        .exclude(kind__in=TRANSACTIONAL)
        .values_list("id", flat=True)
    )
    picked = rng.sample(ids, min(len(ids), 80))
    owner = User.objects.get(username="owner")
    Touchpoint.objects.filter(pk__in=picked[:20]).update(
        state=State.DONE, closed_at=timezone.now(), closed_by=owner
    )
    Touchpoint.objects.filter(pk__in=picked[20:]).update(
        state=State.SNOOZED, due_on=today + timedelta(days=3)
    )


def print_touchpoints(today: date) -> None:
    from django.db.models import Count, Q

    from yutang.touchpoints.models import Touchpoint

    rows = (
        Touchpoint.objects.values("kind")
        .annotate(n=Count("id"), due=Count("id", filter=Q(due_on__lte=today)))
        .order_by("kind")
    )
    print(
        "touchpoints by kind (all / due today): "
        + ", ".join(f"{r['kind']} {r['n']:,}/{r['due']:,}" for r in rows)
    )


def profile(label: str, fn: Callable[[], object]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profiler.runcall(fn)
    print(f"\n--- profile: {label} ({len(queries)} SQL queries) ---")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    # The project's own functions by cumulative time show which step is slow; the top by
    # own time shows what inside it (row building, JSON, SQL waits) the time goes to.
    stats.sort_stats("cumulative").print_stats("yutang/(?!.*benchmarks)", 15)
    stats.sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        help="pretend today is this day (YYYY-MM-DD), e.g. a holiday to get 节日 touchpoints",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile one derivation and one page"
    )
    args = parser.parse_args()
    setup(args)

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from yutang.accounts.models import User
    from yutang.touchpoints.derive import derive_touchpoints
    from yutang.touchpoints.models import DerivationRun

    if args.today:
        # The page asks django.utils.timezone for today; answer with the chosen day while
        # still converting timestamps for real.
        real_localdate = timezone.localdate

        def localdate(value: datetime | None = None, tz: Any = None) -> date:
            return args.today if value is None else real_localdate(value, tz)

        mock.patch.object(timezone, "localdate", localdate).start()
    today = timezone.localdate()

    start = time.perf_counter()
    sizes = generate(args)
    generated = time.perf_counter() - start
    statuses = ", ".join(f"{k} {v:,}" for k, v in sizes.statuses.most_common())
    print(
        f"{connection.vendor}: {sizes.customers:,} customers ({sizes.buyers:,} buyers), "
        f"{sizes.orders:,} orders, {sizes.lines:,} lines, {sizes.followups:,} follow-ups "
        f"generated in {generated:.0f}s; today {today.isoformat()}"
    )
    print(f"order statuses: {statuses}")

    def derive() -> dict[str, int]:
        return derive_touchpoints(today=today)

    stats: dict[str, int] = {}
    cold = timed_ms(lambda: stats.update(derive()))
    print(f"cold derivation: {stats}")
    print_touchpoints(today)
    settle_some(today, random.Random(7))
    warm = statistics.median(timed_ms(derive) for _ in range(args.runs))
    derive_floor, derive_rows = query_ms(*derive_floor_sql(), runs=args.runs)
    last_floor, last_rows = query_ms(*last_purchase_floor_sql(), runs=args.runs)

    # The page derives when the last run is over an hour old; a fresh run keeps derivation out
    # of the page's time.
    DerivationRun.objects.filter(on=today).update(finished=timezone.now())
    client = Client()
    client.force_login(User.objects.get(username="owner"))

    def get_page() -> None:
        response = client.get("/")
        assert response.status_code == 200, response.status_code

    page_times = [timed_ms(get_page) for _ in range(args.runs + 1)]
    page = statistics.median(page_times[1:])
    page_floor, page_rows = query_ms(*page_floor_sql(today), runs=args.runs)

    def row(label: str, ms: float, *floors: float) -> None:
        ratios = "".join(f" {ms / f:>9.2f}" for f in floors)
        print(f"{label:<48} {ms:>10.1f}{ratios}")

    print(f"{'measure':<48} {'median ms':>10} {'/ floor':>9} {'/ floor 2':>9}")
    row("derive, cold (1 run, creates the rows)", cold, derive_floor, last_floor)
    row("derive, again (idempotent)", warm, derive_floor, last_floor)
    row(f"derive floor: 1 query, {derive_rows:,} live orders", derive_floor, derive_floor)
    row(f"derive floor 2: 1 query, {last_rows:,} last purchases", last_floor, last_floor)
    row("workbench GET / (no derivation)", page, page_floor)
    row(f"workbench floor: 1 query, {page_rows:,} touchpoints", page_floor, page_floor)

    if args.profile:
        profile("derive_touchpoints (again)", derive)
        DerivationRun.objects.filter(on=today).update(finished=timezone.now())
        profile("workbench GET /", get_page)


if __name__ == "__main__":
    main()
