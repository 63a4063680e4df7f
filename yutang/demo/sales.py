"""Two years of sales for the demo pond: products, orders that follow real repurchase
behaviour, follow-ups in every stage and costs of keeping customers."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.models import Activity, ActivityKind, Customer, Stage
from yutang.followups.models import FollowUp, FollowUpChannel
from yutang.orders.models import CostKind, CustomerCost, Order, OrderLine, PaymentMethod
from yutang.orders.models import Status as S

TZ = ZoneInfo("Asia/Shanghai")
PRODUCTS = [
    # name, sku, price, cost, usage cycle (days), minimum retail price
    ("玻尿酸补水面膜（10片）", "MASK-10", "99", "35", 30, "89"),
    ("氨基酸洁面乳", "CLEAN-120", "129", "40", 60, "109"),
    ("烟酰胺精华液", "SERUM-30", "199", "60", 45, "179"),
    ("清爽防晒霜 SPF50", "SUN-50", "159", "45", 60, "139"),
    ("胶原蛋白肽饮（30天装）", "COLL-30", "299", "110", 30, "269"),
    ("益生菌固体饮料", "PROB-20", "168", "55", 30, "149"),
    ("代餐奶昔", "SHAKE-14", "238", "80", 20, "219"),
    ("护手霜礼盒", "HAND-GIFT", "88", "30", 90, None),
    ("无硅油洗发水", "SHAMPOO-500", "69", "22", 45, "59"),
    ("红枣枸杞茶", "TEA-RED", "49", "15", 15, None),
]
COURIERS = ["顺丰速运", "中通快递", "圆通速递", "韵达快递", "京东物流", "极兔速递"]
TOPICS = [
    ("皮肤干，换季起皮", "下次发补水面膜的使用前后对比"),
    ("想减脂但怕反弹", "发代餐的搭配方案"),
    ("问了精华的成分", "约下周三再聊价格"),
    ("在用别家的防晒", "送一支小样试试"),
    ("给妈妈选礼物", "生日前一周提醒她下单"),
    ("觉得价格有点高", "等活动时第一个告诉她"),
    ("朋友推荐来的，先了解", "发产品介绍和买家秀"),
]


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 22), rng.randint(0, 59)), TZ)


def create_sales(users: dict[str, User], rng: random.Random, today: date) -> None:
    products = [
        Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "price": Decimal(price),
                "cost": Decimal(cost),
                "usage_cycle_days": cycle,
                "min_price": Decimal(min_price) if min_price else None,
            },
        )[0]
        for name, sku, price, cost, cycle, min_price in PRODUCTS
    ]
    customers = list(Customer.objects.select_related("owner").order_by("id"))
    orders: list[Order] = []
    lines: dict[int, list[dict[str, Any]]] = {}
    for customer in customers:
        if customer.grade == "AA":
            _buyer_history(customer, products, rng, today, orders, lines)
        elif customer.grade == "A" and rng.random() < 0.35:
            # Agreed in the chat, not ordered yet: tomorrow's 下单提醒 / 催付.
            status = rng.choice([S.INTENT, S.UNPAID])
            day = today - timedelta(days=rng.randint(1, 4))
            _order(customer, [rng.choice(products)], status, _at(day, rng), rng, orders, lines)
    Order.objects.bulk_create(orders, batch_size=1000)
    OrderLine.objects.bulk_create(
        [OrderLine(order_id=order.pk, **line) for order in orders for line in lines[id(order)]],
        batch_size=1000,
    )
    Activity.objects.bulk_create(
        [
            Activity(
                customer_id=o.customer_id,
                kind=ActivityKind.ORDER,
                actor=o.seller,
                data={
                    "order": o.pk,
                    "status": o.status,
                    "total": str(sum(ln["quantity"] * ln["unit_price"] for ln in lines[id(o)])),
                    "products": [f"{ln['product'].name}×{ln['quantity']}" for ln in lines[id(o)]],
                },
                created=o.created,
            )
            for o in orders
        ],
        batch_size=1000,
    )
    buyers = {o.customer_id for o in orders if o.paid_at}
    Customer.objects.filter(pk__in=buyers).update(consumed=True)
    _followups(customers, rng, today)
    _costs(customers, buyers, rng, today)


def _order(
    customer: Customer,
    chosen: list[Product],
    status: str,
    at: datetime,
    rng: random.Random,
    orders: list[Order],
    lines: dict[int, list[dict[str, Any]]],
) -> Order:
    order = Order(
        customer=customer,
        seller=customer.owner,
        status=status,
        payment_method=rng.choice(PaymentMethod.values[:3]),
        created=at,
    )
    order.intent_at = at if status == S.INTENT else None
    order.unpaid_at = at if status == S.UNPAID else None
    steps: list[str] = [S.PAID, S.SHIPPED, S.SIGNED, S.COMPLETED]
    if status in steps:
        moment = at
        for step in steps[: steps.index(status) + 1]:
            setattr(order, f"{step}_at", moment)
            moment += timedelta(
                days=1 if step == S.PAID else rng.randint(1, 3), hours=rng.randint(0, 8)
            )
        if status != S.PAID:
            order.courier = rng.choice(COURIERS)
            order.tracking_number = (
                f"{rng.choice(['SF', 'ZT', 'YT', 'YD', 'JD'])}{rng.randrange(10**11, 10**12)}"
            )
    orders.append(order)
    lines[id(order)] = [
        {
            "product": p,
            "quantity": rng.choice([1, 1, 1, 2, 2, 3]),
            # Most sell at list price; some agents discount, now and then below the floor.
            "unit_price": p.price
            if rng.random() < 0.85
            else (p.price * Decimal("0.85")).quantize(Decimal("1")),
            "unit_cost": p.cost,
        }
        for p in chosen
    ]
    return order


def _buyer_history(
    customer: Customer,
    products: list[Product],
    rng: random.Random,
    today: date,
    orders: list[Order],
    lines: dict[int, list[dict[str, Any]]],
) -> None:
    """Repurchase on cycle, irregularly, or lapse after a few orders."""
    favourite = rng.sample(products, k=rng.choice([1, 1, 2]))
    behaviour = rng.choices(["cycle", "irregular", "lapsed"], weights=[40, 35, 25])[0]
    start = customer.added_on or today - timedelta(days=365)
    day = min(start + timedelta(days=rng.randint(0, 20)), today - timedelta(days=1))
    count = 0
    limit = rng.randint(1, 3) if behaviour == "lapsed" else 40
    while day < today and count < limit:
        cycle = max(p.usage_cycle_days or 30 for p in favourite)
        age = (today - day).days
        recent = [S.PAID, S.SHIPPED, S.SIGNED, S.COMPLETED]
        status = S.COMPLETED if age > 10 else rng.choice(recent)
        order = _order(customer, favourite, status, _at(day, rng), rng, orders, lines)
        count += 1
        quantity = max(ln["quantity"] for ln in lines[id(order)])
        if behaviour == "cycle":
            gap = cycle * quantity + rng.randint(-4, 6)
        else:
            gap = int(cycle * quantity * rng.uniform(1.4, 3.0))
        day += timedelta(days=max(gap, 7))


def _followups(customers: list[Customer], rng: random.Random, today: date) -> None:
    stage_for = {"A": "ab", "B": "bc", "C": "c", "D": "d", "": "cd"}
    followups = []
    touched = []
    for customer in customers:
        if customer.grade not in stage_for or rng.random() < 0.3:
            continue
        stages = stage_for[customer.grade]
        day = today - timedelta(days=rng.randint(30, 90))
        for _ in range(rng.randint(1, 3)):
            stage = rng.choice(stages)
            topic, next_step = rng.choice(TOPICS)
            day = min(day + timedelta(days=rng.randint(3, 25)), today - timedelta(days=1))
            amount = (
                Decimal(rng.choice([99, 199, 298, 398, 598, 1200])) if stage != Stage.D else None
            )
            followups.append(
                FollowUp(
                    customer=customer,
                    author=customer.owner,
                    at=_at(day, rng),
                    channel=rng.choice(FollowUpChannel.values[:3]),
                    summary=topic,
                    next_step=next_step,
                    next_contact_on=day + timedelta(days=rng.randint(3, 20)),
                    amount=amount,
                    stage=stage,
                )
            )
        last = followups[-1]
        # A few next contacts were missed, most are still ahead.
        last.next_contact_on = today + timedelta(days=rng.randint(-3, 30))
        customer.stage, customer.deal_amount = last.stage, last.amount
        touched.append(customer)
    FollowUp.objects.bulk_create(followups, batch_size=1000)
    Customer.objects.bulk_update(touched, ["stage", "deal_amount"], batch_size=1000)
    Activity.objects.bulk_create(
        [
            Activity(
                customer_id=f.customer_id,
                kind=ActivityKind.FOLLOWUP,
                actor=f.author,
                created=f.at,
                data={
                    "followup": f.pk,
                    "stage": f.stage,
                    "channel": f.channel,
                    "summary": f.summary,
                    "next_step": f.next_step,
                    "next_contact_on": f.next_contact_on.isoformat() if f.next_contact_on else None,
                    "amount": str(f.amount) if f.amount is not None else None,
                },
            )
            for f in followups
        ],
        batch_size=1000,
    )


def _costs(customers: list[Customer], buyers: set[int], rng: random.Random, today: date) -> None:
    costs = []
    for customer in customers:
        if customer.pk in buyers and rng.random() < 0.3:
            costs.append(
                CustomerCost(
                    customer=customer,
                    kind=rng.choice(CostKind.values[:4]),
                    amount=Decimal(rng.choice([10, 15, 20, 30, 50])),
                    on=today - timedelta(days=rng.randint(1, 300)),
                    author=customer.owner,
                )
            )
    CustomerCost.objects.bulk_create(costs, batch_size=1000)
