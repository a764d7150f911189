"""Question bank (题库), quizzes and exams with their attempts, daily practice (每日一练)
and the wrong-answer book (错题本), and knowledge contests (知识竞赛): the online
round (海选) and the live stage round (擂台赛).

Models are declarative; the rules live in ``assessment.services``. An attempt keeps a
snapshot of each question it drew (what was shown, in the shuffled order, and the
answer key), so later edits to the bank never change a past result, and the key
stays on the server: the API never serialises it before the attempt is closed.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import Orderable

LEARNABLE_PAGE_MODELS = ["microlessonpage", "coursepage"]


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    TRUE_FALSE = "true_false", "判断题"
    FILL_BLANK = "fill_blank", "填空题"


class Difficulty(models.IntegerChoices):
    EASY = 1, "易"
    FAIRLY_EASY = 2, "较易"
    MEDIUM = 3, "中"
    FAIRLY_HARD = 4, "较难"
    HARD = 5, "难"


# --- question bank ----------------------------------------------------------------


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey(
        "assessment.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )


class Question(ClusterableModel):
    """题目: one question of the bank, with its answer key and explanation.

    Single and multiple choice keep their options (and which are correct) as
    ``QuestionOption`` rows; true/false keeps ``is_true``; fill-in-the-blank keeps
    every accepted answer, one per line, compared after normalising full-width and
    half-width characters (NFKC), spaces and case.
    """

    kind = models.CharField("题型", max_length=16, choices=QuestionKind.choices)
    stem = models.TextField("题干")
    is_true = models.BooleanField(
        "判断题答案为“正确”", null=True, blank=True, help_text="仅判断题"
    )
    accepted_answers = models.TextField(
        "填空题参考答案",
        blank=True,
        help_text="仅填空题：每行一个可接受的答案；比较时忽略全角/半角、空格和大小写",
    )
    explanation = models.TextField("解析", blank=True)
    difficulty = models.PositiveSmallIntegerField(
        "难度", choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    tags = ClusterTaggableManager("标签", through=QuestionTag, blank=True)
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="所属微党课或课程",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        limit_choices_to={"content_type__model__in": LEARNABLE_PAGE_MODELS},
    )
    active = models.BooleanField(
        "启用", default=True, help_text="停用的题目不再被抽到，已有的答题记录保留"
    )
    # Set by imports: a hash of the kind, the normalised stem and option texts and
    # the page, so importing a file again updates its questions instead of adding
    # them twice (assessment.services.imports.question_import_key).
    import_key = models.CharField(
        "导入键", max_length=64, blank=True, db_index=True, editable=False
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("difficulty")]),
        FieldPanel("stem"),
        InlinePanel("options", label="选项（单选/多选题）", min_num=0),
        FieldPanel("is_true"),
        FieldPanel("accepted_answers"),
        FieldPanel("explanation"),
        FieldPanel("tags"),
        FieldPanel("page"),
        FieldPanel("active"),
    ]

    class Meta:
        verbose_name = "题目"
        verbose_name_plural = "题库"
        ordering = ["-pk"]
        indexes = [models.Index(fields=["active", "difficulty"])]

    def __str__(self) -> str:
        stem = " ".join(self.stem.split())
        return f"[{self.get_kind_display()}] {stem[:40]}"

    @property
    def accepted_answer_list(self) -> list[str]:
        return [
            line.strip() for line in self.accepted_answers.splitlines() if line.strip()
        ]


class QuestionOption(Orderable):
    """选项 of a single or multiple choice question."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField("选项内容", max_length=500)
    correct = models.BooleanField("正确答案", default=False)

    panels = [FieldRowPanel([FieldPanel("text"), FieldPanel("correct")])]

    class Meta(Orderable.Meta):
        verbose_name = "选项"
        verbose_name_plural = "选项"

    def __str__(self) -> str:
        return self.text


# --- quizzes and exams ------------------------------------------------------------


