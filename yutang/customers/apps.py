from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .textsearch import repair_after_migrate


class CustomersConfig(AppConfig):
    name = "yutang.customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # A migration that alters the customer table rebuilds it on SQLite, without the
        # triggers of the search's text index: they are put back after every migrate.
        post_migrate.connect(repair_after_migrate, sender=self)
