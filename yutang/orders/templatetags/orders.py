from __future__ import annotations

from django import template

from yutang.orders.actions import status_label

register = template.Library()
register.filter("status_label", status_label)
