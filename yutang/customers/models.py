from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, TruncDate, TruncMonth
from django.db.models.lookups import IContains
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from yutang.lib.cncalendar import from_lunar, month_day_label, next_birthday_of, to_lunar
from yutang.lib.names import default_salutation
from yutang.lib.pinyin import search_keys

from . import textsearch

if TYPE_CHECKING:
    from yutang.accounts.models import User


class Grade(models.TextChoices):
    AA = "AA", _("AA · has bought")
    A = "A", _("A · about to buy")
    B = "B", _("B · buys from competitors")
    C = "C", _("C · has potential")
    D = "D", _("D · no intent yet")
    F = "F", _("F · will not buy")


GRADE_ADVICE = {
    Grade.AA: _("Ask about the experience, tell them first about offers, remind repurchase."),
    Grade.A: _("Push for the order."),
    Grade.B: _("Talk more and win them over."),
    Grade.C: _("Has potential: nurture."),
    Grade.D: _("Light upkeep, product knowledge."),
    Grade.F: _("Occasional broadcast only."),
}


class Gender(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")


class BirthdayCalendar(models.TextChoices):
    SOLAR = "solar", _("Solar")
    LUNAR = "lunar", _("Lunar")


class Stage(models.TextChoices):
    A = "a", _("a · closes next time")
    B = "b", _("b · pain found, not convinced")
    C = "c", _("c · need not yet clear")
    D = "d", _("d · not yet talked")


class Lifecycle(models.TextChoices):
    PROSPECT = "prospect", _("prospect")
    NEW = "new", _("new")
    RETURNING = "returning", _("returning")
    LOYAL = "loyal", _("loyal")
    FAN = "fan", _("fan")
    DISTRIBUTOR = "distributor", _("distributor")
    CHURNED = "churned", _("churned")


class ValueClass(models.TextChoices):
    A = "A", _("A · top")
    B = "B", _("B · middle")
    C = "C", _("C · the rest")


class ValueFlag(models.TextChoices):
    POTENTIAL = "potential", _("potential A (潜力A)")
    LOSS = "loss", _("loss-maker: candidate to let go (淘汰候选)")


class Channel(models.Model):
    """Where a customer came from (来源); the owner edits the list."""

    name = models.CharField(_("name"), max_length=32, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("source channel")
        verbose_name_plural = _("source channels")

    def __str__(self) -> str:
        return self.name


class TagGroup(models.Model):
    """A dimension of tags (seed 003): age band, interest, region, need …"""

    name = models.CharField(_("name"), max_length=32, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("tag group")
        verbose_name_plural = _("tag groups")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    group = models.ForeignKey(
        TagGroup, verbose_name=_("tag group"), on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(_("name"), max_length=32)

    class Meta:
        ordering = ["group__position", "group__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="tag_unique_in_group")
        ]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def may_be_added_by(user: User) -> bool:
        """The tags are the owner's vocabulary: only the owner adds one, through the API or by
        importing a file that names it; everyone else chooses among the existing ones."""
        return user.is_owner


def tag_groups_with_tags() -> list[tuple[TagGroup, list[Tag]]]:
    """Every tag, by its group: the tag pickers of the list, the form and the customer's page."""
    by_group: dict[TagGroup, list[Tag]] = defaultdict(list)
    for tag in Tag.objects.select_related("group"):
        by_group[tag.group].append(tag)
    return list(by_group.items())


# The customer list's filter values for "no grade" and "no ABC class yet".
NOT_GRADED = "none"
NO_PURCHASE = "none"
CUSTOMER_FLAGS = ("visited_store", "vip", "do_not_disturb")
TagMode = Literal["any", "all"]
TAG_MODES: tuple[TagMode, ...] = ("any", "all")
# The customer list's sorts, each with its order_by and a tie-breaker.
CUSTOMER_SORTS = {
    "-created": ("-created", "-id"),
    "created": ("created", "id"),
    "name": ("search_pinyin", "id"),
    "grade": ("grade_rank", "-created"),
    "-added_on": ("-added_on", "-id"),
    "-profit": ("-profit", "-id"),
    "profit": ("profit", "id"),
}
DEFAULT_SORT = "-created"


_Row = TypeVar("_Row", bound=models.Model)


# On PostgreSQL, a search that matches at most this many customers is run by their ids.
RARE_MATCHES = 1000


def search_text(text: str) -> str:
    """The text a search compares: without spaces or NUL (PostgreSQL refuses one in a query's
    text), in lower case."""
    return "".join(text.replace("\x00", "").split()).lower()


def search_q(text: str, *, past_indexes: bool = False) -> Q:
    """What a search of `search_text` matches, on both databases. `past_indexes` compares the
    nickname and the name as an expression that no index has: the same values, but PostgreSQL
    then estimates a text too short for the trigram indexes as it did before them. With the
    statistics of the indexes' expressions it reckons "zs" rare in the nicknames, gathers an
    agent's whole branch and sorts it (900 ms at 1M) instead of walking the list's order
    until a page is full (230 ms)."""
    digits = text.removeprefix("+86")
    if past_indexes:
        names = IContains(Concat("nickname", Value("")), text) | IContains(
            Concat("name", Value("")), text
        )
    else:
        names = Q(nickname__icontains=text) | Q(name__icontains=text)
    q = names | Q(wechat_id__startswith=text) | Q(search_pinyin__contains=text)
    if digits.isdigit():
        q |= Q(phone__startswith=digits) | Q(phone__endswith=digits)
    return q


class OfCustomerQuerySet(models.QuerySet[_Row]):
    """Rows that belong to a customer (orders, payments, follow-ups, touchpoints): a user sees
    one exactly when they see its customer."""

    def visible_to(self, user: User) -> Self:
        return self.filter(customer__in=Customer.objects.visible_to(user))


class CustomerQuerySet(models.QuerySet["Customer"]):
    def update(self, **kwargs: Any) -> int:
        """An update that writes the friend-added date or the creation time also writes the
        joined day and month derived from them, as `JoinedField` does for one row."""
        if {"added_on", "created"} & set(kwargs):
            added = _as_expression(kwargs.get("added_on", F("added_on")), models.DateField())
            created = _as_expression(kwargs.get("created", F("created")), models.DateTimeField())
            joined = Coalesce(added, TruncDate(created), output_field=models.DateField())
            kwargs.update(joined_on=joined, joined_month=TruncMonth(joined))
        return super().update(**kwargs)

    def visible_to(self, user: User) -> CustomerQuerySet:
        """Owner and staff see the whole pool; an agent sees their own branch, recursively."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self.all()
        if not user.tree_path:
            return self.none()
        return self.filter(user.branch_q("owner__"))

    def search(self, text: str) -> CustomerQuerySet:
        """Customers whose nickname or name holds the text (any case), whose pinyin keys hold
        it, whose WeChat ID starts with it or, for digits, whose phone starts or ends with them.
        The conditions are `search_q`'s; the text index (`textsearch`) finds the rows to test."""
        text = search_text(text)
        if not text:
            return self
        q = search_q(text)
        digits = text.removeprefix("+86")
        texts = [text, *([digits] if digits.isdigit() else [])]
        connection = connections[self.db]
        if not textsearch.indexable(*texts):
            if connection.vendor == "postgresql":
                return self.filter(search_q(text, past_indexes=True))
            return self.filter(q)
        if connection.vendor == "sqlite" and textsearch.fts_available(connection):
            candidates = RawSQL(
                textsearch.fts_candidates_sql(), [textsearch.match_expression(*texts)]
            )
            return self.filter(pk__in=candidates).filter(q)
        if connection.vendor == "postgresql":
            # Given the LIKE conditions, the planner reckons that a search matches a share of
            # the pool and walks the index of the list's order for the first page: right for a
            # common text, but for one that matches a few customers or none it reads the whole
            # pool. So the trigram indexes are asked first for a few more ids than RARE_MATCHES
            # (in a CTE of its own, planned as if all were wanted: with the LIMIT in sight the
            # planner would scan the table for it), and when that is all there are, the query
            # is about those ids alone.
            matches = Customer.objects.using(self.db).filter(q).order_by().values("pk")
            sql, params = matches.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"WITH matches AS MATERIALIZED ({sql}) SELECT * FROM matches LIMIT %s",
                    [*params, RARE_MATCHES + 1],
                )
                ids = [row[0] for row in cursor.fetchall()]
            if len(ids) <= RARE_MATCHES:
                return self.filter(pk__in=ids)
        return self.filter(q)

    def search_like(self, text: str) -> CustomerQuerySet:
        """The search by its LIKE conditions alone, over every row: what the search was before
        the text indexes, and still is without them. For the tests and the benchmark."""
        text = search_text(text)
        return self.filter(search_q(text)) if text else self

    def graded(self, grades: Iterable[str]) -> CustomerQuerySet:
        """Customers of any of these grades; NOT_GRADED stands for the customers without one."""
        grades = list(grades)
        cond = Q(grade__in=[g for g in grades if g != NOT_GRADED])
        if NOT_GRADED in grades:
            cond |= Q(grade="")
        return self.filter(cond)

    def tagged(self, tag_ids: Iterable[int], mode: TagMode = "any") -> CustomerQuerySet:
        """Customers with any (mode "any") or every (mode "all") one of these tags."""
        tag_ids = list(dict.fromkeys(tag_ids))
        links: Any = Customer.tags.through.objects.filter(tag__in=tag_ids)
        if mode == "all":
            links = links.values("customer_id").annotate(n=Count("tag_id")).filter(n=len(tag_ids))
        return self.filter(pk__in=links.values("customer_id"))

    def in_lifecycle(self, stages: Iterable[str]) -> CustomerQuerySet:
        return self.filter(lifecycle__in=list(stages))

    def at_stage(self, stages: Iterable[str]) -> CustomerQuerySet:
        return self.filter(stage__in=list(stages))

    def flagged(self, **flags: bool | None) -> CustomerQuerySet:
        """visited_store, vip, do_not_disturb: True or False filters, None leaves unfiltered."""
        unknown = set(flags) - set(CUSTOMER_FLAGS)
        if unknown:
            raise TypeError(f"not a customer flag: {sorted(unknown)}")
        return self.filter(**{flag: value for flag, value in flags.items() if value is not None})

    def in_class(self, classes: Iterable[str]) -> CustomerQuerySet:
        """Customers of any of these ABC classes; NO_PURCHASE stands for those without one."""
        return self.filter(value_class__in=[c if c != NO_PURCHASE else "" for c in classes])

    def value_flagged(self, flag: str) -> CustomerQuerySet:
        return self.filter(value_flag=flag)

    def ordered_by(self, sort: str) -> CustomerQuerySet:
        """One of CUSTOMER_SORTS. The profit sorts need the `profit` annotation."""
        qs: Any = self
        if sort == "grade":
            qs = qs.annotate(
                grade_rank=Case(
                    *[When(grade=g, then=Value(i)) for i, g in enumerate(Grade.values)],
                    default=Value(len(Grade.values)),
                    output_field=IntegerField(),
                )
            )
        return qs.order_by(*CUSTOMER_SORTS[sort])


# A birthday is a month and a day, or nothing at all (then no year and no leap month either);
# a solar day exists in its month (29 Feb included: the year may be unknown), a lunar day is one
# of 初一…三十, and only a lunar month is a leap month.
_BIRTHDAY_UNSET = Q(
    birthday_month__isnull=True,
    birthday_day__isnull=True,
    birthday_year__isnull=True,
    birthday_leap=False,
)
_SOLAR_DAY = (
    Q(birthday_month__in=[1, 3, 5, 7, 8, 10, 12], birthday_day__lte=31)
    | Q(birthday_month__in=[4, 6, 9, 11], birthday_day__lte=30)
    | Q(birthday_month=2, birthday_day__lte=29)
)
BIRTHDAY_VALID = _BIRTHDAY_UNSET | (
    Q(
        birthday_month__isnull=False,
        birthday_day__isnull=False,
        birthday_month__gte=1,
        birthday_month__lte=12,
        birthday_day__gte=1,
    )
    & (Q(birthday_year__isnull=True) | Q(birthday_year__gte=1, birthday_year__lte=9999))
    & (
        (Q(birthday_calendar=BirthdayCalendar.SOLAR, birthday_leap=False) & _SOLAR_DAY)
        | Q(birthday_calendar=BirthdayCalendar.LUNAR, birthday_day__lte=30)
    )
)


# What Customer.next_birthday reads.
BIRTHDAY_FIELDS = (
    "birthday_calendar",
    "birthday_month",
    "birthday_day",
    "birthday_year",
    "birthday_leap",
)


def _as_expression(value: Any, field: models.Field) -> Any:
    return value if hasattr(value, "resolve_expression") else Value(value, output_field=field)


def joined_of(added_on: date | None, created: datetime | None) -> tuple[date, date]:
    """The day a customer became a friend and its month's first day: the friend-added date,
    else the local day the record was made (today when not yet made)."""
    if isinstance(added_on, str):  # as a test or a shell may give it, before the field cleans it
        added_on = date.fromisoformat(added_on)
    if added_on is None:
        moment = created or timezone.now()
        # A naive moment is in the default time zone, as the database field takes it.
        added_on = timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
    return added_on, added_on.replace(day=1)


class JoinedField(models.DateField):
    """The customer's joined day (or its month's first day, with `month=True`), which the
    model derives from `added_on` and `created` whenever it writes the row: `save`, `create`
    and `bulk_create` all ask each field's `pre_save`. Migrations see a plain DateField."""

    def __init__(self, *args: Any, month: bool = False, **kwargs: Any) -> None:
        self.month = month
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateField", args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> date:
        customer: Any = model_instance
        day, month = joined_of(customer.added_on, customer.created)
        value = month if self.month else day
        setattr(model_instance, self.attname, value)
        return value


class Customer(models.Model):
    nickname = models.CharField(_("nickname"), max_length=64)
    name = models.CharField(_("real name"), max_length=32, blank=True)
    salutation = models.CharField(
        _("salutation"),
        max_length=16,
        blank=True,
        help_text=_(
            "How messages address them, e.g. 王姐, 小美, 亲. Blank: the nickname without sort "
            "letters, emoji and shop words."
        ),
    )
    wechat_id = models.CharField(_("WeChat ID"), max_length=20, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    # The birthday as the customer celebrates it: a month and a day of `birthday_calendar`, the
    # year (of that calendar: the lunar year for a lunar birthday) only when known, and for a
    # lunar birthday whether the month is a leap month (闰). No year is ever made up.
    birthday_calendar = models.CharField(
        _("celebrates"),
        max_length=5,
        choices=BirthdayCalendar.choices,
        default=BirthdayCalendar.SOLAR,
        help_text=_("Many customers celebrate their lunar birthday."),
    )
    birthday_month = models.PositiveSmallIntegerField(_("birthday month"), null=True, blank=True)
    birthday_day = models.PositiveSmallIntegerField(_("birthday day"), null=True, blank=True)
    birthday_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birthday_leap = models.BooleanField(_("leap month"), default=False)
    province = models.CharField(_("province"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=32, blank=True)
    district = models.CharField(_("district"), max_length=32, blank=True)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    referrer = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    added_on = models.DateField(_("friend since"), null=True, blank=True)
    visited_store = models.BooleanField(_("visited the store"), default=False)
    vip = models.BooleanField(_("VIP"), default=False)
    do_not_disturb = models.BooleanField(_("do not disturb"), default=False)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    agent_account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("became an agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer_record",
        help_text=_("The agent account of a customer who became a distributor."),
    )
    # Derived state, kept by the follow-up and order actions in the same transaction.
    stage = models.CharField(_("deal stage"), max_length=1, choices=Stage.choices, blank=True)
    deal_amount = models.DecimalField(
        _("expected amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    consumed = models.BooleanField(_("has bought (M)"), default=False)
    lifecycle = models.CharField(
        _("lifecycle"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.PROSPECT
    )
    # Value classes, recomputed from the order statistics by `yutang run_daily` and on demand.
    value_class = models.CharField(
        _("ABC class"), max_length=1, choices=ValueClass.choices, blank=True, editable=False
    )
    value_flag = models.CharField(
        _("value flag"), max_length=10, choices=ValueFlag.choices, blank=True, editable=False
    )
    cooperation = models.PositiveSmallIntegerField(
        _("cooperation (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("How easy they are to work with: pays on time, few complaints, refers others."),
    )
    search_pinyin = models.CharField(max_length=500, blank=True, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    # The day they became friends (the friend-added date, else the local day the record was
    # made) and its month, stored so that the growth funnel groups and filters by a column
    # instead of converting every customer's timestamp; JoinedField derives them.
    joined_on = JoinedField()
    joined_month = JoinedField(month=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            # One record per real person: the same phone or WeChat ID is the same customer.
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="customer_unique_phone"
            ),
            models.UniqueConstraint(
                fields=["wechat_id"], condition=~Q(wechat_id=""), name="customer_unique_wechat_id"
            ),
            models.CheckConstraint(
                condition=Q(grade__in=["", *Grade.values]), name="customer_grade_valid"
            ),
            models.CheckConstraint(condition=BIRTHDAY_VALID, name="customer_birthday_valid"),
        ]
        indexes = [
            # The partial unique indexes serve only queries that exclude "": these serve
            # every lookup by phone or WeChat ID (forms, imports) in both databases.
            models.Index(fields=["phone"], name="customer_phone_idx"),
            models.Index(fields=["wechat_id"], name="customer_wechat_id_idx"),
            models.Index(fields=["grade"], name="customer_grade_idx"),
            models.Index(fields=["stage"], name="customer_stage_idx"),
            models.Index(fields=["lifecycle"], name="customer_lifecycle_idx"),
            models.Index(fields=["value_class"], name="customer_value_class_idx"),
            models.Index(fields=["owner", "-created"], name="customer_owner_created_idx"),
            # Growth progress and a period's funnel find their friends by the day, and tell
            # the undated ones by added_on without reading the row. Two columns also keep
            # SQLite from taking it for the smallest index when it only wants every id: in
            # date order, the statistics rows it then joins come in random order (value
            # classes and RFM twice as slow). No index on the month: the whole pool's funnel
            # reads every customer, three times faster in the table's order than along one.
            models.Index(fields=["joined_on", "added_on"], name="customer_joined_on_idx"),
        ]

    def __str__(self) -> str:
        return self.nickname

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.set_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"nickname", "name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_pinyin"}
        if update_fields is not None and {"added_on", "created"} & set(update_fields):
            kwargs["update_fields"] = {*kwargs["update_fields"], "joined_on", "joined_month"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @classmethod
    def bulk_rows(cls, rows: list[dict[str, Any]], *, update: bool) -> list[dict[str, Any]]:
        """Rows written without the model (imports' bulk inserts and updates, by their field
        attnames) with the columns the model derives, the joined day and month: a new row's
        from its own `added_on` and `created`, an update's that writes `added_on` from the
        `created` the customer has."""
        if not rows or update and not {"added_on", "created"} & set(rows[0]):
            return rows
        created: dict[int, datetime] = {}
        if update and "created" not in rows[0]:
            created = dict(
                cls.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", "created")
            )
        result = []
        for row in rows:
            moment = row.get("created") or created.get(row.get("id", 0))
            joined_on, joined_month = joined_of(row.get("added_on"), moment)
            result.append({**row, "joined_on": joined_on, "joined_month": joined_month})
        return result

    @property
    def addressed_as(self) -> str:
        """How a message to the customer addresses them (称呼): the salutation the seller set,
        else the nickname cleaned of sort prefixes, emoji and shop words, else 亲."""
        return self.salutation or default_salutation(self.nickname) or "亲"

    def set_search_keys(self) -> None:
        self.search_pinyin = self.search_keys_of(self.nickname, self.name)

    @staticmethod
    def search_keys_of(nickname: str, name: str) -> str:
        """The pinyin keys of a customer with these names (for rows inserted without a model),
        cut to the column at a key's end: a long nickname full of heteronyms has more spellings
        than the column holds, and a search key may lose its rarest spellings but never fail."""
        return search_keys(
            nickname, name, limit=Customer._meta.get_field("search_pinyin").max_length
        )

    @property
    def has_birthday(self) -> bool:
        return self.birthday_month is not None and self.birthday_day is not None

    @property
    def lunar_birthday(self) -> bool:
        return self.birthday_calendar == BirthdayCalendar.LUNAR

    @property
    def birthday(self) -> date | None:
        """The solar date of birth, when the year is known: what the API and the exports called
        the birthday before it was kept as a month and a day."""
        if not self.has_birthday or self.birthday_year is None:
            return None
        assert self.birthday_month is not None and self.birthday_day is not None
        try:
            if self.lunar_birthday:
                return from_lunar(
                    self.birthday_year,
                    self.birthday_month,
                    self.birthday_day,
                    leap=self.birthday_leap,
                )
            return date(self.birthday_year, self.birthday_month, self.birthday_day)
        except ValueError:
            return None  # a lunar date outside the supported range, or one that never was

    @birthday.setter
    def birthday(self, born: date | None) -> None:
        """Keep a solar date of birth as the month, day and year of the birthday's calendar
        (set `birthday_calendar` first)."""
        self.birthday_leap = False
        if born is None:
            self.birthday_month = self.birthday_day = self.birthday_year = None
            return
        if self.lunar_birthday:
            try:
                lunar = to_lunar(born)
            except ValueError:
                # Outside the lunar calendar's known range: kept as the solar date it is.
                self.birthday_calendar = BirthdayCalendar.SOLAR
            else:
                self.birthday_year, self.birthday_month = lunar.year, lunar.month
                self.birthday_day, self.birthday_leap = lunar.day, lunar.leap
                return
        self.birthday_year, self.birthday_month, self.birthday_day = born.year, born.month, born.day

    def next_birthday(self, on_or_after: date) -> date | None:
        """The first day on or after `on_or_after` the customer celebrates, None without a
        birthday (ValueError outside the calendar's range). A lunar birthday of a leap month
        falls in the ordinary month in years without that leap month, 三十 on 廿九 in a month of
        29 days; a solar 29 Feb on 28 Feb in common years."""
        if not self.has_birthday:
            return None
        assert self.birthday_month is not None and self.birthday_day is not None
        return next_birthday_of(
            self.birthday_month,
            self.birthday_day,
            lunar=self.lunar_birthday,
            leap=self.birthday_leap,
            on_or_after=on_or_after,
            born=self.birthday,
        )

    def next_birthday_label(self, on_or_after: date) -> str:
        """下次生日 as the customer page shows it: 2027年2月3日（农历正月初七）, "" without one."""
        try:
            day = self.next_birthday(on_or_after)
        except ValueError:
            return ""
        if day is None:
            return ""
        try:
            lunar = to_lunar(day).label
        except ValueError:
            return f"{day.year}年{day.month}月{day.day}日"
        return f"{day.year}年{day.month}月{day.day}日（农历{lunar}）"

    @property
    def birthday_label(self) -> str:
        """1990年5月20日, 5月20日, 农历1990年正月初七, 农历闰四月十五 — or ""."""
        if not self.has_birthday:
            return ""
        assert self.birthday_month is not None and self.birthday_day is not None
        text = month_day_label(
            self.birthday_month,
            self.birthday_day,
            lunar=self.lunar_birthday,
            leap=self.birthday_leap,
        )
        if self.birthday_year is not None:
            text = f"{self.birthday_year}年{text}"
        return f"农历{text}" if self.lunar_birthday else text

    @property
    def display_name(self) -> str:
        if self.name and self.name != self.nickname:
            return f"{self.nickname}（{self.name}）"
        return self.nickname

    @property
    def region(self) -> str:
        parts = [self.province, self.city, self.district]
        # Municipalities repeat themselves: 北京市 北京市 朝阳区 reads as 北京市 朝阳区.
        return "".join(dict.fromkeys(p for p in parts if p))

    @property
    def full_address(self) -> str:
        return self.region + self.address

    @property
    def grade_advice(self) -> str:
        return str(GRADE_ADVICE.get(Grade(self.grade), "")) if self.grade else ""

    def automatic_grade(self, *, has_paid_order: bool) -> str | None:
        """The grade the rules impose, or None when the grade is the seller's call.

        A customer with a paid order is AA (seed 000). Orders call this through
        `actions.apply_automatic_grade` whenever an order is paid.
        """
        if has_paid_order:
            return Grade.AA
        return None


class GradeReason(models.TextChoices):
    """Why a grade changed without a user choosing it, kept with the change on the timeline."""

    PAID_ORDER = "paid_order", _("a paid order")
    MERGE = "merge", _("merge")


# The fields of a customer that point at another customer (a test keeps the list whole). The
# timeline stores them by id and names that customer only to a reader who may see them.
CUSTOMER_REFERENCES = frozenset({"referrer"})
# What the timeline says for a customer the reader may not see, or one that no longer exists.
ANOTHER_CUSTOMER = _("another customer")
# A flag's value on the timeline.
YES, NO = _("Yes"), _("No")


class ActivityKind(models.TextChoices):
    CREATED = "created", _("created")
    EDITED = "edited", _("edited")
    GRADE = "grade", _("grade changed")
    TAGGED = "tagged", _("tagged")
    UNTAGGED = "untagged", _("tag removed")
    MERGED = "merged", _("merged")
    IMPORTED = "imported", _("imported")
    FOLLOWUP = "followup", _("follow-up")
    ORDER = "order", _("order")
    ORDER_STATUS = "order_status", _("order status")
    SHIPPING = "shipping", _("shipping details")
    DEAL_WON = "deal_won", _("deal won")
    COST = "cost", _("cost of keeping")
    TOUCHPOINT = "touchpoint", _("touchpoint")
    PAYMENT = "payment", _("payment")


class Activity(models.Model):
    """The customer's timeline: the single history every page reads (append-only)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)

    # An edit as the reader may see it, set by `access.timeline_for`.
    changes_shown: list[tuple[str, Any, Any]] = []

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["customer", "-created"], name="activity_customer_idx")]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id}"

    def referenced_customer_ids(self) -> set[int]:
        """The other customers this entry shows: the referrer before and after an edit."""
        if self.kind != ActivityKind.EDITED:
            return set()
        changes = self.data.get("changes") or {}
        values = [v for f in CUSTOMER_REFERENCES for v in changes.get(f) or ()]
        return {v for v in values if type(v) is int}

    def shown_changes(self, names: dict[int, str]) -> list[tuple[str, Any, Any]]:
        """An edit as (field label, before, after). Another customer is named from `names`, the
        customers the reader may see; any other is "another customer", never its name."""
        if self.kind != ActivityKind.EDITED:
            return []
        shown = []
        for field, change in (self.data.get("changes") or {}).items():
            before, after = change if isinstance(change, list) and len(change) == 2 else ("", "")
            if field in CUSTOMER_REFERENCES:
                before, after = _customer_label(before, names), _customer_label(after, names)
            else:
                before, after = _value_label(field, before), _value_label(field, after)
            shown.append((_field_label(field), before, after))
        return shown

    def grade_reason(self) -> str:
        """Why a grade change happened, in words; "" when a user chose the grade (or the code
        is unknown: a code is never shown as it is stored)."""
        code = self.data.get("reason") if self.kind == ActivityKind.GRADE else None
        return str(GradeReason(code).label) if code in GradeReason.values else ""


def _customer_label(value: Any, names: dict[int, str]) -> str:
    if value in (None, ""):
        return ""
    if type(value) is int and value in names:
        return names[value]
    return str(ANOTHER_CUSTOMER)


def _value_label(field: str, value: Any) -> Any:
    """A value an edit stored, as the reader reads it: a choice by its label, a flag as yes or
    no; anything else (text, a date, a name) as it is."""
    if isinstance(value, bool):
        return YES if value else NO
    try:
        choices = getattr(Customer._meta.get_field(field), "choices", None)
    except FieldDoesNotExist:
        return value
    if not choices or value in ("", None):
        return value
    return dict(choices).get(value, value)


def _field_label(field: str) -> str:
    try:
        model_field = Customer._meta.get_field(field)
    except FieldDoesNotExist:
        return field
    return str(capfirst(getattr(model_field, "verbose_name", field)))


def _money(label: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=Decimal(0))


class CustomerStats(models.Model):
    """One row of order statistics per customer, kept by the order and cost actions in the same
    transaction, so that ABC, Pareto and RFM read one row per customer instead of every order
    line. Paid orders only: a refunded or cancelled order counts for nothing.

    Derived customer state, like `consumed` and the value class: the model lives with the
    customer so that the customers app reads it (the list's profit column, the RFM filter);
    `yutang.analytics.actions` computes it. The table keeps the name it had in analytics."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )
    orders = models.PositiveIntegerField(_("paid orders"), default=0)
    first_paid_at = models.DateTimeField(_("first purchase"), null=True, blank=True)
    last_paid_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    # The local day of the last purchase as a day number, so that recency is plain arithmetic
    # in SQL on every database (means, min–max normalisation).
    last_paid_day = models.PositiveIntegerField(null=True, blank=True, editable=False)
    revenue = _money(_("revenue"))  # lines less order discounts
    cost = _money(_("cost of goods"))
    keep_cost = _money(_("cost of keeping"))  # gifts, coupons, rewards
    profit = _money(_("profit contribution"))
    referred_buyers = models.PositiveIntegerField(_("referred buyers"), default=0)
    pay_delay_hours = models.FloatField(_("hours from order to payment"), null=True, blank=True)
    score = models.FloatField(_("weighted score"), null=True, blank=True)

    class Meta:
        db_table = "analytics_customerstats"
        verbose_name = _("customer statistics")
        verbose_name_plural = _("customer statistics")
        indexes = [
            models.Index(fields=["-profit"], name="stats_profit_idx"),
            models.Index(fields=["-revenue"], name="stats_revenue_idx"),
            models.Index(fields=["last_paid_at"], name="stats_last_paid_idx"),
            models.Index(fields=["first_paid_at"], name="stats_first_paid_idx"),
        ]

    def __str__(self) -> str:
        return f"stats {self.customer_id}"
