"""The ledger (台账) as JSON, XLSX and PDF (the Chinese font embedded, the text
extractable), the cadence an organisation tightens, and the due/held/overdue
overview along the tree, scoped like the learning reports."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from dangke.models import AuditEntry
from meetings import selectors, services
from meetings.models import Meeting
from tests import factories
from tests.helpers import assert_problem, export_cells
from tests.services import in_ci

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)


def _held(people, tree, kind: str, day: date, *, branch="branch1", **extra):
    """A meeting of ``kind`` held on ``day`` (scheduled beforehand)."""
    organisation = tree[branch]
    host = people["host"] if branch == "branch1" else extra.pop("host")
    start = datetime.combine(day, datetime.min.time(), tzinfo=TZ) + timedelta(hours=9)
    plan = services.MeetingPlan(
        kind=kind,
        theme=extra.pop("theme", f"{kind} 主题"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="address",
        address="党群服务中心",
        host=host.pk,
        recorder=host.pk if branch != "branch1" else people["recorder"].pk,
        members=[host.pk] if kind == "committee" and branch != "branch1" else None,
        **extra,
    )
    if kind == "committee" and branch == "branch1":
        plan = services.MeetingPlan(
            **{**plan.__dict__, "members": [people["host"].pk, people["recorder"].pk]}
        )
    return services.meeting_schedule(
        user=people["district_admin"], organisation_code=organisation.code, plan=plan
    )


@pytest.fixture
def year_of_meetings(people, tree):
    general = _held(people, tree, "general", date(2026, 1, 10), theme="=SUM(A1)")
    _held(people, tree, "committee", date(2026, 1, 12))
    _held(people, tree, "lecture", date(2026, 2, 20))
    return general


def test_the_ledger_counts_from_the_records_alone(people, tree, year_of_meetings, api):
    meeting = year_of_meetings
    record = services.minutes_write(
        user=people["recorder"].user,
        meeting=meeting,
        text="传达学习，交流发言",
        base_revision=0,
        now=meeting.ends_at,
    )
    assert record.number == 1
    services.meeting_sign_in(
        user=people["recorder"].user,
        meeting=meeting,
        member_id=people["plain"].pk,
        reason="现场确认",
        now=meeting.starts_at,
    )
    ledger = api(people["secretary"]).get("/ledgers/B1/2026").json()
    first = ledger["rows"][0]
    assert (first["expected"], first["present"], first["absent"]) == (5, 1, 4)
    assert first["minutes"] == "传达学习，交流发言"
    assert [r["kind"] for r in ledger["rows"]] == ["general", "committee", "lecture"]
    kinds = {k["kind"]: k for k in ledger["kinds"]}
    assert (
        kinds["general"]["held"] == 1 and kinds["general"]["last_held"] == "2026-01-10"
    )
    assert_problem(api(people["other_admin"]).get("/ledgers/B1/2026"), 403)
    assert_problem(api(people["secretary"]).get("/ledgers/B1/2026?format=doc"), 400)
    assert_problem(api(people["secretary"]).get("/ledgers/B1/1900"), 400)


def test_the_ledger_as_xlsx_is_safe_and_audited(people, tree, year_of_meetings, api):
    response = api(people["secretary"]).get("/ledgers/B1/2026", format="xlsx")
    assert response.status_code == 200
    cells = export_cells(response, "xlsx")
    assert "'=SUM(A1)" in cells and "党员大会" in cells and "支委会" in cells
    entry = AuditEntry.objects.get(subject="meetings.ledger")
    assert entry.scope == {"organisation": "B1", "year": 2026, "format": "xlsx"}


def test_the_ledger_as_pdf_embeds_the_chinese_font(
    people, tree, year_of_meetings, api, tmp_path
):
    if not shutil.which("pdffonts"):
        if in_ci():
            pytest.fail(
                "CI=true but poppler-utils (pdffonts) is missing: make chromium"
            )
        pytest.skip("poppler-utils not installed (make chromium installs it)")
    response = api(people["secretary"]).get("/ledgers/B1/2026", format="pdf")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "ledger.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("yes" in row[-5:-3] for row in rows), fonts  # emb column
    assert any("NotoSansCJK" in row[0] for row in rows), fonts
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "2026 年组织生活台账" in text and "党员大会" in text and "支委会" in text
    assert AuditEntry.objects.filter(subject="meetings.ledger").count() == 1


def test_cadence_is_tightened_never_loosened(people, tree, api):
    secretary = api(people["secretary"])
    answer = assert_problem(
        secretary.put("/cadences/B1/general", {"months": 6}), 400, "cadence_looser"
    )
    assert "至少每 3 个月" in answer["detail"]
    assert_problem(
        api(people["other_admin"]).put("/cadences/B1/general", {"months": 2}), 403
    )
    assert secretary.put("/cadences/B1/general", {"months": 2}).status_code == 200
    months = selectors.cadence_months(organisation=tree["branch1"])
    assert months["general"] == 2 and months["lecture"] == 3


def test_overview_along_the_tree(people, tree, api):
    other_host = factories.member(organisation=tree["branch2"], username="host2")
    _held(people, tree, "general", date(2026, 3, 1))
    _held(people, tree, "general", date(2026, 1, 5), branch="branch2", host=other_host)
    district = api(people["district_admin"])
    response = district.get("/overview", organisation="D", year=2026, on="2026-05-15")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"]["branches"] == 2
    general = body["total"]["by_kind"]["general"]
    # B1 last met on 1 March: due by 1 June (near); B2 on 5 January: overdue.
    assert general == {"held": 0, "due": 1, "overdue": 1}
    assert body["total"]["by_kind"]["theme_day"]["overdue"] == 2
    rows = {row["organisation"]: row for row in body["rows"]}
    assert set(rows) == {"S1", "S2"} and rows["S1"]["drill"]
    assert rows["S2"]["by_kind"]["general"]["overdue"] == 1
    down = district.get("/overview", organisation="C1", year=2026, on="2026-05-15")
    assert [row["organisation"] for row in down.json()["rows"]] == ["B1"]
    # A tighter cadence set above holds below: monthly 党员大会 from the district.
    services.cadence_set(
        user=people["district_admin"], organisation=tree["district"],
        kind="general", months=1,
    )  # fmt: skip
    tighter = district.get("/overview", organisation="D", year=2026, on="2026-05-15")
    assert tighter.json()["total"]["by_kind"]["general"]["overdue"] == 2
    assert_problem(api(people["secretary"]).get("/overview", organisation="D"), 403)
    assert_problem(api(people["other_admin"]).get("/overview", organisation="S1"), 403)
    assert (
        api(people["other_admin"]).get("/overview", organisation="S2").status_code
        == 200
    )
    assert Meeting.objects.count() == 2
