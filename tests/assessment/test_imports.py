"""Importing the bank from spreadsheets, GIFT and Aiken: all or none, every bad
question named; exporting it again in the same layout, safe from formulas."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessment import services
from assessment.errors import ImportFileUnreadable, QuestionImportFailed
from assessment.models import Question, QuestionKind
from dangke.exports import cell_safe, table_bytes

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F",
          "答案", "解析", "难度", "标签"]  # fmt: skip


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    ["单选题", "中共一大召开的时间是？", "1921年7月", "1922年7月", "1923年6月", "",
     "", "", "A", "1921年7月23日在上海开幕。", "易", "党史、中共一大"],
    ["多选", "遵义会议的意义有？", "确立了毛泽东在党中央和红军的领导地位",
     "是党的历史上生死攸关的转折点", "召开于1927年", "", "", "", "A,B",
     "", 3, "党史"],
    ["判断题", "广州起义发生于1927年12月。", "", "", "", "", "", "", "√", "", "中",
     ""],
    ["填空题", "中共三大于1923年6月在____召开。", "", "", "", "", "", "",
     "广州｜广州市", "", "", "中共三大"],
]  # fmt: skip


def test_xlsx_in_the_common_layout_imports_every_kind(db):
    saved = services.questions_import(name="bank.xlsx", content=xlsx(GOOD_ROWS))
    assert [q.kind for q in saved] == ["single", "multiple", "true_false", "fill_blank"]
    single, multiple, truth, fill = saved
    assert [(o.text, o.correct) for o in single.options.all()] == [
        ("1921年7月", True), ("1922年7月", False), ("1923年6月", False)]  # fmt: skip
    assert single.difficulty == 1
    assert set(single.tags.names()) == {"党史", "中共一大"}
    assert [o.correct for o in multiple.options.all()] == [True, True, False]
    assert truth.is_true is True and truth.difficulty == 3
    assert fill.accepted_answer_list == ["广州", "广州市"]


def test_a_bad_row_imports_nothing_and_every_bad_row_is_named(db):
    rows = [
        GOOD_ROWS[0],
        ["单选题", "两个正确答案？", "甲", "乙", "", "", "", "", "AB", "", "", ""],
        ["判断题", "答案不对", "", "", "", "", "", "", "也许", "", "", ""],
        ["问答题", "不支持的题型", "", "", "", "", "", "", "", "", "", ""],
        ["单选题", "答案不是选项", "甲", "乙", "", "", "", "", "E", "", "", ""],
        ["单选题", "难度错", "甲", "乙", "", "", "", "", "A", "", "超难", ""],
    ]
    with pytest.raises(QuestionImportFailed) as caught:
        services.questions_import(name="bank.xlsx", content=xlsx(rows))
    rows_named = [row for row, _ in caught.value.errors]
    assert rows_named == [3, 4, 5, 6, 7]
    messages = dict(caught.value.errors)
    assert "有且只有一个正确答案" in messages[3]
    assert "正确/错误" in messages[4]
    assert "未知的题型" in messages[5]
    assert "不是已填写的选项" in messages[6]
    assert "难度" in messages[7]
    assert Question.objects.count() == 0


def test_a_header_without_required_columns_is_unreadable(db):
    workbook = Workbook()
    workbook.active.append(["题目", "选项A"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportFileUnreadable, match="题型"):
        services.questions_import(name="bank.xlsx", content=buffer.getvalue())


GIFT = """\
// 党史题库
$CATEGORY: $course$/党史/中共一大

