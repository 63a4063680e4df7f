"""Timeline entries used to name a referrer by nickname: "edited" entries (changes.referrer) and
"merged" ones (merged.referrer). Whoever read the timeline read that name, even when they may not
see that customer. Entries now keep the customer's id, named at display time only to a reader who
may see them; this turns the nicknames written before into ids.

A nickname becomes the customer's current referrer when that one has it, else the one customer
with that nickname; when none or several do, the name is dropped for 0, an id no customer has,
which the timeline shows as "another customer".
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Count, Min

UNKNOWN = 0
BATCH = 1000


def _is_id(value: Any) -> bool:
    return type(value) is int


def _convert(apps: Any, rows: list[Any]) -> None:
    Customer = apps.get_model("customers", "Customer")
    customer_ids = {row.customer_id for row in rows}
    referrers = {
        pk: (referrer_id, nickname)
        for pk, referrer_id, nickname in Customer.objects.filter(pk__in=customer_ids)
        .exclude(referrer=None)
        .values_list("pk", "referrer_id", "referrer__nickname")
    }
    names = set()
    for row in rows:
        if row.kind == "edited":
            names.update(v for v in row.data["changes"]["referrer"] or () if isinstance(v, str))
        elif isinstance(row.data["merged"]["referrer"], str):
            names.add(row.data["merged"]["referrer"])
    unique = {
        item["nickname"]: item["first"]
        for item in Customer.objects.filter(nickname__in=names - {""})
        .values("nickname")
        .annotate(n=Count("id"), first=Min("id"))
        if item["n"] == 1
    }

    def resolve(value: Any, customer_id: int) -> int | None:
        if value in (None, "") or _is_id(value):
            return value or None
        if not isinstance(value, str):
            return UNKNOWN
        current = referrers.get(customer_id)
        if current and current[1] == value:
            return current[0]
        found = unique.get(value)
        return found if found and found != customer_id else UNKNOWN

    for row in rows:
        if row.kind == "edited":
            change = row.data["changes"]["referrer"]
            change = change if isinstance(change, list) else [None, change]
            row.data["changes"]["referrer"] = [resolve(v, row.customer_id) for v in change]
        else:
            merged = row.data["merged"]
            merged["referrer"] = (
                merged["referrer_id"]
                if _is_id(merged.get("referrer_id"))
                else resolve(merged["referrer"], row.customer_id)
            )
    apps.get_model("customers", "Activity").objects.bulk_update(rows, ["data"])


def referrers_by_id(apps: Any, schema_editor: Any) -> None:
    Activity = apps.get_model("customers", "Activity")
    edited = Activity.objects.filter(kind="edited", data__changes__has_key="referrer")
    merged = Activity.objects.filter(kind="merged", data__merged__has_key="referrer")
    # The ids first, so that no cursor is open on the rows being rewritten.
    ids = sorted({*edited.values_list("id", flat=True), *merged.values_list("id", flat=True)})
    for start in range(0, len(ids), BATCH):
        rows = Activity.objects.filter(pk__in=ids[start : start + BATCH])
        _convert(apps, list(rows.only("id", "kind", "customer_id", "data")))


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_customer_wechat_id_idx")]

    # Backwards leaves the ids: turning them into names again would bring the leak back.
    operations = [migrations.RunPython(referrers_by_id, migrations.RunPython.noop, elidable=True)]
