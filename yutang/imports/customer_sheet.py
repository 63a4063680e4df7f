"""Customer import: map the columns, check every row (dry run), then commit all or nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django import forms
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yutang.accounts.models import User
from yutang.customers import actions
from yutang.customers.forms import (
    DUPLICATE_ELSEWHERE,
    clean_phone_value,
    clean_wechat_id_value,
)
from yutang.customers.models import (
    BIRTHDAY_FIELDS,
    Activity,
    ActivityKind,
    Channel,
    Customer,
    Gender,
    Tag,
    TagGroup,
)
from yutang.lib.addresses import split_address
from yutang.lib.xlsx import Sheet

from .bounds import cell_error, model_field
from .bulk import Staging, StaleRows, insert_rows, reserve_ids
from .readers import (
    BILL_HEAD,
    MAX_CELL,
    FileRejected,
    IsABill,
    bill_source,
    map_headers,
    open_table,
    peek,
    unreadable_cells,
)

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
    "added_on": (
        "加好友日期",
        "添加日期",
        "加好友时间",
        "添加时间",
        "好友添加时间",
        "好友添加日期",
        "添加好友时间",
        "添加好友日期",
        "added",
        "added on",
        "friend since",
    ),
}
FIELDS = list(HEADER_NAMES)
# What an import does to a field of a person already in the pool: see `takes`.
RULES = ("skip", "fill", "overwrite")
TAG_SPLIT = re.compile(r"[,，、;；/|\s]+")
MAX_TAGS = 20
GENDERS = {"男": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE, "女": Gender.FEMALE,
           "f": Gender.FEMALE, "female": Gender.FEMALE}  # fmt: skip
IMPORT_TAG_GROUP = "自定义"
# The columns stored as they are, each held to its model field's max_length.
TEXT_FIELDS = ("nickname", "name", "address", "province", "city", "district", "notes")
LIMITS: dict[str, int] = {
    name: model_field(Customer, name).max_length or MAX_CELL for name in TEXT_FIELDS
}
TAG_LIMIT = model_field(Tag, "name").max_length or MAX_CELL
CHANNEL_LIMIT = model_field(Channel, "name").max_length or MAX_CELL
# An unknown source is kept in the notes, after the row's own notes.
SOURCE_NOTE = "\n来源：{}"
UPDATABLE = ["name", "wechat_id", "phone", "gender", "birthday", "province", "city", "district",
             "address", "channel", "added_on", "notes"]  # fmt: skip
# The columns an update from a file writes (besides `updated`).
# (`birthday` is the solar date of birth, kept in the parts of the customer's calendar.)
UPDATED_COLUMNS = [f.attname for f in Customer._meta.concrete_fields
                   if f.name in UPDATABLE or f.name == "search_pinyin"
                   or f.name in BIRTHDAY_FIELDS]  # fmt: skip


def takes(rule: str, old: Any, new: Any) -> bool:
    """Whether an import writes the row's `new` value over the customer's `old` one, by the
    rule: never an empty value; under skip nothing, under fill only into an empty field, under
    overwrite always. The one place the rule is written, for every field and for the folding of
    rows of one person."""
    if new in ("", None):
        return False
    return rule == "overwrite" or (rule == "fill" and old in ("", None))


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Customer field → column index, recognised from the header names."""
    return map_headers(headers, HEADER_NAMES)


def parse_date(text: str) -> date:
    """Dates as people type them: 2024-05-20, 2024/5/20, 2024.5.20, 20240520, 2024年5月20日,
    or an Excel serial number; a time after the date (加好友时间) is left out."""
    text = re.split(r"[ T]", text.strip())[0]
    if serial := re.fullmatch(r"(\d{5})(\.\d+)?", text):
        return date(1899, 12, 30) + timedelta(days=int(serial[1]))
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


# A file of bad rows keeps its first rejections (enough to fix the file) and counts the rest,
# so that neither the memory nor the job's stored result grows with the file.
KEPT_REJECTIONS = 1000


class Rejections(list):  # type: ignore[type-arg]
    """The first KEPT_REJECTIONS rejections; `total` is how many there were in all."""

    total = 0

    def append(self, item: Any) -> None:
        self.total += 1
        if len(self) < KEPT_REJECTIONS:
            super().append(item)

    def extend(self, items: Any) -> None:
        for item in items:
            self.append(item)

    def __iadd__(self, items: Any) -> Rejections:  # type: ignore[override,misc]
        self.extend(items)
        return self


