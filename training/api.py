"""Training API: yearly plans filed upward (备案), plan against actual, and classes
run to 结业 (enrolment, applications, leave and 补签, papers, 结班, completion).

Thin: who may do what is decided in ``training.services`` and
``training.selectors``; refusals are raised there and answered as problem
documents by ``dangke.api_errors``.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from ninja import Router, Status
from ninja.security import django_auth

from cms.models import CoursePage, TopicPage
from dangke.api_errors import error_responses
from dangke.pdf import PDF_TYPE
from dangke.tokens import TokenAuth
from learning.models import TrainingClass, TrainingSession
from learning.selectors import member_for_user, user_can_report_on
from training import selectors, services
from training.errors import (
    AdoptionNotFound,
    ClassNotFound,
    CourseNotFound,
    NotAMember,
    NotOrganiser,
    PaperNotFound,
    PlanLineNotFound,
    PlanNotFound,
    RequestNotFound,
    SessionNotFound,
    TrainingError,
)
from training.models import (
    ClassEnrolment,
    ClassPaper,
    CourseAdoption,
    CourseSharing,
    PlanLine,
    SessionRequest,
    TrainingPlan,
)
from training.schemas import (
    AdoptIn,
    AdoptionFiguresOut,
    AdoptionOut,
    ApplicationDecisionIn,
    ApplyIn,
    ClassListOut,
    ClassOut,
    CloseOut,
    CompletionOut,
    CourseShareIn,
    DecisionIn,
    EnrolIn,
    EnrolOut,
    PlanActualOut,
    PlanChangeIn,
    PlanIn,
    PlanListOut,
    PlanOut,
    SessionRequestDecisionIn,
    SessionRequestIn,
    SessionRequestOut,
    SharedCourseListOut,
    SharedCourseOut,
)

router = Router(tags=["training"], auth=[TokenAuth(), django_auth])


# --- plans ---------------------------------------------------------------------------


def _plan(request: HttpRequest, plan_id: int) -> TrainingPlan:
    plan = selectors.plan_for_user(user=request.user, plan_id=plan_id)
    if plan is None:
        raise PlanNotFound(f"培训计划 {plan_id} 不存在")
    return plan


def _lines(payload_lines) -> list[services.LineDraft]:
    return [services.LineDraft(**line.dict()) for line in payload_lines]


@router.post(
    "/plans",
    response={201: PlanOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_plan_create",
    summary="Draft an organisation's yearly training plan (年度培训计划)",
    description="For the organisation's own administrators. One plan per "
    "organisation and year; changes after 备案 are revisions.",
)
def plan_create(request: HttpRequest, payload: PlanIn):
    organisation = services.organisation_find(code=payload.organisation)
    plan = services.plan_create(
        user=request.user,
        organisation=organisation,
        year=payload.year,
        title=payload.title,
        notes=payload.notes,
        lines=_lines(payload.lines),
    )
    return Status(201, selectors.plan_summary(user=request.user, plan=plan))


@router.get(
    "/plans",
    response={200: PlanListOut, **error_responses(400, 403, 404)},
    operation_id="training_plan_list",
    summary="Plans of the caller's subtrees, or of one organisation",
)
def plan_list(
    request: HttpRequest, organisation: str | None = None, year: int | None = None
):
    plans = selectors.plans_visible_to(user=request.user)
    if organisation is not None:
        node = services.organisation_find(code=organisation)
        if not user_can_report_on(user=request.user, organisation=node):
            raise NotOrganiser(f"党组织“{node.name}”不在您管理的范围内")
        plans = plans.filter(organisation=node)
    if year is not None:
        plans = plans.filter(year=year)
    plans = plans.prefetch_related("lines").order_by(
        "organisation__path", "-year", "-revision"
    )
    return Status(
        200,
        {
            "items": [
                selectors.plan_summary(user=request.user, plan=p) for p in plans[:300]
            ]
        },
    )


@router.get(
    "/plans/queue",
    response={200: PlanListOut, **error_responses(403)},
    operation_id="training_filing_queue",
    summary="Plans submitted to the caller's organisations for 备案",
    description="The plans of the organisations below those the caller administers, "
    "waiting to be filed or returned; never the caller's own organisations' plans.",
)
def filing_queue(request: HttpRequest):
    plans = selectors.filing_queue(user=request.user).prefetch_related("lines")
    return Status(
        200,
        {
            "items": [
                selectors.plan_summary(user=request.user, plan=p) for p in plans[:300]
            ]
        },
    )


@router.get(
    "/plans/{plan_id}",
    response={200: PlanOut, **error_responses(404)},
    operation_id="training_plan_detail",
    summary="A plan with its lines",
)
def plan_detail(request: HttpRequest, plan_id: int):
    return Status(
        200, selectors.plan_summary(user=request.user, plan=_plan(request, plan_id))
    )


@router.put(
    "/plans/{plan_id}",
    response={200: PlanOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_plan_update",
    summary="Change a draft or returned plan (a filed plan is frozen: 409)",
)
def plan_update(request: HttpRequest, plan_id: int, payload: PlanChangeIn):
    plan = services.plan_update(
        user=request.user,
        plan=_plan(request, plan_id),
        title=payload.title,
        notes=payload.notes,
        lines=None if payload.lines is None else _lines(payload.lines),
    )
    return Status(200, selectors.plan_summary(user=request.user, plan=plan))


@router.delete(
    "/plans/{plan_id}",
    response={204: None, **error_responses(403, 404, 409)},
    operation_id="training_plan_delete",
    summary="Delete a draft never submitted",
)
def plan_delete(request: HttpRequest, plan_id: int):
    services.plan_delete(user=request.user, plan=_plan(request, plan_id))
    return Status(204, None)


@router.post(
    "/plans/{plan_id}/submit",
    response={200: PlanOut, **error_responses(403, 404, 409)},
    operation_id="training_plan_submit",
    summary="Submit the plan to the parent organisation for 备案",
)
def plan_submit(request: HttpRequest, plan_id: int):
    plan = services.plan_submit(user=request.user, plan=_plan(request, plan_id))
    return Status(200, selectors.plan_summary(user=request.user, plan=plan))


@router.post(
    "/plans/{plan_id}/file",
    response={200: PlanOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_plan_file",
    summary="File (备案) a submitted plan: the parent's administrators or higher",
)
def plan_file(request: HttpRequest, plan_id: int, payload: DecisionIn):
    plan = services.plan_decide(
        user=request.user,
        plan=_plan(request, plan_id),
        file=True,
        comment=payload.comment,
    )
    return Status(200, selectors.plan_summary(user=request.user, plan=plan))


@router.post(
    "/plans/{plan_id}/return",
    response={200: PlanOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_plan_return",
    summary="Return a submitted plan with a comment (退回)",
)
def plan_return(request: HttpRequest, plan_id: int, payload: DecisionIn):
    plan = services.plan_decide(
        user=request.user,
        plan=_plan(request, plan_id),
        file=False,
        comment=payload.comment,
    )
    return Status(200, selectors.plan_summary(user=request.user, plan=plan))


@router.post(
    "/plans/{plan_id}/revisions",
    response={201: PlanOut, **error_responses(403, 404, 409)},
    operation_id="training_plan_revise",
    summary="Start a new revision of a filed plan (its lines copied)",
)
def plan_revise(request: HttpRequest, plan_id: int):
    plan = services.plan_revise(user=request.user, plan=_plan(request, plan_id))
    return Status(201, selectors.plan_summary(user=request.user, plan=plan))


def plan_actual_out(result: selectors.PlanAgainstActual) -> dict:
    return {
        "organisation": result.organisation.code,
        "organisation_name": result.organisation.name,
        "year": result.year,
        "total": result.total.as_dict(),
        "months": [
            {"month": month, **figures.as_dict()}
            for month, figures in sorted(result.months.items())
        ],
        "rows": [
            {"organisation": code, "name": name, "own": own, **figures.as_dict()}
            for code, name, own, figures in result.rows
        ],
        "lines": [
            {
                "line": line.pk,
                "title": line.title,
                "kind_label": line.get_kind_display(),
                **figures.as_dict(),
            }
            for line, figures in result.lines
        ],
    }


@router.get(
    "/plan-actual/{organisation}/{year}",
    response={200: PlanActualOut, **error_responses(400, 403, 404)},
    operation_id="training_plan_actual",
    summary="Plan against actual, month by month, with the drill-down by child",
    description="For administrators of the organisation or a level above. Planned: "
    "the latest filed revision of each plan in the subtree; actual: the classes of "
    "that year's plan lines, their sessions, people-times and the 学时 granted.",
)
def plan_actual(request: HttpRequest, organisation: str, year: int):
    node = services.organisation_find(code=organisation)
    if not user_can_report_on(user=request.user, organisation=node):
        raise NotOrganiser(f"党组织“{node.name}”不在您管理的范围内")
    if not 2000 <= year <= 2100:
        raise TrainingError("年度须在 2000 到 2100 之间", code="invalid_year")
    result = selectors.plan_against_actual(organisation=node, year=year)
    return Status(200, plan_actual_out(result))


# --- classes -------------------------------------------------------------------------


def _class(request: HttpRequest, class_id: int) -> TrainingClass:
    training_class = selectors.class_for_user(user=request.user, class_id=class_id)
    if training_class is None:
        raise ClassNotFound(f"培训班 {class_id} 不存在")
    return training_class


def _member(request: HttpRequest):
    member = member_for_user(user=request.user)
    if member is None:
        raise NotAMember("当前账号不是党员，不能报名培训班")
    return member


@router.get(
    "/classes/mine",
    response={200: ClassListOut, **error_responses(403)},
    operation_id="training_class_list_mine",
    summary="The signed-in member's classes (我的培训班) and those open to apply",
)
def class_list_mine(request: HttpRequest):
    member = _member(request)
    mine = [e.training_class for e in selectors.enrolments_of_member(member=member)]
    open_ = selectors.classes_open_to_member(member=member)
    return Status(
        200,
        {
            "items": [
                selectors.class_summary(
                    user=request.user, training_class=c, organiser=False
                )
                for c in [*mine, *open_][:200]
            ]
        },
    )


@router.get(
    "/classes/{class_id}",
    response={200: ClassOut, **error_responses(404)},
    operation_id="training_class_detail",
    summary="A class with its timetable (sessions) and the caller's enrolment",
)
def class_detail(request: HttpRequest, class_id: int):
    return Status(
        200,
        selectors.class_summary(
            user=request.user, training_class=_class(request, class_id)
        ),
    )


@router.post(
    "/classes/{class_id}/enrolments",
    response={200: EnrolOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_class_enrol",
    summary="Enrol members: an organisation's subtree (组织调训) or members by id",
    description="For the class's organisers. A member or organisation outside the "
    "class's audience refuses the request (400 naming them); nothing is enrolled.",
)
def class_enrol(request: HttpRequest, class_id: int, payload: EnrolIn):
    training_class = _class(request, class_id)
    services.class_organiser_check(user=request.user, training_class=training_class)
    if not payload.organisation and not payload.members:
        raise TrainingError("请给出 organisation 或 members", code="nothing_to_enrol")
    added = 0
    if payload.organisation:
        node = services.organisation_find(code=payload.organisation)
        added += services.enrol_organisation(
            user=request.user, training_class=training_class, organisation=node
        )
    if payload.members:
        added += services.enrol_members(
            user=request.user,
            training_class=training_class,
            member_ids=payload.members,
        )
    enrolled = training_class.enrolments.filter(
        status=ClassEnrolment.Status.ENROLLED
    ).count()
    return Status(200, {"added": added, "enrolled": enrolled})


@router.post(
    "/classes/{class_id}/applications",
    response={201: ClassOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_class_apply",
    summary="Apply to a class (个人报名); the organiser approves or refuses",
)
def class_apply(request: HttpRequest, class_id: int, payload: ApplyIn):
    training_class = _class(request, class_id)
    services.class_apply(
        member=_member(request), training_class=training_class, reason=payload.reason
    )
    return Status(
        201, selectors.class_summary(user=request.user, training_class=training_class)
    )


@router.post(
    "/classes/{class_id}/applications/{member_id}",
    response={200: EnrolOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_class_application_decide",
    summary="Approve or refuse a member's application (the organiser)",
)
def application_decide(
    request: HttpRequest, class_id: int, member_id: int, payload: ApplicationDecisionIn
):
    training_class = _class(request, class_id)
    services.application_decide(
        user=request.user,
        training_class=training_class,
        member_id=member_id,
        approve=payload.approve,
        reason=payload.reason,
    )
    enrolled = training_class.enrolments.filter(
        status=ClassEnrolment.Status.ENROLLED
    ).count()
    return Status(200, {"added": int(payload.approve), "enrolled": enrolled})


def request_out(req: SessionRequest) -> dict:
    return {
        "id": req.pk,
        "session": req.session_id,
        "member": req.member_id,
        "kind": req.kind,
        "status": req.status,
        "status_label": req.get_status_display(),
        "reason": req.reason,
    }


@router.post(
    "/sessions/{session_id}/requests",
    response={201: SessionRequestOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_session_request",
    summary="Ask for leave (before a session) or 补签 (after it) as an enrolled member",
)
def session_request(request: HttpRequest, session_id: int, payload: SessionRequestIn):
    member = _member(request)
    session = (
        TrainingSession.objects.select_related("training_class__organisation")
        .filter(pk=session_id)
        .first()
    )
    if (
        session is None
        or selectors.class_for_user(
            user=request.user, class_id=session.training_class_id
        )
        is None
    ):
        raise SessionNotFound(f"课次 {session_id} 不存在")
    req = services.session_request_ask(
        member=member, session=session, kind=payload.kind, reason=payload.reason
    )
    return Status(201, request_out(req))


@router.post(
    "/requests/{request_id}",
    response={200: SessionRequestOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_session_request_decide",
    summary="Approve or refuse a leave or 补签 request (the organiser)",
)
def session_request_decide(
    request: HttpRequest, request_id: int, payload: SessionRequestDecisionIn
):
    req = SessionRequest.objects.filter(pk=request_id).first()
    if (
        req is None
        or selectors.class_for_user(
            user=request.user, class_id=req.session.training_class_id
        )
        is None
    ):
        raise RequestNotFound(f"申请 {request_id} 不存在")
    req = services.session_request_decide(
        user=request.user, request_id=request_id, approve=payload.approve
    )
    return Status(200, request_out(req))


@router.get(
    "/classes/{class_id}/completion",
    response={200: CompletionOut, **error_responses(404)},
    operation_id="training_class_completion",
    summary="Completion status: what 结班 still needs and who completes",
    description="Organisers see every participant against the completion rule and "
    "the papers; an enrolled member sees their own standing only.",
)
def class_completion(request: HttpRequest, class_id: int):
    return Status(
        200,
        selectors.completion_summary(
            user=request.user, training_class=_class(request, class_id)
        ),
    )


@router.post(
    "/classes/{class_id}/papers/{paper}",
    response={200: CompletionOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_class_paper_generate",
    summary="Generate the 课程表 (timetable) or 签到表 (signin) PDF from the records",
)
def class_paper_generate(request: HttpRequest, class_id: int, paper: str):
    training_class = _class(request, class_id)
    services.paper_generate(
        user=request.user, training_class=training_class, kind=paper
    )
    return Status(
        200,
        selectors.completion_summary(user=request.user, training_class=training_class),
    )


@router.get(
    "/classes/{class_id}/papers/{paper}",
    response={200: None, **error_responses(403, 404)},
    operation_id="training_class_paper",
    summary="Download an attached paper (PDF) of a class (the organiser)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The paper",
                "content": {
                    PDF_TYPE: {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def class_paper(request: HttpRequest, class_id: int, paper: str):
    training_class = _class(request, class_id)
    services.class_organiser_check(user=request.user, training_class=training_class)
    found = ClassPaper.objects.filter(training_class=training_class, kind=paper).first()
    if found is None:
        raise PaperNotFound(f"培训班未提交材料“{paper}”")
    return FileResponse(
        found.file.open("rb"),
        content_type=PDF_TYPE,
        filename=f"{training_class.title}-{found.get_kind_display()}.pdf",
    )


@router.post(
    "/classes/{class_id}/close",
    response={200: CloseOut, **error_responses(403, 404, 409)},
    operation_id="training_class_close",
    summary="Close the class (结班): completions, 学时 and certificates, once",
    description="Refused (409, `missing` listing each problem) while a session is not "
    "held, a leave or 补签 request or an application is open, or a paper the "
    "district asks for is missing; a second close is refused (409).",
)
def class_close(request: HttpRequest, class_id: int):
    training_class = _class(request, class_id)
    result = services.class_close(user=request.user, training_class=training_class)
    return Status(
        200,
        {
            "training_class": training_class.pk,
            "closed_at": result.training_class.closed_at,
            "completions": len(result.completions),
            "not_completed": len(result.not_completed),
            "hours": selectors.class_hours(training_class=result.training_class),
            "certificates_requested": result.certificates_requested,
        },
    )


# --- shared courses (共建共享) --------------------------------------------------------


def _course(course_id: int) -> CoursePage:
    course = CoursePage.objects.filter(pk=course_id).specific().first()
    if course is None:
        raise CourseNotFound(f"课程 {course_id} 不存在")
    return course


def _sharing_out(sharing: CourseSharing, adoption_id: int | None) -> dict:
    return {
        "course": sharing.course_id,
        "title": sharing.course.title,
        "organisation": sharing.organisation.code,
        "organisation_name": sharing.organisation.name,
        "scope": sharing.scope,
        "scope_label": sharing.get_scope_display(),
        "shared_with": [o.code for o in sharing.shared_with.all()],
        "shared_at": sharing.shared_at,
        "adoption": adoption_id,
    }


def _adoption_out(adoption: CourseAdoption) -> dict:
    return {
        "id": adoption.pk,
        "organisation": adoption.organisation.code,
        "organisation_name": adoption.organisation.name,
        "course": adoption.course_id,
        "course_title": adoption.course.title,
        "topic": adoption.topic_id,
        "plan_line": adoption.plan_line_id,
        "adopted_at": adoption.adopted_at,
        "withdrawn_at": adoption.withdrawn_at,
    }


@router.get(
    "/shared-courses",
    response={200: SharedCourseListOut, **error_responses(403, 404)},
    operation_id="training_shared_courses",
    summary="Courses shared with an organisation (共建共享), to adopt",
    description="For the organisation's administrators: the live courses a higher "
    "level shares with its subtree, or another organisation with it or with all.",
)
def shared_courses(request: HttpRequest, organisation: str):
    node = services.organisation_find(code=organisation)
    if not user_can_report_on(user=request.user, organisation=node):
        raise NotOrganiser(f"党组织“{node.name}”不在您管理的范围内")
    adopted = {a.course_id: a.pk for a in selectors.adoptions_active(organisation=node)}
    items = [
        _sharing_out(sharing, adopted.get(sharing.course_id))
        for sharing in selectors.courses_shared_with(organisation=node)
    ]
    return Status(200, {"organisation": node.code, "items": items})


@router.put(
    "/shared-courses/{shared_course_id}",
    response={200: SharedCourseOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_course_share",
    summary="Share a course the organisation owns (共建共享)",
    description="For the owning organisation's administrators: with the "
    "organisations below it, also with named ones, or with every organisation.",
)
def course_share(request: HttpRequest, shared_course_id: int, payload: CourseShareIn):
    course = _course(shared_course_id)
    node = services.organisation_find(code=payload.organisation)
    named = [services.organisation_find(code=code) for code in payload.shared_with]
    sharing = services.course_share(
        user=request.user,
        course=course,
        organisation=node,
        scope=payload.scope,
        shared_with=named,
    )
    return Status(200, _sharing_out(sharing, None))


@router.get(
    "/shared-courses/{shared_course_id}/adoptions",
    response={200: AdoptionFiguresOut, **error_responses(403, 404)},
    operation_id="training_course_adoption_figures",
    summary="Who adopted a shared course and how many completed it",
    description="For administrators of the owning organisation or a level above: "
    "each adopting organisation with its own members' completions, and all of them "
    "with the owner's.",
)
def adoption_figures(request: HttpRequest, shared_course_id: int):
    sharing = (
        CourseSharing.objects.select_related("organisation", "course")
        .filter(course_id=shared_course_id)
        .first()
    )
    if sharing is None:
        raise CourseNotFound(f"课程 {shared_course_id} 没有共享")
    if not user_can_report_on(user=request.user, organisation=sharing.organisation):
        raise NotOrganiser(f"党组织“{sharing.organisation.name}”不在您管理的范围内")
    figures = selectors.course_sharing_figures(sharing=sharing)
    return Status(
        200,
        {
            "course": sharing.course_id,
            "title": sharing.course.title,
            "organisation": sharing.organisation.code,
            "adopted_by": len(figures.adopters),
            "own_completions": figures.own_completions,
            "completions": figures.completions,
            "adopters": [
                {
                    "organisation": a.organisation.code,
                    "organisation_name": a.organisation.name,
                    "adopted_at": a.adopted_at,
                    "completions": a.completions,
                }
                for a in figures.adopters
            ],
        },
    )


@router.post(
    "/adoptions",
    response={201: AdoptionOut, **error_responses(400, 403, 404, 409)},
    operation_id="training_course_adopt",
    summary="Adopt a shared course into the organisation's topic and plan line",
    description="For the adopting organisation's administrators. The topic shows "
    "the course by a link (its lessons are not copied). A course not shared with "
    "the organisation is 404, adopted twice 409.",
)
def course_adopt(request: HttpRequest, payload: AdoptIn):
    node = services.organisation_find(code=payload.organisation)
    course = _course(payload.course)
    topic = None
    if payload.topic is not None:
        topic = TopicPage.objects.filter(pk=payload.topic).first()
        if topic is None:
            raise TrainingError(f"专题 {payload.topic} 不存在", code="topic_not_found")
    line = None
    if payload.plan_line is not None:
        line = (
            PlanLine.objects.select_related("plan").filter(pk=payload.plan_line).first()
        )
        if line is None:
            raise PlanLineNotFound(f"计划培训项目 {payload.plan_line} 不存在")
    adoption = services.course_adopt(
        user=request.user, organisation=node, course=course, topic=topic, plan_line=line
    )
    return Status(201, _adoption_out(adoption))


@router.post(
    "/adoptions/{adoption_id}/withdraw",
    response={200: AdoptionOut, **error_responses(403, 404, 409)},
    operation_id="training_course_adoption_withdraw",
    summary="Withdraw a course adoption",
    description="For the adopting organisation's administrators; the record stays, "
    "the topic link the adoption made goes.",
)
def adoption_withdraw(request: HttpRequest, adoption_id: int):
    adoption = selectors.adoption_for_user(user=request.user, adoption_id=adoption_id)
    if adoption is None:
        raise AdoptionNotFound(f"课程采用 {adoption_id} 不存在")
    adoption = services.course_adoption_withdraw(user=request.user, adoption=adoption)
    return Status(200, _adoption_out(adoption))
