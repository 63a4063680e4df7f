"""The overview's pages keep the customers app's URL names and paths: the assembly builds the
"customers" namespace from both apps' patterns, and neither app imports the other for it."""

from __future__ import annotations

from django.test import SimpleTestCase
from django.urls import resolve, reverse

from yutang.customers import views as customer_views
from yutang.overview import views


class NamespaceTests(SimpleTestCase):
    def test_the_moved_pages_keep_their_names_and_paths(self) -> None:
        assert reverse("customers:list") == "/customers/"
        assert reverse("customers:detail", args=[7]) == "/customers/7/"
        assert resolve("/customers/").func is views.customer_list
        assert resolve("/customers/7/").func is views.customer_detail

    def test_the_customers_apps_own_pages_share_the_namespace(self) -> None:
        paths = {
            "create": ("/customers/new/", []),
            "pick": ("/customers/pick/", []),
            "edit": ("/customers/7/edit/", [7]),
            "delete": ("/customers/7/delete/", [7]),
            "grade": ("/customers/7/grade/", [7]),
            "tag": ("/customers/7/tag/", [7]),
            "merge": ("/customers/7/merge/", [7]),
            "channels": ("/customers/settings/channels/", []),
            "channel_delete": ("/customers/settings/channels/7/delete/", [7]),
            "tags": ("/customers/settings/tags/", []),
            "tag_delete": ("/customers/settings/tags/7/delete/", [7]),
        }
        for name, (path, args) in paths.items():
            assert reverse(f"customers:{name}", args=args) == path
        assert resolve("/customers/7/edit/").func is customer_views.customer_edit