Key = tuple[str, str]  # ("phone", "13800138000") or ("wechat_id", "wangmei")


def name_key(nickname: str, name: str) -> Key:
    # No cell holds a NUL (they are refused), so it cannot join two names into a third.
    return ("name", f"{nickname}\x00{name}")


@dataclass(frozen=True, slots=True)
class Who:
    """Who a row says it is: a customer's phone and WeChat ID, each enough to tell them, and
    their nickname and name, which tell a row that has neither. The customer and order imports
    find the customer of a row from it."""

    phone: str = ""
    wechat_id: str = ""
    nickname: str = ""
    name: str = ""

    @classmethod
    def of(cls, values: dict[str, Any]) -> Who:
        return cls(
            values.get("phone") or "",
            values.get("wechat_id") or "",
            values.get("nickname") or "",
            values.get("name") or "",
        )

    def keys(self) -> list[Key]:
        """The identifiers the row has, phone first."""
        return [key for key in (("phone", self.phone), ("wechat_id", self.wechat_id)) if key[1]]

    def name_key(self) -> Key:
        return name_key(self.nickname, self.name)


Identity = tuple[str, int]  # ("c", customer id) or, in a dry run, ("r", first row of a new one)
CHUNK = 1000
PREVIEW = 20


@dataclass(eq=False)
class Planned:
    row: int
    values: dict[str, Any]
    tags: list[str]
    existing: Customer | None = None  # the customer this row updates
    folded: bool = False  # the customer comes from an earlier row of the same file
    created_pk: int | None = None  # the customer this row made, once written
    by_name: bool = False  # no identifier: matched to a customer by nickname and name

    @property
    def who(self) -> Who:
        """Who the row is now: folding a later row of the same person into it may add to it."""
        return Who.of(self.values)

    def identifiers(self) -> list[Key]:
        return self.who.keys()

    def name_key(self) -> Key:
        return self.who.name_key()

    def stored_name_key(self, rule: str) -> Key:
        """The nickname and name of the customer this row leaves behind."""
        if self.existing is None:
            return self.name_key()
        name, new = self.existing.name, self.values.get("name", "")
        return name_key(self.existing.nickname, new if takes(rule, name, new) else name)

    def identity(self) -> Identity:
        if self.existing is not None:
            return ("c", self.existing.pk)
        return ("c", self.created_pk) if self.created_pk is not None else ("r", self.row)


@dataclass
class Plan:
    rule: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    merged: int = 0
    unchanged: int = 0
    matched_by_name: int = 0  # rows without phone or WeChat ID found by nickname and name
    rejected: list[Rejection] = field(default_factory=Rejections)
    preview: list[Planned] = field(default_factory=list)  # the first rows that change the pool

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "matched_by_name": self.matched_by_name,
            "rejected": [r.as_dict() for r in self.rejected],
            "rejected_count": getattr(self.rejected, "total", len(self.rejected)),
        }


