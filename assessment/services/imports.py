"""Importing questions: the spreadsheet layout Chinese question banks use, Moodle's
GIFT and Aiken text formats. All questions or none: every one is checked before
any is written, and every bad one is listed with its row (or line) and reason. They
are then written in short transactions (``IMPORT_BATCH_SIZE``), so a large file never
holds the database's write lock for long; the admin imports in the worker
(``questions_import_job_run``) and shows the progress. A question already imported
(``question_import_key``) is updated, never added twice.

Spreadsheet (XLSX, or CSV), header row first::

    题型 | 题干 | 选项A … 选项F | 答案 | 解析 | 难度 | 标签

题型 单选/多选/判断/填空 (…题); 答案 the option letters (``ABD``, ``A,B,D``), 正确/错误
(对/错, √/×, T/F) or, for 填空, every accepted answer separated by ``|`` or ``；``;
难度 1–5 or 易/较易/中/较难/难 (empty: 中); 标签 separated by commas or ``、``.

GIFT: single choice ``{=right ~wrong}``, multiple choice with weights
``{~%50%a ~%50%b ~%-100%c}``, true/false ``{T}``/``{F}``, short answer ``{=a =b}``
(fill-in-the-blank), ``####`` general feedback (解析), ``$CATEGORY:`` (a tag).
Matching, numerical and essay questions are refused by name.

Aiken: a question, options ``A.``/``A)`` one per line, ``ANSWER: X``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page

from assessment.errors import ImportFileUnreadable, QuestionImportFailed
from assessment.models import (
    Difficulty,
    Question,
    QuestionKind,
    QuestionOption,
    QuestionTag,
)
from assessment.services.bank import QuestionData, _tags
from dangke.import_jobs import ImportCounts, import_job_run, progress_phase
from dangke.models import ImportJob
from dangke.tables import TableUnreadable, table_rows

Progress = Callable[[int, int], None] | None  # called with (done, in all)

OPTION_LETTERS = "ABCDEFGHIJ"

KIND_ALIASES = {
    QuestionKind.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "single"),
    QuestionKind.MULTIPLE: (
        "多选",
        "多选题",
        "多项选择",
        "多项选择题",
        "不定项选择题",
        "multiple",
    ),
    QuestionKind.TRUE_FALSE: ("判断", "判断题", "是非题", "true_false", "truefalse"),
    QuestionKind.FILL_BLANK: ("填空", "填空题", "fill_blank", "fill"),
}
TRUE_WORDS = {"正确", "对", "是", "√", "✓", "✔", "t", "true", "y", "yes", "a"}
FALSE_WORDS = {"错误", "错", "否", "×", "✗", "✘", "x", "f", "false", "n", "no", "b"}
DIFFICULTY_WORDS = {
    "易": 1,
    "容易": 1,
    "简单": 1,
    "较易": 2,
    "中": 3,
    "中等": 3,
    "一般": 3,
    "适中": 3,
    "较难": 4,
    "难": 5,
    "困难": 5,
}
HEADER_ALIASES = {
    "题型": "kind",
    "题目类型": "kind",
    "类型": "kind",
    "题干": "stem",
    "题目": "stem",
    "试题内容": "stem",
    "答案": "answer",
    "正确答案": "answer",
    "参考答案": "answer",
    "解析": "explanation",
    "答案解析": "explanation",
    "试题解析": "explanation",
    "难度": "difficulty",
    "难易程度": "difficulty",
    "标签": "tags",
    "知识点": "tags",
}
FILL_SEPARATORS = re.compile(r"[|｜;；]")
TAG_SEPARATORS = re.compile(r"[,，、;；]")

JOB_KIND = "questions"


def questions_import(
    *,
    name: str,
    content: bytes,
    page: Page | None = None,
    tags: Iterable[str] = (),
    progress: Progress = None,
) -> list[Question]:
    """Import the questions of a file (``.xlsx``/``.csv``, ``.gift``, ``.aiken``; a
    ``.txt`` is read as Aiken when it has ``ANSWER:`` lines, else as GIFT), tied to
    ``page`` and tagged with ``tags`` as well as their own; the questions, in the
    order of the file.

    Every question is checked before any is written; they are then written in
    transactions of ``IMPORT_BATCH_SIZE``. A question already in the bank (the same
    kind, stem and options for the same page: ``question_import_key``) is updated,
    not added again, so importing a file twice adds nothing the second time.

    Raises ImportFileUnreadable when the file cannot be read at all (or is beyond a
    limit), and QuestionImportFailed listing every bad question (nothing is
    imported then).
    """
    saved: list[Question] = []
    questions_import_counts(
        name=name, content=content, page=page, tags=tags, progress=progress, into=saved
    )
    return saved


def questions_import_counts(
    *,
    name: str,
    content: bytes,
    page: Page | None = None,
    tags: Iterable[str] = (),
    progress: Progress = None,
    checked: Progress = None,
    into: list[Question] | None = None,
) -> ImportCounts:
    """``questions_import`` counting what it did (rows are the file's questions;
    created, updated, unchanged) instead of returning the questions, unless
    ``into`` is given to collect them. ``checked`` is called once the file is
    read and checked, ``progress`` as questions are written.

    Raises what ``questions_import`` raises.
    """
    parsed, errors = questions_parse(name=name, content=content)
    for data in parsed:
        problems = data.problems()
        if problems:
            errors.append((data.line, "；".join(problems)))
    if errors:
        raise QuestionImportFailed(sorted(errors))
    if not parsed:
        raise ImportFileUnreadable("文件中没有题目")
    if checked:
        checked(1, 1)
    page_id = page.pk if page is not None else None
    # The same question twice in one file is one question: the later row wins.
    unique: dict[str, QuestionData] = {}
    for data in parsed:
        unique[question_import_key(data=data, page_id=page_id)] = data
    counts = ImportCounts(rows=len(parsed))
    items = list(unique.items())
    items.sort(key=lambda item: item[1].line)
    batch_size = settings.IMPORT_BATCH_SIZE
    tag_ids: dict[str, int] = {}
    for start in range(0, len(items), batch_size):
        batch = items[start : start + batch_size]
        _questions_write(
            batch,
            page=page,
            extra_tags=list(tags),
            tag_ids=tag_ids,
            counts=counts,
            into=into,
        )
        if progress:
            for done in range(start + 1, start + len(batch) + 1):
                progress(done, len(items))
    counts.unchanged += len(parsed) - len(items)
    return counts


def question_import_key(*, data: QuestionData, page_id: int | None) -> str:
    """The natural key of an imported question: its kind, stem and option texts
    (compared after NFKC, case folding and collapsing spaces) and the page it
    belongs to. Its answer key, explanation, difficulty and tags are not part of
    it: importing them changed updates the question. Raises nothing."""

    def folded(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    parts = [
        data.kind,
        folded(data.stem),
        *(folded(text) for text, _ in data.options),
        str(page_id or ""),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def questions_import_job_run(*, job_id: int) -> ImportJob:
    """Run the question import job ``job_id`` (``dangke.import_jobs``): its options
    name the page (``page``, an id) and the tags (``tags``) for every question.
    The job ends done with its counts, or failed with the bad questions listed.

    Raises ImportJob.DoesNotExist and ImportJobBusy (see ``import_job_run``).
    """

    def work(job: ImportJob, content: bytes, report) -> ImportCounts:
        page_id = job.options.get("page")
        page = Page.objects.filter(pk=page_id).first() if page_id else None
        if page_id and page is None:
            raise ImportFileUnreadable("关联的微党课或课程已不存在")
        report("读取并检查", 5)
        return questions_import_counts(
            name=job.file_name,
            content=content,
            page=page,
            tags=job.options.get("tags", []),
            checked=progress_phase(report, "写入", 30, 30),
            progress=progress_phase(report, "写入", 30, 100),
        )

    return import_job_run(job_id=job_id, work=work)


def _questions_write(
    batch: list[tuple[str, QuestionData]],
    *,
    page: Page | None,
    extra_tags: list[str],
    tag_ids: dict[str, int],
    counts: ImportCounts,
    into: list[Question] | None,
) -> None:
    """Write one batch in one short transaction: new questions in bulk, known ones
    brought to the file (answer key, explanation, difficulty; tags added)."""
    now = timezone.now()
    with transaction.atomic():
        existing: dict[str, Question] = {}
        for question in (
            Question.objects.filter(import_key__in=[key for key, _ in batch])
            .prefetch_related("options", "tagged_items")
            .order_by("pk")
        ):
            existing.setdefault(question.import_key, question)
        _questions_adopt(batch, page=page, existing=existing)
        wanted_tags = {
            key: _tags(data.tags, extra_tags) for key, data in batch
        }  # fmt: skip
        ids = _tag_ids({n for names in wanted_tags.values() for n in names}, tag_ids)
        new = [(key, data) for key, data in batch if key not in existing]
        created = Question.objects.bulk_create(
            [_question_new(key, data, page) for key, data in new]
        )
        options: list[QuestionOption] = []
        tagged: list[QuestionTag] = []
        for question, (key, data) in zip(created, new, strict=True):
            options += [
                QuestionOption(
                    question=question, text=text.strip(), correct=right, sort_order=i
                )
                for i, (text, right) in enumerate(data.options)
            ]
            tagged += [
                QuestionTag(content_object=question, tag_id=ids[n])
                for n in wanted_tags[key]
            ]
        changed_questions: list[Question] = []
        changed_options: list[QuestionOption] = []
        for key, data in batch:
            question = existing.get(key)
            if question is None:
                continue
            before = _question_state(question)
            _question_bring(question, data)
            options_changed = False
            known = list(question.options.all())
            if len(known) == len(data.options):
                for option, (text, right) in zip(known, data.options, strict=True):
                    if (option.text, option.correct) != (text.strip(), right):
                        option.text, option.correct = text.strip(), right
                        changed_options.append(option)
                        options_changed = True
            have = {item.tag_id for item in question.tagged_items.all()}
            missing = [n for n in wanted_tags[key] if ids[n] not in have]
            tagged += [
                QuestionTag(content_object=question, tag_id=ids[n]) for n in missing
            ]
            if before != _question_state(question) or missing or options_changed:
                question.updated_at = now
                changed_questions.append(question)
                counts.updated += 1
            else:
                counts.unchanged += 1
        QuestionOption.objects.bulk_create(options)
        QuestionOption.objects.bulk_update(changed_options, ["text", "correct"])
        Question.objects.bulk_update(
            changed_questions,
            [
                "is_true",
                "accepted_answers",
                "explanation",
                "difficulty",
                "stem",
                "updated_at",
            ],
        )
        QuestionTag.objects.bulk_create(tagged)
    counts.created += len(created)
    if into is not None:
        by_key = {question.import_key: question for question in created}
        into += [by_key.get(key) or existing[key] for key, _ in batch]


def _questions_adopt(
    batch: list[tuple[str, QuestionData]],
    *,
    page: Page | None,
    existing: dict[str, Question],
) -> None:
    """Questions written in the admin (or by the demo) carry no key yet: one with
    the same stem, kind, options and page as a row of the file is that row's
    question, and gets its key now."""
    stems = {data.stem.strip() for key, data in batch if key not in existing}
    if not stems:
        return
    unkeyed = (
        Question.objects.filter(import_key="", stem__in=stems, page=page)
        .prefetch_related("options", "tagged_items")
        .order_by("pk")
    )
    wanted = {key for key, _ in batch}
    adopted: list[Question] = []
    for question in unkeyed:
        options = [(option.text, option.correct) for option in question.options.all()]
        key = question_import_key(
            data=QuestionData(kind=question.kind, stem=question.stem, options=options),
            page_id=question.page_id,
        )
        if key in wanted and key not in existing:
            question.import_key = key
            existing[key] = question
            adopted.append(question)
    Question.objects.bulk_update(adopted, ["import_key"])


def _question_new(key: str, data: QuestionData, page: Page | None) -> Question:
    question = Question(page=page, import_key=key)
    _question_bring(question, data)
    return question


def _question_bring(question: Question, data: QuestionData) -> None:
    question.kind = data.kind
    question.stem = data.stem.strip()
    question.explanation = data.explanation.strip()
    question.difficulty = data.difficulty
    question.is_true = data.is_true if data.kind == QuestionKind.TRUE_FALSE else None
    question.accepted_answers = (
        "\n".join(a.strip() for a in data.accepted if a.strip())
        if data.kind == QuestionKind.FILL_BLANK
        else ""
    )


def _question_state(question: Question) -> tuple[Any, ...]:
    return (
        question.stem,
        question.explanation,
        question.difficulty,
        question.is_true,
        question.accepted_answers,
    )


def _tag_ids(names: set[str], known: dict[str, int]) -> dict[str, int]:
    missing = names - known.keys()
    if missing:
        known.update(Tag.objects.filter(name__in=missing).values_list("name", "pk"))
        for name in sorted(missing - known.keys()):
            known[name] = Tag.objects.get_or_create(name=name)[0].pk
    return known


def questions_parse(
    *, name: str, content: bytes
) -> tuple[list[QuestionData], list[tuple[int, str]]]:
    """The questions of a file and the problems found reading it, each with its row
    or line. Raises ImportFileUnreadable for a file that cannot be read at all or
    is beyond a limit (``IMPORT_MAX_BYTES``, and those of ``dangke.tables``)."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportFileUnreadable(
            f"文件过大（最大 {settings.IMPORT_MAX_BYTES // 1024 // 1024} MB，"
            "IMPORT_MAX_BYTES）",
            code="table_too_large",
        )
    lowered = name.lower()
    if lowered.endswith((".xlsx", ".csv")):
        try:
            return questions_from_table(table=table_rows(name=name, content=content))
        except TableUnreadable as exc:
            raise ImportFileUnreadable(exc.detail, code=exc.code) from None
    text = _text(content)
    if lowered.endswith(".gift"):
        return questions_from_gift(text=text)
    if lowered.endswith(".aiken"):
        return questions_from_aiken(text=text)
    if lowered.endswith(".txt"):
        if re.search(r"^\s*ANSWER\s*[:：]", text, re.MULTILINE | re.IGNORECASE):
            return questions_from_aiken(text=text)
        return questions_from_gift(text=text)
    raise ImportFileUnreadable("只支持 .xlsx、.csv、.gift、.aiken 或 .txt 文件")


