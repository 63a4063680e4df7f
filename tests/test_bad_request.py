"""A request for a host yutang does not answer gets words that say which setting to change,
not Django's English "Bad Request (400)"; other bad requests get a plain Chinese page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest
from django.test import SimpleTestCase, override_settings
from django.urls import path

from yutang.urls import urlpatterns as yutang_urls


@login_not_required
def raises_bad_request(request: object) -> None:
    raise BadRequest("a broken form")


urlpatterns = [path("broken/", raises_bad_request), *yutang_urls]
handler400 = "yutang.errors.bad_request"


@override_settings(ALLOWED_HOSTS=["127.0.0.1", "localhost"])
class RefusedHostTests(SimpleTestCase):
    def test_a_page_says_which_setting_and_which_address(self) -> None:
        response = self.client.get("/login/", HTTP_HOST="192.168.1.23:8000")
        assert response.status_code == 400
        text = response.content.decode()
        assert "这个网址还没有开放访问" in text
        assert "<code>YUTANG_ALLOWED_HOSTS</code> 里加上 <code>192.168.1.23</code>" in text
        assert "<code>192.168.1.23:8000</code>" in text
        assert "yutang demo --lan" in text
        assert "Bad Request" not in text
        assert response["Content-Language"] == "zh-hans"
        assert 'lang="zh-CN"' in text
        # The page links nowhere: the address it came by is the one refused.
        assert "href=" not in text

    def test_the_host_is_what_the_client_sent_lowercased_for_the_setting(self) -> None:
        text = self.client.get("/", HTTP_HOST="Shop.Example:8443").content.decode()
        assert "<code>shop.example</code>" in text and "<code>Shop.Example:8443</code>" in text

    def test_a_host_that_is_no_address_at_all_is_shown_escaped(self) -> None:
        response = self.client.get("/", HTTP_HOST="<script>alert(1)</script>.example")
        assert response.status_code == 400
        text = response.content.decode()
        assert "<script>" not in text
        assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;.example</code> 不是有效的网址" in text
        # Nothing to add to the setting: such a name could never be allowed.
        assert "YUTANG_ALLOWED_HOSTS" not in text

    def test_quotes_and_ampersands_are_escaped_too(self) -> None:
        text = self.client.get("/", HTTP_HOST='a"b&c.example').content.decode()
        assert 'a"b&c' not in text and "a&quot;b&amp;c.example" in text

    def test_a_long_host_is_shortened(self) -> None:
        text = self.client.get("/", HTTP_HOST="a" * 300 + ".example").content.decode()
        assert "a" * 79 + "…" in text and "a" * 81 not in text

    def test_english_when_the_browser_prefers_it(self) -> None:
        response = self.client.get(
            "/login/", HTTP_HOST="shop.example", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
        )
        assert response.status_code == 400
        text = response.content.decode()
        assert "This address is not allowed yet" in text
        assert "adds <code>shop.example</code> to the setting <code>YUTANG_ALLOWED_HOSTS" in text
        assert response["Content-Language"] == "en" and 'lang="en"' in text

    def test_chinese_for_a_chinese_browser(self) -> None:
        response = self.client.get(
            "/", HTTP_HOST="shop.example", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8"
        )
        assert "这个网址还没有开放访问" in response.content.decode()

    def test_the_api_answers_its_json_shape(self) -> None:
        response = self.client.get("/api/customers", HTTP_HOST="shop.example")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert body["errors"] == {}
        assert "YUTANG_ALLOWED_HOSTS" in body["detail"] and "shop.example" in body["detail"]
        assert "不在允许访问的列表里" in body["detail"]
        english = self.client.get(
            "/api/customers", HTTP_HOST="shop.example", HTTP_ACCEPT_LANGUAGE="en"
        ).json()
        assert english["detail"].startswith("This address (shop.example) is not allowed")

    def test_an_allowed_host_is_served(self) -> None:
        assert self.client.get("/login/", HTTP_HOST="127.0.0.1:8000").status_code == 200


@override_settings(ROOT_URLCONF=__name__)
class OtherBadRequestTests(SimpleTestCase):
    def test_a_plain_chinese_page_without_the_host_message(self) -> None:
        response = self.client.get("/broken/")
        assert response.status_code == 400
        text = response.content.decode()
        assert "请求有误" in text and "请返回上一页再试一次" in text
        assert "YUTANG_ALLOWED_HOSTS" not in text and "Bad Request" not in text
        assert '<a href="/">回到今日待办</a>' in text

    def test_in_english_with_the_language_switch(self) -> None:
        self.client.cookies["django_language"] = "en"
        text = self.client.get("/broken/").content.decode()
        assert "Bad request" in text and "Back to today" in text
