from __future__ import annotations

import importlib
import re
from typing import Any

from django.apps import apps
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from yutang.accounts.models import User
from yutang.customers import actions
from yutang.customers.access import timeline_for
from yutang.customers.models import CUSTOMER_REFERENCES, Activity, ActivityKind, Customer
from yutang.test import BaseTestCase, make_customer

MIGRATION = importlib.import_module("yutang.customers.migrations.0007_timeline_referrers_by_id")


def rows(*customers: Customer) -> list[dict[str, Any]]:
    """What the database holds for these customers, to compare before and after a refusal."""
    return [model_to_dict(Customer.objects.get(pk=c.pk)) for c in customers]


class TimelineTestCase(BaseTestCase):
    """charlie's customer was referred by one of bob's: alice set it, she sees every branch."""

    def setUp(self) -> None:
        self.bobs = make_customer(self.bob, "鲍勃的老客户", phone="13800138000")
        self.mine = make_customer(self.charlie, "查理的客户")
        response = self.edit(self.alice, referrer=self.bobs.pk)
        assert response.status_code == 302
        self.mine.refresh_from_db()
        assert self.mine.referrer == self.bobs

    def edit(self, user: User, **fields: Any) -> Any:
        """Save the edit page of charlie's customer as `user`."""
        self.login(user)
        data = {"nickname": "查理的客户", "owner": self.charlie.pk, "birthday_calendar": "solar"}
        return self.client.post(f"/customers/{self.mine.pk}/edit/", {**data, **fields})


class TimelineTests(TimelineTestCase):
    def test_it_keeps_the_referrer_by_id_never_by_name(self) -> None:
        edited = Activity.objects.get(customer=self.mine, kind=ActivityKind.EDITED)
        assert edited.data["changes"]["referrer"] == [None, self.bobs.pk]
        assert "鲍勃的老客户" not in str(edited.data)

    def test_it_keeps_a_change_of_salutation_and_cooperation(self) -> None:
        response = self.edit(self.alice, referrer=self.bobs.pk, salutation="查姐", cooperation=4)
        assert response.status_code == 302
        edited = Activity.objects.filter(customer=self.mine, kind=ActivityKind.EDITED).first()
        assert edited is not None
        assert edited.data["changes"]["salutation"] == ["", "查姐"]
        assert edited.data["changes"]["cooperation"] == [None, 4]
        html = self.client.get(f"/customers/{self.mine.pk}/").content.decode()
        assert "查姐" in html

    def test_it_names_the_referrer_only_to_who_may_see_them(self) -> None:
        self.login(self.charlie)
        html = self.client.get(f"/customers/{self.mine.pk}/").content.decode()
        assert "鲍勃的老客户" not in html
        assert "转介绍人: — → 另一位客户" in html
        self.login(self.alice)
        html = self.client.get(f"/customers/{self.mine.pk}/").content.decode()
        assert "转介绍人: — → 鲍勃的老客户" in html

    def test_it_never_names_them_through_the_api(self) -> None:
        for url in [
            f"/api/customers/{self.mine.pk}",
            f"/api/customers/{self.mine.pk}/grades",
            f"/api/customers/{self.mine.pk}/followups",
            "/api/customers",
            "/api/orders",
            "/api/touchpoints",
        ]:
            response = self.api(self.charlie, "get", url)
            assert response.status_code == 200, url
            body = response.content.decode()
            assert "鲍勃的老客户" not in body and "13800138000" not in body, url
        assert (
            self.api(self.charlie, "get", f"/api/customers/{self.mine.pk}").json()["referrer"]
            is None
        )

    def test_it_shows_a_legacy_name_as_another_customer(self) -> None:
        # A row written before ids (and never migrated) still does not leak the name.
        actions.log_activity(
            self.mine, ActivityKind.EDITED, self.alice, changes={"referrer": ["", "鲍勃的老客户"]}
        )
        self.login(self.charlie)
        html = self.client.get(f"/customers/{self.mine.pk}/").content.decode()
        assert "鲍勃的老客户" not in html and html.count("另一位客户") == 2

    def test_it_knows_every_field_that_points_at_a_customer(self) -> None:
        pointing = {
            f.name
            for f in Customer._meta.concrete_fields
            if f.is_relation and f.related_model is Customer
        }
        assert pointing == CUSTOMER_REFERENCES

    def test_it_keeps_the_merged_customers_referrer_by_id(self) -> None:
        other = make_customer(self.charlie, "查理的另一个", referrer=self.bobs)
        actions.merge_customers(keep=self.mine, remove=other, actor=self.alice)
        merged = Activity.objects.get(customer=self.mine, kind=ActivityKind.MERGED)
        assert merged.data["merged"]["referrer"] == self.bobs.pk
        assert "鲍勃的老客户" not in str(merged.data)

    def test_it_reads_the_timeline_in_a_fixed_number_of_queries(self) -> None:
        for i in range(5):
            friend = make_customer(self.bob, f"朋友{i}")
            before = actions.snapshot(self.mine)
            self.mine.referrer = friend
            actions.update_customer(customer=self.mine, before=before, actor=self.alice)
        with CaptureQueriesContext(connection) as ctx:
            entries = timeline_for(self.charlie, self.mine)
        assert len(ctx.captured_queries) == 2
        assert {e.changes_shown[0][2] for e in entries if e.kind == "edited"} == {"另一位客户"}


