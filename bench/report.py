"""Coverage reports at district or city scale in PostgreSQL.

SCALE=district (default): 73,000 members in 3,000 organisations (district → 18
sub-districts → 222 communities → branches), 1,000,000 lesson progress rows.
SCALE=city: 730,000 members in 30,000 organisations (city → 11 districts → 198
sub-districts → 2,442 communities → branches), 10,000,000 progress rows.

Creates a database of its own, migrates it, builds the data in the database
(``INSERT … SELECT`` over ``generate_series``, in chunks under a progress bar on
standard error), builds the report roll-ups from the records
(``learning.services.rollups_rebuild``, timed), then times the top-level course
coverage report with its per-child figures and laggards
(``learning.selectors.report_build``), a drill-down one level lower and the year
report, all from the roll-ups. The baseline is the same top-level report computed from
the member records (``from_records=True``); the bench checks both give the same
report. It also builds a year of training (one class per 25 organisations, two
sessions each, ~50 check-ins a session, completions; ``build_training``) and times
the 培训统计 page's figures (``figures.selectors.training_statistics``) of the top
node and of a child (``statistics_seconds``, ``statistics_drilldown_seconds``; the
target at city scale is at most 2 s). Prints one JSON line last:

    {"bench":"report","scale":..,"seconds":..,"drilldown_seconds":..,"year_seconds":..,
     "baseline_seconds":..,"ratio":..,"members":..,"organisations":..,
     "progress_rows":..,...}

Environment: SCALE (district | city), BENCH_DATABASE_ADMIN_URL (default
postgres://postgres@127.0.0.1:5432/postgres), BENCH_REPEAT (3: the median of that
many runs is reported), BENCH_KEEP=1 (keep the database, named
BENCH_DATABASE_NAME or bench_report_<scale>, and reuse it on the next run instead of
building it again), BENCH_DATABASE_NAME, BENCH_PART=statistics (only the 培训统计
figures, over organisations, members and training without lesson progress: a quick
run at city scale; its baseline is one query counting the subtree's check-ins).
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import admin_execute, progress  # noqa: E402 (after the path is set)

LESSONS = 14
STEPS = 10


@dataclass(frozen=True)
class Scale:
    top_kind: str
    top_name: str
    districts: int  # children of the top node that are districts (0: top is one)
    subdistricts: int
    communities: int
    organisations: int
    members: int
    chunks: int  # progress rows are inserted in this many chunks


SCALES = {
    "district": Scale("district", "区委", 0, 18, 222, 3_000, 73_000, 10),
    "city": Scale("district", "市委", 11, 198, 2_442, 30_000, 730_000, 40),
}


def build_organisations(scale: Scale) -> None:
    from learning.models import Organisation, path_segment

    rows = []
    paths: dict[int, str] = {}

    def add(pk: int, parent: int | None, kind: str, name: str) -> None:
        path = (paths[parent] if parent else "") + path_segment(pk)
        paths[pk] = path
        rows.append(
            Organisation(
                pk=pk,
                code=f"O{pk:06d}",
                name=name,
                kind=kind,
                parent_id=parent,
                path=path,
                depth=len(path) // 6,
            )  # fmt: skip
        )

    add(1, None, scale.top_kind, scale.top_name)
    next_pk = 2
    parents = [1]
    if scale.districts:
        parents = list(range(next_pk, next_pk + scale.districts))
        for n, pk in enumerate(parents):
            add(pk, 1, "district", f"区 {n + 1}")
        next_pk += scale.districts
    level = [
        (scale.subdistricts, "subdistrict", "街道"),
        (scale.communities, "community", "社区"),
    ]
    for count, kind, label in level:
        first = next_pk
        for n in range(count):
            add(first + n, parents[n % len(parents)], kind, f"{label} {n + 1}")
        parents = list(range(first, first + count))
        next_pk += count
    for n in range(scale.organisations - next_pk + 1):
        add(next_pk + n, parents[n % len(parents)], "branch", f"支部 {n + 1}")
    Organisation.objects.bulk_create(rows, batch_size=2000)


def build_people_and_progress(
    scale: Scale,
    lesson_ids: list[int],
    course_id: int,
    step: int,
    *,
    with_progress: bool = True,
) -> int:
    from django.db import connection
    from django.db.models import Count, Min
    from django.utils import timezone

    from learning.models import Organisation

    year = timezone.localdate().year
    # Branches have consecutive ids (build_organisations); members go round them.
    branches = Organisation.objects.filter(kind="branch").aggregate(
        first=Min("pk"), count=Count("pk")
    )
    first_branch, count = branches["first"], branches["count"]
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('learning_organisation', 'id'), %s)",
            [scale.organisations],
        )
        cursor.execute(
            """
            INSERT INTO auth_user (password, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined)
            SELECT '!', false, 'm' || g, '', '', '', false, true, now()
            FROM generate_series(1, %s) AS g
            """,
            [scale.members],
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
            [first_branch, count],
        )
        cursor.execute("SELECT min(id), max(id) FROM learning_member")
        low, high = cursor.fetchone()
        size = (high - low) // scale.chunks + 1
        label = f"{scale.members * LESSONS * 98 // 100:,} progress rows"
        for chunk in range(scale.chunks if with_progress else 0):
            progress(label, chunk, scale.chunks)
            start = low + chunk * size
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
                FROM generate_series(%s, %s) AS m(id)
                CROSS JOIN unnest(%s::bigint[]) WITH ORDINALITY AS l(id, n)
                WHERE (m.id * 7 + l.n) %% 100 < 98
                """,
                [start, min(start + size - 1, high), lesson_ids],
            )
        if with_progress:
            progress(label, scale.chunks, scale.chunks)
        progress("completions and 学时", step, STEPS)
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


