from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from yutang.customers.models import Customer
from yutang.test import BaseTestCase, make_customer


class ImportApiTests(BaseTestCase):
    def upload(self, user, content: bytes, **fields: str):  # type: ignore[no-untyped-def]
        data = {"kind": "customers", "file": SimpleUploadedFile("a.csv", content), **fields}
        return self.client.post("/api/imports", data, headers=self.bearer(user))

    def test_it_checks_reports_and_commits(self) -> None:
        response = self.upload(self.bob, "昵称,手机\n小美,13800138000\n坏,123\n".encode())
        assert response.status_code == 201
        job = response.json()
        assert job["state"] == "checked" and job["result"]["created"] == 1
        assert job["result"]["rejected"][0]["row"] == 3
        assert not Customer.objects.exists()
        status = self.client.get(f"/api/imports/{job['id']}", headers=self.bearer(self.bob))
        assert status.json()["result"] == job["result"]
        url = f"/api/imports/{job['id']}/commit"
        response = self.client.post(
            url, {}, content_type="application/json", headers=self.bearer(self.bob)
        )
        assert response.json()["state"] == "checked" and not Customer.objects.exists()
        response = self.client.post(
            url,
            {"accept_all": True},
            content_type="application/json",
            headers=self.bearer(self.bob),
        )
        assert response.json()["state"] == "committed"
        assert list(Customer.objects.values_list("nickname", flat=True)) == ["小美"]
        again = self.client.post(
            url, {}, content_type="application/json", headers=self.bearer(self.bob)
        )
        assert again.status_code == 422

    def test_it_reports_a_rejected_file_and_bad_fields(self) -> None:
        job = self.upload(self.bob, b"").json()
        assert job["state"] == "rejected" and "文件是空的" in job["result"]["error"]
        response = self.upload(self.bob, b"x", kind="photos")
        assert response.status_code == 422 and "kind" in response.json()["errors"]
        response = self.upload(self.bob, b"x", rule="always")
        assert response.status_code == 422 and "rule" in response.json()["errors"]

    def test_it_is_a_404_for_another_users_job(self) -> None:
        make_customer(self.charlie, "别人的")
        job = self.upload(self.bob, "昵称\n小美\n".encode()).json()
        for method, url in (
            ("get", f"/api/imports/{job['id']}"),
            ("post", f"/api/imports/{job['id']}/commit"),
            ("get", "/api/imports/not-a-job"),
        ):
            kwargs = {"data": {}, "content_type": "application/json"} if method == "post" else {}
            response = getattr(self.client, method)(
                url, headers=self.bearer(self.charlie), **kwargs
            )
            assert response.status_code == 404, url
        assert Customer.objects.count() == 1
