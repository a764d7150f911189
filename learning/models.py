"""Organisations, members, assignments, progress, completion, 学时 and attendance.

The organisation tree is stored as a materialised path: every node's ``path`` is its
parent's path plus a fixed-width segment, so "this subtree" is one indexed
``path LIKE 'prefix%'`` and a drill-down groups by the first characters of the path.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from cms.fields import MemberTypesField
from learning.choices import MemberType

PATH_STEP = 6
PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def path_segment(number: int) -> str:
    """A fixed-width base-36 segment for ``number`` (enough for 2 billion nodes)."""
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(PATH_ALPHABET[rest])
    return "".join(reversed(digits)).rjust(PATH_STEP, "0")


class Organisation(models.Model):
    """党组织: a node of the tree (district → sub-district → community → branch)."""

    class Kind(models.TextChoices):
        DISTRICT = "district", "区（党委）"
        SUBDISTRICT = "subdistrict", "街道（党工委）"
        COMMUNITY = "community", "社区（党委）"
        BRANCH = "branch", "党支部"
        AGENCY = "agency", "机关党组织"
        FIRM = "firm", "企业党组织"
        SCHOOL = "school", "学校党组织"

    code = models.CharField("组织代码", max_length=40, unique=True)
    name = models.CharField("组织名称", max_length=120)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=1)

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("parent"),
    ]

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs) -> None:
        # The path is derived data that every subtree query relies on, so it is kept
        # right on every save (including the admin's), and moved subtrees follow.
        with transaction.atomic():
            if self.pk is None:
                self.path = ""
                super().save(*args, **kwargs)
                kwargs = {}
            old_path = (
                type(self).objects.filter(pk=self.pk).values_list("path", flat=True)[0]
            )
            parent_path = ""
            if self.parent_id:
                parent = type(self).objects.get(pk=self.parent_id)
                if parent.path.startswith(old_path) and old_path:
                    raise ValueError("不能把组织移动到它自己的下级组织之下")
                parent_path = parent.path
            self.path = parent_path + path_segment(self.pk)
            self.depth = len(self.path) // PATH_STEP
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                from django.db.models.functions import Concat, Substr

                type(self).objects.filter(path__startswith=old_path).exclude(
                    pk=self.pk
                ).update(
                    path=Concat(
                        models.Value(self.path),
                        Substr("path", len(old_path) + 1),
                        output_field=models.CharField(),
                    )
                )
                for node in type(self).objects.filter(path__startswith=self.path):
                    depth = len(node.path) // PATH_STEP
                    if node.depth != depth:
                        type(self).objects.filter(pk=node.pk).update(depth=depth)

    def subtree(self) -> models.QuerySet[Organisation]:
        return type(self).objects.filter(path__startswith=self.path)


class Member(models.Model):
    """党员: a user's membership profile."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户账号",
        on_delete=models.CASCADE,
        related_name="party_member",
    )
    name = models.CharField("姓名", max_length=60)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="所在党组织",
        on_delete=models.PROTECT,
        related_name="members",
    )
    member_type = models.CharField(
        "党员类别",
        max_length=16,
        choices=MemberType.choices,
        default=MemberType.REGULAR,
        db_index=True,
    )
    join_date = models.DateField("入党日期", null=True, blank=True)

    panels = [
        FieldPanel("user"),
        FieldPanel("name"),
        FieldPanel("organisation"),
        FieldPanel("member_type"),
        FieldPanel("join_date"),
    ]

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["organisation__path", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The report roll-ups follow a member's move in the same transaction
        # (learning.signal_handlers).
        with transaction.atomic():
            super().save(*args, **kwargs)


class OrganisationAdministrator(models.Model):
    """Ties an account to the organisation whose subtree it administers (书记/管理员).

    Such an account sees reports, members and imports of that subtree only.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="管理账号",
        on_delete=models.CASCADE,
        related_name="administered_organisations",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="管理的党组织",
        on_delete=models.CASCADE,
        related_name="administrators",
    )

    panels = [FieldPanel("user"), FieldPanel("organisation")]

    class Meta:
        verbose_name = "组织管理员"
        verbose_name_plural = "组织管理员"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="unique_organisation_admin"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation}"


class Assignment(models.Model):
    """必修指派: a topic or course required of an organisation subtree by a deadline."""

    content = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="专题或课程",
        on_delete=models.CASCADE,
        related_name="learning_assignments",
        limit_choices_to={"content_type__model__in": ["topicpage", "coursepage"]},
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="党组织（含下级）",
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    member_types = MemberTypesField("党员类别", help_text="不选表示全体党员")
    deadline = models.DateField("截止日期")
    created_at = models.DateTimeField("指派时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="指派人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("content"),
        FieldPanel("organisation"),
        FieldPanel("member_types"),
        FieldPanel("deadline"),
    ]

    class Meta:
        verbose_name = "必修指派"
        verbose_name_plural = "必修指派"
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return f"{self.content.title} → {self.organisation.name}"


class Enrolment(models.Model):
    """选课: a member's self-enrolment in an elective course."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(
        "cms.CoursePage",
        verbose_name="课程",
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    enrolled_at = models.DateTimeField("选课时间", auto_now_add=True)

    class Meta:
        verbose_name = "选课"
        verbose_name_plural = "选课"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "course"], name="unique_enrolment"
            )
        ]