def build_content(top) -> tuple[list[int], object]:
    from django.utils import timezone

    from cms.models import (
        CourseLesson,
        CoursePage,
        HomePage,
        MicroLessonPage,
        SectionPage,
    )
    from learning.models import Assignment

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
        content=course, organisation=top, deadline=timezone.localdate()
    )
    return [lesson.pk for lesson in lessons], course


def build_training(scale: Scale) -> int:
    """A year of training for the statistics page (``figures``), at the seeds'
    rate (Zhongshan: 1,214 classes and 119,000 member-times a year): one class per
    25 organisations, run by the sub-districts and communities, two sessions each
    this year with about 50 check-ins per session (one 学时 each) and a completion
    of 4 学时 for the first 25 attendees; a filed plan per sub-district with a line
    of each kind. Returns the number of classes."""
    from datetime import datetime
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from learning.models import Organisation, TrainingClass, TrainingSession
    from training.models import PlanLine, TrainingKind, TrainingPlan

    year = timezone.localdate().year
    tz = timezone.get_current_timezone()
    hosts = list(
        Organisation.objects.filter(kind__in=["subdistrict", "community"])
        .order_by("pk")
        .values_list("pk", "parent_id", "kind")
    )
    subdistricts = [pk for pk, _parent, kind in hosts if kind == "subdistrict"]
    lines: dict[int, list[int]] = {}
    kinds = [k for k, _label in TrainingKind.choices]
    groups = [
        ["secretary", "committee"],
        ["ordinary"],
        ["mobile", "infirm"],
        ["ordinary"],
    ]
    for pk in subdistricts:
        plan = TrainingPlan.objects.create(
            organisation_id=pk, year=year, title="年度培训计划", status="filed"
        )
        lines[pk] = [
            PlanLine.objects.create(
                plan=plan, title=f"培训项目 {n + 1}", kind=kind,
                target_groups=groups[n], planned_classes=2, planned_people=200,
                planned_hours=Decimal("8"), months=[3, 6, 9],
            ).pk
            for n, kind in enumerate(kinds)
        ]  # fmt: skip
    count = scale.organisations // 25
    classes = []
    for n in range(count):
        pk, parent, kind = hosts[n % len(hosts)]
        owner = pk if kind == "subdistrict" else parent
        line = lines.get(owner, [None] * 4)[n % 4] if n % 5 else None  # some unplanned
        classes.append(
            TrainingClass(
                title=f"培训班 {n + 1}", organisation_id=pk, plan_line_id=line
            )
        )
    classes = TrainingClass.objects.bulk_create(classes, batch_size=2000)
    sessions = []
    for n, klass in enumerate(classes):
        month = 1 + n % max(1, timezone.localdate().month - 1)
        for day in (10, 11):
            starts = datetime(year, month, day, 9, tzinfo=tz)
            sessions.append(
                TrainingSession(
                    training_class=klass,
                    title=f"第{day - 9}讲",
                    starts_at=starts,
                    ends_at=starts.replace(hour=11),
                    credit_hours=Decimal("1"),
                )  # fmt: skip
            )
    with connection.cursor() as cursor:
        # The members' made-up credit records above name session 1: ours start
        # higher, so they are not counted as this year's training.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('learning_trainingsession', 'id'),"
            " 100000)"
        )
    TrainingSession.objects.bulk_create(sessions, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM learning_member")
        low, high = cursor.fetchone()
        span = high - low + 1
        # About 50 attendees per class, the same for both sessions.
        cursor.execute(
            """
            INSERT INTO learning_attendance (member_id, session_id, checked_in_at)
            SELECT %(low)s + ((s.training_class_id * 50 + g) %% %(span)s), s.id,
                s.starts_at
            FROM learning_trainingsession s, generate_series(0, 49) AS g
            """,
            {"low": low, "span": span},
        )
        cursor.execute(
            """
            INSERT INTO learning_creditrecord (member_id, source, source_id, title,
                hours, year, earned_at)
            SELECT a.member_id, 'session', a.session_id, '培训', 1, %(year)s,
                a.checked_in_at
            FROM learning_attendance a
            """,
            {"year": year},
        )
        cursor.execute(
            """
            INSERT INTO learning_classcompletion (training_class_id, member_id, hours,
                completed_at)
            SELECT c.id, %(low)s + ((c.id * 50 + g) %% %(span)s), 4, now()
            FROM learning_trainingclass c, generate_series(0, 24) AS g
            """,
            {"low": low, "span": span},
        )
        cursor.execute("ANALYZE")
    return count


def timed(repeat: int, call) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def database_exists(admin_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def build(scale: Scale, env: dict[str, str]) -> float:
    """Migrate and fill the database; returns the seconds the roll-ups took."""
    progress("migrating", 0, STEPS)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=900,
    )  # fmt: skip
    import django

    django.setup()
    from learning import services
    from learning.models import Organisation

    progress(f"{scale.organisations:,} organisations", 1, STEPS)
    build_organisations(scale)
    progress("lessons and course", 2, STEPS)
    lesson_ids, course = build_content(Organisation.objects.get(pk=1))
    progress(f"{scale.members:,} members", 3, STEPS)
    build_people_and_progress(scale, lesson_ids, course.pk, 5)
    progress("roll-ups from the records", 6, STEPS)
    started = time.perf_counter()
    services.rollups_rebuild()
    return time.perf_counter() - started


def statistics_only(scale_name: str, scale: Scale, repeat: int, admin_url: str) -> None:
    """``BENCH_PART=statistics``: organisations, members (no lesson progress) and a
    year of training only, then the 培训统计 figures of the top node and a child,
    against the one query the page cannot beat (counting the subtree's
    check-ins). Prints its own JSON line."""
    db_name = f"bench_report_statistics_{os.getpid()}"
    database_url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{db_name}"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
    }
    os.environ.update(env)
    admin_execute(admin_url, f'CREATE DATABASE "{db_name}"')
    try:
        progress("migrating", 0, STEPS)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT, env=env, check=True, timeout=900,
        )  # fmt: skip
        import django

        django.setup()
        from django.db import connection
        from django.utils import timezone

        from figures.selectors import training_statistics
        from learning.models import Attendance, Organisation

        progress(f"{scale.organisations:,} organisations", 1, STEPS)
        build_organisations(scale)
        lesson_ids, course = build_content(Organisation.objects.get(pk=1))
        progress(f"{scale.members:,} members", 3, STEPS)
        build_people_and_progress(scale, lesson_ids, course.pk, 5, with_progress=False)
        progress("a year of training classes", 6, STEPS)
        build_training(scale)
        top = Organisation.objects.get(pk=1)
        child = Organisation.objects.filter(parent=top).order_by("path").first()
        year = timezone.localdate().year
        progress("timing the training statistics", 7, STEPS)
        seconds = timed(
            repeat, lambda: training_statistics(organisation=top, year=year)
        )
        drill = timed(
            repeat, lambda: training_statistics(organisation=child, year=year)
        )
        from training.selectors import plan_against_actual

        plan_part = timed(
            repeat, lambda: plan_against_actual(organisation=top, year=year)
        )
        if os.environ.get("BENCH_PROFILE") == "1":
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(training_statistics, organisation=top, year=year)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(
                "cumulative"
            ).print_stats(25)
        base = timed(
            repeat,
            lambda: Attendance.objects.filter(
                session__training_class__organisation__path__startswith=top.path
            ).count(),
        )
        stats = training_statistics(organisation=top, year=year)
        progress("done", STEPS, STEPS)
        connection.close()
    finally:
        admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    print(
        json.dumps(
            {
                "bench": "report",
                "part": "statistics",
                "scale": scale_name,
                "statistics_seconds": round(seconds, 3),
                "statistics_drilldown_seconds": round(drill, 3),
                "plan_against_actual_seconds": round(plan_part, 3),
                "baseline_seconds": round(base, 3),
                "ratio": round(seconds / base, 3) if base else 0,
                "organisations": scale.organisations,
                "members": scale.members,
                "training_classes": stats.classes,
                "training_sessions": stats.sessions,
                "training_people_times": stats.people_times,
                "training_hours": str(stats.hours),
            }
        )
    )


