"""The joined day and month become required, and indexed, once 0013 has filled them: a migration
of its own, since PostgreSQL refuses to alter a table in the transaction that updated its rows
while their deferred constraint checks are pending."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0013_customer_joined_on_and_month"),
    ]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="joined_on",
            field=models.DateField(editable=False),
        ),
        migrations.AlterField(
            model_name="customer",
            name="joined_month",
            field=models.DateField(editable=False),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["joined_on", "added_on"], name="customer_joined_on_idx"),
        ),
    ]
