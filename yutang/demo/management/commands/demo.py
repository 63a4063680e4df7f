from __future__ import annotations

import io
import os
import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import segno
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role, User
from yutang.analytics.actions import refresh_all_stats, refresh_value_classes
from yutang.analytics.lifecycle import refresh_lifecycles
from yutang.customers.models import (
    BIRTHDAY_FIELDS,
    Activity,
    ActivityKind,
    BirthdayCalendar,
    Channel,
    Customer,
    Gender,
    Tag,
    TagGroup,
)
from yutang.demo.sales import create_sales
from yutang.lib.addresses import all_districts
from yutang.lib.lan import lan_address, lan_url
from yutang.lib.pinyin import search_keys
from yutang.touchpoints.derive import derive_touchpoints


def serve(*, bind: str, workers: int) -> None:
    # By the command's name: the ops app that serves sits beside the demo, not below it.
    call_command("serve", "--no-migrate", "--bind", bind, "--workers", str(workers))


DEMO_PASSWORD = "yutang2026"
USERS = [
    # username, role, upline, display name
    ("owner", Role.OWNER, None, "王老板"),
    ("staff", Role.STAFF, None, "客服小林"),
    ("agent1", Role.AGENT, None, "李娜（总代）"),
    ("agent1a", Role.AGENT, "agent1", "周婷（一级）"),
    ("agent2", Role.AGENT, None, "陈静（总代）"),
]
OWNER_WEIGHTS = {"owner": 45, "staff": 10, "agent1": 18, "agent1a": 12, "agent2": 15}
TAGS = {
    "年龄段": ["00后", "90后", "80后", "70后", "60后"],
    "兴趣爱好": ["护肤", "美妆", "健身", "瑜伽", "旅行", "美食", "读书", "宠物"],
    "地区": ["本地", "外地"],
    "购买次数": ["首购", "复购2次", "复购3次以上"],
    "使用情况": ["正在使用", "快用完", "已停用"],
    "需求": ["美白", "祛痘", "抗老", "减脂", "补水", "送礼"],
    "价值观": ["注重性价比", "注重品质", "追求新品"],
    "自定义": ["宝妈", "学生党", "上班族", "老板", "团长"],
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲梅鑫建国文辉力婷雪琳晶燕颖"
    "欣怡佳悦宇浩然子涵思彤梓萱诗雨晨曦嘉琪妍可馨若汐雅梦瑶"
)
NICK_STYLES = [
    "{given}",
    "小{g1}",
    "{g1}{g1}",
    "{name}",
    "{given}宝妈",
    "{city}{g1}姐",
    "Amy{g1}",
    "{given}🌸",
    "{g1}{g1}酱",
    "{surname}{g1}的小店",
    "A{name}",
    "{given}·{city}",
]
GRADES = [("AA", 20), ("A", 10), ("B", 10), ("C", 18), ("D", 24), ("F", 6), ("", 12)]
CHANNELS = [
    ("朋友圈", 22),
    ("微信群", 16),
    ("转介绍", 12),
    ("门店", 10),
    ("抖音", 10),
    ("小红书", 9),
    ("QQ", 5),
    ("微博", 4),
    ("微信转账", 5),
    ("支付宝", 4),
    ("其他", 3),
]
STREETS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平街",
    "新华路",
    "文化路",
    "青年路",
    "长江路",
    "滨江大道",
]
MOBILE_PREFIXES = [
    "138",
    "139",
    "137",
    "136",
    "135",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "176",
    "177",
    "181",
    "189",
    "199",
    "198",
    "133",
    "153",
    "180",
    "166",
]
NOTES = [
    "喜欢玫瑰味",
    "敏感肌，推荐温和款",
    "下午三点后方便联系",
    "老公不同意乱花钱，私聊",
    "在外地工作，快递寄公司",
    "对价格敏感，等活动",
    "闺蜜一起买",
    "要发票",
]
TZ = ZoneInfo("Asia/Shanghai")


def weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def allow_hosts(hosts: list[str]) -> None:
    """Let this process answer requests for `hosts` too. The settings were read when the
    command started and gunicorn's workers are forked from this process, so the setting itself
    changes; the environment variable settings.py reads carries it to any process started
    from here."""
    allowed = [*settings.ALLOWED_HOSTS, *(h for h in hosts if h not in settings.ALLOWED_HOSTS)]
    settings.ALLOWED_HOSTS = allowed
    os.environ["YUTANG_ALLOWED_HOSTS"] = ",".join(allowed)