class _Row:
    """One row of a customer sheet, cleaned cell by cell: `values` holds what it brings in,
    `tags` its tags and `errors` its rejections."""

    def __init__(
        self, number: int, cells: list[str], mapping: dict[str, int], headers: list[str]
    ) -> None:
        self.number, self.mapping, self.headers = number, mapping, headers
        self.raw = {f: (cells[i] if i < len(cells) else "").strip() for f, i in mapping.items()}
        self.values: dict[str, Any] = {}
        self.tags: list[str] = []
        self.errors: list[Rejection] = []
        self.check_cells(cells)
        self.clean_identifiers()
        self.clean_dates()
        self.clean_gender()
        for key in ("name", "notes", "province", "city", "district", "address"):
            if self.raw.get(key):
                self.values[key] = self.raw[key]
        self.split_address()
        self.clean_nickname()
        if self.raw.get("channel"):
            self.values["channel_name"] = self.raw["channel"]
        self.clean_tags()

    def reject(self, field_name: str, reason: str) -> None:
        self.errors.append(Rejection(self.number, self.headers[self.mapping[field_name]], reason))

    def check_cells(self, cells: list[str]) -> None:
        """Empty the cells that cannot be read, are too long or hold a formula, rejecting them."""
        raw = self.raw
        limits = {**LIMITS, "channel": CHANNEL_LIMIT}
        if raw.get("channel"):
            limits["notes"] = LIMITS["notes"] - len(SOURCE_NOTE.format(raw["channel"]))
        for field_name, reason in unreadable_cells(cells, self.mapping):
            self.reject(field_name, reason)
            raw[field_name] = ""
        for field_name, text in raw.items():
            if error := cell_error(text, min(limits.get(field_name, MAX_CELL), MAX_CELL)):
                self.reject(field_name, error)
                raw[field_name] = ""

    def clean_identifiers(self) -> None:
        raw = self.raw
        if raw.get("phone"):
            try:
                self.values["phone"] = clean_phone_value(raw["phone"])
            except forms.ValidationError as exc:
                self.reject("phone", " ".join(exc.messages))
        if raw.get("wechat_id"):
            # "微信同号" is the row's phone; a refused phone has said why already.
            phone = self.values.get("phone", None if raw.get("phone") else "")
            try:
                wechat_id = clean_wechat_id_value(raw["wechat_id"], phone=phone)
            except forms.ValidationError as exc:
                self.reject("wechat_id", " ".join(exc.messages))
            else:
                if wechat_id:
                    self.values["wechat_id"] = wechat_id

    def clean_dates(self) -> None:
        for key in ("birthday", "added_on"):
            if self.raw.get(key):
                try:
                    self.values[key] = parse_date(self.raw[key])
                except ValueError:
                    self.reject(
                        key,
                        _("“%(value)s” is not a date: write it as 2024-05-20.")
                        % {"value": self.raw[key][:20]},
                    )

    def clean_gender(self) -> None:
        if self.raw.get("gender"):
            gender = GENDERS.get(self.raw["gender"].lower())
            if gender is None:
                self.reject("gender", _("Gender must be 男 or 女."))
            else:
                self.values["gender"] = gender

    def split_address(self) -> None:
        """An address without a province or city column gives them from its own words."""
        values = self.values
        if values.get("address") and not (values.get("province") or values.get("city")):
            province, city, district, detail = split_address(values["address"])
            values.update(
                province=province,
                city=city,
                district=district or values.get("district", ""),
                address=detail,
            )

    def clean_nickname(self) -> None:
        raw, mapping = self.raw, self.mapping
        self.values["nickname"] = raw.get("nickname") or raw.get("name") or ""
        # A nickname refused above has its reason already; "needs a nickname" would only repeat it.
        refused_names = {r.column for r in self.errors} & {
            self.headers[mapping[f]] for f in ("nickname", "name") if f in mapping
        }
        if not self.values["nickname"] and not refused_names:
            column = "nickname" if "nickname" in mapping else "name"
            reason = _("Every customer needs a nickname or a name.")
            if column in mapping:
                self.reject(column, reason)
            else:
                self.errors.append(Rejection(self.number, "", reason))

    def clean_tags(self) -> None:
        tags = list(dict.fromkeys(t for t in TAG_SPLIT.split(self.raw.get("tags", "")) if t))
        if len(tags) > MAX_TAGS:
            # Dropping the rest would lose them without a word.
            self.reject("tags", _("At most %(n)s tags in one cell.") % {"n": MAX_TAGS})
        for tag in tags:
            # Cut to the field, two long tags sharing their start would become one.
            if len(tag) > TAG_LIMIT:
                self.reject(
                    "tags",
                    _("The tag “%(tag)s…” is too long: at most %(n)s characters.")
                    % {"tag": tag[:TAG_LIMIT], "n": TAG_LIMIT},
                )
        self.tags = tags


def _clean_row(
    number: int, cells: list[str], mapping: dict[str, int], headers: list[str]
) -> tuple[dict[str, Any], list[str], list[Rejection]]:
    """A row's values, its tags and its rejections."""
    row = _Row(number, cells, mapping, headers)
    return row.values, row.tags, row.errors


Progress = Callable[[int, int | None], None]  # rows done, rows in the file (when known)


def plan_import(
    path: str | Path,
    *,
    user: User,
    rule: str = "fill",
    mapping: dict[str, int] | None = None,
    progress: Progress | None = None,
) -> Plan:
    """The dry run: what importing this file would do, row by row. Writes nothing."""
    return _Pass(path, user=user, rule=rule, mapping=mapping, write=False).run(progress)


