"""A large file is checked and imported in the background while the page shows its progress."""

from __future__ import annotations

import json
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TransactionTestCase, override_settings

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.customers.models import Customer
from yutang.imports.models import ImportJob
from yutang.test import BaseTestCase

ROWS = 3000


@override_settings(
    YUTANG_IMPORT_BACKGROUND_BYTES=0,
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
class BackgroundImportTests(TransactionTestCase):
    def setUp(self) -> None:
        self.bob = create_user(username="bob", role=Role.AGENT, password="x" * 12)
        self.charlie = create_user(username="charlie", role=Role.AGENT, password="x" * 12)

    def wait_for(self, token: str) -> str:
        """Poll the progress bar as the page does, until it says where to go next."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            response = self.client.get(f"/import/jobs/{token}/progress/")
            assert response.status_code == 200
            if "HX-Redirect" in response:
                return response["HX-Redirect"]
            assert "<progress" in response.content.decode()
            time.sleep(0.05)
        raise AssertionError("the import did not finish")

    def test_it_checks_and_imports_in_the_background_with_progress(self) -> None:
        self.client.force_login(self.bob)
        sheet = "昵称,手机\n" + "".join(f"客户{i},139{i:08d}\n" for i in range(ROWS))
        response = self.client.post(
            "/import/",
            {
                "kind": "customers",
                "rule": "fill",
                "file": SimpleUploadedFile("big.csv", sheet.encode()),
            },  # fmt: skip
        )
        review = response["Location"]
        token = review.split("/")[3]
        page = self.client.get(review)
        if ImportJob.objects.get(pk=token).is_running:
            assert "正在检查文件" in page.content.decode()
        assert self.wait_for(token) == review
        page = self.client.get(review)
        assert page.context["summary"]["created"] == ROWS
        assert [p["nickname"] for p in page.context["preview"][:2]] == ["客户0", "客户1"]
        assert not Customer.objects.exists()

        self.client.force_login(self.charlie)
        assert self.client.get(f"/import/jobs/{token}/progress/").status_code == 404
        assert self.client.post(review, {"commit": "1"}).status_code == 404

        self.client.force_login(self.bob)
        response = self.client.post(review, {"commit": "1"})
        assert response["Location"] == review
        assert self.wait_for(token) == "/customers/"
        assert Customer.objects.filter(owner=self.bob).count() == ROWS
        page = self.client.get("/customers/")
        assert f"导入完成：新增 {ROWS} 位，更新 0 位。" in page.content.decode()
        assert self.client.get(review).status_code == 404  # done: the upload is gone


class ProgressTests(BaseTestCase):
    def job(self, state: str, at: float) -> ImportJob:
        job = ImportJob.objects.create(user=self.bob, kind="customers", filename="a.csv",
                                       state=state)  # fmt: skip
        job.path.write_text("昵称\n小美\n")
        job.progress_path.write_text(json.dumps({"done": 500, "total": 1000, "at": at}))
        return job

    def test_it_shows_how_far_a_running_job_is(self) -> None:
        job = self.job(ImportJob.State.IMPORTING, time.time())
        self.login(self.bob)
        page = self.client.get(f"/import/customers/{job.pk}/")
        html = page.content.decode()
        assert 'value="50"' in html and "500 / 1000 行 · 50%" in html and "正在导入" in html
        assert 'hx-trigger="every 1s"' in html

    def test_it_notices_a_job_whose_process_died(self) -> None:
        job = self.job(ImportJob.State.IMPORTING, time.time() - 600)
        self.login(self.bob)
        response = self.client.get(f"/import/jobs/{job.pk}/progress/")
        assert response["HX-Redirect"] == f"/import/customers/{job.pk}/"
        job.refresh_from_db()
        assert job.state == ImportJob.State.REJECTED
        page = self.client.get(response["HX-Redirect"])
        assert "导入被中断，什么也没有保存。请再试一次。" in page.content.decode()

    def test_a_slow_step_of_a_live_thread_is_not_taken_for_a_dead_one(self) -> None:
        from yutang.imports import jobs

        job = self.job(ImportJob.State.CHECKING, time.time() - 600)
        jobs._running.add(str(job.pk))
        self.addCleanup(jobs._running.discard, str(job.pk))
        self.login(self.bob)
        response = self.client.get(f"/import/jobs/{job.pk}/progress/")
        assert "HX-Redirect" not in response and "<progress" in response.content.decode()
        job.refresh_from_db()
        assert job.state == ImportJob.State.CHECKING

    def test_the_api_reports_progress_and_refuses_a_commit_while_running(self) -> None:
        job = self.job(ImportJob.State.CHECKING, time.time())
        url = f"/api/imports/{job.pk}"
        answer = self.client.get(url, headers=self.bearer(self.bob)).json()
        assert answer["state"] == "checking"
        assert {k: answer["progress"][k] for k in ("done", "total", "percent")} == {
            "done": 500, "total": 1000, "percent": 50,
        }  # fmt: skip
        response = self.client.post(
            f"{url}/commit", {}, content_type="application/json", headers=self.bearer(self.bob)
        )
        assert response.status_code == 422 and "检查中" in response.json()["errors"]["state"][0]
        assert self.client.get(url, headers=self.bearer(self.charlie)).status_code == 404
