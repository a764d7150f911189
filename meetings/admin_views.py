"""The secretary's pages in the admin (组织生活), made for a phone: the meetings of
one's subtree with their state, scheduling, one meeting (attendees, leave, 代签/
补签, minutes, resolutions, 送学上门, 补学, reschedule, cancel, attachments), the
ledger of a branch's year (view, XLSX, PDF), the due/held/overdue overview along
the tree and the party groups (党小组).

Thin: every rule is ``meetings.services`` / ``meetings.selectors``, the same the
API calls; a refusal is shown on the page with the status its kind maps to, and
nothing is stored.
"""

from __future__ import annotations

import functools
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from dangke.api_errors import status_for
from dangke.errors import DomainError, NotFound
from learning.models import Member, Organisation
from learning.selectors import (
    organisation_subtree_q,
    organisations_administered,
    user_can_report_on,
)
from meetings import selectors, services
from meetings.api import attachment_file_response
from meetings.exports import STATUS_LABELS, ledger_response
from meetings.forms import (
    AttachmentForm,
    HomeVisitForm,
    LeaveDecisionForm,
    MakeupAssignForm,
    MeetingScheduleForm,
    MinutesForm,
    PartyGroupForm,
    ReasonForm,
    RescheduleForm,
    ResolutionForm,
    SignInForm,
)
from meetings.models import Attendee, Meeting, MeetingKind, PartyGroup

PERMISSION = "learning.view_member"  # organisation administrators and editors
MEETINGS_SHOWN = 200


class OutOfScope(Exception):
    """An organisation outside the user's subtrees: answered 403 on the page
    (Wagtail turns PermissionDenied into a redirect to the dashboard)."""


