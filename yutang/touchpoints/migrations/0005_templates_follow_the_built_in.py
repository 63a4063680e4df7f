"""Saved messages that are still the first built-in ones follow the built-in ones from now on:
those promised a gift, said 快用完了 after the use-up day, called every VIP 她 and pasted the
seller's private next step to the customer. A follow-up message that still pastes {下一步}
(no longer a placeholder) goes back to the built-in one too."""

from django.db import migrations

# The texts 0002 seeded, copied: a migration keeps its own copy.
FIRST_DEFAULTS = {
    "payment_reminder": (
        "{称呼}，您好！您拍下的{商品}还在等您付款哦，付款后我们第一时间安排发货～"
        "有任何疑问随时问我。"
    ),
    "order_reminder": (
        "{称呼}，上次聊到的{商品}给您留着呢，需要的话我现在帮您下单，当天就能安排发货～"
    ),
    "shipping_notice": "{称呼}，您的{商品}已经发货啦！{快递公司} 单号 {快递单号}，注意查收哦～",
    "delivery_care": ("{称呼}，看到您的{商品}已经签收了，包装都完好吗？使用中有任何问题随时找我～"),
    "repurchase": (
        "{称呼}，算着时间您的{商品}快用完了吧？用着感觉怎么样？需要的话我提前给您备好货～"
    ),
    "reactivation": (
        "{称呼}，好久没聊啦，最近状态怎么样？上次的{商品}用得还习惯吗？有新品和福利第一时间告诉您～"
    ),
    "followup_due": "{称呼}，您好！上次我们聊到{下一步}，想跟您再确认一下，您看方便吗？",
    "birthday": (
        "{称呼}，生日快乐！🎂 祝您天天开心、越来越好～给您准备了一份生日小心意，记得找我领取哦！"
    ),
    "holiday": "{称呼}，{节日}快乐！感谢一直以来的支持，祝您和家人幸福安康～",
    "vip_call": "给{称呼}打个电话：感谢长期支持，问问最近用{商品}的感受，告诉她 VIP 专属福利。",
}

SHIPPING_NOTICE_0004 = "{称呼}，您的{商品}已经发货啦！{快递信息}注意查收哦～"


def follow_the_built_in(apps, schema_editor):
    MessageTemplate = apps.get_model("touchpoints", "MessageTemplate")
    for kind, text in FIRST_DEFAULTS.items():
        MessageTemplate.objects.filter(kind=kind, text=text).delete()
    MessageTemplate.objects.filter(kind="followup_due", text__contains="{下一步}").delete()
    # The shipping notice 0004 rewrote is the built-in one too.
    MessageTemplate.objects.filter(kind="shipping_notice", text=SHIPPING_NOTICE_0004).delete()


class Migration(migrations.Migration):
    dependencies = [("touchpoints", "0004_shipping_notice_without_empty_number")]
    operations = [migrations.RunPython(follow_the_built_in, migrations.RunPython.noop)]
