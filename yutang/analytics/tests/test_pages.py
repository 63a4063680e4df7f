"""Every analytics page and endpoint: renders on real data, stays in its branch, exports."""

from __future__ import annotations

import io
from decimal import Decimal

from python_calamine import CalamineWorkbook

from yutang.analytics.actions import refresh_value_classes
from yutang.test import BaseTestCase

from .data import make_pond

PAGES = ["", "pareto/", "abc/", "rfm/", "repurchase/", "cohorts/", "funnel/", "funnel/?by=channel"]
TABLES = ["pareto/", "abc/", "rfm/", "repurchase/", "cohorts/", "funnel/"]


class AnalyticsPageTests(BaseTestCase):
    def setUp(self) -> None:
        self.pond = make_pond(self.bob, self.dave, self.charlie)
        refresh_value_classes()

    def test_every_page_renders_for_each_role(self) -> None:
        for user in (self.alice, self.sam, self.bob, self.charlie):
            self.login(user)
            for page in PAGES:
                response = self.client.get(f"/analytics/{page}")
                assert response.status_code == 200, (user, page)
        self.login(self.alice)
        html = self.client.get("/analytics/").content.decode()
        assert 'data-chart="chart-lorenz"' in html and "echarts-6.1.0.min.js" in html
        assert "复购率" in html and "20%" in html  # c1 of 5 buyers: 1 repeat buyer

    def test_an_agent_sees_only_their_branch(self) -> None:
        self.login(self.charlie)
        page = self.client.get("/analytics/pareto/")
        assert page.context["pareto"]["customers"] == 1  # c7 only
        assert [row[2] for row in page.context["rows"]] == ["c7"]
        # Bob's branch is not charlie's to choose: the choice is refused and nothing shown of it.
        page = self.client.get("/analytics/pareto/", {"branch": self.bob.pk})
        assert page.context["pareto"]["customers"] == 1
        assert "branch" in page.context["filter"].errors
        self.login(self.bob)
        page = self.client.get("/analytics/pareto/", {"branch": self.dave.pk})
        assert page.context["pareto"]["customers"] == 1  # c2, dave's
        assert [row[2] for row in page.context["rows"]] == ["c2"]

    def test_the_owner_picks_a_branch_and_a_period(self) -> None:
        self.login(self.alice)
        page = self.client.get("/analytics/pareto/", {"branch": str(self.bob.pk), "share": "0.5"})
        assert (page.context["pareto"]["customers"], page.context["pareto"]["top"]) == (4, 2)
        page = self.client.get("/analytics/pareto/", {"start": "2024-02-01", "end": "2024-02-29"})
        assert page.context["pareto"]["revenue"] == Decimal("100")
        page = self.client.get("/analytics/pareto/", {"start": "2024-03-01", "end": "2024-02-01"})
        assert "结束日期早于开始日期。" in page.content.decode()

    def test_each_table_exports_to_xlsx_within_the_branch(self) -> None:
        self.login(self.charlie)
        for page in TABLES:
            response = self.client.get(f"/analytics/{page}", {"format": "xlsx"})
            assert response.status_code == 200, page
            assert response["Content-Disposition"].endswith('.xlsx"'), page
        response = self.client.get("/analytics/pareto/", {"format": "xlsx"})
        data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        assert [r[2] for r in rows[1:]] == ["c7"]

    def test_figures_click_through_to_the_customers_behind_them(self) -> None:
        self.login(self.alice)
        page = self.client.get("/analytics/rfm/")
        keep = next(c for c in page.context["rfm"]["classes"] if c["key"] == "important_keep")
        listing = self.client.get(keep["url"])
        assert [c.nickname for c in listing.context["page"]] == ["c1"]
        for query, names in [
            ("value_class=A", ["c1"]),
            ("value_flag=loss", ["c4", "c5"]),
            ("value_flag=potential", ["c3"]),
            ("repeat=1", ["c1"]),
            ("cohort=2024-03", ["c5", "c7"]),
            ("value_class=none", ["c4", "c6"]),
        ]:
            listing = self.client.get(f"/customers/?{query}&sort=name")
            assert sorted(c.nickname for c in listing.context["page"]) == names, query
        # The same links give an agent only their own customers.
        self.login(self.charlie)
        listing = self.client.get("/customers/?cohort=2024-03")
        assert [c.nickname for c in listing.context["page"]] == ["c7"]

    def test_the_customer_list_sorts_by_profit_over_a_period(self) -> None:
        self.login(self.bob)
        listing = self.client.get("/customers/?sort=-profit")
        names = [c.nickname for c in listing.context["page"]]
        assert names[:2] == ["c1", "c3"] and names[-1] == "c4"
        assert "¥170" in listing.content.decode()
        listing = self.client.get("/customers/?sort=-profit&value_period=30")
        assert all(c.profit == 0 for c in listing.context["page"])  # nothing in the last month
        with self.assertNumQueries(8):
            self.client.get("/customers/?sort=-profit&value_period=365")

    def test_the_customer_page_shows_the_value(self) -> None:
        self.login(self.bob)
        html = self.client.get(self.pond.c2.get_absolute_url()).content.decode()
        assert "利润贡献" in html and "¥30" in html
        assert "营收 ¥80 − 商品成本 ¥40 − 维护费用 ¥10。" in html
        # c1 scores highest of bob's buyers, c2 (30 profit, one order, oldest) lower.
        page = self.client.get(self.pond.c1.get_absolute_url())
        assert page.context["score_rank"] == 1
        assert (
            page.context["stats"].score
            > self.client.get(self.pond.c2.get_absolute_url()).context["stats"].score
        )

    def test_only_the_owner_changes_the_weights_and_recomputes(self) -> None:
        self.login(self.bob)
        assert self.client.get("/analytics/settings/").status_code == 403
        assert self.client.post("/analytics/abc/").status_code == 403
        self.login(self.alice)
        response = self.client.post(
            "/analytics/settings/",
            {"abc_basis": "profit", "abc_method": "share", "abc_a_percent": 60,
             "abc_b_percent": 50, "abc_profit_a_percent": 80, "abc_profit_b_percent": 15,
             "potential_percent": 20, "weight_profit": 0, "weight_frequency": 0,
             "weight_recency": 0, "weight_referrals": 0, "weight_timeliness": 0,
             "weight_cooperation": 0, "friends_per_day": 20, "friends_per_month": 500},
        )  # fmt: skip
        html = response.content.decode()
        assert "A 和 B 加起来不能超过 100%。" in html and "至少给一个因素设置权重。" in html
        response = self.client.post("/analytics/abc/", follow=True)
        assert "分层已重新计算：A 1 位，B 2 位，C 2 位。" in response.content.decode()


