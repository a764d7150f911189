"""结业证书: one certificate per member who completed a training class, its PDF kept
in Django's storage, a public verify code printed as a QR, and the batches that
issue a class's certificates in the worker.

The issuing organisation's seal and name on the certificate come from its
``IssuerProfile`` (optional: without one the organisation's name is printed and
no seal).
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel

# 24 random bytes: 192 bits, 32 URL-safe characters; nobody guesses one.
VERIFY_CODE_BYTES = 24


def new_verify_code() -> str:
    return secrets.token_urlsafe(VERIFY_CODE_BYTES)


def _certificate_path(certificate: Certificate, filename: str) -> str:
    # Server-chosen names that say nothing of the member or the verify code.
    return f"certificates/{certificate.year}/{uuid.uuid4().hex}.pdf"


class IssuerProfile(models.Model):
    """发证单位设置: how an organisation signs its certificates (name and seal)."""

    organisation = models.OneToOneField(
        "learning.Organisation",
        verbose_name="党组织",
        on_delete=models.CASCADE,
        related_name="certificate_issuer",
    )
    issuer_name = models.CharField(
        "发证单位名称",
        max_length=120,
        blank=True,
        help_text="印在证书上的落款；留空则用党组织名称",
    )
    seal = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="印章图片",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="透明底的 PNG 印章，盖在落款处；可不设",
    )

    panels = [FieldPanel("organisation"), FieldPanel("issuer_name"), FieldPanel("seal")]

    class Meta:
        verbose_name = "发证单位设置"
        verbose_name_plural = "发证单位设置"

    def __str__(self) -> str:
        return self.issuer_name or str(self.organisation)


class CertificateSequence(models.Model):
    """The last certificate number an issuer gave in a year (numbers run 1, 2, 3…
    per issuer and year, without gaps between issued certificates)."""

    issuer = models.ForeignKey(
        "learning.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year"], name="unique_certificate_sequence"
            )
        ]


class Certificate(models.Model):
    """结业证书 of one member for one class. What it says (name, class, dates, 学时,
    issuer) is kept as printed, so the verify page answers from the record even if
    the class is renamed later."""

    training_class = models.ForeignKey(
        "learning.TrainingClass",
        verbose_name="培训班",
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    member = models.ForeignKey(
        "learning.Member",
        verbose_name="党员",
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issuer = models.ForeignKey(
        "learning.Organisation",
        verbose_name="发证党组织",
        on_delete=models.PROTECT,
        related_name="certificates_issued",
    )
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("年度序号")
    number = models.CharField("证书编号", max_length=60, unique=True)
    code = models.CharField(
        "验证码", max_length=64, unique=True, default=new_verify_code, editable=False
    )
    member_name = models.CharField("姓名", max_length=60)
    class_title = models.CharField("培训班名称", max_length=200)
    issuer_name = models.CharField("发证单位", max_length=120)
    starts_on = models.DateField("开班日期")
    ends_on = models.DateField("结业日期")
    hours = models.DecimalField("学时", max_digits=6, decimal_places=2)
    file = models.FileField(
        "证书文件", upload_to=_certificate_path, max_length=200, blank=True
    )
    issued_at = models.DateTimeField("发证时间", default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发证人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_reason = models.TextField("撤销原因", blank=True)

    class Meta:
        verbose_name = "结业证书"
        verbose_name_plural = "结业证书"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "member"],
                name="unique_certificate_per_class_member",
            ),
            models.UniqueConstraint(
                fields=["issuer", "year", "sequence"],
                name="unique_certificate_sequence_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.member_name}"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class CertificateBatch(models.Model):
    """一次批量发证: the certificates of a class issued by the worker, with its
    progress for the admin and the API. Running it again issues only what is
    missing."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "发证中"
        DONE = "done", "已完成"
        FAILED = "failed", "未完成"

    training_class = models.ForeignKey(
        "learning.TrainingClass",
        verbose_name="培训班",
        on_delete=models.CASCADE,
        related_name="certificate_batches",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    total = models.PositiveIntegerField("结业人数", default=0)
    issued_count = models.PositiveIntegerField("本次发证", default=0)
    existing_count = models.PositiveIntegerField("此前已发", default=0)
    detail = models.TextField("结果", blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批量发证"
        verbose_name_plural = "批量发证"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.training_class}（{self.get_status_display()} {self.progress}%）"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