def rejected_rows(path: str | Path, rejected: list[dict[str, Any]]) -> Sheet:
    """The rows of the file that a dry run rejected, as they are in the file, with a last
    column saying why: the sheet a seller fixes and imports again. `rejected` is the dry run's
    list (`Plan.summary()`), one entry per rejected cell."""
    table = open_table(path, HEADER_NAMES)
    reasons: dict[int, list[str]] = {}
    for item in rejected:
        column, reason = str(item.get("column", "")), str(item.get("reason", ""))
        reasons.setdefault(int(item["row"]), []).append(f"{column}：{reason}" if column else reason)

    def rows() -> Iterator[list[str]]:
        left = set(reasons)
        try:
            for number, cells in table.rows:
                if number in left:
                    left.discard(number)
                    padded = cells + [""] * (len(table.headers) - len(cells))
                    yield [*padded, "；".join(reasons[number])]
                    if not left:
                        return
        finally:
            close = getattr(table.rows, "close", None)  # the CSV file, open until then
            if close is not None:
                close()

    return Sheet(title=_("Rejected rows"), headers=[*table.headers, _("Reason")], rows=rows())


class _RollBack(Exception):
    pass


class _PoolChanged(Exception):
    """Another user's write since the pass planned the import took what it relied on."""


# How many times a staged import is planned again when other writes got in its way.
ATTEMPTS = 3


def import_customers(
    path: str | Path,
    *,
    user: User,
    rule: str = "fill",
    mapping: dict[str, int] | None = None,
    accept_all: bool = False,
    progress: Progress | None = None,
) -> tuple[Plan, bool]:
    """Import the file in one pass: everything or nothing. When rows are rejected and
    `accept_all` is not given, nothing is kept. Returns the plan and whether it was committed.

    On PostgreSQL the pass runs in one transaction. SQLite has one write lock for the whole
    database, which a long transaction would keep from every other user for its whole length:
    there the pass writes nothing, it stages the rows (see `_Writer`), and one short transaction
    at the end moves them in. Should another user's write since take a phone, a WeChat ID or a
    tag the pass counted on, or a customer it updates, the file is planned again."""
    if connection.vendor != "sqlite":
        import_pass = _Pass(path, user=user, rule=rule, mapping=mapping, write=True)
        try:
            with transaction.atomic():
                plan = import_pass.run(progress)
                if plan.rejected and not accept_all:
                    raise _RollBack
        except _RollBack:
            return import_pass.plan, False
        return plan, True
    for _attempt in range(ATTEMPTS):
        import_pass = _Pass(path, user=user, rule=rule, mapping=mapping, write=True, staged=True)
        assert import_pass.writer is not None
        try:
            plan = import_pass.run(progress)
            if plan.rejected and not accept_all:
                return plan, False
            import_pass.writer.move_in()
        except _PoolChanged:
            continue
        finally:
            import_pass.writer.discard()
        return plan, True
    raise FileRejected(
        _(
            "While this file was being imported, other users kept adding or changing the same "
            "customers, so nothing was saved. Import it again."
        )
    )


@dataclass
class _Batch:
    """A chunk being matched: what the pool holds of its rows (see `_Pass._lookup`), and its
    rows so far, by identifier and by nickname and name."""

    pool: dict[Key, Customer]
    visible: set[int]
    named: dict[Key, list[Customer]]
    pending: dict[Key, Planned] = field(default_factory=dict)
    pending_names: dict[Key, list[Planned]] = field(default_factory=dict)
    rows: list[Planned] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.named_by_pk = {c.pk: c for found in self.named.values() for c in found}

    def add(self, row: Planned, keys: list[Key], rule: str) -> None:
        self.rows.append(row)
        for key in keys:
            self.pending[key] = row
        self.pending_names.setdefault(row.stored_name_key(rule), []).append(row)


