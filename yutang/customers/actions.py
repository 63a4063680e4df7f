"""Writes that span models; each appends to the customer's timeline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from yutang.accounts.models import User

from .derived import refresh_customers
from .models import (
    BIRTHDAY_FIELDS,
    CUSTOMER_REFERENCES,
    Activity,
    ActivityKind,
    Customer,
    Grade,
    GradeReason,
    Tag,
)

# Fields compared for the "edited" timeline entry; tags and grade have entries of their own.
TRACKED_FIELDS = [
    "nickname",
    "name",
    "salutation",
    "wechat_id",
    "phone",
    "gender",
    "birthday",
    "birthday_calendar",
    "province",
    "city",
    "district",
    "address",
    "channel",
    "referrer",
    "owner",
    "added_on",
    "visited_store",
    "vip",
    "do_not_disturb",
    "notes",
    "cooperation",
    "agent_account",
]
# A tracked field as the timeline keeps it: JSON scalars, a related record by its name or id.
TrackedValue = str | int | bool | None


def log_activity(customer: Customer, kind: str, actor: User | None, **data: Any) -> Activity:
    return Activity.objects.create(customer=customer, kind=kind, actor=actor, data=data)


def _display(value: object) -> TrackedValue:
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _tracked_value(customer: Customer, field: str) -> TrackedValue:
    # Another customer is kept by id, never by name: the timeline may be read by someone who
    # cannot see that customer, and the name is looked up through the reader's view when shown.
    if field in CUSTOMER_REFERENCES:
        pk: int | None = getattr(customer, f"{field}_id")
        return pk
    if field == "birthday":
        # The birthday's parts as one text, with or without a year (5月20日, 农历正月初七).
        return customer.birthday_label or None
    return _display(getattr(customer, field))


def snapshot(customer: Customer) -> dict[str, TrackedValue]:
    values = {f: _tracked_value(customer, f) for f in TRACKED_FIELDS}
    return {**values, "referrer_id": customer.referrer_id}


def changed_fields(
    before: Mapping[str, TrackedValue], after: Mapping[str, TrackedValue]
) -> dict[str, list[TrackedValue]]:
    """What an edit changed, as its timeline entry keeps it: field → [before, after]."""
    return {f: [before.get(f), after[f]] for f in TRACKED_FIELDS if before.get(f) != after[f]}


def _record_tag_changes(
    customer: Customer, before: set[int], after: set[int], actor: User | None
) -> None:
    added, removed = after - before, before - after
    names = {t.pk: str(t) for t in Tag.objects.filter(pk__in=added | removed)}
    if added:
        log_activity(customer, ActivityKind.TAGGED, actor, tags=sorted(names[i] for i in added))
    if removed:
        log_activity(customer, ActivityKind.UNTAGGED, actor, tags=sorted(names[i] for i in removed))


@transaction.atomic
def create_customer(
    *, customer: Customer, tags: Iterable[Tag] = (), actor: User | None, source: str = ""
) -> Customer:
    grade = customer.grade
    customer.save()
    log_activity(customer, ActivityKind.CREATED, actor, source=source)
    tag_ids = {t.pk for t in tags}
    if tag_ids:
        customer.tags.set(tag_ids)
        _record_tag_changes(customer, set(), tag_ids, actor)
    if grade:
        log_activity(customer, ActivityKind.GRADE, actor, old="", new=grade, reason="")
    if customer.referrer_id:
        _refresh_referrers(before_id=None, after_id=customer.referrer_id)
    return customer


@transaction.atomic
def update_customer(
    *,
    customer: Customer,
    before: dict[str, Any],
    tags: Iterable[Tag] | None = None,
    actor: User | None,
) -> Customer:
    """Save changes made to `customer` (whose field values before the edit are `before`)."""
    old_grade = before.get("grade", customer.grade)
    customer.save()
    after = snapshot(customer)
    changes = changed_fields(before, after)
    if changes:
        log_activity(customer, ActivityKind.EDITED, actor, changes=changes)
    if customer.grade != old_grade:
        log_activity(
            customer, ActivityKind.GRADE, actor, old=old_grade, new=customer.grade, reason=""
        )
    if tags is not None:
        set_tags(customer=customer, tags=tags, actor=actor)
    if "referrer" in changes:
        _refresh_referrers(before_id=before.get("referrer_id"), after_id=customer.referrer_id)
    if "agent_account" in changes:
        _refresh_referrers(before_id=None, after_id=customer.pk)
    return customer


def _refresh_referrers(*, before_id: int | None, after_id: int | None) -> None:
    """Bringing a buyer can make the referrer a fan; losing one can undo it."""
    refresh_customers([before_id, after_id])


@transaction.atomic
def set_grade(*, customer: Customer, grade: str, actor: User | None, reason: str = "") -> bool:
    """Change the grade, keeping the change with its date on the timeline. True if it changed."""
    grade = Grade(grade).value if grade else ""
    old = customer.grade
    if old == grade:
        return False
    customer.grade = grade
    customer.save(update_fields=["grade", "updated"])
    log_activity(customer, ActivityKind.GRADE, actor, old=old, new=grade, reason=reason)
    return True


def apply_automatic_grade(
    *, customer: Customer, has_paid_order: bool, actor: User | None, reason: str
) -> bool:
    """The rule hook orders call when a payment arrives: a paying customer becomes AA."""
    grade = customer.automatic_grade(has_paid_order=has_paid_order)
    if grade is None:
        return False
    return set_grade(customer=customer, grade=grade, actor=actor, reason=reason)


@transaction.atomic
def set_tags(*, customer: Customer, tags: Iterable[Tag], actor: User | None) -> None:
    before = set(customer.tags.values_list("pk", flat=True))
    after = {t.pk for t in tags}
    if before == after:
        return
    customer.tags.set(after)
    _record_tag_changes(customer, before, after, actor)


@transaction.atomic
def toggle_tag(*, customer: Customer, tag: Tag, actor: User | None) -> bool:
    """Add the tag, or remove it if the customer has it. True when it is now on the customer."""
    if customer.tags.filter(pk=tag.pk).exists():
        customer.tags.remove(tag)
        log_activity(customer, ActivityKind.UNTAGGED, actor, tags=[str(tag)])
        return False
    customer.tags.add(tag)
    log_activity(customer, ActivityKind.TAGGED, actor, tags=[str(tag)])
    return True


MERGE_FILLABLE = [
    "name",
    "wechat_id",
    "phone",
    "gender",
    "province",
    "city",
    "district",
    "address",
    "channel",
    "referrer",
    "added_on",
]
GRADE_RANK = {g: i for i, g in enumerate(["AA", "A", "B", "C", "D", "F", ""])}


@transaction.atomic
def merge_customers(*, keep: Customer, remove: Customer, actor: User | None) -> Customer:
    """Fold `remove` into `keep`: every tag, referral, timeline entry and related record of both
    survives on `keep`; empty fields of `keep` are filled from `remove`."""
    if keep.pk == remove.pk:
        raise ValueError("cannot merge a customer into itself")
    removed_snapshot = {"id": remove.pk, **snapshot(remove), "grade": remove.grade}

    # Every model that points at a customer (now and in later apps) follows the merge.
    for rel in Customer._meta.related_objects:
        if rel.many_to_many or rel.one_to_one:
            continue
        field_name = rel.field.name
        manager = rel.related_model._default_manager
        _drop_rows_keep_already_has(manager, field_name, keep, remove)
        manager.filter(**{field_name: remove}).update(**{field_name: keep})
    keep.tags.add(*remove.tags.all())

    # The unique phone / WeChat ID must be freed before `keep` can take them over.
    taken = {f: getattr(remove, f) for f in MERGE_FILLABLE}
    if not keep.has_birthday and remove.has_birthday:
        # The birthday's parts mean something only together, with their calendar.
        for field in BIRTHDAY_FIELDS:
            setattr(keep, field, getattr(remove, field))
    remove.phone = remove.wechat_id = ""
    remove.save(update_fields=["phone", "wechat_id"])
    for field, value in taken.items():
        if value not in ("", None) and getattr(keep, field) in ("", None):
            setattr(keep, field, value)
    if keep.referrer_id in (keep.pk, remove.pk):
        keep.referrer = None
    keep.visited_store = keep.visited_store or remove.visited_store
    keep.vip = keep.vip or remove.vip
    keep.do_not_disturb = keep.do_not_disturb or remove.do_not_disturb
    if remove.notes and remove.notes not in keep.notes:
        keep.notes = "\n".join(n for n in [keep.notes, remove.notes] if n)[:2000]
    if remove.added_on and keep.added_on and remove.added_on < keep.added_on:
        keep.added_on = remove.added_on
    if GRADE_RANK[remove.grade] < GRADE_RANK[keep.grade]:
        set_grade(customer=keep, grade=remove.grade, actor=actor, reason=GradeReason.MERGE)
    keep.save()
    remove.delete()
    log_activity(keep, ActivityKind.MERGED, actor, merged=removed_snapshot)
    _refresh_derived(keep)
    return keep


def _drop_rows_keep_already_has(
    manager: models.Manager[models.Model], field_name: str, keep: Customer, remove: Customer
) -> None:
    """A row unique per customer (a touchpoint's key, say) that both have stays once: keep's."""
    for constraint in manager.model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if not isinstance(constraint, models.UniqueConstraint) or field_name not in fields:
            continue
        others = [f for f in fields if f != field_name]
        for values in manager.filter(**{field_name: keep}).values_list(*others):
            manager.filter(
                **{field_name: remove}, **dict(zip(others, values, strict=True))
            ).delete()


def _refresh_derived(customer: Customer) -> None:
    """What the merged records say together: stage, and the derived state (bought or not,
    lifecycle, statistics, touchpoints)."""
    latest = customer.followups.exclude(stage="").order_by("-at", "-id").first()
    if latest is not None:
        # A deal a paid order won is closed: out of the pipeline.
        won = latest.won_at is not None
        customer.stage = "" if won else latest.stage
        customer.deal_amount = None if won else latest.amount
        customer.save(update_fields=["stage", "deal_amount"])
    refresh_customers([customer.pk])
    customer.refresh_from_db(fields=["consumed", "lifecycle"])


class CustomerInUse(ValueError):
    """The customer has orders or payments, which are kept, and so is the customer."""


def delete_customer(*, customer: Customer) -> None:
    """Delete a customer and their history; one with orders or payments stays (CustomerInUse)."""
    try:
        with transaction.atomic():
            customer.delete()
    except models.ProtectedError as exc:
        raise CustomerInUse(
            _("This customer has orders or payments and cannot be deleted.")
        ) from exc
