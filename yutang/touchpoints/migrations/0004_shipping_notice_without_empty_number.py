from django.db import migrations

# The built-in shipping notice before and after {快递信息}, which leaves the courier and the
# number out when there is no number (the old one read "单号 ，"). Only an owner's template
# that is still the built-in one changes; an edited one is the owner's.
OLD = "{称呼}，您的{商品}已经发货啦！{快递公司} 单号 {快递单号}，注意查收哦～"
NEW = "{称呼}，您的{商品}已经发货啦！{快递信息}注意查收哦～"


def forward(apps, schema_editor):
    MessageTemplate = apps.get_model("touchpoints", "MessageTemplate")
    MessageTemplate.objects.filter(kind="shipping_notice", text=OLD).update(text=NEW)


def backward(apps, schema_editor):
    MessageTemplate = apps.get_model("touchpoints", "MessageTemplate")
    MessageTemplate.objects.filter(kind="shipping_notice", text=NEW).update(text=OLD)


class Migration(migrations.Migration):
    dependencies = [("touchpoints", "0003_expired_state")]
    operations = [migrations.RunPython(forward, backward)]
