"""The active filters of the customer list as chips: what each one is, in words, and the list
without it. A chart tap lands on the list with its filters shown this way, above the results,
while the filter panel stays folded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from yutang.customers.forms import CustomerFilterForm

# Keys that choose how the list looks rather than who is on it: no chip.
NOT_FILTERS = frozenset({"page", "sort", "tag_mode", "value_period"})


@dataclass(frozen=True)
class Chip:
    name: str
    value: str
    remove: str  # the query string of the list without this filter

    @property
    def text(self) -> str:
        return f"{self.name} {self.value}" if self.name else self.value


def _names() -> dict[str, str]:
    return {
        "q": _("Search"),
        "grade": _("Grade"),
        "tag": _("Tags"),
        "channel": _("Source"),
        "owner": _("Responsible"),
        "lifecycle": _("Lifecycle"),
        "stage": _("stage"),
        "visited_store": "",
        "vip": "",
        "do_not_disturb": "",
        "value_class": _("Value"),
        "value_flag": "",
        "rfm": "RFM",
        "cohort": _("first purchase"),
        "repeat": "",
    }


def _yes_no() -> dict[str, dict[bool, str]]:
    return {
        "visited_store": {True: _("Visited (Y)"), False: _("Not visited (N)")},
        "vip": {True: _("VIP"), False: _("Not VIP")},
        "do_not_disturb": {True: _("do not disturb"), False: _("may be disturbed")},
    }


def _label(form: CustomerFilterForm, key: str, raw: str, cleaned: Any) -> str:
    if key in _yes_no():
        return _yes_no()[key].get(cleaned, "") if isinstance(cleaned, bool) else ""
    if key == "repeat":
        return _("bought twice or more")
    if key in ("q", "cohort"):
        return raw
    if key in ("channel", "owner"):
        return str(getattr(cleaned, "display_name", None) or cleaned) if cleaned else ""
    if key == "tag":
        names = {str(tag.pk): tag.name for tag in cleaned or []}
        return names.get(raw, "")
    choices = dict(getattr(form.fields[key], "choices", []))
    return str(choices.get(raw, ""))


def active_filters(form: CustomerFilterForm, query: QueryDict) -> list[Chip]:
    """One chip per value of each filter the list is narrowed by; none for a value the form
    refused (the error says why instead)."""
    if not form.is_bound or not form.is_valid():
        return []
    names = _names()
    chips = []
    for key, values in query.lists():
        if key in NOT_FILTERS or key not in names:
            continue
        for raw in values:
            if not raw:
                continue
            label = _label(form, key, raw, form.cleaned_data.get(key))
            if not label:
                continue
            rest = query.copy()
            rest.pop("page", None)
            rest.setlist(key, [v for v in values if v != raw])
            chips.append(Chip(names[key], label, rest.urlencode()))
    return chips
