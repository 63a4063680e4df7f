from __future__ import annotations

import io
import os
from unittest import mock

import segno
from django.conf import settings
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import translation

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role, User
from yutang.catalog.models import Product
from yutang.customers.models import Activity, Customer
from yutang.followups.models import FollowUp
from yutang.orders.models import Order
from yutang.test import make_customer
from yutang.touchpoints.models import Touchpoint


class DemoTests(TestCase):
    def test_it_prepares_a_realistic_pond_once(self) -> None:
        out = io.StringIO()
        call_command("demo", "--no-serve", "--customers", "300", stdout=out)
        assert "yutang2026" in out.getvalue() and "owner" in out.getvalue()
        assert Customer.objects.count() == 300
        call_command("demo", "--no-serve", "--customers", "300", stdout=io.StringIO())
        assert Customer.objects.count() == 300
        assert User.objects.count() == 5

        agent1a = User.objects.get(username="agent1a")
        assert agent1a.upline == User.objects.get(username="agent1")
        assert Customer.objects.exclude(referrer=None).exists()
        assert Customer.objects.filter(tags__isnull=False).distinct().count() > 150
        assert Customer.objects.values("province").distinct().count() > 15
        assert set(Customer.objects.values_list("grade", flat=True)) >= {
            "AA",
            "A",
            "B",
            "C",
            "D",
            "F",
        }
        assert Customer.objects.exclude(phone="").count() > 200
        assert Activity.objects.filter(kind="created").count() == 300
        # Pinyin search works on data made in bulk.
        sample = Customer.objects.exclude(name="").first()
        assert sample is not None and sample.search_pinyin
        assert (
            Customer.objects.search(sample.search_pinyin.split()[-1]).filter(pk=sample.pk).exists()
        )
        # Sales make the workbench, pipeline and lifecycle alive on day one.
        assert Product.objects.filter(usage_cycle_days__gt=0).count() == 10
        assert Order.objects.count() > 100
        statuses = set(Order.objects.values_list("status", flat=True))
        assert {"completed", "intent", "unpaid"} <= statuses
        assert set(FollowUp.objects.values_list("stage", flat=True)) == {"a", "b", "c", "d"}
        assert not Customer.objects.filter(grade="AA", consumed=False).exists()
        lifecycles = set(Customer.objects.values_list("lifecycle", flat=True))
        assert {"prospect", "new", "returning"} <= lifecycles
        kinds = set(Touchpoint.objects.values_list("kind", flat=True))
        assert {"repurchase", "followup_due", "order_reminder"} <= kinds
        # Every referral stays within its owner's branch.
        for c in Customer.objects.exclude(referrer=None).select_related("referrer"):
            assert c.referrer is not None and c.referrer.owner_id == c.owner_id


DEMO = "yutang.demo.management.commands.demo"
QR_BLOCKS = {"█", "▀", "▄", " "}


class ServeTests(TestCase):
    """How `yutang demo` serves, with the server itself replaced: the pond exists already."""

    def setUp(self) -> None:
        # Per test: the command changes both for the rest of its process.
        self.enterContext(mock.patch.dict(os.environ))
        os.environ.pop("YUTANG_ALLOWED_HOSTS", None)
        self.enterContext(override_settings(ALLOWED_HOSTS=["127.0.0.1", "localhost"]))
        make_customer(create_user(username="seller", role=Role.OWNER, password="x" * 12))

    def run_demo(self, *args: str, address: str | None = "192.168.1.23") -> tuple[str, mock.Mock]:
        out = io.StringIO()
        with (
            translation.override("zh-hans"),
            mock.patch(f"{DEMO}.lan_address", return_value=address) as self.lan_address,
            mock.patch(f"{DEMO}.serve") as serve,
        ):
            call_command("demo", *args, stdout=out)
        return out.getvalue(), serve

    def test_lan_listens_on_the_network_with_its_address_allowed(self) -> None:
        text, serve = self.run_demo("--lan", "--port", "8080")
        serve.assert_called_once_with(bind="0.0.0.0:8080", workers=2)
        assert settings.ALLOWED_HOSTS == ["127.0.0.1", "localhost", "192.168.1.23"]
        assert os.environ["YUTANG_ALLOWED_HOSTS"] == "127.0.0.1,localhost,192.168.1.23"
        assert "同一个 Wi-Fi 的手机上打开 http://192.168.1.23:8080/，或者扫下面的二维码" in text
        # The QR code of that URL, drawn with half blocks, whole and in one piece.
        qr = io.StringIO()
        segno.make("http://192.168.1.23:8080/").terminal(out=qr, compact=True)
        assert qr.getvalue() in text
        rows = [line for line in text.splitlines() if line and set(line) <= QR_BLOCKS]
        assert len(rows) >= 12 and {"▀", "▄"} <= set("".join(rows))
        # The process answers for that address now; another one still gets the 400 page.
        assert self.client.get("/login/", HTTP_HOST="192.168.1.23:8080").status_code == 200
        assert self.client.get("/login/", HTTP_HOST="192.168.1.99:8080").status_code == 400

    def test_without_lan_it_says_how_to_reach_it_from_a_phone(self) -> None:
        text, serve = self.run_demo()
        serve.assert_called_once_with(bind="127.0.0.1:8000", workers=2)
        assert settings.ALLOWED_HOSTS == ["127.0.0.1", "localhost"]
        assert "YUTANG_ALLOWED_HOSTS" not in os.environ
        assert "“yutang demo --lan”启动，然后在手机上打开 http://192.168.1.23:8000/" in text
        assert not QR_BLOCKS - {" "} & set(text)

    def test_lan_without_a_network_address_names_the_setting(self) -> None:
        text, serve = self.run_demo("--lan", address=None)
        serve.assert_called_once_with(bind="0.0.0.0:8000", workers=2)
        assert settings.ALLOWED_HOSTS == ["127.0.0.1", "localhost"]
        assert "YUTANG_ALLOWED_HOSTS" in text and "没有找到这台电脑" in text

    def test_no_serve_finds_no_address(self) -> None:
        _text, serve = self.run_demo("--no-serve", "--lan")
        assert not serve.called and not self.lan_address.called
