"""Branch life at district scale in PostgreSQL: the due/held/overdue overview.

A district of 3,000 organisations (district → 18 sub-districts → 222 communities →
2,759 branches) with 73,000 members and a year of meetings: per branch 12 支委会
(its committee of five), 36 党小组会 (three groups, monthly), 12 主题党日, 4 党员大会,
4 党课, a 组织生活会 and a 民主评议党员, every member asked to the rest; a few
meetings are missed here and there, some branches stop in the autumn and some never
hold a 党课, so the overview shows branches due and overdue; one meeting in 97 is
called off (取消). About 180,000 meetings and 2,500,000 attendance rows, built in
the database (``INSERT … SELECT`` over ``generate_series``, month by month under a
progress bar on standard error).

Times the district's overview and one sub-district's drill-down through the real
selector (``meetings.selectors.overview_build``, as ``GET
/api/v3/meetings/overview`` calls it) against the baseline: the same overview
computed in Python from the raw meeting rows of the subtree (every branch's
meetings fetched, counted and compared with its cadence one by one). The bench
checks both give the same answer. Also reports (does not assert) how long one
branch's yearly ledger PDF takes (``ledger_build`` and the PDF renderer). Prints one
JSON line last:

    {"bench":"ledger","seconds":..,"drilldown_seconds":..,"baseline_seconds":..,
     "ratio":..,"baseline_drilldown_seconds":..,"pdf_seconds":..,"meetings":..,
     "attendees":..,"members":..,"organisations":..,"branches":..}

Environment: BENCH_DATABASE_ADMIN_URL (default
postgres://postgres@127.0.0.1:5432/postgres), BENCH_REPEAT (3: the median of that
many runs is reported), BENCH_KEEP=1 (keep the database, named BENCH_DATABASE_NAME
or bench_ledger, and reuse it on the next run instead of building it again),
BENCH_DATABASE_NAME.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import admin_execute, progress  # noqa: E402 (after the path is set)
from bench.report import (  # noqa: E402
    SCALES,
    build_organisations,
    database_exists,
    timed,
)

STEPS = 8
SCALE = SCALES["district"]
GROUPS = 3  # 党小组 per branch, each meeting monthly
COMMITTEE = 5  # members of a branch's committee (支委会)
MEETING_HOUR = 19  # Beijing time


def year_and_day() -> tuple[int, date]:
    """The bench's year (this year) and the day the overview is asked for (20
    November: the autumn's missed meetings show as due and overdue)."""
    from django.utils import timezone

    year = timezone.localdate().year
    return year, date(year, 11, 20)


def schedule() -> dict[str, list]:
    """A branch's year: (kind, month, day, group) for every meeting it would hold
    if it missed none, as the columns of ``unnest``; ``group`` is the 党小组 of a
    党小组会 (else -1)."""
    rows = []
    for month in range(1, 13):
        rows.append(("committee", month, 5, -1))
        for group in range(GROUPS):
            rows.append(("group", month, 8 + 3 * group, group))
        rows.append(("theme_day", month, 18, -1))
    for month in (1, 4, 7, 10):
        rows.append(("general", month, 22, -1))
    for month in (2, 5, 8, 11):
        rows.append(("lecture", month, 25, -1))
    rows.append(("life", 6, 27, -1))
    rows.append(("appraisal", 11, 12, -1))
    kinds, months, days, groups = (list(column) for column in zip(*rows, strict=True))
    return {"kinds": kinds, "months": months, "days": days, "groups": groups}


