"""CustomerStats moves from analytics to customers, state only: the table
analytics_customerstats stays as it is, with its rows and indexes."""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_timeline_referrers_by_id"),
        ("analytics", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CustomerStats",
                    fields=[
                        (
                            "customer",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="stats",
                                serialize=False,
                                to="customers.customer",
                            ),
                        ),
                        (
                            "orders",
                            models.PositiveIntegerField(default=0, verbose_name="paid orders"),
                        ),
                        (
                            "first_paid_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="first purchase"
                            ),
                        ),
                        (
                            "last_paid_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="last purchase"
                            ),
                        ),
                        (
                            "last_paid_day",
                            models.PositiveIntegerField(blank=True, editable=False, null=True),
                        ),
                        (
                            "revenue",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("0"),
                                max_digits=14,
                                verbose_name="revenue",
                            ),
                        ),
                        (
                            "cost",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("0"),
                                max_digits=14,
                                verbose_name="cost of goods",
                            ),
                        ),
                        (
                            "keep_cost",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("0"),
                                max_digits=14,
                                verbose_name="cost of keeping",
                            ),
                        ),
                        (
                            "profit",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("0"),
                                max_digits=14,
                                verbose_name="profit contribution",
                            ),
                        ),
                        (
                            "referred_buyers",
                            models.PositiveIntegerField(default=0, verbose_name="referred buyers"),
                        ),
                        (
                            "pay_delay_hours",
                            models.FloatField(
                                blank=True, null=True, verbose_name="hours from order to payment"
                            ),
                        ),
                        (
                            "score",
                            models.FloatField(blank=True, null=True, verbose_name="weighted score"),
                        ),
                    ],
                    options={
                        "verbose_name": "customer statistics",
                        "verbose_name_plural": "customer statistics",
                        "db_table": "analytics_customerstats",
                        "indexes": [
                            models.Index(fields=["-profit"], name="stats_profit_idx"),
                            models.Index(fields=["-revenue"], name="stats_revenue_idx"),
                            models.Index(fields=["last_paid_at"], name="stats_last_paid_idx"),
                            models.Index(fields=["first_paid_at"], name="stats_first_paid_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
