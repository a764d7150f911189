"""Meetings API: branch life (组织生活) — scheduling, leave, check-in, 代签/补签,
minutes, resolutions, 送学上门, 补学, the ledger and the overview along the tree.

Thin: who may do what is decided in ``meetings.services`` and
``meetings.selectors``; refusals are raised there and answered as problem
documents by ``dangke.api_errors``.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import File, Router, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.security import django_auth

from dangke.api_bodies import multipart_form_problem
from dangke.api_errors import error_responses
from dangke.exports import XLSX_TYPE, export_format_check
from dangke.pdf import PDF_TYPE
from dangke.tokens import TokenAuth
from meetings import selectors, services
from meetings.errors import InvalidMeeting
from meetings.exports import ledger_response
from meetings.models import Attendee, Meeting, MeetingKind
from meetings.schemas import (
    AttachmentListOut,
    AttachmentOut,
    CadenceIn,
    CadenceOut,
    CancelIn,
    CheckinCodeOut,
    CheckinIn,
    FilingOut,
    HomeVisitIn,
    HomeVisitOut,
    LeaveDecisionIn,
    LeaveIn,
    LedgerOut,
    MeetingIn,
    MeetingListOut,
    MeetingOut,
    MinutesIn,
    MinutesOut,
    MinutesRevisionOut,
    OverviewOut,
    PartyGroupIn,
    PartyGroupListOut,
    PartyGroupMembersIn,
    PartyGroupOut,
    RescheduleIn,
    ResolutionIn,
    ResolutionOut,
    SignInIn,
)
from meetings.services import ATTACHMENT_TYPES

router = Router(tags=["meetings"], auth=[TokenAuth(), django_auth])

LEDGER_FORMATS = ("json", "xlsx", "pdf")


def meeting_out(request: HttpRequest, meeting: Meeting) -> dict:
    """A meeting as ``MeetingOut`` for the caller (also used by the portal)."""
    user = request.user
    may_manage = selectors.meeting_is_managed_by(user=user, meeting=meeting)
    mine = selectors.meeting_attendee(user=user, meeting=meeting)
    runs = selectors.meeting_is_run_by(user=user, meeting=meeting)
    opens, _ = selectors.meeting_checkin_window(meeting=meeting)
    state = selectors.meeting_state(meeting=meeting)
    return {
        "id": meeting.pk,
        "organisation": meeting.organisation.code,
        "organisation_name": meeting.organisation.name,
        "kind": meeting.kind,
        "kind_label": meeting.get_kind_display(),
        "theme": meeting.theme,
        "agenda": meeting.agenda,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "checkin_opens_at": opens,
        "place": meeting.place,
        "place_label": meeting.get_place_display(),
        "teaching_site": meeting.teaching_site.title if meeting.teaching_site else "",
        "address": meeting.address,
        "online_url": meeting.online_url,
        "host": meeting.host.name,
        "recorder": meeting.recorder.name,
        "makeup_lesson": meeting.makeup_lesson_id,
        "makeup_until": (
            meeting.ends_at + timedelta(days=meeting.makeup_days)
            if meeting.makeup_lesson_id
            else None
        ),
        "mine": _mine(mine) if mine else None,
        "may_manage": may_manage,
        "is_recorder": meeting.recorder.user_id == user.pk,
        "attendees": [_attendee(a) for a in _attendees(meeting)] if runs else None,
        "party_group": meeting.party_group_id,
        "party_group_name": meeting.party_group.name if meeting.party_group else "",
        "state": state,
        "state_label": selectors.MEETING_STATE_LABELS[state],
        "original_starts_at": meeting.original_starts_at,
        "reschedule_reason": meeting.reschedule_reason,
        "cancelled_at": meeting.cancelled_at,
        "cancel_reason": meeting.cancel_reason,
    }


def _mine(attendee: Attendee) -> dict:
    return {
        "guest": attendee.guest,
        "attendance": attendee.attendance,
        "attendance_label": attendee.get_attendance_display(),
        "attended_at": attendee.attended_at,
        "leave": attendee.leave,
        "leave_label": attendee.get_leave_display(),
        "leave_reason": attendee.leave_reason,
    }


def _attendees(meeting: Meeting):
    return meeting.attendees.select_related("member").order_by("guest", "member__name")


def _attendee(attendee: Attendee) -> dict:
    return {
        "member": attendee.member_id,
        "name": attendee.member.name,
        "guest": attendee.guest,
        "attendance": attendee.attendance,
        "attendance_label": attendee.get_attendance_display(),
        "attended_at": attendee.attended_at,
        "attendance_reason": attendee.attendance_reason,
        "leave": attendee.leave,
        "leave_reason": attendee.leave_reason,
    }


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return selectors.meeting_for_user(user=request.user, meeting_id=meeting_id)


@router.post(
    "/",
    response={201: MeetingOut, **error_responses(400, 403, 404)},
    operation_id="meetings_meeting_create",
    summary="Schedule a meeting (三会一课, 主题党日, 组织生活会, 民主评议党员)",
    description=(
        "For organisation administrators of the organisation or a level above. "
        "Attendees are the organisation's members unless `members` lists them (a "
        "支委会 must); `guests` sit in (列席). Every attendee gets a notice in the "
        "portal and a reminder before the meeting."
    ),
)
def meeting_create(request: HttpRequest, payload: MeetingIn):
    plan = services.MeetingPlan(
        **payload.dict(exclude={"organisation", "guests"}),
        guests=tuple(payload.guests),
    )
    meeting = services.meeting_schedule(
        user=request.user, organisation_code=payload.organisation, plan=plan
    )
    return Status(201, meeting_out(request, _meeting(request, meeting.pk)))


@router.get(
    "/",
    response={200: MeetingListOut, **error_responses(400, 403, 404)},
    operation_id="meetings_meeting_list",
    summary="Meetings: one's own, or an organisation's (administrators)",
    description=(
        "Without `organisation`: the meetings the signed-in member is asked to. "
        "With it: that organisation's meetings (administrators of its subtree)."
    ),
)
def meeting_list(
    request: HttpRequest, organisation: str | None = None, year: int | None = None
):
    if year is not None:
        _year_check(year)
    if organisation is not None:
        node = services.organisation_managed(user=request.user, code=organisation)
        meetings = selectors.meetings_visible_to(user=request.user).filter(
            organisation=node
        )
        if year:
            meetings = meetings.filter(starts_at__year=year)
        meetings = meetings.order_by("starts_at", "pk")
    else:
        member = selectors.member_required(user=request.user)
        meetings = selectors.meetings_for_member(member=member, year=year)
    return Status(200, {"items": [meeting_out(request, m) for m in meetings[:500]]})


@router.get(
    "/overview",
    response={200: OverviewOut, **error_responses(400, 403, 404)},
    operation_id="meetings_overview",
    summary="Due, held and overdue meetings along the organisation tree",
    description=(
        "For `organisation` (its code) and `year`: per child organisation, how "
        "many branches held each kind of meeting in time, have one due within 30 "
        "days, or are overdue against their cadence on `on` (today by default). "
        "Drill down by a row's code. Administrators see their subtree only."
    ),
)
def overview(
    request: HttpRequest,
    organisation: str,
    year: int | None = None,
    on: date | None = None,
):
    if year is not None:
        _year_check(year)
    node = services.organisation_managed(user=request.user, code=organisation)
    on = on or timezone.localdate()
    year = year or on.year
    if year != on.year:
        on = min(on, date(year, 12, 31))
    total, rows = selectors.overview_build(organisation=node, year=year, on=on)

    def row_out(row) -> dict:
        return {
            "organisation": row.code,
            "name": row.name,
            "drill": row.organisation_id is not None and row.organisation_id != node.pk,
            "branches": row.branches,
            "meetings_held": row.meetings_held,
            "by_kind": row.by_kind,
        }

    return Status(
        200,
        {
            "year": year,
            "on": on,
            "total": row_out(total),
            "rows": [row_out(r) for r in rows],
        },
    )


@router.get(
    "/ledgers/{organisation}/{year}",
    response={200: LedgerOut, **error_responses(400, 403, 404)},
    operation_id="meetings_ledger",
    openapi_extra={
        "responses": {
            200: {
                "content": {
                    XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                    PDF_TYPE: {"schema": {"type": "string", "format": "binary"}},
                }
            }
        }
    },
    summary="The ledger (台账) of an organisation's year",
    description=(
        "Every meeting with kind, date, theme, 应到/实到/请假/缺席/补学/送学上门, "
        "minutes and resolutions, and each kind against the cadence. `format=xlsx` "
        "or `pdf` downloads it (the export is audited)."
    ),
)
def ledger(request: HttpRequest, organisation: str, year: int, format: str = "json"):
    node = services.organisation_managed(user=request.user, code=organisation)
    export_format_check(format, allowed=LEDGER_FORMATS)
    _year_check(year)
    built = selectors.ledger_build(organisation=node, year=year)
    if format != "json":
        return ledger_response(built, format, actor=request.user, channel="api")
    return Status(
        200,
        {
            "organisation": node.code,
            "organisation_name": node.name,
            "year": year,
            "filed_at": built.filed.filed_at if built.filed else None,
            "rows": [
                {
                    "meeting": row.meeting.pk,
                    "kind": row.meeting.kind,
                    "kind_label": row.meeting.get_kind_display(),
                    "starts_at": row.meeting.starts_at,
                    "theme": row.meeting.theme,
                    "expected": row.expected,
                    "present": row.present,
                    "online": row.online,
                    "leave": row.leave,
                    "absent": row.absent,
                    "makeup": row.makeup,
                    "home_visit": row.home_visit,
                    "minutes": row.minutes.text if row.minutes else "",
                    "minutes_revision": row.minutes.number if row.minutes else None,
                    "resolutions": [_resolution(r) for r in row.resolutions],
                    "cancelled": row.meeting.cancelled_at is not None,
                    "party_group": row.meeting.party_group.name
                    if row.meeting.party_group
                    else "",
                    "attachments": [a.name for a in row.attachments],
                }
                for row in built.rows
            ],
            "groups": [
                {"id": group.pk, "name": group.name, "held": held}
                for group, held in built.groups
            ],
            "kinds": [
                {
                    "kind": k.kind,
                    "kind_label": MeetingKind(k.kind).label,
                    "held": k.held,
                    "last_held": k.last_held,
                    "due_by": k.due_by,
                    "status": k.status,
                }
                for k in built.kinds
            ],
        },
    )


def _year_check(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise InvalidMeeting("year 须在 2000 到 2100 之间", code="invalid_year")


@router.post(
    "/ledgers/{organisation}/{year}/filing",
    response={201: FilingOut, **error_responses(400, 403, 404, 409)},
    operation_id="meetings_ledger_file",
    summary="File (归档) the ledger of an organisation's year",
    description=(
        "The minutes as they are now are kept as filed; later changes become new "
        "revisions that need a note."
    ),
)
def ledger_file(request: HttpRequest, organisation: str, year: int):
    node = services.organisation_managed(user=request.user, code=organisation)
    _year_check(year)
    filing = services.ledger_file(user=request.user, organisation=node, year=year)
    return Status(
        201, {"organisation": node.code, "year": year, "filed_at": filing.filed_at}
    )


@router.put(
    "/cadences/{organisation}/{kind}",
    response={200: CadenceOut, **error_responses(400, 403, 404)},
    operation_id="meetings_cadence_set",
    summary="Tighten the cadence of a kind of meeting for an organisation",
)
def cadence_set(request: HttpRequest, organisation: str, kind: str, payload: CadenceIn):
    node = services.organisation_managed(user=request.user, code=organisation)
    cadence = services.cadence_set(
        user=request.user, organisation=node, kind=kind, months=payload.months
    )
    return Status(
        200, {"organisation": node.code, "kind": cadence.kind, "months": cadence.months}
    )


def _party_group_out(group) -> dict:
    return {
        "id": group.pk,
        "organisation": group.organisation.code,
        "name": group.name,
        "leader": group.leader_id,
        "leader_name": group.leader.name if group.leader else "",
        "members": [
            {"id": m.pk, "name": m.name} for m in group.members.order_by("name", "pk")
        ],
    }


@router.get(
    "/groups",
    response={200: PartyGroupListOut, **error_responses(403, 404)},
    operation_id="meetings_party_group_list",
    summary="The party groups (党小组) of a branch (administrators of its subtree)",
)
def party_group_list(request: HttpRequest, organisation: str):
    node = services.organisation_managed(user=request.user, code=organisation)
    groups = selectors.party_groups_in_scope(user=request.user).filter(
        organisation=node
    )
    return Status(200, {"items": [_party_group_out(g) for g in groups]})


@router.post(
    "/groups",
    response={201: PartyGroupOut, **error_responses(400, 403, 404)},
    operation_id="meetings_party_group_create",
    summary="Create a party group (党小组) of a branch with its members and leader",
    description=(
        "A 党小组会 of a branch with groups names its group (`party_group`); its "
        "attendees are then the group's members unless `members` lists them."
    ),
)
def party_group_create(request: HttpRequest, payload: PartyGroupIn):
    group = services.party_group_create(
        user=request.user,
        organisation_code=payload.organisation,
        name=payload.name,
        member_ids=payload.members,
        leader_id=payload.leader,
    )
    return Status(201, _party_group_out(group))


@router.put(
    "/groups/{group_id}/members",
    response={200: PartyGroupOut, **error_responses(400, 403, 404)},
    operation_id="meetings_party_group_members_set",
    summary="Set a party group's members and leader",
)
def party_group_members_set(
    request: HttpRequest, group_id: int, payload: PartyGroupMembersIn
):
    group = services.party_group_managed(user=request.user, group_id=group_id)
    group = services.party_group_members_set(
        user=request.user,
        group=group,
        member_ids=payload.members,
        leader_id=payload.leader,
    )
    return Status(200, _party_group_out(group))


@router.get(
    "/{meeting_id}",
    response={200: MeetingOut, **error_responses(404)},
    operation_id="meetings_meeting_detail",
    summary="A meeting one is asked to or manages",
)
def meeting_detail(request: HttpRequest, meeting_id: int):
    return Status(200, meeting_out(request, _meeting(request, meeting_id)))


@router.post(
    "/{meeting_id}/leave",
    response={200: MeetingOut, **error_responses(400, 403, 404, 409)},
    operation_id="meetings_leave_request",
    summary="Ask for leave (请假) with a reason, before the meeting",
)
def leave_request(request: HttpRequest, meeting_id: int, payload: LeaveIn):
    meeting = _meeting(request, meeting_id)
    services.leave_request(user=request.user, meeting=meeting, reason=payload.reason)
    return Status(200, meeting_out(request, meeting))


@router.post(
    "/{meeting_id}/leave/{member_id}",
    response={200: MeetingOut, **error_responses(400, 403, 404, 409)},
    operation_id="meetings_leave_decide",
    summary="Approve or refuse a member's leave (the host or an administrator)",
)
def leave_decide(
    request: HttpRequest, meeting_id: int, member_id: int, payload: LeaveDecisionIn
):
    meeting = _meeting(request, meeting_id)
    services.leave_decide(
        user=request.user, meeting=meeting, member_id=member_id, approve=payload.approve
    )
    return Status(200, meeting_out(request, meeting))


@router.get(
    "/{meeting_id}/checkin-code",
    response={200: CheckinCodeOut, **error_responses(403, 404, 409)},
    operation_id="meetings_checkin_code",
    summary="The meeting's rotating check-in code and its QR URL",
    description=(
        "For the host, the recorder and administrators, to show at the meeting. "
        "`checkin_url` (for the QR code) is the portal's https page that checks in "
        "after sign-in."
    ),
)
def checkin_code(request: HttpRequest, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    code, expires_at = services.meeting_checkin_code(user=request.user, meeting=meeting)
    return Status(
        200,
        {
            "code": code,
            "expires_at": expires_at,
            "checkin_url": services.meeting_checkin_url(
                meeting=meeting, request=request, code=code
            ),
        },
    )


@router.post(
    "/{meeting_id}/checkins",
    response={201: MeetingOut, **error_responses(400, 403, 404, 429)},
    operation_id="meetings_checkin_create",
    summary="Check in at a meeting one is asked to, with its rotating code",
)
def checkin_create(request: HttpRequest, meeting_id: int, payload: CheckinIn):
    meeting = _meeting(request, meeting_id)
    services.meeting_check_in(
        user=request.user, meeting=meeting, code=payload.code, online=payload.online
    )
    return Status(201, meeting_out(request, meeting))


@router.post(
    "/{meeting_id}/signins",
    response={201: MeetingOut, **error_responses(400, 403, 404, 409)},
    operation_id="meetings_signin_record",
    summary="The recorder signs a member in: 代签 during, 补签 after (with a reason)",
)
def signin_record(request: HttpRequest, meeting_id: int, payload: SignInIn):
    meeting = _meeting(request, meeting_id)
    services.meeting_sign_in(
        user=request.user,
        meeting=meeting,
        member_id=payload.member,
        reason=payload.reason,
    )
    return Status(201, meeting_out(request, meeting))


def _revision(revision) -> dict:
    return {
        "number": revision.number,
        "text": revision.text,
        "note": revision.note,
        "written_by": revision.written_by.get_username() if revision.written_by else "",
        "written_at": revision.written_at,
        "filed": revision.filed,
    }


@router.get(
    "/{meeting_id}/minutes",
    response={200: MinutesOut, **error_responses(403, 404)},
    operation_id="meetings_minutes_detail",
    summary="The minutes (纪要) and their revisions",
    description="A 支委会's minutes are for its members and higher levels only.",
)
def minutes_detail(request: HttpRequest, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    revisions = selectors.minutes_current(user=request.user, meeting=meeting)
    return Status(200, {"revisions": [_revision(r) for r in revisions]})


@router.post(
    "/{meeting_id}/minutes",
    response={201: MinutesRevisionOut, **error_responses(400, 403, 404, 409)},
    operation_id="meetings_minutes_write",
    summary="Write the minutes as a new revision (the recorder or an administrator)",
)
def minutes_write(request: HttpRequest, meeting_id: int, payload: MinutesIn):
    meeting = _meeting(request, meeting_id)
    revision = services.minutes_write(
        user=request.user,
        meeting=meeting,
        text=payload.text,
        base_revision=payload.base_revision,
        note=payload.note,
    )
    return Status(201, _revision(revision))


def _resolution(resolution) -> dict:
    return {
        "id": resolution.pk,
        "text": resolution.text,
        "owner": resolution.owner_id,
        "owner_name": resolution.owner.name,
        "due_on": resolution.due_on,
    }


@router.post(
    "/{meeting_id}/resolutions",
    response={201: ResolutionOut, **error_responses(400, 403, 404)},
    operation_id="meetings_resolution_create",
    summary="Record a resolution with its owner and due date",
)
def resolution_create(request: HttpRequest, meeting_id: int, payload: ResolutionIn):
    meeting = _meeting(request, meeting_id)
    resolution = services.resolution_add(
        user=request.user,
        meeting=meeting,
        text=payload.text,
        owner_id=payload.owner,
        due_on=payload.due_on,
    )
    return Status(201, _resolution(resolution))


@router.post(
    "/{meeting_id}/home-visits",
    response={201: HomeVisitOut, **error_responses(400, 403, 404, 409)},
    operation_id="meetings_home_visit_create",
    summary="Record a 送学上门 for a member of the branch (counts as attendance)",
)
def home_visit_create(request: HttpRequest, meeting_id: int, payload: HomeVisitIn):
    meeting = _meeting(request, meeting_id)
    visit = services.home_visit_record(
        user=request.user,
        meeting=meeting,
        member_id=payload.member,
        visited_on=payload.visited_on,
        visitors=payload.visitors,
        content=payload.content,
        member_words=payload.member_words,
    )
    return Status(
        201,
        {"id": visit.pk, "member": payload.member, "visited_on": visit.visited_on},
    )


@router.post(
    "/{meeting_id}/makeup",
    response={201: MeetingOut, **error_responses(403, 404, 409)},
    operation_id="meetings_makeup_claim",
    summary="Count a missed 党课 or 主题党日 as made up (补学) once its lesson is done",
)
def makeup_claim(request: HttpRequest, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    services.makeup_claim(user=request.user, meeting=meeting)
    return Status(201, meeting_out(request, meeting))


@router.post(
    "/{meeting_id}/reschedule",
    response={200: MeetingOut, **error_responses(400, 403, 404, 409)},
    operation_id="meetings_meeting_reschedule",
    summary="Move a meeting (改期) to a new time and place, with a reason",
    description=(
        "The host or an administrator, before the meeting begins. The check-in "
        "window follows the new time; attendees get a notice and an e-mail."
    ),
)
def meeting_reschedule(request: HttpRequest, meeting_id: int, payload: RescheduleIn):
    meeting = _meeting(request, meeting_id)
    services.meeting_reschedule(
        user=request.user, meeting=meeting, move=services.MeetingMove(**payload.dict())
    )
    return Status(200, meeting_out(request, _meeting(request, meeting_id)))


@router.post(
    "/{meeting_id}/cancellation",
    response={200: MeetingOut, **error_responses(400, 403, 404, 409)},
    operation_id="meetings_meeting_cancel",
    summary="Cancel a meeting (取消) with a reason",
    description=(
        "The host or an administrator, before the meeting begins. The ledger shows "
        "it as cancelled and does not count it as held; attendees get a notice and "
        "an e-mail."
    ),
)
def meeting_cancel(request: HttpRequest, meeting_id: int, payload: CancelIn):
    meeting = _meeting(request, meeting_id)
    services.meeting_cancel(user=request.user, meeting=meeting, reason=payload.reason)
    return Status(200, meeting_out(request, _meeting(request, meeting_id)))


def _attachment(attachment) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "uploaded_at": attachment.uploaded_at,
        "url": f"/api/v3/meetings/{attachment.meeting_id}/attachments/{attachment.pk}",
    }


@router.get(
    "/{meeting_id}/attachments",
    response={200: AttachmentListOut, **error_responses(403, 404)},
    operation_id="meetings_attachment_list",
    summary="Files attached to the minutes (for those who may read the minutes)",
)
def attachment_list(request: HttpRequest, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    selectors.minutes_current(user=request.user, meeting=meeting)  # may read them
    return Status(200, {"items": [_attachment(a) for a in meeting.attachments.all()]})


def _attachment_form(run):
    """Refuses a body that is not a multipart form with a file, or larger than
    ``MEETINGS_ATTACHMENT_MAX_MB`` (read when the request comes)."""

    @functools.wraps(run)
    def checked(request: HttpRequest, *args, **kwargs):
        limit = settings.MEETINGS_ATTACHMENT_MAX_MB * 1024 * 1024 + 64 * 1024
        problem = multipart_form_problem(request, max_bytes=limit, files=("file",))
        return problem if problem is not None else run(request, *args, **kwargs)

    return checked


@router.post(
    "/{meeting_id}/attachments",
    response={201: AttachmentOut, **error_responses(400, 403, 404, 409, 413, 415)},
    operation_id="meetings_attachment_upload",
    summary="Attach a file to the minutes (PDF, PNG, JPEG or DOCX; optional)",
    description=(
        "A `multipart/form-data` form with the file in `file`, at most "
        "`MEETINGS_ATTACHMENT_MAX_MB`; its type is checked by its content. For the "
        "recorder or an administrator, once the meeting has begun."
    ),
)
@decorate_view(_attachment_form)
def attachment_upload(
    request: HttpRequest,
    meeting_id: int,
    file: UploadedFile = File(...),  # noqa: B008
):
    meeting = _meeting(request, meeting_id)
    attachment = services.attachment_add(
        user=request.user, meeting=meeting, upload=file, name=file.name or ""
    )
    return Status(201, _attachment(attachment))


@router.get(
    "/{meeting_id}/attachments/{attachment_id}",
    response=error_responses(403, 404),
    operation_id="meetings_attachment_download",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in sorted(set(ATTACHMENT_TYPES.values()))
                },
            }
        }
    },
    summary="Download a file attached to the minutes",
    description="For those who may read the minutes (a 支委会's: its members and "
    "higher levels).",
)
def attachment_download(request: HttpRequest, meeting_id: int, attachment_id: int):
    meeting = _meeting(request, meeting_id)
    attachment = selectors.attachment_for_reader(
        user=request.user, meeting=meeting, attachment_id=attachment_id
    )
    return attachment_file_response(attachment)


def attachment_file_response(attachment) -> FileResponse:
    """The attachment's bytes from storage, as a download under its own name
    (also used by the admin)."""
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
