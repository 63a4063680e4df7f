"""Issue 18, item 6: the workbench shows one batch of five at a time (seed 002)."""

from __future__ import annotations

import re
from datetime import date

import time_machine

from yutang.rules.models import Rules
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.models import DerivationRun, Kind, Touchpoint

from .helpers import at

TODAY = date(2026, 4, 15)


class OneBatchTests(BaseTestCase):
    def setUp(self) -> None:
        self.traveller = time_machine.travel(at(TODAY.isoformat()), tick=False)
        self.traveller.start()
        DerivationRun.objects.create(on=TODAY)
        Rules.objects.update_or_create(pk=1, defaults={"daily_capacity": 20, "batch_size": 5})
        self.made = [
            Touchpoint.objects.create(
                customer=make_customer(self.bob, f"客{i:02}", grade="C"),
                kind=Kind.REPURCHASE,
                key=f"r:{i}",
                due_on=TODAY,
            )
            for i in range(12)
        ]
        self.login(self.bob)

    def tearDown(self) -> None:
        self.traveller.stop()

    def cards(self, page: str) -> list[str]:
        return re.findall(r'<article class="card todo[^"]*" id="tp-(\d+)"', page)

    def test_it_shows_one_batch_and_the_next_on_request(self) -> None:
        response = self.client.get("/")
        order = [str(i.touchpoint.pk) for i in response.context["bench"].items]
        page = response.content.decode()
        assert self.cards(page) == order[:5]
        assert "第 1 批（共 3 批）" in page
        assert 'href="/?from=5#batch"' in page and "下一批" in page
        second = self.client.get("/", {"batch": "2"}).content.decode()
        assert self.cards(second) == order[5:10] and "上一批" in second
        assert self.cards(self.client.get("/", {"from": "5"}).content.decode()) == order[5:10]
        last = self.client.get("/", {"batch": "3"}).content.decode()
        assert self.cards(last) == order[10:] and 'class="button next"' not in last
        # Past the end, or nonsense: a batch that exists.
        odd = ["99", "x", "0"]
        for query in [*({"batch": b} for b in odd), {"from": "999999999999"}, {"from": "-3"}]:
            response = self.client.get("/", query)
            assert response.status_code == 200
            assert len(self.cards(response.content.decode())) in (2, 5), query

    def test_it_offers_the_snooze_choices_in_one_menu(self) -> None:
        page = self.client.get("/").content.decode()
        card = page[page.index('id="tp-') : page.index("</article>")]
        assert card.count("<details") == 1
        menu = card[card.index("<details") : card.index("</details>")]
        for label in ("明天", "3 天后", "下周", "选日期"):
            assert label in menu
        assert 'name="days" value="7"' in menu and 'type="date"' in menu
        # No more row of snooze buttons outside the menu.
        assert card.count('name="days"') == menu.count('name="days"')

    def test_it_comes_back_to_the_batch_after_an_action_without_javascript(self) -> None:
        tp = self.made[0]
        response = self.client.post(
            f"/touchpoints/{tp.pk}/skip/", {"next": "/?batch=2"}, follow=False
        )
        assert response["Location"] == "/?batch=2#batch"
        response = self.client.post(f"/touchpoints/{tp.pk}/skip/", {"next": "/customers/"})
        assert response["Location"] == "/customers/"