class Quiz(ClusterableModel):
    """测验: a lesson's quiz (课后测验), a course's exam (结业考试) or the paper of an
    online contest (竞赛试卷): a fixed list or a random draw, a time limit, a number of
    attempts and a pass mark."""

    class Kind(models.TextChoices):
        LESSON = "lesson", "课后测验"
        COURSE = "course", "结业考试"
        CONTEST = "contest", "竞赛试卷"

    class Selection(models.TextChoices):
        FIXED = "fixed", "固定题目"
        RANDOM = "random", "随机抽题"

    title = models.CharField("名称", max_length=200)
    kind = models.CharField(
        "类型", max_length=16, choices=Kind.choices, default=Kind.LESSON
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="所属微党课或课程",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quizzes",
        limit_choices_to={"content_type__model__in": LEARNABLE_PAGE_MODELS},
        help_text="课后测验选微党课，结业考试选课程；竞赛试卷留空",
    )
    selection = models.CharField(
        "组卷方式",
        max_length=16,
        choices=Selection.choices,
        default=Selection.FIXED,
    )
    draw_count = models.PositiveSmallIntegerField(
        "抽题数量", default=10, validators=[MinValueValidator(1)]
    )
    draw_tags = models.CharField(
        "抽题标签",
        max_length=255,
        blank=True,
        help_text="随机抽题时只抽带这些标签之一的题目，多个标签用逗号分隔；留空表示不限",
    )
    draw_difficulty_min = models.PositiveSmallIntegerField(
        "最低难度", choices=Difficulty.choices, default=Difficulty.EASY
    )
    draw_difficulty_max = models.PositiveSmallIntegerField(
        "最高难度", choices=Difficulty.choices, default=Difficulty.HARD
    )
    draw_linked_only = models.BooleanField(
        "只抽本课程/微党课的题目",
        default=True,
        help_text="结业考试同时包括课程下各微党课的题目",
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        "限时（分钟）",
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    max_attempts = models.PositiveSmallIntegerField(
        "可作答次数", default=3, help_text="0 表示不限次数"
    )
    pass_mark = models.PositiveSmallIntegerField(
        "及格分（百分制）",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    show_explanations = models.BooleanField("交卷后显示答案与解析", default=True)
    shuffle_options = models.BooleanField("选项乱序", default=True)
    shuffle_questions = models.BooleanField(
        "题目乱序", default=False, help_text="随机抽题时题目顺序总是随机的"
    )
    active = models.BooleanField("启用", default=True)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("active")]),
        FieldPanel("page"),
        MultiFieldPanel(
            [
                FieldPanel("selection"),
                InlinePanel("quiz_questions", label="固定题目（按顺序）"),
                FieldRowPanel([FieldPanel("draw_count"), FieldPanel("draw_tags")]),
                FieldRowPanel(
                    [
                        FieldPanel("draw_difficulty_min"),
                        FieldPanel("draw_difficulty_max"),
                    ]
                ),
                FieldPanel("draw_linked_only"),
            ],
            heading="组卷",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("time_limit_minutes"),
                        FieldPanel("max_attempts"),
                        FieldPanel("pass_mark"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("shuffle_options"),
                        FieldPanel("shuffle_questions"),
                        FieldPanel("show_explanations"),
                    ]
                ),
            ],
            heading="作答规则",
        ),
    ]

    class Meta:
        verbose_name = "测验/考试"
        verbose_name_plural = "测验与考试"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_kind_display()}）"

    @property
    def draw_tag_list(self) -> list[str]:
        text = self.draw_tags.replace("，", ",").replace("、", ",")
        return [tag.strip() for tag in text.split(",") if tag.strip()]


