from __future__ import annotations

from django.db.models import Value
from django.http import Http404

from yutang.customers.access import get_customer_for
from yutang.customers.models import Customer
from yutang.test import BaseTestCase, channel, make_customer


class GetCustomerForTests(BaseTestCase):
    def test_it_answers_bobs_customer_to_bob_and_the_pond_and_404_to_the_others(self) -> None:
        customer = make_customer(self.bob)
        self.assert_fetches(
            get_customer_for,
            customer.pk,
            reach=[self.bob, self.alice, self.sam],
            refused=[self.charlie, self.dave],
        )

    def test_it_answers_daves_customer_to_his_upline(self) -> None:
        customer = make_customer(self.dave)
        self.assert_fetches(
            get_customer_for,
            customer.pk,
            reach=[self.dave, self.bob, self.alice, self.sam],
            refused=[self.charlie],
        )

    def test_it_answers_404_for_a_customer_that_does_not_exist(self) -> None:
        with self.assertRaises(Http404):
            get_customer_for(self.alice, 999_999)

    def test_it_scopes_the_callers_queryset_too(self) -> None:
        customer = make_customer(self.bob)
        with self.assertRaises(Http404):
            get_customer_for(self.charlie, customer.pk, queryset=Customer.objects.all())
        annotated = Customer.objects.annotate(answer=Value(42))
        found = get_customer_for(self.bob, customer.pk, queryset=annotated)
        assert getattr(found, "answer") == 42  # noqa: B009 - an annotation the model does not declare

    def test_it_reads_channel_owner_and_referrer_in_one_query(self) -> None:
        friend = make_customer(self.bob, "介绍人")
        customer = make_customer(self.bob, channel=channel(), referrer=friend)
        with self.assertNumQueries(1):
            found = get_customer_for(self.bob, customer.pk)
            assert found.channel is not None and found.channel.name == "朋友圈"
            assert found.owner.username == "bob"
            assert found.referrer == friend
