"""Customer import: map the columns, check every row (dry run), then commit all or nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _

from yutang.accounts.models import User
from yutang.customers import actions
from yutang.customers.forms import (
    DUPLICATE_ELSEWHERE,
    clean_phone_value,
    clean_wechat_id_value,
)
from yutang.customers.models import Channel, Customer, Gender, Tag, TagGroup
from yutang.lib.addresses import split_address

from .readers import MAX_CELL, map_headers, open_table

# Column names people actually use (Chinese and English), per customer field.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "nickname": ("昵称", "微信昵称", "备注名", "nickname", "nick name", "nick"),
    "name": ("姓名", "名字", "真实姓名", "客户姓名", "收货人", "联系人", "name", "real name"),
    "wechat_id": ("微信号", "微信", "微信id", "wechat", "wechat id", "wechat_id", "wxid"),
    "phone": (
        "手机",
        "手机号",
        "手机号码",
        "电话",
        "联系电话",
        "电话号码",
        "phone",
        "mobile",
        "tel",
    ),
    "address": ("地址", "收货地址", "详细地址", "联系地址", "address"),
    "province": ("省", "省份", "province"),
    "city": ("市", "城市", "city"),
    "district": ("区", "区县", "县区", "district"),
    "tags": ("标签", "tags", "tag"),
    "notes": ("备注", "说明", "notes", "note", "remark"),
    "channel": ("来源", "渠道", "来源渠道", "source", "channel"),
    "birthday": ("生日", "出生日期", "birthday", "birth date"),
    "gender": ("性别", "gender", "sex"),
    "added_on": ("加好友日期", "添加日期", "加好友时间", "添加时间", "added", "friend since"),
}
FIELDS = list(HEADER_NAMES)
RULES = ("skip", "fill", "overwrite")
TAG_SPLIT = re.compile(r"[,，、;；/|\s]+")
GENDERS = {"男": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE, "女": Gender.FEMALE,
           "f": Gender.FEMALE, "female": Gender.FEMALE}  # fmt: skip
IMPORT_TAG_GROUP = "自定义"
LIMITS = {"nickname": 64, "name": 32, "address": 200, "province": 16, "city": 32,
          "district": 32, "notes": 2000}  # fmt: skip
UPDATABLE = ["name", "wechat_id", "phone", "gender", "birthday", "province", "city", "district",
             "address", "channel", "added_on", "notes"]  # fmt: skip


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Customer field → column index, recognised from the header names."""
    return map_headers(headers, HEADER_NAMES)


def parse_date(text: str) -> date:
    """Dates as people type them: 2024-05-20, 2024/5/20, 2024.5.20, 20240520, 2024年5月20日,
    or an Excel serial number."""
    text = text.strip().split(" ")[0]
    if re.fullmatch(r"\d{5}", text):
        return date(1899, 12, 30) + timedelta(days=int(text))
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if not match:
        raise ValueError(text)
    return date(int(match[1]), int(match[2]), int(match[3]))


@dataclass
class Rejection:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class Planned:
    row: int
    values: dict[str, Any]
    tags: list[str]
    existing: Customer | None = None  # the customer this row updates
    merged_into: Planned | None = None  # an earlier row of the file with the same person


@dataclass
class Plan:
    rule: str
    rows: int = 0
    create: list[Planned] = field(default_factory=list)
    update: list[Planned] = field(default_factory=list)
    merged: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": len(self.create),
            "updated": len(self.update),
            "merged": self.merged,
            "unchanged": self.unchanged,
            "rejected": [r.as_dict() for r in self.rejected],
        }