class QuizQuestion(Orderable):
    """A question of a quiz with a fixed list."""

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="quiz_questions")
    question = models.ForeignKey(
        Question,
        verbose_name="题目",
        on_delete=models.CASCADE,
        related_name="quiz_links",
    )

    panels = [FieldPanel("question")]

    class Meta(Orderable.Meta):
        verbose_name = "试卷题目"
        verbose_name_plural = "试卷题目"
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "question"], name="unique_quiz_question"
            )
        ]


class QuizAttempt(models.Model):
    """答卷: one attempt of a member at a quiz. The deadline is set when it starts
    (server clock); an attempt left open is closed and scored at its deadline."""

    class Status(models.TextChoices):
        OPEN = "open", "作答中"
        SUBMITTED = "submitted", "已交卷"
        TIMED_OUT = "timed_out", "超时自动交卷"

    quiz = models.ForeignKey(
        Quiz, verbose_name="测验", on_delete=models.CASCADE, related_name="attempts"
    )
    member = models.ForeignKey(
        "learning.Member",
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    number = models.PositiveSmallIntegerField("第几次作答")
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.OPEN
    )
    started_at = models.DateTimeField("开始时间")
    deadline = models.DateTimeField("截止时间")
    closed_at = models.DateTimeField("交卷时间", null=True, blank=True)
    elapsed_seconds = models.FloatField("用时（秒）", null=True, blank=True)
    question_count = models.PositiveSmallIntegerField("题数", default=0)
    correct_count = models.PositiveSmallIntegerField("答对题数", default=0)
    score = models.DecimalField(
        "得分", max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField("及格", null=True, blank=True)

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        ordering = ["-started_at", "-pk"]
        constraints = [
            # Two concurrent starts cannot both take the same attempt number, so
            # the attempt limit holds without a lock.
            models.UniqueConstraint(
                fields=["quiz", "member", "number"], name="unique_attempt_number"
            )
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["member", "quiz"]),
        ]

    def __str__(self) -> str:
        return f"{self.quiz.title} · 第 {self.number} 次"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class AttemptQuestion(models.Model):
    """A question drawn into an attempt: what was shown (``content``: kind, stem and
    options in this attempt's order), the key (``key``, never sent before the attempt
    closes), the member's answer as last saved and, once scored, whether it is
    right."""

    attempt = models.ForeignKey(
        QuizAttempt, on_delete=models.CASCADE, related_name="questions"
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="attempt_questions"
    )
    position = models.PositiveSmallIntegerField()
    content = models.JSONField()
    key = models.JSONField()
    explanation = models.TextField(blank=True)
    answer = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    correct = models.BooleanField(null=True)

    class Meta:
        verbose_name = "答卷题目"
        verbose_name_plural = "答卷题目"
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="unique_attempt_question"
            )
        ]


# --- daily practice and the wrong-answer book -------------------------------------


@register_setting(icon="help")
class PracticeRule(BaseGenericSetting):
    """每日一练设置."""

    questions_per_day = models.PositiveSmallIntegerField(
        "每日一练题数",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )

    panels = [FieldPanel("questions_per_day")]

    class Meta:
        verbose_name = "每日一练设置"


class DailyPractice(models.Model):
    """每日一练: the questions drawn for a member on one day."""

    member = models.ForeignKey(
        "learning.Member",
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="daily_practices",
    )
    day = models.DateField("日期")
    created_at = models.DateTimeField("抽题时间", auto_now_add=True)

    class Meta:
        verbose_name = "每日一练"
        verbose_name_plural = "每日一练"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "day"], name="unique_daily_practice"
            )
        ]


class DailyPracticeItem(models.Model):
    practice = models.ForeignKey(
        DailyPractice, on_delete=models.CASCADE, related_name="items"
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="practice_items"
    )
    position = models.PositiveSmallIntegerField()
    answer = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["practice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "question"], name="unique_practice_question"
            )
        ]


