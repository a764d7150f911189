"""Import organisations or members from an XLSX/CSV file, all rows or none.

manage.py learning_import organisations orgs.xlsx
manage.py learning_import members members.csv
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangke.audit import audit_record
from dangke.progress import progress_line
from dangke.tables import TableUnreadable
from learning import services
from learning.errors import ImportFailed


class Command(BaseCommand):
    help = "Import organisations or members from an XLSX/CSV file (all rows or none)"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["organisations", "members"])
        parser.add_argument("file", type=Path)

    def handle(self, *args, kind: str, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            rows = services.rows_from_table(
                table=services.table_read(name=file.name, content=file.read_bytes())
            )
        except TableUnreadable as exc:
            raise CommandError(f"{file}: {exc.detail}") from None

        def show(done: int, total: int) -> None:
            if done % 50 == 0 or done == total:
                progress_line(done, total, kind, self.stdout)

        importer = (
            services.organisations_import
            if kind == "organisations"
            else services.members_import
        )
        try:
            saved = importer(rows=rows, progress=show)
        except ImportFailed as exc:
            listed = settings.IMPORT_MAX_LISTED_ERRORS
            for row, message in exc.errors[:listed]:
                self.stderr.write(f"row {row}: {message}")
            if len(exc.errors) > listed:
                self.stderr.write(f"另有 {len(exc.errors) - listed} 行有错误")
            raise CommandError(str(exc)) from None
        audit_record(
            actor=None,
            action="import",
            subject=f"learning.{kind}",
            channel="command",
            scope={"file": str(file)},
            row_count=len(saved),
        )
        self.stdout.write(f"imported {len(saved)} {kind}")
