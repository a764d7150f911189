"""投诉建议: the feedback channel every signed-in user has (国办函〔2026〕12号 第六条).

A submission is kept with its submitter's organisation at the time, so the
organisation administrators of that subtree (and editors) handle it in the admin;
the answer reaches the submitter as a portal notice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

TEXT_MAX = 2000  # characters of a submission (a clear 400 ``text_too_long`` past it)
ANSWER_MAX = 2000


class Feedback(models.Model):
    class Category(models.TextChoices):
        COMPLAINT = "complaint", "投诉"
        SUGGESTION = "suggestion", "建议"
        QUESTION = "question", "咨询"
        PROBLEM = "problem", "问题反馈"

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        IN_PROGRESS = "in_progress", "处理中"
        ANSWERED = "answered", "已答复"
        CLOSED = "closed", "已关闭"

    class Contact(models.TextChoices):
        PORTAL = "portal", "站内通知答复"
        PHONE = "phone", "电话联系"
        EMAIL = "email", "电子邮件"

    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    # The submitter's organisation when they wrote (none for editors and
    # lecturers who are not members): who handles it besides the editors.
    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="所在党组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    text = models.TextField("内容", max_length=TEXT_MAX)
    contact_preference = models.CharField(
        "联系方式偏好",
        max_length=16,
        choices=Contact.choices,
        default=Contact.PORTAL,
    )
    contact = models.CharField(
        "联系方式", max_length=100, blank=True, help_text="电话或邮箱（选填）"
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="相关页面",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "处理状态",
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    answer = models.TextField("答复", max_length=ANSWER_MAX, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "投诉建议"
        verbose_name_plural = "投诉建议"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.text[:30]}"