class AnalyticsApiTests(BaseTestCase):
    def setUp(self) -> None:
        self.pond = make_pond(self.bob, self.dave, self.charlie)
        refresh_value_classes()

    def test_pareto(self) -> None:
        answer = self.api(self.alice, "get", "/api/analytics/pareto", share="0.2").json()
        assert (answer["customers"], answer["revenue_share"], answer["profit_share"]) == (
            5, 250 / 460, 170 / 290
        )  # fmt: skip
        february = self.api(self.alice, "get", "/api/analytics/pareto", **{"from": "2024-02-01",
                            "to": "2024-02-29"}).json()  # fmt: skip
        assert (february["customers"], february["revenue_share"]) == (2, 0.5)
        assert self.api(self.charlie, "get", "/api/analytics/pareto").json()["customers"] == 1

    def test_abc(self) -> None:
        answer = self.api(self.alice, "get", "/api/analytics/abc").json()
        assert (answer["A"], answer["B"], answer["C"], answer["none"]) == (1, 2, 2, 2)
        assert answer["loss"] == [self.pond.c4.pk, self.pond.c5.pk]
        assert answer["potential"] == [self.pond.c3.pk]
        charlie = self.api(self.charlie, "get", "/api/analytics/abc").json()
        assert (charlie["A"], charlie["B"], charlie["loss"]) == (0, 1, [])

    def test_rfm(self) -> None:
        answer = self.api(self.alice, "get", "/api/analytics/rfm").json()
        assert answer["重要保持"] == {"key": "important_keep", "count": 1, "revenue": "250.00"}
        assert len(answer) == 8 and sum(c["count"] for c in answer.values()) == 5
        charlie = self.api(self.charlie, "get", "/api/analytics/rfm").json()
        assert sum(c["count"] for c in charlie.values()) == 1

    def test_repurchase_and_cohorts(self) -> None:
        answer = self.api(self.alice, "get", "/api/analytics/repurchase").json()
        assert (answer["repurchase_rate"], answer["median_interval_days"]) == (0.2, 30.0)
        assert (answer["aov"], answer["frequency"]) == ("76.67", 1.2)
        cohorts = self.api(self.alice, "get", "/api/analytics/cohorts").json()
        assert cohorts["2024-01"][:2] == [1.0, 0.5] and cohorts["2024-03"][0] == 1.0
        assert self.api(self.alice, "get", "/api/analytics/cohorts/sizes").json()["2024-01"] == 2
        assert list(self.api(self.charlie, "get", "/api/analytics/cohorts").json()) == ["2024-03"]

    def test_funnel_and_growth(self) -> None:
        rows = self.api(self.bob, "get", "/api/analytics/funnel", by="channel").json()
        assert sum(r["added"] for r in rows) == 6 and sum(r["converted"] for r in rows) == 4
        growth = self.api(self.bob, "get", "/api/analytics/growth").json()
        assert (growth["today"], growth["today_target"]) == (6, 20)

    def test_bad_parameters_and_other_branches_are_refused(self) -> None:
        response = self.client.get(
            "/api/analytics/pareto", {"share": "2"}, headers=self.bearer(self.alice)
        )
        assert response.status_code == 422 and "share" in response.json()["errors"]
        response = self.client.get(
            "/api/analytics/pareto", {"from": "2024-13-45"}, headers=self.bearer(self.alice)
        )
        assert response.status_code == 422 and "start" in response.json()["errors"]
        for url in ("pareto", "abc", "rfm", "repurchase", "cohorts", "funnel", "growth"):
            response = self.client.get(
                f"/api/analytics/{url}", {"branch": self.bob.pk}, headers=self.bearer(self.charlie)
            )
            assert response.status_code == 422, url
        response = self.client.post("/api/analytics/abc/refresh", headers=self.bearer(self.bob))
        assert response.status_code == 403
        answer = self.api(self.alice, "post", "/api/analytics/abc/refresh").json()
        assert answer == {"A": 1, "B": 2, "C": 2}
