"""The day each customer became a friend (the friend-added date, else the local day the record
was made) and its month, stored and indexed for the growth funnel; existing rows filled in."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Coalesce, TruncDate, TruncMonth


def fill_joined(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    local = ZoneInfo(settings.TIME_ZONE)
    Customer.objects.update(joined_on=Coalesce("added_on", TruncDate("created", tzinfo=local)))
    Customer.objects.update(joined_month=TruncMonth("joined_on"))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0012_customer_text_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="joined_on",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="customer",
            name="joined_month",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.RunPython(fill_joined, migrations.RunPython.noop, elidable=True),
    ]