def _text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileUnreadable("文件编码无法识别（请使用 UTF-8 或 GBK）")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # Our own exports write formula-like texts as '=…; read them back as written.
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        text = text[1:]
    return text


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


# --- spreadsheets -----------------------------------------------------------------


def _header_name(value: Any) -> str:
    text = _cell(value)
    folded = unicodedata.normalize("NFKC", text).replace(" ", "")
    match = re.fullmatch(r"(?:选项)?([A-Ja-j])", folded)
    if match:
        return f"option_{match.group(1).upper()}"
    return HEADER_ALIASES.get(folded, folded)


def _kind(text: str) -> str | None:
    folded = _folded(text)
    for kind, aliases in KIND_ALIASES.items():
        if folded in aliases:
            return kind
    return None


def _difficulty(text: str) -> int | None:
    folded = _folded(text)
    if not folded:
        return Difficulty.MEDIUM
    if folded.isdigit() and 1 <= int(folded) <= 5:
        return int(folded)
    return DIFFICULTY_WORDS.get(folded)


def _truth(text: str) -> bool | None:
    folded = _folded(text)
    if folded in TRUE_WORDS:
        return True
    if folded in FALSE_WORDS:
        return False
    return None


def questions_from_table(
    *, table: Iterable[list[Any]]
) -> tuple[list[QuestionData], list[tuple[int, str]]]:
    """Questions from a sheet in the common layout (header row = row 1), read row
    by row."""
    rows: Iterator[list[Any]] = iter(table)
    first = next(rows, None)
    if first is None:
        raise ImportFileUnreadable("文件是空的")
    header = [_header_name(value) for value in first]
    missing = [label for key, label in (("kind", "题型"), ("stem", "题干"), (
        "answer", "答案")) if key not in header]  # fmt: skip
    if missing:
        raise ImportFileUnreadable(f"表头缺少列：{'、'.join(missing)}")
    parsed: list[QuestionData] = []
    errors: list[tuple[int, str]] = []
    for row_number, values in enumerate(rows, start=2):
        if all(_cell(v) == "" for v in values):
            continue
        row = {header[i]: _cell(v) for i, v in enumerate(values) if i < len(header)}
        data, problems = _question_from_row(row, row_number)
        if problems:
            errors.append((row_number, "；".join(problems)))
        elif data is not None:
            parsed.append(data)
    return parsed, errors


