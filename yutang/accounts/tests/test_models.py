from __future__ import annotations

from django.core.exceptions import ValidationError

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.customers.models import Customer
from yutang.test import PASSWORD, BaseTestCase, make_customer


class TreeTests(BaseTestCase):
    def test_it_keeps_the_path_of_each_agent(self) -> None:
        assert self.bob.tree_path == f"/{self.bob.pk}/"
        assert self.dave.tree_path == f"/{self.bob.pk}/{self.dave.pk}/"
        assert set(self.bob.branch()) == {self.bob, self.dave}
        assert set(self.dave.branch()) == {self.dave}

    def test_it_moves_the_whole_downline_with_its_agent(self) -> None:
        erin = create_user(username="erin", role=Role.AGENT, password=PASSWORD, upline=self.dave)
        self.dave.upline = self.charlie
        self.dave.save()
        erin.refresh_from_db()
        assert erin.tree_path == f"/{self.charlie.pk}/{self.dave.pk}/{erin.pk}/"
        assert set(self.charlie.branch()) == {self.charlie, self.dave, erin}

    def test_it_refuses_a_loop_in_the_tree(self) -> None:
        self.bob.upline = self.dave
        with self.assertRaises(ValidationError):
            self.bob.full_clean()

    def test_it_refuses_an_upline_for_staff(self) -> None:
        with self.assertRaises(ValidationError):
            create_user(username="x", role=Role.STAFF, password=PASSWORD, upline=self.bob)


class VisibleToTests(BaseTestCase):
    def test_it_scopes_customers_to_the_branch(self) -> None:
        mine = make_customer(self.bob, "bob的客户")
        downline = make_customer(self.dave, "dave的客户")
        other = make_customer(self.charlie, "charlie的客户")
        shop = make_customer(self.alice, "店里的客户")
        everyone = {mine, downline, other, shop}
        assert set(Customer.objects.visible_to(self.alice)) == everyone
        assert set(Customer.objects.visible_to(self.sam)) == everyone
        assert set(Customer.objects.visible_to(self.bob)) == {mine, downline}
        assert set(Customer.objects.visible_to(self.dave)) == {downline}
        assert set(Customer.objects.visible_to(self.charlie)) == {other}

    def test_it_shows_nothing_to_an_inactive_user(self) -> None:
        make_customer(self.bob)
        self.bob.is_active = False
        assert not Customer.objects.visible_to(self.bob).exists()


class BranchTests(BaseTestCase):
    def test_it_says_in_memory_who_sits_in_a_branch(self) -> None:
        agents = (self.bob, self.dave, self.charlie)
        pairs = [(u, head) for u in agents for head in agents]
        inside = {(u.username, head.username) for u, head in pairs if u.is_in_branch_of(head)}
        assert inside == {("bob", "bob"), ("dave", "bob"), ("dave", "dave"), ("charlie", "charlie")}
        assert inside == {(u.username, head.username) for u, head in pairs if u in head.branch()}

    def test_it_filters_through_a_relation(self) -> None:
        mine = make_customer(self.bob, "bob的客户")
        downline = make_customer(self.dave, "dave的客户")
        make_customer(self.charlie, "charlie的客户")
        assert set(Customer.objects.filter(self.bob.branch_q("owner__"))) == {mine, downline}
        assert set(Customer.objects.filter(self.dave.branch_q("owner__"))) == {downline}
