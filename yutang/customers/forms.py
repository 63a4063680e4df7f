from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import BLANK_CHOICE_DASH, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from yutang.accounts.models import User
from yutang.lib.cncalendar import LUNAR_DAYS, LUNAR_MONTHS, lunar_month_days, to_lunar
from yutang.lib.ids import parse_id
from yutang.lib.names import default_salutation
from yutang.lib.phones import PhoneError, normalize_phone, to_halfwidth

from .filters import RFM_CHOICES, CustomerFilters
from .models import (
    DEFAULT_SORT,
    NO_PURCHASE,
    NOT_GRADED,
    BirthdayCalendar,
    Channel,
    Customer,
    Grade,
    Lifecycle,
    Stage,
    Tag,
    TagGroup,
    ValueClass,
    ValueFlag,
)

# WeChat's own rule: 6–20 letters, digits, "_" or "-", starting with a letter; letters are
# case-insensitive, so IDs are stored in lower case.
WECHAT_ID_RE = re.compile(r"^[a-z][a-z0-9_-]{5,19}$")
WECHAT_ID_MAX = 20
# Says nothing about the customer or who holds them: the branches are each other's competitors.
DUPLICATE_ELSEWHERE = _("Already registered by another agent.")
HIDDEN_CUSTOMER = _("a customer of another branch")
# What the form carries, instead of an id, for a referrer the user may not see: "keep it".
KEEP_HIDDEN_REFERRER = "kept"


def hides_referrer(customer: Customer, user: User) -> bool:
    """The customer's referrer sits where `user` cannot see (set before the customer changed
    branch): it may be kept or cleared, never shown, not even by its id."""
    referrer_id = customer.referrer_id
    if referrer_id is None:
        return False
    return not Customer.objects.visible_to(user).filter(pk=referrer_id).exists()


def owner_choices(user: User) -> Any:
    users = User.objects.filter(is_active=True).order_by("role", "username")
    return users if user.sees_everything else users.filter(user.branch_q())


class DuplicateCheckMixin:
    """Refuses a phone or WeChat ID another customer already has, saying who when the user may
    see that customer and nothing at all when the customer sits in another branch."""

    user: User
    instance: Customer
    duplicates: dict[str, Customer]

    def _check_duplicate(self, field: str, value: str, label: str) -> None:
        if not value:
            return
        other = Customer.objects.filter(**{field: value}).exclude(pk=self.instance.pk).first()
        if other is None:
            return
        if Customer.objects.visible_to(self.user).filter(pk=other.pk).exists():
            self.duplicates[field] = other
            raise forms.ValidationError(
                _("This %(what)s already belongs to customer “%(name)s”.")
                % {"what": label, "name": other.nickname},
                code="duplicate",
            )
        raise forms.ValidationError(DUPLICATE_ELSEWHERE, code="duplicate_elsewhere")


def clean_phone_value(raw: str) -> str:
    try:
        return normalize_phone(raw or "")
    except PhoneError as exc:
        if exc.code == "unallocated":
            message = _("“%(value)s” is not a mobile number: no number range starts like this.")
            code = "unallocated_phone"
        else:
            message = _(
                "“%(value)s” is not a valid mobile number: enter 11 digits such as 13800138000."
            )
            code = "invalid_phone"
        raise forms.ValidationError(message % {"value": raw[:30]}, code=code) from None


# What sellers write as the WeChat ID of a friend whose WeChat is found by their phone number
# (微信同号, 同手机号, 手机同号, 与手机号相同 …): the WeChat ID is the phone number of the same
# record. Words around it (微信号, 与, 和) and brackets are left out before matching.
_SAME_AS_PHONE_NOISE = re.compile(r"[\s()\[\]（）【】:：,，.。]|^微信号?|^wechat")
_SAME_AS_PHONE_RE = re.compile(
    r"^(?:(?:与|和|跟)?(?:手机|电话)(?:号码?)?相?同(?:号码?)?|同(?:手机|电话)(?:号码?)?|同号码?"
    r"|(?:与|和|跟)?(?:手机|电话)(?:号码?)?相同)$"
)


