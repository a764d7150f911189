"""The question bank: creating questions with a key that fits their kind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from wagtail.models import Page

from assessment.errors import InvalidQuestion
from assessment.models import Difficulty, Question, QuestionKind, QuestionOption
from assessment.scoring import question_problems


@dataclass
class QuestionData:
    """A question as read from a form, a file or the demo, before it is saved.

    ``line`` is where it came from in a file (a sheet row or a text line)."""

    kind: str
    stem: str
    options: list[tuple[str, bool]] = field(default_factory=list)
    is_true: bool | None = None
    accepted: list[str] = field(default_factory=list)
    explanation: str = ""
    difficulty: int = Difficulty.MEDIUM
    tags: list[str] = field(default_factory=list)
    line: int = 0

    def problems(self) -> list[str]:
        problems = question_problems(
            kind=self.kind,
            stem=self.stem,
            options=self.options,
            is_true=self.is_true,
            accepted=self.accepted,
        )
        if self.difficulty not in Difficulty.values:
            problems.append(f"难度应为 1–5（现为 {self.difficulty}）")
        return problems


def question_create(
    *, data: QuestionData, page: Page | None = None, extra_tags: Iterable[str] = ()
) -> Question:
    """Save a new question of the bank from ``data``, tied to ``page`` (a lesson or a
    course) when given.

    Raises InvalidQuestion when the key does not fit the kind.
    """
    problems = data.problems()
    if problems:
        raise InvalidQuestion("；".join(problems))
    question = Question(
        kind=data.kind,
        stem=data.stem.strip(),
        explanation=data.explanation.strip(),
        difficulty=data.difficulty,
        page=page,
    )
    _key_apply(question, data)
    tags = _tags(data.tags, extra_tags)
    with transaction.atomic():
        question.save()
        if tags:
            question.tags.add(*tags)
            question.save()
    return question


def question_upsert(
    *, data: QuestionData, page: Page | None = None
) -> tuple[Question, bool]:
    """The bank's question with this stem and kind brought to ``data`` (created when
    there is none): what the demo loader needs to run again safely. Options are
    rewritten only when they differ, so their ids stay stable.

    Raises InvalidQuestion when the key does not fit the kind.
    """
    existing = Question.objects.filter(kind=data.kind, stem=data.stem.strip()).first()
    if existing is None:
        return question_create(data=data, page=page), True
    problems = data.problems()
    if problems:
        raise InvalidQuestion("；".join(problems))
    current = [(o.text, o.correct) for o in existing.options.all()]
    _key_apply(existing, data, keep_options=current == list(data.options))
    existing.explanation = data.explanation.strip()
    existing.difficulty = data.difficulty
    existing.page = page
    with transaction.atomic():
        existing.save()
        existing.tags.set(_tags(data.tags, ()))
        existing.save()
    return existing, False


def _key_apply(
    question: Question, data: QuestionData, *, keep_options: bool = False
) -> None:
    if keep_options:
        pass
    elif data.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        question.options = [
            QuestionOption(text=text.strip(), correct=correct, sort_order=index)
            for index, (text, correct) in enumerate(data.options)
        ]
    else:
        question.options = []
    question.is_true = data.is_true if data.kind == QuestionKind.TRUE_FALSE else None
    question.accepted_answers = (
        "\n".join(a.strip() for a in data.accepted if a.strip())
        if data.kind == QuestionKind.FILL_BLANK
        else ""
    )


def _tags(tags: Sequence[str], extra: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for tag in [*tags, *extra]:
        tag = tag.strip()[:100]
        if tag and tag not in seen:
            seen.append(tag)
    return seen
