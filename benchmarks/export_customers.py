"""The customer export of a large pond against the way it was written before and a plain CSV.

Run by hand:  python benchmarks/export_customers.py [--customers 100000] [--runs 1] [--postgres]
                                                   [--skip-before]
With --postgres it uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
yutang_bench_export, dropped and created anew); otherwise SQLite in a temporary folder.

--customers customers with every exported field filled in (fixed seed: a channel, 0-3 tags, a
referrer for one in five, birthdays solar and lunar, flags) are inserted with bulk_create, owned
by the owner and by an agent. Then, --runs times each, with the median printed:

- yutang: `EXPORTS["customers"]` written with `lib.xlsx.write`, as the export page does (for the
  owner, and for the agent, who sees half the pond).
- before: the export as it was written before: model instances in chunks with select_related and
  a tags prefetch per chunk, every cell through the model, written by XlsxWriter in its
  constant_memory mode one call per cell.
- csv: the rows of `before`'s query as `values_list` tuples written by the csv module: a floor for
  any export that reads the same rows through the ORM and writes a file.

Both xlsx files are read back and must hold the same cells. It prints seconds (for yutang also
the processor seconds: on a busy machine one run waits for the processor), rows per second, and
yutang's time as a ratio of before's and of the floor's (the target: 100,000 customers in at
most 10 s). Last, the owner's export page is timed from the request to the last byte of the
download. --skip-before leaves out the slow baseline.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from common import setup_django

SEED = 20261201
TAGS = ["宝妈", "护肤", "美妆", "健身", "瑜伽", "学生党", "上班族", "敏感肌", "送礼", "复购"]
NICKS = ["小美", "阿芳", "娜娜", "Amy", "静静", "丽丽🌸", "强哥", "=HYPERLINK(1)", "＋86", "@王姐"]
NOTES = ["喜欢玫瑰味", "敏感肌，推荐温和款", "", "", "-下午联系", "＝SUM(A1)"]
PASSWORD = "bench-export-2026"
# The processor time of each yutang run (SQLite runs in this process): on a machine shared with
# other work, the wall-clock time of one run can be several times what it needs.
CPU_SECONDS: list[float] = []


def build(count: int) -> tuple[Any, Any]:
    """The owner and an agent, and `count` customers split between them. Returns both users."""
    from django.db import transaction

    from yutang.accounts.actions import create_user
    from yutang.accounts.models import Role
    from yutang.customers.models import Channel, Customer, Tag, TagGroup

    rng = random.Random(SEED)
    owner = create_user(username="owner", role=Role.OWNER, password=PASSWORD)
    agent = create_user(username="agent", role=Role.AGENT, password=PASSWORD, display_name="代理")
    group, _ = TagGroup.objects.get_or_create(name="兴趣爱好")
    tags = [Tag.objects.get_or_create(group=group, name=name)[0] for name in TAGS]
    channels = list(Channel.objects.all())
    grades = ["", "AA", "A", "B", "C", "D", "F"]
    lifecycles = ["prospect", "new", "returning", "loyal", "fan", "churned"]
    start = datetime(2024, 1, 1, 8, 0).astimezone()
    with transaction.atomic():
        batch = []
        for i in range(count):
            lunar = rng.random() < 0.2
            has_birthday = rng.random() < 0.7
            batch.append(
                Customer(
                    nickname=f"{rng.choice(NICKS)}{i}",
                    name=f"王{i % 997}",
                    wechat_id=f"wx{i:08d}",
                    phone=f"138{i:08d}",
                    gender=rng.choice(["", "m", "f", "f"]),
                    birthday_calendar="lunar" if lunar else "solar",
                    birthday_month=rng.randint(1, 12) if has_birthday else None,
                    birthday_day=rng.randint(1, 28) if has_birthday else None,
                    birthday_year=(
                        rng.randint(1960, 2005) if has_birthday and rng.random() < 0.6 else None
                    ),
                    province="浙江省",
                    city="杭州市",
                    district="西湖区",
                    address=f"文三路{i % 300}号",
                    channel=rng.choice(channels),
                    owner=agent if i % 2 else owner,
                    grade=rng.choice(grades),
                    stage=rng.choice(["", "a", "b", "c", "d"]),
                    lifecycle=rng.choice(lifecycles),
                    added_on=date(2024, 1, 1) + timedelta(days=i % 700),
                    visited_store=rng.random() < 0.3,
                    vip=rng.random() < 0.1,
                    do_not_disturb=rng.random() < 0.05,
                    consumed=rng.random() < 0.5,
                    notes=rng.choice(NOTES),
                    created=start + timedelta(minutes=i),
                )  # fmt: skip
            )
        Customer.objects.bulk_create(batch, batch_size=2000)
        ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
        links = [
            Customer.tags.through(customer_id=cid, tag_id=tag.pk)
            for cid in ids
            for tag in rng.sample(tags, rng.choice([0, 1, 1, 2, 3]))
        ]
        Customer.tags.through.objects.bulk_create(links, batch_size=5000)
        referred = [
            Customer(pk=cid, referrer_id=rng.choice(ids)) for cid in ids if rng.random() < 0.2
        ]
        Customer.objects.bulk_update(referred, ["referrer"], batch_size=2000)
    return owner, agent


def before(user: Any) -> Any:
    """The customer export as it was: model instances, select_related and a prefetch per chunk."""
    from django.utils import timezone

    from yutang.customers.models import Customer
    from yutang.lib.xlsx import Sheet

    qs = (
        Customer.objects.visible_to(user)
        .order_by("-created", "-id")
        .select_related("channel", "owner", "referrer")
        .prefetch_related("tags")
    )
    hidden: set[int] = set()
    if not user.sees_everything:
        visible_ids = Customer.objects.visible_to(user)
        hidden = set(
            qs.exclude(referrer__isnull=True)
            .exclude(referrer__in=visible_ids)
            .values_list("referrer_id", flat=True)
        )

    def local(value: datetime | None) -> datetime | None:
        return timezone.localtime(value) if value else None

    def rows() -> Iterator[Sequence[Any]]:
        for c in qs.iterator(chunk_size=2000):
            referrer = c.referrer.nickname if c.referrer and c.referrer_id not in hidden else ""
            yield [
                c.pk, c.nickname, c.name, c.wechat_id, c.phone, c.get_gender_display(),
                c.birthday or c.birthday_label or None, c.get_birthday_calendar_display(),
                c.province, c.city, c.district,
                c.address, c.channel.name if c.channel else "", c.grade, c.stage,
                c.get_lifecycle_display(), "、".join(t.name for t in c.tags.all()),
                c.owner.display_name, referrer, c.added_on, c.visited_store, c.vip,
                c.do_not_disturb, c.consumed, c.notes, local(c.created),
            ]  # fmt: skip

    from yutang.imports.exports import EXPORTS

    return Sheet("Customers", EXPORTS["customers"](user, {}).headers, rows())


def time_yutang(user: Any, path: Path) -> tuple[float, int]:
    from yutang.imports.exports import EXPORTS
    from yutang.lib.xlsx import write

    start, cpu = time.perf_counter(), time.process_time()
    count = write(EXPORTS["customers"](user, {}), path)
    CPU_SECONDS.append(time.process_time() - cpu)
    return time.perf_counter() - start, count


def write_before(sheet: Any, path: Path) -> int:
    """The writer as it was: XlsxWriter in constant_memory mode, one call per cell."""
    import xlsxwriter

    from yutang.lib.xlsx import capfirst, neutralise

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "in_memory": False})
    worksheet = book.add_worksheet(sheet.title[:31])
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    money = book.add_format({"num_format": "#,##0.00"})
    for col, header in enumerate(sheet.headers):
        worksheet.write_string(0, col, capfirst(str(header)), bold)
    worksheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(sheet.rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                worksheet.write_boolean(count, col, value)
            elif isinstance(value, Decimal):
                worksheet.write_number(count, col, float(value), money)
            elif isinstance(value, int | float):
                worksheet.write_number(count, col, value)
            elif isinstance(value, datetime):
                worksheet.write_datetime(count, col, value.replace(tzinfo=None), moment)
            elif isinstance(value, date):
                worksheet.write_datetime(
                    count, col, datetime.combine(value, datetime.min.time()), day
                )
            else:
                worksheet.write_string(count, col, neutralise(str(value)))
    worksheet.autofilter(0, 0, max(count, 1), max(len(sheet.headers) - 1, 0))
    book.close()
    return count


def time_before(user: Any, path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    count = write_before(before(user), path)
    return time.perf_counter() - start, count


def time_page(user: Any, path: Path) -> tuple[float, int]:
    """The export page as a browser asks for it, until the last byte of the download."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    start = time.perf_counter()
    response = client.get("/export/customers.xlsx")
    with path.open("wb") as handle:
        for block in response.streaming_content:
            handle.write(block)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    from python_calamine import CalamineWorkbook

    return elapsed, len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()) - 1


