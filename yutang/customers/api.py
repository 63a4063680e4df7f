from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status

from yutang.accounts.access import request_user
from yutang.accounts.apikit import Invalid, api_error, field_errors, input_schema, validate
from yutang.accounts.models import User
from yutang.lib.addresses import parse_contact
from yutang.lib.ids import page_slice, parse_id

from . import actions
from .access import get_customer_for
from .filters import CustomerFilters, filter_customers
from .forms import CustomerFilterForm, CustomerForm, owner_choices
from .models import (
    CUSTOMER_SORTS,
    DEFAULT_SORT,
    GRADE_ADVICE,
    NOT_GRADED,
    TAG_MODES,
    ActivityKind,
    Channel,
    Customer,
    Grade,
    Lifecycle,
    Stage,
    Tag,
    TagGroup,
)

router: Router = Router(tags=["customers"])
# The list's refusals, in the words of the list page's form fields.
INVALID_CHOICE = forms.ChoiceField.default_error_messages["invalid_choice"]
UNKNOWN_CHOICE = forms.ModelChoiceField.default_error_messages["invalid_choice"]
QUERY_FIELD = CustomerFilterForm.base_fields["q"]


class CustomerOut(Schema):
    id: int
    nickname: str
    name: str
    salutation: str
    wechat_id: str
    phone: str
    gender: str
    birthday: date | None  # the solar date of birth, when the year is known
    birthday_calendar: str
    birthday_month: int | None
    birthday_day: int | None
    birthday_leap: bool
    birthday_year: int | None
    province: str
    city: str
    district: str
    address: str
    channel: str | None
    grade: str
    cooperation: int | None  # 1–5, how easy they are to work with (the value score)
    tags: list[str]
    owner: str
    referrer: int | None
    added_on: date | None
    visited_store: bool
    vip: bool
    do_not_disturb: bool
    notes: str
    lifecycle: str
    stage: str
    deal_amount: Decimal | None
    consumed: bool
    created: datetime
    updated: datetime

    @staticmethod
    def resolve_channel(obj: Customer) -> str | None:
        return obj.channel.name if obj.channel else None

    @staticmethod
    def resolve_tags(obj: Customer) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_owner(obj: Customer) -> str:
        return obj.owner.username

    @staticmethod
    def resolve_referrer(obj: Customer) -> int | None:
        # A referrer in another branch is not named, not even by its id.
        return obj.referrer_id if getattr(obj, "referrer_visible", True) else None


# What the API writes: the page form's fields that the API shows. The channel and the tags may
# be given by name or by id.
if TYPE_CHECKING:
    CustomerIn = Schema
else:
    CustomerIn = input_schema(
        "CustomerIn",
        CustomerOut,
        CustomerForm.Meta.fields,
        channel=str | int,
        tags=list[str | int],
    )


class CustomerPage(Schema):
    items: list[CustomerOut]
    count: int


class ParseIn(Schema):
    text: str


class ParsedOut(Schema):
    name: str
    phone: str
    province: str
    city: str
    district: str
    address: str


class TagOut(Schema):
    id: int
    name: str
    group: str

    @staticmethod
    def resolve_group(obj: Tag) -> str:
        return obj.group.name


class TagIn(Schema):
    name: str
    group: str


class GradeOut(Schema):
    code: str
    label: str
    advice: str


class GradeChangeOut(Schema):
    old: str
    new: str
    reason: str
    actor: str | None
    at: datetime


def _resolve_tags(values: list[str | int]) -> tuple[list[int], list[str]]:
    """Tag ids for names ("名" or "组:名") or ids; unknown or ambiguous ones as error messages."""
    ids: list[int] = []
    errors: list[str] = []
    for value in values:
        text = str(value).strip()
        if isinstance(value, int) or text.isdigit():
            tag_id = parse_id(value)
            tag = Tag.objects.filter(pk=tag_id).first() if tag_id else None
            matches = [tag] if tag else []
        elif ":" in text or "：" in text:
            group, _sep, name = text.replace("：", ":").partition(":")
            matches = list(Tag.objects.filter(group__name=group.strip(), name=name.strip()))
        else:
            matches = list(Tag.objects.filter(name=text))
        if len(matches) == 1:
            ids.append(matches[0].pk)
        elif not matches:
            errors.append(_("Unknown tag: %(value)s.") % {"value": text})
        else:
            errors.append(
                _("“%(value)s” is in several groups: write it as group:tag.") % {"value": text}
            )
    return ids, errors


