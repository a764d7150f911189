"""讲师点单: the lecture menu (菜单), orders (点单 → 派单 → 接单), ratings (评单)
and each account's calendar feed.

A menu item (``Lecture``) goes draft → submitted → published, or back to the
lecturer as returned with a comment; every step is kept in ``LectureReviewStep``
(who, when, what, the comment). An order goes ordered → dispatched → accepted or
declined; an accepted order names its time and the branch's 党课 meeting.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cms.fields import MemberTypesField


class Lecture(models.Model):
    """A lecture a lecturer offers on the menu (菜单式供给)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审核"
        PUBLISHED = "published", "已发布"
        RETURNED = "returned", "已退回"

    class Mode(models.TextChoices):
        ONSITE = "onsite", "现场"
        ONLINE = "online", "线上"
        BOTH = "both", "现场或线上"

    # Deleting a lecturer from the pool (an editor's explicit act) takes their
    # menu and its orders with it; the branches' 党课 meetings stay.
    lecturer = models.ForeignKey(
        "cms.Lecturer",
        verbose_name="讲师",
        on_delete=models.CASCADE,
        related_name="menu_lectures",
    )
    title = models.CharField("题目", max_length=120)
    summary = models.TextField("内容简介", blank=True)
    minutes = models.PositiveSmallIntegerField(
        "时长（分钟）", validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    mode = models.CharField("形式", max_length=8, choices=Mode.choices)
    audiences = MemberTypesField("适合对象", help_text="不选表示全体党员")
    topics = models.ManyToManyField(
        "cms.TopicPage", verbose_name="专题", blank=True, related_name="+"
    )
    tags = models.CharField(
        "关键词", max_length=200, blank=True, help_text="顿号或逗号分隔"
    )
    areas = models.ManyToManyField(
        "learning.Organisation",
        verbose_name="可前往的地区",
        blank=True,
        related_name="+",
        help_text="这些党组织及其下级；不选表示不限",
    )
    direct = models.BooleanField(
        "讲师直接接单", default=False, help_text="否：由组织部门派单"
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    review_comment = models.CharField("审核意见", max_length=300, blank=True)
    # Folded text, segmented words and pinyin of title, summary, tags, topics and
    # lecturer, kept on every write for the menu's search (search.text).
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = "菜单课程"
        verbose_name_plural = "菜单课程"
        ordering = ["-published_at", "pk"]

    def __str__(self) -> str:
        return self.title


class LectureReviewStep(models.Model):
    """One step of a menu item's review: submitted, published or returned."""

    lecture = models.ForeignKey(
        Lecture, on_delete=models.CASCADE, related_name="review_steps"
    )
    status = models.CharField("状态", max_length=12, choices=Lecture.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.CharField("意见", max_length=300, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["at", "pk"]


class LectureOrder(models.Model):
    """点单: a branch orders a menu lecture for one of its preferred times."""

    class Status(models.TextChoices):
        ORDERED = "ordered", "待派单"
        DISPATCHED = "dispatched", "待讲师接单"
        ACCEPTED = "accepted", "已接单"
        DECLINED = "declined", "已谢绝"

    lecture = models.ForeignKey(
        Lecture, verbose_name="课程", on_delete=models.CASCADE, related_name="orders"
    )
    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="点单党组织",
        on_delete=models.PROTECT,
        related_name="lecture_orders",
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="点单人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    slots = models.JSONField("备选时间", default=list)  # ISO start times, 2–3
    audience_size = models.PositiveIntegerField("预计人数")
    audiences = MemberTypesField("听课对象")
    online = models.BooleanField("线上", default=False)
    address = models.CharField("地址", max_length=200, blank=True)
    online_url = models.URLField("线上会议链接", blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.ORDERED
    )
    created_at = models.DateTimeField("点单时间")
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="派单人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("接单/谢绝时间", null=True, blank=True)
    decline_reason = models.CharField("谢绝理由", max_length=200, blank=True)
    starts_at = models.DateTimeField("开始时间", null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField("结束时间", null=True, blank=True)
    meeting = models.OneToOneField(
        "meetings.Meeting",
        verbose_name="党课",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lecture_order",
    )

    class Meta:
        verbose_name = "点单"
        verbose_name_plural = "点单"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organisation.name} · {self.lecture.title}"


class LectureRating(models.Model):
    """评单: an attendee's rating of a lecture they checked in to (anonymous to
    the lecturer: only aggregates leave the app)."""

    order = models.ForeignKey(
        LectureOrder, on_delete=models.CASCADE, related_name="ratings"
    )
    member = models.ForeignKey(
        "learning.Member", on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        "评分", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField("意见", max_length=300, blank=True)
    created_at = models.DateTimeField("评价时间")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "member"], name="lectures_one_rating_per_member"
            )
        ]


def new_feed_secret() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The secret of an account's iCalendar feed (reset makes the old URL fail)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    secret = models.CharField(max_length=64, unique=True, default=new_feed_secret)
    created_at = models.DateTimeField(auto_now=True)
