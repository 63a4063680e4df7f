"""One upload limit for every way in: the page, the API, the command and `start_job` itself."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings

from yutang.customers.models import Customer
from yutang.imports import jobs
from yutang.imports.models import ImportJob
from yutang.imports.uploads import LimitedUploadHandler
from yutang.test import BaseTestCase

CONTENT = "昵称,手机\n小美,13800138000\n".encode() + b"#" * 2000  # over 1 KB


@override_settings(YUTANG_IMPORT_MAX_BYTES=1024)
class UploadLimitTests(BaseTestCase):
    def test_it_stops_storing_an_upload_at_the_limit(self) -> None:
        chunks = iter([CONTENT[:1000], CONTENT[1000:], b"never read" * 10**6])
        job = jobs.start_job(
            user=self.bob, kind="customers", rule="fill", filename="a.csv", chunks=chunks
        )
        assert job.state == ImportJob.State.REJECTED and "文件超过了" in job.result["error"]
        assert not job.path.exists()
        assert next(chunks, None) is not None  # the rest of the upload was not consumed
        assert not Customer.objects.exists()

    def test_it_refuses_a_large_file_through_the_api(self) -> None:
        data = {"kind": "customers", "file": SimpleUploadedFile("a.csv", CONTENT)}
        response = self.client.post("/api/imports", data, headers=self.bearer(self.bob))
        job = response.json()
        assert job["state"] == "rejected" and "文件超过了" in job["result"]["error"]
        assert not Customer.objects.exists()

    def test_it_refuses_a_large_file_on_the_page(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            "/import/",
            {"kind": "customers", "rule": "fill", "file": SimpleUploadedFile("a.csv", CONTENT)},
        )
        assert "文件超过了" in response.content.decode()
        assert not ImportJob.objects.exists() and not Customer.objects.exists()

    def test_it_refuses_a_large_file_from_the_command(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "a.csv"
            path.write_bytes(CONTENT)
            for kind in ("customers", "orders", "bill"):
                with self.assertRaisesMessage(CommandError, "文件超过了"):
                    call_command("import", kind, str(path), "--as", "bob")
        assert not Customer.objects.exists()

    def test_it_takes_a_file_at_the_limit(self) -> None:
        content = "昵称,手机\n小美,13800138000\n".encode().ljust(1024, b"\n")
        job = jobs.start_job(
            user=self.bob, kind="customers", rule="fill", filename="a.csv", chunks=[content]
        )
        assert job.state == ImportJob.State.CHECKED, job.result


@override_settings(YUTANG_IMPORT_MAX_BYTES=1024, FILE_UPLOAD_MAX_MEMORY_SIZE=0)
class UploadStorageTests(BaseTestCase):
    def test_it_stores_no_more_than_the_limit_of_a_huge_upload(self) -> None:
        handler = LimitedUploadHandler()
        handler.new_file("file", "huge.csv", "text/csv", 10**9)
        for start in range(0, 100 * 64 * 1024, 64 * 1024):
            handler.receive_data_chunk(b"x" * 64 * 1024, start)
        upload = handler.file_complete(100 * 64 * 1024)
        assert upload is not None
        # The true size is known (so every way in refuses it), the disk holds limit + 1 bytes.
        assert upload.size == 100 * 64 * 1024
        upload.seek(0, 2)
        assert upload.tell() == 1025
        upload.close()

    def test_it_refuses_an_upload_larger_than_the_limit_on_the_page_and_the_api(self) -> None:
        content = CONTENT * 50
        self.login(self.bob)
        response = self.client.post(
            "/import/",
            {"kind": "customers", "rule": "fill", "file": SimpleUploadedFile("a.csv", content)},
        )
        assert "文件超过了" in response.content.decode()
        data = {"kind": "customers", "file": SimpleUploadedFile("a.csv", content)}
        job = self.client.post("/api/imports", data, headers=self.bearer(self.bob)).json()
        assert job["state"] == "rejected" and "文件超过了" in job["result"]["error"]
        assert not Customer.objects.exists()
