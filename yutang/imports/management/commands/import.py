from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from yutang.accounts.models import User
from yutang.imports.bills import commit_bill, plan_bill
from yutang.imports.customers import RULES, commit_import, plan_import
from yutang.imports.orders import commit_orders, plan_orders
from yutang.imports.readers import FileRejected
from yutang.lib.bills import BillError


class Command(BaseCommand):
    help = (
        "Import customers or orders (xlsx, xls, ods, csv) or a WeChat Pay / Alipay bill: checks "
        "every row "
        "first and commits all or nothing. Exit status 1 when the file is rejected as a whole."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["customers", "orders", "bill"])
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="who imports (scoping)")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--rule",
            choices=RULES,
            default="fill",
            help="a row whose phone or WeChat ID is already a customer: skip it, fill that "
            "customer's empty fields (default), or overwrite them",
        )
        parser.add_argument(
            "--accept-all",
            action="store_true",
            help="commit even when some rows are rejected (those rows are left out)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        if options["what"] == "bill":
            self.import_bill(user, options)
            return
        progress = None
        if not options["json"] and sys.stderr.isatty():
            progress = lambda n: self.stderr.write(f"\r{n} rows checked…", ending="")  # noqa: E731
        planner: Any = plan_import
        committer: Any = commit_import
        if options["what"] == "orders":
            planner, committer = _plan_orders, _commit_orders
        try:
            plan = planner(options["file"], user=user, rule=options["rule"], progress=progress)
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {options['file']}") from exc
        except FileRejected as exc:
            raise CommandError(str(exc.message)) from exc
        result = plan.summary()
        committed = False
        if not options["dry_run"] and (not plan.rejected or options["accept_all"]):
            result = committer(plan, user=user)
            committed = True
        result["committed"] = committed
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"{result['rows']} rows: {result['created']} new, {result['updated']} updated, "
            f"{result['merged']} merged within the file, {result['unchanged']} unchanged, "
            f"{len(result['rejected'])} rejected"
        )
        for rejection in result["rejected"]:
            column = f" [{rejection['column']}]" if rejection["column"] else ""
            self.stdout.write(f"  row {rejection['row']}{column}: {rejection['reason']}")
        if not committed and not options["dry_run"]:
            self.stdout.write("Nothing imported: fix the rows above, or pass --accept-all.")
        elif committed:
            self.stdout.write("Imported.")

    def import_bill(self, user: User, options: dict[str, Any]) -> None:
        try:
            plan = plan_bill(options["file"], user=user)
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {options['file']}") from exc
        except BillError as exc:
            chinese = translation.get_language().startswith("zh")
            raise CommandError(exc.message_zh if chinese else exc.message) from exc
        result = plan.summary()
        committed = False
        if not options["dry_run"]:
            # Without --accept-all only payments of known customers are imported; --accept-all
            # also creates customers for the other counterparties.
            result = commit_bill(plan, user=user, create_customers=options["accept_all"])
            committed = True
        result["committed"] = committed
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"{result['rows']} rows, {result['incoming_count']} incoming payments "
            f"(¥{result['incoming_total']}), {result['refund_count']} refunds; "
            f"{result['created']} new payments: {result['matched']} matched to customers, "
            f"{result['new_customers']} new customers"
        )


def _plan_orders(path: str, *, user: User, rule: str, progress: Any) -> Any:
    return plan_orders(path, user=user)


def _commit_orders(plan: Any, *, user: User) -> dict[str, Any]:
    return commit_orders(plan, user=user)
