from __future__ import annotations

from django.contrib import admin

from .models import Activity, Channel, Customer, Tag, TagGroup


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "nickname",
        "name",
        "phone",
        "wechat_id",
        "grade",
        "channel",
        "owner",
        "created",
    ]
    list_filter = ["grade", "channel", "visited_store", "vip"]
    search_fields = ["nickname", "name", "wechat_id", "phone", "search_pinyin"]
    list_select_related = ["channel", "owner"]
    raw_id_fields = ["referrer", "owner"]
    filter_horizontal = ["tags"]


admin.site.register(Channel)
admin.site.register(TagGroup)
admin.site.register(Tag)
admin.site.register(Activity)
