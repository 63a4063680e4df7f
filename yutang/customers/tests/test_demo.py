from __future__ import annotations

import io

from django.core.management import call_command
from django.test import TestCase

from yutang.accounts.models import User
from yutang.customers.models import Activity, Customer


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
        # Every referral stays within its owner's branch.
        for c in Customer.objects.exclude(referrer=None).select_related("referrer"):
            assert c.referrer is not None and c.referrer.owner_id == c.owner_id