def means_same_as_phone(raw: str) -> bool:
    """Whether a WeChat ID cell says "the same as the phone number"."""
    text = _SAME_AS_PHONE_NOISE.sub("", to_halfwidth(raw or "").strip().lower())
    return bool(text) and bool(_SAME_AS_PHONE_RE.match(text))


def clean_wechat_id_value(raw: str, *, phone: str | None = "") -> str:
    """The stored WeChat ID: WeChat's own rule, or a mobile number, which WeChat also finds a
    friend by. "微信同号" takes `phone`, the record's cleaned phone number: "" when it has none,
    None when its phone was refused (which has its own message)."""
    if means_same_as_phone(raw):
        if phone:
            return phone
        if phone is None:
            return ""
        raise forms.ValidationError(
            _("“%(value)s” means the phone number: enter the phone number too.")
            % {"value": raw.strip()[:20]},
            code="same_as_phone_without_phone",
        )
    value = (raw or "").strip().lower()
    if value and not WECHAT_ID_RE.match(value):
        try:
            number = normalize_phone(value)
        except PhoneError:
            number = ""
        if number and len(number) <= WECHAT_ID_MAX:
            return number
        raise forms.ValidationError(
            _("A WeChat ID has 6–20 letters, digits, “_” or “-” and starts with a letter."),
            code="invalid_wechat_id",
        )
    return value


class TagChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Tag) -> str:  # type: ignore[override]
        return obj.name

    def clean(self, value: Any) -> Any:
        # Django checks each value with the database, which cannot even compare an id past what
        # a 64-bit column holds (SQLite raises): such a value is a tag that does not exist.
        for item in value if isinstance(value, list | tuple) else ():
            if parse_id(item) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(item)[:30]},
                )
        return super().clean(value)


