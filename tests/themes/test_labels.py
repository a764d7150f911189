"""What members read is Chinese and said once: member types by label, dates as
2026年12月8日, 学时 as one kind of number, a course's 学时 as a figure, a lesson's
summary once, the site's name once in the title."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from learning.models import Attendance, TrainingClass, TrainingSession
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_archive_labels_the_member_type_and_writes_chinese_dates(
    client_for, member
):
    training = TrainingClass.objects.create(
        title="党务骨干培训班", organisation=member.organisation
    )
    start = timezone.now() - timedelta(hours=1)
    session = TrainingSession.objects.create(
        training_class=training,
        title="第一讲",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        credit_hours=Decimal("1.50"),
    )
    Attendance.objects.create(member=member, session=session, checked_in_at=start)
    html = client_for(member.user).get("/me/archive/").content.decode()
    assert "普通党员" in html and "regular" not in html
    local = timezone.localtime(start)
    assert f"{local.year}年{local.month}月{local.day}日" in html
    # 学时 one way: no "0 / 32.00"
    summary = re.search(r'<p class="big">(.*?)</p>', html, re.S).group(1)
    assert ".00" not in summary
    assert "<td>1.5</td>" in html


def test_the_course_page_shows_its_hours_by_rule(client, section):
    asset = factories.video_asset(
        title="视频", status="ready", published_version=1, duration=1200.0
    )
    lesson = factories.lesson(section, video=asset)
    course = factories.course(section, title="按规则的课程", lessons=[lesson])
    html = client.get(course.url).content.decode()
    assert "按规则计算" not in html
    assert re.search(r"学时：\d+(\.\d+)?（按微党课时长折算）", html)


def test_the_lesson_page_says_its_summary_once(client, section):
    lesson = factories.lesson(
        section,
        summary="讲述中共三大的历史意义。",
        body="<p>讲述中共三大的历史意义。</p><p>正文第二段。</p>",
    )
    html = client.get(lesson.url).content.decode()
    assert html.count("讲述中共三大的历史意义。") == 1


def test_the_home_page_title_names_the_site_once(client, home_page):
    html = client.get("/").content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    parts = [part.strip() for part in title.split("·")]
    assert len(parts) == len(set(parts)), title


def test_the_contest_page_promises_no_ranking_it_does_not_show():
    from pathlib import Path

    template = Path("themes/templates/themes/default/assessment_contest.html")
    text = template.read_text()
    line = next(row for row in text.splitlines() if "作答次数" in row)
    assert "{% if ranking is not None %}" in line
