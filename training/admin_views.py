"""Admin pages of the training year: the plans of one's subtrees and one plan (its
lines edited while a draft, submitted, revised), the parent's filing queue (备案
or return with a comment), plan against actual along the tree, and a class's
closing page (what 结班 still misses, the participants against the completion
rule, the papers, open requests and applications, 结班).

Thin: every rule is ``training.services`` / ``training.selectors``, the same the
API calls; a refusal is shown on the page with the status its kind maps to, and
nothing is stored.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cms.models import CoursePage, TopicPage
from dangke.api_errors import status_for
from dangke.errors import DomainError
from learning.models import Organisation
from learning.selectors import organisations_administered, user_can_report_on
from training import selectors, services
from training.errors import InvalidPlan
from training.models import (
    ClassEnrolment,
    SessionRequest,
    TargetGroup,
    TrainingKind,
    TrainingPlan,
)

PERMISSION = "learning.view_member"  # organisation administrators and editors
EMPTY_LINES = 3


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _page(request, template, context, *, status=200) -> HttpResponse:
    return render(request, f"training/admin/{template}", context, status=status)


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def _node(request: HttpRequest) -> Organisation | None:
    code = (request.GET.get("organisation") or "").strip()
    if not code:
        return organisations_administered(user=request.user).order_by("path").first()
    node = Organisation.objects.filter(code=code).first()
    if node is None:
        raise Http404
    if not user_can_report_on(user=request.user, organisation=node):
        raise PermissionDenied
    return node


# --- plans ---------------------------------------------------------------------------


def plans_view(request: HttpRequest) -> HttpResponse:
    """The plans of the user's subtrees; a new plan for an organisation one
    administers."""
    _require(request)
    error, status = "", 200
    if request.method == "POST":
        try:
            organisation = services.organisation_find(
                code=request.POST.get("organisation", "")
            )
            try:
                year = int(request.POST.get("year", ""))
            except ValueError:
                raise InvalidPlan("年度须为数字", code="invalid_year") from None
            plan = services.plan_create(
                user=request.user,
                organisation=organisation,
                year=year,
                title=request.POST.get("title", ""),
            )
            return HttpResponseRedirect(reverse("training_admin_plan", args=[plan.pk]))
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
    year = _year(request)
    plans = (
        selectors.plans_visible_to(user=request.user)
        .filter(year=year)
        .order_by("organisation__path", "-revision")
    )
    return _page(
        request,
        "plans.html",
        {
            "page_title": "年度培训计划",
            "plans": plans[:300],
            "year": year,
            "own": organisations_administered(user=request.user).order_by("path")[:50],
            "error": error,
        },
        status=status,
    )


def _lines_from_post(post) -> list[services.LineDraft]:
    lines = []
    for n in range(int(post.get("line_count", "0") or 0)):
        title = (post.get(f"title_{n}") or "").strip()
        if not title:
            continue
        try:
            months = [
                int(m)
                for m in (post.get(f"months_{n}") or "").replace("，", ",").split(",")
                if m.strip()
            ]
            classes = int(post.get(f"classes_{n}") or 0)
            people = int(post.get(f"people_{n}") or 0)
            hours = Decimal(post.get(f"hours_{n}") or "0")
        except (ValueError, InvalidOperation):
            raise InvalidPlan(
                f"第 {n + 1} 行：期数、人次、学时和月份须为数字", code="invalid_figure"
            ) from None
        lines.append(
            services.LineDraft(
                title=title,
                kind=post.get(f"kind_{n}", ""),
                target_groups=post.getlist(f"groups_{n}"),
                planned_classes=classes,
                planned_people=people,
                planned_hours=hours,
                months=months,
                lecturers_or_topics=post.get(f"lecturers_{n}", ""),
            )
        )
    return lines


def plan_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    """One plan: its lines (edited while a draft or returned), submit, revise, and
    for the parent's administrators file or return."""
    _require(request)
    plan = selectors.plan_for_user(user=request.user, plan_id=plan_id)
    if plan is None:
        raise Http404
    error, status, done = "", 200, ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "save":
                services.plan_update(
                    user=request.user,
                    plan=plan,
                    title=request.POST.get("title"),
                    lines=_lines_from_post(request.POST),
                )
                done = "已保存"
            elif action == "submit":
                services.plan_submit(user=request.user, plan=plan)
                done = "已报上级备案"
            elif action == "revise":
                revision = services.plan_revise(user=request.user, plan=plan)
                return HttpResponseRedirect(
                    reverse("training_admin_plan", args=[revision.pk])
                )
            elif action in ("file", "return"):
                services.plan_decide(
                    user=request.user,
                    plan=plan,
                    file=action == "file",
                    comment=request.POST.get("comment", ""),
                )
                done = "已备案" if action == "file" else "已退回"
            else:
                raise InvalidPlan("未知操作", code="unknown_action")
            plan.refresh_from_db()
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
    data = selectors.plan_summary(user=request.user, plan=plan)
    rows = [*data["lines"]]
    rows += [None] * (EMPTY_LINES if data["may_change"] else 0)
    return _page(
        request,
        "plan.html",
        {
            "page_title": f"{plan.organisation.name} {plan.year} 年度培训计划",
            "plan": plan,
            "data": data,
            "rows": rows,
            "kinds": TrainingKind.choices,
            "groups": TargetGroup.choices,
            "may_revise": plan.status == TrainingPlan.Status.FILED
            and selectors.plan_may_draft(
                user=request.user, organisation=plan.organisation
            ),
            "error": error,
            "done": done,
        },
        status=status,
    )