class CalendarSelect(forms.Select):
    """A select of months or days whose options also carry their lunar name (`data-lunar`), which
    the page shows instead of the solar one when the lunar calendar is chosen."""

    def __init__(self, lunar_names: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lunar_names = lunar_names

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        number = parse_id(str(value)) if value not in ("", None) else None
        if number and number <= len(self.lunar_names):
            option["attrs"]["data-lunar"] = self.lunar_names[number - 1]
            option["attrs"]["data-solar"] = option["label"]
        return option


def _numbers(count: int) -> list[tuple[Any, str]]:
    return [*BLANK_CHOICE_DASH, *((n, str(n)) for n in range(1, count + 1))]


# The year of birth a form takes (the lunar calendar is known from 1900 on).
MIN_BIRTH_YEAR = 1900


class CustomerForm(DuplicateCheckMixin, forms.ModelForm):
    # Shown together with birthday_calendar on the page; `birthday` is the API's alone.
    BIRTHDAY_PARTS = (
        "birthday_month",
        "birthday_day",
        "birthday_leap",
        "birthday_year",
        "birthday",
    )

    referrer = forms.ModelChoiceField(
        label=capfirst(_("referred by")),
        queryset=Customer.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That referrer does not exist.")},
    )
    # The solar date of birth, as the API took the birthday before it had parts: given, it sets
    # the parts in the chosen calendar. The page's form does not show it.
    birthday = forms.DateField(label=capfirst(_("birthday")), required=False)
    birthday_month = forms.TypedChoiceField(
        label=capfirst(_("birthday month")),
        choices=_numbers(12),
        coerce=int,
        empty_value=None,
        required=False,
        widget=CalendarSelect(LUNAR_MONTHS),
    )
    birthday_day = forms.TypedChoiceField(
        label=capfirst(_("birthday day")),
        choices=_numbers(31),
        coerce=int,
        empty_value=None,
        required=False,
        widget=CalendarSelect(LUNAR_DAYS),
    )
    birthday_year = forms.IntegerField(
        label=capfirst(_("year of birth")),
        required=False,
        min_value=MIN_BIRTH_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": _("optional")}),
    )
    tags = TagChoiceField(
        label=capfirst(_("tags")),
        queryset=Tag.objects.select_related("group"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown tag: %(value)s.")},
    )

    class Meta:
        model = Customer
        fields = [
            "nickname",
            "name",
            "salutation",
            "phone",
            "wechat_id",
            "gender",
            "grade",
            "cooperation",
            "channel",
            "owner",
            "referrer",
            "province",
            "city",
            "district",
            "address",
            "birthday_calendar",
            "birthday_month",
            "birthday_day",
            "birthday_leap",
            "birthday_year",
            "birthday",
            "added_on",
            "visited_store",
            "vip",
            "do_not_disturb",
            "tags",
            "notes",
            "agent_account",
        ]
        widgets = {
            "added_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "wechat_id": forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        }
        error_messages = {
            "grade": {"invalid_choice": _("The grade must be one of AA, A, B, C, D, F.")},
            "owner": {"invalid_choice": _("You cannot give this customer to that user.")},
            "channel": {"invalid_choice": _("Unknown source channel.")},
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.duplicates = {}
        visible = Customer.objects.visible_to(user)
        self.visible = visible
        self.fields["referrer"].queryset = visible.exclude(pk=self.instance.pk)  # type: ignore[attr-defined]
        self.hides_referrer = hides_referrer(self.instance, user)
        if self.hides_referrer:
            self.initial["referrer"] = KEEP_HIDDEN_REFERRER
            self.fields["referrer"].empty_values = [
                *self.fields["referrer"].empty_values,
                KEEP_HIDDEN_REFERRER,
            ]
        self.fields["owner"].queryset = owner_choices(user)  # type: ignore[attr-defined]
        if self.instance.nickname:
            # What a blank salutation means for this customer, right in the empty box.
            default = default_salutation(self.instance.nickname) or "亲"
            self.fields["salutation"].widget.attrs["placeholder"] = default
        channels = Channel.objects.filter(active=True)
        if self.instance.channel_id:
            channels = Channel.objects.filter(Q(active=True) | Q(pk=self.instance.channel_id))
        self.fields["channel"].queryset = channels  # type: ignore[attr-defined]
        self.fields["grade"].choices = [("", _("Not graded")), *Grade.choices]  # type: ignore[attr-defined]
        if user.sees_everything:
            self.fields["agent_account"].queryset = User.objects.filter(  # type: ignore[attr-defined]
                role="agent", is_active=True
            ).order_by("username")
        else:
            # Recording that a customer became an agent is the brand's decision.
            del self.fields["agent_account"]
        if not self.instance.pk:
            self.fields["owner"].initial = user.pk
        self.fields["owner"].required = True
        this_year = timezone.localdate().year
        self.fields["birthday_year"].validators.append(MaxValueValidator(this_year))
        self.fields["birthday_year"].widget.attrs.update(max=this_year, min=MIN_BIRTH_YEAR)
        if self.instance.pk:
            self.initial["birthday"] = self.instance.birthday

    # The form's groups: (legend, field names, folded). The rarely used fields are folded away
    # on a phone; a field no group names (a new one) goes to the first group.
    GROUPS: tuple[tuple[Any, tuple[str, ...], bool], ...] = (
        ("", ("nickname", "name", "phone", "wechat_id", "gender", "grade", "owner", "tags"), False),
        (
            _("Birthday and address"),
            ("birthday_calendar", "province", "city", "district", "address", "vip", "notes"),
            False,
        ),  # fmt: skip
        (
            _("More"),
            (
                "channel",
                "cooperation",
                "added_on",
                "visited_store",
                "do_not_disturb",
                "agent_account",
            ),
            True,
        ),  # fmt: skip
    )

    def field_groups(self) -> list[tuple[Any, list[forms.BoundField], bool, bool]]:
        """(legend, bound fields, folded, open): a folded group opens when one of its fields
        has an error."""
        shown = [f for f in self.visible_fields() if f.name not in self.BIRTHDAY_PARTS]
        named = {name for _legend, names, _folded in self.GROUPS for name in names}
        groups = []
        for i, (legend, names, folded) in enumerate(self.GROUPS):
            fields = [f for f in shown if f.name in names or (i == 0 and f.name not in named)]
            if fields:
                groups.append((legend, fields, folded, any(f.errors for f in fields)))
        return groups

    def keeps_hidden_referrer(self) -> bool:
        return self.hides_referrer and self["referrer"].value() == KEEP_HIDDEN_REFERRER

    def referrer_label(self) -> str:
        if self.keeps_hidden_referrer():
            return str(HIDDEN_CUSTOMER)
        chosen_id = parse_id(self["referrer"].value())
        chosen = self.visible.filter(pk=chosen_id).first() if chosen_id else None
        return chosen.nickname if chosen else ""

    def clean_referrer(self) -> Customer | None:
        if self.keeps_hidden_referrer():
            return self.instance.referrer
        return self.cleaned_data.get("referrer")

    def clean_nickname(self) -> str:
        value = " ".join(self.cleaned_data["nickname"].split())
        if not value:
            raise forms.ValidationError(_("Enter a nickname."), code="required")
        return value

    def clean_phone(self) -> str:
        value = clean_phone_value(self.cleaned_data.get("phone", ""))
        self._check_duplicate("phone", value, str(_("mobile phone")))
        return value

    def clean_wechat_id(self) -> str:
        # The phone is cleaned first (the fields' order): None when it was refused.
        phone = None if "phone" in self.errors else self.cleaned_data.get("phone", "")
        value = clean_wechat_id_value(self.cleaned_data.get("wechat_id", ""), phone=phone)
        self._check_duplicate("wechat_id", value, str(_("WeChat ID")))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not {"birthday", "birthday_calendar"} & set(self.errors):
            self._clean_birthday(cleaned)
        return cleaned

    def _gives_birth_date(self) -> bool:
        """Whether the solar date of birth (`birthday`, the API's field of before) sets the
        birthday: when it is in the data and changed, or the calendar changed under it, and none
        of the parts was changed. The page's form never sends it."""
        if "birthday" not in self.data:
            return False
        changed = set(self.changed_data)
        parts = {"birthday_month", "birthday_day", "birthday_year", "birthday_leap"}
        if parts & changed:
            return False
        if "birthday" in changed:
            return True
        return "birthday_calendar" in changed and self.cleaned_data.get("birthday") is not None

    def _clean_birthday(self, cleaned: dict[str, Any]) -> None:
        lunar = cleaned.get("birthday_calendar") == BirthdayCalendar.LUNAR
        if self._gives_birth_date():
            born: date | None = cleaned.get("birthday")
            if born is None:
                month = day = year = None
                leap = False
            elif lunar:
                try:
                    parts = to_lunar(born)
                except ValueError:
                    self.add_error(
                        "birthday", _("The lunar calendar is known from 1900 to 2099 only.")
                    )
                    return
                month, day, year, leap = parts.month, parts.day, parts.year, parts.leap
            else:
                month, day, year, leap = born.month, born.day, born.year, False
            cleaned.update(
                birthday_month=month, birthday_day=day, birthday_year=year, birthday_leap=leap
            )
            return
        month, day = cleaned.get("birthday_month"), cleaned.get("birthday_day")
        year, leap = cleaned.get("birthday_year"), bool(cleaned.get("birthday_leap"))
        if {"birthday_month", "birthday_day", "birthday_year"} & set(self.errors):
            return
        if month is None and day is None:
            if year is not None:
                self.add_error("birthday_year", _("Choose the month and day of the birthday too."))
            cleaned.update(birthday_year=None, birthday_leap=False)
            return
        if month is None or day is None:
            self.add_error(
                "birthday_month" if month is None else "birthday_day",
                _("Choose both the month and the day of the birthday."),
            )
            return
        if not lunar:
            if leap:
                self.add_error("birthday_leap", _("Only a lunar month can be a leap month."))
                return
            try:
                date(year or 2000, month, day)  # 2000 is a leap year: 29 Feb may be a birthday
            except ValueError:
                self.add_error(
                    "birthday_day",
                    _("There is no %(month)s/%(day)s.") % {"month": month, "day": day}
                    if year is None
                    else _("There is no %(month)s/%(day)s in %(year)s.")
                    % {"month": month, "day": day, "year": year},
                )
            return
        if day > len(LUNAR_DAYS):
            self.add_error("birthday_day", _("A lunar month has at most 30 days."))
            return
        if year is None:
            return
        days = lunar_month_days(year, month, leap=leap)
        if days is None:
            self.add_error(
                "birthday_leap" if leap else "birthday_year",
                _("The lunar year %(year)s has no leap %(month)s.")
                % {"year": year, "month": LUNAR_MONTHS[month - 1]}
                if leap
                else _("The lunar calendar is known from 1900 to 2099 only."),
            )
            return
        if day > days:
            self.add_error(
                "birthday_day",
                _("%(month)s of the lunar year %(year)s had only %(days)s days.")
                % {"month": LUNAR_MONTHS[month - 1], "year": year, "days": days},
            )
            return


class CustomerFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=64)
    grade = forms.MultipleChoiceField(
        required=False, choices=[(NOT_GRADED, _("Not graded")), *Grade.choices]
    )
    tag = TagChoiceField(queryset=Tag.objects.all(), required=False)
    tag_mode = forms.ChoiceField(
        required=False, choices=[("any", _("any of")), ("all", _("all of"))]
    )
    channel = forms.ModelChoiceField(queryset=Channel.objects.all(), required=False)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    lifecycle = forms.MultipleChoiceField(required=False, choices=Lifecycle.choices)
    stage = forms.MultipleChoiceField(required=False, choices=Stage.choices)
    visited_store = forms.NullBooleanField(required=False)
    vip = forms.NullBooleanField(required=False)
    do_not_disturb = forms.NullBooleanField(required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
            ("name", _("Name (pinyin)")),
            ("grade", _("Grade")),
            ("-added_on", _("Friend since")),
            ("-profit", _("Profit contribution, highest first")),
            ("profit", _("Profit contribution, lowest first")),
        ],
    )
    value_period = forms.ChoiceField(
        required=False,
        choices=[
            ("all", _("all time")),
            ("365", _("last 12 months")),
            ("90", _("last 90 days")),
            ("30", _("last 30 days")),
        ],  # fmt: skip
    )
    value_class = forms.MultipleChoiceField(
        required=False, choices=[*ValueClass.choices, (NO_PURCHASE, _("no purchase yet"))]
    )
    value_flag = forms.ChoiceField(required=False, choices=[*BLANK_CHOICE_DASH, *ValueFlag.choices])
    rfm = forms.ChoiceField(required=False, choices=[])
    cohort = forms.RegexField(required=False, regex=r"^\d{4}-\d{2}$")
    repeat = forms.BooleanField(required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].queryset = owner_choices(user)  # type: ignore[attr-defined]
        self.fields["rfm"].choices = [*BLANK_CHOICE_DASH, *RFM_CHOICES]  # type: ignore[attr-defined]

    def filters(self) -> CustomerFilters:
        """The cleaned input as the filter dict: ids instead of the chosen objects."""
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "grade": list(data.get("grade") or []),
            "tag": [tag.pk for tag in data.get("tag") or []],
            "tag_mode": data.get("tag_mode") or "any",
            "channel": data["channel"].pk if data.get("channel") else None,
            "owner": data["owner"].pk if data.get("owner") else None,
            "lifecycle": list(data.get("lifecycle") or []),
            "stage": list(data.get("stage") or []),
            "visited_store": data.get("visited_store"),
            "vip": data.get("vip"),
            "do_not_disturb": data.get("do_not_disturb"),
            "value_class": list(data.get("value_class") or []),
            "value_flag": data.get("value_flag") or "",
            "rfm": data.get("rfm") or "",
            "cohort": data.get("cohort") or "",
            "repeat": bool(data.get("repeat")),
            "value_period": data.get("value_period") or "all",
            "sort": data.get("sort") or DEFAULT_SORT,
        }


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ["name", "active"]


class TagGroupForm(forms.ModelForm):
    class Meta:
        model = TagGroup
        fields = ["name"]


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["group", "name"]
        error_messages = {"group": {"invalid_choice": _("Unknown tag group.")}}

    def validate_unique(self) -> None:
        # One clear message for a duplicate tag instead of Django's generic constraint text.
        if (
            Tag.objects.filter(
                group=self.cleaned_data.get("group"), name=self.cleaned_data.get("name")
            )
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("name", _("This group already has that tag."))
            return
        super().validate_unique()
