from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.utils import timezone

from yutang.accounts.models import User
from yutang.imports.access import get_job_for
from yutang.imports.models import ImportJob
from yutang.orders.access import get_payment_for
from yutang.orders.models import Payment
from yutang.test import BaseTestCase, make_customer


class GetPaymentForTests(BaseTestCase):
    def payment_of(self, agent: User) -> Payment:
        return Payment.objects.create(
            source="wechat",
            transaction_id=f"{agent.username}-1",
            customer=make_customer(agent),
            occurred_at=timezone.now(),
            amount=Decimal("99"),
            imported_by=agent,
        )

    def test_it_answers_bobs_payment_to_bob_and_the_pond_and_404_to_the_others(self) -> None:
        payment = self.payment_of(self.bob)
        self.assert_fetches(
            get_payment_for,
            payment.pk,
            reach=[self.bob, self.alice, self.sam],
            refused=[self.charlie, self.dave],
        )

    def test_it_answers_daves_payment_to_his_upline(self) -> None:
        payment = self.payment_of(self.dave)
        self.assert_fetches(
            get_payment_for,
            payment.pk,
            reach=[self.dave, self.bob, self.alice, self.sam],
            refused=[self.charlie],
        )

    def test_it_answers_404_for_a_payment_without_a_customer(self) -> None:
        # Imported by bob, not yet matched to anybody: no customer makes it anybody's to see.
        payment = Payment.objects.create(
            source="wechat",
            transaction_id="loose",
            occurred_at=timezone.now(),
            amount=Decimal("5"),
            imported_by=self.bob,
        )
        with self.assertRaises(Http404):
            get_payment_for(self.bob, payment.pk)

    def test_it_reads_customer_and_order_in_the_same_query(self) -> None:
        payment = self.payment_of(self.bob)
        with self.assertNumQueries(1):
            found = get_payment_for(self.bob, payment.pk)
            assert found.customer is not None and found.customer.nickname == "小美"
            assert found.order is None


class GetJobForTests(BaseTestCase):
    def job_of(self, user: User) -> ImportJob:
        return ImportJob.objects.create(user=user, kind="customers", rule="fill", filename="c.csv")

    def test_it_answers_a_job_to_its_uploader_alone(self) -> None:
        job = self.job_of(self.bob)
        self.assert_fetches(
            get_job_for,
            str(job.pk),
            reach=[self.bob],
            refused=[self.charlie, self.dave, self.alice, self.sam],
        )

    def test_it_answers_404_to_the_upline_of_the_uploader(self) -> None:
        job = self.job_of(self.dave)
        self.assert_fetches(
            get_job_for, str(job.pk), reach=[self.dave], refused=[self.bob, self.alice]
        )

    def test_it_answers_404_for_an_id_that_is_not_a_job_id(self) -> None:
        self.job_of(self.bob)
        for job_id in ["1", "../../etc/passwd", "", "0" * 33]:
            with self.assertRaises(Http404, msg=job_id):
                get_job_for(self.bob, job_id)

    def test_it_answers_whatever_the_jobs_state(self) -> None:
        job = self.job_of(self.bob)
        job.state = ImportJob.State.COMMITTED
        job.save(update_fields=["state"])
        assert get_job_for(self.bob, str(job.pk)) == job
