"""Yearly training plans filed upward (年度培训计划, 备案) and what running a class
to 结业 records: enrolments, leave and 补签 requests for its sessions and the papers
attached at 结班.

The class, its sessions and the completions (``ClassCompletion``, which
certificates are issued on) stay in ``learning``, beside attendance and 学时; this
app adds the plan they belong to and the records of running them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class TrainingKind(models.TextChoices):
    DEMONSTRATION = "demonstration", "示范培训"
    GENERAL = "general", "普遍培训"
    SAFETY_NET = "safety_net", "兜底培训"
    THEMATIC = "thematic", "专题培训"


class TargetGroup(models.TextChoices):
    SECRETARY = "secretary", "书记"
    COMMITTEE = "committee", "两委成员"
    ORDINARY = "ordinary", "普通党员"
    MOBILE = "mobile", "流动党员"
    INFIRM = "infirm", "老弱病残党员"


class PaperKind(models.TextChoices):
    TIMETABLE = "timetable", "课程表"
    SIGNIN = "signin", "签到表"
    SUMMARY = "summary", "培训总结"
    PHOTOS = "photos", "培训影像资料"


class TrainingPlan(models.Model):
    """年度培训计划: one organisation's plan for a year, in revisions. A revision is
    drafted, submitted to the parent organisation for 备案, then filed (frozen) or
    returned with a comment; a change to a filed plan is a new revision."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已报备待审"
        FILED = "filed", "已备案"
        RETURNED = "returned", "已退回"

    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="党组织",
        on_delete=models.CASCADE,
        related_name="training_plans",
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    revision = models.PositiveSmallIntegerField("版本", default=1)
    title = models.CharField("计划名称", max_length=200)
    notes = models.TextField("说明", blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    revises = models.ForeignKey(
        "self",
        verbose_name="修订自",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("报备时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报备人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "年度培训计划"
        verbose_name_plural = "年度培训计划"
        ordering = ["organisation__path", "-year", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "revision"],
                name="unique_training_plan_revision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（第 {self.revision} 版）"

    @property
    def is_frozen(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.FILED)


class PlanLine(models.Model):
    """计划培训班: one planned line of a plan: the kind of training, for whom, how many
    classes (期数), member-times (人次) and 学时, in which months, by whom or on what."""

    plan = models.ForeignKey(
        TrainingPlan,
        verbose_name="培训计划",
        on_delete=models.CASCADE,
        related_name="lines",
    )
    position = models.PositiveSmallIntegerField("序号", default=0)
    title = models.CharField("培训项目", max_length=200)
    kind = models.CharField("培训类型", max_length=16, choices=TrainingKind.choices)
    target_groups = models.JSONField(
        "培训对象",
        default=list,
        help_text="书记、两委成员、普通党员、流动党员、老弱病残党员，可多选",
    )
    planned_classes = models.PositiveIntegerField("计划期数", default=1)
    planned_people = models.PositiveIntegerField("计划人次", default=0)
    planned_hours = models.DecimalField(
        "计划学时",
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    months = models.JSONField("计划月份", default=list, help_text="1–12 月，可多选")
    lecturers_or_topics = models.TextField("师资或专题", blank=True)
    # The line this one was copied from in the previous revision: classes of the
    # old line count for the new one in plan against actual.
    copied_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "计划培训项目"
        verbose_name_plural = "计划培训项目"
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_kind_display()}）"

    def target_group_labels(self) -> list[str]:
        labels = dict(TargetGroup.choices)
        return [labels.get(group, group) for group in self.target_groups]


class SharingScope(models.TextChoices):
    SUBTREE = "subtree", "本级下属党组织"
    NAMED = "named", "下属及指定党组织"
    ALL = "all", "所有党组织（跨区共享）"


class CourseSharing(models.Model):
    """共建共享: the organisation that owns a course and who may adopt it: the
    organisations below it, those and the named ones (with theirs), or every
    organisation (shared across districts)."""

    course = models.OneToOneField(
        "cms.CoursePage",
        verbose_name="课程",
        on_delete=models.CASCADE,
        related_name="sharing",
    )
    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="所属党组织",
        on_delete=models.CASCADE,
        related_name="courses_owned",
    )
    scope = models.CharField("共享范围", max_length=16, choices=SharingScope.choices)
    shared_with = models.ManyToManyField(
        "learning.Organisation",
        verbose_name="指定共享党组织",
        blank=True,
        related_name="courses_shared_with",
    )
    shared_at = models.DateTimeField("共享时间")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="共享人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "共享课程"
        verbose_name_plural = "共享课程"


class CourseAdoption(models.Model):
    """采用: a course shared by another organisation taken into this one's topic
    (a link, the lessons stay the owner's) and plan line. Withdrawing keeps the
    record; an organisation adopts a course once at a time."""

    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="采用党组织",
        on_delete=models.CASCADE,
        related_name="course_adoptions",
    )
    course = models.ForeignKey(
        "cms.CoursePage",
        verbose_name="课程",
        on_delete=models.CASCADE,
        related_name="adoptions",
    )
    topic = models.ForeignKey(
        "cms.TopicPage",
        verbose_name="纳入专题",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Whether adopting put the course into the topic (withdrawing takes out only
    # a link it made).
    topic_linked = models.BooleanField(default=False, editable=False)
    plan_line = models.ForeignKey(
        PlanLine,
        verbose_name="计划培训项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="course_adoptions",
    )
    adopted_at = models.DateTimeField("采用时间")
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="采用人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "课程采用"
        verbose_name_plural = "课程采用"
        ordering = ["-adopted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "course"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="unique_active_course_adoption",
            )
        ]


class ClassEnrolment(models.Model):
    """参训学员: a member enrolled in a class, by the organiser (by organisation) or by
    the member's application, approved or refused by the organiser."""

    class Status(models.TextChoices):
        APPLIED = "applied", "待审核"
        ENROLLED = "enrolled", "已报名"
        REFUSED = "refused", "未通过"

    class Via(models.TextChoices):
        ORGANISATION = "organisation", "组织调训"
        APPLICATION = "application", "个人报名"

    training_class = models.ForeignKey(
        "learning.TrainingClass",
        verbose_name="培训班",
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    member = models.ForeignKey(
        "learning.Member",
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="class_enrolments",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    via = models.CharField("方式", max_length=16, choices=Via.choices)
    reason = models.CharField("报名理由/审核意见", max_length=200, blank=True)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "参训学员"
        verbose_name_plural = "参训学员"
        ordering = ["training_class", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "member"], name="unique_class_enrolment"
            )
        ]


class SessionRequest(models.Model):
    """请假 or 补签 for a session of a class, decided by the organiser (the patterns of
    branch meetings' leave and 补签). An approved 补签 records the attendance."""

    class Kind(models.TextChoices):
        LEAVE = "leave", "请假"
        LATE_ENTRY = "late_entry", "补签"

    class Status(models.TextChoices):
        REQUESTED = "requested", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "未批准"

    session = models.ForeignKey(
        "learning.TrainingSession",
        verbose_name="课次",
        on_delete=models.CASCADE,
        related_name="requests",
    )
    member = models.ForeignKey(
        "learning.Member",
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="session_requests",
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    reason = models.CharField("事由", max_length=200)
    asked_at = models.DateTimeField("申请时间")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "请假/补签申请"
        verbose_name_plural = "请假/补签申请"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member", "kind"], name="unique_session_request"
            )
        ]


def paper_path(instance: ClassPaper, filename: str) -> str:
    # Not guessable: a sign-in sheet names members; the API serves it to organisers.
    token = secrets.token_hex(12)
    return f"training/papers/{instance.training_class_id}/{instance.kind}-{token}.pdf"


class ClassPaper(models.Model):
    """结班材料: a paper attached to a class for 结班 (课程表, 签到表 …), generated by
    the platform from its records or uploaded by the organiser."""

    training_class = models.ForeignKey(
        "learning.TrainingClass",
        verbose_name="培训班",
        on_delete=models.CASCADE,
        related_name="papers",
    )
    kind = models.CharField("材料", max_length=16, choices=PaperKind.choices)
    file = models.FileField("文件", upload_to=paper_path, max_length=255)
    generated = models.BooleanField("平台生成", default=False)
    attached_at = models.DateTimeField("提交时间", auto_now=True)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "结班材料"
        verbose_name_plural = "结班材料"
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "kind"], name="unique_class_paper"
            )
        ]


def default_required_papers() -> list[str]:
    return [PaperKind.TIMETABLE, PaperKind.SIGNIN]


@register_setting(icon="list-ul")
class TrainingRule(BaseGenericSetting):
    """培训设置: the papers a class needs at 结班 and the yearly plan deadline."""

    required_papers = models.JSONField(
        "结班必备材料",
        default=default_required_papers,
        blank=True,
        help_text="结班前必须提交的材料：timetable 课程表、signin 签到表、summary "
        "培训总结（课程表和签到表由平台生成；培训影像资料可以上传，但从不作为必备材料）",
    )
    plan_due_month = models.PositiveSmallIntegerField(
        "年度计划报备截止月",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    plan_due_day = models.PositiveSmallIntegerField(
        "年度计划报备截止日",
        default=31,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    plan_reminder_days = models.PositiveSmallIntegerField("提前提醒天数", default=7)

    panels = [
        FieldPanel("required_papers"),
        FieldRowPanel([FieldPanel("plan_due_month"), FieldPanel("plan_due_day")]),
        FieldPanel("plan_reminder_days"),
    ]

    class Meta:
        verbose_name = "培训设置"