def build_people() -> tuple[int, int]:
    """73,000 accounts and members, round the branches; a ranking of each branch's
    members (its committee first) in ``bench_rank``. Returns the first branch's id
    and the number of branches."""
    from django.db import connection
    from django.db.models import Count, Min

    from learning.models import Organisation

    branches = Organisation.objects.filter(kind="branch").aggregate(
        first=Min("pk"), count=Count("pk")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('learning_organisation', 'id'), %s)",
            [SCALE.organisations],
        )
        cursor.execute(
            """
            INSERT INTO auth_user (password, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined)
            SELECT '!', false, 'm' || g, '', '', '', false, true, now()
            FROM generate_series(1, %s) AS g
            """,
            [SCALE.members],
        )
        cursor.execute(
            """
            INSERT INTO learning_member (user_id, name, organisation_id, member_type)
            SELECT u.id, '党员' || u.id, %s + (u.id %% %s),
                CASE WHEN u.id %% 7 = 0 THEN 'retired'
                     WHEN u.id %% 11 = 0 THEN 'mobile' ELSE 'regular' END
            FROM auth_user u WHERE u.username LIKE 'm%%'
            """,
            [branches["first"], branches["count"]],
        )
        cursor.execute(
            """
            CREATE UNLOGGED TABLE bench_rank AS
            SELECT id AS member_id, organisation_id,
                row_number() OVER (PARTITION BY organisation_id ORDER BY id) - 1
                    AS rank
            FROM learning_member
            """
        )
        cursor.execute("CREATE INDEX ON bench_rank (organisation_id, rank)")
    return branches["first"], branches["count"]


def other_columns(model, given: str) -> tuple:
    """The columns of ``model``'s table that ``given`` (a column list) leaves out and
    that may not be NULL, with their defaults as literals: the bench's ``INSERT``s
    keep working when a column with a default is added."""
    from psycopg import sql

    named = {name.strip() for name in given.split(",")}
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.column in named:
            continue
        default = field.get_default()
        if default is None:
            raise SystemExit(f"the bench does not fill {model.__name__}.{field.name}")
        columns.append(sql.SQL(", ") + sql.Identifier(field.column))
        values.append(sql.SQL(", ") + sql.Literal(default))
    return sql.Composed(columns), sql.Composed(values)


