"""Customer import of a large spreadsheet against its floor and against django-import-export.

Run by hand, after  pip install -e ".[bench]"  (".[bench,postgres]" for --postgres):
  python benchmarks/imports.py [--rows 200000] [--runs 3] [--iie-rows 20000] [--postgres]
With --postgres it uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
yutang_bench_imports, dropped and created anew); otherwise SQLite in a temporary folder.

An xlsx of --rows realistic customers (昵称, 姓名, 手机, 微信号, 地址, 标签, 备注, 生日, 性别; fixed
seed, every row valid) is written once to a temporary folder. Three imports of it are timed, each
--runs times into an empty pool (the customers, their timeline and tags of the previous run are
deleted outside the timing), and the median is printed:

- yutang: `import_file("customers", ...)` with accept_all, as the import page commits a file:
  every row checked, addresses split, pinyin keys, tags and timeline entries, one transaction.
- floor: python-calamine reads the sheet and one `bulk_create` inserts the six text columns,
  without any check, in one transaction. Nothing that reads the file and stores the rows through
  the ORM can be much faster.
- django-import-export: a `ModelResource` with the same columns, its default options, the phone
  as the identifying field and the owner set before each save. The file is loaded with tablib.
  It is slow, so by default it imports only the first --iie-rows rows (their own xlsx) and its
  time is scaled linearly to --rows; the table says when it was.

It prints the medians, yutang's time as a ratio of the floor's (target at most 2x) and
django-import-export's as a ratio of yutang's (target at least 10x). Then the memory of one
yutang import run alone in a forked process: its peak RSS (VmHWM, reset at the fork) against its
RSS when it started, and, in another forked run, the peak of Python's allocations (tracemalloc).
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import random
import resource
import shutil
import statistics
import string
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import setup_django

HEADERS = ["昵称", "姓名", "手机", "微信号", "地址", "标签", "备注", "生日", "性别"]
SEED = 20260520
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲梅鑫建国文辉力婷雪琳晶燕"
NICK_STYLES = ["{given}", "小{g1}", "{g1}{g1}", "{name}", "{given}宝妈", "{city}{g1}姐",
               "Amy{g1}", "{given}🌸", "{g1}{g1}酱", "{surname}{g1}的小店"]  # fmt: skip
MOBILE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "158",
                   "159", "177", "180", "181", "186", "187", "188", "189"]  # fmt: skip
STREETS = ["人民路", "解放路", "中山路", "建设路", "和平街", "新华路", "文化路", "科苑路", "长江路",
           "滨江大道"]  # fmt: skip
TAGS = ["宝妈", "护肤", "美妆", "健身", "瑜伽", "学生党", "上班族", "敏感肌", "送礼", "复购"]
NOTES = ["喜欢玫瑰味", "敏感肌，推荐温和款", "下午三点后方便联系", "在外地工作，快递寄公司",
         "对价格敏感，等活动", "闺蜜一起买", "要发票"]  # fmt: skip
FLOOR_COLUMNS = {"nickname": "昵称", "name": "姓名", "phone": "手机", "wechat_id": "微信号",
                 "address": "地址", "notes": "备注"}  # fmt: skip
PASSWORD = "bench-imports-2026"
MIB = 1024 * 1024


# The spreadsheet.


def customer_rows(count: int) -> list[list[str]]:
    """`count` valid customers, all with a unique mobile number and a unique WeChat ID."""
    from yutang.lib.addresses import all_districts

    rng = random.Random(SEED)
    outside = ("台湾省", "香港特别行政区", "澳门特别行政区")
    regions = [r for r in all_districts() if r[0] not in outside]
    phones: set[str] = set()
    wechat_ids: set[str] = set()
    first_birthday = date(1960, 1, 1)
    rows = []
    for _ in range(count):
        surname = rng.choice(SURNAMES)
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
        name = surname + given
        province, city, district = rng.choice(regions)
        short_city = city.removesuffix("市") if len(city) <= 4 else city[:2]
        nickname = rng.choice(NICK_STYLES).format(
            given=given, g1=given[-1], name=name, surname=surname, city=short_city
        )
        phone = ""
        while not phone or phone in phones:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        phones.add(phone)
        wechat_id = ""
        while not wechat_id or wechat_id in wechat_ids:
            letters = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10)))
            wechat_id = letters + "".join(rng.choices(string.digits, k=rng.randint(3, 8)))
        wechat_ids.add(wechat_id)
        place = province + (city if city != province else "") + district
        address = f"{place}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
        if rng.random() < 0.5:
            address += f"{rng.randint(1, 30)}栋{rng.randint(101, 2808)}"
        tags = " ".join(rng.sample(TAGS, rng.choice([0, 1, 1, 2, 2, 3])))
        notes = rng.choice(NOTES) if rng.random() < 0.3 else ""
        birthday = first_birthday + timedelta(days=rng.randrange(45 * 365))
        gender = "女" if rng.random() < 0.75 else "男"
        rows.append(
            [nickname, name, phone, wechat_id, address, tags, notes, birthday.isoformat(), gender]
        )
    return rows


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("客户")
    sheet.write_row(0, 0, HEADERS)
    for number, row in enumerate(rows, start=1):
        for column, text in enumerate(row):
            sheet.write_string(number, column, text)
    workbook.close()


def write_files(folder: Path, rows: int, iie_rows: int) -> None:
    data = customer_rows(rows)
    write_xlsx(folder / "customers.xlsx", data)
    if iie_rows < rows:
        write_xlsx(folder / "customers-iie.xlsx", data[:iie_rows])


def in_child(target: Callable[..., Any], *args: Any) -> Any:
    """Run `target(*args)` in a forked process and return what it returns (or raise if it
    failed), so that its memory is neither counted in nor left behind in this process."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send(("ok", target(*args)))
        except BaseException as exc:
            send.send(("error", repr(exc)))
            raise
        finally:
            connections.close_all()

    process = context.Process(target=child)
    process.start()
    status, value = receive.recv()
    process.join()
    if status != "ok" or process.exitcode != 0:
        raise RuntimeError(f"child process failed ({process.exitcode}): {value}")
    return value


