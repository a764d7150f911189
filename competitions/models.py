"""宣讲比赛: the app's records.

A competition has rounds (an online preliminary, a final on stage); a round has a
rubric of weighted criteria and its judges; entrants enter once per competition
with a video (the media pipeline's ``VideoAsset``) and a script; an entry takes
part in a round through a ``RoundEntry`` (its place in the running order). Judges'
scores, declared conflicts and the audience's votes are kept as given: every
figure shown (a round's ranking, the final's result) is computed from them
(``competitions.selectors.round_ranking``), never stored beside them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable

SCRIPT_TEXT_MAX = 20000  # characters of a script typed in
SCRIPT_PDF_MAX = 10 * 1024 * 1024  # bytes of a script PDF


def new_award_code() -> str:
    return secrets.token_urlsafe(24)


class Competition(models.Model):
    title = models.CharField("比赛名称", max_length=200)
    description = models.TextField("比赛说明", blank=True)
    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="主办党组织",
        on_delete=models.PROTECT,
        related_name="competitions",
        help_text="证书落款；与评委同一党组织的参赛者不分配给该评委",
    )
    audience_weight = models.DecimalField(
        "观众投票权重",
        max_digits=3,
        decimal_places=2,
        default=0.2,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=(
            "决赛总分 = (1 − 权重) × 评委得分 + 权重 × 观众得分；"
            "观众得分 = 100 × 该选手票数 ÷ 决赛最高票数（无人投票时为 0）"
        ),
    )
    winners_count = models.PositiveSmallIntegerField(
        "获奖名额",
        default=3,
        validators=[MinValueValidator(1)],
        help_text="决赛前几名获证书并受邀加入师资库",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("organisation"),
        FieldPanel("audience_weight"),
        FieldPanel("winners_count"),
    ]

    class Meta:
        verbose_name = "宣讲比赛"
        verbose_name_plural = "宣讲比赛"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Round(ClusterableModel):
    class Kind(models.TextChoices):
        PRELIMINARY = "preliminary", "线上初赛"
        FINAL = "final", "现场决赛"

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    competition = models.ForeignKey(
        Competition,
        verbose_name="比赛",
        on_delete=models.CASCADE,
        related_name="rounds",
    )
    kind = models.CharField("赛段", max_length=16, choices=Kind.choices)
    title = models.CharField("名称", max_length=120)
    sequence = models.PositiveSmallIntegerField(
        "顺序", default=1, help_text="第几轮：初赛 1，决赛 2"
    )
    closes_at = models.DateTimeField(
        "截止时间", help_text="初赛：报名和评分截止；决赛：现场评分和投票截止"
    )
    advance_count = models.PositiveSmallIntegerField(
        "晋级名额",
        default=5,
        validators=[MinValueValidator(1)],
        help_text="本轮前几名进入下一轮（决赛不用）",
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.OPEN
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    released_at = models.DateTimeField(
        "成绩公布时间",
        null=True,
        blank=True,
        help_text="公布前，选手和观众看不到得分",
    )
    current_entry = models.ForeignKey(
        "Entry",
        verbose_name="当前选手",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("competition"),
        FieldPanel("kind"),
        FieldPanel("title"),
        FieldPanel("sequence"),
        FieldPanel("closes_at"),
        FieldPanel("advance_count"),
        InlinePanel("criteria", label="评分细则", min_num=1),
        InlinePanel("judges", label="评委"),
    ]

    class Meta:
        verbose_name = "赛段"
        verbose_name_plural = "赛段"
        ordering = ["competition", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "sequence"], name="competitions_round_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competition} · {self.title}"


class Criterion(Orderable):
    round = ParentalKey(Round, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField("评分项", max_length=60)
    weight = models.PositiveSmallIntegerField(
        "权重", validators=[MinValueValidator(1)], help_text="如 内容 40、表达 30"
    )
    max_score = models.PositiveSmallIntegerField(
        "满分",
        default=10,
        validators=[MinValueValidator(1)],
        help_text="每项打 0 至满分",
    )

    panels = [FieldPanel("name"), FieldPanel("weight"), FieldPanel("max_score")]

    class Meta(Orderable.Meta):
        verbose_name = "评分细则"
        verbose_name_plural = "评分细则"

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}）"


class JudgeAssignment(Orderable):
    round = ParentalKey(Round, on_delete=models.CASCADE, related_name="judges")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评委",
        on_delete=models.CASCADE,
        related_name="competition_judging",
    )

    panels = [FieldPanel("judge")]

    class Meta(Orderable.Meta):
        verbose_name = "评委"
        verbose_name_plural = "评委"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "judge"], name="competitions_judge_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.judge)


def _script_path(entry: Entry, filename: str) -> str:
    return f"competitions/scripts/{secrets.token_hex(16)}.pdf"


class Entry(models.Model):
    competition = models.ForeignKey(
        Competition,
        verbose_name="比赛",
        on_delete=models.CASCADE,
        related_name="entries",
    )
    entrant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="参赛者",
        on_delete=models.CASCADE,
        related_name="competition_entries",
    )
    entrant_name = models.CharField("参赛者姓名", max_length=100)
    # The entrant's organisation when they entered (none for a lecturer who is
    # not a member): judges of this organisation are not given the entry.
    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="所在党组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField("宣讲题目", max_length=200)
    video = models.ForeignKey(
        "media_pipeline.VideoAsset",
        verbose_name="参赛视频",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    script_file = models.FileField(
        "讲稿（PDF）", upload_to=_script_path, blank=True, max_length=200
    )
    script_text = models.TextField("讲稿（文本）", blank=True)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "参赛作品"
        verbose_name_plural = "参赛作品"
        ordering = ["competition", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "entrant"], name="competitions_enter_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entrant_name}：{self.title}"


class RoundEntry(models.Model):
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="round_entries"
    )
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="round_entries"
    )
    stage_order = models.PositiveSmallIntegerField("出场顺序", default=0)

    class Meta:
        ordering = ["round", "stage_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "entry"], name="competitions_round_entry_once"
            )
        ]


class JudgeConflict(models.Model):
    """A judge's declared conflict of interest: the entry is no longer theirs."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("回避原因", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评委回避"
        verbose_name_plural = "评委回避"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "judge", "entry"], name="competitions_conflict_once"
            )
        ]