def _clean_row(
    number: int, cells: list[str], mapping: dict[str, int], headers: list[str]
) -> tuple[dict[str, Any], list[str], list[Rejection]]:
    raw = {f: (cells[i] if i < len(cells) else "").strip() for f, i in mapping.items()}
    errors: list[Rejection] = []

    def reject(field_name: str, reason: str) -> None:
        errors.append(Rejection(number, headers[mapping[field_name]], reason))

    for field_name, text in raw.items():
        if len(text) > MAX_CELL or len(text) > LIMITS.get(field_name, MAX_CELL):
            reject(
                field_name,
                _("Too long: at most %(n)s characters.") % {"n": LIMITS.get(field_name, MAX_CELL)},
            )
            raw[field_name] = ""
        elif text.startswith("="):
            reject(field_name, _("A formula cannot be imported: paste the value instead."))
            raw[field_name] = ""
    values: dict[str, Any] = {}
    for key, clean in (("phone", clean_phone_value), ("wechat_id", clean_wechat_id_value)):
        if raw.get(key):
            try:
                values[key] = clean(raw[key])
            except forms.ValidationError as exc:
                reject(key, " ".join(exc.messages))
    for key in ("birthday", "added_on"):
        if raw.get(key):
            try:
                values[key] = parse_date(raw[key])
            except ValueError:
                reject(
                    key,
                    _("“%(value)s” is not a date: write it as 2024-05-20.")
                    % {"value": raw[key][:20]},
                )
    if raw.get("gender"):
        gender = GENDERS.get(raw["gender"].lower())
        if gender is None:
            reject("gender", _("Gender must be 男 or 女."))
        else:
            values["gender"] = gender
    for key in ("name", "notes", "province", "city", "district", "address"):
        if raw.get(key):
            values[key] = raw[key]
    if values.get("address") and not (values.get("province") or values.get("city")):
        province, city, district, detail = split_address(values["address"])
        values.update(
            province=province,
            city=city,
            district=district or values.get("district", ""),
            address=detail,
        )
    values["nickname"] = raw.get("nickname") or raw.get("name") or ""
    if not values["nickname"]:
        column = "nickname" if "nickname" in mapping else "name"
        if column in mapping:
            reject(column, _("Every customer needs a nickname or a name."))
        else:
            errors.append(Rejection(number, "", _("Every customer needs a nickname or a name.")))
    if raw.get("channel"):
        values["channel_name"] = raw["channel"]
    tags = [t for t in TAG_SPLIT.split(raw.get("tags", "")) if t][:20]
    return values, tags, errors