def queue_view(request: HttpRequest) -> HttpResponse:
    """The plans submitted to the user's organisations for 备案."""
    _require(request)
    queue = selectors.filing_queue(user=request.user).prefetch_related("lines")
    return _page(
        request,
        "queue.html",
        {
            "page_title": "计划备案",
            "plans": [
                selectors.plan_summary(user=request.user, plan=p) for p in queue[:200]
            ],
        },
    )


def actual_view(request: HttpRequest) -> HttpResponse:
    """Plan against actual for an organisation's subtree and year, month by month
    and by child organisation (drill down by following a child)."""
    _require(request)
    node = _node(request)
    year = _year(request)
    result = (
        selectors.plan_against_actual(organisation=node, year=year) if node else None
    )
    ancestors = []
    if node is not None:
        parent = node.parent
        while parent is not None and user_can_report_on(
            user=request.user, organisation=parent
        ):
            ancestors.insert(0, parent)
            parent = parent.parent
    return _page(
        request,
        "actual.html",
        {
            "page_title": "培训计划执行情况",
            "node": node,
            "year": year,
            "result": result,
            "ancestors": ancestors,
        },
    )


# --- classes -------------------------------------------------------------------------


def classes_view(request: HttpRequest) -> HttpResponse:
    """The classes of the user's subtrees with their state."""
    _require(request)
    classes = selectors.classes_organised_by(user=request.user).order_by("-pk")[:200]
    rows = []
    for training_class in classes:
        state = selectors.class_state(training_class=training_class)
        rows.append(
            {
                "class": training_class,
                "state": state,
                "label": selectors.CLASS_STATE_LABELS[state],
            }
        )
    return _page(request, "classes.html", {"page_title": "培训班结班", "rows": rows})


