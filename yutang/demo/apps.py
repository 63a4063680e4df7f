from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo pond (`yutang demo`): the top layer, it may use every app and none uses it."""

    name = "yutang.demo"
    verbose_name = _("Demo")