class LessonProgress(models.Model):
    """A member's record for one lesson (微党课 or VR 课件): the union of watched
    intervals, the resume position, and completion (which never regresses)."""

    class Via(models.TextChoices):
        ONLINE = "online", "在线学习"
        ATTENDANCE = "attendance", "现场签到"

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="progress"
    )
    lesson = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="微党课",
        on_delete=models.CASCADE,
        related_name="learning_progress",
    )
    intervals = models.JSONField("已观看区间", default=list)
    watched_seconds = models.FloatField("去重观看秒数", default=0)
    duration = models.PositiveIntegerField("时长（秒）", default=0)
    position = models.FloatField("续播位置", default=0)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_via = models.CharField(
        "完成方式", max_length=16, choices=Via.choices, blank=True
    )
    # Per playback (client uuid): its first beat, credit so far, the seqs seen and
    # the latest answers, so a replayed beat gets the same answer (services).
    playbacks = models.JSONField(default=dict, editable=False)
    # Bumped on every write; heartbeats update only the version they read and retry
    # otherwise, so concurrent beats never overwrite each other.
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "学习进度"
        verbose_name_plural = "学习进度"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "lesson"], name="unique_lesson_progress"
            )
        ]


class MemberCreditClock(models.Model):
    """How far a member's watching credit has used up wall-clock time, across every
    lesson and VR courseware: each credited second moves ``clock`` on by
    1 / the maximum playback rate, and it may run at most the slack ahead of now, so
    a member who plays many lessons at once earns no more than one wall clock
    (``learning.services.progress``). It also counts the member's heartbeats in
    the current minute (Unix time // 60), for their rate limit."""

    member = models.OneToOneField(
        Member,
        verbose_name="党员",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="credit_clock",
    )
    clock = models.FloatField(null=True, editable=False)  # Unix time; None: unused
    # Heartbeats this minute (the rate limit, counted with the beat's own write).
    beat_minute = models.BigIntegerField(null=True, editable=False)
    beats = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "学时计时"
        verbose_name_plural = "学时计时"


class CourseCompletion(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="course_completions"
    )
    course = models.ForeignKey(
        "cms.CoursePage", on_delete=models.CASCADE, related_name="completions"
    )
    completed_at = models.DateTimeField("完成时间")

    class Meta:
        verbose_name = "课程完成"
        verbose_name_plural = "课程完成"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "course"], name="unique_course_completion"
            )
        ]


class TopicCompletion(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="topic_completions"
    )
    topic = models.ForeignKey(
        "cms.TopicPage", on_delete=models.CASCADE, related_name="completions"
    )
    completed_at = models.DateTimeField("完成时间")

    class Meta:
        verbose_name = "专题完成"
        verbose_name_plural = "专题完成"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "topic"], name="unique_topic_completion"
            )
        ]


class ExamPass(models.Model):
    """结业考试通过: a member passed a course's exam (recorded by the assessment app
    through ``learning.services.course_exam_pass_record``). A course that requires its
    exam completes only once this row exists and its lessons are complete."""

    member = models.ForeignKey(
        Member,
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="exam_passes",
    )
    course = models.ForeignKey(
        "cms.CoursePage",
        verbose_name="课程",
        on_delete=models.CASCADE,
        related_name="exam_passes",
    )
    passed_at = models.DateTimeField("通过时间")
    score = models.DecimalField("成绩", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "结业考试通过"
        verbose_name_plural = "结业考试通过"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "course"], name="unique_exam_pass"
            )
        ]


class CreditRecord(models.Model):
    """学时记录: 学时 earned by completing a course, attending a session or passing a
    course's exam."""

    class Source(models.TextChoices):
        COURSE = "course", "完成课程"
        SESSION = "session", "参加培训"
        EXAM = "exam", "通过结业考试"
        CLASS = "class", "培训班结业"

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="credits"
    )
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    source_id = models.PositiveBigIntegerField("来源编号")
    title = models.CharField("名称", max_length=255)
    hours = models.DecimalField("学时", max_digits=6, decimal_places=2)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    earned_at = models.DateTimeField("获得时间")

    class Meta:
        verbose_name = "学时记录"
        verbose_name_plural = "学时记录"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "source", "source_id"], name="unique_credit"
            )
        ]
        indexes = [models.Index(fields=["year", "member"])]


