from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yutang.analytics.actions import refresh_all_stats, refresh_value_classes
from yutang.analytics.lifecycle import refresh_lifecycles
from yutang.touchpoints.derive import derive_touchpoints


class Command(BaseCommand):
    help = (
        "Daily work: recompute the order statistics, scores and ABC classes and the lifecycles, "
        "and derive touchpoints (idempotent; run it by cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="derive as of this day (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from exc
        refresh_all_stats()
        classes = refresh_value_classes()
        changed = refresh_lifecycles(today=today)
        stats = derive_touchpoints(today=today)
        self.stdout.write(
            f"{today.isoformat()}: classes A {classes['A']}, B {classes['B']}, C {classes['C']}; "
            f"lifecycles changed {changed}; touchpoints created "
            f"{stats['created']}, updated {stats['updated']}, closed {stats['closed']}, "
            f"expired {stats['expired']}, reopened {stats['reopened']}"
        )
