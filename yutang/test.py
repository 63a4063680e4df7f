"""Test personas and small data helpers shared by every app's tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.http import Http404
from django.test import TestCase, override_settings

from yutang.accounts.actions import create_user
from yutang.accounts.models import ApiToken, Role, User
from yutang.customers.models import Channel, Customer, Tag, TagGroup

PASSWORD = "fish-pond-2026"


# Hashing with the real work factor makes every persona cost a third of a second.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class BaseTestCase(TestCase):
    """alice the owner, sam staff, bob an agent, dave bob's downline, charlie another branch."""

    alice: User
    sam: User
    bob: User
    dave: User
    charlie: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.alice = create_user(username="alice", role=Role.OWNER, password=PASSWORD)
        cls.sam = create_user(username="sam", role=Role.STAFF, password=PASSWORD)
        cls.bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
        cls.dave = create_user(username="dave", role=Role.AGENT, password=PASSWORD, upline=cls.bob)
        cls.charlie = create_user(username="charlie", role=Role.AGENT, password=PASSWORD)

    def login(self, user: User) -> None:
        self.client.force_login(user)

    # The language API calls ask for with Accept-Language; None: the default, Chinese.
    api_language: str | None = None

    def bearer(self, user: User) -> dict[str, str]:
        _token, key = ApiToken.issue(user)
        return {"Authorization": f"Bearer {key}"}

    def api(self, user: User, method: str, url: str, body: Any = None, **params: Any) -> Any:
        """Call the API as `user` with a fresh token; `body` goes as JSON, `params` as query."""
        headers = self.bearer(user)
        if self.api_language:
            headers["Accept-Language"] = self.api_language
        call = getattr(self.client, method)
        if body is not None:
            return call(
                url, data=json.dumps(body), content_type="application/json", headers=headers
            )
        return call(url, data=params or None, headers=headers)

    def assert_fetches(
        self,
        fetch: Callable[[User, Any], Any],
        pk: Any,
        *,
        reach: Iterable[User],
        refused: Iterable[User],
    ) -> None:
        """An access helper answers the object for each of `reach` and a 404 for `refused`."""
        for user in reach:
            assert str(fetch(user, pk).pk) == str(pk), user.username
        for user in refused:
            with self.assertRaises(Http404, msg=user.username):
                fetch(user, pk)


def make_customer(owner: User, nickname: str = "小美", **fields: Any) -> Customer:
    return Customer.objects.create(owner=owner, nickname=nickname, **fields)


def make_tag(name: str, group: str = "兴趣爱好") -> Tag:
    tag_group, _ = TagGroup.objects.get_or_create(name=group)
    return Tag.objects.get_or_create(group=tag_group, name=name)[0]


def channel(name: str = "朋友圈") -> Channel:
    return Channel.objects.get(name=name)