@register_setting(icon="time")
class CreditHourRule(BaseGenericSetting):
    """学时规则: 学时 per lesson by duration (when a course sets none), per passed
    course exam, and the yearly target per member type."""

    long_minutes = models.PositiveSmallIntegerField("长课时长（分钟）", default=30)
    long_hours = models.DecimalField(
        "长课学时", max_digits=4, decimal_places=2, default=Decimal("1")
    )
    medium_minutes = models.PositiveSmallIntegerField("中课时长（分钟）", default=15)
    medium_hours = models.DecimalField(
        "中课学时", max_digits=4, decimal_places=2, default=Decimal("0.5")
    )
    short_hours = models.DecimalField(
        "短课学时", max_digits=4, decimal_places=2, default=Decimal("0.25")
    )
    exam_pass_hours = models.DecimalField(
        "通过结业考试学时",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.5"),
        validators=[MinValueValidator(0)],
        help_text="每通过一门课程的结业考试获得的学时（每门课程只计一次）",
    )
    target_regular = models.DecimalField(
        "普通党员年度目标学时", max_digits=6, decimal_places=2, default=Decimal("32")
    )
    target_mobile = models.DecimalField(
        "流动党员年度目标学时", max_digits=6, decimal_places=2, default=Decimal("32")
    )
    target_retired = models.DecimalField(
        "离退休党员年度目标学时", max_digits=6, decimal_places=2, default=Decimal("32")
    )
    target_secretary = models.DecimalField(
        "书记及两委年度目标学时", max_digits=6, decimal_places=2, default=Decimal("56")
    )

    panels = [
        FieldRowPanel([FieldPanel("long_minutes"), FieldPanel("long_hours")]),
        FieldRowPanel([FieldPanel("medium_minutes"), FieldPanel("medium_hours")]),
        FieldPanel("short_hours"),
        FieldPanel("exam_pass_hours"),
        FieldRowPanel([FieldPanel("target_regular"), FieldPanel("target_mobile")]),
        FieldRowPanel([FieldPanel("target_retired"), FieldPanel("target_secretary")]),
    ]

    class Meta:
        verbose_name = "学时规则"

    def target_for(self, member_type: str) -> Decimal:
        return getattr(self, f"target_{member_type}")


def new_checkin_secret() -> str:
    return secrets.token_hex(20)


class TrainingClass(ClusterableModel):
    """培训班: an offline class made of sessions, and who may attend it."""

    class Audience(models.TextChoices):
        SUBTREE = "subtree", "本组织及下级党组织的党员"
        OPEN = "open", "所有党员"

    class EnrolmentMode(models.TextChoices):
        ORGANISATION = "organisation", "组织调训"
        APPLICATION = "application", "个人报名，组织审核"
        BOTH = "both", "组织调训和个人报名"

    title = models.CharField("培训班名称", max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="主办党组织",
        on_delete=models.PROTECT,
        related_name="training_classes",
    )
    attendance = models.CharField(
        "参训范围",
        max_length=16,
        choices=Audience.choices,
        default=Audience.SUBTREE,
        help_text="谁可以签到：主办党组织及其下级党组织的党员，或所有党员",
    )
    description = models.TextField("简介", blank=True)
    # What running the class to 结业 needs (the records are in ``training``).
    plan_line = models.ForeignKey(
        "training.PlanLine",
        verbose_name="所属计划项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="classes",
    )
    enrolment = models.CharField(
        "报名方式",
        max_length=16,
        choices=EnrolmentMode.choices,
        default=EnrolmentMode.BOTH,
    )
    course = models.ForeignKey(
        "cms.CoursePage",
        verbose_name="线上课程",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_classes",
    )
    online_lessons = ParentalManyToManyField(
        "wagtailcore.Page",
        verbose_name="线上微党课",
        blank=True,
        related_name="training_classes_online",
        limit_choices_to={
            "content_type__model__in": ["microlessonpage", "vrcoursewarepage"]
        },
    )
    exam = models.ForeignKey(
        "assessment.Quiz",
        verbose_name="结业考试",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_classes",
    )
    credit_hours = models.DecimalField(
        "结业学时",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="结业时授予的学时；留空则为各课次学时之和",
    )
    credit_at_completion = models.BooleanField(
        "结业时授予学时",
        default=False,
        help_text="勾选后签到不再逐课次计学时，结班时向结业学员一次性授予结业学时",
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        "最低出勤率（%）",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="留空则不要求出勤率",
    )
    require_lessons = models.BooleanField("须学完线上课程", default=False)
    require_exam = models.BooleanField("须通过结业考试", default=False)
    closed_at = models.DateTimeField("结班时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结班人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("organisation"),
        FieldPanel("attendance"),
        FieldPanel("description"),
        FieldPanel("plan_line"),
        FieldPanel("enrolment"),
        FieldRowPanel([FieldPanel("course"), FieldPanel("exam")]),
        FieldPanel("online_lessons"),
        FieldRowPanel([FieldPanel("credit_hours"), FieldPanel("credit_at_completion")]),
        FieldRowPanel(
            [
                FieldPanel("min_attendance_percent"),
                FieldPanel("require_lessons"),
                FieldPanel("require_exam"),
            ]
        ),
        InlinePanel("sessions", label="课次"),
    ]

    class Meta:
        verbose_name = "培训班"
        verbose_name_plural = "培训班"

    def __str__(self) -> str:
        return self.title