def admin_page(view):
    """For organisation administrators and editors; an organisation outside the
    user's subtrees is answered 403 naming the problem."""

    @functools.wraps(view)
    def page(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except OutOfScope as refusal:
            return render(
                request,
                "meetings/admin/refused.html",
                {"page_title": "组织生活", "error": str(refusal)},
                status=403,
            )

    return page


def _node(request: HttpRequest) -> Organisation | None:
    """The organisation named by ``?organisation=`` (403 outside the user's
    subtrees, 404 for none such), else the user's first."""
    code = (request.GET.get("organisation") or "").strip()
    if not code:
        return organisations_administered(user=request.user).order_by("path").first()
    try:
        return services.organisation_managed(user=request.user, code=code)
    except NotFound:
        raise Http404("没有这个党组织") from None
    except DomainError as refusal:
        raise OutOfScope(refusal.detail) from None


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise Http404("年度须在 2000 到 2100 之间")
    return year


def _ancestors(node: Organisation, user) -> list[Organisation]:
    above = Organisation.objects.filter(
        path__in=[node.path[:i] for i in range(4, len(node.path), 4)]
    ).order_by("path")
    return [o for o in above if user_can_report_on(user=user, organisation=o)]


@admin_page
def index_view(request: HttpRequest) -> HttpResponse:
    """The meetings of an organisation's subtree in a year, newest first, each
    with its state; for a branch how each kind stands against the cadence."""
    node = _node(request)
    year = _year(request)
    context = {"page_title": "组织生活", "node": node, "year": year}
    if node is not None:
        meetings = list(
            selectors.meetings_visible_to(user=request.user)
            .filter(organisation_subtree_q(path=node.path), starts_at__year=year)
            .select_related("party_group")
            .order_by("-starts_at", "-pk")[:MEETINGS_SHOWN]
        )
        now = timezone.now()
        for meeting in meetings:
            meeting.state = selectors.meeting_state(meeting=meeting, now=now)
            meeting.state_label = selectors.MEETING_STATE_LABELS[meeting.state]
        kinds = []
        if node.kind == Organisation.Kind.BRANCH:
            on = min(timezone.localdate(), date(year, 12, 31))
            for status in selectors.branch_kind_statuses(
                organisation=node, year=year, on=on
            ):
                kinds.append(
                    {
                        "k": status,
                        "label": MeetingKind(status.kind).label,
                        "status_label": STATUS_LABELS[status.status],
                    }
                )
        context.update(
            meetings=meetings,
            kinds=kinds,
            ancestors=_ancestors(node, request.user),
            is_branch=node.kind == Organisation.Kind.BRANCH,
        )
    return render(request, "meetings/admin/index.html", context)


@admin_page
def schedule_view(request: HttpRequest) -> HttpResponse:
    """Schedule a meeting of ``?organisation=`` (its members as host, recorder and
    attendees)."""
    node = _node(request)
    if node is None:
        raise Http404("您的账号没有关联任何党组织")
    members = list(Member.objects.filter(organisation=node).order_by("name", "pk"))
    groups = list(PartyGroup.objects.filter(organisation=node))
    form = MeetingScheduleForm(request.POST or None, members=members, groups=groups)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            plan = services.MeetingPlan(
                kind=data["kind"],
                theme=data["theme"],
                agenda=data["agenda"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                teaching_site=data["teaching_site"],
                address=data["address"],
                online_url=data["online_url"],
                host=data["host"] or 0,
                recorder=data["recorder"] or 0,
                members=data["members"] or None,
                party_group=data["party_group"],
            )
            try:
                meeting = services.meeting_schedule(
                    user=request.user, organisation_code=node.code, plan=plan
                )
            except DomainError as refusal:
                error, status = refusal.detail, status_for(refusal)
            else:
                return HttpResponseRedirect(
                    reverse("meetings_admin_meeting", args=[meeting.pk]) + "?done=安排"
                )
        else:
            status = 400
    return render(
        request,
        "meetings/admin/schedule.html",
        {"page_title": "安排会议", "node": node, "form": form, "error": error},
        status=status,
    )


# --- one meeting ---------------------------------------------------------------------


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    """The meeting when the user runs it (host, recorder or an administrator of
    its organisation), else 404."""
    try:
        meeting = selectors.meeting_for_user(user=request.user, meeting_id=meeting_id)
    except NotFound:
        raise Http404("没有这个会议，或它不在您管理的范围内") from None
    if not selectors.meeting_is_run_by(user=request.user, meeting=meeting):
        raise Http404("没有这个会议，或它不在您管理的范围内")
    return meeting


def _attendees(meeting: Meeting) -> list[Attendee]:
    return list(
        meeting.attendees.select_related("member", "home_visit").order_by(
            "guest", "member__name"
        )
    )


ACTIONS = {
    "leave": "审批请假",
    "signin": "代签/补签",
    "minutes": "保存纪要",
    "resolution": "登记决议",
    "home_visit": "登记送学上门",
    "makeup": "安排补学",
    "reschedule": "改期",
    "cancel": "取消会议",
    "attachment": "上传附件",
    "attachment_remove": "删除附件",
}


def _act(request: HttpRequest, meeting: Meeting, action: str, forms: dict) -> bool:
    """Run ``action`` with its form; True when done. A refusal raises
    DomainError; an invalid form leaves its errors on it."""
    user = request.user
    if action == "leave":
        form = forms["leave"] = LeaveDecisionForm(request.POST)
        if form.is_valid():
            services.leave_decide(
                user=user,
                meeting=meeting,
                member_id=form.cleaned_data["member"],
                approve=form.cleaned_data["approve"],
            )
            return True
    elif action == "signin":
        form = forms["signin"] = SignInForm(request.POST, what="代签/补签")
        form.member_id = request.POST.get("member", "")
        if form.is_valid():
            services.meeting_sign_in(
                user=user,
                meeting=meeting,
                member_id=form.cleaned_data["member"],
                reason=form.cleaned_data["reason"],
                channel="admin",
            )
            return True
    elif action == "minutes":
        form = forms["minutes"] = MinutesForm(request.POST)
        if form.is_valid():
            services.minutes_write(user=user, meeting=meeting, **form.cleaned_data)
            return True
    elif action == "resolution":
        form = forms["resolution"] = ResolutionForm(
            request.POST, members=[a.member for a in _attendees(meeting)]
        )
        if form.is_valid():
            data = form.cleaned_data
            services.resolution_add(
                user=user,
                meeting=meeting,
                text=data["text"],
                owner_id=data["owner"] or 0,
                due_on=data["due_on"],
            )
            return True
    elif action == "home_visit":
        form = forms["home_visit"] = HomeVisitForm(
            request.POST, members=_branch_members(meeting)
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            services.home_visit_record(
                user=user, meeting=meeting, member_id=data.pop("member") or 0, **data
            )
            return True
    elif action == "makeup":
        form = forms["makeup"] = MakeupAssignForm(request.POST)
        if form.is_valid():
            services.makeup_assign(
                user=user,
                meeting=meeting,
                lesson_id=form.cleaned_data["lesson"],
                days=form.cleaned_data["days"],
            )
            return True
    elif action == "reschedule":
        form = forms["reschedule"] = RescheduleForm(request.POST, what="改期")
        if form.is_valid():
            data = form.cleaned_data
            services.meeting_reschedule(
                user=user,
                meeting=meeting,
                move=services.MeetingMove(
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    reason=data["reason"],
                    place=Meeting.Place.ADDRESS if data["address"] else "",
                    address=data["address"],
                ),
            )
            return True
    elif action == "cancel":
        form = forms["cancel"] = ReasonForm(request.POST, what="取消会议")
        if form.is_valid():
            services.meeting_cancel(
                user=user, meeting=meeting, reason=form.cleaned_data["reason"]
            )
            return True
    elif action == "attachment":
        form = forms["attachment"] = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            services.attachment_add(
                user=user, meeting=meeting, upload=upload, name=upload.name
            )
            return True
    elif action == "attachment_remove":
        try:
            attachment_id = int(request.POST.get("attachment", ""))
        except ValueError:
            attachment_id = 0
        services.attachment_remove(
            user=user, meeting=meeting, attachment_id=attachment_id
        )
        return True
    else:
        raise DomainError("未知的操作", code="unknown_action")
    return False


def _branch_members(meeting: Meeting) -> list[Member]:
    return list(
        Member.objects.filter(organisation_id=meeting.organisation_id).order_by(
            "name", "pk"
        )
    )


@admin_page
def meeting_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """One meeting: its attendees (应到/实到/请假/缺席/补学/送学上门) and every
    record the host, the recorder or an administrator keeps (POST ``action``)."""
    meeting = _meeting(request, meeting_id)
    forms: dict = {}
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _act(request, meeting, action, forms)
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            if done:
                url = reverse("meetings_admin_meeting", args=[meeting.pk])
                return HttpResponseRedirect(f"{url}?done={action}")
            status = 400
        meeting = _meeting(request, meeting_id)
    user = request.user
    attendees = _attendees(meeting)
    members = [a.member for a in attendees]
    revisions = (
        list(meeting.minutes_revisions.select_related("written_by"))
        if selectors.minutes_readable_by(user=user, meeting=meeting)
        else None
    )
    latest = revisions[-1] if revisions else None
    now = timezone.now()
    opens, closes = selectors.meeting_checkin_window(meeting=meeting)
    state = selectors.meeting_state(meeting=meeting, now=now)
    counted = [a for a in attendees if not a.guest]
    over = now > meeting.ends_at and meeting.cancelled_at is None
    figures = {
        "应到": len(counted),
        "实到": sum(a.attendance in selectors.PRESENT for a in counted),
        "请假": sum(
            a.leave == Attendee.Leave.APPROVED and not a.attendance for a in counted
        ),
        "缺席": sum(
            not a.attendance and a.leave != Attendee.Leave.APPROVED for a in counted
        )
        if over
        else 0,
        "补学": sum(a.attendance == Attendee.Attendance.MAKEUP for a in counted),
        "送学上门": sum(
            a.attendance == Attendee.Attendance.HOME_VISIT for a in counted
        ),
    }
    manages = selectors.meeting_is_managed_by(user=user, meeting=meeting)
    is_recorder = meeting.recorder.user_id == user.pk
    context = {
        "page_title": str(meeting),
        "meeting": meeting,
        "state": state,
        "state_label": selectors.MEETING_STATE_LABELS[state],
        "attendees": attendees,
        "figures": figures,
        "revisions": revisions,
        "latest": latest,
        "resolutions": list(meeting.resolutions.select_related("owner")),
        "attachments": list(meeting.attachments.all()) if revisions is not None else [],
        "manages": manages,
        "is_recorder": is_recorder,
        "writes": (manages or is_recorder) and meeting.cancelled_at is None,
        "changes": (manages or meeting.host.user_id == user.pk)
        and state in ("coming", "rescheduled"),
        "sign_in_open": is_recorder and now >= opens and meeting.cancelled_at is None,
        "late": now > closes,
        "minutes_form": forms.get("minutes")
        or MinutesForm(
            initial={
                "text": latest.text if latest else "",
                "base_revision": latest.number if latest else 0,
            }
        ),
        "resolution_form": forms.get("resolution") or ResolutionForm(members=members),
        "home_visit_form": forms.get("home_visit")
        or HomeVisitForm(members=_branch_members(meeting)),
        "makeup_form": forms.get("makeup")
        or MakeupAssignForm(
            initial={
                "lesson": meeting.makeup_lesson_id,
                "days": meeting.makeup_days,
            }
        ),
        "reschedule_form": forms.get("reschedule")
        or RescheduleForm(
            initial={
                "starts_at": timezone.localtime(meeting.starts_at),
                "ends_at": timezone.localtime(meeting.ends_at),
            }
        ),
        "cancel_form": forms.get("cancel") or ReasonForm(),
        "attachment_form": forms.get("attachment") or AttachmentForm(),
        "signin_form": forms.get("signin"),
        "makeup_kind": meeting.kind in ("lecture", "theme_day"),
        "done": ACTIONS.get(request.GET.get("done", ""), ""),
        "error": error,
    }
    return render(request, "meetings/admin/meeting.html", context, status=status)


@admin_page
def attachment_view(
    request: HttpRequest, meeting_id: int, attachment_id: int
) -> HttpResponse:
    """Download a file of the minutes (for those who may read them)."""
    meeting = _meeting(request, meeting_id)
    try:
        attachment = selectors.attachment_for_reader(
            user=request.user, meeting=meeting, attachment_id=attachment_id
        )
    except NotFound:
        raise Http404("没有这个附件") from None
    except DomainError as refusal:
        raise OutOfScope(refusal.detail) from None
    return attachment_file_response(attachment)


# --- ledger and overview -----------------------------------------------------------------


@admin_page
def ledger_view(request: HttpRequest) -> HttpResponse:
    """The ledger (台账) of an organisation's year; ``?export=xlsx`` or ``pdf``
    downloads it (audited)."""
    node = _node(request)
    if node is None:
        raise Http404("您的账号没有关联任何党组织")
    year = _year(request)
    ledger = selectors.ledger_build(organisation=node, year=year)
    export = request.GET.get("export", "")
    if export in ("xlsx", "pdf"):
        return ledger_response(ledger, export, actor=request.user, channel="admin")
    return render(
        request,
        "meetings/admin/ledger.html",
        {
            "page_title": f"{node.name} {year} 年组织生活台账",
            "node": node,
            "year": year,
            "ledger": ledger,
            "kinds": [
                {
                    "k": k,
                    "label": MeetingKind(k.kind).label,
                    "status_label": STATUS_LABELS[k.status],
                }
                for k in ledger.kinds
            ],
        },
    )


@admin_page
def overview_view(request: HttpRequest) -> HttpResponse:
    """Due, held and overdue along the tree: per child organisation the branches
    in time, due and overdue for each kind; a row's name drills down."""
    node = _node(request)
    if node is None:
        raise Http404("您的账号没有关联任何党组织")
    year = _year(request)
    on = min(timezone.localdate(), date(year, 12, 31))
    total, rows = selectors.overview_build(organisation=node, year=year, on=on)
    kinds = [(kind.value, kind.label) for kind in MeetingKind]

    def cells(row) -> list[dict]:
        return [{"label": label, **row.by_kind[kind]} for kind, label in kinds]

    return render(
        request,
        "meetings/admin/overview.html",
        {
            "page_title": "组织生活概览",
            "node": node,
            "year": year,
            "on": on,
            "ancestors": _ancestors(node, request.user),
            "kinds": kinds,
            "total": {"row": total, "cells": cells(total)},
            "rows": [
                {
                    "row": row,
                    "cells": cells(row),
                    "drill": row.organisation_id not in (None, node.pk),
                }
                for row in rows
            ],
        },
    )


# --- party groups -----------------------------------------------------------------------


@admin_page
def groups_view(request: HttpRequest) -> HttpResponse:
    """The party groups (党小组) of a branch, and a new one."""
    node = _node(request)
    if node is None:
        raise Http404("您的账号没有关联任何党组织")
    members = list(Member.objects.filter(organisation=node).order_by("name", "pk"))
    form = PartyGroupForm(request.POST or None, members=members)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.party_group_create(
                    user=request.user,
                    organisation_code=node.code,
                    name=data["name"],
                    member_ids=data["members"],
                    leader_id=data["leader"],
                )
            except DomainError as refusal:
                error, status = refusal.detail, status_for(refusal)
            else:
                url = reverse("meetings_admin_groups")
                return HttpResponseRedirect(f"{url}?organisation={node.code}&done=1")
        else:
            status = 400
    groups = selectors.party_groups_in_scope(user=request.user).filter(
        organisation=node
    )
    return render(
        request,
        "meetings/admin/groups.html",
        {
            "page_title": f"{node.name}的党小组",
            "node": node,
            "groups": groups,
            "form": form,
            "error": error,
            "done": bool(request.GET.get("done")),
        },
        status=status,
    )


@admin_page
def group_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """A party group's members and leader."""
    try:
        group = services.party_group_managed(user=request.user, group_id=group_id)
    except NotFound:
        raise Http404("没有这个党小组，或它不在您管理的范围内") from None
    members = list(
        Member.objects.filter(organisation=group.organisation).order_by("name", "pk")
    )
    form = PartyGroupForm(
        request.POST or None,
        members=members,
        initial={
            "name": group.name,
            "leader": group.leader_id,
            "members": list(group.members.values_list("pk", flat=True)),
        },
    )
    form.fields["name"].disabled = True
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.party_group_members_set(
                    user=request.user,
                    group=group,
                    member_ids=form.cleaned_data["members"],
                    leader_id=form.cleaned_data["leader"],
                )
            except DomainError as refusal:
                error, status = refusal.detail, status_for(refusal)
            else:
                return HttpResponseRedirect(
                    reverse("meetings_admin_group", args=[group.pk]) + "?done=1"
                )
        else:
            status = 400
    return render(
        request,
        "meetings/admin/group.html",
        {
            "page_title": f"党小组：{group.name}",
            "group": group,
            "form": form,
            "error": error,
            "done": bool(request.GET.get("done")),
        },
        status=status,
    )