def main() -> None:
    scale_name = os.environ.get("SCALE", "district")
    if scale_name not in SCALES:
        sys.exit(f"SCALE must be one of {', '.join(SCALES)}, not {scale_name!r}")
    scale = SCALES[scale_name]
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    keep = os.environ.get("BENCH_KEEP") == "1"
    admin_url = os.environ.get(
        "BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    if os.environ.get("BENCH_PART") == "statistics":
        statistics_only(scale_name, scale, repeat, admin_url)
        return
    db_name = os.environ.get("BENCH_DATABASE_NAME") or (
        f"bench_report_{scale_name}" if keep else f"bench_report_{os.getpid()}"
    )
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
    reused = keep and database_exists(admin_url, db_name)
    if not reused:
        admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{db_name}"')
        admin_execute(admin_url, f'CREATE DATABASE "{db_name}"')
    try:
        rollup_seconds = None if reused else build(scale, env)
        import django

        django.setup()
        from django.db import connection

        from cms.models import CoursePage
        from learning.models import LessonProgress, Member, Organisation
        from learning.selectors import report_build

        top = Organisation.objects.get(pk=1)
        child = Organisation.objects.filter(parent=top).order_by("path").first()
        course = CoursePage.objects.get(slug="bench-course")
        from django.utils import timezone

        from figures.selectors import training_statistics
        from learning.models import TrainingClass

        if not TrainingClass.objects.exists():  # a kept database from before
            progress("a year of training classes", 6, STEPS)
            build_training(scale)
        this_year = timezone.localdate().year
        progress("timing the training statistics", 7, STEPS)
        stats_seconds = timed(
            repeat, lambda: training_statistics(organisation=top, year=this_year)
        )
        stats_drill = timed(
            repeat, lambda: training_statistics(organisation=child, year=this_year)
        )
        stats = training_statistics(organisation=top, year=this_year)
        progress("timing the reports", 7, STEPS)

        def top_report(**kwargs):
            return report_build(organisation=top, course=course, **kwargs)

        seconds = timed(repeat, top_report)
        drill = timed(repeat, lambda: report_build(organisation=child, course=course))
        year = timed(repeat, lambda: report_build(organisation=top))
        progress("baseline: the same reports from the records", 8, STEPS)
        base = timed(repeat, lambda: top_report(from_records=True))
        base_drill = timed(
            repeat,
            lambda: report_build(organisation=child, course=course, from_records=True),
        )
        base_year = timed(
            repeat, lambda: report_build(organisation=top, from_records=True)
        )
        for kwargs in ({"course": course}, {}):
            for node in (top, child):
                pair = [
                    report_build(
                        organisation=node, from_records=raw, **kwargs
                    ).as_dict()
                    for raw in (False, True)
                ]
                if pair[0] != pair[1]:
                    raise SystemExit(f"roll-up and record reports differ for {node}")
        report = top_report()
        figures = {
            "members": Member.objects.count(),
            "organisations": Organisation.objects.count(),
            "progress_rows": LessonProgress.objects.count(),
            "coverage": report.total.coverage,
            # 培训统计 (figures.selectors.training_statistics) of the top node and
            # of its first child, from the records (target: at most 2 s at city scale).
            "statistics_seconds": round(stats_seconds, 3),
            "statistics_drilldown_seconds": round(stats_drill, 3),
            "training_classes": stats.classes,
            "training_people_times": stats.people_times,
        }
        progress("done", STEPS, STEPS)
        connection.close()
    finally:
        if not keep:
            admin_execute(
                admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'
            )
    print(
        json.dumps(
            {
                "bench": "report",
                "scale": scale_name,
                "seconds": round(seconds, 3),
                "drilldown_seconds": round(drill, 3),
                "year_seconds": round(year, 3),
                "baseline_seconds": round(base, 3),
                "ratio": round(seconds / base, 3) if base else 0,
                "baseline_drilldown_seconds": round(base_drill, 3),
                "baseline_year_seconds": round(base_year, 3),
                "rollup_build_seconds": (
                    round(rollup_seconds, 1) if rollup_seconds is not None else None
                ),
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