def _question_from_row(
    row: dict[str, str], line: int
) -> tuple[QuestionData | None, list[str]]:
    problems: list[str] = []
    kind = _kind(row.get("kind", ""))
    if kind is None:
        return None, [f"未知的题型「{row.get('kind', '')}」"]
    difficulty = _difficulty(row.get("difficulty", ""))
    if difficulty is None:
        problems.append(
            f"难度「{row.get('difficulty')}」应为 1–5 或 易/较易/中/较难/难"
        )
    data = QuestionData(
        kind=kind,
        stem=row.get("stem", ""),
        explanation=row.get("explanation", ""),
        difficulty=difficulty or Difficulty.MEDIUM,
        tags=[
            t.strip() for t in TAG_SEPARATORS.split(row.get("tags", "")) if t.strip()
        ],
        line=line,
    )
    answer = row.get("answer", "")
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        letters = [letter for letter in OPTION_LETTERS if row.get(f"option_{letter}")]
        last = OPTION_LETTERS.index(letters[-1]) if letters else -1
        gaps = [
            letter for letter in OPTION_LETTERS[: last + 1] if letter not in letters
        ]
        if gaps:
            problems.append(f"选项{'、'.join(gaps)}为空，选项须连续填写")
        chosen = [
            c
            for c in unicodedata.normalize("NFKC", answer).upper()
            if not c.isspace() and c not in ",，、;；/"
        ]
        wrong = [c for c in chosen if c not in letters]
        if not chosen:
            problems.append("缺少答案")
        elif wrong:
            problems.append(f"答案「{answer}」中的 {'、'.join(wrong)} 不是已填写的选项")
        data.options = [
            (row[f"option_{letter}"], letter in chosen) for letter in letters
        ]
    elif kind == QuestionKind.TRUE_FALSE:
        data.is_true = _truth(answer)
        if data.is_true is None:
            problems.append(f"判断题答案「{answer}」应为 正确/错误（对/错、√/×、T/F）")
    else:
        data.accepted = [a.strip() for a in FILL_SEPARATORS.split(answer) if a.strip()]
    problems += data.problems() if not problems else []
    return data, problems


