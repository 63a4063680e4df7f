"""Every list exports to xlsx, scoped like the page it comes from."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    CharField,
    F,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from yutang.accounts.models import User
from yutang.analytics.queries import filter_customers_for_period
from yutang.catalog.models import Product
from yutang.customers.forms import CustomerFilterForm
from yutang.customers.models import (
    BIRTHDAY_FIELDS,
    BirthdayCalendar,
    Customer,
    Gender,
    Lifecycle,
    Tag,
)
from yutang.followups.models import FollowUp
from yutang.lib.xlsx import Sheet
from yutang.orders.models import Order, OrderLine
from yutang.touchpoints.messages import message, reason, templates_by_kind
from yutang.touchpoints.models import Touchpoint

CHUNK = 2000


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


class _Joined(Aggregate):
    """The values of a group (ids, numbers) as one comma-separated text: one column of the row
    instead of a query for each chunk of rows. Their order is not kept."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')", **extra,
        )  # fmt: skip


def _labels(choices: Sequence[tuple[Any, Any]]) -> dict[Any, str]:
    """The labels of a field's choices, translated once for the whole sheet."""
    return {value: str(label) for value, label in choices}


def _display_names() -> Callable[[int | None, str, str, str], str]:
    """A user's display name from their id and names, each worked out once per sheet."""
    names: dict[int | None, str] = {None: ""}

    def name(pk: int | None, first_name: str, last_name: str, username: str) -> str:
        if pk not in names:
            user = User(first_name=first_name, last_name=last_name, username=username)
            names[pk] = user.display_name
        return names[pk]

    return name


def _tag_names() -> Callable[[list[int]], str]:
    """Tags by id as one text, in the order the customer page shows them (by tag group, then
    by name). The vocabulary is read once, and again if a tag was added since."""
    ranks: dict[int, tuple[int, str]] = {}

    def names(ids: list[int]) -> str:
        if any(pk not in ranks for pk in ids):
            ranks.clear()
            ranks.update({tag.pk: (rank, tag.name) for rank, tag in enumerate(Tag.objects.all())})
        return "、".join(name for _rank, name in sorted(ranks[pk] for pk in ids if pk in ranks))

    return names


# What the customer sheet reads of each customer, in the order of `customers`' row tuples.
_CUSTOMER_FIELDS = (
    "pk", "nickname", "name", "wechat_id", "phone", "gender", *BIRTHDAY_FIELDS, "province",
    "city", "district", "address", "channel__name", "grade", "stage", "lifecycle", "tag_ids",
    "owner_id", "owner__first_name", "owner__last_name", "owner__username", "referrer_name",
    "added_on", "visited_store", "vip", "do_not_disturb", "consumed", "notes", "created",
)  # fmt: skip