def plan_import(
    path: str | Path,
    *,
    user: User,
    rule: str = "fill",
    mapping: dict[str, int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """The dry run: what importing this file would do, row by row. Writes nothing."""
    table = open_table(path)
    mapping = mapping if mapping is not None else guess_mapping(table.headers)
    if "nickname" not in mapping and "name" not in mapping:
        from .readers import FileRejected

        raise FileRejected(
            _("No nickname or name column: name one 昵称 or 姓名, or choose it in the mapping.")
        )
    plan = Plan(rule=rule)
    visible = Customer.objects.visible_to(user)
    by_key: dict[tuple[str, str], Planned] = {}
    for number, cells in table.rows:
        if not any(c.strip() for c in cells):
            continue
        plan.rows += 1
        if progress and plan.rows % 1000 == 0:
            progress(plan.rows)
        values, tags, errors = _clean_row(number, cells, mapping, table.headers)
        if errors:
            plan.rejected.extend(errors)
            continue
        keys = [(k, values[k]) for k in ("phone", "wechat_id") if values.get(k)]
        earlier_rows = {id(by_key[k]): by_key[k] for k in keys if k in by_key}
        row = Planned(row=number, values=values, tags=tags)
        new_keys = [k for k in keys if k not in by_key]
        if len(earlier_rows) > 1 or (
            earlier_rows and any(Customer.objects.filter(**{k: v}).exists() for k, v in new_keys)
        ):
            plan.rejected.append(
                Rejection(
                    number,
                    "",
                    _("The phone and the WeChat ID belong to two customers: merge them first."),
                )
            )
            continue
        earlier = next(iter(earlier_rows.values()), None)
        if earlier is not None:
            # The same person twice in the file: one customer, the later row folded in.
            _fold(earlier.values, values, rule)
            earlier.tags += [t for t in tags if t not in earlier.tags]
            for key in keys:
                by_key.setdefault(key, earlier)
            plan.merged += 1
            continue
        matches = {
            c.pk: c
            for k, v in keys
            for c in Customer.objects.filter(**{k: v}).select_related("channel")
        }
        if len(matches) > 1:
            plan.rejected.append(
                Rejection(
                    number,
                    "",
                    _("The phone and the WeChat ID belong to two customers: merge them first."),
                )
            )
            continue
        if matches:
            existing = next(iter(matches.values()))
            if not visible.filter(pk=existing.pk).exists():
                column = table.headers[mapping["phone" if values.get("phone") else "wechat_id"]]
                plan.rejected.append(Rejection(number, column, str(DUPLICATE_ELSEWHERE)))
                continue
            row.existing = existing
            if _changes(existing, values, tags, rule):
                plan.update.append(row)
            else:
                plan.unchanged += 1
        else:
            plan.create.append(row)
        for key in keys:
            by_key[key] = row
    return plan


def _fold(into: dict[str, Any], values: dict[str, Any], rule: str) -> None:
    for key, value in values.items():
        if value in ("", None):
            continue
        if rule == "overwrite" or (rule == "fill" and into.get(key) in ("", None)):
            into[key] = value


def _changes(customer: Customer, values: dict[str, Any], tags: list[str], rule: str) -> bool:
    if rule == "skip":
        return False
    current_tags = {t.name for t in customer.tags.all()}
    if set(tags) - current_tags:
        return True
    for key in UPDATABLE:
        if key == "channel":
            continue
        new = values.get(key)
        if new in ("", None):
            continue
        old = getattr(customer, key)
        if old in ("", None) or (rule == "overwrite" and old != new):
            return True
    return False


@transaction.atomic
def commit_import(plan: Plan, *, user: User, source: str = "import") -> dict[str, Any]:
    """Apply a dry run's plan in one transaction: everything or nothing."""
    channels = {c.name: c for c in Channel.objects.all()}
    other = channels.get("其他")
    group, _created = TagGroup.objects.get_or_create(name=IMPORT_TAG_GROUP)
    tag_cache = {t.name: t for t in Tag.objects.select_related("group").order_by("group__position")}

    def tags_for(names: list[str]) -> list[Tag]:
        found = []
        for name in names:
            if name not in tag_cache:
                tag_cache[name] = Tag.objects.create(group=group, name=name[:32])
            found.append(tag_cache[name])
        return found

    def channel_for(values: dict[str, Any]) -> Channel | None:
        name = values.pop("channel_name", "")
        if not name:
            return None
        if name in channels:
            return channels[name]
        # An unknown source keeps its words in the notes rather than growing the owner's list.
        values["notes"] = "\n".join(p for p in [values.get("notes", ""), f"来源：{name}"] if p)
        return other

    for row in plan.create:
        values = dict(row.values)
        channel = channel_for(values)
        actions.create_customer(
            customer=Customer(owner=user, channel=channel, **values),
            tags=tags_for(row.tags),
            actor=user,
            source=source,
        )
    for row in plan.update:
        customer = row.existing
        assert customer is not None
        before = {**actions.snapshot(customer), "grade": customer.grade}
        values = dict(row.values)
        channel = channel_for(values)
        if channel and (customer.channel_id is None or plan.rule == "overwrite"):
            customer.channel = channel
        for key in UPDATABLE:
            new = values.get(key)
            if key == "channel" or new in ("", None):
                continue
            if getattr(customer, key) in ("", None) or plan.rule == "overwrite":
                setattr(customer, key, new)
        tags = list(customer.tags.all()) + tags_for(row.tags)
        actions.update_customer(customer=customer, before=before, tags=tags, actor=user)
    return plan.summary()
