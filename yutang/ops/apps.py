from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Commands that run every app (`yutang run_daily`, `yutang serve`): the top layer, beside
    the demo; no app uses it."""

    name = "yutang.ops"
    label = "ops"
