from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from yutang.catalog.models import Product

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def masks(cycle: int = 30) -> Product:
    return Product.objects.create(
        name="面膜",
        sku=f"MASK-{cycle}",
        price=Decimal("99"),
        cost=Decimal("30"),
        usage_cycle_days=cycle,
    )
