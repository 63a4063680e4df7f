"""Every hostile file of the corpus through the one way in: upload, dry run, commit.

A refused file gets its true reason and writes nothing; a file with bad rows lists them with
row and column and, without accept_all, writes nothing; no file raises anything but a refusal.
Runs on SQLite and on PostgreSQL (the suite runs on both).

The bombs are first read in a forked child: a reader that allocates what the file claims aborts
the process (no exception to catch), which would take the test run down with it. The child
reports the refusal and its peak memory, and only then is the case run here."""

from __future__ import annotations

import multiprocessing
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Model
from django.test import override_settings
from django.utils import translation

from yutang.customers.models import Activity, Customer, Tag
from yutang.imports import jobs
from yutang.imports.customer_sheet import KEPT_REJECTIONS
from yutang.imports.models import ImportJob
from yutang.orders.models import Order, Payment
from yutang.test import BaseTestCase

from .corpus import Case, all_cases

CASES = all_cases()
COUNTED: list[type[Model]] = [Customer, Activity, Tag, Order, Payment]
PEAK_MB = 500


def _counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in COUNTED}


def _peak_rss_mb() -> float:
    # VmHWM: this process's own peak resident memory (a forked child starts with its parent's
    # pages, so this includes the test run's own memory: a conservative figure).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _dry_run_in_child(case: Case, path: Path, user: Any, pipe: Any) -> None:
    """In the child: run the dry run, report (outcome, text, peak MB). Nothing is written to
    the database: a bomb is refused before any query."""
    with translation.override("en"):
        try:
            plan = jobs.plan_file(case.kind, path, user=user)
        except jobs.ImportRefused as exc:
            outcome = ("refused", exc.message)
        else:
            outcome = ("planned", str(plan.summary())[:500])
    pipe.send((*outcome, _peak_rss_mb()))
    pipe.close()


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
            for nickname in case.nicknames:
                assert Customer.objects.filter(nickname=nickname).exists(), (case.name, nickname)
        if case.outcome != "refused":
            # However many rows are bad, the job keeps the first ones and counts them all.
            assert len(result["rejected"]) <= KEPT_REJECTIONS, case.name
            assert result["rejected_count"] >= len(result["rejected"]), case.name
            for key, value in case.summary.items():
                assert result[key] == value, (case.name, key, result[key])
        # The same file in Chinese (the default) gets its words in Chinese, not English.
        if case.outcome != "imported":
            _job, chinese = self.run_case(case, "zh-hans")
            text = chinese.get("error") or " ".join(r["reason"] for r in chinese["rejected"])
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (case.name, text)

    def survive(self, case: Case) -> None:
        """A bomb is refused in a child that stays alive and under PEAK_MB, then here."""
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / case.filename
            path.write_bytes(case.build())
            child = context.Process(target=_dry_run_in_child, args=(case, path, self.bob, sender))
            child.start()
            sender.close()
            report = receiver.recv() if receiver.poll(120) else None
            child.join(30)
        assert child.exitcode == 0, (case.name, child.exitcode)
        assert report is not None, case.name
        outcome, text, peak = report
        print(f"{case.name}: child peak RSS {peak:.0f} MB")
        assert peak < PEAK_MB, (case.name, peak)
        assert outcome == "refused" and case.message in text, (case.name, outcome, text)
        self.check(case)


def _test(case: Case) -> Any:
    def test(self: CorpusTests) -> None:
        if case.bomb:
            self.survive(case)
        else:
            self.check(case)

    return test


for _case in CASES:
    setattr(CorpusTests, f"test_it_handles_{_case.name.replace('-', '_')}", _test(_case))


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_case_names_are_identifiers(name: str) -> None:
    assert name.replace("-", "").isalnum() and name.islower()