def _birthday(born: date | None, *, lunar: bool) -> dict[str, Any]:
    """The birthday fields of a customer born on `born` who celebrates the lunar or solar day."""
    customer = Customer(
        birthday_calendar=BirthdayCalendar.LUNAR if lunar else BirthdayCalendar.SOLAR
    )
    customer.birthday = born
    return {field: getattr(customer, field) for field in BIRTHDAY_FIELDS}


class Command(BaseCommand):
    help = "Prepare a demo pond (users, 1,600 customers) on this database and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="only prepare the data")
        parser.add_argument("--customers", type=int, default=1600)
        parser.add_argument(
            "--lan",
            action="store_true",
            help="also answer on this computer's network address, for a phone on the same Wi-Fi",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        users = self.ensure_users()
        if Customer.objects.exists():
            self.stdout.write("The pond already has customers: no demo data added.")
        else:
            self.create_pond(users, options["customers"])
            self.stdout.write(f"Demo pond ready: {Customer.objects.count()} customers.")
        self.stdout.write(
            "\nLog in with any of these (password for all: "
            f"{DEMO_PASSWORD}):\n" + "\n".join(f"  {u:<8} {r.label}  {n}" for u, r, _up, n in USERS)
        )
        if options["no_serve"]:
            return
        port = options["port"]
        self.stdout.write(f"\nOpen http://127.0.0.1:{port}/ — Ctrl+C stops.\n")
        address = lan_address()
        if options["lan"]:
            if address:
                allow_hosts([address])
                self.write_phone_url(lan_url(address, port))
            else:
                self.stdout.write(
                    _(
                        "This computer's address on the network was not found: add it to "
                        "YUTANG_ALLOWED_HOSTS to open yutang from a phone."
                    )
                )
            serve(bind=f"0.0.0.0:{port}", workers=2)
        else:
            if address:
                self.stdout.write(
                    _(
                        "To open it on a phone on the same Wi-Fi, start it with "
                        "“yutang demo --lan” and go to %(url)s"
                    )
                    % {"url": lan_url(address, port)}
                )
            serve(bind=f"127.0.0.1:{port}", workers=2)

    def write_phone_url(self, url: str) -> None:
        """The address and its QR code, to scan with the phone's camera or WeChat."""
        qr = io.StringIO()
        segno.make(url).terminal(out=qr, compact=True)
        self.stdout.write(
            _("On a phone on the same Wi-Fi, open %(url)s or scan this code:") % {"url": url}
        )
        # One write: the command's stdout ends every write with a new line.
        self.stdout.write(qr.getvalue(), ending="")

    def ensure_users(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for username, role, upline, name in USERS:
            existing = User.objects.filter(username=username).first()
            users[username] = existing or create_user(
                username=username,
                role=role,
                password=DEMO_PASSWORD,
                upline=users[upline] if upline else None,
                display_name=name,
            )
        return users

    @transaction.atomic
    def create_pond(self, users: dict[str, User], count: int) -> None:
        rng = random.Random(2026)
        tags = self.ensure_tags()
        channels = {c.name: c for c in Channel.objects.all()}
        # Mainland customers, spread over the provinces rather than over their county counts.
        by_province: dict[str, list[tuple[str, str, str]]] = {}
        for region in all_districts():
            if region[0] not in ("台湾省", "香港特别行政区", "澳门特别行政区"):
                by_province.setdefault(region[0], []).append(region)
        provinces = sorted(by_province)
        today = timezone.localdate()
        used_phones: set[str] = set()
        used_wechat: set[str] = set()
        customers: list[Customer] = []
        owner_pairs = [(users[u], w) for u, w in OWNER_WEIGHTS.items()]
        for _customer in range(count):
            surname = rng.choice(SURNAMES)
            given = "".join(rng.choice(GIVEN) for _char in range(rng.choice([1, 2, 2])))
            name = surname + given
            province, city, district = rng.choice(by_province[rng.choice(provinces)])
            short_city = city.removesuffix("市") if len(city) <= 4 else city[:2]
            nickname = rng.choice(NICK_STYLES).format(
                given=given, g1=given[-1], name=name, surname=surname, city=short_city
            )
            phone = ""
            if rng.random() < 0.8:
                while not phone or phone in used_phones:
                    phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                used_phones.add(phone)
            wechat = ""
            if rng.random() < 0.55:
                base = search_keys(name).split()[0][:12] or "wx"
                while not wechat or wechat in used_wechat:
                    wechat = f"{base}{rng.choice(['', '_', '-'])}{rng.randrange(10, 9999)}"
                used_wechat.add(wechat)
            added = today - timedelta(days=int(rng.triangular(0, 730, 60)))
            birthday = None
            if rng.random() < 0.35:
                birthday = date(rng.randint(1965, 2006), rng.randint(1, 12), rng.randint(1, 28))
            created = datetime.combine(added, time(rng.randint(8, 22), rng.randint(0, 59)), TZ)
            customers.append(
                Customer(
                    nickname=nickname[:64],
                    name=name if rng.random() < 0.7 else "",
                    phone=phone,
                    wechat_id=wechat,
                    gender=weighted(
                        rng, [(Gender.FEMALE, 70), (Gender.MALE, 22), (Gender.UNKNOWN, 8)]
                    ),
                    **_birthday(birthday, lunar=bool(birthday) and rng.random() < 0.2),
                    province=province,
                    city=city,
                    district=district,
                    address=f"{rng.choice(STREETS)}{rng.randint(1, 999)}号"
                    + (
                        f"{rng.randint(1, 30)}栋{rng.randint(101, 2808)}"
                        if rng.random() < 0.6
                        else ""
                    ),
                    channel=channels.get(weighted(rng, CHANNELS)),
                    owner=weighted(rng, owner_pairs),
                    added_on=added,
                    visited_store=rng.random() < 0.2,
                    vip=rng.random() < 0.05,
                    do_not_disturb=rng.random() < 0.03,
                    notes=rng.choice(NOTES) if rng.random() < 0.15 else "",
                    grade=weighted(rng, GRADES),
                    search_pinyin=search_keys(nickname[:64], name),
                    created=created,
                )
            )
        customers.sort(key=lambda c: c.created)
        Customer.objects.bulk_create(customers, batch_size=500)
        customers = list(Customer.objects.order_by("created", "id"))

        # Referrals: a referred friend was referred by someone who was already a customer,
        # usually in the same branch.
        referred = []
        for i, customer in enumerate(customers[20:], start=20):
            if customer.channel and customer.channel.name == "转介绍" or rng.random() < 0.05:
                candidates = [
                    c for c in customers[max(0, i - 300) : i] if c.owner_id == customer.owner_id
                ]
                if candidates:
                    customer.referrer = rng.choice(candidates)
                    referred.append(customer)
        Customer.objects.bulk_update(referred, ["referrer"], batch_size=500)

        through = Customer.tags.through
        links = []
        activities = []
        all_tags = list(tags)
        for customer in customers:
            chosen = rng.sample(all_tags, k=rng.choice([0, 1, 2, 2, 3, 4]))
            links += [through(customer_id=customer.pk, tag_id=t.pk) for t in chosen]
            activities.append(
                Activity(
                    customer=customer,
                    kind=ActivityKind.CREATED,
                    actor=customer.owner,
                    data={"source": "demo"},
                    created=customer.created,
                )
            )
            if chosen:
                activities.append(
                    Activity(
                        customer=customer,
                        kind=ActivityKind.TAGGED,
                        actor=customer.owner,
                        data={"tags": [t.name for t in chosen]},
                        created=customer.created + timedelta(minutes=5),
                    )
                )
            if customer.grade:
                activities.append(
                    Activity(
                        customer=customer,
                        kind=ActivityKind.GRADE,
                        actor=customer.owner,
                        data={"old": "", "new": customer.grade, "reason": ""},
                        created=customer.created + timedelta(days=rng.randint(0, 20)),
                    )
                )
        through.objects.bulk_create(links, batch_size=1000)
        Activity.objects.bulk_create(activities, batch_size=1000)
        create_sales(users, rng, today)
        refresh_lifecycles(today=today)
        # The sales went in in bulk, past the actions that keep the statistics.
        refresh_all_stats()
        refresh_value_classes()
        derive_touchpoints(today=today)

    def ensure_tags(self) -> list[Tag]:
        tags = []
        for position, (group_name, names) in enumerate(TAGS.items()):
            group, _created = TagGroup.objects.get_or_create(
                name=group_name, defaults={"position": position}
            )
            tags += [Tag.objects.get_or_create(group=group, name=n)[0] for n in names]
        return tags
