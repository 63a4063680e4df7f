"""Every hostile file of the corpus through the one way in: upload, dry run, commit.

A refused file gets its true reason and writes nothing; a file with bad rows lists them with
row and column and, without accept_all, writes nothing; no file raises anything but a refusal.
Runs on SQLite and on PostgreSQL (the suite runs on both)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Model
from django.test import override_settings
from django.utils import translation

from yutang.customers.models import Activity, Customer, Tag
from yutang.imports import jobs
from yutang.imports.models import ImportJob, Payment
from yutang.orders.models import Order
from yutang.test import BaseTestCase

from .corpus import Case, all_cases

CASES = all_cases()
COUNTED: list[type[Model]] = [Customer, Activity, Tag, Order, Payment]


def _counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in COUNTED}


@override_settings(YUTANG_IMPORT_BACKGROUND_BYTES=1 << 40)
class CorpusTests(BaseTestCase):
    def run_case(self, case: Case, language: str) -> tuple[ImportJob, dict[str, Any]]:
        with translation.override(language):
            job = jobs.start_job(
                user=self.bob, kind=case.kind, rule="fill", filename=case.filename,
                chunks=[case.build()],
            )  # fmt: skip
            job.refresh_from_db()
            if job.state == ImportJob.State.CHECKED:
                jobs.commit(job, accept_all=False)
                job.refresh_from_db()
        return job, job.result

    def check(self, case: Case) -> None:
        before = _counts()
        job, result = self.run_case(case, "en")
        if case.outcome == "refused":
            assert job.state == ImportJob.State.REJECTED, (case.name, result)
            assert case.message in result["error"], (case.name, result["error"])
            assert _counts() == before, case.name
        elif case.outcome == "rejected":
            assert job.state == ImportJob.State.CHECKED, (case.name, result)
            assert result["committed"] is False, case.name
            rejected = {(r["row"], r["column"]) for r in result["rejected"]}
            assert set(case.rows) <= rejected, (case.name, result["rejected"])
            reasons = " ".join(r["reason"] for r in result["rejected"])
            assert case.message in reasons, (case.name, reasons)
            assert _counts() == before, case.name
        else:
            assert job.state == ImportJob.State.COMMITTED, (case.name, result)
            for key, value in case.summary.items():
                assert result[key] == value, (case.name, key, result)
        # The same file in Chinese (the default) gets its words in Chinese, not English.
        if case.outcome != "imported":
            _job, chinese = self.run_case(case, "zh-hans")
            text = chinese.get("error") or " ".join(r["reason"] for r in chinese["rejected"])
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (case.name, text)


def _test(case: Case) -> Any:
    def test(self: CorpusTests) -> None:
        self.check(case)

    return test


for _case in CASES:
    if not _case.bomb:
        setattr(CorpusTests, f"test_it_handles_{_case.name.replace('-', '_')}", _test(_case))


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_case_names_are_identifiers(name: str) -> None:
    assert name.replace("-", "").isalnum() and name.islower()
