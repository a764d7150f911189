"""Coverage report at district scale: 73,000 members in 3,000 organisations with
1,000,000 lesson progress rows in PostgreSQL.

Creates a database of its own, migrates it, builds the data with set-based SQL, then
times the district-level course coverage report with its drill-down per sub-district
(``learning.selectors.report_build``), a drill-down one level lower, and the year
report. The baseline for the ratio is a plain full count of the progress rows in the
same database. Prints one JSON line last:

    {"bench":"report","seconds":..,"drilldown_seconds":..,"year_seconds":..,
     "baseline_seconds":..,"ratio":..,"members":..,"organisations":..,"progress_rows":..}

Environment: BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/
postgres), BENCH_REPEAT (3: the median of that many runs is reported).
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SUBDISTRICTS = 18
COMMUNITIES = 222
ORGANISATIONS = 3000
MEMBERS = 73_000
LESSONS = 14


def progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {label:<40}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def admin_execute(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def build_organisations() -> None:
    from learning.models import Organisation, path_segment

    rows = []
    paths: dict[int, str] = {}

    def add(pk: int, parent: int | None, kind: str, name: str) -> None:
        path = (paths[parent] if parent else "") + path_segment(pk)
        paths[pk] = path
        rows.append(
            Organisation(
                pk=pk,
                code=f"O{pk:05d}",
                name=name,
                kind=kind,
                parent_id=parent,
                path=path,
                depth=len(path) // 6,
            )  # fmt: skip
        )

    add(1, None, "district", "区委")
    for s in range(SUBDISTRICTS):
        add(2 + s, 1, "subdistrict", f"街道 {s + 1}")
    first_community = 2 + SUBDISTRICTS
    for c in range(COMMUNITIES):
        add(first_community + c, 2 + c % SUBDISTRICTS, "community", f"社区 {c + 1}")
    first_branch = first_community + COMMUNITIES
    for b in range(ORGANISATIONS - first_branch + 1):
        add(first_branch + b, first_community + b % COMMUNITIES, "branch", f"支部 {b}")
    Organisation.objects.bulk_create(rows, batch_size=1000)


def build_people_and_progress(lesson_ids: list[int], course_id: int) -> int:
    from django.db import connection
    from django.utils import timezone

    year = timezone.localdate().year
    first_branch = 2 + SUBDISTRICTS + COMMUNITIES
    branches = ORGANISATIONS - first_branch + 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('learning_organisation', 'id'), %s)",
            [ORGANISATIONS],
        )
        cursor.execute(
            """
            INSERT INTO auth_user (password, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined)
            SELECT '!', false, 'm' || g, '', '', '', false, true, now()
            FROM generate_series(1, %s) AS g
            """,
            [MEMBERS],
        )
        cursor.execute(
            """
            INSERT INTO learning_member (user_id, name, organisation_id, member_type)
            SELECT u.id, u.username, %s + (u.id %% %s),
                CASE WHEN u.id %% 20 = 0 THEN 'secretary'
                     WHEN u.id %% 7 = 0 THEN 'retired'
                     WHEN u.id %% 11 = 0 THEN 'mobile' ELSE 'regular' END
            FROM auth_user u WHERE u.username LIKE 'm%%'
            """,
            [first_branch, branches],
        )
        progress("1,000,000 progress rows", 4, 8)
        cursor.execute(
            """
            INSERT INTO learning_lessonprogress (member_id, lesson_id, intervals,
                watched_seconds, duration, position, completed_at, completed_via,
                playbacks, version, updated_at)
            SELECT m.id, l.id, '[[0, 600]]', 600, 600, 600,
                CASE WHEN m.id %% 10 < 7 OR (m.id + l.n) %% 3 = 0 THEN now() END,
                CASE WHEN m.id %% 10 < 7 OR (m.id + l.n) %% 3 = 0 THEN 'online'
                     ELSE '' END,
                '{}', 1, now()
            FROM learning_member m
            CROSS JOIN unnest(%s::bigint[]) WITH ORDINALITY AS l(id, n)
            WHERE (m.id * 7 + l.n) %% 100 < 98
            """,
            [lesson_ids],
        )
        progress("completions and 学时", 5, 8)
        cursor.execute(
            """
            INSERT INTO learning_coursecompletion (member_id, course_id, completed_at)
            SELECT member_id, %s, now() FROM learning_lessonprogress
            WHERE completed_at IS NOT NULL GROUP BY member_id HAVING count(*) = %s
            """,
            [course_id, len(lesson_ids)],
        )
        cursor.execute(
            """
            INSERT INTO learning_creditrecord (member_id, source, source_id, title,
                hours, year, earned_at)
            SELECT member_id, 'course', course_id, '课程', 3.5, %s, now()
            FROM learning_coursecompletion
            UNION ALL
            SELECT id, 'session', 1, '培训', 30, %s, now()
            FROM learning_member WHERE id %% 3 = 0
            """,
            [year, year],
        )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM learning_lessonprogress")
        return cursor.fetchone()[0]


def build_content() -> tuple[list[int], object]:
    from django.utils import timezone

    from cms.models import (
        CourseLesson,
        CoursePage,
        HomePage,
        MicroLessonPage,
        SectionPage,
    )
    from learning.models import Assignment, Organisation

    home = HomePage.objects.get(depth=2)
    section = SectionPage(title="基准", slug="bench")
    home.add_child(instance=section)
    lessons = []
    for n in range(LESSONS):
        lesson = MicroLessonPage(title=f"微党课 {n}", slug=f"l{n}", duration=600)
        section.add_child(instance=lesson)
        lesson.save_revision().publish()
        lessons.append(lesson)
    course = CoursePage(title="基准课程", slug="bench-course")
    course.course_lessons = [
        CourseLesson(lesson=lesson, sort_order=i) for i, lesson in enumerate(lessons)
    ]
    section.add_child(instance=course)
    course.save_revision().publish()
    Assignment.objects.create(
        content=course,
        organisation=Organisation.objects.get(pk=1),
        deadline=timezone.localdate(),
    )
    return [lesson.pk for lesson in lessons], course


def timed(repeat: int, call) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    admin_url = os.environ.get(
        "BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    db_name = f"bench_report_{os.getpid()}"
    database_url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{db_name}"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
    }
    os.environ.update(env)
    admin_execute(admin_url, f'CREATE DATABASE "{db_name}"')
    try:
        progress("migrating", 0, 8)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection

        from learning.models import Member, Organisation
        from learning.selectors import report_build

        progress("3,000 organisations", 1, 8)
        build_organisations()
        progress("lessons and course", 2, 8)
        lesson_ids, course = build_content()
        progress("73,000 members", 3, 8)
        rows = build_people_and_progress(lesson_ids, course.pk)
        district = Organisation.objects.get(pk=1)
        subdistrict = Organisation.objects.get(pk=2)
        progress("timing the reports", 6, 8)

        def district_report():
            report = report_build(organisation=district, course=course)
            assert len(report.children) == SUBDISTRICTS

        seconds = timed(repeat, district_report)
        drill = timed(
            repeat, lambda: report_build(organisation=subdistrict, course=course)
        )
        year = timed(repeat, lambda: report_build(organisation=district))
        progress("baseline", 7, 8)

        def baseline():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM learning_lessonprogress")
                cursor.fetchone()

        base = timed(repeat, baseline)
        report = report_build(organisation=district, course=course)
        members = Member.objects.count()
        organisations = Organisation.objects.count()
        progress("done", 8, 8)
        connection.close()
    finally:
        admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    print(
        json.dumps(
            {
                "bench": "report",
                "seconds": round(seconds, 3),
                "drilldown_seconds": round(drill, 3),
                "year_seconds": round(year, 3),
                "baseline_seconds": round(base, 3),
                "ratio": round(seconds / base, 2) if base else 0,
                "members": members,
                "organisations": organisations,
                "progress_rows": rows,
                "coverage": report.total.coverage,
            }
        )
    )


if __name__ == "__main__":
    main()
