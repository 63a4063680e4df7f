"""Customer sheets as sellers write them: 微信同号 for the WeChat ID, a phone of no number range,
the rejected rows to fix, a commit that cannot go in, a bill given as customers, and a progress
bar that only moves forward."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock, skipUnless

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.utils import translation
from python_calamine import CalamineWorkbook

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.customers.models import Customer
from yutang.imports import customer_sheet, jobs
from yutang.imports.models import ImportJob
from yutang.test import BaseTestCase, make_customer

SAMPLES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "fixtures" / "payments"


class Uploads(BaseTestCase):
    def upload(
        self, content: str | bytes, *, name: str = "客户.csv", kind: str = "customers"
    ) -> str:
        data = content.encode() if isinstance(content, str) else content
        response = self.client.post(
            "/import/", {"kind": kind, "rule": "fill", "file": SimpleUploadedFile(name, data)}
        )
        assert response.status_code == 302, response
        return str(response["Location"])

    def summary(self, review: str) -> dict[str, Any]:
        page = self.client.get(review)
        assert page.status_code == 200
        return dict(page.context["summary"])

    def reasons(self, review: str) -> dict[tuple[int, str], str]:
        return {(r["row"], r["column"]): r["reason"] for r in self.summary(review)["rejected"]}


class SameAsPhoneTests(Uploads):
    def test_it_takes_the_phone_for_a_wechat_id_that_says_it_is_the_phone(self) -> None:
        self.login(self.bob)
        review = self.upload(
            "昵称,手机,微信号\n"
            "小美,138 0013 8000,微信同号\n"
            "阿强,13912345678,（同手机号）\n"
            "老王,13712345678,手机同号\n"
            "小丽,13612345678,微信　同号\n"  # a full-width space, as a Chinese input method types
            "阿花,13512345678,同电话\n"
        )
        summary = self.summary(review)
        assert summary["rejected"] == [] and summary["created"] == 5
        self.client.post(review, {"commit": "1"})
        assert dict(Customer.objects.values_list("nickname", "wechat_id")) == {
            "小美": "13800138000", "阿强": "13912345678", "老王": "13712345678",
            "小丽": "13612345678", "阿花": "13512345678",
        }  # fmt: skip

    def test_it_rejects_微信同号_without_a_phone_and_once_only_for_a_bad_phone(self) -> None:
        self.login(self.bob)
        review = self.upload("昵称,手机,微信号\n阿强,,微信同号\n老王,1380013800,同号\n")
        reasons = self.reasons(review)
        assert set(reasons) == {(2, "微信号"), (3, "手机")}
        assert "指的是手机号：请把手机号也填上" in reasons[(2, "微信号")]

    def test_a_wechat_id_that_is_the_phone_number_is_one_person_with_the_phone(self) -> None:
        customer = make_customer(self.bob, "小美", phone="13800138000")
        self.login(self.bob)
        review = self.upload("昵称,手机,微信号\n小美,13800138000,微信同号\n")
        summary = self.summary(review)
        assert (summary["updated"], summary["created"], summary["rejected"]) == (1, 0, [])
        self.client.post(review, {"commit": "1"})
        customer.refresh_from_db()
        assert customer.wechat_id == "13800138000"

    def test_the_customer_form_takes_微信同号_and_keeps_it_on_the_next_edit(self) -> None:
        self.login(self.bob)
        data = {"nickname": "小美", "owner": self.bob.pk, "birthday_calendar": "solar"}
        page = self.client.post("/customers/new/", {**data, "wechat_id": "微信同号"})
        assert "指的是手机号" in page.content.decode()
        response = self.client.post(
            "/customers/new/", {**data, "phone": "138-0013-8000", "wechat_id": "微信同号"}
        )
        customer = Customer.objects.get()
        assert response.status_code == 302 and customer.wechat_id == "13800138000"
        response = self.client.post(
            f"/customers/{customer.pk}/edit/",
            {**data, "phone": "13800138000", "wechat_id": customer.wechat_id, "name": "王美"},
        )
        assert response.status_code == 302
        customer.refresh_from_db()
        assert (customer.name, customer.wechat_id) == ("王美", "13800138000")

    def test_the_api_takes_微信同号_too(self) -> None:
        response = self.api(
            self.bob, "post", "/api/customers",
            {"nickname": "小美", "phone": "13800138000", "wechat_id": "同手机号"},
        )  # fmt: skip
        assert response.status_code == 201, response.json()
        assert response.json()["wechat_id"] == "13800138000"


class UnallocatedRangeTests(Uploads):
    def test_it_says_the_number_range_does_not_exist_rather_than_asking_for_11_digits(self) -> None:
        self.login(self.bob)
        review = self.upload("昵称,手机\n甲,15412345678\n乙,1381234567\n丙,19212345678\n")
        reasons = self.reasons(review)
        assert set(reasons) == {(2, "手机"), (3, "手机")}  # 192 is China Broadcast Network's
        assert "号段不存在" in reasons[(2, "手机")] and "11 位" not in reasons[(2, "手机")]
        assert "请输入 11 位数字" in reasons[(3, "手机")]

    def test_the_form_and_english_say_it_too(self) -> None:
        self.login(self.bob)
        data = {"nickname": "小美", "owner": self.bob.pk, "birthday_calendar": "solar"}
        page = self.client.post("/customers/new/", {**data, "phone": "140 1111 1111"})
        assert "“140 1111 1111”不是有效的手机号：号段不存在，请核对号码。" in page.content.decode()
        from yutang.customers.forms import clean_phone_value

        with translation.override("en"):
            try:
                clean_phone_value("14011111111")
            except Exception as exc:  # noqa: BLE001 - the message is what is tested
                assert "no number range starts like this" in " ".join(exc.messages)  # type: ignore[attr-defined]
            else:
                raise AssertionError("an unallocated range was taken")


class RejectedRowsTests(Uploads):
    SHEET = (
        "昵称,手机,备注\n"
        "小美,13800138000,老客户\n"
        '坏号码,15412345678,=HYPERLINK("http://x")\n'
        "好的,13912345678,\n"
        ",13712345678,没有名字\n"
    )

    def download(self, review: str) -> Any:
        page = self.client.get(review).content.decode()
        link = f"{review}rejected.xlsx"
        assert link in page and "下载被拒绝的行" in page
        return self.client.get(link)

    def test_it_downloads_the_rejected_rows_as_they_were_with_the_reason(self) -> None:
        self.login(self.bob)
        review = self.upload(self.SHEET)
        response = self.download(review)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
        rows = [[str(c) for c in row] for row in book.get_sheet_by_index(0).to_python()]
        assert rows[0] == ["昵称", "手机", "备注", "原因"]
        assert [row[:2] for row in rows[1:]] == [["坏号码", "15412345678"], ["", "13712345678"]]
        # The formula stays text that no spreadsheet evaluates.
        assert rows[1][2] == '\'=HYPERLINK("http://x")'
        assert "手机：" in rows[1][3] and "号段不存在" in rows[1][3] and "备注：" in rows[1][3]
        assert "昵称" in rows[2][3]

    def test_only_the_uploader_gets_them_and_only_when_rows_were_rejected(self) -> None:
        self.login(self.bob)
        review = self.upload(self.SHEET)
        for user in (self.charlie, self.alice, self.dave):
            self.login(user)
            assert self.client.get(f"{review}rejected.xlsx").status_code == 404
        self.login(self.bob)
        clean = self.upload("昵称,手机\n小美,13800138000\n")
        assert "rejected.xlsx" not in self.client.get(clean).content.decode()
        assert self.client.get(f"{clean}rejected.xlsx").status_code == 404
        assert self.client.get("/import/customers/not-a-job/rejected.xlsx").status_code == 404


class RefusedAtOnceTests(Uploads):
    SHEET = "昵称,手机\n甲,13800138000\n乙,123\n"

    def no_thread(self) -> Any:
        return mock.patch.object(
            jobs.threading, "Thread", side_effect=AssertionError("a background run was started")
        )

    def test_the_page_refuses_a_commit_with_rejected_rows_without_a_background_run(self) -> None:
        self.login(self.bob)
        review = self.upload(self.SHEET)
        with override_settings(YUTANG_IMPORT_BACKGROUND_BYTES=0), self.no_thread():
            page = self.client.post(review, {"commit": "1"}, follow=True)
        assert page.redirect_chain[-1][0] == review
        assert "有些行被拒绝" in page.content.decode()
        job = ImportJob.objects.get()
        assert job.state == ImportJob.State.CHECKED and job.result["committed"] is False
        assert not Customer.objects.exists()
        # Importing the others still goes in.
        self.client.post(review, {"commit": "1", "accept_all": "1"})
        assert list(Customer.objects.values_list("nickname", flat=True)) == ["甲"]

    def test_a_commit_with_another_mapping_is_not_judged_by_the_old_check(self) -> None:
        self.login(self.bob)
        review = self.upload(self.SHEET)
        # The phone column left out: no row is rejected any more.
        response = self.client.post(review, {"commit": "1", "map-nickname": "0", "map-phone": ""})
        assert response["Location"] == "/customers/"
        assert sorted(Customer.objects.values_list("nickname", flat=True)) == ["乙", "甲"]

    def test_the_api_refuses_at_once_too(self) -> None:
        headers = self.bearer(self.bob)
        answer = self.client.post(
            "/api/imports",
            {"kind": "customers", "file": SimpleUploadedFile("a.csv", self.SHEET.encode())},
            headers=headers,
        ).json()
        with override_settings(YUTANG_IMPORT_BACKGROUND_BYTES=0), self.no_thread():
            response = self.client.post(
                f"/api/imports/{answer['id']}/commit", {}, content_type="application/json",
                headers=headers,
            )  # fmt: skip
        body = response.json()
        assert response.status_code == 200
        assert body["state"] == "checked" and body["result"]["committed"] is False
        assert body["result"]["rejected_count"] == 1 and not Customer.objects.exists()

    def test_a_bill_with_rejected_rows_is_not_refused(self) -> None:
        job = ImportJob.objects.create(
            user=self.bob, kind="bill", filename="b.csv",
            result={"rejected": [{"row": 3, "column": "", "reason": "x"}], "rejected_count": 1},
        )  # fmt: skip
        assert not jobs.refuses_rejected(job, accept_all=False)
        job.kind = "orders"
        assert jobs.refuses_rejected(job, accept_all=False)
        assert not jobs.refuses_rejected(job, accept_all=True)


class BillAsCustomersTests(Uploads):
    def test_it_recognises_a_wechat_bill_and_imports_it_as_a_bill_without_uploading_again(
        self,
    ) -> None:
        self.login(self.bob)
        data = (SAMPLES / "wechat_csv_v2019-2025_utf8.csv").read_bytes()
        review = self.upload(data, name="微信支付账单.csv")
        page = self.client.get(review)
        html = page.content.decode()
        assert "这是一份账单，要按账单导入吗？" in html and "微信支付账单" in html
        assert 'name="map-nickname"' not in html  # no columns to point out: it is no customer sheet
        self.login(self.charlie)
        assert self.client.post(review, {"as_bill": "1"}).status_code == 404
        self.login(self.bob)
        response = self.client.post(review, {"as_bill": "1"})
        job = ImportJob.objects.get()
        assert response["Location"] == f"/import/bill/{job.pk}/"
        assert job.kind == "bill" and job.state == ImportJob.State.CHECKED
        page = self.client.get(response["Location"])
        assert page.status_code == 200 and page.context["source_label"] == "微信支付"
        assert not Customer.objects.exists()

    def test_an_alipay_bill_whose_header_looks_like_a_name_column_is_not_read_as_customers(
        self,
    ) -> None:
        # Its first line, 姓名：***, would otherwise be taken for the name column.
        self.login(self.bob)
        review = self.upload((SAMPLES / "alipay_app_v2020_daoru_gbk.csv").read_bytes())
        html = self.client.get(review).content.decode()
        assert "这是一份账单，要按账单导入吗？" in html and "支付宝账单" in html
        job = ImportJob.objects.get()
        assert job.state == ImportJob.State.REJECTED and job.result["bill"] == "alipay"

    def test_every_sample_bill_is_recognised_and_a_customer_sheet_is_not(self) -> None:
        self.login(self.bob)
        for path in sorted(SAMPLES.glob("*_*.*")):
            job = jobs.start_job(
                user=self.bob, kind="customers", rule="fill", filename=path.name,
                chunks=[path.read_bytes()],
            )  # fmt: skip
            assert job.result.get("bill") in ("wechat", "alipay"), path.name
        job = jobs.start_job(
            user=self.bob, kind="customers", rule="fill", filename="a.csv",
            chunks=["昵称,收/支\n小美,收入\n".encode()],
        )  # fmt: skip
        assert job.state == ImportJob.State.CHECKED and "bill" not in job.result

    def test_the_api_says_it_is_a_bill(self) -> None:
        data = (SAMPLES / "wechat_xlsx_v2026-03.xlsx").read_bytes()
        answer = self.client.post(
            "/api/imports",
            {"kind": "customers", "file": SimpleUploadedFile("账单.xlsx", data)},
            headers=self.bearer(self.bob),
        ).json()
        assert answer["state"] == "rejected" and answer["result"]["bill"] == "wechat"
        assert "这是一份账单" in answer["result"]["error"]


class ProgressNeverBackTests(BaseTestCase):
    def test_the_reported_percentage_never_goes_down_across_phases_and_attempts(self) -> None:
        job = ImportJob.objects.create(
            user=self.bob, kind="customers", filename="a.csv", state=ImportJob.State.IMPORTING
        )
        seen = []
        # A pass over the rows, then the same file planned again from its start, then done.
        for done, total in [(0, None), (400, 1000), (1000, 1000), (0, None), (100, 1000),
                            (500, 1000), (1000, 1000)]:  # fmt: skip
            jobs._write_progress(job, done, total)
            seen.append(jobs.progress(job)["percent"])
        numbers = [p for p in seen if p is not None]
        assert numbers == sorted(numbers) and seen[1] == 40
        # 100% is for a job that ended: the last rows are followed by the writing.
        assert max(numbers) < 100


@override_settings(
    YUTANG_IMPORT_BACKGROUND_BYTES=0,
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
class BackgroundProgressTests(TransactionTestCase):
    # Only the staged import of SQLite plans a file again; PostgreSQL's runs in one transaction.
    @skipUnless(connection.vendor == "sqlite", "a staged import is SQLite's")
    def test_a_staged_import_planned_again_does_not_send_the_bar_back(self) -> None:
        bob = create_user(username="bob", role=Role.AGENT, password="x" * 12)
        sheet = "昵称,手机\n" + "".join(f"客户{i},139{i:08d}\n" for i in range(600))
        job = ImportJob.objects.create(user=bob, kind="customers", filename="a.csv")
        job.path.write_bytes(sheet.encode())
        jobs.check(job)
        seen: list[int] = []
        lock = threading.Lock()
        write = jobs._write_progress

        def recording(job: ImportJob, *args: Any, **kwargs: Any) -> None:
            write(job, *args, **kwargs)
            with lock:
                percent = json.loads(job.progress_path.read_text()).get("percent")
                if percent is None:
                    data = json.loads(job.progress_path.read_text())
                    percent = round(100 * data["done"] / data["total"]) if data["total"] else None
                if percent is not None:
                    seen.append(percent)

        move_in, calls = customer_sheet._Writer.move_in, []

        def once_changed(writer: Any) -> None:
            # Another user's write took what the first pass relied on: it is planned again.
            calls.append(1)
            if len(calls) == 1:
                raise customer_sheet._PoolChanged
            move_in(writer)

        with (
            mock.patch.object(jobs, "_write_progress", recording),
            mock.patch.object(customer_sheet, "CHUNK", 100),
            mock.patch.object(customer_sheet._Writer, "move_in", once_changed),
        ):
            jobs.run(job, jobs.commit, accept_all=False)
            deadline = time.monotonic() + 60
            while ImportJob.objects.get(pk=job.pk).is_running and time.monotonic() < deadline:
                time.sleep(0.05)
        job.refresh_from_db()
        assert job.state == ImportJob.State.COMMITTED and len(calls) == 2
        assert Customer.objects.count() == 600
        assert len(seen) > 5 and seen == sorted(seen), seen
