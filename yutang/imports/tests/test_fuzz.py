"""Property-based and mutational fuzzing of the three imports through the one way in.

Bounded and derandomised here (the same examples on every run); `fuzzing.py` says how to
explore further by hand."""

from __future__ import annotations

import random

from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from yutang.accounts.models import User
from yutang.imports.models import ImportJob
from yutang.test import BaseTestCase

from . import fuzzing
from .fuzzing import CUSTOMER_COLUMNS, ORDER_COLUMNS, profile, run_job, sheet_file


@override_settings(YUTANG_IMPORT_BACKGROUND_BYTES=1 << 40)
class FuzzTests(BaseTestCase, HypothesisTestCase):
    def user(self, owner: bool) -> User:
        return self.alice if owner else self.bob

    @profile(120)
    @given(sheet_file(CUSTOMER_COLUMNS), st.booleans(), st.booleans())
    def test_it_survives_hostile_customer_files(
        self, file: tuple[str, bytes], owner: bool, accept_all: bool
    ) -> None:
        run_job(self.user(owner), "customers", *file, accept_all=accept_all)

    @profile(120)
    @given(sheet_file(ORDER_COLUMNS), st.booleans(), st.booleans())
    def test_it_survives_hostile_order_files(
        self, file: tuple[str, bytes], owner: bool, accept_all: bool
    ) -> None:
        # Customers to match the orders against, so that orders reach the commit.
        run_job(self.bob, "customers", *fuzzing.good_customer_files()[0], accept_all=True)
        run_job(self.user(owner), "orders", *file, accept_all=accept_all)

    @profile(60)
    @given(fuzzing.bill_file(), st.booleans(), st.booleans())
    def test_it_survives_hostile_bills(
        self, file: tuple[str, bytes], owner: bool, accept_all: bool
    ) -> None:
        run_job(self.user(owner), "bill", *file, accept_all=accept_all)

    def test_the_good_files_import(self) -> None:
        # The control group: unmutated, every file goes in (so the mutations start from files
        # that reach the commit).
        for kind, files in [("customers", fuzzing.good_customer_files()),
                            ("orders", fuzzing.good_order_files()),
                            ("bill", fuzzing.good_bills())]:  # fmt: skip
            for filename, data in files:
                job, _before, _after = run_job(self.bob, kind, filename, data, accept_all=True)
                assert job.state == ImportJob.State.COMMITTED, (kind, filename, job.result)

    @profile(150)
    @given(st.sampled_from(["customers", "orders", "bill"]), st.integers(0, 2**32),
           st.booleans(), st.booleans())  # fmt: skip
    def test_it_survives_mutated_files(
        self, kind: str, seed: int, owner: bool, accept_all: bool
    ) -> None:
        rng = random.Random(seed)
        files = {"customers": fuzzing.good_customer_files, "orders": fuzzing.good_order_files,
                 "bill": fuzzing.good_bills}[kind]()  # fmt: skip
        filename, data = rng.choice(files)
        if kind == "orders":
            run_job(self.bob, "customers", *fuzzing.good_customer_files()[0], accept_all=True)
        if filename.endswith(".xlsx") and rng.random() < 0.6:
            data = fuzzing.mutate_xlsx_xml(data, rng)
        else:
            data = fuzzing.mutate(data, rng)
        run_job(self.user(owner), kind, filename, data, accept_all=accept_all)