class WrongAnswer(models.Model):
    """错题本: a question the member got wrong (in practice, a quiz or an exam).
    Answering it right marks it resolved; only then may the member remove it."""

    member = models.ForeignKey(
        "learning.Member",
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="wrong_answers",
    )
    question = models.ForeignKey(
        Question,
        verbose_name="题目",
        on_delete=models.CASCADE,
        related_name="wrong_answers",
    )
    times_wrong = models.PositiveIntegerField("答错次数", default=1)
    last_wrong_at = models.DateTimeField("最近答错时间")
    resolved_at = models.DateTimeField("答对时间", null=True, blank=True)

    class Meta:
        verbose_name = "错题"
        verbose_name_plural = "错题本"
        ordering = ["-last_wrong_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "question"], name="unique_wrong_answer"
            )
        ]


# --- knowledge contests -----------------------------------------------------------


class OnlineContest(models.Model):
    """知识竞赛·海选: an online round open to the members of an organisation subtree
    within a window; one attempt each, ranked by score, then by time taken."""

    title = models.CharField("竞赛名称", max_length=200)
    description = models.TextField("竞赛说明", blank=True)
    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="主办党组织",
        on_delete=models.PROTECT,
        related_name="online_contests",
        help_text="该组织及其下级组织的党员可以参赛",
    )
    quiz = models.OneToOneField(
        Quiz,
        verbose_name="竞赛试卷",
        on_delete=models.PROTECT,
        related_name="online_contest",
        limit_choices_to={"kind": Quiz.Kind.CONTEST},
    )
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("结束时间")
    ranking_public = models.BooleanField(
        "公开个人排名",
        default=False,
        help_text="默认不公开：只公布各组织的参赛率和平均分，不显示任何人的成绩",
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("organisation"),
        FieldPanel("quiz"),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
        FieldPanel("ranking_public"),
    ]

    class Meta:
        verbose_name = "知识竞赛（海选）"
        verbose_name_plural = "知识竞赛（海选）"
        ordering = ["-opens_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class LiveItemKind(models.TextChoices):
    REQUIRED = "required", "必答题"
    BUZZER = "buzzer", "抢答题"
    RISK = "risk", "风险题"


RISK_STAKES = (20, 30, 40)
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def new_join_code() -> str:
    """An 8-character code a person can read off a screen and type."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


class LiveContest(ClusterableModel):
    """知识竞赛·擂台赛: a live round in a hall. Teams join with their join codes,
    the host advances through the questions, and the server decides every answer
    by its own clock. ``version`` changes with every change of state, so screens
    polling the state get ``304 Not Modified`` until something happens."""

    class Status(models.TextChoices):
        WAITING = "waiting", "未开始"
        RUNNING = "running", "进行中"
        FINISHED = "finished", "已结束"

    class Phase(models.TextChoices):
        IDLE = "idle", "等待开始"
        STAKING = "staking", "选择分值"
        READY = "ready", "读题"
        OPEN = "open", "作答中"
        REVEALED = "revealed", "公布答案"
        FINISHED = "finished", "比赛结束"

    title = models.CharField("竞赛名称", max_length=200)
    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="主办党组织",
        on_delete=models.PROTECT,
        related_name="live_contests",
    )
    hall = models.CharField("比赛场地", max_length=200, blank=True)
    starts_at = models.DateTimeField("比赛时间", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.WAITING
    )
    phase = models.CharField(
        "环节", max_length=16, choices=Phase.choices, default=Phase.IDLE
    )
    current_item = models.ForeignKey(
        "assessment.LiveContestItem",
        verbose_name="当前题目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField("开始作答时间", null=True, blank=True)
    closes_at = models.DateTimeField("作答截止时间", null=True, blank=True)
    version = models.PositiveIntegerField("状态版本", default=0, editable=False)

    panels = [
        FieldPanel("title"),
        FieldPanel("organisation"),
        FieldRowPanel([FieldPanel("hall"), FieldPanel("starts_at")]),
        InlinePanel("teams", label="参赛队伍"),
        InlinePanel("items", label="比赛题目（按顺序）"),
    ]

    class Meta:
        verbose_name = "知识竞赛（擂台赛）"
        verbose_name_plural = "知识竞赛（擂台赛）"
        ordering = ["-pk"]
        permissions = [("host_livecontest", "主持擂台赛")]

    def __str__(self) -> str:
        return self.title


class LiveTeam(Orderable):
    """参赛队伍 (e.g. a branch), with the code its phones join with."""

    contest = ParentalKey(LiveContest, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("队伍名称", max_length=100)
    join_code = models.CharField(
        "加入码",
        max_length=12,
        unique=True,
        default=new_join_code,
        help_text="手机输入或扫码加入本队",
    )
    score = models.IntegerField("得分", default=0, editable=False)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("join_code")])]

    class Meta(Orderable.Meta):
        verbose_name = "参赛队伍"
        verbose_name_plural = "参赛队伍"

    def __str__(self) -> str:
        return self.name


class LiveContestItem(Orderable):
    """A question of a live contest, with its kind (必答/抢答/风险题)."""

    contest = ParentalKey(LiveContest, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(
        Question,
        verbose_name="题目",
        on_delete=models.PROTECT,
        related_name="live_items",
    )
    kind = models.CharField("题型环节", max_length=16, choices=LiveItemKind.choices)
    points = models.PositiveSmallIntegerField(
        "分值", default=10, help_text="风险题按队伍选择的分值（20/30/40）计分"
    )
    answer_seconds = models.PositiveSmallIntegerField(
        "作答时间（秒）",
        default=30,
        validators=[MinValueValidator(3), MaxValueValidator(600)],
    )

    panels = [
        FieldPanel("question"),
        FieldRowPanel(
            [FieldPanel("kind"), FieldPanel("points"), FieldPanel("answer_seconds")]
        ),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "比赛题目"
        verbose_name_plural = "比赛题目"


class LiveDevice(models.Model):
    """A phone joined to a team; it authenticates with its device token (stored
    hashed). A phone that joined from the host screen's QR code after signing in
    is the member's (``user``): scanning again (the phone's storage lost) gives the
    same row a new token instead of adding a second player."""

    team = models.ForeignKey(
        LiveTeam, verbose_name="队伍", on_delete=models.CASCADE, related_name="devices"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="党员账号",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField("设备名称", max_length=60, blank=True)
    joined_at = models.DateTimeField("加入时间")

    class Meta:
        verbose_name = "答题设备"
        verbose_name_plural = "答题设备"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=models.Q(user__isnull=False),
                name="unique_live_device_member",
            )
        ]


class LiveStake(models.Model):
    """The stake a team chose for a risk question before answering it."""

    item = models.ForeignKey(
        LiveContestItem, on_delete=models.CASCADE, related_name="stakes"
    )
    team = models.ForeignKey(LiveTeam, on_delete=models.CASCADE, related_name="stakes")
    stake = models.PositiveSmallIntegerField(
        choices=[(value, str(value)) for value in RISK_STAKES]
    )
    chosen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "team"], name="unique_live_stake")
        ]


class LiveAnswer(models.Model):
    """A team's answer to a live question, stamped with the server's clock. At most
    one answer per team and question, and at most one buzzer winner per question
    (both are database constraints, so they hold under any concurrency)."""

    item = models.ForeignKey(
        LiveContestItem, on_delete=models.CASCADE, related_name="answers"
    )
    team = models.ForeignKey(LiveTeam, on_delete=models.CASCADE, related_name="answers")
    device = models.ForeignKey(
        LiveDevice, null=True, on_delete=models.SET_NULL, related_name="answers"
    )
    answer = models.JSONField()
    correct = models.BooleanField()
    won = models.BooleanField(default=False)
    points = models.IntegerField(default=0)
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "team"], name="unique_live_answer"),
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(won=True),
                name="one_buzzer_winner",
            ),
        ]