def build_meetings(first_branch: int, branch_count: int, year: int) -> None:
    """The year of meetings and their attendees, month by month. Misses: about
    one meeting in 25 anywhere; every 15th branch holds nothing after August;
    every 40th never holds a 党课."""
    from django.db import connection
    from psycopg import sql

    from meetings.models import Attendee, Meeting

    meeting_columns = (
        "organisation_id, kind, theme, agenda, starts_at, ends_at, place, address, "
        "online_url, host_id, recorder_id, makeup_days, checkin_secret, created_at"
    )
    attendee_columns = (
        "meeting_id, member_id, guest, attendance, attended_at, attendance_reason, "
        "leave, leave_reason, leave_asked_at"
    )
    meeting_more = other_columns(Meeting, meeting_columns)
    attendee_more = other_columns(Attendee, attendee_columns)
    label = "meetings and attendance"
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        for month in range(1, 13):
            progress(label, month - 1, 12)
            meetings = sql.SQL(
                """
                INSERT INTO meetings_meeting ({columns}{more_columns})
                SELECT b.id, s.kind,
                    CASE WHEN s.grp >= 0 THEN '第' || (s.grp + 1) || '党小组 ' ELSE ''
                        END || s.month || '月' || s.kind,
                    '', t.starts_at, t.starts_at + interval '2 hours', 'address',
                    '党群服务中心', '', host.member_id, rec.member_id, 30,
                    md5(b.id || '-' || s.kind || '-' || s.day || '-' || s.month),
                    t.starts_at - interval '7 days'{more_values}
                FROM generate_series(%(first)s, %(last)s) AS b(id)
                CROSS JOIN unnest(%(kinds)s::text[], %(months)s::int[],
                    %(days)s::int[], %(groups)s::int[]) AS s(kind, month, day, grp)
                CROSS JOIN LATERAL (
                    SELECT make_timestamptz(%(year)s, s.month, s.day, %(hour)s,
                        0, 0, 'Asia/Shanghai') AS starts_at
                ) AS t
                JOIN bench_rank host ON host.organisation_id = b.id AND host.rank = 0
                JOIN bench_rank rec ON rec.organisation_id = b.id AND rec.rank = 1
                WHERE s.month = %(month)s
                  AND (b.id * 31 + s.day * 17 + s.month * 7) %% 25 <> 0
                  AND NOT (b.id %% 15 = 0 AND s.month > 8)
                  AND NOT (b.id %% 40 = 1 AND s.kind = 'lecture')
                """
            ).format(
                columns=sql.SQL(meeting_columns),
                more_columns=meeting_more[0],
                more_values=meeting_more[1],
            )
            cursor.execute(
                meetings,
                {
                    "first": first_branch,
                    "last": first_branch + branch_count - 1,
                    "year": year,
                    "month": month,
                    "hour": MEETING_HOUR,
                    **schedule(),
                },
            )
            # Who is asked: the committee to a 支委会, a group's members to its
            # 党小组会, everyone else to the rest. How it went: mostly checked in
            # by code, some online, 代签 and 补签, 送学上门, 补学 (党课 and 主题党日
            # only), approved leave, and a few absent.
            attendees = sql.SQL(
                """
                INSERT INTO meetings_attendee ({columns}{more_columns})
                SELECT m.id, r.member_id, false, a.attendance,
                    CASE WHEN a.attendance <> '' THEN m.starts_at END,
                    CASE WHEN a.attendance IN ('proxy', 'late_entry')
                        THEN '本人手机无法签到' ELSE '' END,
                    a.leave,
                    CASE WHEN a.leave <> '' THEN '因公出差' ELSE '' END,
                    CASE WHEN a.leave <> '' THEN m.starts_at - interval '1 day' END
                    {more_values}
                FROM meetings_meeting m
                JOIN bench_rank r ON r.organisation_id = m.organisation_id
                CROSS JOIN LATERAL (
                    SELECT (m.id * 7 + r.member_id * 13) %% 100 AS h
                ) AS x
                CROSS JOIN LATERAL (
                    SELECT CASE
                        WHEN x.h < 76 THEN 'code'
                        WHEN x.h < 81 THEN 'online'
                        WHEN x.h < 84 THEN 'proxy'
                        WHEN x.h < 85 THEN 'late_entry'
                        WHEN x.h < 87 THEN 'home_visit'
                        WHEN x.h < 90 AND m.kind IN ('lecture', 'theme_day')
                            THEN 'makeup'
                        ELSE '' END AS attendance,
                    CASE WHEN x.h >= 90 AND x.h < 96 THEN 'approved' ELSE '' END
                        AS leave
                ) AS a
                WHERE m.starts_at >= make_timestamptz(%(year)s, %(month)s, 1, 0, 0, 0,
                        'Asia/Shanghai')
                  AND m.starts_at < make_timestamptz(%(year)s, %(month)s, 1, 0, 0, 0,
                        'Asia/Shanghai') + interval '1 month'
                  AND CASE m.kind
                      WHEN 'committee' THEN r.rank < %(committee)s
                      WHEN 'group' THEN r.rank %% %(groups)s = (extract(day
                          FROM m.starts_at AT TIME ZONE 'Asia/Shanghai')::int - 8) / 3
                      ELSE true END
                """
            ).format(
                columns=sql.SQL(attendee_columns),
                more_columns=attendee_more[0],
                more_values=attendee_more[1],
            )
            cursor.execute(
                attendees,
                {
                    "year": year,
                    "month": month,
                    "committee": COMMITTEE,
                    "groups": GROUPS,
                },
            )
        progress(label, 12, 12)
        cursor.execute("DROP TABLE bench_rank")
        # A few meetings were called off (取消): they count as held nowhere.
        cursor.execute(
            "UPDATE meetings_meeting SET cancelled_at = starts_at - interval '2 days',"
            " cancel_reason = '与上级会议冲突' WHERE mod(id, 97) = 0"
        )


