from __future__ import annotations

import io

from django.core.management import call_command
from django.test import TestCase

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.models import Activity, Customer
from yutang.followups.models import FollowUp
from yutang.orders.models import Order
from yutang.touchpoints.models import Touchpoint


class DemoTests(TestCase):
    def test_it_prepares_a_realistic_pond_once(self) -> None:
        out = io.StringIO()
        call_command("demo", "--no-serve", "--customers", "300", stdout=out)
        assert "yutang2026" in out.getvalue() and "owner" in out.getvalue()
        assert Customer.objects.count() == 300
        call_command("demo", "--no-serve", "--customers", "300", stdout=io.StringIO())
        assert Customer.objects.count() == 300
        assert User.objects.count() == 5

        agent1a = User.objects.get(username="agent1a")
        assert agent1a.upline == User.objects.get(username="agent1")
        assert Customer.objects.exclude(referrer=None).exists()
        assert Customer.objects.filter(tags__isnull=False).distinct().count() > 150
        assert Customer.objects.values("province").distinct().count() > 15
        assert set(Customer.objects.values_list("grade", flat=True)) >= {
            "AA",
            "A",
            "B",
            "C",
            "D",
            "F",
        }
        assert Customer.objects.exclude(phone="").count() > 200
        assert Activity.objects.filter(kind="created").count() == 300
        # Pinyin search works on data made in bulk.
        sample = Customer.objects.exclude(name="").first()
        assert sample is not None and sample.search_pinyin
        assert (
            Customer.objects.search(sample.search_pinyin.split()[-1]).filter(pk=sample.pk).exists()
        )
        # Sales make the workbench, pipeline and lifecycle alive on day one.
        assert Product.objects.filter(usage_cycle_days__gt=0).count() == 10
        assert Order.objects.count() > 100
        statuses = set(Order.objects.values_list("status", flat=True))
        assert {"completed", "intent", "unpaid"} <= statuses
        assert set(FollowUp.objects.values_list("stage", flat=True)) == {"a", "b", "c", "d"}
        assert not Customer.objects.filter(grade="AA", consumed=False).exists()
        lifecycles = set(Customer.objects.values_list("lifecycle", flat=True))
        assert {"prospect", "new", "returning"} <= lifecycles
        kinds = set(Touchpoint.objects.values_list("kind", flat=True))
        assert {"repurchase", "followup_due", "order_reminder"} <= kinds
        # Every referral stays within its owner's branch.
        for c in Customer.objects.exclude(referrer=None).select_related("referrer"):
            assert c.referrer is not None and c.referrer.owner_id == c.owner_id
