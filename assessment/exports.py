"""Files the assessment app writes: CSV/XLSX tables (reports, results) and the
question bank as XLSX, in the layout the importer reads. Every cell is made safe by
``dangke.exports`` (no formula injection)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from assessment.models import Question, QuestionKind

QUESTION_HEADER_FIXED = ["题型", "题干"]
QUESTION_HEADER_TAIL = ["答案", "解析", "难度", "标签"]
MIN_OPTION_COLUMNS = 6
OPTION_LETTERS = "ABCDEFGHIJ"
WITHHELD = "不公布"


def _answer_cell(question: Question, letters: dict[int, str]) -> str:
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "".join(
            letters[option.pk] for option in question.options.all() if option.correct
        )
    if question.kind == QuestionKind.TRUE_FALSE:
        return "正确" if question.is_true else "错误"
    return "|".join(question.accepted_answer_list)


def questions_table(
    questions: Iterable[Question], *, keys_withheld: Collection[int] = ()
) -> list[list[Any]]:
    """The bank as rows in the import layout (题型, 题干, 选项A…, 答案, 解析, 难度,
    标签), so an export imports again; the questions in ``keys_withheld`` read
    ``WITHHELD`` for their answer and explanation."""
    questions = list(questions)
    width = max(
        [MIN_OPTION_COLUMNS]
        + [len(q.options.all()) for q in questions if q.kind != "fill_blank"]
    )
    width = min(width, len(OPTION_LETTERS))
    header = [
        *QUESTION_HEADER_FIXED,
        *(f"选项{letter}" for letter in OPTION_LETTERS[:width]),
        *QUESTION_HEADER_TAIL,
    ]
    rows: list[list[Any]] = [header]
    for question in questions:
        options = list(question.options.all())[:width]
        letters = {o.pk: OPTION_LETTERS[i] for i, o in enumerate(options)}
        cells = [o.text for o in options] + [""] * (width - len(options))
        rows.append(
            [
                question.get_kind_display(),
                question.stem,
                *cells,
                *(
                    [WITHHELD, WITHHELD]
                    if question.pk in keys_withheld
                    else [_answer_cell(question, letters), question.explanation]
                ),
                question.difficulty,
                "、".join(sorted(tag.name for tag in question.tags.all())),
            ]
        )
    return rows
