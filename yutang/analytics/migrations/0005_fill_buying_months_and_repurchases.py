"""The buying months and repurchases of every customer, from the paid orders so far (the
statistics refresh keeps them from now on, as the nightly run does)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations


def fill(apps, schema_editor):
    connection = schema_editor.connection
    paid = (
        "SELECT DISTINCT customer_id, paid_at FROM orders_order WHERE paid_at IS NOT NULL "
        "AND status IN ('paid', 'shipped', 'signed', 'completed')"
    )
    if connection.vendor == "postgresql":
        month = "CAST(DATE_TRUNC('month', paid_at AT TIME ZONE %s) AS DATE)"
        month_params = [settings.TIME_ZONE]
        gap = "EXTRACT(EPOCH FROM (paid_at - previous)) / 86400.0"
    else:
        # The zone's present offset, as the refresh uses (no summer time in Asia/Shanghai).
        offset = datetime.now(ZoneInfo(settings.TIME_ZONE)).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        month = f"date(paid_at, '{minutes:+d} minutes', 'start of month')"
        month_params = []
        gap = "(julianday(paid_at) - julianday(previous))"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO analytics_buyingmonth (customer_id, month, first_month) "
            "SELECT customer_id, month, MIN(month) OVER (PARTITION BY customer_id) FROM "
            f"(SELECT DISTINCT customer_id, {month} AS month FROM ({paid}) AS paid) AS months",
            month_params,
        )
        cursor.execute(
            "INSERT INTO analytics_repurchase (customer_id, paid_at, previous_paid_at, gap_days) "
            f"SELECT customer_id, paid_at, previous, {gap} FROM (SELECT customer_id, paid_at, "
            "LAG(paid_at) OVER (PARTITION BY customer_id ORDER BY paid_at) AS previous "
            f"FROM ({paid}) AS paid) AS ordered WHERE previous IS NOT NULL"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_buying_months_and_repurchases"),
        ("orders", "0005_payment_from_imports"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
