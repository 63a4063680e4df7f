from django.db import migrations

# The defaults of DOMAIN.md; the owner edits both lists afterwards in the settings.
CHANNELS = ["朋友圈", "微信群", "QQ", "微博", "抖音", "小红书", "门店", "转介绍", "支付宝", "微信转账", "其他"]
TAG_GROUPS = ["年龄段", "兴趣爱好", "地区", "购买次数", "使用情况", "需求", "价值观", "自定义"]


def seed(apps, schema_editor):
    Channel = apps.get_model("customers", "Channel")
    TagGroup = apps.get_model("customers", "TagGroup")
    for i, name in enumerate(CHANNELS):
        Channel.objects.get_or_create(name=name, defaults={"position": i})
    for i, name in enumerate(TAG_GROUPS):
        TagGroup.objects.get_or_create(name=name, defaults={"position": i})


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