def time_csv(user: Any, path: Path) -> tuple[float, int]:
    from yutang.customers.models import Customer

    start = time.perf_counter()
    qs = Customer.objects.visible_to(user).order_by("-created", "-id")
    fields = ["id", "nickname", "name", "wechat_id", "phone", "gender", "birthday_month",
              "birthday_day", "birthday_year", "birthday_calendar", "province", "city",
              "district", "address", "channel__name", "grade", "stage", "lifecycle",
              "owner__username", "referrer__nickname", "added_on", "visited_store", "vip",
              "do_not_disturb", "consumed", "notes", "created"]  # fmt: skip
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in qs.values_list(*fields).iterator(chunk_size=2000):
            writer.writerow(row)
            count += 1
    return time.perf_counter() - start, count


def same_cells(ours: Path, theirs: Path) -> bool:
    """Whether both files hold the same cells, read back as a spreadsheet program reads them."""
    from python_calamine import CalamineWorkbook

    def cells(path: Path) -> list[list[Any]]:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()

    return cells(ours) == cells(theirs)


def median(
    runs: int, timed: Callable[[Any, Path], tuple[float, int]], user: Any, path: Path
) -> Any:
    results = [timed(user, path) for _ in range(runs)]
    counts = {count for _, count in results}
    assert len(counts) == 1, counts
    return statistics.median(t for t, _ in results), counts.pop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--skip-before", action="store_true", help="only yutang and the floor")
    args = parser.parse_args()
    t0 = time.perf_counter()
    setup_django(postgres=args.postgres, database="yutang_bench_export")
    from django.db import connection

    owner, agent = build(args.customers)
    ready = time.perf_counter() - t0
    print(f"{connection.vendor}: {args.customers:,} customers ready in {ready:.0f}s")
    folder = Path(tempfile.mkdtemp(prefix="yutang-bench-export-"))
    print(f"{'as':<6} {'rows':>8} {'yutang s':>9} {'cpu s':>6} {'before s':>9} {'csv s':>7} "
          f"{'rows/s':>8} {'/before':>8} {'/csv':>6}")  # fmt: skip
    for label, user in (("owner", owner), ("agent", agent)):
        CPU_SECONDS.clear()
        ours, count = median(args.runs, time_yutang, user, folder / "ours.xlsx")
        cpu = statistics.median(CPU_SECONDS)
        floor, csv_count = median(args.runs, time_csv, user, folder / "floor.csv")
        old, old_count = float("nan"), count
        if not args.skip_before:
            old, old_count = median(args.runs, time_before, user, folder / "before.xlsx")
            assert same_cells(folder / "ours.xlsx", folder / "before.xlsx"), "the sheets differ"
        assert count == old_count == csv_count, (count, old_count, csv_count)
        print(f"{label:<6} {count:>8,} {ours:>9.2f} {cpu:>6.2f} {old:>9.2f} {floor:>7.2f} "
              f"{count / ours:>8,.0f} {ours / old:>8.2f} {ours / floor:>6.2f}")  # fmt: skip
    size = (folder / "ours.xlsx").stat().st_size
    print(f"the agent's file: {size / 1024 / 1024:.1f} MiB")
    page, count = median(args.runs, time_page, owner, folder / "page.xlsx")
    print(f"the owner's export page, request to last byte: {page:.2f} s for {count:,} rows")


if __name__ == "__main__":
    main()
