from __future__ import annotations

from yutang.test import BaseTestCase


class LanguageTests(BaseTestCase):
    def test_it_speaks_chinese_by_default_whatever_the_browser_says(self) -> None:
        self.login(self.bob)
        response = self.client.get("/customers/", headers={"Accept-Language": "en-US,en"})
        assert "客户池" in response.content.decode()
        assert response["Content-Language"] == "zh-hans"

    def test_it_switches_to_english_and_back(self) -> None:
        self.login(self.bob)
        response = self.client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
        assert response.status_code == 302
        html = self.client.get("/customers/").content.decode()
        assert "Customer pool" in html and "客户池" not in html
        self.client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/customers/"})
        assert "客户池" in self.client.get("/customers/").content.decode()

    def test_it_lets_api_clients_ask_for_english(self) -> None:
        response = self.client.get(
            "/api/grades", headers={**self.bearer(self.bob), "Accept-Language": "en"}
        )
        assert response.json()[0]["advice"].startswith("Ask about the experience")
        response = self.client.get("/api/grades", headers=self.bearer(self.bob))
        assert response.json()[0]["advice"].startswith("回访")

    def test_it_ignores_an_unknown_language_cookie(self) -> None:
        self.login(self.bob)
        self.client.cookies.load({"django_language": "xx"})
        assert "客户池" in self.client.get("/customers/").content.decode()
