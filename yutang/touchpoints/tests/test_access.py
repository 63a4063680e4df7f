from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from yutang.accounts.models import User
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.access import get_touchpoint_for
from yutang.touchpoints.models import Kind, Touchpoint


class GetTouchpointForTests(BaseTestCase):
    def touchpoint_of(self, agent: User) -> Touchpoint:
        return Touchpoint.objects.create(
            customer=make_customer(agent),
            kind=Kind.BIRTHDAY,
            key=f"birthday:{agent.username}",
            due_on=timezone.localdate(),
        )

    def test_it_answers_bobs_touchpoint_to_bob_and_the_pond_and_404_to_the_others(self) -> None:
        touchpoint = self.touchpoint_of(self.bob)
        self.assert_fetches(
            get_touchpoint_for,
            touchpoint.pk,
            reach=[self.bob, self.alice, self.sam],
            refused=[self.charlie, self.dave],
        )

    def test_it_answers_daves_touchpoint_to_his_upline(self) -> None:
        touchpoint = self.touchpoint_of(self.dave)
        self.assert_fetches(
            get_touchpoint_for,
            touchpoint.pk,
            reach=[self.dave, self.bob, self.alice, self.sam],
            refused=[self.charlie],
        )

    def test_it_answers_404_for_a_touchpoint_that_does_not_exist(self) -> None:
        with self.assertRaises(Http404):
            get_touchpoint_for(self.alice, 999_999)

    def test_it_reads_the_customer_in_the_same_query(self) -> None:
        touchpoint = self.touchpoint_of(self.bob)
        with self.assertNumQueries(1):
            assert get_touchpoint_for(self.bob, touchpoint.pk).customer.nickname == "小美"