def _ids(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The payload with the ids the form takes for the tags, the channel and the owner, which
    the API names (see `_resolve_tags`; a channel by name or id, an owner by username); the
    names that match nothing as error messages."""
    data, errors = dict(payload), {}
    if "tags" in payload:
        data["tags"], tag_errors = _resolve_tags(payload["tags"] or [])
        if tag_errors:
            errors["tags"] = tag_errors
    if payload.get("channel") not in (None, ""):
        value = payload["channel"]
        lookup = {"pk": value} if isinstance(value, int) else {"name": str(value)}
        channel = Channel.objects.filter(**lookup).first()
        if channel is None:
            errors["channel"] = [_("Unknown source channel.")]
        data["channel"] = channel.pk if channel else None
    if "owner" in payload:
        owner = User.objects.filter(username=payload["owner"]).first() if payload["owner"] else None
        if payload["owner"] and owner is None:
            errors["owner"] = [_("You cannot give this customer to that user.")]
        data["owner"] = owner.pk if owner else None
    return data, errors


def _save(request: HttpRequest, customer: Customer | None, payload: dict[str, Any]) -> Any:
    user = request_user(request)
    if customer is None:
        payload.setdefault("owner", user.username)
    # Taken before validation, which writes the new values onto the instance.
    before = {**actions.snapshot(customer), "grade": customer.grade} if customer else None
    data, errors = _ids(payload)
    try:
        form = validate(CustomerForm, data, errors, instance=customer, user=user)
    except Invalid as invalid:
        if isinstance(invalid.form, CustomerForm) and invalid.form.duplicates:
            invalid.body["duplicates"] = {f: c.pk for f, c in invalid.form.duplicates.items()}
        raise
    try:
        with transaction.atomic():
            obj = form.save(commit=False)
            if before is None:
                obj = actions.create_customer(
                    customer=obj, tags=form.cleaned_data["tags"], actor=user, source="api"
                )
            else:
                obj = actions.update_customer(
                    customer=obj, before=before, tags=form.cleaned_data["tags"], actor=user
                )
    except IntegrityError:
        message = _("Another customer with this phone or WeChat ID was just saved.")
        return api_error(422, message, {"__all__": [message]})
    return Status(201 if before is None else 200, _fetch(user, obj.pk))


def _for_output(user: User, qs: Any) -> Any:
    qs = qs.select_related("channel", "owner").prefetch_related("tags")
    if user.sees_everything:
        return qs
    visible = Customer.objects.visible_to(user)
    return qs.annotate(referrer_visible=Exists(visible.filter(pk=OuterRef("referrer_id"))))


def _fetch(user: User, pk: int) -> Customer:
    return get_customer_for(user, pk, queryset=_for_output(user, Customer.objects.all()))


@router.get("/customers", response=CustomerPage, summary="List and search customers")
def list_customers(
    request: HttpRequest,
    q: str = "",
    grade: list[str] = Query(default=[]),  # noqa: B008
    tag: list[str] = Query(default=[]),  # noqa: B008
    tag_mode: str = "any",
    channel: str = "",
    owner: str = "",
    visited_store: bool | None = None,
    vip: bool | None = None,
    do_not_disturb: bool | None = None,
    lifecycle: list[str] = Query(default=[]),  # noqa: B008
    stage: list[str] = Query(default=[]),  # noqa: B008
    sort: str = "-created",
    page: int = 1,
    page_size: int = 20,
) -> Any:
    user = request_user(request)
    filters, errors = _list_filters(
        user,
        q=q,
        grade=grade,
        tag=tag,
        tag_mode=tag_mode,
        channel=channel,
        owner=owner,
        lifecycle=lifecycle,
        stage=stage,
        sort=sort,
    )
    filters["visited_store"] = visited_store
    filters["vip"] = vip
    filters["do_not_disturb"] = do_not_disturb
    if page < 1 or not 1 <= page_size <= 200:
        errors.setdefault("page", []).append(_("page ≥ 1 and 1 ≤ page_size ≤ 200."))
    if errors:
        return field_errors(errors)
    qs = filter_customers(Customer.objects.visible_to(user), filters, user=user)
    items = list(_for_output(user, qs)[page_slice(page, page_size)])
    return {"items": items, "count": qs.count()}


def _list_filters(
    user: User,
    *,
    q: str,
    grade: list[str],
    tag: list[str],
    tag_mode: str,
    channel: str,
    owner: str,
    lifecycle: list[str],
    stage: list[str],
    sort: str,
) -> tuple[CustomerFilters, dict[str, list[str]]]:
    """The list's query parameters as the filter dict: tags, channel and owner by name (or id),
    every value checked against what the list offers; the refused ones as error messages."""
    errors: dict[str, list[str]] = {}

    def choices(field: str, values: list[str], allowed: Collection[str]) -> list[str]:
        refused = next((value for value in values if value not in allowed), None)
        if refused is not None:
            errors[field] = [INVALID_CHOICE % {"value": refused}]
        return values

    try:
        q = QUERY_FIELD.clean(q)
    except ValidationError as error:
        errors["q"] = list(error.messages)
    filters: CustomerFilters = {
        "q": q,
        "grade": choices("grade", grade, {NOT_GRADED, *Grade.values}),
        "tag_mode": "all" if tag_mode == "all" else "any",
        "lifecycle": choices("lifecycle", lifecycle, Lifecycle.values),
        "stage": choices("stage", stage, Stage.values),
        "sort": sort or DEFAULT_SORT,
    }
    choices("tag_mode", [tag_mode] if tag_mode else [], TAG_MODES)
    choices("sort", [sort] if sort else [], CUSTOMER_SORTS)
    if tag:
        filters["tag"], tag_errors = _resolve_tags(list(tag))
        if tag_errors:
            errors["tag"] = tag_errors
    if channel:
        found = Channel.objects.filter(name=channel).first()
        channel_id = found.pk if found else parse_id(channel)
        if channel_id is None or (
            found is None and not Channel.objects.filter(pk=channel_id).exists()
        ):
            errors["channel"] = [str(UNKNOWN_CHOICE)]
        filters["channel"] = channel_id
    if owner:
        owner_id = owner_choices(user).filter(username=owner).values_list("pk", flat=True).first()
        if owner_id is None:
            errors["owner"] = [str(UNKNOWN_CHOICE)]
        filters["owner"] = owner_id
    return filters, errors


@router.post("/customers", response={201: CustomerOut, 422: dict}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Any:
    return _save(request, None, payload.dict(exclude_unset=True))


@router.post("/customers/parse-contact", response=ParsedOut, summary="Recognise a pasted contact")
def parse_contact_text(request: HttpRequest, payload: ParseIn) -> Any:
    parsed = parse_contact(payload.text[:2000])
    return {
        "name": parsed.name,
        "phone": parsed.phone,
        "province": parsed.province,
        "city": parsed.city,
        "district": parsed.district,
        "address": parsed.detail,
    }


@router.get("/customers/{customer_id}", response=CustomerOut, summary="One customer")
def get_customer(request: HttpRequest, customer_id: int) -> Any:
    return _fetch(request_user(request), customer_id)


@router.patch(
    "/customers/{customer_id}", response={200: CustomerOut, 422: dict}, summary="Update a customer"
)
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerIn) -> Any:
    customer = _fetch(request_user(request), customer_id)
    return _save(request, customer, payload.dict(exclude_unset=True))


@router.delete(
    "/customers/{customer_id}", response={204: None, 409: dict}, summary="Delete a customer"
)
def delete_customer(request: HttpRequest, customer_id: int) -> Any:
    """409 for a customer with orders or payments: those are kept, and so is the customer."""
    customer = _fetch(request_user(request), customer_id)
    try:
        actions.delete_customer(customer=customer)
    except actions.CustomerInUse as exc:
        return api_error(409, str(exc))
    return Status(204, None)


@router.get(
    "/customers/{customer_id}/grades",
    response=list[GradeChangeOut],
    summary="A customer's grade history",
)
def grade_history(request: HttpRequest, customer_id: int) -> Any:
    customer = _fetch(request_user(request), customer_id)
    return [
        {
            "old": a.data.get("old", ""),
            "new": a.data.get("new", ""),
            "reason": a.data.get("reason", ""),
            "actor": a.actor.username if a.actor else None,
            "at": a.created,
        }
        for a in customer.activities.filter(kind=ActivityKind.GRADE).select_related("actor")
    ]


@router.get("/grades", response=list[GradeOut], summary="The grades AA–F and what to do")
def grades(request: HttpRequest) -> Any:
    return [{"code": g.value, "label": str(g.label), "advice": str(GRADE_ADVICE[g])} for g in Grade]


@router.get("/tags", response=list[TagOut], summary="Every tag, with its group")
def list_tags(request: HttpRequest) -> Any:
    return list(Tag.objects.select_related("group"))


@router.post("/tags", response={201: TagOut, 403: dict, 422: dict}, summary="Create a tag")
def create_tag(request: HttpRequest, payload: TagIn) -> Any:
    if not Tag.may_be_added_by(request_user(request)):
        raise PermissionDenied(_("Only the owner manages tags."))
    name, group_name = payload.name.strip(), payload.group.strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 32:
        errors["name"] = [_("A tag name has 1–32 characters.")]
    group = TagGroup.objects.filter(name=group_name).first()
    if group is None:
        errors["group"] = [_("Unknown tag group.")]
    elif Tag.objects.filter(group=group, name=name).exists():
        errors["name"] = [_("This group already has that tag.")]
    if errors:
        return Status(422, {"detail": _("Please correct the errors below."), "errors": errors})
    assert group is not None
    tag = Tag.objects.create(group=group, name=name)
    return Status(201, Tag.objects.select_related("group").get(pk=tag.pk))