def build_settings_and_minutes(year: int) -> None:
    """Tighter cadences (the first sub-district holds 党课 every two months, one
    community of it 党员大会 every two) and minutes and a resolution for each
    meeting of the branch whose ledger PDF is timed."""
    from django.utils import timezone

    from learning.models import Organisation
    from meetings.models import Meeting, MeetingCadence, MinutesRevision, Resolution

    sub = Organisation.objects.filter(kind="subdistrict").order_by("path").first()
    community = Organisation.objects.filter(parent=sub).order_by("path").first()
    MeetingCadence.objects.create(organisation=sub, kind="lecture", months=2)
    MeetingCadence.objects.create(organisation=community, kind="general", months=2)
    branch = pdf_branch()
    now = timezone.now()
    meetings = list(Meeting.objects.filter(organisation=branch, starts_at__year=year))
    MinutesRevision.objects.bulk_create(
        MinutesRevision(
            meeting=meeting,
            number=1,
            text=f"会议围绕“{meeting.theme}”开展学习讨论，与会党员逐一发言。" * 3,
            written_at=now,
        )
        for meeting in meetings
    )
    Resolution.objects.bulk_create(
        Resolution(
            meeting=meeting,
            text="落实会议部署，按期报送学习体会",
            owner=meeting.host,
            due_on=timezone.localtime(meeting.starts_at).date(),
        )
        for meeting in meetings
    )


def pdf_branch():
    from learning.models import Organisation

    return Organisation.objects.filter(kind="branch").order_by("pk").first()


def build(env: dict[str, str]) -> None:
    progress("migrating", 0, STEPS)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=900,
    )  # fmt: skip
    import django

    django.setup()
    from django.db import connection

    year, _ = year_and_day()
    progress(f"{SCALE.organisations:,} organisations", 1, STEPS)
    build_organisations(SCALE)
    progress(f"{SCALE.members:,} members", 2, STEPS)
    first, count = build_people()
    build_meetings(first, count, year)
    progress("cadences and minutes", 4, STEPS)
    build_settings_and_minutes(year)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- the baseline ---------------------------------------------------------------


def overview_from_rows(organisation, *, year: int, on: date) -> dict:
    """The overview computed straightforwardly from the raw rows: every branch of
    the subtree, every meeting of theirs this year, every cadence setting, each
    fetched as it is stored; then per branch and kind, in Python, the meetings held
    up to ``on``, the last one, and the status against the cadence."""
    from datetime import datetime

    from django.db import connection
    from django.utils import timezone

    from learning.models import PATH_STEP
    from meetings.models import CADENCE_MONTHS, MeetingKind
    from meetings.selectors import kind_status

    tz = timezone.get_current_timezone()
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime.combine(on, datetime.max.time(), tzinfo=tz)
    like = organisation.path + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, path FROM learning_organisation "
            "WHERE path LIKE %s AND kind = 'branch'",
            [like],
        )
        branches = cursor.fetchall()
        cursor.execute(
            """
            SELECT m.organisation_id, m.kind, m.starts_at
            FROM meetings_meeting m JOIN learning_organisation o
                ON o.id = m.organisation_id
            WHERE o.path LIKE %s AND o.kind = 'branch'
              AND m.starts_at >= %s AND m.starts_at <= %s
              AND m.cancelled_at IS NULL
            """,
            [like, start, end],
        )
        meetings = cursor.fetchall()
        cursor.execute(
            "SELECT o.path, c.kind, c.months FROM meetings_meetingcadence c "
            "JOIN learning_organisation o ON o.id = c.organisation_id"
        )
        settings_rows = cursor.fetchall()
        cursor.execute(
            "SELECT code, path FROM learning_organisation WHERE parent_id = %s",
            [organisation.pk],
        )
        children = dict((path, code) for code, path in cursor.fetchall())
    held: dict[tuple[int, str], list] = {}
    for organisation_id, kind, starts_at in meetings:
        day = timezone.localtime(starts_at, tz).date()
        entry = held.setdefault((organisation_id, kind), [0, None])
        entry[0] += 1
        entry[1] = day if entry[1] is None else max(entry[1], day)
    width = len(organisation.path) + PATH_STEP

    def empty() -> dict:
        return {
            "branches": 0,
            "meetings_held": 0,
            "by_kind": {
                k: {"held": 0, "due": 0, "overdue": 0} for k in MeetingKind.values
            },
        }

    total = empty()
    rows = {code: empty() for code in children.values()}
    for branch_id, path in branches:
        months = dict(CADENCE_MONTHS)
        for setting_path, kind, value in settings_rows:
            if path.startswith(setting_path):
                months[kind] = min(months[kind], value)
        targets = [total]
        if path[:width] in children:
            targets.append(rows[children[path[:width]]])
        for kind in MeetingKind.values:
            n, last = held.get((branch_id, kind), (0, None))
            status = kind_status(
                kind=kind, months=months[kind], held=n, last_held=last, year=year, on=on
            ).status
            for target in targets:
                target["by_kind"][kind][status] += 1
                target["meetings_held"] += n
        for target in targets:
            target["branches"] += 1
    return {"total": total, "rows": rows}


