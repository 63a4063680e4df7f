from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TouchpointsConfig(AppConfig):
    name = "yutang.touchpoints"
    verbose_name = _("Touchpoints")
