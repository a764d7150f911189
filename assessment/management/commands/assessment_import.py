"""Import questions into the bank from a file, all or none.

manage.py assessment_import bank.xlsx            # 题型, 题干, 选项A–F, 答案, 解析, 难度, 标签
manage.py assessment_import bank.gift --tags 党史
manage.py assessment_import bank.aiken --page 42  # tie them to a lesson or course
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Page

from assessment import services
from assessment.errors import ImportFileUnreadable, QuestionImportFailed
from dangke.progress import ProgressBar


class Command(BaseCommand):
    help = "Import questions from XLSX/CSV, GIFT or Aiken (all or none)"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--page", type=int, help="id of the lesson or course they belong to"
        )
        parser.add_argument(
            "--tags", default="", help="tags added to every question, comma separated"
        )

    def handle(self, *args, file: Path, page: int | None, tags: str, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        target = None
        if page is not None:
            target = Page.objects.filter(
                pk=page, content_type__model__in=["microlessonpage", "coursepage"]
            ).first()
            if target is None:
                raise CommandError(f"page {page} is not a lesson or a course")
        bar: list[ProgressBar] = []

        def show(done: int, total: int) -> None:
            if not bar:
                bar.append(ProgressBar(total, "题目", stream=self.stderr))
            bar[0].advance()

        try:
            saved = services.questions_import(
                name=file.name,
                content=file.read_bytes(),
                page=target,
                tags=[
                    t.strip() for t in tags.replace("，", ",").split(",") if t.strip()
                ],
                progress=show,
            )
        except ImportFileUnreadable as exc:
            raise CommandError(f"{file}: {exc.detail}") from None
        except QuestionImportFailed as exc:
            unit = "row" if file.suffix.lower() in (".xlsx", ".csv") else "line"
            listed = settings.IMPORT_MAX_LISTED_ERRORS
            for row, message in exc.errors[:listed]:
                self.stderr.write(f"{unit} {row}: {message}")
            if len(exc.errors) > listed:
                self.stderr.write(f"另有 {len(exc.errors) - listed} 处有错误")
            raise CommandError(exc.detail) from None
        self.stdout.write(f"imported {len(saved)} questions")
