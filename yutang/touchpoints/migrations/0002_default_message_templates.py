from django.db import migrations

from yutang.touchpoints.defaults import DEFAULT_TEMPLATES



def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("touchpoints", "MessageTemplate")
    for kind, text in DEFAULT_TEMPLATES.items():
        MessageTemplate.objects.get_or_create(kind=kind, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("touchpoints", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