class Score(models.Model):
    """One judge's marks for one entry in one round: ``marks`` maps each
    criterion's id (as text) to the points given (0..its maximum)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="scores")
    marks = models.JSONField("各项得分")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "评分"
        verbose_name_plural = "评分"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "judge", "entry"], name="competitions_score_once"
            )
        ]


class Vote(models.Model):
    """An audience member's vote in a final: one per member per final."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "观众投票"
        verbose_name_plural = "观众投票"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "voter"], name="competitions_vote_once"
            )
        ]


class Award(models.Model):
    """A winner of a competition: their place, the certificate and the
    invitation to join the lecturer pool."""

    class Invitation(models.TextChoices):
        PENDING = "pending", "待答复"
        ACCEPTED = "accepted", "已接受"
        DECLINED = "declined", "已谢绝"

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="awards"
    )
    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="award")
    rank = models.PositiveSmallIntegerField("名次")
    score = models.DecimalField("总分", max_digits=6, decimal_places=2)
    code = models.CharField(
        "验证码", max_length=64, unique=True, default=new_award_code, editable=False
    )
    certificate = models.FileField(
        "证书", upload_to="competitions/certificates/", blank=True
    )
    invitation = models.CharField(
        "师资库邀请",
        max_length=16,
        choices=Invitation.choices,
        default=Invitation.PENDING,
    )
    lecturer = models.ForeignKey(
        "cms.Lecturer",
        verbose_name="讲师档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "获奖"
        verbose_name_plural = "获奖"
        ordering = ["competition", "rank"]

    def __str__(self) -> str:
        return f"{self.competition} 第{self.rank}名 {self.entry.entrant_name}"