def class_view(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's closing page: what is missing for 结班, the participants, the
    papers, open leave/补签 requests and applications, enrolment, 结班."""
    _require(request)
    training_class = selectors.class_for_user(user=request.user, class_id=class_id)
    if training_class is None or not selectors.class_is_organised_by(
        user=request.user, training_class=training_class
    ):
        raise Http404
    error, status, done = "", 200, ""
    if request.method == "POST":
        action = request.POST.get("action")
        user = request.user
        try:
            if action == "paper":
                services.paper_generate(
                    user=user,
                    training_class=training_class,
                    kind=request.POST.get("kind", ""),
                )
                done = "材料已生成"
            elif action == "upload":
                upload = request.FILES.get("file")
                if upload is None:
                    raise InvalidPlan("请选择 PDF 文件", code="file_required")
                services.paper_upload(
                    user=user,
                    training_class=training_class,
                    kind=request.POST.get("kind", ""),
                    upload=upload,
                )
                done = "材料已上传"
            elif action == "request":
                services.session_request_decide(
                    user=user,
                    request_id=int(request.POST.get("request") or 0),
                    approve=request.POST.get("approve") == "1",
                )
                done = "已审批"
            elif action == "application":
                services.application_decide(
                    user=user,
                    training_class=training_class,
                    member_id=int(request.POST.get("member") or 0),
                    approve=request.POST.get("approve") == "1",
                )
                done = "已审核"
            elif action == "enrol":
                organisation = services.organisation_find(
                    code=request.POST.get("organisation", "")
                )
                added = services.enrol_organisation(
                    user=user, training_class=training_class, organisation=organisation
                )
                done = f"已调训 {added} 人"
            elif action == "close":
                result = services.class_close(user=user, training_class=training_class)
                done = f"已结班：{len(result.completions)} 人结业"
            else:
                raise InvalidPlan("未知操作", code="unknown_action")
        except ValueError:
            error, status = "参数无效", 400
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        training_class.refresh_from_db()
    requests = SessionRequest.objects.filter(
        session__training_class=training_class,
        status=SessionRequest.Status.REQUESTED,
    ).select_related("member", "session")
    applications = ClassEnrolment.objects.filter(
        training_class=training_class, status=ClassEnrolment.Status.APPLIED
    ).select_related("member__organisation")
    return _page(
        request,
        "class.html",
        {
            "page_title": f"结班：{training_class.title}",
            "training_class": training_class,
            "data": selectors.class_summary(
                user=request.user, training_class=training_class, organiser=True
            ),
            "completion": selectors.completion_summary(
                user=request.user, training_class=training_class
            ),
            "requests": requests,
            "applications": applications,
            "error": error,
            "done": done,
        },
        status=status,
    )


# --- shared courses (共建共享) --------------------------------------------------------


def _shared_action(request: HttpRequest, node: Organisation) -> str:
    """Adopt or withdraw as the form asks; returns what was done. Raises the
    services' refusals and Http404 for a course or adoption that is not there."""
    action = request.POST.get("action", "")
    if action == "adopt":
        course = CoursePage.objects.filter(pk=request.POST.get("course") or 0).first()
        if course is None:
            raise Http404
        topic = None
        if request.POST.get("topic"):
            topic = TopicPage.objects.filter(pk=request.POST["topic"]).first()
        adoption = services.course_adopt(
            user=request.user, organisation=node, course=course, topic=topic
        )
        return f"已采用课程“{adoption.course.title}”"
    if action == "withdraw":
        adoption = selectors.adoption_for_user(
            user=request.user, adoption_id=int(request.POST.get("adoption") or 0)
        )
        if adoption is None:
            raise Http404
        services.course_adoption_withdraw(user=request.user, adoption=adoption)
        return f"已撤回课程“{adoption.course.title}”的采用"
    raise Http404


def shared_courses_view(request: HttpRequest) -> HttpResponse:
    """共享课程: the courses shared with an organisation one administers, with an
    adopt button (into a topic one may edit), its adoptions to withdraw, and the
    courses its subtree shares with who adopted them."""
    _require(request)
    node = _node(request)
    error, done, status = "", "", 200
    if request.method == "POST" and node is not None:
        try:
            done = _shared_action(request, node)
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
    adopted = {}
    shared = []
    if node is not None:
        adopted = {
            a.course_id: a for a in selectors.adoptions_active(organisation=node)
        }
        shared = list(selectors.courses_shared_with(organisation=node))
    year = timezone.localdate().year
    return _page(
        request,
        "shared.html",
        {
            "page_title": "共享课程",
            "node": node,
            "shared": [(s, adopted.get(s.course_id)) for s in shared],
            "topics": selectors.topics_editable_by(user=request.user),
            "sharing": (
                selectors.course_sharing_statistics(organisation=node, year=year)
                if node
                else None
            ),
            "year": year,
            "own": organisations_administered(user=request.user).order_by("path")[:50],
            "error": error,
            "done": done,
        },
        status=status,
    )