class _Pass:
    """One streaming pass over the file, a chunk of rows at a time, so that a 200,000-row
    sheet never sits in memory: each chunk is checked against the pool with two queries and,
    when writing, inserted in bulk. Rows of later chunks that repeat a person of earlier ones
    are found through `done`, which keeps only the identifiers seen so far."""

    def __init__(
        self,
        path: str | Path,
        *,
        user: User,
        rule: str,
        mapping: dict[str, int] | None,
        write: bool,
        staged: bool = False,
    ) -> None:
        self.table = open_table(path, HEADER_NAMES)
        if (source := bill_source(path, peek(self.table, BILL_HEAD))) is not None:
            raise IsABill(source)
        self.mapping = mapping if mapping is not None else guess_mapping(self.table.headers)
        if "nickname" not in self.mapping and "name" not in self.mapping:
            raise FileRejected(
                _("No nickname or name column: name one 昵称 or 姓名, or choose it in the mapping.")
            )
        self.user, self.write = user, write
        self.plan = Plan(rule=rule)
        self.done: dict[Key, Identity] = {}
        self.done_identities: set[Identity] = set()
        self.done_names: dict[Key, set[Identity]] = {}
        self.writer = _Writer(user, rule, Staging() if staged else None) if write else None
        # Who may not add tags imports only the existing ones, as `POST /api/tags` refuses them.
        self.known_tags: set[str] | None = None
        if not Tag.may_be_added_by(user):
            self.known_tags = set(Tag.objects.values_list("name", flat=True))

    def run(self, progress: Progress | None) -> Plan:
        chunk: list[tuple[int, list[str]]] = []
        for number, cells in self.table.rows:
            if not any(c.strip() for c in cells):
                continue
            self.plan.rows += 1
            chunk.append((number, cells))
            if len(chunk) == CHUNK:
                self._chunk(chunk)
                chunk = []
                if progress:
                    progress(self.plan.rows, self.table.total)
        self._chunk(chunk)
        if progress:
            progress(self.plan.rows, self.plan.rows)
        return self.plan

    def _refused_tags(self, number: int, tags: list[str]) -> list[Rejection]:
        """The tags cell rejected, naming the tags of the row that do not exist, when the
        importer may not add tags."""
        if self.known_tags is None:
            return []
        refused = [name for name in dict.fromkeys(tags) if name not in self.known_tags]
        if not refused:
            return []
        column = self.table.headers[self.mapping["tags"]]
        shown = [name if len(name) <= 32 else f"{name[:32]}…" for name in refused]
        if len(shown) == 1:
            reason = _(
                "Unknown tag “%(name)s”: only the owner can add tags; ask the owner or choose an "
                "existing tag."
            ) % {"name": shown[0]}
        else:
            # One cell, one rejection: a cell of 20 new tags is not 20 lines of the same reason.
            names = " ".join(f"“{name}”" for name in shown[:5]) + (" …" if len(shown) > 5 else "")
            reason = _(
                "Unknown tags %(names)s: only the owner can add tags; ask the owner or choose "
                "existing tags."
            ) % {"names": names}
        return [Rejection(number, column, reason)]

    def _reject_two(self, row: Planned, pool: dict[Key, Customer], visible: set[int]) -> None:
        hidden = [key for key in row.identifiers() if key in pool and pool[key].pk not in visible]
        if hidden:
            # Not "merge them": the other one is in another branch, and says no more than that.
            column = self.table.headers[self.mapping[hidden[0][0]]]
            self.plan.rejected.append(Rejection(row.row, column, str(DUPLICATE_ELSEWHERE)))
            return
        reason = _("The phone and the WeChat ID belong to two customers: merge them first.")
        self.plan.rejected.append(Rejection(row.row, "", reason))

    def _chunk(self, chunk: list[tuple[int, list[str]]]) -> None:
        cleaned = self._clean(chunk)
        batch = _Batch(*self._lookup(cleaned))
        for row in cleaned:
            keys = row.identifiers()
            found = self._found(row, keys, batch)
            if found is not None and (not found or self._settle(row, keys, found, batch)):
                batch.add(row, keys, self.plan.rule)
        creates, updates = self._sort(batch.rows)
        room = PREVIEW - len(self.plan.preview)
        if room > 0:
            changing = {id(r) for r in creates + updates}
            self.plan.preview += [r for r in batch.rows if id(r) in changing][:room]
        if self.writer:
            self.writer.create(creates)
            self.writer.update(updates)
        for row in batch.rows:
            identity = row.identity()
            self.done_identities.add(identity)
            for key in row.identifiers():
                self.done[key] = identity
            self.done_names.setdefault(row.stored_name_key(self.plan.rule), set()).add(identity)

    def _clean(self, chunk: list[tuple[int, list[str]]]) -> list[Planned]:
        """The chunk's rows that pass every check of their own; the others are rejected."""
        cleaned = []
        for number, cells in chunk:
            values, tags, errors = _clean_row(number, cells, self.mapping, self.table.headers)
            errors += self._refused_tags(number, tags)
            if errors:
                self.plan.rejected.extend(errors)
            else:
                cleaned.append(Planned(row=number, values=values, tags=tags))
        return cleaned

    def _found(
        self, row: Planned, keys: list[Key], batch: _Batch
    ) -> dict[Identity, Planned | None] | None:
        """Who else the row is: an earlier row of this chunk (given), of an earlier chunk or a
        customer of the pool (None), by identity. None when it is two of them: then rejected."""
        found: dict[Identity, Planned | None] = {}
        for key in keys:
            if key in batch.pending:
                found[batch.pending[key].identity()] = batch.pending[key]
            elif key in self.done:
                found.setdefault(self.done[key], None)
            elif key in batch.pool:
                found.setdefault(("c", batch.pool[key].pk), None)
        if not keys:
            # No phone, no WeChat ID: the same nickname and name is the same person, when
            # exactly one customer the importer may see (or one row before) has them.
            wanted = row.name_key()
            for twin in batch.pending_names.get(wanted, []):
                found.setdefault(twin.identity(), twin)
            for identity in self.done_names.get(wanted, ()):
                found.setdefault(identity, None)
            for customer in batch.named.get(wanted, []):
                found.setdefault(("c", customer.pk), None)
            if len(found) > 1:
                self._reject_ambiguous(row)
                return None
        elif len(found) > 1:
            self._reject_two(row, batch.pool, batch.visible)
            return None
        return found

    def _settle(
        self,
        row: Planned,
        keys: list[Key],
        found: dict[Identity, Planned | None],
        batch: _Batch,
    ) -> bool:
        """Make the row the update of the one person it was found to be; whether it stays a row
        of its own (not folded into an earlier one of this chunk, nor rejected)."""
        plan = self.plan
        identity, earlier = next(iter(found.items()))
        if earlier is not None:
            # The same person twice in this chunk: one customer, the later row folded in.
            _fold(earlier.values, row.values, plan.rule)
            earlier.tags += [t for t in row.tags if t not in earlier.tags]
            plan.merged += 1
            for key in keys:
                batch.pending[key] = earlier
            return False
        if identity in self.done_identities:
            # The same person as a row of an earlier chunk, already planned (or written).
            plan.merged += 1
            if not self.write:
                return False
            row.folded = True
        if not keys:
            row.existing = batch.named_by_pk.get(identity[1]) or self._customer(identity)
            row.by_name = not row.folded
            plan.matched_by_name += row.by_name
        else:
            existing = None
            if identity[0] == "c":
                existing = next((batch.pool[k] for k in keys if k in batch.pool), None)
            if existing is not None and existing.pk not in batch.visible:
                held = "phone" if row.values.get("phone") else "wechat_id"
                column = self.table.headers[self.mapping[held]]
                plan.rejected.append(Rejection(row.row, column, str(DUPLICATE_ELSEWHERE)))
                return False
            row.existing = existing
        if row.existing is None and row.folded and identity[0] == "c":
            # A customer this import created, still staged: the row updates it.
            row.created_pk = identity[1]
        return True

    def _sort(self, rows: list[Planned]) -> tuple[list[Planned], list[Planned]]:
        """The rows that create a customer and those that update one, counted in the plan."""
        plan = self.plan
        creates = [r for r in rows if r.existing is None and r.created_pk is None]
        updates = []
        for row in rows:
            if row.existing is None and row.created_pk is None:
                continue
            # A later row of the same person is always applied: the customer may have changed
            # since the pool was read (by the earlier row, staged but not yet written).
            if row.folded or (
                row.existing is not None and _changes(row.existing, row.values, row.tags, plan.rule)
            ):
                updates.append(row)
                plan.updated += not row.folded
            else:
                plan.unchanged += not row.folded
        plan.created += len(creates)
        return creates, updates

    def _reject_ambiguous(self, row: Planned) -> None:
        column = "nickname" if "nickname" in self.mapping else "name"
        reason = _(
            "Several customers have this nickname and name: add the phone or WeChat ID to say "
            "which one."
        )
        self.plan.rejected.append(
            Rejection(row.row, self.table.headers[self.mapping[column]], reason)
        )

    def _customer(self, identity: Identity) -> Customer | None:
        """A customer written by an earlier chunk, which this chunk's rows found by name."""
        if identity[0] != "c":
            return None
        return _as_read(Customer.objects.visible_to(self.user).filter(pk=identity[1])).first()

    def _lookup(
        self, rows: list[Planned]
    ) -> tuple[dict[Key, Customer], set[int], dict[Key, list[Customer]]]:
        """The pool's customers with this chunk's phones or WeChat IDs, and which of them the
        importer may see; and, for the rows with neither, the customers the importer may see
        with their nickname, by nickname and name."""
        nicknames = {r.values["nickname"] for r in rows if not r.identifiers()}
        named: dict[Key, list[Customer]] = {}
        if nicknames:
            for customer in _as_read(
                Customer.objects.visible_to(self.user).filter(nickname__in=nicknames)
            ):
                named.setdefault(name_key(customer.nickname, customer.name), []).append(customer)
        phones = {r.values["phone"] for r in rows if r.values.get("phone")}
        wechat_ids = {r.values["wechat_id"] for r in rows if r.values.get("wechat_id")}
        if not phones and not wechat_ids:
            return {}, set(), named
        found = _as_read(Customer.objects.filter(Q(phone__in=phones) | Q(wechat_id__in=wechat_ids)))
        pool: dict[Key, Customer] = {}
        for customer in found:
            for key in ("phone", "wechat_id"):
                if getattr(customer, key):
                    pool[(key, getattr(customer, key))] = customer
        visible = set(
            Customer.objects.visible_to(self.user)
            .filter(pk__in={c.pk for c in pool.values()})
            .values_list("pk", flat=True)
        )
        return pool, visible, named


