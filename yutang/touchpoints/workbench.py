"""Today's workbench: the morning list, in priority order, cut into batches (seed 002)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from yutang.accounts.models import User
from yutang.rules.models import Rules

from .kinds import DEADLINE, KINDS, TRANSACTIONAL
from .messages import message, reason, templates_by_kind
from .models import State, Touchpoint

GRADE_VALUE = {"AA": 1.0, "A": 0.9, "B": 0.6, "C": 0.5, "D": 0.3, "F": 0.1, "": 0.4}
# The 20% who bring the money get more of the seller's time, potential A a push to grow, and
# loss-makers less (seeds 003 and 004); customers without a class are neither.
CLASS_VALUE = {"A": 1.25, "B": 1.0, "C": 0.9, "": 1.0}
FLAG_VALUE = {"potential": 1.1, "loss": 0.8, "": 1.0}
# A customer with no open deal: a buyer is likelier to buy again than a stranger.
NO_STAGE_PROBABILITY = {True: Decimal("0.5"), False: Decimal("0.2")}


@dataclass
class Item:
    touchpoint: Touchpoint
    score: float
    reason: str
    message: str


@dataclass
class Workbench:
    items: list[Item]
    done_today: int
    capacity: int
    batch_size: int
    held_by_cap: int = 0
    held_by_dnd: int = 0
    beyond_capacity: int = 0
    # Closed today because they were past their kind's shelf life.
    expired_today: int = 0
    # The whole visible pool (cards name the responsible person), not the user's own list.
    team: bool = True
    batches: list[list[Item]] = field(default_factory=list)

    @property
    def left_today(self) -> int:
        return len(self.items)


def priority(
    *,
    kind: str,
    due_on: date,
    grade: str,
    vip: bool,
    stage: str,
    consumed: bool,
    rules: Rules,
    today: date,
    value_class: str = "",
    value_flag: str = "",
) -> float:
    value = GRADE_VALUE.get(grade, 0.4) * (1.2 if vip else 1.0)
    value *= CLASS_VALUE.get(value_class, 1.0) * FLAG_VALUE.get(value_flag, 1.0)
    overdue = min(max((today - due_on).days, 0), 7)
    urgency = KINDS[kind].urgency * (1 + overdue / 10)
    probability = rules.stage_probability(stage) if stage else NO_STAGE_PROBABILITY[consumed]
    return round(value * urgency * float(probability), 6)


def own_q(user: User, prefix: str = "") -> Q:
    """The customers `user` is responsible for (负责人), through `prefix` (e.g. "customer__"):
    their own, and for the shop owner also the unassigned ones, whose responsible person's
    account was deactivated."""
    q = Q(**{f"{prefix}owner": user})
    if user.is_owner:
        q |= Q(**{f"{prefix}owner__is_active": False})
    return q


@dataclass
class Entry:
    """One pending item as ranked: the plain row it was scored from."""

    pk: int
    kind: str
    owner_id: int
    deadline: bool
    score: float
    created: float

    @property
    def order(self) -> tuple[bool, float, float]:
        # What has a deadline first, so older items without one never push it out of the
        # day's capacity; then highest priority; among equals the newest customer first.
        return (self.deadline, self.score, self.created)


@dataclass
class Ranking:
    """Everything due for a list, ranked once: the workbench shows the first `room` entries,
    the backlog the rest."""

    entries: list[Entry]
    room: int
    done_today: int
    capacity: int
    batch_size: int
    held_by_cap: int = 0
    held_by_dnd: int = 0
    expired_today: int = 0

    @property
    def today(self) -> list[Entry]:
        return self.entries[: self.room]

    @property
    def beyond(self) -> list[Entry]:
        return self.entries[self.room :]


def rank(user: User, today: date, *, team: bool = True) -> Ranking:
    """The open items due by `today` of the whole pool `user` sees (`team`), or of the customers
    they are responsible for only, in priority order, honouring the frequency cap and
    do-not-disturb. Scored from plain rows: a pond may have tens of thousands of items due, of
    which only a page is ever shown, so only those become objects."""
    rules = Rules.current()
    pool = Touchpoint.objects.visible_to(user)
    # The frequency cap counts every touch of a customer, whoever made it.
    visible = pool if team else pool.filter(own_q(user, "customer__"))
    pending = (
        visible.pending()
        .filter(due_on__lte=today)
        .values_list(
            "id",
            "kind",
            "due_on",
            "customer_id",
            "customer__grade",
            "customer__vip",
            "customer__stage",
            "customer__consumed",
            "customer__do_not_disturb",
            "customer__created",
            "customer__value_class",
            "customer__value_flag",
            "customer__owner_id",
        )
    )
    cap_start = today - timedelta(days=rules.frequency_cap_days - 1)
    recently_touched = set(
        pool.filter(state=State.DONE, closed_at__date__gte=cap_start)
        .exclude(kind__in=TRANSACTIONAL)
        .values_list("customer_id", flat=True)
    )
    done_today = visible.filter(state=State.DONE, closed_at__date=today).count()
    ranking = Ranking(
        entries=[],
        room=max(rules.daily_capacity - done_today, 0),
        done_today=done_today,
        capacity=rules.daily_capacity,
        batch_size=rules.batch_size,
        expired_today=visible.filter(state=State.EXPIRED, closed_at__date=today).count(),
    )
    best_touch: dict[int, Entry] = {}
    for row in pending:
        pk, kind, due_on, customer_id, grade, vip, stage, consumed, dnd, created = row[:10]
        score = priority(
            kind=kind,
            due_on=due_on,
            grade=grade,
            vip=vip,
            stage=stage,
            consumed=consumed,
            rules=rules,
            today=today,
            value_class=row[10],
            value_flag=row[11],
        )
        entry = Entry(pk, kind, row[12], kind in DEADLINE, score, created.timestamp())
        if kind in TRANSACTIONAL:
            ranking.entries.append(entry)
        elif dnd:
            ranking.held_by_dnd += 1
        elif customer_id in recently_touched:
            ranking.held_by_cap += 1
        else:
            # At most one non-transactional touch per customer: the most valuable one.
            current = best_touch.get(customer_id)
            if current is None or entry.order > current.order:
                best_touch[customer_id] = entry
            if current is not None:
                ranking.held_by_cap += 1
    ranking.entries.extend(best_touch.values())
    # A stable sort: equals keep the rows' order (due date, id), the same on every load.
    ranking.entries.sort(key=lambda e: e.order, reverse=True)
    return ranking


def items_of(entries: list[Entry]) -> list[Item]:
    """The entries as the objects a page shows, in their order, in a fixed number of queries."""
    objects = Touchpoint.objects.select_related("customer__owner", "order").in_bulk(
        [e.pk for e in entries]
    )
    templates = templates_by_kind()
    items = []
    for entry in entries:
        tp = objects[entry.pk]
        items.append(
            Item(
                touchpoint=tp, score=entry.score, reason=reason(tp), message=message(tp, templates)
            )
        )
    return items


def build_workbench(user: User, today: date, *, team: bool = True) -> Workbench:
    """The day's list of the whole pool `user` sees (`team`), or of the customers they are
    responsible for only: an upline does not chase the downline's customers by default."""
    ranking = rank(user, today, team=team)
    bench = Workbench(
        items=items_of(ranking.today),
        done_today=ranking.done_today,
        capacity=ranking.capacity,
        batch_size=ranking.batch_size,
        held_by_cap=ranking.held_by_cap,
        held_by_dnd=ranking.held_by_dnd,
        beyond_capacity=len(ranking.beyond),
        expired_today=ranking.expired_today,
        team=team,
    )
    size = ranking.batch_size
    bench.batches = [bench.items[i : i + size] for i in range(0, len(bench.items), size)]
    return bench
