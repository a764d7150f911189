"""The learning demo builds the same data every time, with or without content."""

from __future__ import annotations

import io

from learning.demo import learning_demo_load
from learning.models import (
    Assignment,
    Attendance,
    CourseCompletion,
    LessonProgress,
    Member,
    Organisation,
    TrainingSession,
)
from tests import factories


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Organisation, Member, Assignment, LessonProgress, CourseCompletion,
            TrainingSession, Attendance,
        )
    }  # fmt: skip


def test_demo_without_content_builds_orgs_and_members(db):
    out = io.StringIO()
    learning_demo_load(stdout=out)
    assert Organisation.objects.filter(kind="district").count() == 1
    assert Organisation.objects.filter(kind="subdistrict").count() == 3
    assert Organisation.objects.filter(kind="community").count() == 6
    assert Organisation.objects.filter(kind="branch").count() == 12
    assert Member.objects.count() == 200
    assert "100%" in out.getvalue()


def test_demo_is_idempotent_with_content(section, member_user, client_for):
    lessons = [factories.lesson(section, duration=600) for _ in range(3)]
    factories.course(section, lessons=lessons[:2], category="compulsory")
    factories.course(section, lessons=lessons[2:], category="elective")
    learning_demo_load(stdout=io.StringIO())
    first = _counts()
    learning_demo_load(stdout=io.StringIO())
    assert _counts() == first
    assert first["Member"] == 201  # with the lead's demo account `member`
    assert first["CourseCompletion"] > 0
    assert first["LessonProgress"] > first["CourseCompletion"]
    assert first["Assignment"] == 1
    assert first["TrainingSession"] == 3
    assert Member.objects.get(user=member_user).organisation.kind == "branch"
    assert Member.objects.get(user__username="dangyuan001").user.check_password(
        "dangke-demo"
    )


def test_import_command_shows_progress_and_reports_bad_rows(db, tmp_path):
    import pytest
    from django.core.management import CommandError, call_command

    good = tmp_path / "orgs.csv"
    good.write_text("code,name,kind,parent_code\nQ,区,district,\nQ1,支部,branch,Q\n")
    out = io.StringIO()
    call_command("learning_import", "organisations", str(good), stdout=out)
    assert "imported 2 organisations" in out.getvalue()
    assert "100%" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind,parent_code\nQ2,支部,branch,NOPE\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("learning_import", "organisations", str(bad), stderr=err)
    assert "row 2: 上级组织代码「NOPE」不存在" in err.getvalue()