# --- GIFT -------------------------------------------------------------------------

GIFT_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)


def _gift_unescape(text: str) -> str:
    return re.sub(
        r"\\([~=#{}:n\\])", lambda m: "\n" if m.group(1) == "n" else m.group(1), text
    )


def _gift_find(text: str, char: str, start: int = 0) -> int:
    """The index of the first unescaped ``char`` at or after ``start`` (-1 if none)."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == char:
            return index
        index += 1
    return -1


def _gift_split(text: str, markers: str) -> list[tuple[str, str]]:
    """Split at unescaped ``markers``: [(marker, text after it)…]."""
    parts: list[tuple[str, str]] = []
    index, start, marker = 0, None, ""
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in markers:
            if start is not None:
                parts.append((marker, text[start:index]))
            marker, start = char, index + 1
        index += 1
    if start is not None:
        parts.append((marker, text[start:]))
    return parts


def _gift_blocks(text: str) -> Iterable[tuple[int, str, str | None]]:
    """(first line number, question text, category in force) for each question."""
    category = None
    lines: list[str] = []
    first = 0
    for number, raw in enumerate([*text.splitlines(), ""], start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):
            continue
        if stripped.lower().startswith("$category:") and not lines:
            category = stripped.split(":", 1)[1].strip().strip("/").split("/")[-1]
            continue
        if stripped:
            if not lines:
                first = number
            lines.append(raw)
            continue
        # A blank line ends a question unless its answer block is still open.
        block = "\n".join(lines)
        if lines and (_gift_find(block, "{") == -1 or _gift_find(block, "}") != -1):
            yield first, block, category
            lines = []
    if lines:
        yield first, "\n".join(lines), category


def questions_from_gift(
    *, text: str
) -> tuple[list[QuestionData], list[tuple[int, str]]]:
    """Questions from Moodle GIFT text (line numbers from 1)."""
    parsed: list[QuestionData] = []
    errors: list[tuple[int, str]] = []
    for line, block, category in _gift_blocks(text):
        try:
            data = _gift_question(block)
        except ValueError as exc:
            errors.append((line, str(exc)))
            continue
        data.line = line
        if category:
            data.tags.append(category)
        parsed.append(data)
    return parsed, errors


def _gift_question(block: str) -> QuestionData:
    body = block.strip()
    if body.startswith("::"):
        end = body.find("::", 2)
        if end == -1:
            raise ValueError("题目名称缺少结尾的 ::")
        body = body[end + 2 :].strip()
    body = GIFT_FORMAT.sub("", body).strip()
    opening = _gift_find(body, "{")
    closing = _gift_find(body, "}", opening + 1) if opening != -1 else -1
    if opening == -1 or closing == -1:
        raise ValueError("缺少答案部分 {…}")
    before, inside, after = (
        body[:opening],
        body[opening + 1 : closing],
        body[closing + 1 :],
    )
    stem = _gift_unescape(before.strip())
    if after.strip():  # "missing word": the answer block stands in the sentence
        stem = f"{stem}____{_gift_unescape(after.strip())}"
    explanation = ""
    general = inside.find("####")
    if general != -1:
        explanation = _gift_unescape(inside[general + 4 :].strip())
        inside = inside[:general]
    inside = inside.strip()
    if not inside:
        raise ValueError("不支持问答题（{} 为空）")
    if inside.startswith("#"):
        raise ValueError("不支持数值题（{#…}）")
    if "->" in inside:
        raise ValueError("不支持匹配题（->）")
    if inside[0] not in "=~":
        cut = _gift_find(inside, "#")
        word = (inside[:cut] if cut != -1 else inside).strip().upper()
        if word not in ("T", "TRUE", "F", "FALSE"):
            raise ValueError(f"无法识别的答案「{inside[:30]}」")
        return QuestionData(
            QuestionKind.TRUE_FALSE,
            stem,
            is_true=word in ("T", "TRUE"),
            explanation=explanation,
        )
    answers = []
    for marker, raw in _gift_split(inside, "=~"):
        cut = _gift_find(raw, "#")  # per-answer feedback is not kept
        text = raw[:cut] if cut != -1 else raw
        weight = None
        match = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", text)
        if match:
            weight = float(match.group(1))
            text = text[match.end() :]
        answers.append((marker, weight, _gift_unescape(text.strip())))
    if all(marker == "=" and weight is None for marker, weight, _ in answers):
        # Only right answers: a short-answer question, i.e. fill in the blank.
        return QuestionData(
            QuestionKind.FILL_BLANK,
            stem,
            accepted=[text for _, _, text in answers],
            explanation=explanation,
        )
    options = [
        (text, marker == "=" or (weight is not None and weight > 0))
        for marker, weight, text in answers
    ]
    correct = sum(1 for _, right in options if right)
    kind = QuestionKind.MULTIPLE if correct > 1 else QuestionKind.SINGLE
    return QuestionData(kind, stem, options=options, explanation=explanation)


# --- Aiken ------------------------------------------------------------------------

# Half-width or full-width letters and marks, as Chinese banks write them.
AIKEN_OPTION = re.compile(r"^([A-ZＡ-Ｚ])\s*[.)、．）]\s*(.+)$")
AIKEN_ANSWER = re.compile(
    r"^(?:ANSWER|ＡＮＳＷＥＲ|答案)\s*[:：]\s*([A-ZＡ-Ｚa-zａ-ｚ])\s*$", re.IGNORECASE
)


def questions_from_aiken(
    *, text: str
) -> tuple[list[QuestionData], list[tuple[int, str]]]:
    """Questions from Moodle Aiken text: single choice only (line numbers from 1)."""
    parsed: list[QuestionData] = []
    errors: list[tuple[int, str]] = []
    stem: list[str] = []
    options: list[tuple[str, str]] = []
    first = 0

    def fail(message: str) -> None:
        errors.append((first, message))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = AIKEN_ANSWER.match(line)
        option = AIKEN_OPTION.match(line)
        if answer:
            letter = unicodedata.normalize("NFKC", answer.group(1)).upper()
            letters = [key for key, _ in options]
            if not stem:
                first = number
                fail("ANSWER 行之前没有题干和选项")
            elif len(options) < 2:
                fail("至少需要两个选项（A. … B. …）")
            elif letter not in letters:
                fail(f"答案 {letter} 不是本题的选项")
            else:
                parsed.append(
                    QuestionData(
                        QuestionKind.SINGLE,
                        "\n".join(stem),
                        options=[(value, key == letter) for key, value in options],
                        line=first,
                    )
                )
            stem, options = [], []
        elif option and stem:
            key = unicodedata.normalize("NFKC", option.group(1))
            options.append((key, option.group(2).strip()))
        elif options:
            fail("缺少 ANSWER: 行")
            stem, options, first = [line], [], number
        else:
            if not stem:
                first = number
            stem.append(line)
    if stem or options:
        fail("缺少 ANSWER: 行")
    return parsed, errors
