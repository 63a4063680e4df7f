from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverviewConfig(AppConfig):
    """The pages that show several apps at once: the customer's page with its orders,
    follow-ups, touchpoints and statistics, and the customer list with the profit of a period."""

    name = "yutang.overview"
    verbose_name = _("Overview")