def overview_as_dict(total, rows) -> dict:
    def figures(row) -> dict:
        return {
            "branches": row.branches,
            "meetings_held": row.meetings_held,
            "by_kind": row.by_kind,
        }

    return {
        "total": figures(total),
        "rows": {row.code: figures(row) for row in rows},
    }


def main() -> None:
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    keep = os.environ.get("BENCH_KEEP") == "1"
    admin_url = os.environ.get(
        "BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    db_name = os.environ.get("BENCH_DATABASE_NAME") or (
        "bench_ledger" if keep else f"bench_ledger_{os.getpid()}"
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
        started = time.perf_counter()
        if not reused:
            build(env)
        build_seconds = time.perf_counter() - started
        import django

        django.setup()
        from django.db import connection

        from dangke.pdf import pdf_render  # noqa: F401 (the renderer, warmed below)
        from learning.models import Member, Organisation
        from meetings.exports import ledger_response
        from meetings.models import Attendee, Meeting
        from meetings.selectors import ledger_build, overview_build

        year, on = year_and_day()
        top = Organisation.objects.get(pk=1)
        sub = Organisation.objects.filter(parent=top).order_by("path").first()
        progress("timing the overview", 5, STEPS)

        def ours(node):
            return overview_build(organisation=node, year=year, on=on)

        seconds = timed(repeat, lambda: ours(top))
        drill = timed(repeat, lambda: ours(sub))
        progress("baseline: the same from the raw rows", 6, STEPS)
        base = timed(repeat, lambda: overview_from_rows(top, year=year, on=on))
        base_drill = timed(repeat, lambda: overview_from_rows(sub, year=year, on=on))
        for node in (top, sub):
            mine = overview_as_dict(*ours(node))
            theirs = overview_from_rows(node, year=year, on=on)
            if mine != theirs:
                raise SystemExit(f"the overview and the raw rows differ for {node}")
        progress("a branch's ledger PDF", 7, STEPS)
        branch = pdf_branch()

        def pdf() -> int:
            ledger = ledger_build(organisation=branch, year=year, on=on)
            response = ledger_response(ledger, "pdf", actor=None, channel="command")
            return len(response.content)

        pdf()  # the font is read once per process
        pdf_seconds = timed(repeat, pdf)
        total, _ = ours(top)
        figures = {
            "meetings": Meeting.objects.count(),
            "attendees": Attendee.objects.count(),
            "members": Member.objects.count(),
            "organisations": Organisation.objects.count(),
            "branches": total.branches,
            "overdue_branch_kinds": sum(
                counts["overdue"] for counts in total.by_kind.values()
            ),
            "ledger_rows": len(ledger_build(organisation=branch, year=year).rows),
            "pdf_bytes": pdf(),
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
                "bench": "ledger",
                "seconds": round(seconds, 3),
                "drilldown_seconds": round(drill, 3),
                "baseline_seconds": round(base, 3),
                "ratio": round(seconds / base, 3) if base else 0,
                "baseline_drilldown_seconds": round(base_drill, 3),
                "pdf_seconds": round(pdf_seconds, 3),
                "build_seconds": None if reused else round(build_seconds, 1),
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
