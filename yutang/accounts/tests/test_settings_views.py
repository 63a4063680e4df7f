from __future__ import annotations

from yutang.accounts.models import ApiToken, User
from yutang.test import BaseTestCase


class AccountSettingsTests(BaseTestCase):
    def test_it_creates_a_token_shown_once(self) -> None:
        self.login(self.bob)
        response = self.client.post("/settings/", {"name": "my script"})
        assert response.status_code == 200
        key = response.context["new_key"]
        assert key.startswith("yt_")
        token = ApiToken.objects.get(user=self.bob)
        assert token.key_hash != key and token.name == "my script"
        api = self.client_class().get("/api/customers", headers={"Authorization": f"Bearer {key}"})
        assert api.status_code == 200
        page = self.client.get("/settings/")
        assert key not in page.content.decode()

    def test_it_revokes_only_own_tokens(self) -> None:
        token, _key = ApiToken.issue(self.bob)
        self.login(self.charlie)
        assert self.client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
        self.login(self.bob)
        assert self.client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 302
        assert not ApiToken.objects.exists()

    def test_it_refuses_a_bad_token(self) -> None:
        response = self.client.get("/api/customers", headers={"Authorization": "Bearer nope"})
        assert response.status_code == 401


class TeamTests(BaseTestCase):
    def test_it_shows_the_agent_tree_to_the_owner_only(self) -> None:
        self.login(self.alice)
        response = self.client.get("/settings/team/")
        tree = [(u.username, depth) for u, depth in response.context["tree"]]
        assert tree.index(("bob", 0)) + 1 == tree.index(("dave", 1))
        for user in (self.sam, self.bob):
            self.login(user)
            assert self.client.get("/settings/team/").status_code == 403

    def test_it_adds_an_agent(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            "/settings/team/",
            {
                "username": "erin",
                "role": "agent",
                "upline": self.dave.pk,
                "password": "long-enough-pw",
            },
        )
        assert response.status_code == 302
        assert User.objects.get(username="erin").upline == self.dave

    def test_it_searches_the_tree_keeping_uplines(self) -> None:
        self.login(self.alice)
        response = self.client.get("/settings/team/", {"q": "dave"})
        assert [u.username for u, _ in response.context["tree"]] == ["bob", "dave"]


class LoginTests(BaseTestCase):
    def test_it_requires_login_everywhere(self) -> None:
        for url in ["/", "/customers/", "/settings/", "/customers/new/"]:
            response = self.client.get(url)
            assert response.status_code == 302 and "/login/" in response["Location"]

    def test_it_logs_in_and_out(self) -> None:
        response = self.client.post("/login/", {"username": "bob", "password": "fish-pond-2026"})
        assert response.status_code == 302
        assert self.client.get("/customers/").status_code == 200
        self.client.post("/logout/")
        assert self.client.get("/customers/").status_code == 302

    def test_it_says_why_a_login_fails_in_chinese_and_english(self) -> None:
        response = self.client.post("/login/", {"username": "bob", "password": "wrong"})
        assert "请输入一个正确的" in response.content.decode()
        self.client.cookies.load({"django_language": "en"})
        response = self.client.post("/login/", {"username": "bob", "password": "wrong"})
        assert "Please enter a correct username and password" in response.content.decode()
