from __future__ import annotations

from yutang.customers.models import Channel, Customer, Tag, TagGroup
from yutang.test import BaseTestCase, make_customer, make_tag


class ChannelSettingsTests(BaseTestCase):
    def test_it_is_for_the_owner_only(self) -> None:
        for user in (self.sam, self.bob):
            self.login(user)
            assert self.client.get("/customers/settings/channels/").status_code == 403
            assert (
                self.client.post("/customers/settings/channels/", {"name": "x"}).status_code == 403
            )
        assert not Channel.objects.filter(name="x").exists()

    def test_it_adds_renames_and_switches_off_a_channel(self) -> None:
        self.login(self.alice)
        assert self.client.get("/customers/settings/channels/").status_code == 200
        self.client.post("/customers/settings/channels/", {"name": "快手", "active": "on"})
        kuaishou = Channel.objects.get(name="快手")
        assert kuaishou.active
        self.client.post("/customers/settings/channels/", {"pk": kuaishou.pk, "name": "快手直播"})
        kuaishou.refresh_from_db()
        assert kuaishou.name == "快手直播" and not kuaishou.active
        self.login(self.bob)
        form = self.client.get("/customers/new/").context["form"]
        assert kuaishou not in form.fields["channel"].queryset

    def test_it_deletes_only_an_unused_channel(self) -> None:
        used, unused = Channel.objects.get(name="抖音"), Channel.objects.get(name="微博")
        make_customer(self.bob, "小美", channel=used)
        self.login(self.alice)
        response = self.client.post(f"/customers/settings/channels/{used.pk}/delete/", follow=True)
        assert "正在使用" in response.content.decode()
        self.client.post(f"/customers/settings/channels/{unused.pk}/delete/")
        assert set(Channel.objects.filter(pk__in=[used.pk, unused.pk])) == {used}
        self.login(self.sam)
        assert (
            self.client.post(f"/customers/settings/channels/{used.pk}/delete/").status_code == 403
        )

    def test_it_refuses_a_duplicate_or_empty_name(self) -> None:
        self.login(self.alice)
        response = self.client.post("/customers/settings/channels/", {"name": "抖音"})
        assert "已存在" in response.content.decode()
        response = self.client.post("/customers/settings/channels/", {"name": ""})
        assert "必填" in response.content.decode()
        assert Channel.objects.filter(name="抖音").count() == 1


class TagSettingsTests(BaseTestCase):
    def test_it_is_for_the_owner_only(self) -> None:
        tag = make_tag("宝妈")
        self.login(self.sam)
        assert self.client.get("/customers/settings/tags/").status_code == 403
        assert self.client.post(f"/customers/settings/tags/{tag.pk}/delete/").status_code == 403
        assert Tag.objects.filter(pk=tag.pk).exists()

    def test_it_manages_groups_and_tags(self) -> None:
        self.login(self.alice)
        assert self.client.get("/customers/settings/tags/").status_code == 200
        self.client.post("/customers/settings/tags/", {"group-name": "肤质"})
        group = TagGroup.objects.get(name="肤质")
        self.client.post("/customers/settings/tags/", {"tag-group": group.pk, "tag-name": "油皮"})
        tag = Tag.objects.get(name="油皮")
        self.client.post(
            "/customers/settings/tags/", {"pk": tag.pk, "tag-group": group.pk, "tag-name": "干皮"}
        )
        tag.refresh_from_db()
        assert tag.name == "干皮"
        customer = make_customer(self.bob, "小美")
        customer.tags.add(tag)
        self.client.post(f"/customers/settings/tags/{tag.pk}/delete/")
        assert not Tag.objects.filter(pk=tag.pk).exists()
        assert Customer.objects.filter(pk=customer.pk).exists()

    def test_it_refuses_a_tag_twice_in_a_group(self) -> None:
        tag = make_tag("宝妈", group="自定义")
        self.login(self.alice)
        response = self.client.post(
            "/customers/settings/tags/", {"tag-group": tag.group.pk, "tag-name": "宝妈"}
        )
        assert "这个标签组里已经有这个标签了" in response.content.decode()
        assert Tag.objects.filter(name="宝妈").count() == 1

    def test_it_refuses_an_unknown_group(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            "/customers/settings/tags/", {"tag-group": 999, "tag-name": "x"}
        )
        assert "未知的标签组" in response.content.decode()
        assert not Tag.objects.filter(name="x").exists()