# The three imports. Each returns the seconds it took.


def time_yutang(path: Path, user: Any, rows: int) -> float:
    from yutang.imports.jobs import import_file

    start = time.perf_counter()
    result, committed = import_file("customers", path, user=user, accept_all=True)
    elapsed = time.perf_counter() - start
    summary = {k: v for k, v in result.items() if k != "rejected"}
    assert committed and result["created"] == rows, (summary, result["rejected"][:5])
    return elapsed


def time_floor(path: Path, user: Any, rows: int) -> float:
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from yutang.customers.models import Customer

    start = time.perf_counter()
    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    headers = [str(h) for h in next(cells)]
    columns = {field: headers.index(header) for field, header in FLOOR_COLUMNS.items()}
    customers = [
        Customer(owner=user, **{field: row[i] for field, i in columns.items()}) for row in cells
    ]
    with transaction.atomic():
        Customer.objects.bulk_create(customers, batch_size=500)
    elapsed = time.perf_counter() - start
    assert len(customers) == rows, len(customers)
    return elapsed


def customer_resource(user: Any) -> Any:
    """A django-import-export resource as its documentation writes one: declared columns, the
    default options, the phone identifying a customer already in the pool."""
    from import_export import fields, resources, widgets

    from yutang.customers.models import Customer, Gender, Tag, TagGroup

    class GenderWidget(widgets.Widget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
            return {"男": Gender.MALE, "女": Gender.FEMALE}.get(str(value or "").strip(), "")

    def text(attribute: str, column: str) -> Any:
        return fields.Field(attribute=attribute, column_name=column, widget=widgets.CharWidget())

    class CustomerResource(resources.ModelResource):
        nickname = text("nickname", "昵称")
        name = text("name", "姓名")
        phone = text("phone", "手机")
        wechat_id = text("wechat_id", "微信号")
        address = text("address", "地址")
        notes = text("notes", "备注")
        tags = fields.Field(
            attribute="tags",
            column_name="标签",
            widget=widgets.ManyToManyWidget(Tag, separator=" ", field="name"),
        )
        birthday = fields.Field(
            attribute="birthday", column_name="生日", widget=widgets.DateWidget("%Y-%m-%d")
        )
        gender = fields.Field(attribute="gender", column_name="性别", widget=GenderWidget())

        class Meta:
            model = Customer
            fields = ("nickname", "name", "phone", "wechat_id", "address", "notes", "tags",
                      "birthday", "gender")  # fmt: skip
            import_id_fields = ("phone",)

        def before_import(self, dataset: Any, **kwargs: Any) -> None:
            # The many-to-many widget only finds tags: create the file's new ones first.
            names = {n for cell in dataset["标签"] for n in str(cell or "").split()}
            names -= set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
            group, _created = TagGroup.objects.get_or_create(name="自定义")
            Tag.objects.bulk_create([Tag(group=group, name=n) for n in sorted(names)])

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.owner = user

    return CustomerResource()


def time_import_export(path: Path, user: Any, rows: int) -> float:
    import tablib

    start = time.perf_counter()
    with path.open("rb") as stream:
        dataset = tablib.Dataset().load(stream.read(), format="xlsx")
    result = customer_resource(user).import_data(
        dataset, dry_run=False, raise_errors=True, use_transactions=True
    )
    elapsed = time.perf_counter() - start
    assert not result.has_errors() and result.totals["new"] == rows, dict(result.totals)
    return elapsed


def empty_pool(kept_tags: set[int]) -> None:
    """Back to the pool the runs start from: no customers, no timeline, only the seed tags."""
    from django.db import connection

    from yutang.customers.models import Activity, Customer, Tag

    # Plain DELETEs: Customer.objects.all().delete() would load the 200,000 customers to look
    # for what refers to them. Nothing else does here, and the foreign keys would refuse it.
    tables = [connection.ops.quote_name(model._meta.db_table)
              for model in (Customer.tags.through, Activity, Customer)]  # fmt: skip
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
    Tag.objects.exclude(pk__in=kept_tags).delete()
    if connection.vendor == "postgresql":
        # The deleted rows would otherwise bloat the next run's tables and indexes.
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM {table}")


# Memory of one yutang import, each measured in a process of its own.


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def peak_rss(path: Path, user: Any, rows: int) -> tuple[int, int]:
    """RSS when the import starts and its high-water mark at the end, in KiB."""
    try:
        # Forget the high-water mark inherited from the parent (Linux: "5" resets VmHWM).
        Path("/proc/self/clear_refs").write_text("5")
        start, reset = _status_kib("VmRSS"), True
    except OSError:
        start, reset = _status_kib("VmRSS"), False
    time_yutang(path, user, rows)
    peak = _status_kib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return start, peak


def traced_peak(path: Path, user: Any, rows: int) -> int:
    """Peak bytes of Python allocations made during the import."""
    import tracemalloc

    tracemalloc.start()
    time_yutang(path, user, rows)
    return tracemalloc.get_traced_memory()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--iie-rows", type=int, default=20_000, help="0: all rows")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    rows = args.rows
    iie_rows = min(args.iie_rows or rows, rows)

    t0 = time.perf_counter()
    setup_django(postgres=args.postgres, database="yutang_bench_imports")
    from django.db import connection

    from yutang.accounts.actions import create_user
    from yutang.accounts.models import Role
    from yutang.customers.models import Tag

    # Loaded once, before any fork: every run times the same code, as a web process has it.
    importlib.import_module("yutang.imports.jobs")
    user = create_user(username="owner", role=Role.OWNER, password=PASSWORD)
    kept_tags = set(Tag.objects.values_list("pk", flat=True))
    folder = Path(tempfile.mkdtemp(prefix="yutang-bench-imports-"))
    try:
        in_child(write_files, folder, rows, iie_rows)
        path = folder / "customers.xlsx"
        iie_path = folder / "customers-iie.xlsx" if iie_rows < rows else path
        size = path.stat().st_size / MIB
        print(
            f"{connection.vendor}: {rows:,}-row xlsx ({size:.1f} MiB) and database ready in "
            f"{time.perf_counter() - t0:.0f}s",
            flush=True,
        )

        rss_start, rss_peak = in_child(peak_rss, path, user, rows)
        empty_pool(kept_tags)
        python_peak = in_child(traced_peak, path, user, rows)
        empty_pool(kept_tags)
        print(
            f"memory of yutang: peak RSS {rss_peak / 1024:.0f} MiB (at start "
            f"{rss_start / 1024:.0f}), Python allocations {python_peak / MIB:.0f} MiB",
            flush=True,
        )

        imports = {
            "yutang": (time_yutang, path, rows),
            "floor": (time_floor, path, rows),
            "import-export": (time_import_export, iie_path, iie_rows),
        }
        times: dict[str, list[float]] = {name: [] for name in imports}
        for run in range(1, args.runs + 1):
            for name, (timer, file, count) in imports.items():
                times[name].append(timer(file, user, count) * rows / count)
                empty_pool(kept_tags)
            done = ", ".join(f"{name} {t[-1]:.1f}s" for name, t in times.items())
            print(f"run {run}: {done}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    median = {name: statistics.median(t) for name, t in times.items()}
    note = f"scaled from {iie_rows:,} rows" if iie_rows < rows else ""
    print(f"\n{connection.vendor}, {rows:,} rows, median of {args.runs} run(s)")
    print(f"{'import':<24} {'seconds':>9} {'rows/s':>9}")
    for name, label in [("yutang", "yutang"), ("floor", "floor (calamine + bulk)"),
                        ("import-export", "django-import-export")]:  # fmt: skip
        seconds = median[name]
        extra = f"  {note}" if name == "import-export" and note else ""
        print(f"{label:<24} {seconds:>9.1f} {rows / seconds:>9,.0f}{extra}")
    print(f"{'yutang / floor':<24} {median['yutang'] / median['floor']:>9.2f}  target <= 2")
    speedup = median["import-export"] / median["yutang"]
    print(f"{'import-export / yutang':<24} {speedup:>9.1f}  target >= 10")
    print(f"{'yutang peak RSS MiB':<24} {rss_peak / 1024:>9.0f}  ", end="")
    print(f"(at start {rss_start / 1024:.0f}, grew {(rss_peak - rss_start) / 1024:.0f})")
    print(f"{'yutang tracemalloc MiB':<24} {python_peak / MIB:>9.0f}  peak of Python allocations")


if __name__ == "__main__":
    main()
