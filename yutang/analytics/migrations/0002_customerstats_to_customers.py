"""CustomerStats moves to customers, state only: its table stays (see customers 0008)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("customers", "0008_customerstats_from_analytics"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CustomerStats")],
            database_operations=[],
        ),
    ]
