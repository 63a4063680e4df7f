from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yutang.accounts.models import User
from yutang.imports.customer_sheet import RULES
from yutang.imports.jobs import KINDS, ImportRefused, import_file, plan_file


class Command(BaseCommand):
    help = (
        "Import customers or orders (xlsx, xls, ods, csv) or a WeChat Pay / Alipay bill: checks "
        "every row first and commits all or nothing. Exit status 1 when the file is rejected "
        "as a whole."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=list(KINDS))
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
        kind, path = options["what"], Path(options["file"])
        progress = self.progress_bar if not options["json"] and sys.stderr.isatty() else None
        try:
            if options["dry_run"]:
                result = plan_file(
                    kind, path, user=user, rule=options["rule"], progress=progress
                ).summary()
                committed = False
            else:
                result, committed = import_file(
                    kind, path, user=user, rule=options["rule"],
                    accept_all=options["accept_all"], progress=progress,
                )  # fmt: skip
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {options['file']}") from exc
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        finally:
            if progress:
                self.stderr.write("")
        result["committed"] = committed
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        elif kind == "bill":
            self.stdout.write(
                f"{result['rows']} rows, {result['incoming_count']} incoming payments "
                f"(¥{result['incoming_total']}), {result['refund_count']} refunds; "
                f"{result['created']} new payments: {result['matched']} matched to customers, "
                f"{result['new_customers']} new customers"
            )
            if not committed and result.get("error"):
                self.stdout.write(f"Nothing imported: {result['error']}")
        else:
            self.write_rows(result, committed=committed, dry_run=options["dry_run"])

    def progress_bar(self, done: int, total: int | None) -> None:
        if not total:
            self.stderr.write(f"\r{done} rows…", ending="")
            return
        share = min(done / total, 1)
        bar = "#" * round(30 * share)
        self.stderr.write(f"\r[{bar:<30}] {share:4.0%} {done}/{total} rows", ending="")

    def write_rows(self, result: dict[str, Any], *, committed: bool, dry_run: bool) -> None:
        self.stdout.write(
            f"{result['rows']} rows: {result['created']} new, {result['updated']} updated, "
            f"{result['merged']} merged within the file, {result['unchanged']} unchanged, "
            f"{result.get('rejected_count', len(result['rejected']))} rejected"
        )
        if len(result["rejected"]) < result.get("rejected_count", 0):
            self.stdout.write(f"  (the first {len(result['rejected'])} are listed)")
        for rejection in result["rejected"]:
            column = f" [{rejection['column']}]" if rejection["column"] else ""
            self.stdout.write(f"  row {rejection['row']}{column}: {rejection['reason']}")
        if not committed and not dry_run:
            self.stdout.write("Nothing imported: fix the rows above, or pass --accept-all.")
        elif committed:
            self.stdout.write("Imported.")