def customers(user: User, params: QueryDict | dict[str, Any]) -> Sheet:
    """The customer list as the user filtered it. One query reads every row with its tags and
    referrer as plain values (a pond of 100,000 takes seconds, not a minute); the labels, tags,
    owners and birthdays are looked up in memory, each worked out once."""
    form = CustomerFilterForm(params or None, user=user)
    qs = Customer.objects.visible_to(user)
    if form.is_bound and form.is_valid():
        qs = filter_customers_for_period(qs, form.filters(), user=user)
    else:
        qs = qs.order_by("-created", "-id")
    links: Any = Customer.tags.through.objects.filter(customer_id=OuterRef("pk"))
    tag_ids = links.values("customer_id").annotate(ids=_Joined("tag_id")).values("ids")
    # A referrer in another branch stays anonymous to an agent.
    referrer_name: Any = F("referrer__nickname")
    if not user.sees_everything:
        referrer_name = Case(
            When(user.branch_q("referrer__owner__"), then=referrer_name), default=Value("")
        )
    qs = qs.annotate(tag_ids=Subquery(tag_ids), referrer_name=referrer_name)
    headers = [
        _("ID"), _("nickname"), _("real name"), _("WeChat ID"), _("mobile phone"), _("gender"),
        _("birthday"), _("celebrates"), _("province"), _("city"), _("district"),
        _("street address"), _("source"), _("grade"), _("deal stage"), _("lifecycle"),
        _("tags"), _("owner"), _("referred by"), _("friend since"), _("visited the store"),
        _("VIP"), _("do not disturb"), _("has bought (M)"), _("notes"), _("created"),
    ]  # fmt: skip
    genders = _labels(Gender.choices)
    calendars = _labels(BirthdayCalendar.choices)
    lifecycles = _labels(Lifecycle.choices)

    def rows() -> Iterator[Sequence[Any]]:
        tags = _tag_names()
        owner_name = _display_names()
        birthdays: dict[tuple[Any, ...], date | str | None] = {}
        born = Customer()  # the model's rules for a birthday, for each new one
        here = timezone.get_current_timezone()
        for (
            pk, nickname, name, wechat_id, phone, gender, calendar, month, day, year, leap,
            province, city, district, address, channel, grade, stage, lifecycle, ids,
            owner_id, first_name, last_name, username, referrer, added_on, visited_store, vip,
            do_not_disturb, consumed, notes, created,
        ) in qs.values_list(*_CUSTOMER_FIELDS).iterator(chunk_size=CHUNK):  # fmt: skip
            birthday_key = (calendar, month, day, year, leap)
            if birthday_key in birthdays:
                birthday = birthdays[birthday_key]
            else:
                for field, value in zip(BIRTHDAY_FIELDS, birthday_key, strict=True):
                    setattr(born, field, value)
                birthday = birthdays[birthday_key] = born.birthday or born.birthday_label or None
            tag_names = tags([int(i) for i in ids.split(",")]) if ids else ""
            yield [
                pk, nickname, name, wechat_id, phone, genders.get(gender, gender), birthday,
                calendars.get(calendar, calendar), province, city, district, address,
                channel or "", grade, stage, lifecycles.get(lifecycle, lifecycle), tag_names,
                owner_name(owner_id, first_name, last_name, username), referrer or "",
                added_on, visited_store, vip, do_not_disturb, consumed, notes,
                created.astimezone(here),
            ]  # fmt: skip

    return Sheet(_("Customers"), headers, rows())


def orders(user: User, params: QueryDict | dict[str, Any]) -> Sheet:
    """Every visible order with its amounts (`with_totals`, the rule of `Order.total()`) and its
    lines, from one query of plain values."""
    lines: Any = OrderLine.objects.filter(order_id=OuterRef("pk"))
    line = Concat(
        Cast("id", CharField()), Value(":"), Cast("product_id", CharField()), Value(":"),
        Cast("quantity", CharField()), output_field=CharField(),
    )  # fmt: skip
    qs = (
        Order.objects.visible_to(user)
        .with_totals()
        .annotate(line_list=Subquery(lines.values("order_id").annotate(x=_Joined(line)).values("x")))
        .order_by("-created", "-id")
        .values_list(
            "pk", "customer__nickname", "status", "line_list", "goods_amount", "discount",
            "total_amount", "goods_cost", "payment_method", "courier", "tracking_number",
            "recipient_name", "recipient_phone", "recipient_address", "customer__name",
            "customer__phone", "customer__province", "customer__city", "customer__district",
            "customer__address", "seller_id", "seller__first_name", "seller__last_name",
            "seller__username", "created", "paid_at", "shipped_at", "signed_at", "completed_at",
            "note",
        )
    )  # fmt: skip
    headers = [
        _("Order"), _("customer"), _("status"), _("Products"), _("Subtotal"), _("discount"),
        _("Total"), _("Cost"), _("payment method"), _("courier"), _("tracking number"),
        _("recipient"), _("recipient's phone"), _("delivery address"),
        _("seller"), _("created"), _("paid"), _("shipped"), _("signed for"), _("completed"),
        _("note"),
    ]  # fmt: skip
    statuses = _labels(Order._meta.get_field("status").choices or [])
    methods = _labels(Order._meta.get_field("payment_method").choices or [])

    def rows() -> Iterator[Sequence[Any]]:
        products: dict[int, str] = {}
        seller_name = _display_names()
        for (
            pk, customer, status, line_list, subtotal, discount, total, cost, method, courier,
            tracking_number, recipient, recipient_phone, recipient_address, customer_name,
            customer_phone, province, city, district, address, seller_id, first_name, last_name,
            username, created, paid_at, shipped_at, signed_at, completed_at, note,
        ) in qs.iterator(chunk_size=CHUNK):  # fmt: skip
            products_text = ""
            if line_list:
                order_lines = sorted(
                    tuple(int(part) for part in item.split(":")) for item in line_list.split(",")
                )
                if any(product not in products for _id, product, _quantity in order_lines):
                    # The catalogue once, and again if a product was added since.
                    products.update(Product.objects.values_list("pk", "name"))
                    products.update({p: "" for _i, p, _q in order_lines if p not in products})
                products_text = "、".join(
                    f"{products[product]}×{quantity}" for _id, product, quantity in order_lines
                )
            delivery = (recipient, recipient_phone, recipient_address)
            if not all(delivery):
                # The order page's rule: what the order lacks, the customer's details say now.
                order = Order(
                    recipient_name=recipient, recipient_phone=recipient_phone,
                    recipient_address=recipient_address,
                    customer=Customer(
                        nickname=customer, name=customer_name, phone=customer_phone,
                        province=province, city=city, district=district, address=address,
                    ),
                )  # fmt: skip
                delivery = (order.delivery_name, order.delivery_phone, order.delivery_address)
            yield [
                pk, customer, statuses.get(status, status), products_text, subtotal, discount,
                total, cost, methods.get(method, method), courier, tracking_number, *delivery,
                seller_name(seller_id, first_name, last_name, username), _local(created),
                _local(paid_at), _local(shipped_at), _local(signed_at), _local(completed_at),
                note,
            ]  # fmt: skip

    return Sheet(_("Orders"), headers, rows())