class TrainingSession(ClusterableModel):
    """课次: one session of a class, with its rotating check-in code."""

    training_class = ParentalKey(
        TrainingClass, on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField("课次名称", max_length=200)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    teaching_site = models.ForeignKey(
        "cms.TeachingSitePage",
        verbose_name="教学点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_sessions",
    )
    lecturer = models.ForeignKey(
        "cms.Lecturer",
        verbose_name="授课讲师",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_sessions",
    )
    lessons = ParentalManyToManyField(
        "wagtailcore.Page",
        verbose_name="涵盖的微党课/VR 课件",
        blank=True,
        related_name="covering_sessions",
        limit_choices_to={
            "content_type__model__in": ["microlessonpage", "vrcoursewarepage"]
        },
    )
    credit_hours = models.DecimalField(
        "学时",
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(0)],
    )
    checkin_secret = models.CharField(
        max_length=64, default=new_checkin_secret, editable=False
    )

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldPanel("teaching_site"),
        FieldPanel("lecturer"),
        FieldPanel("lessons"),
        FieldPanel("credit_hours"),
    ]

    class Meta:
        verbose_name = "课次"
        verbose_name_plural = "课次"
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.training_class.title} · {self.title}"


class Attendance(models.Model):
    """签到: a member's attendance at a session."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="attendance"
    )
    session = models.ForeignKey(
        TrainingSession,
        verbose_name="课次",
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    checked_in_at = models.DateTimeField("签到时间")

    class Meta:
        verbose_name = "签到"
        verbose_name_plural = "签到"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "session"], name="unique_attendance"
            )
        ]


class ClassCompletion(models.Model):
    """结业记录: a member who completed a class by its rule, recorded when the class
    is closed (结班), with the 学时 the class granted. Certificates are issued on
    these records."""

    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name="培训班",
        on_delete=models.CASCADE,
        related_name="completions",
    )
    member = models.ForeignKey(
        Member,
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="class_completions",
    )
    hours = models.DecimalField("学时", max_digits=6, decimal_places=2)
    completed_at = models.DateTimeField("结业时间")

    class Meta:
        verbose_name = "结业记录"
        verbose_name_plural = "结业记录"
        ordering = ["training_class", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "member"], name="unique_class_completion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.training_class}"


class MemberYearCredit(models.Model):
    """年度学时汇总: a member's 学时 in a year, the sum of the member's credit records
    of that year, kept by ``learning.services.rollups`` in the same transaction as the
    records (``manage.py learning_reconcile`` checks it against them)."""

    member = models.ForeignKey(
        Member,
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="year_credits",
    )
    year = models.PositiveSmallIntegerField("年度")
    hours = models.DecimalField("学时", max_digits=10, decimal_places=2, default=0)

    class Meta:
        verbose_name = "年度学时汇总"
        verbose_name_plural = "年度学时汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"], name="unique_member_year_credit"
            )
        ]


class OrganisationTally(models.Model):
    """组织学习汇总: one figure of an organisation's own members (not its subtree's) of
    one member type, kept by ``learning.services.rollups`` in the same transaction as
    the member records it sums, so reports add up a few rows per organisation instead
    of every member.

    ``subject`` says what is counted: ``members`` (count = members),
    ``year:<year>`` (count = members who reached their type's yearly target,
    hours = their 学时 that year), ``course:<id>`` / ``topic:<id>`` (count = members
    who completed it)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    member_type = models.CharField(max_length=16, choices=MemberType.choices)
    subject = models.CharField(max_length=32)
    count = models.IntegerField(default=0)
    hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = "组织学习汇总"
        verbose_name_plural = "组织学习汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "member_type", "subject"],
                name="unique_organisation_tally",
            )
        ]
        indexes = [models.Index(fields=["subject", "organisation"])]