class EditFormTests(TimelineTestCase):
    def test_it_does_not_put_the_hidden_referrer_in_the_form(self) -> None:
        self.login(self.charlie)
        html = self.client.get(f"/customers/{self.mine.pk}/edit/").content.decode()
        field = re.search(r'<input type="hidden" name="referrer"[^>]*>', html)
        assert field is not None and 'value="kept"' in field[0]
        assert str(self.bobs.pk) not in field[0]
        assert "鲍勃的老客户" not in html and "其他代理线的客户" in html

    def test_it_keeps_the_hidden_referrer_when_saving(self) -> None:
        before = rows(self.bobs)
        response = self.edit(self.charlie, referrer="kept", city="杭州")
        assert response.status_code == 302
        self.mine.refresh_from_db()
        assert self.mine.referrer == self.bobs and self.mine.city == "杭州"
        assert rows(self.bobs) == before
        latest = Activity.objects.filter(customer=self.mine, kind=ActivityKind.EDITED).first()
        assert latest is not None and list(latest.data["changes"]) == ["city"]

    def test_it_refuses_the_hidden_referrer_by_its_id(self) -> None:
        # Accepting the id would tell charlie which customer it is.
        before = rows(self.bobs, self.mine)
        response = self.edit(self.charlie, referrer=self.bobs.pk)
        assert response.status_code == 200
        assert "介绍人不存在" in response.content.decode()
        assert rows(self.bobs, self.mine) == before
        response = self.api(
            self.charlie, "patch", f"/api/customers/{self.mine.pk}", {"referrer": self.bobs.pk}
        )
        assert response.status_code == 422 and "referrer" in response.json()["errors"]
        assert rows(self.bobs, self.mine) == before

    def test_it_lets_the_hidden_referrer_be_cleared(self) -> None:
        self.edit(self.charlie, referrer="")
        self.mine.refresh_from_db()
        assert self.mine.referrer is None

    def test_it_keeps_the_hidden_referrer_through_the_api(self) -> None:
        before = rows(self.bobs)
        response = self.api(self.charlie, "patch", f"/api/customers/{self.mine.pk}", {"vip": True})
        assert response.status_code == 200 and response.json()["referrer"] is None
        self.mine.refresh_from_db()
        assert self.mine.referrer == self.bobs and self.mine.vip
        assert rows(self.bobs) == before

    def test_it_refuses_the_keep_marker_where_nothing_is_hidden(self) -> None:
        response = self.api(self.alice, "patch", f"/api/customers/{self.mine.pk}", {"city": "x"})
        assert response.json()["referrer"] == self.bobs.pk
        response = self.edit(self.alice, referrer="kept")
        assert response.status_code == 200 and "介绍人不存在" in response.content.decode()


class MigrationTests(BaseTestCase):
    def legacy(self, customer: Customer, kind: str, **data: Any) -> Activity:
        return Activity.objects.create(customer=customer, kind=kind, data=data)

    def test_it_turns_stored_nicknames_into_ids(self) -> None:
        old = make_customer(self.bob, "老介绍人")
        current = make_customer(self.bob, "现介绍人")
        make_customer(self.bob, "同名")
        make_customer(self.dave, "同名")
        customer = make_customer(self.charlie, "查理的客户", referrer=current)
        changed = self.legacy(
            customer, "edited", changes={"referrer": ["老介绍人", "现介绍人"], "city": ["", "x"]}
        )
        ambiguous = self.legacy(customer, "edited", changes={"referrer": ["同名", "已删除的人"]})
        merged = self.legacy(
            customer,
            "merged",
            merged={
                "id": 999,
                "nickname": "被合并的",
                "referrer": "老介绍人",
                "referrer_id": old.pk,
            },
        )
        untouched = self.legacy(customer, "edited", changes={"city": ["", "y"]})

        MIGRATION.referrers_by_id(apps, None)

        for entry in (changed, ambiguous, merged, untouched):
            entry.refresh_from_db()
        assert changed.data["changes"] == {"referrer": [old.pk, current.pk], "city": ["", "x"]}
        assert ambiguous.data["changes"]["referrer"] == [0, 0]
        assert merged.data["merged"]["referrer"] == old.pk
        assert untouched.data == {"changes": {"city": ["", "y"]}}
        # Run twice, it changes nothing more.
        MIGRATION.referrers_by_id(apps, None)
        changed.refresh_from_db()
        assert changed.data["changes"]["referrer"] == [old.pk, current.pk]