::一大::中共一大在哪里开幕？{=上海 ~北京 ~广州 ####1921年7月23日在上海开幕。}

::多选::中共一大的会址有 {~%50%上海 ~%50%嘉兴南湖 ~%-100%广州}

遵义会议于1935年1月召开。{T}

中共三大召开的城市是 {=广州 =广州市}

1+1\\=2 是 {TRUE}
"""


def test_gift_imports_choice_truth_and_short_answer(db):
    saved = services.questions_import(name="bank.gift", content=GIFT.encode())
    kinds = [q.kind for q in saved]
    assert kinds == ["single", "multiple", "true_false", "fill_blank", "true_false"]
    assert saved[0].explanation == "1921年7月23日在上海开幕。"
    assert set(saved[0].tags.names()) == {"中共一大"}
    assert [o.correct for o in saved[1].options.all()] == [True, True, False]
    assert saved[3].accepted_answer_list == ["广州", "广州市"]
    assert saved[4].stem == "1+1=2 是"


def test_gift_refuses_matching_numerical_and_essay_by_line(db):
    text = "配对 {=a -> 1 =b -> 2}\n\n数值 {#3}\n\n论述 {}\n\n好题 {=对 ~错}\n"
    with pytest.raises(QuestionImportFailed) as caught:
        services.questions_import(name="bank.gift", content=text.encode())
    assert [(row, "匹配" in msg or "数值" in msg or "问答" in msg)
            for row, msg in caught.value.errors] == [(1, True), (3, True), (5, True)]  # fmt: skip
    assert Question.objects.count() == 0


AIKEN = """\
中国共产党第一次全国代表大会召开的时间是？
A. 1921年7月
B. 1927年8月
C. 1935年1月
ANSWER: A

二十届三中全会召开于哪一年？
Ａ．2023年
Ｂ．2024年
ANSWER：B
"""


def test_aiken_with_half_and_full_width_marks(db):
    saved = services.questions_import(name="bank.txt", content=AIKEN.encode())
    assert [q.kind for q in saved] == [QuestionKind.SINGLE] * 2
    assert [(o.text, o.correct) for o in saved[1].options.all()] == [
        ("2023年", False), ("2024年", True)]  # fmt: skip


def test_aiken_errors_name_the_question_line(db):
    text = (
        AIKEN
        + "\n没有答案的题\nA. 甲\nB. 乙\n\n答案不在选项里\nA. 甲\nB. 乙\nANSWER: D\n"
    )
    with pytest.raises(QuestionImportFailed) as caught:
        services.questions_import(name="bank.aiken", content=text.encode())
    assert [row for row, _ in caught.value.errors] == [12, 16]
    assert Question.objects.count() == 0


def test_export_round_trips_and_neutralises_formulas(db):
    services.questions_import(name="bank.xlsx", content=xlsx(GOOD_ROWS))
    services.question_create(
        data=services.QuestionData(
            kind="fill_blank", stem='=HYPERLINK("http://x")', accepted=["-1", "@a"]
        )
    )
    from assessment.exports import questions_table

    table = questions_table(Question.objects.order_by("pk"))
    content = table_bytes(table, "xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@"))
                   for v in values)  # fmt: skip
    Question.objects.all().delete()
    again = services.questions_import(name="again.xlsx", content=content)
    assert [q.stem for q in again][-1] == '=HYPERLINK("http://x")'
    assert again[-1].accepted_answer_list == ["-1", "@a"]
    assert [q.kind for q in again] == ["single", "multiple", "true_false",
                                       "fill_blank", "fill_blank"]  # fmt: skip


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_cell_safe_prefixes_formula_starts(value):
    assert cell_safe(value) == "'" + value
    assert cell_safe("党史") == "党史" and cell_safe(5) == 5


def test_csv_cells_are_neutralised():
    text = table_bytes([["=cmd|' /C calc'!A0", "ok"]], "csv").decode("utf-8-sig")
    assert text.startswith("'=cmd")


def test_admin_import_lists_bad_rows_and_imports_nothing(editor, client_for):
    rows = [GOOD_ROWS[0], ["单选题", "", "甲", "乙", "", "", "", "", "A", "", "", ""]]
    client = client_for(editor)
    response = client.post(
        reverse("assessment_import"),
        {"file": SimpleUploadedFile("bank.xlsx", xlsx(rows))},
    )
    assert response.status_code == 200
    assert response.context["errors"] == [(3, "缺少题干")]
    assert Question.objects.count() == 0
    ok = client.post(
        reverse("assessment_import"),
        {"file": SimpleUploadedFile("bank.xlsx", xlsx(GOOD_ROWS)), "tags": "测试"},
    )
    assert ok.status_code == 200 and Question.objects.count() == 4
    assert all("测试" in q.tags.names() for q in Question.objects.all())


def test_admin_export_is_xlsx(editor, client_for, db):
    services.questions_import(name="bank.xlsx", content=xlsx(GOOD_ROWS))
    response = client_for(editor).get(reverse("assessment_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in next(sheet.iter_rows())][:2] == ["题型", "题干"]
    assert sheet.max_row == 5


def test_members_cannot_import(member_user, client_for):
    response = client_for(member_user).get(reverse("assessment_import"))
    assert response.status_code in (302, 403)


def test_command_imports_with_a_progress_bar(tmp_path, db):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(xlsx(GOOD_ROWS))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "assessment_import", str(path), "--tags", "导入", stdout=out, stderr=err
    )
    assert "imported 4 questions" in out.getvalue()
    assert "4/4" in err.getvalue()
    assert Question.objects.filter(tags__name="导入").count() == 4


def test_command_lists_bad_rows_and_fails(tmp_path, db):
    path = tmp_path / "bank.gift"
    path.write_text("好题 {=对 ~错}\n\n数值 {#3}\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何题目"):
        call_command("assessment_import", str(path), stderr=err)
    assert "line 3" in err.getvalue()
    assert Question.objects.count() == 0