def _as_read(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Customers as the import compares and updates them: with their channel and tags, and
    unordered (the default order made SQLite walk the whole table by `created`)."""
    return customers.order_by().select_related("channel").prefetch_related("tags")


def _fold(into: dict[str, Any], values: dict[str, Any], rule: str) -> None:
    for key, value in values.items():
        if takes(rule, into.get(key), value):
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
        old, new = getattr(customer, key), values.get(key)
        if takes(rule, old, new) and old != new:
            return True
    return False


class _Writer:
    """Writes a chunk's rows: new customers in bulk (with their timeline entries and tags),
    updates one by one through the customer actions, which record what changed.

    With a `staging`, nothing is written during the pass: new customers, timeline entries, tag
    links and new tags go to the staging tables, with the keys they will have reserved at once.
    An update is prepared there too, with the timeline entries the customer actions would make,
    and moves in only if the customer is still as the pass read it (its `updated` time); a
    later row of a customer already changed by the file waits, to be applied through the actions
    at the end. `move_in` then writes it all in one transaction."""

    def __init__(self, user: User, rule: str, staging: Staging | None = None) -> None:
        # Under skip the writer updates only a later row of a person the file already brought
        # in (a folded row is always applied), and it fills that customer's empty fields.
        self.rule = "fill" if rule == "skip" else rule
        self.user, self.staging = user, staging
        self.channels = {c.name: c for c in Channel.objects.all()}
        self.group, _created = TagGroup.objects.get_or_create(name=IMPORT_TAG_GROUP)
        self.tag_cache = {
            t.name: t for t in Tag.objects.select_related("group").order_by("group__position")
        }
        self.tag_ids: list[int] = []  # keys reserved for new tags, when staging
        self.updates: list[tuple[int, dict[str, Any], list[Tag]]] = []  # (customer, values, tags)

    def tags_for(self, names: list[str]) -> list[Tag]:
        found = []
        for name in names:
            if name not in self.tag_cache:
                self.tag_cache[name] = self.new_tag(name[:32])
            found.append(self.tag_cache[name])
        return found

    def new_tag(self, name: str) -> Tag:
        if self.staging is None:
            return Tag.objects.create(group=self.group, name=name)
        if not self.tag_ids:
            # Reserved a hundred at a time: a file can bring thousands of new tags.
            self.tag_ids = reserve_ids(Tag, 100)
        tag = Tag(pk=self.tag_ids.pop(0), group=self.group, name=name)
        self.staging.add(Tag, [{"group_id": self.group.pk, "name": name}], ids=[tag.pk])
        return tag

    def channel_for(self, values: dict[str, Any]) -> Channel | None:
        name = values.pop("channel_name", "")
        if not name:
            return None
        if name in self.channels:
            return self.channels[name]
        # An unknown source keeps its words in the notes rather than growing the owner's list.
        values["notes"] = "\n".join(p for p in [values.get("notes", ""), f"来源：{name}"] if p)
        return self.channels.get("其他")

    def create(self, rows: list[Planned]) -> None:
        customers = []
        for row in rows:
            values = dict(row.values)
            channel = self.channel_for(values)
            if born := values.pop("birthday", None):
                # A new customer celebrates the solar date of birth the file gives.
                values.update(
                    birthday_year=born.year, birthday_month=born.month, birthday_day=born.day
                )
            values.update(
                owner_id=self.user.pk,
                channel_id=channel.pk if channel else None,
                search_pinyin=Customer.search_keys_of(values["nickname"], values.get("name", "")),
            )
            customers.append(values)
        insert = self.staging.add if self.staging else insert_rows
        ids = insert(Customer, customers, return_ids=True)
        now = timezone.now()
        entries, links = [], []
        for row, pk in zip(rows, ids, strict=True):
            row.created_pk = pk
            tags = self.tags_for(row.tags)
            links += [{"customer_id": pk, "tag_id": t.pk} for t in tags]
            # One timeline entry per new customer, naming the tags it came with.
            data: dict[str, Any] = {"source": "import"}
            if tags:
                data["tags"] = sorted(t.name for t in tags)
            entries.append(
                {
                    "customer_id": pk,
                    "kind": ActivityKind.CREATED,
                    "actor_id": self.user.pk,
                    "data": data,
                    "created": now,
                }
            )
        insert(Activity, entries)
        insert(Customer.tags.through, links)

    def update(self, rows: list[Planned]) -> None:
        if self.staging is None:
            for row in rows:
                assert row.existing is not None
                self.apply(row.existing, row.values, self.tags_for(row.tags))
            return
        changed, entries, links = [], [], []
        now = timezone.now()
        for row in rows:
            tags = self.tags_for(row.tags)  # now, while new tags can still be staged
            if row.existing is None or row.folded:
                pk = row.existing.pk if row.existing is not None else row.created_pk
                assert pk is not None
                self.updates.append((pk, row.values, tags))
                continue
            customer, read_at = row.existing, row.existing.updated
            before = actions.snapshot(customer)
            had = {t.pk for t in customer.tags.all()}
            self.assign(customer, row.values)
            customer.set_search_keys()
            changed.append(
                {"id": customer.pk, **{f: getattr(customer, f) for f in UPDATED_COLUMNS},
                 "updated": now, "expected": read_at}
            )  # fmt: skip
            # The entries update_customer and set_tags would make.
            changes = actions.changed_fields(before, actions.snapshot(customer))
            if changes:
                entries.append(self.entry(customer.pk, ActivityKind.EDITED, changes=changes))
            added = {t.pk: t for t in tags if t.pk not in had}
            if added:
                names = sorted(t.name for t in added.values())
                entries.append(self.entry(customer.pk, ActivityKind.TAGGED, tags=names))
                links += [{"customer_id": customer.pk, "tag_id": pk} for pk in added]
        self.staging.update(Customer, changed, check="updated")
        self.staging.add(Activity, entries)
        self.staging.add(Customer.tags.through, links)

    def entry(self, customer_id: int, kind: str, **data: Any) -> dict[str, Any]:
        return {"customer_id": customer_id, "kind": kind, "actor_id": self.user.pk, "data": data}

    def assign(self, customer: Customer, values: dict[str, Any]) -> None:
        """Set a row's values on the customer, by the rule."""
        values = dict(values)
        channel = self.channel_for(values)
        if takes(self.rule, customer.channel_id, channel):
            customer.channel = channel
        for key in UPDATABLE:
            if key != "channel" and takes(self.rule, getattr(customer, key), values.get(key)):
                setattr(customer, key, values[key])

    def apply(self, customer: Customer, values: dict[str, Any], new_tags: list[Tag]) -> None:
        """Update one customer from a row, by the rule, through the customer actions."""
        before = {**actions.snapshot(customer), "grade": customer.grade}
        self.assign(customer, values)
        tags = list(customer.tags.all()) + new_tags
        actions.update_customer(customer=customer, before=before, tags=tags, actor=self.user)

    def move_in(self) -> None:
        """Write what was staged, in one transaction: the new rows, then the updates, each to the
        customer as it is now and still visible to the importer. The database refuses a phone,
        WeChat ID or tag that another user has taken since: then nothing is written."""
        assert self.staging is not None
        try:
            with transaction.atomic():
                self.staging.move_in()
                for start in range(0, len(self.updates), CHUNK):
                    batch = self.updates[start : start + CHUNK]
                    fresh = {
                        c.pk: c
                        for c in Customer.objects.visible_to(self.user)
                        .filter(pk__in={pk for pk, _values, _tags in batch})
                        .order_by()
                        .select_related("channel", "owner")  # the timeline entry names them
                        .prefetch_related("tags")
                    }
                    for pk, values, tags in batch:
                        if pk not in fresh:
                            raise _PoolChanged
                        self.apply(fresh[pk], values, tags)
        except (IntegrityError, StaleRows) as exc:
            raise _PoolChanged from exc

    def discard(self) -> None:
        if self.staging is not None:
            self.staging.discard()
