"""Request and response schemas of the assessment API.

Requests are read for the fields below only: anything else a client sends (a
``score``, a ``correct`` flag) is ignored.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt, StrictStr

# More than any question has options: a longer list is refused before it is read.
MAX_ANSWER_OPTIONS = 50


class OptionOut(Schema):
    id: int
    text: str


class AnswerIn(Schema):
    """One answer: ``options`` for a choice question, ``value`` for true/false,
    ``text`` for fill-in-the-blank. Nothing (or an empty list) clears it.

    Strict: an option id is a JSON integer (``true`` is not option 1, ``"3"`` is not
    option 3), a true/false answer a JSON boolean (not ``1``), a text a string;
    anything else is refused (422) naming the field."""

    options: list[StrictInt] = Field(
        default_factory=list,
        max_length=MAX_ANSWER_OPTIONS,
        description="选择题：所选选项的 id（整数）",
    )
    value: StrictBool | None = Field(None, description="判断题：true 为“正确”")
    text: StrictStr | None = Field(None, max_length=500, description="填空题的答案")


class AnswerOut(Schema):
    options: list[int] | None = None
    value: bool | None = None
    text: str | None = None


class KeyOut(Schema):
    """The right answer: option ids, true/false, or every accepted text."""

    options: list[int] | None = None
    value: bool | None = None
    accepted: list[str] | None = None


class QuizOut(Schema):
    id: int
    title: str
    kind: str
    page_id: int | None
    question_count: int
    time_limit_minutes: int
    max_attempts: int = Field(description="0 表示不限次数")
    pass_mark: int
    show_explanations: bool
    attempts_used: int
    attempts_left: int | None
    best_score: Decimal | None
    passed: bool
    open_attempt_id: int | None


class QuizRefOut(Schema):
    id: int
    title: str
    kind: str


class AttemptQuestionOut(Schema):
    id: int = Field(description="题目 id（作答时用它）")
    position: int
    kind: str
    stem: str
    options: list[OptionOut]
    answer: AnswerOut | None
    correct: bool | None = Field(None, description="交卷后且试卷允许时才有")
    key: KeyOut | None = Field(None, description="交卷后且试卷允许时才有")
    explanation: str | None = Field(None, description="交卷后且试卷允许时才有")


class AttemptResultOut(Schema):
    closed_at: datetime
    elapsed_seconds: float
    correct_count: int
    score: Decimal
    pass_mark: int
    passed: bool


class AttemptOut(Schema):
    id: int
    quiz: QuizRefOut
    number: int
    status: str = Field(description="open / submitted / timed_out")
    started_at: datetime
    deadline: datetime
    server_time: datetime
    remaining_seconds: float
    question_count: int
    answered_count: int
    questions: list[AttemptQuestionOut]
    result: AttemptResultOut | None


class AnswerSavedOut(Schema):
    question: int
    answer: AnswerOut | None
    answered_at: datetime | None
    remaining_seconds: float


class AttemptSummaryOut(Schema):
    id: int
    quiz_id: int
    quiz_title: str
    kind: str
    page_id: int | None
    contest_id: int | None
    number: int
    status: str
    started_at: datetime
    deadline: datetime
    closed_at: datetime | None
    score: Decimal | None
    passed: bool | None


class PracticeQuestionOut(Schema):
    id: int
    position: int
    kind: str
    stem: str
    options: list[OptionOut] = Field(default_factory=list)
    answer: AnswerOut | None
    answered: bool
    held_back: bool = Field(
        False,
        description="true：这道题正用于尚未结束的竞赛或不公布答案的考试，"
        "暂不能作答，也不显示答案",
    )
    correct: bool | None = None
    key: KeyOut | None = None
    explanation: str | None = None


class PracticeOut(Schema):
    day: date
    question_count: int
    answered_count: int
    questions: list[PracticeQuestionOut]


class WrongAnswerOut(Schema):
    id: int
    kind: str
    stem: str
    options: list[OptionOut] = Field(default_factory=list)
    key: KeyOut | None = Field(description="held_back 时为 null")
    explanation: str | None = Field(description="held_back 时为 null")
    held_back: bool = Field(
        description="true：这道题正用于尚未结束的竞赛或不公布答案的考试，"
        "暂不显示答案与解析，也不能重答"
    )
    times_wrong: int
    last_wrong_at: datetime
    answered_right: bool
    answered_right_at: datetime | None


class WrongAnswerListOut(Schema):
    count: int
    items: list[WrongAnswerOut]


class WrongAnswerRetryOut(Schema):
    correct: bool
    answered_right: bool = Field(description="答对后可以从错题本中移除")
    times_wrong: int


class MyContestAttemptOut(Schema):
    id: int
    status: str
    score: Decimal | None
    elapsed_seconds: float | None


class ContestOut(Schema):
    id: int
    title: str
    description: str
    organisation: str
    opens_at: datetime
    closes_at: datetime
    state: str = Field(description="upcoming / open / closed")
    time_limit_minutes: int
    ranking_public: bool
    my_attempt: MyContestAttemptOut | None


class RankingRowOut(Schema):
    rank: int
    name: str
    organisation: str
    score: Decimal
    elapsed_seconds: float


class RankingOut(Schema):
    contest: int
    items: list[RankingRowOut]


class ResultRowOut(Schema):
    organisation_id: int | None
    code: str
    name: str
    members: int
    participants: int
    participation: float
    passed: int
    pass_rate: float
    average_score: float | None


class ReportOrganisationOut(Schema):
    id: int
    code: str
    name: str


class ResultReportOut(Schema):
    organisation: ReportOrganisationOut
    subject: str
    total: ResultRowOut
    children: list[ResultRowOut]


class ContestResultRowOut(ResultRowOut):
    """An organisation's contest figures; with too few participants (or where they
    could be worked out by subtraction, or while the contest is open) its score
    figures are withheld (null) and ``suppressed`` is true."""

    passed: int | None = Field(
        description="及格人数；参加人数不足 min_group_size 时为 null（不公布）"
    )
    pass_rate: float | None = Field(
        description="及格率（%）；参加人数不足 min_group_size 时为 null（不公布）"
    )
    average_score: float | None = Field(
        description="平均分；无人参加，或参加人数不足 min_group_size 时为 null"
    )
    suppressed: bool = Field(
        description="true：参加人数不足 min_group_size，为不泄露个人成绩，"
        "不公布及格人数、及格率和平均分"
    )


class ContestResultReportOut(Schema):
    organisation: ReportOrganisationOut
    subject: str
    min_group_size: int | None = Field(
        description="参加人数少于此数的组织不公布成绩数字；"
        "主办方公开个人排名时为 null（全部公布）"
    )
    scores_after: datetime | None = Field(
        None,
        description="竞赛尚未结束时为结束时间：此前各组织一律不公布成绩数字，"
        "只公布参与情况",
    )
    total: ContestResultRowOut
    children: list[ContestResultRowOut]


# --- live stage round ---------------------------------------------------------------


class LiveJoinIn(Schema):
    code: str = Field(max_length=40, description="队伍加入码（大小写、空格不限）")
    label: str = Field("", max_length=60, description="设备名称，如“一号机”")


class LiveTeamRefOut(Schema):
    id: int
    name: str


class LiveJoinOut(Schema):
    device_token: str = Field(description="之后的请求放在 X-Device-Token 头中")
    contest: int
    team: LiveTeamRefOut


class LiveContestRefOut(Schema):
    id: int
    title: str
    hall: str
    status: str


class LiveTeamOut(Schema):
    id: int
    name: str
    score: int
    join_code: str | None = None


class LiveQuestionOut(Schema):
    kind: str
    stem: str
    options: list[OptionOut] = Field(default_factory=list)


class LiveResultOut(Schema):
    team_id: int
    answered: bool
    correct: bool | None
    stake: int | None
    points: int


class LiveItemOut(Schema):
    id: int
    index: int
    total: int
    kind: str = Field(description="required 必答 / buzzer 抢答 / risk 风险题")
    points: int
    stakes: list[int]
    answer_seconds: int
    opened_at: datetime | None
    closes_at: datetime | None
    question: LiveQuestionOut | None
    answered_team_ids: list[int]
    staked_team_ids: list[int]
    buzzer_winner_team_id: int | None
    key: KeyOut | None
    explanation: str | None
    results: list[LiveResultOut] | None


class LiveYouOut(Schema):
    team_id: int
    team_name: str
    answered: bool
    answer: AnswerOut | None
    won: bool
    stake: int | None


class LiveStateOut(Schema):
    contest: LiveContestRefOut
    version: int
    phase: str = Field(
        description="idle / staking / ready / open / revealed / finished"
    )
    server_time: datetime
    teams: list[LiveTeamOut]
    item: LiveItemOut | None
    you: LiveYouOut | None


class LiveAdvanceIn(Schema):
    version: int | None = Field(
        None, description="主持屏显示的状态版本；不一致时拒绝，避免重复点击跳两步"
    )


class LiveStakeIn(Schema):
    team: int
    item: int
    stake: int = Field(description="20、30 或 40")


class LiveStakeOut(Schema):
    team: int
    item: int
    stake: int


class LiveAnswerIn(AnswerIn):
    team: int = Field(description="本机加入的队伍 id")
    item: int = Field(description="当前题目 id")


class LiveAnswerOut(Schema):
    team: int
    item: int
    answered_at: datetime
    won: bool | None = Field(None, description="抢答题：是否抢到（第一个答对）")
