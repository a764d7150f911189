"""年度培训计划: drafting, submitting for 备案, filing or returning, and revising a
filed plan. A submitted or filed revision is never changed in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from learning.models import Organisation
from learning.selectors.scoping import UserLike
from training import selectors
from training.errors import (
    InvalidPlan,
    NotParentAdministrator,
    NotPlanAdministrator,
    OrganisationNotFound,
    PlanFrozen,
    PlanStateConflict,
)
from training.models import PlanLine, TargetGroup, TrainingKind, TrainingPlan

COMMENT_MAX = 1000


@dataclass(frozen=True)
class LineDraft:
    """One line of a plan as a client or a form sends it."""

    title: str
    kind: str
    target_groups: list[str] = field(default_factory=list)
    planned_classes: int = 1
    planned_people: int = 0
    planned_hours: Decimal = Decimal("0")
    months: list[int] = field(default_factory=list)
    lecturers_or_topics: str = ""


def organisation_find(*, code: str) -> Organisation:
    """The organisation with ``code``. Raises OrganisationNotFound."""
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise OrganisationNotFound(f"党组织 {code} 不存在")
    return organisation


def _may_draft(user: UserLike, organisation: Organisation) -> None:
    if not selectors.plan_may_draft(user=user, organisation=organisation):
        raise NotPlanAdministrator(
            f"只有“{organisation.name}”的管理员可以编制、修改和报备其年度培训计划"
        )


def _line_checked(draft: LineDraft, number: int) -> LineDraft:
    where = f"第 {number} 项"
    if not (draft.title or "").strip():
        raise InvalidPlan(f"{where}：培训项目名称不能为空", code="line_title_required")
    if draft.kind not in TrainingKind.values:
        raise InvalidPlan(
            f"{where}：培训类型“{draft.kind}”无效，可选 "
            + "、".join(f"{v}（{label}）" for v, label in TrainingKind.choices),
            code="invalid_kind",
        )
    groups = list(dict.fromkeys(draft.target_groups))
    unknown = [g for g in groups if g not in TargetGroup.values]
    if unknown:
        raise InvalidPlan(
            f"{where}：培训对象“{'、'.join(map(str, unknown))}”无效",
            code="invalid_target_group",
        )
    if not groups:
        raise InvalidPlan(f"{where}：至少选择一类培训对象", code="target_required")
    months = sorted(set(draft.months))
    bad = [m for m in months if not (isinstance(m, int) and 1 <= m <= 12)]
    if bad:
        raise InvalidPlan(f"{where}：月份须在 1 到 12 之间", code="invalid_month")
    if draft.planned_classes < 0 or draft.planned_people < 0:
        raise InvalidPlan(f"{where}：期数和人次不能为负数", code="invalid_figure")
    hours = Decimal(str(draft.planned_hours))
    if hours < 0 or hours >= Decimal("1000000"):
        raise InvalidPlan(f"{where}：学时须在 0 到 999999 之间", code="invalid_figure")
    return LineDraft(
        title=draft.title.strip()[:200],
        kind=draft.kind,
        target_groups=groups,
        planned_classes=draft.planned_classes,
        planned_people=draft.planned_people,
        planned_hours=hours,
        months=months,
        lecturers_or_topics=(draft.lecturers_or_topics or "").strip(),
    )


def _lines_write(plan: TrainingPlan, lines: list[LineDraft]) -> None:
    checked = [_line_checked(line, n) for n, line in enumerate(lines, 1)]
    plan.lines.all().delete()
    PlanLine.objects.bulk_create(
        PlanLine(plan=plan, position=n, **vars(line)) for n, line in enumerate(checked)
    )


def _year_checked(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise InvalidPlan("年度须在 2000 到 2100 之间", code="invalid_year")
    return year


def plan_create(
    *,
    user: UserLike,
    organisation: Organisation,
    year: int,
    title: str,
    notes: str = "",
    lines: list[LineDraft] | None = None,
) -> TrainingPlan:
    """Draft the organisation's plan for ``year`` (revision 1).

    Raises NotPlanAdministrator (not an administrator of the organisation),
    InvalidPlan (a bad line, year or title) and PlanStateConflict (the
    organisation has a plan for that year already: change it or revise it)."""
    _may_draft(user, organisation)
    _year_checked(year)
    if not (title or "").strip():
        raise InvalidPlan("计划名称不能为空", code="title_required")
    with transaction.atomic():
        if TrainingPlan.objects.filter(organisation=organisation, year=year).exists():
            raise PlanStateConflict(
                f"“{organisation.name}”已有 {year} 年度培训计划，请修改或提交新版本",
                code="plan_exists",
            )
        try:
            with transaction.atomic():
                plan = TrainingPlan.objects.create(
                    organisation=organisation,
                    year=year,
                    title=title.strip()[:200],
                    notes=notes or "",
                    created_by=user if user.is_authenticated else None,
                )
        except IntegrityError:
            raise PlanStateConflict(
                f"“{organisation.name}”已有 {year} 年度培训计划", code="plan_exists"
            ) from None
        _lines_write(plan, lines or [])
    return plan


def _frozen_check(plan: TrainingPlan) -> None:
    if plan.status == TrainingPlan.Status.FILED:
        raise PlanFrozen(
            f"“{plan}”已备案，不能直接修改；请提交新版本（修订）后重新报备"
        )
    if plan.status == TrainingPlan.Status.SUBMITTED:
        raise PlanFrozen(f"“{plan}”已报备待审，审核前不能修改")


def plan_update(
    *,
    user: UserLike,
    plan: TrainingPlan,
    title: str | None = None,
    notes: str | None = None,
    lines: list[LineDraft] | None = None,
) -> TrainingPlan:
    """Change a draft or returned plan: its title, notes and (when given) all its
    lines. Raises NotPlanAdministrator, PlanFrozen (submitted or filed) and
    InvalidPlan."""
    _may_draft(user, plan.organisation)
    with transaction.atomic():
        plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
        _frozen_check(plan)
        if title is not None:
            if not title.strip():
                raise InvalidPlan("计划名称不能为空", code="title_required")
            plan.title = title.strip()[:200]
        if notes is not None:
            plan.notes = notes
        plan.save(update_fields=["title", "notes"])
        if lines is not None:
            _lines_write(plan, lines)
    return plan


def plan_delete(*, user: UserLike, plan: TrainingPlan) -> None:
    """Delete a draft that was never submitted. Raises NotPlanAdministrator and
    PlanFrozen (anything but a draft)."""
    _may_draft(user, plan.organisation)
    with transaction.atomic():
        plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != TrainingPlan.Status.DRAFT:
            raise PlanFrozen(f"“{plan}”已报备过，不能删除", code="plan_frozen")
        plan.delete()


def plan_submit(*, user: UserLike, plan: TrainingPlan) -> TrainingPlan:
    """Submit a draft or returned plan to the parent organisation for 备案.

    Raises NotPlanAdministrator, PlanStateConflict (submitted already, filed, or
    without lines)."""
    _may_draft(user, plan.organisation)
    with transaction.atomic():
        plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == TrainingPlan.Status.SUBMITTED:
            raise PlanStateConflict(
                f"“{plan}”已报备，正在等待上级备案，不能重复报备",
                code="already_submitted",
            )
        if plan.status == TrainingPlan.Status.FILED:
            raise PlanStateConflict(
                f"“{plan}”已备案；如需调整请提交新版本", code="already_filed"
            )
        if not plan.lines.exists():
            raise PlanStateConflict(
                f"“{plan}”还没有培训项目，不能报备", code="plan_empty"
            )
        plan.status = TrainingPlan.Status.SUBMITTED
        plan.submitted_at = timezone.now()
        plan.submitted_by = user
        plan.save(update_fields=["status", "submitted_at", "submitted_by"])
    return plan


def plan_decide(
    *, user: UserLike, plan: TrainingPlan, file: bool, comment: str = ""
) -> TrainingPlan:
    """File (备案, ``file``) or return a submitted plan with ``comment`` (needed
    to return). Raises NotParentAdministrator (not an administrator of the parent
    organisation or a level above), PlanStateConflict (not submitted) and
    InvalidPlan (returned without a comment)."""
    if not selectors.plan_may_decide(user=user, plan=plan):
        parent = plan.organisation.parent
        where = f"上级党组织“{parent.name}”" if parent else "上级组织部门"
        raise NotParentAdministrator(
            f"“{plan.organisation.name}”的年度培训计划只能由{where}的管理员备案或退回"
        )
    comment = (comment or "").strip()
    if not file and not comment:
        raise InvalidPlan("退回计划须填写审核意见", code="comment_required")
    if len(comment) > COMMENT_MAX:
        raise InvalidPlan(f"审核意见不能超过 {COMMENT_MAX} 字", code="comment_too_long")
    with transaction.atomic():
        plan = (
            TrainingPlan.objects.select_for_update()
            .select_related("organisation")
            .get(pk=plan.pk)
        )
        if plan.status != TrainingPlan.Status.SUBMITTED:
            raise PlanStateConflict(
                f"“{plan}”当前状态为“{plan.get_status_display()}”，只有已报备的计划"
                "可以备案或退回",
                code="not_submitted",
            )
        plan.status = (
            TrainingPlan.Status.FILED if file else TrainingPlan.Status.RETURNED
        )
        plan.comment = comment
        plan.decided_at = timezone.now()
        plan.decided_by = user
        plan.save(update_fields=["status", "comment", "decided_at", "decided_by"])
    return plan


def plan_revise(*, user: UserLike, plan: TrainingPlan) -> TrainingPlan:
    """A new draft revision of a filed plan: its lines copied (each remembering the
    line it came from, so the classes of the old line count for the new one), the
    next revision number, to be submitted and filed again.

    Raises NotPlanAdministrator, PlanStateConflict (the plan is not filed, or a
    newer revision exists)."""
    _may_draft(user, plan.organisation)
    with transaction.atomic():
        plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != TrainingPlan.Status.FILED:
            raise PlanStateConflict(
                f"只有已备案的计划可以修订，“{plan}”当前为“{plan.get_status_display()}”",
                code="not_filed",
            )
        latest = TrainingPlan.objects.filter(
            organisation=plan.organisation, year=plan.year
        ).aggregate(latest=Max("revision"))["latest"]
        if latest != plan.revision:
            raise PlanStateConflict(
                f"“{plan.title}”已有第 {latest} 版，请在最新版本上修改",
                code="newer_revision",
            )
        try:
            with transaction.atomic():
                revision = TrainingPlan.objects.create(
                    organisation=plan.organisation,
                    year=plan.year,
                    revision=plan.revision + 1,
                    title=plan.title,
                    notes=plan.notes,
                    revises=plan,
                    created_by=user,
                )
        except IntegrityError:
            raise PlanStateConflict(
                f"“{plan.title}”的新版本已由他人创建", code="newer_revision"
            ) from None
        PlanLine.objects.bulk_create(
            PlanLine(
                plan=revision,
                position=line.position,
                title=line.title,
                kind=line.kind,
                target_groups=line.target_groups,
                planned_classes=line.planned_classes,
                planned_people=line.planned_people,
                planned_hours=line.planned_hours,
                months=line.months,
                lecturers_or_topics=line.lecturers_or_topics,
                copied_from=line,
            )
            for line in plan.lines.all()
        )
    return revision