def followups(user: User, params: QueryDict | dict[str, Any]) -> Sheet:
    qs = (
        FollowUp.objects.visible_to(user)
        .order_by("-at")
        .values_list(
            "customer__nickname", "at", "channel", "stage", "summary", "next_step",
            "next_contact_on", "amount", "author_id", "author__first_name", "author__last_name",
            "author__username",
        )
    )  # fmt: skip
    headers = [
        _("customer"), _("when"), _("channel"), _("deal stage"), _("what was covered"),
        _("next step"), _("next contact date"), _("expected amount"), _("Responsible"),
    ]  # fmt: skip
    channels = _labels(FollowUp._meta.get_field("channel").choices or [])

    def rows() -> Iterator[Sequence[Any]]:
        author_name = _display_names()
        for (
            customer, at, channel, stage, summary, next_step, next_contact_on, amount,
            author_id, first_name, last_name, username,
        ) in qs.iterator(chunk_size=CHUNK):  # fmt: skip
            yield [
                customer, _local(at), channels.get(channel, channel), stage, summary,
                next_step, next_contact_on, amount,
                author_name(author_id, first_name, last_name, username),
            ]  # fmt: skip

    return Sheet(_("Follow-ups"), headers, rows())


def touchpoints(user: User, params: QueryDict | dict[str, Any]) -> Sheet:
    qs = Touchpoint.objects.visible_to(user).select_related("customer").order_by("due_on", "id")
    state = params.get("state", "")
    if state:
        qs = qs.filter(state=state)
    templates = templates_by_kind()
    headers = [
        _("customer"), _("kind"), _("due"), _("reason"), _("Suggested messages"), _("state"),
    ]  # fmt: skip

    def rows() -> Iterator[Sequence[Any]]:
        for tp in qs.iterator(chunk_size=CHUNK):
            yield [
                tp.customer.nickname, tp.get_kind_display(), tp.due_on, reason(tp),
                message(tp, templates), tp.get_state_display(),
            ]  # fmt: skip

    return Sheet(_("Touchpoints"), headers, rows())


EXPORTS: dict[str, Callable[[User, Any], Sheet]] = {
    "customers": customers,
    "orders": orders,
    "followups": followups,
    "touchpoints": touchpoints,
}
