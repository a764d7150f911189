"""Answer keys, what a client is shown, and checking an answer: plain functions over
plain data, shared by quizzes, practice and contests.

A key is ``{"options": [ids]}`` (choice questions: the correct option ids),
``{"value": bool}`` (true/false) or ``{"accepted": [texts]}`` (fill-in-the-blank). An
answer is ``{"options": [ids]}``, ``{"value": bool}`` or ``{"text": str}``. What a
client is shown (``content``) holds the kind, the stem and the options (ids and
texts, in the order of this attempt) and never a key.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from typing import Any

from assessment.errors import InvalidAnswer
from assessment.models import Question, QuestionKind

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
MAX_TEXT_ANSWER = 500
# An error names at most this many of the values it refuses, then how many more.
MAX_NAMED_IN_ERROR = 10

Key = dict[str, Any]
Answer = dict[str, Any]


def text_normalise(text: str) -> str:
    """Fill-in answers compare equal after NFKC (full-width letters, digits and
    punctuation become half-width), without any whitespace, and case-folded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def question_problems(
    *,
    kind: str,
    stem: str,
    options: Sequence[tuple[str, bool]] = (),
    is_true: bool | None = None,
    accepted: Sequence[str] = (),
) -> list[str]:
    """What is wrong with a question's key for its kind (empty when it is right)."""
    problems = []
    if not stem.strip():
        problems.append("缺少题干")
    correct = sum(1 for _, right in options if right)
    if kind in CHOICE_KINDS:
        if len(options) < 2:
            problems.append("选择题至少需要两个选项")
        if any(not text.strip() for text, _ in options):
            problems.append("选项内容不能为空")
        if kind == QuestionKind.SINGLE and correct != 1:
            problems.append(f"单选题须有且只有一个正确答案（现有 {correct} 个）")
        if kind == QuestionKind.MULTIPLE and correct < 1:
            problems.append("多选题至少需要一个正确答案")
    elif kind == QuestionKind.TRUE_FALSE:
        if is_true is None:
            problems.append("判断题须给出答案（正确或错误）")
    elif kind == QuestionKind.FILL_BLANK:
        if not [a for a in accepted if a.strip()]:
            problems.append("填空题至少需要一个参考答案")
    else:
        problems.append(f"未知的题型「{kind}」")
    return problems


def question_key(question: Question) -> Key:
    """The answer key of a saved question."""
    if question.kind in CHOICE_KINDS:
        return {"options": sorted(o.pk for o in question.options.all() if o.correct)}
    if question.kind == QuestionKind.TRUE_FALSE:
        return {"value": bool(question.is_true)}
    return {"accepted": question.accepted_answer_list}


def question_content(
    question: Question, *, rng: random.Random | None = None, shuffle: bool = False
) -> dict[str, Any]:
    """What a client is shown of a question: kind, stem and options (shuffled with
    ``rng`` when ``shuffle``). Never the key."""
    options = [{"id": o.pk, "text": o.text} for o in question.options.all()]
    if shuffle and rng is not None:
        rng.shuffle(options)
    content: dict[str, Any] = {"kind": question.kind, "stem": question.stem}
    if question.kind in CHOICE_KINDS:
        content["options"] = options
    return content


def values_named(values: Sequence[Any], *, limit: int = MAX_NAMED_IN_ERROR) -> str:
    """``values`` for an error message, the first ``limit`` of them and how many
    there are in all (``1, 2, 3 等 10000 个``), so an error never repeats all of
    what a client sent."""
    shown = ", ".join(map(str, values[:limit]))
    return f"{shown} 等 {len(values)} 个" if len(values) > limit else shown


def answer_clean(
    *,
    content: dict[str, Any],
    options: Sequence[int] | None = None,
    value: bool | None = None,
    text: str | None = None,
) -> Answer | None:
    """The answer a client gave, checked against the question it answers (None when
    it gave nothing: the answer is cleared). Fields that do not belong to the
    question's kind are ignored.

    Raises InvalidAnswer naming what does not fit.
    """
    kind = content["kind"]
    if kind in CHOICE_KINDS:
        chosen = list(options or [])
        if not chosen:
            return None
        known = {option["id"] for option in content.get("options", [])}
        unknown = [item for item in chosen if item not in known]
        if unknown:
            raise InvalidAnswer(
                f"选项 {values_named(unknown)} 不属于这道题",
                code="unknown_option",
            )
        if len(set(chosen)) != len(chosen):
            raise InvalidAnswer("同一个选项选了两次", code="duplicate_option")
        if kind == QuestionKind.SINGLE and len(chosen) != 1:
            raise InvalidAnswer("单选题只能选一个选项", code="single_choice")
        return {"options": sorted(chosen)}
    if kind == QuestionKind.TRUE_FALSE:
        if value is None:
            return None
        return {"value": bool(value)}
    if text is None or not text.strip():
        return None
    if len(text) > MAX_TEXT_ANSWER:
        raise InvalidAnswer(f"答案不能超过 {MAX_TEXT_ANSWER} 个字符", code="too_long")
    return {"text": text.strip()}


def answer_is_correct(*, key: Key, answer: Answer | None) -> bool:
    """True when ``answer`` matches ``key`` (a choice question needs exactly the
    correct options; no answer is wrong)."""
    if not answer:
        return False
    if "options" in key:
        return sorted(answer.get("options") or []) == sorted(key["options"])
    if "value" in key:
        return answer.get("value") is key["value"]
    given = text_normalise(str(answer.get("text") or ""))
    return bool(given) and any(given == text_normalise(a) for a in key["accepted"])
